#pragma once

#include <optional>

#include <QList>

#include "inspectors/instances/InstanceTimeline.h"

namespace Fcemu::Ui {

// The stretch of time the Instances lanes show, and how it follows, zooms and pans (issue 13
// item 8: "a burst is a sliver" when the lanes always span the whole session).
struct InstanceViewRange
{
    qint64 startNs = 0;
    qint64 endNs = 0;

    qint64 spanNs() const { return endNs - startNs; }
    // factor < 1 zooms in; the time under `anchor` (0..1 across the plot) stays put. Never
    // narrower than 100 ms.
    InstanceViewRange zoomed(double factor, double anchor) const;
    InstanceViewRange panned(qint64 deltaNs) const;
    friend bool operator==(const InstanceViewRange &, const InstanceViewRange &) = default;
};

// A gap this long with no instance starting or busy separates two bursts.
inline constexpr qint64 kBurstGapNs = 2'000'000'000;

// Where the newest burst began: the earliest start of the Starting and Busy segments that
// chain, with gaps shorter than gapNs, to the newest one (now for a segment that lasts);
// nullopt when no lane was ever starting or busy.
std::optional<qint64> newestBurstStartNs(const QList<InstanceLane> &lanes, qint64 nowNs,
                                         qint64 gapNs = kBurstGapNs);

// What following the newest burst shows: from a little before the burst to now (at least
// minSpanNs), or the whole session when there is no burst yet.
InstanceViewRange followRange(const QList<InstanceLane> &lanes, qint64 originNs, qint64 nowNs,
                              qint64 minSpanNs = 5'000'000'000);

// When FC reclaims an idle lane's instance: the start of its Idle segment plus the idle
// timeout; nullopt when it is not idle or is provisioned (FC keeps those).
std::optional<qint64> reclaimAtNs(const InstanceLane &lane, int idleTimeoutS);

// "reclaim in 2:47", "reclaim in 9 s", "reclaim due".
QString reclaimCountdown(qint64 remainingNs);

// Whether any part of the lane falls in the range (a lane still running reaches nowNs).
bool laneIntersects(const InstanceLane &lane, const InstanceViewRange &range, qint64 nowNs);

} // namespace Fcemu::Ui
