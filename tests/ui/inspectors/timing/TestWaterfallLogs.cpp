// The Timing waterfall's Logs row (issue 13 item 6): a call's log lines at their times on the
// waterfall's axis (start-up output inside the start-up bar), clustered when they crowd, with
// their text in a tooltip and a click that asks for the line.
#include <algorithm>
#include <cmath>

#include <QApplication>
#include <QImage>
#include <QSignalSpy>
#include <QTest>

#include "inspectors/timing/TimingInspector.h"
#include "inspectors/timing/WaterfallChart.h"

using namespace Fcemu;
using Fcemu::Ui::TimingInspector;
using Fcemu::Ui::TimingLogMark;
using Fcemu::Ui::WaterfallChart;

namespace {

const QDateTime kArrived(QDate(2026, 1, 2), QTime(3, 4, 5), Qt::UTC);

// A cold start as the pool records it: the image phases (300 ms of pull) ran before the call
// arrived; sandbox 40, start-up 520, initialize 60, invoke 20 after it.
Telemetry::InvocationRecord coldWithLogs()
{
    Telemetry::InvocationRecord r;
    r.requestId = u"1-cold"_qs;
    r.coldStart = true;
    r.startedAt = kArrived;
    r.timings.pullMs = 300;
    r.timings.sandboxMs = 40;
    r.timings.startupMs = 520;
    r.timings.initializeMs = 60;
    r.timings.sendMs = 1;
    r.timings.waitMs = 18;
    r.timings.receiveMs = 1;
    r.timings.invokeMs = 20;
    r.timings.totalMs = 940;
    const qint64 t0 = kArrived.toMSecsSinceEpoch();
    const QList<QPair<qint64, QString>> lines{
        {100, u"server booting"_qs},                        // start-up output
        {560, u"FC Initialize Start RequestId: 1-cold"_qs}, // after sandbox + start-up
        {620, u"FC Initialize End RequestId: 1-cold"_qs},
        {620, u"FC Invoke Start RequestId: 1-cold"_qs},
        {630, u"handled GET / "_qs + QString(500, u'x')},
        {640, u"FC Invoke End RequestId: 1-cold"_qs},
        {640, u"Duration: 20.00 ms, Billed Duration: 20 ms"_qs},
    };
    for (const auto &[at, text] : lines)
        r.appendLog(text, t0 + at);
    return r;
}

} // namespace

class TestWaterfallLogs final : public QObject
{
    Q_OBJECT

private slots:
    void linesSitAtTheirTimesOnTheAxis();
    void markersAreWhereTheTimeSays();
    void crowdedLinesShareAMarkerWithTheirCount();
    void tooltipAndClick();
    void recordsWithoutTimesDrawNoLogs();
};

void TestWaterfallLogs::linesSitAtTheirTimesOnTheAxis()
{
    const Telemetry::InvocationRecord r = coldWithLogs();
    QCOMPARE(r.logTimesMs.size(), r.logs.size());
    const QList<TimingLogMark> marks = Ui::logMarksOf(r);
    QCOMPARE(marks.size(), 7);
    // 100 ms after arrival is in the start-up (sandbox 0-40, start-up 40-560 of the call's own
    // time); on the axis the 300 ms pull comes first: 400, inside the start-up bar (340-860).
    QCOMPARE(marks[0].ms, 400.0);
    QVERIFY(marks[0].startup);
    QVERIFY(marks[0].ms >= 340 && marks[0].ms <= 860);
    QCOMPARE(marks[1].ms, 860.0); // initialize starts where start-up ends
    QVERIFY(!marks[1].startup);
    QCOMPARE(marks[3].ms, 920.0); // invoke starts after 60 ms of initialize
    QCOMPARE(marks[3].text, u"FC Invoke Start RequestId: 1-cold"_qs);
    QCOMPARE(marks[4].ms, 930.0);
    QCOMPARE(marks[6].ms, 940.0);
    QCOMPARE(marks[6].line, 6);

    // A start-up line stamped a little outside the bar (clocks read a moment apart) is kept in.
    Telemetry::InvocationRecord early = coldWithLogs();
    early.logTimesMs[0] = kArrived.toMSecsSinceEpoch() + 10; // during the sandbox phase
    QCOMPARE(Ui::logMarksOf(early).first().ms, 340.0);

    // A warm call: its time since arrival is its place on the axis.
    Telemetry::InvocationRecord warm;
    warm.coldStart = false;
    warm.startedAt = kArrived;
    warm.timings.invokeMs = 12;
    warm.timings.totalMs = 12;
    warm.appendLog(u"FC Invoke Start RequestId: 2"_qs, kArrived.toMSecsSinceEpoch());
    warm.appendLog(u"work"_qs, kArrived.toMSecsSinceEpoch() + 7);
    const QList<TimingLogMark> warmMarks = Ui::logMarksOf(warm);
    QCOMPARE(warmMarks.size(), 2);
    QCOMPARE(warmMarks[1].ms, 7.0);
    QVERIFY(!warmMarks[1].startup);
}

