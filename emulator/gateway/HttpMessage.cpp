#include "gateway/HttpMessage.h"

#include <http_parser.h>

namespace Fcemu::Gateway {

namespace {

bool sameName(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && a.compare(b, Qt::CaseInsensitive) == 0;
}

// RFC 9110 §6.4.1: no body (and no Content-Length) in 1xx, 204 and 304 responses.
bool statusHasNoBody(int status)
{
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

// Framing is ours: Content-Length always, Transfer-Encoding when we frame by length instead
// (HTTP/1.0 has no chunked coding).
void appendHeaders(QByteArray &out, const HttpHeaders &headers, bool chunked)
{
    for (const HttpHeader &h : headers) {
        if (sameName(h.first, "content-length"))
            continue;
        if (!chunked && sameName(h.first, "transfer-encoding"))
            continue;
        out += h.first;
        out += ": ";
        out += h.second;
        out += "\r\n";
    }
}

void appendChunked(QByteArray &out, const QByteArray &body)
{
    if (!body.isEmpty()) {
        out += QByteArray::number(body.size(), 16);
        out += "\r\n";
        out += body;
        out += "\r\n";
    }
    out += "0\r\n\r\n";
}

// What a message needs beyond its headers and body: the start line, framing headers, the
// chunked coding's lines. Reserving it all at once spares a reallocation per header.
constexpr qsizetype kMessageOverhead = 256;

qsizetype headerBytes(const HttpHeaders &headers)
{
    qsizetype n = 0;
    for (const HttpHeader &h : headers)
        n += h.first.size() + h.second.size() + 4; // name ": " value CRLF
    return n;
}

bool wantsChunked(const HttpHeaders &headers)
{
    return Headers::hasToken(headers, "transfer-encoding", "chunked");
}

} // namespace

namespace Headers {

QByteArray value(const HttpHeaders &headers, QByteArrayView name)
{
    for (const HttpHeader &h : headers)
        if (sameName(h.first, name))
            return h.second;
    return {};
}

QList<QByteArray> values(const HttpHeaders &headers, QByteArrayView name)
{
    QList<QByteArray> out;
    for (const HttpHeader &h : headers)
        if (sameName(h.first, name))
            out.append(h.second);
    return out;
}

bool contains(const HttpHeaders &headers, QByteArrayView name)
{
    for (const HttpHeader &h : headers)
        if (sameName(h.first, name))
            return true;
    return false;
}

void set(HttpHeaders &headers, QByteArrayView name, QByteArrayView value)
{
    bool done = false;
    for (qsizetype i = 0; i < headers.size();) {
        if (!sameName(headers[i].first, name)) {
            ++i;
        } else if (!done) {
            headers[i].second = value.toByteArray();
            done = true;
            ++i;
        } else {
            headers.removeAt(i);
        }
    }
    if (!done)
        headers.append({name.toByteArray(), value.toByteArray()});
}

qsizetype remove(HttpHeaders &headers, QByteArrayView name)
{
    return headers.removeIf([name](const HttpHeader &h) { return sameName(h.first, name); });
}

bool hasToken(const HttpHeaders &headers, QByteArrayView name, QByteArrayView token)
{
    for (const HttpHeader &h : headers) {
        if (!sameName(h.first, name))
            continue;
        for (const QByteArray &part : h.second.split(','))
            if (sameName(part.trimmed(), token))
                return true;
    }
    return false;
}

} // namespace Headers

void HttpRequest::setTarget(const QByteArray &newPath, const QByteArray &newQuery)
{
    path = newPath;
    query = newQuery;
    target = newQuery.isEmpty() ? newPath : newPath + '?' + newQuery;
}

QByteArray HttpRequest::toBytes() const
{
    QByteArray out;
    out.reserve(kMessageOverhead + target.size() + headerBytes(headers) + body.size());
    out += method;
    out += ' ';
    out += target.isEmpty() ? QByteArrayLiteral("/") : target;
    out += versionMinor == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n";
    const bool chunked = wantsChunked(headers) && versionMinor > 0;
    appendHeaders(out, headers, chunked);
    if (!chunked) {
        // RFC 9110 §8.6: a client should not send Content-Length for a body-less request whose
        // method does not define a body.
        static const QByteArrayView bodyless[] = {"GET", "HEAD", "OPTIONS", "TRACE", "DELETE"};
        bool skip = body.isEmpty();
        if (skip) {
            skip = false;
            for (QByteArrayView m : bodyless)
                if (method == m)
                    skip = true;
        }
        if (!skip)
            out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    if (!keepAlive && !Headers::hasToken(headers, "connection", "close"))
        out += "Connection: close\r\n";
    else if (keepAlive && versionMinor == 0 &&
             !Headers::hasToken(headers, "connection", "keep-alive"))
        out += "Connection: keep-alive\r\n";
    out += "\r\n";
    if (chunked)
        appendChunked(out, body);
    else
        out += body;
    return out;
}

QByteArray HttpResponse::toBytes(bool forHeadRequest) const
{
    QByteArray out;
    out.reserve(kMessageOverhead + reason.size() + headerBytes(headers) + body.size());
    out += versionMinor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += QByteArray::number(status);
    out += ' ';
    out += reason.isEmpty() ? reasonPhrase(status) : reason;
    out += "\r\n";
    const bool noBody = statusHasNoBody(status);
    const bool chunked = !noBody && wantsChunked(headers) && versionMinor > 0;
    if (forHeadRequest) {
        // Keep the caller's Content-Length: it describes the body a GET would have had.
        for (const HttpHeader &h : headers) {
            out += h.first;
            out += ": ";
            out += h.second;
            out += "\r\n";
        }
        if (!noBody && !chunked && !Headers::contains(headers, "content-length"))
            out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    } else {
        appendHeaders(out, headers, chunked);
        if (!noBody && !chunked)
            out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    if (!keepAlive && !Headers::hasToken(headers, "connection", "close"))
        out += "Connection: close\r\n";
    else if (keepAlive && versionMinor == 0 &&
             !Headers::hasToken(headers, "connection", "keep-alive"))
        out += "Connection: keep-alive\r\n";
    out += "\r\n";
    if (noBody || forHeadRequest)
        return out;
    if (chunked)
        appendChunked(out, body);
    else
        out += body;
    return out;
}

QByteArray reasonPhrase(int status)
{
    if (status < 100 || status > 999)
        return QByteArrayLiteral("Unknown");
    const char *text = http_status_str(static_cast<enum http_status>(status));
    // http-parser answers "<unknown>" for codes it has no phrase for.
    if (!text || text[0] == '<')
        return QByteArrayLiteral("Unknown");
    return QByteArray(text);
}

bool isReplayableMethod(QByteArrayView method)
{
    return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE";
}

} // namespace Fcemu::Gateway
