#include "JobPool.h"

#include <algorithm>
#include <utility>

#include <QDateTime>
#include <QTimer>

#include <nlohmann/json.hpp>

#include "InstanceSetup.h"
#include "JobInvoker.h"
#include "telemetry/FcErrors.h"

namespace Fcemu::Runtime {

struct JobPool::Job
{
    Telemetry::InvocationRecord record; // the request id, the client's request, the start
    QByteArray event;
    Callback done;
    bool async = false;
    qint64 submittedNs = 0;
    std::unique_ptr<JobInvoker> invoker;
};

JobPool::JobPool(Config::FunctionConfig config, std::shared_ptr<PreparedImage> image,
                 QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_image(std::move(image))
{
}

JobPool::~JobPool() = default; // each JobInvoker kills its container

QString JobPool::submit(const Http::HttpRequest &request, bool http, Callback done, bool async)
{
    auto job = std::make_shared<Job>();
    job->record.requestId = Telemetry::newRequestId();
    job->record.kind = u"event"_qs;
    job->record.startedAt = QDateTime::currentDateTimeUtc();
    job->record.memorySizeMB = m_config.memoryMB;
    job->submittedNs = monotonicNs();
    job->record.startedNs = job->submittedNs;
    Telemetry::ClientRequest &client = job->record.client.emplace();
    client.method = QString::fromUtf8(request.method);
    client.target = QString::fromUtf8(request.target);
    client.headers = request.headers;
    client.body = request.body;
    client.async = async;
    job->event = request.body;
    job->done = std::move(done);
    job->async = async;
    const QString id = job->record.requestId;
    // Failures are delivered from the event loop, never from inside submit().
    QMetaObject::invokeMethod(
        this,
        [this, job, http]() {
            if (http)
                return fail(job, 400, Telemetry::FcError::InvalidArgument,
                            u"the function is not in web-server mode (webServerMode false): FC "
                            u"invokes it only through InvokeFunction, not over HTTP"_qs);
            if (m_stopping)
                return fail(job, 503, Telemetry::FcError::ServiceUnavailable,
                            u"the emulator is stopping"_qs);
            if (!job->async && int(m_running.size()) >= m_config.maxInstances)
                return fail(job, 429, Telemetry::FcError::ResourceExhausted,
                            u"Resource exhausted: the function already runs "_qs +
                                QString::number(m_config.maxInstances) +
                                u" instances (maxInstances), each with 1 concurrent request "
                                u"(a non-web-server function takes one event per instance)");
            m_waiting.push_back(job);
            startNext();
        },
        Qt::QueuedConnection);
    return id;
}

void JobPool::startNext()
{
    while (!m_stopping && !m_waiting.empty() && int(m_running.size()) < m_config.maxInstances) {
        std::shared_ptr<Job> job = m_waiting.front();
        m_waiting.pop_front();
        m_running.push_back(job);
        job->invoker = std::make_unique<JobInvoker>(m_config, m_image);
        connect(job->invoker.get(), &JobInvoker::logLine, this, &JobPool::logLine);
        connect(job->invoker.get(), &JobInvoker::finished, this,
                [this, job](const Telemetry::InvocationRecord &record) { deliver(job, record); });
        Telemetry::Timings cold;
        if (!m_coldPhasesUsed) {
            m_coldPhasesUsed = true; // the image's pull and unpack go to the first cold start
            cold.pullMs = m_image->pullMs;
            cold.unpackMs = m_image->unpackMs;
        }
        job->invoker->invoke(job->event, cold, job->record.requestId);
    }
}

void JobPool::deliver(const std::shared_ptr<Job> &job, const Telemetry::InvocationRecord &record)
{
    // The invoker timed the run; the wait for a free slot before it is the queue phase.
    Telemetry::InvocationRecord r = record;
    r.startedNs = job->submittedNs;
    r.startedAt = job->record.startedAt;
    r.timings.queueMs = std::max(0.0, double(record.startedNs - job->submittedNs) / 1e6);
    r.timings.totalMs += r.timings.queueMs;
    r.client = job->record.client;
    // The invoker is deleted later: this runs inside its signal.
    job->invoker.release()->deleteLater();
    m_running.remove(job);
    emit finished(r);
    if (job->done)
        job->done(r);
    startNext();
    if (m_stopping && m_running.empty() && m_stopped)
        std::exchange(m_stopped, nullptr)();
}

void JobPool::fail(const std::shared_ptr<Job> &job, int status, const QString &code,
                   const QString &message)
{
    Telemetry::InvocationRecord &r = job->record;
    r.error = Telemetry::InvocationError{code, message};
    r.statusCode = status;
    r.responseHeaders = {
        {QByteArrayLiteral("X-Fc-Request-Id"), r.requestId.toUtf8()},
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
    r.body = QByteArray::fromStdString(nlohmann::json{
        {"ErrorCode", code.toStdString()},
        {"ErrorMessage",
         message.toStdString()}}.dump());
    r.timings.totalMs = double(monotonicNs() - job->submittedNs) / 1e6;
    emit finished(r);
    if (job->done)
        job->done(r);
}

void JobPool::stop(std::function<void()> done)
{
    m_stopping = true;
    while (!m_waiting.empty()) {
        auto job = m_waiting.front();
        m_waiting.pop_front();
        fail(job, 503, Telemetry::FcError::ServiceUnavailable, u"the emulator is stopping"_qs);
    }
    if (m_running.empty()) {
        if (done)
            done();
        return;
    }
    m_stopped = std::move(done);
}

} // namespace Fcemu::Runtime
