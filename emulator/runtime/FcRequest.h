#pragma once

#include <QByteArray>
#include <QString>

#include "config/FunctionConfig.h"
#include "gateway/HttpMessage.h"

namespace Fcemu::Runtime {

// FC's control paths (fc-semantics §2.1) and lifecycle hooks (§2.5).
inline constexpr char kInvokePath[] = "/invoke";
inline constexpr char kHttpInvokePath[] = "/http-invoke";
inline constexpr char kInitializePath[] = "/initialize";
inline constexpr char kPreFreezePath[] = "/pre-freeze";
inline constexpr char kPreStopPath[] = "/pre-stop";

// The common x-fc-* headers FC sends with every request (SPEC §4), for `controlPath`.
Gateway::HttpHeaders commonHeaders(const Config::FunctionConfig &config, const QString &requestId,
                                   const QByteArray &controlPath);

// POST /invoke, Content-Type application/octet-stream, body = the event.
Gateway::HttpRequest eventRequest(const Config::FunctionConfig &config, const QString &requestId,
                                  const QByteArray &event);

// The client's request passed through: method, path, query, headers and body, without the
// headers a client may not send (x-fc-*, connection, keep-alive), plus the common headers.
Gateway::HttpRequest httpRequest(const Config::FunctionConfig &config, const QString &requestId,
                                 const Gateway::HttpRequest &client);

// POST /initialize, GET /pre-freeze, GET /pre-stop.
Gateway::HttpRequest hookRequest(const Config::FunctionConfig &config, const QString &requestId,
                                 const QByteArray &method, const QByteArray &controlPath);

// Response headers FC does not pass back to the client (fc-semantics §7).
bool isForbiddenResponseHeader(QByteArrayView name, QByteArrayView value);

} // namespace Fcemu::Runtime
