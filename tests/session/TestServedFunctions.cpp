// Several functions behind one endpoint (emulator/session/ServedFunctions, gateway/Routing): the
// two functions of one s.yaml, each with its own image, options and instance pool, with the
// real sandbox. FC3 paths find a function by name, FC2 paths by service and name, the HTTP
// trigger by its proxy path; the management calls list both; each function's instance limit
// is its own; the records name their function.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "config/ConfigFile.h"
#include "config/ConfigImages.h"
#include "gateway/Routing.h"
#include "runtime/FunctionImage.h"
#include "session/ServedFunctions.h"
#include "SandboxTestSupport.h"

using namespace Fcemu;

namespace {

struct Reply
{
    int status = 0;
    QByteArray body;
    QByteArray header(const char *name) const { return headers.value(QByteArray(name).toLower()); }
    QHash<QByteArray, QByteArray> headers;
};

} // namespace

class TestServedFunctions final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_yaml;
    QNetworkAccessManager m_http;

    static QString sample(const QString &name)
    {
        return qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") + u"/resources/samples/"_qs + name;
    }

    Reply call(const QByteArray &method, const QString &url, const QByteArray &body = {},
               const QList<std::pair<QByteArray, QByteArray>> &headers = {})
    {
        QNetworkRequest request{QUrl(url)};
        for (const auto &[name, value] : headers)
            request.setRawHeader(name, value);
        QNetworkReply *reply = m_http.sendCustomRequest(request, method, body);
        QSignalSpy done(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            done.wait(60000);
        Reply r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        for (const auto &[name, value] : reply->rawHeaderPairs())
            r.headers.insert(name.toLower(), value);
        reply->deleteLater();
        return r;
    }

    // The two functions of the s.yaml, each with its own image prepared into the test's cache.
    QList<Session::ServedFunctionSpec> specs()
    {
        QList<Session::ServedFunctionSpec> result;
        auto images = Config::listConfigImages(m_yaml);
        if (!images) {
            qWarning("%s", qPrintable(images.error().message));
            return result;
        }
        Runtime::PrepareOptions options;
        options.cacheDirectory = m_dir.filePath(u"cache"_qs);
        for (const Config::ConfigFunctionImage &f : *images) {
            auto config = Config::loadConfigFile(m_yaml, f.functionName);
            if (!config) {
                qWarning("%s", qPrintable(config.error().message));
                return {};
            }
            auto image = Runtime::prepareImage(f.image, *config, options);
            if (!image) {
                qWarning("%s", qPrintable(image.error().message));
                return {};
            }
            result.append({f.image, *config, *image});
        }
        return result;
    }

private slots:
    void initTestCase()
    {
        FCEMU_REQUIRE_SANDBOX();
        QVERIFY(m_dir.isValid());
        // The job image sits beside the s.yaml and is named relative to it, as `s deploy`
        // would read a path; the web image by its absolute path.
        QVERIFY(QFile::copy(sample(u"fc-sample-job.tar"_qs), m_dir.filePath(u"job.tar"_qs)));
        m_yaml = m_dir.filePath(u"s.yaml"_qs);
        QFile file(m_yaml);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral(R"(edition: 3.0.0
name: two-functions
vars:
  region: cn-hangzhou
  fcemu:
    back:
      webServerMode: false
      maxInstances: 2
resources:
  front:
    component: fc3
    props:
      region: ${vars.region}
      functionName: front
      runtime: custom-container
      memorySize: 256
      instanceConcurrency: 1
      environmentVariables:
        ROLE: front
      customContainerConfig:
        image: %1
        port: 9000
  back:
    component: fc3
    props:
      region: ${vars.region}
      functionName: back
      runtime: custom-container
      memorySize: 128
      environmentVariables:
        ROLE: back
      customContainerConfig:
        image: ./job.tar
)")
                       .arg(sample(u"fc-sample-web.tar"_qs))
                       .toUtf8());
        file.close();
    }

    void listsEachFunctionWithItsImage()
    {
        auto images = Config::listConfigImages(m_yaml);
        QVERIFY2(images, images ? "" : qPrintable(images.error().message));
        QCOMPARE(images->size(), 2);
        QCOMPARE(images->at(0).functionName, u"front"_qs);
        QCOMPARE(images->at(0).image, sample(u"fc-sample-web.tar"_qs));
        QCOMPARE(images->at(1).functionName, u"back"_qs);
        QCOMPARE(images->at(1).image, QDir::cleanPath(m_dir.filePath(u"job.tar"_qs)));
    }

    void servesBothFunctionsBehindOneEndpoint()
    {
        auto all = specs();
        QCOMPARE(all.size(), 2);
        // One front instance (maxInstances 1): the limit is front's alone.
        all[0].config.maxInstances = 1;
        Session::ServedFunctions served(all);
        QVERIFY(served.start(QHostAddress::LocalHost, 0));
        const QString url = served.baseUrl();
        QVERIFY(url.startsWith(u"http://127.0.0.1:"_qs));

        // FC3 InvokeFunction by name: front (web-server mode) echoes the event.
        Reply r = call("POST", url + Gateway::fc3InvokePath(u"front"_qs), "to front");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("to front"));

        // FC2 InvokeFunction of back (a job): it prints its event and its own environment.
        r = call("POST", url + Gateway::fc2InvokePath(u"fcemu-service"_qs, u"back"_qs),
                 R"({"to":"back"})", {{"X-Fc-Log-Type", "Tail"}});
        QCOMPARE(r.status, 200);
        const QByteArray log = QByteArray::fromBase64(r.header("x-fc-log-result"));
        QVERIFY2(log.contains(R"(event: {"to":"back"})"), log.constData());
        QVERIFY2(log.contains("ROLE=back"), log.constData());
        QVERIFY2(log.contains("FC_FUNCTION_NAME=back"), log.constData());

        // The HTTP trigger by its proxy path: front sees the rest of the path and its own
        // environment; back (not in web-server mode) refuses HTTP as FC does.
        r = call("GET", url + Gateway::httpTriggerPath(u"fcemu-service"_qs, u"front"_qs,
                                                       u"/hello?x=1"_qs));
        QCOMPARE(r.status, 200);
        const QJsonObject seen = QJsonDocument::fromJson(r.body).object();
        QCOMPARE(seen.value(u"path"_qs).toString(), u"/hello"_qs);
        r = call("GET", url + Gateway::httpTriggerPath(u"fcemu-service"_qs, u"back"_qs, u"/"_qs));
        QCOMPARE(r.status, 400);
        QVERIFY(r.body.contains("not in web-server mode"));

        // The management calls answer for both, each from its own configuration.
        r = call("GET", url + u"/2023-03-30/functions"_qs);
        QCOMPARE(r.status, 200);
        const QJsonArray functions =
            QJsonDocument::fromJson(r.body).object().value(u"functions"_qs).toArray();
        QCOMPARE(functions.size(), 2);
        QCOMPARE(functions[0].toObject().value(u"functionName"_qs).toString(), u"front"_qs);
        QCOMPARE(functions[0].toObject().value(u"memorySize"_qs).toInt(), 256);
        QCOMPARE(functions[1].toObject().value(u"functionName"_qs).toString(), u"back"_qs);
        QCOMPARE(functions[1].toObject().value(u"memorySize"_qs).toInt(), 128);
        // Each names its own image: the file it was given, and by digest (resolvedImageUri).
        const QJsonObject frontImage =
            functions[0].toObject().value(u"customContainerConfig"_qs).toObject();
        QCOMPARE(frontImage.value(u"image"_qs).toString(), sample(u"fc-sample-web.tar"_qs));
        QVERIFY2(frontImage.value(u"resolvedImageUri"_qs)
                     .toString()
                     .startsWith(sample(u"fc-sample-web.tar"_qs) + u"@sha256:"_qs),
                 qPrintable(frontImage.value(u"resolvedImageUri"_qs).toString()));
        r = call("GET", url + u"/2016-08-15/services/fcemu-service/functions/back"_qs);
        QCOMPARE(r.status, 200);
        const QJsonObject back = QJsonDocument::fromJson(r.body).object();
        QCOMPARE(back.value(u"memorySize"_qs).toInt(), 128);
        QCOMPARE(back.value(u"customContainerConfig"_qs).toObject().value(u"image"_qs).toString(),
                 QDir::cleanPath(m_dir.filePath(u"job.tar"_qs)));
        r = call("GET", url + u"/2023-03-30/functions/third"_qs);
        QCOMPARE(r.status, 404);
        QVERIFY(r.body.contains("FunctionNotFound"));

        // Per-function limits: while front's one instance is busy, a second call to front is
        // throttled, and back still runs.
        QNetworkRequest slow{QUrl(url + Gateway::fc3InvokePath(u"front"_qs))};
        QNetworkReply *busy = m_http.post(slow, QByteArray(R"({"x-sample-action":"sleep=3000"})"));
        QTest::qWait(500); // the slow call is in front's one instance now
        r = call("POST", url + Gateway::fc3InvokePath(u"front"_qs), "second");
        QCOMPARE(r.status, 429);
        r = call("POST", url + Gateway::fc3InvokePath(u"back"_qs), "{}");
        QCOMPARE(r.status, 200);
        QSignalSpy slowDone(busy, &QNetworkReply::finished);
        QVERIFY(busy->isFinished() || slowDone.wait(30000));
        QCOMPARE(busy->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        busy->deleteLater();

        // Every record knows its function; ?function= keeps one function's.
        r = call("GET", url + u"/fcemu/invocations"_qs);
        QCOMPARE(r.status, 200);
        const QJsonArray reports = QJsonDocument::fromJson(r.body).array();
        QStringList owners;
        for (const QJsonValue &report : reports)
            owners << report.toObject().value(u"functionName"_qs).toString();
        QVERIFY2(owners.contains(u"front"_qs) && owners.contains(u"back"_qs),
                 qPrintable(owners.join(u',')));
        for (int row = 0; row < served.records().size(); ++row)
            QCOMPARE(owners.value(row), served.function(served.functionOfRecord(row)).config.name);
        r = call("GET", url + u"/fcemu/invocations?function=back"_qs);
        const QJsonArray backOnly = QJsonDocument::fromJson(r.body).array();
        QCOMPARE(backOnly.size(), int(owners.count(u"back"_qs)));

        bool stopped = false;
        served.stop([&]() { stopped = true; });
        QTRY_VERIFY_WITH_TIMEOUT(stopped, 30000);
    }

    void refusesTwoFunctionsOfTheSameName()
    {
        Config::FunctionConfig a;
        a.name = u"same"_qs;
        Config::FunctionConfig b = a;
        b.memoryMB = 1024;
        const Status twice = Session::ServedFunctions::checkNames({a, b});
        QVERIFY(!twice);
        QVERIFY(twice.error().message.contains(u"'same'"_qs));
        b.serviceName = u"other"_qs; // FC2 tells them apart by service
        QVERIFY(Session::ServedFunctions::checkNames({a, b}));
    }
};

QTEST_GUILESS_MAIN(TestServedFunctions)
#include "TestServedFunctions.moc"
