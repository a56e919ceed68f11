// The instance pool behind the local endpoints (CONTRACT §4 "Instances", §6), with the sample web
// function in the real sandbox, driven through the LocalServer over real sockets: FC3 and FC2
// InvokeFunction paths, the HTTP trigger, Tail logs, async invocations, scale-out and 429, idle
// reclaim with pre-stop, a crash, and a load test where every reply must match its request.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include "http/HttpParser.h"
#include "gateway/LocalServer.h"
#include "runtime/FunctionImage.h"
#include "runtime/InstancePool.h"
#include "sandbox/Sandbox.h"
#include "SandboxTestSupport.h"

using namespace Fcemu;
using Http::HttpRequest;
using Http::HttpResponse;
using json = nlohmann::json;

namespace {

// A blocking keep-alive HTTP client for one connection (used from worker threads).
class Client final
{
public:
    explicit Client(quint16 port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(m_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
            ::close(m_fd);
            m_fd = -1;
        }
        const int one = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    ~Client()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    // A response with status 0 when the exchange failed.
    HttpResponse exchange(const HttpRequest &request)
    {
        HttpResponse failed;
        failed.status = 0;
        if (m_fd < 0)
            return failed;
        const QByteArray raw = request.toBytes();
        for (qsizetype sent = 0; sent < raw.size();) {
            const ssize_t n =
                ::send(m_fd, raw.constData() + sent, size_t(raw.size() - sent), MSG_NOSIGNAL);
            if (n <= 0)
                return failed;
            sent += n;
        }
        Http::ResponseParser parser;
        parser.setRequestMethod(request.method);
        char buffer[65536];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n <= 0)
                return failed;
            if (parser.feed(buffer, size_t(n)) == Http::ParseStatus::Complete)
                return parser.takeResponse();
        }
    }

private:
    int m_fd = -1;
};

HttpRequest request(const QByteArray &method, const QByteArray &target,
                    const Http::HttpHeaders &headers = {}, const QByteArray &body = {})
{
    HttpRequest r;
    r.method = method;
    const qsizetype q = target.indexOf('?');
    r.setTarget(q < 0 ? target : target.left(q), q < 0 ? QByteArray() : target.mid(q + 1));
    r.headers = headers;
    r.headers.append(Http::HttpHeader("Host", "127.0.0.1"));
    r.body = body;
    return r;
}

// Runs work on another thread while this thread's event loop serves.
template <typename F> auto serving(F work)
{
    auto future = std::async(std::launch::async, std::move(work));
    while (future.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    return future.get();
}

json bodyJson(const HttpResponse &r)
{
    return json::parse(r.body.toStdString(), nullptr, false);
}

// One pool and its server on an ephemeral port.
struct Served
{
    Runtime::InstancePool pool;
    Gateway::LocalServer server;
    quint16 port = 0;

    Served(const Config::FunctionConfig &config, std::shared_ptr<Runtime::PreparedImage> image,
           bool startPool = true)
        : pool(config, std::move(image)), server(&pool)
    {
        if (!server.start(QHostAddress::LocalHost, 0))
            qFatal("cannot listen");
        port = server.serverPort();
        if (startPool)
            pool.start();
    }
};

} // namespace

class TestInstancePool final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_cache;
    std::shared_ptr<Runtime::PreparedImage> m_web;

    static Config::FunctionConfig config()
    {
        Config::FunctionConfig c;
        c.name = u"pool-fn"_qs;
        c.serviceName = u"pool-svc"_qs;
        c.timeoutS = 10;
        return c;
    }

