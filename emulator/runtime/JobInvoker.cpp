#include "JobInvoker.h"

#include <cstring>

#include <QDateTime>
#include <QElapsedTimer>
#include <QProcessEnvironment>

#include "DebugRelay.h"
#include "InstanceSetup.h"
#include "config/FcLimits.h"
#include "telemetry/FcErrors.h"

namespace Fcemu::Runtime {

namespace {

constexpr int logTailLines = 20;

QString lowerStrerror(int code)
{
    QString text = QString::fromLocal8Bit(strerror(code));
    if (!text.isEmpty())
        text[0] = text[0].toLower();
    return text;
}

} // namespace

QString exitedUnexpectedly(int code, const QString &startCommand, const QStringList &lastLines)
{
    QString message = u"Function instance exited unexpectedly(code "_qs + QString::number(code);
    if (code > 0 && code < 134)
        message += u", message:"_qs + lowerStrerror(code);
    message += u") with start command '"_qs + startCommand + u" '. Logs:"_qs;
    if (!lastLines.isEmpty())
        message += u' ' + lastLines.join(u'\n');
    return message;
}

JobInvoker::JobInvoker(Config::FunctionConfig config, std::shared_ptr<PreparedImage> image,
                       QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_image(std::move(image))
{
    m_timeout.setSingleShot(true);
    m_timeout.setTimerType(Qt::PreciseTimer); // a coarse timer may fire 5% early
    connect(&m_timeout, &QTimer::timeout, this, &JobInvoker::onTimeout);
}

JobInvoker::~JobInvoker() = default;

QString JobInvoker::startCommandText() const
{
    return m_argv.join(u' ');
}

void JobInvoker::appendLog(const QString &line, qint64 timestampMs)
{
    const qint64 at = timestampMs ? timestampMs : QDateTime::currentMSecsSinceEpoch();
    m_record.appendLog(line, at);
    emit logLine(m_record.requestId, m_record.instanceId, at, line);
}

void JobInvoker::invoke(const QByteArray &event, const Telemetry::Timings &coldPhases,
                        const QString &requestId)
{
    Q_ASSERT(!m_instance);
    m_startedNs = monotonicNs();
    m_execNs = 0;
    m_exitedNs = 0;
    m_timedOut = false;
    m_functionOutput.clear();
    m_record = {};
    m_record.requestId = requestId.isEmpty() ? Telemetry::newRequestId() : requestId;
    m_record.startedNs = m_startedNs;
    m_record.instanceId = Telemetry::newInstanceId();
    m_record.kind = u"event"_qs;
    m_record.coldStart = true; // every invocation is a fresh container in this mode
    m_record.startedAt = QDateTime::currentDateTimeUtc();
    m_record.memorySizeMB = m_config.memoryMB;
    m_record.timings.pullMs = coldPhases.pullMs;
    m_record.timings.unpackMs = coldPhases.unpackMs;

    const auto failNow = [&](const QString &code, const QString &message, int status) {
        m_record.error = Telemetry::InvocationError{code, message};
        m_record.statusCode = status;
        complete();
    };

    if (event.size() > Config::kMaxEventBytes)
        return failNow(Telemetry::FcError::InvalidArgument,
                       u"event is "_qs + QString::number(event.size()) +
                           u" bytes; in non-web-server mode it travels in "
                           u"FC_CUSTOM_CONTAINER_EVENT, which holds at most " +
                           QString::number(Config::kMaxEventBytes),
                       400);

    // --debug-port: listening before the start, so a debugger can attach from the job's first
    // instruction (node --inspect-brk); a port in use fails the invocation, naming it.
    if (!m_config.debugPorts.isEmpty()) {
        auto relay =
            DebugRelay::listen(m_config.debugPorts, [this](quint16 port) -> Result<UniqueFd> {
                if (!m_instance || !m_instance->isRunning())
                    return fail(ErrorKind::Platform, u"the job is not running"_qs);
                return m_instance->connectTcp(port, 2000);
            });
        if (!relay)
            return failNow(Telemetry::FcError::FunctionNotStarted, relay.error().message, 502);
        m_debugRelay = std::move(*relay);
    }

    // The sandbox phase includes building the spec (the image's USER is read from its files).
    const qint64 sandboxStart = monotonicNs();
    auto spec = instanceSpec(m_config, *m_image, m_record.instanceId,
                             {u"FC_CUSTOM_CONTAINER_EVENT="_qs + QString::fromUtf8(event)});
    if (!spec)
        return failNow(Telemetry::FcError::FunctionNotStarted, spec.error().message, 502);
    m_argv = spec->argv;

    m_instance = std::make_unique<Sandbox::Instance>(*spec);
    connect(m_instance.get(), &Sandbox::Instance::outputLine, this, &JobInvoker::onOutput);
    connect(m_instance.get(), &Sandbox::Instance::exited, this, &JobInvoker::onExited);

    appendLog(u"FC Invoke Start RequestId: "_qs + m_record.requestId);
    auto started = m_instance->start();
    m_execNs = monotonicNs();
    m_record.timings.sandboxMs = double(m_execNs - sandboxStart) / 1e6;
    if (!started) {
        const Error error = started.error();
        const int code = m_instance->startErrno();
        m_debugRelay.reset();
        m_instance.reset();
        if (error.kind == ErrorKind::FunctionFailed)
            return failNow(Telemetry::FcError::FunctionNotStarted,
                           exitedUnexpectedly(code, startCommandText(), {}), 502);
        return failNow(Telemetry::FcError::Sandbox, error.message, 500);
    }
    // Under a debugger (--debug-port, --debug-args) the job runs as long as it is held.
    if (m_config.debugging())
        appendLog(debuggingNote(m_config));
    else
        m_timeout.start(m_config.timeoutS * 1000);
}

void JobInvoker::onOutput(const Sandbox::OutputLine &line)
{
    const QString text = QString::fromUtf8(line.text);
    m_functionOutput.append(text);
    if (m_functionOutput.size() > logTailLines)
        m_functionOutput.removeFirst();
    appendLog(text, line.timestampMs);
}

void JobInvoker::onTimeout()
{
    if (!m_instance)
        return;
    m_timedOut = true;
    m_instance->kill(); // exited follows, once every process of the instance is gone
}

void JobInvoker::onExited(const Sandbox::ExitStatus &status)
{
    m_timeout.stop();
    m_exitedNs = monotonicNs();
    const double invokeMs = double(m_exitedNs - m_execNs) / 1e6;
    m_record.timings.invokeMs = invokeMs;
    // HAR's split of the request: the event went in the environment at exec (nothing to send)
    // and the reply is the exit (nothing to receive): the run is all waiting.
    m_record.timings.waitMs = invokeMs;
    m_record.maxUsedMB = double(m_instance->peakMemoryBytes()) / (1024.0 * 1024.0);
    m_record.memoryAccounting = m_instance->memoryAccounting();
    const QString maxUsed = QString::number(m_record.maxUsedMB, 'f', 2) + u"MB"_qs;
    if (m_timedOut) {
        m_record.error = Telemetry::InvocationError{
            Telemetry::FcError::FunctionTimeout,
            u"Function timed out after "_qs + QString::number(m_config.timeoutS) +
                u" seconds (maxMemoryUsage: " + maxUsed + u')'};
    } else if (status.memoryLimitExceeded) {
        m_record.error = Telemetry::InvocationError{
            Telemetry::FcError::FunctionOOM,
            u"Function used more memory than its "_qs + QString::number(m_config.memoryMB) +
                u" MB (maxMemoryUsage: " + maxUsed + u") and was killed. " +
                exitedUnexpectedly(137, startCommandText(), m_functionOutput)};
    } else if (status.exitCode != 0) {
        const int code = status.exitCode >= 0 ? status.exitCode : 128 + status.signal;
        m_record.error = Telemetry::InvocationError{
            Telemetry::FcError::UnhandledInvocation,
            exitedUnexpectedly(code, startCommandText(), m_functionOutput)};
    }
    if (m_record.error) {
        // Invoke API: a function error is 200 with X-Fc-Error-Type (fc-semantics §2.6).
        m_record.statusCode = 200;
        m_record.responseHeaders.append({QByteArrayLiteral("X-Fc-Error-Type"),
                                         Telemetry::FcError::UnhandledInvocation.toLatin1()});
        m_record.body = QByteArray::fromStdString(
            nlohmann::json{{"errorMessage", m_record.error->message.toStdString()}}.dump());
    }
    m_debugRelay.reset(); // before the instance its connector reaches
    m_instance.reset();
    complete();
}

void JobInvoker::complete()
{
    m_timeout.stop();
    m_debugRelay.reset(); // the ports close with the job
    // The reply is ready when the function has exited: tearing the sandbox down (cgroup, network
    // helper) is fcemu's housekeeping, not the invocation's time, so the phases add up to it.
    const qint64 endNs = m_exitedNs ? m_exitedNs : monotonicNs();
    m_record.timings.totalMs =
        double(endNs - m_startedNs) / 1e6 + m_record.timings.pullMs + m_record.timings.unpackMs;
    closeRecord(m_record, m_config, *m_image);
    QString end = u"FC Invoke End RequestId: "_qs + m_record.requestId;
    if (m_record.error)
        end += u", Error: "_qs + m_record.error->message.section(u". Logs:"_qs, 0, 0);
    appendLog(end);
    appendLog(m_record.summaryLine());
    emit finished(m_record);
}

} // namespace Fcemu::Runtime
