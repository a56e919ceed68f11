#include "LayoutCheck.h"

#include <QAbstractButton>
#include <QAbstractScrollArea>
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QDockWidget>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QStyle>
#include <QTabBar>
#include <QTextDocument>
#include <QToolButton>

namespace Fcemu::Ui {

namespace {

// The object name main windows give a dock panel's scroll frame (MainWindow::addPanel).
const QString kDockFrame = u"dockFrame"_qs;

QString plain(QString text)
{
    // "&Open" is drawn "Open"; "&&" is a literal ampersand.
    text.replace(u"&&"_qs, u"\x01"_qs);
    text.remove(u'&');
    text.replace(u'\x01', u'&');
    return text;
}

bool elidesOnPurpose(const QWidget *widget, const QWidget *window)
{
    for (const QWidget *w = widget; w && w != window; w = w->parentWidget()) {
        if (w->property("fcemuElides").toBool())
            return true;
    }
    return false;
}

// A dock behind another in its tab group stays "visible" but is not on screen.
bool inDockNotShown(const QWidget *widget, const QWidget *window)
{
    for (const QWidget *w = widget; w && w != window; w = w->parentWidget()) {
        if (qobject_cast<const QDockWidget *>(w) && w->visibleRegion().isEmpty())
            return true;
    }
    return false;
}

// Whether the widget sits inside a scroll area's viewport (other than a dock's frame, which the
// check requires not to scroll): it may be scrolled out of sight on purpose.
bool insideScrolledContent(const QWidget *widget, const QWidget *window)
{
    for (const QWidget *w = widget->parentWidget(); w && w != window; w = w->parentWidget()) {
        const auto *area = qobject_cast<const QAbstractScrollArea *>(w->parentWidget());
        if (area && area->viewport() == w && area->objectName() != kDockFrame)
            return true;
    }
    return false;
}

struct Checker
{
    const QWidget *window;
    QList<CutText> found;

    void add(const QWidget *widget, const QString &text, const QString &why)
    {
        found.append({describeWidget(widget), text, why});
    }

    void needWidth(const QWidget *widget, const QString &text, int needed, int has)
    {
        // One pixel of slack: layouts round.
        if (needed > has + 1)
            add(widget, text, QStringLiteral("needs %1 px, has %2").arg(needed).arg(has));
    }

    // The part of the widget its ancestors and the window leave on screen.
    void checkClipping(const QWidget *widget, const QString &text)
    {
        if (insideScrolledContent(widget, window))
            return;
        QRect visible(widget->mapTo(window, QPoint(0, 0)), widget->size());
        const QRect whole = visible;
        for (const QWidget *w = widget->parentWidget(); w && w != window; w = w->parentWidget())
            visible &= QRect(w->mapTo(window, QPoint(0, 0)), w->size());
        visible &= window->rect();
        if (visible.width() + 1 < whole.width() || visible.height() + 1 < whole.height())
            add(widget, text,
                QStringLiteral("cut off: %1×%2 of %3×%4 px shown")
                    .arg(visible.width())
                    .arg(visible.height())
                    .arg(whole.width())
                    .arg(whole.height()));
    }

    void checkLabel(const QLabel *label)
    {
        const QString text = label->text();
        if (text.isEmpty())
            return;
        const QString shown =
            label->textFormat() == Qt::RichText || Qt::mightBeRichText(text) ? [&]() {
                QTextDocument document;
                document.setHtml(text);
                return document.toPlainText();
            }()
                                                                             : text;
        checkClipping(label, shown);
        const QRect contents = label->contentsRect();
        if (label->wordWrap()) {
            const int needed = label->heightForWidth(label->width());
            if (needed > label->height() + 1)
                add(label, shown,
                    QStringLiteral("wrapped text needs %1 px high, has %2")
                        .arg(needed)
                        .arg(label->height()));
            return;
        }
        needWidth(label, shown, label->sizeHint().width(), label->width());
        if (label->sizeHint().height() > label->height() + 1 && contents.height() > 0)
            add(label, shown,
                QStringLiteral("needs %1 px high, has %2")
                    .arg(label->sizeHint().height())
                    .arg(label->height()));
    }

    void checkButton(const QAbstractButton *button)
    {
        const QString text = plain(button->text());
        if (text.isEmpty())
            return;
        if (const auto *tool = qobject_cast<const QToolButton *>(button);
            tool && tool->toolButtonStyle() == Qt::ToolButtonIconOnly && !tool->icon().isNull())
            return;
        checkClipping(button, text);
        needWidth(button, text, button->minimumSizeHint().width(), button->width());
        // A push button draws its label in the middle: shorter than its hint, the text is cut.
        needWidth(button, text,
                  button->fontMetrics().horizontalAdvance(text) +
                      (button->icon().isNull() ? 0 : button->iconSize().width() + 4) + 8,
                  button->width());
    }

    void checkHeader(const QHeaderView *header)
    {
        if (header->orientation() != Qt::Horizontal || !header->model())
            return;
        const int margin = header->style()->pixelMetric(QStyle::PM_HeaderMargin, nullptr, header);
        const int mark = header->style()->pixelMetric(QStyle::PM_HeaderMarkSize, nullptr, header);
        const QFontMetrics metrics = header->fontMetrics();
        for (int visual = 0; visual < header->count(); ++visual) {
            const int logical = header->logicalIndex(visual);
            if (header->isSectionHidden(logical) || header->sectionSize(logical) <= 0)
                continue;
            const QString text =
                header->model()->headerData(logical, Qt::Horizontal, Qt::DisplayRole).toString();
            if (text.isEmpty())
                continue;
            int needed = metrics.horizontalAdvance(text) + 2 * margin;
            if (header->isSortIndicatorShown() && header->sortIndicatorSection() == logical)
                needed += mark + margin;
            if (needed > header->sectionSize(logical) + 1)
                add(header, text,
                    QStringLiteral("column %1 needs %2 px, has %3")
                        .arg(logical)
                        .arg(needed)
                        .arg(header->sectionSize(logical)));
        }
    }