void TestWaterfallLogs::markersAreWhereTheTimeSays()
{
    const auto column = TimingInspector::columnOf(coldWithLogs());
    QCOMPARE(column.logMarks.size(), 7);
    WaterfallChart chart;
    chart.resize(1200, 400);
    chart.setColumns({column});
    QVERIFY(chart.rowTexts().contains(u"Logs\t7 lines"_qs));
    QVERIFY(chart.logRowCenterY() > 0);
    // x is linear in time across the bar: 0 at its left, the scale at its right.
    const double x0 = chart.xOfMs(0);
    const double x1 = chart.xOfMs(chart.scaleMs());
    QVERIFY(x1 - x0 > 500);
    const QList<WaterfallChart::LogCluster> clusters = chart.logClusters();
    // 400, 860, 920 (two lines), 930, 940 (two lines): ~1 px a millisecond here.
    QCOMPARE(clusters.size(), 5);
    QCOMPARE(clusters[0].x, x0 + (x1 - x0) * 400 / 940);
    QCOMPARE(clusters[1].x, x0 + (x1 - x0) * 860 / 940);
    QCOMPARE(clusters[2].count, 2);
    QCOMPARE(clusters[3].count, 1);
    QCOMPARE(clusters[4].count, 2);
    QCOMPARE(clusters[4].x, x1);
    // A narrower chart packs them closer: 920 and 930 share a marker at about 0.3 px/ms.
    chart.resize(chart.minimumSizeHint().width(), 400);
    int total = 0;
    for (const auto &c : chart.logClusters())
        total += c.count;
    QCOMPARE(total, 7);
    QVERIFY(chart.logClusters().size() < 5);
}

void TestWaterfallLogs::crowdedLinesShareAMarkerWithTheirCount()
{
    // A warm call of 940 ms logging 100,000 lines: one marker per 3 px, every line counted.
    Telemetry::InvocationRecord r;
    r.requestId = u"1-busy"_qs;
    r.coldStart = false;
    r.startedAt = kArrived;
    r.timings.invokeMs = 940;
    r.timings.totalMs = 940;
    const qint64 t0 = kArrived.toMSecsSinceEpoch();
    for (int i = 0; i < 100'000; ++i) {
        r.logs.append(u"line "_qs + QString::number(i));
        r.logTimesMs.append(t0 + qint64(i) * 940 / 100'000);
    }
    WaterfallChart chart;
    chart.resize(1200, 400);
    chart.setColumns({TimingInspector::columnOf(r)});
    const QList<WaterfallChart::LogCluster> clusters = chart.logClusters();
    int total = 0;
    double lastX = -100;
    for (const auto &c : clusters) {
        total += c.count;
        QVERIFY(c.x - lastX >= WaterfallChart::kLogClusterPx);
        lastX = c.x;
    }
    QCOMPARE(total, 100'000);
    const double span = chart.xOfMs(chart.scaleMs()) - chart.xOfMs(0);
    QVERIFY(clusters.size() <= span / WaterfallChart::kLogClusterPx + 2);
    QVERIFY(clusters.size() >= span / WaterfallChart::kLogClusterPx / 2);
    // Each millisecond's ~106 lines share at least one marker.
    QVERIFY(std::all_of(clusters.cbegin(), clusters.cend(),
                        [](const auto &c) { return c.count >= 100; }));
    QVERIFY(chart.logTipAt(clusters[1].x).contains(u"… and "_qs));
    // Painting them is painting the markers.
    QImage image(chart.size(), QImage::Format_ARGB32);
    chart.render(&image);
}

void TestWaterfallLogs::tooltipAndClick()
{
    WaterfallChart chart;
    chart.resize(1200, 400);
    chart.setColumns({TimingInspector::columnOf(coldWithLogs())});
    const QList<WaterfallChart::LogCluster> clusters = chart.logClusters();
    const QString startup = chart.logTipAt(clusters[0].x);
    QVERIFY2(startup.contains(u"Start-up output"_qs), qPrintable(startup));
    QVERIFY(startup.contains(u"server booting"_qs));
    // A long line is cut short.
    const QString handled = chart.logTipAt(clusters[3].x + 1);
    QVERIFY2(handled.contains(u"handled GET / xxx"_qs), qPrintable(handled));
    QVERIFY(handled.contains(u"…"_qs));
    QVERIFY(!handled.contains(QString(200, u'x')));
    const QString two = chart.logTipAt(clusters[4].x);
    QVERIFY2(two.contains(u"2 log lines"_qs), qPrintable(two));
    QVERIFY(two.contains(u"Duration: 20.00 ms"_qs));
    QVERIFY(chart.logTipAt(chart.xOfMs(100)).isEmpty()); // nothing logged there

    QSignalSpy clicked(&chart, &WaterfallChart::logLineClicked);
    QTest::mouseClick(&chart, Qt::LeftButton, {},
                      QPoint(int(std::lround(clusters[2].x)), chart.logRowCenterY()));
    QCOMPARE(clicked.size(), 1);
    QCOMPARE(clicked[0][0].toString(), u"1-cold"_qs);
    QCOMPARE(clicked[0][1].toLongLong(), kArrived.toMSecsSinceEpoch() + 620);
    QCOMPARE(clicked[0][2].toString(), u"FC Initialize End RequestId: 1-cold"_qs);
    // Off the markers, a click asks for nothing.
    QTest::mouseClick(&chart, Qt::LeftButton, {},
                      QPoint(int(chart.xOfMs(100)), chart.logRowCenterY()));
    QCOMPARE(clicked.size(), 1);
}

void TestWaterfallLogs::recordsWithoutTimesDrawNoLogs()
{
    // An imported HAR has lines but no times: no Logs row rather than lines at 0.
    Telemetry::InvocationRecord r = coldWithLogs();
    r.logTimesMs.clear();
    QVERIFY(Ui::logMarksOf(r).isEmpty());
    WaterfallChart chart;
    chart.setColumns({TimingInspector::columnOf(r)});
    QCOMPARE(chart.logRowCenterY(), -1);
    QVERIFY(chart.logClusters().isEmpty());
    // The comparison column's lines are not drawn (the selected call's are).
    auto comparison = TimingInspector::columnOf(coldWithLogs());
    comparison.isComparison = true;
    chart.setColumns({TimingInspector::columnOf(r), comparison});
    QCOMPARE(chart.logRowCenterY(), -1);
}

QTEST_MAIN(TestWaterfallLogs)
#include "TestWaterfallLogs.moc"
