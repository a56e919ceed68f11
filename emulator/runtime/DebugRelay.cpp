#include "DebugRelay.h"

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include <QHostAddress>
#include <QTcpServer>

namespace Fcemu::Runtime {

namespace {

// A QTcpServer that hands over the accepted descriptor itself (no QTcpSocket).
class RawServer final : public QTcpServer
{
public:
    RawServer(std::function<void(qintptr)> onAccept, QObject *parent)
        : QTcpServer(parent), m_onAccept(std::move(onAccept))
    {
    }

protected:
    void incomingConnection(qintptr handle) override { m_onAccept(handle); }

private:
    std::function<void(qintptr)> m_onAccept;
};

bool writeAll(int fd, const char *data, size_t size, int stopFd)
{
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            size -= size_t(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            pollfd p[2] = {{fd, POLLOUT, 0}, {stopFd, POLLIN, 0}};
            if (::poll(p, 2, -1) < 0 && errno != EINTR)
                return false;
            if (p[1].revents & POLLIN)
                return false;
            continue;
        }
        return false;
    }
    return true;
}

// Copies both ways until either side closes (its half-close passed on) and both are done, or
// the relay stops.
void copyBothWays(UniqueFd a, UniqueFd b, int stopFd)
{
    ::fcntl(a.get(), F_SETFL, ::fcntl(a.get(), F_GETFL) | O_NONBLOCK);
    ::fcntl(b.get(), F_SETFL, ::fcntl(b.get(), F_GETFL) | O_NONBLOCK);
    bool open[2] = {true, true}; // reading from a, from b
    std::vector<char> buffer(64 * 1024);
    while (open[0] || open[1]) {
        pollfd p[3] = {{open[0] ? a.get() : -1, POLLIN, 0},
                       {open[1] ? b.get() : -1, POLLIN, 0},
                       {stopFd, POLLIN, 0}};
        if (::poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (p[2].revents & POLLIN)
            return;
        for (int i = 0; i < 2; ++i) {
            if (!open[i] || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            const int from = i == 0 ? a.get() : b.get();
            const int to = i == 0 ? b.get() : a.get();
            const ssize_t n = ::read(from, buffer.data(), buffer.size());
            if (n > 0) {
                if (!writeAll(to, buffer.data(), size_t(n), stopFd))
                    return;
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                open[i] = false;
                if (n < 0)
                    return; // a reset: end both directions
                ::shutdown(to, SHUT_WR);
            }
        }
    }
}

} // namespace

DebugRelay::DebugRelay(Connector connector, QObject *parent)
    : QObject(parent), m_connector(std::move(connector)),
      m_stop(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
}

Result<std::unique_ptr<DebugRelay>> DebugRelay::listen(const QList<int> &ports, Connector connector,
                                                       QObject *parent)
{
    std::unique_ptr<DebugRelay> relay(new DebugRelay(std::move(connector), parent));
    for (const int port : ports) {
        auto *server = new RawServer(
            [raw = relay.get(), port](qintptr socket) { raw->accepted(quint16(port), socket); },
            relay.get());
        if (!server->listen(QHostAddress::LocalHost, quint16(port)))
            return fail(ErrorKind::Usage,
                        u"--debug-port %1: cannot listen on 127.0.0.1:%1 (%2); pick a free "
                        u"port"_qs.arg(port)
                            .arg(server->serverError() == QAbstractSocket::AddressInUseError
                                     ? u"already in use"_qs
                                     : server->errorString()));
        relay->m_servers.append(server);
    }
    return relay;
}

DebugRelay::~DebugRelay()
{
    for (QTcpServer *server : std::as_const(m_servers))
        server->close();
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t put = ::write(m_stop.get(), &one, sizeof one);
    for (std::thread &t : m_threads)
        t.join();
}

void DebugRelay::accepted(quint16 port, qintptr socket)
{
    UniqueFd client{int(socket)};
    auto inside = m_connector(port);
    if (!inside)
        return; // the debugger sees the connection closed; it retries (VS Code does)
    ++m_connections;
    m_threads.emplace_back(copyBothWays, std::move(client), std::move(*inside), m_stop.get());
}

} // namespace Fcemu::Runtime
