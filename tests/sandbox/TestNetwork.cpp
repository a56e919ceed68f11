// Outbound network (sandbox/Network.h): a function reaches a server on the host's 127.0.0.1 as
// host.fcemu.internal through the user-mode stack, cannot without it, and the helper never
// outlives its instance. Loopback only: no outside name or address is ever contacted.

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <memory>
#include <optional>

#include <QElapsedTimer>
#include <QFile>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include "SandboxFixture.h"
#include "sandbox/Network.h"
#include "sandbox/Sandbox.h"
#include "SandboxTestSupport.h"

using namespace Fcemu;
using namespace Fcemu::Sandbox;

namespace {

// A tiny HTTP/1.0 server on the host's 127.0.0.1 that answers every request with body.
class HostServer final : public QTcpServer
{
public:
    explicit HostServer(QByteArray body) : m_body(std::move(body))
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                ++accepted;
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                    if (!socket->readAll().contains("\r\n\r\n"))
                        return;
                    socket->write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + m_body);
                    socket->disconnectFromHost();
                });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    int accepted = 0;

private:
    QByteArray m_body;
};

bool processExists(qint64 pid)
{
    return ::kill(pid_t(pid), 0) == 0 || errno != ESRCH;
}

} // namespace

// Without slirp4netns/pasta, or with /dev/net/tun closed to this user (a container that leaves
// it 0600), the instance runs with loopback only: the tests of the stack itself are skipped.
#define REQUIRE_HELPER()                                                                           \
    do {                                                                                           \
        if (!m_haveHelper)                                                                         \
            QSKIP(qPrintable(u"no user-mode network here: "_qs + networkAvailability().reason));   \
    } while (false)

class TestNetwork final : public QObject
{
    Q_OBJECT

    struct Run
    {
        std::unique_ptr<Instance> instance;
        QByteArrayList lines;
        std::optional<ExitStatus> status;

        bool waitForExit(int timeoutMs = 20000)
        {
            QElapsedTimer timer;
            timer.start();
            while (!status && timer.elapsed() < timeoutMs)
                QTest::qWait(5);
            return status.has_value();
        }
        bool waitForLine(const QByteArray &wanted, int timeoutMs = 10000)
        {
            QElapsedTimer timer;
            timer.start();
            while (!lines.contains(wanted) && timer.elapsed() < timeoutMs && !status)
                QTest::qWait(5);
            return lines.contains(wanted);
        }
    };

    QTemporaryDir m_dir;
    QString m_rootfs;
    bool m_haveHelper = false;

    SandboxSpec spec(const QStringList &argv, bool network, bool beforeCommand = true) const
    {
        SandboxSpec s;
        s.rootfs = m_rootfs;
        s.argv = argv;
        s.env = {u"PATH=/bin:/usr/bin"_qs, u"HOME=/"_qs};
        s.hostname = u"c-6603951e-15f440b6"_qs;
        s.instanceAddress = u"21.0.0.2"_qs;
        s.diskSizeBytes = 32ull << 20;
        s.outboundNetwork = network;
        s.networkBeforeCommand = beforeCommand;
        return s;
    }

    static Status startRun(Run &run, const SandboxSpec &s)
    {
        run.instance = std::make_unique<Instance>(s);
        QObject::connect(run.instance.get(), &Instance::outputLine, run.instance.get(),
                         [&run](const OutputLine &line) { run.lines << line.text; });
        QObject::connect(run.instance.get(), &Instance::exited, run.instance.get(),
                         [&run](const ExitStatus &status) { run.status = status; });
        return run.instance->start();
    }

    QByteArrayList runToEnd(const SandboxSpec &s, QString *networkState = nullptr)
    {
        Run run;
        const Status started = startRun(run, s);
        if (!started)
            return {"START FAILED: " + started.error().message.toUtf8()};
        if (networkState)
            *networkState = run.instance->outboundNetworkState();
        if (!run.waitForExit())
            return {"TIMED OUT"};
        return run.lines;
    }

private slots:
    void initTestCase()
    {
        FCEMU_REQUIRE_SANDBOX();
        QVERIFY(m_dir.isValid());
        m_rootfs = m_dir.filePath(u"rootfs"_qs);
        QVERIFY(SandboxFixture::buildRootfs(m_rootfs));
        m_haveHelper = networkAvailability().helper != NetworkHelper::None;
        if (!m_haveHelper)
            qWarning().noquote() << networkAvailability().reason;
    }

    void functionFetchesFromTheHostsLoopback()
    {
        REQUIRE_HELPER();
        HostServer server("from-the-host\n");
        QVERIFY(server.listen(QHostAddress::LocalHost));
        QString state;
        const QByteArrayList out =
            runToEnd(spec({u"/bin/probe"_qs, u"http-get"_qs, QString::fromLatin1(kHostAlias),
                           QString::number(server.serverPort()), u"/hello"_qs},
                          true),
                     &state);
        QCOMPARE(out, QByteArrayList{"from-the-host"});
        QCOMPARE(state, networkHelperName(networkAvailability().helper));
        QCOMPARE(server.accepted, 1);
    }

