// `fcemu exec` into a live instance, as a user runs it: the binary against an Instance this test
// starts (its record found in $XDG_RUNTIME_DIR), with pipes and with a pseudo-terminal.

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "SandboxFixture.h"
#include "SandboxTestSupport.h"
#include "sandbox/InstanceRegistry.h"
#include "sandbox/Sandbox.h"

using namespace Fcemu;
using namespace Fcemu::Sandbox;

namespace {

struct Run
{
    int code = -1;
    QByteArray out, err;
};

QString fcemuBinary()
{
    return qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") + u"/app/fcemu"_qs;
}

Run fcemu(const QStringList &args, const QByteArray &input = {})
{
    QProcess p;
    p.start(fcemuBinary(), args);
    p.waitForStarted();
    if (!input.isEmpty())
        p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(30000))
        qFatal("fcemu exec did not finish");
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

// fcemu run on a pseudo-terminal of ours (as from a terminal emulator): what it printed there.
Run fcemuOnTerminal(const QStringList &args)
{
    const QByteArray program = QFile::encodeName(fcemuBinary());
    QList<QByteArray> store{program};
    for (const QString &a : args)
        store.append(a.toUtf8());
    std::vector<char *> argv;
    for (QByteArray &s : store)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    int master = -1;
    const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    if (pid == 0) {
        execv(program.constData(), argv.data());
        _exit(99);
    }
    Run run;
    char buffer[4096];
    for (;;) {
        const ssize_t n = read(master, buffer, sizeof buffer);
        if (n <= 0)
            break; // EIO: fcemu and everything on the terminal are gone
        run.out.append(buffer, n);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    close(master);
    run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

bool oneErrorLine(const QByteArray &err)
{
    return err.count('\n') == 1 && err.startsWith("fcemu: ");
}

} // namespace

class TestExec final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_rootfs;
    std::unique_ptr<Instance> m_instance;
    QString m_id;

    std::unique_ptr<Instance> startInstance(const QString &id, const QStringList &argv)
    {
        SandboxSpec spec;
        spec.rootfs = m_rootfs;
        spec.argv = argv;
        spec.env = {u"PATH=/bin:/usr/bin"_qs, u"FUNCTION_VAR=from-the-function"_qs};
        spec.workingDir = u"/tmp"_qs;
        spec.uid = 1000;
        spec.gid = 1001;
        spec.hostname = id;
        spec.instanceAddress = u"21.0.0.9"_qs;
        spec.memoryLimitBytes = 256ull << 20;
        auto instance = std::make_unique<Instance>(spec);
        const auto started = instance->start();
        if (!started)
            qWarning() << started.error().message;
        return started ? std::move(instance) : nullptr;
    }

private slots:
    void initTestCase()
    {
        qRegisterMetaType<OutputLine>();
        qRegisterMetaType<ExitStatus>();
        FCEMU_REQUIRE_SANDBOX();
        QVERIFY(m_tmp.isValid());
        // Records of this test's instances only (QTemporaryDir is 0700: a private folder).
        const QString runtime = m_tmp.filePath(u"runtime"_qs);
        QVERIFY(QDir().mkpath(runtime));
        QVERIFY(QFile::setPermissions(runtime, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                   QFileDevice::ExeOwner));
        qputenv("XDG_RUNTIME_DIR", QFile::encodeName(runtime));
        m_rootfs = m_tmp.filePath(u"rootfs"_qs);
        QVERIFY(SandboxFixture::buildRootfs(m_rootfs));
        m_id = u"c-6603951e-15f440b6-"_qs + QString::number(getpid(), 16).rightJustified(12, u'0');
        m_instance = startInstance(m_id, {u"/bin/probe"_qs, u"idwait"_qs});
        QVERIFY(m_instance);
    }

    void cleanupTestCase() { m_instance.reset(); }

    void theInstanceIsListedWhileItRuns()
    {
        const auto found = findLiveInstance(m_id.left(12));
        QVERIFY2(found, found ? "" : qPrintable(found.error().message));
        QCOMPARE(found->initPid, m_instance->initPid());
        const Run list = fcemu({u"exec"_qs, u"--list"_qs});
        QCOMPARE(list.code, 0);
        QVERIFY(list.out.contains(m_id.toUtf8()));
    }

    void commandRunsAsTheFunctionInItsFolderWithItsEnvironment()
    {
        const Run id = fcemu({u"exec"_qs, m_id, u"--"_qs, u"/bin/probe"_qs, u"id"_qs});
        QCOMPARE(id.code, 0);
        QCOMPARE(id.out, QByteArray("uid=1000 gid=1001\n"));
        QCOMPARE(fcemu({u"exec"_qs, m_id, u"--"_qs, u"probe"_qs, u"pwd"_qs}).out,
                 QByteArray("/tmp\n"));
        const Run env = fcemu({u"exec"_qs, m_id, u"--"_qs, u"probe"_qs, u"env"_qs});
        QVERIFY(env.out.split('\n').contains("FUNCTION_VAR=from-the-function"));
        QCOMPARE(fcemu({u"exec"_qs, m_id, u"--"_qs, u"probe"_qs, u"hostname"_qs}).out,
                 m_id.toUtf8() + '\n');
    }

    void commandSeesTheInstanceFilesAndProcesses()
    {
        // A file made through exec is in the instance's own writable layer...
        QCOMPARE(
            fcemu({u"exec"_qs, m_id, u"--"_qs, u"probe"_qs, u"touch"_qs, u"/tmp/made"_qs}).code, 0);
        const QString inInstance =
            u"/proc/"_qs + QString::number(m_instance->initPid()) + u"/root/tmp/made"_qs;
        QVERIFY(QFileInfo::exists(inInstance));
        // ... and its processes are the instance's: init (1), the function (2) and itself.
        const Run ps = fcemu({u"exec"_qs, m_id, u"--"_qs, u"probe"_qs, u"ps"_qs});
        QList<int> pids;
        for (const QByteArray &line : ps.out.split('\n')) {
            bool ok = false;
            const int pid = line.toInt(&ok);
            if (ok)
                pids.append(pid);
        }
        QVERIFY2(pids.contains(1) && pids.contains(2) && pids.size() >= 3, ps.out.constData());
        QVERIFY(!pids.contains(int(getpid())) || getpid() <= 3);
    }

    void commandIsConfinedLikeTheFunction()
    {
        const Run status =
            fcemu({u"exec"_qs, m_id, u"--"_qs, u"probe"_qs, u"cat"_qs, u"/proc/self/status"_qs});
        QCOMPARE(status.code, 0);
        const auto field = [](const QByteArray &text, const QByteArray &name) {
            for (const QByteArray &line : text.split('\n'))
                if (line.startsWith(QByteArray(name + ':')))
                    return line.mid(name.size() + 1).trimmed();
            return QByteArray();
        };
        QCOMPARE(field(status.out, "NoNewPrivs"), QByteArray("1"));
        QCOMPARE(field(status.out, "Seccomp"), QByteArray("2"));
        // The function's own bounding set, read from the host.
        const QList<qint64> pids = m_instance->processIds();
        QVERIFY(pids.size() >= 2);
        QFile function(u"/proc/"_qs + QString::number(pids.at(1)) + u"/status"_qs);
        QVERIFY(function.open(QIODevice::ReadOnly));
        const QByteArray functionStatus = function.readAll();
        QCOMPARE(field(status.out, "CapBnd"), field(functionStatus, "CapBnd"));
        QCOMPARE(field(status.out, "CapEff"), QByteArray("0000000000000000"));
        // In the instance's cgroup, whose namespace shows it as the root.
        if (!m_instance->cgroupPaths().isEmpty()) {
            const Run cgroup = fcemu(
                {u"exec"_qs, m_id, u"--"_qs, u"probe"_qs, u"cat"_qs, u"/proc/self/cgroup"_qs});
            for (const QByteArray &line : cgroup.out.trimmed().split('\n'))
                QVERIFY2(line.endsWith(":/"), cgroup.out.constData());
        }
    }

    void exitStatusInputAndOutputPassThrough()
    {
        QCOMPARE(fcemu({u"exec"_qs, m_id, u"--"_qs, u"probe"_qs, u"exit"_qs, u"7"_qs}).code, 7);
        const Run cat =
            fcemu({u"exec"_qs, m_id, u"--"_qs, u"probe"_qs, u"stdin"_qs}, "through stdin\n");
        QCOMPARE(cat.code, 0);
        QCOMPARE(cat.out, QByteArray("through stdin\n"));
        const Run err = fcemu({u"exec"_qs, m_id, u"--"_qs, u"probe"_qs, u"stderr"_qs});
        QVERIFY(!err.err.isEmpty());
        // Without a terminal the command gets none (pipes).
        QCOMPARE(fcemu({u"exec"_qs, m_id, u"--"_qs, u"probe"_qs, u"tty"_qs}).out,
                 QByteArray("not a tty\n"));
    }

    void aTerminalGetsAPseudoTerminalOfTheSandbox()
    {
        const Run run = fcemuOnTerminal({u"exec"_qs, m_id, u"--"_qs, u"probe"_qs, u"tty"_qs});
        QCOMPARE(run.code, 0);
        // The sandbox's own devpts: its first terminal, not ours.
        QVERIFY2(run.out.startsWith("/dev/pts/0"), run.out.constData());
    }

    void missingCommandAndMissingShellAreClear()
    {
        const Run missing = fcemu({u"exec"_qs, m_id, u"--"_qs, u"no-such-tool"_qs});
        QCOMPARE(missing.code, 127);
        QVERIFY(oneErrorLine(missing.err));
        QVERIFY(missing.err.contains("no-such-tool"));
        QVERIFY(missing.err.contains("ENOENT"));
        // The test image has no /bin/sh.
        const Run shell = fcemu({u"exec"_qs, m_id});
        QCOMPARE(shell.code, 2);
        QVERIFY(oneErrorLine(shell.err));
        QVERIFY(shell.err.contains("no shell"));
    }

    void unknownAndStoppedInstancesExitTwo()
    {
        const Run unknown = fcemu({u"exec"_qs, u"c-00000000-no-such"_qs, u"--"_qs, u"probe"_qs});
        QCOMPARE(unknown.code, 2);
        QVERIFY(oneErrorLine(unknown.err));
        QVERIFY(unknown.err.contains("no running instance 'c-00000000-no-such'"));
        QCOMPARE(fcemu({u"exec"_qs}).code, 2);

        const QString id = m_id.left(m_id.size() - 1) + u"x"_qs;
        auto other = startInstance(id, {u"/bin/probe"_qs, u"sleep"_qs, u"60"_qs});
        QVERIFY(other);
        QCOMPARE(fcemu({u"exec"_qs, id, u"--"_qs, u"probe"_qs, u"true"_qs}).code, 0);
        QSignalSpy exited(other.get(), &Instance::exited);
        other->kill();
        QVERIFY(exited.wait(10000));
        const Run stopped = fcemu({u"exec"_qs, id, u"--"_qs, u"probe"_qs, u"true"_qs});
        QCOMPARE(stopped.code, 2);
        QVERIFY(oneErrorLine(stopped.err));
        QVERIFY2(stopped.err.contains("has stopped"), stopped.err.constData());
    }

    void aKilledOwnerLeavesNoLiveRecord()
    {
        // A record whose init is gone (fcemu was SIGKILLed): listed as ended, exec says stopped.
        InstanceRecord record;
        record.id = u"c-deadbeef-stale"_qs;
        record.initPid = 999999999;
        record.pidNsInode = 1;
        record.startedMs = 1;
        QVERIFY(!publishInstance(record).isEmpty());
        const Run stale = fcemu({u"exec"_qs, record.id, u"--"_qs, u"probe"_qs});
        QCOMPARE(stale.code, 2);
        QVERIFY(stale.err.contains("has stopped"));
        for (const InstanceRecord &r : listInstances())
            if (r.id == record.id)
                QVERIFY(r.endedMs != 0);
    }
};

QTEST_GUILESS_MAIN(TestExec)
#include "TestExec.moc"
