#pragma once

#include <QList>
#include <QString>

#include <nlohmann/json.hpp>

#include "common/Error.h"
#include "telemetry/InvocationRecord.h"

// HAR 1.2 export of invocation records (CONTRACT §7): one entry per invocation, the client's
// request and the reply as a browser's network log shows them, the measured send/wait/receive as
// the entry's timings, and what HAR has no field for (platform phases, cold or warm, instance,
// memory, billing with its working, what the container received) in an entry-level "_fc"
// object, as HAR allows for custom fields. http://www.softwareishard.com/blog/har-12-spec/
namespace Fcemu::Gateway {

struct HarOptions
{
    bool includeSecrets = false; // keep the values of the headers credentialHeaderNames() lists
    QString baseUrl;             // "http://127.0.0.1:8000": the requests' URLs start with it
    QString serviceName;         // the HTTP trigger path, /2016-08-15/proxy/{service}/{function}
    QString functionName;        // and FC3's InvokeFunction path
    QString creatorVersion;      // log.creator.version
};

// The header names (lower case) whose values are replaced by kRedacted unless includeSecrets.
const QStringList &credentialHeaderNames();
inline constexpr char kRedacted[] = "(redacted)";

// The request URL of a record: baseUrl + the HTTP trigger path + the client's path and query
// for kind "http", baseUrl + FC3's InvokeFunction path for an event.
QString harRequestUrl(const Telemetry::InvocationRecord &record, const HarOptions &options);

nlohmann::ordered_json harEntry(const Telemetry::InvocationRecord &record,
                                const HarOptions &options);
nlohmann::ordered_json harDocument(const QList<const Telemetry::InvocationRecord *> &records,
                                   const HarOptions &options);

// Writes harDocument() to path through a temporary file in the same folder that replaces path
// only when complete (an interrupted export leaves no half file). The error names the path.
Status writeHar(const QString &path, const QList<const Telemetry::InvocationRecord *> &records,
                const HarOptions &options);

} // namespace Fcemu::Gateway
