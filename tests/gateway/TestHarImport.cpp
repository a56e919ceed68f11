// HAR import (issue 13 item 5): fcemu's own export read back into the records it was written
// from, every field Har.h writes compared (records → HAR → records → HAR is the same file);
// browser HAR (Chrome's and Firefox's shapes, written here) read as HTTP-only records; and bad
// input refused with one line naming the file and the JSON path.
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include "billing/Billing.h"
#include "billing/PriceTable.h"
#include "gateway/Har.h"
#include "HarFixtures.h"
#include "gateway/HarImport.h"

using namespace Fcemu;
using namespace Fcemu::Telemetry;
using namespace Fcemu::Gateway;

namespace {

const QByteArray kBinary = QByteArray::fromHex("89504e470d0a1a0a0000ff00");

void price(InvocationRecord &r, Billing::Model model, double pullMs, bool cached)
{
    r.billingUsage.memoryMB = r.memorySizeMB;
    r.billingUsage.vcpu = 0.35;
    r.billingUsage.diskMB = 512;
    r.billingUsage.durationMs = r.timings.invokeMs;
    r.billingUsage.pullMs = pullMs;
    r.billingUsage.imageCached = cached;
    r.billingOptions.model = model;
    r.billingOptions.withWorking = false; // as on the request path: worked out for the HAR
    r.billing = Billing::charge(r.billingUsage, r.billingOptions, Billing::PriceTable::builtIn());
}

// A cold HTTP trigger call: credentials, cookies, a query, a text request and a binary reply.
InvocationRecord coldHttp()
{
    InvocationRecord r;
    r.requestId = u"1-6603951e-157f3f32-7fe6f248d7d0"_qs;
    r.instanceId = u"c-6603951e-15f440b6-2df37e4bf046"_qs;
    r.kind = u"http"_qs;
    r.coldStart = true;
    r.startedAt = QDateTime(QDate(2026, 3, 27), QTime(10, 11, 12, 345), QTimeZone::utc());
    ClientRequest &client = r.client.emplace();
    client.method = u"POST"_qs;
    client.target = u"/upload/a%2Fb?name=a%20b&x=1&y"_qs;
    client.headers = {{"Content-Type", "text/plain"},
                      {"Cookie", "session=abc; theme=dark"},
                      {"X-Fc-Access-Key-Secret", "client-secret"},
                      {"X-Empty", ""}};
    client.body = "hello é";
    r.statusCode = 201;
    r.responseHeaders = {{"X-Fc-Request-Id", r.requestId.toUtf8()},
                         {"Content-Type", "image/png"},
                         {"Set-Cookie", "id=42; Path=/; HttpOnly"},
                         {"Set-Cookie", "b=2"}};
    r.body = kBinary;
    r.requestHeaders = {{"x-fc-request-id", r.requestId.toUtf8()},
                        {"x-fc-access-key-secret", "container-secret"},
                        {"content-type", "text/plain"}};
    r.logs = {u"FC Invoke Start RequestId: "_qs + r.requestId, u"got hello ✓"_qs, QString()};
    r.timings.queueMs = 0.5;
    r.timings.pullMs = 120.25;
    r.timings.unpackMs = 80.5;
    r.timings.sandboxMs = 30.125;
    r.timings.startupMs = 200;
    r.timings.initializeMs = 12.5;
    r.timings.invokeMs = 7.5;
    r.timings.sendMs = 0.25;
    r.timings.waitMs = 7;
    r.timings.receiveMs = 0.25;
    r.timings.preFreezeMs = 1.5;
    r.timings.totalMs = 452.875;
    r.memorySizeMB = 1024;
    r.maxUsedMB = 13.25;
    r.memoryAccounting = u"cgroup-v1"_qs;
    price(r, Billing::Model::Fc2, 120.25, false);
    return r;
}

// A warm asynchronous event on FC2's path that timed out, priced in fc3 (CU, working lines kept).
InvocationRecord warmFc3Timeout()
{
    InvocationRecord r;
    r.requestId = u"1-6603951f-00000001-000000000002"_qs;
    r.kind = u"event"_qs;
    r.coldStart = false;
    r.startedAt = QDateTime(QDate(2026, 3, 27), QTime(10, 11, 13, 5), QTimeZone::utc());
    ClientRequest &client = r.client.emplace();
    client.target = u"/2016-08-15/services/svc/functions/fn/invocations"_qs;
    client.body = R"({"key":"value"})";
    client.async = true;
    r.body = R"({"errorMessage":"Function timed out after 3 seconds"})";
    r.error = InvocationError{u"FunctionTimeoutError"_qs, u"Function timed out after 3 seconds"_qs};
    r.timings.queueMs = 0.1;
    r.timings.invokeMs = 3000;
    r.timings.waitMs = 3000;
    r.timings.totalMs = 3000.1;
    r.memorySizeMB = 512;
    r.maxUsedMB = 40.5;
    price(r, Billing::Model::Fc3, 0, true);
    r.billing.working = r.billingWorking(); // a record that keeps its lines
    return r;
}

// The error's message, or "" (QVERIFY2 evaluates its message whether or not it fails).
QString messageOf(const Result<ImportedHar> &result)
{
    return result ? QString() : result.error().message;
}

HarOptions options(bool secrets)
{
    HarOptions o;
    o.includeSecrets = secrets;
    o.baseUrl = u"http://127.0.0.1:8000"_qs;
    o.serviceName = u"my svc"_qs; // percent-encoded in the trigger path
    o.functionName = u"fn"_qs;
    o.creatorVersion = u"9.8.7"_qs;
    return o;
}

QByteArray exported(const QList<InvocationRecord> &records, bool secrets)
{
    QList<const InvocationRecord *> pointers;
    for (const InvocationRecord &r : records)
        pointers.append(&r);
    return QByteArray::fromStdString(harDocument(pointers, options(secrets)).dump(2));
}

} // namespace

