// Request and response parsing on Debian's http-parser 2.9. Over 500 lines on purpose: one
// ParserCore holds the callbacks, limits and the workarounds for http-parser's quirks (the
// Transfer-Encoding prefix, #15), shared by the thin RequestParser and ResponseParser below.

#include "http/HttpParser.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>

#include <http_parser.h>

namespace Fcemu::Http {

namespace Detail {

// The state both parsers share. http-parser calls back with slices of the caller's buffer;
// we copy them into the message. Two pauses make the byte accounting exact:
// - at the end of the header block, to count its bytes against the header limit;
// - at the end of the message, so that http_parser_execute() returns the message's last byte
//   and any pipelined bytes after it stay with the caller.
class ParserCore final
{
public:
    ParserCore(http_parser_type type, qsizetype maxHeaderBytes, qsizetype maxBodyBytes)
        : m_type(type), m_maxHeaderBytes(std::max<qsizetype>(maxHeaderBytes, 16)),
          m_maxBodyBytes(std::max<qsizetype>(maxBodyBytes, 0))
    {
        http_parser_settings_init(&m_settings);
        m_settings.on_url = &ParserCore::onUrl;
        m_settings.on_status = &ParserCore::onStatus;
        m_settings.on_header_field = &ParserCore::onHeaderField;
        m_settings.on_header_value = &ParserCore::onHeaderValue;
        m_settings.on_headers_complete = &ParserCore::onHeadersComplete;
        m_settings.on_body = &ParserCore::onBody;
        m_settings.on_message_complete = &ParserCore::onMessageComplete;
        reset();
    }

    void reset()
    {
        http_parser_init(&m_parser, m_type);
        m_parser.data = this;
        m_request = HttpRequest{};
        m_request.method.clear();
        m_request.target.clear();
        m_response = HttpResponse{};
        m_status = ParseStatus::Incomplete;
        m_limit = ParseLimit::None;
        m_error.clear();
        m_consumed = 0;
        m_headerBytes = 0;
        m_pathLength = 0;
        m_headersComplete = false;
        m_lastWasValue = false;
        m_pause = Pause::None;
        m_headRequest = false;
        m_eofDelimited = false;
        m_ownError = HPE_OK;
        m_sawTransferEncoding = false;
        m_chunkedKnown = true;
        m_chunked = false;
    }

    ParseStatus feed(const char *data, size_t size)
    {
        m_consumed = 0;
        if (m_status != ParseStatus::Incomplete)
            return m_status;
        size_t offset = 0;
        // Never call http_parser_execute() with 0 bytes here: that means end of input.
        while (offset < size) {
            size_t chunk = size - offset;
            if (!m_headersComplete) {
                // Hand the parser no more than one byte past the header limit, so an endless
                // header block is refused after max + 1 bytes, however much arrived at once.
                chunk = std::min(chunk, size_t(m_maxHeaderBytes - m_headerBytes + 1));
            }
            const bool headerPhase = !m_headersComplete;
            const size_t n = http_parser_execute(&m_parser, &m_settings, data + offset, chunk);
            offset += n;
            if (headerPhase)
                m_headerBytes += qsizetype(n);
            const http_errno err = HTTP_PARSER_ERRNO(&m_parser);
            if (err == HPE_PAUSED) {
                if (m_pause == Pause::MessageComplete) {
                    m_status = ParseStatus::Complete;
                    break;
                }
                // End of the header block. The parser stopped on its final LF, which it
                // consumes again when resumed (outside the header phase): count it here.
                m_pause = Pause::None;
                ++m_headerBytes;
                http_parser_pause(&m_parser, 0);
                if (m_headerBytes > m_maxHeaderBytes) {
                    tooLarge(ParseLimit::Headers);
                    break;
                }
                continue;
            }
            if (err != HPE_OK) {
                if (m_ownError != HPE_OK)
                    badMessage(m_ownError);
                else if (m_limit != ParseLimit::None)
                    m_status = ParseStatus::TooLarge;
                else if (err == HPE_HEADER_OVERFLOW)
                    tooLarge(ParseLimit::Headers);
                else
                    badMessage(err);
                break;
            }
            if (!m_headersComplete && m_headerBytes > m_maxHeaderBytes) {
                tooLarge(ParseLimit::Headers);
                break;
            }
            if (n == 0)
                break; // defensive: no progress without an error
        }
        m_consumed = offset;
        return m_status;
    }

