// The socket-free parts of the gateway: RequestParser, ResponseParser and the message types.
// Every request row is parsed whole, one byte at a time, and split in two at every boundary:
// the result must not depend on how the bytes arrived.

#include <QTest>

#include "http/HttpMessage.h"
#include "http/HttpParser.h"

using namespace Fcemu::Http;

namespace {

QByteArray headerPadding(qsizetype bytes)
{
    return QByteArray("X-Pad: ") + QByteArray(bytes, 'a') + "\r\n";
}

} // namespace

class TestHttpParser final : public QObject
{
    Q_OBJECT

private slots:
    // ---- requests ----

    void parseRequest_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("query");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("keepAlive");

        QTest::addRow("a simple GET has no body and keeps the connection")
            << QByteArray("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n") << QByteArray("GET")
            << QByteArray("/hello") << QByteArray() << QByteArray() << true;
        QTest::addRow("the query is split from the path at the first '?'")
            << QByteArray("GET /a/b?x=1&y=?2 HTTP/1.1\r\nHost: a\r\n\r\n") << QByteArray("GET")
            << QByteArray("/a/b") << QByteArray("x=1&y=?2") << QByteArray() << true;
        QTest::addRow("POST with Content-Length reads exactly that many bytes")
            << QByteArray("POST /invoke HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world")
            << QByteArray("POST") << QByteArray("/invoke") << QByteArray()
            << QByteArray("hello world") << true;
        QTest::addRow("a chunked body is decoded, extensions and trailers dropped")
            << QByteArray("PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n")
            << QByteArray("PUT") << QByteArray("/c") << QByteArray() << QByteArray("hello world")
            << true;
        QTest::addRow("Connection: close ends keep-alive")
            << QByteArray("GET / HTTP/1.1\r\nConnection: close\r\n\r\n") << QByteArray("GET")
            << QByteArray("/") << QByteArray() << QByteArray() << false;
        QTest::addRow("HTTP/1.0 closes by default")
            << QByteArray("GET / HTTP/1.0\r\n\r\n") << QByteArray("GET") << QByteArray("/")
            << QByteArray() << QByteArray() << false;
        QTest::addRow("HTTP/1.0 with Connection: keep-alive stays open")
            << QByteArray("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") << QByteArray("GET")
            << QByteArray("/") << QByteArray() << QByteArray() << true;
        QTest::addRow("an absolute-form target gives its path and query")
            << QByteArray("GET http://example.com:80/p/q?z=9 HTTP/1.1\r\n\r\n") << QByteArray("GET")
            << QByteArray("/p/q") << QByteArray("z=9") << QByteArray() << true;
        // Issue 15: Debian's http-parser 2.9 marks any header name that begins with
        // "Transfer-Encoding" as a Transfer-Encoding header, and then refused these.
        QTest::addRow("a header named Transfer-Encoding-Hint is an ordinary header")
            << QByteArray("POST /h HTTP/1.1\r\nTransfer-Encoding-Hint: none\r\n"
                          "Content-Length: 2\r\n\r\nhi")
            << QByteArray("POST") << QByteArray("/h") << QByteArray() << QByteArray("hi") << true;
        QTest::addRow("Transfer-Encodings on a GET without a body is an ordinary header")
            << QByteArray("GET /t HTTP/1.1\r\ntransfer-encodings: x\r\n\r\n") << QByteArray("GET")
            << QByteArray("/t") << QByteArray() << QByteArray() << true;
        QTest::addRow("a real Transfer-Encoding after a look-alike still means chunked")
            << QByteArray("PUT /c HTTP/1.1\r\nTransfer-Encoding-Hint: none\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n")
            << QByteArray("PUT") << QByteArray("/c") << QByteArray() << QByteArray("hi") << true;
        QTest::addRow("a real Transfer-Encoding before a look-alike still means chunked")
            << QByteArray("PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nHost: h\r\n"
                          "Transfer-Encodingx: y\r\nTransfer-Encoding-Hint:\r\n\r\n"
                          "2\r\nhi\r\n0\r\n\r\n")
            << QByteArray("PUT") << QByteArray("/c") << QByteArray() << QByteArray("hi") << true;
        QTest::addRow("a binary body is kept byte for byte")
            << QByteArray("POST /b HTTP/1.1\r\nContent-Length: 4\r\n\r\n\x00\xff\r\n", 43)
            << QByteArray("POST") << QByteArray("/b") << QByteArray()
            << QByteArray("\x00\xff\r\n", 4) << true;
    }

    void parseRequest()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, query);
        QFETCH(QByteArray, body);
        QFETCH(bool, keepAlive);

        RequestParser parser;
        QCOMPARE(parser.feed(raw), ParseStatus::Complete);
        QCOMPARE(parser.consumed(), size_t(raw.size()));
        const HttpRequest &r = parser.request();
        QCOMPARE(r.method, method);
        QCOMPARE(r.path, path);
        QCOMPARE(r.query, query);
        QCOMPARE(r.body, body);
        QCOMPARE(r.keepAlive, keepAlive);
        QCOMPARE(parser.pathLength(), r.target.size());
    }

    void parseRequestSplitAtEveryByte_data() { parseRequest_data(); }

    void parseRequestSplitAtEveryByte()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, body);
        QFETCH(bool, keepAlive);

        // Two pieces, split at every boundary.
        for (qsizetype split = 0; split < raw.size(); ++split) {
            RequestParser parser;
            QCOMPARE(parser.feed(raw.left(split)), ParseStatus::Incomplete);
            QCOMPARE(parser.consumed(), size_t(split));
            QCOMPARE(parser.feed(raw.mid(split)), ParseStatus::Complete);
            QCOMPARE(parser.consumed(), size_t(raw.size() - split));
            QCOMPARE(parser.request().path, path);
            QCOMPARE(parser.request().body, body);
            QCOMPARE(parser.request().keepAlive, keepAlive);
        }
        // One byte at a time.
        RequestParser parser;
        for (qsizetype i = 0; i < raw.size(); ++i) {
            const ParseStatus st = parser.feed(raw.constData() + i, 1);
            QCOMPARE(st, i + 1 == raw.size() ? ParseStatus::Complete : ParseStatus::Incomplete);
            QCOMPARE(parser.consumed(), size_t(1));
        }
        QCOMPARE(parser.request().body, body);
    }

    void headersKeepOrderCaseAndRepeats()
    {
        RequestParser parser;
        QCOMPARE(parser.feed("GET / HTTP/1.1\r\nX-Fc-Request-Id: r1\r\naccept: a\r\n"
                             "Accept: b\r\nX-Spaces:   padded value  \r\n\r\n"),
                 ParseStatus::Complete);
        const HttpHeaders expected = {{"X-Fc-Request-Id", "r1"},
                                      {"accept", "a"},
                                      {"Accept", "b"},
                                      {"X-Spaces", "padded value"}};
        QCOMPARE(parser.request().headers, expected);
        QCOMPARE(parser.request().header("x-fc-request-id"), QByteArray("r1"));
        QCOMPARE(parser.request().header("ACCEPT"), QByteArray("a"));
    }

    void pipelinedRequestsStayForTheNextMessage()
    {
        const QByteArray first = "POST /one HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
        const QByteArray second = "GET /two?q HTTP/1.1\r\nHost: h\r\n\r\n";
        const QByteArray third = "GET /thr";
        const QByteArray all = first + second + third;

        RequestParser parser;
        QCOMPARE(parser.feed(all), ParseStatus::Complete);
        QCOMPARE(parser.consumed(), size_t(first.size()));
        QCOMPARE(parser.takeRequest().body, QByteArray("abc"));
        // Without reset() the parser keeps its finished message and takes nothing more.
        QCOMPARE(parser.feed(all.mid(first.size())), ParseStatus::Complete);
        QCOMPARE(parser.consumed(), size_t(0));

        parser.reset();
        QCOMPARE(parser.feed(all.mid(first.size())), ParseStatus::Complete);
        QCOMPARE(parser.consumed(), size_t(second.size()));
        QCOMPARE(parser.request().path, QByteArray("/two"));
        QCOMPARE(parser.request().query, QByteArray("q"));

        parser.reset();
        QCOMPARE(parser.feed(third), ParseStatus::Incomplete);
        QCOMPARE(parser.consumed(), size_t(third.size()));
    }

    void pipelinedRequestsSplitAtEveryByte()
    {
        const QByteArray a =
            "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n";
        const QByteArray b = "GET /b HTTP/1.1\r\n\r\n";
        const QByteArray all = a + b;
        for (qsizetype split = 0; split <= all.size(); ++split) {
            RequestParser parser;
            QList<QByteArray> paths;
            QByteArray pending;
            for (const QByteArray &piece : {all.left(split), all.mid(split)}) {
                pending += piece;
                while (!pending.isEmpty()) {
                    const ParseStatus st = parser.feed(pending);
                    pending.remove(0, qsizetype(parser.consumed()));
                    if (st != ParseStatus::Complete) {
                        QCOMPARE(st, ParseStatus::Incomplete);
                        break;
                    }
                    paths.append(parser.takeRequest().path);
                    parser.reset();
                }
            }
            QCOMPARE(paths, (QList<QByteArray>{"/a", "/b"}));
        }
    }

    void headerBlockAtTheLimitIsAccepted()
    {
        const QByteArray head = "GET / HTTP/1.1\r\n";
        const qsizetype fixed = head.size() + headerPadding(0).size() + 2;
        const QByteArray raw = head + headerPadding(kDefaultMaxHeaderBytes - fixed) + "\r\n";
        QCOMPARE(raw.size(), kDefaultMaxHeaderBytes);
        RequestParser parser;
        QCOMPARE(parser.feed(raw), ParseStatus::Complete);
        QCOMPARE(parser.headerBytes(), kDefaultMaxHeaderBytes);
    }

    void headerBlockOverEightKilobytesIsTooLarge()
    {
        const QByteArray head = "GET / HTTP/1.1\r\n";
        const qsizetype fixed = head.size() + headerPadding(0).size() + 2;
        const QByteArray raw = head + headerPadding(kDefaultMaxHeaderBytes - fixed + 1) + "\r\n";
        RequestParser parser;
        QCOMPARE(parser.feed(raw), ParseStatus::TooLarge);
        QCOMPARE(parser.limitExceeded(), ParseLimit::Headers);
        QVERIFY(!parser.errorString().isEmpty());
    }

    void endlessHeadersAreRefusedWithoutBufferingThem()
    {
        QByteArray raw = "GET / HTTP/1.1\r\n";
        while (raw.size() < 1024 * 1024)
            raw += headerPadding(100);
        RequestParser parser;
        QCOMPARE(parser.feed(raw), ParseStatus::TooLarge);
        QCOMPARE(parser.limitExceeded(), ParseLimit::Headers);
        QVERIFY(parser.consumed() <= size_t(kDefaultMaxHeaderBytes + 1));
        qsizetype kept = 0;
        for (const HttpHeader &h : parser.request().headers)
            kept += h.first.size() + h.second.size();
        QVERIFY(kept <= kDefaultMaxHeaderBytes);
    }

    void declaredBodyOverTheCapIsRefusedBeforeReadingIt()
    {
        const QByteArray head = "POST /invoke HTTP/1.1\r\nContent-Length: 33554433\r\n\r\n";
        RequestParser parser;
        QCOMPARE(parser.feed(QByteArray(head + QByteArray(4096, 'x'))), ParseStatus::TooLarge);
        QCOMPARE(parser.limitExceeded(), ParseLimit::Body);
        QVERIFY(parser.consumed() <= size_t(head.size()));
        QVERIFY(parser.request().body.isEmpty());

        RequestParser atLimit;
        QCOMPARE(atLimit.feed("POST / HTTP/1.1\r\nContent-Length: 33554432\r\n\r\n"),
                 ParseStatus::Incomplete);
    }

    void chunkedBodyOverTheCapStopsAtTheCap()
    {
        RequestParser parser(kDefaultMaxHeaderBytes, 1024);
        QCOMPARE(parser.feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
                 ParseStatus::Incomplete);
        const QByteArray chunk = "200\r\n" + QByteArray(512, 'c') + "\r\n";
        QCOMPARE(parser.feed(chunk), ParseStatus::Incomplete);
        QCOMPARE(parser.feed(chunk), ParseStatus::Incomplete);
        QCOMPARE(parser.feed(QByteArray(chunk + chunk + chunk)), ParseStatus::TooLarge);
        QCOMPARE(parser.limitExceeded(), ParseLimit::Body);
        QVERIFY(parser.request().body.size() <= 1024);
        // A refused parser stays refused.
        QCOMPARE(parser.feed(chunk), ParseStatus::TooLarge);
    }

    void longPathIsMeasuredForTheCaller()
    {
        const QByteArray path = '/' + QByteArray(5000, 'p');
        RequestParser parser;
        QCOMPARE(parser.feed(QByteArray("GET " + path + "?q=1 HTTP/1.1\r\n\r\n")),
                 ParseStatus::Complete);
        QCOMPARE(parser.pathLength(), path.size() + 4);
    }

    void malformedRequestIsBadRequestWithText_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addRow("an unknown method") << QByteArray("G@T / HTTP/1.1\r\n\r\n");
        QTest::addRow("an HTTP version other than 1.x") << QByteArray("GET / HTTP/2.0\r\n\r\n");
        QTest::addRow("no protocol at all") << QByteArray("GET /\r\n\r\n");
        QTest::addRow("an empty header name") << QByteArray("GET / HTTP/1.1\r\n: x\r\n\r\n");
        QTest::addRow("a space inside the target") << QByteArray("GET /a b HTTP/1.1\r\n\r\n");
        QTest::addRow("a space inside a header name")
            << QByteArray("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n");
        QTest::addRow("a Content-Length that is not a number")
            << QByteArray("POST / HTTP/1.1\r\nContent-Length: 12a\r\n\r\n");
        QTest::addRow("two Content-Lengths (request smuggling)")
            << QByteArray("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
        QTest::addRow("Transfer-Encoding with Content-Length after a look-alike (smuggling)")
            << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding-Hint: none\r\n"
                          "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n");
        QTest::addRow("Transfer-Encoding with Content-Length before a look-alike (smuggling)")
            << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                          "Content-Length: 3\r\nTransfer-Encoding-Hint: none\r\n\r\n");
        QTest::addRow("a request Transfer-Encoding other than chunked, beside a look-alike")
            << QByteArray("POST / HTTP/1.1\r\nTransfer-Encodings: x\r\n"
                          "Transfer-Encoding: gzip\r\n\r\n");
        QTest::addRow("a look-alike right after a real Transfer-Encoding (framing unknown)")
            << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                          "Transfer-Encoding-Hint: none\r\n\r\n0\r\n\r\n");
        QTest::addRow("a real Transfer-Encoding that is not last-chunked, after a look-alike")
            << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nHost: h\r\n"
                          "Transfer-Encoding-Hint: none\r\nTransfer-Encoding: gzip\r\n\r\n");
        QTest::addRow("a bad chunk size")
            << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    }

    void malformedRequestIsBadRequestWithText()
    {
        QFETCH(QByteArray, raw);
        RequestParser parser;
        QCOMPARE(parser.feed(raw), ParseStatus::BadRequest);
        QVERIFY2(parser.errorString().contains(u"HPE_"_qs), qPrintable(parser.errorString()));
        QCOMPARE(parser.limitExceeded(), ParseLimit::None);
    }

    // ---- responses ----

    void parseResponse_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("keepAlive");

        QTest::addRow("a response with Content-Length")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") << QByteArray("GET")
            << 200 << QByteArray("ok") << true;
        QTest::addRow("a chunked response is decoded")
            << QByteArray("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "3\r\nnot\r\n6\r\n found\r\n0\r\n\r\n")
            << QByteArray("POST") << 404 << QByteArray("not found") << true;
        QTest::addRow("a response to HEAD has no body despite Content-Length")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n") << QByteArray("HEAD")
            << 200 << QByteArray() << true;
        QTest::addRow("a function's Transfer-Encoding-Hint header is an ordinary header")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding-Hint: none\r\n"
                          "Content-Length: 2\r\n\r\nok")
            << QByteArray("GET") << 200 << QByteArray("ok") << true;
        QTest::addRow("a chunked response with a look-alike header is still decoded")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: y\r\n"
                          "Transfer-Encodings: z\r\n\r\n2\r\nok\r\n0\r\n\r\n")
            << QByteArray("GET") << 200 << QByteArray("ok") << true;
        QTest::addRow("204 has no body") << QByteArray("HTTP/1.1 204 No Content\r\n\r\n")
                                         << QByteArray("GET") << 204 << QByteArray() << true;
        QTest::addRow("Connection: close in a response ends keep-alive")
            << QByteArray("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
            << QByteArray("GET") << 200 << QByteArray() << false;
        QTest::addRow("an HTTP/1.0 response closes by default")
            << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx") << QByteArray("GET")
            << 200 << QByteArray("x") << false;
    }

    void parseResponse()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, method);
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(bool, keepAlive);
        for (qsizetype split = 0; split <= raw.size(); ++split) {
            ResponseParser parser;
            parser.setRequestMethod(method);
            ParseStatus st = parser.feed(raw.left(split));
            if (split < raw.size()) {
                QCOMPARE(st, ParseStatus::Incomplete);
                st = parser.feed(raw.mid(split));
            }
            QCOMPARE(st, ParseStatus::Complete);
            QCOMPARE(parser.response().status, status);
            QCOMPARE(parser.response().body, body);
            QCOMPARE(parser.response().keepAlive, keepAlive);
            QVERIFY(!parser.bodyEndsWithConnection());
        }
    }

    void headResponseLeavesTheNextResponseAlone()
    {
        const QByteArray head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
        const QByteArray next = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
        ResponseParser parser;
        parser.setRequestMethod("HEAD");
        QCOMPARE(parser.feed(QByteArray(head + next)), ParseStatus::Complete);
        QCOMPARE(parser.consumed(), size_t(head.size()));
        QVERIFY(parser.response().body.isEmpty());
        QCOMPARE(parser.response().header("content-length"), QByteArray("10"));

        // Told nothing, the parser takes the next response's first bytes as the body.
        ResponseParser untold;
        QCOMPARE(untold.feed(QByteArray(head + next)), ParseStatus::Complete);
        QCOMPARE(untold.response().body, next.left(10));

        // reset() forgets the HEAD.
        parser.reset();
        QCOMPARE(parser.feed(next), ParseStatus::Complete);
        QCOMPARE(parser.response().body, QByteArray("0123456789"));
    }

    void responseWithoutLengthRunsToEndOfConnection()
    {
        ResponseParser parser;
        QCOMPARE(parser.feed("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome "),
                 ParseStatus::Incomplete);
        QVERIFY(parser.bodyEndsWithConnection());
        QCOMPARE(parser.feed("text"), ParseStatus::Incomplete);
        QCOMPARE(parser.feedEof(), ParseStatus::Complete);
        QCOMPARE(parser.response().body, QByteArray("some text"));
        QVERIFY(!parser.response().keepAlive);
    }

    void responseCutShortIsBadAtEndOfConnection()
    {
        ResponseParser parser;
        QCOMPARE(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"),
                 ParseStatus::Incomplete);
        QCOMPARE(parser.feedEof(), ParseStatus::BadRequest);
        QVERIFY(!parser.errorString().isEmpty());

        ResponseParser empty;
        QCOMPARE(empty.feedEof(), ParseStatus::BadRequest);
    }

    void responseHeadersOverTheLimitAreTooLarge()
    {
        ResponseParser parser;
        QCOMPARE(parser.feed(QByteArray("HTTP/1.1 200 OK\r\n" + headerPadding(9000) + "\r\n")),
                 ParseStatus::TooLarge);
        QCOMPARE(parser.limitExceeded(), ParseLimit::Headers);
    }

    void garbageResponseIsBad()
    {
        ResponseParser parser;
        QCOMPARE(parser.feed("SSH-2.0-OpenSSH_9.2\r\n"), ParseStatus::BadRequest);
        QVERIFY(parser.errorString().contains(u"HPE_"_qs));
    }

    // ---- messages ----

    void headerHelpersIgnoreCase()
    {
        HttpRequest r;
        r.headers = {{"Content-Type", "a"}, {"X-Dup", "1"}, {"x-dup", "2"}};
        QCOMPARE(r.header("content-type"), QByteArray("a"));
        QVERIFY(r.hasHeader("X-DUP"));
        QVERIFY(r.header("missing").isNull());
        QCOMPARE(Headers::values(r.headers, "x-dup"), (QList<QByteArray>{"1", "2"}));
        r.setHeader("X-DUP", "3");
        QCOMPARE(r.headers, (HttpHeaders{{"Content-Type", "a"}, {"X-Dup", "3"}}));
        r.setHeader("New", "n");
        QCOMPARE(r.headers.last(), HttpHeader("New", "n"));
        QCOMPARE(r.removeHeader("CONTENT-TYPE"), qsizetype(1));
        QCOMPARE(r.removeHeader("content-type"), qsizetype(0));
        QCOMPARE(r.headers.size(), 2);
    }

    void requestBytesRoundTrip()
    {
        HttpRequest r;
        r.method = "POST";
        r.setTarget("/invoke", "a=1");
        r.headers = {
            {"Host", "21.0.0.2:9000"}, {"Content-Length", "999"}, {"x-fc-request-id", "r"}};
        r.body = "event";
        const QByteArray bytes = r.toBytes();
        QVERIFY(bytes.startsWith("POST /invoke?a=1 HTTP/1.1\r\nHost: 21.0.0.2:9000\r\n"));
        QVERIFY(bytes.contains("Content-Length: 5\r\n"));
        QVERIFY(!bytes.contains("999"));

        RequestParser parser;
        QCOMPARE(parser.feed(bytes), ParseStatus::Complete);
        QCOMPARE(parser.consumed(), size_t(bytes.size()));
        QCOMPARE(parser.request().body, QByteArray("event"));
        QCOMPARE(parser.request().query, QByteArray("a=1"));
        QCOMPARE(parser.request().header("x-fc-request-id"), QByteArray("r"));

        HttpRequest get;
        QVERIFY(!get.toBytes().contains("Content-Length"));
        get.keepAlive = false;
        QVERIFY(get.toBytes().contains("Connection: close\r\n"));

        HttpRequest chunked = r;
        chunked.setHeader("Transfer-Encoding", "chunked");
        const QByteArray chunkedBytes = chunked.toBytes();
        QVERIFY(!chunkedBytes.contains("Content-Length"));
        RequestParser again;
        QCOMPARE(again.feed(chunkedBytes), ParseStatus::Complete);
        QCOMPARE(again.request().body, QByteArray("event"));
    }

    void responseBytesRoundTrip()
    {
        HttpResponse r;
        r.status = 404;
        r.headers = {{"x-fc-status", "404"}};
        r.body = "missing";
        const QByteArray bytes = r.toBytes();
        QVERIFY(bytes.startsWith("HTTP/1.1 404 Not Found\r\n"));
        ResponseParser parser;
        QCOMPARE(parser.feed(bytes), ParseStatus::Complete);
        QCOMPARE(parser.response().body, QByteArray("missing"));
        QCOMPARE(parser.response().header("X-FC-STATUS"), QByteArray("404"));

        const QByteArray head = r.toBytes(true);
        QVERIFY(head.contains("Content-Length: 7\r\n"));
        QVERIFY(head.endsWith("\r\n\r\n"));

        HttpResponse old;
        old.versionMinor = 0;
        old.headers = {{"Transfer-Encoding", "chunked"}};
        old.body = "abc";
        QCOMPARE(old.toBytes(),
                 QByteArray(
                     "HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc"));

        HttpResponse empty;
        empty.status = 204;
        empty.body = "dropped";
        QCOMPARE(empty.toBytes(), QByteArray("HTTP/1.1 204 No Content\r\n\r\n"));
    }

    void replayableMethodsAreFcs()
    {
        for (const char *m : {"GET", "HEAD", "OPTIONS", "TRACE"})
            QVERIFY(isReplayableMethod(m));
        for (const char *m : {"POST", "PATCH", "PUT", "DELETE"})
            QVERIFY(!isReplayableMethod(m));
    }
};

QTEST_APPLESS_MAIN(TestHttpParser)
#include "TestHttpParser.moc"
