#include "LocalServer.h"

#include <cerrno>
#include <optional>
#include <utility>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QDateTime>
#include <QPointer>
#include <QProcessEnvironment>
#include <QSocketNotifier>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>
#include <QUuid>

#include <nlohmann/json.hpp>

#include "common/UniqueFd.h"
#include "config/Environment.h"
#include "http/HttpParser.h"
#include "runtime/FunctionInvoker.h"
#include "telemetry/FcErrors.h"

namespace Fcemu::Gateway {

namespace {

// A client that pipelines this much behind a request in flight is cut off.
constexpr qsizetype kMaxBufferedBytes =
    Http::kDefaultMaxBodyBytes + 2 * Http::kDefaultMaxHeaderBytes;

QString decoded(const QByteArray &segment)
{
    return QUrl::fromPercentEncoding(segment);
}

Route errorRoute(int status, const QString &code, const QString &message,
                 ApiGeneration api = ApiGeneration::Fc3)
{
    Route r;
    r.kind = Route::Kind::Error;
    r.api = api;
    r.status = status;
    r.code = code;
    r.message = message;
    return r;
}

// FC's management calls that fcemu does not emulate, by method and path with the names
// replaced by '*' (FC's REST paths alternate collection and name), to name them in the error.
struct KnownCall
{
    const char *method;
    const char *shape;
    const char *name;
};
constexpr KnownCall kFc2Calls[] = {
    {"POST", "services", "CreateService"},
    {"PUT", "services/*", "UpdateService"},
    {"DELETE", "services/*", "DeleteService"},
    {"POST", "services/*/functions", "CreateFunction"},
    {"PUT", "services/*/functions/*", "UpdateFunction"},
    {"DELETE", "services/*/functions/*", "DeleteFunction"},
    {"GET", "services/*/functions/*/code", "GetFunctionCode"},
    {"GET", "services/*/functions/*/triggers", "ListTriggers"},
    {"POST", "services/*/functions/*/triggers", "CreateTrigger"},
    {"GET", "services/*/functions/*/triggers/*", "GetTrigger"},
    {"PUT", "services/*/functions/*/triggers/*", "UpdateTrigger"},
    {"DELETE", "services/*/functions/*/triggers/*", "DeleteTrigger"},
    {"GET", "services/*/versions", "ListVersions"},
    {"POST", "services/*/versions", "PublishServiceVersion"},
    {"GET", "services/*/aliases", "ListAliases"},
    {"POST", "services/*/aliases", "CreateAlias"},
    {"GET", "services/*/aliases/*", "GetAlias"},
    {"GET", "account-settings", "GetAccountSettings"},
    {"GET", "custom-domains", "ListCustomDomains"},
    {"GET", "layers", "ListLayers"},
};
constexpr KnownCall kFc3Calls[] = {
    {"POST", "functions", "CreateFunction"},
    {"PUT", "functions/*", "UpdateFunction"},
    {"DELETE", "functions/*", "DeleteFunction"},
    {"GET", "functions/*/code", "GetFunctionCode"},
    {"GET", "functions/*/triggers", "ListTriggers"},
    {"POST", "functions/*/triggers", "CreateTrigger"},
    {"GET", "functions/*/triggers/*", "GetTrigger"},
    {"PUT", "functions/*/triggers/*", "UpdateTrigger"},
    {"DELETE", "functions/*/triggers/*", "DeleteTrigger"},
    {"GET", "functions/*/versions", "ListFunctionVersions"},
    {"POST", "functions/*/versions", "PublishFunctionVersion"},
    {"GET", "functions/*/aliases", "ListAliases"},
    {"POST", "functions/*/aliases", "CreateAlias"},
    {"GET", "functions/*/aliases/*", "GetAlias"},
    {"GET", "functions/*/async-invoke-config", "GetAsyncInvokeConfig"},
    {"GET", "functions/*/async-tasks", "ListAsyncTasks"},
    {"GET", "custom-domains", "ListCustomDomains"},
    {"GET", "layers", "ListLayers"},
};

// 400 PathNotSupported (FC's code for a path it does not serve) naming the call.
Route notEmulated(const Http::HttpRequest &request, const QList<QByteArray> &parts,
                  ApiGeneration api)
{
    QByteArrayList shape;
    for (qsizetype i = 2; i < parts.size(); ++i)
        shape << ((i % 2) == 1 ? QByteArray("*") : parts[i]);
    const QByteArray joined = shape.join('/');
    QString call;
    const auto find = [&](const auto &table) {
        for (const KnownCall &known : table)
            if (request.method == known.method && joined == known.shape)
                call = QString::fromLatin1(known.name);
    };
    if (api == ApiGeneration::Fc2)
        find(kFc2Calls);
    else
        find(kFc3Calls);
    const QString what = call.isEmpty() ? u"this call"_qs : u"FC's "_qs + call + u" call";
    const QString served =
        api == ApiGeneration::Fc2
            ? u"InvokeFunction, the HTTP trigger (/2016-08-15/proxy/...) and the read-only "
              u"GetService, GetFunction, ListFunctions and ListServices"_qs
            : u"InvokeFunction and the read-only GetFunction and ListFunctions"_qs;
    return errorRoute(400, Telemetry::FcError::PathNotSupported,
                      u"fcemu does not emulate "_qs + what + u" (" +
                          QString::fromUtf8(request.method) + u' ' +
                          QString::fromUtf8(request.path) + u"): it answers " + served,
                      api);
}

// FC2 names a version or an alias after the service: "service.qualifier".
std::pair<QString, QString> splitQualifier(const QString &segment)
{
    const qsizetype dot = segment.indexOf(u'.');
    if (dot < 0)
        return {segment, QString()};
    return {segment.left(dot), segment.mid(dot + 1)};
}

// fcemu serves the function as it is: LATEST. Another version or alias does not exist here.
std::optional<Route> checkQualifier(const QString &qualifier, ApiGeneration api)
{
    if (qualifier.isEmpty() || qualifier == u"LATEST"_qs)
        return std::nullopt;
    bool number = false;
    qualifier.toULongLong(&number);
    if (number)
        return errorRoute(
            404, Telemetry::FcError::VersionNotFound,
            u"version '"_qs + qualifier + u"' does not exist (fcemu serves only LATEST)", api);
    return errorRoute(404, Telemetry::FcError::AliasNotFound,
                      u"alias '"_qs + qualifier + u"' does not exist (fcemu serves only LATEST)",
                      api);
}

} // namespace

Route routeRequest(const Http::HttpRequest &request, const QString &functionName,
                   const QString &serviceName)
{
    const bool fc2 = request.path.startsWith(kFc2ApiPrefix);
    const bool fc3 = request.path.startsWith(kFc3ApiPrefix);
    const ApiGeneration api = fc2 ? ApiGeneration::Fc2 : ApiGeneration::Fc3;
    if (request.target.size() > kMaxPathBytes)
        return errorRoute(400, Telemetry::FcError::InvalidArgument,
                          u"the request path is longer than 4 KB ("_qs +
                              QString::number(request.target.size()) + u" bytes)",
                          api);
    if (request.path.startsWith(kEmulatorPrefix)) {
        Route local;
        local.kind = Route::Kind::Local;
        local.forwarded = request;
        return local;
    }

    const QByteArray type = request.header("x-fc-invocation-type").trimmed().toLower();
    if (!type.isEmpty() && type != "sync" && type != "async")
        return errorRoute(400, Telemetry::FcError::InvalidArgument,
                          u"X-Fc-Invocation-Type must be Sync or Async, not "_qs +
                              QString::fromUtf8(request.header("x-fc-invocation-type")),
                          api);
    Route route;
    route.api = api;
    route.async = type == "async";
    route.tail = request.header("x-fc-log-type").trimmed().toLower() == "tail";
    if (route.async && request.body.size() > kMaxAsyncBodyBytes)
        return errorRoute(400, Telemetry::FcError::EntityTooLarge,
                          u"the body of an asynchronous invocation may not exceed 128 KB ("_qs +
                              QString::number(request.body.size()) + u" bytes)",
                          api);

    if (!fc2 && !fc3) {
        // Every path outside FC's API prefixes is the HTTP trigger's, passed as it is.
        route.kind = Route::Kind::Http;
        route.forwarded = request;
        return route;
    }

    // "", "2023-03-30", "functions", ...; a trailing '/' names nothing more.
    QList<QByteArray> parts = request.path.split('/');
    if (parts.size() > 3 && parts.last().isEmpty())
        parts.removeLast();
    const qsizetype n = parts.size();
    const auto at = [&](qsizetype i) { return decoded(parts[i]); };
    const auto functionNotFound = [&](const QString &name) {
        return errorRoute(404, Telemetry::FcError::FunctionNotFound,
                          u"function '"_qs + name + u"' does not exist (fcemu serves '" +
                              functionName + u"')",
                          api);
    };
    const auto serviceNotFound = [&](const QString &name) {
        return errorRoute(404, Telemetry::FcError::ServiceNotFound,
                          u"service '"_qs + name + u"' does not exist (fcemu serves '" +
                              serviceName + u"')",
                          api);
    };
    const auto management = [&](const QString &call) {
        if (request.method != "GET" && request.method != "HEAD")
            return notEmulated(request, parts, api);
        route.kind = Route::Kind::Management;
        route.call = call;
        return route;
    };
    const auto invoke = [&]() {
        if (request.method != "POST")
            return errorRoute(
                405, Telemetry::FcError::MethodNotAllowed,
                u"InvokeFunction takes POST, not "_qs + QString::fromUtf8(request.method), api);
        route.kind = Route::Kind::Event;
        route.forwarded = request; // the body is the event; the rest is the record's
        return route;
    };

    if (fc3) {
        if (n < 3 || parts[2] != "functions")
            return notEmulated(request, parts, api);
        if (n == 3)
            return management(u"ListFunctions"_qs);
        if (at(3) != functionName)
            return functionNotFound(at(3));
        const QUrlQuery query(QString::fromUtf8(request.query));
        if (auto refused =
                checkQualifier(query.queryItemValue(u"qualifier"_qs, QUrl::FullyDecoded), api))
            return *refused;
        if (n == 4)
            return management(u"GetFunction"_qs);
        if (n == 5 && parts[4] == "invocations")
            return invoke();
        return notEmulated(request, parts, api);
    }

    // FC2: the HTTP trigger, /2016-08-15/proxy/{service[.qualifier]}/{function}/..., passes
    // the rest of the path.
    if (n >= 5 && parts[2] == "proxy") {
        const auto [service, qualifier] = splitQualifier(at(3));
        if (service != serviceName)
            return serviceNotFound(service);
        if (auto refused = checkQualifier(qualifier, api))
            return *refused;
        if (at(4) != functionName)
            return functionNotFound(at(4));
        route.kind = Route::Kind::Http;
        route.forwarded = request;
        route.forwarded.setTarget("/" + request.path.split('/').mid(5).join('/'), request.query);
        return route;
    }
    if (n < 3 || parts[2] != "services")
        return notEmulated(request, parts, api);
    if (n == 3)
        return management(u"ListServices"_qs);
    const auto [service, qualifier] = splitQualifier(at(3));
    if (service != serviceName)
        return serviceNotFound(service);
    if (auto refused = checkQualifier(qualifier, api))
        return *refused;
    if (n == 4)
        return management(u"GetService"_qs);
    if (parts[4] != "functions")
        return notEmulated(request, parts, api);
    if (n == 5)
        return management(u"ListFunctions"_qs);
    if (at(5) != functionName)
        return functionNotFound(at(5));
    if (n == 6)
        return management(u"GetFunction"_qs);
    if (n == 7 && parts[6] == "invocations")
        return invoke();
    return notEmulated(request, parts, api);
}

Http::HttpResponse errorResponse(int status, const QString &code, const QString &message,
                                 const QString &requestId, ApiGeneration api)
{
    Http::HttpResponse r;
    r.status = status;
    r.setHeader("X-Fc-Request-Id", requestId.toUtf8());
    r.setHeader("Content-Type", "application/json");
    if (api == ApiGeneration::Fc2)
        r.body = QByteArray::fromStdString(nlohmann::json{
            {"ErrorCode", code.toStdString()},
            {"ErrorMessage",
             message.toStdString()}}.dump());
    else
        r.body = QByteArray::fromStdString(nlohmann::json{
            {"Code", code.toStdString()},
            {"Message", message.toStdString()},
            {"RequestId",
             requestId.toStdString()}}.dump());
    return r;
}

namespace {

QString percentEncoded(const QString &name)
{
    return QString::fromUtf8(QUrl::toPercentEncoding(name));
}

} // namespace

QString fc3InvokePath(const QString &functionName)
{
    return QLatin1StringView(kFc3InvokePrefix) + percentEncoded(functionName) + u"/invocations"_qs;
}

QString httpTriggerPath(const QString &serviceName, const QString &functionName,
                        const QString &pathAndQuery)
{
    QString path = pathAndQuery;
    if (!path.startsWith(u'/'))
        path.prepend(u'/');
    return QLatin1StringView(kFc2ProxyPrefix) + percentEncoded(serviceName) + u'/' +
           percentEncoded(functionName) + path;
}

QByteArray tailLogResult(const QStringList &logs)
{
    const QByteArray all = (logs.join(u'\n') + u'\n').toUtf8();
    return all.right(kMaxTailLogBytes).toBase64();
}

Http::HttpResponse invocationResponse(const Telemetry::InvocationRecord &record, bool tail,
                                      ApiGeneration api, const QByteArray &codeChecksum)
{
    Http::HttpResponse r;
    r.status = record.statusCode;
    r.headers = record.responseHeaders; // the same type: shared, not copied
    const bool functionError = r.hasHeader("x-fc-error-type");
    if (record.error && !functionError && r.status >= 400) {
        // The platform's own error (startup, throttling, ...): FC's shape for the API called.
        Http::HttpResponse shaped = errorResponse(record.statusCode, record.error->code,
                                                  record.error->message, record.requestId, api);
        for (const auto &[name, value] : shaped.headers)
            r.setHeader(name, value);
        r.body = shaped.body;
    } else {
        r.body = record.body;
        // A function error FC reports itself ({"errorMessage": ...}) is JSON too.
        if (functionError && !r.hasHeader("content-type") && r.body.startsWith('{'))
            r.setHeader("Content-Type", "application/json");
    }
    if (!codeChecksum.isEmpty())
        r.setHeader("X-Fc-Code-Checksum", codeChecksum);
    if (tail)
        r.setHeader("X-Fc-Log-Result", tailLogResult(record.logs));
    return r;
}

QByteArray codeChecksum(const QByteArray &data)
{
    // CRC-64/XZ: ECMA-182's polynomial, reflected, all ones in and out (what OSS and FC use).
    quint64 crc = ~quint64(0);
    for (const char c : data) {
        crc ^= quint8(c);
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc >> 1) ^ ((crc & 1) ? 0xC96C5795D7870F42ULL : 0);
    }
    return QByteArray::number(~crc);
}