    ParseStatus feedEof()
    {
        m_consumed = 0;
        if (m_status != ParseStatus::Incomplete)
            return m_status;
        const bool started = m_headerBytes > 0 || m_headersComplete;
        http_parser_execute(&m_parser, &m_settings, nullptr, 0);
        const http_errno err = HTTP_PARSER_ERRNO(&m_parser);
        if (m_status == ParseStatus::Complete)
            return m_status;
        if (err != HPE_OK && err != HPE_PAUSED) {
            badMessage(err);
        } else {
            m_status = ParseStatus::BadRequest;
            m_error = started ? u"connection closed before the end of the message"_qs
                              : u"connection closed before any message"_qs;
        }
        return m_status;
    }

    void tooLarge(ParseLimit which)
    {
        m_limit = which;
        m_status = ParseStatus::TooLarge;
        m_error = which == ParseLimit::Headers
                      ? u"header block larger than %1 bytes"_qs.arg(m_maxHeaderBytes)
                      : u"body larger than %1 bytes"_qs.arg(m_maxBodyBytes);
    }

    void badMessage(http_errno err)
    {
        m_status = ParseStatus::BadRequest;
        m_error = QString::fromLatin1(http_errno_description(err)) + u" ("_qs +
                  QString::fromLatin1(http_errno_name(err)) + u")"_qs;
    }

    // --- http-parser callbacks (0 = go on, anything else stops the parser with an error) ---

    static ParserCore *self(http_parser *p) { return static_cast<ParserCore *>(p->data); }

    static int onUrl(http_parser *p, const char *at, size_t len)
    {
        ParserCore *c = self(p);
        c->m_request.target.append(at, qsizetype(len));
        c->m_pathLength += qsizetype(len);
        return 0;
    }

    static int onStatus(http_parser *p, const char *at, size_t len)
    {
        self(p)->m_response.reason.append(at, qsizetype(len));
        return 0;
    }

    HttpHeaders &headers()
    {
        return m_type == HTTP_REQUEST ? m_request.headers : m_response.headers;
    }

    static int onHeaderField(http_parser *p, const char *at, size_t len)
    {
        ParserCore *c = self(p);
        if (c->m_headersComplete)
            return 0; // chunked trailer fields: not kept
        HttpHeaders &h = c->headers();
        if (h.isEmpty() || c->m_lastWasValue)
            h.append(HttpHeader{});
        c->m_lastWasValue = false;
        h.last().first.append(at, qsizetype(len));
        return 0;
    }

    static int onHeaderValue(http_parser *p, const char *at, size_t len)
    {
        ParserCore *c = self(p);
        if (c->m_headersComplete)
            return 0;
        HttpHeaders &h = c->headers();
        if (h.isEmpty())
            h.append(HttpHeader{}); // cannot happen with http-parser; be safe
        if (!c->m_lastWasValue) {
            c->m_lastWasValue = true;
            if (!c->afterHeaderName(p, h.last().first))
                return -1;
        }
        h.last().second.append(at, qsizetype(len));
        return 0;
    }

    // Debian's http-parser 2.9 treats every header name that *begins* with
    // "Transfer-Encoding" as one: the moment the 17th letter matches it sets
    // uses_transfer_encoding and clears F_CHUNKED, before it sees that the name goes on
    // ("Transfer-Encoding-Hint", "Transfer-Encodings"). Valid requests were then refused (400)
    // and valid function responses read to the end of the connection or refused (502), issue
    // 15. Called at the first value callback of each header, when its name is complete and
    // the parser has not yet judged the header block: undo what a look-alike did, so that only
    // real Transfer-Encoding headers count; these still go through http-parser's own checks
    // (chunked must be last in a request, never together with Content-Length).
    bool afterHeaderName(http_parser *p, const QByteArray &name)
    {
        static constexpr char te[] = "transfer-encoding";
        constexpr qsizetype teLength = sizeof te - 1;
        const bool prefix = name.size() >= teLength &&
                            (name.front() == 't' || name.front() == 'T') &&
                            qstrnicmp(name.constData(), te, teLength) == 0;
        if (!prefix) {
            // All earlier headers are complete: F_CHUNKED is what the real ones made it.
            m_chunkedKnown = true;
            m_chunked = (p->flags & F_CHUNKED) != 0;
            return true;
        }
        if (name.size() == teLength) {
            m_sawTransferEncoding = true;
            m_chunkedKnown = false; // set once this header's value has been read
            return true;
        }
        p->uses_transfer_encoding = m_sawTransferEncoding ? 1 : 0;
        if (m_sawTransferEncoding) {
            if (!m_chunkedKnown) {
                // Right after a real Transfer-Encoding header its verdict is not readable
                // yet; refuse rather than guess how the body is framed.
                m_ownError = HPE_INVALID_TRANSFER_ENCODING;
                return false;
            }
            if (m_chunked)
                p->flags |= F_CHUNKED;
        }
        return true;
    }

