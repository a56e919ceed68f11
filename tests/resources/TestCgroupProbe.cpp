// The cgroup probe's choices (Cgroup.h) from given /proc/self/mountinfo and /proc/self/cgroup,
// and the generated /proc/meminfo and CPU choice: no host needed.

#include <QTest>

#include "sandbox/Cgroup.h"

using namespace Fcemu;
using namespace Fcemu::Sandbox;

namespace {

// CI's hosts: v1 controllers, an empty cgroup2 at /sys/fs/cgroup/unified.
const QByteArray kHybridMounts =
    "35 25 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755\n"
    "36 35 0:31 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw\n"
    "38 35 0:33 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory\n"
    "39 35 0:34 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids\n"
    "40 35 0:35 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct\n"
    "41 35 0:36 / /sys/fs/cgroup/cpuset rw,nosuid - cgroup cgroup rw,cpuset\n";
const QByteArray kHybridCgroup = "9:pids:/\n4:memory:/ci/job\n3:cpuset:/\n2:cpu,cpuacct:/\n0::/\n";

// A systemd host: cgroup2 only.
const QByteArray kUnifiedMounts =
    "30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec - cgroup2 cgroup2 rw,nsdelegate\n";
const QByteArray kUserCgroup =
    "0::/user.slice/user-1000.slice/user@1000.service/app.slice/fcemu.scope\n";

} // namespace

class TestCgroupProbe : public QObject
{
    Q_OBJECT

private slots:
    void parsesMountInfo()
    {
        const auto m = parseMountInfo(kHybridMounts);
        QCOMPARE(m.size(), 6);
        QCOMPARE(m[4].mountPoint, u"/sys/fs/cgroup/cpu,cpuacct"_qs);
        QCOMPARE(m[4].fsType, u"cgroup"_qs);
        QVERIFY(m[4].superOptions.contains(u"cpuacct"_qs));
        const auto escaped = parseMountInfo("1 2 0:1 / /a\\040b rw - tmpfs x rw\n");
        QCOMPARE(escaped.value(0).mountPoint, u"/a b"_qs);
    }

    void parsesProcCgroup()
    {
        const auto c = parseProcCgroup(kHybridCgroup);
        QCOMPARE(c.size(), 5);
        QCOMPARE(c[1].controllers, QStringList{u"memory"_qs});
        QCOMPARE(c[1].path, u"/ci/job"_qs);
        QVERIFY(c[4].controllers.isEmpty());
        QCOMPARE(c[4].path, u"/"_qs);
    }

    // Root on a hybrid host: the empty cgroup2 is a candidate (its controllers are looked at
    // when it is prepared); without it, v1 under our own cgroups.
    void hybridAsRootUsesV1()
    {
        QByteArray v1Only = kHybridCgroup;
        v1Only.replace("0::/\n", "");
        const CgroupHost host =
            chooseCgroupHost(kHybridMounts, v1Only, true, [](const QString &) { return true; });
        QCOMPARE(host.mode, Accounting::CgroupV1);
        QCOMPARE(host.v1.size(), size_t(4));
        QCOMPARE(host.v1[0].controller, u"memory"_qs);
        QCOMPARE(host.v1[0].parent, u"/sys/fs/cgroup/memory/ci/job/fcemu"_qs);
        QCOMPARE(host.v1[2].parent, u"/sys/fs/cgroup/cpu,cpuacct/fcemu"_qs);
        QCOMPARE(host.v1[2].mountData, u"cpu,cpuacct"_qs);
        const CgroupHost v2First = chooseCgroupHost(kHybridMounts, kHybridCgroup, true,
                                                    [](const QString &) { return true; });
        QCOMPARE(v2First.mode, Accounting::CgroupV2);
        QCOMPARE(v2First.v2Parent, u"/sys/fs/cgroup/unified"_qs);
    }

    void nobodyOnHybridPolls()
    {
        const CgroupHost host = chooseCgroupHost(kHybridMounts, kHybridCgroup, false,
                                                 [](const QString &) { return false; });
        QCOMPARE(host.mode, Accounting::Polling);
        QVERIFY(host.reason.contains(u"v1 needs root"_qs));
    }

    // Rootless under systemd: our scope, or its parent when delegated (Delegate=yes).
    void delegatedV2()
    {
        const QString scope =
            u"/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/fcemu.scope"_qs;
        const QString slice =
            u"/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice"_qs;
        CgroupHost host = chooseCgroupHost(kUnifiedMounts, kUserCgroup, false,
                                           [&](const QString &p) { return p == slice; });
        QCOMPARE(host.mode, Accounting::CgroupV2);
        QCOMPARE(host.v2Parent, slice);
        host = chooseCgroupHost(kUnifiedMounts, kUserCgroup, false,
                                [](const QString &) { return true; });
        QCOMPARE(host.v2Candidates, (QStringList{scope, slice})); // tried in this order
        host = chooseCgroupHost(kUnifiedMounts, kUserCgroup, false,
                                [&](const QString &p) { return p == scope; });
        QCOMPARE(host.v2Parent, scope);
        host = chooseCgroupHost(kUnifiedMounts, kUserCgroup, false,
                                [](const QString &) { return false; });
        QCOMPARE(host.mode, Accounting::Polling);
    }

    void accountingNames()
    {
        QCOMPARE(accountingName(Accounting::CgroupV2), u"cgroup-v2"_qs);
        QCOMPARE(accountingName(Accounting::CgroupV1), u"cgroup-v1"_qs);
        QCOMPARE(accountingName(Accounting::Polling), u"polling"_qs);
    }

    void meminfo()
    {
        const QByteArray host = "MemTotal:       24683520 kB\nMemFree:        17253332 kB\n"
                                "MemAvailable:   21978600 kB\nCached:          4861096 kB\n"
                                "SwapTotal:      1000 kB\nHugePages_Total:       0\n"
                                "Hugepagesize:       2048 kB\n";
        const QByteArray out = instanceMeminfo(host, 128ull << 20);
        QVERIFY(out.contains("MemTotal:         131072 kB\n"));
        QVERIFY(out.contains("MemAvailable:     131072 kB\n"));
        QVERIFY(out.contains("Cached:                0 kB\n"));
        QVERIFY(out.contains("SwapTotal:             0 kB\n"));
        QVERIFY(out.contains("Hugepagesize:       2048 kB\n"));
        QVERIFY(out.contains("HugePages_Total:       0\n"));
    }

    void cpus()
    {
        QCOMPARE(chooseCpus(0.35, {0, 1}, 0), QList<int>{0});
        QCOMPARE(chooseCpus(0.35, {0, 1}, 1), QList<int>{1});
        QCOMPARE(chooseCpus(1.5, {0, 1}, 7), (QList<int>{0, 1}));
        QCOMPARE(chooseCpus(2.0, {0, 1, 2, 3}, 1), (QList<int>{2, 3}));
        QCOMPARE(chooseCpus(16, {0, 1}, 0), (QList<int>{0, 1}));
        QCOMPARE(cpuListText({0, 1, 2, 5, 7, 8}), u"0-2,5,7-8"_qs);
    }
};

QTEST_GUILESS_MAIN(TestCgroupProbe)
#include "TestCgroupProbe.moc"
