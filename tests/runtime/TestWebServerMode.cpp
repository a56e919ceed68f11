// Web-server mode (CONTRACT §4) with the sample web function in the real sandbox, one call at a
// time as `fcemu invoke` drives the InstancePool: FC's headers and control paths, the initializer,
// warm reuse, and FC's errors for crashes, timeouts, 404s and servers that never answer on the
// instance address.
#include <algorithm>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include "runtime/FunctionImage.h"
#include "runtime/InstancePool.h"
#include "sandbox/Sandbox.h"
#include "SandboxTestSupport.h"

using namespace Fcemu;
using json = nlohmann::json;

class TestWebServerMode final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_cache;
    std::shared_ptr<Runtime::PreparedImage> m_web;
    std::shared_ptr<Runtime::PreparedImage> m_job;

    std::shared_ptr<Runtime::PreparedImage> prepare(const QString &name)
    {
        Runtime::PrepareOptions options;
        options.cacheDirectory = m_cache.path();
        auto prepared = Runtime::prepareImage(qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") +
                                                  u"/resources/samples/"_qs + name,
                                              {}, options);
        if (!prepared)
            qFatal("%s", qPrintable(prepared.error().message));
        return *prepared;
    }

    static Telemetry::InvocationRecord http(Runtime::InstancePool &pool, const QByteArray &method,
                                            const QByteArray &path, const QByteArray &query = {},
                                            const Http::HttpHeaders &headers = {})
    {
        Http::HttpRequest request;
        request.method = method;
        request.setTarget(path, query);
        request.headers = headers;
        return TestSupport::invokeAndWait(pool, request, true);
    }

    static Telemetry::InvocationRecord event(Runtime::InstancePool &pool, const QByteArray &body)
    {
        Http::HttpRequest request;
        request.method = "POST";
        request.body = body;
        return TestSupport::invokeAndWait(pool, request, false);
    }

    static QString header(const Telemetry::HeaderList &headers, const QString &name)
    {
        for (const auto &[n, v] : headers)
            if (QString::fromUtf8(n).compare(name, Qt::CaseInsensitive) == 0)
                return QString::fromUtf8(v);
        return u"<absent>"_qs;
    }

