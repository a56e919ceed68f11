#pragma once

// Reading the sandbox from outside through /proc: what listens in its network namespace.

#include <QByteArray>
#include <QList>

#include "Sandbox.h"

namespace Fcemu::Sandbox {

// Parses /proc/<pid>/net/tcp or tcp6 and returns the sockets in LISTEN state.
QList<ListeningSocket> parseProcNetTcp(const QByteArray &content, bool ipv6);

} // namespace Fcemu::Sandbox
