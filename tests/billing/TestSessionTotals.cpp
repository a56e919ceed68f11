#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "billing/SessionTotals.h"

#include "MoneyTestPrinter.h"

using namespace Fcemu::Billing;

// Per-session totals (CONTRACT §8): exact sums, the free tier and the CU tiers over the month.
class TestSessionTotals final : public QObject
{
    Q_OBJECT

private:
    const PriceTable m_prices = PriceTable::builtIn();

    static InvocationUsage call(int memoryMB, double durationMs)
    {
        InvocationUsage u;
        u.memoryMB = memoryMB;
        u.durationMs = durationMs;
        u.imageCached = true;
        return u;
    }

    // Exactly 1 CU under fc3: 0.5 vCPU × 1.985 s + 0.0075 per call, no memory or disk.
    static InvocationUsage oneCuCall()
    {
        InvocationUsage u;
        u.memoryMB = 0;
        u.vcpu = 0.5;
        u.diskMB = 0;
        u.durationMs = 1985;
        u.imageCached = true;
        return u;
    }

private slots:
    void millionTinyChargesSumExactly()
    {
        SessionTotals session({}, m_prices);
        const Charge c = charge(call(128, 117.33), {}, m_prices);
        QCOMPARE(c.cost.toString(), u"0.000000441664"_qs);
        Money sumOfReturned;
        for (int i = 0; i < 1'000'000; ++i)
            sumOfReturned += session.add(c).value_or(Money());
        QCOMPARE(session.invocations(), qint64(1'000'000));
        QCOMPARE(session.gbSeconds(), 14750.0);
        QCOMPARE(session.cost().toString(), u"0.441664"_qs);
        QCOMPARE(session.cost(), c.cost * 1'000'000);
        QCOMPARE(sumOfReturned, session.cost());
        QCOMPARE(session.working().back(),
                 (WorkingLine{u"Session total"_qs, {}, {}, u"USD 0.441664"_qs}));
    }

    void sessionPricesTheTotalNotTheRoundedCharges()
    {
        // With a user's price that is not a whole number of pico-units per MB·ms, each call's
        // cost is rounded (HalfEven, 2,083.3375 → 2,083 pico); the session prices the exact
        // GB-s total instead, so a million calls do not lose 0.34 micro-units each.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile file(dir.filePath(u"prices.json"_qs));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"fc2": {"gbSecondPrice": "0.0000166667", "requestPricePerMillion": "0"}})");
        file.close();
        const auto prices = PriceTable::load(file.fileName());
        QVERIFY(prices);
        SessionTotals session({}, *prices);
        const Charge c = charge(call(128, 1), {}, *prices);
        QCOMPARE(c.cost.pico(), qint64(2083));
        for (int i = 0; i < 1'000'000; ++i)
            session.add(c);
        QCOMPARE(session.cost().toString(), u"0.0020833375"_qs);
        QVERIFY(session.cost() != c.cost * 1'000'000);
    }

    void freeTier_data()
    {
        QTest::addColumn<bool>("freeTier");
        QTest::addColumn<qint64>("monthRequests");
        QTest::addColumn<QString>("firstCall");
        QTest::addColumn<QString>("secondCall");
        QTest::addRow("free tier off: both calls pay the request fee")
            << false << 999'999LL << u"0.0000002"_qs << u"0.0000002"_qs;
        QTest::addRow("free tier on: the millionth request is free, the next one is not")
            << true << 999'999LL << u"0"_qs << u"0.0000002"_qs;
        QTest::addRow("free tier on early in the month: both calls are free")
            << true << 0LL << u"0"_qs << u"0"_qs;
    }
    void freeTier()
    {
        QFETCH(bool, freeTier);
        QFETCH(qint64, monthRequests);
        QFETCH(QString, firstCall);
        QFETCH(QString, secondCall);
        BillingOptions options;
        options.freeTier = freeTier;
        options.monthToDate.requests = monthRequests;
        SessionTotals session(options, m_prices);
        const Charge c = charge(call(128, 1), options, m_prices);
        // Only the request fee is under test: take off the GB-s fee, which the free tier's
        // 400,000 GB-s cover when it is on.
        const Money gbPart =
            m_prices.fc2().gbSecondPrice.times(128, 1024000, RoundingMode::HalfEven);
        const Money first = *session.add(c) - (freeTier ? Money() : gbPart);
        const Money second = *session.add(c) - (freeTier ? Money() : gbPart);
        QCOMPARE(first.toString(), firstCall);
        QCOMPARE(second.toString(), secondCall);
    }

    void cuTierWalkAcrossTheSession()
    {
        BillingOptions options;
        options.model = Model::Fc3;
        options.monthToDate.cu = 99'999'999;
        SessionTotals session(options, m_prices);
        const Charge c = charge(oneCuCall(), options, m_prices);
        QCOMPARE(c.cu.value_or(0), 1.0);
        // The first CU is the last of tier 1, the second the first of tier 2.
        QCOMPARE(session.add(c)->toString(), u"0.00002"_qs);
        QCOMPARE(session.add(c)->toString(), u"0.000017"_qs);
        QCOMPARE(session.cost().toDisplayString(), u"USD 0.000037"_qs);
        QCOMPARE(session.billedCu(), std::optional<qint64>(2));
        QCOMPARE(session.billedCost().toString(), u"0.000037"_qs);
    }

    void chargesOfTheOtherModelAreRefused()
    {
        SessionTotals session({}, m_prices); // fc2
        BillingOptions fc3;
        fc3.model = Model::Fc3;
        QVERIFY(!session.add(charge(oneCuCall(), fc3, m_prices)));
        QCOMPARE(session.invocations(), qint64(0));
        QVERIFY(!session.cu());
    }

    void pullAndProvisionedLifeAddUp()
    {
        SessionTotals session({}, m_prices);
        InvocationUsage cold = call(1024, 1);
        cold.imageCached = false;
        cold.pullMs = 10'000;
        session.add(charge(cold, {}, m_prices));
        session.add(charge(call(1024, 1), {}, m_prices)); // warm: no pull
        session.add(provisionedCharge(1024, 0, 512, 3'600'000, {}, m_prices));
        QCOMPARE(session.invocations(), qint64(2));
        QCOMPARE(session.imagePullGbSeconds(), 10.0);
        QCOMPARE(session.gbSeconds(), 3600.002);
        // 2 requests × 0.2 µ + (10 + 3600.002) GB-s × 0.000016384.
        QCOMPARE(session.cost().toString(), u"0.059146672768"_qs);
    }
};

QTEST_APPLESS_MAIN(TestSessionTotals)
#include "TestSessionTotals.moc"
