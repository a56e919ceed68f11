// --mount: host folders bound into the sandbox (SandboxSpec::binds, BindMounts.h), read-write
// and read-only, and the refusals that keep the set-up inside the new root.

#include <memory>

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "SandboxFixture.h"
#include "SandboxTestSupport.h"
#include "sandbox/Sandbox.h"

using namespace Fcemu;
using namespace Fcemu::Sandbox;

class TestMounts final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_rootfs, m_data, m_readOnly;

    // Runs probe ARGS in a sandbox with the binds; its stdout and exit code.
    QPair<QByteArray, int> run(const QList<BindSpec> &binds, const QStringList &args,
                               QString *startError = nullptr)
    {
        SandboxSpec spec;
        spec.rootfs = m_rootfs;
        spec.argv = QStringList{u"/bin/probe"_qs} + args;
        spec.uid = 1000;
        spec.gid = 1000;
        spec.binds = binds;
        Instance instance(spec);
        QByteArray out;
        connect(&instance, &Instance::outputLine, this,
                [&out](const OutputLine &line) { out += line.text + '\n'; });
        QSignalSpy exited(&instance, &Instance::exited);
        const auto started = instance.start();
        if (!started) {
            if (startError)
                *startError = started.error().message;
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
        m_rootfs = m_tmp.filePath(u"rootfs"_qs);
        QVERIFY(SandboxFixture::buildRootfs(m_rootfs));
        QVERIFY(QDir().mkpath(m_rootfs + u"/mnt"_qs));
        QFile::link(u"/oldroot/tmp"_qs, m_rootfs + u"/escape"_qs);
        m_data = m_tmp.filePath(u"data"_qs);
        m_readOnly = m_tmp.filePath(u"ro"_qs);
        QVERIFY(QDir().mkpath(m_data) && QDir().mkpath(m_readOnly));
        // Writable by the function's user whoever runs the test (as root its ids are a
        // subordinate range that owns nothing here).
        const auto all = QFileDevice::Permissions(0x7777);
        QVERIFY(QFile::setPermissions(m_tmp.path(), all) && QFile::setPermissions(m_data, all));
        QVERIFY(SandboxFixture::writeFile(m_readOnly + u"/hello.txt"_qs, "from the host\n"));
    }

    void boundFoldersAreSeenAndWritten()
    {
        const QList<BindSpec> binds = {{m_data, u"/mnt/data"_qs, false},
                                       {m_readOnly, u"/srv/config"_qs, true}};
        const auto read = run(binds, {u"cat"_qs, u"/srv/config/hello.txt"_qs});
        QCOMPARE(read.second, 0);
        QCOMPARE(read.first, QByteArray("from the host\n"));
        const auto write = run(binds, {u"touch"_qs, u"/mnt/data/made-inside"_qs});
        QCOMPARE(write.first, QByteArray("touched\n"));
        QVERIFY(QFileInfo::exists(m_data + u"/made-inside"_qs));
        const auto refused = run(binds, {u"touch"_qs, u"/srv/config/nope"_qs});
        QCOMPARE(refused.second, 1);
        QVERIFY2(refused.first.contains("EROFS"), refused.first.constData());
        QVERIFY(!QFileInfo::exists(m_readOnly + u"/nope"_qs));
    }

    void targetsThroughSymlinksOrMissingSourcesAreRefused()
    {
        QString error;
        QCOMPARE(run({{m_data, u"/escape/x"_qs, false}}, {u"true"_qs}, &error).second, -1);
        QVERIFY2(error.contains(u"/escape is a symlink in the image"_qs), qPrintable(error));
        QCOMPARE(run({{m_tmp.filePath(u"missing"_qs), u"/mnt/x"_qs, false}}, {u"true"_qs}, &error)
                     .second,
                 -1);
        QVERIFY2(error.contains(u"is not an existing folder"_qs), qPrintable(error));
        QVERIFY(!QFileInfo::exists(u"/tmp/x"_qs) || QFileInfo(u"/tmp/x"_qs).isDir());
    }
};

QTEST_GUILESS_MAIN(TestMounts)
#include "TestMounts.moc"
