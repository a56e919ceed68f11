#include "gateway/Routing.h"

#include <optional>
#include <utility>

#include <QUrl>
#include <QUrlQuery>

#include "telemetry/FcErrors.h"

namespace Fcemu::Gateway {

namespace {

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

// The names the served functions go by, for "fcemu serves ..." in the errors.
QString servedList(const QList<ServedName> &served, bool withService)
{
    QStringList names;
    for (const ServedName &s : served)
        names << u'\'' + (withService ? s.serviceName + u'/' : QString()) + s.functionName + u'\'';
    names.removeDuplicates();
    return names.join(u", "_qs);
}

} // namespace

Route routeRequest(const Http::HttpRequest &request, const QString &functionName,
                   const QString &serviceName)
{
    return routeRequest(request, QList<ServedName>{{serviceName, functionName}});
}

Route routeRequest(const Http::HttpRequest &request, const QList<ServedName> &served)
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
        // Every path outside FC's API prefixes is the HTTP trigger's (of the first function),
        // passed as it is.
        route.kind = Route::Kind::Http;
        route.function = 0;
        route.forwarded = request;
        return route;
    }

    // "", "2023-03-30", "functions", ...; a trailing '/' names nothing more.
    QList<QByteArray> parts = request.path.split('/');
    if (parts.size() > 3 && parts.last().isEmpty())
        parts.removeLast();
    const qsizetype n = parts.size();
    const auto at = [&](qsizetype i) { return decoded(parts[i]); };
    const auto functionNotFound = [&](const QString &name, const QString &service) {
        const bool fc2Names = !service.isNull();
        return errorRoute(404, Telemetry::FcError::FunctionNotFound,
                          u"function '"_qs + name + u"' does not exist" +
                              (fc2Names ? u" in service '"_qs + service + u'\'' : QString()) +
                              u" (fcemu serves " + servedList(served, fc2Names) + u')',
                          api);
    };
    const auto serviceNotFound = [&](const QString &name) {
        QStringList services;
        for (const ServedName &s : served)
            services << u'\'' + s.serviceName + u'\'';
        services.removeDuplicates();
        return errorRoute(404, Telemetry::FcError::ServiceNotFound,
                          u"service '"_qs + name + u"' does not exist (fcemu serves " +
                              services.join(u", "_qs) + u')',
                          api);
    };
    // The served function of that name (in that service, for FC2), or -1.
    const auto find = [&](const QString &name, const QString &service) {
        for (int i = 0; i < served.size(); ++i)
            if (served[i].functionName == name &&
                (service.isNull() || served[i].serviceName == service))
                return i;
        return -1;
    };
    const auto hasService = [&](const QString &service) {
        for (const ServedName &s : served)
            if (s.serviceName == service)
                return true;
        return false;
    };
    const auto management = [&](const QString &call, int function, QList<int> listed = {}) {
        if (request.method != "GET" && request.method != "HEAD")
            return notEmulated(request, parts, api);
        route.kind = Route::Kind::Management;
        route.call = call;
        route.function = function;
        route.functions = std::move(listed);
        return route;
    };
    const auto invoke = [&](int function) {
        if (request.method != "POST")
            return errorRoute(
                405, Telemetry::FcError::MethodNotAllowed,
                u"InvokeFunction takes POST, not "_qs + QString::fromUtf8(request.method), api);
        route.kind = Route::Kind::Event;
        route.function = function;
        route.forwarded = request; // the body is the event; the rest is the record's
        return route;
    };

    if (fc3) {
        if (n < 3 || parts[2] != "functions")
            return notEmulated(request, parts, api);
        if (n == 3) {
            QList<int> all;
            QStringList seen;
            for (int i = 0; i < served.size(); ++i)
                if (!seen.contains(served[i].functionName)) {
                    seen << served[i].functionName;
                    all << i;
                }
            return management(u"ListFunctions"_qs, 0, all);
        }
        const int function = find(at(3), QString());
        if (function < 0)
            return functionNotFound(at(3), QString());
        const QUrlQuery query(QString::fromUtf8(request.query));
        if (auto refused =
                checkQualifier(query.queryItemValue(u"qualifier"_qs, QUrl::FullyDecoded), api))
            return *refused;
        if (n == 4)
            return management(u"GetFunction"_qs, function);
        if (n == 5 && parts[4] == "invocations")
            return invoke(function);
        return notEmulated(request, parts, api);
    }

    // FC2: the HTTP trigger, /2016-08-15/proxy/{service[.qualifier]}/{function}/..., passes
    // the rest of the path.
    if (n >= 5 && parts[2] == "proxy") {
        const auto [service, qualifier] = splitQualifier(at(3));
        if (!hasService(service))
            return serviceNotFound(service);
        if (auto refused = checkQualifier(qualifier, api))
            return *refused;
        const int function = find(at(4), service);
        if (function < 0)
            return functionNotFound(at(4), service);
        route.kind = Route::Kind::Http;
        route.function = function;
        route.forwarded = request;
        route.forwarded.setTarget("/" + request.path.split('/').mid(5).join('/'), request.query);
        return route;
    }
    if (n < 3 || parts[2] != "services")
        return notEmulated(request, parts, api);
    if (n == 3) {
        QList<int> firstOfEach;
        QStringList seen;
        for (int i = 0; i < served.size(); ++i)
            if (!seen.contains(served[i].serviceName)) {
                seen << served[i].serviceName;
                firstOfEach << i;
            }
        return management(u"ListServices"_qs, 0, firstOfEach);
    }
    const auto [service, qualifier] = splitQualifier(at(3));
    if (!hasService(service))
        return serviceNotFound(service);
    if (auto refused = checkQualifier(qualifier, api))
        return *refused;
    QList<int> inService;
    for (int i = 0; i < served.size(); ++i)
        if (served[i].serviceName == service)
            inService << i;
    if (n == 4)
        return management(u"GetService"_qs, inService.first());
    if (parts[4] != "functions")
        return notEmulated(request, parts, api);
    if (n == 5)
        return management(u"ListFunctions"_qs, inService.first(), inService);
    const int function = find(at(5), service);
    if (function < 0)
        return functionNotFound(at(5), service);
    if (n == 6)
        return management(u"GetFunction"_qs, function);
    if (n == 7 && parts[6] == "invocations")
        return invoke(function);
    return notEmulated(request, parts, api);
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

QString fc2InvokePath(const QString &serviceName, const QString &functionName)
{
    return QLatin1StringView(kFc2InvokePrefix) + percentEncoded(serviceName) + u"/functions/"_qs +
           percentEncoded(functionName) + u"/invocations"_qs;
}

} // namespace Fcemu::Gateway
