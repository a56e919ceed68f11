// A sandboxed instance: starting it (namespaces, mounts, the network) and its life until
// fcemu-init exits. The rest of the instance is in the files InstancePrivate.h lists.

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSocketNotifier>

#include "BindMounts.h"
#include "ChildUtil.h"
#include "IdmappedBind.h"
#include "InstancePrivate.h"
#include "SandboxLog.h"
#include "Seccomp.h"
#include "SysCalls.h"

namespace Fcemu::Sandbox {

Q_LOGGING_CATEGORY(lcSandbox, "fcemu.sandbox", QtInfoMsg)

using namespace Detail;

namespace {

constexpr int kStartTimeoutMs = 30000;
constexpr int kPipeBytes = 1 << 20;
constexpr int kNamespaces =
    CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC;

} // namespace

namespace Detail {

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

} // namespace Detail

Instance::Instance(SandboxSpec spec, QObject *parent)
    : QObject(parent), d(std::make_unique<InstancePrivate>(this, std::move(spec)))
{
}

Instance::~Instance()
{
    if (d->pidfd && !d->initReaped) {
        signalPidfd(d->pidfd.get(), SIGKILL);
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
            signalPidfd(pidfd.get(), SIGKILL);
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

void Instance::terminate()
{
    if (d->pidfd && !d->initReaped)
        signalPidfd(d->pidfd.get(), SIGTERM);
}

void Instance::kill()
{
    if (d->pidfd && !d->initReaped) {
        signalPidfd(d->pidfd.get(), SIGKILL);
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

} // namespace Fcemu::Sandbox
