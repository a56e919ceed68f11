#include <nlohmann/json.hpp>

#include <QTest>

#include "billing/Billing.h"

#include "MoneyTestPrinter.h"

using namespace Fcemu::Billing;

Q_DECLARE_METATYPE(Fcemu::Billing::InvocationUsage)

// FC 2.0 pay-as-you-go: GB-s, requests, image pull, free tier, provisioned life (CONTRACT §8).
class TestFc2Billing final : public QObject
{
    Q_OBJECT

private:
    const PriceTable m_prices = PriceTable::builtIn();

    static InvocationUsage usage(int memoryMB, double durationMs, double pullMs = 0,
                                 bool cached = true)
    {
        InvocationUsage u;
        u.memoryMB = memoryMB;
        u.durationMs = durationMs;
        u.pullMs = pullMs;
        u.imageCached = cached;
        return u;
    }

private slots:
    void quantities_data()
    {
        QTest::addColumn<int>("memoryMB");
        QTest::addColumn<double>("durationMs");
        QTest::addColumn<double>("pullMs");
        QTest::addColumn<bool>("cached");
        QTest::addColumn<bool>("legacy");
        QTest::addColumn<qint64>("billedMs");
        QTest::addColumn<QString>("gbSeconds");     // exact, from the working
        QTest::addColumn<QString>("pullGbSeconds"); // exact, from the working
        QTest::addRow("1,024 MB pulling for 10 s is 10 GB-s (custom-container overview)")
            << 1024 << 1.0 << 10000.0 << false << false << 1LL << u"0.001 GB-s"_qs << u"10 GB-s"_qs;
        QTest::addRow("a cached image is not charged for pulling (custom-container overview)")
            << 1024 << 1.0 << 10000.0 << true << false << 1LL << u"0.001 GB-s"_qs << u"0 GB-s"_qs;
        QTest::addRow("1 ms granularity bills 3.17 ms as 4 ms (FC2 instance lifecycle page)")
            << 128 << 3.17 << 0.0 << true << false << 4LL << u"0.0005 GB-s"_qs << u"0 GB-s"_qs;
        QTest::addRow("legacy 100 ms granularity bills 3.17 ms as 100 ms (2019-2021 outputs)")
            << 128 << 3.17 << 0.0 << true << true << 100LL << u"0.0125 GB-s"_qs << u"0 GB-s"_qs;
        QTest::addRow("117.33 ms at 128 MB bills 118 ms and 0.01475 GB-s")
            << 128 << 117.33 << 0.0 << true << false << 118LL << u"0.01475 GB-s"_qs << u"0 GB-s"_qs;
        QTest::addRow("a duration on a whole millisecond is not rounded further")
            << 1024 << 118.0 << 0.0 << true << false << 118LL << u"0.118 GB-s"_qs << u"0 GB-s"_qs;
        QTest::addRow("legacy rounding bills 100.5 ms as 200 ms")
            << 1024 << 100.5 << 0.0 << true << true << 200LL << u"0.2 GB-s"_qs << u"0 GB-s"_qs;
        QTest::addRow("a request too short to measure still bills one 1 ms unit")
            << 1024 << 0.0 << 0.0 << true << false << 1LL << u"0.001 GB-s"_qs << u"0 GB-s"_qs;
        QTest::addRow("a negative memory size bills nothing rather than a credit")
            << -128 << 10.0 << 0.0 << true << false << 10LL << u"0 GB-s"_qs << u"0 GB-s"_qs;
        QTest::addRow("a pull of 10.0004 s bills 10,001 ms at 1 ms granularity")
            << 1024 << 1.0 << 10000.4 << false << false << 1LL << u"0.001 GB-s"_qs
            << u"10.001 GB-s"_qs;
    }
    void quantities()
    {
        QFETCH(int, memoryMB);
        QFETCH(double, durationMs);
        QFETCH(double, pullMs);
        QFETCH(bool, cached);
        QFETCH(bool, legacy);
        QFETCH(qint64, billedMs);
        QFETCH(QString, gbSeconds);
        QFETCH(QString, pullGbSeconds);
        BillingOptions options;
        options.legacyRounding = legacy;
        const Charge c = charge(usage(memoryMB, durationMs, pullMs, cached), options, m_prices);
        QCOMPARE(c.model, Model::Fc2);
        QCOMPARE(c.billedDurationMs, billedMs);
        QCOMPARE(c.quantities.memoryMbMs, std::max(memoryMB, 0) * billedMs);
        QCOMPARE(c.gbSeconds, std::max(memoryMB, 0) / 1024.0 * billedMs / 1000.0);
        QVERIFY(!c.cu);
        // The working shows the exact figures the GUI prints.
        const auto line = [&](const QString &label) {
            for (const WorkingLine &l : c.working)
                if (l.label == label)
                    return l.amount;
            return QString();
        };
        QCOMPARE(line(u"Invocation GB-s"_qs), gbSeconds);
        QCOMPARE(line(u"Image pull GB-s"_qs), pullGbSeconds);
        QCOMPARE(c.imagePullGbSeconds, pullGbSeconds.chopped(5).toDouble());
    }

