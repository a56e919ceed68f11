// The read-only record endpoints of the local server (`fcemu serve`): /fcemu/invocations with
// and without ?since, /fcemu/har, and the errors; and that LocalServer's routing sends every
// /fcemu/ path there rather than to the function.
#include <QTest>

#include "gateway/LocalServer.h"
#include "gateway/RecordEndpoints.h"

using namespace Fcemu;
using namespace Fcemu::Telemetry;
using namespace Fcemu::Gateway;
using namespace Fcemu::Http;
using ojson = nlohmann::ordered_json;

// QCOMPARE can't take a json (its qfloat16 overload trips over json's conversions): compare the
// serialised forms, which also prints both sides on a failure.
#define QCOMPARE_JSON(actual, expected)                                                            \
    QCOMPARE(QString::fromStdString(ojson(actual).dump()),                                         \
             QString::fromStdString(ojson(expected).dump()))

namespace {

Http::HttpRequest get(const QByteArray &target, const QByteArray &method = "GET")
{
    Http::HttpRequest r;
    r.method = method;
    const qsizetype q = target.indexOf('?');
    r.setTarget(q < 0 ? target : target.left(q), q < 0 ? QByteArray() : target.mid(q + 1));
    return r;
}

InvocationRecord record(const QString &id, bool cold)
{
    InvocationRecord r;
    r.requestId = id;
    r.instanceId = u"c-1"_qs;
    r.kind = u"http"_qs;
    r.coldStart = cold;
    r.client.emplace().method = u"GET"_qs;
    r.client->target = u"/hello"_qs;
    r.body = "hi";
    return r;
}

HarOptions harOptions()
{
    HarOptions o;
    o.baseUrl = u"http://127.0.0.1:8000"_qs;
    o.serviceName = u"svc"_qs;
    o.functionName = u"fn"_qs;
    return o;
}

ojson bodyOf(const Http::HttpResponse &r)
{
    return ojson::parse(r.body.toStdString());
}

} // namespace

class TestRecordEndpoints final : public QObject
{
    Q_OBJECT

    RecordStore *m_store = nullptr;

private slots:
    void init()
    {
        // Capacity 3 with 4 appended: "a" is gone, b, c, d keep serials 2, 3, 4.
        m_store = new RecordStore(3, this);
        m_store->append(record(u"a"_qs, true));
        m_store->append(record(u"b"_qs, false));
        m_store->append(record(u"c"_qs, false));
        m_store->append(record(u"d"_qs, true));
    }
    void cleanup()
    {
        delete m_store;
        m_store = nullptr;
    }

    void invocationsAreReportsOldestFirstWithSerials()
    {
        const auto r = recordEndpointResponse(*m_store, get("/fcemu/invocations"), harOptions());
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), "application/json");
        const ojson list = bodyOf(r);
        QCOMPARE(list.size(), size_t(3));
        QCOMPARE_JSON(list[0]["requestId"], "b");
        QCOMPARE_JSON(list[0]["serial"], 2);
        QCOMPARE_JSON(list[1]["serial"], 3);
        QCOMPARE_JSON(list[2]["requestId"], "d");
        QCOMPARE_JSON(list[2]["serial"], 4);
        QCOMPARE_JSON(list[2]["coldStart"], true);
        // The CONTRACT §1.2 report, field for field, then the serial.
        ojson expected = m_store->at(2).toReport();
        expected["serial"] = 4;
        QCOMPARE_JSON(list[2], expected);
    }

    void sinceGivesTheOnesAfterASerial_data()
    {
        QTest::addColumn<QByteArray>("since");
        QTest::addColumn<QStringList>("ids");
        QTest::addRow("a dropped serial gives every kept record")
            << QByteArray("1") << QStringList{u"b"_qs, u"c"_qs, u"d"_qs};
        QTest::addRow("0 gives every kept record")
            << QByteArray("0") << QStringList{u"b"_qs, u"c"_qs, u"d"_qs};
        QTest::addRow("a kept serial gives the newer ones")
            << QByteArray("2") << QStringList{u"c"_qs, u"d"_qs};
        QTest::addRow("the newest serial gives none") << QByteArray("4") << QStringList{};
        QTest::addRow("a future serial gives none") << QByteArray("99") << QStringList{};
    }
    void sinceGivesTheOnesAfterASerial()
    {
        QFETCH(QByteArray, since);
        QFETCH(QStringList, ids);
        const auto r = recordEndpointResponse(*m_store, get("/fcemu/invocations?since=" + since),
                                              harOptions());
        QCOMPARE(r.status, 200);
        QStringList got;
        for (const auto &report : bodyOf(r))
            got << QString::fromStdString(report["requestId"].get<std::string>());
        QCOMPARE(got, ids);
    }

    void harIsTheSession()
    {
        const auto r = recordEndpointResponse(*m_store, get("/fcemu/har"), harOptions());
        QCOMPARE(r.status, 200);
        const ojson har = bodyOf(r);
        QCOMPARE_JSON(har["log"]["version"], "1.2");
        QCOMPARE(har["log"]["entries"].size(), size_t(3));
        QCOMPARE_JSON(har["log"]["entries"][0]["_fc"]["requestId"], "b");
        QCOMPARE_JSON(har["log"]["entries"][0]["request"]["url"],
                      "http://127.0.0.1:8000/2016-08-15/proxy/svc/fn/hello");
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addRow("an unknown path is 404")
            << QByteArray("GET") << QByteArray("/fcemu/nope") << 404 << u"NotFound"_qs;
        QTest::addRow("the endpoints are read-only")
            << QByteArray("POST") << QByteArray("/fcemu/invocations") << 405
            << u"MethodNotAllowed"_qs;
        QTest::addRow("since must be a number")
            << QByteArray("GET") << QByteArray("/fcemu/invocations?since=x") << 400
            << u"InvalidArgument"_qs;
    }
    void errors()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QFETCH(int, status);
        QFETCH(QString, code);
        const auto r = recordEndpointResponse(*m_store, get(target, method), harOptions());
        QCOMPARE(r.status, status);
        QCOMPARE(QString::fromStdString(bodyOf(r)["Code"].get<std::string>()), code);
    }

    void localServerRoutesTheEmulatorPrefixHere()
    {
        const Gateway::Route local = Gateway::routeRequest(get("/fcemu/har?since=3"), u"fn"_qs);
        QCOMPARE(local.kind, Gateway::Route::Kind::Local);
        QCOMPARE(local.forwarded.path, QByteArray("/fcemu/har"));
        QCOMPARE(local.forwarded.query, QByteArray("since=3"));
        // Paths that only look alike still go to the function.
        QCOMPARE(Gateway::routeRequest(get("/fcemu"), u"fn"_qs).kind, Gateway::Route::Kind::Http);
        QCOMPARE(Gateway::routeRequest(get("/x/fcemu/har"), u"fn"_qs).kind,
                 Gateway::Route::Kind::Http);
    }
};

QTEST_GUILESS_MAIN(TestRecordEndpoints)
#include "TestRecordEndpoints.moc"
