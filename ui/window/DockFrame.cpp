#include "DockFrame.h"

#include <QEvent>
#include <QLayout>
#include <QScrollBar>

namespace Fcemu::Ui {

DockFrame::DockFrame(QWidget *panel, QWidget *parent) : QScrollArea(parent)
{
    setObjectName(u"dockFrame"_qs); // Ui::findCutText checks that it need not scroll
    setFrameShape(QFrame::NoFrame);
    setWidgetResizable(false);
    setWidget(panel);
    panel->installEventFilter(this);
}

QSize DockFrame::sizeHint() const
{
    return widget() ? widget()->sizeHint() : QScrollArea::sizeHint();
}

void DockFrame::resizeEvent(QResizeEvent *event)
{
    QScrollArea::resizeEvent(event);
    fitPanel();
}

bool DockFrame::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == widget() && event->type() == QEvent::LayoutRequest)
        fitPanel();
    return QScrollArea::eventFilter(watched, event);
}

void DockFrame::fitPanel()
{
    QWidget *panel = widget();
    if (!panel)
        return;
    // The room without scroll bars first; a bar takes room only when the panel needs it.
    const QSize room = maximumViewportSize();
    const QSize minimum = panel->minimumSizeHint().expandedTo(panel->minimumSize());
    int width = std::max(room.width(), minimum.width());
    if (width > room.width())
        width = std::max(room.width() - verticalScrollBar()->sizeHint().width(), minimum.width());
    int height = minimum.height();
    if (const QLayout *layout = panel->layout(); layout && layout->hasHeightForWidth())
        height = std::max(height, layout->totalMinimumHeightForWidth(width));
    height = std::max(height, room.height());
    panel->resize(width, height);
}

} // namespace Fcemu::Ui