private slots:
    void initTestCase()
    {
        qRegisterMetaType<Telemetry::InvocationRecord>();
        FCEMU_REQUIRE_SANDBOX();
        QVERIFY(m_cache.isValid());
        m_web = prepare(u"fc-sample-web.tar"_qs);
        m_job = prepare(u"fc-sample-job.tar"_qs);
    }

    void everyCommonHeaderAndControlPath()
    {
        Config::FunctionConfig config;
        config.name = u"web-fn"_qs;
        config.memoryMB = 256;
        config.timeoutS = 7;
        Runtime::InstancePool invoker(config, m_web);
        const auto r = http(invoker, "PUT", "/items/1", "a=1&b=2",
                            {{"X-Client", "yes"}, {"x-fc-forged", "no"}, {"Connection", "close"}});
        QVERIFY2(!r.error, r.error ? qPrintable(r.error->message) : "");
        QCOMPARE(r.kind, u"http"_qs);
        QVERIFY(r.coldStart);
        QCOMPARE(r.statusCode, 200);
        for (const char *name :
             {"x-fc-request-id", "x-fc-access-key-id", "x-fc-access-key-secret",
              "x-fc-security-token", "x-fc-function-name", "x-fc-function-handler",
              "x-fc-function-memory", "x-fc-function-timeout", "x-fc-function-initializer",
              "x-fc-initialization-timeout", "x-fc-region", "x-fc-account-id", "x-fc-qualifier",
              "x-fc-version-id", "x-fc-service-name", "x-fc-service-logproject",
              "x-fc-service-logstore", "x-fc-control-path"})
            QVERIFY2(header(r.requestHeaders, QString::fromLatin1(name)) != u"<absent>"_qs, name);
        QCOMPARE(header(r.requestHeaders, u"x-fc-control-path"_qs), u"/http-invoke"_qs);
        QCOMPARE(header(r.requestHeaders, u"x-fc-request-id"_qs), r.requestId);
        QCOMPARE(header(r.requestHeaders, u"x-fc-function-name"_qs), u"web-fn"_qs);
        QCOMPARE(header(r.requestHeaders, u"x-fc-function-memory"_qs), u"256"_qs);
        QCOMPARE(header(r.requestHeaders, u"x-fc-function-timeout"_qs), u"7"_qs);
        QCOMPARE(header(r.requestHeaders, u"x-fc-qualifier"_qs), u"LATEST"_qs);
        QCOMPARE(header(r.requestHeaders, u"X-Client"_qs), u"yes"_qs);
        QCOMPARE(header(r.requestHeaders, u"x-fc-forged"_qs),
                 u"<absent>"_qs); // clients may not send x-fc-*
        QCOMPARE(header(r.requestHeaders, u"Connection"_qs), u"<absent>"_qs);
        // What the server saw (it echoes the request) matches what we say we sent.
        const json seen = json::parse(r.body.toStdString());
        QCOMPARE(QString::fromStdString(seen["method"]), u"PUT"_qs);
        QCOMPARE(QString::fromStdString(seen["path"]), u"/items/1"_qs);
        QCOMPARE(QString::fromStdString(seen["query"]), u"a=1&b=2"_qs);
        QCOMPARE(QString::fromStdString(seen["headers"]["x-fc-request-id"]), r.requestId);
        QCOMPARE(QString::fromStdString(seen["headers"]["x-fc-control-path"]), u"/http-invoke"_qs);
        QVERIFY(QString::fromStdString(seen["headers"]["host"]).startsWith(u"21.0.0."_qs));
        QCOMPARE(header(r.responseHeaders, u"X-Fc-Request-Id"_qs), r.requestId);
        QCOMPARE(header(r.responseHeaders, u"Content-Length"_qs),
                 u"<absent>"_qs); // FC-owned response headers dropped
        QVERIFY(r.timings.sandboxMs > 0 && r.timings.startupMs > 0 && r.timings.invokeMs > 0);
        QVERIFY(r.logs.contains(u"FC Invoke Start RequestId: "_qs + r.requestId));

        const auto e = event(invoker, R"({"k":1})");
        QVERIFY(!e.error);
        QVERIFY(!e.coldStart); // the same instance, warm
        QCOMPARE(e.instanceId, r.instanceId);
        QCOMPARE(e.timings.sandboxMs, 0.0);
        QCOMPARE(e.timings.startupMs, 0.0);
        QCOMPARE(header(e.requestHeaders, u"x-fc-control-path"_qs), u"/invoke"_qs);
        QCOMPARE(header(e.requestHeaders, u"Content-Type"_qs), u"application/octet-stream"_qs);
        QCOMPARE(e.body, QByteArray(R"({"k":1})"));
        QVERIFY2(e.logs.join(u'\n').contains(e.requestId + u" [INFO] POST /invoke"_qs),
                 qPrintable(e.logs.join(u'\n')));
    }

    void initializerRunsOncePerInstance()
    {
        Config::FunctionConfig config;
        config.initializer.handler = u"initializer"_qs;
        Runtime::InstancePool invoker(config, m_web);
        const auto first = http(invoker, "GET", "/");
        QVERIFY(!first.error);
        QVERIFY(first.logs.contains(u"FC Initialize Start RequestId: "_qs + first.requestId));
        QVERIFY(first.timings.initializeMs > 0);
        QVERIFY(json::parse(first.body.toStdString())["initialized"].get<bool>());
        const auto second = http(invoker, "GET", "/");
        QVERIFY(!second.logs.join(u'\n').contains(u"FC Initialize Start"_qs));
        QCOMPARE(second.timings.initializeMs, 0.0);
    }

    void crashMidRequestIs502AndTheInstanceIsReplaced()
    {
        Runtime::InstancePool invoker({}, m_web);
        const auto r = http(invoker, "POST", "/", "crash");
        QVERIFY(r.error);
        QCOMPARE(r.statusCode, 502);
        QVERIFY2(r.error->message.startsWith(
                     u"Process exited unexpectedly before completing request (duration: "_qs),
                 qPrintable(r.error->message));
        QVERIFY(r.error->message.contains(u"maxMemoryUsage: "_qs));
        const auto next = http(invoker, "GET", "/");
        QVERIFY(!next.error);
        QVERIFY(next.coldStart);
        QVERIFY(next.instanceId != r.instanceId);
    }

    void timeoutUsesFcWordingAndReplacesTheInstance()
    {
        Config::FunctionConfig config;
        config.timeoutS = 1;
        Runtime::InstancePool invoker(config, m_web);
        const auto r = http(invoker, "GET", "/", "sleep=4000");
        QVERIFY(r.error);
        QCOMPARE(r.error->code, u"FunctionTimeoutError"_qs);
        QVERIFY2(
            r.error->message.startsWith(u"Function timed out after 1 seconds (maxMemoryUsage: "_qs),
            qPrintable(r.error->message));
        QTRY_COMPARE(invoker.instanceCount(), 0);
    }

    void notFoundIsAFunctionError_data()
    {
        QTest::addColumn<QByteArray>("query");
        QTest::addRow("status 404") << QByteArray("status=404");
        QTest::addRow("x-fc-status: 404") << QByteArray("fc-status=404");
    }

    void notFoundIsAFunctionError()
    {
        QFETCH(QByteArray, query);
        Runtime::InstancePool invoker({}, m_web);
        const auto r = http(invoker, "GET", "/", query);
        QVERIFY(r.error);
        QCOMPARE(r.error->code, u"UnhandledInvocationError"_qs);
        QCOMPARE(header(r.responseHeaders, u"X-Fc-Error-Type"_qs), u"UnhandledInvocationError"_qs);
    }

    // CONTRACT §1.3 Logs: what the server printed while it started joins its cold start, before
    // "FC Invoke Start", and every line keeps the time it was written, in time order.
    void startupOutputComesBeforeInvokeStartInTheColdStart_data()
    {
        QTest::addColumn<int>("concurrency");
        QTest::newRow("one request at a time") << 1;
        QTest::newRow("instance concurrency 4") << 4;
    }
    void startupOutputComesBeforeInvokeStartInTheColdStart()
    {
        QFETCH(int, concurrency);
        Config::FunctionConfig config;
        config.env = {{u"SAMPLE_STARTUP_DELAY_MS"_qs, u"40"_qs}};
        config.instanceConcurrency = concurrency;
        Runtime::InstancePool pool(config, m_web);
        const auto cold = event(pool, "{}");
        QVERIFY2(!cold.error, cold.error ? qPrintable(cold.error->message) : "");
        QVERIFY(cold.coldStart);
        const QString all = cold.logs.join(u'\n');
        const auto indexOf = [&cold](const QString &part) {
            for (qsizetype i = 0; i < cold.logs.size(); ++i)
                if (cold.logs[i].contains(part))
                    return i;
            return qsizetype(-1);
        };
        const qsizetype waiting = indexOf(u"waiting 40 ms before listening"_qs);
        const qsizetype listening = indexOf(u"fc-sample-web listening on 0.0.0.0:"_qs);
        const qsizetype invokeStart = indexOf(u"FC Invoke Start RequestId: "_qs + cold.requestId);
        QVERIFY2(waiting >= 0 && listening >= 0 && invokeStart >= 0, qPrintable(all));
        QVERIFY2(waiting < invokeStart, qPrintable(all));
        QVERIFY2(waiting < listening, qPrintable(all));
        // With one request at a time the pool waits for the request's own output (with more it
        // keeps what arrived before the reply).
        if (concurrency == 1)
            QVERIFY2(indexOf(cold.requestId + u" [INFO] POST /invoke"_qs) > invokeStart,
                     qPrintable(all));
        // Each line's time, in order, none before the call arrived.
        QCOMPARE(cold.logTimesMs.size(), cold.logs.size());
        QVERIFY(std::is_sorted(cold.logTimesMs.cbegin(), cold.logTimesMs.cend()));
        QVERIFY(cold.logTimesMs.first() >= cold.startedAt.toMSecsSinceEpoch());

        // A warm call has none of it.
        const auto warm = event(pool, "{}");
        QVERIFY(!warm.coldStart);
        QVERIFY(!warm.logs.join(u'\n').contains(u"listening"_qs));
        QCOMPARE(warm.logTimesMs.size(), warm.logs.size());
    }

    void listeningOnLoopbackIsDiagnosedAndFailsLikeFc()
    {
        Config::FunctionConfig config;
        config.env = {{u"SAMPLE_LISTEN"_qs, u"127.0.0.1"_qs}};
        config.startupTimeoutS = 2;
        Runtime::InstancePool invoker(config, m_web);
        const auto r = event(invoker, "{}");
        QVERIFY(r.error);
        QCOMPARE(r.error->code, u"FunctionNotStarted"_qs);
        QVERIFY2(r.error->message.startsWith(
                     u"The CA's http server cannot be started:ContainerStartDuration:"_qs),
                 qPrintable(r.error->message));
        QVERIFY(r.error->message.contains(u". Ping CA failed due to: dial tcp 21.0.0."_qs));
        QVERIFY(r.error->message.contains(u":9000: getsockopt: connection refused Logs : "_qs));
        QVERIFY(r.error->message.contains(
            u"listening on 127.0.0.1:9000"_qs)); // the server's own log line
        const QString logs = r.logs.join(u'\n');
        QVERIFY2(logs.contains(u"listens on 127.0.0.1:9000, which FC cannot reach"_qs),
                 qPrintable(logs));
        QVERIFY(logs.contains(u"Listen on 0.0.0.0:9000 instead."_qs));
        const QString ns =
            r.error->message.section(u"ContainerStartDuration:"_qs, 1).section(u'.', 0, 0);
        QVERIFY2(ns.toLongLong() >= 2'000'000'000LL,
                 qPrintable(ns)); // in nanoseconds, as FC writes it
        QTRY_COMPARE(invoker.instanceCount(), 0);
    }

    void processExitingBeforeListeningIsCaExited()
    {
        Runtime::InstancePool invoker({}, m_job); // a job exits at once: no server ever listens
        const auto r = event(invoker, "{}");
        QVERIFY(r.error);
        QCOMPARE(r.error->code, u"CAExited"_qs);
        QVERIFY2(
            r.error->message.startsWith(
                u"The CA process either cannot be started or exited:ContainerStartDuration:"_qs),
            qPrintable(r.error->message));
    }
};

QTEST_GUILESS_MAIN(TestWebServerMode)
#include "TestWebServerMode.moc"
