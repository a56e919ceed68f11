// The sandbox's pure parts, no namespaces needed: the mount-op list, the output splitter, the
// /proc/net/tcp parser and the user-namespace advice.

#include <cerrno>

#include <QTest>

#include "sandbox/MountPlan.h"
#include "sandbox/OutputSplitter.h"
#include "sandbox/ProcFs.h"
#include "sandbox/Sandbox.h"

using namespace Fcemu::Sandbox;

class TestMountPlan final : public QObject
{
    Q_OBJECT

private slots:
    void planForDefaultSpec()
    {
        SandboxSpec spec;
        spec.rootfs = u"/cache/images/abc/rootfs"_qs;
        spec.argv = {u"/app/server"_qs};
        spec.hostname = u"c-1"_qs;
        spec.instanceAddress = u"21.0.0.2"_qs;
        const QStringList expected = {
            u"make-private /"_qs,
            u"tmpfs /tmp size=536870912,mode=0755 [nosuid,nodev]"_qs,
            u"pivot-to-scratch /tmp"_qs,
            u"mkdir /lower 755"_qs,
            u"mkdir /upper 755"_qs,
            u"mkdir /work 755"_qs,
            u"mkdir /newroot 755"_qs,
            u"bind /oldroot/cache/images/abc/rootfs -> /lower"_qs,
            u"remount-ro /lower [ro,nosuid,nodev]"_qs,
            u"(overlay) mkdir /upper/dev 755"_qs,
            u"(overlay) mkdir /upper/proc 755"_qs,
            u"(overlay) mkdir /upper/etc 755"_qs,
            u"(overlay) mkdir /upper/tmp 1777"_qs,
            u"(fallback) mkdir /etc-files 755"_qs,
            u"(overlay) write /upper/etc/hosts 644"_qs,
            u"(fallback) write /etc-files/hosts 644"_qs,
            u"(overlay) write /upper/etc/hostname 644"_qs,
            u"(fallback) write /etc-files/hostname 644"_qs,
            u"(overlay) write /upper/etc/resolv.conf 644"_qs,
            u"(fallback) write /etc-files/resolv.conf 644"_qs,
            u"overlay /newroot lowerdir=/lower,upperdir=/upper,workdir=/work,userxattr "
            u"[nosuid,nodev]"_qs,
            u"(fallback) bind /lower -> /newroot"_qs,
            u"(fallback) remount-ro /newroot [ro,nosuid,nodev]"_qs,
            u"(fallback) tmpfs /newroot/tmp size=536870912,mode=1777 [nosuid,nodev]"_qs,
            u"(fallback) bind /etc-files/hosts -> /newroot/etc/hosts optional"_qs,
            u"(fallback) bind /etc-files/hostname -> /newroot/etc/hostname optional"_qs,
            u"(fallback) bind /etc-files/resolv.conf -> /newroot/etc/resolv.conf optional"_qs,
            u"proc /newroot/proc [nosuid,nodev,noexec]"_qs,
            u"tmpfs /newroot/dev mode=0755,size=1m [nosuid,noexec]"_qs,
            u"touch /newroot/dev/null"_qs,
            u"bind /oldroot/dev/null -> /newroot/dev/null"_qs,
            u"remount-ro /newroot/dev/null [ro,nosuid,noexec]"_qs,
            u"touch /newroot/dev/zero"_qs,
            u"bind /oldroot/dev/zero -> /newroot/dev/zero"_qs,
            u"remount-ro /newroot/dev/zero [ro,nosuid,noexec]"_qs,
            u"touch /newroot/dev/full"_qs,
            u"bind /oldroot/dev/full -> /newroot/dev/full"_qs,
            u"remount-ro /newroot/dev/full [ro,nosuid,noexec]"_qs,
            u"touch /newroot/dev/random"_qs,
            u"bind /oldroot/dev/random -> /newroot/dev/random"_qs,
            u"remount-ro /newroot/dev/random [ro,nosuid,noexec]"_qs,
            u"touch /newroot/dev/urandom"_qs,
            u"bind /oldroot/dev/urandom -> /newroot/dev/urandom"_qs,
            u"remount-ro /newroot/dev/urandom [ro,nosuid,noexec]"_qs,
            u"touch /newroot/dev/tty"_qs,
            u"bind /oldroot/dev/tty -> /newroot/dev/tty"_qs,
            u"remount-ro /newroot/dev/tty [ro,nosuid,noexec]"_qs,
            u"bind /newroot/proc/bus -> /newroot/proc/bus optional"_qs,
            u"remount-ro /newroot/proc/bus [ro,nosuid,nodev,noexec] optional"_qs,
            u"bind /newroot/proc/fs -> /newroot/proc/fs optional"_qs,
            u"remount-ro /newroot/proc/fs [ro,nosuid,nodev,noexec] optional"_qs,
            u"bind /newroot/proc/irq -> /newroot/proc/irq optional"_qs,
            u"remount-ro /newroot/proc/irq [ro,nosuid,nodev,noexec] optional"_qs,
            u"bind /newroot/proc/sys -> /newroot/proc/sys optional"_qs,
            u"remount-ro /newroot/proc/sys [ro,nosuid,nodev,noexec] optional"_qs,
            u"bind /newroot/proc/sysrq-trigger -> /newroot/proc/sysrq-trigger optional"_qs,
            u"remount-ro /newroot/proc/sysrq-trigger [ro,nosuid,nodev,noexec] optional"_qs,
            u"mask /newroot/proc/acpi"_qs,
            u"mask /newroot/proc/asound"_qs,
            u"mask /newroot/proc/interrupts"_qs,
            u"mask /newroot/proc/kcore"_qs,
            u"mask /newroot/proc/keys"_qs,
            u"mask /newroot/proc/latency_stats"_qs,
            u"mask /newroot/proc/sched_debug"_qs,
            u"mask /newroot/proc/scsi"_qs,
            u"mask /newroot/proc/timer_list"_qs,
            u"mask /newroot/proc/timer_stats"_qs,
            u"mkdir /newroot/dev/shm 1777"_qs,
            u"tmpfs /newroot/dev/shm mode=1777,size=64m [nosuid,nodev]"_qs,
            u"mkdir /newroot/dev/pts 755"_qs,
            u"devpts /newroot/dev/pts newinstance,ptmxmode=0666,mode=620 [nosuid,noexec] "
            u"optional"_qs,
            u"symlink /newroot/dev/ptmx -> pts/ptmx"_qs,
            u"symlink /newroot/dev/fd -> /proc/self/fd"_qs,
            u"symlink /newroot/dev/stdin -> /proc/self/fd/0"_qs,
            u"symlink /newroot/dev/stdout -> /proc/self/fd/1"_qs,
            u"symlink /newroot/dev/stderr -> /proc/self/fd/2"_qs,
            u"detach /oldroot"_qs,
            u"pivot-root /newroot"_qs,
        };
        const QStringList plan = describePlan(buildMountPlan(spec));
        for (qsizetype i = 0; i < qMin(plan.size(), expected.size()); ++i)
            QCOMPARE(plan[i], expected[i]);
        QCOMPARE(plan.size(), expected.size());
    }

