// The log ticks on the Instances lanes (issue 13 item 6): each instance's log lines at their
// times, clustered per kLogTickPx, found by binary search so that only what is in view costs.
#include "InstancesInspector.h"

#include <algorithm>
#include <cmath>

#include <QPainter>

#include "common/Format.h"
#include "inspectors/instances/InstanceTimeline.h"

namespace Fcemu::Ui {

namespace {

constexpr int kLaneHeight = 14; // as InstanceLanesView.cpp
constexpr int kLaneGap = 8;
constexpr int kMargin = 6;
constexpr int kTipLines = 10;
constexpr qsizetype kTipLineChars = 160;

} // namespace

int InstanceLanesView::laneTop(int shownIndex) const
{
    return kMargin + 3 * (fontMetrics().height() + 4) + kLaneGap / 2 +
           shownIndex * (kLaneHeight + kLaneGap);
}

double InstanceLanesView::xOfNs(qint64 ns) const
{
    const InstanceViewRange range = viewRange();
    const double span = double(std::max<qint64>(range.spanNs(), 1));
    return labelWidth() + double(ns - range.startNs) / span * plotWidth();
}

QList<InstanceLanesView::LogTick> InstanceLanesView::logTicks(const InstanceLane &lane) const
{
    QList<LogTick> ticks;
    const std::vector<qint64> &times = lane.logNs;
    if (times.empty())
        return ticks;
    const InstanceViewRange range = viewRange();
    const double span = double(std::max<qint64>(range.spanNs(), 1));
    const double width = plotWidth();
    const double left = labelWidth();
    auto it = std::lower_bound(times.begin(), times.end(), range.startNs);
    const auto end = std::upper_bound(it, times.end(), range.endNs);
    // One tick per kLogTickPx from its first line: the lines up to kLogTickPx to its right are
    // found by a binary search, not visited.
    while (it != end) {
        const double x = left + double(*it - range.startNs) / span * width;
        const qint64 untilNs = *it + qint64(std::ceil(kLogTickPx / width * span));
        auto next = std::lower_bound(it, end, untilNs);
        if (next == it)
            ++next;
        ticks.append({x, int(it - times.begin()), int(next - it)});
        it = next;
    }
    return ticks;
}

void InstanceLanesView::paintLogTicks(QPainter &p, const InstanceLane &lane, int top) const
{
    // Dark on the lanes' light state colours, in either palette (as the reclaim note).
    QColor color(0x1a, 0x1a, 0x1a);
    color.setAlpha(190);
    for (const LogTick &tick : logTicks(lane)) {
        // At the foot of the lane: a short tick for one line, a taller, wider one for several.
        const qreal height = tick.count == 1 ? 5 : 9;
        const qreal width = tick.count == 1 ? 1.2 : 2.4;
        p.fillRect(QRectF(tick.x - width / 2, top + kLaneHeight - height, width, height), color);
    }
}

QString InstanceLanesView::logTipAt(const QPoint &pos) const
{
    const QList<int> shown = visibleLanes();
    for (int i = 0; i < shown.size(); ++i) {
        const int top = laneTop(i);
        if (pos.y() < top - kLaneGap / 2 || pos.y() >= top + kLaneHeight + kLaneGap / 2)
            continue;
        const InstanceLane &lane = m_timeline->lanes().at(shown.at(i));
        const LogTick *best = nullptr;
        double bestDistance = kLogTickPx;
        const QList<LogTick> ticks = logTicks(lane);
        for (const LogTick &tick : ticks) {
            const double distance = std::abs(tick.x - pos.x());
            if (distance <= bestDistance) {
                best = &tick;
                bestDistance = distance;
            }
        }
        if (!best)
            return {};
        const qint64 origin = m_timeline->originNs();
        QString tip = u"<p style=\"white-space:pre\">"_qs;
        if (best->count > 1)
            tip += tr("%1 log lines").arg(best->count).toHtmlEscaped() + u"<br>"_qs;
        for (int k = 0; k < std::min(best->count, kTipLines); ++k) {
            const qsizetype index = best->first + k;
            QString text = lane.logTexts.value(index);
            if (text.size() > kTipLineChars)
                text = text.left(kTipLineChars - 1) + u'…';
            const double seconds = double(lane.logNs[std::size_t(index)] - origin) / 1e9;
            if (k > 0)
                tip += u"<br>"_qs;
            tip += u"<b>"_qs + QString::number(seconds, 'f', 3) + u" s</b>&nbsp;&nbsp;"_qs +
                   text.toHtmlEscaped();
        }
        if (best->count > kTipLines)
            tip += u"<br>"_qs + tr("… and %1 more").arg(best->count - kTipLines).toHtmlEscaped();
        return tip + u"</p>"_qs;
    }
    return {};
}

} // namespace Fcemu::Ui
