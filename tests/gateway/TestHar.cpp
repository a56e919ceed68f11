// The HAR 1.2 export (CONTRACT §7): the field rules of the HAR 1.2 spec for every entry (required
// fields with their JSON types, timings of -1 or >= 0 with time their sum, sizes of -1 or
// actual), the request as the client made it, binary bodies as base64 with "encoding", the
// platform's phases and billing under "_fc", credentials redacted unless asked, and the file
// written whole or not at all.
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include "billing/Billing.h"
#include "billing/PriceTable.h"
#include "gateway/Har.h"

using namespace Fcemu;
using namespace Fcemu::Telemetry;
using namespace Fcemu::Gateway;
using ojson = nlohmann::ordered_json;

// QCOMPARE can't take a json (its qfloat16 overload trips over json's conversions): compare the
// serialised forms, which also prints both sides on a failure.
#define QCOMPARE_JSON(actual, expected)                                                            \
    QCOMPARE(QString::fromStdString(ojson(actual).dump()),                                         \
             QString::fromStdString(ojson(expected).dump()))

namespace {

const QByteArray kBinary = QByteArray::fromHex("89504e470d0a1a0a0000ff00");

Billing::InvocationUsage usageOf(double invokeMs, double pullMs, bool cached)
{
    Billing::InvocationUsage usage;
    usage.memoryMB = 1024;
    usage.durationMs = invokeMs;
    usage.pullMs = pullMs;
    usage.imageCached = cached;
    return usage;
}

// Priced as the request path prices a record: the working lines are left to be worked out
// when the HAR asks for them.
void price(InvocationRecord &r, double invokeMs, double pullMs, bool cached)
{
    r.billingUsage = usageOf(invokeMs, pullMs, cached);
    r.billingOptions.withWorking = false;
    r.billing = Billing::charge(r.billingUsage, r.billingOptions, Billing::PriceTable::builtIn());
}

// A cold HTTP trigger call with credentials in both header lists and a binary reply.
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
    client.target = u"/upload?name=a%20b&x=1"_qs;
    client.headers = {{"Content-Type", "text/plain"},
                      {"Cookie", "session=abc; theme=dark"},
                      {"X-Fc-Access-Key-Secret", "client-secret"}};
    client.body = "hello";
    r.statusCode = 201;
    r.responseHeaders = {{"X-Fc-Request-Id", r.requestId.toUtf8()},
                         {"Content-Type", "image/png"},
                         {"Set-Cookie", "id=42; Path=/; HttpOnly"}};
    r.body = kBinary;
    r.requestHeaders = {{"x-fc-request-id", r.requestId.toUtf8()},
                        {"x-fc-access-key-id", "LTAIid"},
                        {"x-fc-access-key-secret", "container-secret"},
                        {"x-fc-security-token", "token"},
                        {"content-type", "text/plain"}};
    r.logs = {u"FC Invoke Start RequestId: "_qs + r.requestId, u"got hello"_qs};
    r.timings.queueMs = 0.5;
    r.timings.pullMs = 120.25;
    r.timings.unpackMs = 80.5;
    r.timings.sandboxMs = 30;
    r.timings.startupMs = 200;
    r.timings.invokeMs = 7.5;
    r.timings.sendMs = 0.25;
    r.timings.waitMs = 7;
    r.timings.receiveMs = 0.25;
    r.timings.totalMs = 439.5;
    r.memorySizeMB = 1024;
    r.maxUsedMB = 13.25;
    r.memoryAccounting = u"cgroup-v1"_qs;
    price(r, 7.5, 120.25, false);
    return r;
}

// A warm event invocation: text reply, no client headers, no cold phases.
InvocationRecord warmEvent()
{
    InvocationRecord r;
    r.requestId = u"1-6603951f-00000001-000000000002"_qs;
    r.instanceId = u"c-6603951e-15f440b6-2df37e4bf046"_qs;
    r.kind = u"event"_qs;
    r.coldStart = false;
    r.startedAt = QDateTime(QDate(2026, 3, 27), QTime(10, 11, 13, 5), QTimeZone::utc());
    ClientRequest &client = r.client.emplace();
    client.target = u"/2023-03-30/functions/fn/invocations"_qs;
    client.body = R"({"key":"value"})";
    r.body = "ok";
    r.timings.queueMs = 0.1;
    r.timings.invokeMs = 2;
    r.timings.sendMs = 0.1;
    r.timings.waitMs = 1.8;
    r.timings.receiveMs = 0.1;
    r.timings.totalMs = 2.2;
    r.memorySizeMB = 1024;
    price(r, 2, 0, true);
    return r;
}

