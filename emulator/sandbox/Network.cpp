#include "Network.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include <QFile>
#include <QStandardPaths>

extern char **environ;

namespace Fcemu::Sandbox {

namespace {

QString describe(const QString &what, int err)
{
    return what + u": "_qs + QString::fromLocal8Bit(strerror(err));
}

NetworkAvailability detect()
{
    NetworkAvailability result;
    const QByteArray forced = qgetenv("FCEMU_NETWORK_HELPER");
    if (forced == "none") {
        result.reason = u"outbound network is off (FCEMU_NETWORK_HELPER=none)"_qs;
        return result;
    }
    const QString slirp = forced.isEmpty() || forced == "slirp4netns"
                              ? QStandardPaths::findExecutable(u"slirp4netns"_qs)
                              : QString();
    const QString pasta = forced.isEmpty() || forced == "pasta"
                              ? QStandardPaths::findExecutable(u"pasta"_qs)
                              : QString();
    if (!slirp.isEmpty()) {
        result.helper = NetworkHelper::Slirp4netns;
        result.path = slirp;
    } else if (!pasta.isEmpty()) {
        result.helper = NetworkHelper::Pasta;
        result.path = pasta;
    } else {
        result.reason = u"outbound network is off: neither slirp4netns nor pasta is installed "
                        u"(sudo apt-get install slirp4netns)"_qs;
        return result;
    }
    // Both helpers create a tap device: the caller must be able to open /dev/net/tun (Debian
    // makes it 0666; some containers leave it 0600).
    if (access("/dev/net/tun", R_OK | W_OK) != 0) {
        const int err = errno;
        result.helper = NetworkHelper::None;
        result.reason = u"outbound network is off: "_qs +
                        describe(u"/dev/net/tun cannot be opened"_qs, err) +
                        (err == EACCES ? u" (it should be mode 0666, as Debian's udev makes it)"_qs
                                       : QString());
    }
    return result;
}

int pidfdOpen(pid_t pid)
{
    return int(syscall(SYS_pidfd_open, pid, 0));
}

} // namespace

const NetworkAvailability &networkAvailability()
{
    static const NetworkAvailability availability = detect();
    return availability;
}

QString networkHelperName(NetworkHelper helper)
{
    switch (helper) {
    case NetworkHelper::Slirp4netns:
        return u"slirp4netns"_qs;
    case NetworkHelper::Pasta:
        return u"pasta"_qs;
    case NetworkHelper::None:
        break;
    }
    return u"none"_qs;
}

std::unique_ptr<UserNetwork> UserNetwork::start(pid_t initPid, QString *error)
{
    const NetworkAvailability &available = networkAvailability();
    if (available.helper == NetworkHelper::None) {
        *error = available.reason;
        return nullptr;
    }
    std::unique_ptr<UserNetwork> net(new UserNetwork);
    net->m_helper = available.helper;
    net->m_initPid = initPid;
    const bool root = geteuid() == 0;
    const QByteArray proc = "/proc/" + QByteArray::number(initPid);

    int ready[2] = {-1, -1}, exitPipe[2] = {-1, -1};
    if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(exitPipe, O_CLOEXEC) != 0) {
        *error = describe(u"outbound network: pipe"_qs, errno);
        for (int fd : {ready[0], ready[1], exitPipe[0], exitPipe[1]})
            if (fd >= 0)
                close(fd);
        return nullptr;
    }
    net->m_readyRead.reset(ready[0]);
    UniqueFd readyWrite(ready[1]);
    UniqueFd exitRead(exitPipe[0]);
    net->m_exitWrite.reset(exitPipe[1]);
    // The helper's own words, for the message when it fails (a memfd: writing never blocks it).
    net->m_log.reset(memfd_create("fcemu-network-helper", MFD_CLOEXEC));

