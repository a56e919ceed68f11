#include "WaterfallDelegate.h"

#include <QApplication>
#include <QPainter>

#include "RequestModel.h"
#include "common/Format.h"

namespace Fcemu::Ui {

WaterfallDelegate::WaterfallDelegate(std::function<double()> scaleMs, QObject *parent)
    : QStyledItemDelegate(parent), m_scaleMs(std::move(scaleMs))
{
}

void WaterfallDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                              const QModelIndex &index) const
{
    // The selection and hover background first, as for any cell.
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, widget);

    const auto *record =
        index.data(RequestModel::RecordRole).value<const Telemetry::InvocationRecord *>();
    if (!record)
        return;
    const QList<PhaseSpan> spans = phasesOf(*record);
    double sum = 0;
    for (const PhaseSpan &span : spans)
        sum += span.ms;
    const double length = std::max(sum, record->timings.totalMs);
    const double scale = std::max(m_scaleMs ? m_scaleMs() : length, length);
    if (scale <= 0)
        return;

    const QRectF area = QRectF(option.rect).adjusted(4, 0, -4, 0);
    const qreal barHeight = std::max<qreal>(6, area.height() * 0.45);
    const qreal top = area.center().y() - barHeight / 2;
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, false);
    qreal x = area.left();
    for (const PhaseSpan &span : spans) {
        const qreal w = area.width() * span.ms / scale;
        painter->fillRect(QRectF(x, top, w, barHeight), phaseColor(span.phase));
        x += w;
    }
    // Never thinner than 2 px, so a 3 ms call next to a 3 s cold start is still there.
    if (x - area.left() < 2) {
        const QColor color =
            spans.isEmpty() ? option.palette.color(QPalette::Mid) : phaseColor(spans.last().phase);
        painter->fillRect(QRectF(area.left(), top, 2, barHeight), color);
    }
    painter->restore();
}

QSize WaterfallDelegate::sizeHint(const QStyleOptionViewItem &option,
                                  const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(std::max(size.width(), 120));
    return size;
}

} // namespace Fcemu::Ui