    void checkTabBar(const QTabBar *bar)
    {
        const int space = bar->style()->pixelMetric(QStyle::PM_TabBarTabHSpace, nullptr, bar);
        const QFontMetrics metrics = bar->fontMetrics();
        for (int i = 0; i < bar->count(); ++i) {
            if (!bar->isTabVisible(i))
                continue;
            const QString text = plain(bar->tabText(i));
            const QRect rect = bar->tabRect(i);
            if (rect.right() > bar->width() + 1 || rect.left() < -1) {
                add(bar, text, u"tab scrolled out of the tab bar"_qs);
                continue;
            }
            int needed = metrics.horizontalAdvance(text) + space;
            if (!bar->tabIcon(i).isNull())
                needed += bar->iconSize().width() + 4;
            if (bar->tabsClosable())
                continue; // the close button's room varies by style; our bars have none
            needWidth(bar, text, needed, rect.width());
        }
        checkClipping(bar, bar->count() > 0 ? plain(bar->tabText(0)) : QString());
    }

    void checkDock(const QDockWidget *dock)
    {
        if (dock->isFloating())
            return;
        const QString title = plain(dock->windowTitle());
        int buttons = 0;
        for (const QAbstractButton *button :
             dock->findChildren<QAbstractButton *>(Qt::FindDirectChildrenOnly)) {
            if (button->isVisibleTo(dock))
                buttons += button->width();
        }
        const int margin =
            dock->style()->pixelMetric(QStyle::PM_DockWidgetTitleMargin, nullptr, dock);
        needWidth(dock, title,
                  dock->fontMetrics().horizontalAdvance(title) + buttons + 2 * margin + 8,
                  dock->width());
        for (const QAbstractScrollArea *frame : dock->findChildren<QAbstractScrollArea *>()) {
            if (frame->objectName() != kDockFrame)
                continue;
            const QScrollBar *h = frame->horizontalScrollBar();
            const QScrollBar *v = frame->verticalScrollBar();
            if (h->maximum() > 0 || v->maximum() > 0)
                add(dock, title,
                    QStringLiteral("panel squeezed: it scrolls by %1×%2 px")
                        .arg(h->maximum())
                        .arg(v->maximum()));
        }
    }

    void check(const QWidget *widget)
    {
        // A dialog the window owns (the compare view) is a window of its own: check it on its own.
        if (widget->window() != window->window())
            return;
        if (!widget->isVisibleTo(window) || widget->width() <= 0 || widget->height() <= 0 ||
            elidesOnPurpose(widget, window) || inDockNotShown(widget, window))
            return;
        if (const auto *label = qobject_cast<const QLabel *>(widget))
            checkLabel(label);
        else if (const auto *button = qobject_cast<const QAbstractButton *>(widget))
            checkButton(button);
        else if (const auto *header = qobject_cast<const QHeaderView *>(widget))
            checkHeader(header);
        else if (const auto *bar = qobject_cast<const QTabBar *>(widget))
            checkTabBar(bar);
        else if (const auto *dock = qobject_cast<const QDockWidget *>(widget))
            checkDock(dock);
        else if (const auto *combo = qobject_cast<const QComboBox *>(widget)) {
            checkClipping(combo, combo->currentText());
            needWidth(combo, combo->currentText(),
                      combo->fontMetrics().horizontalAdvance(combo->currentText()) + 28,
                      combo->width());
        } else if (const auto *spin = qobject_cast<const QAbstractSpinBox *>(widget)) {
            checkClipping(spin, spin->text());
            needWidth(spin, spin->text(), spin->minimumSizeHint().width(), spin->width());
        } else if (const auto *edit = qobject_cast<const QLineEdit *>(widget)) {
            // An empty box's hint says what to type: it must be read whole.
            if (edit->text().isEmpty() && !edit->placeholderText().isEmpty())
                needWidth(edit, edit->placeholderText(),
                          edit->fontMetrics().horizontalAdvance(edit->placeholderText()) + 12,
                          edit->width());
        } else if (const auto *group = qobject_cast<const QGroupBox *>(widget)) {
            needWidth(group, group->title(),
                      group->fontMetrics().horizontalAdvance(plain(group->title())) + 16,
                      group->width());
        }
        // Painted text: the widget says how wide it must be.
        const QVariant painted = widget->property("fcemuTextWidth");
        if (painted.isValid())
            needWidth(widget, widget->objectName(), painted.toInt(), widget->width());
    }
};

} // namespace

QString CutText::toString() const
{
    return where + u": \""_qs + text + u"\" "_qs + why;
}

QString describeWidget(const QWidget *widget)
{
    QString dock;
    for (const QWidget *w = widget; w; w = w->parentWidget()) {
        if (qobject_cast<const QDockWidget *>(w)) {
            dock = w->objectName() + u" > "_qs;
            break;
        }
    }
    QString name = QString::fromLatin1(widget->metaObject()->className());
    if (!widget->objectName().isEmpty())
        name += u'#' + widget->objectName();
    return dock + name;
}

QList<CutText> findCutText(const QWidget *window)
{
    Checker checker{window, {}};
    for (const QWidget *widget : window->findChildren<QWidget *>())
        checker.check(widget);
    return checker.found;
}

} // namespace Fcemu::Ui
