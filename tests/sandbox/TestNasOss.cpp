// nasConfig and ossMountConfig mapped to local folders (--nas-root, --oss-root), end to end
// from an s.yaml to a running sandbox: the function sees the folders' files at mountDir, may
// write the NAS folder when it runs as nasConfig's userId (whose owner it is shown as, run as
// root through an idmapped mount, rootless through the single-id map), and a readOnly OSS
// mount point refuses writes.

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "SandboxFixture.h"
#include "SandboxTestSupport.h"
#include "config/Options.h"
#include "config/StorageMounts.h"
#include "sandbox/Sandbox.h"

using namespace Fcemu;
using namespace Fcemu::Sandbox;

class TestNasOss final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_rootfs, m_nas, m_oss;
    QList<BindSpec> m_binds;

    // Runs probe ARGS in a sandbox as nasConfig's user; its stdout and exit code.
    QPair<QByteArray, int> run(const QStringList &args)
    {
        SandboxSpec spec;
        spec.rootfs = m_rootfs;
        spec.argv = QStringList{u"/bin/probe"_qs} + args;
        spec.uid = 10003; // the image's USER is nasConfig's userId:groupId
        spec.gid = 10004;
        spec.binds = m_binds;
        Instance instance(spec);
        QByteArray out;
        connect(&instance, &Instance::outputLine, this,
                [&out](const OutputLine &line) { out += line.text + '\n'; });
        QSignalSpy exited(&instance, &Instance::exited);
        const auto started = instance.start();
        if (!started) {
            qWarning("%s", qPrintable(started.error().message));
            return {{}, -1};
        }
        if (!exited.wait(10000))
            return {{}, -2};
        return {out, exited.first().first().value<ExitStatus>().exitCode};
    }

private slots:
    void initTestCase()
    {
        qRegisterMetaType<OutputLine>();
        qRegisterMetaType<ExitStatus>();
        FCEMU_REQUIRE_SANDBOX();
        QVERIFY(m_tmp.isValid());
        // Reachable (not writable) by the sandbox's ids whoever runs the test.
        QVERIFY(QFile::setPermissions(m_tmp.path(), QFileDevice::Permissions(0x7755)));
        m_rootfs = m_tmp.filePath(u"rootfs"_qs);
        QVERIFY(SandboxFixture::buildRootfs(m_rootfs));
        m_nas = m_tmp.filePath(u"nas"_qs);
        m_oss = m_tmp.filePath(u"oss"_qs);
        // 0755 folders of whoever runs the test: only their owner may write them.
        QVERIFY(QDir().mkpath(m_nas + u"/share/sub"_qs));
        QVERIFY(QDir().mkpath(m_oss + u"/my-bucket/models"_qs));
        QVERIFY(SandboxFixture::writeFile(m_nas + u"/share/sub/hello.txt"_qs, "from NAS\n"));
        QVERIFY(SandboxFixture::writeFile(m_oss + u"/my-bucket/models/model.txt"_qs, "from OSS\n"));
        const QString yaml = m_tmp.filePath(u"s.yaml"_qs);
        QVERIFY(SandboxFixture::writeFile(
            yaml, "edition: 3.0.0\n"
                  "resources:\n"
                  "  fn:\n"
                  "    component: fc3\n"
                  "    props:\n"
                  "      functionName: fn\n"
                  "      runtime: custom-container\n"
                  "      customContainerConfig: {image: x, port: 9000}\n"
                  "      nasConfig:\n"
                  "        userId: 10003\n"
                  "        groupId: 10004\n"
                  "        mountPoints:\n"
                  "          - {serverAddr: 'abc.cn-hangzhou.nas.aliyuncs.com:/share/sub', "
                  "mountDir: /mnt/nas}\n"
                  "      ossMountConfig:\n"
                  "        mountPoints:\n"
                  "          - {bucketName: my-bucket, bucketPath: /models, endpoint: e, "
                  "mountDir: /mnt/oss, readOnly: true}\n"));
        const auto config = Config::resolveFunctionConfig(
            {{u"--config"_qs, yaml}, {u"--nas-root"_qs, m_nas}, {u"--oss-root"_qs, m_oss}});
        QVERIFY2(config, config ? "" : qPrintable(config.error().message));
        const auto mounts = Config::storageMounts(*config);
        QVERIFY2(mounts, mounts ? "" : qPrintable(mounts.error().message));
        QCOMPARE(mounts->size(), 2);
        // As the runtime does (InstanceSetup.cpp).
        for (const Config::MountSpec &m : *mounts)
            m_binds.append({m.hostDir, m.path, m.readOnly, m.ownerUid ? qint64(*m.ownerUid) : -1,
                            m.ownerGid ? qint64(*m.ownerGid) : -1});
    }

    void theFunctionSeesTheFoldersAtMountDir()
    {
        const auto nas = run({u"cat"_qs, u"/mnt/nas/hello.txt"_qs});
        QCOMPARE(nas.second, 0);
        QCOMPARE(nas.first, QByteArray("from NAS\n"));
        const auto oss = run({u"cat"_qs, u"/mnt/oss/model.txt"_qs});
        QCOMPARE(oss.second, 0);
        QCOMPARE(oss.first, QByteArray("from OSS\n"));
    }

    void theNasFolderIsOwnedAndWrittenAsNasConfigsUser()
    {
        const auto owner = run({u"owner"_qs, u"/mnt/nas"_qs});
        QCOMPARE(owner.second, 0);
        QCOMPARE(owner.first, QByteArray("10003:10004\n"));
        const auto write = run({u"touch"_qs, u"/mnt/nas/made-by-the-function"_qs});
        QVERIFY2(write.second == 0, write.first.constData());
        QCOMPARE(write.first, QByteArray("touched\n"));
        const QFileInfo made(m_nas + u"/share/sub/made-by-the-function"_qs);
        QVERIFY(made.exists());
        // On this machine it belongs to the folder's owner (whoever runs the test).
        QCOMPARE(made.ownerId(), QFileInfo(m_nas + u"/share/sub"_qs).ownerId());
    }

    void aReadOnlyOssMountPointRefusesWrites()
    {
        const auto refused = run({u"touch"_qs, u"/mnt/oss/new.txt"_qs});
        QCOMPARE(refused.second, 1);
        QVERIFY2(refused.first.contains("EROFS"), refused.first.constData());
        QVERIFY(!QFileInfo::exists(m_oss + u"/my-bucket/models/new.txt"_qs));
    }
};

QTEST_GUILESS_MAIN(TestNasOss)
#include "TestNasOss.moc"