namespace {

// "2026-12-06T01:40:00Z", as FC writes its times.
std::string isoTime(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODate).toStdString();
}

nlohmann::ordered_json environmentJson(const Config::FunctionConfig &config)
{
    nlohmann::ordered_json env = nlohmann::ordered_json::object();
    for (const Config::EnvVar &v : config.env)
        env[v.key.toStdString()] = v.value.toStdString();
    return env;
}

nlohmann::ordered_json stringList(const QStringList &list)
{
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const QString &s : list)
        a.push_back(s.toStdString());
    return a;
}

nlohmann::ordered_json hookJson(const Config::LifecycleHook &hook)
{
    return {{"handler", hook.handler.toStdString()}, {"timeout", hook.timeoutS}};
}

// FC2's Service (2016-08-15 GetService).
nlohmann::ordered_json fc2Service(const Config::FunctionConfig &config, const std::string &time)
{
    return {{"serviceName", config.serviceName.toStdString()},
            {"serviceId", QUuid::createUuidV5(QUuid(), u"service/"_qs + config.serviceName)
                              .toString(QUuid::WithoutBraces)
                              .toStdString()},
            {"description", ""},
            {"role", ""},
            {"logConfig", {{"project", ""}, {"logstore", ""}}},
            {"internetAccess", true},
            {"createdTime", time},
            {"lastModifiedTime", time}};
}

