// Issue 14, tried from inside: a static probe in a test rootfs attacks the host the ways the
// issue found (host sysctls, the setuid bit on fcemu-init, host device nodes, the terminal,
// PID 1, capabilities) and every attempt must be refused, with the host unchanged afterwards
// and no byte reaching the terminal of the process that runs fcemu. Runs as root and as nobody
// (label sandbox). Skipped without user namespaces unless EMU_SANDBOX_MUST_WORK=1.
//
// The terminal: the test binary, started again as `--tty-helper ROOTFS` in a session of its
// own whose controlling terminal is a pty the test holds, plays fcemu and runs the probe.

#include <fcntl.h>
#include <linux/capability.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "SandboxFixture.h"
#include "sandbox/Sandbox.h"
#include "SandboxTestSupport.h"

using namespace Fcemu;
using namespace Fcemu::Sandbox;

namespace {

SandboxSpec probeSpec(const QString &rootfs, uint32_t uid, bool seccomp)
{
    SandboxSpec s;
    s.rootfs = rootfs;
    s.argv = {u"/bin/secprobe"_qs, u"checks"_qs};
    s.env = {u"PATH=/bin:/usr/bin"_qs, u"HOME=/"_qs};
    s.hostname = u"c-sec"_qs;
    s.instanceAddress = u"21.0.0.2"_qs;
    s.diskSizeBytes = 32ull << 20;
    s.uid = uid;
    s.gid = uid;
    s.seccomp = seccomp;
    return s;
}

// Runs the probe in an instance and returns its lines ("" on a start failure, with the error).
QByteArrayList runProbe(const QString &rootfs, uint32_t uid, QString *error, bool seccomp = true,
                        const QStringList &argv = {})
{
    SandboxSpec spec = probeSpec(rootfs, uid, seccomp);
    if (!argv.isEmpty())
        spec.argv = argv;
    Instance instance(spec);
    QByteArrayList lines;
    bool done = false;
    QObject::connect(&instance, &Instance::outputLine, &instance,
                     [&lines](const OutputLine &line) { lines << line.text; });
    QObject::connect(&instance, &Instance::exited, &instance,
                     [&done](const ExitStatus &) { done = true; });
    if (const Status started = instance.start(); !started) {
        *error = started.error().message;
        return {};
    }
    QElapsedTimer timer;
    timer.start();
    while (!done && timer.elapsed() < 20000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    return lines;
}

int ttyHelper(const char *rootfs)
{
    QString error;
    const QByteArrayList lines = runProbe(QString::fromLocal8Bit(rootfs), 0, &error);
    if (!error.isEmpty()) {
        fprintf(stderr, "%s\n", qPrintable(error));
        return 4;
    }
    for (const QByteArray &line : lines)
        printf("%s\n", line.constData());
    return 0;
}

QHash<QByteArray, QByteArray> parse(const QByteArrayList &lines)
{
    QHash<QByteArray, QByteArray> results;
    for (const QByteArray &line : lines) {
        const qsizetype colon = line.indexOf(": ");
        if (colon > 0)
            results.insert(line.left(colon), line.mid(colon + 2).trimmed());
    }
    return results;
}

QByteArray readAll(const char *path)
{
    QFile file(QString::fromLatin1(path));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray("(unreadable)");
}

struct HostState
{
    QByteArray corePattern, leaseBreakTime;
    mode_t initMode = 0;
    timespec devFullMtime{}, devFullCtime{};
    mode_t devNullMode = 0;
    uid_t devZeroOwner = 0;

    static HostState now()
    {
        HostState s;
        s.corePattern = readAll("/proc/sys/kernel/core_pattern");
        s.leaseBreakTime = readAll("/proc/sys/fs/lease-break-time");
        struct stat st = {};
        if (stat(FCEMU_INIT_PATH, &st) == 0)
            s.initMode = st.st_mode;
        if (stat("/dev/full", &st) == 0) {
            s.devFullMtime = st.st_mtim;
            s.devFullCtime = st.st_ctim;
        }
        if (stat("/dev/null", &st) == 0)
            s.devNullMode = st.st_mode;
        if (stat("/dev/zero", &st) == 0)
            s.devZeroOwner = st.st_uid;
        return s;
    }
};

// Docker's default capability set, less CAP_NET_RAW.
constexpr unsigned long long kDockerCaps =
    (1ull << CAP_CHOWN) | (1ull << CAP_DAC_OVERRIDE) | (1ull << CAP_FSETID) | (1ull << CAP_FOWNER) |
    (1ull << CAP_MKNOD) | (1ull << CAP_SETGID) | (1ull << CAP_SETUID) | (1ull << CAP_SETFCAP) |
    (1ull << CAP_SETPCAP) | (1ull << CAP_NET_BIND_SERVICE) | (1ull << CAP_SYS_CHROOT) |
    (1ull << CAP_KILL) | (1ull << CAP_AUDIT_WRITE);

// What the seccomp filter alone refuses (the probe makes each call so that it would otherwise
// get another answer).
constexpr const char *kSeccompRefused[] = {"unshare_user", "clone_newuser", "keyctl",
                                           "bpf",          "userfaultfd",   "io_uring_setup"};

} // namespace

class TestSecurity final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_rootfs;

