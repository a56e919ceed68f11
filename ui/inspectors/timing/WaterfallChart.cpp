#include "WaterfallChart.h"

#include <algorithm>
#include <cmath>

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

namespace Fcemu::Ui {

namespace {

constexpr int kMargin = 8;
constexpr int kAxisRows = 1;

// A round tick step (1, 2 or 5 × 10^k ms) giving at most `maxTicks` intervals over `span`.
double tickStep(double span, int maxTicks)
{
    if (span <= 0)
        return 1;
    const double raw = span / maxTicks;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double factor : {1.0, 2.0, 5.0, 10.0}) {
        if (factor * magnitude >= raw)
            return factor * magnitude;
    }
    return 10 * magnitude;
}

QColor mixed(const QColor &a, const QColor &b, double t)
{
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t),
                            float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

} // namespace

WaterfallChart::WaterfallChart(QWidget *parent) : QWidget(parent)
{
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void WaterfallChart::setColumns(const QList<TimingColumn> &columns)
{
    m_rows.clear();
    m_logMarks.clear();
    m_logRequestId.clear();
    m_scaleMs = 0;
    for (const TimingColumn &c : columns)
        m_scaleMs = std::max({m_scaleMs, c.phaseSumMs, c.totalMs});

    // Rows follow the phase order of CONTRACT §7 across both calls, so a skipped phase sits where
    // the other call spent its time.
    QList<Phase> order;
    for (const TimingColumn &c : columns) {
        for (const PhaseSpan &span : c.phases)
            order.append(span.phase);
        for (const Phase phase : c.skipped)
            order.append(phase);
        for (const Phase phase : c.cached)
            order.append(phase);
    }
    std::sort(order.begin(), order.end());
    order.erase(std::unique(order.begin(), order.end()), order.end());

    for (const TimingColumn &c : columns) {
        if (!m_rows.isEmpty())
            m_rows.append(Row{});
        Row title;
        title.kind = Row::Title;
        const QString kind = c.coldStart ? tr("cold start") : tr("warm call");
        if (c.isPinned)
            title.name = tr("Compared with: the chosen %1").arg(kind);
        else if (c.isComparison)
            title.name =
                tr("Compared with: %1")
                    .arg(c.coldStart ? tr("the cold start before it") : tr("the newest warm call"));
        else
            title.name = tr("This call: %1").arg(kind);
        title.right = c.requestId;
        title.tip = tr("Request %1, started %2").arg(c.requestId, formatClock(c.startedAt));
        m_rows.append(title);

        double offset = 0;
        for (const Phase phase : order) {
            const auto span =
                std::find_if(c.phases.cbegin(), c.phases.cend(),
                             [phase](const PhaseSpan &s) { return s.phase == phase; });
            Row row;
            row.phase = phase;
            row.name = phaseName(phase);
            row.tip = phaseName(phase) + u": "_qs + phaseExplanation(phase);
            row.offsetMs = offset;
            if (span != c.phases.cend()) {
                row.kind = Row::PhaseRow;
                row.ms = span->ms;
                row.right = formatDuration(span->ms);
                offset += span->ms;
            } else if (c.cached.contains(phase)) {
                // Said, not left out: the image was on this node already, so it cost nothing.
                row.kind = Row::Skipped;
                row.right = tr("cached, 0 ms");
            } else if (c.skipped.contains(phase)) {
                row.kind = Row::Skipped;
                row.right = tr("skipped");
            } else {
                continue;
            }
            m_rows.append(row);
        }
        if (c.unattributedMs > 0) {
            Row row;
            row.kind = Row::Unattributed;
            row.name = tr("Unattributed");
            row.offsetMs = c.phaseSumMs;
            row.ms = c.unattributedMs;
            row.right = tr("unattributed %1").arg(formatDuration(c.unattributedMs));
            row.tip = tr("Time inside the total that no phase measured (scheduling, the "
                         "gateway's own work).");
            m_rows.append(row);
        }
        if (!c.isComparison && !c.logMarks.isEmpty()) {
            // Its log lines at their times, on the same axis as the bars above.
            Row row;
            row.kind = Row::Logs;
            row.name = tr("Logs");
            const qsizetype n = c.logMarks.size();
            row.right = n == 1 ? tr("1 line") : tr("%1 lines").arg(n);
            row.tip = tr("The call's log lines at the time each was written; start-up output "
                         "sits in the start-up bar. Click a marker to find its line in Logs.");
            m_logMarks = c.logMarks;
            m_logRequestId = c.requestId;
            m_rows.append(row);
        }
        Row total;
        total.kind = Row::Total;
        total.name = tr("Total");
        total.ms = std::max(c.totalMs, c.phaseSumMs);
        total.right = formatDuration(c.totalMs);
        total.tip = tr("The time the client waited: the phases above, end to end.");
        total.emphasis = true;
        m_rows.append(total);
    }
    updateGeometry();
    update();
}

QStringList WaterfallChart::rowTexts() const
{
    QStringList texts;
    for (const Row &row : m_rows) {
        if (row.kind != Row::Gap)
            texts.append(row.name + u'\t' + row.right);
    }
    return texts;
}

int WaterfallChart::rowHeight() const
{
    return fontMetrics().height() + 8;
}

int WaterfallChart::rowTop(int index) const
{
    return kMargin + (kAxisRows + index) * rowHeight();
}

int WaterfallChart::nameWidth() const
{
    int width = fontMetrics().horizontalAdvance(tr("Unattributed"));
    for (const Row &row : m_rows) {
        if (row.kind == Row::PhaseRow || row.kind == Row::Skipped || row.kind == Row::Logs)
            width = std::max(width, fontMetrics().horizontalAdvance(row.name));
    }
    return width + 22; // the colour swatch and a gap
}

int WaterfallChart::rightWidth() const
{
    QFont italic = font();
    italic.setItalic(true);
    int width = std::max(QFontMetrics(italic).horizontalAdvance(tr("skipped")),
                         QFontMetrics(italic).horizontalAdvance(tr("cached, 0 ms")));
    for (const Row &row : m_rows) {
        if (row.kind != Row::Title && row.kind != Row::Unattributed)
            width = std::max(width, fontMetrics().horizontalAdvance(row.right));
    }
    return std::max(width, fontMetrics().horizontalAdvance(u"1234.5 ms"_qs)) + 12;
}

QSize WaterfallChart::sizeHint() const
{
    return {nameWidth() + rightWidth() + 260 + 2 * kMargin, rowTop(int(m_rows.size())) + kMargin};
}

QSize WaterfallChart::minimumSizeHint() const
{
    return {nameWidth() + rightWidth() + 80 + 2 * kMargin, rowTop(int(m_rows.size())) + kMargin};
}

void WaterfallChart::paintEvent(QPaintEvent *)
{
    if (m_rows.isEmpty())
        return;
    QPainter p(this);
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::WindowText);
    const QColor faint = mixed(pal.color(QPalette::Window), text, 0.45);
    const QColor grid = mixed(pal.color(QPalette::Window), text, 0.12);
    const int rh = rowHeight();
    const int barLeft = kMargin + nameWidth();
    const int barRight = width() - kMargin - rightWidth();
    const double barWidth = std::max(1, barRight - barLeft);
    const double k = m_scaleMs > 0 ? barWidth / m_scaleMs : 0;
    const auto xOf = [barLeft, k](double ms) { return barLeft + ms * k; };

    // The time axis: round ticks across every row.
    const double step = tickStep(m_scaleMs, std::max(1, int(barWidth / 70)));
    const int axisBottom = rowTop(0);
    const int chartBottom = rowTop(int(m_rows.size()));
    p.setFont(font());
    for (double t = 0; m_scaleMs > 0 && t <= m_scaleMs * 1.0001; t += step) {
        const qreal x = xOf(t);
        p.setPen(grid);
        p.drawLine(QPointF(x, axisBottom - 2), QPointF(x, chartBottom));
        p.setPen(faint);
        const QString label = t == 0 ? u"0"_qs : formatDuration(t);
        const int w = fontMetrics().horizontalAdvance(label);
        const qreal left = std::clamp<qreal>(x - w / 2.0, barLeft, barRight - w);
        p.drawText(QRectF(left, kMargin, w, rh), Qt::AlignLeft | Qt::AlignVCenter, label);
    }

    for (int i = 0; i < m_rows.size(); ++i) {
        const Row &row = m_rows[i];
        const QRect line(kMargin, rowTop(i), width() - 2 * kMargin, rh);
        const QRect nameRect(kMargin + 14, line.top(), nameWidth() - 14, rh);
        const QRect rightRect(barRight + 6, line.top(), rightWidth() - 6, rh);
        const qreal barTop = line.top() + rh * 0.22;
        const qreal barHeight = rh * 0.56;
        QFont f = font();
        switch (row.kind) {
        case Row::Gap:
            break;
        case Row::Logs:
            p.setPen(text);
            p.fillRect(QRectF(kMargin + 3, line.top() + (rh - 9) / 2.0, 2, 9), faint);
            p.drawText(nameRect, Qt::AlignLeft | Qt::AlignVCenter, row.name);
            paintLogs(p, line);
            p.setPen(faint);
            p.drawText(rightRect, Qt::AlignRight | Qt::AlignVCenter, row.right);
            break;
        case Row::Title: {
            // The title in bold; the request id, faint, in the space left (elided first).
            f.setBold(true);
            p.setFont(f);
            p.setPen(text);
            const QFontMetrics bold(f);
            const QString title = bold.elidedText(row.name, Qt::ElideRight, line.width());
            const int titleWidth = bold.horizontalAdvance(title) + 12;
            p.drawText(line, Qt::AlignLeft | Qt::AlignVCenter, title);
            p.setFont(font());
            p.setPen(faint);
            const QRect idRect = line.adjusted(titleWidth, 0, 0, 0);
            p.drawText(idRect, Qt::AlignRight | Qt::AlignVCenter,
                       fontMetrics().elidedText(row.right, Qt::ElideLeft, idRect.width()));
            break;
        }
        case Row::PhaseRow:
            p.fillRect(QRectF(kMargin, line.top() + (rh - 9) / 2.0, 9, 9), phaseColor(row.phase));
            p.setPen(text);
            p.drawText(nameRect, Qt::AlignLeft | Qt::AlignVCenter, row.name);
            p.fillRect(QRectF(xOf(row.offsetMs), barTop, std::max(2.0, row.ms * k), barHeight),
                       phaseColor(row.phase));
            p.drawText(rightRect, Qt::AlignRight | Qt::AlignVCenter, row.right);
            break;
        case Row::Skipped:
            f.setItalic(true);
            p.setFont(f);
            p.setPen(faint);
            p.drawText(nameRect, Qt::AlignLeft | Qt::AlignVCenter, row.name);
            p.drawText(rightRect, Qt::AlignRight | Qt::AlignVCenter, row.right);
            // A dashed tick where the phase would have started.
            p.setPen(QPen(faint, 1, Qt::DashLine));
            p.drawLine(QPointF(xOf(row.offsetMs), barTop),
                       QPointF(xOf(row.offsetMs), barTop + barHeight));
            p.setFont(font());
            break;
        case Row::Unattributed: {
            p.setPen(faint);
            p.drawText(nameRect, Qt::AlignLeft | Qt::AlignVCenter, row.name);
            const QRectF bar(xOf(row.offsetMs), barTop, std::max(2.0, row.ms * k), barHeight);
            p.fillRect(bar, QBrush(faint, Qt::BDiagPattern));
            p.drawRect(bar);
            p.drawText(rightRect, Qt::AlignRight | Qt::AlignVCenter, formatDuration(row.ms));
            break;
        }
        case Row::Total: {
            f.setBold(true);
            p.setFont(f);
            p.setPen(text);
            p.drawText(nameRect, Qt::AlignLeft | Qt::AlignVCenter, row.name);
            // A bracket from 0 to the end of the last phase: the phases above fill it.
            const qreal y = line.top() + rh / 2.0;
            const qreal end = xOf(row.ms);
            p.setPen(QPen(text, 1.5));
            p.drawLine(QPointF(barLeft, y), QPointF(end, y));
            p.drawLine(QPointF(barLeft, y - 4), QPointF(barLeft, y + 4));
            p.drawLine(QPointF(end, y - 4), QPointF(end, y + 4));
            p.drawText(rightRect, Qt::AlignRight | Qt::AlignVCenter, row.right);
            p.setFont(font());
            break;
        }
        }
    }
}

bool WaterfallChart::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        const auto *help = static_cast<QHelpEvent *>(event);
        const int index = (help->pos().y() - rowTop(0)) / rowHeight();
        const QString logTip = index == logRowIndex() ? logTipAt(help->pos().x()) : QString();
        if (help->pos().y() >= rowTop(0) && !logTip.isEmpty())
            QToolTip::showText(help->globalPos(), logTip, this);
        else if (help->pos().y() >= rowTop(0) && index < m_rows.size() &&
                 !m_rows[index].tip.isEmpty())
            QToolTip::showText(help->globalPos(), m_rows[index].tip, this);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

} // namespace Fcemu::Ui
