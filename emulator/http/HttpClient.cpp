#include "http/HttpClient.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace Fcemu::Http {

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
    begin(request, timeoutMs);
    const bool unlimited = timeoutMs < 0;
    const Clock::time_point deadline =
        m_start + std::chrono::milliseconds(unlimited ? 0 : timeoutMs);
    for (;;) {
        const Clock::time_point now = Clock::now();
        if (!m_early && cancel && cancel->load(std::memory_order_relaxed))
            return abort(ClientError::Cancelled);
        int waitMs = -1;
        if (!unlimited && !m_early) {
            if (now >= deadline)
                return abort(ClientError::Timeout);
            // Round up so that a sub-millisecond remainder does not spin.
            waitMs = int(std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count());
        }
        if (auto result = step())
            return std::move(*result);
        if (cancel)
            waitMs = waitMs < 0 ? 20 : std::min(waitMs, 20);
        pollfd pfd{m_fd.get(), short(POLLIN | (wantsWrite() ? POLLOUT : 0)), 0};
        if (::poll(&pfd, 1, waitMs) < 0 && errno != EINTR) {
            const int err = errno;
            setTimings(Clock::now());
            return finishWith(
                failWith(ClientError::SocketError, u"poll: "_qs + errnoText(err), err));
        }
    }
}

void InstanceConnection::begin(const HttpRequest &request, int timeoutMs)
{
    m_info = RoundTripInfo{};
    m_info.reusedConnection = m_completed > 0;
    m_parser.reset();
    m_parser.setRequestMethod(request.method);
    m_method = request.method;
    m_timeoutMs = timeoutMs;
    m_wire.clear();
    m_sent = 0;
    m_sendDone = m_gotFirstByte = m_sendFailed = false;
    m_start = m_sendEnd = m_firstByte = Clock::now();
    m_early.reset();
    m_active = true;

    if (!m_fd) {
        m_early = failWith(ClientError::SocketError, u"no connection to the function"_qs);
        return;
    }
    const int fd = m_fd.get();

    // Is the connection still alive? A kept-alive connection the server closed while idle
    // reads as end-of-file (or a reset) before we write anything. Bytes nobody asked for mean
    // the server is out of step with us: the connection cannot be trusted either.
    {
        pollfd pfd{fd, POLLIN | POLLRDHUP, 0};
        if (::poll(&pfd, 1, 0) > 0) {
            if (pfd.revents & POLLNVAL) {
                m_early = failWith(ClientError::SocketError, u"invalid socket"_qs, EBADF);
                return;
            }
            char probe = 0;
            const ssize_t n = ::recv(fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
            if (n == 0 || (pfd.revents & (POLLHUP | POLLRDHUP))) {
                m_early =
                    failWith(ClientError::ConnectionDeadBeforeSend,
                             u"the function closed the connection before the request was sent"_qs);
                return;
            }
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                const int err = errno;
                m_early =
                    failWith(ClientError::ConnectionDeadBeforeSend,
                             u"the connection was lost before the request was sent: %1"_qs.arg(
                                 errnoText(err)),
                             err);
                return;
            }
            if (n > 0) {
                m_early =
                    failWith(ClientError::ConnectionDeadBeforeSend,
                             u"the function sent data nobody asked for on an idle connection"_qs);
                return;
            }
        }
    }
    if (!m_reusable) {
        m_early = failWith(ClientError::ConnectionDeadBeforeSend,
                           u"the connection cannot carry another request (its last exchange "
                           u"did not end cleanly)"_qs);
        return;
    }

    if (request.hasHeader("host")) {
        m_wire = request.toBytes();
    } else {
        HttpRequest withHost = request; // implicitly shared: the body is not copied here
        withHost.headers.prepend({QByteArrayLiteral("Host"), m_peerHost});
        m_wire = withHost.toBytes();
    }
    m_start = Clock::now();
}

bool InstanceConnection::wantsWrite() const
{
    return m_active && !m_early && !m_sendDone && !m_sendFailed;
}

void InstanceConnection::setTimings(Clock::time_point now)
{
    const Clock::time_point sEnd = m_sendDone ? m_sendEnd : (m_gotFirstByte ? m_firstByte : now);
    m_info.timings.sendMs = msBetween(m_start, sEnd);
    if (m_gotFirstByte) {
        m_info.timings.waitMs = msBetween(sEnd, m_firstByte);
        m_info.timings.receiveMs = msBetween(m_firstByte, now);
    } else if (m_sendDone) {
        m_info.timings.waitMs = msBetween(sEnd, now);
    }
    m_info.bytesSent = m_sent;
}

