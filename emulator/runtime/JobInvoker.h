#pragma once

#include <memory>

#include <QObject>
#include <QPointer>
#include <QTimer>

#include "FunctionImage.h"
#include "config/FunctionConfig.h"
#include "sandbox/Sandbox.h"
#include "telemetry/InvocationRecord.h"

namespace Fcemu::Runtime {

class DebugRelay;

// Non-web-server mode (CONTRACT §5): every invocation starts a fresh container with the event in
// FC_CUSTOM_CONTAINER_EVENT; exit 0 within the timeout is success, anything else a function
// error with the exit code and the last log lines. Lives on a long-lived thread (the sandbox
// requires it); one invocation at a time per invoker.
class JobInvoker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobInvoker)

public:
    JobInvoker(Config::FunctionConfig config, std::shared_ptr<PreparedImage> image,
               QObject *parent = nullptr);
    ~JobInvoker() override;

    // Starts one invocation. `coldPhases` carries the pull and unpack of this invocation's
    // image preparation (0 when the image was ready). Emits finished() once. requestId: the id
    // the caller already handed out (a queued call), or empty for a new one.
    void invoke(const QByteArray &event, const Telemetry::Timings &coldPhases = {},
                const QString &requestId = {});
    bool isBusy() const { return m_instance != nullptr; }

signals:
    void logLine(const QString &requestId, const QString &instanceId, qint64 timestampMs,
                 const QString &line);
    void finished(const Fcemu::Telemetry::InvocationRecord &record);

private:
    void appendLog(const QString &line, qint64 timestampMs = 0);
    void onOutput(const Sandbox::OutputLine &line);
    void onExited(const Sandbox::ExitStatus &status);
    void onTimeout();
    void complete();
    QString startCommandText() const;

    Config::FunctionConfig m_config;
    std::shared_ptr<PreparedImage> m_image;
    std::unique_ptr<Sandbox::Instance> m_instance;
    // --debug-port: 127.0.0.1:PORT reaches the job's instance while it runs (listening from
    // the start of invoke() to its end).
    std::unique_ptr<DebugRelay> m_debugRelay;
    QTimer m_timeout;
    Telemetry::InvocationRecord m_record;
    QStringList m_functionOutput; // the function's own lines, for error messages
    QStringList m_argv;
    qint64 m_startedNs = 0;
    qint64 m_execNs = 0;
    qint64 m_exitedNs = 0; // when the function's last process was gone; teardown comes after
    bool m_timedOut = false;
};

// FC3's wording for a container that exited (fc-semantics §4.2):
// "Function instance exited unexpectedly(code 2, message:no such file or directory) with start
// command '/code/bootstrap '. Logs:..."
QString exitedUnexpectedly(int code, const QString &startCommand, const QStringList &lastLines);

} // namespace Fcemu::Runtime
