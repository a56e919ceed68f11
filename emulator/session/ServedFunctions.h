#pragma once

#include <deque>
#include <functional>
#include <memory>

#include <QHostAddress>
#include <QList>
#include <QObject>

#include "common/Error.h"
#include "config/FunctionConfig.h"
#include "gateway/RequestChecks.h"
#include "runtime/FunctionImage.h"
#include "telemetry/RecordStore.h"

namespace Fcemu::Runtime {
class FunctionInvoker;
class InstancePool;
class JobPool;
} // namespace Fcemu::Runtime
namespace Fcemu::Gateway {
class LocalServer;
}

namespace Fcemu::Session {

// One function `fcemu serve` runs: where its image came from, its configuration and its
// prepared image (functions with the same image share the cache entry).
struct ServedFunctionSpec
{
    QString imagePath;
    Config::FunctionConfig config;
    std::shared_ptr<Runtime::PreparedImage> image;
};

// The functions of `fcemu serve` behind one endpoint (CONTRACT §6; `serve --config s.yaml`
// serves every function of the file, `serve IMAGE` one). Each function has its own pool —
// an InstancePool in web-server mode, a JobPool otherwise — with its own image, options and
// limits (concurrency, instances: per function, as FC's are); one gateway::LocalServer routes
// every request to its function (gateway/Routing.h). The records of all of them go into one
// store, each known by its function (/fcemu/invocations names it). Lives on the thread that
// made it, which runs the pools.
class ServedFunctions final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServedFunctions)

public:
    // Refuses two functions with the same service and function name (a usage error naming
    // them): FC2's paths could not tell them apart.
    static Status checkNames(const QList<Config::FunctionConfig> &configs);

    explicit ServedFunctions(QList<ServedFunctionSpec> functions, QObject *parent = nullptr);
    ~ServedFunctions() override;

    int size() const { return int(m_functions.size()); }
    const ServedFunctionSpec &function(int index) const { return m_functions.at(index).spec; }
    Runtime::FunctionInvoker *invoker(int index) const { return m_functions.at(index).invoker; }

    // --debug-port of every web-server-mode function (a port taken is a usage error).
    Status listenForDebuggers();
    // Listens on address:port (a port in use is a usage error naming it) and starts the pools.
    Status start(const QHostAddress &address, quint16 port, const Gateway::SigningKey &key = {});
    // Stops taking connections, stops every pool (pre-stop as configured), then calls done.
    void stop(std::function<void()> done);
    QString baseUrl() const;

    const Telemetry::RecordStore &records() const { return m_records; }
    // The function (its index) of the record at row of records().
    int functionOfRecord(qsizetype row) const { return m_owners.at(size_t(row)); }

signals:
    void logLine(int function, const QString &requestId, const QString &instanceId,
                 qint64 timestampMs, const QString &line);
    // After the record was added to records().
    void invocationFinished(int function, const Fcemu::Telemetry::InvocationRecord &record);

private:
    struct Served
    {
        ServedFunctionSpec spec;
        std::unique_ptr<Runtime::InstancePool> instances;
        std::unique_ptr<Runtime::JobPool> jobs;
        Runtime::FunctionInvoker *invoker = nullptr;
    };
    void keep(int function, const Telemetry::InvocationRecord &record);

    std::vector<Served> m_functions;
    std::unique_ptr<Gateway::LocalServer> m_server;
    Telemetry::RecordStore m_records{10'000};
    std::deque<int> m_owners; // parallel to m_records' rows
};

} // namespace Fcemu::Session
