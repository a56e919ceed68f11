// The desktop app's session (emulator/session): one loaded function with the real sandbox. What
// the docks rely on: every finished call lands in the record store with the client's request,
// a forced cold start really starts cold without charging the image pull again, the local
// endpoint moves to a free port when its preferred one is taken, and in non-web-server mode
// queued events run one at a time under the ids handed out when they were queued.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include "runtime/FunctionImage.h"
#include "sandbox/Sandbox.h"
#include "session/FunctionSession.h"
#include "SandboxTestSupport.h"

using namespace Fcemu;

class TestFunctionSession final : public QObject
{
    Q_OBJECT

private:
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
            qWarning("%s", qPrintable(prepared.error().message));
        return prepared ? *prepared : nullptr;
    }

    static Config::FunctionConfig webConfig()
    {
        Config::FunctionConfig config;
        config.memoryMB = 256;
        return config;
    }

private slots:
    void initTestCase()
    {
        FCEMU_REQUIRE_SANDBOX();
        QVERIFY(m_cache.isValid());
        m_web = prepare(u"fc-sample-web.tar"_qs);
        m_job = prepare(u"fc-sample-job.tar"_qs);
        QVERIFY(m_web && m_job);
    }

    void recordsEveryCallWithTheClientsRequest()
    {
        Session::FunctionSession session;
        session.setPreferredEndpoint(QHostAddress::LocalHost, 0);
        QSignalSpy finished(&session, &Session::FunctionSession::invocationFinished);
        QSignalSpy states(&session, &Session::FunctionSession::instanceStateChanged);
        QVERIFY(session.load(u"web.tar"_qs, webConfig(), m_web));
        QVERIFY(session.endpointUrl().startsWith(u"http://127.0.0.1:"_qs));

        const QString first = session.invokeEvent(R"({"n":1})");
        QVERIFY(!first.isEmpty());
        QVERIFY(finished.wait(30000));
        Http::HttpRequest get;
        get.method = "GET";
        get.setTarget("/hello", "a=1");
        get.setHeader("Accept", "text/plain");
        const QString second = session.invokeHttp(get);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 30000);

        QCOMPARE(session.records()->size(), 2);
        const Telemetry::InvocationRecord &cold = session.records()->at(0);
        const Telemetry::InvocationRecord &warm = session.records()->at(1);
        QCOMPARE(cold.requestId, first);
        QVERIFY(cold.coldStart);
        QCOMPARE(cold.statusCode, 200);
        QVERIFY(cold.client);
        QCOMPARE(cold.client->body, QByteArray(R"({"n":1})"));
        QVERIFY(cold.startedNs > 0);
        QCOMPARE(warm.requestId, second);
        QVERIFY(!warm.coldStart);
        QCOMPARE(warm.kind, u"http"_qs);
        QCOMPARE(warm.client->method, u"GET"_qs);
        QCOMPARE(warm.client->target, u"/hello?a=1"_qs);
        QVERIFY(warm.client->headers.contains({"Accept", "text/plain"}));
        QCOMPARE(warm.instanceId, cold.instanceId);
        QVERIFY(warm.startedNs > cold.startedNs);
        // The session relays the instance's life: it started and served.
        QVERIFY(states.size() >= 3);
        QCOMPARE(states.first().at(1).value<Runtime::InstanceState>(),
                 Runtime::InstanceState::Starting);
        QCOMPARE(session.pendingInvocations(), 0);

        // The same records on the local endpoint, for scripts next to the desktop app.
        QNetworkAccessManager http;
        QNetworkReply *reply =
            http.get(QNetworkRequest(QUrl(session.endpointUrl() + u"/fcemu/invocations"_qs)));
        QSignalSpy done(reply, &QNetworkReply::finished);
        QVERIFY(done.wait(10000));
        const QJsonArray reports = QJsonDocument::fromJson(reply->readAll()).array();
        reply->deleteLater();
        QCOMPARE(reports.size(), 2);
        QCOMPARE(reports.at(0).toObject()[u"requestId"_qs].toString(), first);
        QCOMPARE(reports.at(1).toObject()[u"requestId"_qs].toString(), second);
    }

    void forcedColdStartIsColdWithoutASecondPull()
    {
        Session::FunctionSession session;
        session.setPreferredEndpoint(QHostAddress::LocalHost, 0);
        QSignalSpy finished(&session, &Session::FunctionSession::invocationFinished);
        QVERIFY(session.load(u"web.tar"_qs, webConfig(), m_web));
        session.invokeEvent("{}");
        QVERIFY(finished.wait(30000));
        session.forceColdStart();
        session.invokeEvent("{}");
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 30000);
        const Telemetry::InvocationRecord &again = session.records()->at(1);
        QVERIFY(again.coldStart);
        QVERIFY(again.instanceId != session.records()->at(0).instanceId);
        QCOMPARE(again.timings.pullMs, 0.0);
        QCOMPARE(again.timings.unpackMs, 0.0);
        QVERIFY(again.timings.sandboxMs > 0);
        QCOMPARE(again.billing.imagePullGbSeconds, 0.0);
    }

    void stopInstancesThenTheNextCallIsCold()
    {
        Session::FunctionSession session;
        session.setPreferredEndpoint(QHostAddress::LocalHost, 0);
        QSignalSpy finished(&session, &Session::FunctionSession::invocationFinished);
        QSignalSpy states(&session, &Session::FunctionSession::instanceStateChanged);
        QVERIFY(session.load(u"web.tar"_qs, webConfig(), m_web));
        session.invokeEvent("{}");
        QVERIFY(finished.wait(30000));
        session.stopInstances();
        QTRY_VERIFY_WITH_TIMEOUT(
            std::any_of(states.cbegin(), states.cend(),
                        [](const QList<QVariant> &args) {
                            return args.at(1).value<Runtime::InstanceState>() ==
                                   Runtime::InstanceState::Stopped;
                        }),
            10000);
        QTRY_COMPARE_WITH_TIMEOUT(session.instanceCount(), 0, 10000);
        session.invokeEvent("{}");
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 30000);
        QVERIFY(session.records()->at(1).coldStart);
        QCOMPARE(session.records()->at(1).statusCode, 200);
    }

    void takenPortMovesToTheNextFreeOne()
    {
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
        Session::FunctionSession session;
        session.setPreferredEndpoint(QHostAddress::LocalHost, squatter.serverPort());
        QSignalSpy endpoint(&session, &Session::FunctionSession::endpointChanged);
        QVERIFY(session.load(u"web.tar"_qs, webConfig(), m_web));
        QCOMPARE(endpoint.size(), 1);
        const QString url = session.endpointUrl();
        QVERIFY(!url.endsWith(u':' + QString::number(squatter.serverPort())));
        QCOMPARE(session.httpTriggerUrl(u"/x?y=1"_qs), url + u"/2016-08-15/proxy/"_qs +
                                                           session.config().serviceName + u'/' +
                                                           session.config().name + u"/x?y=1"_qs);
    }

    void queuedJobsRunOneAtATimeUnderTheirIds()
    {
        Session::FunctionSession session;
        Config::FunctionConfig config;
        config.webServerMode = false;
        QSignalSpy finished(&session, &Session::FunctionSession::invocationFinished);
        QVERIFY(session.load(u"job.tar"_qs, config, m_job));
        QVERIFY(session.endpointUrl().isEmpty());
        Http::HttpRequest request;
        QVERIFY(session.invokeHttp(request).isEmpty()); // no HTTP in this mode
        const QString a = session.invokeEvent(R"({"job":"a"})");
        const QString b = session.invokeEvent(R"({"job":"b"})");
        QCOMPARE(session.pendingInvocations(), 2);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 30000);
        QCOMPARE(session.records()->at(0).requestId, a);
        QCOMPARE(session.records()->at(1).requestId, b);
        QCOMPARE(session.records()->at(1).client->body, QByteArray(R"({"job":"b"})"));
        QVERIFY(session.records()->at(0).coldStart && session.records()->at(1).coldStart);
        // b waited for a: its queue phase covers a's run.
        QVERIFY(session.records()->at(1).timings.queueMs > 0);
        QCOMPARE(session.records()->at(1).timings.pullMs, 0.0);
        QCOMPARE(session.pendingInvocations(), 0);
    }
};

QTEST_GUILESS_MAIN(TestFunctionSession)
#include "TestFunctionSession.moc"
