// Log ticks on the Instances lanes (issue 13 item 6): each instance's log lines at their times on
// its lane, clustered per kLogTickPx, only those in view, with their text in a tooltip.
#include <cstdlib>

#include <QDateTime>
#include <QImage>
#include <QTest>

#include "inspectors/instances/InstanceTimeline.h"
#include "inspectors/instances/InstancesInspector.h"
#include "runtime/InstanceSetup.h"

using namespace Fcemu::Ui;
using Fcemu::Runtime::InstanceState;

namespace {

constexpr qint64 s = 1'000'000'000;

} // namespace

class TestInstanceLogTicks final : public QObject
{
    Q_OBJECT

private slots:
    void linesAreKeptPerLaneInTimeOrder();
    void ticksSitAtTheirTimesAndCrowdedOnesShare();
    void onlyTheLinesInViewAreTicks();
    void tooltipGivesTheLines();
    void epochTimesMoveToTheMonotonicClock();
};

void TestInstanceLogTicks::linesAreKeptPerLaneInTimeOrder()
{
    InstanceTimeline timeline;
    timeline.record(u"c-a"_qs, InstanceState::Starting, 1 * s);
    timeline.record(u"c-b"_qs, InstanceState::Starting, 1 * s);
    timeline.recordLog(u"c-a"_qs, 3 * s, u"a1"_qs);
    timeline.recordLog(u"c-b"_qs, 2 * s, u"b1"_qs);
    timeline.recordLog(u"c-a"_qs, 2 * s, u"a0 read late"_qs);
    timeline.recordLog(u"c-unknown"_qs, 2 * s, u"no lane"_qs);
    timeline.recordLog(QString(), 2 * s, u"no instance"_qs);
    const InstanceLane &a = timeline.lanes().at(0);
    QCOMPARE(a.logNs, (std::vector<qint64>{2 * s, 3 * s}));
    QCOMPARE(a.logTexts, (QStringList{u"a0 read late"_qs, u"a1"_qs}));
    QCOMPARE(timeline.lanes().at(1).logTexts, QStringList{u"b1"_qs});
    // The cap drops the oldest tenth.
    for (int i = 0; i < InstanceTimeline::kMaxLogTicksPerLane; ++i)
        timeline.recordLog(u"c-b"_qs, 4 * s + i, u"x"_qs);
    const InstanceLane &b = timeline.lanes().at(1);
    QVERIFY(b.logNs.size() <= std::size_t(InstanceTimeline::kMaxLogTicksPerLane));
    QCOMPARE(b.logNs.size(), std::size_t(b.logTexts.size()));
    QCOMPARE(b.logNs.back(), 4 * s + InstanceTimeline::kMaxLogTicksPerLane - 1);
}

