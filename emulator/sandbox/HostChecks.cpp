// What the host allows the sandbox: the user-namespace probe and its advice, starting a child
// that shares our memory, and finding fcemu-init.

#include <cerrno>
#include <csignal>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>

#include "InstancePrivate.h"

namespace Fcemu::Sandbox {

using namespace Detail;

namespace {

int readSysctl(const char *path)
{
    QFile file(QString::fromLatin1(path));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    bool ok = false;
    const int value = file.readAll().trimmed().toInt(&ok);
    return ok ? value : -1;
}

constexpr size_t kChildStackBytes = 256 * 1024;

} // namespace

namespace Detail {

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

} // namespace Detail

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

} // namespace Fcemu::Sandbox