private slots:
    void initTestCase()
    {
        qRegisterMetaType<Telemetry::InvocationRecord>();
        qRegisterMetaType<Runtime::InstanceState>();
        FCEMU_REQUIRE_SANDBOX();
        QVERIFY(m_cache.isValid());
        Runtime::PrepareOptions options;
        options.cacheDirectory = m_cache.path();
        auto prepared = Runtime::prepareImage(qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") +
                                                  u"/resources/samples/fc-sample-web.tar"_qs,
                                              {}, options);
        QVERIFY2(prepared, prepared ? "" : qPrintable(prepared.error().message));
        m_web = *prepared;
    }

    void fc3EventInvocationWithTailLog()
    {
        Served s(config(), m_web);
        QSignalSpy finished(&s.pool, &Runtime::InstancePool::finished);
        const HttpResponse r = serving([&]() {
            Client client(s.port);
            return client.exchange(request("POST", "/2023-03-30/functions/pool-fn/invocations",
                                           {{"X-Fc-Log-Type", "Tail"}}, "hello event"));
        });
        QCOMPARE(r.status, 200);
        // The record keeps the caller's request as it came (the HAR's request), not just the
        // event the function got.
        QTRY_COMPARE(finished.size(), 1);
        const auto record = finished.first().first().value<Telemetry::InvocationRecord>();
        QVERIFY(record.client);
        QCOMPARE(record.client->target, u"/2023-03-30/functions/pool-fn/invocations"_qs);
        QVERIFY(record.client->headers.contains({"X-Fc-Log-Type", "Tail"}));
        QCOMPARE(record.client->body, QByteArray("hello event"));
        QCOMPARE(r.body, QByteArray("hello event")); // the sample echoes the event
        const QString requestId = QString::fromUtf8(r.header("x-fc-request-id"));
        QVERIFY(requestId.startsWith(u"1-"_qs));
        QVERIFY(r.header("x-fc-instance-id").startsWith("c-"));
        QVERIFY(r.hasHeader("x-fc-invocation-duration"));
        QVERIFY(r.hasHeader("x-fc-max-memory-usage"));
        QVERIFY(!r.hasHeader("x-fc-error-type"));
        const QString log = QString::fromUtf8(QByteArray::fromBase64(r.header("x-fc-log-result")));
        QVERIFY2(log.contains(u"FC Invoke Start RequestId: "_qs + requestId), qPrintable(log));
        QVERIFY2(log.contains(u"FC Invoke End RequestId: "_qs + requestId), qPrintable(log));
        // The sample's own line for the request carries the id the container received.
        QVERIFY2(log.contains(requestId + u" [INFO] POST /invoke"_qs), qPrintable(log));
        QVERIFY2(log.contains(u"Billed Duration"_qs), qPrintable(log));
    }

    void fc2PathAndHttpTrigger()
    {
        Served s(config(), m_web);
        const auto replies = serving([&]() {
            Client client(s.port);
            QList<HttpResponse> out;
            out << client.exchange(
                request("POST", "/2016-08-15/services/pool-svc/functions/pool-fn/invocations", {},
                        "fc2 event"));
            out << client.exchange(request("PUT",
                                           "/2016-08-15/proxy/pool-svc/pool-fn/items/1?a=1&b=2",
                                           {{"X-Client", "yes"},
                                            {"x-fc-forged", "no"},
                                            {"Keep-Alive", "timeout=5"},
                                            {"Content-Type", "text/plain"}},
                                           "put body"));
            out << client.exchange(request("GET", "/hello/world?x=y", {{"X-Other", "1"}}));
            out << client.exchange(request("GET", "/?status=404"));
            return out;
        });
        QCOMPARE(replies.size(), 4);
        QCOMPARE(replies[0].status, 200);
        QCOMPARE(replies[0].body, QByteArray("fc2 event"));

        const HttpResponse &proxied = replies[1];
        QCOMPARE(proxied.status, 200);
        const json seen = bodyJson(proxied);
        QVERIFY2(seen.is_object(), proxied.body.constData());
        QCOMPARE(seen["method"].get<std::string>(), std::string("PUT"));
        QCOMPARE(seen["path"].get<std::string>(), std::string("/items/1"));
        QCOMPARE(seen["query"].get<std::string>(), std::string("a=1&b=2"));
        QCOMPARE(seen["body"].get<std::string>(), std::string("put body"));
        QCOMPARE(seen["headers"]["x-client"].get<std::string>(), std::string("yes"));
        QCOMPARE(seen["headers"]["x-fc-control-path"].get<std::string>(),
                 std::string("/http-invoke"));
        QVERIFY(!seen["headers"].contains("x-fc-forged"));
        QVERIFY(!seen["headers"].contains("keep-alive"));
        QCOMPARE(seen["headers"]["x-fc-request-id"].get<std::string>(),
                 proxied.header("x-fc-request-id").toStdString());
        QVERIFY(proxied.header("content-type").startsWith("application/json"));

        const json other = bodyJson(replies[2]);
        QCOMPARE(other["path"].get<std::string>(), std::string("/hello/world"));
        QCOMPARE(other["headers"]["x-other"].get<std::string>(), std::string("1"));
        QCOMPARE(other["headers"]["x-fc-request-id"].get<std::string>(),
                 replies[2].header("x-fc-request-id").toStdString());
        // One instance served them all, warm after the first.
        QCOMPARE(replies[2].header("x-fc-instance-id"), replies[0].header("x-fc-instance-id"));
        // 404 from the function is a function error.
        QCOMPARE(replies[3].status, 404);
        QCOMPARE(replies[3].header("x-fc-error-type"), QByteArray("UnhandledInvocationError"));
    }

    void asyncInvocationRunsLater()
    {
        Served s(config(), m_web);
        QSignalSpy finished(&s.pool, &Runtime::InstancePool::finished);
        QVERIFY(finished.isValid());
        const HttpResponse r = serving([&]() {
            Client client(s.port);
            return client.exchange(request("POST", "/2023-03-30/functions/pool-fn/invocations",
                                           {{"X-Fc-Invocation-Type", "Async"}},
                                           R"({"x-sample-action": "sleep=300"})"));
        });
        QCOMPARE(r.status, 202);
        const QString requestId = QString::fromUtf8(r.header("x-fc-request-id"));
        QVERIFY(!requestId.isEmpty());
        QVERIFY(finished.isEmpty()); // answered before the function ran (it sleeps 300 ms)
        QVERIFY(finished.wait(10000));
        const auto record = finished.first().first().value<Telemetry::InvocationRecord>();
        QCOMPARE(record.requestId, requestId);
        QVERIFY2(!record.error, record.error ? qPrintable(record.error->message) : "");
        QVERIFY(record.body.contains("sleep=300"));
    }

    void asyncWaitsForAFreeInstanceInsteadOf429()
    {
        Config::FunctionConfig c = config();
        c.instanceConcurrency = 1;
        c.maxInstances = 1;
        Served s(c, m_web);
        QSignalSpy finished(&s.pool, &Runtime::InstancePool::finished);
        const auto replies = serving([&]() {
            auto slow = std::async(std::launch::async, [&]() {
                Client client(s.port);
                return client.exchange(request("GET", "/slow?sleep=800"));
            });
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            Client client(s.port);
            QList<HttpResponse> out;
            out << client.exchange(request("POST", "/2023-03-30/functions/pool-fn/invocations",
                                           {{"X-Fc-Invocation-Type", "Async"}}, "later"));
            out << client.exchange(request("GET", "/now")); // sync: no instance free
            out << slow.get();
            return out;
        });
        QCOMPARE(replies[0].status, 202);
        QCOMPARE(replies[1].status, 429);
        QCOMPARE(replies[2].status, 200);
        const QString asyncId = QString::fromUtf8(replies[0].header("x-fc-request-id"));
        QTRY_VERIFY_WITH_TIMEOUT(
            std::any_of(finished.cbegin(), finished.cend(),
                        [&](const QList<QVariant> &args) {
                            const auto r = args.first().value<Telemetry::InvocationRecord>();
                            return r.requestId == asyncId && !r.error && r.body == "later";
                        }),
            10000);
    }

    void scaleOutThenResourceExhausted()
    {
        Config::FunctionConfig c = config();
        c.instanceConcurrency = 1;
        c.maxInstances = 2;
        Served s(c, m_web);
        QSignalSpy states(&s.pool, &Runtime::InstancePool::instanceStateChanged);
        const auto replies = serving([&]() {
            std::vector<std::future<HttpResponse>> calls;
            for (int i = 0; i < 3; ++i) {
                calls.push_back(std::async(std::launch::async, [&, i]() {
                    std::this_thread::sleep_for(std::chrono::milliseconds(50 * i));
                    Client client(s.port);
                    return client.exchange(request("GET", "/slow?sleep=1500"));
                }));
            }
            QList<HttpResponse> out;
            for (auto &f : calls)
                out << f.get();
            return out;
        });
        int ok = 0, exhausted = 0;
        QSet<QByteArray> instances;
        for (const HttpResponse &r : replies) {
            if (r.status == 200) {
                ++ok;
                instances.insert(r.header("x-fc-instance-id"));
            } else if (r.status == 429) {
                ++exhausted;
                const json body = bodyJson(r);
                QCOMPARE(body["Code"].get<std::string>(), std::string("ResourceExhausted"));
                QCOMPARE(body["RequestId"].get<std::string>(),
                         r.header("x-fc-request-id").toStdString());
            }
        }
        QCOMPARE(ok, 2);
        QCOMPARE(exhausted, 1);
        QCOMPARE(instances.size(), 2); // two cold starts, one per instance
        int starting = 0;
        for (const auto &args : states)
            starting += args[1].value<Runtime::InstanceState>() == Runtime::InstanceState::Starting;
        QCOMPARE(starting, 2);
    }

    void idleInstanceReclaimedWithPreStop()
    {
        Config::FunctionConfig c = config();
        c.idleTimeoutS = 1;
        c.preStop.handler = u"pre-stop"_qs;
        Served s(c, m_web);
        QSignalSpy states(&s.pool, &Runtime::InstancePool::instanceStateChanged);
        QSignalSpy logs(&s.pool, &Runtime::InstancePool::logLine);
        const HttpResponse r = serving([&]() {
            Client client(s.port);
            return client.exchange(request("GET", "/once"));
        });
        QCOMPARE(r.status, 200);
        const QString instance = QString::fromUtf8(r.header("x-fc-instance-id"));
        const auto reached = [&](Runtime::InstanceState state) {
            for (const auto &args : states)
                if (args[0].toString() == instance &&
                    args[1].value<Runtime::InstanceState>() == state)
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(reached(Runtime::InstanceState::Stopped), 10000);
        QList<Runtime::InstanceState> sequence;
        for (const auto &args : states)
            if (args[0].toString() == instance)
                sequence << args[1].value<Runtime::InstanceState>();
        using S = Runtime::InstanceState;
        QCOMPARE(sequence,
                 (QList<S>{S::Starting, S::Ready, S::Busy, S::Idle, S::Stopping, S::Stopped}));
        bool preStop = false;
        for (const auto &args : logs)
            preStop = preStop || args[3].toString().startsWith(u"FC PreStop Start RequestId: "_qs);
        QVERIFY(preStop);
        QTRY_COMPARE(s.pool.instanceCount(), 0);
    }

    void crashMidRequestIs502AndInstanceReplaced()
    {
        Served s(config(), m_web);
        const auto replies = serving([&]() {
            Client client(s.port);
            QList<HttpResponse> out;
            out << client.exchange(request("GET", "/boom?crash"));
            out << client.exchange(request("GET", "/after"));
            return out;
        });
        QCOMPARE(replies[0].status, 502);
        QVERIFY2(replies[0].body.contains(
                     "Process exited unexpectedly before completing request (duration: "),
                 replies[0].body.constData());
        QCOMPARE(replies[1].status, 200);
        QVERIFY(replies[1].header("x-fc-instance-id") != replies[0].header("x-fc-instance-id"));
    }

    void timeoutReplacesInstance()
    {
        Config::FunctionConfig c = config();
        c.timeoutS = 1;
        Served s(c, m_web);
        const auto replies = serving([&]() {
            Client client(s.port);
            QList<HttpResponse> out;
            out << client.exchange(request("GET", "/slow?sleep=3000"));
            out << client.exchange(request("GET", "/after"));
            return out;
        });
        QCOMPARE(replies[0].status, 200);
        QCOMPARE(replies[0].header("x-fc-error-type"), QByteArray("UnhandledInvocationError"));
        QVERIFY2(replies[0].body.contains("Function timed out after 1 seconds (maxMemoryUsage: "),
                 replies[0].body.constData());
        QCOMPARE(replies[1].status, 200);
        QVERIFY(replies[1].header("x-fc-instance-id") != replies[0].header("x-fc-instance-id"));
    }

    void timeoutHoldsForEachRequestOnAKeptConnection()
    {
        // The pool's deadline timer keeps running between round trips on a connection: a slow
        // request after a fast one still times out after its own timeout, not the first's.
        Config::FunctionConfig c = config();
        c.timeoutS = 1;
        Served s(c, m_web);
        QSignalSpy finished(&s.pool, &Runtime::InstancePool::finished);
        qint64 slowMs = 0;
        const auto replies = serving([&]() {
            Client client(s.port);
            QList<HttpResponse> out;
            out << client.exchange(request("GET", "/fast"));
            std::this_thread::sleep_for(std::chrono::milliseconds(600));
            QElapsedTimer timer;
            timer.start();
            out << client.exchange(request("GET", "/slow?sleep=3000"));
            slowMs = timer.elapsed();
            return out;
        });
        QCOMPARE(replies.size(), 2);
        QCOMPARE(replies[0].status, 200);
        QCOMPARE(replies[0].header("x-fc-error-type"), QByteArray());
        QCOMPARE(replies[1].header("x-fc-error-type"), QByteArray("UnhandledInvocationError"));
        QVERIFY2(replies[1].body.contains("Function timed out after 1 seconds"),
                 replies[1].body.constData());
        QVERIFY2(slowMs >= 1000 && slowMs < 2500, qPrintable(QString::number(slowMs)));
        QTRY_COMPARE(finished.size(), 2);
        const auto r = finished.at(1).at(0).value<Telemetry::InvocationRecord>();
        QVERIFY2(r.timings.invokeMs >= 999.0 && r.timings.invokeMs < 2000.0,
                 qPrintable(QString::number(r.timings.invokeMs)));
    }

    void initializerOncePerInstanceAndPreFreezeAfterEachRequest()
    {
        Config::FunctionConfig c = config();
        c.initializer.handler = u"init"_qs;
        c.preFreeze.handler = u"pre-freeze"_qs;
        Served s(c, m_web);
        QSignalSpy finished(&s.pool, &Runtime::InstancePool::finished);
        const auto replies = serving([&]() {
            Client client(s.port);
            QList<HttpResponse> out;
            for (int i = 0; i < 2; ++i)
                out << client.exchange(request("GET", "/i", {{"X-Fc-Log-Type", "Tail"}}));
            return out;
        });
        QCOMPARE(replies.size(), 2);
        QTRY_COMPARE(finished.size(), 2);
        for (int i = 0; i < 2; ++i) {
            QCOMPARE(replies[i].status, 200);
            QCOMPARE(bodyJson(replies[i])["initialized"].get<bool>(), true);
            const QString log =
                QString::fromUtf8(QByteArray::fromBase64(replies[i].header("x-fc-log-result")));
            QVERIFY2(log.contains(u"FC PreFreeze Start RequestId: "_qs +
                                  QString::fromUtf8(replies[i].header("x-fc-request-id"))),
                     qPrintable(log));
            QCOMPARE(log.contains(u"FC Initialize Start RequestId: "_qs), i == 0);
            const auto record = finished[i].first().value<Telemetry::InvocationRecord>();
            QCOMPARE(record.coldStart, i == 0);
            QCOMPARE(record.timings.initializeMs > 0, i == 0);
        }
    }

    void provisionedInstanceIsWarmAndKept()
    {
        Config::FunctionConfig c = config();
        c.provisioned = 1;
        c.idleTimeoutS = 1;
        c.instanceConcurrency = 2;
        Served s(c, m_web, false);
        QSignalSpy finished(&s.pool, &Runtime::InstancePool::finished);
        QSignalSpy states(&s.pool, &Runtime::InstancePool::instanceStateChanged);
        s.pool.start(); // provisioned instances start up front, before any request
        QTRY_VERIFY_WITH_TIMEOUT(!states.isEmpty() &&
                                     states.last()[1].value<Runtime::InstanceState>() ==
                                         Runtime::InstanceState::Idle,
                                 10000);
        const HttpResponse r = serving([&]() {
            Client client(s.port);
            return client.exchange(request("GET", "/p", {{"X-Fc-Log-Type", "Tail"}}));
        });
        QCOMPARE(r.status, 200);
        // FC leaves the log out when an instance serves several requests at once.
        QVERIFY(!r.hasHeader("x-fc-log-result"));
        QTRY_COMPARE(finished.size(), 1);
        QVERIFY(!finished.first().first().value<Telemetry::InvocationRecord>().coldStart);
        QTest::qWait(2000); // twice the idle timeout: a provisioned instance stays
        QCOMPARE(s.pool.instanceCount(), 1);
    }

    // `fcemu serve` (CONTRACT §1.1): the endpoint URLs, the function's logs on stdout, pre-stop and
    // exit 0 on SIGTERM; a port in use is one clear line and exit 2.
    void serveCommandServesUntilSigterm()
    {
        const QString fcemu = qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") + u"/app/fcemu"_qs;
        const QString image = qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") +
                              u"/resources/samples/fc-sample-web.tar"_qs;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"FCEMU_CACHE_DIR"_qs, m_cache.path());
        QProcess serve;
        serve.setProcessEnvironment(env);
        serve.start(fcemu, {u"serve"_qs, image, u"--name"_qs, u"cli-fn"_qs, u"--pre-stop"_qs,
                            u"--listen"_qs, u"127.0.0.1:0"_qs});
        QVERIFY(serve.waitForStarted());
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += serve.readAllStandardOutput()).contains("HTTP trigger"),
                                 20000);
        const QRegularExpression url(
            uR"(POST http://127\.0\.0\.1:(\d+)/2023-03-30/functions/cli-fn/invocations)"_qs);
        const auto match = url.match(QString::fromUtf8(out));
        QVERIFY2(match.hasMatch(), out.constData());
        const quint16 port = quint16(match.captured(1).toUInt());
        QVERIFY(out.contains("/2016-08-15/proxy/"));

        const HttpResponse r = serving([&]() {
            Client client(port);
            return client.exchange(request("POST", "/2023-03-30/functions/cli-fn/invocations", {},
                                           "from the cli test"));
        });
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("from the cli test"));

        QProcess second;
        second.setProcessEnvironment(env);
        second.start(
            fcemu, {u"serve"_qs, image, u"--listen"_qs, u"127.0.0.1:"_qs + QString::number(port)});
        QVERIFY(second.waitForFinished(30000));
        QCOMPARE(second.exitCode(), 2);
        const QByteArray error = second.readAllStandardError();
        QCOMPARE(error.count('\n'), 1);
        QVERIFY2(error.contains(QByteArray::number(port)), error.constData());

        serve.terminate(); // SIGTERM
        QVERIFY(serve.waitForFinished(20000));
        QCOMPARE(serve.exitStatus(), QProcess::NormalExit);
        QCOMPARE(serve.exitCode(), 0);
        out += serve.readAllStandardOutput();
        const QByteArray requestId = r.header("x-fc-request-id");
        QVERIFY2(out.contains(QByteArray(QByteArray("FC Invoke Start RequestId: ") + requestId)),
                 out.constData());
        QVERIFY2(out.contains(QByteArray(requestId + " [INFO] POST /invoke")), out.constData());
        QVERIFY2(out.contains("FC PreStop Start RequestId: "), out.constData());
    }

    // serve --config: a debugger port reaches one function, so one port given to two functions
    // is a usage error naming both, before any image is read.
    void serveRefusesOneDebugPortForTwoFunctions()
    {
        const QString fcemu = qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") + u"/app/fcemu"_qs;
        QTemporaryDir dir;
        QFile yaml(dir.filePath(u"s.yaml"_qs));
        QVERIFY(yaml.open(QIODevice::WriteOnly));
        yaml.write(R"(edition: 3.0.0
name: two
resources:
  front:
    component: fc3
    props: {functionName: front, runtime: custom-container,
            customContainerConfig: {image: ./absent.tar, port: 9000}}
  back:
    component: fc3
    props: {functionName: back, runtime: custom-container,
            customContainerConfig: {image: ./absent.tar, port: 9000}}
)");
        yaml.close();
        QProcess serve;
        serve.start(fcemu, {u"serve"_qs, u"--config"_qs, yaml.fileName(), u"--debug-port"_qs,
                            u"9229"_qs, u"--listen"_qs, u"127.0.0.1:0"_qs});
        QVERIFY(serve.waitForFinished(30000));
        QCOMPARE(serve.exitCode(), 2);
        const QByteArray error = serve.readAllStandardError();
        QCOMPARE(error.count('\n'), 1);
        QVERIFY2(error.contains("debug port 9229 is given to 'front' and 'back'"),
                 error.constData());
    }

    void loadTwoThousandRequestsNoneLostNoneCrossed()
    {
        Config::FunctionConfig c = config();
        c.instanceConcurrency = 10;
        c.maxInstances = 10;
        Served s(c, m_web);
        constexpr int kClients = 50;
        constexpr int kPerClient = 40;
        QElapsedTimer clock;
        clock.start();
        const auto failures = serving([&]() {
            std::atomic<int> good{0};
            std::vector<std::future<QStringList>> clients;
            for (int t = 0; t < kClients; ++t) {
                clients.push_back(std::async(std::launch::async, [&, t]() {
                    QStringList problems;
                    Client client(s.port);
                    for (int i = 0; i < kPerClient; ++i) {
                        const QByteArray seq = QByteArray::number(t) + '-' + QByteArray::number(i);
                        const HttpResponse r =
                            client.exchange(request("POST", "/load/" + seq, {{"X-Seq", seq}}, seq));
                        const json seen = bodyJson(r);
                        if (r.status != 200 || !seen.is_object()) {
                            problems
                                << u"%1: status %2"_qs.arg(QString::fromUtf8(seq)).arg(r.status);
                            continue;
                        }
                        if (seen["headers"].value("x-seq", std::string()) != seq.toStdString() ||
                            seen["path"].get<std::string>() != "/load/" + seq.toStdString() ||
                            seen["headers"].value("x-fc-request-id", std::string()) !=
                                r.header("x-fc-request-id").toStdString())
                            problems << u"%1: crossed"_qs.arg(QString::fromUtf8(seq));
                        else
                            ++good;
                    }
                    return problems;
                }));
            }
            QStringList all;
            for (auto &f : clients)
                all += f.get();
            if (good != kClients * kPerClient && all.isEmpty())
                all << u"lost replies"_qs;
            return all;
        });
        const qint64 elapsed = clock.elapsed();
        QVERIFY2(failures.isEmpty(), qPrintable(failures.mid(0, 10).join(u"; "_qs)));
        QVERIFY2(elapsed < 60000, qPrintable(QString::number(elapsed)));
        QVERIFY(s.pool.instanceCount() <= 10);
        qInfo("2000 requests, 50 at once: %lld ms, %d instances", elapsed, s.pool.instanceCount());
    }
};

QTEST_GUILESS_MAIN(TestInstancePool)
#include "TestInstancePool.moc"
