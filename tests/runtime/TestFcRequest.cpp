// FC's request path without a sandbox: the requests built for a container (the common x-fc-*
// headers, built once or per request, with the same result), what a client may not pass to the
// function, and which of the function's reply headers FC drops.
#include <QTest>

#include "runtime/FcRequest.h"

using namespace Fcemu;
using namespace Fcemu::Runtime;
using Http::HttpHeaders;

class TestFcRequest final : public QObject
{
    Q_OBJECT

    static Config::FunctionConfig config()
    {
        Config::FunctionConfig c;
        c.name = u"fn"_qs;
        c.memoryMB = 256;
        return c;
    }

private slots:
    void cachedHeadersEqualFreshOnes()
    {
        const Config::FunctionConfig c = config();
        const CommonHeaderCache cache(c);
        for (const QByteArray &path : {QByteArray(kInvokePath), QByteArray(kHttpInvokePath)}) {
            const HttpHeaders fresh = commonHeaders(c, u"1-abc"_qs, path);
            QCOMPARE(cache.headers(u"1-abc"_qs, path), fresh);
            HttpHeaders appended = {{"Accept", "*/*"}};
            cache.appendTo(appended, u"1-abc"_qs, path);
            QCOMPARE(appended.size(), fresh.size() + 1);
            QCOMPARE(appended.mid(1), fresh);
        }
        const HttpHeaders h = cache.headers(u"1-xyz"_qs, kInvokePath);
        QCOMPARE(Http::Headers::value(h, "x-fc-request-id"), QByteArray("1-xyz"));
        QCOMPARE(Http::Headers::value(h, "x-fc-control-path"), QByteArray("/invoke"));
        QCOMPARE(Http::Headers::value(h, "x-fc-function-memory"), QByteArray("256"));
    }

    void eventRequestCarriesTheEvent()
    {
        const Config::FunctionConfig c = config();
        const CommonHeaderCache cache(c);
        for (const CommonHeaderCache *with :
             {static_cast<const CommonHeaderCache *>(nullptr), &cache}) {
            const Http::HttpRequest r = eventRequest(c, u"1-abc"_qs, "{\"k\":1}", with);
            QCOMPARE(r.method, QByteArray("POST"));
            QCOMPARE(r.target, QByteArray("/invoke"));
            QCOMPARE(r.header("content-type"), QByteArray("application/octet-stream"));
            QCOMPARE(r.header("x-fc-request-id"), QByteArray("1-abc"));
            QCOMPARE(r.body, QByteArray("{\"k\":1}"));
        }
    }

    void httpRequestDropsWhatAClientMayNotSend()
    {
        const Config::FunctionConfig c = config();
        const CommonHeaderCache cache(c);
        Http::HttpRequest client;
        client.method = "PUT";
        client.setTarget("/a/b", "x=1");
        client.headers = {{"Host", "127.0.0.1:8000"},       {"X-Fc-Request-Id", "forged"},
                          {"x-FC-access-key-id", "forged"}, {"CONNECTION", "keep-alive"},
                          {"Keep-Alive", "timeout=5"},      {"Content-Length", "2"},
                          {"Transfer-Encoding", "chunked"}, {"Accept", "text/plain"},
                          {"X-Fcx", "kept: not x-fc-"},     {"Cookie", "a=1"}};
        client.body = "hi";
        for (const CommonHeaderCache *with :
             {static_cast<const CommonHeaderCache *>(nullptr), &cache}) {
            const Http::HttpRequest r = httpRequest(c, u"1-abc"_qs, client, with);
            QCOMPARE(r.method, QByteArray("PUT"));
            QCOMPARE(r.target, QByteArray("/a/b?x=1"));
            QCOMPARE(r.body, QByteArray("hi"));
            // The client's own headers first, in order; then FC's.
            QCOMPARE(r.headers.mid(0, 3), (HttpHeaders{{"Accept", "text/plain"},
                                                       {"X-Fcx", "kept: not x-fc-"},
                                                       {"Cookie", "a=1"}}));
            QCOMPARE(r.headers.mid(3), commonHeaders(c, u"1-abc"_qs, kHttpInvokePath));
        }
    }

    void forbiddenResponseHeaders_data()
    {
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<bool>("forbidden");
        QTest::newRow("x-fc-*") << QByteArray("X-Fc-Instance-Id") << QByteArray("c-1") << true;
        QTest::newRow("x-fc-status kept")
            << QByteArray("X-FC-STATUS") << QByteArray("404") << false;
        QTest::newRow("connection") << QByteArray("Connection") << QByteArray("close") << true;
        QTest::newRow("content-length") << QByteArray("content-LENGTH") << QByteArray("2") << true;
        QTest::newRow("date") << QByteArray("Date") << QByteArray("x") << true;
        QTest::newRow("keep-alive") << QByteArray("Keep-Alive") << QByteArray("x") << true;
        QTest::newRow("server") << QByteArray("Server") << QByteArray("x") << true;
        QTest::newRow("transfer-encoding")
            << QByteArray("Transfer-Encoding") << QByteArray("x") << true;
        QTest::newRow("attachment")
            << QByteArray("Content-Disposition") << QByteArray("ATTACHMENT; filename=a") << true;
        QTest::newRow("inline") << QByteArray("Content-Disposition") << QByteArray("inline")
                                << false;
        QTest::newRow("servers") << QByteArray("Servers") << QByteArray("x") << false;
        QTest::newRow("x-fc") << QByteArray("X-Fc") << QByteArray("x") << false;
        QTest::newRow("content-type")
            << QByteArray("Content-Type") << QByteArray("text/plain") << false;
    }

    void forbiddenResponseHeaders()
    {
        QFETCH(QByteArray, name);
        QFETCH(QByteArray, value);
        QFETCH(bool, forbidden);
        QCOMPARE(isForbiddenResponseHeader(name, value), forbidden);
    }

    void reasonPhrases()
    {
        QCOMPARE(Http::reasonPhrase(200), QByteArray("OK"));
        QCOMPARE(Http::reasonPhrase(404), QByteArray("Not Found"));
        QCOMPARE(Http::reasonPhrase(599), QByteArray("Unknown"));
        QCOMPARE(Http::reasonPhrase(42), QByteArray("Unknown"));
    }
};

QTEST_GUILESS_MAIN(TestFcRequest)
#include "TestFcRequest.moc"
