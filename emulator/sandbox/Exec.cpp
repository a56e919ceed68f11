// `fcemu exec` (#12): entering a live instance. Over 500 lines on purpose: the forked child
// (async-signal-safe, prepared before the fork in ChildPlan) and the parent that relays the
// terminal speak one message protocol (ExecMessage), which reads best in one file.

#include "Exec.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <optional>
#include <vector>

#include <QFile>

#include "ChildUtil.h"
#include "common/UniqueFd.h"
#include "SandboxChild.h"
#include "Seccomp.h"
#include "SysCalls.h"

namespace Fcemu::Sandbox {

using namespace Detail;

namespace {

enum class ExecMessageType : int32_t {
    Error = 1,     // entering failed: err + what
    ExecError = 2, // the command could not be executed: err + argv[0]
    Started = 3,   // value = the command's host PID
    Master = 4,    // the pty master comes with SCM_RIGHTS
    Warning = 5,   // went on without something: err + what
};

struct ExecMessage
{
    ExecMessageType type;
    int32_t err;
    int64_t value;
    char text[240];
};

void sendExecMessage(int fd, ExecMessageType type, int err, int64_t value, const char *what,
                     int passFd = -1)
{
    ExecMessage msg;
    memset(&msg, 0, sizeof msg);
    msg.type = type;
    msg.err = err;
    msg.value = value;
    if (what != nullptr)
        append(msg.text, sizeof msg.text, what);
    (void)sendWithFd(fd, &msg, sizeof msg, passFd);
}

// The namespaces, in the order nsenter enters them: the user namespace first gives the
// capabilities the others need (they are all owned by it).
struct Namespace
{
    const char *name;
    int flag;
};
constexpr Namespace kNamespaces[] = {{"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP},
                                     {"ipc", CLONE_NEWIPC},   {"uts", CLONE_NEWUTS},
                                     {"net", CLONE_NEWNET},   {"pid", CLONE_NEWPID},
                                     {"mnt", CLONE_NEWNS}};
constexpr int kNamespaceCount = int(std::size(kNamespaces));

// Everything the forked child needs, prepared before the fork (it only makes system calls).
struct ChildPlan
{
    int statusFd = -1;
    int nsFds[kNamespaceCount];
    int nsCount = 0;
    const int *nsFlags = nullptr;
    std::vector<int> cgroupProcsFds;
    bool asRoot = false;
    uint32_t uid = 0, gid = 0;
    const char *workingDir = "/";
    bool tty = false;
    int stdinFd = -1, stdoutFd = -1, stderrFd = -1; // pipe ends for the command (no tty)
    const sock_fprog *seccomp = nullptr;
    char *const *argv = nullptr;
    char *const *envp = nullptr;
    std::vector<const char *> candidates; // paths to try for argv[0]
};

[[noreturn]] void childFail(int fd, ExecMessageType type, int err, const char *what, int code)
{
    sendExecMessage(fd, type, err, 0, what);
    ::_exit(code);
}

// The command's process: inside the PID namespace already (forked after setns).
[[noreturn]] void runCommand(const ChildPlan &p)
{
    const int fd = p.statusFd;
    // fcemu may have blocked or ignored signals; the command starts with the defaults.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
        ::sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);

    if (::setsid() < 0)
        childFail(fd, ExecMessageType::Error, errno, "setsid", 125);
    if (::chdir(p.workingDir) != 0 && ::chdir("/") != 0)
        childFail(fd, ExecMessageType::Error, errno, "chdir in the instance", 125);
    const rlimit tasks{kTaskLimit, kTaskLimit};
    if (::setrlimit(RLIMIT_NPROC, &tasks) != 0)
        childFail(fd, ExecMessageType::Error, errno, "setrlimit(RLIMIT_NPROC)", 125);
    if (dropToDefaultCapabilities() != 0)
        childFail(fd, ExecMessageType::Error, errno, "drop capabilities (PR_CAPBSET_DROP)", 125);
    // Rootless the namespace's setgroups is "deny" and our groups are not mapped: nothing to
    // drop. Run as root the groups are droppable and must go.
    if (p.asRoot && ::setgroups(0, nullptr) != 0)
        childFail(fd, ExecMessageType::Error, errno, "setgroups in the instance", 125);
    if (::setresgid(p.gid, p.gid, p.gid) != 0 || ::setresuid(p.uid, p.uid, p.uid) != 0)
        childFail(fd, ExecMessageType::Error, errno, "become the function's user", 125);

    if (p.tty) {
        // The pseudo-terminal of the sandbox's own devpts (/dev/ptmx -> pts/ptmx), opened as the
        // function's user so the slave is its own; fcemu gets the master.
        const int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
            childFail(fd, ExecMessageType::Error, errno, "open /dev/ptmx in the instance", 125);
        int unlock = 0;
        if (::ioctl(master, TIOCSPTLCK, &unlock) != 0)
            childFail(fd, ExecMessageType::Error, errno, "unlock the pseudo-terminal", 125);
        const int slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
        if (slave < 0)
            childFail(fd, ExecMessageType::Error, errno, "open the pseudo-terminal", 125);
        if (::ioctl(slave, TIOCSCTTY, 0) != 0)
            childFail(fd, ExecMessageType::Error, errno, "make the pseudo-terminal ours", 125);
        sendExecMessage(fd, ExecMessageType::Master, 0, 0, nullptr, master);
        ::close(master);
        for (int i = 0; i < 3; ++i)
            ::dup2(slave, i);
        if (slave > 2)
            ::close(slave);
    } else {
        ::dup2(p.stdinFd, 0);
        ::dup2(p.stdoutFd, 1);
        ::dup2(p.stderrFd, 2);
    }
    // Nothing else of fcemu's reaches the command (the status socket is close-on-exec).
    if (::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) != 0) {
        for (int i = 3; i < 4096; ++i)
            if (i != fd)
                ::close(i);
    }
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        childFail(fd, ExecMessageType::Error, errno, "prctl(PR_SET_NO_NEW_PRIVS)", 125);
    if (p.seccomp != nullptr && ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, p.seccomp) != 0)
        childFail(fd, ExecMessageType::Error, errno, "load the seccomp filter", 125);
    // execvp's rule: EACCES from one candidate is remembered, ENOENT from later ones ignored.
    int err = ENOENT;
    for (const char *path : p.candidates) {
        ::execve(path, p.argv, p.envp);
        if (errno != ENOENT && errno != ENOTDIR)
            err = errno;
        else if (err == ENOENT)
            err = errno == ENOTDIR ? ENOENT : err;
    }
    childFail(fd, ExecMessageType::ExecError, err, p.argv[0], err == ENOENT ? 127 : 126);
}

