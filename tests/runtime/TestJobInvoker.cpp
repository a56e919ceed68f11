// Non-web-server mode (CONTRACT §5) end to end: the sample job image built by the project, run in
// the real sandbox, through the runtime and through `fcemu invoke`.
#include <unistd.h>

#include <QDir>
#include <QDirIterator>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include "runtime/FunctionImage.h"
#include "runtime/JobInvoker.h"
#include "sandbox/Sandbox.h"
#include "SandboxTestSupport.h"

using namespace Fcemu;
using json = nlohmann::ordered_json;

class TestJobInvoker final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_cache;
    QString m_image;
    std::shared_ptr<Runtime::PreparedImage> m_prepared;

    Telemetry::InvocationRecord invoke(Config::FunctionConfig config, const QByteArray &event)
    {
        config.webServerMode = false;
        Runtime::JobInvoker invoker(config, m_prepared);
        QSignalSpy finished(&invoker, &Runtime::JobInvoker::finished);
        invoker.invoke(event);
        if (finished.isEmpty() && !finished.wait(30000))
            qFatal("the invocation did not finish");
        return finished.first().first().value<Telemetry::InvocationRecord>();
    }

    // Host processes whose environment names this instance: none may survive it.
    static int processesOf(const QString &instanceId)
    {
        int count = 0;
        const QByteArray needle = "FC_INSTANCE_ID=" + instanceId.toUtf8();
        for (const QString &pid : QDir(u"/proc"_qs).entryList(QDir::Dirs)) {
            QFile environment(u"/proc/"_qs + pid + u"/environ"_qs);
            if (environment.open(QIODevice::ReadOnly) && environment.readAll().contains(needle))
                ++count;
        }
        return count;
    }

    struct Cli
    {
        int code;
        QByteArray out, err;
    };
    Cli fcemu(const QStringList &args)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"FCEMU_CACHE_DIR"_qs, m_cache.path());
        p.setProcessEnvironment(env);
        p.start(qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") + u"/app/fcemu"_qs, args);
        if (!p.waitForFinished(60000))
            qFatal("fcemu did not finish");
        return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
    }

