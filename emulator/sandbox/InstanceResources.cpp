// An instance's resources as FC gives them: its cgroup (memory, CPU quota, pids), its CPUs, and
// the generated /proc/meminfo where no cgroup can be had; and the cgroup's end.

#include "InstancePrivate.h"
#include "ProcFs.h"
#include "SandboxLog.h"

namespace Fcemu::Sandbox {

using namespace Detail;

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

} // namespace Fcemu::Sandbox
