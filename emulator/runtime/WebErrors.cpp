#include "WebErrors.h"

namespace Fcemu::Runtime {

QString megabytes(double value)
{
    return QString::number(value, 'f', 2) + u"MB"_qs;
}

QString notStartedMessage(qint64 startNs, const QString &address, quint16 port, const QString &logs)
{
    return u"The CA's http server cannot be started:ContainerStartDuration:"_qs +
           QString::number(startNs) + u". Ping CA failed due to: dial tcp " + address + u':' +
           QString::number(port) + u": getsockopt: connection refused Logs : " + logs;
}

QString caExitedMessage(qint64 startNs, int exitCode, const QString &logs)
{
    return u"The CA process either cannot be started or exited:ContainerStartDuration:"_qs +
           QString::number(startNs) +
           u". CA process cannot be started or exited already: exit status " +
           QString::number(exitCode) + u" Logs : " + logs;
}

QString timedOutMessage(int timeoutS, double maxUsedMB)
{
    return u"Function timed out after "_qs + QString::number(timeoutS) +
           u" seconds (maxMemoryUsage: " + megabytes(maxUsedMB) + u')';
}

QString exitedMidRequestMessage(double durationMs, double maxUsedMB)
{
    return u"Process exited unexpectedly before completing request (duration: "_qs +
           QString::number(qint64(durationMs)) + u"ms, maxMemoryUsage: " + megabytes(maxUsedMB) +
           u')';
}

QString listenAdvice(const QList<Sandbox::ListeningSocket> &sockets, const QString &address,
                     quint16 port)
{
    for (const Sandbox::ListeningSocket &s : sockets) {
        if (s.port == port && (s.address == u"127.0.0.1"_qs || s.address == u"::1"_qs))
            return u"fcemu: the server listens on "_qs + s.address + u':' +
                   QString::number(s.port) + u", which FC cannot reach: FC connects to " + address +
                   u':' + QString::number(port) + u". Listen on 0.0.0.0:" + QString::number(port) +
                   u" instead.";
        if (s.port != port && (s.address == u"0.0.0.0"_qs || s.address == u"::"_qs))
            return u"fcemu: the server listens on port "_qs + QString::number(s.port) +
                   u", but CAPort is " + QString::number(port) + u": listen on " +
                   QString::number(port) + u" or set --port " + QString::number(s.port) + u'.';
    }
    return {};
}

} // namespace Fcemu::Runtime