private slots:
    void initTestCase()
    {
        qRegisterMetaType<Telemetry::InvocationRecord>();
        FCEMU_REQUIRE_SANDBOX();
        QVERIFY(m_cache.isValid());
        m_image = qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") +
                  u"/resources/samples/fc-sample-job.tar"_qs;
        QVERIFY2(QFile::exists(m_image), qPrintable(m_image));
        Runtime::PrepareOptions options;
        options.cacheDirectory = m_cache.path();
        auto prepared = Runtime::prepareImage(m_image, {}, options);
        QVERIFY2(prepared, prepared ? "" : qPrintable(prepared.error().message));
        m_prepared = *prepared;
        QVERIFY(!m_prepared->cached);
        QVERIFY(m_prepared->unpackMs > 0);
    }

    void eventArrivesInTheEnvironment()
    {
        Config::FunctionConfig config;
        config.memoryMB = 256;
        config.name = u"job-fn"_qs;
        config.env = {{u"GREETING"_qs, u"hello"_qs}};
        const auto r = invoke(config, R"({"k":1})");
        QVERIFY2(!r.error, r.error ? qPrintable(r.error->message) : "");
        QCOMPARE(r.statusCode, 200);
        QVERIFY(r.coldStart);
        QVERIFY(r.requestId.startsWith(u"1-"_qs));
        QVERIFY(r.instanceId.startsWith(u"c-"_qs));
        QCOMPARE(r.logs.first(), u"FC Invoke Start RequestId: "_qs + r.requestId);
        QVERIFY(r.logs.contains(u"event: {\"k\":1}"_qs));
        QVERIFY(r.logs.contains(u"env: FC_CUSTOM_CONTAINER_EVENT={\"k\":1}"_qs));
        QVERIFY(r.logs.contains(u"env: FC_FUNCTION_NAME=job-fn"_qs));
        QVERIFY(r.logs.contains(u"env: FC_FUNCTION_MEMORY_SIZE=256"_qs));
        QVERIFY(r.logs.contains(u"env: FC_INSTANCE_ID="_qs + r.instanceId));
        QVERIFY(r.logs.contains(u"env: GREETING=hello"_qs));
        QCOMPARE(r.logs.at(r.logs.size() - 2), u"FC Invoke End RequestId: "_qs + r.requestId);
        QVERIFY(r.logs.last().startsWith(u"Duration: "_qs));
        QVERIFY(r.logs.last().contains(u"Memory Size: 256 MB"_qs));
        QVERIFY(r.timings.sandboxMs > 0);
        QVERIFY(r.timings.invokeMs > 0);
        QVERIFY(r.timings.totalMs >= r.timings.sandboxMs + r.timings.invokeMs);
        QCOMPARE(r.memorySizeMB, 256);
        QVERIFY(r.maxUsedMB > 0); // the job's own peak, even when it lives less than a sample
        QVERIFY(r.maxUsedMB < 64);
        QVERIFY(r.billing.billedDurationMs >= 1);
        QCOMPARE(processesOf(r.instanceId), 0);
    }

    void maxMemoryUsedIsMeasuredNotConfigured()
    {
        Config::FunctionConfig config;
        config.memoryMB = 1024;
        config.timeoutS = 60; // touching 100 MB is slow on a loaded machine; time is not asserted
        const auto r = invoke(config, R"({"allocMB":100})");
        QVERIFY2(!r.error, r.error ? qPrintable(r.error->code + u": "_qs + r.error->message) : "");
        QVERIFY2(r.maxUsedMB >= 100 && r.maxUsedMB < 200, qPrintable(QString::number(r.maxUsedMB)));
    }

    void nonZeroExitIsAFunctionErrorWithCodeAndLogs()
    {
        const auto r = invoke({}, R"({"exit":3})");
        QVERIFY(r.error);
        QCOMPARE(r.error->code, u"UnhandledInvocationError"_qs);
        QVERIFY2(r.error->message.startsWith(u"Function instance exited unexpectedly(code 3"_qs),
                 qPrintable(r.error->message));
        QVERIFY(r.error->message.contains(u"with start command '/app/fc-sample-job '. Logs:"_qs));
        QVERIFY(r.error->message.contains(u"event: {\"exit\":3}"_qs));
        QVERIFY(r.body.contains("errorMessage"));
        QCOMPARE(r.statusCode, 200);
        bool errorType = false;
        for (const auto &[name, value] : r.responseHeaders)
            errorType |= name == "X-Fc-Error-Type" && value == "UnhandledInvocationError";
        QVERIFY(errorType);
        QVERIFY(r.logs.at(r.logs.size() - 2)
                    .startsWith(u"FC Invoke End RequestId: "_qs + r.requestId + u", Error: "_qs));
    }

    void timeoutKillsTheWholeInstance()
    {
        Config::FunctionConfig config;
        config.timeoutS = 1;
        const auto r = invoke(config, R"({"sleep":30})");
        QVERIFY(r.error);
        QCOMPARE(r.error->code, u"FunctionTimeoutError"_qs);
        QVERIFY2(
            r.error->message.startsWith(u"Function timed out after 1 seconds (maxMemoryUsage: "_qs),
            qPrintable(r.error->message));
        QVERIFY(r.timings.invokeMs >= 1000 && r.timings.invokeMs < 10000);
        QCOMPARE(processesOf(r.instanceId), 0);
    }

    void memoryOverTheLimitIsKilledAndReported()
    {
        Config::FunctionConfig config;
        config.memoryMB = 128;
        // 128 MB comes with 0.1 vCPU, a CPU quota where a cgroup allows one (as on FC):
        // touching 128 MB then takes a few seconds, longer than the default 3 s timeout.
        config.timeoutS = 30;
        const auto r = invoke(config, R"({"allocMB":400})");
        QVERIFY(r.error);
        QCOMPARE(r.error->code, u"FunctionOOMError"_qs);
        QVERIFY(r.maxUsedMB >= 128); // past it when polled, at it under a cgroup
        QVERIFY(!r.logs.contains(u"allocated 400 MB"_qs));
    }

    void missingAndNonExecutableEntrypointsUseFcWording_data()
    {
        QTest::addColumn<QStringList>("command");
        QTest::addColumn<QString>("message");
        QTest::addRow("a missing entrypoint")
            << QStringList{u"/app/missing"_qs}
            << u"Function instance exited unexpectedly(code 2, message:no such file or directory) with start command '/app/missing '."_qs;
        QTest::addRow("a file that is not executable")
            << QStringList{u"/etc/passwd"_qs}
            << u"Function instance exited unexpectedly(code 13, message:permission denied) with start command '/etc/passwd '."_qs;
    }

    void missingAndNonExecutableEntrypointsUseFcWording()
    {
        QFETCH(QStringList, command);
        QFETCH(QString, message);
        Config::FunctionConfig config;
        config.command = command;
        const auto r = invoke(config, "{}");
        QVERIFY(r.error);
        QCOMPARE(r.error->code, u"FunctionNotStarted"_qs);
        QVERIFY2(r.error->message.startsWith(message), qPrintable(r.error->message));
    }

    void oversizedEventIsRefused()
    {
        const auto r = invoke({}, QByteArray(200 * 1024, 'x'));
        QVERIFY(r.error);
        QCOMPARE(r.error->code, u"InvalidArgument"_qs);
        QCOMPARE(r.statusCode, 400);
    }

    void secondPreparationHitsTheCache()
    {
        Runtime::PrepareOptions options;
        options.cacheDirectory = m_cache.path();
        auto again = Runtime::prepareImage(m_image, {}, options);
        QVERIFY(again);
        QVERIFY((*again)->cached);
        QCOMPARE((*again)->unpackMs, 0.0);
    }

    void simulatedPullTakesCompressedSizeOverBandwidth()
    {
        QTemporaryDir cold;
        Config::FunctionConfig config;
        config.pullBandwidthMBps = 1.0;
        Runtime::PrepareOptions options;
        options.cacheDirectory = cold.path();
        auto prepared = Runtime::prepareImage(m_image, config, options);
        QVERIFY(prepared);
        const double expectedMs =
            double(QFileInfo(m_image).size()) / 1e6 * 1000.0; // about the compressed layers
        QVERIFY2((*prepared)->pullMs > expectedMs * 0.8 && (*prepared)->pullMs < expectedMs * 1.5,
                 qPrintable(QString::number((*prepared)->pullMs)));
    }

    void cliReportIsSpecShapedAndExitCodesFollowSpec()
    {
        const Cli ok =
            fcemu({u"invoke"_qs, m_image, u"--web-server-mode"_qs, u"false"_qs, u"--event"_qs,
                   u"{\"k\":1}"_qs, u"--json"_qs, u"--repeat"_qs, u"2"_qs});
        QCOMPARE(ok.code, 0);
        const QList<QByteArray> lines = ok.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        const json report = json::parse(lines.first().toStdString());
        QStringList keys;
        for (auto it = report.begin(); it != report.end(); ++it)
            keys.append(QString::fromStdString(it.key()));
        QCOMPARE(keys, (QStringList{u"requestId"_qs, u"instanceId"_qs, u"kind"_qs, u"coldStart"_qs,
                                    u"statusCode"_qs, u"responseHeaders"_qs, u"body"_qs,
                                    u"error"_qs, u"requestHeaders"_qs, u"logs"_qs, u"timings"_qs,
                                    u"memory"_qs, u"billing"_qs}));
        QStringList timingKeys;
        for (auto it = report["timings"].begin(); it != report["timings"].end(); ++it)
            timingKeys.append(QString::fromStdString(it.key()));
        QCOMPARE(timingKeys,
                 (QStringList{u"queueMs"_qs, u"pullMs"_qs, u"unpackMs"_qs, u"sandboxMs"_qs,
                              u"startupMs"_qs, u"initializeMs"_qs, u"invokeMs"_qs, u"totalMs"_qs}));
        QCOMPARE(QString::fromStdString(report["kind"].get<std::string>()), u"event"_qs);
        QVERIFY(report["error"].is_null());
        QCOMPARE(QString::fromStdString(report["billing"]["model"].get<std::string>()), u"fc2"_qs);
        QVERIFY(report["memory"]["maxUsedMB"].get<double>() > 0);
        // CONTRACT §1.2's memory fields first, then how they were measured (Cgroup.h).
        QStringList memoryKeys;
        for (auto it = report["memory"].begin(); it != report["memory"].end(); ++it)
            memoryKeys.append(QString::fromStdString(it.key()));
        QCOMPARE(memoryKeys, (QStringList{u"sizeMB"_qs, u"maxUsedMB"_qs, u"accounting"_qs}));
        const QString accounting =
            QString::fromStdString(report["memory"]["accounting"].get<std::string>());
        QVERIFY2(
            QStringList({u"cgroup-v2"_qs, u"cgroup-v1"_qs, u"polling"_qs}).contains(accounting),
            qPrintable(accounting));
        if (geteuid() != 0)
            QCOMPARE(accounting, u"polling"_qs);
        // The second call of the same session: the image is not pulled or unpacked again.
        const json second = json::parse(lines.last().toStdString());
        QCOMPARE(second["timings"]["unpackMs"].get<double>(), 0.0);
        QCOMPARE(second["billing"]["imagePullGbSeconds"].get<double>(), 0.0);

        const Cli failed = fcemu({u"invoke"_qs, m_image, u"--web-server-mode"_qs, u"false"_qs,
                                  u"--event"_qs, u"{\"exit\":2}"_qs});
        QCOMPARE(failed.code, 1);
        QVERIFY(failed.err.contains("UnhandledInvocationError"));
        const Cli badConfig = fcemu({u"invoke"_qs, m_image, u"--web-server-mode"_qs, u"false"_qs,
                                     u"--memory"_qs, u"100"_qs});
        QCOMPARE(badConfig.code, 2);
        QCOMPARE(badConfig.err.count('\n'), 1);
        const Cli http = fcemu({u"invoke"_qs, m_image, u"--web-server-mode"_qs, u"false"_qs,
                                u"--http"_qs, u"GET"_qs, u"/"_qs});
        QCOMPARE(http.code, 2);
        QVERIFY(http.err.contains("web-server mode"));
    }
};

QTEST_GUILESS_MAIN(TestJobInvoker)
#include "TestJobInvoker.moc"
