#include "Sandbox.h"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QSocketNotifier>

#include "BindMounts.h"
#include "Cgroup.h"
#include "IdmappedBind.h"
#include "InstanceRegistry.h"
#include "MemoryPoller.h"
#include "MountPlan.h"
#include "Network.h"
#include "OutputSplitter.h"
#include "ProcFs.h"
#include "SandboxChild.h"
#include "SandboxLog.h"
#include "Seccomp.h"

namespace Fcemu::Sandbox {

Q_LOGGING_CATEGORY(lcSandbox, "fcemu.sandbox", QtInfoMsg)

using namespace Detail;

namespace {

// The poller must see peaks between samples itself; with a cgroup the kernel keeps the peak and
// enforces the limit, and the samples only feed the live figure and notice an OOM kill.
constexpr auto kSamplePeriod = std::chrono::milliseconds(10);
constexpr auto kCgroupSamplePeriod = std::chrono::milliseconds(50);
constexpr auto kCoalescePeriod = std::chrono::milliseconds(1);
constexpr int kStartTimeoutMs = 30000;
constexpr int kPipeBytes = 1 << 20;
// How long the outbound network's helper may take to come up (it takes 5-20 ms).
constexpr int kNetworkTimeoutMs = 5000;
// P_PIDFD (Linux 5.4): linux/wait.h clashes with glibc's idtype_t, so spell it out.
constexpr idtype_t kPidfdIdType = idtype_t(3);

QString errnoName(int err)
{
    const char *name = strerrorname_np(err);
    return name != nullptr ? QString::fromLatin1(name) : QString::number(err);
}

// "what: No such file or directory (ENOENT)"
QString describeErrno(const QString &what, int err)
{
    return what + u": "_qs + errnoText(err) + u" ("_qs + errnoName(err) + u")"_qs;
}

// glibc 2.36's <sys/pidfd.h> lacks extern "C"; the system call is all we need.
int signalPidfd(int pidfd, int sig, siginfo_t *, unsigned)
{
    return int(syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

// Once per process and reason: every instance of a pool would say the same.
void warnNetworkOnce(const QString &reason)
{
    static std::mutex mutex;
    static QStringList said;
    std::lock_guard lock(mutex);
    if (said.contains(reason))
        return;
    said.append(reason);
    qCWarning(lcSandbox).noquote() << reason;
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

int readSysctl(const char *path)
{
    QFile file(QString::fromLatin1(path));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    bool ok = false;
    const int value = file.readAll().trimmed().toInt(&ok);
    return ok ? value : -1;
}

constexpr int kNamespaces =
    CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC;
constexpr size_t kChildStackBytes = 256 * 1024;

// posix_spawn's way: the child shares our memory on a stack of its own, we are suspended until
// it execs or exits (CLONE_VFORK), and every signal is blocked meanwhile so none of our handlers
// runs on its stack. Returns the PID, or -1 with errno.
long cloneSharingMemory(int flags, int (*fn)(void *), void *arg, int *pidfd)
{
    void *stack = mmap(nullptr, kChildStackBytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        return -1;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    const int pid =
        clone(fn, static_cast<char *>(stack) + kChildStackBytes,
              flags | CLONE_VM | CLONE_VFORK | (pidfd != nullptr ? CLONE_PIDFD : 0) | SIGCHLD, arg,
              pidfd);
    const int err = errno;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    munmap(stack, kChildStackBytes);
    errno = err;
    return pid;
}

// Run as root, the sandbox never maps host uid 0: the function's ids 0..65535 are a subordinate
// range of root's (/etc/subuid, /etc/subgid), or 100000..165535 when none is listed, so its root
// owns nothing on the host. An unprivileged process can only map its own id, so fcemu does it
// from outside: the set-up child asks over a socket, a short-lived thread here writes its
// uid_map and gid_map and hands back the rootfs as an idmapped mount (host uid 0 shown as the
// function's root), because the child's ids can neither reach root's cache nor own its files.
struct MapperReply
{
    int32_t err = 0;
    char what[120] = {};
};

// Serves one request from the set-up child on `fd` (SO_PASSCRED: the kernel names its PID).
void serveIdMapRequest(int fd, const QByteArray &rootfs)
{
    MapperReply reply;
    auto fail = [&reply](const char *what) {
        reply.err = errno;
        qstrncpy(reply.what, what, sizeof reply.what);
    };
    char byte = 0;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (recvmsg(fd, &msg, 0) <= 0)
        return; // the child died before asking
    const cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    ucred cred{};
    if (cmsg == nullptr || cmsg->cmsg_type != SCM_CREDENTIALS)
        return;
    memcpy(&cred, CMSG_DATA(cmsg), sizeof cred);
    const QByteArray proc = "/proc/" + QByteArray::number(cred.pid);
    const IdRange uids = subordinateRange("/etc/subuid");
    const IdRange gids = subordinateRange("/etc/subgid");
    const QByteArray uidMap =
        "0 " + QByteArray::number(uids.base) + ' ' + QByteArray::number(uids.count) + '\n';
    const QByteArray gidMap =
        "0 " + QByteArray::number(gids.base) + ' ' + QByteArray::number(gids.count) + '\n';
    auto writeMap = [&proc](const char *name, const QByteArray &map) {
        UniqueFd f(open(QByteArray(proc + name).constData(), O_WRONLY | O_CLOEXEC));
        return f && write(f.get(), map.constData(), size_t(map.size())) == map.size();
    };
    UniqueFd tree;
    if (!writeMap("/uid_map", uidMap)) {
        fail("write uid_map (subordinate range)");
    } else if (!writeMap("/gid_map", gidMap)) {
        fail("write gid_map (subordinate range)");
    } else {
        UniqueFd userns(open(QByteArray(proc + "/ns/user").constData(), O_RDONLY | O_CLOEXEC));
        tree.reset(int(syscall(SYS_open_tree, AT_FDCWD, rootfs.constData(),
                               OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE)));
        mount_attr attr{};
        attr.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        attr.userns_fd = uint64_t(userns.get());
        if (!userns) {
            fail("open the sandbox's user namespace");
        } else if (!tree) {
            fail("open_tree the rootfs");
        } else if (syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
                           sizeof attr) != 0) {
            fail("idmap the rootfs (mount_setattr)");
            tree.reset();
        }
    }
    iovec out{&reply, sizeof reply};
    msghdr answer{};
    answer.msg_iov = &out;
    answer.msg_iovlen = 1;
    alignas(cmsghdr) char rights[CMSG_SPACE(sizeof(int))] = {};
    if (tree) {
        answer.msg_control = rights;
        answer.msg_controllen = sizeof rights;
        cmsghdr *c = CMSG_FIRSTHDR(&answer);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        const int treeFd = tree.get();
        memcpy(CMSG_DATA(c), &treeFd, sizeof treeFd);
    }
    (void)sendmsg(fd, &answer, MSG_NOSIGNAL);
}

// fcemu-init: $FCEMU_INIT, next to the executable, ../libexec/fcemu/, the build tree (tests
// and benchmarks run from there), then the install path.
QString findInit()
{
    static const QString found = [] {
        QStringList candidates;
        if (const QString env = qEnvironmentVariable("FCEMU_INIT"); !env.isEmpty())
            candidates << env;
        if (QCoreApplication::instance() != nullptr) {
            const QString dir = QCoreApplication::applicationDirPath();
            candidates << dir + u"/fcemu-init"_qs << dir + u"/../libexec/fcemu/fcemu-init"_qs;
        }
        // The build tree's before the install path: a build must not run an older installed
        // init (an installed fcemu finds its own beside it, above).
        candidates << QStringLiteral(FCEMU_INIT_BUILD_PATH)
                   << QStringLiteral(FCEMU_INIT_INSTALL_PATH);
        for (const QString &path : std::as_const(candidates)) {
            const QFileInfo info(path);
            if (info.isFile() && info.isExecutable())
                return info.absoluteFilePath();
        }
        return QString();
    }();
    return found;
}

} // namespace

QString userNamespaceAdvice(int errnum)
{
    QString culprit;
    if (readSysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
        culprit = u"kernel.apparmor_restrict_unprivileged_userns is 1: run 'sudo sysctl -w "
                  u"kernel.apparmor_restrict_unprivileged_userns=0' (or install an AppArmor "
                  u"profile with 'userns,' for fcemu)"_qs;
    else if (readSysctl("/proc/sys/kernel/unprivileged_userns_clone") == 0)
        culprit = u"kernel.unprivileged_userns_clone is 0: run 'sudo sysctl -w "
                  u"kernel.unprivileged_userns_clone=1'"_qs;
    else if (readSysctl("/proc/sys/user/max_user_namespaces") == 0)
        culprit = u"user.max_user_namespaces is 0: run 'sudo sysctl -w "
                  u"user.max_user_namespaces=15000'"_qs;
    else
        culprit = u"check kernel.apparmor_restrict_unprivileged_userns (must be 0), "
                  u"kernel.unprivileged_userns_clone (must be 1) and user.max_user_namespaces "
                  u"(must be > 0), or the seccomp profile of the container fcemu runs in"_qs;
    return u"the sandbox cannot start: this system does not allow unprivileged user namespaces ("_qs +
           errnoText(errnum) + u"); "_qs + culprit;
}

Status checkUserNamespaces()
{
    static const Status result = []() -> Status {
        const QByteArray uidMap = "0 " + QByteArray::number(getuid()) + " 1\n";
        const QByteArray gidMap = "0 " + QByteArray::number(getgid()) + " 1\n";
        ProbeMaps args{uidMap.constData(), gidMap.constData()};
        const long pid =
            cloneSharingMemory(CLONE_NEWUSER | CLONE_NEWNS, probeUserNamespace, &args, nullptr);
        if (pid < 0)
            return fail(ErrorKind::Platform, userNamespaceAdvice(errno));
        int status = 0;
        while (waitpid(pid_t(pid), &status, 0) < 0 && errno == EINTR) {
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            return {};
        const int err = WIFEXITED(status) ? WEXITSTATUS(status) : EPERM;
        return fail(ErrorKind::Platform, userNamespaceAdvice(err));
    }();
    return result;
}

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

Instance::Instance(SandboxSpec spec, QObject *parent)
    : QObject(parent), d(std::make_unique<InstancePrivate>(this, std::move(spec)))
{
}

Instance::~Instance()
{
    if (d->pidfd && !d->initReaped) {
        signalPidfd(d->pidfd.get(), SIGKILL, nullptr, 0);
        d->reapInit(true);
    }
    d->network.reset();
    d->stopWatcher();
    d->finishCgroup();
    retireInstance(std::exchange(d->recordFile, {}), d->record);
}

Status Instance::start()
{
    d->startErrno = 0;
    return d->start();
}

Status InstancePrivate::start()
{
    if (pidfd)
        return fail(ErrorKind::Usage, u"a sandbox instance can only be started once"_qs);
    if (!QDir::isAbsolutePath(spec.rootfs) || !QFileInfo(spec.rootfs).isDir())
        return fail(ErrorKind::Usage,
                    u"sandbox rootfs is not an absolute directory: "_qs + spec.rootfs);
    if (spec.argv.isEmpty() || spec.argv.first().isEmpty())
        return fail(ErrorKind::Usage, u"sandbox: no command to run"_qs);
    if (!spec.instanceAddress.isEmpty() &&
        inet_pton(AF_INET, spec.instanceAddress.toLatin1().constData(), &address) != 1)
        return fail(ErrorKind::Usage,
                    u"sandbox: instance address is not IPv4: "_qs + spec.instanceAddress);

    if (spec.outboundNetwork) {
        const NetworkAvailability &available = networkAvailability();
        if (available.helper == NetworkHelper::None) {
            warnNetworkOnce(available.reason);
            networkState = available.reason;
            spec.outboundNetwork = false; // /etc/hosts and resolv.conf as without network
        }
    }
    const bool holdCommand = spec.outboundNetwork && spec.networkBeforeCommand;

    // Everything the child will touch, prepared now (it may not allocate after clone).
    MountPlan plan = buildMountPlan(spec);
    // Run as root, NAS folders are attached as idmapped copies (IdmappedBind.h).
    std::vector<UniqueFd> bindTrees;
    std::vector<int> bindTreeFds;
    if (geteuid() == 0) {
        auto trees = idmappedBindTrees(spec);
        if (!trees)
            return std::unexpected(trees.error());
        bindTrees = std::move(*trees);
        for (const UniqueFd &tree : bindTrees) {
            if (tree)
                bindTreeFds.push_back(tree.get());
        }
    }
    if (auto binds = bindMountOps(spec, bindTrees); binds)
        insertBeforeDetach(plan, std::move(*binds));
    else
        return std::unexpected(binds.error());
    std::vector<QByteArray> argvStore, envStore, candidateStore;
    for (const QString &arg : std::as_const(spec.argv))
        argvStore.push_back(arg.toUtf8());
    QByteArray pathVar = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const QString &kv : std::as_const(spec.env)) {
        envStore.push_back(kv.toUtf8());
        if (kv.startsWith(u"PATH="_qs))
            pathVar = kv.mid(5).toUtf8();
    }
    const QByteArray program = argvStore.front();
    if (program.contains('/')) {
        candidateStore.push_back(program);
    } else {
        for (const QByteArray &dir : pathVar.split(':'))
            candidateStore.push_back((dir.isEmpty() ? QByteArray(".") : dir) + '/' + program);
    }
    auto pointers = [](std::vector<QByteArray> &store) {
        std::vector<char *> ptrs;
        for (QByteArray &s : store)
            ptrs.push_back(s.data());
        ptrs.push_back(nullptr);
        return ptrs;
    };
    // fcemu-init N CANDIDATES... -- ARGV... (InitProtocol.h)
    std::vector<QByteArray> initArgvStore = {"fcemu-init"};
    if (holdCommand)
        initArgvStore.push_back("-w"); // wait for Go: the network is up
    initArgvStore.push_back(QByteArray::number(qsizetype(candidateStore.size())));
    initArgvStore.insert(initArgvStore.end(), candidateStore.begin(), candidateStore.end());
    initArgvStore.push_back("--");
    initArgvStore.insert(initArgvStore.end(), argvStore.begin(), argvStore.end());
    std::vector<char *> initArgvPtrs = pointers(initArgvStore);
    std::vector<char *> envPtrs = pointers(envStore);
    const QString initPath = findInit();
    if (initPath.isEmpty())
        return fail(ErrorKind::Platform,
                    u"sandbox: fcemu-init not found (next to the executable, in "
                    u"../libexec/fcemu/, or in $FCEMU_INIT); reinstall fcemu"_qs);
    UniqueFd initExe(open(QFile::encodeName(initPath).constData(), O_PATH | O_CLOEXEC));
    if (!initExe)
        return fail(ErrorKind::Platform, describeErrno(u"sandbox: open "_qs + initPath, errno));
    const bool asRoot = geteuid() == 0;
    if (asRoot && (spec.uid >= 65536 || spec.gid >= 65536))
        return fail(ErrorKind::FunctionFailed,
                    u"sandbox: the image's user %1:%2 is outside the ids 0-65535 that fcemu maps "
                    u"when run as root"_qs.arg(spec.uid)
                        .arg(spec.gid));
    const QByteArray uidMap =
        QByteArray::number(spec.uid) + ' ' + QByteArray::number(getuid()) + " 1\n";
    const QByteArray gidMap =
        QByteArray::number(spec.gid) + ' ' + QByteArray::number(getgid()) + " 1\n";
    const QByteArray hostname =
        spec.hostname.isEmpty() ? QByteArray("fcemu-instance") : spec.hostname.toUtf8();
    const QByteArray workingDir =
        spec.workingDir.isEmpty() ? QByteArray("/") : spec.workingDir.toUtf8();

    int statusPair[2], requestPair[2], outPipe[2], errPipe[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, statusPair) != 0)
        return fail(ErrorKind::Platform, describeErrno(u"sandbox: socketpair"_qs, errno));
    UniqueFd statusChild(statusPair[1]);
    statusFd.reset(statusPair[0]);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, requestPair) != 0)
        return fail(ErrorKind::Platform, describeErrno(u"sandbox: socketpair"_qs, errno));
    UniqueFd requestChild(requestPair[1]);
    requestFd.reset(requestPair[0]);
    if (pipe2(outPipe, O_CLOEXEC) != 0)
        return fail(ErrorKind::Platform, describeErrno(u"sandbox: pipe"_qs, errno));
    stdoutRead.reset(outPipe[0]);
    UniqueFd stdoutChild(outPipe[1]);
    if (pipe2(errPipe, O_CLOEXEC) != 0)
        return fail(ErrorKind::Platform, describeErrno(u"sandbox: pipe"_qs, errno));
    stderrRead.reset(errPipe[0]);
    UniqueFd stderrChild(errPipe[1]);
    // Big pipes so a burst of output never waits for the reader thread to be scheduled.
    fcntl(stdoutRead.get(), F_SETPIPE_SZ, kPipeBytes);
    fcntl(stderrRead.get(), F_SETPIPE_SZ, kPipeBytes);
    wakeFd.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    fenceFd.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));

