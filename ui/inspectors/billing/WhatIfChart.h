#pragma once

#include <QChartView>
#include <QList>

#include "billing/Billing.h"

class QLineSeries;
class QLogValueAxis;
class QScatterSeries;
class QValueAxis;

namespace Fcemu::Ui {

// Cost (per million calls, left axis) and billed duration (right axis) against memory size
// (log 2 axis), with the current size marked.
class WhatIfChart final : public QChartView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WhatIfChart)

public:
    explicit WhatIfChart(QWidget *parent = nullptr);

    void setRows(const QList<Billing::WhatIfRow> &rows, int currentMB);
    // Follows the palette: Qt Charts has its own themes, so a dark palette picks the dark one.
    void applyPalette();
    // What hovering a point of the chart says: "1 GB: 118 ms billed, USD 0.2361 per 1M calls".
    // x is the point's memory in GB (the axis' unit); empty when no row has that size.
    QString pointText(double gb) const;

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    QLineSeries *m_cost;
    QLineSeries *m_duration;
    QScatterSeries *m_current;
    QLogValueAxis *m_memoryAxis;
    QValueAxis *m_costAxis;
    QValueAxis *m_durationAxis;
    QList<Billing::WhatIfRow> m_rows;
};

} // namespace Fcemu::Ui
