#pragma once

// The memory of an instance without a cgroup (docs/SECURITY.md, "Resources"), read from the
// host's /proc, which nothing in the sandbox can mount over:
//   - every process whose PID namespace is the instance's (init excluded: fcemu's overhead),
//     found by a scan of /proc with what is already known kept between samples;
//   - private and file pages by PSS (/proc/PID/smaps_rollup: Pss - Pss_Shmem), so pages shared
//     by 2,000 forked processes count once, not 2,000 times (statm's RSS when smaps_rollup
//     cannot be read);
//   - shared memory once: the larger of the mapped shmem (Pss_Shmem) and the shmem objects the
//     instance holds (the memfds open in its processes, each inode once, plus the used space of
//     its /tmp and /dev/shm tmpfs), since a mapped memfd or /dev/shm file is both.

#include <sys/types.h>

#include <unordered_map>

#include <QtGlobal>

namespace Fcemu::Sandbox {

class MemoryPoller
{
public:
    // pidNs: st_dev/st_ino of the instance's PID namespace; tmpFd, shmFd: O_PATH descriptors of
    // the instance's /tmp and /dev/shm (-1: none).
    MemoryPoller(pid_t initPid, dev_t pidNsDev, ino_t pidNsIno, int tmpFd, int shmFd);
    MemoryPoller(const MemoryPoller &) = delete;
    MemoryPoller &operator=(const MemoryPoller &) = delete;
    ~MemoryPoller();

    quint64 sample();
    // What the last sample was made of (tests, debug logs).
    struct Parts
    {
        quint64 pss = 0, mappedShmem = 0, memfd = 0, tmpfs = 0;
        int processes = 0;
    };
    Parts lastParts() const { return m_parts; }

private:
    pid_t m_init;
    dev_t m_nsDev;
    ino_t m_nsIno;
    int m_tmpFd, m_shmFd;
    int m_procFd = -1;
    std::unordered_map<pid_t, bool> m_member; // host PID -> in the instance
    Parts m_parts;
};

} // namespace Fcemu::Sandbox
