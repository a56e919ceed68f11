// Issue 12 item 2 and issue 14 finding 4: an instance's memory, tasks and CPUs, limited and
// accounted by the kernel (a cgroup, run as root here) or by the poller (as nobody, and as
// root under FCEMU_CGROUP=none: test_resources_polling). Hogs that hide memory from RSS (a
// memfd never mapped, /dev/shm, a bind mount over /proc/self/statm) are all stopped with FC's
// OOM; 1,000 idle processes are not; a fork bomb stops at the task limit; no cgroup is left
// behind. Label sandbox: CI runs it as root and as nobody.

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

#include <optional>

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "SandboxFixture.h"
#include "sandbox/Cgroup.h"
#include "sandbox/Sandbox.h"
#include "SandboxTestSupport.h"

using namespace Fcemu;
using namespace Fcemu::Sandbox;

namespace {

struct Run
{
    QHash<QByteArray, QByteArray> values;
    QByteArrayList lines;
    std::optional<ExitStatus> status;
    QString accounting;
    QStringList cgroupPaths;
    quint64 peak = 0;
    QString error;
};

Run runProbe(const QString &rootfs, const QStringList &args, quint64 memoryMB, double vcpu = 0,
             int timeoutMs = 30000)
{
    SandboxSpec s;
    s.rootfs = rootfs;
    s.argv = QStringList{u"/bin/resprobe"_qs} + args;
    s.env = {u"PATH=/bin"_qs};
    s.hostname = u"c-res"_qs;
    s.instanceAddress = u"21.0.0.3"_qs;
    s.diskSizeBytes = 64ull << 20;
    s.memoryLimitBytes = memoryMB << 20;
    s.vcpu = vcpu;
    Run run;
    Instance instance(s);
    QObject::connect(&instance, &Instance::outputLine, &instance, [&run](const OutputLine &line) {
        run.lines << line.text;
        const qsizetype colon = line.text.indexOf(": ");
        if (colon > 0)
            run.values.insert(line.text.left(colon), line.text.mid(colon + 2).trimmed());
    });
    QObject::connect(&instance, &Instance::exited, &instance,
                     [&run](const ExitStatus &st) { run.status = st; });
    if (const Status started = instance.start(); !started) {
        run.error = started.error().message;
        return run;
    }
    run.accounting = instance.memoryAccounting();
    run.cgroupPaths = instance.cgroupPaths();
    QElapsedTimer timer;
    timer.start();
    while (!run.status && timer.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    run.peak = instance.peakMemoryBytes();
    return run;
}

// What this host should give: cgroup v1 as root on a hybrid host such as CI's, polling as
// nobody or with FCEMU_CGROUP=none.
QString expectedAccounting()
{
    if (geteuid() != 0 || qEnvironmentVariable("FCEMU_CGROUP") == u"none"_qs)
        return u"polling"_qs;
    return accountingName(cgroupHost().mode);
}

} // namespace

class TestResources : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_rootfs;

    void expectOom(const Run &run)
    {
        QVERIFY2(run.error.isEmpty(), qPrintable(run.error));
        QVERIFY2(run.status.has_value(), "the instance did not end");
        QVERIFY2(run.status->memoryLimitExceeded, run.lines.join('\n').constData());
        QCOMPARE(run.status->signal, SIGKILL);
    }

private slots:
    void initTestCase()
    {
        FCEMU_REQUIRE_SANDBOX();
        QVERIFY(m_dir.isValid());
        m_rootfs = m_dir.filePath(u"rootfs"_qs);
        QVERIFY(SandboxFixture::buildRootfs(m_rootfs));
        QVERIFY(QDir(m_rootfs).mkpath(u"sys"_qs));
        QVERIFY(SandboxFixture::copyExecutable(QStringLiteral(FCEMU_RES_PROBE),
                                               m_rootfs + u"/bin/resprobe"_qs));
        qInfo().noquote() << "accounting on this host:" << accountingName(cgroupHost().mode)
                          << cgroupHost().reason;
    }

    void accountingIsSaid()
    {
        const Run run = runProbe(m_rootfs, {u"view"_qs}, 128);
        QVERIFY2(run.error.isEmpty(), qPrintable(run.error));
        QCOMPARE(run.accounting, expectedAccounting());
        // CI's hosts (and this one) are hybrid: v1 controllers, an empty cgroup2.
        if (geteuid() == 0 && qEnvironmentVariable("FCEMU_CGROUP") != u"none"_qs &&
            QFile::exists(u"/sys/fs/cgroup/memory/memory.limit_in_bytes"_qs) &&
            !QFile::exists(u"/sys/fs/cgroup/cgroup.controllers"_qs))
            QCOMPARE(run.accounting, u"cgroup-v1"_qs);
    }

