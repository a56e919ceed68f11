#pragma once

#include <QList>
#include <QString>

class QWidget;

namespace Fcemu::Ui {

// One piece of text a user cannot read whole: a label, button, header section, tab or dock title
// narrower than its text, a widget cut off by its parent or the window, or a dock panel squeezed
// below its minimum size (it scrolls).
struct CutText
{
    QString where; // "billingDock > QLabel#factor", the nearest dock first
    QString text;  // the text that is cut
    QString why;   // "needs 212 px, has 180", "outside the window", ...
    QString toString() const;
};

// Every piece of cut text in a window as it is laid out now (issue 13: "no cut text in any
// panel"). Widgets hidden, in a tab not shown, or inside a scroll area of their own (a table's
// cells, a form that scrolls) are not checked; a widget whose property "fcemuElides" is true
// shortens its text on purpose (the whole text is in its tooltip) and is not checked either.
// Painted widgets that draw text of their own say how wide it must be in the property
// "fcemuTextWidth" (an int, in pixels).
QList<CutText> findCutText(const QWidget *window);

// The name the widget checks give a widget: the nearest dock's object name, then the widget's
// class and object name.
QString describeWidget(const QWidget *widget);

} // namespace Fcemu::Ui
