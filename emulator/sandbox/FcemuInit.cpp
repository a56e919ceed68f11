// fcemu-init: PID 1 of every sandbox. The set-up child execs it once the namespaces, mounts and
// pivot_root are done; it starts the command, reaps zombies, forwards signals, reports the
// command's start and exit to fcemu, connects TCP sockets inside the network namespace for
// fcemu, and kills everything when the command ends or fcemu goes away.
//
// A separate static program (no Qt, no shared libraries) so the process that stays for the
// life of the instance is small; see SandboxChild.h.
//
//   fcemu-init N CANDIDATE_1..CANDIDATE_N -- ARGV...     (environment: the command's)
// Descriptors on entry: InitProtocol.h (3 status, 4 requests, 5/6 stdout/stderr pipes);
// 0-2 are /dev/null; all signals blocked.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include "ChildUtil.h"
#include "InitProtocol.h"

using namespace Fcemu::Sandbox::Detail;

namespace {

[[noreturn]] void killAllAndExit(int code)
{
    // PID 1 of the namespace: -1 reaches every other process in it.
    ::kill(-1, SIGKILL);
    while (::waitpid(-1, nullptr, __WALL) > 0 || errno == EINTR) {
    }
    ::_exit(code);
}

void handleConnect(const ControlRequest &req)
{
    ChildMessage reply;
    memset(&reply, 0, sizeof reply);
    reply.type = MessageType::ConnectReply;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        reply.err = errno;
    } else {
        sockaddr_in addr;
        memset(&addr, 0, sizeof addr);
        addr.sin_family = AF_INET;
        addr.sin_port = htons(req.port);
        addr.sin_addr.s_addr = req.address;
        int rc = ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
        if (rc != 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            rc = ::poll(&p, 1, req.timeoutMs < 0 ? 0 : req.timeoutMs);
            if (rc == 0) {
                errno = ETIMEDOUT;
                rc = -1;
            } else if (rc > 0) {
                int soError = 0;
                socklen_t len = sizeof soError;
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len);
                errno = soError;
                rc = soError == 0 ? 0 : -1;
            }
        }
        reply.err = rc == 0 ? 0 : errno;
        if (rc == 0)
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    }
    (void)sendWithFd(kRequestFd, &reply, sizeof reply, reply.err == 0 ? fd : -1);
    if (fd >= 0)
        ::close(fd);
}

} // namespace