HarOptions options(bool secrets = false)
{
    HarOptions o;
    o.includeSecrets = secrets;
    o.baseUrl = u"http://127.0.0.1:8000"_qs;
    o.serviceName = u"svc"_qs;
    o.functionName = u"fn"_qs;
    o.creatorVersion = u"9.8.7"_qs;
    return o;
}

bool isNameValueList(const ojson &list)
{
    if (!list.is_array())
        return false;
    for (const auto &item : list)
        if (!item.is_object() || !item["name"].is_string() || !item["value"].is_string())
            return false;
    return true;
}

QString valueOf(const ojson &list, const std::string &name)
{
    for (const auto &item : list)
        if (item["name"] == name)
            return QString::fromStdString(item["value"].get<std::string>());
    return u"<absent>"_qs;
}

} // namespace

class TestHar final : public QObject
{
    Q_OBJECT

    ojson m_doc;

private slots:
    void init()
    {
        const InvocationRecord cold = coldHttp();
        const InvocationRecord warm = warmEvent();
        m_doc = harDocument({&cold, &warm}, options());
    }

    void logHasVersionCreatorAndEntries()
    {
        QVERIFY(m_doc.is_object());
        const ojson &log = m_doc["log"];
        QCOMPARE_JSON(log["version"], "1.2");
        QCOMPARE_JSON(log["creator"]["name"], "fcemu");
        QCOMPARE_JSON(log["creator"]["version"], "9.8.7");
        QVERIFY(log["entries"].is_array());
        QCOMPARE(log["entries"].size(), size_t(2));
    }

    // HAR 1.2: every field the spec does not mark optional, with its type, on every entry.
    void everyRequiredFieldHasItsType()
    {
        for (const ojson &e : m_doc["log"]["entries"]) {
            QVERIFY(e["startedDateTime"].is_string());
            QVERIFY(e["time"].is_number());
            QVERIFY(e["cache"].is_object());
            const ojson &rq = e["request"];
            QVERIFY(rq["method"].is_string());
            QVERIFY(rq["url"].is_string());
            QVERIFY(rq["httpVersion"].is_string());
            QVERIFY(isNameValueList(rq["cookies"]));
            QVERIFY(isNameValueList(rq["headers"]));
            QVERIFY(isNameValueList(rq["queryString"]));
            QVERIFY(rq["headersSize"].is_number_integer());
            QVERIFY(rq["bodySize"].is_number_integer());
            if (rq.contains("postData")) {
                QVERIFY(rq["postData"]["mimeType"].is_string());
                QVERIFY(rq["postData"]["text"].is_string());
            }
            const ojson &rs = e["response"];
            QVERIFY(rs["status"].is_number_integer());
            QVERIFY(rs["statusText"].is_string());
            QVERIFY(rs["httpVersion"].is_string());
            QVERIFY(isNameValueList(rs["cookies"]));
            QVERIFY(isNameValueList(rs["headers"]));
            QVERIFY(rs["content"]["size"].is_number_integer());
            QVERIFY(rs["content"]["mimeType"].is_string());
            QVERIFY(rs["content"]["text"].is_string());
            QVERIFY(rs["redirectURL"].is_string());
            QVERIFY(rs["headersSize"].is_number_integer());
            QVERIFY(rs["bodySize"].is_number_integer());
            for (const char *key : {"send", "wait", "receive"})
                QVERIFY2(e["timings"][key].is_number(), key);
        }
    }

    // send/wait/receive >= 0; blocked/dns/connect/ssl -1 (not applicable); time is the sum of
    // the ones that are not -1.
    void timingsFollowTheRules()
    {
        const ojson &t = m_doc["log"]["entries"][0]["timings"];
        QCOMPARE_JSON(t["blocked"], -1);
        QCOMPARE_JSON(t["dns"], -1);
        QCOMPARE_JSON(t["connect"], -1);
        QCOMPARE_JSON(t["ssl"], -1);
        QCOMPARE(t["send"].get<double>(), 0.25);
        QCOMPARE(t["wait"].get<double>(), 7.0);
        QCOMPARE(t["receive"].get<double>(), 0.25);
        for (const ojson &e : m_doc["log"]["entries"]) {
            double sum = 0;
            for (const auto &[key, value] : e["timings"].items()) {
                QVERIFY2(value.get<double>() == -1 || value.get<double>() >= 0, key.c_str());
                if (value.get<double>() != -1)
                    sum += value.get<double>();
            }
            QCOMPARE(e["time"].get<double>(), sum);
        }
        QCOMPARE(m_doc["log"]["entries"][0]["time"].get<double>(), 7.5);
        QCOMPARE(m_doc["log"]["entries"][1]["time"].get<double>(), 2.0);
    }