    void cost_data()
    {
        QTest::addColumn<InvocationUsage>("usage");
        QTest::addColumn<bool>("freeTier");
        QTest::addColumn<qint64>("monthRequests");
        QTest::addColumn<double>("monthGbSeconds");
        QTest::addColumn<QString>("cost");
        InvocationUsage provisioned = usage(128, 117.33);
        provisioned.provisioned = true;
        QTest::addRow("117.33 ms at 128 MB: USD 0.2/1M request + 0.01475 GB-s × 0.000016384")
            << usage(128, 117.33) << false << 0LL << 0.0 << u"0.000000441664"_qs;
        QTest::addRow("a 10 GB-s image pull adds 10 × USD 0.000016384")
            << usage(1024, 1, 10000, false) << false << 0LL << 0.0 << u"0.000164056384"_qs;
        QTest::addRow("a cached image adds no pull charge")
            << usage(1024, 1, 10000, true) << false << 0LL << 0.0 << u"0.000000216384"_qs;
        QTest::addRow("free tier on: the month's first call is free")
            << usage(128, 117.33) << true << 0LL << 0.0 << u"0"_qs;
        QTest::addRow("free tier on: a 10 GB-s pull within 400,000 GB-s is free")
            << usage(1024, 1, 10000, false) << true << 0LL << 0.0 << u"0"_qs;
        QTest::addRow("free tier on but used up: the call is charged in full")
            << usage(128, 117.33) << true << 1'000'000LL << 400'000.0 << u"0.000000441664"_qs;
        QTest::addRow("free tier on, requests used up, GB-s not: only the request fee")
            << usage(128, 117.33) << true << 1'000'000LL << 0.0 << u"0.0000002"_qs;
        QTest::addRow("free tier on, GB-s used up, requests not: only the GB-s fee")
            << usage(128, 117.33) << true << 0LL << 400'000.0 << u"0.000000241664"_qs;
        QTest::addRow("free tier on, a call straddling the GB-s allowance pays the part beyond")
            << usage(1024, 1000) << true << 0LL << 399'999.5 << u"0.000008192"_qs;
        QTest::addRow("free tier off is the default: a big month does not change the price")
            << usage(128, 117.33) << false << 0LL << 399'999.5 << u"0.000000441664"_qs;
        QTest::addRow("on a provisioned instance an invocation pays the request fee only")
            << provisioned << false << 0LL << 0.0 << u"0.0000002"_qs;
    }
    void cost()
    {
        QFETCH(InvocationUsage, usage);
        QFETCH(bool, freeTier);
        QFETCH(qint64, monthRequests);
        QFETCH(double, monthGbSeconds);
        QFETCH(QString, cost);
        BillingOptions options;
        options.freeTier = freeTier;
        options.monthToDate.requests = monthRequests;
        options.monthToDate.gbSeconds = monthGbSeconds;
        const Charge c = charge(usage, options, m_prices);
        QCOMPARE(c.cost.toString(), cost);
        QCOMPARE(c.cost.currency(), u"USD"_qs);
        QCOMPARE(c.working.back().label, u"Total"_qs);
        QCOMPARE(c.working.back().amount, u"USD "_qs + cost);
    }

    void workingShowsQuantityTimesFactor()
    {
        const Charge c = charge(usage(1024, 1, 10000, false), {}, m_prices);
        const QList<WorkingLine> expected{
            {u"Billed duration"_qs, u"1 ms"_qs, u"rounded up to 1 ms"_qs, u"1 ms"_qs},
            {u"Invocation GB-s"_qs, u"1 GB"_qs, u"× 0.001 s"_qs, u"0.001 GB-s"_qs},
            {u"Image pull GB-s"_qs, u"1 GB"_qs, u"× 10 s pulling"_qs, u"10 GB-s"_qs},
            {u"Request fee"_qs, u"1 request"_qs, u"× USD 0.2 / 1,000,000"_qs, u"USD 0.0000002"_qs},
            {u"GB-s fee"_qs, u"10.001 GB-s"_qs, u"× USD 0.000016384 per GB-s"_qs,
             u"USD 0.000163856384"_qs},
            {u"Total"_qs, {}, {}, u"USD 0.000164056384"_qs},
        };
        QCOMPARE(c.working.size(), expected.size());
        for (qsizetype i = 0; i < expected.size(); ++i) {
            QCOMPARE(c.working[i].label, expected[i].label);
            QCOMPARE(c.working[i].quantity, expected[i].quantity);
            QCOMPARE(c.working[i].factor, expected[i].factor);
            QCOMPARE(c.working[i].amount, expected[i].amount);
        }
    }

