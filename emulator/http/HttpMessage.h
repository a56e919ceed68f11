#pragma once

// Plain HTTP/1.1 messages as they travel between fcemu's gateway and a function instance.
// Headers are a list, not a map: order, case and repeated names are kept, because the
// inspector shows "exactly what the container received" (CONTRACT §1.2). Lookups ignore case
// (RFC 9110 §5.1: field names are case-insensitive).

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>

namespace Fcemu::Http {

using HttpHeader = QPair<QByteArray, QByteArray>;
using HttpHeaders = QList<HttpHeader>;

// Case-insensitive helpers over a header list, shared by requests and responses.
namespace Headers {
// Field names compare without regard to case (RFC 9110 §5.1), and without copies.
bool sameName(QByteArrayView a, QByteArrayView b);
// FC's own fields, x-fc-* in any case.
bool isFcName(QByteArrayView name);
// The value of the first field called name, or a null QByteArray.
QByteArray value(const HttpHeaders &headers, QByteArrayView name);
// Every value of the fields called name, in order.
QList<QByteArray> values(const HttpHeaders &headers, QByteArrayView name);
bool contains(const HttpHeaders &headers, QByteArrayView name);
// Replaces the first field called name (keeping its position and spelling) and drops the
// others, or appends one.
void set(HttpHeaders &headers, QByteArrayView name, QByteArrayView value);
// Removes every field called name; returns how many were removed.
qsizetype remove(HttpHeaders &headers, QByteArrayView name);
// True when a comma-separated header (Connection, Transfer-Encoding) lists token.
bool hasToken(const HttpHeaders &headers, QByteArrayView name, QByteArrayView token);
} // namespace Headers

struct HttpRequest
{
    QByteArray method = QByteArrayLiteral("GET");
    QByteArray target = QByteArrayLiteral("/"); // path?query exactly as sent (request line)
    QByteArray path;                            // target up to '?' (fragment dropped)
    QByteArray query;                           // after '?', without it; empty if none
    HttpHeaders headers;
    QByteArray body;
    bool keepAlive = true; // false for "Connection: close" and for HTTP/1.0 without keep-alive
    int versionMinor = 1;  // HTTP/1.<versionMinor>

    QByteArray header(QByteArrayView name) const { return Headers::value(headers, name); }
    bool hasHeader(QByteArrayView name) const { return Headers::contains(headers, name); }
    void setHeader(QByteArrayView name, QByteArrayView value)
    {
        Headers::set(headers, name, value);
    }
    qsizetype removeHeader(QByteArrayView name) { return Headers::remove(headers, name); }

    // Sets target, path and query together from a path and a query (without '?').
    void setTarget(const QByteArray &newPath, const QByteArray &newQuery = {});

    // The request on the wire. Framing is ours: Content-Length is replaced by the body's size
    // (left out for a body-less GET/HEAD/OPTIONS/TRACE/DELETE), unless the headers ask for
    // "Transfer-Encoding: chunked", in which case the body goes as one chunk. "Connection:
    // close" is added when keepAlive is false.
    QByteArray toBytes() const;
};

struct HttpResponse
{
    int status = 200;
    QByteArray reason; // empty: the standard phrase for status when serialised
    HttpHeaders headers;
    QByteArray body;
    bool keepAlive = true;
    int versionMinor = 1;

    QByteArray header(QByteArrayView name) const { return Headers::value(headers, name); }
    bool hasHeader(QByteArrayView name) const { return Headers::contains(headers, name); }
    void setHeader(QByteArrayView name, QByteArrayView value)
    {
        Headers::set(headers, name, value);
    }
    qsizetype removeHeader(QByteArrayView name) { return Headers::remove(headers, name); }

    // The response on the wire, framed like HttpRequest::toBytes(). 1xx, 204 and 304 carry no
    // body and no Content-Length. forHeadRequest: the answer to a HEAD request, which keeps
    // the Content-Length of the body it describes (the header if set, else body.size()) but
    // sends no body (RFC 9110 §9.3.2).
    QByteArray toBytes(bool forHeadRequest = false) const;
};

// The standard reason phrase ("Not Found"), or "Unknown".
QByteArray reasonPhrase(int status);

// RFC 9110 §9.2.2 idempotent methods that FC's front end (a Go HTTP client) replays on a
// dropped keep-alive connection: GET, HEAD, OPTIONS and TRACE (fc-semantics.md §4.3:
// "对于幂等请求例如GET、HEAD、OPTIONS或TRACE等 ... 会主动重试").
bool isReplayableMethod(QByteArrayView method);

} // namespace Fcemu::Http
