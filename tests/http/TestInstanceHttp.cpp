// The sample web function in the real sandbox, reached through Instance::connectTcp(): the
// path every web-mode request takes. Skipped when user namespaces are unavailable unless
// EMU_SANDBOX_MUST_WORK=1.

#include <optional>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include "http/HttpClient.h"
#include "sandbox/Sandbox.h"
#include "SandboxTestSupport.h"

using namespace Fcemu;
using namespace Fcemu::Http;
using namespace Fcemu::Sandbox;

class TestInstanceHttp final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_rootfs;
    std::unique_ptr<Instance> m_instance;
    QByteArrayList m_lines;
    std::optional<ExitStatus> m_exit;

    Status start(const QStringList &extraEnv)
    {
        SandboxSpec s;
        s.rootfs = m_rootfs;
        s.argv = {u"/app/fc-sample-web"_qs};
        s.env = QStringList{u"PATH=/bin"_qs, u"FC_CUSTOM_LISTEN_PORT=9000"_qs,
                            u"FC_INSTANCE_ID=c-sandboxed"_qs} +
                extraEnv;
        s.hostname = u"c-sandboxed"_qs;
        s.instanceAddress = u"21.0.0.2"_qs;
        s.diskSizeBytes = 16ull << 20;
        m_instance = std::make_unique<Instance>(s);
        connect(m_instance.get(), &Instance::outputLine, this,
                [this](const OutputLine &line) { m_lines << line.text; });
        connect(m_instance.get(), &Instance::exited, this,
                [this](const ExitStatus &status) { m_exit = status; });
        return m_instance->start();
    }

    bool waitForLine(const QByteArray &part, int timeoutMs = 10000)
    {
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < timeoutMs) {
            for (const QByteArray &l : std::as_const(m_lines))
                if (l.contains(part))
                    return true;
            QTest::qWait(5);
        }
        return false;
    }

private slots:
    void initTestCase()
    {
        FCEMU_REQUIRE_SANDBOX();
        QVERIFY(m_dir.isValid());
        m_rootfs = m_dir.filePath(u"rootfs"_qs);
        QDir dir(m_rootfs);
        for (const char *sub : {"app", "bin", "etc", "tmp", "proc", "dev"})
            QVERIFY(dir.mkpath(QString::fromLatin1(sub)));
        const QString binary = m_rootfs + u"/app/fc-sample-web"_qs;
        QVERIFY(QFile::copy(QStringLiteral(FCEMU_SAMPLE_WEB), binary));
        QVERIFY(QFile::setPermissions(binary, QFileDevice::ReadOwner | QFileDevice::ExeOwner |
                                                  QFileDevice::ReadOther | QFileDevice::ExeOther));
    }

    void cleanup()
    {
        m_instance.reset();
        m_lines.clear();
        m_exit.reset();
    }

    void roundTripThroughTheNetworkNamespace()
    {
        const Status started = start({});
        QVERIFY2(started, started ? "" : qPrintable(started.error().message));
        QVERIFY(waitForLine("listening on 0.0.0.0:9000"));
        Result<UniqueFd> fd = m_instance->connectTcp(9000, 2000);
        QVERIFY2(fd, fd ? "" : qPrintable(fd.error().message));
        InstanceConnection conn(std::move(*fd));
        for (int i = 0; i < 3; ++i) {
            HttpRequest r;
            r.method = "POST";
            r.setTarget("/hello", "i=" + QByteArray::number(i));
            r.headers = {{"x-fc-request-id", "1-sandboxed-" + QByteArray::number(i)},
                         {"x-fc-control-path", "/http-invoke"}};
            r.body = "from the host";
            const Result<HttpResponse> res = conn.roundTrip(r, 5000);
            QVERIFY2(res, res ? "" : qPrintable(res.error().message));
            const QJsonObject o = QJsonDocument::fromJson(res->body).object();
            // FC's "Host: 21.0.X.X": the instance address, not a host port.
            QCOMPARE(o[u"headers"_qs].toObject()[u"host"_qs].toString(), u"21.0.0.2:9000"_qs);
            QCOMPARE(o[u"instanceId"_qs].toString(), u"c-sandboxed"_qs);
            QCOMPARE(o[u"body"_qs].toString(), u"from the host"_qs);
            QCOMPARE(o[u"connection"_qs].toObject()[u"request"_qs].toInt(), i + 1);
        }
        QVERIFY(waitForLine("1-sandboxed-2 [INFO] POST /hello?i=2"));
    }

    void crashInsideIsClosedBeforeResponse()
    {
        QVERIFY(start({}));
        QVERIFY(waitForLine("listening"));
        Result<UniqueFd> fd = m_instance->connectTcp(9000, 2000);
        QVERIFY(fd);
        InstanceConnection conn(std::move(*fd));
        HttpRequest r;
        r.setTarget("/boom", "crash");
        QVERIFY(!conn.roundTrip(r, 5000));
        QCOMPARE(conn.lastRoundTrip().error, ClientError::ConnectionClosedBeforeResponse);
        QTRY_VERIFY_WITH_TIMEOUT(m_exit.has_value(), 10000);
        QCOMPARE(m_exit->exitCode, 3);
    }

    void loopbackMistakeIsUnreachable()
    {
        QVERIFY(start({u"SAMPLE_LISTEN=127.0.0.1"_qs}));
        QVERIFY(waitForLine("listening on 127.0.0.1:9000"));
        QCOMPARE(m_instance->listeningSockets(),
                 QList<ListeningSocket>{(ListeningSocket{u"127.0.0.1"_qs, 9000})});
        QVERIFY(!m_instance->connectTcp(9000, 1000));
    }

    void wrongPortMistakeIsUnreachable()
    {
        QVERIFY(start({u"SAMPLE_PORT_OFFSET=1"_qs}));
        QVERIFY(waitForLine("listening on 0.0.0.0:9001"));
        QVERIFY(!m_instance->connectTcp(9000, 1000));
        QVERIFY(m_instance->connectTcp(9001, 1000));
    }
};

QTEST_GUILESS_MAIN(TestInstanceHttp)
#include "TestInstanceHttp.moc"
