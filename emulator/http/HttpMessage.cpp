#include "http/HttpMessage.h"

#include <charconv>
#include <cstring>
#include <optional>

#include <http_parser.h>

namespace Fcemu::Http {

namespace Headers {

bool sameName(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && a.compare(b, Qt::CaseInsensitive) == 0;
}

bool isFcName(QByteArrayView name)
{
    return name.size() >= 5 && sameName(name.first(5), "x-fc-");
}

} // namespace Headers

namespace {

using Headers::sameName;

// RFC 9110 §6.4.1: no body (and no Content-Length) in 1xx, 204 and 304 responses.
bool statusHasNoBody(int status)
{
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

// Serializes into a buffer sized once for the whole message (an upper bound, trimmed at the
// end): a message costs one allocation, not one per header.
class Writer
{
public:
    Writer(QByteArray &out, qsizetype bound) : m_out(out)
    {
        out.resize(bound);
        m_at = out.data();
    }
    ~Writer() { m_out.truncate(m_at - m_out.constData()); }
    Q_DISABLE_COPY_MOVE(Writer)

    void put(QByteArrayView text)
    {
        if (text.isEmpty())
            return; // a null view's data() is null: memcpy may not be given that, even for 0
        std::memcpy(m_at, text.data(), size_t(text.size()));
        m_at += text.size();
    }
    void number(qint64 value, int base = 10)
    {
        m_at = std::to_chars(m_at, m_at + 24, value, base).ptr;
    }

private:
    QByteArray &m_out;
    char *m_at;
};

// What a message needs beyond its start line's parts, headers and body: the framing headers
// and the chunked coding's lines.
constexpr qsizetype kMessageOverhead = 256;

qsizetype headerBytes(const HttpHeaders &headers)
{
    qsizetype n = 0;
    for (const HttpHeader &h : headers)
        n += h.first.size() + h.second.size() + 4; // name ": " value CRLF
    return n;
}

// Framing is ours: Content-Length always, Transfer-Encoding when we frame by length instead
// (HTTP/1.0 has no chunked coding).
void putHeaders(Writer &out, const HttpHeaders &headers, bool chunked)
{
    for (const HttpHeader &h : headers) {
        if (sameName(h.first, "content-length"))
            continue;
        if (!chunked && sameName(h.first, "transfer-encoding"))
            continue;
        out.put(h.first);
        out.put(": ");
        out.put(h.second);
        out.put("\r\n");
    }
}

// The end of the head: Content-Length when the body is framed by length, the Connection
// header the keep-alive choice needs (HTTP/1.0 keeps alive only when asked), the blank line.
void putEndOfHead(Writer &out, const HttpHeaders &headers, std::optional<qsizetype> contentLength,
                  bool keepAlive, int versionMinor)
{
    if (contentLength) {
        out.put("Content-Length: ");
        out.number(*contentLength);
        out.put("\r\n");
    }
    if (!keepAlive && !Headers::hasToken(headers, "connection", "close"))
        out.put("Connection: close\r\n");
    else if (keepAlive && versionMinor == 0 &&
             !Headers::hasToken(headers, "connection", "keep-alive"))
        out.put("Connection: keep-alive\r\n");
    out.put("\r\n");
}

void putChunked(Writer &out, const QByteArray &body)
{
    if (!body.isEmpty()) {
        out.number(body.size(), 16);
        out.put("\r\n");
        out.put(body);
        out.put("\r\n");
    }
    out.put("0\r\n\r\n");
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
    {
        Writer w(out, kMessageOverhead + method.size() + target.size() + headerBytes(headers) +
                          body.size());
        w.put(method);
        w.put(" ");
        w.put(target.isEmpty() ? QByteArrayView("/") : QByteArrayView(target));
        w.put(versionMinor == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
        const bool chunked = wantsChunked(headers) && versionMinor > 0;
        putHeaders(w, headers, chunked);
        // RFC 9110 §8.6: a client should not send Content-Length for a body-less request whose
        // method does not define a body.
        static const QByteArrayView bodyless[] = {"GET", "HEAD", "OPTIONS", "TRACE", "DELETE"};
        bool skip = chunked;
        if (!skip && body.isEmpty())
            for (QByteArrayView m : bodyless)
                skip = skip || method == m;
        putEndOfHead(w, headers, skip ? std::nullopt : std::optional(body.size()), keepAlive,
                     versionMinor);
        if (chunked)
            putChunked(w, body);
        else
            w.put(body);
    }
    return out;
}

QByteArray HttpResponse::toBytes(bool forHeadRequest) const
{
    QByteArray out;
    {
        const QByteArray phrase = reason.isEmpty() ? reasonPhrase(status) : reason;
        Writer w(out, kMessageOverhead + phrase.size() + headerBytes(headers) + body.size());
        w.put(versionMinor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ");
        w.number(status);
        w.put(" ");
        w.put(phrase);
        w.put("\r\n");
        const bool noBody = statusHasNoBody(status);
        const bool chunked = !noBody && wantsChunked(headers) && versionMinor > 0;
        bool contentLength = !noBody && !chunked;
        if (forHeadRequest) {
            // Keep the caller's Content-Length: it describes the body a GET would have had.
            for (const HttpHeader &h : headers) {
                w.put(h.first);
                w.put(": ");
                w.put(h.second);
                w.put("\r\n");
            }
            contentLength = contentLength && !Headers::contains(headers, "content-length");
        } else {
            putHeaders(w, headers, chunked);
        }
        putEndOfHead(w, headers, contentLength ? std::optional(body.size()) : std::nullopt,
                     keepAlive, versionMinor);
        if (!noBody && !forHeadRequest) {
            if (chunked)
                putChunked(w, body);
            else
                w.put(body);
        }
    }
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
    return QByteArray::fromRawData(text, qsizetype(std::strlen(text))); // static: not copied
}

bool isReplayableMethod(QByteArrayView method)
{
    return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE";
}

} // namespace Fcemu::Http
