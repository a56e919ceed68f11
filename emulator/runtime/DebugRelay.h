#pragma once

// --debug-port (docs/exec-and-debug.md): 127.0.0.1:PORT on the host reaches PORT inside the
// instance, for a debugger (node --inspect, debugpy, gdbserver). Each connection a debugger
// makes is joined to a socket connected inside the instance's network namespace the way FC's
// requests reach CAPort (Sandbox::Instance::connectTcp: fcemu-init connects and passes the
// socket back), never through the user-mode network stack; a thread per connection copies
// the bytes both ways.

#include <functional>
#include <list>
#include <memory>
#include <thread>

#include <QList>
#include <QObject>

#include "common/Error.h"
#include "common/UniqueFd.h"

class QTcpServer;

namespace Fcemu::Runtime {

class DebugRelay final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DebugRelay)

public:
    // Called on the relay's thread for each debugger connection: a socket connected to port
    // inside the instance, or the reason there is none (no instance running yet).
    using Connector = std::function<Result<UniqueFd>(quint16 port)>;

    // Listens on 127.0.0.1 at every port. Error (Usage): a port already in use, named.
    static Result<std::unique_ptr<DebugRelay>> listen(const QList<int> &ports, Connector connector,
                                                      QObject *parent = nullptr);
    ~DebugRelay() override; // closes the ports and every relayed connection

    // Relayed connections so far (tests).
    int connectionCount() const { return m_connections; }

private:
    DebugRelay(Connector connector, QObject *parent);
    void accepted(quint16 port, qintptr socket);

    Connector m_connector;
    QList<QTcpServer *> m_servers;
    UniqueFd m_stop; // an eventfd: the copying threads end when it is written
    std::list<std::thread> m_threads;
    int m_connections = 0;
};

} // namespace Fcemu::Runtime
