#include "LocalServer.h"

#include <cerrno>
#include <optional>
#include <utility>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QDateTime>
#include <QPointer>
#include <QProcessEnvironment>
#include <QSocketNotifier>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>
#include <QUuid>

#include <nlohmann/json.hpp>

#include "common/UniqueFd.h"
#include "config/Environment.h"
#include "http/HttpParser.h"
#include "runtime/FunctionInvoker.h"
#include "telemetry/FcErrors.h"

namespace Fcemu::Gateway {

namespace {

// A client that pipelines this much behind a request in flight is cut off.
constexpr qsizetype kMaxBufferedBytes =
    Http::kDefaultMaxBodyBytes + 2 * Http::kDefaultMaxHeaderBytes;

} // namespace

Http::HttpResponse errorResponse(int status, const QString &code, const QString &message,
                                 const QString &requestId, ApiGeneration api)
{
    Http::HttpResponse r;
    r.status = status;
    r.setHeader("X-Fc-Request-Id", requestId.toUtf8());
    r.setHeader("Content-Type", "application/json");
    if (api == ApiGeneration::Fc2)
        r.body = QByteArray::fromStdString(nlohmann::json{
            {"ErrorCode", code.toStdString()},
            {"ErrorMessage",
             message.toStdString()}}.dump());
    else
        r.body = QByteArray::fromStdString(nlohmann::json{
            {"Code", code.toStdString()},
            {"Message", message.toStdString()},
            {"RequestId",
             requestId.toStdString()}}.dump());
    return r;
}

QByteArray tailLogResult(const QStringList &logs)
{
    const QByteArray all = (logs.join(u'\n') + u'\n').toUtf8();
    return all.right(kMaxTailLogBytes).toBase64();
}

Http::HttpResponse invocationResponse(const Telemetry::InvocationRecord &record, bool tail,
                                      ApiGeneration api, const QByteArray &codeChecksum)
{
    Http::HttpResponse r;
    r.status = record.statusCode;
    r.headers = record.responseHeaders; // the same type: shared, not copied
    const bool functionError = r.hasHeader("x-fc-error-type");
    if (record.error && !functionError && r.status >= 400) {
        // The platform's own error (startup, throttling, ...): FC's shape for the API called.
        Http::HttpResponse shaped = errorResponse(record.statusCode, record.error->code,
                                                  record.error->message, record.requestId, api);
        for (const auto &[name, value] : shaped.headers)
            r.setHeader(name, value);
        r.body = shaped.body;
    } else {
        r.body = record.body;
        // A function error FC reports itself ({"errorMessage": ...}) is JSON too.
        if (functionError && !r.hasHeader("content-type") && r.body.startsWith('{'))
            r.setHeader("Content-Type", "application/json");
    }
    if (!codeChecksum.isEmpty())
        r.setHeader("X-Fc-Code-Checksum", codeChecksum);
    if (tail)
        r.setHeader("X-Fc-Log-Result", tailLogResult(record.logs));
    return r;
}

QByteArray codeChecksum(const QByteArray &data)
{
    // CRC-64/XZ: ECMA-182's polynomial, reflected, all ones in and out (what OSS and FC use).
    quint64 crc = ~quint64(0);
    for (const char c : data) {
        crc ^= quint8(c);
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc >> 1) ^ ((crc & 1) ? 0xC96C5795D7870F42ULL : 0);
    }
    return QByteArray::number(~crc);
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
            const Http::ParseStatus status = m_parser.feed(m_buffer);
            m_buffer.remove(0, qsizetype(m_parser.consumed()));
            switch (status) {
            case Http::ParseStatus::Incomplete:
                return;
            case Http::ParseStatus::BadRequest:
                return reply(errorResponse(400, Telemetry::FcError::InvalidArgument,
                                           m_parser.errorString(), Telemetry::newRequestId()),
                             false, false);
            case Http::ParseStatus::TooLarge: {
                const bool headers = m_parser.limitExceeded() == Http::ParseLimit::Headers;
                return reply(errorResponse(400,
                                           headers ? Telemetry::FcError::InvalidArgument
                                                   : Telemetry::FcError::EntityTooLarge,
                                           headers ? u"the request headers exceed 8 KB"_qs
                                                   : u"the request body exceeds 32 MB"_qs,
                                           Telemetry::newRequestId()),
                             false, false);
            }
            case Http::ParseStatus::Complete: {
                Http::HttpRequest request = m_parser.takeRequest();
                m_parser.reset();
                handle(request);
                break;
            }
            }
        }
    }

    void handle(const Http::HttpRequest &request)
    {
        const bool keepAlive = request.keepAlive;
        const bool head = request.method == "HEAD";
        const Route route = routeRequest(request, m_server->m_names);
        Runtime::FunctionInvoker *pool = m_server->function(route.function);
        const QByteArray &imageChecksum = m_server->m_managed.at(route.function).checksum;
        if (route.kind == Route::Kind::Error)
            return reply(errorResponse(route.status, route.code, route.message,
                                       Telemetry::newRequestId(), route.api),
                         keepAlive, head);
        if (route.kind == Route::Kind::Local)
            return reply(m_server->m_localHandler
                             ? m_server->m_localHandler(route.forwarded)
                             : errorResponse(404, u"NotFound"_qs, u"no emulator endpoints here"_qs,
                                             Telemetry::newRequestId()),
                         keepAlive, head);
        if (auto refused = checkRequest(request, route.kind == Route::Kind::Http,
                                        route.api == ApiGeneration::Fc2, pool->config(),
                                        m_server->m_signingKey)) {
            Http::HttpResponse r = errorResponse(refused->status, refused->code, refused->message,
                                                 Telemetry::newRequestId(), route.api);
            r.setHeader("X-Fc-Error-Type", "FcCommonError");
            return reply(r, keepAlive, head);
        }
        if (route.kind == Route::Kind::Management)
            return reply(managementResponse(route, m_server->m_managed, Telemetry::newRequestId()),
                         keepAlive, head);
        const bool http = route.kind == Route::Kind::Http;
        if (http && !pool->config().webServerMode)
            // FC allows no HTTP trigger on a non-web-server function: only InvokeFunction.
            return reply(errorResponse(400, Telemetry::FcError::InvalidArgument,
                                       u"function '"_qs + pool->config().name +
                                           u"' is not in web-server mode (webServerMode false): FC "
                                           u"invokes it only through InvokeFunction, not over HTTP",
                                       Telemetry::newRequestId(), route.api),
                         keepAlive, head);
        if (route.async) {
            // FC answers an asynchronous invocation at once and runs it later.
            const QString requestId = pool->submit(route.forwarded, http, {}, true);
            Http::HttpResponse accepted;
            accepted.status = 202;
            accepted.setHeader("X-Fc-Request-Id", requestId.toUtf8());
            if (!http)
                accepted.setHeader("X-Fc-Code-Checksum", imageChecksum);
            return reply(accepted, keepAlive, head);
        }
        // FC leaves the log out of the reply when an instance serves several requests at once.
        const bool tail = route.tail && pool->config().instanceConcurrency == 1;
        const ApiGeneration api = route.api;
        const QByteArray checksum = http ? QByteArray() : imageChecksum;
        m_busy = true;
        m_idle.stop();
        QPointer<Connection> self(this);
        pool->submit(route.forwarded, http,
                     [self, tail, keepAlive, head, api,
                      checksum](const Telemetry::InvocationRecord &record) {
                         Connection *connection = self.data();
                         if (connection == nullptr)
                             return; // the client went away meanwhile
                         connection->m_busy = false;
                         connection->reply(invocationResponse(record, tail, api, checksum),
                                           keepAlive, head);
                     });
    }

    void reply(Http::HttpResponse response, bool keepAlive, bool head)
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
    Http::RequestParser m_parser;
    QByteArray m_buffer;     // received, not yet parsed
    QByteArray m_out;        // replies not yet sent
    qsizetype m_written = 0; // of m_out
    QTimer m_idle;
    bool m_busy = false;
    bool m_closed = false;
    bool m_failed = false; // the socket failed: nothing more can be sent
};

