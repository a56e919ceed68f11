#include <QSignalSpy>
#include <QTest>

#include "inspectors/instances/InstanceTimeline.h"

using namespace Fcemu::Ui;
using Fcemu::Runtime::InstanceState;

namespace {
constexpr qint64 s = 1'000'000'000;
using Kind = InstanceMarkerKind;
} // namespace

class TestInstanceTimeline final : public QObject
{
    Q_OBJECT

private slots:
    void recordsSegmentsAndMarkersOfReclaim();
    void marksPreStopWhenConfigured();
    void stopFromBusyIsNoReclaim();
    void requestedStopIsNoReclaim();
    void stopAllClosesRunningLanes();
    void ignoresRepeatedState();
    void keepsNewestLanes();
    void clears();
};

void TestInstanceTimeline::recordsSegmentsAndMarkersOfReclaim()
{
    InstanceTimeline timeline;
    QSignalSpy changed(&timeline, &InstanceTimeline::changed);
    timeline.record(u"c-1"_qs, InstanceState::Starting, 1 * s);
    QCOMPARE(timeline.activeCount(), 1);
    QCOMPARE(timeline.originNs(), 1 * s);
    timeline.record(u"c-1"_qs, InstanceState::Ready, 2 * s);
    timeline.record(u"c-1"_qs, InstanceState::Busy, 3 * s);
    timeline.record(u"c-1"_qs, InstanceState::Idle, 4 * s);
    timeline.record(u"c-1"_qs, InstanceState::Stopping, 10 * s);
    QCOMPARE(timeline.activeCount(), 1);
    timeline.record(u"c-1"_qs, InstanceState::Stopped, 11 * s);
    QCOMPARE(changed.count(), 6);
    QCOMPARE(timeline.activeCount(), 0);
    QCOMPARE(timeline.originNs(), 1 * s);
    QCOMPARE(timeline.lastNs(), 11 * s);

    QCOMPARE(timeline.lanes().size(), 1);
    const InstanceLane &lane = timeline.lanes().first();
    QCOMPARE(lane.instanceId, u"c-1"_qs);
    QCOMPARE(lane.state, InstanceState::Stopped);
    QCOMPARE(lane.segments, (QList<InstanceSegment>{
                                {InstanceState::Starting, 1 * s, 2 * s},
                                {InstanceState::Ready, 2 * s, 3 * s},
                                {InstanceState::Busy, 3 * s, 4 * s},
                                {InstanceState::Idle, 4 * s, 10 * s},
                                {InstanceState::Stopping, 10 * s, 11 * s},
                            }));
    QCOMPARE(lane.markers, (QList<InstanceMarker>{
                               {Kind::ColdStart, 1 * s},
                               {Kind::Reclaim, 10 * s},
                               {Kind::Stopped, 11 * s},
                           }));
}

void TestInstanceTimeline::marksPreStopWhenConfigured()
{
    InstanceTimeline timeline;
    timeline.setPreStopConfigured(true);
    timeline.record(u"c-1"_qs, InstanceState::Starting, 1 * s);
    timeline.record(u"c-1"_qs, InstanceState::Idle, 2 * s);
    timeline.record(u"c-1"_qs, InstanceState::Stopping, 3 * s);
    QCOMPARE(timeline.lanes().first().markers,
             (QList<InstanceMarker>{
                 {Kind::ColdStart, 1 * s}, {Kind::Reclaim, 3 * s}, {Kind::PreStop, 3 * s}}));
    // An open segment lasts until the next change.
    QCOMPARE(timeline.lanes().first().segments.last(),
             (InstanceSegment{InstanceState::Stopping, 3 * s, -1}));
}

void TestInstanceTimeline::stopFromBusyIsNoReclaim()
{
    InstanceTimeline timeline;
    timeline.record(u"c-1"_qs, InstanceState::Starting, 1 * s);
    timeline.record(u"c-1"_qs, InstanceState::Busy, 2 * s);
    timeline.record(u"c-1"_qs, InstanceState::Stopping, 3 * s); // "Stop all" during a request
    timeline.record(u"c-1"_qs, InstanceState::Stopped, 4 * s);
    QCOMPARE(timeline.lanes().first().markers,
             (QList<InstanceMarker>{{Kind::ColdStart, 1 * s}, {Kind::Stopped, 4 * s}}));
}

