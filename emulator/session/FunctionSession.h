#pragma once

#include <memory>
#include <vector>

#include <QHostAddress>
#include <QObject>
#include <QQueue>

#include "common/Error.h"
#include "config/FunctionConfig.h"
#include "http/HttpMessage.h"
#include "runtime/FunctionImage.h"
#include "runtime/InstancePool.h"
#include "runtime/StartupProfile.h"
#include "telemetry/RecordStore.h"

namespace Fcemu::Runtime {
class JobInvoker;
}
namespace Fcemu::Gateway {
class LocalServer;
}

namespace Fcemu::Session {

// One loaded function and everything the desktop app shows about it: the instance pool
// (web-server mode) or the job invoker (non-web-server mode), the local endpoints of CONTRACT §6,
// and the session's invocation records. The desktop app's docks connect to this one object; it
// outlives every function loaded into it (the records of earlier loads stay), so connections
// are made once. Lives on the GUI thread (the pool's round trips run on its worker threads).
class FunctionSession final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FunctionSession)

public:
    explicit FunctionSession(QObject *parent = nullptr);
    ~FunctionSession() override;

    // Where the local endpoints listen once a web-server-mode function is loaded. A port in use
    // moves to the next free one (the status bar shows the real URL).
    void setPreferredEndpoint(const QHostAddress &address, quint16 port);

    // Runs `image` with `config`, replacing the function loaded before (its instances are
    // stopped without pre-stop). Fails only when the local endpoint can't listen at all.
    Status load(const QString &imagePath, Config::FunctionConfig config,
                std::shared_ptr<Runtime::PreparedImage> image);
    // Applies new settings to the loaded function: its instances stop, the next call is cold.
    Status reconfigure(Config::FunctionConfig config);

    bool isLoaded() const { return m_image != nullptr; }
    QString imagePath() const { return m_imagePath; }
    const Config::FunctionConfig &config() const { return m_config; }
    std::shared_ptr<Runtime::PreparedImage> image() const { return m_image; }
    // "http://127.0.0.1:8000", or empty when nothing is served (non-web-server mode).
    QString endpointUrl() const;
    // The HTTP trigger's URL for a path, e.g. endpointUrl() + "/2016-08-15/proxy/svc/fn" + path.
    QString httpTriggerUrl(const QString &pathAndQuery) const;

    // Starts an event invocation (either mode) and returns its request id; the record arrives
    // with invocationFinished(). Empty when no function is loaded.
    QString invokeEvent(const QByteArray &event);
    // Starts an HTTP invocation (web-server mode only; empty otherwise). request.target is the
    // path and query the function sees.
    QString invokeHttp(const Http::HttpRequest &request);

    // Stops every instance (pre-stop as configured, in the background) and starts afresh with
    // the same image and endpoint: the next call is a cold start (no image pull: the image is on
    // the "node" already). Provisioned instances come back at once, as in FC.
    void stopInstances();
    // The same as stopInstances() in web-server mode; nothing to do in non-web-server mode,
    // where every call is a cold start.
    void forceColdStart();
    int instanceCount() const;
    int pendingInvocations() const { return m_pending; }

    // The loaded image's start-up profile (--profile-startup; CONTRACT §1.3): the one in the
    // cache at load, or the one this session just took; and why it could not be taken.
    const std::optional<Runtime::StartupProfile> &startupProfile() const { return m_profile; }
    QString startupProfileError() const { return m_profileError; }

    Telemetry::RecordStore *records() { return &m_records; }
    const Telemetry::RecordStore *records() const { return &m_records; }

signals:
    void loaded();
    void unloaded();
    void endpointChanged(const QString &url);
    void invocationStarted(const QString &requestId, const QString &kind);
    // After the record was added to records().
    void invocationFinished(const Fcemu::Telemetry::InvocationRecord &record);
    void logLine(const QString &requestId, const QString &instanceId, qint64 timestampMs,
                 const QString &line);
    void instanceStateChanged(const QString &instanceId, Fcemu::Runtime::InstanceState state,
                              qint64 monotonicNs);
    // startupProfile() or startupProfileError() changed.
    void startupProfileChanged();

private:
    Status startRunner(bool imagePhasesUsed);
    void stopRunner();
    void runNextJob();
    void recordFinished(Telemetry::InvocationRecord record);

    QHostAddress m_address = QHostAddress::LocalHost;
    quint16 m_port = 8000;
    QString m_imagePath;
    Config::FunctionConfig m_config;
    std::shared_ptr<Runtime::PreparedImage> m_image;
    std::optional<Runtime::StartupProfiler> m_profiler; // until the next cold start is done
    std::optional<Runtime::StartupProfile> m_profile;
    QString m_profileError;
    std::unique_ptr<Runtime::InstancePool> m_pool;
    std::vector<std::unique_ptr<Runtime::InstancePool>>
        m_retiring; // stopping after stopInstances()
    std::unique_ptr<Gateway::LocalServer> m_server;
    std::unique_ptr<Runtime::JobInvoker> m_jobs;
    struct QueuedJob
    {
        QString requestId;
        QByteArray event;
        qint64 submittedNs = 0;
        QDateTime submittedAt;
    };
    QQueue<QueuedJob> m_jobQueue;
    QueuedJob m_runningJob;
    bool m_jobImagePhasesUsed = false;
    int m_pending = 0;
    Telemetry::RecordStore m_records;
};

} // namespace Fcemu::Session