Result<HttpResponse> InstanceConnection::finishWith(Result<HttpResponse> result)
{
    m_active = false;
    m_wire.clear();
    return result;
}

std::unexpected<Error> InstanceConnection::connectionLost(int err)
{
    setTimings(Clock::now());
    const QString why = err ? u": "_qs + errnoText(err) : QString();
    if (m_info.bytesReceived > 0)
        return failWith(ClientError::ConnectionClosedMidResponse,
                        u"the function closed the connection in the middle of its response "
                        u"(%1 bytes received)"_qs.arg(m_info.bytesReceived) +
                            why,
                        err);
    if (m_sent == 0)
        return failWith(ClientError::ConnectionDeadBeforeSend,
                        u"the function closed the connection before the request was sent"_qs + why,
                        err);
    return failWith(ClientError::ConnectionClosedBeforeResponse,
                    u"the function closed the connection before completing the request"_qs + why,
                    err);
}

Result<HttpResponse> InstanceConnection::abort(ClientError why)
{
    setTimings(Clock::now());
    if (why == ClientError::Cancelled)
        return finishWith(failWith(ClientError::Cancelled, u"the request was cancelled"_qs));
    return finishWith(failWith(ClientError::Timeout,
                               u"no complete response within %1 ms (%2)"_qs.arg(m_timeoutMs)
                                   .arg(!m_sendDone      ? u"while sending the request"_qs
                                        : m_gotFirstByte ? u"while receiving the response"_qs
                                                         : u"while waiting for the response"_qs)));
}

std::optional<Result<HttpResponse>> InstanceConnection::step()
{
    if (m_early)
        return finishWith(*std::exchange(m_early, std::nullopt));
    if (!m_active)
        return finishWith(failWith(ClientError::SocketError, u"no round trip in progress"_qs));
    const int fd = m_fd.get();

    if (wantsWrite()) {
        const ssize_t n = ::send(fd, m_wire.constData() + m_sent, size_t(m_wire.size() - m_sent),
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            m_sent += n;
            if (m_sent == m_wire.size()) {
                m_sendDone = true;
                m_sendEnd = Clock::now();
                // The server has had no time to answer: wait for the socket to say so rather
                // than read now (a read that finds nothing was one system call per request).
                if (m_sent == n)
                    return std::nullopt;
            }
        } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            const int err = errno;
            if (!isConnectionLoss(err)) {
                setTimings(Clock::now());
                return finishWith(
                    failWith(ClientError::SocketError, u"send: "_qs + errnoText(err), err));
            }
            // The server may have answered before closing (an early error reply):
            // read what is there before deciding.
            m_sendFailed = true;
            if (m_sent == 0)
                return finishWith(connectionLost(err));
        }
    }

    char buffer[64 * 1024];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return std::nullopt;
            if (errno == EINTR)
                continue;
            const int err = errno;
            if (isConnectionLoss(err))
                return finishWith(connectionLost(err));
            setTimings(Clock::now());
            return finishWith(
                failWith(ClientError::SocketError, u"recv: "_qs + errnoText(err), err));
        }
        if (n == 0) {
            // End of file: the end of a body that runs to the end of the connection, or
            // a connection lost.
            if (m_info.bytesReceived > 0 && m_parser.feedEof() == ParseStatus::Complete) {
                setTimings(Clock::now());
                m_reusable = false;
                ++m_completed;
                return finishWith(m_parser.takeResponse());
            }
            return finishWith(connectionLost(0));
        }
        if (!m_gotFirstByte) {
            m_gotFirstByte = true;
            m_firstByte = Clock::now();
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
                return finishWith(failWith(ClientError::BadResponse,
                                           u"invalid HTTP response from the function: "_qs +
                                               m_parser.errorString()));
            }
            if (st == ParseStatus::TooLarge) {
                setTimings(Clock::now());
                return finishWith(failWith(ClientError::ResponseTooLarge,
                                           u"response from the function too large: "_qs +
                                               m_parser.errorString()));
            }
            const int status = m_parser.response().status;
            if (status >= 100 && status < 200 && status != 101) {
                // An interim response (100 Continue, 103 Early Hints): the real one follows.
                m_parser.reset();
                m_parser.setRequestMethod(m_method);
                continue;
            }
            setTimings(Clock::now());
            // Reusable only if the exchange ended cleanly on both sides.
            m_reusable = m_parser.response().keepAlive && status != 101 && left == 0 &&
                         m_sendDone && !m_parser.bodyEndsWithConnection();
            ++m_completed;
            return finishWith(m_parser.takeResponse());
        }
    }
}

} // namespace Fcemu::Http
