#include <QApplication>
#include <QDir>
#include <QLabel>
#include <QStackedWidget>
#include <QStyle>
#include <QTest>

#include "Screenshots.h"

#include "inspectors/timing/TimingInspector.h"
#include "window/Theme.h"

using namespace Fcemu;
using Fcemu::Ui::darkPalette; // the app's own dark theme
using Fcemu::Ui::Phase;
using Fcemu::Ui::TimingInspector;

namespace {

Telemetry::InvocationRecord cold(const QString &id, double extraTotalMs = 0)
{
    Telemetry::InvocationRecord r;
    r.requestId = id;
    r.coldStart = true;
    r.startedAt = QDateTime(QDate(2026, 1, 2), QTime(3, 4, 5), Qt::UTC);
    r.timings.pullMs = 300;
    r.timings.sandboxMs = 40;
    r.timings.startupMs = 520;
    r.timings.initializeMs = 60;
    r.timings.sendMs = 1;
    r.timings.waitMs = 18;
    r.timings.receiveMs = 1;
    r.timings.invokeMs = 20;
    r.timings.totalMs = 940 + extraTotalMs;
    return r;
}

Telemetry::InvocationRecord warm(const QString &id)
{
    Telemetry::InvocationRecord r;
    r.requestId = id;
    r.coldStart = false;
    r.startedAt = QDateTime(QDate(2026, 1, 2), QTime(3, 4, 6), Qt::UTC);
    r.timings.sendMs = 0.5;
    r.timings.waitMs = 12;
    r.timings.receiveMs = 0.5;
    r.timings.invokeMs = 13;
    r.timings.totalMs = 13;
    return r;
}

QStringList ids(const std::optional<TimingInspector::Column> &column)
{
    return column ? QStringList{column->requestId} : QStringList{};
}

} // namespace

class TestTimingInspector final : public QObject
{
    Q_OBJECT

private slots:
    void cleanup();
    void comparisonRecord();
    void skippedPhases();
    void comparesTwoChosenRuns();
    void unattributedTime_data();
    void unattributedTime();
    void aLaterWarmCallBecomesTheComparison();
    void emptyStateAndLegend();
    void render_data();
    void render();
};

void TestTimingInspector::cleanup()
{
    QApplication::setPalette(QApplication::style()->standardPalette());
}

void TestTimingInspector::comparisonRecord()
{
    Telemetry::RecordStore store(10);
    store.append(warm(u"w0"_qs)); // before any cold start
    store.append(cold(u"c1"_qs));
    store.append(warm(u"w1"_qs));
    store.append(warm(u"w2"_qs));
    store.append(cold(u"c2"_qs));
    store.append(warm(u"w3"_qs));
    store.append(cold(u"c3"_qs));

    const auto comparisonOf = [&store](qsizetype row) {
        const Telemetry::InvocationRecord *other =
            TimingInspector::comparisonFor(store, store.at(row));
        return other ? other->requestId : QString();
    };
    QCOMPARE(comparisonOf(1), u"w3"_qs); // cold: the newest warm call of the store
    QCOMPARE(comparisonOf(6), u"w3"_qs);
    QCOMPARE(comparisonOf(3), u"c1"_qs); // warm: the newest cold call before it
    QCOMPARE(comparisonOf(5), u"c2"_qs);
    QCOMPARE(comparisonOf(0), QString()); // no cold call before it
    // A record not in the store is compared with the store's newest of the other kind.
    QCOMPARE(TimingInspector::comparisonFor(store, warm(u"elsewhere"_qs))->requestId, u"c3"_qs);

    TimingInspector inspector(&store);
    inspector.showRecord(&store.at(3));
    QCOMPARE(ids(inspector.selected()), QStringList{u"w2"_qs});
    QCOMPARE(ids(inspector.comparison()), QStringList{u"c1"_qs});
    QVERIFY(inspector.comparison()->isComparison);
    inspector.showRecord(&store.at(0));
    QCOMPARE(ids(inspector.comparison()), QStringList{});
}

