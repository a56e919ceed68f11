// The pool's request path: a call is queued, given an instance (or one is started for it),
// sent, and its InvocationRecord closed as FC reports it. An instance's life is in
// InstancePoolLifecycle.cpp, the connections to it in InstancePoolExchange.cpp.
#include "InstancePool.h"
#include "InstancePoolPrivate.h"

#include <QThread>
#include <QTimer>

#include <nlohmann/json.hpp>

#include "DebugRelay.h"
#include "FcRequest.h"
#include "InstanceSetup.h"
#include "JobInvoker.h"
#include "WebErrors.h"
#include "sandbox/Sandbox.h"
#include "telemetry/FcErrors.h"

namespace Fcemu::Runtime {

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
    const qint64 at = ms ? ms : QDateTime::currentMSecsSinceEpoch();
    record.appendLog(line, at);
    emit logLine(record.requestId, record.instanceId, at, line);
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
        return failCall(call, 503, Telemetry::FcError::ServiceUnavailable,
                        u"the emulator is stopping"_qs, true);
    const Capacity c = capacity();
    // An asynchronous invocation waits for a free instance, as FC's async queue does.
    if (c.load + 1 > c.requests && c.instances >= m_config.maxInstances && !call->async)
        return failCall(call, 429, Telemetry::FcError::ResourceExhausted,
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
        // Its start-up output (already shown without a request): before "FC Invoke Start".
        for (const auto &[ms, line] : live->startupLog)
            r.appendLog(line, ms);
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
    runHook(live, "POST", kInitializePath, m_config.initializer.timeoutS, r.requestId,
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
                    c->record.error =
                        Telemetry::InvocationError{Telemetry::FcError::Initialization, message};
                    c->record.responseHeaders.append(
                        {QByteArrayLiteral("X-Fc-Error-Type"),
                         Telemetry::FcError::Initialization.toLatin1()});
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
        r.responseHeaders.append({QByteArrayLiteral("X-Fc-Error-Type"),
                                  Telemetry::FcError::UnhandledInvocation.toLatin1()});
        r.body = QByteArray::fromStdString(
            nlohmann::json{{"errorMessage", message.toStdString()}}.dump());
    };
    if (!outcome->response) {
        using Http::ClientError;
        if (outcome->info.error == ClientError::Timeout) {
            functionError(Telemetry::FcError::FunctionTimeout,
                          timedOutMessage(m_config.timeoutS, r.maxUsedMB), 200);
        } else if (outcome->info.error == ClientError::BadResponse ||
                   outcome->info.error == ClientError::ResponseTooLarge) {
            functionError(Telemetry::FcError::BadResponse, outcome->response.error().message, 502);
        } else {
            const bool oom = live->exited && live->exit.memoryLimitExceeded;
            functionError(
                oom ? Telemetry::FcError::FunctionOOM : Telemetry::FcError::UnhandledInvocation,
                exitedMidRequestMessage(outcome->info.timings.totalMs(), r.maxUsedMB), 502);
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
            r.error = Telemetry::InvocationError{Telemetry::FcError::UnhandledInvocation,
                                                 u"the function answered "_qs +
                                                     QString::number(response.status) + u": " +
                                                     QString::fromUtf8(response.body.left(500))};
            r.responseHeaders.append({QByteArrayLiteral("X-Fc-Error-Type"),
                                      Telemetry::FcError::UnhandledInvocation.toLatin1()});
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
