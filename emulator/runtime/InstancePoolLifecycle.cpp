// An instance's life in the pool: started (on demand or provisioned), pinged until its server
// answers, /initialize before its first request, reclaimed when idle, its hooks, and the pool's
// stop.
#include "InstancePool.h"
#include "InstancePoolPrivate.h"

#include <QDateTime>

#include "FcRequest.h"
#include "InstanceSetup.h"
#include "JobInvoker.h"
#include "WebErrors.h"
#include "telemetry/FcErrors.h"

namespace Fcemu::Runtime {

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
        return startupFailed(live, Telemetry::FcError::FunctionNotStarted, spec.error().message);
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
                // Lines are a request's own when the instance serves one at a time, and while
                // its first request (the cold start) is the only one it has taken: a server
                // that says "listening" after it listens says so as that request arrives.
                if (live->calls.size() == 1 &&
                    (m_config.instanceConcurrency == 1 || live->served == 1)) {
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
            startupFailed(live, Telemetry::FcError::CAExited,
                          exitedUnexpectedly(live->sandbox->startErrno(), command, {}));
        else
            startupFailed(live, Telemetry::FcError::Sandbox, started.error().message);
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
    std::weak_ptr<Live> weak;
    for (const auto &l : m_instances)
        if (l.get() == live)
            weak = l;
    if (!live->exited) {
        if (auto socket = live->sandbox->connectTcp(port, 100)) {
            live->idle.push_back(makeLink(std::move(*socket)));
            live->startupMs = double(monotonicNs() - live->execNs) / 1e6;
            // What it printed before it answered is its start-up output: those lines arrive
            // (the reader thread posts them) before a request is sent, so that they join the
            // cold start before its "FC Invoke Start". At once when nothing is pending.
            live->sandbox->afterPendingOutput(this, [this, weak]() {
                if (auto l = weak.lock(); l && !l->discarded)
                    l->exited ? pingInstance(l.get()) : instanceReady(l.get());
            });
            return;
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
        return startupFailed(live, Telemetry::FcError::CAExited,
                             caExitedMessage(startNs, code, live->lastLines(10)));
    }
    // Under a debugger (--debug-port, --debug-args) the start may wait for it: no deadline.
    if (!m_config.debugging() && startNs > qint64(m_config.startupTimeoutS) * 1'000'000'000)
        return startupFailed(live, Telemetry::FcError::FunctionNotStarted,
                             notStartedMessage(startNs, live->address, port, live->lastLines(10)));
    QTimer::singleShot(kPingIntervalMs, Qt::PreciseTimer, this, [this, weak]() {
        if (auto l = weak.lock())
            pingInstance(l.get());
    });
}

void InstancePool::instanceReady(Live *live)
{
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
                r.appendLog(line, ms);
            first = false;
        }
        r.error = Telemetry::InvocationError{code, message};
        r.statusCode = 502;
        r.body = fc2ErrorBody(code, message);
        finish(call);
    }
    removeIfDone(live);
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
        failCall(call, 503, Telemetry::FcError::ServiceUnavailable, u"the emulator is stopping"_qs,
                 true);
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

} // namespace Fcemu::Runtime
