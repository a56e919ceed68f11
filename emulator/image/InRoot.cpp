#include "InRoot.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <deque>
#include <vector>

namespace Fcemu::Image::InRoot {

namespace {

std::atomic<bool> s_forceFallback{false};
std::atomic<int> s_openat2State{0}; // 0 unknown, 1 available, -1 missing

constexpr int maxSymlinkHops = 40; // the kernel's MAXSYMLINKS

int openat2Call(int dirFd, const char *path, int flags, Mode mode)
{
    open_how how{};
    how.flags = std::uint64_t(flags) | O_CLOEXEC;
    how.resolve = RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV |
                  (mode == Mode::InRoot ? RESOLVE_IN_ROOT : RESOLVE_BENEATH);
    for (int attempt = 0; attempt < 16; ++attempt) {
        const long fd = syscall(SYS_openat2, dirFd, path, &how, sizeof how);
        if (fd >= 0)
            return int(fd);
        // EAGAIN: a concurrent rename or mount could have allowed an escape; the kernel asks
        // us to retry (openat2(2)).
        if (errno != EAGAIN && errno != EINTR)
            return -errno;
    }
    return -EAGAIN;
}

int walk(int rootFd, const QByteArray &path, int flags, Mode mode)
{
    std::vector<UniqueFd> dirs;
    dirs.emplace_back(::fcntl(rootFd, F_DUPFD_CLOEXEC, 0));
    if (!dirs.back())
        return -errno;
    std::deque<QByteArray> todo;
    for (const QByteArray &c : path.split('/'))
        todo.push_back(c);
    int hops = 0;
    QByteArray finalName;
    while (!todo.empty()) {
        QByteArray comp = todo.front();
        todo.pop_front();
        if (comp.isEmpty() || comp == ".")
            continue;
        if (comp == "..") {
            if (dirs.size() > 1)
                dirs.pop_back();
            else if (mode == Mode::Beneath)
                return -EXDEV;
            continue;
        }
        bool last = true;
        for (const QByteArray &rest : todo)
            if (!rest.isEmpty() && rest != ".")
                last = false;
        UniqueFd fd(::openat(dirs.back().get(), comp.constData(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!fd)
            return -errno;
        struct stat st;
        if (::fstat(fd.get(), &st) != 0)
            return -errno;
        if (S_ISLNK(st.st_mode)) {
            if (last && (flags & O_NOFOLLOW)) {
                if (flags & O_PATH)
                    return fd.release();
                return -ELOOP;
            }
            if (++hops > maxSymlinkHops)
                return -ELOOP;
            char target[4096];
            const ssize_t n = ::readlinkat(fd.get(), "", target, sizeof target);
            if (n < 0)
                return -errno;
            if (n == sizeof target)
                return -ENAMETOOLONG;
            const QByteArray link(target, int(n));
            if (link.startsWith('/')) {
                if (mode == Mode::Beneath)
                    return -EXDEV;
                dirs.resize(1);
            }
            const QByteArrayList parts = link.split('/');
            for (auto it = parts.rbegin(); it != parts.rend(); ++it)
                todo.push_front(*it);
            continue;
        }
        if (last) {
            finalName = comp;
            break;
        }
        if (!S_ISDIR(st.st_mode))
            return -ENOTDIR;
        dirs.push_back(std::move(fd));
    }
    const char *name = finalName.isEmpty() ? "." : finalName.constData();
    const int fd = ::openat(dirs.back().get(), name, flags | O_NOFOLLOW | O_CLOEXEC, 0);
    return fd >= 0 ? fd : -errno;
}

} // namespace

void forceFallback(bool on)
{
    s_forceFallback = on;
}

bool usingOpenat2()
{
    if (s_forceFallback)
        return false;
    if (s_openat2State == 0) {
        const int fd = openat2Call(AT_FDCWD, "/", O_PATH, Mode::InRoot);
        s_openat2State = (fd == -ENOSYS || fd == -EPERM) ? -1 : 1;
        if (fd >= 0)
            ::close(fd);
    }
    return s_openat2State > 0;
}

int open(int rootFd, const QByteArray &path, int flags, Mode mode)
{
    if (usingOpenat2())
        return openat2Call(rootFd, path.isEmpty() ? "." : path.constData(), flags, mode);
    return walk(rootFd, path, flags, mode);
}

bool cleanComponents(const QByteArray &name, QByteArrayList *components)
{
    components->clear();
    for (const QByteArray &c : name.split('/')) {
        if (c.isEmpty() || c == ".")
            continue;
        if (c == "..")
            return false;
        components->append(c);
    }
    return true;
}

} // namespace Fcemu::Image::InRoot