    static void expectRefused(const QHash<QByteArray, QByteArray> &r, const char *name,
                              const QByteArrayList &allowed)
    {
        QVERIFY2(r.contains(name), name);
        QVERIFY2(allowed.contains(r.value(name)),
                 qPrintable(QString::fromLatin1(name) + u": "_qs +
                            QString::fromLatin1(r.value(name)) + u" (want one of "_qs +
                            QString::fromLatin1(allowed.join(' ')) + u")"_qs));
    }

    static void expectAllRefused(const QHash<QByteArray, QByteArray> &r)
    {
        const QByteArrayList denied = {"EACCES", "EPERM", "EROFS"};
        // Kernels without CONFIG_MAGIC_SYSRQ have no /proc/sysrq-trigger.
        expectRefused(r, "sysrq_trigger", {"EACCES", "EPERM", "EROFS", "ENOENT"});
        for (const char *name : {"core_pattern", "lease_break_time", "init_exe_setuid",
                                 "dev_full_touch", "dev_null_chmod", "dev_zero_chown", "init_mem"})
            expectRefused(r, name, denied);
        for (const char *name : {"proc_kcore", "proc_keys", "proc_timer_list"})
            expectRefused(r, name, {"EMPTY", "ENOENT", "EACCES", "EPERM"});
        expectRefused(r, "open_dev_tty", {"ENXIO"});
        expectRefused(r, "tiocsti_stdio", {"ENOTTY", "EPERM", "EIO"});
        expectRefused(r, "tty_self", {"0"});
        expectRefused(r, "tty_init", {"0"});
        expectRefused(r, "ptrace_init", {"EPERM"});
        expectRefused(r, "pidfd_getfd_init", {"EPERM"});
        for (const char *name : {"mount_tmpfs", "sethostname", "umount_proc_sys"})
            expectRefused(r, name, {"EPERM"});
        expectRefused(r, "af_packet", {"EPERM", "EAFNOSUPPORT"});
        expectRefused(r, "no_new_privs", {"1"});
        for (const char *name : kSeccompRefused)
            expectRefused(r, name, {"EPERM"});
        bool ok = false;
        QCOMPARE(r.value("caps_bounding").toULongLong(&ok, 16), kDockerCaps);
        QVERIFY(ok);
    }

    static void expectHostUnchanged(const HostState &before)
    {
        const HostState after = HostState::now();
        QCOMPARE(after.corePattern, before.corePattern);
        QCOMPARE(after.leaseBreakTime, before.leaseBreakTime);
        QCOMPARE(after.initMode, before.initMode);
        QVERIFY(!(after.initMode & S_ISUID));
        QCOMPARE(after.devFullMtime.tv_sec, before.devFullMtime.tv_sec);
        QCOMPARE(after.devFullMtime.tv_nsec, before.devFullMtime.tv_nsec);
        QCOMPARE(after.devFullCtime.tv_nsec, before.devFullCtime.tv_nsec);
        QCOMPARE(after.devNullMode, before.devNullMode);
        QCOMPARE(after.devZeroOwner, before.devZeroOwner);
    }

private slots:
    void initTestCase()
    {
        FCEMU_REQUIRE_SANDBOX();
        QVERIFY(m_dir.isValid());
        m_rootfs = m_dir.filePath(u"rootfs"_qs);
        QVERIFY(SandboxFixture::buildRootfs(m_rootfs));
        QVERIFY(SandboxFixture::copyExecutable(QStringLiteral(FCEMU_SEC_PROBE),
                                               m_rootfs + u"/bin/secprobe"_qs));
    }

