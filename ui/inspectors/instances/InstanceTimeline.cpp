#include "InstanceTimeline.h"

#include <algorithm>
#include <optional>

#include <QDateTime>
#include <QStringList>

#include "runtime/InstanceSetup.h"

namespace Fcemu::Ui {

using Runtime::InstanceState;

InstanceTimeline::InstanceTimeline(QObject *parent) : QObject(parent) {}

void InstanceTimeline::setLaneCap(int cap)
{
    m_laneCap = std::max(cap, 1);
    if (m_lanes.size() > m_laneCap) {
        m_lanes.remove(0, m_lanes.size() - m_laneCap);
        emit changed();
    }
}

int InstanceTimeline::activeCount() const
{
    return int(std::count_if(m_lanes.cbegin(), m_lanes.cend(), [](const InstanceLane &lane) {
        return lane.state != InstanceState::Stopped;
    }));
}

qint64 InstanceTimeline::originNs() const
{
    std::optional<qint64> origin;
    for (const InstanceLane &lane : m_lanes) {
        const qint64 first = lane.segments.isEmpty()
                                 ? (lane.markers.isEmpty() ? m_lastNs : lane.markers.first().ns)
                                 : lane.segments.first().startNs;
        if (!origin || first < *origin)
            origin = first;
    }
    return origin.value_or(0);
}

void InstanceTimeline::record(const QString &instanceId, InstanceState state, qint64 ns)
{
    m_lastNs = std::max(m_lastNs, ns);
    auto lane = std::find_if(m_lanes.begin(), m_lanes.end(),
                             [&](const InstanceLane &l) { return l.instanceId == instanceId; });
    if (lane == m_lanes.end()) {
        if (m_lanes.size() >= m_laneCap)
            m_lanes.remove(0, m_lanes.size() - m_laneCap + 1);
        InstanceLane added;
        added.instanceId = instanceId;
        added.state = state;
        m_lanes.append(std::move(added));
        lane = m_lanes.end() - 1;
        if (m_expectProvisioned > 0) {
            lane->provisioned = true;
            --m_expectProvisioned;
        }
    } else if (!lane->segments.isEmpty() && lane->segments.last().state == state) {
        return; // no change
    }

    const bool first = lane->segments.isEmpty();
    const InstanceState previous = first ? state : lane->state;
    if (!first)
        lane->segments.last().endNs = ns;
    // A stopped instance has no segment: its lane ends at the Stopped marker.
    if (state != InstanceState::Stopped)
        lane->segments.append({state, ns, -1});
    lane->state = state;

    if (state == InstanceState::Starting &&
        std::none_of(lane->markers.cbegin(), lane->markers.cend(), [](const InstanceMarker &m) {
            return m.kind == InstanceMarkerKind::ColdStart;
        }))
        lane->markers.append({InstanceMarkerKind::ColdStart, ns});
    if (state == InstanceState::Stopping) {
        if (!first && previous == InstanceState::Idle && !lane->stopRequested)
            lane->markers.append({InstanceMarkerKind::Reclaim, ns});
        if (m_preStop)
            lane->markers.append({InstanceMarkerKind::PreStop, ns});
    }
    if (state == InstanceState::Stopped)
        lane->markers.append({InstanceMarkerKind::Stopped, ns});
    emit changed();
}

void InstanceTimeline::recordLog(const QString &instanceId, qint64 ns, const QString &text)
{
    if (instanceId.isEmpty())
        return;
    if (m_lastLogLane < 0 || m_lastLogLane >= m_lanes.size() ||
        m_lanes[m_lastLogLane].instanceId != instanceId) {
        const auto lane =
            std::find_if(m_lanes.cbegin(), m_lanes.cend(),
                         [&](const InstanceLane &l) { return l.instanceId == instanceId; });
        if (lane == m_lanes.cend())
            return;
        m_lastLogLane = lane - m_lanes.cbegin();
    }
    InstanceLane &lane = m_lanes[m_lastLogLane];
    if (lane.logNs.size() >= std::size_t(kMaxLogTicksPerLane)) {
        const std::size_t drop = kMaxLogTicksPerLane / 10;
        lane.logNs.erase(lane.logNs.begin(), lane.logNs.begin() + std::ptrdiff_t(drop));
        lane.logTexts.remove(0, qsizetype(drop));
    }
    // Nearly always the newest; a line read late goes in at its time.
    const auto at = std::upper_bound(lane.logNs.begin(), lane.logNs.end(), ns);
    const qsizetype index = at - lane.logNs.begin();
    lane.logNs.insert(at, ns);
    lane.logTexts.insert(index, text);
    emit logsChanged();
}

void InstanceTimeline::recordLogLine(const QString &, const QString &instanceId, qint64 timestampMs,
                                     const QString &text)
{
    // The two clocks read together give the offset between them.
    const qint64 offsetNs =
        Runtime::monotonicNs() - QDateTime::currentMSecsSinceEpoch() * 1'000'000;
    recordLog(instanceId, timestampMs * 1'000'000 + offsetNs, text);
}

void InstanceTimeline::noteStopRequested()
{
    for (InstanceLane &lane : m_lanes)
        if (lane.state != InstanceState::Stopped)
            lane.stopRequested = true;
}

void InstanceTimeline::stopAll(qint64 ns)
{
    QStringList running;
    for (const InstanceLane &lane : std::as_const(m_lanes))
        if (lane.state != InstanceState::Stopped)
            running << lane.instanceId;
    for (const QString &id : std::as_const(running))
        record(id, InstanceState::Stopped, ns);
}

void InstanceTimeline::clear()
{
    m_lanes.clear();
    m_lastNs = 0;
    emit changed();
}

} // namespace Fcemu::Ui
