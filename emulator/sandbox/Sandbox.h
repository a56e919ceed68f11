#pragma once

// The rootless sandbox of CONTRACT §3: one Instance is one running container (user, mount, PID,
// network, UTS and IPC namespaces, PID 1 = our own init). The runtime drives it; nothing here
// knows about requests, billing or FC's wording.

#include <cstdint>
#include <functional>
#include <memory>

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>

#include "common/Error.h"
#include "common/UniqueFd.h"

namespace Fcemu::Sandbox {

// A host folder bound into the sandbox (BindMounts.h).
struct BindSpec
{
    QString source;        // absolute, canonical host folder
    QString target;        // absolute, clean path inside
    bool readOnly = false; // always nosuid, nodev
    // NAS's userId/groupId: the folder's owner on the host is shown as these ids inside. Run
    // as root an idmapped mount does it (IdmappedBind.h); rootless the single-id map already
    // shows the invoking user's files as the function's own user. -1: as mapped.
    qint64 ownerUid = -1, ownerGid = -1;
};

struct SandboxSpec
{
    QString rootfs;   // absolute path of an unpacked image tree (the read-only lower layer)
    QStringList argv; // argv[0]: absolute, or looked up in PATH from env, inside the rootfs
    QStringList env;  // "K=V" entries, passed exactly
    QString workingDir = QStringLiteral("/");
    uint32_t uid = 0, gid = 0; // identity inside (image USER; 0 by default)
    bool seccomp = true; // the default seccomp filter (Seccomp.h); false: --seccomp unconfined
    uint64_t diskSizeBytes = 512ull << 20; // writable layer size (512 MB default, 10 GB option)
    uint64_t memoryLimitBytes = 0;         // 0 = no limit
    double vcpu = 0;         // FC's vCPUs: CPU quota and affinity (nproc inside); 0 = not limited
    QString hostname;        // e.g. "c-6603951e-15f440b6"
    QString instanceAddress; // e.g. "21.0.0.2": put on the sandbox's loopback
    // Outbound network through a user-mode stack (Network.h: slirp4netns or pasta), with the
    // host as host.fcemu.internal and DNS through the host's resolver. Off: loopback only.
    bool outboundNetwork = false;
    // When the stack must be up: before the command is exec'd (true: a job, whose command is
    // the request), or before connectTcp() first hands out a connection (false: a web server,
    // which starts in parallel with the stack).
    bool networkBeforeCommand = false;
    QList<BindSpec> binds; // host folders bound inside, in order
};

struct OutputLine
{
    qint64 timestampMs = 0; // ms since the epoch, taken when the bytes were read
    enum Stream { Stdout, Stderr } stream = Stdout;
    QByteArray text; // without the newline; at most kMaxLineBytes
};

struct ExitStatus
{
    int exitCode = -1; // -1 when killed by a signal
    int signal = 0;
    bool memoryLimitExceeded = false;
};

struct ListeningSocket
{
    QString address; // "0.0.0.0", "127.0.0.1", "::", ...
    quint16 port = 0;
    friend bool operator==(const ListeningSocket &, const ListeningSocket &) = default;
};

// FC cuts log lines at 32 KB; we split at the same place.
inline constexpr qsizetype kMaxLineBytes = 32 * 1024;

class InstancePrivate;

// One running sandbox. Lives on the thread that created it; outputLine and exited are emitted on
// that thread. The thread that calls start() must outlive the instance: the kernel's
// PR_SET_PDEATHSIG fires when the *thread* that cloned the init exits (a long-lived thread such
// as the main thread or the runtime's own worker is right; a QThreadPool thread is not).
class Instance final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Instance)

public:
    explicit Instance(SandboxSpec spec, QObject *parent = nullptr);
    ~Instance() override; // kills everything

    // Returns once the command has been exec'd inside, or with the child's error: ErrorKind::
    // Platform for the sandbox itself (namespaces, mounts), ErrorKind::FunctionFailed when the
    // image's command cannot be executed (missing, not executable, wrong format). The message
    // carries strerror's text and the errno name, e.g. "...: No such file or directory (ENOENT)".
    Fcemu::Status start();
    void terminate(); // SIGTERM to the command (forwarded by init)
    void kill();      // SIGKILL to init: the kernel then kills every process of the PID namespace
    bool isRunning() const;

    // errno of the last start() failure (0 when it succeeded or failed without one).
    int startErrno() const;

    // A TCP socket connected inside the sandbox's network namespace to instanceAddress:port
    // (connected by init, passed back with SCM_RIGHTS): no copy loop.
    Fcemu::Result<Fcemu::UniqueFd> connectTcp(quint16 port, int timeoutMs);
    QList<ListeningSocket> listeningSockets() const;

    // True while output the function wrote is still in the pipes or not yet emitted: the
    // runtime waits for it so that a request's log lines stay with that request.
    bool hasPendingOutput() const;
    // Calls done once every line the function wrote before this call has been emitted as
    // outputLine (at once, from here, when nothing is pending): the reader thread drains the
    // pipes and posts done after those lines. Costs nothing while there is no output. done
    // does not run if context is destroyed first.
    void afterPendingOutput(QObject *context, std::function<void()> done);
    // How many batches of lines the reader thread has handed over so far. A function that logs
    // steadily costs about one hand-off per millisecond, however many lines it writes.
    quint64 outputHandOffs() const;

    // Resident memory of the instance's processes (init excluded: it is fcemu's own overhead).
    quint64 memoryBytes() const;
    quint64 peakMemoryBytes() const;
    void resetPeakMemory();

    // How memory is accounted and limited: "cgroup-v2", "cgroup-v1" or "polling" (Cgroup.h).
    QString memoryAccounting() const;
    // The instance's cgroup folders while it runs (empty when polling).
    QStringList cgroupPaths() const;

    // Host PIDs: init, and every process of the instance (init first).
    qint64 initPid() const;
    QList<qint64> processIds() const;

    // The user-mode network helper's state: "off" (not asked), "slirp4netns"/"pasta" (asked and
    // started), or the one-line reason it is off although asked.
    QString outboundNetworkState() const;
    // Blocks until the outbound network is up (true), or it failed (false; it is then off and
    // outboundNetworkState() says why). True at once when it is up; false when none was asked.
    bool waitForNetwork(int timeoutMs);
    // What starting the helper (its posix_spawn) took inside start(), in ms; 0 without one.
    double networkSpawnMs() const;
    // Host PID of the network helper, -1 when there is none (tests: it must end with us).
    qint64 networkHelperPid() const;

    // True when the kernel refused overlayfs and the read-only bind + tmpfs fallback was used.
    bool usedOverlayFallback() const;

signals:
    void outputLine(const Fcemu::Sandbox::OutputLine &line);
    void exited(const Fcemu::Sandbox::ExitStatus &status);

private:
    std::unique_ptr<InstancePrivate> d;
};

// Platform error naming the sysctl to change when user namespaces are not allowed. The probe
// (a short-lived child in a new user namespace that mounts a tmpfs) runs once per process.
Fcemu::Status checkUserNamespaces();

// The advice text used by checkUserNamespaces() and start(), for a given errno.
QString userNamespaceAdvice(int errnum);

} // namespace Fcemu::Sandbox

// For queued connections across threads (the runtime may live on another thread).
Q_DECLARE_METATYPE(Fcemu::Sandbox::OutputLine)
Q_DECLARE_METATYPE(Fcemu::Sandbox::ExitStatus)