    // RFC 9110 §5.6.2 tchar. Debian builds http-parser with HTTP_PARSER_STRICT=0, which lets
    // "Bad Name: x" through; a gateway that passes headers on must not (request smuggling).
    static bool isToken(const QByteArray &name)
    {
        if (name.isEmpty())
            return false;
        for (const char ch : name) {
            const auto u = static_cast<unsigned char>(ch);
            if (!(std::isalnum(u) || std::strchr("!#$%&'*+-.^_`|~", ch)) || ch == 0)
                return false;
        }
        return true;
    }

    static int onHeadersComplete(http_parser *p)
    {
        ParserCore *c = self(p);
        c->m_headersComplete = true;
        for (const HttpHeader &h : c->headers()) {
            if (!isToken(h.first)) {
                c->m_ownError = HPE_INVALID_HEADER_TOKEN;
                return -1;
            }
        }
        if (p->http_major != 1) { // HTTP/0.9 and 2.0 are not spoken over this parser
            c->m_ownError = HPE_INVALID_VERSION;
            return -1;
        }
        // http-parser drops leading whitespace of a value but keeps trailing (RFC 9110 §5.5:
        // OWS around a field value is not part of it).
        for (HttpHeader &h : c->headers()) {
            while (!h.second.isEmpty() && (h.second.back() == ' ' || h.second.back() == '\t'))
                h.second.chop(1);
        }
        const bool keepAlive = http_should_keep_alive(p) != 0;
        if (c->m_type == HTTP_REQUEST) {
            HttpRequest &r = c->m_request;
            r.method = QByteArray(http_method_str(static_cast<http_method>(p->method)));
            r.versionMinor = p->http_minor;
            r.keepAlive = keepAlive;
            c->splitTarget();
        } else {
            HttpResponse &r = c->m_response;
            r.status = int(p->status_code);
            r.versionMinor = p->http_minor;
            r.keepAlive = keepAlive;
            // RFC 9112 §6.3: without a length or chunked coding, the body of a response that
            // may have one runs to the end of the connection.
            const bool noBody = c->m_headRequest || (r.status >= 100 && r.status < 200) ||
                                r.status == 204 || r.status == 304;
            c->m_eofDelimited =
                !noBody && !(p->flags & F_CHUNKED) && p->content_length == ULLONG_MAX;
        }
        // Refuse a declared body over the limit now, before any of it is read.
        if (p->content_length != ULLONG_MAX && p->content_length > quint64(c->m_maxBodyBytes) &&
            !c->m_headRequest) {
            c->tooLarge(ParseLimit::Body);
            return -1;
        }
        if (p->content_length != ULLONG_MAX && !c->m_headRequest) {
            QByteArray &body = c->m_type == HTTP_REQUEST ? c->m_request.body : c->m_response.body;
            // Bounded: a peer that only announces a size should not make us allocate it.
            body.reserve(qsizetype(std::min<quint64>(p->content_length, 1u << 20)));
        }
        c->m_pause = Pause::HeadersComplete;
        http_parser_pause(p, 1);
        return c->m_headRequest ? 1 : 0; // 1: "this message has no body" (HEAD responses)
    }

    static int onBody(http_parser *p, const char *at, size_t len)
    {
        ParserCore *c = self(p);
        QByteArray &body = c->m_type == HTTP_REQUEST ? c->m_request.body : c->m_response.body;
        if (body.size() + qsizetype(len) > c->m_maxBodyBytes) {
            c->tooLarge(ParseLimit::Body);
            return -1;
        }
        body.append(at, qsizetype(len));
        return 0;
    }

    static int onMessageComplete(http_parser *p)
    {
        ParserCore *c = self(p);
        const bool keepAlive = http_should_keep_alive(p) != 0;
        if (c->m_type == HTTP_REQUEST)
            c->m_request.keepAlive = keepAlive;
        else
            c->m_response.keepAlive = keepAlive;
        c->m_pause = Pause::MessageComplete;
        c->m_status = ParseStatus::Complete;
        http_parser_pause(p, 1);
        return 0;
    }

    void splitTarget()
    {
        HttpRequest &r = m_request;
        QByteArray t = r.target;
        if (!t.startsWith('/')) {
            // absolute-form ("http://host/p?q") or authority-form (CONNECT host:port).
            http_parser_url url;
            http_parser_url_init(&url);
            if (http_parser_parse_url(t.constData(), size_t(t.size()), p_method() == HTTP_CONNECT,
                                      &url) == 0) {
                auto field = [&](int f) {
                    return (url.field_set & (1 << f))
                               ? t.mid(url.field_data[f].off, url.field_data[f].len)
                               : QByteArray();
                };
                r.path = field(UF_PATH);
                r.query = field(UF_QUERY);
                if (r.path.isEmpty() && p_method() != HTTP_CONNECT)
                    r.path = "/";
                if (p_method() == HTTP_CONNECT)
                    r.path = t;
                return;
            }
        }
        const qsizetype hash = t.indexOf('#');
        if (hash >= 0)
            t.truncate(hash);
        const qsizetype q = t.indexOf('?');
        r.path = q < 0 ? t : t.left(q);
        r.query = q < 0 ? QByteArray() : t.mid(q + 1);
    }