// The forked child: joins the cgroup and the namespaces, forks the command, waits for it and
// ends with its status (128+N for signal N).
// Closes every descriptor from 3 up but those in keep (sorted ascending).
void closeAllBut(const int *keep, int count)
{
    unsigned from = 3;
    for (int i = 0; i <= count; ++i) {
        const unsigned to = i < count ? unsigned(keep[i]) : ~0u;
        if (i < count && keep[i] < int(from)) {
            continue;
        }
        if (to > from && ::syscall(SYS_close_range, from, i < count ? to - 1 : to, 0u) != 0) {
            for (unsigned f = from; f < (i < count ? to : 4096u); ++f)
                ::close(int(f));
        }
        if (i < count)
            from = to + 1;
    }
}

[[noreturn]] void enterAndRun(const ChildPlan &p)
{
    const int fd = p.statusFd;
    // Nothing of fcemu's goes further: not the user's terminal (stdin/stdout/stderr become
    // /dev/null: the command gets pipes or a pseudo-terminal), not our other descriptors (the
    // write end of the command's stdin would keep it from ever seeing EOF). And not traceable
    // by the instance's processes until the command's exec (which makes it dumpable again).
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    const int devNull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int i = 0; i < 3 && devNull >= 0; ++i)
        ::dup2(devNull, i);
    int keep[kNamespaceCount + 64];
    int kept = 0;
    const auto keepFd = [&keep, &kept](int k) {
        if (k < 0 || kept >= int(std::size(keep)))
            return;
        int at = kept++;
        while (at > 0 && keep[at - 1] > k) {
            keep[at] = keep[at - 1];
            --at;
        }
        keep[at] = k;
    };
    keepFd(fd);
    keepFd(p.stdinFd);
    keepFd(p.stdoutFd);
    keepFd(p.stderrFd);
    for (int i = 0; i < p.nsCount; ++i)
        keepFd(p.nsFds[i]);
    for (const int procs : p.cgroupProcsFds)
        keepFd(procs);
    closeAllBut(keep, kept);
    for (const int procs : p.cgroupProcsFds)
        if (::write(procs, "0", 1) != 1)
            sendExecMessage(fd, ExecMessageType::Warning, errno, 0,
                            "join the instance's cgroup (the command's memory is not counted "
                            "in the instance's limit)");
    for (int i = 0; i < p.nsCount; ++i)
        if (::setns(p.nsFds[i], p.nsFlags[i]) != 0) {
            char what[64] = "enter the instance's ";
            for (const Namespace &ns : kNamespaces)
                if (ns.flag == p.nsFlags[i])
                    append(what, sizeof what, ns.name);
            append(what, sizeof what, " namespace");
            childFail(fd, ExecMessageType::Error, errno, what, 125);
        }
    // The kernel kills us with the instance (its PID namespace); and the command with us? No:
    // it belongs to the instance now, as on FC; it ends with the instance or on its own.
    const pid_t command = ::fork();
    if (command < 0)
        childFail(fd, ExecMessageType::Error, errno, "fork into the instance", 125);
    if (command == 0)
        runCommand(p);
    sendExecMessage(fd, ExecMessageType::Started, 0, command, nullptr);
    for (int i = 0; i < p.nsCount; ++i)
        ::close(p.nsFds[i]);
    for (const int end : {p.stdinFd, p.stdoutFd, p.stderrFd})
        if (end >= 0)
            ::close(end);
    int status = 0;
    while (::waitpid(command, &status, 0) < 0) {
        if (errno != EINTR)
            ::_exit(125);
    }
    ::_exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
}

