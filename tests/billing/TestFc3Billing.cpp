#include <nlohmann/json.hpp>

#include <QTest>

#include "billing/Billing.h"
#include "billing/SessionTotals.h"

#include "MoneyTestPrinter.h"

using namespace Fcemu::Billing;

Q_DECLARE_METATYPE(Fcemu::Billing::InvocationUsage)
Q_DECLARE_METATYPE(Fcemu::Billing::DiskAllowance)

// FC 3.0 compute units: factors, idle time, disk allowance, tiers, hourly rounding (CONTRACT §8,
// fc-semantics §6.1).
class TestFc3Billing final : public QObject
{
    Q_OBJECT

private:
    const PriceTable m_prices = PriceTable::builtIn();

    static BillingOptions fc3(const QString &currency = u"USD"_qs)
    {
        BillingOptions options;
        options.model = Model::Fc3;
        options.currency = currency;
        return options;
    }

    // One call of FCDOCS' worked example: 0.35 vCPU / 512 MB; 10 h active and 40 h idle over
    // 1,000,000 calls is 36 ms active and 144 ms idle per call.
    static InvocationUsage workedExampleCall(int diskMB = 512)
    {
        InvocationUsage u;
        u.memoryMB = 512;
        u.vcpu = 0.35;
        u.diskMB = diskMB;
        u.durationMs = 36;
        u.idleMs = 144;
        u.imageCached = true;
        return u;
    }

    static Quantities times(Quantities q, qint64 n)
    {
        for (qint64 *field :
             {&q.invocations, &q.billedMs, &q.memoryMbMs, &q.pullMbMs, &q.vcpuMilliMs, &q.diskMbMs,
              &q.idleVcpuMilliMs, &q.idleMemoryMbMs, &q.idleDiskMbMs})
            *field *= n;
        return q;
    }

    static QString cuOf(const Quantities &q, const PriceTable &prices)
    {
        return formatDecimal(computeUnitsE19(q, prices.fc3()), cuScaleE19());
    }

private slots:
    void workedExampleIs33600Cu()
    {
        // FCDOCS 01.计费概述 (fc-semantics §6.1): 33,600 CU = 3.7 元. It comes out with a 512 MB
        // disk under either free allowance (512 MB or 10 GB); see diskAllowance().
        SessionTotals session(fc3(u"CNY"_qs), m_prices);
        const Charge call = charge(workedExampleCall(), fc3(u"CNY"_qs), m_prices);
        for (int i = 0; i < 1'000'000; ++i)
            session.add(call);
        QCOMPARE(session.invocations(), qint64(1'000'000));
        QCOMPARE(formatDecimal(computeUnitsE19(session.quantities(), m_prices.fc3()), cuScaleE19()),
                 u"33600"_qs);
        QCOMPARE(session.cu().value_or(0), 33600.0);
        QCOMPARE(session.billedCu().value_or(0), qint64(33600));
        QCOMPARE(session.cost().toDisplayString(), u"CNY 3.696"_qs);
        QCOMPARE(session.cost().toString(2, RoundingMode::HalfUp), u"3.70"_qs);
    }

