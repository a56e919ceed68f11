#pragma once

// Kernel-side accounting and limits for an instance: one cgroup per instance where the host
// lets fcemu have one (docs/SECURITY.md, "Resources"). The order of preference:
//   1. cgroup v2 with the memory and pids controllers in a subtree fcemu may write: run as root,
//      `<own cgroup>/fcemu/`; rootless, a delegated subtree (our own cgroup or its parent is
//      writable by us, as under a systemd user session with Delegate=yes);
//   2. cgroup v1 hierarchies (memory, pids, cpu, cpuset), run as root: `<own cgroup>/fcemu/`;
//   3. none: the instance's memory is polled from /proc (Instance.cpp).
// The probe runs once per process; FCEMU_CGROUP=none forces 3 (tests, or a host where the
// cgroup set-up misbehaves).

#include <memory>
#include <vector>

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include "MountPlan.h"
#include "common/Error.h"
#include "common/UniqueFd.h"

namespace Fcemu::Sandbox {

enum class Accounting { Polling, CgroupV1, CgroupV2 };

// "polling", "cgroup-v1", "cgroup-v2": the report's memory.accounting.
QString accountingName(Accounting mode);

// One line of /proc/self/mountinfo that matters here.
struct MountInfoEntry
{
    QString root;             // the mount's root inside its file system ("/" for a whole hierarchy)
    QString mountPoint;       // where it is mounted
    QString fsType;           // "cgroup", "cgroup2", ...
    QStringList superOptions; // v1: the controllers, e.g. {"rw", "cpu", "cpuacct"}
};
QList<MountInfoEntry> parseMountInfo(const QByteArray &content);

// One line of /proc/self/cgroup: "4:memory:/a/b" or "0::/a/b".
struct ProcCgroupEntry
{
    QStringList controllers; // empty for the v2 line
    QString path;
};
QList<ProcCgroupEntry> parseProcCgroup(const QByteArray &content);

// What the host offers.
struct CgroupHost
{
    Accounting mode = Accounting::Polling;
    QString reason; // why a better mode was not used (one line; empty when v2 is used)
    // v2: the folder under which the instance cgroups are made (".../fcemu").
    QString v2Parent;
    QStringList v2Candidates; // every writable candidate, best first (v2Parent is the first)
    // v1: per controller, the hierarchy's mount point, the folder under which instance cgroups
    // are made, and the mount options that name the hierarchy (for the mount inside).
    struct V1Hierarchy
    {
        QString controller; // "memory", "pids", "cpu", "cpuset"
        QString parent;
        QString mountData; // "memory", "cpu,cpuacct"
    };
    std::vector<V1Hierarchy> v1;
};

// The decision from the host's files, for tests: `writable(path)` says whether fcemu may create
// folders there; `asRoot` whether v1 may be used (a v1 hierarchy is never delegated).
CgroupHost chooseCgroupHost(const QByteArray &mountInfo, const QByteArray &procSelfCgroup,
                            bool asRoot, const std::function<bool(const QString &)> &writable);

// The probe of this process (cached; FCEMU_CGROUP=none gives Polling).
const CgroupHost &cgroupHost();

struct CgroupLimits
{
    quint64 memoryBytes = 0; // 0: none
    quint64 pids = 0;        // 0: none
    double cpus = 0;         // vCPU quota; 0: none
    QList<int> cpuList;      // CPUs the instance may run on; empty: all
};

// The vCPUs rounded up, at most the CPUs fcemu may use, spread over them by instance number.
QList<int> chooseCpus(double vcpu, const QList<int> &available, quint64 instanceNumber);
QList<int> availableCpus();                  // sched_getaffinity of this process
QString cpuListText(const QList<int> &cpus); // "0-1,3"

// One instance's cgroup: created with its limits, joined by the sandbox's set-up child (through
// the cgroup.procs descriptors below, written with "0" before anything else), read while the
// instance runs, removed when it ends.
class Cgroup
{
public:
    static Result<std::unique_ptr<Cgroup>> create(const CgroupHost &host, const QString &name,
                                                  const CgroupLimits &limits);
    ~Cgroup(); // remove()
    Cgroup(const Cgroup &) = delete;
    Cgroup &operator=(const Cgroup &) = delete;

    Accounting mode() const { return m_mode; }
    // cgroup.procs of every hierarchy, opened by fcemu (the kernel checks the opener's
    // credentials, so the child may write them from its new user namespace).
    std::vector<int> procsFds() const;
    QStringList paths() const { return m_paths; }

    quint64 currentBytes() const; // memory.current / memory.usage_in_bytes
    quint64 peakBytes() const;    // since the last resetPeak(); 0 when unknown
    void resetPeak();
    quint64 oomKills() const; // memory.events oom_kill / memory.oom_control oom_kill
    // Removes every folder, waiting up to ~1 s for the last processes to leave. True when
    // nothing is left behind.
    bool remove();

    // Mount operations that show this cgroup at /sys/fs/cgroup inside (read-only, through the
    // sandbox's cgroup namespace), to insert before the plan's DetachOldRoot.
    std::vector<SetupOp> insideMounts(const CgroupHost &host) const;

private:
    Cgroup() = default;
    Accounting m_mode = Accounting::Polling;
    QStringList m_paths; // v2: one; v1: one per hierarchy, memory first
    QString m_memoryDir;
    std::vector<UniqueFd> m_procs;
    // The memory counters, kept open (read with pread). The peak: v2 memory.peak (a write resets
    // this descriptor's peak), v1 memory.max_usage_in_bytes; events: memory.events or
    // memory.oom_control.
    UniqueFd m_peakFd;
    UniqueFd m_currentFd;
    UniqueFd m_eventsFd;
    bool m_peakReset = false;
    bool m_removed = false;
};

// /proc/meminfo as the function should see it: MemTotal = the function's memory, MemFree and
// MemAvailable the same at start, swap none; the host's other lines as zero or kept (huge page
// sizes, vmalloc).
QByteArray instanceMeminfo(const QByteArray &hostMeminfo, quint64 memoryBytes);

// Mount operations for the generated /proc/meminfo (written in the scratch tmpfs, bound
// read-only over /proc/meminfo), to insert before the plan's DetachOldRoot.
std::vector<SetupOp> meminfoMounts(quint64 memoryBytes);

// Inserts ops before the plan's DetachOldRoot.
void insertBeforeDetach(MountPlan &plan, std::vector<SetupOp> ops);

} // namespace Fcemu::Sandbox
