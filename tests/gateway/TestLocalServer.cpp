// The local endpoints of CONTRACT §6 without sandboxes: routing of FC3's and FC2's InvokeFunction
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

#include "http/HttpParser.h"
#include "gateway/LocalServer.h"
#include "runtime/InstancePool.h"

using namespace Fcemu;
using namespace Fcemu::Gateway;
using namespace Fcemu::Http;
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

        // Names checked as FC checks them (issue 17).
        const int management = int(Route::Kind::Management);
        QTest::addRow("FC2 path in another service is 404 ServiceNotFound")
            << QByteArray("POST")
            << QByteArray("/2016-08-15/services/other/functions/fn/invocations") << error
            << QByteArray() << 404 << u"ServiceNotFound"_qs;
        QTest::addRow("FC2 proxy path in another service is 404 ServiceNotFound")
            << QByteArray("GET") << QByteArray("/2016-08-15/proxy/other/fn/a") << error
            << QByteArray() << 404 << u"ServiceNotFound"_qs;
        QTest::addRow("FC2 qualifier LATEST is the function")
            << QByteArray("POST")
            << QByteArray("/2016-08-15/services/svc.LATEST/functions/fn/invocations") << event
            << QByteArray() << 0 << QString();
        QTest::addRow("FC2 version qualifier is 404 VersionNotFound")
            << QByteArray("POST")
            << QByteArray("/2016-08-15/services/svc.3/functions/fn/invocations") << error
            << QByteArray() << 404 << u"VersionNotFound"_qs;
        QTest::addRow("FC2 alias qualifier on the proxy is 404 AliasNotFound")
            << QByteArray("GET") << QByteArray("/2016-08-15/proxy/svc.prod/fn/") << error
            << QByteArray() << 404 << u"AliasNotFound"_qs;
        QTest::addRow("FC3 alias qualifier is 404 AliasNotFound")
            << QByteArray("POST")
            << QByteArray("/2023-03-30/functions/fn/invocations?qualifier=prod") << error
            << QByteArray() << 404 << u"AliasNotFound"_qs;
        QTest::addRow("FC3 qualifier LATEST is the function")
            << QByteArray("POST")
            << QByteArray("/2023-03-30/functions/fn/invocations?qualifier=LATEST") << event
            << QByteArray() << 0 << QString();

        // Management paths never reach the function.
        QTest::addRow("FC3 GetFunction is answered here")
            << QByteArray("GET") << QByteArray("/2023-03-30/functions/fn") << management
            << QByteArray() << 0 << u"GetFunction"_qs;
        QTest::addRow("FC3 ListFunctions is answered here")
            << QByteArray("GET") << QByteArray("/2023-03-30/functions?limit=10") << management
            << QByteArray() << 0 << u"ListFunctions"_qs;
        QTest::addRow("FC3 GetFunction of another function is 404 FunctionNotFound")
            << QByteArray("GET") << QByteArray("/2023-03-30/functions/other") << error
            << QByteArray() << 404 << u"FunctionNotFound"_qs;
        QTest::addRow("FC2 GetFunction is answered here")
            << QByteArray("GET") << QByteArray("/2016-08-15/services/svc/functions/fn")
            << management << QByteArray() << 0 << u"GetFunction"_qs;
        QTest::addRow("FC2 ListFunctions is answered here")
            << QByteArray("GET") << QByteArray("/2016-08-15/services/svc/functions") << management
            << QByteArray() << 0 << u"ListFunctions"_qs;
        QTest::addRow("FC2 GetService is answered here")
            << QByteArray("GET") << QByteArray("/2016-08-15/services/svc") << management
            << QByteArray() << 0 << u"GetService"_qs;
        QTest::addRow("FC2 ListServices is answered here")
            << QByteArray("GET") << QByteArray("/2016-08-15/services") << management << QByteArray()
            << 0 << u"ListServices"_qs;
        QTest::addRow("FC2 GetService of another service is 404 ServiceNotFound")
            << QByteArray("GET") << QByteArray("/2016-08-15/services/nope") << error << QByteArray()
            << 404 << u"ServiceNotFound"_qs;
        QTest::addRow("FC2 UpdateFunction is 400 PathNotSupported, not the function's")
            << QByteArray("PUT") << QByteArray("/2016-08-15/services/svc/functions/fn") << error
            << QByteArray() << 400 << u"PathNotSupported"_qs;
        QTest::addRow("FC3 ListTriggers is 400 PathNotSupported")
            << QByteArray("GET") << QByteArray("/2023-03-30/functions/fn/triggers") << error
            << QByteArray() << 400 << u"PathNotSupported"_qs;
        QTest::addRow("any other FC3 API path is 400 PathNotSupported")
            << QByteArray("GET") << QByteArray("/2023-03-30/custom-domains") << error
            << QByteArray() << 400 << u"PathNotSupported"_qs;
        QTest::addRow("any other FC2 API path is 400 PathNotSupported")
            << QByteArray("POST") << QByteArray("/2016-08-15/anything") << error << QByteArray()
            << 400 << u"PathNotSupported"_qs;
    }

    void routes()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QFETCH(int, kind);
        QFETCH(QByteArray, forwarded);
        QFETCH(int, status);
        QFETCH(QString, code);
        const Route route = routeRequest(request(method, target), u"fn"_qs, u"svc"_qs);
        QCOMPARE(int(route.kind), kind);
        QCOMPARE(route.api,
                 target.startsWith("/2016-08-15/") ? ApiGeneration::Fc2 : ApiGeneration::Fc3);
        if (route.kind == Route::Kind::Management)
            QCOMPARE(route.call, code);
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

    void notEmulatedCallsAreNamed()
    {
        const Route update = routeRequest(request("PUT", "/2016-08-15/services/svc/functions/fn"),
                                          u"fn"_qs, u"svc"_qs);
        QVERIFY2(update.message.contains(u"UpdateFunction"_qs), qPrintable(update.message));
        QVERIFY2(update.message.contains(u"does not emulate"_qs), qPrintable(update.message));
        const Route triggers =
            routeRequest(request("POST", "/2023-03-30/functions/fn/triggers"), u"fn"_qs, u"svc"_qs);
        QVERIFY2(triggers.message.contains(u"CreateTrigger"_qs), qPrintable(triggers.message));
    }

    // fc-semantics §4.1: FC2 answers {"ErrorCode","ErrorMessage"}, FC3 {"RequestId","Code",
    // "Message"}, both as application/json.
    void errorShapesByGeneration()
    {
        const HttpResponse fc2 = errorResponse(404, u"ServiceNotFound"_qs, u"no such"_qs,
                                               u"1-abc"_qs, ApiGeneration::Fc2);
        QCOMPARE(fc2.status, 404);
        QCOMPARE(fc2.header("content-type"), QByteArray("application/json"));
        QCOMPARE(fc2.header("x-fc-request-id"), QByteArray("1-abc"));
        const json two = json::parse(fc2.body.toStdString());
        QCOMPARE(two.size(), size_t(2));
        QCOMPARE(two["ErrorCode"].get<std::string>(), std::string("ServiceNotFound"));
        QCOMPARE(two["ErrorMessage"].get<std::string>(), std::string("no such"));
        const HttpResponse fc3 = errorResponse(429, u"ResourceExhausted"_qs, u"busy"_qs,
                                               u"1-def"_qs, ApiGeneration::Fc3);
        QCOMPARE(fc3.header("content-type"), QByteArray("application/json"));
        const json three = json::parse(fc3.body.toStdString());
        QCOMPARE(three["Code"].get<std::string>(), std::string("ResourceExhausted"));
        QCOMPARE(three["Message"].get<std::string>(), std::string("busy"));
        QCOMPARE(three["RequestId"].get<std::string>(), std::string("1-def"));
    }

    // A platform error recorded by the pool is answered in the shape of the API called; a
    // function error keeps its body; X-Fc-Code-Checksum when given.
    void invocationErrorsTakeTheCallersShape()
    {
        Telemetry::InvocationRecord record;
        record.requestId = u"1-xyz"_qs;
        record.statusCode = 502;
        record.error = Telemetry::InvocationError{u"FunctionNotStarted"_qs, u"never"_qs};
        record.body = R"({"ErrorCode":"FunctionNotStarted","ErrorMessage":"never"})";
        const HttpResponse three = invocationResponse(record, false, ApiGeneration::Fc3, "42");
        QCOMPARE(three.header("content-type"), QByteArray("application/json"));
        QCOMPARE(three.header("x-fc-code-checksum"), QByteArray("42"));
        QCOMPARE(code(three), u"FunctionNotStarted"_qs);
        const HttpResponse two = invocationResponse(record, false, ApiGeneration::Fc2);
        QVERIFY(!two.hasHeader("x-fc-code-checksum"));
        QCOMPARE(json::parse(two.body.toStdString())["ErrorCode"].get<std::string>(),
                 std::string("FunctionNotStarted"));

        Telemetry::InvocationRecord crashed;
        crashed.statusCode = 502;
        crashed.error = Telemetry::InvocationError{u"UnhandledInvocationError"_qs, u"gone"_qs};
        crashed.responseHeaders = {{"X-Fc-Error-Type", "UnhandledInvocationError"}};
        crashed.body = R"({"errorMessage":"gone"})";
        const HttpResponse function = invocationResponse(crashed, false, ApiGeneration::Fc2);
        QCOMPARE(function.body, crashed.body);
        QCOMPARE(function.header("content-type"), QByteArray("application/json"));
    }

    // CRC-64/XZ's check value (the CRC of "123456789") is 0x995DC9BBDF1939FA.
    void codeChecksumIsCrc64()
    {
        QCOMPARE(codeChecksum("123456789"), QByteArray::number(0x995DC9BBDF1939FAULL));
    }

    void managementCallsAnswerFromTheConfig()
    {
        Config::FunctionConfig config;
        config.name = u"fn"_qs;
        config.serviceName = u"svc"_qs;
        config.memoryMB = 1024;
        config.caPort = 9001;
        config.args = {u"server.js"_qs};
        config.setEnv(u"GREETING"_qs, u"hi"_qs);
        const auto call = [&](const QByteArray &method, const QByteArray &target) {
            const Route route = routeRequest(request(method, target), u"fn"_qs, u"svc"_qs);
            const ManagedFunction managed{&config, "7", u"registry.example/ns/fn:v1"_qs,
                                          u"registry.example/ns/fn@sha256:ab"_qs};
            const HttpResponse r = managementResponse(route, managed, u"1-m"_qs);
            [&]() {
                QCOMPARE(r.status, 200);
                QCOMPARE(r.header("content-type"), QByteArray("application/json"));
            }();
            return json::parse(r.body.toStdString());
        };
        const json fc3 = call("GET", "/2023-03-30/functions/fn");
        QCOMPARE(fc3["functionName"].get<std::string>(), std::string("fn"));
        QCOMPARE(fc3["memorySize"].get<int>(), 1024);
        QCOMPARE(fc3["customContainerConfig"]["port"].get<int>(), 9001);
        QCOMPARE(fc3["customContainerConfig"]["command"][0].get<std::string>(),
                 std::string("server.js"));
        QCOMPARE(fc3["environmentVariables"]["GREETING"].get<std::string>(), std::string("hi"));
        QCOMPARE(fc3["codeChecksum"].get<std::string>(), std::string("7"));
        QCOMPARE(fc3["customContainerConfig"]["image"].get<std::string>(),
                 std::string("registry.example/ns/fn:v1"));
        QCOMPARE(fc3["customContainerConfig"]["resolvedImageUri"].get<std::string>(),
                 std::string("registry.example/ns/fn@sha256:ab"));
        const json fc3List = call("GET", "/2023-03-30/functions");
        QCOMPARE(fc3List["functions"].size(), size_t(1));
        const json fc2 = call("GET", "/2016-08-15/services/svc/functions/fn");
        QCOMPARE(fc2["caPort"].get<int>(), 9001);
        QCOMPARE(fc2["customContainerConfig"]["image"].get<std::string>(),
                 std::string("registry.example/ns/fn:v1"));
        QCOMPARE(fc2["customContainerConfig"]["args"].get<std::string>(),
                 std::string(R"(["server.js"])"));
        const json service = call("GET", "/2016-08-15/services/svc");
        QCOMPARE(service["serviceName"].get<std::string>(), std::string("svc"));
        const json services = call("GET", "/2016-08-15/services");
        QCOMPARE(services["services"][0]["serviceName"].get<std::string>(), std::string("svc"));
        const json functions = call("GET", "/2016-08-15/services/svc/functions");
        QCOMPARE(functions["functions"][0]["functionName"].get<std::string>(), std::string("fn"));
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
