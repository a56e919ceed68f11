#pragma once

// The private side of Sandbox::Instance, shared by its files: Instance.cpp (start and life),
// InstanceResources.cpp (cgroup, CPUs, meminfo), InstanceWatch.cpp (the output reader and
// memory), InstanceAccess.cpp (the ways in: processes, sockets, a connection to a port inside),
// HostChecks.cpp (what the host allows, finding fcemu-init) and IdMapping.cpp (root's
// subordinate ids).

#include <sched.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <QDateTime>
#include <QList>
#include <QPointer>
#include <QSocketNotifier>
#include <QStringList>

#include "Cgroup.h"
#include "InstanceRegistry.h"
#include "MountPlan.h"
#include "Network.h"
#include "Sandbox.h"
#include "SandboxChild.h"

namespace Fcemu::Sandbox {

namespace Detail {

// clone(2) of a child that shares our memory until it execs or exits (HostChecks.cpp).
long cloneSharingMemory(int flags, int (*fn)(void *), void *arg, int *pidfd);

// The fcemu-init executable to run as the sandbox's PID 1, or empty (HostChecks.cpp).
QString findInit();

// Run as root: maps the set-up child asking on `fd` to root's subordinate ids and hands back
// the rootfs as an idmapped mount (IdMapping.cpp).
void serveIdMapRequest(int fd, const QByteArray &rootfs);

// How long the outbound network's helper may take to come up (it takes 5-20 ms).
constexpr int kNetworkTimeoutMs = 5000;

// Logs that the outbound network is missing, once per process and reason (Instance.cpp).
void warnNetworkOnce(const QString &reason);

inline qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace Detail

using Detail::ChildContext;

class InstancePrivate final
{
public:
    explicit InstancePrivate(Instance *owner, SandboxSpec s) : q(owner), spec(std::move(s)) {}

    Instance *const q;
    SandboxSpec spec;

    UniqueFd pidfd, statusFd, requestFd, stdoutRead, stderrRead, wakeFd, fenceFd, shmDir, tmpDir;
    std::unique_ptr<Cgroup> cgroup; // null: memory is polled (MemoryPoller)
    Accounting accounting = Accounting::Polling;
    QStringList cgroupDirs;
    pid_t initPid = -1;
    uint32_t address = 0;
    dev_t pidNsDev = 0;
    ino_t pidNsIno = 0;
    std::thread watcher;
    std::atomic<quint64> memory{0}, peak{0};
    // The kernel's peak as last read, and when (the GUI thread's, in peakMemoryBytes()).
    quint64 kernelPeak = 0;
    qint64 kernelPeakReadNs = 0;
    std::atomic<int> undelivered{0};  // batches of lines read but not yet emitted
    std::atomic<quint64> handOffs{0}; // batches of lines posted, ever
    std::atomic<bool> reading{false}; // the reader thread holds bytes it has not posted yet
    // afterPendingOutput(): fence n is asked by writing fenceFd; the reader passes every fence
    // asked before it drained the pipes, after posting the lines it read.
    std::atomic<quint64> fencesAsked{0};
    struct Fence
    {
        quint64 number;
        QPointer<QObject> context;
        std::function<void()> done;
    };
    QList<Fence> fences; // owner's thread only
    std::atomic<bool> memoryExceeded{false}, running{false};
    std::mutex requestMutex;
    std::unique_ptr<UserNetwork> network; // the outbound network's helper (Network.h)
    QString networkState = u"off"_qs;
    double networkSpawnMs = 0;
    QSocketNotifier *exitNotifier = nullptr;
    InstanceRecord record; // what `fcemu exec` finds while it runs (InstanceRegistry.h)
    QString recordFile;
    bool outputDone = false, initReaped = false, exitedEmitted = false;
    bool fallback = false;
    bool haveExitedMessage = false;
    int commandStatus = 0;
    int startErrno = 0;
    int initWaitStatus = 0;

    Status start();
    void watch();
    void onInitExited();
    void reapInit(bool block);
    void drainStatus();
    void maybeFinish();
    void stopWatcher();
    void passFences(quint64 upTo);
    void setUpResources(MountPlan &plan, ChildContext &context, std::vector<int> &procsFds,
                        cpu_set_t &affinity);
    void finishCgroup();
};

} // namespace Fcemu::Sandbox