void TestInstanceLogTicks::ticksSitAtTheirTimesAndCrowdedOnesShare()
{
    InstanceTimeline timeline;
    timeline.record(u"c-a"_qs, InstanceState::Starting, 0);
    timeline.record(u"c-a"_qs, InstanceState::Busy, 1 * s);
    timeline.record(u"c-a"_qs, InstanceState::Stopped, 10 * s);
    timeline.recordLog(u"c-a"_qs, 2 * s, u"first"_qs);
    timeline.recordLog(u"c-a"_qs, 2 * s + 1'000'000, u"a millisecond later"_qs);
    timeline.recordLog(u"c-a"_qs, 5 * s, u"alone"_qs);
    // 90,000 lines within one second (a lane keeps 100,000).
    for (int i = 0; i < 90'000; ++i)
        timeline.recordLog(u"c-a"_qs, 6 * s + qint64(i) * 10'000, u"burst"_qs);
    InstanceLanesView view(&timeline);
    view.setClock([] { return 10 * s; });
    view.resize(800, 300);
    view.showAll();
    QCOMPARE(view.viewRange().startNs, 0);
    QCOMPARE(view.viewRange().endNs, 10 * s);
    const InstanceLane &lane = timeline.lanes().at(0);
    const QList<InstanceLanesView::LogTick> ticks = view.logTicks(lane);
    QVERIFY(ticks.size() >= 3);
    // x from time: linear across the plot.
    const double x0 = view.xOfNs(0);
    const double x10 = view.xOfNs(10 * s);
    QCOMPARE(ticks[0].x, x0 + (x10 - x0) * 0.2);
    QCOMPARE(ticks[0].count, 2); // a millisecond apart: one tick
    QCOMPARE(ticks[1].x, x0 + (x10 - x0) * 0.5);
    QCOMPARE(ticks[1].count, 1);
    QCOMPARE(ticks[1].first, 2);
    // The burst: ~70 px of the plot, a tick per 3 px holding every line.
    int burst = 0;
    for (qsizetype i = 2; i < ticks.size(); ++i) {
        burst += ticks[i].count;
        QVERIFY(ticks[i].x - ticks[i - 1].x >= InstanceLanesView::kLogTickPx - 1e-9);
    }
    QCOMPARE(burst, 90'000);
    QVERIFY(ticks.size() - 2 <= (x10 - x0) / 10 / InstanceLanesView::kLogTickPx + 2);
    QImage image(view.size(), QImage::Format_ARGB32);
    view.render(&image);
}

void TestInstanceLogTicks::onlyTheLinesInViewAreTicks()
{
    InstanceTimeline timeline;
    timeline.record(u"c-a"_qs, InstanceState::Starting, 0);
    timeline.record(u"c-a"_qs, InstanceState::Stopped, 10 * s);
    for (int i = 0; i < 10; ++i)
        timeline.recordLog(u"c-a"_qs, qint64(i) * s + s / 2, u"line "_qs + QString::number(i));
    InstanceLanesView view(&timeline);
    view.setClock([] { return 10 * s; });
    view.resize(800, 300);
    view.showAll();
    QCOMPARE(view.logTicks(timeline.lanes().at(0)).size(), 10);
    // Zoomed to the middle fifth (4 s to 6 s): two lines, at 4.5 s and 5.5 s.
    view.zoom(0.2, 0.5);
    QCOMPARE(view.viewRange().startNs, 4 * s);
    const QList<InstanceLanesView::LogTick> ticks = view.logTicks(timeline.lanes().at(0));
    QCOMPARE(ticks.size(), 2);
    QCOMPARE(ticks[0].first, 4);
    QCOMPARE(ticks[0].x, view.xOfNs(4 * s + s / 2));
    QCOMPARE(ticks[1].first, 5);
}

void TestInstanceLogTicks::tooltipGivesTheLines()
{
    InstanceTimeline timeline;
    timeline.record(u"c-a"_qs, InstanceState::Starting, 0);
    timeline.record(u"c-a"_qs, InstanceState::Stopped, 10 * s);
    timeline.recordLog(u"c-a"_qs, 2 * s, u"listening <on> 9000"_qs);
    timeline.recordLog(u"c-a"_qs, 5 * s, u"one"_qs);
    timeline.recordLog(u"c-a"_qs, 5 * s + 1000, QString(400, u'y'));
    InstanceLanesView view(&timeline);
    view.setClock([] { return 10 * s; });
    view.resize(800, 300);
    view.showAll();
    const int y = view.laneTop(0) + 7;
    QCOMPARE(view.laneAt(QPoint(int(view.xOfNs(2 * s)), y)), &timeline.lanes().at(0));
    const QString single = view.logTipAt(QPoint(int(view.xOfNs(2 * s)), y));
    QVERIFY2(single.contains(u"listening &lt;on&gt; 9000"_qs), qPrintable(single));
    QVERIFY(single.contains(u"2.000 s"_qs));
    const QString two = view.logTipAt(QPoint(int(view.xOfNs(5 * s)) + 1, y));
    QVERIFY2(two.contains(u"2 log lines"_qs), qPrintable(two));
    QVERIFY(two.contains(u"…"_qs));
    QVERIFY(!two.contains(QString(200, u'y')));
    QVERIFY(view.logTipAt(QPoint(int(view.xOfNs(3 * s)), y)).isEmpty());
    QVERIFY(view.logTipAt(QPoint(int(view.xOfNs(2 * s)), 2)).isEmpty()); // the legend
}

void TestInstanceLogTicks::epochTimesMoveToTheMonotonicClock()
{
    InstanceTimeline timeline;
    const qint64 now = Fcemu::Runtime::monotonicNs();
    timeline.record(u"c-a"_qs, InstanceState::Starting, now);
    timeline.recordLogLine(u"1-r"_qs, u"c-a"_qs, QDateTime::currentMSecsSinceEpoch() - 1000,
                           u"a second ago"_qs);
    const qint64 at = timeline.lanes().at(0).logNs.at(0);
    QVERIFY2(std::abs(at - (now - 1 * s)) < 50'000'000, qPrintable(QString::number(at - now)));
}

QTEST_MAIN(TestInstanceLogTicks)
#include "TestInstanceLogTicks.moc"
