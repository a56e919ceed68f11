#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include "common/Error.h"
#include "telemetry/InvocationRecord.h"

// HAR import: the reverse of Har.h, for comparing runs in the desktop app (issue 13 item 5).
//
// Two kinds of entry are read. One written by fcemu's export (it has the entry-level "_fc"
// object) comes back as the record it was written from: everything Har.h writes is read back
// (ids, kind, cold or warm, the client's request, the reply, the container's headers, the logs,
// every phase, memory and the billing with its working), so records → HAR → records → HAR gives
// the same file. One written by a browser (Chrome's or Firefox's "Save all as HAR") has only the
// HTTP part: method, URL, headers, status, bodies (base64 with content.encoding too) and the
// timings; it becomes an HTTP-only record (kind "http", no instance, no platform phases, no
// billing).
//
// What no HAR holds is not invented: billing quantities and usage stay empty (the working lines
// and the cost are kept as written), and an event call whose target was not an FC path (the
// desktop app's own calls) comes back with the FC3 InvokeFunction path the export wrote for it.
namespace Fcemu::Gateway {

struct HarRun
{
    Telemetry::InvocationRecord record;
    // True when the entry had fcemu's "_fc" object: phases, instance, billing and logs are the
    // platform's. False for a browser's entry: the HTTP part only.
    bool hasPlatformData = false;
};

struct ImportedHar
{
    QString creatorName; // log.creator: "fcemu", "WebInspector", "Firefox", ...
    QString creatorVersion;
    QList<HarRun> runs; // in the file's order
};

// Refuses files larger than this before reading them (a browser's HAR of a long session can
// be hundreds of MB; the request list keeps 10,000 records).
inline constexpr qint64 kMaxHarBytes = 512ll * 1024 * 1024;

// Parses a HAR document. `name` (the file name) starts every error message, which is one line
// and names the JSON path: "a.har: log.entries[3].request.url: missing".
Result<ImportedHar> parseHar(const QByteArray &json, const QString &name);

// Reads and parses the HAR file at path (the errors name the path).
Result<ImportedHar> readHar(const QString &path);

// The request target (path?query) of a HAR request URL: "http://127.0.0.1:9000/a/b?c=1" →
// "/a/b?c=1". An fcemu entry of kind "http" has the HTTP trigger's prefix
// (/2016-08-15/proxy/{service}/{function}) taken off, as the export added it.
QString harTargetOf(const QString &url, bool stripTriggerPrefix);

} // namespace Fcemu::Gateway
