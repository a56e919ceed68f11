#include "WhatIfChart.h"
#include "common/Format.h"

#include <algorithm>
#include <cmath>

#include <QChart>
#include <QCursor>
#include <QEvent>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QScatterSeries>
#include <QToolTip>
#include <QValueAxis>

namespace Fcemu::Ui {

namespace {
constexpr double kCallsPerCostUnit = 1'000'000; // cost is shown per million calls
}

WhatIfChart::WhatIfChart(QWidget *parent)
    : QChartView(parent), m_cost(new QLineSeries), m_duration(new QLineSeries),
      m_current(new QScatterSeries), m_memoryAxis(new QLogValueAxis), m_costAxis(new QValueAxis),
      m_durationAxis(new QValueAxis)
{
    auto *chart = new QChart;
    chart->setMargins(QMargins(2, 2, 2, 2));
    chart->legend()->setAlignment(Qt::AlignBottom);
    // Short names: three markers share a legend about 300 px wide on a 1280 px screen.
    m_cost->setName(tr("Cost/1M"));
    m_duration->setName(tr("Billed ms"));
    m_current->setName(tr("Now"));
    m_current->setMarkerSize(11);
    m_cost->setPointsVisible(true);
    m_duration->setPointsVisible(true);
    chart->addSeries(m_duration);
    chart->addSeries(m_cost);
    chart->addSeries(m_current);

    m_memoryAxis->setBase(2);
    m_memoryAxis->setLabelFormat(u"%g"_qs);
    m_memoryAxis->setTitleText(tr("Memory (GB)"));
    m_costAxis->setLabelFormat(u"%.4g"_qs);
    m_durationAxis->setLabelFormat(u"%g"_qs);
    m_durationAxis->setTitleText(tr("ms"));
    chart->addAxis(m_memoryAxis, Qt::AlignBottom);
    chart->addAxis(m_costAxis, Qt::AlignLeft);
    chart->addAxis(m_durationAxis, Qt::AlignRight);
    for (QAbstractSeries *series :
         {static_cast<QAbstractSeries *>(m_cost), static_cast<QAbstractSeries *>(m_current)}) {
        series->attachAxis(m_memoryAxis);
        series->attachAxis(m_costAxis);
    }
    m_duration->attachAxis(m_memoryAxis);
    m_duration->attachAxis(m_durationAxis);
    setChart(chart);
    // Each point tells its figures on hover (the axes only give a scale).
    for (QXYSeries *series :
         {static_cast<QXYSeries *>(m_cost), static_cast<QXYSeries *>(m_duration),
          static_cast<QXYSeries *>(m_current)}) {
        connect(series, &QXYSeries::hovered, this, [this](const QPointF &point, bool state) {
            if (state)
                QToolTip::showText(QCursor::pos(), pointText(point.x()), this);
            else
                QToolTip::hideText();
        });
    }
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);
    applyPalette();
}

QString WhatIfChart::pointText(double gb) const
{
    // The nearest size to the hovered x (a hover lands near a point, not on it).
    const Billing::WhatIfRow *nearest = nullptr;
    double best = 0;
    for (const Billing::WhatIfRow &row : m_rows) {
        const double distance = std::abs(std::log2(row.memoryMB / 1024.0) - std::log2(gb));
        if (!nearest || distance < best) {
            nearest = &row;
            best = distance;
        }
    }
    if (!nearest || gb <= 0 || best > 0.5)
        return {};
    const QString size = nearest->memoryMB >= 1024 && nearest->memoryMB % 1024 == 0
                             ? tr("%1 GB").arg(nearest->memoryMB / 1024)
                             : tr("%1 MB").arg(nearest->memoryMB);
    const QString currency =
        nearest->cost.currency().isEmpty() ? u"USD"_qs : nearest->cost.currency();
    return tr("%1: %2 ms billed, %3 %4 per 1M calls")
        .arg(size)
        .arg(nearest->billedDurationMs)
        .arg(currency)
        .arg(nearest->cost.toDouble() * kCallsPerCostUnit, 0, 'g', 4);
}

void WhatIfChart::setRows(const QList<Billing::WhatIfRow> &rows, int currentMB)
{
    m_rows = rows;
    QList<QPointF> cost;
    QList<QPointF> duration;
    QList<QPointF> current;
    double maxCost = 0;
    double maxDuration = 0;
    QString currency = u"USD"_qs;
    for (const Billing::WhatIfRow &row : rows) {
        const double perMillion = row.cost.toDouble() * kCallsPerCostUnit;
        // GB on the axis: "0.125 … 32" fits where "128 … 32768" collides.
        const double gb = row.memoryMB / 1024.0;
        cost.append({gb, perMillion});
        duration.append({gb, double(row.billedDurationMs)});
        if (row.memoryMB == currentMB)
            current.append({gb, perMillion});
        maxCost = std::max(maxCost, perMillion);
        maxDuration = std::max(maxDuration, double(row.billedDurationMs));
        if (!row.cost.currency().isEmpty())
            currency = row.cost.currency();
    }
    m_cost->replace(cost);
    m_duration->replace(duration);
    m_current->replace(current);
    // Short: a vertical title longer than the chart is high is cut ("USD / 1M c…").
    m_costAxis->setTitleText(tr("%1/1M").arg(currency));
    if (!rows.isEmpty()) {
        m_memoryAxis->setRange(rows.first().memoryMB / 1024.0 / 1.3,
                               rows.last().memoryMB / 1024.0 * 1.3);
        m_costAxis->setRange(0, maxCost > 0 ? maxCost * 1.05 : 1);
        m_costAxis->applyNiceNumbers();
        m_durationAxis->setRange(0, maxDuration > 0 ? maxDuration * 1.05 : 1);
        m_durationAxis->applyNiceNumbers();
    }
}

void WhatIfChart::resizeEvent(QResizeEvent *event)
{
    QChartView::resizeEvent(event);
    // Narrow (the right dock of a 1280 px screen): a label every second power of two, so
    // "0.125 0.25 0.5 …" do not collide into "0.…".
    const int base = width() < 480 ? 4 : 2;
    if (int(m_memoryAxis->base()) != base)
        m_memoryAxis->setBase(base);
}

void WhatIfChart::applyPalette()
{
    const QPalette &p = palette();
    const bool dark = isDarkPalette(p);
    chart()->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    // The theme's own background would clash with the dock's; take the palette's instead.
    chart()->setBackgroundBrush(p.color(QPalette::Base));
    chart()->setBackgroundRoundness(0);
    const QColor text = p.color(QPalette::Text);
    chart()->legend()->setLabelColor(text);
    for (QAbstractAxis *axis :
         {static_cast<QAbstractAxis *>(m_memoryAxis), static_cast<QAbstractAxis *>(m_costAxis),
          static_cast<QAbstractAxis *>(m_durationAxis)}) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        QColor grid = text;
        grid.setAlpha(40);
        axis->setGridLineColor(grid);
    }
    // Fixed series colours (the theme resets them): cost blue, duration amber, current red.
    m_cost->setColor(dark ? QColor(0x6c, 0xa8, 0xf0) : QColor(0x1f, 0x5f, 0xb8));
    m_duration->setColor(QColor(0xe0, 0x8a, 0x2e));
    m_current->setColor(dark ? QColor(0xff, 0x7b, 0x72) : QColor(0xc0, 0x1c, 0x28));
    m_current->setBorderColor(p.color(QPalette::Base));
}

void WhatIfChart::changeEvent(QEvent *event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyPalette();
}

} // namespace Fcemu::Ui