    void internetAccessFalseCannotReachTheHost()
    {
        HostServer server("from-the-host\n");
        QVERIFY(server.listen(QHostAddress::LocalHost));
        const QString port = QString::number(server.serverPort());
        QString state;
        QCOMPARE(runToEnd(spec({u"/bin/probe"_qs, u"http-get"_qs, QString::fromLatin1(kHostAlias),
                                port, u"/"_qs},
                               false),
                          &state),
                 QByteArrayList{"resolve: host.fcemu.internal not found"});
        QCOMPARE(state, u"off"_qs);
        // Nor by the stack's address: there is no route out.
        QCOMPARE(runToEnd(spec({u"/bin/probe"_qs, u"http-get"_qs,
                                QString::fromLatin1(kUserNetHostAddress), port, u"/"_qs},
                               false)),
                 QByteArrayList{"connect: ENETUNREACH"});
        QTest::qWait(50);
        QCOMPARE(server.accepted, 0);
    }

    // Asked for but not to be had (no helper, /dev/net/tun closed): the instance still runs,
    // with loopback only and the files of a network-less sandbox, and says why.
    void unavailableStackLeavesLoopbackAndSaysWhy()
    {
        if (m_haveHelper)
            QSKIP("a network helper is usable here");
        QString state;
        const QByteArrayList resolv =
            runToEnd(spec({u"/bin/probe"_qs, u"cat"_qs, u"/etc/resolv.conf"_qs}, true), &state);
        QVERIFY2(!resolv.isEmpty() && resolv.first() == "nameserver 100.100.2.136",
                 resolv.join('|'));
        QCOMPARE(state, networkAvailability().reason);
        QVERIFY(state.startsWith(u"outbound network is off: "_qs));
    }

    void etcFilesNameTheStack()
    {
        REQUIRE_HELPER();
        const QByteArrayList resolv =
            runToEnd(spec({u"/bin/probe"_qs, u"cat"_qs, u"/etc/resolv.conf"_qs}, true));
        QVERIFY2(!resolv.isEmpty() && resolv.first() == "nameserver 10.0.2.3", resolv.join('|'));
        QVERIFY(!resolv.join('\n').contains("100.100.2.136"));
        const QByteArrayList hosts =
            runToEnd(spec({u"/bin/probe"_qs, u"cat"_qs, u"/etc/hosts"_qs}, true));
        QVERIFY2(hosts.contains("10.0.2.2\thost.fcemu.internal"), hosts.join('|'));
        QVERIFY2(hosts.contains("21.0.0.2\tc-6603951e-15f440b6"), hosts.join('|'));
        // Without network: FC's resolvers and no host alias, as before.
        const QByteArrayList off =
            runToEnd(spec({u"/bin/probe"_qs, u"cat"_qs, u"/etc/hosts"_qs}, false));
        QVERIFY(!off.join('\n').contains("host.fcemu.internal"));
    }

    // A web server starts in parallel with the stack; by the time fcemu's first connection to
    // it comes back, the stack is up (default route through tap0), and the connection itself
    // went over loopback to 21.0.0.N as before.
    void firstConnectionWaitsForTheStack()
    {
        REQUIRE_HELPER();
        Run run;
        QVERIFY(startRun(
            run, spec({u"/bin/probe"_qs, u"listen"_qs, u"0.0.0.0"_qs, u"9000"_qs}, true, false)));
        QVERIFY(run.waitForLine("listening"));
        Result<UniqueFd> fd = run.instance->connectTcp(9000, 2000);
        QVERIFY2(fd.has_value(), fd ? "" : qPrintable(fd.error().message));
        QFile route(u"/proc/%1/net/route"_qs.arg(run.instance->initPid()));
        QVERIFY(route.open(QIODevice::ReadOnly));
        const QByteArray table = route.readAll();
        QVERIFY2(table.contains("tap0\t00000000\t0202000A"), table.constData());
        char buf[16] = {};
        QCOMPARE(read(fd->get(), buf, sizeof buf), 6);
        QCOMPARE(QByteArray(buf), QByteArray("hello\n"));
        run.instance->kill();
        QVERIFY(run.waitForExit());
    }

    void helperEndsWithTheInstance()
    {
        REQUIRE_HELPER();
        {
            Run run;
            QVERIFY(startRun(run, spec({u"/bin/probe"_qs, u"sleep"_qs, u"30"_qs}, true)));
            const qint64 helper = run.instance->networkHelperPid();
            QVERIFY(helper > 0);
            QVERIFY(processExists(helper));
            run.instance->kill();
            QVERIFY(run.waitForExit());
            QCOMPARE(run.instance->networkHelperPid(), -1);
            QVERIFY(!processExists(helper)); // killed and reaped, not a zombie
        }
        qint64 helper = -1;
        {
            Run run;
            QVERIFY(startRun(run, spec({u"/bin/probe"_qs, u"sleep"_qs, u"30"_qs}, true)));
            helper = run.instance->networkHelperPid();
            QVERIFY(helper > 0);
        } // destroyed while running
        QVERIFY(!processExists(helper));
        // A command that ends on its own takes the helper along too.
        Run run;
        QVERIFY(startRun(run, spec({u"/bin/probe"_qs, u"exit"_qs, u"0"_qs}, true)));
        helper = run.instance->networkHelperPid();
        QVERIFY(run.waitForExit());
        QVERIFY(helper <= 0 || !processExists(helper));
    }
};

QTEST_GUILESS_MAIN(TestNetwork)
#include "TestNetwork.moc"
