#include "WebInvoker.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QEventLoop>
#include <QPointer>
#include <QProcessEnvironment>
#include <QThread>
#include <QTimer>

#include <thread>

#include "FcRequest.h"
#include "InstanceSetup.h"
#include "JobInvoker.h"
#include "WebErrors.h"

namespace Fcemu::Runtime {

namespace {

void waitMs(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, Qt::PreciseTimer, &loop, &QEventLoop::quit);
    loop.exec();
}

} // namespace

struct WebInvoker::Live
{
    std::unique_ptr<Sandbox::Instance> sandbox;
    std::unique_ptr<Gateway::InstanceConnection> connection;
    QString id;
    QString address;
    bool exited = false;
    Sandbox::ExitStatus exit;
    bool initialized = false;
    QStringList tail; // the last output lines, for FC's "Logs :" in errors
    bool diagnosed = false;
};

WebInvoker::WebInvoker(Config::FunctionConfig config, std::shared_ptr<PreparedImage> image,
                       QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_image(std::move(image))
{
}

WebInvoker::~WebInvoker()
{
    discardInstance();
}

QString WebInvoker::lastLines(int count) const
{
    if (!m_live)
        return {};
    return m_live->tail.mid(std::max<qsizetype>(0, m_live->tail.size() - count)).join(u'\n');
}

void WebInvoker::appendLog(Telemetry::InvocationRecord &record, const QString &line,
                           qint64 timestampMs)
{
    record.logs.append(line);
    emit logLine(record.requestId, record.instanceId,
                 timestampMs ? timestampMs : QDateTime::currentMSecsSinceEpoch(), line);
}

void WebInvoker::flushOutput()
{
    // Output lines are read by the sandbox's reader thread and posted here: deliver what the
    // function wrote before its reply, waiting a little for bytes still in the pipes.
    for (int i = 0; i < 50; ++i) {
        QCoreApplication::sendPostedEvents();
        if (!m_live || !m_live->sandbox || !m_live->sandbox->hasPendingOutput())
            break;
        QThread::usleep(200);
    }
    QCoreApplication::sendPostedEvents();
}

void WebInvoker::discardInstance()
{
    if (!m_live)
        return;
    m_live->connection.reset();
    if (m_live->sandbox)
        m_live->sandbox->kill();
    m_live.reset();
}

Result<Gateway::HttpResponse> WebInvoker::roundTrip(const Gateway::HttpRequest &request,
                                                    int timeoutMs, Gateway::RoundTripInfo *info,
                                                    qint64 *startedNs, qint64 *endedNs)
{
    // The blocking client runs on a worker thread while this thread's event loop keeps
    // collecting the function's output and noticing its exit.
    Result<Gateway::HttpResponse> result = fail(ErrorKind::FunctionFailed, u"no response"_qs);
    QEventLoop loop;
    QPointer<QEventLoop> guard(&loop);
    Gateway::InstanceConnection *connection = m_live->connection.get();
    std::thread worker([&]() {
        if (startedNs)
            *startedNs = monotonicNs(); // after the thread hop: that is waiting, not sending
        result = connection->roundTrip(request, timeoutMs);
        if (endedNs)
            *endedNs = monotonicNs();
        *info = connection->lastRoundTrip();
        QMetaObject::invokeMethod(&loop, &QEventLoop::quit, Qt::QueuedConnection);
    });
    loop.exec();
    worker.join();
    return result;
}

bool WebInvoker::startInstance(Telemetry::InvocationRecord &record)
{
    const auto failStart = [&](const QString &code, const QString &message) {
        record.error = Telemetry::InvocationError{code, message};
        record.statusCode = 502;
        record.body = QByteArray::fromStdString(nlohmann::json{
            {"ErrorCode", code.toStdString()},
            {"ErrorMessage", message.toStdString()}}.dump());
        return false;
    };
    // The sandbox phase covers building the instance's spec too (resolving the image's USER
    // reads its /etc/passwd): everything from here until the command is exec'd.
    const qint64 sandboxStart = monotonicNs();
    const QString instanceId = Telemetry::newInstanceId();
    auto spec = instanceSpec(m_config, *m_image, instanceId);
    if (!spec)
        return failStart(u"FunctionNotStarted"_qs, spec.error().message);
    const QString command = spec->argv.join(u' ');
    m_live = std::make_unique<Live>();
    m_live->id = instanceId;
    m_live->address = spec->instanceAddress;
    record.instanceId = m_live->id;
    m_live->sandbox = std::make_unique<Sandbox::Instance>(*spec);
    Live *live = m_live.get();
    connect(live->sandbox.get(), &Sandbox::Instance::outputLine, this,
            [this, live](const Sandbox::OutputLine &line) {
                const QString text = QString::fromUtf8(line.text);
                live->tail.append(text);
                if (live->tail.size() > 40)
                    live->tail.removeFirst();
                if (m_current && m_live.get() == live)
                    appendLog(*m_current, text, line.timestampMs);
            });
    connect(live->sandbox.get(), &Sandbox::Instance::exited, this,
            [live](const Sandbox::ExitStatus &status) {
                live->exited = true;
                live->exit = status;
            });

    auto started = live->sandbox->start();
    const qint64 execNs = monotonicNs();
    record.timings.sandboxMs = double(execNs - sandboxStart) / 1e6;
    if (!started) {
        const int code = live->sandbox->startErrno();
        const bool function = started.error().kind == ErrorKind::FunctionFailed;
        discardInstance();
        if (function)
            return failStart(u"CAExited"_qs, exitedUnexpectedly(code, command, {}));
        return failStart(u"SandboxError"_qs, started.error().message);
    }

    // FC pings the server at the instance address until a TCP connect succeeds (SPEC §4).
    const quint16 port = quint16(m_config.caPort);
    const qint64 deadline = execNs + qint64(m_config.startupTimeoutS) * 1'000'000'000;
    for (;;) {
        auto socket = live->sandbox->connectTcp(port, 200);
        if (socket) {
            live->connection = std::make_unique<Gateway::InstanceConnection>(std::move(*socket));
            break;
        }
        flushOutput();
        if (!live->diagnosed) {
            const QString advice =
                listenAdvice(live->sandbox->listeningSockets(), live->address, port);
            if (!advice.isEmpty()) {
                live->diagnosed = true;
                appendLog(record, advice);
            }
        }
        const qint64 startNs = monotonicNs() - execNs;
        if (live->exited) {
            const int code =
                live->exit.exitCode >= 0 ? live->exit.exitCode : 128 + live->exit.signal;
            const QString message = caExitedMessage(startNs, code, lastLines(10));
            discardInstance();
            return failStart(u"CAExited"_qs, message);
        }
        if (monotonicNs() > deadline) {
            const QString message = notStartedMessage(startNs, live->address, port, lastLines(10));
            discardInstance();
            return failStart(u"FunctionNotStarted"_qs, message);
        }
        waitMs(10);
    }
    // What the server printed while starting belongs before the invocation: the instance is
    // ready for the request once the port answers and that output is collected (waiting for
    // it is part of startup, not time in no phase).
    flushOutput();
    record.timings.startupMs = double(monotonicNs() - execNs) / 1e6;
    return true;
}

bool WebInvoker::runHook(const QByteArray &method, const QByteArray &path, const char *label,
                         int timeoutS, const QString &requestId, QString *error)
{
    Gateway::RoundTripInfo info;
    auto response =
        roundTrip(hookRequest(m_config, requestId, method, path), timeoutS * 1000, &info);
    if (!response) {
        *error = QLatin1StringView(label) + u" failed: "_qs + response.error().message;
        return false;
    }
    if (response->status < 200 || response->status > 299 ||
        response->header("x-fc-status") == "404") {
        *error = QLatin1StringView(label) + u" failed with status "_qs +
                 QString::number(response->status) + u": " +
                 QString::fromUtf8(response->body.left(500));
        return false;
    }
    return true;
}

void WebInvoker::invokeEvent(const QByteArray &event, const Telemetry::Timings &coldPhases)
{
    Gateway::HttpRequest request;
    request.body = event;
    invoke(request, false, coldPhases);
}

void WebInvoker::invokeHttp(const Gateway::HttpRequest &request,
                            const Telemetry::Timings &coldPhases)
{
    invoke(request, true, coldPhases);
}

void WebInvoker::invoke(const Gateway::HttpRequest &client, bool http,
                        const Telemetry::Timings &coldPhases)
{
    const qint64 startedNs = monotonicNs();
    Telemetry::InvocationRecord record;
    record.requestId = Telemetry::newRequestId();
    record.kind = http ? u"http"_qs : u"event"_qs;
    record.startedAt = QDateTime::currentDateTimeUtc();
    record.memorySizeMB = m_config.memoryMB;
    record.coldStart = !m_live;
    m_current = &record;
    if (record.coldStart) {
        record.timings.pullMs = coldPhases.pullMs;
        record.timings.unpackMs = coldPhases.unpackMs;
        if (!startInstance(record))
            return finish(record, startedNs);
    }
    record.instanceId = m_live->id;
    Live *live = m_live.get();

    if (m_config.initializer.isSet() && !live->initialized) {
        const qint64 initStart = monotonicNs();
        appendLog(record, u"FC Initialize Start RequestId: "_qs + record.requestId);
        QString error;
        live->initialized = runHook("POST", kInitializePath, "Initializer",
                                    m_config.initializer.timeoutS, record.requestId, &error);
        flushOutput();
        appendLog(record, u"FC Initialize End RequestId: "_qs + record.requestId);
        record.timings.initializeMs = double(monotonicNs() - initStart) / 1e6;
        if (!live->initialized) {
            // FC3: the initializer's failure comes back as 200 with X-Fc-Error-Type.
            record.error = Telemetry::InvocationError{u"InitializationError"_qs, error};
            record.responseHeaders.append(
                {QByteArrayLiteral("X-Fc-Error-Type"), QByteArrayLiteral("InitializationError")});
            record.body = QByteArray::fromStdString(
                nlohmann::json{{"errorMessage", error.toStdString()}}.dump());
            if (live->exited)
                discardInstance();
            return finish(record, startedNs);
        }
    }

    const Gateway::HttpRequest request =
        http ? httpRequest(m_config, record.requestId, client)
             : eventRequest(m_config, record.requestId, client.body);
    record.requestHeaders = request.headers;
    live->sandbox->resetPeakMemory();
    appendLog(record, u"FC Invoke Start RequestId: "_qs + record.requestId);
    Gateway::RoundTripInfo info;
    qint64 sentNs = 0;
    qint64 repliedNs = 0;
    auto response = roundTrip(request, m_config.timeoutS * 1000, &info, &sentNs, &repliedNs);
    if (!response && info.shouldRetry(request.method) && !live->exited) {
        // FC retries idempotent requests once when the kept-alive connection had died.
        auto socket = live->sandbox->connectTcp(quint16(m_config.caPort), 1000);
        if (socket) {
            live->connection = std::make_unique<Gateway::InstanceConnection>(std::move(*socket));
            response = roundTrip(request, m_config.timeoutS * 1000, &info, &sentNs, &repliedNs);
        }
    }
    // The outcome was known at repliedNs. The queue phase is the time the request waited in the
    // emulator before it was sent, outside the platform phases (thread hand-offs, FC's headers);
    // the output the function wrote for the request is collected afterwards and, as FC ships
    // logs asynchronously, is not part of the invocation's time.
    record.timings.queueMs =
        std::max(0.0, double(sentNs - startedNs) / 1e6 - record.timings.sandboxMs -
                          record.timings.startupMs - record.timings.initializeMs);
    flushOutput();
    record.timings.invokeMs = info.timings.totalMs();
    record.timings.sendMs = info.timings.sendMs;
    record.timings.waitMs = info.timings.waitMs;
    record.timings.receiveMs = info.timings.receiveMs;
    record.maxUsedMB = double(live->sandbox->peakMemoryBytes()) / (1024.0 * 1024.0);
    record.memoryAccounting = live->sandbox->memoryAccounting();
    const auto functionError = [&](const QString &code, const QString &message, int status) {
        record.error = Telemetry::InvocationError{code, message};
        record.statusCode = status;
        record.responseHeaders.append(
            {QByteArrayLiteral("X-Fc-Error-Type"), QByteArrayLiteral("UnhandledInvocationError")});
        record.body = QByteArray::fromStdString(
            nlohmann::json{{"errorMessage", message.toStdString()}}.dump());
    };
    if (!response) {
        using Gateway::ClientError;
        const double durationMs = info.timings.totalMs();
        if (info.error == ClientError::Timeout) {
            functionError(u"FunctionTimeoutError"_qs,
                          timedOutMessage(m_config.timeoutS, record.maxUsedMB), 200);
        } else if (info.error == ClientError::BadResponse ||
                   info.error == ClientError::ResponseTooLarge) {
            functionError(u"BadResponse"_qs, response.error().message, 502);
        } else {
            waitMs(20); // let the exit status arrive, to tell an OOM kill from a crash
            flushOutput();
            const bool oom = live->exited && live->exit.memoryLimitExceeded;
            functionError(oom ? u"FunctionOOMError"_qs : u"UnhandledInvocationError"_qs,
                          exitedMidRequestMessage(durationMs, record.maxUsedMB), 502);
        }
        discardInstance(); // the instance is replaced, as FC does
    } else {
        const bool failed = response->status == 404 || response->header("x-fc-status") == "404";
        record.statusCode = http ? response->status : 200; // FC3 drops an event reply's status
        record.body = response->body;
        if (http) {
            for (const auto &[name, value] : response->headers)
                if (!isForbiddenResponseHeader(name, value))
                    record.responseHeaders.append({name, value});
        }
        if (failed) {
            record.error = Telemetry::InvocationError{
                u"UnhandledInvocationError"_qs,
                u"the function answered "_qs + QString::number(response->status) +
                    (response->header("x-fc-status") == "404" ? u" with x-fc-status: 404"_qs
                                                              : QString()) +
                    u": " + QString::fromUtf8(response->body.left(500))};
            record.responseHeaders.append({QByteArrayLiteral("X-Fc-Error-Type"),
                                           QByteArrayLiteral("UnhandledInvocationError")});
        }
        if (m_config.preFreeze.isSet() && !live->exited) {
            appendLog(record, u"FC PreFreeze Start RequestId: "_qs + record.requestId);
            QString error;
            const qint64 preFreezeStart = monotonicNs();
            const bool preFrozen = runHook("GET", kPreFreezePath, "PreFreeze",
                                           m_config.preFreeze.timeoutS, record.requestId, &error);
            record.timings.preFreezeMs = double(monotonicNs() - preFreezeStart) / 1e6;
            if (!preFrozen)
                appendLog(record, error);
            appendLog(record, u"FC PreFreeze End RequestId: "_qs + record.requestId);
        }
        if (live->exited ||
            (live->connection && !live->connection->isReusable() && !live->sandbox->isRunning()))
            discardInstance();
    }
    finish(record, startedNs, repliedNs);
}

void WebInvoker::finish(Telemetry::InvocationRecord &record, qint64 startedNs, qint64 repliedNs)
{
    // Until the reply (plus the pre-freeze hook after it), or until now for an invocation that
    // never reached the instance; the image's pull and unpack happened before it.
    const qint64 endNs = repliedNs ? repliedNs : monotonicNs();
    record.timings.totalMs = double(endNs - startedNs) / 1e6 + record.timings.preFreezeMs +
                             record.timings.pullMs + record.timings.unpackMs;
    closeRecord(record, m_config, *m_image);
    if (record.logs.isEmpty() ||
        !record.logs.contains(u"FC Invoke Start RequestId: "_qs + record.requestId))
        appendLog(record, u"FC Invoke Start RequestId: "_qs + record.requestId);
    QString end = u"FC Invoke End RequestId: "_qs + record.requestId;
    if (record.error)
        end += u", Error: "_qs + record.error->message.section(u" Logs :"_qs, 0, 0);
    appendLog(record, end);
    appendLog(record, record.summaryLine());
    m_current = nullptr;
    emit finished(record);
}

void WebInvoker::stop()
{
    if (!m_live)
        return;
    if (m_config.preStop.isSet() && !m_live->exited && m_live->connection) {
        Telemetry::InvocationRecord hook;
        hook.requestId = Telemetry::newRequestId();
        hook.instanceId = m_live->id;
        appendLog(hook, u"FC PreStop Start RequestId: "_qs + hook.requestId);
        QString error;
        if (!runHook("GET", kPreStopPath, "PreStop", m_config.preStop.timeoutS, hook.requestId,
                     &error))
            appendLog(hook, error);
        appendLog(hook, u"FC PreStop End RequestId: "_qs + hook.requestId);
    }
    discardInstance();
}

} // namespace Fcemu::Runtime