    void diskSizeSetsTheWritableLayer()
    {
        SandboxSpec spec;
        spec.rootfs = u"/r"_qs;
        spec.diskSizeBytes = 10240ull << 20;
        const QStringList plan = describePlan(buildMountPlan(spec));
        QVERIFY(plan.contains(u"tmpfs /tmp size=10737418240,mode=0755 [nosuid,nodev]"_qs));
        QVERIFY(plan.contains(
            u"(fallback) tmpfs /newroot/tmp size=10737418240,mode=1777 [nosuid,nodev]"_qs));
    }

    void generatedFiles()
    {
        SandboxSpec spec;
        spec.hostname = u"c-6603951e-15f440b6"_qs;
        spec.instanceAddress = u"21.0.0.7"_qs;
        QVERIFY(hostsFile(spec).contains("\n21.0.0.7\tc-6603951e-15f440b6\n"));
        QVERIFY(hostsFile(spec).startsWith("127.0.0.1\tlocalhost\n"));
        const MountPlan plan = buildMountPlan(spec);
        const auto hostname = std::find_if(plan.begin(), plan.end(), [](const SetupOp &op) {
            return op.dest == "/upper/etc/hostname";
        });
        QVERIFY(hostname != plan.end());
        QCOMPARE(hostname->data, QByteArray("c-6603951e-15f440b6\n"));
        QVERIFY(resolvConfFile().startsWith("nameserver "));
    }

