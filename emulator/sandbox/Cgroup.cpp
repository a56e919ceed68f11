// An instance's cgroup: made under the parent CgroupHost.cpp chose, its limits, the counters the
// sampler and every request read, the cgroup namespace's view inside, the generated
// /proc/meminfo, and its removal.

#include "Cgroup.h"

#include <cerrno>
#include <cmath>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <mutex>
#include <functional>
#include <thread>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include "SandboxLog.h"
#include "CgroupFiles.h"

namespace Fcemu::Sandbox {

using namespace Detail;

namespace {

// "key value" lines (memory.events, memory.oom_control): the value of key, 0 when absent.
quint64 keyedValue(const QByteArray &content, const QByteArray &key)
{
    for (const QByteArray &line : content.split('\n')) {
        const QList<QByteArray> parts = line.simplified().split(' ');
        if (parts.size() == 2 && parts[0] == key)
            return parts[1].toULongLong();
    }
    return 0;
}

// A counter file kept open, read again from its start: the sampler reads these a hundred times
// a second, and every request reads the peak, so no open/stat/close each time.
QByteArray readAt(int fd)
{
    if (fd < 0)
        return {};
    char buf[1024];
    const ssize_t n = ::pread(fd, buf, sizeof buf, 0);
    return n > 0 ? QByteArray(buf, n) : QByteArray();
}

quint64 numberAt(int fd)
{
    return readAt(fd).trimmed().toULongLong();
}

int openCounter(const QString &dir, const char *file, int flags = O_RDONLY)
{
    return ::open(QFile::encodeName(dir + u'/' + QLatin1StringView(file)).constData(),
                  flags | O_CLOEXEC);
}

} // namespace

namespace {

// Instance cgroups ("i-<pid>-<n>") whose fcemu is gone: a killed fcemu cannot remove its own.
// Empty ones are removed (rmdir fails on a cgroup with processes, and then it stays).
void removeLeftovers(const CgroupHost &host)
{
    QStringList parents;
    if (host.mode == Accounting::CgroupV2)
        parents << host.v2Parent;
    else
        for (const CgroupHost::V1Hierarchy &h : host.v1)
            parents << h.parent;
    static const QRegularExpression leftover(u"^i-(\\d+)-\\d+$"_qs);
    for (const QString &parent : std::as_const(parents)) {
        const QStringList entries = QDir(parent).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        for (const QString &entry : entries) {
            const auto match = leftover.match(entry);
            if (!match.hasMatch())
                continue;
            const pid_t owner = pid_t(match.captured(1).toLongLong());
            if (owner == ::getpid() || ::kill(owner, 0) == 0 || errno != ESRCH)
                continue;
            if (::rmdir(QFile::encodeName(parent + u'/' + entry).constData()) == 0)
                qCDebug(lcSandbox) << "removed the leftover cgroup" << parent + u'/' + entry;
        }
    }
}

} // namespace

Result<std::unique_ptr<Cgroup>> Cgroup::create(const CgroupHost &host, const QString &name,
                                               const CgroupLimits &limits)
{
    static std::once_flag swept;
    std::call_once(swept, [&host] { removeLeftovers(host); });
    std::unique_ptr<Cgroup> cg(new Cgroup);
    cg->m_mode = host.mode;
    auto failWith = [&cg](const QString &what, int err) -> std::unexpected<Error> {
        cg->remove();
        return fail(ErrorKind::Platform, u"cgroup: "_qs + what + u": "_qs + errnoText(err));
    };
    auto make = [&cg](const QString &dir) -> int {
        if (::mkdir(QFile::encodeName(dir).constData(), 0755) != 0)
            return errno;
        cg->m_paths << dir;
        return 0;
    };
    auto set = [](const QString &dir, const char *file, const QByteArray &value) {
        return writeValue(dir + u'/' + QLatin1String(file), value);
    };
    auto exists = [](const QString &dir, const char *file) {
        return QFileInfo::exists(dir + u'/' + QLatin1String(file));
    };
    const QByteArray memory = QByteArray::number(limits.memoryBytes);
    const qint64 period = 100000;
    const QByteArray quota =
        QByteArray::number(std::max<qint64>(1000, qint64(std::llround(limits.cpus * period))));
    if (host.mode == Accounting::CgroupV2) {
        const QString dir = host.v2Parent + u'/' + name;
        if (int err = make(dir))
            return failWith(u"mkdir "_qs + dir, err);
        cg->m_memoryDir = dir;
        if (limits.memoryBytes != 0) {
            if (int err = set(dir, "memory.max", memory))
                return failWith(u"memory.max"_qs, err);
            if (exists(dir, "memory.swap.max"))
                set(dir, "memory.swap.max", "0");
            // FC's instance dies as a whole when it runs out of memory.
            set(dir, "memory.oom.group", "1");
        }
        if (limits.pids != 0)
            if (int err = set(dir, "pids.max", QByteArray::number(limits.pids)))
                return failWith(u"pids.max"_qs, err);
        if (limits.cpus > 0 && exists(dir, "cpu.max"))
            set(dir, "cpu.max", quota + ' ' + QByteArray::number(period));
        if (!limits.cpuList.isEmpty() && exists(dir, "cpuset.cpus"))
            set(dir, "cpuset.cpus", cpuListText(limits.cpuList).toLatin1());
        cg->m_peakFd.reset(openCounter(dir, "memory.peak", O_RDWR));
        cg->m_currentFd.reset(openCounter(dir, "memory.current"));
        cg->m_eventsFd.reset(openCounter(dir, "memory.events"));
    } else if (host.mode == Accounting::CgroupV1) {
        for (const CgroupHost::V1Hierarchy &h : host.v1) {
            const QString dir = h.parent + u'/' + name;
            if (int err = make(dir))
                return failWith(u"mkdir "_qs + dir, err);
            const QString &c = h.controller;
            int err = 0;
            if (c == u"memory"_qs) {
                cg->m_memoryDir = dir;
                cg->m_peakFd.reset(openCounter(dir, "memory.max_usage_in_bytes", O_RDWR));
                cg->m_currentFd.reset(openCounter(dir, "memory.usage_in_bytes"));
                cg->m_eventsFd.reset(openCounter(dir, "memory.oom_control"));
                if (limits.memoryBytes != 0) {
                    err = set(dir, "memory.limit_in_bytes", memory);
                    if (err == 0 && exists(dir, "memory.memsw.limit_in_bytes"))
                        err = set(dir, "memory.memsw.limit_in_bytes", memory);
                }
            } else if (c == u"pids"_qs && limits.pids != 0) {
                err = set(dir, "pids.max", QByteArray::number(limits.pids));
            } else if (c == u"cpu"_qs && limits.cpus > 0) {
                err = set(dir, "cpu.cfs_period_us", QByteArray::number(period));
                if (err == 0)
                    err = set(dir, "cpu.cfs_quota_us", quota);
            } else if (c == u"cpuset"_qs) {
                const QByteArray cpus = limits.cpuList.isEmpty()
                                            ? readSmallFile(h.parent + u"/cpuset.cpus"_qs).trimmed()
                                            : cpuListText(limits.cpuList).toLatin1();
                err = set(dir, "cpuset.cpus", cpus);
                if (err == 0)
                    err = set(dir, "cpuset.mems",
                              readSmallFile(h.parent + u"/cpuset.mems"_qs).trimmed());
            }
            if (err != 0)
                return failWith(u"set the "_qs + c + u" limits in "_qs + dir, err);
        }
    } else {
        return fail(ErrorKind::Platform, u"cgroup: none on this host"_qs);
    }
    for (const QString &dir : std::as_const(cg->m_paths)) {
        UniqueFd fd(
            ::open(QFile::encodeName(dir + u"/cgroup.procs"_qs).constData(), O_WRONLY | O_CLOEXEC));
        if (!fd)
            return failWith(u"open "_qs + dir + u"/cgroup.procs"_qs, errno);
        cg->m_procs.push_back(std::move(fd));
    }
    return cg;
}

Cgroup::~Cgroup()
{
    remove();
}

std::vector<int> Cgroup::procsFds() const
{
    std::vector<int> fds;
    for (const UniqueFd &fd : m_procs)
        fds.push_back(fd.get());
    return fds;
}

quint64 Cgroup::currentBytes() const
{
    if (m_removed || m_memoryDir.isEmpty())
        return 0;
    return numberAt(m_currentFd.get());
}

quint64 Cgroup::peakBytes() const
{
    if (m_removed || m_memoryDir.isEmpty())
        return 0;
    return numberAt(m_peakFd.get());
}

void Cgroup::resetPeak()
{
    if (m_removed || m_memoryDir.isEmpty())
        return;
    if (m_mode == Accounting::CgroupV1) {
        if (::pwrite(m_peakFd.get(), "0", 1, 0) < 0)
            writeValue(m_memoryDir + u"/memory.max_usage_in_bytes"_qs, "0");
    } else if (m_peakFd) {
        // Linux 6.12+: this descriptor's peak starts again from the current usage. Older
        // kernels refuse the write: the peak then is the instance's, from its start.
        if (::pwrite(m_peakFd.get(), "reset\n", 6, 0) < 0)
            m_peakReset = true;
    }
}

quint64 Cgroup::oomKills() const
{
    if (m_removed || m_memoryDir.isEmpty())
        return 0;
    // memory.events (v2) or memory.oom_control (v1): both say "oom_kill N".
    return keyedValue(readAt(m_eventsFd.get()), "oom_kill");
}

bool Cgroup::remove()
{
    if (m_removed)
        return true;
    m_removed = true;
    m_procs.clear();
    m_peakFd.reset();
    m_currentFd.reset();
    m_eventsFd.reset();
    bool all = true;
    // Children first would matter only for nested cgroups; ours are leaves.
    for (const QString &dir : std::as_const(m_paths)) {
        const QByteArray path = QFile::encodeName(dir);
        bool gone = false;
        // The last tasks of a dead PID namespace may take a moment to leave.
        for (int attempt = 0; attempt < 200 && !gone; ++attempt) {
            if (::rmdir(path.constData()) == 0 || errno == ENOENT)
                gone = true;
            else if (errno == EBUSY)
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            else
                break;
        }
        if (!gone) {
            qCWarning(lcSandbox).noquote()
                << u"cannot remove the instance's cgroup "_qs + dir + u": "_qs + errnoText(errno);
            all = false;
        }
    }
    return all;
}

std::vector<SetupOp> Cgroup::insideMounts(const CgroupHost &host) const
{
    std::vector<SetupOp> ops;
    const unsigned long safe = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    auto add = [&ops](SetupOp op) {
        op.optional = true; // an image without /sys in the read-only fallback: no inside view
        ops.push_back(std::move(op));
    };
    const QByteArray sys = QByteArray(kNewRoot) + "/sys";
    const QByteArray cg = sys + "/fs/cgroup";
    add({OpType::Mkdir, {}, sys, {}, 0, 0555, OpWhen::OverlayOnly});
    add({OpType::MountTmpfs, {}, sys, "mode=0755,size=64k", safe});
    add({OpType::Mkdir, {}, sys + "/fs", {}, 0, 0755});
    add({OpType::Mkdir, {}, cg, {}, 0, 0755});
    if (m_mode == Accounting::CgroupV2) {
        add({OpType::MountFs, "cgroup2", cg, {}, safe});
        add({OpType::RemountReadOnly, {}, cg, {}, MS_RDONLY | safe});
    } else {
        add({OpType::MountTmpfs, {}, cg, "mode=0755,size=64k", safe});
        for (const CgroupHost::V1Hierarchy &h : host.v1) {
            const QByteArray data = h.mountData.toUtf8();
            const QByteArray dest = cg + '/' + data;
            add({OpType::Mkdir, {}, dest, {}, 0, 0555});
            add({OpType::MountFs, "cgroup", dest, data, safe});
            add({OpType::RemountReadOnly, {}, dest, {}, MS_RDONLY | safe});
            // "cpu,cpuacct" is also reached as cpu and cpuacct, as on a host.
            if (data.contains(','))
                for (const QByteArray &part : data.split(','))
                    add({OpType::Symlink, data, cg + '/' + part, {}});
        }
        add({OpType::RemountReadOnly, {}, cg, {}, MS_RDONLY | safe});
    }
    add({OpType::RemountReadOnly, {}, sys, {}, MS_RDONLY | safe});
    return ops;
}

QByteArray instanceMeminfo(const QByteArray &hostMeminfo, quint64 memoryBytes)
{
    const QByteArray kb = QByteArray::number(memoryBytes / 1024);
    QByteArray out;
    for (const QByteArray &line : hostMeminfo.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray key = line.left(colon);
        const bool inKb = line.endsWith(" kB");
        QByteArray value;
        if (key == "MemTotal" || key == "MemFree" || key == "MemAvailable" || key == "CommitLimit")
            value = kb;
        else if (!inKb || key == "VmallocTotal" || key == "Hugepagesize" || key == "Hugetlb" ||
                 key.startsWith("DirectMap"))
            value = line.mid(colon + 1).trimmed().split(' ').first();
        else
            value = "0";
        QByteArray padded = key + ':';
        padded += QByteArray(std::max<qsizetype>(1, 16 - padded.size() + 8 - value.size()), ' ');
        out += padded + value + (inKb ? " kB\n" : "\n");
    }
    return out;
}

std::vector<SetupOp> meminfoMounts(quint64 memoryBytes)
{
    std::vector<SetupOp> ops;
    const QByteArray content = instanceMeminfo(readSmallFile(u"/proc/meminfo"_qs), memoryBytes);
    const QByteArray dest = QByteArray(kNewRoot) + "/proc/meminfo";
    ops.push_back({OpType::WriteFile, {}, "/meminfo", content, 0, 0444});
    ops.push_back({OpType::BindMount, "/meminfo", dest, {}, MS_BIND});
    ops.push_back({OpType::RemountReadOnly, {}, dest, {}, MS_RDONLY | MS_NOSUID | MS_NODEV});
    return ops;
}

void insertBeforeDetach(MountPlan &plan, std::vector<SetupOp> ops)
{
    auto at = std::find_if(plan.begin(), plan.end(),
                           [](const SetupOp &op) { return op.type == OpType::DetachOldRoot; });
    plan.insert(at, std::make_move_iterator(ops.begin()), std::make_move_iterator(ops.end()));
}

} // namespace Fcemu::Sandbox