int openInRoot(int root, const QByteArray &path, int flags)
{
    open_how how{};
    how.flags = uint64_t(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    return int(::syscall(SYS_openat2, root, path.constData(), &how, sizeof how));
}

// An executable regular file at `path` inside the instance's root (symlinks resolved there).
bool isExecutableInRoot(int root, const QByteArray &path)
{
    UniqueFd f(openInRoot(root, path, O_PATH));
    struct stat st;
    return f && ::fstat(f.get(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
}

// The image user's login shell (its /etc/passwd entry), unless it is a no-login one; else
// /bin/sh; empty when the image has neither.
QByteArray imageShell(int root, uint32_t uid)
{
    UniqueFd passwd(openInRoot(root, "/etc/passwd", O_RDONLY));
    if (passwd) {
        QFile file;
        if (file.open(passwd.get(), QIODevice::ReadOnly)) {
            for (const QByteArray &line : file.read(1 << 20).split('\n')) {
                const QList<QByteArray> f = line.split(':');
                bool ok = false;
                if (f.size() < 7 || f[2].toUInt(&ok) != uid || !ok)
                    continue;
                const QByteArray shell = f[6].trimmed();
                if (shell.startsWith('/') && !shell.endsWith("nologin") &&
                    !shell.endsWith("/false") && isExecutableInRoot(root, shell))
                    return shell;
                break;
            }
        }
    }
    return isExecutableInRoot(root, "/bin/sh") ? QByteArray("/bin/sh") : QByteArray();
}

// The user's terminal in raw mode while the command has the pseudo-terminal; restored after.
class RawTerminal final
{
public:
    explicit RawTerminal(int fd) : m_fd(fd)
    {
        if (::tcgetattr(fd, &m_saved) != 0)
            return;
        termios raw = m_saved;
        ::cfmakeraw(&raw);
        m_active = ::tcsetattr(fd, TCSANOW, &raw) == 0;
    }
    ~RawTerminal()
    {
        if (m_active)
            ::tcsetattr(m_fd, TCSANOW, &m_saved);
    }
    Q_DISABLE_COPY_MOVE(RawTerminal)

private:
    int m_fd;
    termios m_saved{};
    bool m_active = false;
};

bool writeAll(int fd, const char *data, size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                pollfd p{fd, POLLOUT, 0};
                ::poll(&p, 1, -1);
                continue;
            }
            return false;
        }
        data += n;
        size -= size_t(n);
    }
    return true;
}

void copyWindowSize(int from, int to)
{
    winsize ws{};
    if (::ioctl(from, TIOCGWINSZ, &ws) == 0)
        ::ioctl(to, TIOCSWINSZ, &ws);
}

} // namespace