    void perCallCu_data()
    {
        QTest::addColumn<InvocationUsage>("usage");
        QTest::addColumn<QString>("cu");
        QTest::addColumn<qint64>("billedMs");
        InvocationUsage idleOnly;
        idleOnly.memoryMB = 1024;
        idleOnly.vcpu = 1;
        idleOnly.diskMB = 512;
        idleOnly.durationMs = 1000;
        idleOnly.idleMs = 1000;
        InvocationUsage pulling = workedExampleCall();
        pulling.imageCached = false;
        pulling.pullMs = 10'000;
        InvocationUsage fractional = workedExampleCall();
        fractional.durationMs = 35.2;
        QTest::addRow("worked example per call: 0.0126 vCPU + 0.0027 memory + 0.0108 idle + 0.0075")
            << workedExampleCall() << u"0.0336"_qs << 36LL;
        QTest::addRow("idle vCPU is free: 1 vCPU / 1 GB, 1 s active + 1 s idle = 1.1575 + 0.15")
            << idleOnly << u"1.3075"_qs << 1000LL;
        QTest::addRow("an image pull is not charged under fc3 (absent from FC3's billing pages)")
            << pulling << u"0.0336"_qs << 36LL;
        QTest::addRow("active time is billed per 1 ms, rounded up: 35.2 ms → 36 ms")
            << fractional << u"0.0336"_qs << 36LL;
    }
    void perCallCu()
    {
        QFETCH(InvocationUsage, usage);
        QFETCH(QString, cu);
        QFETCH(qint64, billedMs);
        const Charge c = charge(usage, fc3(), m_prices);
        QCOMPARE(c.model, Model::Fc3);
        QCOMPARE(c.billedDurationMs, billedMs);
        QCOMPARE(cuOf(c.quantities, m_prices), cu);
        QCOMPARE(c.cu.value_or(-1), cu.toDouble());
        // Tier 1 in USD: 0.00002 per CU.
        QCOMPARE(c.cost,
                 Money::fromDecimal(u"0.00002"_qs, u"USD"_qs)
                     ->times(qint64(cu.toDouble() * 1e4 + 0.5), 10'000, RoundingMode::HalfEven));
        QCOMPARE(c.toJson().at("cu").get<double>(), cu.toDouble());
        QCOMPARE(c.toJson().at("model").get<std::string>(), std::string("fc3"));
    }

    void diskAllowance_data()
    {
        QTest::addColumn<int>("diskMB");
        QTest::addColumn<DiskAllowance>("allowance");
        QTest::addColumn<QString>("cu");
        QTest::addRow("a 512 MB disk within the 512 MB free allowance: 33,600 CU (FCDOCS)")
            << 512 << DiskAllowance::Overview512MB << u"33600"_qs;
        QTest::addRow("the 10 GB allowance gives 33,600 CU too: the example cannot tell them apart")
            << 512 << DiskAllowance::PayAsYouGo10GB << u"33600"_qs;
        QTest::addRow(
            "billing all 512 MB of disk would make it 38,100 CU, so the example's disk is free")
            << 512 << DiskAllowance::None << u"38100"_qs;
        QTest::addRow("a 10 GB disk with 512 MB free bills 9.5 GB × 180,000 s × 0.05 more")
            << 10240 << DiskAllowance::Overview512MB << u"119100"_qs;
        QTest::addRow("a 10 GB disk with 10 GB free bills no disk")
            << 10240 << DiskAllowance::PayAsYouGo10GB << u"33600"_qs;
    }
    void diskAllowance()
    {
        QFETCH(int, diskMB);
        QFETCH(DiskAllowance, allowance);
        QFETCH(QString, cu);
        BillingOptions options = fc3();
        options.diskAllowance = allowance;
        const Charge call = charge(workedExampleCall(diskMB), options, m_prices);
        QCOMPARE(cuOf(times(call.quantities, 1'000'000), m_prices), cu);
    }

    void tiers_data()
    {
        QTest::addColumn<QString>("currency");
        QTest::addColumn<qint64>("monthToDateCu");
        QTest::addColumn<qint64>("cu");
        QTest::addColumn<QString>("cost");
        QTest::addRow("the first 100M CU cost USD 0.000020 each")
            << u"USD"_qs << 0LL << 100'000'000LL << u"2000"_qs;
        QTest::addRow("the 100,000,001st CU is at tier 2, USD 0.000017")
            << u"USD"_qs << 100'000'000LL << 1LL << u"0.000017"_qs;
        QTest::addRow("2 CU straddling 100M: one at tier 1, one at tier 2")
            << u"USD"_qs << 99'999'999LL << 2LL << u"0.000037"_qs;
        QTest::addRow("2 CU straddling 500M: one at tier 2, one at tier 3 (USD 0.000014)")
            << u"USD"_qs << 499'999'999LL << 2LL << u"0.000031"_qs;
        QTest::addRow("a month of 600M CU walks all three USD tiers: 2000 + 6800 + 1400")
            << u"USD"_qs << 0LL << 600'000'000LL << u"10200"_qs;
        QTest::addRow("CNY tier 1 ends at 200M: one CU at 0.00011, one at 0.00010")
            << u"CNY"_qs << 199'999'999LL << 2LL << u"0.00021"_qs;
        QTest::addRow("CNY tier 2 ends at 1000M: one CU at 0.00010, one at 0.00009")
            << u"CNY"_qs << 999'999'999LL << 2LL << u"0.00019"_qs;
        QTest::addRow("33,600 CU at CNY tier 1 is 3.696 (FCDOCS: 3.7 元)")
            << u"CNY"_qs << 0LL << 33'600LL << u"3.696"_qs;
    }
    void tiers()
    {
        QFETCH(QString, currency);
        QFETCH(qint64, monthToDateCu);
        QFETCH(qint64, cu);
        QFETCH(QString, cost);
        const Money m =
            fc3TieredCost(Int128(cu) * cuScaleE19(), Int128(monthToDateCu) * cuScaleE19(),
                          m_prices.cuTiers(currency), currency, nullptr);
        QCOMPARE(m.toString(), cost);
        QCOMPARE(m.currency(), currency);
    }

    void fractionalCuAtATierBoundaryIsSplitExactly()
    {
        // 0.0336 CU starting 0.0136 CU before 100M: 0.0136 at 0.00002, 0.02 at 0.000017.
        const Int128 scale = cuScaleE19();
        const Money m = fc3TieredCost(Int128(336) * scale / 10'000,
                                      Int128(100'000'000) * scale - Int128(136) * scale / 10'000,
                                      m_prices.cuTiers(u"USD"_qs), u"USD"_qs, nullptr);
        QCOMPARE(m.toString(), u"0.000000612"_qs);
    }

    void cuIsRoundedUpPerFunctionHour()
    {
        SessionTotals session(fc3(), m_prices);
        const Charge call = charge(workedExampleCall(), fc3(), m_prices);
        session.add(call);
        QCOMPARE(session.billedCu(), std::optional<qint64>(1));
        session.closeBillingHour();
        session.add(call);
        QCOMPARE(session.billedCu(), std::optional<qint64>(2));
        QCOMPARE(session.cu().value_or(0), 0.0672);
        QCOMPARE(session.cost().toString(), u"0.000001344"_qs);
        QCOMPARE(session.billedCost().toString(), u"0.00004"_qs);
    }

    void provisionedIdleIsBilledIn10SecondSteps_data()
    {
        QTest::addColumn<double>("lifetimeMs");
        QTest::addColumn<qint64>("billedMs");
        QTest::addColumn<QString>("cu");
        QTest::addRow("51 s idle bills 60 s (fc-semantics §6.1): 0.5 GB × 60 s × 0.15")
            << 51'000.0 << 60'000LL << u"4.5"_qs;
        QTest::addRow("exactly 60 s stays 60 s") << 60'000.0 << 60'000LL << u"4.5"_qs;
        QTest::addRow("60.001 s bills 70 s") << 60'001.0 << 70'000LL << u"5.25"_qs;
    }
    void provisionedIdleIsBilledIn10SecondSteps()
    {
        QFETCH(double, lifetimeMs);
        QFETCH(qint64, billedMs);
        QFETCH(QString, cu);
        const Charge c = provisionedCharge(512, 0.35, 512, lifetimeMs, fc3(), m_prices);
        QCOMPARE(c.billedDurationMs, billedMs);
        QCOMPARE(cuOf(c.quantities, m_prices), cu);
    }

    void whatIfKeepsVcpuAndDuration_data()
    {
        QTest::addColumn<int>("memoryMB");
        QTest::addColumn<QString>("cu");
        QTest::addRow("at 512 MB: the measured call, 0.0336 CU") << 512 << u"0.0336"_qs;
        QTest::addRow("at 1,024 MB: memory CU double, vCPU and call CU stay: 0.0471")
            << 1024 << u"0.0471"_qs;
        QTest::addRow("at 128 MB: 0.0126 + 0.000675 + 0.0027 + 0.0075 = 0.023475")
            << 128 << u"0.023475"_qs;
    }
    void whatIfKeepsVcpuAndDuration()
    {
        QFETCH(int, memoryMB);
        QFETCH(QString, cu);
        const auto rows = whatIf(workedExampleCall(), Model::Fc3, m_prices, {128, 512, 1024});
        const auto row = std::find_if(rows.begin(), rows.end(),
                                      [&](const WhatIfRow &r) { return r.memoryMB == memoryMB; });
        QVERIFY(row != rows.end());
        QCOMPARE(row->billedDurationMs, qint64(36));
        QCOMPARE(row->cu.value_or(-1), cu.toDouble());
        QCOMPARE(row->cost,
                 Money::fromDecimal(u"0.00002"_qs, u"USD"_qs)
                     ->times(qint64(cu.toDouble() * 1e6 + 0.5), 1'000'000, RoundingMode::HalfEven));
    }

    void workingListsEachFactor()
    {
        const Charge c = charge(workedExampleCall(), fc3(), m_prices);
        const auto find = [&](const QString &label) -> WorkingLine {
            for (const WorkingLine &l : c.working)
                if (l.label == label)
                    return l;
            return {};
        };
        QCOMPARE(find(u"Active vCPU"_qs), (WorkingLine{u"Active vCPU"_qs, u"0.0126 vCPU-s"_qs,
                                                       u"× 1 CU per vCPU-s"_qs, u"0.0126 CU"_qs}));
        QCOMPARE(find(u"Active memory"_qs),
                 (WorkingLine{u"Active memory"_qs, u"0.018 GB-s"_qs, u"× 0.15 CU per GB-s"_qs,
                              u"0.0027 CU"_qs}));
        QCOMPARE(find(u"Idle memory"_qs).amount, u"0.0108 CU"_qs);
        QCOMPARE(find(u"Idle vCPU"_qs).factor, u"× 0 CU per vCPU-s"_qs);
        QCOMPARE(find(u"Invocations"_qs).amount, u"0.0075 CU"_qs);
        QCOMPARE(find(u"Compute units"_qs).amount, u"0.0336 CU"_qs);
        QCOMPARE(find(u"CU fee, tier 1"_qs).amount, u"USD 0.000000672"_qs);
        QCOMPARE(c.working.back(), (WorkingLine{u"Total"_qs, {}, {}, u"USD 0.000000672"_qs}));
    }
};

QTEST_APPLESS_MAIN(TestFc3Billing)
#include "TestFc3Billing.moc"
