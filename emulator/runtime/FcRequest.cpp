#include "FcRequest.h"

#include <QProcessEnvironment>

#include "config/Environment.h"

namespace Fcemu::Runtime {

Http::HttpHeaders commonHeaders(const Config::FunctionConfig &config, const QString &requestId,
                                const QByteArray &controlPath)
{
    // Only the four variables read: copying the whole environment per request was a tenth of
    // the gateway's time.
    QProcessEnvironment host;
    for (const char *name : {"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                             "ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_ACCOUNT_ID"})
        if (qEnvironmentVariableIsSet(name))
            host.insert(QString::fromLatin1(name), qEnvironmentVariable(name));
    Config::Credentials c = Config::hostCredentials(host);
    if (!config.accountId.isEmpty())
        c.accountId = config.accountId; // --account-id
    const auto u8 = [](const QString &s) -> QByteArray { return s.toUtf8(); };
    return {
        {"x-fc-request-id", u8(requestId)},
        {"x-fc-access-key-id", u8(c.accessKeyId)},
        {"x-fc-access-key-secret", u8(c.accessKeySecret)},
        {"x-fc-security-token", u8(c.securityToken)},
        {"x-fc-function-name", u8(config.name)},
        {"x-fc-function-handler", u8(config.handler)},
        {"x-fc-function-memory", QByteArray::number(config.memoryMB)},
        {"x-fc-function-timeout", QByteArray::number(config.timeoutS)},
        {"x-fc-function-initializer", u8(config.initializer.handler)},
        {"x-fc-initialization-timeout", QByteArray::number(config.initializer.timeoutS)},
        {"x-fc-region", u8(config.region)},
        {"x-fc-account-id", u8(c.accountId)},
        {"x-fc-qualifier", "LATEST"},
        {"x-fc-version-id", ""},
        {"x-fc-service-name", u8(config.serviceName)},
        {"x-fc-service-logproject", ""},
        {"x-fc-service-logstore", ""},
        {"x-fc-control-path", controlPath},
    };
}

CommonHeaderCache::CommonHeaderCache(const Config::FunctionConfig &config)
    : m_headers(commonHeaders(config, QString(), QByteArray()))
{
}

Http::HttpHeaders CommonHeaderCache::headers(const QString &requestId,
                                             const QByteArray &controlPath) const
{
    Http::HttpHeaders h = m_headers; // the values are implicitly shared, not copied
    h.first().second = requestId.toUtf8();
    h.last().second = controlPath;
    return h;
}

void CommonHeaderCache::appendTo(Http::HttpHeaders &out, const QString &requestId,
                                 const QByteArray &controlPath) const
{
    out.reserve(out.size() + m_headers.size());
    out.append({m_headers.first().first, requestId.toUtf8()});
    for (qsizetype i = 1; i + 1 < m_headers.size(); ++i)
        out.append(m_headers[i]); // implicitly shared, not copied
    out.append({m_headers.last().first, controlPath});
}

namespace {

Http::HttpHeaders common(const Config::FunctionConfig &config, const QString &requestId,
                         const QByteArray &controlPath, const CommonHeaderCache *cache)
{
    return cache ? cache->headers(requestId, controlPath)
                 : commonHeaders(config, requestId, controlPath);
}

// Hop-by-hop and framing headers, the Host the emulator sets, and FC's own x-fc-* (a client
// may not forge them): compared without building lower-case copies.
bool droppedClientHeader(QByteArrayView name)
{
    static const QByteArrayView dropped[] = {"connection", "keep-alive", "host", "content-length",
                                             "transfer-encoding"};
    if (Http::Headers::isFcName(name))
        return true;
    for (QByteArrayView d : dropped)
        if (Http::Headers::sameName(name, d))
            return true;
    return false;
}

} // namespace

Http::HttpRequest eventRequest(const Config::FunctionConfig &config, const QString &requestId,
                               const QByteArray &event, const CommonHeaderCache *cache)
{
    Http::HttpRequest r;
    r.method = "POST";
    r.setTarget(kInvokePath);
    r.headers.reserve(20);
    if (cache)
        cache->appendTo(r.headers, requestId, kInvokePath);
    else
        r.headers = commonHeaders(config, requestId, kInvokePath);
    r.headers.append(
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/octet-stream")});
    r.body = event;
    return r;
}

Http::HttpRequest httpRequest(const Config::FunctionConfig &config, const QString &requestId,
                              const Http::HttpRequest &client, const CommonHeaderCache *cache)
{
    Http::HttpRequest r;
    r.method = client.method;
    r.setTarget(client.path.isEmpty() ? QByteArray("/") : client.path, client.query);
    r.headers.reserve(client.headers.size() + 20);
    for (const auto &header : client.headers)
        if (!droppedClientHeader(header.first))
            r.headers.append(header);
    if (cache)
        cache->appendTo(r.headers, requestId, kHttpInvokePath);
    else
        r.headers += commonHeaders(config, requestId, kHttpInvokePath);
    r.body = client.body;
    return r;
}

Http::HttpRequest hookRequest(const Config::FunctionConfig &config, const QString &requestId,
                              const QByteArray &method, const QByteArray &controlPath,
                              const CommonHeaderCache *cache)
{
    Http::HttpRequest r;
    r.method = method;
    r.setTarget(controlPath);
    r.headers = common(config, requestId, controlPath, cache);
    return r;
}

bool isForbiddenResponseHeader(QByteArrayView name, QByteArrayView value)
{
    // Compared without lower-case copies: this runs for every header of every reply.
    const auto is = [name](QByteArrayView other) { return Http::Headers::sameName(name, other); };
    if (Http::Headers::isFcName(name) && !is("x-fc-status"))
        return true;
    if (is("connection") || is("content-length") || is("date") || is("keep-alive") ||
        is("server") || is("transfer-encoding"))
        return true;
    return is("content-disposition") && value.toByteArray().toLower().contains("attachment");
}

} // namespace Fcemu::Runtime