    void provisionedInstanceIsBilledForItsLife_data()
    {
        QTest::addColumn<int>("memoryMB");
        QTest::addColumn<double>("lifetimeMs");
        QTest::addColumn<double>("gbSeconds");
        QTest::addColumn<QString>("cost");
        QTest::addRow("1,024 MB provisioned for an hour is 3,600 GB-s without any request")
            << 1024 << 3'600'000.0 << 3600.0 << u"0.0589824"_qs;
        QTest::addRow("512 MB provisioned for 10 s is 5 GB-s")
            << 512 << 10'000.0 << 5.0 << u"0.00008192"_qs;
    }
    void provisionedInstanceIsBilledForItsLife()
    {
        QFETCH(int, memoryMB);
        QFETCH(double, lifetimeMs);
        QFETCH(double, gbSeconds);
        QFETCH(QString, cost);
        const Charge c = provisionedCharge(memoryMB, 0, 512, lifetimeMs, {}, m_prices);
        QCOMPARE(c.gbSeconds, gbSeconds);
        QCOMPARE(c.quantities.invocations, qint64(0));
        QCOMPARE(c.cost.toString(), cost);
    }

    void whatIfAtOtherMemorySizes_data()
    {
        QTest::addColumn<int>("memoryMB");
        QTest::addColumn<qint64>("billedMs");
        QTest::addColumn<double>("gbSeconds");
        QTest::addColumn<QString>("cost");
        QTest::addRow("at 128 MB: the measured call itself")
            << 128 << 118LL << 0.01475 << u"0.000000441664"_qs;
        QTest::addRow("at 256 MB: same duration, twice the GB-s")
            << 256 << 118LL << 0.0295 << u"0.000000683328"_qs;
        QTest::addRow("at 1,024 MB: 0.118 GB-s") << 1024 << 118LL << 0.118 << u"0.000002133312"_qs;
    }
    void whatIfAtOtherMemorySizes()
    {
        QFETCH(int, memoryMB);
        QFETCH(qint64, billedMs);
        QFETCH(double, gbSeconds);
        QFETCH(QString, cost);
        const auto rows = whatIf(usage(128, 117.33), {}, m_prices, {128, 256, 1024});
        QCOMPARE(rows.size(), 3);
        const auto row = std::find_if(rows.begin(), rows.end(),
                                      [&](const WhatIfRow &r) { return r.memoryMB == memoryMB; });
        QVERIFY(row != rows.end());
        QCOMPARE(row->billedDurationMs, billedMs);
        QCOMPARE(row->gbSeconds, gbSeconds);
        QCOMPARE(row->cost.toString(), cost);
    }

    void summaryLine_data()
    {
        QTest::addColumn<double>("durationMs");
        QTest::addColumn<qint64>("billedMs");
        QTest::addColumn<int>("memoryMB");
        QTest::addColumn<double>("maxUsedMB");
        QTest::addColumn<QString>("line");
        QTest::addRow("FC's own example line, two decimals for measured figures")
            << 117.33 << 118LL << 128 << 13.16
            << u"Duration: 117.33 ms, Billed Duration: 118 ms, Memory Size: 128 MB, Max Memory Used: 13.16 MB"_qs;
        QTest::addRow("whole figures still show two decimals; billed stays an integer")
            << 3.0 << 100LL << 512 << 8.0
            << u"Duration: 3.00 ms, Billed Duration: 100 ms, Memory Size: 512 MB, Max Memory Used: 8.00 MB"_qs;
        QTest::addRow("more precise measurements are rounded to two decimals")
            << 2.999 << 3LL << 1024 << 13.155
            << u"Duration: 3.00 ms, Billed Duration: 3 ms, Memory Size: 1024 MB, Max Memory Used: 13.15 MB"_qs;
    }
    void summaryLine()
    {
        QFETCH(double, durationMs);
        QFETCH(qint64, billedMs);
        QFETCH(int, memoryMB);
        QFETCH(double, maxUsedMB);
        QFETCH(QString, line);
        QCOMPARE(Fcemu::Billing::summaryLine(durationMs, billedMs, memoryMB, maxUsedMB), line);
    }

    void reportJsonUsesTheSpecFieldNames()
    {
        const Charge c = charge(usage(1024, 117.33, 10000, false), {}, m_prices);
        const nlohmann::json j = c.toJson();
        QCOMPARE(j.size(), std::size_t(7));
        QCOMPARE(j.at("model").get<std::string>(), std::string("fc2"));
        QCOMPARE(j.at("billedDurationMs").get<qint64>(), 118);
        QCOMPARE(j.at("gbSeconds").get<double>(), 0.118);
        QCOMPARE(j.at("imagePullGbSeconds").get<double>(), 10.0);
        QVERIFY(j.at("cu").is_null());
        QCOMPARE(j.at("cost").get<double>(), 0.000165973312);
        QCOMPARE(j.at("currency").get<std::string>(), std::string("USD"));
    }
};

QTEST_APPLESS_MAIN(TestFc2Billing)
#include "TestFc2Billing.moc"