    ChildContext context;
    context.plan = &plan;
    context.statusFd = statusChild.get();
    context.requestFd = requestChild.get();
    context.stdoutFd = stdoutChild.get();
    context.stderrFd = stderrChild.get();
    context.uidMap = uidMap.constData();
    context.gidMap = gidMap.constData();
    context.hostname = hostname.constData();
    context.instanceAddress = address;
    context.workingDir = workingDir.constData();
    context.initExeFd = initExe.get();
    context.allowOverlay = qEnvironmentVariable("FCEMU_SANDBOX_OVERLAY") != u"0"_qs;
    context.initArgv = initArgvPtrs.data();
    context.envp = envPtrs.data();
    context.bindTreeFds = bindTreeFds.data();
    context.bindTreeCount = int(bindTreeFds.size());

    std::vector<int> cgroupProcs;
    cpu_set_t affinity;
    setUpResources(plan, context, cgroupProcs, affinity);

    // As root: the id maps are written by a thread of ours while the child waits (see above).
    UniqueFd mapperEnd, mapperChild;
    std::thread mapper;
    if (asRoot) {
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
            return fail(ErrorKind::Platform, describeErrno(u"sandbox: socketpair"_qs, errno));
        mapperEnd.reset(pair[0]);
        mapperChild.reset(pair[1]);
        const int on = 1;
        setsockopt(mapperEnd.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
        context.mapperFd = mapperChild.get();
        context.functionUid = spec.uid;
        context.functionGid = spec.gid;
        mapper = std::thread(serveIdMapRequest, mapperEnd.get(), QFile::encodeName(spec.rootfs));
    }

    if (spec.seccomp) {
        const auto filter = defaultSeccompFilter();
        if (!filter)
            return fail(filter.error().kind, filter.error().message);
        context.seccomp = *filter;
    }

    int rawPidfd = -1;
    // Returns once the child has exec'd fcemu-init or has failed (CLONE_VFORK).
    const long pid = cloneSharingMemory(kNamespaces, childSetup, &context, &rawPidfd);
    if (mapper.joinable()) {
        const int err = errno;
        mapperChild.reset(); // the child has exec'd or died: a mapper still waiting sees EOF
        shutdown(mapperEnd.get(), SHUT_RDWR);
        mapper.join();
        errno = err;
    }
    if (pid < 0) {
        const int err = errno;
        startErrno = err;
        finishCgroup();
        if (err == EPERM || err == ENOSPC || err == EUSERS || err == EINVAL)
            return fail(ErrorKind::Platform, userNamespaceAdvice(err));
        return fail(ErrorKind::Platform, describeErrno(u"sandbox: clone3"_qs, err));
    }
    initPid = pid_t(pid);
    pidfd.reset(rawPidfd);
    statusChild.reset();
    requestChild.reset();
    stdoutChild.reset();
    stderrChild.reset();

    if (spec.outboundNetwork) {
        // Started now, in parallel with the command's own start (a web server's boot), unless
        // the command must wait for it (holdCommand).
        QString error;
        QElapsedTimer spawnTimer;
        spawnTimer.start();
        network = UserNetwork::start(initPid, &error);
        networkSpawnMs = double(spawnTimer.nsecsElapsed()) / 1e6;
        networkState = network ? networkHelperName(networkAvailability().helper) : error;
        if (!network)
            warnNetworkOnce(error);
        if (holdCommand) {
            if (network && !network->waitReady(kNetworkTimeoutMs, &error)) {
                warnNetworkOnce(error);
                networkState = error;
            }
            ControlRequest go;
            memset(&go, 0, sizeof go);
            go.type = RequestType::Go;
            (void)send(requestFd.get(), &go, sizeof go, MSG_NOSIGNAL);
        }
    }

    // Wait for Started, or the child's error (crun's expect_success_from_sync_socket).
    for (;;) {
        pollfd p{statusFd.get(), POLLIN, 0};
        const int ready = poll(&p, 1, kStartTimeoutMs);
        if (ready < 0 && errno == EINTR)
            continue;
        ChildMessage msg;
        const ssize_t n = ready > 0 ? recv(statusFd.get(), &msg, sizeof msg, 0) : -1;
        if (n != ssize_t(sizeof msg)) {
            const bool timedOut = ready == 0;
            signalPidfd(pidfd.get(), SIGKILL, nullptr, 0);
            reapInit(true);
            if (timedOut)
                return fail(ErrorKind::Platform, u"sandbox: set-up did not finish within 30 s"_qs);
            const int st = initWaitStatus;
            return fail(ErrorKind::Platform,
                        u"sandbox: the init process ended during set-up ("_qs +
                            (WIFSIGNALED(st) ? u"signal "_qs + QString::number(WTERMSIG(st))
                                             : u"status "_qs + QString::number(WEXITSTATUS(st))) +
                            u")"_qs);
        }
        msg.text[sizeof msg.text - 1] = '\0';
        const QString text = QString::fromUtf8(msg.text);
        switch (msg.type) {
        case MessageType::Warning:
            if (msg.value == 1)
                fallback = true;
            qCWarning(lcSandbox).noquote() << (msg.err != 0 ? describeErrno(text, msg.err) : text);
            continue;
        case MessageType::Error:
        case MessageType::ExecError: {
            startErrno = msg.err;
            reapInit(true);
            if (msg.type == MessageType::ExecError)
                return fail(ErrorKind::FunctionFailed,
                            describeErrno(u"sandbox: cannot "_qs + text, msg.err));
            if (text.contains(u"_map"_qs) || text.contains(u"setgroups"_qs))
                return fail(ErrorKind::Platform,
                            userNamespaceAdvice(msg.err) + u" ["_qs + text + u"]"_qs);
            return fail(ErrorKind::Platform,
                        describeErrno(u"sandbox set-up failed: "_qs + text, msg.err));
        }
        case MessageType::Started:
            break;
        default:
            continue;
        }
        break;
    }

    const QByteArray procBase = "/proc/" + QByteArray::number(initPid);
    struct stat st;
    if (stat(QByteArray(procBase + "/ns/pid").constData(), &st) == 0) {
        pidNsDev = st.st_dev;
        pidNsIno = st.st_ino;
    }
    // The sandbox's /dev/shm: RAM the processes' RSS does not show (the function cannot mount
    // over it: no CAP_SYS_ADMIN, and the filter refuses mount).
    shmDir.reset(
        open(QByteArray(procBase + "/root/dev/shm").constData(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    // Its /tmp: with overlayfs, the whole writable layer's tmpfs (statfs reports the upper).
    tmpDir.reset(
        open(QByteArray(procBase + "/root/tmp").constData(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    fcntl(stdoutRead.get(), F_SETFL, O_NONBLOCK);
    fcntl(stderrRead.get(), F_SETFL, O_NONBLOCK);
    running = true;
    record.id = spec.hostname.isEmpty() ? u"sandbox-"_qs + QString::number(initPid) : spec.hostname;
    record.initPid = initPid;
    record.pidNsInode = pidNsIno;
    record.ownerPid = getpid();
    record.uid = spec.uid;
    record.gid = spec.gid;
    record.env = spec.env;
    record.workingDir = spec.workingDir;
    record.argv = spec.argv;
    record.cgroupPaths = cgroupDirs;
    record.seccomp = spec.seccomp;
    record.startedMs = nowMs();
    recordFile = publishInstance(record);
    exitNotifier = new QSocketNotifier(pidfd.get(), QSocketNotifier::Read, q);
    QObject::connect(exitNotifier, &QSocketNotifier::activated, q, [this] { onInitExited(); });
    watcher = std::thread([this] { watch(); });
    qCDebug(lcSandbox) << "instance started, init pid" << initPid << "rootfs" << spec.rootfs;
    return {};
}

// The instance's cgroup, limits and CPUs (Cgroup.h), and the generated /proc/meminfo.
void InstancePrivate::setUpResources(MountPlan &plan, ChildContext &context,
                                     std::vector<int> &procsFds, cpu_set_t &affinity)
{
    static std::atomic<quint64> instanceNumber{0};
    const quint64 number = instanceNumber++;
    if (spec.memoryLimitBytes != 0)
        insertBeforeDetach(plan, meminfoMounts(spec.memoryLimitBytes));
    const QList<int> cpus = chooseCpus(spec.vcpu, availableCpus(), number);
    if (spec.vcpu > 0 && !cpus.isEmpty()) {
        CPU_ZERO(&affinity);
        for (const int cpu : cpus)
            CPU_SET(cpu, &affinity);
        context.affinity = &affinity;
    }
    const CgroupHost &host = cgroupHost();
    if (host.mode == Accounting::Polling)
        return;
    CgroupLimits limits;
    limits.memoryBytes = spec.memoryLimitBytes;
    limits.pids = kTaskLimit;
    limits.cpus = spec.vcpu;
    if (spec.vcpu > 0)
        limits.cpuList = cpus;
    const QString name = u"i-"_qs + QString::number(getpid()) + u'-' + QString::number(number);
    auto made = Cgroup::create(host, name, limits);
    if (!made) {
        static std::once_flag warned;
        std::call_once(warned, [&made] {
            qCWarning(lcSandbox).noquote()
                << made.error().message + u"; memory is polled instead"_qs;
        });
        return;
    }
    cgroup = std::move(*made);
    accounting = cgroup->mode();
    cgroupDirs = cgroup->paths();
    procsFds = cgroup->procsFds();
    context.cgroupProcsFds = procsFds.data();
    context.cgroupProcsCount = int(procsFds.size());
    insertBeforeDetach(plan, cgroup->insideMounts(host));
}

// Once the instance is over: the kernel's last word on OOM kills and the peak, then no cgroup
// is left behind.
void InstancePrivate::finishCgroup()
{
    if (!cgroup)
        return;
    if (cgroup->oomKills() > 0)
        memoryExceeded = true;
    const quint64 last = cgroup->peakBytes();
    quint64 old = peak;
    while (last > old && !peak.compare_exchange_weak(old, last)) {
    }
    cgroup->remove();
    cgroup.reset();
}

void InstancePrivate::reapInit(bool block)
{
    if (initReaped || !pidfd)
        return;
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int rc;
    do {
        rc = waitid(kPidfdIdType, id_t(pidfd.get()), &info, WEXITED | (block ? 0 : WNOHANG));
    } while (rc < 0 && errno == EINTR);
    if (rc != 0 || info.si_pid == 0)
        return;
    initReaped = true;
    running = false;
    initWaitStatus = info.si_code == CLD_EXITED ? (info.si_status & 0xff) << 8 : info.si_status;
}

void InstancePrivate::drainStatus()
{
    ChildMessage msg;
    while (recv(statusFd.get(), &msg, sizeof msg, MSG_DONTWAIT) == ssize_t(sizeof msg)) {
        if (msg.type == MessageType::Exited) {
            haveExitedMessage = true;
            commandStatus = int(msg.value);
            const quint64 maxRss = quint64(std::max(msg.err, 0)) * 1024;
            quint64 old = peak;
            while (maxRss > old && !peak.compare_exchange_weak(old, maxRss)) {
            }
        }
    }
}

void InstancePrivate::onInitExited()
{
    exitNotifier->setEnabled(false);
    if (network)
        network->stop(); // the namespace is gone with init: nothing left for it to serve
    drainStatus();
    reapInit(true);
    maybeFinish();
}

void InstancePrivate::maybeFinish()
{
    if (!initReaped || !outputDone || exitedEmitted)
        return;
    exitedEmitted = true;
    finishCgroup();
    retireInstance(std::exchange(recordFile, {}), record);
    ExitStatus status;
    status.memoryLimitExceeded = memoryExceeded;
    const int st = haveExitedMessage ? commandStatus : initWaitStatus;
    if (WIFSIGNALED(st)) {
        status.signal = WTERMSIG(st);
    } else if (WIFEXITED(st)) {
        status.exitCode = WEXITSTATUS(st);
    }
    if (!haveExitedMessage && status.signal == 0) {
        // init ended on its own without a report (it cannot, short of a bug): say so.
        status.signal = SIGKILL;
        status.exitCode = -1;
    }
    qCDebug(lcSandbox) << "instance exited: code" << status.exitCode << "signal" << status.signal
                       << "oom" << status.memoryLimitExceeded;
    emit q->exited(status);
}

// The per-instance thread: reads stdout/stderr as fast as they come (the function never waits
// on a full pipe for long), splits lines, and polls memory every 10 ms (50 ms
// with a cgroup).
void InstancePrivate::watch()
{
    OutputSplitter splitters[2] = {OutputSplitter(OutputLine::Stdout),
                                   OutputSplitter(OutputLine::Stderr)};
    const int pipes[2] = {stdoutRead.get(), stderrRead.get()};
    bool open[2] = {true, true};
    bool alive = true;
    // Without a cgroup: polled from the host's /proc (MemoryPoller.h).
    std::unique_ptr<MemoryPoller> poller;
    if (!cgroup)
        poller =
            std::make_unique<MemoryPoller>(initPid, pidNsDev, pidNsIno, tmpDir.get(), shmDir.get());
    const std::chrono::steady_clock::duration period = cgroup ? kCgroupSamplePeriod : kSamplePeriod;
    std::vector<char> buffer(256 * 1024);
    auto nextSample = std::chrono::steady_clock::now();

    // After a short read the pipes rest for kCoalescePeriod (a fence still drains them at once):
    // a server logging a line per request under load then costs one wake-up and one hand-off
    // per period, not one per line.
    bool resting = false;
    while (open[0] || open[1] || alive) {
        pollfd fds[5] = {{open[0] && !resting ? pipes[0] : -1, POLLIN, 0},
                         {open[1] && !resting ? pipes[1] : -1, POLLIN, 0},
                         {alive ? pidfd.get() : -1, POLLIN, 0},
                         {wakeFd.get(), POLLIN, 0},
                         {fenceFd.get(), POLLIN, 0}};
        int timeout = -1;
        if (alive) {
            // Rounded up: a sub-millisecond remainder would poll with 0 ms, spinning.
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(
                nextSample - std::chrono::steady_clock::now());
            timeout = int(std::max<qint64>(0, left.count()));
        }
        if (resting)
            timeout = timeout < 0 ? int(kCoalescePeriod.count())
                                  : std::min(timeout, int(kCoalescePeriod.count()));
        if (poll(fds, 5, timeout) < 0 && errno != EINTR)
            break;
        if (fds[3].revents & POLLIN)
            break; // the Instance is being destroyed
        QList<OutputLine> lines;
        // A fence: everything in the pipes now is read and posted before the fence passes.
        quint64 fence = 0;
        if (fds[4].revents & POLLIN) {
            uint64_t count = 0;
            [[maybe_unused]] const ssize_t got = read(fenceFd.get(), &count, sizeof count);
            fence = fencesAsked;
        }
        // Between read() and the queued delivery the bytes are neither in the pipe nor
        // counted as undelivered: say so, for hasPendingOutput().
        reading = true;
        const bool wasResting = std::exchange(resting, false);
        bool shortRead = false;
        for (int i = 0; i < 2; ++i) {
            if (!open[i] ||
                (!fence && !wasResting && !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))))
                continue;
            for (;;) {
                const ssize_t n = read(pipes[i], buffer.data(), buffer.size());
                if (n > 0) {
                    splitters[i].feed(buffer.data(), n, nowMs(), lines);
                    if (fence && size_t(n) == buffer.size())
                        continue; // drain the pipe for the fence
                    shortRead = shortRead || size_t(n) < buffer.size();
                } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                    splitters[i].finish(nowMs(), lines);
                    open[i] = false;
                }
                break;
            }
        }
        const bool gotLines = !lines.isEmpty(); // lines is moved from below
        if (gotLines) {
            ++handOffs;
            ++undelivered;
            QMetaObject::invokeMethod(
                q,
                [this, lines = std::move(lines)] {
                    --undelivered;
                    for (const OutputLine &line : lines)
                        emit q->outputLine(line);
                },
                Qt::QueuedConnection);
        }
        if (fence)
            QMetaObject::invokeMethod(
                q, [this, fence] { passFences(fence); }, Qt::QueuedConnection);
        reading = false;
        resting = shortRead && gotLines;
        if (fds[2].revents & POLLIN)
            alive = false;
        if (alive && std::chrono::steady_clock::now() >= nextSample) {
            const auto began = std::chrono::steady_clock::now();
            quint64 now = 0;
            bool exceeded = false;
            if (cgroup) {
                // The kernel enforces the limit; an OOM kill anywhere ends the whole instance,
                // reported as the poller's would be.
                now = cgroup->currentBytes();
                exceeded = cgroup->oomKills() > 0;
            } else {
                now = poller->sample();
                exceeded = spec.memoryLimitBytes != 0 && now > spec.memoryLimitBytes;
            }
            memory = now;
            quint64 old = peak;
            while (now > old && !peak.compare_exchange_weak(old, now)) {
            }
            if (exceeded && !memoryExceeded) {
                memoryExceeded = true;
                qCDebug(lcSandbox) << "memory limit exceeded:" << now << "of"
                                   << spec.memoryLimitBytes << accountingName(accounting);
                signalPidfd(pidfd.get(), SIGKILL, nullptr, 0);
            }
            // A slow sample (thousands of processes to read) spaces the next ones out, so the
            // poller stays under about a fifth of a core.
            const auto end = std::chrono::steady_clock::now();
            const std::chrono::steady_clock::duration spacing =
                std::max<std::chrono::steady_clock::duration>(period / 2, 4 * (end - began));
            nextSample = std::max(nextSample + period, end + spacing);
        }
    }
    QMetaObject::invokeMethod(
        q,
        [this] {
            outputDone = true;
            passFences(fencesAsked);
            maybeFinish();
        },
        Qt::QueuedConnection);
}

void InstancePrivate::passFences(quint64 upTo)
{
    while (!fences.isEmpty() && fences.first().number <= upTo) {
        const Fence fence = fences.takeFirst();
        if (fence.context)
            fence.done();
    }
}

void Instance::afterPendingOutput(QObject *context, std::function<void()> done)
{
    if (!hasPendingOutput() || d->outputDone || !d->watcher.joinable()) {
        done();
        return;
    }
    const quint64 number = ++d->fencesAsked;
    d->fences.append({number, context, std::move(done)});
    const uint64_t one = 1;
    // An eventfd write fails only when the counter would overflow: it is then awake anyway.
    [[maybe_unused]] const ssize_t put = write(d->fenceFd.get(), &one, sizeof one);
}

void InstancePrivate::stopWatcher()
{
    if (!watcher.joinable())
        return;
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t put = write(wakeFd.get(), &one, sizeof one); // as above
    watcher.join();
}

void Instance::terminate()
{
    if (d->pidfd && !d->initReaped)
        signalPidfd(d->pidfd.get(), SIGTERM, nullptr, 0);
}

void Instance::kill()
{
    if (d->pidfd && !d->initReaped) {
        signalPidfd(d->pidfd.get(), SIGKILL, nullptr, 0);
    }
}

bool Instance::isRunning() const
{
    return d->running;
}

int Instance::startErrno() const
{
    return d->startErrno;
}

QString Instance::outboundNetworkState() const
{
    return d->networkState;
}

bool Instance::waitForNetwork(int timeoutMs)
{
    std::lock_guard lock(d->requestMutex);
    if (!d->network)
        return false;
    QString error;
    if (d->network->waitReady(timeoutMs, &error))
        return true;
    warnNetworkOnce(error);
    d->networkState = error;
    return false;
}

double Instance::networkSpawnMs() const
{
    return d->networkSpawnMs;
}

qint64 Instance::networkHelperPid() const
{
    return d->network ? d->network->pid() : -1;
}

bool Instance::usedOverlayFallback() const
{
    return d->fallback;
}

qint64 Instance::initPid() const
{
    return d->initPid;
}

quint64 Instance::memoryBytes() const
{
    // With a cgroup the kernel's figure is one pread away: read now, not at the last sample.
    if (d->cgroup && isRunning())
        return d->cgroup->currentBytes();
    return d->memory;
}

bool Instance::hasPendingOutput() const
{
    // The pipes first, then the reader's flags: bytes the reader takes after the pipes were
    // looked at are then still seen, as `reading` or as undelivered (the reader sets `reading`
    // before it reads and counts the batch before it clears `reading`). The other order missed
    // lines taken between the two looks.
    for (const UniqueFd *fd : {&d->stdoutRead, &d->stderrRead}) {
        int bytes = 0;
        if (fd->valid() && ioctl(fd->get(), FIONREAD, &bytes) == 0 && bytes > 0)
            return true;
    }
    return d->undelivered > 0 || d->reading;
}

quint64 Instance::outputHandOffs() const
{
    return d->handOffs;
}

quint64 Instance::peakMemoryBytes() const
{
    // The kernel's peak while the cgroup lives (it sees between the samples); the samples' after.
    // Reading it costs the kernel several microseconds (cgroup v1 flushes its statistics), and
    // under load every request ends with this call: a read less than a millisecond old is
    // reused (the peak only grows between resets, so it may miss at most that millisecond).
    if (d->cgroup) {
        const qint64 now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
        if (d->kernelPeakReadNs == 0 || now - d->kernelPeakReadNs > 1'000'000) {
            d->kernelPeak = d->cgroup->peakBytes();
            d->kernelPeakReadNs = now;
        }
    }
    return std::max<quint64>(d->peak, d->kernelPeak);
}

void Instance::resetPeakMemory()
{
    d->peak = d->memory.load();
    d->kernelPeak = 0;
    d->kernelPeakReadNs = 0;
    if (d->cgroup)
        d->cgroup->resetPeak();
}

QString Instance::memoryAccounting() const
{
    return accountingName(d->accounting);
}

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
    iovec iov{&reply, sizeof reply};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (recvmsg(d->requestFd.get(), &msg, MSG_CMSG_CLOEXEC) != ssize_t(sizeof reply))
        return fail(ErrorKind::Platform,
                    u"connect "_qs + target + u": the instance has stopped"_qs);
    UniqueFd fd;
    for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int received = -1;
            memcpy(&received, CMSG_DATA(c), sizeof received);
            fd.reset(received);
        }
    }
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
