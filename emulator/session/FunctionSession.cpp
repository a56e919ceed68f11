#include "FunctionSession.h"

#include "gateway/LocalServer.h"
#include "gateway/RecordEndpoints.h"
#include "runtime/InstanceSetup.h"
#include "runtime/JobInvoker.h"

namespace Fcemu::Session {

namespace {

// How far past the preferred port to look for a free one.
constexpr int kPortSearch = 50;

} // namespace

FunctionSession::FunctionSession(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<Telemetry::InvocationRecord>();
    qRegisterMetaType<Runtime::InstanceState>();
}

FunctionSession::~FunctionSession()
{
    stopRunner();
}

void FunctionSession::setPreferredEndpoint(const QHostAddress &address, quint16 port)
{
    m_address = address;
    m_port = port;
}

Status FunctionSession::load(const QString &imagePath, Config::FunctionConfig config,
                             std::shared_ptr<Runtime::PreparedImage> image)
{
    const bool wasLoaded = isLoaded();
    stopRunner();
    m_imagePath = imagePath;
    m_config = std::move(config);
    m_image = std::move(image);
    m_jobImagePhasesUsed = false;
    if (wasLoaded)
        emit unloaded();
    auto started = startRunner(false);
    if (!started) {
        m_image.reset();
        return started;
    }
    emit loaded();
    return {};
}

Status FunctionSession::reconfigure(Config::FunctionConfig config)
{
    if (!isLoaded())
        return std::unexpected(Error{ErrorKind::Usage, u"no function is loaded"_qs});
    const bool hadEndpoint = m_server != nullptr;
    stopRunner();
    m_config = std::move(config);
    auto started = startRunner(true);
    // Web-server mode switched off: stopRunner() dropped the endpoint without a word.
    if (hadEndpoint && !m_server)
        emit endpointChanged({});
    return started;
}

QString FunctionSession::endpointUrl() const
{
    return m_server ? m_server->baseUrl() : QString();
}

QString FunctionSession::httpTriggerUrl(const QString &pathAndQuery) const
{
    if (!m_server)
        return {};
    return endpointUrl() +
           Gateway::httpTriggerPath(m_config.serviceName, m_config.name, pathAndQuery);
}

Status FunctionSession::startRunner(bool imagePhasesUsed)
{
    // --profile-startup: the next cold start is profiled (its pages are evicted now).
    m_profiler.reset();
    m_profileError.clear();
    m_profile = Runtime::loadProfile(Runtime::cacheDirectoryOf(*m_image),
                                     Image::ImageCache::keyFor(m_image->info));
    if (m_config.profileStartup) {
        auto begun = Runtime::StartupProfiler::begin(m_image->entry.rootfs);
        if (begun)
            m_profiler = *begun;
        else
            m_profileError = begun.error().message;
    }
    emit startupProfileChanged();
    if (!m_config.webServerMode) {
        m_jobs = std::make_unique<Runtime::JobInvoker>(m_config, m_image);
        connect(m_jobs.get(), &Runtime::JobInvoker::logLine, this, &FunctionSession::logLine);
        connect(m_jobs.get(), &Runtime::JobInvoker::finished, this,
                [this](const Telemetry::InvocationRecord &record) {
                    // The invoker timed the run; the time the job waited for the one before it
                    // is the queue phase.
                    Telemetry::InvocationRecord r = record;
                    r.startedNs = m_runningJob.submittedNs;
                    r.startedAt = m_runningJob.submittedAt;
                    r.timings.queueMs = double(record.startedNs - m_runningJob.submittedNs) / 1e6;
                    r.timings.totalMs += r.timings.queueMs;
                    Telemetry::ClientRequest &client = r.client.emplace();
                    client.method = u"POST"_qs;
                    client.target = u"/invoke"_qs;
                    client.body = m_runningJob.event;
                    recordFinished(std::move(r));
                    QMetaObject::invokeMethod(this, &FunctionSession::runNextJob,
                                              Qt::QueuedConnection);
                });
        if (imagePhasesUsed)
            m_jobImagePhasesUsed = true;
        if (m_server) {
            m_server.reset();
            emit endpointChanged({});
        }
        return {};
    }

    m_pool = std::make_unique<Runtime::InstancePool>(m_config, m_image);
    if (imagePhasesUsed)
        m_pool->setImagePhasesUsed();
    connect(m_pool.get(), &Runtime::InstancePool::logLine, this, &FunctionSession::logLine);
    connect(m_pool.get(), &Runtime::InstancePool::instanceStateChanged, this,
            &FunctionSession::instanceStateChanged);
    connect(m_pool.get(), &Runtime::InstancePool::finished, this,
            [this](const Telemetry::InvocationRecord &record) {
                --m_pending;
                recordFinished(record);
            });
    const QString before = endpointUrl();
    m_server = std::make_unique<Gateway::LocalServer>(m_pool.get());
    Status listening;
    for (int offset = 0; offset < kPortSearch && m_port + offset <= 65535; ++offset) {
        listening = m_server->start(m_address, quint16(m_port + offset));
        if (listening)
            break;
    }
    if (!listening) {
        m_server.reset();
        m_pool.reset();
        return listening;
    }
    // The session's records on the emulator's own paths (CONTRACT §6), as `fcemu serve` has them.
    Gateway::serveRecordEndpoints(*m_server, m_records, m_config.serviceName, m_config.name);
    m_pool->start();
    if (endpointUrl() != before)
        emit endpointChanged(endpointUrl());
    return {};
}

void FunctionSession::stopRunner()
{
    // The pool's destructor kills its instances; the Stopped states arrive through the signal
    // connection made in startRunner, before it goes.
    m_server.reset();
    m_pool.reset();
    m_retiring.clear();
    m_jobs.reset();
    m_jobQueue.clear();
    m_runningJob = {};
    m_pending = 0;
}

QString FunctionSession::invokeEvent(const QByteArray &event)
{
    if (!isLoaded())
        return {};
    if (m_pool) {
        Http::HttpRequest request;
        request.method = "POST";
        request.setTarget("/invoke");
        request.body = event;
        ++m_pending;
        const QString id = m_pool->submit(request, false);
        emit invocationStarted(id, u"event"_qs);
        return id;
    }
    QueuedJob job{Telemetry::newRequestId(), event, Runtime::monotonicNs(),
                  QDateTime::currentDateTimeUtc()};
    m_jobQueue.enqueue(job);
    ++m_pending;
    emit invocationStarted(job.requestId, u"event"_qs);
    if (!m_jobs->isBusy() && m_runningJob.requestId.isEmpty())
        runNextJob();
    return job.requestId;
}

QString FunctionSession::invokeHttp(const Http::HttpRequest &request)
{
    if (!m_pool)
        return {};
    ++m_pending;
    const QString id = m_pool->submit(request, true);
    emit invocationStarted(id, u"http"_qs);
    return id;
}

void FunctionSession::runNextJob()
{
    m_runningJob = {};
    if (!m_jobs || m_jobs->isBusy() || m_jobQueue.isEmpty())
        return;
    m_runningJob = m_jobQueue.dequeue();
    Telemetry::Timings cold;
    if (!m_jobImagePhasesUsed) {
        m_jobImagePhasesUsed = true;
        cold.pullMs = m_image->pullMs;
        cold.unpackMs = m_image->unpackMs;
    }
    m_jobs->invoke(m_runningJob.event, cold, m_runningJob.requestId);
}

void FunctionSession::recordFinished(Telemetry::InvocationRecord record)
{
    if (!m_config.webServerMode)
        --m_pending;
    if (m_profiler && record.coldStart) {
        auto profile =
            m_profiler->finish(*m_image, m_config.webServerMode ? u"first request"_qs : u"run"_qs);
        m_profiler.reset();
        if (profile) {
            m_profile = *profile;
            if (auto stored = Runtime::storeProfile(Runtime::cacheDirectoryOf(*m_image), *profile);
                !stored)
                m_profileError = stored.error().message;
        } else {
            m_profileError = profile.error().message;
        }
        emit startupProfileChanged();
    }
    m_records.append(record);
    emit invocationFinished(m_records.at(m_records.size() - 1));
}

void FunctionSession::forceColdStart()
{
    stopInstances(); // non-web-server mode has no pool: every call is cold anyway
}

void FunctionSession::stopInstances()
{
    if (!m_pool)
        return;
    // The old pool runs its pre-stop hooks and stops in its own time; a fresh pool (with the
    // same endpoint) takes new calls at once, and its first call is a cold start.
    Runtime::InstancePool *old = m_pool.release();
    m_server.reset();
    m_retiring.push_back(std::unique_ptr<Runtime::InstancePool>(old));
    old->stop([this, old]() {
        QMetaObject::invokeMethod(
            this,
            [this, old]() {
                std::erase_if(m_retiring, [old](const auto &pool) { return pool.get() == old; });
            },
            Qt::QueuedConnection);
    });
    if (auto started = startRunner(true); !started)
        qWarning("fcemu: %s", qPrintable(started.error().message));
}

int FunctionSession::instanceCount() const
{
    int count = m_pool ? m_pool->instanceCount() : 0;
    for (const auto &pool : m_retiring)
        count += pool->instanceCount();
    return count;
}

} // namespace Fcemu::Session
