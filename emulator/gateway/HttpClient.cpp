#include "gateway/HttpClient.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace Fcemu::Gateway {

namespace {

using Clock = std::chrono::steady_clock;

double msBetween(Clock::time_point from, Clock::time_point to)
{
    if (to <= from)
        return 0;
    return std::chrono::duration<double, std::milli>(to - from).count();
}

QByteArray peerHostOf(int fd)
{
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0)
        return QByteArrayLiteral("localhost");
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
        const auto *in = reinterpret_cast<const sockaddr_in *>(&addr);
        ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        return QByteArray(text) + ':' + QByteArray::number(ntohs(in->sin_port));
    }
    if (addr.ss_family == AF_INET6) {
        const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(&addr);
        ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
        return '[' + QByteArray(text) + "]:" + QByteArray::number(ntohs(in6->sin6_port));
    }
    return QByteArrayLiteral("localhost");
}

bool isConnectionLoss(int err)
{
    return err == EPIPE || err == ECONNRESET || err == ECONNABORTED || err == ENOTCONN ||
           err == ESHUTDOWN;
}

} // namespace

QString clientErrorName(ClientError error)
{
    switch (error) {
    case ClientError::None:
        return u"None"_qs;
    case ClientError::Timeout:
        return u"Timeout"_qs;
    case ClientError::Cancelled:
        return u"Cancelled"_qs;
    case ClientError::ConnectionDeadBeforeSend:
        return u"ConnectionDeadBeforeSend"_qs;
    case ClientError::ConnectionClosedBeforeResponse:
        return u"ConnectionClosedBeforeResponse"_qs;
    case ClientError::ConnectionClosedMidResponse:
        return u"ConnectionClosedMidResponse"_qs;
    case ClientError::BadResponse:
        return u"BadResponse"_qs;
    case ClientError::ResponseTooLarge:
        return u"ResponseTooLarge"_qs;
    case ClientError::SocketError:
        return u"SocketError"_qs;
    }
    return u"Unknown"_qs;
}

bool RoundTripInfo::shouldRetry(QByteArrayView method) const
{
    if (error == ClientError::ConnectionDeadBeforeSend)
        return true;
    // A reused connection that failed before any response byte: the server most likely closed
    // it while idle, the race a keep-alive client cannot avoid (Go's net/http, which FC's
    // front end is written in, replays only idempotent requests in that case).
    return error == ClientError::ConnectionClosedBeforeResponse && reusedConnection &&
           bytesReceived == 0 && isReplayableMethod(method);
}