    // fcemu with a controlling terminal (a pty of ours): every finding refused, nothing typed
    // into the terminal, the host unchanged.
    void attacksFromRootWithATerminal()
    {
        int master = -1, slave = -1;
        QVERIFY(openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
        const auto closeBoth = qScopeGuard([&] {
            close(master);
            close(slave);
        });
        const HostState before = HostState::now();
        QProcess helper;
        helper.setProgram(QCoreApplication::applicationFilePath());
        helper.setArguments({u"--tty-helper"_qs, m_rootfs});
        helper.setChildProcessModifier([slave] {
            // A session whose controlling terminal is the pty, as a shell gives fcemu.
            setsid();
            ioctl(slave, TIOCSCTTY, 0);
        });
        helper.start();
        QVERIFY(helper.waitForFinished(30000));
        const QByteArray err = helper.readAllStandardError();
        QVERIFY2(helper.exitCode() == 0, err.constData());
        const auto results = parse(helper.readAllStandardOutput().split('\n'));
        expectAllRefused(results);
        QCOMPARE(results.value("caps").toULongLong(nullptr, 16), kDockerCaps);
        // Nothing pushed into the terminal's input, nothing written to it.
        int queued = -1;
        QVERIFY(ioctl(slave, FIONREAD, &queued) == 0);
        QCOMPARE(queued, 0);
        QVERIFY(ioctl(master, FIONREAD, &queued) == 0);
        QCOMPARE(queued, 0);
        expectHostUnchanged(before);
    }

    // The image's USER: no capabilities at all, and the same refusals.
    void attacksFromTheImagesUser()
    {
        const HostState before = HostState::now();
        QString error;
        const auto results = parse(runProbe(m_rootfs, 1000, &error));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        expectAllRefused(results);
        QCOMPARE(results.value("caps"), QByteArray("0"));
        expectHostUnchanged(before);
    }

    // Finding 3: 3,000 processes in one instance. The task limit stops the fork bomb with
    // EAGAIN at the limit (fcemu-init and the probe count too), for root and for a USER.
    void taskLimit_data()
    {
        QTest::addColumn<uint>("uid");
        QTest::addRow("root") << 0u;
        QTest::addRow("USER 1000") << 1000u;
    }
    void taskLimit()
    {
        QFETCH(uint, uid);
        QString error;
        const auto results = parse(
            runProbe(m_rootfs, uid, &error, true, {u"/bin/secprobe"_qs, u"tasks"_qs, u"3000"_qs}));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QList<QByteArray> got = results.value("tasks").split(' ');
        QCOMPARE(got.size(), 2);
        QCOMPARE(got[1], QByteArray("EAGAIN"));
        const int forked = got[0].toInt();
        QVERIFY2(forked >= 1000 && forked < 1024, got[0].constData());
    }

    // Finding 4: RAM in /dev/shm is not any process's RSS; the poller counts it, and the
    // instance is killed over its limit.
    void shmCountsAsMemory()
    {
        SandboxSpec spec = probeSpec(m_rootfs, 0, true);
        spec.argv = {u"/bin/secprobe"_qs, u"shm"_qs, u"48"_qs};
        spec.memoryLimitBytes = 32ull << 20;
        Instance instance(spec);
        std::optional<ExitStatus> status;
        QObject::connect(&instance, &Instance::exited, &instance,
                         [&status](const ExitStatus &s) { status = s; });
        const Status started = instance.start();
        QVERIFY2(started.has_value(), started ? "" : qPrintable(started.error().message));
        QTRY_VERIFY_WITH_TIMEOUT(status.has_value(), 15000);
        QVERIFY(status->memoryLimitExceeded);
        QVERIFY(instance.peakMemoryBytes() >= (32ull << 20)); // a cgroup stops it at the limit
    }

    // --seccomp unconfined: the same calls get past the filter (so the filter is what refused
    // them above), while the rest of the sandbox still holds.
    void unconfinedHasNoFilter()
    {
        QString error;
        const auto results = parse(runProbe(m_rootfs, 0, &error, false));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        for (const char *name : kSeccompRefused)
            QVERIFY2(results.value(name) != "EPERM",
                     qPrintable(QString::fromLatin1(name) + u": "_qs +
                                QString::fromLatin1(results.value(name))));
        expectRefused(results, "ptrace_init", {"EPERM"});
        expectRefused(results, "core_pattern", {"EACCES", "EPERM", "EROFS"});
    }
};

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--tty-helper") == 0) {
        QCoreApplication app(argc, argv);
        return ttyHelper(argv[2]);
    }
    QCoreApplication app(argc, argv);
    TestSecurity test;
    return QTest::qExec(&test, argc, argv);
}

#include "TestSecurity.moc"
