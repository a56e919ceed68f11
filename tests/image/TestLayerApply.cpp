// OCI layer semantics and hostile layers, applied through the real unpack path (image file ->
// reader -> layer pipeline -> RootWriter), once with openat2 and once with the fallback walk.
#include <sys/stat.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "ImageFixtures.h"
#include "image/ImageManifest.h"
#include "image/ImageSource.h"
#include "image/InRoot.h"
#include "image/LayerUnpacker.h"
#include "image/ImageCache.h"

using namespace Fcemu;
using namespace Fcemu::Test;

class TestLayerApply final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_root;    // the unpack target
    QString m_outside; // canaries live here, beside the target
    QMap<QString, QString> m_outsideBefore;

    Result<Image::UnpackReport> unpack(const QList<QByteArray> &layers, qint64 cap = 1LL << 30)
    {
        const QString imagePath = m_tmp.filePath(u"image.tar"_qs);
        QFile::remove(imagePath);
        ImageSpec spec;
        spec.layerTars = layers;
        writeImage(imagePath, spec, Format::OciArchive);
        auto source = Image::ImageSource::open(imagePath, m_tmp.filePath(u"t"_qs), 1LL << 30);
        if (!source)
            return std::unexpected(source.error());
        auto info = Image::readImage(**source);
        if (!info)
            return std::unexpected(info.error());
        Image::UnpackOptions options;
        options.maxUncompressedBytes = cap;
        return Image::unpackToDirectory(**source, *info, m_root, options);
    }

    QByteArray read(const QString &rel) const
    {
        QFile f(m_root + u'/' + rel);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
    }

    bool exists(const QString &rel) const
    {
        struct stat st;
        return ::lstat(QFile::encodeName(m_root + u'/' + rel).constData(), &st) == 0;
    }

    void verifyOutsideUntouched()
    {
        QCOMPARE(snapshot(m_outside, true), m_outsideBefore);
        struct stat st;
        QCOMPARE(::stat(QFile::encodeName(m_outside + u"/canary"_qs).constData(), &st), 0);
        QCOMPARE(int(st.st_nlink), 1); // no hardlink was made to it
        // Nothing but the target (or nothing at all) appeared beside it.
        const QStringList beside =
            QDir(m_tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
        for (const QString &n : beside)
            QVERIFY2(n == u"outside"_qs || n == u"root"_qs || n == u"image.tar"_qs || n == u"t"_qs,
                     qPrintable(n));
    }

private slots:
    void initTestCase_data()
    {
        QTest::addColumn<bool>("fallback");
        QTest::addRow("openat2") << false;
        QTest::addRow("component walk") << true;
    }

    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_root = m_tmp.filePath(u"root"_qs);
        m_outside = m_tmp.filePath(u"outside"_qs);
    }

    void init()
    {
        QFETCH_GLOBAL(bool, fallback);
        Image::InRoot::forceFallback(fallback);
        QVERIFY(m_tmp.isValid());
        QDir(m_tmp.path()).removeRecursively();
        QDir().mkpath(m_tmp.path());
        QDir().mkpath(m_outside + u"/etc"_qs);
        QFile canary(m_outside + u"/canary"_qs);
        QVERIFY(canary.open(QIODevice::WriteOnly));
        canary.write("canary");
        canary.close();
        QFile(m_outside + u"/canary"_qs).setPermissions(QFileDevice::Permissions(0x6666));
        QFile passwd(m_outside + u"/etc/passwd"_qs);
        QVERIFY(passwd.open(QIODevice::WriteOnly));
        passwd.write("root:x:0:0");
        passwd.close();
        m_outsideBefore = snapshot(m_outside, true);
    }

    void cleanup() { Image::InRoot::forceFallback(false); }

    // --- OCI semantics ---

    void regularFilesModesAndMtimes()
    {
        const auto r = unpack({TarBuilder()
                                   .dir("bin", 0755, 1600000000)
                                   .file("bin/app", "#!x", 0751, 1650000000)
                                   .file("etc/motd", "hi", 0600)
                                   .tar()});
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QCOMPARE(read(u"bin/app"_qs), QByteArray("#!x"));
        QFileInfo app(m_root + u"/bin/app"_qs);
        struct stat st;
        QCOMPARE(::stat(QFile::encodeName(m_root + u"/bin/app"_qs).constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 07777), 0751);
        QCOMPARE(qint64(st.st_mtim.tv_sec), qint64(1650000000));
        QCOMPARE(st.st_uid, ::getuid()); // rootless: owned by the invoking user
        QCOMPARE(::stat(QFile::encodeName(m_root + u"/bin"_qs).constData(), &st), 0);
        QCOMPARE(qint64(st.st_mtim.tv_sec),
                 qint64(1600000000)); // fixed after its children were written
        QCOMPARE(::stat(QFile::encodeName(m_root + u"/etc"_qs).constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 0777), 0755); // implied parent
        verifyOutsideUntouched();
    }

    void whiteoutRemovesLowerFileAndTree()
    {
        const auto r =
            unpack({TarBuilder().file("a/keep", "k").file("a/gone", "g").file("d/sub/x", "x").tar(),
                    TarBuilder().whiteout("a", "gone").whiteout("", "d").tar()});
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QVERIFY(exists(u"a/keep"_qs));
        QVERIFY(!exists(u"a/gone"_qs));
        QVERIFY(!exists(u"d"_qs));
        QVERIFY(!exists(u"a/.wh.gone"_qs)); // whiteouts are never materialised
    }

    void whiteoutDoesNotHideSameLayerFile()
    {
        const auto r = unpack({TarBuilder().file("a/f", "old").tar(),
                               TarBuilder().file("a/f", "new").whiteout("a", "f").tar()});
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QCOMPARE(read(u"a/f"_qs), QByteArray("new"));
    }

    void opaqueDirectoryHidesLowerChildrenWhateverTheOrder()
    {
        const auto r = unpack(
            {TarBuilder().file("d/lower1", "1").file("d/sub/lower2", "2").file("other", "o").tar(),
             TarBuilder()
                 .dir("d")
                 .file("d/new", "n")
                 .dir("d/sub")
                 .file("d/sub/new2", "n2")
                 .opaque("d")
                 .tar()});
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QVERIFY(!exists(u"d/lower1"_qs));
        QVERIFY(!exists(u"d/sub/lower2"_qs));
        QCOMPARE(read(u"d/new"_qs), QByteArray("n"));
        QCOMPARE(read(u"d/sub/new2"_qs), QByteArray("n2"));
        QVERIFY(exists(u"other"_qs));
        QVERIFY(!exists(u"d/.wh..wh..opq"_qs));
    }

    void hardlinksWithinAndAcrossLayers()
    {
        const auto r = unpack(
            {TarBuilder().file("usr/bin/a", "same", 0755).hardlink("usr/bin/b", "usr/bin/a").tar(),
             TarBuilder().hardlink("usr/bin/c", "usr/bin/a").tar()});
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        struct stat a, b, c;
        QCOMPARE(::stat(QFile::encodeName(m_root + u"/usr/bin/a"_qs).constData(), &a), 0);
        QCOMPARE(::stat(QFile::encodeName(m_root + u"/usr/bin/b"_qs).constData(), &b), 0);
        QCOMPARE(::stat(QFile::encodeName(m_root + u"/usr/bin/c"_qs).constData(), &c), 0);
        QCOMPARE(a.st_ino, b.st_ino);
        QCOMPARE(a.st_ino, c.st_ino);
        QCOMPARE(int(a.st_nlink), 3);
    }

    void hardlinkToSymlinkLinksTheSymlink()
    {
        const auto r = unpack({TarBuilder().symlink("s", "/etc/passwd").hardlink("h", "s").tar()});
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QCOMPARE(QFileInfo(m_root + u"/h"_qs).isSymLink(), true);
        verifyOutsideUntouched();
    }

    void mergedUsrSymlinksAreWrittenThrough()
    {
        // Debian's merged /usr: lib -> usr/lib (relative) and lib64 -> /usr/lib64 (absolute,
        // resolved inside the root).
        const auto r =
            unpack({TarBuilder()
                        .dir("usr/lib")
                        .dir("usr/lib64")
                        .symlink("lib", "usr/lib")
                        .symlink("lib64", "/usr/lib64")
                        .tar(),
                    TarBuilder().file("lib/libfoo.so", "foo").file("lib64/ld.so", "ld").tar()});
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QCOMPARE(read(u"usr/lib/libfoo.so"_qs), QByteArray("foo"));
        QCOMPARE(read(u"usr/lib64/ld.so"_qs), QByteArray("ld"));
        QVERIFY(QFileInfo(m_root + u"/lib"_qs).isSymLink());
    }

    void typeChangesFileDirSymlink()
    {
        const auto r = unpack(
            {TarBuilder().file("x", "file").dir("y").file("y/inner", "i").symlink("z", "x").tar(),
             TarBuilder()
                 .dir("x")
                 .file("x/now-dir", "d")
                 .file("y", "now-file")
                 .file("z", "now-file-too")
                 .tar()});
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QVERIFY(QFileInfo(m_root + u"/x"_qs).isDir());
        QCOMPARE(read(u"x/now-dir"_qs), QByteArray("d"));
        QCOMPARE(read(u"y"_qs), QByteArray("now-file"));
        QVERIFY(!QFileInfo(m_root + u"/z"_qs).isSymLink());
        QCOMPARE(read(u"z"_qs), QByteArray("now-file-too"));
    }

    // Issue 15: below the root, replacing a symlink, folder or FIFO with a file, or a file
    // with a hardlink, used a folder descriptor the parent cache had already closed ("Bad
    // file descriptor"). The library-upgrade pattern: libfoo.so a symlink, then a file.
    void nestedTypeChangesAndHardlinkReplacement()
    {
        const auto r = unpack({TarBuilder()
                                   .file("usr/lib/libfoo.so.1", "v1")
                                   .symlink("usr/lib/libfoo.so", "libfoo.so.1")
                                   .dir("usr/lib/plugins")
                                   .file("usr/lib/plugins/p", "p")
                                   .fifo("usr/lib/pipe")
                                   .file("usr/bin/a", "a")
                                   .file("usr/bin/b", "old b")
                                   .tar(),
                               TarBuilder()
                                   .file("usr/lib/libfoo.so", "v2")
                                   .file("usr/lib/plugins", "now a file")
                                   .file("usr/lib/pipe", "now a file too")
                                   .hardlink("usr/bin/b", "usr/bin/a")
                                   .tar()});
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QVERIFY(!QFileInfo(m_root + u"/usr/lib/libfoo.so"_qs).isSymLink());
        QCOMPARE(read(u"usr/lib/libfoo.so"_qs), QByteArray("v2"));
        QCOMPARE(read(u"usr/lib/libfoo.so.1"_qs), QByteArray("v1"));
        QCOMPARE(read(u"usr/lib/plugins"_qs), QByteArray("now a file"));
        QCOMPARE(read(u"usr/lib/pipe"_qs), QByteArray("now a file too"));
        struct stat a, b;
        QCOMPARE(::stat(QFile::encodeName(m_root + u"/usr/bin/a"_qs).constData(), &a), 0);
        QCOMPARE(::stat(QFile::encodeName(m_root + u"/usr/bin/b"_qs).constData(), &b), 0);
        QCOMPARE(a.st_ino, b.st_ino);
        QCOMPARE(read(u"usr/bin/b"_qs), QByteArray("a"));
        verifyOutsideUntouched();
    }

    void longAndUtf8Names()
    {
        const QByteArray longName = "deep/" + QByteArray(200, 'n') + "/" + QByteArray(150, 'f');
        const QByteArray utf8 = QStringLiteral(u"données/日本語.txt").toUtf8();
        const auto r = unpack({TarBuilder().file(longName, "long").file(utf8, "utf8").tar()});
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QCOMPARE(read(QString::fromUtf8(longName)), QByteArray("long"));
        QCOMPARE(read(QString::fromUtf8(utf8)), QByteArray("utf8"));
    }

    void fifoKeptDeviceSkippedWithWarning()
    {
        const auto r = unpack({TarBuilder().fifo("run/fifo").charDevice("dev/null", 1, 3).tar()});
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        struct stat st;
        QCOMPARE(::lstat(QFile::encodeName(m_root + u"/run/fifo"_qs).constData(), &st), 0);
        QVERIFY(S_ISFIFO(st.st_mode));
        QVERIFY(!exists(u"dev/null"_qs));
        QCOMPARE(r->stats.warnings.size(), 1);
        QVERIFY(r->stats.warnings.first().contains(u"device node skipped"_qs));
    }

    // --- Hostile input: contained (written inside the root) or refused, never outside ---

    void hostile_data()
    {
        QTest::addColumn<QList<QByteArray>>("layers");
        QTest::addColumn<QString>("expectedError"); // empty: contained, unpack succeeds
        QTest::addColumn<QString>("containedPath"); // where a contained write must land

        QTest::addRow("dotdot member is refused")
            << QList<QByteArray>{TarBuilder().file("../outside/canary", "pwned").tar()}
            << u"'..'"_qs << QString();
        QTest::addRow("dotdot in the middle is refused")
            << QList<QByteArray>{TarBuilder().file("a/../../outside/canary", "pwned").tar()}
            << u"'..'"_qs << QString();
        QTest::addRow("absolute member is stripped and stays inside")
            << QList<QByteArray>{TarBuilder()
                                     .file(QFile::encodeName(m_outside) + "/canary", "pwned")
                                     .tar()}
            << QString() << QString(u"."_qs + m_outside + u"/canary"_qs);
        QTest::addRow("absolute symlink then write-through, same layer, is clamped to the root")
            << QList<QByteArray>{TarBuilder()
                                     .symlink("a", QFile::encodeName(m_outside))
                                     .file("a/canary", "pwned")
                                     .tar()}
            << QString() << QString(u"."_qs + m_outside + u"/canary"_qs);
        QTest::addRow("relative symlink climbing out, same layer, is clamped to the root")
            << QList<QByteArray>{TarBuilder()
                                     .symlink("a", "../../../../../../../../..")
                                     .file("a/canary", "pwned")
                                     .tar()}
            << QString() << u"canary"_qs;
        QTest::addRow("symlink in layer 1, write-through in layer 2 (absolute)")
            << QList<QByteArray>{TarBuilder()
                                     .symlink("etc", QFile::encodeName(m_outside) + "/etc")
                                     .tar(),
                                 TarBuilder().file("etc/passwd", "pwned").tar()}
            << QString() << QString(u"."_qs + m_outside + u"/etc/passwd"_qs);
        QTest::addRow("symlink in layer 1, write-through in layer 2 (relative)")
            << QList<QByteArray>{TarBuilder().symlink("up", "../outside").tar(),
                                 TarBuilder().file("up/canary", "pwned").tar()}
            << QString() << u"outside/canary"_qs;
        QTest::addRow("hardlink to a host file (absolute) is refused")
            << QList<QByteArray>{TarBuilder()
                                     .hardlink("h", QFile::encodeName(m_outside) + "/canary")
                                     .tar()}
            << u"does not exist"_qs << QString();
        QTest::addRow("hardlink climbing out with dotdot is refused")
            << QList<QByteArray>{TarBuilder().hardlink("h", "../outside/canary").tar()}
            << u"outside the root"_qs << QString();
        QTest::addRow("hardlink through a symlink pointing out is resolved in root")
            << QList<QByteArray>{TarBuilder()
                                     .symlink("s", QFile::encodeName(m_outside))
                                     .hardlink("h", "s/canary")
                                     .tar()}
            << u"does not exist"_qs << QString();
        QTest::addRow("whiteout under a symlinked folder deletes nothing outside")
            << QList<QByteArray>{TarBuilder().symlink("s", QFile::encodeName(m_outside)).tar(),
                                 TarBuilder().whiteout("s", "canary").tar()}
            << QString() << QString();
        QTest::addRow("opaque whiteout under a symlinked folder deletes nothing outside")
            << QList<QByteArray>{TarBuilder().symlink("s", "../outside").tar(),
                                 TarBuilder().opaque("s").tar()}
            << QString() << QString();
        QTest::addRow("whiteout named .wh.. is refused")
            << QList<QByteArray>{TarBuilder().file("a/x", "x").tar(),
                                 TarBuilder().file("a/.wh..", "").tar()}
            << u"invalid whiteout"_qs << QString();
        QTest::addRow("whiteout climbing out with dotdot is refused")
            << QList<QByteArray>{TarBuilder().file("../outside/.wh.canary", "").tar()} << u"'..'"_qs
            << QString();
        QTest::addRow("symlink loop is refused, not followed forever")
            << QList<QByteArray>{TarBuilder()
                                     .symlink("a", "b")
                                     .symlink("b", "a")
                                     .file("a/x", "x")
                                     .tar()}
            << u"symlink loop"_qs << QString();
        QTest::addRow("two-hop escape chain is clamped")
            << QList<QByteArray>{TarBuilder()
                                     .dir("a/b")
                                     .symlink("a/b/esc", "../../..")
                                     .symlink("c", "a/b/esc/..")
                                     .symlink("d", "c/..")
                                     .symlink("e", "d/outside")
                                     .file("e/canary", "pwned")
                                     .tar()}
            << QString() << u"outside/canary"_qs;
        QTest::addRow("a symlink for the root itself is refused")
            << QList<QByteArray>{TarBuilder().symlink(".", QFile::encodeName(m_outside)).tar()}
            << u"root folder"_qs << QString();
        QTest::addRow("chmod of a folder replaced by a symlink does not follow it")
            << QList<QByteArray>{TarBuilder()
                                     .dir("d", 0700)
                                     .symlink("d", QFile::encodeName(m_outside) + "/etc")
                                     .tar()}
            << QString() << QString();
    }

    void hostile()
    {
        QFETCH(QList<QByteArray>, layers);
        QFETCH(QString, expectedError);
        QFETCH(QString, containedPath);
        const auto r = unpack(layers);
        if (expectedError.isEmpty()) {
            QVERIFY2(r, r ? "" : qPrintable(r.error().message));
            if (!containedPath.isEmpty())
                QCOMPARE(read(containedPath), QByteArray("pwned"));
        } else {
            QVERIFY(!r);
            QVERIFY2(r.error().message.contains(expectedError), qPrintable(r.error().message));
            QCOMPARE(r.error().kind, ErrorKind::ImageRefused);
            QVERIFY2(!QFileInfo::exists(m_root), "a refused image must leave no partial output");
        }
        verifyOutsideUntouched();
    }

    void truncatedLayerIsRefusedAndLeavesNothing()
    {
        const QByteArray cut =
            TarBuilder().file("a", "aaa").file("big", QByteArray(100000, 'b')).truncatedAfter(5000);
        const auto r = unpack({cut});
        QVERIFY(!r);
        QVERIFY2(r.error().message.contains(u"truncated"_qs) ||
                     r.error().message.contains(u"damaged"_qs),
                 qPrintable(r.error().message));
        QVERIFY(!QFileInfo::exists(m_root));
        QCOMPARE(QDir(m_tmp.path())
                     .entryList(QStringList{u".root.fcemu-staging-*"_qs},
                                QDir::AllEntries | QDir::Hidden)
                     .size(),
                 0);
    }

    void decompressionBombIsStoppedEarly()
    {
        // 64 MiB of zeros gzip to about 64 KiB; the cap is 8 MiB.
        const QByteArray bomb = TarBuilder().file("zeros", QByteArray(64 << 20, '\0')).tar();
        const auto r = unpack({bomb}, 8 << 20);
        QVERIFY(!r);
        QVERIFY2(r.error().message.contains(u"uncompressed size limit"_qs),
                 qPrintable(r.error().message));
        QVERIFY(!QFileInfo::exists(m_root));
        QCOMPARE(QDir(m_tmp.path())
                     .entryList(QStringList{u".root.fcemu-staging-*"_qs},
                                QDir::AllEntries | QDir::Hidden)
                     .size(),
                 0);
    }
};

QTEST_GUILESS_MAIN(TestLayerApply)
#include "TestLayerApply.moc"