InstanceConnection::InstanceConnection(UniqueFd connectedSocket, qsizetype maxResponseHeaderBytes,
                                       qsizetype maxResponseBodyBytes)
    : m_fd(std::move(connectedSocket)), m_parser(maxResponseHeaderBytes, maxResponseBodyBytes)
{
    if (!m_fd) {
        m_reusable = false;
        return;
    }
    const int flags = ::fcntl(m_fd.get(), F_GETFL);
    if (flags >= 0)
        ::fcntl(m_fd.get(), F_SETFL, flags | O_NONBLOCK);
    // Requests go out in one write; don't let Nagle hold back the tail of a large one.
    const int one = 1;
    ::setsockopt(m_fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    m_peerHost = peerHostOf(m_fd.get());
}

InstanceConnection::~InstanceConnection() = default;

bool InstanceConnection::isReusable() const
{
    return m_fd.valid() && m_reusable;
}

std::unexpected<Error> InstanceConnection::failWith(ClientError error, const QString &message,
                                                    int osError)
{
    m_info.error = error;
    m_info.osError = osError;
    m_reusable = false;
    return fail(error == ClientError::Cancelled ? ErrorKind::Cancelled : ErrorKind::FunctionFailed,
                message);
}

Result<HttpResponse> InstanceConnection::roundTrip(const HttpRequest &request, int timeoutMs,
                                                   const std::atomic<bool> *cancel)
{
    m_info = RoundTripInfo{};
    m_info.reusedConnection = m_completed > 0;
    m_parser.reset();
    m_parser.setRequestMethod(request.method);

    if (!m_fd)
        return failWith(ClientError::SocketError, u"no connection to the function"_qs);
    const int fd = m_fd.get();

    // Is the connection still alive? A kept-alive connection the server closed while idle
    // reads as end-of-file (or a reset) before we write anything. Bytes nobody asked for mean
    // the server is out of step with us: the connection cannot be trusted either.
    {
        pollfd pfd{fd, POLLIN | POLLRDHUP, 0};
        if (::poll(&pfd, 1, 0) > 0) {
            if (pfd.revents & POLLNVAL)
                return failWith(ClientError::SocketError, u"invalid socket"_qs, EBADF);
            char probe = 0;
            const ssize_t n = ::recv(fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
            if (n == 0 || (pfd.revents & (POLLHUP | POLLRDHUP)))
                return failWith(
                    ClientError::ConnectionDeadBeforeSend,
                    u"the function closed the connection before the request was sent"_qs);
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                const int err = errno;
                return failWith(ClientError::ConnectionDeadBeforeSend,
                                u"the connection was lost before the request was sent: %1"_qs.arg(
                                    errnoText(err)),
                                err);
            }
            if (n > 0)
                return failWith(
                    ClientError::ConnectionDeadBeforeSend,
                    u"the function sent data nobody asked for on an idle connection"_qs);
        }
    }
    if (!m_reusable)
        return failWith(ClientError::ConnectionDeadBeforeSend,
                        u"the connection cannot carry another request (its last exchange "
                        u"did not end cleanly)"_qs);

    QByteArray wire;
    if (request.hasHeader("host")) {
        wire = request.toBytes();
    } else {
        HttpRequest withHost = request; // implicitly shared: the body is not copied here
        withHost.headers.prepend({QByteArrayLiteral("Host"), m_peerHost});
        wire = withHost.toBytes();
    }

    const Clock::time_point start = Clock::now();
    const bool unlimited = timeoutMs < 0;
    const Clock::time_point deadline = start + std::chrono::milliseconds(unlimited ? 0 : timeoutMs);
    Clock::time_point sendEnd{};
    Clock::time_point firstByte{};
    bool sendDone = false;
    bool gotFirstByte = false;
    bool sendFailed = false;
    qsizetype sent = 0;
    char buffer[64 * 1024];

    auto setTimings = [&](Clock::time_point now) {
        const Clock::time_point sEnd = sendDone ? sendEnd : (gotFirstByte ? firstByte : now);
        m_info.timings.sendMs = msBetween(start, sEnd);
        if (gotFirstByte) {
            m_info.timings.waitMs = msBetween(sEnd, firstByte);
            m_info.timings.receiveMs = msBetween(firstByte, now);
        } else if (sendDone) {
            m_info.timings.waitMs = msBetween(sEnd, now);
        }
        m_info.bytesSent = sent;
    };
    // The connection went away (end-of-file or reset): which of FC's cases is it?
    auto connectionLost = [&](int err) -> std::unexpected<Error> {
        setTimings(Clock::now());
        const QString why = err ? u": "_qs + errnoText(err) : QString();
        if (m_info.bytesReceived > 0)
            return failWith(ClientError::ConnectionClosedMidResponse,
                            u"the function closed the connection in the middle of its response "
                            u"(%1 bytes received)"_qs.arg(m_info.bytesReceived) +
                                why,
                            err);
        if (sent == 0)
            return failWith(
                ClientError::ConnectionDeadBeforeSend,
                u"the function closed the connection before the request was sent"_qs + why, err);
        return failWith(
            ClientError::ConnectionClosedBeforeResponse,
            u"the function closed the connection before completing the request"_qs + why, err);
    };

    for (;;) {
        const Clock::time_point now = Clock::now();
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            setTimings(now);
            return failWith(ClientError::Cancelled, u"the request was cancelled"_qs);
        }
        int waitMs = -1;
        if (!unlimited) {
            if (now >= deadline) {
                setTimings(now);
                return failWith(ClientError::Timeout,
                                u"no complete response within %1 ms (%2)"_qs.arg(timeoutMs).arg(
                                    !sendDone      ? u"while sending the request"_qs
                                    : gotFirstByte ? u"while receiving the response"_qs
                                                   : u"while waiting for the response"_qs));
            }
            // Round up so that a sub-millisecond remainder does not spin.
            waitMs = int(std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count());
        }
        if (cancel)
            waitMs = waitMs < 0 ? 20 : std::min(waitMs, 20);

        const bool wantWrite = !sendDone && !sendFailed;
        pollfd pfd{fd, short(POLLIN | (wantWrite ? POLLOUT : 0)), 0};
        const int ready = ::poll(&pfd, 1, waitMs);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            setTimings(Clock::now());
            return failWith(ClientError::SocketError, u"poll: "_qs + errnoText(err), err);
        }
        if (ready == 0)
            continue;

        if (wantWrite && (pfd.revents & (POLLOUT | POLLERR | POLLHUP))) {
            const ssize_t n = ::send(fd, wire.constData() + sent, size_t(wire.size() - sent),
                                     MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                sent += n;
                if (sent == wire.size()) {
                    sendDone = true;
                    sendEnd = Clock::now();
                }
            } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                const int err = errno;
                if (!isConnectionLoss(err)) {
                    setTimings(Clock::now());
                    return failWith(ClientError::SocketError, u"send: "_qs + errnoText(err), err);
                }
                // The server may have answered before closing (an early error reply):
                // read what is there before deciding.
                sendFailed = true;
                if (sent == 0)
                    return connectionLost(err);
            }
        }

        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                    continue;
                const int err = errno;
                if (isConnectionLoss(err))
                    return connectionLost(err);
                setTimings(Clock::now());
                return failWith(ClientError::SocketError, u"recv: "_qs + errnoText(err), err);
            }
            if (n == 0) {
                // End of file: the end of a body that runs to the end of the connection, or
                // a connection lost.
                if (m_info.bytesReceived > 0 && m_parser.feedEof() == ParseStatus::Complete) {
                    const Clock::time_point end = Clock::now();
                    setTimings(end);
                    m_reusable = false;
                    ++m_completed;
                    return m_parser.takeResponse();
                }
                return connectionLost(0);
            }
            if (!gotFirstByte) {
                gotFirstByte = true;
                firstByte = Clock::now();
            }
            m_info.bytesReceived += n;
            const char *data = buffer;
            size_t left = size_t(n);
            while (left > 0) {
                const ParseStatus st = m_parser.feed(data, left);
                data += m_parser.consumed();
                left -= m_parser.consumed();
                if (st == ParseStatus::Incomplete)
                    break;
                if (st == ParseStatus::BadRequest) {
                    setTimings(Clock::now());
                    return failWith(ClientError::BadResponse,
                                    u"invalid HTTP response from the function: "_qs +
                                        m_parser.errorString());
                }
                if (st == ParseStatus::TooLarge) {
                    setTimings(Clock::now());
                    return failWith(ClientError::ResponseTooLarge,
                                    u"response from the function too large: "_qs +
                                        m_parser.errorString());
                }
                const int status = m_parser.response().status;
                if (status >= 100 && status < 200 && status != 101) {
                    // An interim response (100 Continue, 103 Early Hints): the real one follows.
                    m_parser.reset();
                    m_parser.setRequestMethod(request.method);
                    continue;
                }
                const Clock::time_point end = Clock::now();
                setTimings(end);
                // Reusable only if the exchange ended cleanly on both sides.
                m_reusable = m_parser.response().keepAlive && status != 101 && left == 0 &&
                             sendDone && !m_parser.bodyEndsWithConnection();
                ++m_completed;
                return m_parser.takeResponse();
            }
        }
    }
}

} // namespace Fcemu::Gateway