int main(int argc, char **argv, char **envp)
{
    // fcemu-init [-w] N CANDIDATES... -- ARGV...
    const bool waitForGo = argc > 1 && strcmp(argv[1], "-w") == 0;
    if (waitForGo) {
        --argc;
        ++argv;
    }
    const int candidates = argc > 1 ? atoi(argv[1]) : 0;
    if (candidates < 1 || argc < 2 + candidates + 2 || strcmp(argv[2 + candidates], "--") != 0) {
        sendMessage(kStatusFd, MessageType::Error, EINVAL, 0, "fcemu-init: bad command line",
                    nullptr);
        return 127;
    }
    // Not dumpable: the function cannot ptrace PID 1, read its memory, or take fcemu's sockets
    // from it with pidfd_getfd (the exec made it dumpable again).
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    // Nothing of fcemu's reaches the command: the protocol descriptors close on its exec.
    for (int fd : {kStatusFd, kRequestFd, kStdoutFd, kStderrFd})
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    char **candidate = argv + 2;
    char **commandArgv = argv + 3 + candidates;

    // Signals: all blocked on entry (the parent blocked them around clone), read through a
    // signalfd. A handler is installed too: the kernel drops signals sent to a PID-namespace
    // init whose disposition is SIG_DFL, even from the parent namespace.
    sigset_t all;
    sigfillset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    struct sigaction noop;
    memset(&noop, 0, sizeof noop);
    noop.sa_handler = [](int) {};
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD})
        ::sigaction(sig, &noop, nullptr);
    const int sigFd = ::signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sigFd < 0) {
        sendMessage(kStatusFd, MessageType::Error, errno, 0, "signalfd", nullptr);
        return 127;
    }

    if (waitForGo) {
        // fcemu says when the outbound network is up (or that it gave up on it).
        ControlRequest req;
        ssize_t n;
        do {
            n = ::recv(kRequestFd, &req, sizeof req, 0);
        } while (n < 0 && errno == EINTR);
        if (n != ssize_t(sizeof req) || req.type != RequestType::Go)
            return 127; // fcemu went away
    }

    int execPipe[2];
    if (::pipe2(execPipe, O_CLOEXEC) != 0) {
        sendMessage(kStatusFd, MessageType::Error, errno, 0, "pipe2", nullptr);
        return 127;
    }
    // vfork: nothing to copy; the command's errors come back through execPipe.
    const pid_t command = ::vfork();
    if (command == 0) {
        ::dup2(kStdoutFd, 1);
        ::dup2(kStderrFd, 2);
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        for (int sig = 1; sig < NSIG; ++sig)
            ::sigaction(sig, &dfl, nullptr);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        // Its own session: a process group for the command and its children.
        ::setsid();
        int err = ENOENT;
        int index = 0;
        bool sawEacces = false;
        for (int i = 0; i < candidates; ++i) {
            ::execve(candidate[i], commandArgv, envp);
            err = errno;
            index = i;
            if (err == EACCES) {
                sawEacces = true;
                continue;
            }
            if (err != ENOENT && err != ENOTDIR)
                break;
        }
        // execvp's rule: a PATH entry that exists but cannot be executed wins over "not found".
        if (sawEacces && (err == ENOENT || err == ENOTDIR))
            err = EACCES;
        const int report[2] = {err, index};
        (void)!::write(execPipe[1], report, sizeof report);
        ::_exit(127);
    }
    ::close(execPipe[1]);
    if (command < 0) {
        sendMessage(kStatusFd, MessageType::Error, errno, 0, "vfork", nullptr);
        return 127;
    }
    int report[2] = {0, 0};
    ssize_t got;
    do {
        got = ::read(execPipe[0], report, sizeof report);
    } while (got < 0 && errno == EINTR);
    ::close(execPipe[0]);
    if (got == ssize_t(sizeof report)) {
        ::waitpid(command, nullptr, 0);
        sendMessage(kStatusFd, MessageType::ExecError, report[0], 0, "execute",
                    candidate[report[1]]);
        return 127;
    }
    // The pipes now belong to the command alone: EOF on them means it and its children are done.
    ::close(kStdoutFd);
    ::close(kStderrFd);
    sendMessage(kStatusFd, MessageType::Started, 0, command, nullptr, nullptr);

    for (;;) {
        pollfd fds[3] = {{sigFd, POLLIN, 0}, {kRequestFd, POLLIN, 0}, {kStatusFd, 0, 0}};
        if (::poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            killAllAndExit(127);
        }
        if (fds[2].revents & (POLLHUP | POLLERR))
            killAllAndExit(127); // fcemu is gone
        if (fds[1].revents & POLLIN) {
            ControlRequest req;
            const ssize_t n = ::recv(kRequestFd, &req, sizeof req, 0);
            if (n == 0)
                killAllAndExit(127);
            if (n == ssize_t(sizeof req) && req.type == RequestType::Connect)
                handleConnect(req);
        } else if (fds[1].revents & (POLLHUP | POLLERR)) {
            killAllAndExit(127);
        }
        if (fds[0].revents & POLLIN) {
            signalfd_siginfo info;
            while (::read(sigFd, &info, sizeof info) == ssize_t(sizeof info)) {
                if (info.ssi_signo != SIGCHLD) {
                    ::kill(command, int(info.ssi_signo));
                    continue;
                }
                int status = 0;
                pid_t pid;
                struct rusage usage
                {
                };
                while ((pid = ::wait4(-1, &status, WNOHANG | __WALL, &usage)) > 0) {
                    if (pid == command) {
                        // ru_maxrss (KiB) is the command's true peak, which a short-lived
                        // command can reach between two of fcemu's 10 ms memory samples.
                        sendMessage(kStatusFd, MessageType::Exited, int32_t(usage.ru_maxrss),
                                    status, nullptr, nullptr);
                        // When the command ends the instance ends: nothing it left may linger.
                        killAllAndExit(0);
                    }
                }
            }
        }
    }
}