Result<ExecOutcome> execInInstance(const InstanceRecord &instance, const ExecOptions &options)
{
    const QString where = u"instance "_qs + instance.id;
    const QByteArray proc = "/proc/" + QByteArray::number(instance.initPid);
    // The namespaces first, then the proof they are the instance's: a PID reused since the
    // record was read would show another PID namespace.
    UniqueFd nsStore[kNamespaceCount];
    int nsFds[kNamespaceCount];
    int nsFlags[kNamespaceCount];
    int nsCount = 0;
    for (const Namespace &ns : kNamespaces) {
        const QByteArray theirs = proc + "/ns/" + ns.name;
        UniqueFd f(::open(theirs.constData(), O_RDONLY | O_CLOEXEC));
        if (!f) {
            if (errno == ENOENT || errno == ESRCH)
                return fail(ErrorKind::Usage, where + u" has stopped"_qs);
            return fail(ErrorKind::Platform,
                        describeErrno(u"cannot open the namespaces of "_qs + where, errno));
        }
        struct stat mine, target;
        const QByteArray self = QByteArray("/proc/self/ns/") + ns.name;
        if (::fstat(f.get(), &target) != 0)
            return fail(ErrorKind::Platform,
                        describeErrno(u"fstat "_qs + QString::fromLatin1(theirs), errno));
        if (ns.flag == CLONE_NEWPID && quint64(target.st_ino) != instance.pidNsInode)
            return fail(ErrorKind::Usage, where + u" has stopped"_qs);
        // One we are in already (the cgroup namespace of an instance without a cgroup): not
        // entered, as nsenter skips it (entering it again would need the host's CAP_SYS_ADMIN).
        if (::stat(self.constData(), &mine) == 0 && mine.st_ino == target.st_ino &&
            mine.st_dev == target.st_dev)
            continue;
        nsFds[nsCount] = f.get();
        nsFlags[nsCount] = ns.flag;
        nsStore[nsCount] = std::move(f);
        ++nsCount;
    }

    // What to run: the command, or the image's shell.
    UniqueFd root(::open(QByteArray(proc + "/root").constData(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        return fail(ErrorKind::Platform,
                    describeErrno(u"cannot open the root of "_qs + where, errno));
    std::vector<QByteArray> argvStore, envStore, candidateStore;
    if (options.command.isEmpty()) {
        const QByteArray shell = imageShell(root.get(), instance.uid);
        if (shell.isEmpty())
            return fail(ErrorKind::Usage,
                        where +
                            u" has no shell (no /bin/sh in the image): name a command, "
                            u"fcemu exec "_qs +
                            instance.id + u" -- CMD"_qs);
        argvStore.push_back(shell);
    } else {
        for (const QString &arg : options.command)
            argvStore.push_back(arg.toUtf8());
    }
    QByteArray pathVar = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    bool haveTerm = false;
    for (const QString &kv : instance.env) {
        envStore.push_back(kv.toUtf8());
        if (kv.startsWith(u"PATH="_qs))
            pathVar = kv.mid(5).toUtf8();
        haveTerm = haveTerm || kv.startsWith(u"TERM="_qs);
    }
    if (options.tty && !haveTerm) // what the terminal on our side understands
        envStore.push_back("TERM=" + (qEnvironmentVariableIsEmpty("TERM") ? QByteArray("xterm")
                                                                          : qgetenv("TERM")));
    const QByteArray &program = argvStore.front();
    if (program.contains('/')) {
        candidateStore.push_back(program);
    } else {
        for (const QByteArray &dir : pathVar.split(':'))
            candidateStore.push_back((dir.isEmpty() ? QByteArray(".") : dir) + '/' + program);
    }
    const auto pointers = [](std::vector<QByteArray> &store) {
        std::vector<char *> ptrs;
        for (QByteArray &s : store)
            ptrs.push_back(s.data());
        ptrs.push_back(nullptr);
        return ptrs;
    };
    std::vector<char *> argvPtrs = pointers(argvStore);
    std::vector<char *> envPtrs = pointers(envStore);
    const QByteArray workingDir =
        instance.workingDir.isEmpty() ? QByteArray("/") : instance.workingDir.toUtf8();

    ChildPlan plan;
    plan.nsCount = nsCount;
    std::copy(nsFds, nsFds + nsCount, plan.nsFds);
    plan.nsFlags = nsFlags;
    plan.asRoot = ::geteuid() == 0;
    plan.uid = instance.uid;
    plan.gid = instance.gid;
    plan.workingDir = workingDir.constData();
    plan.tty = options.tty;
    plan.argv = argvPtrs.data();
    plan.envp = envPtrs.data();
    for (const QByteArray &c : candidateStore)
        plan.candidates.push_back(c.constData());
    if (instance.seccomp) {
        const auto filter = defaultSeccompFilter();
        if (!filter)
            return std::unexpected(filter.error());
        plan.seccomp = *filter;
    }
    // The instance's cgroup: opened here, with our host identity, written from the child.
    std::vector<UniqueFd> procsStore;
    QString cgroupWarning;
    for (const QString &dir : instance.cgroupPaths) {
        UniqueFd f(
            ::open(QFile::encodeName(dir + u"/cgroup.procs"_qs).constData(), O_WRONLY | O_CLOEXEC));
        if (!f) {
            cgroupWarning = describeErrno(u"cannot join the instance's cgroup "_qs + dir, errno);
            continue;
        }
        plan.cgroupProcsFds.push_back(f.get());
        procsStore.push_back(std::move(f));
    }
    if (!cgroupWarning.isEmpty())
        fprintf(stderr,
                "fcemu: warning: %s (the command's memory is not counted in the "
                "instance's limit)\n",
                qPrintable(cgroupWarning));

    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        return fail(ErrorKind::Platform, describeErrno(u"socketpair"_qs, errno));
    UniqueFd statusFd(pair[0]), statusChild(pair[1]);
    plan.statusFd = statusChild.get();
    // Without a terminal: pipes, relayed here (a descriptor of ours never enters the sandbox).
    UniqueFd inWrite, outRead, errRead, inChild, outChild, errChild;
    if (!options.tty) {
        int in[2], out[2], err[2];
        if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 ||
            ::pipe2(err, O_CLOEXEC) != 0)
            return fail(ErrorKind::Platform, describeErrno(u"pipe"_qs, errno));
        inChild.reset(in[0]);
        inWrite.reset(in[1]);
        outRead.reset(out[0]);
        outChild.reset(out[1]);
        errRead.reset(err[0]);
        errChild.reset(err[1]);
        plan.stdinFd = inChild.get();
        plan.stdoutFd = outChild.get();
        plan.stderrFd = errChild.get();
        ::fcntl(inWrite.get(), F_SETFL, O_NONBLOCK);
    }

    // Signals for the command arrive on a signalfd; SIGWINCH resizes its terminal.
    sigset_t relayed, previous;
    sigemptyset(&relayed);
    for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGPIPE})
        sigaddset(&relayed, sig);
    ::pthread_sigmask(SIG_BLOCK, &relayed, &previous);
    UniqueFd signalFd(::signalfd(-1, &relayed, SFD_CLOEXEC | SFD_NONBLOCK));

    std::optional<RawTerminal> raw;
    const pid_t child = ::fork();
    if (child < 0) {
        const int err = errno;
        ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        return fail(ErrorKind::Platform, describeErrno(u"fork"_qs, err));
    }
    if (child == 0)
        enterAndRun(plan);
    UniqueFd childPidfd(int(::syscall(SYS_pidfd_open, child, 0)));
    statusChild.reset();
    inChild.reset();
    outChild.reset();
    errChild.reset();
    if (options.tty)
        raw.emplace(options.stdinFd);

    UniqueFd master, commandPidfd;
    QString error, execMessage;
    bool childDone = false, stdinOpen = true, statusOpen = true;
    QByteArray pendingInput;
    std::vector<char> buffer(64 * 1024);

    // Copies what is readable on `from` to `to`; false at EOF or on an error.
    const auto pump = [&buffer](int from, int to) {
        const ssize_t n = ::read(from, buffer.data(), buffer.size());
        if (n > 0) {
            writeAll(to, buffer.data(), size_t(n));
            return true;
        }
        return n < 0 && (errno == EAGAIN || errno == EINTR);
    };
    const auto readStatus = [&] {
        ExecMessage msg;
        int passed = -1;
        const ssize_t n = receiveWithFd(statusFd.get(), &msg, sizeof msg, &passed, MSG_DONTWAIT);
        UniqueFd passedFd(passed);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            statusOpen = false;
            return false;
        }
        if (n != ssize_t(sizeof msg))
            return false;
        msg.text[sizeof msg.text - 1] = '\0';
        const QString text = QString::fromUtf8(msg.text);
        switch (msg.type) {
        case ExecMessageType::Error:
            error = describeErrno(u"cannot enter "_qs + where + u": "_qs + text, msg.err);
            break;
        case ExecMessageType::ExecError:
            execMessage = describeErrno(u"cannot execute "_qs + text + u" in "_qs + where, msg.err);
            break;
        case ExecMessageType::Warning:
            fprintf(stderr, "fcemu: warning: %s\n", qPrintable(describeErrno(text, msg.err)));
            break;
        case ExecMessageType::Started:
            commandPidfd.reset(int(::syscall(SYS_pidfd_open, pid_t(msg.value), 0)));
            break;
        case ExecMessageType::Master:
            if (passedFd) {
                master = std::move(passedFd);
                ::fcntl(master.get(), F_SETFL, O_NONBLOCK);
                copyWindowSize(options.stdinFd, master.get());
            }
            break;
        }
        return true;
    };

    while (!childDone) {
        // The input goes to the pty master or the command's stdin pipe.
        const int inputTarget = options.tty ? master.get() : inWrite.get();
        enum { Status, Child, Signals, Stdin, InputOut, Output, Errors, Count };
        pollfd fds[Count] = {
            {statusOpen ? statusFd.get() : -1, POLLIN, 0},
            {childPidfd.get(), POLLIN, 0},
            {signalFd.get(), POLLIN, 0},
            {stdinOpen && pendingInput.isEmpty() && inputTarget >= 0 ? options.stdinFd : -1, POLLIN,
             0},
            {!pendingInput.isEmpty() ? inputTarget : -1, POLLOUT, 0},
            {options.tty ? master.get() : outRead.get(), POLLIN, 0},
            {errRead.get(), POLLIN, 0}};
        if (::poll(fds, Count, -1) < 0 && errno != EINTR)
            break;
        if (fds[Status].revents)
            while (statusOpen && readStatus()) {
            }
        if (fds[Signals].revents & POLLIN) {
            signalfd_siginfo info;
            while (::read(signalFd.get(), &info, sizeof info) == ssize_t(sizeof info)) {
                const int sig = int(info.ssi_signo);
                if (sig == SIGWINCH) {
                    if (master)
                        copyWindowSize(options.stdinFd, master.get());
                } else if (sig != SIGPIPE && commandPidfd) {
                    ::syscall(SYS_pidfd_send_signal, commandPidfd.get(), sig, nullptr, 0);
                }
            }
        }
        if (fds[Stdin].revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::read(options.stdinFd, buffer.data(), buffer.size());
            if (n > 0) {
                pendingInput.append(buffer.data(), n);
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                stdinOpen = false;
                if (!options.tty)
                    inWrite.reset(); // EOF for the command
            }
        }
        if (fds[InputOut].revents & (POLLOUT | POLLERR | POLLHUP)) {
            const ssize_t n =
                ::write(inputTarget, pendingInput.constData(), size_t(pendingInput.size()));
            if (n > 0)
                pendingInput.remove(0, n);
            else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                pendingInput.clear();
                stdinOpen = false; // the command closed its input
                if (!options.tty)
                    inWrite.reset();
            }
        }
        if ((fds[Output].revents & (POLLIN | POLLHUP | POLLERR)) &&
            !pump(fds[Output].fd, options.stdoutFd)) {
            if (options.tty)
                master.reset(); // EIO: every slave is closed
            else
                outRead.reset();
        }
        if ((fds[Errors].revents & (POLLIN | POLLHUP | POLLERR)) &&
            !pump(errRead.get(), options.stderrFd))
            errRead.reset();
        if (fds[Child].revents & POLLIN)
            childDone = true;
    }
    // The child is gone: what is still in the pipes or the pty is output of the command (a
    // process it left behind that still holds them is not waited for).
    for (const int fd : {options.tty ? master.get() : outRead.get(), errRead.get()}) {
        if (fd < 0)
            continue;
        ::fcntl(fd, F_SETFL, O_NONBLOCK);
        const int to = fd == errRead.get() ? options.stderrFd : options.stdoutFd;
        for (;;) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN) || !pump(fd, to))
                break;
        }
    }
    while (statusOpen && readStatus()) {
    }
    raw.reset();
    siginfo_t info{};
    while (::waitid(kPidfdIdType, id_t(childPidfd.get()), &info, WEXITED) < 0 && errno == EINTR) {
    }
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (!error.isEmpty())
        return fail(ErrorKind::Platform, error);
    ExecOutcome outcome;
    if (info.si_code == CLD_EXITED)
        outcome.exitCode = info.si_status;
    else
        outcome.exitCode = 128 + info.si_status;
    outcome.message = execMessage;
    return outcome;
}

} // namespace Fcemu::Sandbox
