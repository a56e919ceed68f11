// Which cgroups this host lets fcemu have (CONTRACT §3, #14): the hierarchies from
// /proc/self/mountinfo and /proc/self/cgroup, v2 (a delegated subtree, or ours as root) before
// v1, and fcemu's parent folder in them; and the CPUs an instance may run on.

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

// The folder of a hierarchy where this process's cgroup is: the mount point plus the path of
// /proc/self/cgroup made relative to the mount's root (a container may mount a sub-tree).
QString ownFolder(const MountInfoEntry &mount, const QString &path)
{
    QString rel = path;
    if (mount.root != u"/"_qs) {
        if (!rel.startsWith(mount.root))
            return {};
        rel = rel.mid(mount.root.size());
    }
    if (rel == u"/"_qs)
        rel.clear();
    return mount.mountPoint + rel;
}

constexpr const char *kV1Controllers[] = {"memory", "pids", "cpu", "cpuset"};

// Enables controllers for the children of dir (cgroup v2); true when memory and pids are.
bool enableV2Controllers(const QString &dir)
{
    const QByteArray available = readSmallFile(dir + u"/cgroup.controllers"_qs);
    const QList<QByteArray> have = available.simplified().split(' ');
    if (!have.contains("memory") || !have.contains("pids"))
        return false;
    QByteArray enabled = readSmallFile(dir + u"/cgroup.subtree_control"_qs);
    for (const char *ctrl : {"memory", "pids", "cpu", "cpuset"}) {
        if (!have.contains(ctrl) || enabled.simplified().split(' ').contains(ctrl))
            continue;
        writeValue(dir + u"/cgroup.subtree_control"_qs, QByteArray("+") + ctrl);
    }
    enabled = readSmallFile(dir + u"/cgroup.subtree_control"_qs);
    const QList<QByteArray> on = enabled.simplified().split(' ');
    return on.contains("memory") && on.contains("pids");
}

// Makes <candidate>/fcemu with memory and pids for its children; empty on failure.
QString prepareV2Parent(const QString &candidate)
{
    if (!enableV2Controllers(candidate))
        return {};
    const QString parent = candidate + u"/fcemu"_qs;
    if (::mkdir(QFile::encodeName(parent).constData(), 0755) != 0 && errno != EEXIST)
        return {};
    return enableV2Controllers(parent) ? parent : QString();
}

bool prepareV1Parent(const CgroupHost::V1Hierarchy &h)
{
    const QByteArray path = QFile::encodeName(h.parent);
    if (::mkdir(path.constData(), 0755) != 0 && errno != EEXIST)
        return false;
    if (h.controller == u"cpuset"_qs) {
        // A v1 cpuset starts empty: copy the CPUs and memory nodes from above.
        const QString above = QFileInfo(h.parent).path();
        for (const char *file : {"/cpuset.cpus", "/cpuset.mems"}) {
            const QString mine = h.parent + QLatin1String(file);
            if (readSmallFile(mine).trimmed().isEmpty() &&
                writeValue(mine, readSmallFile(above + QLatin1String(file)).trimmed()) != 0)
                return false;
        }
    }
    return true;
}

} // namespace

QString accountingName(Accounting mode)
{
    switch (mode) {
    case Accounting::CgroupV1:
        return u"cgroup-v1"_qs;
    case Accounting::CgroupV2:
        return u"cgroup-v2"_qs;
    case Accounting::Polling:
        break;
    }
    return u"polling"_qs;
}

QList<MountInfoEntry> parseMountInfo(const QByteArray &content)
{
    // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
    QList<MountInfoEntry> entries;
    auto unescape = [](const QByteArray &s) {
        QByteArray out;
        for (qsizetype i = 0; i < s.size(); ++i) {
            if (s[i] == '\\' && i + 3 < s.size()) {
                out += char(s.mid(i + 1, 3).toInt(nullptr, 8));
                i += 3;
            } else {
                out += s[i];
            }
        }
        return QString::fromUtf8(out);
    };
    for (const QByteArray &line : content.split('\n')) {
        const QList<QByteArray> f = line.split(' ');
        const qsizetype dash = f.indexOf("-");
        if (dash < 6 || dash + 3 >= f.size() + 1 || f.size() < dash + 4)
            continue;
        MountInfoEntry e;
        e.root = unescape(f[3]);
        e.mountPoint = unescape(f[4]);
        e.fsType = QString::fromUtf8(f[dash + 1]);
        e.superOptions = QString::fromUtf8(f[dash + 3]).split(u',');
        entries << e;
    }
    return entries;
}

