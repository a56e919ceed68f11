// The local endpoints of SPEC §6 without sandboxes: routing of FC3's and FC2's InvokeFunction
// paths and the HTTP trigger, FC's limits and errors, the Tail log header, and the server over a
// real socket for everything it answers itself (no instance is ever started here).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

#include <QCoreApplication>
#include <QTest>

#include <nlohmann/json.hpp>

#include "gateway/HttpParser.h"
#include "gateway/LocalServer.h"
#include "runtime/InstancePool.h"

using namespace Fcemu;
using namespace Fcemu::Gateway;
using json = nlohmann::json;

namespace {

HttpRequest request(const QByteArray &method, const QByteArray &target,
                    const HttpHeaders &headers = {}, const QByteArray &body = {})
{
    HttpRequest r;
    r.method = method;
    const qsizetype q = target.indexOf('?');
    r.setTarget(q < 0 ? target : target.left(q), q < 0 ? QByteArray() : target.mid(q + 1));
    r.headers = headers;
    r.body = body;
    return r;
}

// Sends raw bytes on a fresh connection and reads responses until `count` have come or the
// server closed; runs on its own thread while the test's event loop serves.
// slowReader: a small receive buffer and a pause before reading, so that the server's replies
// do not fit in the socket at once.
QList<HttpResponse> exchange(quint16 port, const QByteArray &raw, int count = 1,
                             bool slowReader = false)
{
    auto work = [port, raw, count, slowReader]() {
        QList<HttpResponse> responses;
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (slowReader) {
            const int small = 4096;
            ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        }
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
            ::close(fd);
            return responses;
        }
        for (qsizetype sent = 0; sent < raw.size();) {
            const ssize_t n =
                ::send(fd, raw.constData() + sent, size_t(raw.size() - sent), MSG_NOSIGNAL);
            if (n <= 0)
                break;
            sent += n;
        }
        if (slowReader)
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
        ResponseParser parser;
        char buffer[65536];
        QByteArray pending;
        while (responses.size() < count) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0)
                break;
            pending.append(buffer, n);
            while (!pending.isEmpty()) {
                const ParseStatus s = parser.feed(pending);
                pending.remove(0, qsizetype(parser.consumed()));
                if (s != ParseStatus::Complete)
                    break;
                responses.append(parser.takeResponse());
                parser.reset();
            }
        }
        ::close(fd);
        return responses;
    };
    auto future = std::async(std::launch::async, work);
    while (future.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    return future.get();
}

QString code(const HttpResponse &r)
{
    return QString::fromStdString(
        json::parse(r.body.toStdString(), nullptr, false).value("Code", std::string("<none>")));
}

} // namespace

class TestLocalServer final : public QObject
{
    Q_OBJECT

private slots:
    void routes_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QByteArray>("forwarded"); // the target the function gets (HTTP)
        QTest::addColumn<int>("status");           // for errors
        QTest::addColumn<QString>("code");

