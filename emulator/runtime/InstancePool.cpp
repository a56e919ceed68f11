#include "InstancePool.h"

#include <QDateTime>
#include <QSocketNotifier>
#include <QThread>
#include <QTimer>

#include <nlohmann/json.hpp>

#include "DebugRelay.h"
#include "FcRequest.h"
#include "InstanceSetup.h"
#include "JobInvoker.h"
#include "WebErrors.h"
#include "http/HttpClient.h"
#include "sandbox/Sandbox.h"

namespace Fcemu::Runtime {

namespace {

constexpr int kPingIntervalMs = 5;
constexpr int kTailLines = 40;

QByteArray fc2ErrorBody(const QString &code, const QString &message)
{
    return QByteArray::fromStdString(nlohmann::json{
        {"ErrorCode", code.toStdString()},
        {"ErrorMessage",
         message.toStdString()}}.dump());
}

} // namespace

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

InstancePool::InstancePool(Config::FunctionConfig config, std::shared_ptr<PreparedImage> image,
                           QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_image(std::move(image)),
      m_commonHeaders(m_config)
{
    qRegisterMetaType<Telemetry::InvocationRecord>();
    qRegisterMetaType<InstanceState>();
}

InstancePool::~InstancePool()
{
    m_debugRelay.reset();
    for (const auto &live : m_instances) {
        if (live->sandbox)
            live->sandbox->kill();
    }
    // Watchers (the desktop app's instance lanes) see every instance end, killed or not.
    for (const auto &live : m_instances) {
        if (live->state != InstanceState::Stopped)
            emit instanceStateChanged(live->id, InstanceState::Stopped, monotonicNs());
    }
    m_instances.clear();
}

int InstancePool::instanceCount() const
{
    int n = 0;
    for (const auto &live : m_instances)
        n += live->discarded ? 0 : 1;
    return n;
}

Status InstancePool::listenForDebuggers()
{
    if (m_config.debugPorts.isEmpty() || m_debugRelay)
        return {};
    auto relay = DebugRelay::listen(m_config.debugPorts,
                                    [this](quint16 port) { return connectToNewestInstance(port); });
    if (!relay)
        return std::unexpected(relay.error());
    m_debugRelay = std::move(*relay);
    return {};
}

Result<UniqueFd> InstancePool::connectToNewestInstance(quint16 port)
{
    for (auto it = m_instances.rbegin(); it != m_instances.rend(); ++it) {
        Live *live = it->get();
        if (!live->discarded && !live->exited && live->sandbox && live->sandbox->isRunning())
            return live->sandbox->connectTcp(port, 2000);
    }
    return fail(ErrorKind::Platform, u"no instance is running"_qs);
}

void InstancePool::start()
{
    for (int i = 0; i < m_config.provisioned; ++i)
        startInstance(true);
}

QString InstancePool::submit(const Http::HttpRequest &request, bool http, Callback done, bool async)
{
    auto call = std::make_shared<Call>();
    call->record.requestId = Telemetry::newRequestId();
    call->record.kind = http ? u"http"_qs : u"event"_qs;
    call->record.startedAt = QDateTime::currentDateTimeUtc();
    call->record.memorySizeMB = m_config.memoryMB;
    call->record.coldStart = false;
    call->client = request;
    call->http = http;
    call->async = async;
    call->done = std::move(done);
    call->submittedNs = monotonicNs();
    call->record.startedNs = call->submittedNs;
    Telemetry::ClientRequest &client = call->record.client.emplace();
    client.method = QString::fromUtf8(request.method);
    client.target = QString::fromUtf8(request.target);
    client.headers = request.headers;
    client.body = request.body;
    client.async = async;
    const QString id = call->record.requestId;
    if (QThread::currentThread() != thread()) {
        QMetaObject::invokeMethod(
            this, [this, call]() { enqueue(call); }, Qt::QueuedConnection);
        return id;
    }
    // On the pool's thread the request starts now (a hop through the event loop per request
    // was measurable); anything that ends it at once is delivered later (m_submitting).
    const bool nested = std::exchange(m_submitting, true);
    enqueue(call);
    m_submitting = nested;
    return id;
}

void InstancePool::setState(Live *live, InstanceState state)
{
    if (live->state == state)
        return;
    live->state = state;
    emit instanceStateChanged(live->id, state, monotonicNs());
}

void InstancePool::appendLog(Telemetry::InvocationRecord &record, const QString &line, qint64 ms)
{
    record.logs.append(line);
    emit logLine(record.requestId, record.instanceId, ms ? ms : QDateTime::currentMSecsSinceEpoch(),
                 line);
}

InstancePool::Capacity InstancePool::capacity() const
{
    Capacity c;
    c.load = qsizetype(m_queue.size());
    for (const auto &live : m_instances) {
        if (live->discarded || live->stopping)
            continue;
        ++c.instances;
        c.requests += m_config.instanceConcurrency;
        c.load += live->inFlight;
    }
    return c;
}

void InstancePool::enqueue(const std::shared_ptr<Call> &call)
{
    if (m_stopping)
        return failCall(call, 503, u"ServiceUnavailable"_qs, u"the emulator is stopping"_qs, true);
    const Capacity c = capacity();
    // An asynchronous invocation waits for a free instance, as FC's async queue does.
    if (c.load + 1 > c.requests && c.instances >= m_config.maxInstances && !call->async)
        return failCall(call, 429, u"ResourceExhausted"_qs,
                        u"Resource exhausted: the function already runs "_qs +
                            QString::number(m_config.maxInstances) +
                            u" instances (maxInstances), each with " +
                            QString::number(m_config.instanceConcurrency) +
                            u" concurrent requests (instanceConcurrency)",
                        true);
    m_queue.push_back(call);
    schedule();
}

void InstancePool::schedule()
{
    while (!m_queue.empty()) {
        Live *target = nullptr;
        for (const auto &live : m_instances) {
            if (live->ready && !live->discarded && !live->stopping && !live->exited &&
                live->inFlight < m_config.instanceConcurrency) {
                target = live.get();
                break;
            }
        }
        if (!target)
            break;
        auto call = m_queue.front();
        m_queue.pop_front();
        dispatch(target, call);
    }
    // Requests still waiting beyond what the running and starting instances can take (new
    // ones, or ones whose instance died) start more instances, each a cold start. A start that
    // fails at once fails the requests it was for, so this ends.
    for (Capacity c = capacity(); !m_stopping && !m_queue.empty() && c.load > c.requests &&
                                  c.instances < m_config.maxInstances;
         c = capacity())
        startInstance(false);
}

void InstancePool::startInstance(bool provisioned)
{
    auto shared = std::make_shared<Live>();
    Live *live = shared.get();
    live->id = Telemetry::newInstanceId();
    live->provisioned = provisioned;
    m_instances.push_back(shared);
    emit instanceStateChanged(live->id, InstanceState::Starting, monotonicNs());

    // The sandbox phase includes building the spec (the image's USER is read from its files).
    const qint64 sandboxStart = monotonicNs();
    auto spec = instanceSpec(m_config, *m_image, live->id);
    if (!spec) {
        return startupFailed(live, u"FunctionNotStarted"_qs, spec.error().message);
    }
    live->address = spec->instanceAddress;
    if (m_config.debugging() && !std::exchange(m_debugNoted, true))
        emit logLine(QString(), live->id, QDateTime::currentMSecsSinceEpoch(),
                     debuggingNote(m_config));
    const QString command = spec->argv.join(u' ');
    live->sandbox = std::make_unique<Sandbox::Instance>(*spec);
    connect(live->sandbox.get(), &Sandbox::Instance::outputLine, this,
            [this, live](const Sandbox::OutputLine &line) {
                const QString text = QString::fromUtf8(line.text);
                live->tail.append(text);
                if (live->tail.size() > kTailLines)
                    live->tail.removeFirst();
                if (m_config.instanceConcurrency == 1 && live->calls.size() == 1) {
                    appendLog(live->calls.first()->record, text, line.timestampMs);
                    return;
                }
                if (live->served == 0 && live->calls.isEmpty())
                    live->startupLog.append({line.timestampMs, text});
                emit logLine(QString(), live->id, line.timestampMs, text);
            });
    connect(live->sandbox.get(), &Sandbox::Instance::exited, this,
            [this, live](const Sandbox::ExitStatus &status) {
                live->exited = true;
                live->exit = status;
                live->idle.clear();
                if (live->ready && live->inFlight == 0 && !live->discarded) {
                    discard(live);
                    schedule();
                }
            });

    auto started = live->sandbox->start();
    live->execNs = monotonicNs();
    live->sandboxMs = double(live->execNs - sandboxStart) / 1e6;
    if (!started) {
        if (started.error().kind == ErrorKind::FunctionFailed)
            startupFailed(live, u"CAExited"_qs,
                          exitedUnexpectedly(live->sandbox->startErrno(), command, {}));
        else
            startupFailed(live, u"SandboxError"_qs, started.error().message);
        return;
    }
    pingInstance(live);
}

void InstancePool::pingInstance(Live *live)
{
    if (live->discarded)
        return;
    // FC pings the server at the instance address until a TCP connect succeeds (CONTRACT §4).
    // Loopback answers a refused connect at once, so this never blocks the pool's thread long.
    const quint16 port = quint16(m_config.caPort);
    if (!live->exited) {
        if (auto socket = live->sandbox->connectTcp(port, 100)) {
            live->idle.push_back(makeLink(std::move(*socket)));
            return instanceReady(live);
        }
    }
    if (!live->diagnosed) {
        const QString advice = listenAdvice(live->sandbox->listeningSockets(), live->address, port);
        if (!advice.isEmpty()) {
            live->diagnosed = true;
            live->startupLog.append({QDateTime::currentMSecsSinceEpoch(), advice});
            emit logLine(QString(), live->id, QDateTime::currentMSecsSinceEpoch(), advice);
        }
    }
    const qint64 startNs = monotonicNs() - live->execNs;
    if (live->exited) {
        const int code = live->exit.exitCode >= 0 ? live->exit.exitCode : 128 + live->exit.signal;
        return startupFailed(live, u"CAExited"_qs,
                             caExitedMessage(startNs, code, live->lastLines(10)));
    }
    // Under a debugger (--debug-port, --debug-args) the start may wait for it: no deadline.
    if (!m_config.debugging() && startNs > qint64(m_config.startupTimeoutS) * 1'000'000'000)
        return startupFailed(live, u"FunctionNotStarted"_qs,
                             notStartedMessage(startNs, live->address, port, live->lastLines(10)));
    std::weak_ptr<Live> weak;
    for (const auto &l : m_instances)
        if (l.get() == live)
            weak = l;
    QTimer::singleShot(kPingIntervalMs, Qt::PreciseTimer, this, [this, weak]() {
        if (auto l = weak.lock())
            pingInstance(l.get());
    });
}

void InstancePool::instanceReady(Live *live)
{
    live->startupMs = double(monotonicNs() - live->execNs) / 1e6;
    live->ready = true;
    live->idleTimer = std::make_unique<QTimer>();
    live->idleTimer->setSingleShot(true);
    live->idleTimer->setInterval(std::max(1, m_config.idleTimeoutS) * 1000);
    connect(live->idleTimer.get(), &QTimer::timeout, this, [this, live]() { reclaim(live); });
    setState(live, InstanceState::Ready);
    schedule();
    if (live->inFlight == 0)
        becameFree(live);
}

void InstancePool::startupFailed(Live *live, const QString &code, const QString &message)
{
    live->discarded = true;
    cancelExchanges(live);
    if (live->sandbox)
        live->sandbox->kill();
    setState(live, InstanceState::Stopped);
    // The requests that this instance was started for now have nowhere to go.
    const Capacity c = capacity();
    qsizetype load = c.load;
    bool first = true;
    while (!m_queue.empty() && load > c.requests) {
        auto call = m_queue.back();
        m_queue.pop_back();
        --load;
        Telemetry::InvocationRecord &r = call->record;
        r.instanceId = live->id;
        r.coldStart = true;
        r.timings.sandboxMs = live->sandboxMs;
        if (first) {
            for (const auto &[ms, line] : live->startupLog)
                r.logs.append(line);
            first = false;
        }
        r.error = Telemetry::InvocationError{code, message};
        r.statusCode = 502;
        r.body = fc2ErrorBody(code, message);
        finish(call);
    }
    removeIfDone(live);
}

void InstancePool::dispatch(Live *live, const std::shared_ptr<Call> &call)
{
    if (live->idleTimer)
        live->idleTimer->stop();
    ++live->inFlight;
    live->calls.append(call);
    setState(live, InstanceState::Busy);
    Telemetry::InvocationRecord &r = call->record;
    r.instanceId = live->id;
    const double waitedMs = double(monotonicNs() - call->submittedNs) / 1e6;
    if (live->served++ == 0 && !live->provisioned) {
        r.coldStart = true;
        r.timings.sandboxMs = live->sandboxMs;
        r.timings.startupMs = live->startupMs;
        r.timings.queueMs = std::max(0.0, waitedMs - live->sandboxMs - live->startupMs);
        if (!m_coldPhasesUsed) {
            m_coldPhasesUsed = true;
            r.timings.pullMs = m_image->pullMs;
            r.timings.unpackMs = m_image->unpackMs;
        }
        for (const auto &[ms, line] : live->startupLog)
            r.logs.append(line);
        live->startupLog.clear();
    } else {
        r.timings.queueMs = waitedMs;
    }
    if (!m_config.initializer.isSet() || live->initialized)
        return send(live, call);

    // /initialize once per instance, before its first request (FC retries a failed one with
    // the next request).
    live->waitingInit.append(call);
    if (live->initializing)
        return;
    live->initializing = true;
    const qint64 initStart = monotonicNs();
    appendLog(r, u"FC Initialize Start RequestId: "_qs + r.requestId);
    runHook(
        live, "POST", kInitializePath, m_config.initializer.timeoutS, r.requestId,
        [this, live, call, initStart](const QString &error) {
            Telemetry::InvocationRecord &first = call->record;
            appendLog(first, u"FC Initialize End RequestId: "_qs + first.requestId);
            first.timings.initializeMs = double(monotonicNs() - initStart) / 1e6;
            live->initializing = false;
            live->initialized = error.isEmpty();
            const auto waiting = std::exchange(live->waitingInit, {});
            for (const auto &c : waiting) {
                if (live->initialized && !live->discarded) {
                    send(live, c);
                    continue;
                }
                // FC3: the initializer's failure comes back as 200 with X-Fc-Error-Type.
                const QString message = error.isEmpty() ? u"the instance stopped"_qs : error;
                c->record.error = Telemetry::InvocationError{u"InitializationError"_qs, message};
                c->record.responseHeaders.append({QByteArrayLiteral("X-Fc-Error-Type"),
                                                  QByteArrayLiteral("InitializationError")});
                c->record.body = QByteArray::fromStdString(
                    nlohmann::json{{"errorMessage", message.toStdString()}}.dump());
                --live->inFlight;
                live->calls.removeOne(c);
                finish(c);
            }
            if (!live->initialized)
                becameFree(live);
        });
}

void InstancePool::send(Live *live, const std::shared_ptr<Call> &call)
{
    Telemetry::InvocationRecord &r = call->record;
    const Http::HttpRequest request =
        call->http ? httpRequest(m_config, r.requestId, call->client, &m_commonHeaders)
                   : eventRequest(m_config, r.requestId, call->client.body, &m_commonHeaders);
    r.requestHeaders = request.headers; // shared, not copied
    if (live->inFlight == 1)
        live->sandbox->resetPeakMemory();
    appendLog(r, u"FC Invoke Start RequestId: "_qs + r.requestId);
    call->started = true;

    auto outcome = std::make_shared<Outcome>();
    startExchange(live, request, m_config.debugging() ? -1 : m_config.timeoutS * 1000,
                  takeIdle(live), true, [this, live, call, outcome](Exchange &e) {
                      // The phases end here, and the request began its last attempt's
                      // round trip earlier (a retried attempt's first try counts as queue).
                      outcome->doneNs = monotonicNs();
                      outcome->sentNs = outcome->doneNs - qint64(e.info.timings.totalMs() * 1e6);
                      outcome->response = std::move(e.response);
                      outcome->info = e.info;
                      outcome->link = std::move(e.link);
                      if (!outcome->response || !m_config.preFreeze.isSet() || !outcome->link ||
                          !outcome->link->connection.isReusable() || live->discarded)
                          return completed(live, call, outcome, 0);
                      // GET /pre-freeze follows on the same connection.
                      outcome->preFreezeRan = true;
                      const qint64 preFreezeStart = monotonicNs();
                      startExchange(
                          live,
                          hookRequest(m_config, call->record.requestId, "GET", kPreFreezePath,
                                      &m_commonHeaders),
                          m_config.preFreeze.timeoutS * 1000, std::move(outcome->link), false,
                          [this, live, call, outcome, preFreezeStart](Exchange &hook) {
                              outcome->doneNs = monotonicNs();
                              outcome->preFreezeMs = double(outcome->doneNs - preFreezeStart) / 1e6;
                              if (!hook.response)
                                  outcome->preFreezeError =
                                      u"PreFreeze failed: "_qs + hook.response.error().message;
                              else if (hook.response->status < 200 || hook.response->status > 299)
                                  outcome->preFreezeError = u"PreFreeze failed with status "_qs +
                                                            QString::number(hook.response->status);
                              outcome->link = std::move(hook.link);
                              completed(live, call, outcome, 0);
                          });
                  });
}

std::unique_ptr<InstancePool::Link> InstancePool::makeLink(UniqueFd socket)
{
    auto link = std::make_unique<Link>(std::move(socket));
    Link *l = link.get();
    connect(&l->readable, &QSocketNotifier::activated, this, [this, l]() { advanceExchange(l); });
    connect(&l->writable, &QSocketNotifier::activated, this, [this, l]() { advanceExchange(l); });
    connect(&l->deadline, &QTimer::timeout, this, [this, l]() {
        if (!l->exchange || l->deadlineNs == 0)
            return;
        const qint64 leftNs = l->deadlineNs - monotonicNs();
        if (leftNs > 0) // set by an earlier round trip: wait for this one's deadline
            return l->deadline.start(int((leftNs + 999'999) / 1'000'000));
        endRoundTrip(l->exchange, l->connection.abort(Http::ClientError::Timeout));
    });
    return link;
}

std::unique_ptr<InstancePool::Link> InstancePool::takeIdle(Live *live)
{
    if (live->idle.empty())
        return {};
    auto link = std::move(live->idle.back());
    live->idle.pop_back();
    return link;
}

void InstancePool::startExchange(Live *live, Http::HttpRequest request, int timeoutMs,
                                 std::unique_ptr<Link> link, bool mayRetry,
                                 std::function<void(Exchange &)> done)
{
    auto exchange = std::make_unique<Exchange>();
    exchange->live = live;
    exchange->link = std::move(link);
    exchange->request = std::move(request);
    exchange->timeoutMs = timeoutMs;
    exchange->mayRetry = mayRetry;
    exchange->done = std::move(done);
    Exchange *e = exchange.get();
    live->exchanges.push_back(std::move(exchange));
    ++live->workers;
    beginExchange(e);
}

void InstancePool::beginExchange(Exchange *e)
{
    Live *live = e->live;
    if (!e->link) {
        auto socket = live->discarded || !live->sandbox
                          ? Result<UniqueFd>(fail(ErrorKind::Cancelled, u"the instance stopped"_qs))
                          : live->sandbox->connectTcp(quint16(m_config.caPort), 1000);
        if (!socket) {
            e->response = std::unexpected(socket.error());
            e->info = {};
            e->info.error = Http::ClientError::ConnectionClosedBeforeResponse;
            return finishExchange(e);
        }
        e->link = makeLink(std::move(*socket));
    }
    Link *link = e->link.get();
    link->exchange = e;
    link->connection.begin(e->request, e->timeoutMs);
    if (auto result = link->connection.step())
        return endRoundTrip(e, std::move(*result));
    link->readable.setEnabled(true);
    link->writable.setEnabled(link->connection.wantsWrite());
    // Starting and stopping a timer per request is measurable: a running timer that fires
    // early is restarted for what is left instead.
    link->deadlineNs = 0;
    if (e->timeoutMs >= 0) {
        link->deadlineNs = monotonicNs() + qint64(e->timeoutMs) * 1'000'000;
        if (!link->deadline.isActive() || link->deadline.remainingTime() > e->timeoutMs)
            link->deadline.start(e->timeoutMs);
    }
}

void InstancePool::advanceExchange(Link *link)
{
    if (!link->exchange) {
        // Readable while idle: the server closed it or sent what nobody asked for; the next
        // begin() says which. Until then, stop watching (the notifier is level-triggered).
        link->readable.setEnabled(false);
        link->writable.setEnabled(false);
        return;
    }
    if (auto result = link->connection.step())
        return endRoundTrip(link->exchange, std::move(*result));
    link->writable.setEnabled(link->connection.wantsWrite());
}

void InstancePool::endRoundTrip(Exchange *e, Result<Http::HttpResponse> result)
{
    Link *link = e->link.get();
    // The read notifier stays on between round trips: turning it off and on again per request
    // cost more than an idle connection that never becomes readable.
    link->writable.setEnabled(false);
    link->deadlineNs = 0;
    link->exchange = nullptr;
    e->response = std::move(result);
    e->info = link->connection.lastRoundTrip();
    // FC retries idempotent requests once when the kept-alive connection had died.
    if (!e->response && e->mayRetry && e->info.shouldRetry(e->request.method) &&
        !e->live->discarded) {
        e->mayRetry = false;
        // Deleted later: this may run inside one of the dead link's own notifications.
        std::shared_ptr<Link> dead(std::move(e->link));
        QMetaObject::invokeMethod(
            this, [dead]() {}, Qt::QueuedConnection);
        return beginExchange(e);
    }
    finishExchange(e);
}

void InstancePool::finishExchange(Exchange *e)
{
    // Completed from the event loop: the caller may be a notifier of the link that done()
    // keeps or drops, or discard() with callers up the stack.
    QMetaObject::invokeMethod(
        this,
        [this, e]() {
            Live *live = e->live;
            for (auto it = live->exchanges.begin(); it != live->exchanges.end(); ++it) {
                if (it->get() != e)
                    continue;
                const std::unique_ptr<Exchange> owned = std::move(*it);
                live->exchanges.erase(it);
                --live->workers;
                owned->done(*owned);
                return;
            }
        },
        Qt::QueuedConnection);
}

void InstancePool::cancelExchanges(Live *live)
{
    for (const auto &e : live->exchanges)
        if (e->link && e->link->exchange == e.get())
            endRoundTrip(e.get(), e->link->connection.abort(Http::ClientError::Cancelled));
}

void InstancePool::completed(Live *live, const std::shared_ptr<Call> &call,
                             const std::shared_ptr<Outcome> &outcome, int attempt)
{
    // Output lines are read by the sandbox's reader thread and posted here: keep what the
    // function wrote before its reply with this request (lines are a request's own only when
    // the instance serves one request at a time); on a failure, give the exit status a moment
    // to arrive (an OOM kill reads differently from a crash).
    const bool waitOutput =
        !live->discarded && m_config.instanceConcurrency == 1 && live->sandbox->hasPendingOutput();
    const bool waitExit =
        !outcome->response && outcome->info.error != Http::ClientError::Timeout && !live->exited;
    if (waitOutput && !waitExit && attempt < 30) {
        // The reader drains the pipes and posts this after the lines it read: no polling.
        live->sandbox->afterPendingOutput(this, [this, live, call, outcome, attempt]() {
            completed(live, call, outcome, attempt + 1);
        });
        return;
    }
    if ((waitOutput || waitExit) && attempt < 30) {
        QTimer::singleShot(1, this, [this, live, call, outcome, attempt]() {
            completed(live, call, outcome, attempt + 1);
        });
        return;
    }
    --live->inFlight;
    live->calls.removeOne(call);
    Telemetry::InvocationRecord &r = call->record;
    r.timings.invokeMs = outcome->info.timings.totalMs();
    r.timings.sendMs = outcome->info.timings.sendMs;
    r.timings.waitMs = outcome->info.timings.waitMs;
    r.timings.receiveMs = outcome->info.timings.receiveMs;
    r.timings.preFreezeMs = outcome->preFreezeMs;
    // Timing bookkeeping: the queue phase runs until the worker began sending (the hand-off to
    // a worker is waiting too), and the invocation ends when the worker had the reply; the
    // hand-off back and the wait for the function's output below are not the invocation's time.
    if (outcome->sentNs) {
        const double waitedMs = double(outcome->sentNs - call->submittedNs) / 1e6;
        r.timings.queueMs = std::max(0.0, waitedMs - r.timings.sandboxMs - r.timings.startupMs -
                                              r.timings.initializeMs);
    }
    call->doneNs = outcome->doneNs;
    r.maxUsedMB = double(live->sandbox->peakMemoryBytes()) / (1024.0 * 1024.0);
    r.memoryAccounting = live->sandbox->memoryAccounting();
    const auto functionError = [&](const QString &code, const QString &message, int status) {
        r.error = Telemetry::InvocationError{code, message};
        r.statusCode = status;
        r.responseHeaders.append(
            {QByteArrayLiteral("X-Fc-Error-Type"), QByteArrayLiteral("UnhandledInvocationError")});
        r.body = QByteArray::fromStdString(
            nlohmann::json{{"errorMessage", message.toStdString()}}.dump());
    };
    if (!outcome->response) {
        using Http::ClientError;
        if (outcome->info.error == ClientError::Timeout) {
            functionError(u"FunctionTimeoutError"_qs,
                          timedOutMessage(m_config.timeoutS, r.maxUsedMB), 200);
        } else if (outcome->info.error == ClientError::BadResponse ||
                   outcome->info.error == ClientError::ResponseTooLarge) {
            functionError(u"BadResponse"_qs, outcome->response.error().message, 502);
        } else {
            const bool oom = live->exited && live->exit.memoryLimitExceeded;
            functionError(oom ? u"FunctionOOMError"_qs : u"UnhandledInvocationError"_qs,
                          exitedMidRequestMessage(outcome->info.timings.totalMs(), r.maxUsedMB),
                          502);
        }
        // The instance is replaced, as FC does (a provisioned one at once).
        if (!live->discarded) {
            discard(live);
            if (live->provisioned && !m_stopping)
                startInstance(true);
        }
    } else {
        const Http::HttpResponse &response = *outcome->response;
        const bool failed = response.status == 404 || response.header("x-fc-status") == "404";
        r.statusCode = call->http ? response.status : 200; // FC3 drops an event reply's status
        r.body = response.body;
        if (call->http) {
            for (const auto &[name, value] : response.headers)
                if (!isForbiddenResponseHeader(name, value))
                    r.responseHeaders.append({name, value});
        }
        if (failed) {
            r.error = Telemetry::InvocationError{u"UnhandledInvocationError"_qs,
                                                 u"the function answered "_qs +
                                                     QString::number(response.status) + u": " +
                                                     QString::fromUtf8(response.body.left(500))};
            r.responseHeaders.append({QByteArrayLiteral("X-Fc-Error-Type"),
                                      QByteArrayLiteral("UnhandledInvocationError")});
        }
        if (outcome->preFreezeRan) {
            appendLog(r, u"FC PreFreeze Start RequestId: "_qs + r.requestId);
            if (!outcome->preFreezeError.isEmpty())
                appendLog(r, outcome->preFreezeError);
            appendLog(r, u"FC PreFreeze End RequestId: "_qs + r.requestId);
        }
        if (outcome->link && outcome->link->connection.isReusable() && !live->exited &&
            !live->discarded)
            live->idle.push_back(std::move(outcome->link));
    }
    finish(call, true); // completed() runs from the event loop: nobody up the stack to surprise
    becameFree(live);
}

void InstancePool::failCall(const std::shared_ptr<Call> &call, int status, const QString &code,
                            const QString &message, bool fc3Body)
{
    Telemetry::InvocationRecord &r = call->record;
    r.error = Telemetry::InvocationError{code, message};
    r.statusCode = status;
    r.responseHeaders.append(
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
    r.body =
        fc3Body ? QByteArray::fromStdString(nlohmann::json{{"Code", code.toStdString()},
                                                           {"Message", message.toStdString()},
                                                           {"RequestId", r.requestId.toStdString()}}
                                                .dump())
                : fc2ErrorBody(code, message);
    finish(call);
}

void InstancePool::finish(const std::shared_ptr<Call> &call, bool now)
{
    Telemetry::InvocationRecord &r = call->record;
    const qint64 endNs = call->doneNs ? call->doneNs : monotonicNs();
    r.timings.totalMs = double(endNs - call->submittedNs) / 1e6;
    if (r.coldStart)
        r.timings.totalMs += r.timings.pullMs + r.timings.unpackMs;
    closeRecord(r, m_config, *m_image);
    if (!r.instanceId.isEmpty()) { // it reached an instance: FC's framing and summary
        if (!call->started)        // it ended before its request was sent (initializer, startup)
            appendLog(r, u"FC Invoke Start RequestId: "_qs + r.requestId);
        QString end = u"FC Invoke End RequestId: "_qs + r.requestId;
        if (r.error)
            end += u", Error: "_qs + r.error->message.section(u" Logs :"_qs, 0, 0);
        appendLog(r, end);
        appendLog(r, r.summaryLine());
    }
    const auto deliver = [this, call]() {
        emit finished(call->record);
        if (call->done)
            call->done(call->record);
    };
    if (now && !m_submitting)
        return deliver();
    QMetaObject::invokeMethod(this, deliver, Qt::QueuedConnection);
}

void InstancePool::becameFree(Live *live)
{
    if (live->discarded || live->stopping) {
        removeIfDone(live);
        schedule();
        return;
    }
    schedule();
    if (live->inFlight > 0)
        return;
    setState(live, InstanceState::Idle);
    if (!live->provisioned && live->idleTimer)
        live->idleTimer->start();
}

void InstancePool::reclaim(Live *live)
{
    if (live->inFlight > 0 || live->stopping || live->discarded)
        return;
    live->stopping = true;
    setState(live, InstanceState::Stopping);
    if (!m_config.preStop.isSet() || live->exited)
        return discard(live);
    const QString requestId = Telemetry::newRequestId();
    const auto log = [this, live, requestId](const QString &line) {
        emit logLine(requestId, live->id, QDateTime::currentMSecsSinceEpoch(), line);
    };
    log(u"FC PreStop Start RequestId: "_qs + requestId);
    runHook(live, "GET", kPreStopPath, m_config.preStop.timeoutS, requestId,
            [this, live, requestId, log](const QString &error) {
                if (!error.isEmpty())
                    log(error);
                log(u"FC PreStop End RequestId: "_qs + requestId);
                discard(live);
            });
}

void InstancePool::runHook(Live *live, const QByteArray &method, const QByteArray &path,
                           int timeoutS, const QString &requestId,
                           std::function<void(QString)> done)
{
    const QString label = path == kInitializePath ? u"Initializer"_qs
                          : path == kPreStopPath  ? u"PreStop"_qs
                                                  : u"PreFreeze"_qs;
    startExchange(
        live, hookRequest(m_config, requestId, method, path, &m_commonHeaders),
        m_config.debugging() ? -1 : timeoutS * 1000, takeIdle(live), false,
        [this, live, label, done = std::move(done)](Exchange &e) {
            QString error;
            if (!e.response)
                error = label + u" failed: "_qs + e.response.error().message;
            else if (e.response->status < 200 || e.response->status > 299 ||
                     e.response->header("x-fc-status") == "404")
                error = label + u" failed with status "_qs + QString::number(e.response->status) +
                        u": " + QString::fromUtf8(e.response->body.left(500));
            if (e.link && e.link->connection.isReusable() && !live->exited && !live->discarded)
                live->idle.push_back(std::move(e.link));
            done(error);
            removeIfDone(live);
        });
}

void InstancePool::discard(Live *live)
{
    if (live->discarded)
        return;
    live->discarded = true;
    live->stopping = true;
    cancelExchanges(live);
    live->idle.clear();
    if (live->idleTimer)
        live->idleTimer->stop();
    if (live->state != InstanceState::Stopping)
        setState(live, InstanceState::Stopping);
    if (live->sandbox)
        live->sandbox->kill();
    setState(live, InstanceState::Stopped);
    removeIfDone(live);
}

void InstancePool::removeIfDone(Live *live)
{
    // Removed from the event loop: callers up the stack may still use `live`.
    QMetaObject::invokeMethod(
        this,
        [this, live]() {
            for (auto it = m_instances.begin(); it != m_instances.end(); ++it) {
                if (it->get() != live)
                    continue;
                if (live->discarded && live->workers == 0 && live->inFlight == 0)
                    m_instances.erase(it);
                break;
            }
            checkStopped();
        },
        Qt::QueuedConnection);
}

void InstancePool::stop(std::function<void()> done)
{
    m_stopping = true;
    m_stopped = std::move(done);
    while (!m_queue.empty()) {
        auto call = m_queue.front();
        m_queue.pop_front();
        failCall(call, 503, u"ServiceUnavailable"_qs, u"the emulator is stopping"_qs, true);
    }
    QList<Live *> lives;
    for (const auto &live : m_instances)
        lives.append(live.get());
    for (Live *live : lives) {
        if (live->discarded)
            continue;
        if (live->ready && live->inFlight == 0 && !live->stopping)
            reclaim(live); // GET /pre-stop first when configured
        else if (!live->stopping)
            discard(live);
    }
    checkStopped();
}

void InstancePool::checkStopped()
{
    if (!m_stopping || !m_stopped)
        return;
    for (const auto &live : m_instances)
        if (!live->discarded || live->workers > 0)
            return;
    auto done = std::exchange(m_stopped, {});
    QMetaObject::invokeMethod(
        this, [done]() { done(); }, Qt::QueuedConnection);
}

} // namespace Fcemu::Runtime
