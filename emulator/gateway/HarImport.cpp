#include "HarImport.h"

#include <cmath>

#include <QFile>
#include <QUrlQuery>

#include "gateway/LocalServer.h"

namespace Fcemu::Gateway {

namespace {

using json = nlohmann::json;

// A field that is missing or of the wrong type: thrown inside the parser only, caught at its
// boundary (parseHar) and turned into an Error naming the JSON path.
struct BadField
{
    std::string path;
    QString what;
};

[[noreturn]] void bad(const std::string &path, const QString &what)
{
    throw BadField{path, what};
}

const char *typeName(const json &value)
{
    return value.type_name(); // "object", "array", "string", "number", "boolean", "null"
}

const json &member(const json &object, const std::string &path, const char *key)
{
    const auto it = object.find(key);
    if (it == object.end())
        bad(path + '.' + key, u"missing"_qs);
    return *it;
}

const json *optionalMember(const json &object, const char *key)
{
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
}

const json &objectAt(const json &object, const std::string &path, const char *key)
{
    const json &value = member(object, path, key);
    if (!value.is_object())
        bad(path + '.' + key,
            u"expected an object, found "_qs + QString::fromLatin1(typeName(value)));
    return value;
}

const json &arrayAt(const json &object, const std::string &path, const char *key)
{
    const json &value = member(object, path, key);
    if (!value.is_array())
        bad(path + '.' + key,
            u"expected an array, found "_qs + QString::fromLatin1(typeName(value)));
    return value;
}

QString stringValue(const json &value, const std::string &path)
{
    if (!value.is_string())
        bad(path, u"expected a string, found "_qs + QString::fromLatin1(typeName(value)));
    return QString::fromStdString(value.get_ref<const std::string &>());
}

QString stringAt(const json &object, const std::string &path, const char *key)
{
    return stringValue(member(object, path, key), path + '.' + key);
}

// An optional string member: "" when it is missing or null.
QString optionalString(const json &object, const std::string &path, const char *key)
{
    const json *value = optionalMember(object, key);
    return value ? stringValue(*value, path + '.' + key) : QString();
}

double numberValue(const json &value, const std::string &path)
{
    if (!value.is_number())
        bad(path, u"expected a number, found "_qs + QString::fromLatin1(typeName(value)));
    return value.get<double>();
}

double numberAt(const json &object, const std::string &path, const char *key)
{
    return numberValue(member(object, path, key), path + '.' + key);
}

qint64 integerAt(const json &object, const std::string &path, const char *key)
{
    const json &value = member(object, path, key);
    if (value.is_number_integer())
        return value.get<qint64>();
    const double number = numberValue(value, path + '.' + key);
    if (number != std::floor(number) || std::abs(number) > 9.0e15)
        bad(path + '.' + key, u"expected a whole number, found "_qs + QString::number(number));
    return qint64(number);
}

bool boolAt(const json &object, const std::string &path, const char *key)
{
    const json &value = member(object, path, key);
    if (!value.is_boolean())
        bad(path + '.' + key,
            u"expected true or false, found "_qs + QString::fromLatin1(typeName(value)));
    return value.get<bool>();
}

std::string indexed(const std::string &path, size_t index)
{
    return path + '[' + std::to_string(index) + ']';
}

// HAR's [{"name": ..., "value": ...}] as the bytes that went over the wire.
Telemetry::HeaderList headerList(const json &object, const std::string &path, const char *key)
{
    const json &list = arrayAt(object, path, key);
    const std::string listPath = path + '.' + key;
    Telemetry::HeaderList headers;
    headers.reserve(qsizetype(list.size()));
    for (size_t i = 0; i < list.size(); ++i) {
        const std::string at = indexed(listPath, i);
        if (!list[i].is_object())
            bad(at, u"expected an object, found "_qs + QString::fromLatin1(typeName(list[i])));
        headers.append(
            {stringAt(list[i], at, "name").toUtf8(), stringAt(list[i], at, "value").toUtf8()});
    }
    return headers;
}

// content.text / postData.text, base64 when "encoding" says so (HAR 1.2: the only encoding
// defined). No text: the body was not saved (browsers leave big or binary bodies out).
QByteArray bodyOf(const json &holder, const std::string &path)
{
    const json *text = optionalMember(holder, "text");
    if (!text)
        return {};
    const QString value = stringValue(*text, path + ".text");
    const QString encoding = optionalString(holder, path, "encoding");
    if (encoding.isEmpty())
        return value.toUtf8();
    if (encoding != u"base64"_qs)
        bad(path + ".encoding", u"unknown encoding \""_qs + encoding + u"\" (HAR knows base64)"_qs);
    auto decoded =
        QByteArray::fromBase64Encoding(value.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        bad(path + ".text", u"not valid base64"_qs);
    return *decoded;
}

// A POST without postData.text but with params (a form, as some browsers save it).
QByteArray formBody(const json &postData, const std::string &path)
{
    const json *params = optionalMember(postData, "params");
    if (!params || !params->is_array())
        return {};
    QUrlQuery query;
    for (size_t i = 0; i < params->size(); ++i) {
        const std::string at = indexed(path + ".params", i);
        query.addQueryItem(stringAt((*params)[i], at, "name"),
                           optionalString((*params)[i], at, "value"));
    }
    return query.toString(QUrl::FullyEncoded).toUtf8();
}

QDateTime startedAt(const json &entry, const std::string &path)
{
    const QString text = stringAt(entry, path, "startedDateTime");
    QDateTime when = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!when.isValid())
        bad(path + ".startedDateTime",
            u"not an ISO 8601 date and time: \""_qs + text.left(40) + u'"');
    return when;
}

// HAR timings are -1 where they do not apply.
double timing(const json &timings, const std::string &path, const char *key, bool required)
{
    const json *value = optionalMember(timings, key);
    if (!value) {
        if (required)
            bad(path + '.' + key, u"missing"_qs);
        return 0;
    }
    return std::max(0.0, numberValue(*value, path + '.' + key));
}

// Money from the double the export writes ("cost": 2.41664e-07): the export's amounts are whole
// pico-units, which a double of this size carries exactly to 12 decimals.
Billing::Money moneyOf(double amount, const QString &currency, const std::string &path)
{
    if (!std::isfinite(amount) || std::abs(amount) >= 9.0e6)
        bad(path, u"not an amount: "_qs + QString::number(amount));
    const auto money = Billing::Money::fromDecimal(QString::number(amount, 'f', 12), currency);
    if (!money)
        bad(path, u"not an amount: "_qs + QString::number(amount));
    return *money;
}

void readPlatform(const json &fc, const std::string &path, Telemetry::InvocationRecord &r)
{
    r.requestId = stringAt(fc, path, "requestId");
    r.instanceId = optionalString(fc, path, "instanceId");
    r.kind = stringAt(fc, path, "kind");
    if (r.kind != u"http"_qs && r.kind != u"event"_qs)
        bad(path + ".kind", u"expected \"http\" or \"event\", found \""_qs + r.kind + u'"');
    r.coldStart = boolAt(fc, path, "coldStart");
    if (const json *async = optionalMember(fc, "async")) {
        if (!async->is_boolean())
            bad(path + ".async", u"expected true or false"_qs);
        r.client->async = async->get<bool>();
    }
    if (const json *error = optionalMember(fc, "error")) {
        if (!error->is_object())
            bad(path + ".error", u"expected an object or null"_qs);
        r.error = Telemetry::InvocationError{stringAt(*error, path + ".error", "code"),
                                             optionalString(*error, path + ".error", "message")};
    }

    const std::string phasesPath = path + ".phases";
    const json &phases = objectAt(fc, path, "phases");
    for (const Telemetry::PhaseField &phase : Telemetry::kPhases)
        r.timings.*phase.ms = numberAt(phases, phasesPath, std::string(phase.key).c_str());
    r.timings.totalMs = numberAt(phases, phasesPath, "totalMs");

    const std::string memoryPath = path + ".memory";
    const json &memory = objectAt(fc, path, "memory");
    r.memorySizeMB = int(integerAt(memory, memoryPath, "sizeMB"));
    r.maxUsedMB = numberAt(memory, memoryPath, "maxUsedMB");
    r.memoryAccounting = optionalString(memory, memoryPath, "accounting");

    const std::string billingPath = path + ".billing";
    const json &billing = objectAt(fc, path, "billing");
    const QString model = stringAt(billing, billingPath, "model");
    if (model == Billing::modelName(Billing::Model::Fc2))
        r.billing.model = Billing::Model::Fc2;
    else if (model == Billing::modelName(Billing::Model::Fc3))
        r.billing.model = Billing::Model::Fc3;
    else
        bad(billingPath + ".model", u"expected \"fc2\" or \"fc3\", found \""_qs + model + u'"');
    r.billing.billedDurationMs = integerAt(billing, billingPath, "billedDurationMs");
    r.billing.gbSeconds = numberAt(billing, billingPath, "gbSeconds");
    r.billing.imagePullGbSeconds = numberAt(billing, billingPath, "imagePullGbSeconds");
    if (const json *cu = optionalMember(billing, "cu"))
        r.billing.cu = numberValue(*cu, billingPath + ".cu");
    const QString currency = stringAt(billing, billingPath, "currency");
    r.billing.cost =
        moneyOf(numberAt(billing, billingPath, "cost"), currency, billingPath + ".cost");
    if (const json *working = optionalMember(billing, "working")) {
        if (!working->is_array())
            bad(billingPath + ".working", u"expected an array"_qs);
        for (size_t i = 0; i < working->size(); ++i) {
            const std::string at = indexed(billingPath + ".working", i);
            const json &line = (*working)[i];
            if (!line.is_object())
                bad(at, u"expected an object"_qs);
            r.billing.working.append({stringAt(line, at, "label"), stringAt(line, at, "quantity"),
                                      stringAt(line, at, "factor"), stringAt(line, at, "amount")});
        }
    }
    // Not in the file: the quantities the charge was computed from. The options say what
    // model and currency it was priced in, for whoever shows it.
    r.billingOptions.model = r.billing.model;
    r.billingOptions.currency = currency;

    r.requestHeaders = headerList(fc, path, "containerRequestHeaders");
    const json &logs = arrayAt(fc, path, "logs");
    for (size_t i = 0; i < logs.size(); ++i)
        r.logs.append(stringValue(logs[i], indexed(path + ".logs", i)));
}

HarRun readEntry(const json &entry, const std::string &path, size_t index)
{
    if (!entry.is_object())
        bad(path, u"expected an object, found "_qs + QString::fromLatin1(typeName(entry)));
    HarRun run;
    Telemetry::InvocationRecord &r = run.record;
    r.startedAt = startedAt(entry, path);
    r.startedNs = r.startedAt.toMSecsSinceEpoch() * 1'000'000; // the file's own time line

    const std::string requestPath = path + ".request";
    const json &request = objectAt(entry, path, "request");
    Telemetry::ClientRequest &client = r.client.emplace();
    client.method = stringAt(request, requestPath, "method");
    const QString url = stringAt(request, requestPath, "url");
    client.headers = headerList(request, requestPath, "headers");
    if (const json *postData = optionalMember(request, "postData")) {
        if (!postData->is_object())
            bad(requestPath + ".postData", u"expected an object"_qs);
        client.body = optionalMember(*postData, "text")
                          ? bodyOf(*postData, requestPath + ".postData")
                          : formBody(*postData, requestPath + ".postData");
    }

    const std::string responsePath = path + ".response";
    const json &response = objectAt(entry, path, "response");
    r.statusCode = int(integerAt(response, responsePath, "status"));
    r.responseHeaders = headerList(response, responsePath, "headers");
    r.body = bodyOf(objectAt(response, responsePath, "content"), responsePath + ".content");

    const std::string timingsPath = path + ".timings";
    const json &timings = objectAt(entry, path, "timings");
    const json *fc = optionalMember(entry, "_fc");
    if (fc) {
        if (!fc->is_object())
            bad(path + "._fc", u"expected an object"_qs);
        run.hasPlatformData = true;
        readPlatform(*fc, path + "._fc", r);
        client.target = harTargetOf(url, r.kind == u"http"_qs);
        return run;
    }

    // A browser's entry: the HTTP part. The request id is FC's when the reply carries one.
    r.kind = u"http"_qs;
    r.coldStart = false;
    client.target = harTargetOf(url, false);
    const QByteArray fcId = [&r]() {
        for (const auto &[name, value] : std::as_const(r.responseHeaders))
            if (name.compare("x-fc-request-id", Qt::CaseInsensitive) == 0)
                return value;
        return QByteArray();
    }();
    r.requestId =
        fcId.isEmpty() ? QStringLiteral("har-%1").arg(index + 1) : QString::fromUtf8(fcId);
    r.timings.queueMs = timing(timings, timingsPath, "blocked", false);
    r.timings.sendMs = timing(timings, timingsPath, "send", true);
    r.timings.waitMs = timing(timings, timingsPath, "wait", true);
    r.timings.receiveMs = timing(timings, timingsPath, "receive", true);
    r.timings.invokeMs = r.timings.sendMs + r.timings.waitMs + r.timings.receiveMs;
    // "time" is the sum of every timing, DNS and connecting included (they have no phase of
    // their own here, so they show in the total only).
    const json *time = optionalMember(entry, "time");
    r.timings.totalMs = time ? std::max(0.0, numberValue(*time, path + ".time"))
                             : r.timings.queueMs + r.timings.invokeMs;
    r.timings.totalMs = std::max(r.timings.totalMs, r.timings.queueMs + r.timings.invokeMs);
    return run;
}

} // namespace

QString harTargetOf(const QString &url, bool stripTriggerPrefix)
{
    QString target = url;
    const qsizetype scheme = target.indexOf(u"://"_qs);
    if (scheme >= 0) {
        const qsizetype slash = target.indexOf(u'/', scheme + 3);
        const qsizetype query = target.indexOf(u'?', scheme + 3);
        if (slash < 0 || (query >= 0 && query < slash))
            target = u'/' + (query >= 0 ? target.mid(query) : QString());
        else
            target = target.mid(slash);
    }
    const qsizetype fragment = target.indexOf(u'#');
    if (fragment >= 0)
        target.truncate(fragment);
    const QLatin1StringView prefix(kFc2ProxyPrefix);
    if (stripTriggerPrefix && target.startsWith(prefix)) {
        // /2016-08-15/proxy/{service}/{function}{path}: the service and the function are
        // percent-encoded, so neither holds a slash.
        const qsizetype service = target.indexOf(u'/', prefix.size());
        const qsizetype function = service < 0 ? -1 : target.indexOf(u'/', service + 1);
        if (function >= 0)
            target = target.mid(function);
        else
            target = u"/"_qs;
    }
    return target;
}

Result<ImportedHar> parseHar(const QByteArray &text, const QString &name)
{
    json document;
    try {
        document = json::parse(text.constBegin(), text.constEnd());
    } catch (const json::parse_error &e) {
        return fail(ErrorKind::Usage, name + u": not JSON (a syntax error at byte "_qs +
                                          QString::number(e.byte) + u"), so not a HAR file"_qs);
    }
    try {
        if (!document.is_object())
            bad("(top level)", u"expected an object with \"log\", found "_qs +
                                   QString::fromLatin1(typeName(document)) +
                                   u": not a HAR file"_qs);
        if (document.find("log") == document.end())
            bad("log", u"missing: not a HAR file"_qs);
        const json &log = objectAt(document, std::string(), "log");
        const std::string logPath = "log";
        const QString version = stringAt(log, logPath, "version");
        // HAR 1.2 is what browsers and fcemu write; an empty version means 1.1 (the spec).
        if (!version.isEmpty() && version != u"1.1"_qs && version != u"1.2"_qs)
            bad("log.version",
                u"HAR version \""_qs + version + u"\" is not supported (1.1 or 1.2)"_qs);
        ImportedHar har;
        if (const json *creator = optionalMember(log, "creator")) {
            if (!creator->is_object())
                bad("log.creator", u"expected an object"_qs);
            har.creatorName = optionalString(*creator, "log.creator", "name");
            har.creatorVersion = optionalString(*creator, "log.creator", "version");
        }
        const json &entries = arrayAt(log, logPath, "entries");
        har.runs.reserve(qsizetype(entries.size()));
        for (size_t i = 0; i < entries.size(); ++i)
            har.runs.append(readEntry(entries[i], indexed("log.entries", i), i));
        return har;
    } catch (const BadField &field) {
        // objectAt(document, "", "log") names its path ".log": drop the leading dot.
        const std::string path = field.path.starts_with('.') ? field.path.substr(1) : field.path;
        return fail(ErrorKind::Usage,
                    name + u": "_qs + QString::fromStdString(path) + u": "_qs + field.what);
    } catch (const json::exception &e) {
        return fail(ErrorKind::Usage,
                    name + u": not a HAR file: "_qs + QString::fromUtf8(e.what()));
    }
}

Result<ImportedHar> readHar(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(ErrorKind::Io, path + u": cannot read the HAR file: "_qs + file.errorString());
    if (file.size() > kMaxHarBytes)
        return fail(ErrorKind::Usage, path + u": "_qs +
                                          QString::number(file.size() / (1024 * 1024)) +
                                          u" MB is more than the "_qs +
                                          QString::number(kMaxHarBytes / (1024 * 1024)) +
                                          u" MB a HAR import reads"_qs);
    const QByteArray text = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return fail(ErrorKind::Io, path + u": cannot read the HAR file: "_qs + file.errorString());
    return parseHar(text, path);
}

} // namespace Fcemu::Gateway
