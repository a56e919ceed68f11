// The Timing waterfall's Logs row (issue 13 item 6): where a call's log lines fall on the
// waterfall's time axis, their markers (clustered when they crowd), tooltips and clicks.
#include "WaterfallChart.h"

#include <algorithm>

#include <QMouseEvent>
#include <QPainter>

namespace Fcemu::Ui {

namespace {

constexpr int kMargin = 8; // as WaterfallChart.cpp
constexpr int kTipLines = 10;
constexpr qsizetype kTipLineChars = 160;

bool isFramingStart(const QString &line)
{
    return line.startsWith(u"FC Invoke Start"_qs) || line.startsWith(u"FC Initialize Start"_qs);
}

QString tipLine(const TimingLogMark &mark)
{
    QString text = mark.text;
    if (text.size() > kTipLineChars)
        text = text.left(kTipLineChars - 1) + u'…';
    return u"<b>"_qs + formatDuration(mark.ms).toHtmlEscaped() + u"</b>&nbsp;&nbsp;"_qs +
           text.toHtmlEscaped();
}

} // namespace

QList<TimingLogMark> logMarksOf(const Telemetry::InvocationRecord &record)
{
    QList<TimingLogMark> marks;
    if (record.logs.isEmpty() || record.logTimesMs.size() != record.logs.size() ||
        !record.startedAt.isValid())
        return marks;
    const Telemetry::Timings &t = record.timings;
    const qint64 arrivedMs = record.startedAt.toMSecsSinceEpoch();
    // The waterfall draws queue, pull, unpack, sandbox, start-up, ... end to end.
    const double image = record.coldStart ? t.pullMs + t.unpackMs : 0;
    const double startupFrom = t.queueMs + image + t.sandboxMs;
    const double startupTo = startupFrom + t.startupMs;
    double endMs = t.totalMs;
    double sum = 0;
    for (const PhaseSpan &span : phasesOf(record))
        sum += span.ms;
    endMs = std::max(endMs, sum);
    // A cold start's lines before FC's first framing line are what the instance printed while
    // it started (CONTRACT §1.3 Logs).
    bool startup = record.coldStart && t.startupMs > 0;
    marks.reserve(record.logs.size());
    for (qsizetype i = 0; i < record.logs.size(); ++i) {
        const QString &text = record.logs[i];
        if (startup && isFramingStart(text))
            startup = false;
        const double elapsed = double(record.logTimesMs[i] - arrivedMs);
        // The image phases ran before the call arrived (when the image was prepared): a line
        // after the queue sits after them on the axis.
        double ms = elapsed <= t.queueMs ? elapsed : elapsed + image;
        ms = startup ? std::clamp(ms, startupFrom, startupTo) : std::clamp(ms, 0.0, endMs);
        marks.append({ms, int(i), record.logTimesMs[i], text, startup});
    }
    std::stable_sort(marks.begin(), marks.end(),
                     [](const TimingLogMark &a, const TimingLogMark &b) { return a.ms < b.ms; });
    return marks;
}

double WaterfallChart::xOfMs(double ms) const
{
    const int barLeft = kMargin + nameWidth();
    const int barRight = width() - kMargin - rightWidth();
    const double barWidth = std::max(1, barRight - barLeft);
    return barLeft + (m_scaleMs > 0 ? ms * barWidth / m_scaleMs : 0);
}

int WaterfallChart::logRowIndex() const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].kind == Row::Logs)
            return i;
    return -1;
}

int WaterfallChart::logRowCenterY() const
{
    const int index = logRowIndex();
    return index < 0 ? -1 : rowTop(index) + rowHeight() / 2;
}

QList<WaterfallChart::LogCluster> WaterfallChart::logClusters() const
{
    // A marker per kLogClusterPx: a line closer than that to the marker before it joins it.
    QList<LogCluster> clusters;
    for (int i = 0; i < m_logMarks.size(); ++i) {
        const double x = xOfMs(m_logMarks[i].ms);
        if (!clusters.isEmpty() && x - clusters.last().x < kLogClusterPx) {
            ++clusters.last().count;
            continue;
        }
        clusters.append({x, i, 1});
    }
    return clusters;
}

