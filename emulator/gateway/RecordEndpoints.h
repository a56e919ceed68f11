#pragma once

#include <functional>

#include "http/HttpMessage.h"
#include "gateway/Routing.h"
#include "gateway/Har.h"
#include "telemetry/RecordStore.h"

// The read-only views of a session's records on the local endpoints, under a prefix FC never
// uses (LocalServer routes every /fcemu/ path here):
//   GET /fcemu/invocations[?since=SERIAL]  the CONTRACT §1.2 reports, oldest first, each with its
//                                          "serial"; with since, only those after SERIAL
//   GET /fcemu/har                         the session as HAR 1.2 (secrets redacted)
namespace Fcemu::Gateway {

inline constexpr char kInvocationsPath[] = "/fcemu/invocations";
inline constexpr char kHarPath[] = "/fcemu/har";

// Pure: the reply to a request for an /fcemu/ path. 404 for another path, 405 for a method
// other than GET or HEAD, 400 for a since that is not a number.
Http::HttpResponse recordEndpointResponse(const Telemetry::RecordStore &store,
                                          const Http::HttpRequest &request,
                                          const HarOptions &options);

// Several functions' records in one store (`fcemu serve --config s.yaml`): functionOf(row) is
// the index in perFunction of the function the record at row belongs to. Each report then
// carries "functionName" and "serviceName", each HAR entry its own function's URL, and
// ?function=NAME keeps one function's records.
Http::HttpResponse recordEndpointResponse(const Telemetry::RecordStore &store,
                                          const Http::HttpRequest &request,
                                          const QList<HarOptions> &perFunction,
                                          const std::function<int(qsizetype row)> &functionOf);

class LocalServer;

// Answers the /fcemu/ paths of a listening server from store, the HAR's URLs built from the
// server's address and the function's names. store must outlive the server.
void serveRecordEndpoints(LocalServer &server, const Telemetry::RecordStore &store,
                          const QString &serviceName, const QString &functionName);
// The same for several functions (names in the server's order), functionOf as above.
void serveRecordEndpoints(LocalServer &server, const Telemetry::RecordStore &store,
                          const QList<ServedName> &functions,
                          std::function<int(qsizetype row)> functionOf);

} // namespace Fcemu::Gateway
