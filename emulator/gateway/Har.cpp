#include "Har.h"

#include <cmath>

#include <QSaveFile>
#include <QTimeZone>
#include <QUrl>
#include <QUrlQuery>

#include "http/HttpMessage.h"
#include "gateway/LocalServer.h"

namespace Fcemu::Gateway {

namespace {

using ojson = nlohmann::ordered_json;

std::string str(const QString &text)
{
    return text.toStdString();
}

double round3(double v)
{
    return std::round(v * 1000.0) / 1000.0;
}

// Valid UTF-8 without NUL bytes goes out as text, anything else as base64 (as the JSON report).
bool isText(const QByteArray &body)
{
    if (body.contains('\0'))
        return false;
    return QString::fromUtf8(body).toUtf8() == body;
}

QString headerValue(const Telemetry::HeaderList &headers, QByteArrayView name)
{
    return QString::fromUtf8(Http::Headers::value(headers, name)); // the same list type
}

ojson nameValues(const Telemetry::HeaderList &pairs, bool redact)
{
    ojson out = ojson::array();
    const QStringList &secret = credentialHeaderNames();
    for (const auto &[name, value] : pairs) {
        const QString text = QString::fromUtf8(name);
        const bool hide = redact && secret.contains(text.toLower());
        out.push_back({{"name", str(text)},
                       {"value", hide ? std::string(kRedacted) : str(QString::fromUtf8(value))}});
    }
    return out;
}

// "a=1; b=2" (Cookie) or the first pair of each Set-Cookie header.
ojson cookies(const Telemetry::HeaderList &headers, bool response)
{
    ojson out = ojson::array();
    for (const auto &[name, value] : headers) {
        const bool cookie = Http::Headers::sameName(name, response ? "set-cookie" : "cookie");
        if (!cookie)
            continue;
        const QString text = QString::fromUtf8(value);
        const QStringList parts =
            response ? QStringList{text.section(u';', 0, 0)} : text.split(u';');
        for (const QString &part : parts) {
            const qsizetype eq = part.indexOf(u'=');
            if (eq <= 0)
                continue;
            out.push_back({{"name", str(part.left(eq).trimmed())},
                           {"value", str(part.mid(eq + 1).trimmed())}});
        }
    }
    return out;
}

// HAR's content and postData carry the body as text; a binary one as base64 with "encoding".
void putBody(ojson &target, const QByteArray &body)
{
    if (isText(body)) {
        target["text"] = body.toStdString();
    } else {
        target["text"] = body.toBase64().toStdString();
        target["encoding"] = "base64";
    }
}

QString isoWithOffset(const QDateTime &when)
{
    // ISO 8601 with milliseconds and a numeric offset (Qt writes "Z" for UTC, which some
    // HAR readers take for a parse error).
    const QDateTime local = when.isValid() ? when.toLocalTime() : QDateTime::fromMSecsSinceEpoch(0);
    const int offset = local.offsetFromUtc();
    const int minutes = std::abs(offset) / 60;
    return local.toString(u"yyyy-MM-ddTHH:mm:ss.zzz"_qs) + (offset < 0 ? u'-' : u'+') +
           QString::asprintf("%02d:%02d", minutes / 60, minutes % 60);
}

ojson phasesJson(const Telemetry::Timings &t)
{
    ojson phases = ojson::object();
    for (const Telemetry::PhaseField &phase : Telemetry::kPhases)
        phases[std::string(phase.key)] = round3(t.*phase.ms);
    phases["totalMs"] = round3(t.totalMs);
    return phases;
}

ojson billingJson(const Telemetry::InvocationRecord &record)
{
    const Billing::Charge &charge = record.billing;
    ojson working = ojson::array();
    for (const Billing::WorkingLine &line : record.billingWorking())
        working.push_back({{"label", str(line.label)},
                           {"quantity", str(line.quantity)},
                           {"factor", str(line.factor)},
                           {"amount", str(line.amount)}});
    return {{"model", str(Billing::modelName(charge.model))},
            {"billedDurationMs", charge.billedDurationMs},
            {"gbSeconds", charge.gbSeconds},
            {"imagePullGbSeconds", charge.imagePullGbSeconds},
            {"cu", charge.cu ? ojson(*charge.cu) : ojson(nullptr)},
            {"cost", charge.cost.toDouble()},
            {"currency", str(charge.cost.currency())},
            {"working", working}};
}

} // namespace

const QStringList &credentialHeaderNames()
{
    static const QStringList names{u"x-fc-access-key-id"_qs, u"x-fc-access-key-secret"_qs,
                                   u"x-fc-security-token"_qs};
    return names;
}

QString harRequestUrl(const Telemetry::InvocationRecord &record, const HarOptions &options)
{
    const QString target = record.client ? record.client->target : QString();
    if (record.kind == u"http"_qs)
        return options.baseUrl + httpTriggerPath(options.serviceName, options.functionName, target);
    // An event call through the local endpoints keeps the path it came on (FC3 or FC2); the
    // desktop app's and a job's have none of their own.
    if (target.startsWith(QLatin1StringView(kFc3InvokePrefix)) ||
        target.startsWith(QLatin1StringView(kFc2InvokePrefix)))
        return options.baseUrl + target;
    return options.baseUrl + fc3InvokePath(options.functionName);
}

nlohmann::ordered_json harEntry(const Telemetry::InvocationRecord &record,
                                const HarOptions &options)
{
    const bool redact = !options.includeSecrets;
    const Telemetry::ClientRequest client = record.client.value_or(Telemetry::ClientRequest{});

    ojson query = ojson::array();
    const qsizetype q = client.target.indexOf(u'?');
    if (q >= 0) {
        const QUrlQuery parsed(client.target.mid(q + 1));
        for (const auto &[name, value] : parsed.queryItems(QUrl::FullyDecoded))
            query.push_back({{"name", str(name)}, {"value", str(value)}});
    }
    ojson request;
    request["method"] = str(client.method);
    request["url"] = str(harRequestUrl(record, options));
    request["httpVersion"] = "HTTP/1.1";
    request["cookies"] = cookies(client.headers, false);
    request["headers"] = nameValues(client.headers, redact);
    request["queryString"] = query;
    if (!client.body.isEmpty()) {
        QString mime = headerValue(client.headers, "content-type");
        if (mime.isEmpty())
            mime =
                record.kind == u"http"_qs ? u"application/octet-stream"_qs : u"application/json"_qs;
        ojson postData;
        postData["mimeType"] = str(mime);
        putBody(postData, client.body);
        request["postData"] = postData;
    }
    request["headersSize"] = -1;
    request["bodySize"] = client.body.size();

    ojson content;
    content["size"] = record.body.size();
    content["mimeType"] = str(headerValue(record.responseHeaders, "content-type"));
    putBody(content, record.body);
    ojson response;
    response["status"] = record.statusCode;
    response["statusText"] = Http::reasonPhrase(record.statusCode).toStdString();
    response["httpVersion"] = "HTTP/1.1";
    response["cookies"] = cookies(record.responseHeaders, true);
    response["headers"] = nameValues(record.responseHeaders, redact);
    response["content"] = content;
    response["redirectURL"] = str(headerValue(record.responseHeaders, "location"));
    response["headersSize"] = -1;
    response["bodySize"] = record.body.size();

    const Telemetry::Timings &t = record.timings;
    const double send = round3(std::max(0.0, t.sendMs));
    const double wait = round3(std::max(0.0, t.waitMs));
    const double receive = round3(std::max(0.0, t.receiveMs));
    ojson entry;
    entry["startedDateTime"] = str(isoWithOffset(record.startedAt));
    entry["time"] = round3(send + wait + receive);
    entry["request"] = request;
    entry["response"] = response;
    entry["cache"] = ojson::object();
    // The emulator's own connection to the instance: no DNS, no TLS, and the connect time
    // belongs to the platform (startup), not to this request.
    entry["timings"] = {{"blocked", -1}, {"dns", -1},          {"connect", -1}, {"send", send},
                        {"wait", wait},  {"receive", receive}, {"ssl", -1}};

    ojson fc;
    fc["requestId"] = str(record.requestId);
    fc["instanceId"] = record.instanceId.isEmpty() ? ojson(nullptr) : ojson(str(record.instanceId));
    fc["kind"] = str(record.kind);
    fc["coldStart"] = record.coldStart;
    fc["async"] = client.async;
    fc["error"] = record.error ? ojson{{"code", str(record.error->code)},
                                       {"message", str(record.error->message)}}
                               : ojson(nullptr);
    fc["phases"] = phasesJson(t);
    fc["memory"] = {{"sizeMB", record.memorySizeMB}, {"maxUsedMB", round3(record.maxUsedMB)}};
    if (!record.memoryAccounting.isEmpty())
        fc["memory"]["accounting"] = str(record.memoryAccounting);
    fc["billing"] = billingJson(record);
    fc["containerRequestHeaders"] = nameValues(record.requestHeaders, redact);
    ojson logs = ojson::array();
    for (const QString &line : record.logs)
        logs.push_back(str(line));
    fc["logs"] = logs;
    entry["_fc"] = fc;
    return entry;
}

nlohmann::ordered_json harDocument(const QList<const Telemetry::InvocationRecord *> &records,
                                   const HarOptions &options)
{
    ojson entries = ojson::array();
    for (const Telemetry::InvocationRecord *record : records)
        entries.push_back(harEntry(*record, options));
    ojson log;
    log["version"] = "1.2";
    log["creator"] = {{"name", "fcemu"}, {"version", str(options.creatorVersion)}};
    log["pages"] = ojson::array();
    log["entries"] = entries;
    log["comment"] = str(u"Function Compute invocations of "_qs + options.functionName +
                         u" recorded by fcemu; platform phases and billing in \"_fc\""_qs);
    return {{"log", log}};
}

Status writeHar(const QString &path, const QList<const Telemetry::InvocationRecord *> &records,
                const HarOptions &options)
{
    const std::string text = harDocument(records, options).dump(2);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(ErrorKind::Io, path + u": cannot write the HAR file: "_qs + file.errorString());
    if (file.write(text.data(), qint64(text.size())) != qint64(text.size()) || !file.commit())
        return fail(ErrorKind::Io, path + u": cannot write the HAR file: "_qs + file.errorString());
    return {};
}

} // namespace Fcemu::Gateway