namespace {

// What GetFunction calls customContainerConfig.image: the registry reference the function was
// pulled from, or the image file it was given (absolute).
QString imageName(const Runtime::PreparedImage &image)
{
    return !image.registryReference.isEmpty() ? image.registryReference : image.source;
}

// REGISTRY/REPO of REGISTRY/REPO:TAG or REGISTRY/REPO@DIGEST (a file's path stays whole).
QString repositoryOf(const QString &reference)
{
    if (reference.startsWith(u'/'))
        return reference;
    if (const qsizetype at = reference.indexOf(u'@'); at >= 0)
        return reference.left(at);
    const qsizetype colon = reference.lastIndexOf(u':');
    return colon > reference.lastIndexOf(u'/') ? reference.left(colon) : reference;
}

} // namespace

LocalServer::LocalServer(Runtime::FunctionInvoker *pool, QObject *parent)
    : LocalServer(QList<Runtime::FunctionInvoker *>{pool}, parent)
{
}

LocalServer::LocalServer(const QList<Runtime::FunctionInvoker *> &functions, QObject *parent)
    : QTcpServer(parent), m_functions(functions)
{
    Q_ASSERT(!functions.isEmpty());
    for (Runtime::FunctionInvoker *f : functions) {
        m_names.append({f->config().serviceName, f->config().name});
        ManagedFunction managed{&f->config(), {}, {}, {}};
        if (const auto &image = f->image(); image) {
            const QString digest = image->info.manifestDigest.toString();
            managed.checksum = codeChecksum(digest.toUtf8()); // X-Fc-Code-Checksum
            managed.image = imageName(*image);
            managed.resolvedImage = repositoryOf(managed.image) + u'@' + digest;
            if (managed.image.isEmpty())
                managed.image = managed.resolvedImage = digest;
        }
        m_managed.append(managed);
    }
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
