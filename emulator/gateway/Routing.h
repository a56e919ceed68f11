#pragma once

// Where a client's request goes among the functions served behind one endpoint (CONTRACT §6;
// `fcemu serve --config s.yaml` serves every function of the file): FC3 paths by function name,
// FC2 paths by service and function name, the HTTP trigger by its proxy path. Pure: tests call
// routeRequest() without sockets.

#include <QList>
#include <QString>

#include "config/FcLimits.h"
#include "http/HttpMessage.h"

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

// One function behind the endpoint, by the names FC's paths use.
struct ServedName
{
    QString serviceName; // FC2 paths
    QString functionName;
};

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
    // Event, Http, and the Get* management calls: the function's index in the served list.
    int function = 0;
    // The List* management calls: the functions listed, in served order (ListServices: the
    // first function of each service).
    QList<int> functions;
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

// Pure: the route of a parsed request among `served` (at least one), with FC's limits checked
// (path ≤ 4 KB, async body ≤ 128 KB) and the names checked as FC checks them: an unknown
// service is 404 ServiceNotFound, an unknown function 404 FunctionNotFound, a qualifier other
// than LATEST 404 VersionNotFound (a number) or AliasNotFound. FC3 paths find a function by
// name (the first of that name when two FC2 services share one), FC2 paths by service and
// name; every path outside FC's prefixes is the first function's HTTP trigger. Paths under
// FC's API prefixes that are neither an invocation, the proxy nor a read-only management call
// are 400 PathNotSupported naming the call: they never reach a function.
Route routeRequest(const Http::HttpRequest &request, const QList<ServedName> &served);
// The same for one function.
Route routeRequest(const Http::HttpRequest &request, const QString &functionName,
                   const QString &serviceName = u"fcemu-service"_qs);

// The paths a client calls, with the names percent-encoded: FC3's InvokeFunction,
// "/2023-03-30/functions/{function}/invocations", FC2's,
// "/2016-08-15/services/{service}/functions/{function}/invocations", and the HTTP trigger,
// "/2016-08-15/proxy/{service}/{function}" + pathAndQuery ("/" when empty).
QString fc3InvokePath(const QString &functionName);
QString fc2InvokePath(const QString &serviceName, const QString &functionName);
QString httpTriggerPath(const QString &serviceName, const QString &functionName,
                        const QString &pathAndQuery);

} // namespace Fcemu::Gateway
