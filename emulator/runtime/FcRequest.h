#pragma once

#include <QByteArray>
#include <QString>

#include "config/FunctionConfig.h"
#include "http/HttpMessage.h"

namespace Fcemu::Runtime {

// FC's control paths (fc-semantics §2.1) and lifecycle hooks (§2.5).
inline constexpr char kInvokePath[] = "/invoke";
inline constexpr char kHttpInvokePath[] = "/http-invoke";
inline constexpr char kInitializePath[] = "/initialize";
inline constexpr char kPreFreezePath[] = "/pre-freeze";
inline constexpr char kPreStopPath[] = "/pre-stop";

// The common x-fc-* headers FC sends with every request (CONTRACT §4), for `controlPath`.
Http::HttpHeaders commonHeaders(const Config::FunctionConfig &config, const QString &requestId,
                                const QByteArray &controlPath);

// commonHeaders() built once for one function (the instance pool's hot path): only
// x-fc-request-id and x-fc-control-path differ between requests. The host's credentials are read
// when this is built, as an instance's environment is read when the instance starts.
class CommonHeaderCache final
{
public:
    explicit CommonHeaderCache(const Config::FunctionConfig &config);
    Http::HttpHeaders headers(const QString &requestId, const QByteArray &controlPath) const;
    // Appends them to out, growing it once.
    void appendTo(Http::HttpHeaders &out, const QString &requestId,
                  const QByteArray &controlPath) const;

private:
    Http::HttpHeaders m_headers;
};

// POST /invoke, Content-Type application/octet-stream, body = the event. The builders take the
// common headers from cache when given.
Http::HttpRequest eventRequest(const Config::FunctionConfig &config, const QString &requestId,
                               const QByteArray &event, const CommonHeaderCache *cache = nullptr);

// The client's request passed through: method, path, query, headers and body, without the
// headers a client may not send (x-fc-*, connection, keep-alive), plus the common headers.
Http::HttpRequest httpRequest(const Config::FunctionConfig &config, const QString &requestId,
                              const Http::HttpRequest &client,
                              const CommonHeaderCache *cache = nullptr);

// POST /initialize, GET /pre-freeze, GET /pre-stop.
Http::HttpRequest hookRequest(const Config::FunctionConfig &config, const QString &requestId,
                              const QByteArray &method, const QByteArray &controlPath,
                              const CommonHeaderCache *cache = nullptr);

// Response headers FC does not pass back to the client (fc-semantics §7).
bool isForbiddenResponseHeader(QByteArrayView name, QByteArrayView value);

} // namespace Fcemu::Runtime