// FC2's Function (2016-08-15 GetFunction) for a custom container: command and args are JSON
// strings in FC2's API.
nlohmann::ordered_json fc2Function(const Config::FunctionConfig &config, const QByteArray &checksum,
                                   const std::string &time)
{
    const auto jsonString = [](const QStringList &list) {
        return list.isEmpty() ? std::string() : stringList(list).dump();
    };
    nlohmann::ordered_json lifecycle = nlohmann::ordered_json::object();
    if (!config.preFreeze.handler.isEmpty())
        lifecycle["preFreeze"] = hookJson(config.preFreeze);
    if (!config.preStop.handler.isEmpty())
        lifecycle["preStop"] = hookJson(config.preStop);
    return {{"functionId",
             QUuid::createUuidV5(QUuid(), u"function/"_qs + config.serviceName + u'/' + config.name)
                 .toString(QUuid::WithoutBraces)
                 .toStdString()},
            {"functionName", config.name.toStdString()},
            {"description", ""},
            {"runtime", "custom-container"},
            {"handler", config.handler.toStdString()},
            {"timeout", config.timeoutS},
            {"initializer", config.initializer.handler.toStdString()},
            {"initializationTimeout", config.initializer.timeoutS},
            {"memorySize", config.memoryMB},
            {"cpu", Config::effectiveCpu(config)},
            {"diskSize", config.diskSizeMB},
            {"instanceType",
             config.instanceType == Config::InstanceType::Gpu ? "fc.gpu.tesla.1" : "e1"},
            {"instanceConcurrency", config.instanceConcurrency},
            {"caPort", config.caPort},
            {"customContainerConfig",
             {{"image", ""},
              {"command", jsonString(config.command)},
              {"args", jsonString(config.args)},
              {"accelerationType", "Default"},
              {"webServerMode", config.webServerMode}}},
            {"environmentVariables", environmentJson(config)},
            {"instanceLifecycleConfig", lifecycle},
            {"codeChecksum", checksum.toStdString()},
            {"codeSize", 0},
            {"layers", nlohmann::ordered_json::array()},
            {"createdTime", time},
            {"lastModifiedTime", time}};
}

