#pragma once

#include <functional>

#include <QStyledItemDelegate>

namespace Fcemu::Ui {

// Paints the request list's Timeline cell: the record's phases (phasesOf) as one bar of
// coloured segments, scaled so the longest request in view fills the cell. The scale comes
// from a callback because it depends on what the filter shows, which only the view knows.
class WaterfallDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WaterfallDelegate)

public:
    explicit WaterfallDelegate(std::function<double()> scaleMs, QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    std::function<double()> m_scaleMs;
};

} // namespace Fcemu::Ui
