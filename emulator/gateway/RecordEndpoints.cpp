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
    return recordEndpointResponse(store, request, QList<HarOptions>{options},
                                  [](qsizetype) { return 0; });
}

Http::HttpResponse recordEndpointResponse(const Telemetry::RecordStore &store,
                                          const Http::HttpRequest &request,
                                          const QList<HarOptions> &perFunction,
                                          const std::function<int(qsizetype row)> &functionOf)
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
    // ?function=NAME: one function's records.
    int only = -1;
    if (query.hasQueryItem(u"function"_qs)) {
        const QString name = query.queryItemValue(u"function"_qs, QUrl::FullyDecoded);
        QStringList names;
        for (int i = 0; i < perFunction.size(); ++i) {
            names << perFunction[i].functionName;
            if (only < 0 && perFunction[i].functionName == name)
                only = i;
        }
        if (only < 0)
            return errorResponse(404, Telemetry::FcError::FunctionNotFound,
                                 u"function '"_qs + name + u"' is not served here (there are " +
                                     names.join(u", "_qs) + u')');
    }
    const bool several = perFunction.size() > 1;
    const auto ownerOf = [&](qsizetype row) {
        return qBound(0, functionOf(row), int(perFunction.size()) - 1);
    };

    if (har) {
        QList<const Telemetry::InvocationRecord *> records;
        ojson entries = ojson::array();
        for (qsizetype row = first; row < store.size(); ++row) {
            if (only >= 0 && ownerOf(row) != only)
                continue;
            records.append(&store.at(row));
            entries.push_back(harEntry(store.at(row), perFunction.at(ownerOf(row))));
        }
        const HarOptions &main = perFunction.at(only >= 0 ? only : 0);
        ojson document = harDocument(records, main);
        if (several && only < 0) {
            QStringList names;
            for (const HarOptions &o : perFunction)
                names << o.functionName;
            document["log"]["entries"] = std::move(entries);
            document["log"]["comment"] =
                QString(u"Function Compute invocations of "_qs + names.join(u", "_qs) +
                        u" recorded by fcemu; platform phases and billing in \"_fc\""_qs)
                    .toStdString();
        }
        return jsonResponse(200, document.dump());
    }
    ojson out = ojson::array();
    for (qsizetype row = first; row < store.size(); ++row) {
        if (only >= 0 && ownerOf(row) != only)
            continue;
        ojson report = store.at(row).toReport();
        report["serial"] = store.serialAt(row);
        if (several) {
            report["functionName"] = perFunction.at(ownerOf(row)).functionName.toStdString();
            report["serviceName"] = perFunction.at(ownerOf(row)).serviceName.toStdString();
        }
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

namespace Fcemu::Gateway {

void serveRecordEndpoints(LocalServer &server, const Telemetry::RecordStore &store,
                          const QList<ServedName> &functions,
                          std::function<int(qsizetype row)> functionOf)
{
    QList<HarOptions> perFunction;
    for (const ServedName &name : functions) {
        HarOptions har;
        har.baseUrl = server.baseUrl();
        har.serviceName = name.serviceName;
        har.functionName = name.functionName;
        har.creatorVersion = QCoreApplication::applicationVersion();
        perFunction.append(har);
    }
    server.setLocalHandler([&store, perFunction,
                            functionOf = std::move(functionOf)](const Http::HttpRequest &request) {
        return recordEndpointResponse(store, request, perFunction, functionOf);
    });
}

} // namespace Fcemu::Gateway