void TestTimingInspector::skippedPhases()
{
    Telemetry::RecordStore store(10);
    store.append(cold(u"c1"_qs));
    store.append(warm(u"w1"_qs));
    TimingInspector inspector(&store);

    const QList<Phase> coldOnly{Phase::Pull, Phase::Sandbox, Phase::Startup, Phase::Initialize};
    inspector.showRecord(&store.at(0));
    QCOMPARE(inspector.selected()->skipped, QList<Phase>{});
    QCOMPARE(inspector.comparison()->skipped, coldOnly);
    inspector.showRecord(&store.at(1));
    QCOMPARE(inspector.selected()->skipped, coldOnly);
    QCOMPARE(inspector.comparison()->skipped, QList<Phase>{});

    // The chart draws the warm call (selected) first, then the cold one, on one scale.
    const auto *chart = inspector.findChild<Ui::WaterfallChart *>();
    QVERIFY(chart);
    QCOMPARE(chart->scaleMs(), 940.0);
    const QStringList rows = chart->rowTexts();
    QCOMPARE(rows.mid(1, 8),
             (QStringList{u"Image pull\tskipped"_qs, u"Sandbox\tskipped"_qs, u"Startup\tskipped"_qs,
                          u"Initializer\tskipped"_qs, u"Send\t0.50 ms"_qs, u"Wait\t12.0 ms"_qs,
                          u"Receive\t0.50 ms"_qs, u"Total\t13.0 ms"_qs}));
    QCOMPARE(rows.at(0), u"This call: warm call\tw1"_qs);
    QCOMPARE(rows.at(9), u"Compared with: the cold start before it\tc1"_qs);
    // The cold start's image was unpacked already: said, not left out.
    QCOMPARE(inspector.comparison()->cached, QList<Phase>{Phase::Unpack});
    QCOMPARE(
        rows.mid(10),
        (QStringList{u"Image pull\t300 ms"_qs, u"Unpack\tcached, 0 ms"_qs, u"Sandbox\t40.0 ms"_qs,
                     u"Startup\t520 ms"_qs, u"Initializer\t60.0 ms"_qs, u"Send\t1.0 ms"_qs,
                     u"Wait\t18.0 ms"_qs, u"Receive\t1.0 ms"_qs, u"Total\t940 ms"_qs}));
}

void TestTimingInspector::comparesTwoChosenRuns()
{
    Telemetry::RecordStore store(10);
    store.append(cold(u"c1"_qs));
    store.append(warm(u"w1"_qs));
    store.append(warm(u"w2"_qs));
    store.append(warm(u"w3"_qs));
    TimingInspector inspector(&store);
    inspector.showRecord(&store.at(3));
    QCOMPARE(ids(inspector.comparison()), QStringList{u"c1"_qs}); // automatic: cold before it
    // Pinned: two warm calls side by side.
    inspector.setPinnedComparison(u"w1"_qs);
    QCOMPARE(ids(inspector.selected()), QStringList{u"w3"_qs});
    QCOMPARE(ids(inspector.comparison()), QStringList{u"w1"_qs});
    QVERIFY(inspector.comparison()->isPinned);
    const QStringList rows = inspector.findChild<Ui::WaterfallChart *>()->rowTexts();
    QVERIFY2(rows.contains(u"Compared with: the chosen warm call\tw1"_qs),
             qPrintable(rows.join(u'|')));
    // It stays while other rows are picked; the pinned row itself falls back to automatic.
    inspector.showRecord(&store.at(2));
    QCOMPARE(ids(inspector.comparison()), QStringList{u"w1"_qs});
    inspector.showRecord(&store.at(1));
    QCOMPARE(ids(inspector.comparison()), QStringList{u"c1"_qs});
    // Back to automatic.
    inspector.showRecord(&store.at(3));
    inspector.setPinnedComparison({});
    QCOMPARE(ids(inspector.comparison()), QStringList{u"c1"_qs});
    QVERIFY(!inspector.comparison()->isPinned);
}

void TestTimingInspector::unattributedTime_data()
{
    QTest::addColumn<double>("extraMs");
    QTest::addColumn<double>("unattributedMs");
    QTest::addRow("phases summing to the total leave nothing") << 0.0 << 0.0;
    QTest::newRow("1% more than the phases is rounding, not reported") << 9.4 << 0.0;
    QTest::newRow("more than 1% is reported") << 60.0 << 60.0;
}

