// Images made by real third-party tools (umoci, skopeo), unpacked by fcemu and compared file
// by file with `umoci unpack --rootless` of the same image.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "ImageFixtures.h"
#include "image/ImageManifest.h"
#include "image/ImageSource.h"
#include "image/LayerUnpacker.h"
#include "image/ImageCache.h"

using namespace Fcemu;
using namespace Fcemu::Test;

class TestThirdPartyImages final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QMap<QString, QString> m_reference;
    int m_counter = 0;

    void run(const QString &program, const QStringList &args)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.setWorkingDirectory(m_tmp.path());
        p.start(program, args);
        QVERIFY2(p.waitForFinished(120000), qPrintable(program));
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
                 qPrintable(program + u' ' + args.join(u' ') + u": "_qs +
                            QString::fromLocal8Bit(p.readAll())));
    }

    static void write(const QString &path, const QByteArray &data,
                      QFileDevice::Permissions perms = {})
    {
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(data);
        f.close();
        if (perms)
            f.setPermissions(perms);
    }

    QMap<QString, QString> unpackWithFcemu(const QString &image, const QString &name)
    {
        auto source =
            Image::ImageSource::open(m_tmp.filePath(image), m_tmp.filePath(u"tmp"_qs), 1LL << 30);
        if (!source)
            qFatal("%s", qPrintable(source.error().message));
        auto info = Image::readImage(**source);
        if (!info)
            qFatal("%s", qPrintable(info.error().message));
        const QString dir = m_tmp.filePath(name);
        auto r = Image::unpackToDirectory(**source, *info, dir, {});
        if (!r)
            qFatal("%s", qPrintable(r.error().message));
        return snapshot(dir, true);
    }