    void negativeMeasurementsBecomeZero()
    {
        InvocationRecord r = warmEvent();
        r.timings.sendMs = -0.001; // never measured so, but HAR forbids it
        const ojson e = harEntry(r, options());
        QCOMPARE(e["timings"]["send"].get<double>(), 0.0);
    }

    void startedDateTimeIsIsoWithMillisecondsAndOffset()
    {
        const ojson &e = m_doc["log"]["entries"][0];
        const QString text = QString::fromStdString(e["startedDateTime"].get<std::string>());
        QVERIFY2(QRegularExpression(
                     u"^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d\\d:\\d\\d$"_qs)
                     .match(text)
                     .hasMatch(),
                 qPrintable(text));
        QCOMPARE(QDateTime::fromString(text, Qt::ISODateWithMs).toUTC(),
                 QDateTime(QDate(2026, 3, 27), QTime(10, 11, 12, 345), QTimeZone::utc()));
    }

    void theRequestIsTheClients()
    {
        const ojson &rq = m_doc["log"]["entries"][0]["request"];
        QCOMPARE_JSON(rq["method"], "POST");
        QCOMPARE_JSON(rq["url"],
                      "http://127.0.0.1:8000/2016-08-15/proxy/svc/fn/upload?name=a%20b&x=1");
        QCOMPARE_JSON(rq["httpVersion"], "HTTP/1.1");
        QCOMPARE(rq["queryString"].size(), size_t(2));
        QCOMPARE(valueOf(rq["queryString"], "name"), u"a b"_qs);
        QCOMPARE(valueOf(rq["queryString"], "x"), u"1"_qs);
        QCOMPARE(rq["cookies"].size(), size_t(2));
        QCOMPARE(valueOf(rq["cookies"], "session"), u"abc"_qs);
        QCOMPARE(valueOf(rq["cookies"], "theme"), u"dark"_qs);
        QCOMPARE(rq["headers"].size(), size_t(3));
        QCOMPARE(valueOf(rq["headers"], "Content-Type"), u"text/plain"_qs);
        QCOMPARE_JSON(rq["postData"]["mimeType"], "text/plain");
        QCOMPARE_JSON(rq["postData"]["text"], "hello");
        QVERIFY(!rq["postData"].contains("encoding"));
        QCOMPARE_JSON(rq["headersSize"], -1);
        QCOMPARE_JSON(rq["bodySize"], 5);

        const ojson &event = m_doc["log"]["entries"][1]["request"];
        QCOMPARE_JSON(event["method"], "POST");
        QCOMPARE_JSON(event["url"], "http://127.0.0.1:8000/2023-03-30/functions/fn/invocations");
        QCOMPARE(event["queryString"].size(), size_t(0));
        QCOMPARE(event["headers"].size(), size_t(0));
        QCOMPARE_JSON(event["postData"]["mimeType"], "application/json");
        QCOMPARE_JSON(event["postData"]["text"], R"({"key":"value"})");
        QCOMPARE_JSON(event["bodySize"], 15);
    }

    void anEventKeepsThePathItCameOn()
    {
        // Through the local endpoints an event call may come on FC2's path; a job's or the
        // desktop app's event has no path of its own and is shown on FC3's.
        InvocationRecord fc2 = warmEvent();
        fc2.client->target = u"/2016-08-15/services/svc/functions/fn/invocations"_qs;
        QCOMPARE(harRequestUrl(fc2, options()),
                 u"http://127.0.0.1:8000/2016-08-15/services/svc/functions/fn/invocations"_qs);
        InvocationRecord job = warmEvent();
        job.client->target = u"/invoke"_qs;
        QCOMPARE(harRequestUrl(job, options()),
                 u"http://127.0.0.1:8000/2023-03-30/functions/fn/invocations"_qs);
        job.client.reset();
        QCOMPARE(harRequestUrl(job, options()),
                 u"http://127.0.0.1:8000/2023-03-30/functions/fn/invocations"_qs);
    }

