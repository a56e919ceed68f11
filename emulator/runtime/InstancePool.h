#pragma once

#include <functional>
#include <list>
#include <memory>

#include <QObject>

#include "FcRequest.h"
#include "FunctionInvoker.h"
#include "FunctionImage.h"
#include "InstanceState.h"
#include "common/UniqueFd.h"
#include "config/FunctionConfig.h"
#include "http/HttpMessage.h"
#include "telemetry/InvocationRecord.h"

namespace Fcemu::Runtime {

// Web-server mode with many instances (CONTRACT §4 "Instances"): each instance takes up to
// instanceConcurrency requests at once; more requests start more instances (each a real cold
// start) up to maxInstances, beyond which the reply is 429 ResourceExhausted. Idle instances are
// reclaimed after idleTimeoutS (GET /pre-stop first when configured); provisioned instances are
// started up front and kept. GET /pre-freeze follows every request when configured.
//
// Asynchronous: nothing here runs a nested event loop or blocks on a function. Round trips run
// on the pool's own event loop over non-blocking connections from Sandbox::Instance::connectTcp
// (idle connections are kept for reuse). The pool must live on a long-lived thread (the
// sandbox's PR_SET_PDEATHSIG follows the thread that started it).
class InstancePool final : public QObject, public FunctionInvoker
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InstancePool)

public:
    // Called on the pool's thread, never from inside submit() (it may call submit() itself).
    using Callback = FunctionInvoker::Callback;

    InstancePool(Config::FunctionConfig config, std::shared_ptr<PreparedImage> image,
                 QObject *parent = nullptr);
    ~InstancePool() override; // kills every instance (no pre-stop: call stop() for that)

    const Config::FunctionConfig &config() const override { return m_config; }
    const std::shared_ptr<PreparedImage> &image() const override { return m_image; }

    // Starts the provisioned instances. Call once, on the pool's thread.
    void start();

    // Queues an invocation and returns its request id at once. kind http: the client's request
    // passed through (/http-invoke); otherwise request.body is the event (/invoke). A synchronous
    // invocation that finds every instance busy at maxInstances fails at once with 429
    // ResourceExhausted; an asynchronous one waits for a free instance, as FC's async queue does.
    // Safe to call from any thread.
    QString submit(const Http::HttpRequest &request, bool http, Callback done = {},
                   bool async = false) override;

    // Calls GET /pre-stop on every running instance (when configured), stops them all and then
    // calls done. Requests submitted afterwards fail.
    void stop(std::function<void()> done = {});

    int instanceCount() const;

    // --debug-port: listens on 127.0.0.1 at the configured debug ports and relays each
    // connection into the newest running instance (DebugRelay.h). Call on the pool's thread;
    // Error (Usage) when a port is taken. Nothing to do without debug ports.
    Status listenForDebuggers();
    // A socket connected to port inside the newest running instance.
    Result<UniqueFd> connectToNewestInstance(quint16 port);

    // The image's pull and unpack were already charged to an earlier pool's first cold start (a
    // forced cold start or a settings change reuses the prepared image): don't charge them again.
    void setImagePhasesUsed() { m_coldPhasesUsed = true; }

signals:
    // Every state change of every instance, with the monotonic time (monotonicNs()).
    void instanceStateChanged(const QString &instanceId, Fcemu::Runtime::InstanceState state,
                              qint64 monotonicNs);
    // Function output and FC's framing lines. requestId is empty for lines of an instance that
    // serves several requests at once (instanceConcurrency > 1) or none.
    void logLine(const QString &requestId, const QString &instanceId, qint64 timestampMs,
                 const QString &line);
    void finished(const Fcemu::Telemetry::InvocationRecord &record);

private:
    struct Call;
    struct Live;
    struct Outcome;
    struct Link;
    struct Exchange;

    struct Capacity
    {
        int instances = 0;  // running or starting, not stopping
        int requests = 0;   // instances × instanceConcurrency
        qsizetype load = 0; // requests in flight and waiting
    };
    Capacity capacity() const;
    void enqueue(const std::shared_ptr<Call> &call);
    void schedule();
    void startInstance(bool provisioned);
    void pingInstance(Live *live);
    void instanceReady(Live *live);
    void startupFailed(Live *live, const QString &code, const QString &message);
    void dispatch(Live *live, const std::shared_ptr<Call> &call);
    void send(Live *live, const std::shared_ptr<Call> &call);
    std::unique_ptr<Link> makeLink(UniqueFd socket);
    std::unique_ptr<Link> takeIdle(Live *live);
    // One round trip on link (a new connection when null); done runs on a later turn of the
    // event loop with the exchange's response, info and link.
    void startExchange(Live *live, Http::HttpRequest request, int timeoutMs,
                       std::unique_ptr<Link> link, bool mayRetry,
                       std::function<void(Exchange &)> done);
    void beginExchange(Exchange *exchange);
    void advanceExchange(Link *link);
    void endRoundTrip(Exchange *exchange, Result<Http::HttpResponse> result);
    void finishExchange(Exchange *exchange);
    void cancelExchanges(Live *live);
    void runHook(Live *live, const QByteArray &method, const QByteArray &path, int timeoutS,
                 const QString &requestId, std::function<void(QString error)> done);
    void completed(Live *live, const std::shared_ptr<Call> &call,
                   const std::shared_ptr<Outcome> &outcome, int attempt);
    // Closes the record and delivers it (finished(), then the caller's callback): at once when
    // now is set (the hot path, from a completed round trip on the event loop), else from the
    // event loop, so that no caller up the stack sees a callback.
    void finish(const std::shared_ptr<Call> &call, bool now = false);
    void failCall(const std::shared_ptr<Call> &call, int status, const QString &code,
                  const QString &message, bool fc3Body);
    void appendLog(Telemetry::InvocationRecord &record, const QString &line, qint64 ms = 0);
    void setState(Live *live, InstanceState state);
    void becameFree(Live *live);
    void reclaim(Live *live);
    void discard(Live *live);
    void removeIfDone(Live *live);
    void checkStopped();

    Config::FunctionConfig m_config;
    std::shared_ptr<PreparedImage> m_image;
    CommonHeaderCache m_commonHeaders; // the x-fc-* headers, built once
    std::list<std::shared_ptr<Live>> m_instances;
    std::list<std::shared_ptr<Call>> m_queue;
    bool m_stopping = false;
    bool m_submitting = false; // inside submit(): no callbacks now
    std::function<void()> m_stopped;
    bool m_coldPhasesUsed = false; // the image's pull and unpack go to the first cold start
    std::unique_ptr<class DebugRelay> m_debugRelay;
    bool m_debugNoted = false; // "timeouts suspended" is in the logs once
};

} // namespace Fcemu::Runtime