    void splitterCutsAt32K()
    {
        OutputSplitter splitter(OutputLine::Stderr);
        QList<OutputLine> lines;
        splitter.feed("ab\ncd", 5, 7, lines);
        QCOMPARE(lines.size(), 1);
        QCOMPARE(lines[0].text, QByteArray("ab"));
        QCOMPARE(lines[0].timestampMs, 7);
        QCOMPARE(lines[0].stream, OutputLine::Stderr);
        splitter.feed("e\n\n", 3, 8, lines);
        QCOMPARE(lines.size(), 3);
        QCOMPARE(lines[1].text, QByteArray("cde"));
        QCOMPARE(lines[2].text, QByteArray());

        const QByteArray big(kMaxLineBytes * 2 + 10, 'x');
        lines.clear();
        splitter.feed(big.constData(), 100, 9, lines); // in pieces
        splitter.feed(big.constData() + 100, big.size() - 100, 9, lines);
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines[0].text.size(), kMaxLineBytes);
        QCOMPARE(lines[1].text.size(), kMaxLineBytes);
        splitter.feed("\n", 1, 9, lines);
        QCOMPARE(lines.size(), 3);
        QCOMPARE(lines[2].text.size(), 10);
        // Exactly 32 KB then a newline: one line, not an extra empty one.
        lines.clear();
        const QByteArray exact = QByteArray(kMaxLineBytes, 'y') + '\n';
        splitter.feed(exact.constData(), exact.size(), 9, lines);
        QCOMPARE(lines.size(), 1);
        splitter.feed("tail", 4, 9, lines);
        splitter.finish(10, lines);
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines[1].text, QByteArray("tail"));
    }

    void procNetTcpListeners()
    {
        const QByteArray tcp =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"
            "   0: 0100007F:2328 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0\n"
            "   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0\n"
            "   2: 02000015:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0\n";
        QCOMPARE(parseProcNetTcp(tcp, false),
                 (QList<ListeningSocket>{{u"127.0.0.1"_qs, 9000}, {u"0.0.0.0"_qs, 8080}}));
        const QByteArray tcp6 =
            "  sl  local_address                         remote_address                        st\n"
            "   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 "
            "0A\n"
            "   1: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 "
            "0A\n";
        QCOMPARE(parseProcNetTcp(tcp6, true),
                 (QList<ListeningSocket>{{u"::"_qs, 8080}, {u"::1"_qs, 80}}));
    }

    void adviceNamesTheSettings()
    {
        const QString advice = userNamespaceAdvice(EPERM);
        QVERIFY(advice.contains(u"user namespaces"_qs));
        // On this machine nothing is disabled, so the advice lists every setting to check.
        const bool anyDisabled = advice.contains(u" is 0"_qs) || advice.contains(u" is 1"_qs);
        if (!anyDisabled) {
            QVERIFY(advice.contains(u"kernel.apparmor_restrict_unprivileged_userns"_qs));
            QVERIFY(advice.contains(u"kernel.unprivileged_userns_clone"_qs));
            QVERIFY(advice.contains(u"user.max_user_namespaces"_qs));
        }
        QVERIFY(!advice.contains(u'\n'));
    }
};

QTEST_APPLESS_MAIN(TestMountPlan)
#include "TestMountPlan.moc"