// FC3's Function (2023-03-30 GetFunction): entrypoint and command are lists.
nlohmann::ordered_json fc3Function(const Config::FunctionConfig &config, const QByteArray &checksum,
                                   const std::string &time)
{
    const QString accountId =
        !config.accountId.isEmpty()
            ? config.accountId
            : Config::hostCredentials(QProcessEnvironment::systemEnvironment()).accountId;
    nlohmann::ordered_json lifecycle = nlohmann::ordered_json::object();
    if (!config.initializer.handler.isEmpty())
        lifecycle["initializer"] = hookJson(config.initializer);
    if (!config.preStop.handler.isEmpty())
        lifecycle["preStop"] = hookJson(config.preStop);
    return {{"functionId", QUuid::createUuidV5(QUuid(), u"function/"_qs + config.name)
                               .toString(QUuid::WithoutBraces)
                               .toStdString()},
            {"functionName", config.name.toStdString()},
            {"functionArn", QString(u"acs:fc:"_qs + config.region + u':' + accountId +
                                    u":functions/" + config.name)
                                .toStdString()},
            {"description", ""},
            {"runtime", "custom-container"},
            {"handler", config.handler.toStdString()},
            {"timeout", config.timeoutS},
            {"memorySize", config.memoryMB},
            {"cpu", Config::effectiveCpu(config)},
            {"diskSize", config.diskSizeMB},
            {"instanceConcurrency", config.instanceConcurrency},
            {"customContainerConfig",
             {{"image", ""},
              {"entrypoint", stringList(config.command)},
              {"command", stringList(config.args)},
              {"port", config.caPort}}},
            {"environmentVariables", environmentJson(config)},
            {"instanceLifecycleConfig", lifecycle},
            {"internetAccess", true},
            {"codeChecksum", checksum.toStdString()},
            {"codeSize", 0},
            {"state", "Active"},
            {"lastUpdateStatus", "Successful"},
            {"createdTime", time},
            {"lastModifiedTime", time}};
}

} // namespace