    std::vector<QByteArray> args;
    if (available.helper == NetworkHelper::Slirp4netns) {
        args = {"slirp4netns",  "--configure", "--mtu=65520",
                "--ready-fd=3", "--exit-fd=4", "--enable-seccomp"};
        // Its own sandbox (mount namespace, capabilities dropped) needs root: rootless, it
        // runs as the user with no capability at all in the host's namespaces anyway.
        if (root)
            args.push_back("--enable-sandbox");
        else
            args.push_back("--userns-path=" + proc + "/ns/user");
        args.insert(args.end(), {"--netns-type=path", proc + "/ns/net", "tap0"});
    } else {
        // pasta (passt 2023-03): the gateway address is mapped to the host's loopback by
        // default; --dns-forward answers DNS at 10.0.2.3 from the host's resolver.
        args = {"pasta",
                "--foreground",
                "--quiet",
                "--config-net",
                "--ipv4-only",
                "--ns-ifname",
                "tap0",
                "--address",
                kUserNetGuestAddress,
                "--netmask",
                "24",
                "--gateway",
                kUserNetHostAddress,
                "--dns-forward",
                kUserNetDnsAddress,
                "--mtu",
                "65520",
                "-t",
                "none",
                "-u",
                "none",
                "-T",
                "none",
                "-U",
                "none"};
        if (root) // it would switch to nobody, who cannot open the namespaces
            args.insert(args.end(), {"--runas", "0"});
        args.insert(args.end(), {"--userns", proc + "/ns/user", "--netns", proc + "/ns/net"});
    }
    std::vector<char *> argv;
    for (QByteArray &a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const QByteArray path = QFile::encodeName(available.path);

    // Spawned by hand rather than with posix_spawn: the child asks for SIGKILL when the thread
    // that starts instances ends (fcemu dies, or that thread does), which pasta needs (it does
    // not leave when the namespace it serves is gone). posix_spawn's recipe otherwise: every
    // signal blocked around vfork, handlers reset in the child, only async-signal-safe calls.
    // Sources above the targets 0-4, so no dup2 below overwrites another's source.
    UniqueFd logHigh(net->m_log ? fcntl(net->m_log.get(), F_DUPFD_CLOEXEC, 5) : -1);
    UniqueFd readyHigh(fcntl(readyWrite.get(), F_DUPFD_CLOEXEC, 5));
    UniqueFd exitHigh(fcntl(exitRead.get(), F_DUPFD_CLOEXEC, 5));
    if (!readyHigh || !exitHigh) {
        *error = describe(u"outbound network: fcntl"_qs, errno);
        return nullptr;
    }
    const int logFd = logHigh.get(), readyFd = readyHigh.get(), exitFd = exitHigh.get();
    const pid_t parent = getpid();
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    const pid_t pid = vfork();
    if (pid == 0) {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        for (int sig = 1; sig < NSIG; ++sig)
            sigaction(sig, &dfl, nullptr);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        const int devNull = open("/dev/null", O_RDWR | O_CLOEXEC);
        dup2(devNull, 0);
        dup2(logFd >= 0 ? logFd : devNull, 1);
        dup2(logFd >= 0 ? logFd : devNull, 2);
        // dup2 clears close-on-exec on the copies: only 0-4 reach the helper.
        dup2(readyFd, 3);
        dup2(exitFd, 4);
        setpgid(0, 0); // its own process group: a terminal's Ctrl-C reaches fcemu, which ends it
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execve(path.constData(), argv.data(), environ);
        _exit(127);
    }
    const int spawnErr = errno;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (pid < 0) {
        *error = describe(u"outbound network: cannot start "_qs + available.path, spawnErr);
        return nullptr;
    }
    net->m_pid = pid;
    net->m_pidfd.reset(pidfdOpen(pid));
    return net;
}

UserNetwork::~UserNetwork()
{
    stop();
}

void UserNetwork::stop()
{
    if (m_pid <= 0)
        return;
    m_exitWrite.reset(); // slirp4netns's --exit-fd: it leaves on EOF
    // Nothing to flush: kill at once rather than wait for it to notice.
    if (m_pidfd)
        syscall(SYS_pidfd_send_signal, m_pidfd.get(), SIGKILL, nullptr, 0);
    else
        ::kill(m_pid, SIGKILL);
    while (waitpid(m_pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    m_pid = -1;
    m_pidfd.reset();
}

bool UserNetwork::pollPastaRoute() const
{
    // pasta has no readiness descriptor: it is ready when the default route it adds is there.
    QFile route(QStringLiteral("/proc/%1/net/route").arg(m_initPid));
    if (!route.open(QIODevice::ReadOnly))
        return false;
    const QList<QByteArray> lines = route.readAll().split('\n');
    for (const QByteArray &line : lines) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() > 2 && fields[0] == "tap0" && fields[1] == "00000000")
            return true;
    }
    return false;
}

QString UserNetwork::helperOutput() const
{
    if (!m_log)
        return {};
    char buffer[2048];
    const ssize_t n = pread(m_log.get(), buffer, sizeof buffer, 0);
    if (n <= 0)
        return {};
    // The last line that is not its usual chatter says what went wrong.
    const QList<QByteArray> lines = QByteArray(buffer, n).trimmed().split('\n');
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        const QByteArray line = it->trimmed();
        if (!line.isEmpty() && !line.startsWith("WARNING: Support for seccomp") &&
            !line.startsWith("sent tapfd") && !line.startsWith("received tapfd"))
            return QString::fromLocal8Bit(line);
    }
    return {};
}

bool UserNetwork::waitReady(int timeoutMs, QString *error)
{
    if (m_ready)
        return true;
    const QString name = networkHelperName(m_helper);
    if (m_failed || m_pid <= 0) {
        *error = u"outbound network: "_qs + name + u" is not running"_qs;
        return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (m_helper == NetworkHelper::Slirp4netns) {
            pollfd p[2] = {{m_readyRead.get(), POLLIN, 0}, {m_pidfd.get(), POLLIN, 0}};
            const int n = poll(p, m_pidfd ? 2 : 1, int(std::max<long long>(left, 0)));
            if (n < 0 && errno == EINTR)
                continue;
            if (n > 0 && (p[0].revents & POLLIN)) {
                char c = 0;
                if (read(m_readyRead.get(), &c, 1) == 1) {
                    m_ready = true;
                    m_readyRead.reset();
                    return true;
                }
            }
            if (n > 0) { // EOF on the ready pipe, or the helper ended
                m_failed = true;
                const QString said = helperOutput();
                *error = u"outbound network is off: "_qs + name + u" failed"_qs +
                         (said.isEmpty() ? QString() : u": "_qs + said);
                return false;
            }
        } else {
            if (pollPastaRoute()) {
                m_ready = true;
                return true;
            }
            siginfo_t info;
            memset(&info, 0, sizeof info);
            if (waitid(P_PID, id_t(m_pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                info.si_pid != 0) {
                m_failed = true;
                const QString said = helperOutput();
                *error = u"outbound network is off: "_qs + name + u" failed"_qs +
                         (said.isEmpty() ? QString() : u": "_qs + said);
                return false;
            }
            if (left > 0)
                std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
        if (left <= 0) {
            *error = u"outbound network is off: "_qs + name + u" was not ready within "_qs +
                     QString::number(timeoutMs) + u" ms"_qs;
            return false;
        }
    }
}

} // namespace Fcemu::Sandbox
