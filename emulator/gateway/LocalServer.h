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
#include "config/FcLimits.h"
#include "config/FunctionConfig.h"
#include "gateway/RequestChecks.h"
#include "http/HttpMessage.h"
#include "telemetry/InvocationRecord.h"

namespace Fcemu::Runtime {
class FunctionInvoker;
}

namespace Fcemu::Gateway {

// FC's limits (config/FcLimits.h) that the parser does not enforce itself.
using Config::kMaxAsyncBodyBytes;
using Config::kMaxPathBytes;
using Config::kMaxTailLogBytes;

inline constexpr char kFc3ApiPrefix[] = "/2023-03-30/";
inline constexpr char kFc2ApiPrefix[] = "/2016-08-15/";
inline constexpr char kFc3InvokePrefix[] = "/2023-03-30/functions/";
inline constexpr char kFc2InvokePrefix[] = "/2016-08-15/services/";
inline constexpr char kFc2ProxyPrefix[] = "/2016-08-15/proxy/";
// The emulator's own endpoints (records, HAR): a prefix FC never uses.
inline constexpr char kEmulatorPrefix[] = "/fcemu/";

// Which of FC's APIs a path belongs to: each answers errors in its own shape (fc-semantics
// §4.1). FC2: {"ErrorCode","ErrorMessage"}; FC3 (and FC3's HTTP trigger, every path outside
// FC's prefixes): {"RequestId","Code","Message"}.
enum class ApiGeneration { Fc2, Fc3 };

// Where one client request goes.
struct Route
{
    enum class Kind {
        Event,      // InvokeFunction (FC3 or FC2 path): the body is the event
        Http,       // the HTTP trigger: `forwarded` goes to the function
        Error,      // answered here: status, code, message
        Local,      // an emulator endpoint under /fcemu/: `forwarded` goes to the local handler
        Management, // a read-only management call answered from the config: `call`
    };
    Kind kind = Kind::Error;
    ApiGeneration api = ApiGeneration::Fc3;
    // Management: "GetService", "GetFunction", "ListFunctions" or "ListServices".
    QString call;
    bool async = false; // X-Fc-Invocation-Type: Async
    bool tail = false;  // X-Fc-Log-Type: Tail
    // Http: what goes to the function. Event: the request as received (the body is the event,
    // the rest is what the invocation's record shows as the client's request).
    Http::HttpRequest forwarded;
    int status = 0;
    QString code;
    QString message;
};

// Pure: the route of a parsed request for the function called functionName in the service
// serviceName (FC2 paths), with FC's limits checked (path ≤ 4 KB, async body ≤ 128 KB) and the
// names checked as FC checks them: an unknown service is 404 ServiceNotFound, an unknown
// function 404 FunctionNotFound, a qualifier other than LATEST 404 VersionNotFound (a number)
// or AliasNotFound. Paths under FC's API prefixes that are neither an invocation, the proxy
// nor a read-only management call are 400 PathNotSupported naming the call: they never reach
// the function.
Route routeRequest(const Http::HttpRequest &request, const QString &functionName,
                   const QString &serviceName = u"fcemu-service"_qs);

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

// The JSON reply of a read-only management call (route.kind == Management), in FC's shape for
// the generation, from the loaded configuration.
Http::HttpResponse managementResponse(const Route &route, const Config::FunctionConfig &config,
                                      const QByteArray &checksum, const QString &requestId);

// Base64 of the last 4 KB of an invocation's log (X-Fc-Log-Result).
QByteArray tailLogResult(const QStringList &logs);

// The paths a client calls, with the names percent-encoded: FC3's InvokeFunction,
// "/2023-03-30/functions/{function}/invocations", and the HTTP trigger,
// "/2016-08-15/proxy/{service}/{function}" + pathAndQuery ("/" when empty).
QString fc3InvokePath(const QString &functionName);
QString httpTriggerPath(const QString &serviceName, const QString &functionName,
                        const QString &pathAndQuery);

class Connection;

// Serves the function of an InstancePool (web-server mode) or a JobPool (non-web-server mode:
// InvokeFunction only; HTTP calls are refused). Lives on the pool's thread (the pool's
// callbacks come back there).
class LocalServer final : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LocalServer)

public:
    explicit LocalServer(Runtime::FunctionInvoker *pool, QObject *parent = nullptr);
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

    Runtime::FunctionInvoker *m_pool;
    QSet<Connection *> m_connections;
    int m_maxConnections = 500; // qBittorrent's CONNECTIONS_LIMIT
    int m_idleTimeoutMs = 60'000;
    LocalHandler m_localHandler;
    QByteArray m_codeChecksum; // X-Fc-Code-Checksum of the pool's image
    SigningKey m_signingKey;
};

} // namespace Fcemu::Gateway
