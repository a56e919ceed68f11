#include "RecordEndpoints.h"

#include <QCoreApplication>
#include <QUrlQuery>

#include "LocalServer.h"
#include "telemetry/FcErrors.h"

namespace Fcemu::Gateway {

namespace {

using ojson = nlohmann::ordered_json;

Http::HttpResponse jsonResponse(int status, const std::string &body)
{
    Http::HttpResponse r;
    r.status = status;
    r.setHeader("Content-Type", "application/json");
    r.setHeader("Cache-Control", "no-store");
    r.body = QByteArray::fromStdString(body);
    return r;
}

Http::HttpResponse errorResponse(int status, const QString &code, const QString &message)
{
    return jsonResponse(
        status, ojson{{"Code", code.toStdString()}, {"Message", message.toStdString()}}.dump());
}

} // namespace

Http::HttpResponse recordEndpointResponse(const Telemetry::RecordStore &store,
                                          const Http::HttpRequest &request,
                                          const HarOptions &options)
{
    const bool invocations = request.path == kInvocationsPath;
    const bool har = request.path == kHarPath;
    if (!invocations && !har)
        return errorResponse(404, u"NotFound"_qs,
                             u"no such emulator endpoint: "_qs + QString::fromUtf8(request.path) +
                                 u" (there are "_qs + QLatin1StringView(kInvocationsPath) +
                                 u" and " + QLatin1StringView(kHarPath) + u')');
    if (request.method != "GET" && request.method != "HEAD") {
        Http::HttpResponse r =
            errorResponse(405, Telemetry::FcError::MethodNotAllowed,
                          QString::fromUtf8(request.path) + u" is read-only: use GET, not "_qs +
                              QString::fromUtf8(request.method));
        r.setHeader("Allow", "GET, HEAD");
        return r;
    }

    qsizetype first = 0;
    const QUrlQuery query(QString::fromUtf8(request.query));
    if (query.hasQueryItem(u"since"_qs)) {
        bool ok = false;
        const quint64 since = query.queryItemValue(u"since"_qs).toULongLong(&ok);
        if (!ok)
            return errorResponse(400, Telemetry::FcError::InvalidArgument,
                                 u"since takes a record serial (a whole number), not '"_qs +
                                     query.queryItemValue(u"since"_qs) + u'\'');
        // Records are numbered consecutively from the oldest kept one.
        first = store.isEmpty() ? 0
                : since < store.serialAt(0)
                    ? 0
                    : qsizetype(
                          std::min<quint64>(since - store.serialAt(0) + 1, quint64(store.size())));
    }

    if (har) {
        QList<const Telemetry::InvocationRecord *> records;
        for (qsizetype row = first; row < store.size(); ++row)
            records.append(&store.at(row));
        return jsonResponse(200, harDocument(records, options).dump());
    }
    ojson out = ojson::array();
    for (qsizetype row = first; row < store.size(); ++row) {
        ojson report = store.at(row).toReport();
        report["serial"] = store.serialAt(row);
        out.push_back(std::move(report));
    }
    return jsonResponse(200, out.dump());
}

void serveRecordEndpoints(LocalServer &server, const Telemetry::RecordStore &store,
                          const QString &serviceName, const QString &functionName)
{
    HarOptions har;
    har.baseUrl = server.baseUrl();
    har.serviceName = serviceName;
    har.functionName = functionName;
    har.creatorVersion = QCoreApplication::applicationVersion();
    server.setLocalHandler([&store, har](const Http::HttpRequest &request) {
        return recordEndpointResponse(store, request, har);
    });
}

} // namespace Fcemu::Gateway
