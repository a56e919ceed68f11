#pragma once

// The InstancePool's private parts, shared by its three files: InstancePool.cpp (the request
// path: queueing, dispatch, the record of each call), InstancePoolLifecycle.cpp (an instance's
// life: start, ping, /initialize, idle reclaim, hooks, stop) and InstancePoolExchange.cpp (the
// kept-alive connections to the instances and their round trips).

#include <list>

#include <QSocketNotifier>
#include <QTimer>

#include <nlohmann/json.hpp>

#include "InstancePool.h"
#include "http/HttpClient.h"
#include "sandbox/Sandbox.h"

namespace Fcemu::Runtime {

inline constexpr int kPingIntervalMs = 5;
inline constexpr int kTailLines = 40; // the output kept for FC's "Logs :" of a failure

// FC2's error body ({"ErrorCode", "ErrorMessage"}) for a failure on an FC2 path.
inline QByteArray fc2ErrorBody(const QString &code, const QString &message)
{
    return QByteArray::fromStdString(nlohmann::json{
        {"ErrorCode", code.toStdString()},
        {"ErrorMessage",
         message.toStdString()}}.dump());
}

struct InstancePool::Call
{
    Telemetry::InvocationRecord record;
    Http::HttpRequest client;
    bool http = false;
    bool async = false;
    Callback done;
    qint64 submittedNs = 0;
    qint64 doneNs = 0;    // the reply (and pre-freeze) complete: the end of totalMs
    bool started = false; // its "FC Invoke Start" line is logged (send())
};

// One kept-alive connection to an instance's server. Its round trips run on the pool's own
// event loop (non-blocking socket, notifiers, a deadline timer): no worker thread and no thread
// hop per request, which on a small machine cost more than the request itself.
struct InstancePool::Link
{
    explicit Link(UniqueFd socket)
        : connection(std::move(socket)),
          readable(connection.socketDescriptor(), QSocketNotifier::Read),
          writable(connection.socketDescriptor(), QSocketNotifier::Write)
    {
        readable.setEnabled(false);
        writable.setEnabled(false);
        deadline.setSingleShot(true);
        deadline.setTimerType(Qt::PreciseTimer);
    }
    Q_DISABLE_COPY_MOVE(Link)

    Http::InstanceConnection connection;
    QSocketNotifier readable;
    QSocketNotifier writable;
    QTimer deadline;              // runs on between round trips, restarted only when due too late
    qint64 deadlineNs = 0;        // of the round trip in flight (monotonicNs()); 0: none
    Exchange *exchange = nullptr; // the round trip in flight on this connection
};

// One round trip to an instance, FC's single retry on a dead kept-alive connection included.
struct InstancePool::Exchange
{
    Live *live = nullptr;
    std::unique_ptr<Link> link;
    Http::HttpRequest request;
    int timeoutMs = -1;
    bool mayRetry = false;
    Result<Http::HttpResponse> response = fail(ErrorKind::FunctionFailed, u"no response"_qs);
    Http::RoundTripInfo info;
    std::function<void(Exchange &)> done;
};

struct InstancePool::Live
{
    QString id;
    QString address;
    std::unique_ptr<Sandbox::Instance> sandbox;
    InstanceState state = InstanceState::Starting;
    bool provisioned = false;
    bool ready = false;
    bool exited = false;
    bool stopping = false;  // idle reclaim or pool stop under way: takes no more requests
    bool discarded = false; // killed; removed once no worker uses it
    bool diagnosed = false;
    bool initialized = false;
    bool initializing = false;
    Sandbox::ExitStatus exit;
    int inFlight = 0; // requests dispatched to it
    int workers = 0;  // round trips and deferred completions that still use this object
    int served = 0;
    QList<std::shared_ptr<Call>> calls;       // dispatched, not finished
    QList<std::shared_ptr<Call>> waitingInit; // dispatched, waiting for /initialize
    std::vector<std::unique_ptr<Link>> idle;
    std::list<std::unique_ptr<Exchange>> exchanges;
    QStringList tail;                         // last output lines, for FC's "Logs :"
    QList<QPair<qint64, QString>> startupLog; // output before the first request
    std::unique_ptr<QTimer> idleTimer;
    qint64 execNs = 0;
    double sandboxMs = 0;
    double startupMs = 0;

    QString lastLines(int count) const
    {
        return tail.mid(std::max<qsizetype>(0, tail.size() - count)).join(u'\n');
    }
};

struct InstancePool::Outcome
{
    Result<Http::HttpResponse> response = fail(ErrorKind::FunctionFailed, u"no response"_qs);
    Http::RoundTripInfo info;
    std::unique_ptr<Link> link;
    QString preFreezeError;
    bool preFreezeRan = false;
    double preFreezeMs = 0; // the GET /pre-freeze round trip
    qint64 sentNs = 0;      // the last attempt began sending (after any connect)
    qint64 doneNs = 0;      // the reply (and pre-freeze) complete
};

} // namespace Fcemu::Runtime
