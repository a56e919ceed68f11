// The diff logic of the compare view (issue 13 item 5), without widgets: the phases of a cold and
// a warm call (each phase's times, the difference, the ×-factor, noise left alone), the header
// lists (added, removed, changed, repeated headers, per-call ids), the log tails (a line diff that
// matches lines across runs with their ids and times masked), and the cost.
#include <QTest>

#include "CompareFixtures.h"
#include "compare/CompareModel.h"

using namespace Fcemu;
using namespace Fcemu::Ui;

namespace {

const PhaseDiff *phaseRow(const QList<PhaseDiff> &rows, const QString &name)
{
    for (const PhaseDiff &row : rows)
        if (row.name == name)
            return &row;
    return nullptr;
}

const CostDiff *costRow(const QList<CostDiff> &rows, const QString &name)
{
    for (const CostDiff &row : rows)
        if (row.name == name)
            return &row;
    return nullptr;
}

} // namespace

class TestCompareModel final : public QObject
{
    Q_OBJECT

private slots:
    void phasesOfAColdAndAWarmCall()
    {
        const auto cold = Test::compareCall(u"1-a"_qs, true, 18.2);
        const auto warm = Test::compareCall(u"1-b"_qs, false, 9.1);
        const QList<PhaseDiff> rows = comparePhases(cold, warm);
        QStringList names;
        for (const PhaseDiff &row : rows)
            names << row.name;
        // In the order they happen; the ones neither had (queue, initializer) left out.
        QCOMPARE(names, (QStringList{u"Image pull"_qs, u"Unpack"_qs, u"Sandbox"_qs, u"Startup"_qs,
                                     u"Send"_qs, u"Wait"_qs, u"Receive"_qs, u"Total"_qs}));
        const PhaseDiff *unpack = phaseRow(rows, u"Unpack"_qs);
        QCOMPARE(unpack->aMs, 91.7);
        QCOMPARE(unpack->bMs, 0.0);
        QCOMPARE(unpack->change(), Change::Removed);
        QVERIFY(!unpack->factor());
        const PhaseDiff *wait = phaseRow(rows, u"Wait"_qs);
        QCOMPARE(wait->differenceMs(), 9.1 - 18.2);
        QCOMPARE(*wait->factor(), 0.5);
        QCOMPARE(wait->change(), Change::Changed);
        QCOMPARE(phaseRow(rows, u"Send"_qs)->change(), Change::Same);
        const PhaseDiff &total = rows.last();
        QVERIFY(!total.phase);
        QCOMPARE(total.aMs, cold.timings.totalMs);
        QCOMPARE(total.bMs, warm.timings.totalMs);
        QCOMPARE(formatFactor(*total.factor()), u"×0.038"_qs);
        QCOMPARE(formatDifferenceMs(total.differenceMs()), u"−238 ms"_qs);
        // The other way round: B only has them.
        QCOMPARE(phaseRow(comparePhases(warm, cold), u"Unpack"_qs)->change(), Change::Added);
    }

    // Noise is not a difference: less than 0.5 ms apart, or less than 5 %.
    void phaseNoise_data()
    {
        QTest::addColumn<double>("a");
        QTest::addColumn<double>("b");
        QTest::addColumn<int>("change");
        QTest::addRow("0.1 against 0.4 ms is noise") << 0.1 << 0.4 << int(Change::Same);
        QTest::addRow("1000 against 1040 ms is noise") << 1000.0 << 1040.0 << int(Change::Same);
        QTest::addRow("10 against 11 ms differs") << 10.0 << 11.0 << int(Change::Changed);
        QTest::addRow("1000 against 1100 ms differs") << 1000.0 << 1100.0 << int(Change::Changed);
        QTest::addRow("a phase only A had") << 3.0 << 0.0 << int(Change::Removed);
        QTest::addRow("a phase only B had") << 0.0 << 0.2 << int(Change::Added);
    }

    void phaseNoise()
    {
        QFETCH(double, a);
        QFETCH(double, b);
        QFETCH(int, change);
        PhaseDiff row;
        row.aMs = a;
        row.bMs = b;
        QCOMPARE(int(row.change()), change);
    }

    void factorsAndDifferences_data()
    {
        QTest::addColumn<double>("factor");
        QTest::addColumn<QString>("text");
        QTest::addRow("hundreds are whole") << 262.4 << u"×262"_qs;
        QTest::addRow("tens are whole") << 26.6 << u"×27"_qs;
        QTest::addRow("units have one decimal") << 2.0 << u"×2.0"_qs;
        QTest::addRow("below one, two decimals") << 0.5 << u"×0.50"_qs;
        QTest::addRow("small factors, two digits") << 0.0376 << u"×0.038"_qs;
    }