    void aRequestWithoutBodyHasNoPostData()
    {
        InvocationRecord r = coldHttp();
        r.client->method = u"GET"_qs;
        r.client->body.clear();
        const ojson e = harEntry(r, options());
        QVERIFY(!e["request"].contains("postData"));
        QCOMPARE_JSON(e["request"]["bodySize"], 0);
    }

    void binaryBodiesAreBase64WithEncoding()
    {
        const ojson &rs = m_doc["log"]["entries"][0]["response"];
        QCOMPARE_JSON(rs["status"], 201);
        QCOMPARE_JSON(rs["statusText"], "Created");
        QCOMPARE_JSON(rs["content"]["size"], kBinary.size());
        QCOMPARE_JSON(rs["content"]["mimeType"], "image/png");
        QCOMPARE_JSON(rs["content"]["encoding"], "base64");
        QCOMPARE(QByteArray::fromBase64(
                     QByteArray::fromStdString(rs["content"]["text"].get<std::string>())),
                 kBinary);
        QCOMPARE_JSON(rs["bodySize"], kBinary.size());
        QCOMPARE_JSON(rs["headersSize"], -1);
        QCOMPARE_JSON(rs["redirectURL"], "");
        QCOMPARE(rs["cookies"].size(), size_t(1));
        QCOMPARE(valueOf(rs["cookies"], "id"), u"42"_qs);

        InvocationRecord r = coldHttp();
        r.client->body = kBinary;
        const ojson post = harEntry(r, options())["request"]["postData"];
        QCOMPARE_JSON(post["encoding"], "base64");
        QCOMPARE(QByteArray::fromBase64(QByteArray::fromStdString(post["text"].get<std::string>())),
                 kBinary);

        const ojson &text = m_doc["log"]["entries"][1]["response"]["content"];
        QCOMPARE_JSON(text["text"], "ok");
        QVERIFY(!text.contains("encoding"));
    }

    void platformPhasesAndBillingAreUnderFc()
    {
        const ojson &cold = m_doc["log"]["entries"][0]["_fc"];
        QCOMPARE_JSON(cold["requestId"], "1-6603951e-157f3f32-7fe6f248d7d0");
        QCOMPARE_JSON(cold["instanceId"], "c-6603951e-15f440b6-2df37e4bf046");
        QCOMPARE_JSON(cold["kind"], "http");
        QCOMPARE_JSON(cold["coldStart"], true);
        QCOMPARE_JSON(cold["error"], nullptr);
        QCOMPARE(cold["phases"]["pullMs"].get<double>(), 120.25);
        QCOMPARE(cold["phases"]["unpackMs"].get<double>(), 80.5);
        QCOMPARE(cold["phases"]["sandboxMs"].get<double>(), 30.0);
        QCOMPARE(cold["phases"]["startupMs"].get<double>(), 200.0);
        QCOMPARE(cold["phases"]["invokeMs"].get<double>(), 7.5);
        QCOMPARE(cold["phases"]["totalMs"].get<double>(), 439.5);
        QCOMPARE_JSON(cold["memory"]["sizeMB"], 1024);
        QCOMPARE(cold["memory"]["maxUsedMB"].get<double>(), 13.25);
        QCOMPARE_JSON(cold["memory"]["accounting"], "cgroup-v1");
        QCOMPARE_JSON(cold["billing"]["model"], "fc2");
        QCOMPARE_JSON(cold["billing"]["billedDurationMs"], 8);
        QCOMPARE(cold["billing"]["gbSeconds"].get<double>(), 0.008);
        QCOMPARE(cold["billing"]["imagePullGbSeconds"].get<double>(), 0.121);
        QCOMPARE_JSON(cold["billing"]["currency"], "USD");
        QVERIFY(cold["billing"]["working"].is_array());
        QVERIFY(cold["billing"]["working"].size() >= 2);
        // The working lines, exactly as billing produced them (label, quantity × factor = amount).
        const QList<Billing::WorkingLine> working =
            Billing::charge(usageOf(7.5, 120.25, false), {}, Billing::PriceTable::builtIn())
                .working;
        QVERIFY(coldHttp().billing.working.isEmpty()); // worked out for the HAR, not kept
        QCOMPARE(cold["billing"]["working"].size(), size_t(working.size()));
        for (qsizetype i = 0; i < working.size(); ++i) {
            const ojson &line = cold["billing"]["working"][size_t(i)];
            QCOMPARE(QString::fromStdString(line["label"].get<std::string>()), working[i].label);
            QCOMPARE(QString::fromStdString(line["quantity"].get<std::string>()),
                     working[i].quantity);
            QCOMPARE(QString::fromStdString(line["factor"].get<std::string>()), working[i].factor);
            QCOMPARE(QString::fromStdString(line["amount"].get<std::string>()), working[i].amount);
        }
        QCOMPARE(QString::fromStdString(cold["billing"]["working"][2]["label"].get<std::string>()),
                 u"Image pull GB-s"_qs);
        QCOMPARE(cold["logs"].size(), size_t(2));
        QCOMPARE_JSON(cold["logs"][1], "got hello");

        const ojson &warm = m_doc["log"]["entries"][1]["_fc"];
        QCOMPARE_JSON(warm["coldStart"], false);
        QCOMPARE_JSON(warm["kind"], "event");
        for (const char *phase : {"pullMs", "unpackMs", "sandboxMs", "startupMs", "initializeMs"})
            QVERIFY2(warm["phases"][phase].get<double>() == 0, phase);
        QCOMPARE(warm["billing"]["imagePullGbSeconds"].get<double>(), 0.0);
    }

