#pragma once

// FC's wording for the failures of web-server mode (CONTRACT §4, fc-semantics §4), used by the
// InstancePool and kept apart from it so that the wording can be read (and tested) in one place.

#include <QList>
#include <QString>

#include "sandbox/Sandbox.h"

namespace Fcemu::Runtime {

// "12.34MB"
QString megabytes(double value);

// FunctionNotStarted: the server never answered the ping within the startup limit.
QString notStartedMessage(qint64 startNs, const QString &address, quint16 port,
                          const QString &logs);
// CAExited: the process exited before its server answered.
QString caExitedMessage(qint64 startNs, int exitCode, const QString &logs);
// "Function timed out after N seconds (maxMemoryUsage: XMB)"
QString timedOutMessage(int timeoutS, double maxUsedMB);
// "Process exited unexpectedly before completing request (duration: Xms, maxMemoryUsage: YMB)"
QString exitedMidRequestMessage(double durationMs, double maxUsedMB);

// A diagnosis FC never gives: the server listens where FC cannot reach it (127.0.0.1, or
// another port). Empty when nothing is wrong (yet).
QString listenAdvice(const QList<Sandbox::ListeningSocket> &sockets, const QString &address,
                     quint16 port);

} // namespace Fcemu::Runtime