    void factorsAndDifferences()
    {
        QFETCH(double, factor);
        QFETCH(QString, text);
        QCOMPARE(formatFactor(factor), text);
        QCOMPARE(formatDifferenceMs(12.5), u"+12.5 ms"_qs);
        QCOMPARE(formatDifferenceMs(-0.25), u"−0.25 ms"_qs);
        QCOMPARE(formatDifferenceMs(0.001), u"±0 ms"_qs);
    }

    void headersAddedRemovedAndChanged()
    {
        const Telemetry::HeaderList a{{"Content-Type", "application/json"},
                                      {"Set-Cookie", "a=1"},
                                      {"Set-Cookie", "b=2"},
                                      {"X-Fc-Request-Id", "1-a"},
                                      {"X-Old", "gone"}};
        const Telemetry::HeaderList b{{"content-type", "application/json"}, // case differs only
                                      {"Set-Cookie", "a=1"},
                                      {"Set-Cookie", "b=3"},
                                      {"X-Fc-Request-Id", "1-b"},
                                      {"X-New", "here"},
                                      {"Set-Cookie", "c=4"}};
        const QList<HeaderDiff> rows = compareHeaders(a, b);
        QCOMPARE(rows.size(), 7);
        QCOMPARE(rows[0].name, u"Content-Type"_qs);
        QCOMPARE(rows[0].change, Change::Same);
        QCOMPARE(rows[1].change, Change::Same); // the first Set-Cookie with the first
        QCOMPARE(rows[2].change, Change::Changed);
        QCOMPARE(rows[2].a, u"b=2"_qs);
        QCOMPARE(rows[2].b, u"b=3"_qs);
        QCOMPARE(rows[3].change, Change::Changed);
        QVERIFY(rows[3].perCall); // a request id differs on every call
        QVERIFY(!rows[2].perCall);
        QCOMPARE(rows[4].name, u"X-Old"_qs);
        QCOMPARE(rows[4].change, Change::Removed);
        QVERIFY(rows[4].b.isEmpty());
        // Then the ones only B has, in B's order.
        QCOMPARE(rows[5].name, u"X-New"_qs);
        QCOMPARE(rows[5].change, Change::Added);
        QCOMPARE(rows[6].name, u"Set-Cookie"_qs);
        QCOMPARE(rows[6].b, u"c=4"_qs);
        QCOMPARE(rows[6].change, Change::Added);
        QCOMPARE(changeMark(Change::Added), u"+"_qs);
        QCOMPARE(changeMark(Change::Removed), u"−"_qs);
        QCOMPARE(changeMark(Change::Changed), u"≠"_qs);
    }

    void logsMatchAcrossRunsWithIdsAndTimesMasked()
    {
        const auto cold = Test::compareCall(u"1-6603951e-157f3f32-7fe6f248d7d0"_qs, true, 18.2);
        const auto warm = Test::compareCall(u"1-6603951e-157f3f32-7fe6f248d7d1"_qs, false, 9.1);
        QCOMPARE(logKey(u"FC Invoke Start RequestId: "_qs + cold.requestId, cold),
                 u"FC Invoke Start RequestId: {requestId}"_qs);
        QCOMPARE(logKey(u"2026-03-27T10:11:12.100Z listening"_qs, cold), u"{time} listening"_qs);
        const QList<LogDiff> rows = compareLogs(cold, warm);
        // cold: Start, listening, connected, served, End; warm: Start, cache hit, served, End.
        QCOMPARE(rows.size(), 5);
        QCOMPARE(rows[0].change, Change::Same);
        QVERIFY(rows[0].a.endsWith(cold.requestId));
        QVERIFY(rows[0].b.endsWith(warm.requestId));
        QCOMPARE(rows[1].change, Change::Changed); // a removed line and an added one pair up
        QCOMPARE(rows[1].a, u"2026-03-27T10:11:12.100Z listening on 9000"_qs);
        QCOMPARE(rows[1].b, u"cache hit for page 1"_qs);
        QCOMPARE(rows[2].change, Change::Removed);
        QCOMPARE(rows[2].a, u"connected to the database in 41 ms"_qs);
        QVERIFY(rows[2].b.isEmpty());
        QCOMPARE(rows[3].change, Change::Same);
        QCOMPARE(rows[3].a, u"served /api/items"_qs);
        QCOMPARE(rows[4].change, Change::Same);

        // Only the tails are compared.
        Telemetry::InvocationRecord a = cold;
        Telemetry::InvocationRecord b = warm;
        a.logs = {u"x"_qs, u"y"_qs, u"z"_qs};
        b.logs = {u"y"_qs, u"z"_qs, u"w"_qs};
        const QList<LogDiff> tail = compareLogs(a, b, 2);
        QCOMPARE(tail.size(), 3);
        QCOMPARE(tail[0].a, u"y"_qs);
        QCOMPARE(tail[0].change, Change::Removed);
        QCOMPARE(tail[1].change, Change::Same);
        QCOMPARE(tail[2].b, u"w"_qs);
        QCOMPARE(tail[2].change, Change::Added);
    }

