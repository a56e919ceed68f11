// gateway/Routing with several functions behind one endpoint (`fcemu serve --config s.yaml`):
// pure, no sockets. FC3 paths by function name, FC2 paths by service and function name (two
// services may each have a function of the same name), the proxy path by both, every other
// path to the first function; the List* calls name every function, the errors every name.
#include <QTest>

#include "config/FunctionConfig.h"
#include "gateway/ManagementCalls.h"
#include "gateway/Routing.h"

#include <nlohmann/json.hpp>

using namespace Fcemu;
using namespace Fcemu::Gateway;

namespace {

Http::HttpRequest request(const QByteArray &method, const QByteArray &target)
{
    Http::HttpRequest r;
    r.method = method;
    const qsizetype q = target.indexOf('?');
    r.setTarget(q < 0 ? target : target.left(q), q < 0 ? QByteArray() : target.mid(q + 1));
    return r;
}

// a/web, a/job, b/web: "web" in two FC2 services.
const QList<ServedName> kServed{{u"a"_qs, u"web"_qs}, {u"a"_qs, u"job"_qs}, {u"b"_qs, u"web"_qs}};

} // namespace

class TestRouting final : public QObject
{
    Q_OBJECT

private slots:
    void routesEachPathToItsFunction_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("function");
        QTest::addColumn<QByteArray>("forwardedPath");

        const int event = int(Route::Kind::Event);
        const int http = int(Route::Kind::Http);
        QTest::newRow("fc3 job") << QByteArray("POST")
                                 << QByteArray("/2023-03-30/functions/job/invocations") << event
                                 << 1 << QByteArray("/2023-03-30/functions/job/invocations");
        QTest::newRow("fc3 web: the first of the name")
            << QByteArray("POST") << QByteArray("/2023-03-30/functions/web/invocations") << event
            << 0 << QByteArray("/2023-03-30/functions/web/invocations");
        QTest::newRow("fc2 b/web")
            << QByteArray("POST") << QByteArray("/2016-08-15/services/b/functions/web/invocations")
            << event << 2 << QByteArray("/2016-08-15/services/b/functions/web/invocations");
        QTest::newRow("fc2 a/job")
            << QByteArray("POST") << QByteArray("/2016-08-15/services/a/functions/job/invocations")
            << event << 1 << QByteArray("/2016-08-15/services/a/functions/job/invocations");
        QTest::newRow("proxy b/web")
            << QByteArray("GET") << QByteArray("/2016-08-15/proxy/b/web/x/y?q=1") << http << 2
            << QByteArray("/x/y");
        QTest::newRow("proxy a.LATEST/web")
            << QByteArray("GET") << QByteArray("/2016-08-15/proxy/a.LATEST/web/") << http << 0
            << QByteArray("/");
        QTest::newRow("other path: the first function")
            << QByteArray("GET") << QByteArray("/hello") << http << 0 << QByteArray("/hello");
    }

    void routesEachPathToItsFunction()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QFETCH(int, kind);
        QFETCH(int, function);
        QFETCH(QByteArray, forwardedPath);
        const Route route = routeRequest(request(method, target), kServed);
        QCOMPARE(int(route.kind), kind);
        QCOMPARE(route.function, function);
        QCOMPARE(route.forwarded.path, forwardedPath);
    }

    void namesAreCheckedPerService()
    {
        // job is in a, not in b.
        Route r = routeRequest(request("POST", "/2016-08-15/services/b/functions/job/invocations"),
                               kServed);
        QCOMPARE(r.kind, Route::Kind::Error);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.code, u"FunctionNotFound"_qs);
        QVERIFY2(r.message.contains(u"in service 'b'"_qs) && r.message.contains(u"'a/job'"_qs),
                 qPrintable(r.message));
        r = routeRequest(request("GET", "/2016-08-15/proxy/c/web/"), kServed);
        QCOMPARE(r.code, u"ServiceNotFound"_qs);
        QVERIFY2(r.message.contains(u"'a', 'b'"_qs), qPrintable(r.message));
        r = routeRequest(request("POST", "/2023-03-30/functions/nope/invocations"), kServed);
        QCOMPARE(r.code, u"FunctionNotFound"_qs);
        QVERIFY2(r.message.contains(u"'web', 'job'"_qs), qPrintable(r.message));
    }

    void listCallsNameEveryFunction()
    {
        Route r = routeRequest(request("GET", "/2016-08-15/services"), kServed);
        QCOMPARE(r.call, u"ListServices"_qs);
        QCOMPARE(r.functions, (QList<int>{0, 2})); // one per service
        r = routeRequest(request("GET", "/2016-08-15/services/a/functions"), kServed);
        QCOMPARE(r.call, u"ListFunctions"_qs);
        QCOMPARE(r.functions, (QList<int>{0, 1}));
        r = routeRequest(request("GET", "/2016-08-15/services/b"), kServed);
        QCOMPARE(r.call, u"GetService"_qs);
        QCOMPARE(r.function, 2);
        r = routeRequest(request("GET", "/2023-03-30/functions"), kServed);
        QCOMPARE(r.functions, (QList<int>{0, 1})); // FC3 names are unique: b/web is hidden

        // The reply describes each listed function from its own configuration.
        QList<Config::FunctionConfig> configs(3);
        for (int i = 0; i < 3; ++i) {
            configs[i].serviceName = kServed[i].serviceName;
            configs[i].name = kServed[i].functionName;
            configs[i].memoryMB = 128 * (i + 1);
        }
        QList<ManagedFunction> managed;
        for (const Config::FunctionConfig &c : configs)
            managed.append({&c, QByteArray("1"), {}, {}});
        r = routeRequest(request("GET", "/2016-08-15/services/a/functions"), kServed);
        auto body =
            nlohmann::json::parse(managementResponse(r, managed, u"id"_qs).body.toStdString());
        QCOMPARE(int(body["functions"].size()), 2);
        QVERIFY(body["functions"][1]["functionName"] == "job");
        QCOMPARE(body["functions"][1]["memorySize"].get<int>(), 256);
        r = routeRequest(request("GET", "/2016-08-15/services/b/functions/web"), kServed);
        body = nlohmann::json::parse(managementResponse(r, managed, u"id"_qs).body.toStdString());
        QCOMPARE(body["memorySize"].get<int>(), 384);
    }
};

QTEST_GUILESS_MAIN(TestRouting)
#include "TestRouting.moc"
