#pragma once

// Socket-free, incremental HTTP/1.x parsers over Debian's http-parser 2.9 (the shape of
// qBittorrent's src/base/http/requestparser: feed bytes, get a ParseStatus, with size caps).
// Nothing here reads a socket: the gateway's server, the instance client and the tests feed
// the same code. One parser holds one message; reset() readies it for the next message on a
// keep-alive connection, and bytes after the end of a message (pipelining) are left unread,
// see consumed().

#include <memory>

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include "http/HttpMessage.h"

namespace Fcemu::Http {

enum class ParseStatus {
    Incomplete, // more bytes needed
    Complete,   // one whole message; consumed() says where it ended
    BadRequest, // not HTTP (errorString() says why); the connection cannot be used further
    TooLarge,   // a limit was passed (limitExceeded() says which); nothing more is buffered
};

enum class ParseLimit { None, Headers, Body };

// FC's limits (fc-semantics.md §7): request headers at most 8 KB, a synchronous body at most
// 32 MB. The path limit (4 KB with the query) is the caller's, which sees pathLength().
inline constexpr qsizetype kDefaultMaxHeaderBytes = 8 * 1024;
inline constexpr qsizetype kDefaultMaxBodyBytes = 32 * 1024 * 1024;

namespace Detail {
class ParserCore;
}

class RequestParser final
{
public:
    // maxHeaderBytes counts the request line, the header fields and the blank line.
    explicit RequestParser(qsizetype maxHeaderBytes = kDefaultMaxHeaderBytes,
                           qsizetype maxBodyBytes = kDefaultMaxBodyBytes);
    ~RequestParser();
    RequestParser(const RequestParser &) = delete;
    RequestParser &operator=(const RequestParser &) = delete;
    // A moved-from parser may only be destroyed or assigned to.
    RequestParser(RequestParser &&) noexcept;
    RequestParser &operator=(RequestParser &&) noexcept;

    // Parses as much of data as belongs to the current message. After Complete, further
    // calls return Complete and consume nothing until reset().
    ParseStatus feed(const char *data, size_t size);
    ParseStatus feed(QByteArrayView data) { return feed(data.data(), size_t(data.size())); }
    // Bytes of the last feed() that were used; the rest belongs to the next message.
    size_t consumed() const;

    ParseStatus status() const;
    ParseLimit limitExceeded() const;
    QString errorString() const;   // for BadRequest and TooLarge
    qsizetype pathLength() const;  // bytes of the request target seen so far (path + query)
    qsizetype headerBytes() const; // bytes of the header block seen so far

    const HttpRequest &request() const;
    HttpRequest takeRequest();

    // Ready for the next message (limits kept).
    void reset();

private:
    std::unique_ptr<Detail::ParserCore> m_core;
};

class ResponseParser final
{
public:
    explicit ResponseParser(qsizetype maxHeaderBytes = kDefaultMaxHeaderBytes,
                            qsizetype maxBodyBytes = kDefaultMaxBodyBytes);
    ~ResponseParser();
    ResponseParser(const ResponseParser &) = delete;
    ResponseParser &operator=(const ResponseParser &) = delete;
    // A moved-from parser may only be destroyed or assigned to.
    ResponseParser(ResponseParser &&) noexcept;
    ResponseParser &operator=(ResponseParser &&) noexcept;

    // The method of the request this response answers: a response to HEAD has no body,
    // whatever its Content-Length says (RFC 9110 §9.3.2). Set before feeding; reset() clears it.
    void setRequestMethod(QByteArrayView method);

    ParseStatus feed(const char *data, size_t size);
    ParseStatus feed(QByteArrayView data) { return feed(data.data(), size_t(data.size())); }
    // The peer closed the connection: completes a response whose body runs to the end of the
    // connection (no Content-Length, not chunked); BadRequest for one cut short.
    ParseStatus feedEof();
    size_t consumed() const;

    ParseStatus status() const;
    ParseLimit limitExceeded() const;
    QString errorString() const;
    qsizetype headerBytes() const;
    // The body is delimited by the end of the connection, which cannot be reused.
    bool bodyEndsWithConnection() const;

    const HttpResponse &response() const;
    HttpResponse takeResponse();

    void reset();

private:
    std::unique_ptr<Detail::ParserCore> m_core;
};

} // namespace Fcemu::Http
