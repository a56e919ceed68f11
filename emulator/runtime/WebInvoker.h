#pragma once

#include <memory>

#include <QObject>

#include "FunctionImage.h"
#include "config/FunctionConfig.h"
#include "gateway/HttpClient.h"
#include "gateway/HttpMessage.h"
#include "sandbox/Sandbox.h"
#include "telemetry/InvocationRecord.h"

namespace Fcemu::Runtime {

// Web-server mode (SPEC §4) with one instance: the first invocation is a cold start (sandbox,
// ping CAPort at the instance address until it answers, /initialize once), later ones reuse
// the instance and its keep-alive connection, as FC does. A timeout or a crash discards the
// instance; the next invocation starts a new one. Calls are synchronous for the caller: each
// runs a local event loop (so output lines and exits are handled) and emits finished() before
// returning. Lives on a long-lived thread (the sandbox requires it).
class WebInvoker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WebInvoker)

public:
    WebInvoker(Config::FunctionConfig config, std::shared_ptr<PreparedImage> image,
               QObject *parent = nullptr);
    ~WebInvoker() override;

    void invokeEvent(const QByteArray &event, const Telemetry::Timings &coldPhases = {});
    void invokeHttp(const Gateway::HttpRequest &request, const Telemetry::Timings &coldPhases = {});
    // Calls GET /pre-stop when configured, then stops the instance.
    void stop();
    bool hasInstance() const { return m_live != nullptr; }

signals:
    void logLine(const QString &requestId, const QString &instanceId, qint64 timestampMs,
                 const QString &line);
    void finished(const Fcemu::Telemetry::InvocationRecord &record);

private:
    struct Live;

    void invoke(const Gateway::HttpRequest &request, bool http,
                const Telemetry::Timings &coldPhases);
    bool startInstance(Telemetry::InvocationRecord &record);
    bool runHook(const QByteArray &method, const QByteArray &path, const char *label, int timeoutS,
                 const QString &requestId, QString *error);
    // startedNs, endedNs: when the worker began and ended the round trip (the thread hand-offs
    // around it are waiting, not the request).
    Result<Gateway::HttpResponse> roundTrip(const Gateway::HttpRequest &request, int timeoutMs,
                                            Gateway::RoundTripInfo *info,
                                            qint64 *startedNs = nullptr, qint64 *endedNs = nullptr);
    void appendLog(Telemetry::InvocationRecord &record, const QString &line,
                   qint64 timestampMs = 0);
    void discardInstance();
    // repliedNs: when the reply was complete (0: the invocation never reached the instance).
    void finish(Telemetry::InvocationRecord &record, qint64 startedNs, qint64 repliedNs = 0);
    void flushOutput();
    QString lastLines(int count) const;

    Config::FunctionConfig m_config;
    std::shared_ptr<PreparedImage> m_image;
    std::unique_ptr<Live> m_live;
    Telemetry::InvocationRecord *m_current = nullptr; // the record that output lines go to
};

} // namespace Fcemu::Runtime