private slots:
    void initTestCase()
    {
        const bool mustWork = !qEnvironmentVariableIsEmpty("CI");
        for (const char *tool : {"umoci", "skopeo"}) {
            if (QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty()) {
                if (mustWork)
                    QFAIL(qPrintable(
                        QString::fromLatin1(tool) +
                        u" is not installed (packaging/install-deps.sh installs it)"_qs));
                QSKIP("umoci and skopeo are not installed");
            }
        }
        QVERIFY(m_tmp.isValid());
        // Layer 1: a small tree with the usual shapes.
        run(u"umoci"_qs, {u"init"_qs, u"--layout"_qs, u"oci"_qs});
        run(u"umoci"_qs, {u"new"_qs, u"--image"_qs, u"oci:test"_qs});
        run(u"umoci"_qs,
            {u"unpack"_qs, u"--rootless"_qs, u"--image"_qs, u"oci:test"_qs, u"bundle"_qs});
        const QString rootfs = m_tmp.filePath(u"bundle/rootfs"_qs);
        write(rootfs + u"/bin/app"_qs, "#!/bin/sh\necho app\n", QFileDevice::Permissions(0x7755));
        write(rootfs + u"/etc/app.conf"_qs, "port=9000\n");
        write(rootfs + u"/usr/share/doc/app/README"_qs, QByteArray(100000, 'r'));
        write(rootfs + u"/usr/share/doc/app/CHANGES"_qs, "v1\n");
        write(rootfs + u"/var/cache/app/old.dat"_qs, QByteArray(5000, 'o'));
        write(rootfs + u"/var/cache/app/also-old.dat"_qs, "x");
        QVERIFY(QFile::link(u"app"_qs, rootfs + u"/bin/app-link"_qs));
        QVERIFY(QFile::link(u"/usr/share/doc"_qs, rootfs + u"/doc"_qs));
        QCOMPARE(::link(QFile::encodeName(rootfs + u"/etc/app.conf"_qs).constData(),
                        QFile::encodeName(rootfs + u"/etc/app.conf.hardlink"_qs).constData()),
                 0);
        QDir().mkpath(rootfs + u"/private"_qs);
        QFile(rootfs + u"/private"_qs).setPermissions(QFileDevice::Permissions(0x7000));
        run(u"umoci"_qs,
            {u"repack"_qs, u"--refresh-bundle"_qs, u"--image"_qs, u"oci:test"_qs, u"bundle"_qs});
        // Layer 2: a deleted file, a deleted folder, a changed file, a new file.
        QVERIFY(QFile::remove(rootfs + u"/usr/share/doc/app/CHANGES"_qs));
        QVERIFY(QDir(rootfs + u"/var/cache/app"_qs).removeRecursively());
        write(rootfs + u"/etc/app.conf.new"_qs, "port=9001\n");
        write(rootfs + u"/etc/motd"_qs, "hello from layer 2\n");
        run(u"umoci"_qs,
            {u"repack"_qs, u"--refresh-bundle"_qs, u"--image"_qs, u"oci:test"_qs, u"bundle"_qs});
        run(u"umoci"_qs, {u"config"_qs, u"--image"_qs, u"oci:test"_qs, u"--config.entrypoint"_qs,
                          u"/bin/app"_qs});
        run(u"skopeo"_qs, {u"copy"_qs, u"--quiet"_qs, u"oci:oci:test"_qs,
                           u"docker-archive:test-docker.tar:localhost/test:latest"_qs});
        run(u"skopeo"_qs,
            {u"copy"_qs, u"--quiet"_qs, u"oci:oci:test"_qs, u"oci-archive:test-oci.tar"_qs});
        run(u"skopeo"_qs, {u"copy"_qs, u"--quiet"_qs, u"--dest-compress-format"_qs, u"zstd"_qs,
                           u"oci:oci:test"_qs, u"oci:oci-zstd:test"_qs});
        run(u"umoci"_qs,
            {u"unpack"_qs, u"--rootless"_qs, u"--image"_qs, u"oci:test"_qs, u"reference"_qs});
        m_reference = snapshot(m_tmp.filePath(u"reference/rootfs"_qs), true);
        QVERIFY(m_reference.size() > 15);
        QVERIFY(m_reference.contains(u"etc/motd"_qs));
        QVERIFY(!m_reference.contains(u"usr/share/doc/app/CHANGES"_qs));
        QVERIFY(!m_reference.contains(u"var/cache/app"_qs));
    }

    void sameTreeAsUmoci_data()
    {
        QTest::addColumn<QString>("image");
        QTest::addColumn<QString>("format");
        QTest::addRow("umoci's OCI layout folder") << u"oci"_qs << u"oci-layout-directory"_qs;
        QTest::addRow("skopeo docker-archive") << u"test-docker.tar"_qs << u"docker-archive"_qs;
        QTest::addRow("skopeo oci-archive") << u"test-oci.tar"_qs << u"oci-archive"_qs;
        QTest::addRow("skopeo oci layout with zstd layers")
            << u"oci-zstd"_qs << u"oci-layout-directory"_qs;
    }

    void sameTreeAsUmoci()
    {
        QFETCH(QString, image);
        QFETCH(QString, format);
        auto source =
            Image::ImageSource::open(m_tmp.filePath(image), m_tmp.filePath(u"tmp"_qs), 1LL << 30);
        QVERIFY2(source, source ? "" : qPrintable(source.error().message));
        auto info = Image::readImage(**source);
        QVERIFY2(info, info ? "" : qPrintable(info.error().message));
        QCOMPARE(Image::formatName(info->format), format);
        QCOMPARE(info->layers.size(), 2);
        QCOMPARE(info->config.entrypoint, QStringList{u"/bin/app"_qs});
        const auto ours = unpackWithFcemu(image, u"fcemu-"_qs + QString::number(++m_counter));
        // Compare file by file so a difference names the path.
        for (auto it = m_reference.cbegin(); it != m_reference.cend(); ++it)
            QVERIFY2(ours.value(it.key()) == it.value(),
                     qPrintable(it.key() + u": umoci "_qs + it.value() + u", fcemu "_qs +
                                ours.value(it.key(), u"<missing>"_qs)));
        for (auto it = ours.cbegin(); it != ours.cend(); ++it)
            QVERIFY2(m_reference.contains(it.key()),
                     qPrintable(it.key() + u": only in fcemu's tree"_qs));
    }
};

QTEST_GUILESS_MAIN(TestThirdPartyImages)
#include "TestThirdPartyImages.moc"
