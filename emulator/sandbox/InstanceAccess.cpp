// The ways into a running instance: its processes, its listening sockets, and a TCP connection
// to a port inside (made by fcemu-init and passed back, so no copy loop).

#include <arpa/inet.h>
#include <dirent.h>
#include <poll.h>
#include <sys/stat.h>

#include <QFile>

#include "ChildUtil.h"
#include "InstancePrivate.h"
#include "ProcFs.h"
#include "SysCalls.h"

namespace Fcemu::Sandbox {

using namespace Detail;

QStringList Instance::cgroupPaths() const
{
    return d->cgroupDirs;
}

QList<qint64> Instance::processIds() const
{
    QList<qint64> pids;
    if (d->initPid <= 0 || !d->running)
        return pids;
    pids << d->initPid;
    // Every host process whose PID namespace is the instance's (descendants of init all are).
    DIR *dir = opendir("/proc");
    if (dir == nullptr)
        return pids;
    while (dirent *entry = readdir(dir)) {
        char *end = nullptr;
        const long pid = strtol(entry->d_name, &end, 10);
        if (pid <= 0 || *end != '\0' || pid == d->initPid)
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/ns/pid", pid);
        struct stat st;
        if (stat(path, &st) == 0 && st.st_dev == d->pidNsDev && st.st_ino == d->pidNsIno)
            pids << pid;
    }
    closedir(dir);
    return pids;
}

QList<ListeningSocket> Instance::listeningSockets() const
{
    QList<ListeningSocket> sockets;
    if (!d->running)
        return sockets;
    const QString base = u"/proc/"_qs + QString::number(d->initPid) + u"/net/"_qs;
    for (const bool v6 : {false, true}) {
        QFile file(base + (v6 ? u"tcp6"_qs : u"tcp"_qs));
        if (file.open(QIODevice::ReadOnly))
            sockets += parseProcNetTcp(file.readAll(), v6);
    }
    return sockets;
}

Result<UniqueFd> Instance::connectTcp(quint16 port, int timeoutMs)
{
    const QString target =
        (d->spec.instanceAddress.isEmpty() ? u"127.0.0.1"_qs : d->spec.instanceAddress) + u":"_qs +
        QString::number(port);
    if (!d->running)
        return fail(ErrorKind::Platform,
                    u"connect "_qs + target + u": the instance is not running"_qs);
    std::lock_guard lock(d->requestMutex);
    ControlRequest req;
    memset(&req, 0, sizeof req);
    req.type = RequestType::Connect;
    req.address = d->address != 0 ? d->address : htonl(INADDR_LOOPBACK);
    req.port = port;
    req.timeoutMs = timeoutMs;
    if (send(d->requestFd.get(), &req, sizeof req, MSG_NOSIGNAL) != ssize_t(sizeof req))
        return fail(ErrorKind::Platform, describeErrno(u"connect "_qs + target, errno));
    pollfd p{d->requestFd.get(), POLLIN, 0};
    int ready;
    do {
        ready = poll(&p, 1, timeoutMs + 5000);
    } while (ready < 0 && errno == EINTR);
    if (ready <= 0)
        return fail(ErrorKind::Platform,
                    u"connect "_qs + target + u": the sandbox init did not answer"_qs);
    ChildMessage reply;
    int received = -1;
    const ssize_t n = receiveWithFd(d->requestFd.get(), &reply, sizeof reply, &received);
    UniqueFd fd(received);
    if (n != ssize_t(sizeof reply))
        return fail(ErrorKind::Platform,
                    u"connect "_qs + target + u": the instance has stopped"_qs);
    if (reply.err != 0)
        return fail(ErrorKind::FunctionFailed,
                    describeErrno(u"connect "_qs + target + u" inside the sandbox"_qs, reply.err));
    if (!fd)
        return fail(ErrorKind::Platform, u"connect "_qs + target + u": no socket came back"_qs);
    // The server answers: before fcemu sends it anything, its outbound network must be up (it
    // came up in parallel with the server's start; usually it already is).
    if (d->network && !d->network->isReady()) {
        QString error;
        if (!d->network->waitReady(kNetworkTimeoutMs, &error)) {
            warnNetworkOnce(error);
            d->networkState = error;
            d->network->stop();
        }
    }
    return fd;
}

} // namespace Fcemu::Sandbox
