#include "LocalServer.h"

#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QPointer>
#include <QSocketNotifier>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <nlohmann/json.hpp>

#include "common/UniqueFd.h"
#include "gateway/HttpParser.h"
#include "runtime/InstancePool.h"

namespace Fcemu::Gateway {

namespace {

// A client that pipelines this much behind a request in flight is cut off.
constexpr qsizetype kMaxBufferedBytes = kDefaultMaxBodyBytes + 2 * kDefaultMaxHeaderBytes;

QString decoded(const QByteArray &segment)
{
    return QUrl::fromPercentEncoding(segment);
}

Route errorRoute(int status, const QString &code, const QString &message)
{
    Route r;
    r.kind = Route::Kind::Error;
    r.status = status;
    r.code = code;
    r.message = message;
    return r;
}

} // namespace

Route routeRequest(const HttpRequest &request, const QString &functionName)
{
    if (request.target.size() > kMaxPathBytes)
        return errorRoute(400, u"InvalidArgument"_qs,
                          u"the request path is longer than 4 KB ("_qs +
                              QString::number(request.target.size()) + u" bytes)");
    if (request.path.startsWith(kEmulatorPrefix)) {
        Route local;
        local.kind = Route::Kind::Local;
        local.forwarded = request;
        return local;
    }

    const QByteArray type = request.header("x-fc-invocation-type").trimmed().toLower();
    if (!type.isEmpty() && type != "sync" && type != "async")
        return errorRoute(400, u"InvalidArgument"_qs,
                          u"X-Fc-Invocation-Type must be Sync or Async, not "_qs +
                              QString::fromUtf8(request.header("x-fc-invocation-type")));
    Route route;
    route.async = type == "async";
    route.tail = request.header("x-fc-log-type").trimmed().toLower() == "tail";
    if (route.async && request.body.size() > kMaxAsyncBodyBytes)
        return errorRoute(400, u"EntityTooLarge"_qs,
                          u"the body of an asynchronous invocation may not exceed 128 KB ("_qs +
                              QString::number(request.body.size()) + u" bytes)");

    // "", "2023-03-30", ...: split only for FC's own paths (every other path is the trigger's).
    const bool fcPath = request.path.startsWith(kFc3InvokePrefix) ||
                        request.path.startsWith(kFc2InvokePrefix) ||
                        request.path.startsWith(kFc2ProxyPrefix);
    const QList<QByteArray> parts = fcPath ? request.path.split('/') : QList<QByteArray>();
    const auto notFound = [&](const QByteArray &name) {
        return errorRoute(404, u"FunctionNotFound"_qs,
                          u"function '"_qs + decoded(name) +
                              u"' does not exist (this emulator serves '" + functionName + u"')");
    };
    const auto invoke = [&](const QByteArray &name) -> Route {
        if (decoded(name) != functionName)
            return notFound(name);
        if (request.method != "POST")
            return errorRoute(405, u"MethodNotAllowed"_qs,
                              u"InvokeFunction takes POST, not "_qs +
                                  QString::fromUtf8(request.method));
        route.kind = Route::Kind::Event;
        route.forwarded = request; // the body is the event; the rest is the record's
        return route;
    };
    // FC3: /2023-03-30/functions/{name}/invocations
    if (request.path.startsWith(kFc3InvokePrefix) && parts.size() == 5 && parts[4] == "invocations")
        return invoke(parts[3]);
    // FC2: /2016-08-15/services/{service}/functions/{name}/invocations
    if (request.path.startsWith(kFc2InvokePrefix) && parts.size() == 7 && parts[4] == "functions" &&
        parts[6] == "invocations")
        return invoke(parts[5]);

    // The HTTP trigger: /2016-08-15/proxy/{service}/{name}/... passes the rest of the path;
    // every other path is passed as it is.
    route.kind = Route::Kind::Http;
    route.forwarded = request;
    if (request.path.startsWith(kFc2ProxyPrefix) && parts.size() >= 5) {
        if (decoded(parts[4]) != functionName)
            return notFound(parts[4]);
        QByteArray rest = "/" + parts.mid(5).join('/');
        route.forwarded.setTarget(rest, request.query);
    }
    return route;
}

HttpResponse errorResponse(int status, const QString &code, const QString &message,
                           const QString &requestId)
{
    HttpResponse r;
    r.status = status;
    r.setHeader("X-Fc-Request-Id", requestId.toUtf8());
    r.setHeader("Content-Type", "application/json");
    r.body = QByteArray::fromStdString(nlohmann::json{
        {"Code", code.toStdString()},
        {"Message", message.toStdString()},
        {"RequestId",
         requestId.toStdString()}}.dump());
    return r;
}

namespace {

QString percentEncoded(const QString &name)
{
    return QString::fromUtf8(QUrl::toPercentEncoding(name));
}

} // namespace

QString fc3InvokePath(const QString &functionName)
{
    return QLatin1StringView(kFc3InvokePrefix) + percentEncoded(functionName) + u"/invocations"_qs;
}

QString httpTriggerPath(const QString &serviceName, const QString &functionName,
                        const QString &pathAndQuery)
{
    QString path = pathAndQuery;
    if (!path.startsWith(u'/'))
        path.prepend(u'/');
    return QLatin1StringView(kFc2ProxyPrefix) + percentEncoded(serviceName) + u'/' +
           percentEncoded(functionName) + path;
}

QByteArray tailLogResult(const QStringList &logs)
{
    const QByteArray all = (logs.join(u'\n') + u'\n').toUtf8();
    return all.right(kMaxTailLogBytes).toBase64();
}

HttpResponse invocationResponse(const Telemetry::InvocationRecord &record, bool tail)
{
    HttpResponse r;
    r.status = record.statusCode;
    r.headers = record.responseHeaders; // the same type: shared, not copied
    if (tail)
        r.setHeader("X-Fc-Log-Result", tailLogResult(record.logs));
    r.body = record.body;
    return r;
}

// One client connection: HTTP/1.1 keep-alive, one request at a time (pipelined requests wait
// in the buffer), an idle timeout while no request is in flight. The socket is used directly
// (non-blocking, a notifier each way): a request costs one read and its reply one write, where
// QTcpSocket's buffering added an ioctl, a second read and copies.
class Connection final : public QObject
{
public:
    Connection(LocalServer *server, qintptr descriptor)
        : QObject(server), m_server(server), m_socket(int(descriptor)),
          m_readable(int(descriptor), QSocketNotifier::Read),
          m_writable(int(descriptor), QSocketNotifier::Write)
    {
        ::fcntl(m_socket.get(), F_SETFL, ::fcntl(m_socket.get(), F_GETFL) | O_NONBLOCK);
        const int one = 1; // a reply is one write: nothing to gain from Nagle's delay
        ::setsockopt(m_socket.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        m_writable.setEnabled(false);
        connect(&m_readable, &QSocketNotifier::activated, this, &Connection::read);
        connect(&m_writable, &QSocketNotifier::activated, this, &Connection::writeOut);
        m_idle.setSingleShot(true);
        m_idle.setInterval(server->m_idleTimeoutMs);
        connect(&m_idle, &QTimer::timeout, this, [this]() { m_closed ? finish() : close(); });
        m_idle.start();
    }

    void close()
    {
        if (m_closed)
            return;
        m_closed = true;
        m_readable.setEnabled(false);
        m_server->removeConnection(this);
        if (!m_out.isEmpty() && !m_failed) {
            // The last reply is still queued: let it go out (within the idle time), then go.
            m_idle.start();
            return;
        }
        finish();
    }

private:
    void finish()
    {
        m_idle.stop();
        m_readable.setEnabled(false);
        m_writable.setEnabled(false);
        m_socket.reset();
        deleteLater();
    }

    void read()
    {
        char chunk[64 * 1024];
        bool peerClosed = false;
        for (;;) {
            const ssize_t n = ::read(m_socket.get(), chunk, sizeof chunk);
            if (n > 0) {
                m_buffer.append(chunk, n);
                if (m_buffer.size() > kMaxBufferedBytes)
                    return close();
                if (size_t(n) < sizeof chunk)
                    break;
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else {
                if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                    peerClosed = true;
                    m_failed = n < 0;
                }
                break;
            }
        }
        process();
        if (peerClosed)
            close(); // the client is gone: a reply still to come has nowhere to go
    }

    // Sends what m_out holds; whatever the socket does not take now waits for it to drain.
    void writeOut()
    {
        while (m_written < m_out.size()) {
            const ssize_t n = ::send(m_socket.get(), m_out.constData() + m_written,
                                     size_t(m_out.size() - m_written), MSG_NOSIGNAL);
            if (n > 0) {
                m_written += n;
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                m_writable.setEnabled(true);
                return;
            } else {
                m_failed = true;
                m_out.clear();
                m_written = 0;
                m_writable.setEnabled(false);
                return m_closed ? finish() : close();
            }
        }
        m_out.clear();
        m_written = 0;
        m_writable.setEnabled(false);
        if (m_closed)
            finish();
    }

    void process()
    {
        while (!m_busy && !m_closed && !m_buffer.isEmpty()) {
            const ParseStatus status = m_parser.feed(m_buffer);
            m_buffer.remove(0, qsizetype(m_parser.consumed()));
            switch (status) {
            case ParseStatus::Incomplete:
                return;
            case ParseStatus::BadRequest:
                return reply(errorResponse(400, u"InvalidArgument"_qs, m_parser.errorString(),
                                           Telemetry::newRequestId()),
                             false, false);
            case ParseStatus::TooLarge: {
                const bool headers = m_parser.limitExceeded() == ParseLimit::Headers;
                return reply(errorResponse(400,
                                           headers ? u"InvalidArgument"_qs : u"EntityTooLarge"_qs,
                                           headers ? u"the request headers exceed 8 KB"_qs
                                                   : u"the request body exceeds 32 MB"_qs,
                                           Telemetry::newRequestId()),
                             false, false);
            }
            case ParseStatus::Complete: {
                HttpRequest request = m_parser.takeRequest();
                m_parser.reset();
                handle(request);
                break;
            }
            }
        }
    }

    void handle(const HttpRequest &request)
    {
        Runtime::InstancePool *pool = m_server->m_pool;
        const bool keepAlive = request.keepAlive;
        const bool head = request.method == "HEAD";
        const Route route = routeRequest(request, pool->config().name);
        if (route.kind == Route::Kind::Error)
            return reply(
                errorResponse(route.status, route.code, route.message, Telemetry::newRequestId()),
                keepAlive, head);
        if (route.kind == Route::Kind::Local)
            return reply(m_server->m_localHandler
                             ? m_server->m_localHandler(route.forwarded)
                             : errorResponse(404, u"NotFound"_qs, u"no emulator endpoints here"_qs,
                                             Telemetry::newRequestId()),
                         keepAlive, head);
        const bool http = route.kind == Route::Kind::Http;
        if (route.async) {
            // FC answers an asynchronous invocation at once and runs it later.
            const QString requestId = pool->submit(route.forwarded, http, {}, true);
            HttpResponse accepted;
            accepted.status = 202;
            accepted.setHeader("X-Fc-Request-Id", requestId.toUtf8());
            return reply(accepted, keepAlive, head);
        }
        // FC leaves the log out of the reply when an instance serves several requests at once.
        const bool tail = route.tail && pool->config().instanceConcurrency == 1;
        m_busy = true;
        m_idle.stop();
        QPointer<Connection> self(this);
        pool->submit(route.forwarded, http,
                     [self, tail, keepAlive, head](const Telemetry::InvocationRecord &record) {
                         Connection *connection = self.data();
                         if (connection == nullptr)
                             return; // the client went away meanwhile
                         connection->m_busy = false;
                         connection->reply(invocationResponse(record, tail), keepAlive, head);
                     });
    }

    void reply(HttpResponse response, bool keepAlive, bool head)
    {
        if (m_closed)
            return;
        response.keepAlive = keepAlive;
        m_out += response.toBytes(head);
        writeOut(); // now, in one write, not on the next turn of the event loop
        if (m_closed)
            return; // the write failed
        if (!keepAlive)
            return close();
        m_idle.start();
        process(); // a pipelined request may be waiting
    }

    LocalServer *m_server;
    UniqueFd m_socket;
    QSocketNotifier m_readable;
    QSocketNotifier m_writable;
    RequestParser m_parser;
    QByteArray m_buffer;     // received, not yet parsed
    QByteArray m_out;        // replies not yet sent
    qsizetype m_written = 0; // of m_out
    QTimer m_idle;
    bool m_busy = false;
    bool m_closed = false;
    bool m_failed = false; // the socket failed: nothing more can be sent
};

LocalServer::LocalServer(Runtime::InstancePool *pool, QObject *parent)
    : QTcpServer(parent), m_pool(pool)
{
}

LocalServer::~LocalServer() = default;

Status LocalServer::start(const QHostAddress &address, quint16 port)
{
    if (!listen(address, port))
        return fail(ErrorKind::Usage, u"cannot listen on "_qs + address.toString() + u':' +
                                          QString::number(port) + u": " + errorString() +
                                          u" (choose another with --listen HOST:PORT)");
    return {};
}

QString LocalServer::baseUrl() const
{
    const QHostAddress a = serverAddress();
    const QString host =
        a.protocol() == QAbstractSocket::IPv6Protocol ? u'[' + a.toString() + u']' : a.toString();
    return u"http://"_qs + host + u':' + QString::number(serverPort());
}

void LocalServer::incomingConnection(qintptr socketDescriptor)
{
    if (m_connections.size() >= m_maxConnections) {
        // Over the limit: refuse the connection at once, as qBittorrent's server does.
        QTcpSocket refused;
        refused.setSocketDescriptor(socketDescriptor);
        refused.abort();
        return;
    }
    m_connections.insert(new Connection(this, socketDescriptor));
}

void LocalServer::removeConnection(Connection *connection)
{
    m_connections.remove(connection);
}

} // namespace Fcemu::Gateway