void TestTimingInspector::unattributedTime()
{
    QFETCH(double, extraMs);
    QFETCH(double, unattributedMs);
    Telemetry::RecordStore store(10);
    store.append(cold(u"c1"_qs, extraMs));
    TimingInspector inspector(&store);
    inspector.showRecord(&store.at(0));
    QCOMPARE(inspector.selected()->phaseSumMs, 940.0);
    QCOMPARE(inspector.selected()->unattributedMs, unattributedMs);
    const QStringList rows = inspector.findChild<Ui::WaterfallChart *>()->rowTexts();
    const bool reported = rows.contains(u"Unattributed\tunattributed 60.0 ms"_qs);
    QCOMPARE(reported, unattributedMs > 0);
    QCOMPARE(inspector.legendText().contains(u"<b>Unattributed</b>"_qs), unattributedMs > 0);
    QCOMPARE(rows.last(), u"Total\t"_qs + Ui::formatDuration(940 + extraMs));
}

void TestTimingInspector::aLaterWarmCallBecomesTheComparison()
{
    Telemetry::RecordStore store(10);
    store.append(cold(u"c1"_qs));
    TimingInspector inspector(&store);
    inspector.showRecord(&store.at(0));
    QCOMPARE(ids(inspector.comparison()), QStringList{});
    QVERIFY(inspector.legendText().contains(u"No warm call yet"_qs));
    store.append(warm(u"w1"_qs));
    QCOMPARE(ids(inspector.comparison()), QStringList{u"w1"_qs});
    store.append(cold(u"c2"_qs)); // not a warm call: no change
    QCOMPARE(ids(inspector.comparison()), QStringList{u"w1"_qs});
    store.append(warm(u"w2"_qs));
    QCOMPARE(ids(inspector.comparison()), QStringList{u"w2"_qs});
    QCOMPARE(ids(inspector.selected()), QStringList{u"c1"_qs});
    // A warm call keeps its comparison: later cold calls are not "before it".
    inspector.showRecord(&store.at(1));
    store.append(cold(u"c3"_qs));
    QCOMPARE(ids(inspector.comparison()), QStringList{u"c1"_qs});
}

void TestTimingInspector::emptyStateAndLegend()
{
    Telemetry::RecordStore store(10);
    TimingInspector inspector(&store);
    auto *stack = inspector.findChild<QStackedWidget *>();
    auto *empty = qobject_cast<QLabel *>(stack->currentWidget());
    QVERIFY(empty);
    QCOMPARE(empty->text(), u"Select a request to see where its time went."_qs);
    store.append(cold(u"c1"_qs));
    inspector.showRecord(&store.at(0));
    QVERIFY(stack->currentWidget() != empty);
    const QString legend = inspector.legendText();
    for (const Phase phase : {Phase::Pull, Phase::Sandbox, Phase::Startup, Phase::Initialize,
                              Phase::Send, Phase::Wait, Phase::Receive}) {
        QVERIFY2(legend.contains(Ui::phaseExplanation(phase).toHtmlEscaped()),
                 qPrintable(Ui::phaseName(phase)));
    }
    QVERIFY(!legend.contains(Ui::phaseExplanation(Phase::Queue).toHtmlEscaped()));
    inspector.showRecord(nullptr);
    QCOMPARE(stack->currentWidget(), empty);
    QCOMPARE(inspector.selected().has_value(), false);
}

void TestTimingInspector::render_data()
{
    QTest::addColumn<bool>("dark");
    QTest::addRow("light") << false;
    QTest::addRow("dark") << true;
}

void TestTimingInspector::render()
{
    QFETCH(bool, dark);
    if (dark)
        QApplication::setPalette(darkPalette());
    Telemetry::RecordStore store(10);
    store.append(cold(u"1-6603951e-157f3f32-7fe6f248d7d0"_qs, 45));
    store.append(warm(u"1-6603951f-157f3f32-7fe6f248d7d1"_qs));
    TimingInspector inspector(&store);
    inspector.resize(560, 700);
    inspector.showRecord(&store.at(0));
    inspector.show();
    QVERIFY(QTest::qWaitForWindowExposed(&inspector));
    const QString suffix = dark ? u"dark"_qs : u"light"_qs;
    QVERIFY(Test::saveScreenshot(&inspector, u"timing-%1.png"_qs.arg(suffix)));
    inspector.resize(360, 600);
    QVERIFY(Test::saveScreenshot(&inspector, u"timing-narrow-%1.png"_qs.arg(suffix)));
}

QTEST_MAIN(TestTimingInspector)
#include "TestTimingInspector.moc"