class TestHarImport final : public QObject
{
    Q_OBJECT

private slots:
    // Every field Har.h writes comes back as it was recorded.
    void fcemuExportRoundTripsEveryField()
    {
        const QList<InvocationRecord> original{coldHttp(), warmFc3Timeout()};
        const auto imported = parseHar(exported(original, true), u"session.har"_qs);
        QVERIFY2(imported, qPrintable(messageOf(imported)));
        QCOMPARE(imported->creatorName, u"fcemu"_qs);
        QCOMPARE(imported->creatorVersion, u"9.8.7"_qs);
        QCOMPARE(imported->runs.size(), 2);
        for (qsizetype i = 0; i < original.size(); ++i) {
            const InvocationRecord &a = original[i];
            const InvocationRecord &b = imported->runs[i].record;
            QVERIFY(imported->runs[i].hasPlatformData);
            QCOMPARE(b.requestId, a.requestId);
            QCOMPARE(b.instanceId, a.instanceId);
            QCOMPARE(b.kind, a.kind);
            QCOMPARE(b.coldStart, a.coldStart);
            QCOMPARE(b.startedAt, a.startedAt);
            QCOMPARE(b.startedAt.toMSecsSinceEpoch(), a.startedAt.toMSecsSinceEpoch());
            QVERIFY(b.client);
            QCOMPARE(b.client->method, a.client->method);
            QCOMPARE(b.client->target, a.client->target);
            QCOMPARE(b.client->headers, a.client->headers);
            QCOMPARE(b.client->body, a.client->body);
            QCOMPARE(b.client->async, a.client->async);
            QCOMPARE(b.statusCode, a.statusCode);
            QCOMPARE(b.responseHeaders, a.responseHeaders);
            QCOMPARE(b.body, a.body);
            QCOMPARE(b.error.has_value(), a.error.has_value());
            if (a.error) {
                QCOMPARE(b.error->code, a.error->code);
                QCOMPARE(b.error->message, a.error->message);
            }
            QCOMPARE(b.requestHeaders, a.requestHeaders);
            QCOMPARE(b.logs, a.logs);
            for (const PhaseField &phase : kPhases)
                QVERIFY2(b.timings.*phase.ms == a.timings.*phase.ms, phase.key.data());
            QCOMPARE(b.timings.totalMs, a.timings.totalMs);
            QCOMPARE(b.memorySizeMB, a.memorySizeMB);
            QCOMPARE(b.maxUsedMB, a.maxUsedMB);
            QCOMPARE(b.memoryAccounting, a.memoryAccounting);
            QCOMPARE(b.billing.model, a.billing.model);
            QCOMPARE(b.billing.billedDurationMs, a.billing.billedDurationMs);
            QCOMPARE(b.billing.gbSeconds, a.billing.gbSeconds);
            QCOMPARE(b.billing.imagePullGbSeconds, a.billing.imagePullGbSeconds);
            QCOMPARE(b.billing.cu.has_value(), a.billing.cu.has_value());
            if (a.billing.cu)
                QCOMPARE(*b.billing.cu, *a.billing.cu);
            QCOMPARE(b.billing.cost, a.billing.cost); // exact to the pico-unit, and the currency
            QCOMPARE(b.billingWorking(), a.billingWorking());
            QVERIFY(!b.billingWorking().isEmpty());
        }
        QVERIFY(imported->runs[1].record.billing.cu.has_value()); // the fc3 row has CU
        QVERIFY(!imported->runs[0].record.billing.cost.isZero());
        // And everything at once: written again, the import is the same file.
        QList<InvocationRecord> again;
        for (const HarRun &run : imported->runs)
            again.append(run.record);
        QCOMPARE(QString::fromUtf8(exported(again, true)),
                 QString::fromUtf8(exported(original, true)));
        QCOMPARE(QString::fromUtf8(exported(again, false)),
                 QString::fromUtf8(exported(original, false)));
    }

