#include "InstanceViewRange.h"

#include <algorithm>

#include <QObject>
#include <QString>

namespace Fcemu::Ui {

namespace {

constexpr qint64 kMinSpanNs = 100'000'000;

using Runtime::InstanceState;

} // namespace

InstanceViewRange InstanceViewRange::zoomed(double factor, double anchor) const
{
    anchor = std::clamp(anchor, 0.0, 1.0);
    const double span = std::max(double(spanNs()) * factor, double(kMinSpanNs));
    const double at = double(startNs) + anchor * double(spanNs());
    const auto start = qint64(at - anchor * span);
    return {start, start + qint64(span)};
}

InstanceViewRange InstanceViewRange::panned(qint64 deltaNs) const
{
    return {startNs + deltaNs, endNs + deltaNs};
}

std::optional<qint64> newestBurstStartNs(const QList<InstanceLane> &lanes, qint64 nowNs,
                                         qint64 gapNs)
{
    struct Span
    {
        qint64 start;
        qint64 end;
    };
    QList<Span> spans;
    for (const InstanceLane &lane : lanes) {
        for (const InstanceSegment &segment : lane.segments) {
            if (segment.state == InstanceState::Starting || segment.state == InstanceState::Busy)
                spans.append({segment.startNs, segment.endNs < 0 ? nowNs : segment.endNs});
        }
    }
    if (spans.isEmpty())
        return std::nullopt;
    // Newest first; a span joins the burst when it ends less than gapNs before the burst's
    // start so far.
    std::sort(spans.begin(), spans.end(),
              [](const Span &a, const Span &b) { return a.start > b.start; });
    qint64 start = spans.first().start;
    for (const Span &span : std::as_const(spans)) {
        if (span.end + gapNs < start)
            break;
        start = std::min(start, span.start);
    }
    return start;
}

InstanceViewRange followRange(const QList<InstanceLane> &lanes, qint64 originNs, qint64 nowNs,
                              qint64 minSpanNs)
{
    const std::optional<qint64> burst = newestBurstStartNs(lanes, nowNs);
    if (!burst)
        return {originNs, std::max(nowNs, originNs + minSpanNs)};
    const qint64 span = std::max(nowNs - *burst, qint64(1));
    // A tenth of the burst's length of calm before it, so its first cold start is not on the
    // edge; never before the session's first change.
    const qint64 start = std::max(originNs, *burst - span / 10);
    return {start, std::max(nowNs, start + minSpanNs)};
}

std::optional<qint64> reclaimAtNs(const InstanceLane &lane, int idleTimeoutS)
{
    if (lane.provisioned || lane.state != InstanceState::Idle || lane.segments.isEmpty() ||
        lane.segments.last().state != InstanceState::Idle)
        return std::nullopt;
    return lane.segments.last().startNs + qint64(std::max(1, idleTimeoutS)) * 1'000'000'000;
}

QString reclaimCountdown(qint64 remainingNs)
{
    if (remainingNs <= 0)
        return QObject::tr("reclaim due");
    const qint64 seconds = (remainingNs + 999'999'999) / 1'000'000'000;
    if (seconds < 60)
        return QObject::tr("reclaim in %1 s").arg(seconds);
    return QObject::tr("reclaim in %1:%2")
        .arg(seconds / 60)
        .arg(seconds % 60, 2, 10, QLatin1Char('0'));
}

bool laneIntersects(const InstanceLane &lane, const InstanceViewRange &range, qint64 nowNs)
{
    if (lane.segments.isEmpty()) {
        return std::any_of(
            lane.markers.cbegin(), lane.markers.cend(),
            [&](const InstanceMarker &m) { return m.ns >= range.startNs && m.ns <= range.endNs; });
    }
    const qint64 first = lane.segments.first().startNs;
    qint64 last = lane.segments.last().endNs < 0 ? nowNs : lane.segments.last().endNs;
    if (!lane.markers.isEmpty())
        last = std::max(last, lane.markers.last().ns);
    return first <= range.endNs && last >= range.startNs;
}

} // namespace Fcemu::Ui