void TestInstanceTimeline::requestedStopIsNoReclaim()
{
    InstanceTimeline timeline;
    timeline.record(u"c-1"_qs, InstanceState::Starting, 1 * s);
    timeline.record(u"c-1"_qs, InstanceState::Idle, 2 * s);
    timeline.noteStopRequested(); // "Force cold start"
    timeline.record(u"c-1"_qs, InstanceState::Stopping, 3 * s);
    timeline.record(u"c-1"_qs, InstanceState::Stopped, 4 * s);
    // An instance started after the click is reclaimed as usual.
    timeline.record(u"c-2"_qs, InstanceState::Starting, 5 * s);
    timeline.record(u"c-2"_qs, InstanceState::Idle, 6 * s);
    timeline.record(u"c-2"_qs, InstanceState::Stopping, 7 * s);
    QCOMPARE(timeline.lanes().at(0).markers,
             (QList<InstanceMarker>{{Kind::ColdStart, 1 * s}, {Kind::Stopped, 4 * s}}));
    QCOMPARE(timeline.lanes().at(1).markers,
             (QList<InstanceMarker>{{Kind::ColdStart, 5 * s}, {Kind::Reclaim, 7 * s}}));
}

void TestInstanceTimeline::stopAllClosesRunningLanes()
{
    InstanceTimeline timeline;
    timeline.record(u"c-1"_qs, InstanceState::Starting, 1 * s);
    timeline.record(u"c-1"_qs, InstanceState::Stopped, 2 * s);
    timeline.record(u"c-2"_qs, InstanceState::Starting, 3 * s);
    timeline.record(u"c-2"_qs, InstanceState::Busy, 4 * s);
    QSignalSpy changed(&timeline, &InstanceTimeline::changed);
    timeline.stopAll(5 * s);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(timeline.activeCount(), 0);
    QCOMPARE(timeline.lanes().at(0).markers.last(), (InstanceMarker{Kind::Stopped, 2 * s}));
    QCOMPARE(timeline.lanes().at(1).markers.last(), (InstanceMarker{Kind::Stopped, 5 * s}));
    QCOMPARE(timeline.lanes().at(1).segments.last(),
             (InstanceSegment{InstanceState::Busy, 4 * s, 5 * s}));
}

void TestInstanceTimeline::ignoresRepeatedState()
{
    InstanceTimeline timeline;
    QSignalSpy changed(&timeline, &InstanceTimeline::changed);
    timeline.record(u"c-1"_qs, InstanceState::Busy, 1 * s);
    timeline.record(u"c-1"_qs, InstanceState::Busy, 2 * s);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(timeline.lanes().first().segments.size(), 1);
    // Seen first when already past Starting (e.g. provisioned): no cold start marker.
    QVERIFY(timeline.lanes().first().markers.isEmpty());
}

void TestInstanceTimeline::keepsNewestLanes()
{
    InstanceTimeline timeline;
    QCOMPARE(timeline.laneCap(), 200);
    timeline.setLaneCap(3);
    for (int i = 1; i <= 5; ++i)
        timeline.record(u"c-"_qs + QString::number(i), InstanceState::Starting, i * s);
    QCOMPARE(timeline.lanes().size(), 3);
    QCOMPARE(timeline.lanes().at(0).instanceId, u"c-3"_qs);
    QCOMPARE(timeline.lanes().at(2).instanceId, u"c-5"_qs);
    QCOMPARE(timeline.originNs(), 3 * s);
    // Time 0 is a time like any other.
    InstanceTimeline fromZero;
    fromZero.record(u"c-0"_qs, InstanceState::Starting, 0);
    fromZero.record(u"c-1"_qs, InstanceState::Starting, 2 * s);
    QCOMPARE(fromZero.originNs(), 0);
    // A known instance changing state adds no lane.
    timeline.record(u"c-4"_qs, InstanceState::Ready, 6 * s);
    QCOMPARE(timeline.lanes().at(0).instanceId, u"c-3"_qs);
    QSignalSpy changed(&timeline, &InstanceTimeline::changed);
    timeline.setLaneCap(1);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(timeline.lanes().size(), 1);
    QCOMPARE(timeline.lanes().at(0).instanceId, u"c-5"_qs);
}

void TestInstanceTimeline::clears()
{
    InstanceTimeline timeline;
    timeline.record(u"c-1"_qs, InstanceState::Starting, 1 * s);
    QSignalSpy changed(&timeline, &InstanceTimeline::changed);
    timeline.clear();
    QCOMPARE(changed.count(), 1);
    QVERIFY(timeline.lanes().isEmpty());
    QCOMPARE(timeline.originNs(), 0);
}

QTEST_MAIN(TestInstanceTimeline)
#include "TestInstanceTimeline.moc"
