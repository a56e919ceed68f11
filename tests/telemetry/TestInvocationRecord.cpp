// An invocation record's own parts: FC3-shaped ids that never repeat, and billing working lines
// that a record on the request path leaves out and works out again, line for line, on demand.
#include <QDateTime>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <thread>

#include "billing/Billing.h"
#include "telemetry/FcErrors.h"
#include "telemetry/InvocationRecord.h"

using namespace Fcemu;
using namespace Fcemu::Telemetry;

class TestInvocationRecord final : public QObject
{
    Q_OBJECT

private slots:
    void requestIdsHaveFcShapeAndNeverRepeat()
    {
        const QRegularExpression shape(u"^1-([0-9a-f]{8})-[0-9a-f]{8}-[0-9a-f]{12}$"_qs);
        const qint64 before = QDateTime::currentSecsSinceEpoch();
        QSet<QString> seen;
        for (int i = 0; i < 20'000; ++i) {
            const QString id = newRequestId();
            const QRegularExpressionMatch m = shape.match(id);
            QVERIFY2(m.hasMatch(), qPrintable(id));
            // The first group is the time in hex seconds.
            const qint64 seconds = m.captured(1).toLongLong(nullptr, 16);
            QVERIFY2(seconds >= before && seconds <= QDateTime::currentSecsSinceEpoch(),
                     qPrintable(id));
            seen.insert(id);
        }
        QCOMPARE(seen.size(), 20'000);
    }

    void instanceIdsHaveFcShape()
    {
        const QString a = newInstanceId();
        const QString b = newInstanceId();
        QVERIFY2(
            QRegularExpression(u"^c-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{12}$"_qs).match(a).hasMatch(),
            qPrintable(a));
        QVERIFY(a != b);
    }

    void idsDifferBetweenThreads()
    {
        // Each thread seeds its own generator: two threads must not produce the same sequence.
        QString other;
        std::thread worker([&other]() { other = newRequestId(); });
        worker.join();
        QVERIFY(other != newRequestId());
    }

    void workingLinesAreWorkedOutOnDemand_data()
    {
        QTest::addColumn<bool>("fc3");
        QTest::addColumn<bool>("cached");
        QTest::newRow("fc2, pulled") << false << false;
        QTest::newRow("fc2, cached") << false << true;
        QTest::newRow("fc3, pulled") << true << false;
    }

    void workingLinesAreWorkedOutOnDemand()
    {
        QFETCH(bool, fc3);
        QFETCH(bool, cached);
        Billing::InvocationUsage usage;
        usage.memoryMB = 1024;
        usage.vcpu = 1;
        usage.durationMs = 117.33;
        usage.pullMs = 10'000;
        usage.imageCached = cached;
        Billing::BillingOptions options;
        options.model = fc3 ? Billing::Model::Fc3 : Billing::Model::Fc2;
        const Billing::Charge eager =
            Billing::charge(usage, options, Billing::PriceTable::builtIn());
        QVERIFY(!eager.working.isEmpty());

        // As the request path closes a record: no working lines, the same figures.
        InvocationRecord r;
        options.withWorking = false;
        r.billing = Billing::charge(usage, options, Billing::PriceTable::builtIn());
        r.billingUsage = usage;
        r.billingOptions = options;
        QVERIFY(r.billing.working.isEmpty());
        QCOMPARE(r.billing.cost, eager.cost);
        QCOMPARE(r.billing.quantities, eager.quantities);
        QCOMPARE(r.billing.billedDurationMs, eager.billedDurationMs);
        QCOMPARE(r.billing.cu, eager.cu);

        QCOMPARE(r.billingWorking(), eager.working);
        QCOMPARE(r.billingWorking().last().label, u"Total"_qs);
    }

    void headersThatAreNotUtf8StillMakeAReport()
    {
        // A function may answer with Latin-1 in a header: the report stays valid UTF-8 JSON.
        InvocationRecord r;
        r.requestId = u"1-abc"_qs;
        r.responseHeaders = {{"X-Name", "caf\xe9"}};
        r.requestHeaders = {{"x-fc-request-id", "1-abc"}};
        std::string text;
        try {
            text = r.toReport().dump();
        } catch (const std::exception &e) {
            QFAIL(e.what());
        }
        const auto parsed = nlohmann::json::parse(text);
        QCOMPARE(parsed["responseHeaders"]["X-Name"].get<std::string>(),
                 std::string("caf\xef\xbf\xbd"));
        QCOMPARE(parsed["requestHeaders"]["x-fc-request-id"].get<std::string>(),
                 std::string("1-abc"));
    }

    void workingLinesAlreadyThereAreKept()
    {
        InvocationRecord r;
        r.billing.working = {{u"Total"_qs, {}, {}, u"$1"_qs}};
        QCOMPARE(r.billingWorking(), r.billing.working);
        QVERIFY(InvocationRecord().billingWorking().isEmpty()); // never priced: nothing to show
    }

    // CONTRACT §1.2: the report's timings are exactly these keys, in this order, each the
    // phase's own field (a phase added to kPhases must be wired to its Timings member).
    void reportTimingsFollowThePhaseTable()
    {
        InvocationRecord r;
        double value = 1;
        for (const PhaseField &phase : kPhases)
            r.timings.*phase.ms = value++;
        r.timings.totalMs = 100;
        const nlohmann::ordered_json timings = r.toReport()["timings"];
        QStringList keys;
        for (auto it = timings.begin(); it != timings.end(); ++it)
            keys.append(QString::fromStdString(it.key()));
        QCOMPARE(keys,
                 (QStringList{u"queueMs"_qs, u"pullMs"_qs, u"unpackMs"_qs, u"sandboxMs"_qs,
                              u"startupMs"_qs, u"initializeMs"_qs, u"invokeMs"_qs, u"totalMs"_qs}));
        for (const PhaseField &phase : kPhases)
            if (phase.inReport)
                QCOMPARE(timings[std::string(phase.key)].get<double>(), r.timings.*phase.ms);
        QCOMPARE(timings["totalMs"].get<double>(), 100.0);
        for (size_t i = 0; i < kPhases.size(); ++i)
            QCOMPARE(size_t(kPhases[i].phase), i); // phaseField() indexes by the enum
    }

    void errorCodesAreClassifiedAsFcDoes()
    {
        QVERIFY(FcError::isFunctionError(FcError::UnhandledInvocation));
        QVERIFY(FcError::isFunctionError(FcError::FunctionOOM));
        QVERIFY(FcError::isFunctionError(FcError::Initialization));
        QVERIFY(!FcError::isFunctionError(FcError::FunctionTimeout)); // an outcome of its own
        QVERIFY(!FcError::isFunctionError(FcError::FunctionNotStarted));
        QVERIFY(!FcError::isFunctionError(FcError::ResourceExhausted));
        QVERIFY(FcError::isStartupFailure(FcError::FunctionNotStarted));
        QVERIFY(FcError::isStartupFailure(FcError::CAExited));
        QVERIFY(!FcError::isStartupFailure(FcError::UnhandledInvocation));
        QCOMPARE(FcError::FunctionOOM, u"FunctionOOMError"_qs); // FC's own spelling
    }
};

QTEST_GUILESS_MAIN(TestInvocationRecord)
#include "TestInvocationRecord.moc"
