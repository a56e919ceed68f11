// InstanceConnection against the real sample server (fc-sample-web), started for each test as
// a plain host process on a free port of 127.0.0.1: no sandbox needed. The sample's switches
// (sleep, crash, close, ...) produce each failure the runtime has to tell apart.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

#include "http/HttpClient.h"

using namespace Fcemu;
using namespace Fcemu::Http;

namespace {

quint16 freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

UniqueFd connectTo(quint16 port)
{
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0)
        return {};
    return fd;
}

HttpRequest get(const QByteArray &path, const QByteArray &query = {})
{
    HttpRequest r;
    r.setTarget(path, query);
    return r;
}

QJsonObject json(const HttpResponse &response)
{
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(response.body, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning() << "not JSON:" << response.body.left(200);
    return doc.object();
}

} // namespace

class TestHttpClient final : public QObject
{
    Q_OBJECT

private:
    QProcess *m_server = nullptr;
    quint16 m_port = 0;

    InstanceConnection connect()
    {
        UniqueFd fd = connectTo(m_port);
        if (!fd)
            qWarning("cannot connect to the sample server");
        return InstanceConnection(std::move(fd));
    }

private slots:
    void init()
    {
        m_port = freePort();
        m_server = new QProcess(this);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"FC_CUSTOM_LISTEN_PORT"_qs, QString::number(m_port));
        env.insert(u"SAMPLE_LISTEN"_qs, u"127.0.0.1"_qs);
        env.insert(u"FC_INSTANCE_ID"_qs, u"c-test-instance"_qs);
        m_server->setProcessEnvironment(env);
        m_server->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_server->start(QStringLiteral(FCEMU_SAMPLE_WEB), {});
        QVERIFY2(m_server->waitForStarted(5000), qPrintable(m_server->errorString()));
        QElapsedTimer timer;
        timer.start();
        while (!connectTo(m_port)) {
            QVERIFY2(timer.elapsed() < 5000, "the sample server did not start listening");
            QVERIFY(m_server->state() == QProcess::Running);
            QThread::msleep(5);
        }
    }

    void cleanup()
    {
        if (m_server->state() != QProcess::NotRunning) {
            m_server->kill();
            m_server->waitForFinished(5000);
        }
        delete m_server;
        m_server = nullptr;
    }

    void roundTripEchoesWhatWasSent()
    {
        InstanceConnection conn = connect();
        HttpRequest r;
        r.method = "POST";
        r.setTarget("/some/path", "a=1&b=two");
        r.headers = {{"x-fc-request-id", "req-1"},
                     {"X-Custom", "first"},
                     {"x-custom", "second"},
                     {"Content-Type", "text/plain"}};
        r.body = "hello, function";
        const Result<HttpResponse> res = conn.roundTrip(r, 5000);
        QVERIFY2(res, res ? "" : qPrintable(res.error().message));
        QCOMPARE(res->status, 200);
        QCOMPARE(conn.lastRoundTrip().error, ClientError::None);
        const QJsonObject o = json(*res);
        QCOMPARE(o[u"method"_qs].toString(), u"POST"_qs);
        QCOMPARE(o[u"path"_qs].toString(), u"/some/path"_qs);
        QCOMPARE(o[u"query"_qs].toString(), u"a=1&b=two"_qs);
        QCOMPARE(o[u"body"_qs].toString(), u"hello, function"_qs);
        const QJsonObject h = o[u"headers"_qs].toObject();
        QCOMPARE(h[u"x-fc-request-id"_qs].toString(), u"req-1"_qs);
        QCOMPARE(h[u"x-custom"_qs].toString(), u"first, second"_qs);
        QCOMPARE(h[u"content-length"_qs].toString(), u"15"_qs);
        // A Host header is added, naming the peer, as FC's "Host: 21.0.X.X".
        QCOMPARE(h[u"host"_qs].toString(), u"127.0.0.1:%1"_qs.arg(m_port));
        // The order and spelling the server saw are ours.
        const QJsonArray raw = o[u"rawHeaders"_qs].toArray();
        QCOMPARE(raw.at(0).toArray().at(0).toString(), u"Host"_qs);
        QCOMPARE(raw.at(2).toArray().at(0).toString(), u"X-Custom"_qs);
        QCOMPARE(o[u"instanceId"_qs].toString(), u"c-test-instance"_qs);
        QCOMPARE(o[u"pid"_qs].toInteger(), m_server->processId());
        QVERIFY(conn.isReusable());
    }

    void binaryBodyComesBackAsBase64()
    {
        InstanceConnection conn = connect();
        HttpRequest r;
        r.method = "PUT";
        r.setTarget("/bin");
        r.body = QByteArray("\x00\xff\xfe\x01", 4);
        const Result<HttpResponse> res = conn.roundTrip(r, 5000);
        QVERIFY(res);
        QCOMPARE(json(*res)[u"bodyBase64"_qs].toString(), QString::fromLatin1(r.body.toBase64()));
    }

    void eventInvocationEchoesTheEventAndInitializeIsRemembered()
    {
        InstanceConnection conn = connect();
        HttpRequest r;
        r.method = "POST";
        r.setTarget("/invoke");
        r.headers = {{"x-fc-control-path", "/invoke"},
                     {"Content-Type", "application/octet-stream"}};
        r.body = QByteArray("{\"key\":\"value\"}");
        Result<HttpResponse> res = conn.roundTrip(r, 5000);
        QVERIFY(res);
        QCOMPARE(res->body, r.body);

        QVERIFY(!json(*conn.roundTrip(get("/x"), 5000))[u"initialized"_qs].toBool());
        HttpRequest init;
        init.method = "POST";
        init.setTarget("/initialize");
        init.headers = {{"x-fc-control-path", "/initialize"}};
        res = conn.roundTrip(init, 5000);
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        QVERIFY(json(*conn.roundTrip(get("/x"), 5000))[u"initialized"_qs].toBool());
        for (const QByteArray &hook : {QByteArray("/pre-stop"), QByteArray("/pre-freeze")}) {
            res = conn.roundTrip(get(hook), 5000);
            QVERIFY(res);
            QCOMPARE(res->status, 200);
        }
    }

    void keepAliveCarriesHundredRequestsOnOneConnection()
    {
        InstanceConnection conn = connect();
        int connectionId = -1;
        for (int i = 1; i <= 100; ++i) {
            HttpRequest r = get("/n", "i=" + QByteArray::number(i));
            const Result<HttpResponse> res = conn.roundTrip(r, 5000);
            QVERIFY2(res, res ? "" : qPrintable(res.error().message));
            const QJsonObject c = json(*res)[u"connection"_qs].toObject();
            if (connectionId < 0)
                connectionId = c[u"id"_qs].toInt();
            QCOMPARE(c[u"id"_qs].toInt(), connectionId);
            QCOMPARE(c[u"request"_qs].toInt(), i);
            QCOMPARE(conn.lastRoundTrip().reusedConnection, i > 1);
            QVERIFY(conn.isReusable());
        }
        QCOMPARE(conn.completedRoundTrips(), 100);
    }

    void movedConnectionCarriesOn()
    {
        InstanceConnection first = connect();
        QVERIFY(first.roundTrip(get("/one"), 5000));
        std::vector<InstanceConnection> pool;
        pool.push_back(std::move(first));
        const Result<HttpResponse> res = pool.front().roundTrip(get("/two"), 5000);
        QVERIFY(res);
        QCOMPARE(json(*res)[u"connection"_qs].toObject()[u"request"_qs].toInt(), 2);
        QVERIFY(pool.front().lastRoundTrip().reusedConnection);
    }

    void chunkedAndHeadResponsesKeepTheConnection()
    {
        InstanceConnection conn = connect();
        Result<HttpResponse> res = conn.roundTrip(get("/c", "chunked&bytes=5000"), 5000);
        QVERIFY(res);
        QCOMPARE(res->header("transfer-encoding"), QByteArray("chunked"));
        QCOMPARE(res->body, QByteArray(5000, 'x'));
        QVERIFY(conn.isReusable());

        HttpRequest head = get("/h", "bytes=700");
        head.method = "HEAD";
        res = conn.roundTrip(head, 5000);
        QVERIFY(res);
        QCOMPARE(res->header("content-length"), QByteArray("700"));
        QVERIFY(res->body.isEmpty());
        QVERIFY(conn.isReusable());
        res = conn.roundTrip(get("/after-head"), 5000);
        QVERIFY(res);
        QCOMPARE(json(*res)[u"path"_qs].toString(), u"/after-head"_qs);
    }

    void largeBodiesGoBothWays()
    {
        InstanceConnection conn = connect();
        HttpRequest r;
        r.method = "POST";
        r.setTarget("/invoke");
        r.body.resize(8 << 20);
        for (qsizetype i = 0; i < r.body.size(); ++i)
            r.body[i] = char(i * 7);
        const Result<HttpResponse> res = conn.roundTrip(r, 20000);
        QVERIFY2(res, res ? "" : qPrintable(res.error().message));
        QCOMPARE(res->body.size(), r.body.size());
        QVERIFY(res->body == r.body);
        const QByteArray host = "Host: 127.0.0.1:" + QByteArray::number(m_port) + "\r\n";
        QCOMPARE(conn.lastRoundTrip().bytesSent, qint64(r.toBytes().size() + host.size()));
    }

    void statusAndFcStatusPassThrough()
    {
        InstanceConnection conn = connect();
        const Result<HttpResponse> res =
            conn.roundTrip(get("/e", "status=404&fc-status=404"), 5000);
        QVERIFY(res);
        QCOMPARE(res->status, 404);
        QCOMPARE(res->header("x-fc-status"), QByteArray("404"));
    }

    void sleepBeyondTheTimeoutTimesOut()
    {
        InstanceConnection conn = connect();
        QElapsedTimer timer;
        timer.start();
        const Result<HttpResponse> res = conn.roundTrip(get("/slow", "sleep=3000"), 300);
        QVERIFY(!res);
        QCOMPARE(res.error().kind, ErrorKind::FunctionFailed);
        QCOMPARE(conn.lastRoundTrip().error, ClientError::Timeout);
        QVERIFY(timer.elapsed() >= 300 && timer.elapsed() < 2000);
        QVERIFY(conn.lastRoundTrip().timings.totalMs() >= 299.0);
        QVERIFY(conn.lastRoundTrip().timings.waitMs >= 250.0);
        QVERIFY(!conn.isReusable());
        QVERIFY(!conn.lastRoundTrip().shouldRetry("GET"));
    }

    void steppedRoundTripWaitsForTheReplyWithoutBlocking()
    {
        // The instance pool's way: begin(), then step() whenever the socket is ready.
        InstanceConnection conn = connect();
        conn.begin(get("/stepped", "sleep=150"), 5000);
        QElapsedTimer timer;
        timer.start();
        std::optional<Result<HttpResponse>> result = conn.step();
        QVERIFY(timer.elapsed() < 100); // never waits for the function
        QVERIFY(!result);               // the server sleeps 150 ms before replying
        QVERIFY(!conn.wantsWrite());    // the request went out in one write
        int steps = 1;
        while (!result) {
            pollfd pfd{conn.socketDescriptor(), POLLIN, 0};
            QCOMPARE(::poll(&pfd, 1, 5000), 1);
            result = conn.step();
            ++steps;
        }
        QVERIFY(timer.elapsed() >= 140);
        QVERIFY2(*result, *result ? "" : qPrintable(result->error().message));
        QCOMPARE((*result)->status, 200);
        QCOMPARE(json(**result)[u"path"_qs].toString(), u"/stepped"_qs);
        QCOMPARE(steps, 2); // one step to send, one when the whole reply had arrived
        QCOMPARE(conn.lastRoundTrip().error, ClientError::None);
        QVERIFY(conn.lastRoundTrip().timings.waitMs >= 140.0);
        QVERIFY(conn.isReusable());

        // The same connection carries the next stepped request.
        conn.begin(get("/again"), 5000);
        result = conn.step();
        while (!result) {
            pollfd pfd{conn.socketDescriptor(), POLLIN, 0};
            QCOMPARE(::poll(&pfd, 1, 5000), 1);
            result = conn.step();
        }
        QVERIFY(*result);
        QCOMPARE(json(**result)[u"connection"_qs].toObject()[u"request"_qs].toInt(), 2);
        QVERIFY(conn.lastRoundTrip().reusedConnection);
    }

    void steppedRoundTripAbortsAsTimeoutOrCancelled()
    {
        InstanceConnection conn = connect();
        conn.begin(get("/slow", "sleep=3000"), 250);
        QVERIFY(!conn.step());
        QThread::msleep(50);
        const Result<HttpResponse> timedOut = conn.abort(ClientError::Timeout);
        QVERIFY(!timedOut);
        QCOMPARE(timedOut.error().kind, ErrorKind::FunctionFailed);
        QCOMPARE(timedOut.error().message,
                 u"no complete response within 250 ms (while waiting for the response)"_qs);
        QCOMPARE(conn.lastRoundTrip().error, ClientError::Timeout);
        QVERIFY(conn.lastRoundTrip().timings.waitMs >= 45.0);
        QVERIFY(!conn.isReusable());

        InstanceConnection other = connect();
        other.begin(get("/slow", "sleep=3000"), -1);
        QVERIFY(!other.step());
        const Result<HttpResponse> cancelled = other.abort(ClientError::Cancelled);
        QCOMPARE(cancelled.error().kind, ErrorKind::Cancelled);
        QCOMPARE(other.lastRoundTrip().error, ClientError::Cancelled);
    }

    void steppedRoundTripOnADeadConnectionFailsAtOnce()
    {
        InstanceConnection conn = connect();
        QVERIFY(conn.roundTrip(get("/bye", "close=silent"), 5000));
        QThread::msleep(100); // the server has closed it meanwhile
        conn.begin(get("/next"), 5000);
        QVERIFY(!conn.wantsWrite()); // nothing will be sent
        const std::optional<Result<HttpResponse>> result = conn.step();
        QVERIFY(result);
        QVERIFY(!*result);
        QCOMPARE(conn.lastRoundTrip().error, ClientError::ConnectionDeadBeforeSend);
        QCOMPARE(conn.lastRoundTrip().bytesSent, 0);
        QVERIFY(conn.lastRoundTrip().shouldRetry("POST"));
    }

    void cancelStopsTheWait()
    {
        InstanceConnection conn = connect();
        std::atomic<bool> cancel = false;
        std::thread canceller([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            cancel = true;
        });
        QElapsedTimer timer;
        timer.start();
        const Result<HttpResponse> res = conn.roundTrip(get("/slow", "sleep=5000"), -1, &cancel);
        canceller.join();
        QVERIFY(!res);
        QCOMPARE(res.error().kind, ErrorKind::Cancelled);
        QCOMPARE(conn.lastRoundTrip().error, ClientError::Cancelled);
        QVERIFY(timer.elapsed() < 1000);
    }

    void crashBeforeReplyIsClosedBeforeResponse()
    {
        InstanceConnection conn = connect();
        QVERIFY(conn.roundTrip(get("/ok"), 5000));
        HttpRequest r = get("/boom", "crash");
        r.method = "POST";
        const Result<HttpResponse> res = conn.roundTrip(r, 5000);
        QVERIFY(!res);
        QCOMPARE(res.error().kind, ErrorKind::FunctionFailed);
        QCOMPARE(conn.lastRoundTrip().error, ClientError::ConnectionClosedBeforeResponse);
        QVERIFY(conn.lastRoundTrip().bytesSent > 0);
        QCOMPARE(conn.lastRoundTrip().bytesReceived, qint64(0));
        // FC: a non-idempotent request is not replayed, it fails with 502.
        QVERIFY(!conn.lastRoundTrip().shouldRetry("POST"));
        QVERIFY(m_server->waitForFinished(5000));
        QCOMPARE(m_server->exitCode(), 3);
    }

    void crashMidResponseIsClosedMidResponse()
    {
        InstanceConnection conn = connect();
        const Result<HttpResponse> res = conn.roundTrip(get("/boom", "crash=partial"), 5000);
        QVERIFY(!res);
        QCOMPARE(conn.lastRoundTrip().error, ClientError::ConnectionClosedMidResponse);
        QVERIFY(conn.lastRoundTrip().bytesReceived > 0);
        QVERIFY(!conn.lastRoundTrip().shouldRetry("GET"));
    }

    void connectionClosedByServerIsDeadBeforeSend()
    {
        InstanceConnection conn = connect();
        Result<HttpResponse> res = conn.roundTrip(get("/bye", "close"), 5000);
        QVERIFY(res);
        QVERIFY(!res->keepAlive);
        QVERIFY(!conn.isReusable());
        res = conn.roundTrip(get("/again"), 5000);
        QVERIFY(!res);
        QCOMPARE(conn.lastRoundTrip().error, ClientError::ConnectionDeadBeforeSend);
        QCOMPARE(conn.lastRoundTrip().bytesSent, qint64(0));
        QVERIFY(conn.lastRoundTrip().shouldRetry("POST"));
    }

    void idleCloseIsSeenBeforeSending()
    {
        // The server answers as if keeping the connection, then closes it: what an idle
        // timeout does between two requests (FC's most common 502 cause, fc-semantics §4.3).
        InstanceConnection conn = connect();
        Result<HttpResponse> res = conn.roundTrip(get("/idle", "close=silent"), 5000);
        QVERIFY(res);
        QVERIFY(res->keepAlive);
        QVERIFY(conn.isReusable());
        pollfd pfd{conn.socketDescriptor(), POLLRDHUP, 0};
        QVERIFY(::poll(&pfd, 1, 5000) == 1); // the FIN has arrived
        res = conn.roundTrip(get("/again"), 5000);
        QVERIFY(!res);
        QCOMPARE(conn.lastRoundTrip().error, ClientError::ConnectionDeadBeforeSend);
        QCOMPARE(conn.lastRoundTrip().bytesSent, qint64(0));
        QVERIFY(conn.lastRoundTrip().reusedConnection);
        QVERIFY(conn.lastRoundTrip().shouldRetry("GET"));
    }

    void durationsCoverTheWait()
    {
        InstanceConnection conn = connect();
        const Result<HttpResponse> res =
            conn.roundTrip(get("/slow", "sleep=200&bytes=100000"), 5000);
        QVERIFY(res);
        const RoundTripTimings t = conn.lastRoundTrip().timings;
        QVERIFY(t.sendMs >= 0 && t.receiveMs >= 0);
        QVERIFY2(t.waitMs >= 200.0, qPrintable(QString::number(t.waitMs)));
        QVERIFY(t.waitMs < 2000.0);
        QVERIFY(t.totalMs() >= t.waitMs);
    }

    void responseOverTheLimitIsTooLarge()
    {
        InstanceConnection conn(connectTo(m_port), kDefaultMaxHeaderBytes, 1024);
        const Result<HttpResponse> res = conn.roundTrip(get("/big", "bytes=5000"), 5000);
        QVERIFY(!res);
        QCOMPARE(conn.lastRoundTrip().error, ClientError::ResponseTooLarge);
        QVERIFY(!conn.isReusable());
    }

    void notHttpIsBadResponse()
    {
        // A listener that answers with something else than HTTP.
        const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(::bind(listener, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
        QCOMPARE(::listen(listener, 1), 0);
        socklen_t len = sizeof addr;
        ::getsockname(listener, reinterpret_cast<sockaddr *>(&addr), &len);
        std::thread peer([listener] {
            const int c = ::accept(listener, nullptr, nullptr);
            char buf[4096];
            [[maybe_unused]] const ssize_t n = ::read(c, buf, sizeof buf);
            const char reply[] = "SSH-2.0-OpenSSH_9.2\r\n";
            [[maybe_unused]] const ssize_t w = ::write(c, reply, sizeof reply - 1);
            ::close(c);
        });
        InstanceConnection conn(connectTo(ntohs(addr.sin_port)));
        const Result<HttpResponse> res = conn.roundTrip(get("/"), 5000);
        peer.join();
        ::close(listener);
        QVERIFY(!res);
        QCOMPARE(conn.lastRoundTrip().error, ClientError::BadResponse);
    }

    // ---- the sample's own switches ----

    void sampleLogsOneLinePerRequest()
    {
        InstanceConnection conn = connect();
        HttpRequest r = get("/logged", "log=3");
        r.headers = {{"x-fc-request-id", "1-abc-def"}};
        QVERIFY(conn.roundTrip(r, 5000));
        QByteArray out;
        QElapsedTimer timer;
        timer.start();
        while (out.count('\n') < 5 && timer.elapsed() < 5000) {
            m_server->waitForReadyRead(100);
            out += m_server->readAllStandardOutput();
        }
        const QList<QByteArray> lines = out.trimmed().split('\n');
        QCOMPARE(lines.size(), 5); // "listening", the request, three more lines
        const QRegularExpression line(
            uR"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z 1-abc-def \[INFO\] GET /logged\?log=3$)"_qs);
        QVERIFY2(line.match(QString::fromUtf8(lines[1])).hasMatch(), lines[1].constData());
        QVERIFY(lines[4].endsWith("log line 3 of 3"));
    }

    void sampleAllocKeepsMemory()
    {
        auto rssKb = [this] {
            QFile status(u"/proc/%1/status"_qs.arg(m_server->processId()));
            if (!status.open(QIODevice::ReadOnly))
                return qint64(-1);
            for (const QByteArray &l : status.readAll().split('\n'))
                if (l.startsWith("VmRSS:"))
                    return l.mid(6).trimmed().split(' ').first().toLongLong();
            return qint64(-1);
        };
        const qint64 before = rssKb();
        InstanceConnection conn = connect();
        QVERIFY(conn.roundTrip(get("/mem", "alloc=64"), 5000));
        QVERIFY(conn.roundTrip(get("/mem"), 5000)); // kept, not freed after the reply
        const qint64 after = rssKb();
        QVERIFY2(after - before >= 60 * 1024, qPrintable(u"%1 -> %2 kB"_qs.arg(before).arg(after)));
    }

    void sampleListensOnTheWrongPortWhenAsked()
    {
        cleanup();
        const quint16 port = freePort();
        m_server = new QProcess(this);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"FC_CUSTOM_LISTEN_PORT"_qs, QString::number(port - 1));
        env.insert(u"SAMPLE_PORT_OFFSET"_qs, u"1"_qs);
        env.insert(u"SAMPLE_LISTEN"_qs, u"127.0.0.1"_qs);
        env.insert(u"SAMPLE_STARTUP_DELAY_MS"_qs, u"200"_qs);
        m_server->setProcessEnvironment(env);
        QElapsedTimer timer;
        timer.start();
        m_server->start(QStringLiteral(FCEMU_SAMPLE_WEB), {});
        QVERIFY(m_server->waitForStarted(5000));
        while (!connectTo(port)) {
            QVERIFY(timer.elapsed() < 5000);
            QThread::msleep(5);
        }
        QVERIFY(timer.elapsed() >= 200);
        QVERIFY(!connectTo(port - 1));
    }

    void concurrentConnectionsKeepTheirOwnReplies()
    {
        constexpr int kThreads = 10, kRequests = 20;
        std::atomic<int> matched = 0, failed = 0;
        std::vector<std::thread> threads;
        const quint16 port = m_port;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                InstanceConnection conn(connectTo(port));
                for (int i = 0; i < kRequests; ++i) {
                    const QByteArray id =
                        "req-" + QByteArray::number(t) + '-' + QByteArray::number(i);
                    HttpRequest r;
                    r.method = "POST";
                    r.setTarget("/load", "sleep=" + QByteArray::number(i % 3));
                    r.headers = {{"x-fc-request-id", id}};
                    r.body = id;
                    const Result<HttpResponse> res = conn.roundTrip(r, 10000);
                    if (!res) {
                        ++failed;
                        continue;
                    }
                    const QJsonObject o = QJsonDocument::fromJson(res->body).object();
                    if (o[u"headers"_qs].toObject()[u"x-fc-request-id"_qs].toString() ==
                            QString::fromLatin1(id) &&
                        o[u"body"_qs].toString() == QString::fromLatin1(id))
                        ++matched;
                }
            });
        }
        for (std::thread &t : threads)
            t.join();
        QCOMPARE(failed.load(), 0);
        QCOMPARE(matched.load(), kThreads * kRequests);
    }
};

QTEST_GUILESS_MAIN(TestHttpClient)
#include "TestHttpClient.moc"
