#pragma once

// The client for one TCP connection to a function instance (CONTRACT §4): stepped by an event loop
// (InstancePool), or blocking (roundTrip(), for tests and tools). The socket comes from
// Sandbox::Instance::connectTcp() (already connected inside the instance's network namespace) or,
// in tests, from a plain connect().
//
// FC's front end holds keep-alive connections to the instance's server and the error it shows
// depends on how a connection failed (fc-semantics.md §4.3), so a failed round trip says which
// way it failed (ClientError), not just that it did:
// - Timeout: "Function timed out after N seconds (maxMemoryUsage: XMB)", instance replaced;
// - ConnectionClosedBeforeResponse / MidResponse: 502 "Process exited unexpectedly before
//   completing request (duration: Xms, maxMemoryUsage: YMB)";
// - ConnectionDeadBeforeSend: the server had already closed this (idle, kept-alive)
//   connection; nothing of the request reached it. FC retries idempotent methods once on a
//   dropped connection ("对于幂等请求例如GET、HEAD、OPTIONS或TRACE等，在连接失败时 ... 会主动重试")
//   and answers 502 for the others: see RoundTripInfo::shouldRetry().

#include <atomic>
#include <chrono>
#include <optional>

#include <QByteArray>
#include <QString>

#include "common/Error.h"
#include "common/UniqueFd.h"
#include "http/HttpMessage.h"
#include "http/HttpParser.h"

namespace Fcemu::Http {

enum class ClientError {
    None,                           // the round trip succeeded
    Timeout,                        // no complete response within timeoutMs
    Cancelled,                      // *cancel became true
    ConnectionDeadBeforeSend,       // closed by the peer before any byte of the request was sent
    ConnectionClosedBeforeResponse, // closed (EOF or reset) after sending, before any response byte
    ConnectionClosedMidResponse,    // closed after part of the response
    BadResponse,                    // not valid HTTP
    ResponseTooLarge,               // over the header or body limit (FC: 502 BadResponse)
    SocketError,                    // any other socket failure (errno in the message)
};

// Durations of one round trip, in ms on the monotonic clock, as HAR 1.2 defines them:
// send = first byte written to last byte written; wait = last byte written to first response
// byte; receive = first response byte to the end of the response. On a failure, the phases
// reached so far (a timeout while waiting has wait = the time waited).
struct RoundTripTimings
{
    double sendMs = 0;
    double waitMs = 0;
    double receiveMs = 0;
    double totalMs() const { return sendMs + waitMs + receiveMs; }
};

// What the last roundTrip() did, success or not.
struct RoundTripInfo
{
    ClientError error = ClientError::None;
    RoundTripTimings timings;
    qint64 bytesSent = 0;
    qint64 bytesReceived = 0;
    bool reusedConnection = false; // an earlier round trip completed on this connection
    int osError = 0;               // errno of a socket failure, 0 otherwise

    // FC's rule for a dropped keep-alive connection: replay GET, HEAD, OPTIONS and TRACE once
    // when the connection failed before any response byte came back; any method when nothing
    // at all was sent.
    bool shouldRetry(QByteArrayView method) const;
};

class InstanceConnection final
{
public:
    // Takes the socket over and makes it non-blocking. Response limits: FC answers a response
    // whose headers pass 8 KB with 502 BadResponse (fc-semantics.md §7).
    explicit InstanceConnection(UniqueFd connectedSocket,
                                qsizetype maxResponseHeaderBytes = kDefaultMaxHeaderBytes,
                                qsizetype maxResponseBodyBytes = kDefaultMaxBodyBytes);
    ~InstanceConnection();
    InstanceConnection(const InstanceConnection &) = delete;
    InstanceConnection &operator=(const InstanceConnection &) = delete;
    InstanceConnection(InstanceConnection &&) noexcept = default;
    InstanceConnection &operator=(InstanceConnection &&) noexcept = default;

    // Sends request and reads its response, both within timeoutMs (< 0: no limit). A request
    // without a Host header gets the peer's address ("Host: 21.0.0.2:9000", as FC sends).
    // Interim 1xx responses (100 Continue) are skipped. Errors are ErrorKind::FunctionFailed
    // (ErrorKind::Cancelled when cancelled) with a one-line message; lastRoundTrip().error
    // tells them apart. The connection is polled at least every 20 ms for *cancel.
    Result<HttpResponse> roundTrip(const HttpRequest &request, int timeoutMs,
                                   const std::atomic<bool> *cancel = nullptr);

    // The same round trip without blocking, for a caller that runs its own event loop (the
    // instance pool drives every connection from one thread, with no thread hop per request):
    // begin(), then step() at once and again whenever the socket is readable (or writable while
    // wantsWrite()), until step() returns the result. abort() ends a round trip in progress as
    // a Timeout (the caller keeps the deadline) or as Cancelled. roundTrip() is this, driven by
    // poll().
    void begin(const HttpRequest &request, int timeoutMs);
    std::optional<Result<HttpResponse>> step();
    bool wantsWrite() const;
    Result<HttpResponse> abort(ClientError why);

    const RoundTripInfo &lastRoundTrip() const { return m_info; }

    // True while the connection can carry another request: every response so far was complete,
    // kept alive, delimited by its length and nothing unexpected followed it. A false answer
    // does not stop roundTrip() from trying (it then fails with ConnectionDeadBeforeSend).
    bool isReusable() const;

    int socketDescriptor() const { return m_fd.get(); }
    int completedRoundTrips() const { return m_completed; }

private:
    using TimePoint = std::chrono::steady_clock::time_point;

    std::unexpected<Error> failWith(ClientError error, const QString &message, int osError = 0);
    std::unexpected<Error> connectionLost(int err);
    Result<HttpResponse> finishWith(Result<HttpResponse> result);
    void setTimings(TimePoint now);

    UniqueFd m_fd;
    ResponseParser m_parser;
    QByteArray m_peerHost;
    RoundTripInfo m_info;
    int m_completed = 0;
    bool m_reusable = true;

    // The round trip in progress.
    bool m_active = false;
    std::optional<Result<HttpResponse>> m_early; // failed before sending: step() returns it
    QByteArray m_method;
    QByteArray m_wire;
    qsizetype m_sent = 0;
    int m_timeoutMs = -1;
    bool m_sendDone = false;
    bool m_gotFirstByte = false;
    bool m_sendFailed = false;
    TimePoint m_start, m_sendEnd, m_firstByte;
};

} // namespace Fcemu::Http