Http::HttpResponse managementResponse(const Route &route, const Config::FunctionConfig &config,
                                      const QByteArray &checksum, const QString &requestId)
{
    static const std::string started = isoTime(QDateTime::currentDateTimeUtc());
    nlohmann::ordered_json body;
    if (route.api == ApiGeneration::Fc2) {
        if (route.call == u"GetService"_qs)
            body = fc2Service(config, started);
        else if (route.call == u"ListServices"_qs)
            body = {{"services", {fc2Service(config, started)}}, {"nextToken", nullptr}};
        else if (route.call == u"GetFunction"_qs)
            body = fc2Function(config, checksum, started);
        else
            body = {{"functions", {fc2Function(config, checksum, started)}},
                    {"nextToken", nullptr}};
    } else if (route.call == u"GetFunction"_qs) {
        body = fc3Function(config, checksum, started);
    } else {
        body = {{"functions", {fc3Function(config, checksum, started)}}, {"nextToken", ""}};
    }
    Http::HttpResponse r;
    r.status = 200;
    r.setHeader("X-Fc-Request-Id", requestId.toUtf8());
    r.setHeader("Content-Type", "application/json");
    r.body = QByteArray::fromStdString(body.dump());
    return r;
}

// One client connection: HTTP/1.1 keep-alive, one request at a time (pipelined requests wait
// in the buffer), an idle timeout while no request is in flight. The socket is used directly
// (non-blocking, a notifier each way): a request costs one read and its reply one write, where
// QTcpSocket's buffering added an ioctl, a second read and copies.
class Connection final : public QObject
{
public:
    Connection(LocalServer *server, qintptr descriptor)
        : QObject(server), m_server(server), m_socket(int(descriptor)),
          m_readable(int(descriptor), QSocketNotifier::Read),
          m_writable(int(descriptor), QSocketNotifier::Write)
    {
        ::fcntl(m_socket.get(), F_SETFL, ::fcntl(m_socket.get(), F_GETFL) | O_NONBLOCK);
        const int one = 1; // a reply is one write: nothing to gain from Nagle's delay
        ::setsockopt(m_socket.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        m_writable.setEnabled(false);
        connect(&m_readable, &QSocketNotifier::activated, this, &Connection::read);
        connect(&m_writable, &QSocketNotifier::activated, this, &Connection::writeOut);
        m_idle.setSingleShot(true);
        m_idle.setInterval(server->m_idleTimeoutMs);
        connect(&m_idle, &QTimer::timeout, this, [this]() { m_closed ? finish() : close(); });
        m_idle.start();
    }

    void close()
    {
        if (m_closed)
            return;
        m_closed = true;
        m_readable.setEnabled(false);
        m_server->removeConnection(this);
        if (!m_out.isEmpty() && !m_failed) {
            // The last reply is still queued: let it go out (within the idle time), then go.
            m_idle.start();
            return;
        }
        finish();
    }

private:
    void finish()
    {
        m_idle.stop();
        m_readable.setEnabled(false);
        m_writable.setEnabled(false);
        m_socket.reset();
        deleteLater();
    }

    void read()
    {
        char chunk[64 * 1024];
        bool peerClosed = false;
        for (;;) {
            const ssize_t n = ::read(m_socket.get(), chunk, sizeof chunk);
            if (n > 0) {
                m_buffer.append(chunk, n);
                if (m_buffer.size() > kMaxBufferedBytes)
                    return close();
                if (size_t(n) < sizeof chunk)
                    break;
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else {
                if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                    peerClosed = true;
                    m_failed = n < 0;
                }
                break;
            }
        }
        process();
        if (peerClosed)
            close(); // the client is gone: a reply still to come has nowhere to go
    }

    // Sends what m_out holds; whatever the socket does not take now waits for it to drain.
    void writeOut()
    {
        while (m_written < m_out.size()) {
            const ssize_t n = ::send(m_socket.get(), m_out.constData() + m_written,
                                     size_t(m_out.size() - m_written), MSG_NOSIGNAL);
            if (n > 0) {
                m_written += n;
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                m_writable.setEnabled(true);
                return;
            } else {
                m_failed = true;
                m_out.clear();
                m_written = 0;
                m_writable.setEnabled(false);
                return m_closed ? finish() : close();
            }
        }
        m_out.clear();
        m_written = 0;
        m_writable.setEnabled(false);
        if (m_closed)
            finish();
    }

    void process()
    {
        while (!m_busy && !m_closed && !m_buffer.isEmpty()) {
            const Http::ParseStatus status = m_parser.feed(m_buffer);
            m_buffer.remove(0, qsizetype(m_parser.consumed()));
            switch (status) {
            case Http::ParseStatus::Incomplete:
                return;
            case Http::ParseStatus::BadRequest:
                return reply(errorResponse(400, Telemetry::FcError::InvalidArgument,
                                           m_parser.errorString(), Telemetry::newRequestId()),
                             false, false);
            case Http::ParseStatus::TooLarge: {
                const bool headers = m_parser.limitExceeded() == Http::ParseLimit::Headers;
                return reply(errorResponse(400,
                                           headers ? Telemetry::FcError::InvalidArgument
                                                   : Telemetry::FcError::EntityTooLarge,
                                           headers ? u"the request headers exceed 8 KB"_qs
                                                   : u"the request body exceeds 32 MB"_qs,
                                           Telemetry::newRequestId()),
                             false, false);
            }
            case Http::ParseStatus::Complete: {
                Http::HttpRequest request = m_parser.takeRequest();
                m_parser.reset();
                handle(request);
                break;
            }
            }
        }
    }

    void handle(const Http::HttpRequest &request)
    {
        Runtime::FunctionInvoker *pool = m_server->m_pool;
        const bool keepAlive = request.keepAlive;
        const bool head = request.method == "HEAD";
        const Route route = routeRequest(request, pool->config().name, pool->config().serviceName);
        if (route.kind == Route::Kind::Error)
            return reply(errorResponse(route.status, route.code, route.message,
                                       Telemetry::newRequestId(), route.api),
                         keepAlive, head);
        if (route.kind == Route::Kind::Local)
            return reply(m_server->m_localHandler
                             ? m_server->m_localHandler(route.forwarded)
                             : errorResponse(404, u"NotFound"_qs, u"no emulator endpoints here"_qs,
                                             Telemetry::newRequestId()),
                         keepAlive, head);
        if (auto refused = checkRequest(request, route.kind == Route::Kind::Http,
                                        route.api == ApiGeneration::Fc2, pool->config(),
                                        m_server->m_signingKey)) {
            Http::HttpResponse r = errorResponse(refused->status, refused->code, refused->message,
                                                 Telemetry::newRequestId(), route.api);
            r.setHeader("X-Fc-Error-Type", "FcCommonError");
            return reply(r, keepAlive, head);
        }
        if (route.kind == Route::Kind::Management)
            return reply(managementResponse(route, pool->config(), m_server->m_codeChecksum,
                                            Telemetry::newRequestId()),
                         keepAlive, head);
        const bool http = route.kind == Route::Kind::Http;
        if (http && !pool->config().webServerMode)
            // FC allows no HTTP trigger on a non-web-server function: only InvokeFunction.
            return reply(errorResponse(400, Telemetry::FcError::InvalidArgument,
                                       u"function '"_qs + pool->config().name +
                                           u"' is not in web-server mode (webServerMode false): FC "
                                           u"invokes it only through InvokeFunction, not over HTTP",
                                       Telemetry::newRequestId(), route.api),
                         keepAlive, head);
        if (route.async) {
            // FC answers an asynchronous invocation at once and runs it later.
            const QString requestId = pool->submit(route.forwarded, http, {}, true);
            Http::HttpResponse accepted;
            accepted.status = 202;
            accepted.setHeader("X-Fc-Request-Id", requestId.toUtf8());
            if (!http)
                accepted.setHeader("X-Fc-Code-Checksum", m_server->m_codeChecksum);
            return reply(accepted, keepAlive, head);
        }
        // FC leaves the log out of the reply when an instance serves several requests at once.
        const bool tail = route.tail && pool->config().instanceConcurrency == 1;
        const ApiGeneration api = route.api;
        const QByteArray checksum = http ? QByteArray() : m_server->m_codeChecksum;
        m_busy = true;
        m_idle.stop();
        QPointer<Connection> self(this);
        pool->submit(route.forwarded, http,
                     [self, tail, keepAlive, head, api,
                      checksum](const Telemetry::InvocationRecord &record) {
                         Connection *connection = self.data();
                         if (connection == nullptr)
                             return; // the client went away meanwhile
                         connection->m_busy = false;
                         connection->reply(invocationResponse(record, tail, api, checksum),
                                           keepAlive, head);
                     });
    }

    void reply(Http::HttpResponse response, bool keepAlive, bool head)
    {
        if (m_closed)
            return;
        response.keepAlive = keepAlive;
        m_out += response.toBytes(head);
        writeOut(); // now, in one write, not on the next turn of the event loop
        if (m_closed)
            return; // the write failed
        if (!keepAlive)
            return close();
        m_idle.start();
        process(); // a pipelined request may be waiting
    }

    LocalServer *m_server;
    UniqueFd m_socket;
    QSocketNotifier m_readable;
    QSocketNotifier m_writable;
    Http::RequestParser m_parser;
    QByteArray m_buffer;     // received, not yet parsed
    QByteArray m_out;        // replies not yet sent
    qsizetype m_written = 0; // of m_out
    QTimer m_idle;
    bool m_busy = false;
    bool m_closed = false;
    bool m_failed = false; // the socket failed: nothing more can be sent
};

LocalServer::LocalServer(Runtime::FunctionInvoker *pool, QObject *parent)
    : QTcpServer(parent), m_pool(pool)
{
    if (const auto &image = pool->image(); image)
        m_codeChecksum = codeChecksum(image->info.manifestDigest.toString().toUtf8());
}

LocalServer::~LocalServer() = default;

Status LocalServer::start(const QHostAddress &address, quint16 port)
{
    if (!listen(address, port))
        return fail(ErrorKind::Usage, u"cannot listen on "_qs + address.toString() + u':' +
                                          QString::number(port) + u": " + errorString() +
                                          u" (choose another with --listen HOST:PORT)");
    return {};
}

QString LocalServer::baseUrl() const
{
    const QHostAddress a = serverAddress();
    const QString host =
        a.protocol() == QAbstractSocket::IPv6Protocol ? u'[' + a.toString() + u']' : a.toString();
    return u"http://"_qs + host + u':' + QString::number(serverPort());
}

void LocalServer::incomingConnection(qintptr socketDescriptor)
{
    if (m_connections.size() >= m_maxConnections) {
        // Over the limit: refuse the connection at once, as qBittorrent's server does.
        QTcpSocket refused;
        refused.setSocketDescriptor(socketDescriptor);
        refused.abort();
        return;
    }
    m_connections.insert(new Connection(this, socketDescriptor));
}

void LocalServer::removeConnection(Connection *connection)
{
    m_connections.remove(connection);
}

} // namespace Fcemu::Gateway