QList<ProcCgroupEntry> parseProcCgroup(const QByteArray &content)
{
    QList<ProcCgroupEntry> entries;
    for (const QByteArray &line : content.split('\n')) {
        const qsizetype a = line.indexOf(':');
        const qsizetype b = a < 0 ? -1 : line.indexOf(':', a + 1);
        if (b < 0)
            continue;
        ProcCgroupEntry e;
        const QString ctrls = QString::fromUtf8(line.mid(a + 1, b - a - 1));
        if (!ctrls.isEmpty())
            e.controllers = ctrls.split(u',');
        e.path = QString::fromUtf8(line.mid(b + 1));
        entries << e;
    }
    return entries;
}

CgroupHost chooseCgroupHost(const QByteArray &mountInfo, const QByteArray &procSelfCgroup,
                            bool asRoot, const std::function<bool(const QString &)> &writable)
{
    CgroupHost host;
    const QList<MountInfoEntry> mounts = parseMountInfo(mountInfo);
    const QList<ProcCgroupEntry> own = parseProcCgroup(procSelfCgroup);
    QStringList why;

    // cgroup v2: the unified line "0::/path" and a cgroup2 mount.
    for (const ProcCgroupEntry &e : own) {
        if (!e.controllers.isEmpty() || e.path.isEmpty())
            continue;
        for (const MountInfoEntry &m : mounts) {
            if (m.fsType != u"cgroup2"_qs)
                continue;
            const QString dir = ownFolder(m, e.path);
            if (dir.isEmpty())
                continue;
            // As root, under our own cgroup; rootless, our own cgroup or its parent when it is
            // ours (a delegated subtree).
            QStringList candidates{dir};
            if (!asRoot && dir != m.mountPoint)
                candidates << QFileInfo(dir).path();
            for (const QString &c : std::as_const(candidates))
                if (writable(c))
                    host.v2Candidates << c;
            if (!host.v2Candidates.isEmpty()) {
                host.mode = Accounting::CgroupV2;
                host.v2Parent = host.v2Candidates.first(); // prepared by cgroupHost()
                return host;
            }
            why << (u"cgroup v2 at "_qs + m.mountPoint + u": "_qs + dir + u" is not writable"_qs +
                    (asRoot ? QString() : u" (no delegated subtree)"_qs));
        }
    }

    if (!asRoot) {
        why << u"cgroup v1 needs root"_qs;
        host.reason = why.join(u"; "_qs);
        return host;
    }
    for (const char *ctrl : kV1Controllers) {
        const QString name = QString::fromLatin1(ctrl);
        for (const ProcCgroupEntry &e : own) {
            if (!e.controllers.contains(name))
                continue;
            for (const MountInfoEntry &m : mounts) {
                if (m.fsType != u"cgroup"_qs || !m.superOptions.contains(name))
                    continue;
                const QString dir = ownFolder(m, e.path);
                if (dir.isEmpty() || !writable(dir))
                    continue;
                host.v1.push_back({name, dir + u"/fcemu"_qs, e.controllers.join(u',')});
                break;
            }
            break;
        }
    }
    auto has = [&host](const char *c) {
        return std::any_of(host.v1.begin(), host.v1.end(), [c](const CgroupHost::V1Hierarchy &h) {
            return h.controller == QLatin1String(c);
        });
    };
    if (has("memory") && has("pids")) {
        host.mode = Accounting::CgroupV1;
        host.reason = why.join(u"; "_qs);
        return host;
    }
    host.v1.clear();
    why << u"no writable cgroup v1 memory and pids hierarchies"_qs;
    host.reason = why.join(u"; "_qs);
    return host;
}

