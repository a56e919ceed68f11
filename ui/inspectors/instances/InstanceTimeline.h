#pragma once

#include <vector>

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include "runtime/InstanceState.h"

namespace Fcemu::Ui {

struct InstanceSegment
{
    Runtime::InstanceState state = Runtime::InstanceState::Starting;
    qint64 startNs = 0;
    qint64 endNs = -1; // -1 while it lasts
    friend bool operator==(const InstanceSegment &, const InstanceSegment &) = default;
};

enum class InstanceMarkerKind {
    ColdStart, // the instance's first Starting
    Reclaim,   // Stopping straight after Idle, not asked for: FC reclaimed an idle instance
    PreStop,   // Stopping with a pre-stop hook configured: GET /pre-stop runs now
    Stopped,
};

struct InstanceMarker
{
    InstanceMarkerKind kind = InstanceMarkerKind::ColdStart;
    qint64 ns = 0;
    friend bool operator==(const InstanceMarker &, const InstanceMarker &) = default;
};

struct InstanceLane
{
    QString instanceId;
    QList<InstanceSegment> segments;
    QList<InstanceMarker> markers;
    Runtime::InstanceState state = Runtime::InstanceState::Starting;
    bool stopRequested = false; // the user stopped it: its Stopping is no reclaim
    bool provisioned = false;   // one of the instances FC keeps (never reclaimed when idle)
    // Its log lines: when each was written (monotonic ns, ascending) and its text.
    std::vector<qint64> logNs;
    QStringList logTexts;
};

// Every instance's states over time, one lane per instance, from the session's
// instanceStateChanged. Keeps the newest laneCap() lanes (by first appearance): the oldest lane
// goes when a new instance appears beyond the cap.
class InstanceTimeline final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InstanceTimeline)

public:
    static constexpr int kDefaultLaneCap = 200;
    // The log ticks a lane keeps; past it the oldest tenth goes.
    static constexpr int kMaxLogTicksPerLane = 100'000;

    explicit InstanceTimeline(QObject *parent = nullptr);

    const QList<InstanceLane> &lanes() const { return m_lanes; }
    int laneCap() const { return m_laneCap; }
    void setLaneCap(int cap);
    // Whether Stopping is marked as a pre-stop call (the function configures a pre-stop hook).
    void setPreStopConfigured(bool configured) { m_preStop = configured; }
    // The pool starts `count` provisioned instances now (a load, Stop all, Force cold start):
    // the next `count` new lanes are marked provisioned. The pool starts them before any
    // request is taken, so their lanes come first.
    void expectProvisioned(int count) { m_expectProvisioned = std::max(count, 0); }
    bool preStopConfigured() const { return m_preStop; }
    // Lanes whose instance is not stopped.
    int activeCount() const;
    // The earliest time still shown (the first retained lane's first change); 0 when empty.
    qint64 originNs() const;
    // The latest change recorded.
    qint64 lastNs() const { return m_lastNs; }

public slots:
    void record(const QString &instanceId, Fcemu::Runtime::InstanceState state, qint64 ns);
    // A log line of an instance written at ns (monotonic): a tick on its lane. Lines of an
    // instance without a lane are not kept.
    void recordLog(const QString &instanceId, qint64 ns, const QString &text);
    // The session's logLine: timestampMs (ms since the epoch) moved to the monotonic clock.
    void recordLogLine(const QString &requestId, const QString &instanceId, qint64 timestampMs,
                       const QString &text);
    // "Force cold start" or "Stop all" was clicked: the instances running now stop because the
    // user asked, so their stops are not marked as idle reclaims.
    void noteStopRequested();
    // Records Stopped at ns for every lane that has not stopped.
    void stopAll(qint64 ns);
    void clear();

signals:
    void changed();
    void logsChanged(); // a log tick was added

private:
    QList<InstanceLane> m_lanes;
    int m_laneCap = kDefaultLaneCap;
    bool m_preStop = false;
    int m_expectProvisioned = 0;
    qint64 m_lastNs = 0;
    qsizetype m_lastLogLane = -1; // lines come in runs per instance: its lane is looked at first
};

} // namespace Fcemu::Ui