const WaterfallChart::LogCluster *WaterfallChart::clusterAt(const QList<LogCluster> &clusters,
                                                            double x) const
{
    const LogCluster *best = nullptr;
    double bestDistance = kLogClusterPx + 1;
    for (const LogCluster &cluster : clusters) {
        const double distance = std::abs(cluster.x - x);
        if (distance <= bestDistance) {
            best = &cluster;
            bestDistance = distance;
        }
    }
    return best;
}

QString WaterfallChart::logTipAt(double x) const
{
    const QList<LogCluster> clusters = logClusters();
    const LogCluster *cluster = clusterAt(clusters, x);
    if (!cluster)
        return {};
    const TimingLogMark &first = m_logMarks[cluster->first];
    QString tip = u"<p style=\"white-space:pre\">"_qs;
    if (cluster->count == 1) {
        if (first.startup)
            tip += tr("Start-up output").toHtmlEscaped() + u"<br>"_qs;
        tip += tipLine(first);
    } else {
        tip += tr("%1 log lines").arg(cluster->count).toHtmlEscaped();
        for (int i = 0; i < std::min(cluster->count, kTipLines); ++i)
            tip += u"<br>"_qs + tipLine(m_logMarks[cluster->first + i]);
        if (cluster->count > kTipLines)
            tip += u"<br>"_qs + tr("… and %1 more").arg(cluster->count - kTipLines).toHtmlEscaped();
    }
    return tip + u"</p>"_qs;
}

void WaterfallChart::paintLogs(QPainter &p, const QRect &line) const
{
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::WindowText);
    const QColor startup = phaseColor(Phase::Startup);
    const int rh = rowHeight();
    const qreal top = line.top() + rh * 0.18;
    const qreal height = rh * 0.64;
    QFont small = font();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.8));
    const QFontMetrics smallMetrics(small);
    const QList<LogCluster> clusters = logClusters();
    const double right = width() - kMargin - rightWidth();
    p.save();
    p.setFont(small);
    for (qsizetype i = 0; i < clusters.size(); ++i) {
        const LogCluster &cluster = clusters[i];
        const QColor color = m_logMarks[cluster.first].startup ? startup : text;
        if (cluster.count == 1) {
            // One line: a thin tick from the middle of the row down.
            p.fillRect(QRectF(cluster.x - 0.5, top + height * 0.3, 1.5, height * 0.7), color);
            continue;
        }
        // Several: a full-height tick, and their number when there is room before the next.
        p.fillRect(QRectF(cluster.x - 1, top, 2.5, height), color);
        const QString count = QString::number(cluster.count);
        const double next = i + 1 < clusters.size() ? clusters[i + 1].x - 2 : right;
        const int w = smallMetrics.horizontalAdvance(count);
        if (cluster.x + 3 + w <= next) {
            p.setPen(color);
            p.drawText(QRectF(cluster.x + 3, line.top(), w + 1, rh), Qt::AlignLeft | Qt::AlignTop,
                       count);
        }
    }
    p.restore();
}

void WaterfallChart::mousePressEvent(QMouseEvent *event)
{
    const int index = logRowIndex();
    const int y = int(event->position().y());
    if (event->button() == Qt::LeftButton && index >= 0 && y >= rowTop(index) &&
        y < rowTop(index) + rowHeight()) {
        const QList<LogCluster> clusters = logClusters();
        if (const LogCluster *cluster = clusterAt(clusters, event->position().x())) {
            const TimingLogMark &mark = m_logMarks[cluster->first];
            emit logLineClicked(m_logRequestId, mark.timestampMs, mark.text);
            event->accept();
            return;
        }
    }
    QWidget::mousePressEvent(event);
}

} // namespace Fcemu::Ui