const CgroupHost &cgroupHost()
{
    static const CgroupHost host = [] {
        CgroupHost h;
        if (qEnvironmentVariable("FCEMU_CGROUP") == u"none"_qs) {
            h.reason = u"FCEMU_CGROUP=none"_qs;
            return h;
        }
        const bool asRoot = geteuid() == 0;
        h = chooseCgroupHost(
            readSmallFile(u"/proc/self/mountinfo"_qs), readSmallFile(u"/proc/self/cgroup"_qs),
            asRoot, [](const QString &dir) {
                return ::access(QFile::encodeName(dir).constData(), W_OK) == 0 &&
                       ::access(QFile::encodeName(dir + u"/cgroup.procs"_qs).constData(), W_OK) ==
                           0;
            });
        if (h.mode == Accounting::CgroupV2) {
            // Our own cgroup holds processes, so it may refuse to enable controllers for
            // children ("no internal processes"): then its parent, when delegated.
            QString parent;
            for (const QString &candidate : std::as_const(h.v2Candidates))
                if (parent = prepareV2Parent(candidate); !parent.isEmpty())
                    break;
            if (parent.isEmpty()) {
                // The v1 hierarchies may still do (a hybrid host with an empty cgroup2).
                const QString why = u"cgroup v2 at "_qs + h.v2Parent +
                                    u": the memory and pids controllers cannot be had"_qs;
                CgroupHost v1 = chooseCgroupHost(
                    readSmallFile(u"/proc/self/mountinfo"_qs),
                    // Without the v2 line: only v1 is looked at.
                    [] {
                        QByteArray lines;
                        for (const QByteArray &l :
                             readSmallFile(u"/proc/self/cgroup"_qs).split('\n'))
                            if (!l.startsWith("0::"))
                                lines += l + '\n';
                        return lines;
                    }(),
                    asRoot,
                    [](const QString &dir) {
                        return ::access(QFile::encodeName(dir).constData(), W_OK) == 0;
                    });
                v1.reason = why + (v1.reason.isEmpty() ? QString() : u"; "_qs + v1.reason);
                h = v1;
            } else {
                h.v2Parent = parent;
            }
        }
        if (h.mode == Accounting::CgroupV1) {
            for (const CgroupHost::V1Hierarchy &hier : h.v1) {
                if (!prepareV1Parent(hier)) {
                    h.reason = u"cannot make "_qs + hier.parent + u": "_qs + errnoText(errno);
                    h.mode = Accounting::Polling;
                    h.v1.clear();
                    break;
                }
            }
        }
        qCDebug(lcSandbox).noquote()
            << "memory accounting:" << accountingName(h.mode)
            << (h.reason.isEmpty() ? QString() : u"("_qs + h.reason + u")"_qs);
        return h;
    }();
    return host;
}

QList<int> availableCpus()
{
    QList<int> cpus;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        for (int i = 0; i < CPU_SETSIZE; ++i)
            if (CPU_ISSET(i, &set))
                cpus << i;
    }
    return cpus;
}

QList<int> chooseCpus(double vcpu, const QList<int> &available, quint64 instanceNumber)
{
    if (vcpu <= 0 || available.isEmpty())
        return available;
    // 0.35 -> 1, 1.5 -> 2: the rounding by FC's 0.05 steps must not turn 2.0000001 into 3.
    const qsizetype want =
        std::clamp<qsizetype>(qsizetype(std::ceil(vcpu - 1e-9)), 1, available.size());
    QList<int> chosen;
    for (qsizetype i = 0; i < want; ++i)
        chosen << available[qsizetype((instanceNumber * quint64(want) + quint64(i)) %
                                      quint64(available.size()))];
    std::sort(chosen.begin(), chosen.end());
    return chosen;
}

QString cpuListText(const QList<int> &cpus)
{
    QStringList parts;
    for (qsizetype i = 0; i < cpus.size();) {
        qsizetype j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1)
            ++j;
        parts << (i == j ? QString::number(cpus[i])
                         : QString::number(cpus[i]) + u'-' + QString::number(cpus[j]));
        i = j + 1;
    }
    return parts.join(u',');
}

} // namespace Fcemu::Sandbox