    // Inside: the function's memory in /proc/meminfo (both modes) and in its cgroup files
    // (cgroup modes), nproc = the vCPUs rounded up (at most the host's).
    void insideView_data()
    {
        QTest::addColumn<double>("vcpu");
        QTest::addRow("0.35 vCPU") << 0.35;
        QTest::addRow("1.5 vCPU") << 1.5;
    }
    void insideView()
    {
        QFETCH(double, vcpu);
        const Run run = runProbe(m_rootfs, {u"view"_qs}, 128, vcpu);
        QVERIFY2(run.error.isEmpty(), qPrintable(run.error));
        QVERIFY(run.status.has_value());
        const int hostCpus = int(availableCpus().size());
        QCOMPARE(run.values.value("nproc").toInt(), std::min(vcpu > 1 ? 2 : 1, hostCpus));
        QCOMPARE(run.values.value("meminfo_total_kb"), QByteArray("131072"));
        QCOMPARE(run.values.value("meminfo_available_kb"), QByteArray("131072"));
        const QByteArray limit = QByteArray::number(128ull << 20);
        const QByteArray quota = QByteArray::number(qint64(vcpu * 100000 + 0.5));
        if (run.accounting == u"cgroup-v1"_qs) {
            QCOMPARE(run.values.value("v1_memory_limit"), limit);
            QCOMPARE(run.values.value("v1_pids_max"), QByteArray("1024"));
            QCOMPARE(run.values.value("v1_cpu_quota"), quota);
            // The cgroup namespace: the instance's cgroup is the root inside.
            QVERIFY2(run.values.value("proc_self_cgroup").endsWith(":/"),
                     run.values.value("proc_self_cgroup").constData());
            QVERIFY(run.values.value("cgroup_write") != "ok");
        } else if (run.accounting == u"cgroup-v2"_qs) {
            QCOMPARE(run.values.value("v2_memory_max"), limit);
            QCOMPARE(run.values.value("v2_pids_max"), QByteArray("1024"));
            QCOMPARE(run.values.value("v2_cpu_max"), quota + " 100000");
            QCOMPARE(run.values.value("proc_self_cgroup"), QByteArray("0::/"));
            QVERIFY(run.values.value("cgroup_write") != "ok");
        } else {
            QCOMPARE(run.values.value("v1_memory_limit"), QByteArray("none"));
            QCOMPARE(run.values.value("v2_memory_max"), QByteArray("none"));
        }
    }

    // No cgroup left behind, whichever way the instance ends.
    void cgroupGoneAfterExit()
    {
        const Run run = runProbe(m_rootfs, {u"view"_qs}, 128, 1);
        QVERIFY2(run.error.isEmpty(), qPrintable(run.error));
        if (run.accounting == u"polling"_qs)
            QVERIFY(run.cgroupPaths.isEmpty());
        else
            QVERIFY(!run.cgroupPaths.isEmpty());
        for (const QString &path : run.cgroupPaths)
            QVERIFY2(!QFileInfo::exists(path), qPrintable(path));
        const Run killed = runProbe(m_rootfs, {u"memfd"_qs, u"1024"_qs}, 128);
        for (const QString &path : killed.cgroupPaths)
            QVERIFY2(!QFileInfo::exists(path), qPrintable(path));
    }

    // 1 GB in a memfd that is never mapped, in a 128 MB function.
    void memfdHogIsOom()
    {
        const Run run = runProbe(m_rootfs, {u"memfd"_qs, u"1024"_qs}, 128);
        expectOom(run);
        QVERIFY(!run.lines.contains("memfd: written"));
    }

    // RAM in /dev/shm (a tmpfs as large as the function's memory).
    void shmHogIsOom()
    {
        const Run run = runProbe(m_rootfs, {u"shm"_qs, u"1024"_qs}, 128);
        expectOom(run);
        // The kernel stops the writer at the limit; the poller may see it 10 ms late, after
        // /dev/shm is full.
        if (run.accounting != u"polling"_qs)
            QVERIFY(!run.lines.contains("shm: written"));
    }

    // The dodge: a bind mount over /proc/self/statm is refused, and memory is read from
    // the host's /proc (or the cgroup) anyway.
    void statmBindDodgeFails()
    {
        const Run run = runProbe(m_rootfs, {u"statm"_qs, u"256"_qs}, 128);
        QVERIFY(run.values.value("bind_statm") != "ok");
        expectOom(run);
    }

    // Idle processes share their pages: counted once, no false OOM. As many as the task limit
    // allows (1,024 with init and the probe).
    void idleProcessesAreNoOom()
    {
        const Run run = runProbe(m_rootfs, {u"idle"_qs, u"1000"_qs}, 256, 0, 60000);
        QVERIFY2(run.error.isEmpty(), qPrintable(run.error));
        QVERIFY(run.status.has_value());
        QCOMPARE(run.values.value("idle"), QByteArray("1000 none"));
        QVERIFY2(!run.status->memoryLimitExceeded,
                 qPrintable(QString::number(run.peak >> 20) + u" MB"_qs));
        QCOMPARE(run.status->exitCode, 0);
        qInfo() << "1000 idle processes:" << (run.peak >> 20) << "MB peak," << run.accounting;
    }

    // A fork bomb stops at the task limit and the host still forks.
    void forkBombStops()
    {
        const Run run = runProbe(m_rootfs, {u"bomb"_qs}, 512, 0, 60000);
        QVERIFY2(run.error.isEmpty(), qPrintable(run.error));
        QVERIFY(run.status.has_value());
        QVERIFY2(run.lines.contains("bomb: over"), run.lines.join('\n').constData());
        QCOMPARE(run.status->exitCode, 0);
        const QByteArray current = run.accounting == u"cgroup-v1"_qs
                                       ? run.values.value("bomb_pids_current")
                                       : run.values.value("bomb_pids_current_v2");
        if (run.accounting != u"polling"_qs) {
            QVERIFY2(current.toInt() > 900 && current.toInt() <= 1024, current.constData());
        }
        QProcess host;
        host.start(QStringLiteral(FCEMU_SB_TRUE), {});
        QVERIFY(host.waitForFinished(10000));
        QCOMPARE(host.exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TestResources)
#include "TestResources.moc"
