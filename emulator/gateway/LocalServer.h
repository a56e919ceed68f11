#pragma once

// The local endpoints of CONTRACT §6 (`fcemu serve`, and the GUI while a function is loaded): FC3's
// and FC2's InvokeFunction paths and the HTTP trigger, in front of an InstancePool. The shape is
// qBittorrent's src/base/http/: a socket-free parser (RequestParser), a pure routing function
// that tests call without sockets, and a QTcpServer with a connection limit and an idle timeout.

#include <functional>

#include <QByteArray>
#include <QHostAddress>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTcpServer>

#include "common/Error.h"
#include "config/FunctionConfig.h"
#include "gateway/ManagementCalls.h"
#include "gateway/RequestChecks.h"
#include "gateway/Routing.h"
#include "http/HttpMessage.h"
#include "telemetry/InvocationRecord.h"

namespace Fcemu::Runtime {
class FunctionInvoker;
}

namespace Fcemu::Gateway {

// FC's error reply in the generation's shape, with X-Fc-Request-Id and
// Content-Type: application/json.
Http::HttpResponse errorResponse(int status, const QString &code, const QString &message,
                                 const QString &requestId, ApiGeneration api = ApiGeneration::Fc3);

// The reply to a finished invocation; X-Fc-Log-Result only when tail is asked and allowed.
// A platform error (no X-Fc-Error-Type) is answered in the generation's shape; a function
// error keeps its body. codeChecksum, when given, is X-Fc-Code-Checksum.
Http::HttpResponse invocationResponse(const Telemetry::InvocationRecord &record, bool tail,
                                      ApiGeneration api = ApiGeneration::Fc3,
                                      const QByteArray &codeChecksum = {});

// X-Fc-Code-Checksum: FC's code checksum is a CRC-64 (ECMA-182, as OSS computes it) of the
// code; for an image, of its manifest digest. Decimal, as FC prints it.
QByteArray codeChecksum(const QByteArray &data);

// Base64 of the last 4 KB of an invocation's log (X-Fc-Log-Result).
QByteArray tailLogResult(const QStringList &logs);

class Connection;

// Serves functions, each run by an InstancePool (web-server mode) or a JobPool (non-web-server
// mode: InvokeFunction only; HTTP calls are refused), behind one endpoint: routeRequest()
// (Routing.h) picks the function of each request. Lives on the pools' thread (their callbacks
// come back there).
class LocalServer final : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LocalServer)

public:
    explicit LocalServer(Runtime::FunctionInvoker *pool, QObject *parent = nullptr);
    // Several functions (at least one); the first also takes every path outside FC's prefixes.
    explicit LocalServer(const QList<Runtime::FunctionInvoker *> &functions,
                         QObject *parent = nullptr);
    ~LocalServer() override;

    // Listens on host:port; a port in use is an ErrorKind::Usage error that names it.
    Status start(const QHostAddress &address, quint16 port);

    void setMaxConnections(int count) { m_maxConnections = count; }
    void setIdleTimeoutMs(int ms) { m_idleTimeoutMs = ms; }
    int connectionCount() const { return int(m_connections.size()); }

    // The base URL, e.g. "http://127.0.0.1:8000".
    QString baseUrl() const;

    // Answers the /fcemu/ paths (404 without one). Called on the server's thread.
    using LocalHandler = std::function<Http::HttpResponse(const Http::HttpRequest &)>;
    void setLocalHandler(LocalHandler handler) { m_localHandler = std::move(handler); }

    // --access-key-id/--access-key-secret: requests must carry FC's signature for this key
    // (RequestChecks.h). Empty (the default): signatures are not checked.
    void setSigningKey(const SigningKey &key) { m_signingKey = key; }

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    friend class Connection;
    void removeConnection(Connection *connection);

    Runtime::FunctionInvoker *function(int index) const { return m_functions.at(index); }

    QList<Runtime::FunctionInvoker *> m_functions;
    QList<ServedName> m_names;
    QList<ManagedFunction> m_managed; // each function's config and code checksum
    QSet<Connection *> m_connections;
    int m_maxConnections = 500; // qBittorrent's CONNECTIONS_LIMIT
    int m_idleTimeoutMs = 60'000;
    LocalHandler m_localHandler;
    SigningKey m_signingKey;
};

} // namespace Fcemu::Gateway