    int p_method() const { return int(m_parser.method); }

    enum class Pause { None, HeadersComplete, MessageComplete };

    http_parser_type m_type;
    qsizetype m_maxHeaderBytes;
    qsizetype m_maxBodyBytes;
    http_parser m_parser{};
    http_parser_settings m_settings{};
    HttpRequest m_request;
    HttpResponse m_response;
    ParseStatus m_status = ParseStatus::Incomplete;
    ParseLimit m_limit = ParseLimit::None;
    QString m_error;
    size_t m_consumed = 0;
    qsizetype m_headerBytes = 0;
    qsizetype m_pathLength = 0;
    bool m_headersComplete = false;
    bool m_lastWasValue = false;
    Pause m_pause = Pause::None;
    bool m_headRequest = false;
    bool m_eofDelimited = false;
    http_errno m_ownError = HPE_OK;
    // Transfer-Encoding look-alikes, see afterHeaderName().
    bool m_sawTransferEncoding = false;
    bool m_chunkedKnown = true;
    bool m_chunked = false;
};

} // namespace Detail

// --- RequestParser ---

RequestParser::RequestParser(qsizetype maxHeaderBytes, qsizetype maxBodyBytes)
    : m_core(std::make_unique<Detail::ParserCore>(HTTP_REQUEST, maxHeaderBytes, maxBodyBytes))
{
}

RequestParser::~RequestParser() = default;
RequestParser::RequestParser(RequestParser &&) noexcept = default;
RequestParser &RequestParser::operator=(RequestParser &&) noexcept = default;

ParseStatus RequestParser::feed(const char *data, size_t size)
{
    return m_core->feed(data, size);
}
size_t RequestParser::consumed() const
{
    return m_core->m_consumed;
}
ParseStatus RequestParser::status() const
{
    return m_core->m_status;
}
ParseLimit RequestParser::limitExceeded() const
{
    return m_core->m_limit;
}
QString RequestParser::errorString() const
{
    return m_core->m_error;
}
qsizetype RequestParser::pathLength() const
{
    return m_core->m_pathLength;
}
qsizetype RequestParser::headerBytes() const
{
    return m_core->m_headerBytes;
}
const HttpRequest &RequestParser::request() const
{
    return m_core->m_request;
}
HttpRequest RequestParser::takeRequest()
{
    return std::move(m_core->m_request);
}
void RequestParser::reset()
{
    m_core->reset();
}

// --- ResponseParser ---

ResponseParser::ResponseParser(qsizetype maxHeaderBytes, qsizetype maxBodyBytes)
    : m_core(std::make_unique<Detail::ParserCore>(HTTP_RESPONSE, maxHeaderBytes, maxBodyBytes))
{
}

ResponseParser::~ResponseParser() = default;
ResponseParser::ResponseParser(ResponseParser &&) noexcept = default;
ResponseParser &ResponseParser::operator=(ResponseParser &&) noexcept = default;

void ResponseParser::setRequestMethod(QByteArrayView method)
{
    m_core->m_headRequest = method.compare("HEAD", Qt::CaseInsensitive) == 0;
}

ParseStatus ResponseParser::feed(const char *data, size_t size)
{
    return m_core->feed(data, size);
}

ParseStatus ResponseParser::feedEof()
{
    return m_core->feedEof();
}
size_t ResponseParser::consumed() const
{
    return m_core->m_consumed;
}
ParseStatus ResponseParser::status() const
{
    return m_core->m_status;
}
ParseLimit ResponseParser::limitExceeded() const
{
    return m_core->m_limit;
}
QString ResponseParser::errorString() const
{
    return m_core->m_error;
}
qsizetype ResponseParser::headerBytes() const
{
    return m_core->m_headerBytes;
}
bool ResponseParser::bodyEndsWithConnection() const
{
    return m_core->m_headersComplete && m_core->m_eofDelimited;
}

const HttpResponse &ResponseParser::response() const
{
    return m_core->m_response;
}
HttpResponse ResponseParser::takeResponse()
{
    return std::move(m_core->m_response);
}
void ResponseParser::reset()
{
    m_core->reset();
}

} // namespace Fcemu::Http