    void credentialsAreRedactedByDefault()
    {
        const ojson &e = m_doc["log"]["entries"][0];
        const std::string all = m_doc.dump();
        for (const char *secret : {"client-secret", "container-secret", "LTAIid", "\"token\""})
            QVERIFY2(all.find(secret) == std::string::npos, secret);
        QCOMPARE(valueOf(e["request"]["headers"], "X-Fc-Access-Key-Secret"), u"(redacted)"_qs);
        const ojson &container = e["_fc"]["containerRequestHeaders"];
        QCOMPARE(container.size(), size_t(5));
        QCOMPARE(valueOf(container, "x-fc-access-key-id"), u"(redacted)"_qs);
        QCOMPARE(valueOf(container, "x-fc-access-key-secret"), u"(redacted)"_qs);
        QCOMPARE(valueOf(container, "x-fc-security-token"), u"(redacted)"_qs);
        // Other headers keep their values.
        QCOMPARE(valueOf(container, "x-fc-request-id"), u"1-6603951e-157f3f32-7fe6f248d7d0"_qs);
        QCOMPARE(valueOf(container, "content-type"), u"text/plain"_qs);
    }

    void credentialsStayWhenAsked()
    {
        const InvocationRecord cold = coldHttp();
        const ojson e = harEntry(cold, options(true));
        QCOMPARE(valueOf(e["request"]["headers"], "X-Fc-Access-Key-Secret"), u"client-secret"_qs);
        const ojson &container = e["_fc"]["containerRequestHeaders"];
        QCOMPARE(valueOf(container, "x-fc-access-key-id"), u"LTAIid"_qs);
        QCOMPARE(valueOf(container, "x-fc-access-key-secret"), u"container-secret"_qs);
        QCOMPARE(valueOf(container, "x-fc-security-token"), u"token"_qs);
    }

    void writeHarReplacesTheFileWhole()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"session.har"_qs);
        const InvocationRecord cold = coldHttp();
        QVERIFY(writeHar(path, {&cold}, options()).has_value());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const ojson read = ojson::parse(file.readAll().toStdString());
        QCOMPARE_JSON(read, harDocument({&cold}, options()));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{u"session.har"_qs});
    }

    void writeHarNamesThePathOnFailure()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"missing/folder/session.har"_qs);
        const auto written = writeHar(path, {}, options());
        QVERIFY(!written.has_value());
        QCOMPARE(written.error().kind, ErrorKind::Io);
        QVERIFY2(written.error().message.startsWith(path + u": "_qs),
                 qPrintable(written.error().message));
        QVERIFY(!written.error().message.contains(u'\n'));
    }

    void anEmptySessionIsAValidLog()
    {
        const ojson doc = harDocument({}, options());
        QCOMPARE_JSON(doc["log"]["version"], "1.2");
        QVERIFY(doc["log"]["entries"].is_array());
        QCOMPARE(doc["log"]["entries"].size(), size_t(0));
    }
};

QTEST_GUILESS_MAIN(TestHar)
#include "TestHar.moc"