    void costOfTwoRuns()
    {
        const auto cold = Test::compareCall(u"1-a"_qs, true, 18.2);
        const auto warm = Test::compareCall(u"1-b"_qs, false, 9.1);
        const QList<CostDiff> rows = compareCost({&cold, u"s"_qs, true}, {&warm, u"s"_qs, true});
        const CostDiff *billed = costRow(rows, u"Billed duration"_qs);
        QVERIFY(billed);
        QCOMPARE(billed->a, u"19 ms"_qs); // 18.4 ms billed by the started millisecond
        QCOMPARE(billed->b, u"10 ms"_qs);
        QCOMPARE(billed->difference, u"−9 ms"_qs);
        QCOMPARE(formatFactor(*billed->factor), u"×0.53"_qs);
        QCOMPARE(billed->change, Change::Changed);
        const CostDiff *gbs = costRow(rows, u"GB-s"_qs);
        QCOMPARE(gbs->a, u"0.0095"_qs); // 0.5 GB × 0.019 s
        QCOMPARE(gbs->b, u"0.005"_qs);
        // The cold call pulled the image: fc2 bills it as pull GB-s.
        const CostDiff *pull = costRow(rows, u"Image pull GB-s"_qs);
        QVERIFY(pull);
        QCOMPARE(pull->a, u"0.005"_qs);
        QCOMPARE(pull->b, u"0"_qs);
        const CostDiff *call = costRow(rows, u"Cost per call"_qs);
        QCOMPARE(call->a, formatMoney(cold.billing.cost));
        QCOMPARE(call->b, formatMoney(warm.billing.cost));
        QCOMPARE(call->difference, u"−"_qs + formatMoney(cold.billing.cost - warm.billing.cost));
        const CostDiff *million = costRow(rows, u"Cost per 1M calls"_qs);
        // 10 ms at 512 MB: the request fee (USD 0.2 per 1M) + 0.005 GB-s × USD 0.000016384.
        QCOMPARE(million->b, u"$0.28192"_qs);
        QCOMPARE(costRow(rows, u"Memory size"_qs)->change, Change::Same);
        QCOMPARE(costRow(rows, u"Billing model"_qs)->a, u"fc2"_qs);
        QVERIFY(!costRow(rows, u"CU"_qs)); // fc2 has none
    }

    void aBrowserRunHasNoCost()
    {
        const auto cold = Test::compareCall(u"1-a"_qs, true, 18.2);
        Telemetry::InvocationRecord browser = Test::compareCall(u"har-1"_qs, false, 9.1);
        browser.billing = {};
        const QList<CostDiff> rows =
            compareCost({&cold, u"s"_qs, true}, {&browser, u"chrome.har"_qs, false});
        QCOMPARE(rows.size(), 3);
        QCOMPARE(rows[0].a, u"19 ms"_qs);
        QCOMPARE(rows[0].b, u"not recorded (browser HAR)"_qs);
        QVERIFY(rows[2].difference.isEmpty());
    }

    void theHeadlineSaysWhatMattersMost()
    {
        const auto cold = Test::compareCall(u"1-a"_qs, true, 18.2);
        const auto warm = Test::compareCall(u"1-b"_qs, false, 9.1);
        const QString text = compareHeadline({&warm, u"s"_qs, true}, {&cold, u"s"_qs, true});
        QVERIFY2(text.startsWith(u"B took 238 ms longer than A (×27)."_qs), qPrintable(text));
        QVERIFY2(text.contains(u"B was a cold start, A warm."_qs), qPrintable(text));
        QVERIFY2(text.contains(u"Most of it: Unpack +91.7 ms, Startup +77.5 ms."_qs),
                 qPrintable(text));
        const QString same = compareHeadline({&warm, u"s"_qs, true}, {&warm, u"s"_qs, true});
        QVERIFY2(same.startsWith(u"A and B took about as long"_qs), qPrintable(same));
    }

    void theColoursReadOnBothPalettes()
    {
        QPalette light;
        light.setColor(QPalette::Base, Qt::white);
        light.setColor(QPalette::Text, Qt::black);
        QPalette dark;
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1f, 0x22));
        dark.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
        for (Change change : {Change::Added, Change::Removed, Change::Changed}) {
            // Text in the change's colour stands out from the base it sits on.
            QVERIFY(std::abs(changeColor(change, light).lightness() - 255) > 80);
            QVERIFY(changeColor(change, dark).lightness() > 100);
            QVERIFY(changeTint(change, light).alpha() < 80);
        }
        QVERIFY(!changeTint(Change::Same, light).isValid());
        QVERIFY(runColor(0, light) != runColor(1, light));
        QVERIFY(runColor(0, dark).lightness() > runColor(0, light).lightness());
    }
};

QTEST_MAIN(TestCompareModel)
#include "TestCompareModel.moc"
