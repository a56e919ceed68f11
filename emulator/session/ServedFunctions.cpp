#include "ServedFunctions.h"

#include <QSet>

#include "gateway/LocalServer.h"
#include "gateway/RecordEndpoints.h"
#include "runtime/InstancePool.h"
#include "runtime/JobPool.h"

namespace Fcemu::Session {

Status ServedFunctions::checkNames(const QList<Config::FunctionConfig> &configs)
{
    QSet<QString> seen;
    for (const Config::FunctionConfig &c : configs) {
        const QString key = c.serviceName + u'/' + c.name;
        if (seen.contains(key))
            return fail(ErrorKind::Usage,
                        u"two functions are both called '%1' in service '%2': FC's paths could "
                        u"not tell them apart (rename one)"_qs.arg(c.name, c.serviceName));
        seen.insert(key);
    }
    return {};
}

ServedFunctions::ServedFunctions(QList<ServedFunctionSpec> functions, QObject *parent)
    : QObject(parent)
{
    connect(&m_records, &Telemetry::RecordStore::oldestRemoved, this, [this](qsizetype count) {
        m_owners.erase(m_owners.begin(),
                       m_owners.begin() + std::min<qsizetype>(count, qsizetype(m_owners.size())));
    });
    m_functions.reserve(size_t(functions.size()));
    for (ServedFunctionSpec &spec : functions) {
        const int index = int(m_functions.size());
        Served &f = m_functions.emplace_back();
        f.spec = std::move(spec);
        const auto finished = [this, index](const Telemetry::InvocationRecord &record) {
            keep(index, record);
        };
        const auto log = [this, index](const QString &requestId, const QString &instanceId,
                                       qint64 timestampMs, const QString &line) {
            emit logLine(index, requestId, instanceId, timestampMs, line);
        };
        if (f.spec.config.webServerMode) {
            f.instances = std::make_unique<Runtime::InstancePool>(f.spec.config, f.spec.image);
            f.invoker = f.instances.get();
            connect(f.instances.get(), &Runtime::InstancePool::finished, this, finished);
            connect(f.instances.get(), &Runtime::InstancePool::logLine, this, log);
        } else {
            f.jobs = std::make_unique<Runtime::JobPool>(f.spec.config, f.spec.image);
            f.invoker = f.jobs.get();
            connect(f.jobs.get(), &Runtime::JobPool::finished, this, finished);
            connect(f.jobs.get(), &Runtime::JobPool::logLine, this, log);
        }
    }
}

ServedFunctions::~ServedFunctions()
{
    m_server.reset(); // no request reaches a pool that is going
}

Status ServedFunctions::listenForDebuggers()
{
    for (Served &f : m_functions)
        if (f.instances)
            if (auto ok = f.instances->listenForDebuggers(); !ok)
                return ok;
    return {};
}

Status ServedFunctions::start(const QHostAddress &address, quint16 port,
                              const Gateway::SigningKey &key)
{
    QList<Runtime::FunctionInvoker *> invokers;
    QList<Gateway::ServedName> names;
    for (const Served &f : m_functions) {
        invokers.append(f.invoker);
        names.append({f.spec.config.serviceName, f.spec.config.name});
    }
    m_server = std::make_unique<Gateway::LocalServer>(invokers);
    m_server->setSigningKey(key);
    if (auto listening = m_server->start(address, port); !listening) {
        m_server.reset();
        return listening;
    }
    // Every invocation's record, served read-only on /fcemu/invocations and /fcemu/har.
    Gateway::serveRecordEndpoints(*m_server, m_records, names,
                                  [this](qsizetype row) { return functionOfRecord(row); });
    for (Served &f : m_functions)
        if (f.instances)
            f.instances->start();
    return {};
}

void ServedFunctions::stop(std::function<void()> done)
{
    if (m_server)
        m_server->close();
    auto remaining = std::make_shared<int>(int(m_functions.size()));
    const auto one = [remaining, done = std::move(done)]() {
        if (--*remaining == 0 && done)
            done();
    };
    for (Served &f : m_functions) {
        if (f.instances)
            f.instances->stop(one);
        else
            f.jobs->stop(one);
    }
}

QString ServedFunctions::baseUrl() const
{
    return m_server ? m_server->baseUrl() : QString();
}

void ServedFunctions::keep(int function, const Telemetry::InvocationRecord &record)
{
    m_owners.push_back(function); // before the append: a full store drops its oldest first
    m_records.append(record);
    emit invocationFinished(function, m_records.at(m_records.size() - 1));
}

} // namespace Fcemu::Session
