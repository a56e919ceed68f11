#include "MemoryPoller.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <utility>

namespace Fcemu::Sandbox {

namespace {

ssize_t readAt(int dirFd, const char *path, char *buf, size_t size)
{
    const int fd = ::openat(dirFd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t total = 0;
    while (size_t(total) < size - 1) {
        const ssize_t n = ::read(fd, buf + total, size - 1 - size_t(total));
        if (n <= 0)
            break;
        total += n;
    }
    ::close(fd);
    buf[total] = '\0';
    return total;
}

// The value in kB of "Key:   123 kB" in text, 0 when absent.
quint64 fieldKb(const char *text, const char *key)
{
    const char *at = strstr(text, key);
    return at != nullptr ? strtoull(at + strlen(key), nullptr, 10) : 0;
}

quint64 tmpfsUsed(int fd)
{
    struct statfs st;
    if (fd < 0 || ::fstatfs(fd, &st) != 0 || st.f_blocks < st.f_bfree)
        return 0;
    return quint64(st.f_blocks - st.f_bfree) * quint64(st.f_bsize);
}

} // namespace

MemoryPoller::MemoryPoller(pid_t initPid, dev_t pidNsDev, ino_t pidNsIno, int tmpFd, int shmFd)
    : m_init(initPid), m_nsDev(pidNsDev), m_nsIno(pidNsIno), m_tmpFd(tmpFd), m_shmFd(shmFd)
{
    m_procFd = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

MemoryPoller::~MemoryPoller()
{
    if (m_procFd >= 0)
        ::close(m_procFd);
}

quint64 MemoryPoller::sample()
{
    static const quint64 pageSize = quint64(sysconf(_SC_PAGESIZE));
    Parts parts;
    if (m_procFd < 0)
        return 0;
    // A descriptor of its own (a dup would share the offset left at the end by the last scan).
    const int scanFd = ::openat(m_procFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = scanFd >= 0 ? ::fdopendir(scanFd) : nullptr;
    if (dir == nullptr) {
        if (scanFd >= 0)
            ::close(scanFd);
        return 0;
    }
    std::unordered_map<pid_t, bool> seen;
    seen.reserve(m_member.size() + 16);
    std::set<std::pair<dev_t, ino_t>> memfds;
    char path[96];
    char buf[4096];
    while (dirent *entry = ::readdir(dir)) {
        char *end = nullptr;
        const long pid = strtol(entry->d_name, &end, 10);
        if (pid <= 0 || *end != '\0' || pid == m_init)
            continue;
        bool member;
        if (auto it = m_member.find(pid_t(pid)); it != m_member.end()) {
            member = it->second;
        } else {
            snprintf(path, sizeof path, "%ld/ns/pid", pid);
            struct stat st;
            member = ::fstatat(m_procFd, path, &st, 0) == 0 && st.st_dev == m_nsDev &&
                     st.st_ino == m_nsIno;
        }
        seen.emplace(pid_t(pid), member);
        if (!member)
            continue;
        ++parts.processes;
        snprintf(path, sizeof path, "%ld/smaps_rollup", pid);
        if (readAt(m_procFd, path, buf, sizeof buf) > 0 && strstr(buf, "Pss:") != nullptr) {
            const quint64 pss = fieldKb(buf, "\nPss:") * 1024;
            const quint64 shmem = fieldKb(buf, "\nPss_Shmem:") * 1024;
            parts.pss += pss - std::min(pss, shmem);
            parts.mappedShmem += shmem;
        } else {
            snprintf(path, sizeof path, "%ld/statm", pid);
            unsigned long long size = 0, resident = 0;
            if (readAt(m_procFd, path, buf, sizeof buf) > 0 &&
                sscanf(buf, "%llu %llu", &size, &resident) == 2)
                parts.pss += resident * pageSize;
        }
        // memfds held open: RAM that no mapping shows.
        snprintf(path, sizeof path, "%ld/fd", pid);
        const int fdDirFd = ::openat(m_procFd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *fds = fdDirFd >= 0 ? ::fdopendir(fdDirFd) : nullptr;
        if (fds == nullptr) {
            if (fdDirFd >= 0)
                ::close(fdDirFd);
            continue;
        }
        while (dirent *fdEntry = ::readdir(fds)) {
            if (fdEntry->d_name[0] < '0' || fdEntry->d_name[0] > '9')
                continue;
            char target[64];
            const ssize_t n =
                ::readlinkat(::dirfd(fds), fdEntry->d_name, target, sizeof target - 1);
            if (n < 7 || memcmp(target, "/memfd:", 7) != 0)
                continue;
            struct stat st;
            if (::fstatat(::dirfd(fds), fdEntry->d_name, &st, 0) == 0 &&
                memfds.emplace(st.st_dev, st.st_ino).second)
                parts.memfd += quint64(st.st_blocks) * 512;
        }
        ::closedir(fds);
    }
    ::closedir(dir);
    m_member = std::move(seen);
    parts.tmpfs = tmpfsUsed(m_tmpFd) + tmpfsUsed(m_shmFd);
    m_parts = parts;
    return parts.pss + std::max(parts.mappedShmem, parts.memfd + parts.tmpfs);
}

} // namespace Fcemu::Sandbox
