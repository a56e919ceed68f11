#pragma once

#include <QString>

#include "telemetry/InvocationRecord.h"

namespace Fcemu::Session {
class FunctionSession;
}

namespace Fcemu::Ui {

// A shell word: 'text' with every ' written as '\''.
QString shellQuote(const QString &text);

// The local endpoint's FC3 invoke URL for an event: <endpoint>/2023-03-30/functions/<name>/
// invocations (the name percent-encoded).
QString eventInvokeUrl(const QString &endpointUrl, const QString &functionName);

// A curl command that repeats the record's request against `url` (the HTTP trigger URL of the
// client's path for an http record, the event invoke URL for an event record): the client's
// method, headers and body, as a browser's "Copy as curl" writes it, one option per line. Hop-by-
// hop headers and those curl computes (Host, Content-Length, Connection, ...) are left out. A
// body that is not printable UTF-8 is piped in as base64 (`base64 -d | curl --data-binary @-`).
QString curlCommand(const Telemetry::InvocationRecord &record, const QString &url);

// The same against the session's local endpoint; empty when the session serves no endpoint
// (nothing loaded, or non-web-server mode).
QString curlCommand(const Telemetry::InvocationRecord &record,
                    const Session::FunctionSession &session);

} // namespace Fcemu::Ui