        const int event = int(Route::Kind::Event), http = int(Route::Kind::Http),
                  error = int(Route::Kind::Error);
        QTest::addRow("FC3 InvokeFunction path is an event invocation")
            << QByteArray("POST") << QByteArray("/2023-03-30/functions/fn/invocations") << event
            << QByteArray() << 0 << QString();
        QTest::addRow("FC2 InvokeFunction path is an event invocation, any service")
            << QByteArray("POST") << QByteArray("/2016-08-15/services/svc/functions/fn/invocations")
            << event << QByteArray() << 0 << QString();
        QTest::addRow("FC3 path for another function is 404 FunctionNotFound")
            << QByteArray("POST") << QByteArray("/2023-03-30/functions/other/invocations") << error
            << QByteArray() << 404 << u"FunctionNotFound"_qs;
        QTest::addRow("FC2 path for another function is 404 FunctionNotFound")
            << QByteArray("POST")
            << QByteArray("/2016-08-15/services/svc/functions/other/invocations") << error
            << QByteArray() << 404 << u"FunctionNotFound"_qs;
        QTest::addRow("InvokeFunction takes only POST")
            << QByteArray("GET") << QByteArray("/2023-03-30/functions/fn/invocations") << error
            << QByteArray() << 405 << u"MethodNotAllowed"_qs;
        QTest::addRow("proxy path passes the rest of the path and the query")
            << QByteArray("GET") << QByteArray("/2016-08-15/proxy/svc/fn/a/b?x=1") << http
            << QByteArray("/a/b?x=1") << 0 << QString();
        QTest::addRow("proxy path without a rest goes to /")
            << QByteArray("DELETE") << QByteArray("/2016-08-15/proxy/svc/fn") << http
            << QByteArray("/") << 0 << QString();
        QTest::addRow("proxy path for another function is 404")
            << QByteArray("GET") << QByteArray("/2016-08-15/proxy/svc/nope/a") << error
            << QByteArray() << 404 << u"FunctionNotFound"_qs;
        QTest::addRow("every other path is the HTTP trigger, unchanged")
            << QByteArray("PUT") << QByteArray("/items/1?q=2") << http << QByteArray("/items/1?q=2")
            << 0 << QString();
        QTest::addRow("a percent-encoded function name matches")
            << QByteArray("POST") << QByteArray("/2023-03-30/functions/f%6E/invocations") << event
            << QByteArray() << 0 << QString();
        QTest::addRow("a path over 4 KB is 400 InvalidArgument")
            << QByteArray("GET") << QByteArray("/" + QByteArray(4200, 'a')) << error << QByteArray()
            << 400 << u"InvalidArgument"_qs;
    }

    void routes()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QFETCH(int, kind);
        QFETCH(QByteArray, forwarded);
        QFETCH(int, status);
        QFETCH(QString, code);
        const Route route = routeRequest(request(method, target), u"fn"_qs);
        QCOMPARE(int(route.kind), kind);
        if (route.kind == Route::Kind::Http)
            QCOMPARE(route.forwarded.target, forwarded);
        if (route.kind == Route::Kind::Event) // the request as received, for the record
            QCOMPARE(route.forwarded.target, target);
        if (route.kind == Route::Kind::Error) {
            QCOMPARE(route.status, status);
            QCOMPARE(route.code, code);
        }
    }

    void invocationHeaders()
    {
        const auto plain =
            routeRequest(request("POST", "/2023-03-30/functions/fn/invocations"), u"fn"_qs);
        QVERIFY(!plain.async);
        QVERIFY(!plain.tail);
        const auto asyncTail = routeRequest(
            request("POST", "/2023-03-30/functions/fn/invocations",
                    {{"X-Fc-Invocation-Type", "Async"}, {"x-fc-log-type", "Tail"}}, "ev"),
            u"fn"_qs);
        QVERIFY(asyncTail.async);
        QVERIFY(asyncTail.tail);
        QCOMPARE(asyncTail.forwarded.body, QByteArray("ev"));
        QCOMPARE(asyncTail.forwarded.header("x-fc-log-type"), QByteArray("Tail"));
        const auto bad =
            routeRequest(request("POST", "/x", {{"X-Fc-Invocation-Type", "Later"}}), u"fn"_qs);
        QCOMPARE(bad.status, 400);
        QCOMPARE(bad.code, u"InvalidArgument"_qs);
        // FC's async limit is 128 KB; sync bodies may be up to 32 MB.
        const auto big = routeRequest(request("POST", "/2023-03-30/functions/fn/invocations",
                                              {{"X-Fc-Invocation-Type", "Async"}},
                                              QByteArray(128 * 1024 + 1, 'x')),
                                      u"fn"_qs);
        QCOMPARE(big.status, 400);
        QCOMPARE(big.code, u"EntityTooLarge"_qs);
        const auto bigSync = routeRequest(request("POST", "/2023-03-30/functions/fn/invocations",
                                                  {}, QByteArray(128 * 1024 + 1, 'x')),
                                          u"fn"_qs);
        QCOMPARE(int(bigSync.kind), int(Route::Kind::Event));
    }

    void tailIsTheLast4KbInBase64()
    {
        QStringList logs;
        for (int i = 0; i < 500; ++i)
            logs << u"line %1 of the log"_qs.arg(i);
        const QByteArray decoded = QByteArray::fromBase64(tailLogResult(logs));
        QCOMPARE(decoded.size(), 4096);
        QVERIFY(decoded.endsWith("line 499 of the log\n"));
        QVERIFY(!decoded.contains("line 1 of the log"));
        const QByteArray small = QByteArray::fromBase64(tailLogResult({u"a"_qs, u"b"_qs}));
        QCOMPARE(small, QByteArray("a\nb\n"));
    }

    void invocationResponseCarriesRecordAndTail()
    {
        Telemetry::InvocationRecord record;
        record.statusCode = 502;
        record.body = "{}";
        record.responseHeaders = {{"X-Fc-Request-Id", "1-abc"},
                                  {"X-Fc-Error-Type", "UnhandledInvocationError"}};
        record.logs = {u"FC Invoke Start RequestId: 1-abc"_qs};
        const HttpResponse without = invocationResponse(record, false);
        QCOMPARE(without.status, 502);
        QCOMPARE(without.header("x-fc-request-id"), QByteArray("1-abc"));
        QCOMPARE(without.header("x-fc-error-type"), QByteArray("UnhandledInvocationError"));
        QVERIFY(!without.hasHeader("x-fc-log-result"));
        const HttpResponse with = invocationResponse(record, true);
        QCOMPARE(QByteArray::fromBase64(with.header("x-fc-log-result")),
                 QByteArray("FC Invoke Start RequestId: 1-abc\n"));
    }

    // The server over a socket, for every answer it gives without an instance.
    void serverAnswersErrorsItselfAndKeepsAlive()
    {
        Config::FunctionConfig config;
        config.name = u"fn"_qs;
        Runtime::InstancePool pool(config, std::make_shared<Runtime::PreparedImage>());
        LocalServer server(&pool);
        QVERIFY(server.start(QHostAddress::LocalHost, 0));
        const quint16 port = server.serverPort();

        // Two requests pipelined on one keep-alive connection: both answered, in order.
        const QByteArray twoRequests =
            "POST /2023-03-30/functions/nope/invocations HTTP/1.1\r\nHost: x\r\n"
            "Content-Length: 2\r\n\r\nhi"
            "GET /2023-03-30/functions/fn/invocations HTTP/1.1\r\nHost: x\r\n\r\n";
        const auto both = exchange(port, twoRequests, 2);
        QCOMPARE(both.size(), 2);
        QCOMPARE(both[0].status, 404);
        QCOMPARE(code(both[0]), u"FunctionNotFound"_qs);
        QVERIFY(!both[0].header("x-fc-request-id").isEmpty());
        QCOMPARE(json::parse(both[0].body.toStdString())["RequestId"].get<std::string>(),
                 both[0].header("x-fc-request-id").toStdString());
        QCOMPARE(both[1].status, 405);

        // Chunked bodies are parsed (an async event over 128 KB sent in chunks is refused).
        QByteArray chunked = "POST /2023-03-30/functions/fn/invocations HTTP/1.1\r\nHost: x\r\n"
                             "X-Fc-Invocation-Type: Async\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 3; ++i)
            chunked += "10000\r\n" + QByteArray(0x10000, 'e') + "\r\n";
        chunked += "0\r\n\r\n";
        const auto tooBig = exchange(port, chunked);
        QCOMPARE(tooBig.size(), 1);
        QCOMPARE(tooBig[0].status, 400);
        QCOMPARE(code(tooBig[0]), u"EntityTooLarge"_qs);

        // Request headers over 8 KB: 400 InvalidArgument, and the connection is closed.
        const QByteArray bigHeaders =
            "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + QByteArray(9000, 'h') + "\r\n\r\n";
        const auto headers = exchange(port, bigHeaders, 2);
        QCOMPARE(headers.size(), 1);
        QCOMPARE(headers[0].status, 400);
        QCOMPARE(code(headers[0]), u"InvalidArgument"_qs);

        // Not HTTP at all.
        const auto garbage = exchange(port, "\x01\x02 nonsense\r\n\r\n");
        QCOMPARE(garbage.size(), 1);
        QCOMPARE(garbage[0].status, 400);
        QTRY_COMPARE(server.connectionCount(), 0);
    }

    void repliesLargerThanTheSocketTakesArriveWholeAndInOrder()
    {
        Config::FunctionConfig config;
        config.name = u"fn"_qs;
        Runtime::InstancePool pool(config, std::make_shared<Runtime::PreparedImage>());
        LocalServer server(&pool);
        QByteArray big(6 * 1024 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < big.size(); ++i)
            big[i] = char('a' + i % 26);
        server.setLocalHandler([&big](const HttpRequest &request) {
            HttpResponse r;
            r.setHeader("Content-Type", "text/plain");
            r.body = request.path.endsWith("/big") ? big : QByteArray("small");
            return r;
        });
        QVERIFY(server.start(QHostAddress::LocalHost, 0));

        // Two pipelined requests whose first reply waits for a reader that is slow to come:
        // the server finishes sending it as the socket drains, then sends the second.
        const auto replies = exchange(server.serverPort(),
                                      "GET /fcemu/big HTTP/1.1\r\nHost: x\r\n\r\n"
                                      "GET /fcemu/small HTTP/1.1\r\nHost: x\r\n\r\n",
                                      2, true);
        QCOMPARE(replies.size(), 2);
        QCOMPARE(replies[0].status, 200);
        QCOMPARE(replies[0].body.size(), big.size());
        QVERIFY(replies[0].body == big);
        QCOMPARE(replies[1].body, QByteArray("small"));

        // A client that asks to close gets its whole reply before the server closes.
        const auto closing =
            exchange(server.serverPort(),
                     "GET /fcemu/big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1, true);
        QCOMPARE(closing.size(), 1);
        QVERIFY(closing[0].body == big);
        QTRY_COMPARE(server.connectionCount(), 0);
    }

    void connectionLimitAndIdleTimeout()
    {
        Config::FunctionConfig config;
        config.name = u"fn"_qs;
        Runtime::InstancePool pool(config, std::make_shared<Runtime::PreparedImage>());
        LocalServer server(&pool);
        server.setMaxConnections(1);
        server.setIdleTimeoutMs(300);
        QVERIFY(server.start(QHostAddress::LocalHost, 0));
        QTcpSocket first;
        first.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(first.waitForConnected(2000));
        QTRY_COMPARE(server.connectionCount(), 1);
        QTcpSocket second;
        second.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QTRY_COMPARE(second.state(), QAbstractSocket::UnconnectedState); // over the limit
        QCOMPARE(server.connectionCount(), 1);
        // The idle connection is closed after the idle timeout.
        QTRY_COMPARE_WITH_TIMEOUT(first.state(), QAbstractSocket::UnconnectedState, 3000);
        QTRY_COMPARE(server.connectionCount(), 0);
    }

    void portInUseIsAClearUsageError()
    {
        Config::FunctionConfig config;
        Runtime::InstancePool pool(config, std::make_shared<Runtime::PreparedImage>());
        LocalServer first(&pool);
        QVERIFY(first.start(QHostAddress::LocalHost, 0));
        LocalServer second(&pool);
        const auto result = second.start(QHostAddress::LocalHost, first.serverPort());
        QVERIFY(!result);
        QCOMPARE(result.error().kind, ErrorKind::Usage);
        QVERIFY2(result.error().message.contains(QString::number(first.serverPort())),
                 qPrintable(result.error().message));
    }
};

QTEST_GUILESS_MAIN(TestLocalServer)
#include "TestLocalServer.moc"