    // A redacted export stays redacted: the import cannot know the secret and does not pretend.
    void redactedCredentialsComeBackRedacted()
    {
        const auto imported = parseHar(exported({coldHttp()}, false), u"s.har"_qs);
        QVERIFY2(imported, qPrintable(messageOf(imported)));
        const InvocationRecord &r = imported->runs[0].record;
        QCOMPARE(r.client->headers.at(2).second, QByteArray(kRedacted));
        QCOMPARE(r.requestHeaders.at(1).second, QByteArray(kRedacted));
        QCOMPARE(r.client->headers.at(0).second, QByteArray("text/plain"));
    }

    // The export gives an event without an FC path of its own (the desktop app's, a job's) FC3's
    // InvokeFunction path; that is what comes back.
    void anEventWithoutAnFcPathComesBackOnFc3sPath()
    {
        InvocationRecord r = warmFc3Timeout();
        r.client->target = u"/invoke"_qs;
        const auto imported = parseHar(exported({r}, true), u"s.har"_qs);
        QVERIFY2(imported, qPrintable(messageOf(imported)));
        QCOMPARE(imported->runs[0].record.client->target,
                 u"/2023-03-30/functions/fn/invocations"_qs);
    }

    void targetsOfUrls_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("trigger");
        QTest::addColumn<QString>("target");
        QTest::addRow("a path and a query") << u"http://h:1/a/b?c=1"_qs << false << u"/a/b?c=1"_qs;
        QTest::addRow("no path") << u"https://example.test"_qs << false << u"/"_qs;
        QTest::addRow("a query without a path") << u"http://h?x=1"_qs << false << u"/?x=1"_qs;
        QTest::addRow("the fragment is the browser's")
            << u"http://h/p#frag"_qs << false << u"/p"_qs;
        QTest::addRow("the trigger prefix comes off an fcemu http entry")
            << u"http://127.0.0.1:8000/2016-08-15/proxy/my%20svc/fn/a?b=%2F"_qs << true
            << u"/a?b=%2F"_qs;
        QTest::addRow("the trigger prefix stays on a browser's entry")
            << u"http://h/2016-08-15/proxy/svc/fn/a"_qs << false
            << u"/2016-08-15/proxy/svc/fn/a"_qs;
        QTest::addRow("the trigger's root")
            << u"http://h/2016-08-15/proxy/svc/fn"_qs << true << u"/"_qs;
    }

    void targetsOfUrls()
    {
        QFETCH(QString, url);
        QFETCH(bool, trigger);
        QFETCH(QString, target);
        QCOMPARE(harTargetOf(url, trigger), target);
    }

    // Chrome's HAR: the HTTP part of each entry, nothing of the platform.
    void chromeHarBecomesHttpOnlyRecords()
    {
        const auto har = parseHar(Test::chromeHar(), u"chrome.har"_qs);
        QVERIFY2(har, qPrintable(messageOf(har)));
        QCOMPARE(har->creatorName, u"WebInspector"_qs);
        QCOMPARE(har->runs.size(), 3);

        const HarRun &api = har->runs[0];
        QVERIFY(!api.hasPlatformData);
        const InvocationRecord &r = api.record;
        QCOMPARE(r.kind, u"http"_qs);
        QCOMPARE(r.requestId, u"1-66aa0000-11112222-333344445555"_qs); // FC's, from the reply
        QVERIFY(r.instanceId.isEmpty());
        QCOMPARE(r.startedAt,
                 QDateTime(QDate(2026, 3, 27), QTime(10, 20, 30, 123), QTimeZone::utc()));
        QCOMPARE(r.client->method, u"GET"_qs);
        QCOMPARE(r.client->target, u"/api/items?page=2"_qs);
        QCOMPARE(r.client->headers.size(), 5);
        QCOMPARE(r.client->headers.at(0),
                 qMakePair(QByteArray(":authority"), QByteArray("example.test")));
        QVERIFY(r.client->body.isEmpty());
        QCOMPARE(r.statusCode, 200);
        QCOMPARE(r.responseHeaders.size(), 3);
        QCOMPARE(r.body, QByteArray(R"({"ok":true})"));
        QCOMPARE(r.timings.queueMs, 2.5);
        QCOMPARE(r.timings.sendMs, 0.25);
        QCOMPARE(r.timings.waitMs, 25.0);
        QCOMPARE(r.timings.receiveMs, 0.5);
        QCOMPARE(r.timings.invokeMs, 25.75);
        QCOMPARE(r.timings.totalMs, 58.25); // DNS, TLS and connect count in the total
        for (Phase phase :
             {Phase::Pull, Phase::Unpack, Phase::Sandbox, Phase::Startup, Phase::Initialize})
            QCOMPARE(r.timings.*phaseField(phase).ms, 0.0);
        QVERIFY(r.logs.isEmpty());
        QVERIFY(r.requestHeaders.isEmpty());
        QVERIFY(r.billing.cost.isZero());
        QCOMPARE(r.memorySizeMB, 0);

        const InvocationRecord &image = har->runs[1].record;
        QCOMPARE(image.requestId, u"har-2"_qs); // no FC id: the entry's number
        QCOMPARE(image.client->target, u"/logo.png"_qs);
        QCOMPARE(image.body, QByteArray::fromBase64("iVBORw0KGgoAAP8A"));
        QCOMPARE(image.timings.queueMs, 0.0); // -1: not applicable
        QCOMPARE(image.timings.totalMs, 4.0);

        const InvocationRecord &post = har->runs[2].record;
        QCOMPARE(post.client->method, u"POST"_qs);
        // A browser's URL is kept whole, even one through FC's HTTP trigger.
        QCOMPARE(post.client->target, u"/2016-08-15/proxy/svc/fn/submit"_qs);
        QCOMPARE(post.client->body, QByteArray("{\"a\":1}\n"));
        QCOMPARE(post.statusCode, 502);
        QVERIFY(post.body.isEmpty()); // not saved by the browser
    }

    void firefoxHarWithOffsetAndFormParams()
    {
        const auto har = parseHar(Test::firefoxHar(), u"firefox.har"_qs);
        QVERIFY2(har, qPrintable(messageOf(har)));
        QCOMPARE(har->creatorName, u"Firefox"_qs);
        const InvocationRecord &r = har->runs[0].record;
        QCOMPARE(r.startedAt.toMSecsSinceEpoch(),
                 QDateTime(QDate(2026, 3, 27), QTime(10, 20, 30, 123), QTimeZone::utc())
                     .toMSecsSinceEpoch());
        QCOMPARE(r.client->body, QByteArray("u=a%20b&p=1%262"));
        QCOMPARE(r.statusCode, 302);
        QCOMPARE(r.timings.waitMs, 8.0);
        QCOMPARE(r.timings.totalMs, 8.0);
        QCOMPARE(r.requestId, u"har-1"_qs);
    }

    void badInputIsOneLineNamingTheFileAndThePath_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("message");
        const QByteArray entry = Test::minimalHarEntry();
        const auto doc = [](const QByteArray &entries, const QByteArray &version = "1.2") {
            return QByteArray(R"({"log": {"version": ")" + version + R"(", "entries": [)" +
                              entries + "]}}");
        };
        QTest::addRow("not JSON")
            << QByteArray("<html>not a har</html>")
            << u"x.har: not JSON (a syntax error at byte 1), so not a HAR file"_qs;
        QTest::addRow("truncated")
            << doc(entry).left(60)
            << u"x.har: not JSON (a syntax error at byte 61), so not a HAR file"_qs;
        QTest::addRow("JSON but not an object")
            << QByteArray("[1, 2]")
            << u"x.har: (top level): expected an object with \"log\", found array: not a HAR file"_qs;
        QTest::addRow("JSON without log")
            << QByteArray(R"({"requestId": "1-2-3"})") << u"x.har: log: missing: not a HAR file"_qs;
        QTest::addRow("wrong version")
            << doc(entry, "2.0")
            << u"x.har: log.version: HAR version \"2.0\" is not supported (1.1 or 1.2)"_qs;
        QTest::addRow("no version")
            << QByteArray(R"({"log": {"entries": []}})") << u"x.har: log.version: missing"_qs;
        QTest::addRow("entries not an array")
            << QByteArray(R"({"log": {"version": "1.2", "entries": {}}})")
            << u"x.har: log.entries: expected an array, found object"_qs;
        QByteArray noUrl = entry;
        noUrl.replace("\"url\": \"http://h/\", ", "");
        QTest::addRow("a missing URL")
            << doc(entry + ", " + noUrl) << u"x.har: log.entries[1].request.url: missing"_qs;
        QByteArray status = entry;
        status.replace(R"("status": 200)", R"("status": "200")");
        QTest::addRow("a status as text")
            << doc(status)
            << u"x.har: log.entries[0].response.status: expected a number, found string"_qs;
        QByteArray header = entry;
        header.replace(R"("headers": []})", R"("headers": [{"name": "a"}]})");
        QTest::addRow("a header without value")
            << doc(header) << u"x.har: log.entries[0].request.headers[0].value: missing"_qs;
        QByteArray date = entry;
        date.replace("2026-03-27T10:20:30.123Z", "yesterday");
        QTest::addRow("a date that is not ISO 8601")
            << doc(date)
            << u"x.har: log.entries[0].startedDateTime: not an ISO 8601 date and time: \"yesterday\""_qs;
        QByteArray base64 = entry;
        base64.replace(R"({"text": "x"})", R"({"text": "**", "encoding": "base64"})");
        QTest::addRow("bad base64")
            << doc(base64) << u"x.har: log.entries[0].response.content.text: not valid base64"_qs;
        QByteArray encoding = entry;
        encoding.replace(R"({"text": "x"})", R"({"text": "x", "encoding": "gzip"})");
        QTest::addRow("an unknown encoding")
            << doc(encoding)
            << u"x.har: log.entries[0].response.content.encoding: unknown encoding \"gzip\" (HAR knows base64)"_qs;
        QByteArray noTimings = entry;
        noTimings.replace(R"("timings": {"send": 0, "wait": 1, "receive": 0})",
                          R"("timings": {"send": 0, "receive": 0})");
        QTest::addRow("a browser entry without wait")
            << doc(noTimings) << u"x.har: log.entries[0].timings.wait: missing"_qs;
        // fcemu's own entries: _fc must be whole.
        QByteArray fc = QString::fromUtf8(exported({coldHttp()}, true)).toUtf8();
        fc.replace(R"("startupMs": 200.0,)", "");
        QTest::addRow("an _fc without a phase")
            << fc << u"x.har: log.entries[0]._fc.phases.startupMs: missing"_qs;
        QByteArray model = exported({coldHttp()}, true);
        model.replace(R"("model": "fc2")", R"("model": "fc9")");
        QTest::addRow("an unknown billing model")
            << model
            << u"x.har: log.entries[0]._fc.billing.model: expected \"fc2\" or \"fc3\", found \"fc9\""_qs;
    }

    void badInputIsOneLineNamingTheFileAndThePath()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, message);
        const auto har = parseHar(json, u"x.har"_qs);
        QVERIFY(!har);
        QCOMPARE(har.error().message, message);
        QVERIFY(!har.error().message.contains(u'\n'));
    }

    void readsAFileAndNamesItInErrors()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"chrome.har"_qs);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(Test::chromeHar());
        file.close();
        const auto har = readHar(path);
        QVERIFY2(har, qPrintable(messageOf(har)));
        QCOMPARE(har->runs.size(), 3);

        const QString missing = dir.filePath(u"none.har"_qs);
        const auto none = readHar(missing);
        QVERIFY(!none);
        QVERIFY2(none.error().message.startsWith(missing + u": cannot read the HAR file"_qs),
                 qPrintable(none.error().message));
        QCOMPARE(none.error().kind, ErrorKind::Io);

        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("{\"log\": ");
        file.close();
        const auto cut = readHar(path);
        QVERIFY(!cut);
        QVERIFY2(cut.error().message.startsWith(path + u": not JSON"_qs),
                 qPrintable(cut.error().message));
    }
};

QTEST_APPLESS_MAIN(TestHarImport)
#include "TestHarImport.moc"
