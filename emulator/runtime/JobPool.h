#pragma once

// Non-web-server mode behind the local endpoints (`fcemu serve`, issue 17): FC invokes such a
// function only through InvokeFunction, sync or async, each invocation in a fresh container
// (a JobInvoker). Up to maxInstances run at once; a synchronous call beyond that is 429
// ResourceExhausted, an asynchronous one waits, as in the InstancePool.

#include <deque>
#include <functional>
#include <list>
#include <memory>

#include <QObject>

#include "FunctionInvoker.h"

namespace Fcemu::Runtime {

class JobInvoker;

class JobPool final : public QObject, public FunctionInvoker
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobPool)

public:
    JobPool(Config::FunctionConfig config, std::shared_ptr<PreparedImage> image,
            QObject *parent = nullptr);
    ~JobPool() override;

    const Config::FunctionConfig &config() const override { return m_config; }
    const std::shared_ptr<PreparedImage> &image() const override { return m_image; }

    // http must be false: a non-web-server function takes no HTTP calls (the caller refuses
    // them; here they fail with 400 InvalidArgument). Call on the pool's thread.
    QString submit(const Http::HttpRequest &request, bool http, Callback done = {},
                   bool async = false) override;

    // Fails what waits, lets the running jobs finish, then calls done.
    void stop(std::function<void()> done = {});

    int runningCount() const { return int(m_running.size()); }

signals:
    void logLine(const QString &requestId, const QString &instanceId, qint64 timestampMs,
                 const QString &line);
    void finished(const Fcemu::Telemetry::InvocationRecord &record);

private:
    struct Job;
    void startNext();
    void deliver(const std::shared_ptr<Job> &job, const Telemetry::InvocationRecord &record);
    void fail(const std::shared_ptr<Job> &job, int status, const QString &code,
              const QString &message);

    Config::FunctionConfig m_config;
    std::shared_ptr<PreparedImage> m_image;
    std::deque<std::shared_ptr<Job>> m_waiting;
    std::list<std::shared_ptr<Job>> m_running;
    bool m_coldPhasesUsed = false;
    bool m_stopping = false;
    std::function<void()> m_stopped;
};

} // namespace Fcemu::Runtime
