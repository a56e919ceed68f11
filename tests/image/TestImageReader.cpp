// Image formats, platform selection, digests and the refusal messages of CONTRACT §2.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include "ImageFixtures.h"
#include "image/ImageCache.h"
#include "image/ImageManifest.h"
#include "image/ImageSource.h"
#include "image/LayerUnpacker.h"

using namespace Fcemu;
using namespace Fcemu::Test;
using json = nlohmann::json;

Q_DECLARE_METATYPE(Fcemu::Test::Format)

class TestImageReader final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    int m_counter = 0;

    QString fresh(const QString &name)
    {
        return m_tmp.filePath(QString::number(++m_counter) + u'-' + name);
    }

    Result<Image::ImageInfo> read(const QString &path)
    {
        auto source = Image::ImageSource::open(path, m_tmp.filePath(u"tmp"_qs), 1LL << 30);
        if (!source)
            return std::unexpected(source.error());
        return Image::readImage(**source);
    }

    Result<Image::UnpackReport> unpack(const QString &path, const QString &dir)
    {
        auto source = Image::ImageSource::open(path, m_tmp.filePath(u"tmp"_qs), 1LL << 30);
        if (!source)
            return std::unexpected(source.error());
        auto info = Image::readImage(**source);
        if (!info)
            return std::unexpected(info.error());
        return Image::unpackToDirectory(**source, *info, dir, {});
    }

    // Writes an OCI archive tar from explicit members (for hand-made hostile layouts).
    QString writeTar(const QList<QPair<QByteArray, QByteArray>> &members)
    {
        const QString path = fresh(u"hand.tar"_qs);
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write(tarOf(members));
        return path;
    }

    static QByteArray dump(const json &j) { return QByteArray::fromStdString(j.dump()); }
    static QString sha(const QByteArray &d) { return Image::Hasher::sha256(d).toString(); }

    static json descriptor(const char *mediaType, const QByteArray &data)
    {
        return {
            {"mediaType", mediaType}, {"digest", sha(data).toStdString()}, {"size", data.size()}};
    }

    // A one-layer image's blobs: layer, config (with arch), manifest.
    struct Blobs
    {
        QByteArray layer, config, manifest;
    };
    static Blobs blobs(const QString &arch)
    {
        Blobs b;
        b.layer = TarBuilder().file("hello", "world").tar();
        b.config =
            dump({{"architecture", arch.toStdString()},
                  {"os", "linux"},
                  {"config", {{"Entrypoint", {"/hello"}}}},
                  {"rootfs", {{"type", "layers"}, {"diff_ids", {sha(b.layer).toStdString()}}}}});
        b.manifest =
            dump({{"schemaVersion", 2},
                  {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                  {"config", descriptor("application/vnd.oci.image.config.v1+json", b.config)},
                  {"layers", {descriptor("application/vnd.oci.image.layer.v1.tar", b.layer)}}});
        return b;
    }
    static QByteArray blobName(const QByteArray &data)
    {
        return "blobs/sha256/" + sha(data).mid(7).toLatin1();
    }

private slots:
    void formats_data()
    {
        QTest::addColumn<Format>("format");
        QTest::addColumn<QString>("compression");
        QTest::addColumn<bool>("gzipWhole");
        QTest::addColumn<QString>("formatName");
        QTest::addRow("oci archive, gzip layers")
            << Format::OciArchive << u"gzip"_qs << false << u"oci-archive"_qs;
        QTest::addRow("oci archive, zstd layers")
            << Format::OciArchive << u"zstd"_qs << false << u"oci-archive"_qs;
        QTest::addRow("oci archive, plain layers")
            << Format::OciArchive << u"none"_qs << false << u"oci-archive"_qs;
        QTest::addRow("oci archive, whole archive gzipped")
            << Format::OciArchive << u"gzip"_qs << true << u"oci-archive"_qs;
        QTest::addRow("oci layout directory")
            << Format::OciDirectory << u"zstd"_qs << false << u"oci-layout-directory"_qs;
        QTest::addRow("docker save archive")
            << Format::DockerArchive << u"none"_qs << false << u"docker-archive"_qs;
        QTest::addRow("docker archive with skopeo's symlinked layer.tar")
            << Format::DockerArchiveSymlinked << u"none"_qs << false << u"docker-archive"_qs;
        QTest::addRow("docker archive, gzipped")
            << Format::DockerArchive << u"none"_qs << true << u"docker-archive"_qs;
    }

    void formats()
    {
        QFETCH(Format, format);
        QFETCH(QString, compression);
        QFETCH(bool, gzipWhole);
        QFETCH(QString, formatName);
        ImageSpec spec;
        spec.layerTars = {TarBuilder().file("etc/base", "base").file("gone", "x").tar(),
                          TarBuilder().file("app/server", "srv", 0755).whiteout("", "gone").tar()};
        spec.compression = compression;
        spec.gzipWholeArchive = gzipWhole;
        spec.config.entrypoint = {u"/app/server"_qs};
        spec.config.cmd = {u"--port"_qs, u"9000"_qs};
        spec.config.env = {u"PATH=/bin"_qs, u"MODE=test"_qs};
        spec.config.workingDir = u"/app"_qs;
        spec.config.user = u"1000:1000"_qs;
        const QString path = fresh(u"image"_qs);
        writeImage(path, spec, format);
        const auto info = read(path);
        QVERIFY2(info, info ? "" : qPrintable(info.error().message));
        QCOMPARE(Image::formatName(info->format), formatName);
        QCOMPARE(info->layers.size(), 2);
        QCOMPARE(info->config.entrypoint, QStringList{u"/app/server"_qs});
        QCOMPARE(info->config.cmd, (QStringList{u"--port"_qs, u"9000"_qs}));
        QCOMPARE(info->config.env, (QStringList{u"PATH=/bin"_qs, u"MODE=test"_qs}));
        QCOMPARE(info->config.workingDir, u"/app"_qs);
        QCOMPARE(info->config.user, u"1000:1000"_qs);
        QCOMPARE(info->config.architecture, u"amd64"_qs);
        const QString dir = fresh(u"rootfs"_qs);
        const auto r = unpack(path, dir);
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QFile server(dir + u"/app/server"_qs);
        QVERIFY(server.open(QIODevice::ReadOnly));
        QCOMPARE(server.readAll(), QByteArray("srv"));
        QVERIFY(!QFileInfo::exists(dir + u"/gone"_qs));
        QCOMPARE(r->layers.first().compression,
                 format == Format::DockerArchive || format == Format::DockerArchiveSymlinked
                     ? u"none"_qs
                     : compression);
    }

    void sameLayersGiveTheSameContentKeyInEveryFormat()
    {
        ImageSpec spec;
        spec.layerTars = {TarBuilder().file("a", "1").tar()};
        const QString oci = fresh(u"oci.tar"_qs), docker = fresh(u"docker.tar"_qs);
        writeImage(oci, spec, Format::OciArchive);
        writeImage(docker, spec, Format::DockerArchive);
        QCOMPARE(read(oci)->chainId, read(docker)->chainId);
        QCOMPARE(Image::ImageCache::keyFor(*read(oci)), Image::ImageCache::keyFor(*read(docker)));
    }

    void chainIdFollowsTheSpec()
    {
        const auto a = *Image::Digest::parse(u"sha256:"_qs + QString(64, u'a'));
        const auto b = *Image::Digest::parse(u"sha256:"_qs + QString(64, u'b'));
        QCOMPARE(Image::chainIdOf({a}), a);
        QCOMPARE(Image::chainIdOf({a, b}),
                 Image::Hasher::sha256((a.toString() + u' ' + b.toString()).toUtf8()));
    }

    void nestedIndexPicksLinuxAmd64AndSkipsAttestations()
    {
        const Blobs arm = blobs(u"arm64"_qs), amd = blobs(u"amd64"_qs);
        json armDesc = descriptor("application/vnd.oci.image.manifest.v1+json", arm.manifest);
        armDesc["platform"] = {{"os", "linux"}, {"architecture", "arm64"}, {"variant", "v8"}};
        json attDesc = descriptor("application/vnd.oci.image.manifest.v1+json", arm.manifest);
        attDesc["platform"] = {{"os", "unknown"}, {"architecture", "unknown"}};
        json amdDesc = descriptor("application/vnd.oci.image.manifest.v1+json", amd.manifest);
        amdDesc["platform"] = {{"os", "linux"}, {"architecture", "amd64"}};
        const QByteArray nested = dump({{"schemaVersion", 2},
                                        {"mediaType", "application/vnd.oci.image.index.v1+json"},
                                        {"manifests", {armDesc, attDesc, amdDesc}}});
        const QByteArray top =
            dump({{"schemaVersion", 2},
                  {"manifests", {descriptor("application/vnd.oci.image.index.v1+json", nested)}}});
        const QString path = writeTar({{"oci-layout", ociLayoutFile()},
                                       {"index.json", top},
                                       {blobName(nested), nested},
                                       {blobName(arm.manifest), arm.manifest},
                                       {blobName(arm.config), arm.config},
                                       {blobName(amd.manifest), amd.manifest},
                                       {blobName(amd.config), amd.config},
                                       {blobName(amd.layer), amd.layer}});
        const auto info = read(path);
        QVERIFY2(info, info ? "" : qPrintable(info.error().message));
        QCOMPARE(info->config.architecture, u"amd64"_qs);
        QCOMPARE(info->manifestDigest.toString(), sha(amd.manifest));
    }

    void refusals_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("message");
        const Blobs arm = blobs(u"arm64"_qs), ok = blobs(u"amd64"_qs);
        json armDesc = descriptor("application/vnd.oci.image.manifest.v1+json", arm.manifest);
        armDesc["platform"] = {{"os", "linux"}, {"architecture", "arm64"}};
        const QByteArray armIndex = dump({{"schemaVersion", 2}, {"manifests", {armDesc}}});
        const QByteArray okIndex =
            dump({{"schemaVersion", 2},
                  {"manifests",
                   {descriptor("application/vnd.oci.image.manifest.v1+json", ok.manifest)}}});
        QTest::addRow("an arm64-only index is refused, naming the fix")
            << writeTar({{"oci-layout", ociLayoutFile()},
                         {"index.json", armIndex},
                         {blobName(arm.manifest), arm.manifest}})
            << u"found linux/arm64); FC runs only AMD64 images: rebuild with docker build --platform linux/amd64"_qs;
        QTest::addRow("an arm64 config without platform in the index is refused")
            << writeTar(
                   {{"oci-layout", ociLayoutFile()},
                    {"index.json", dump({{"schemaVersion", 2},
                                         {"manifests",
                                          {descriptor("application/vnd.oci.image.manifest.v1+json",
                                                      arm.manifest)}}})},
                    {blobName(arm.manifest), arm.manifest},
                    {blobName(arm.config), arm.config},
                    {blobName(arm.layer), arm.layer}})
            << u"architecture is arm64; FC supports only AMD64"_qs;
        QTest::addRow("invalid JSON names the file")
            << writeTar({{"oci-layout", ociLayoutFile()}, {"index.json", "{not json"}})
            << u"index.json: invalid JSON"_qs;
        QTest::addRow("a missing blob names it")
            << writeTar({{"oci-layout", ociLayoutFile()}, {"index.json", okIndex}})
            << QString(QString::fromLatin1(blobName(ok.manifest)) +
                       u": missing from the archive"_qs);
        QByteArray tampered = ok.config;
        tampered.replace("hello", "HELLO");
        QTest::addRow("a blob whose content does not match its digest is refused")
            << writeTar({{"oci-layout", ociLayoutFile()},
                         {"index.json", okIndex},
                         {blobName(ok.manifest), ok.manifest},
                         {blobName(ok.config), tampered}})
            << u"digest mismatch"_qs;
        QTest::addRow("a manifest.json path climbing out of the archive is refused")
            << writeTar({{"manifest.json", dump(json::array({{{"Config", "../../etc/passwd"},
                                                              {"Layers", json::array()}}}))}})
            << u"points outside the archive"_qs;
        QTest::addRow("a docker archive whose layer.tar symlink climbs out is refused")
            << [&]() -> QString {
            const QString p = fresh(u"sym.tar"_qs);
            QFile f(p);
            f.open(QIODevice::WriteOnly);
            f.write(
                TarBuilder()
                    .file("c.json", ok.config)
                    .file("manifest.json",
                          dump(json::array({{{"Config", "c.json"}, {"Layers", {"x/layer.tar"}}}})))
                    .symlink("x/layer.tar", "../../../etc/passwd")
                    .tar());
            return p;
        }() << u"link points outside the archive"_qs;
        QTest::addRow("an archive with neither index.json nor manifest.json")
            << writeTar({{"readme", "hi"}}) << u"neither an OCI layout"_qs;
        QTest::addRow("an empty file") << [&]() -> QString {
            const QString p = fresh(u"empty.tar"_qs);
            QFile f(p);
            f.open(QIODevice::WriteOnly);
            return p;
        }() << u"empty file, not an image"_qs;
        QTest::addRow("a file that is not an archive") << [&]() -> QString {
            const QString p = fresh(u"text.tar"_qs);
            QFile f(p);
            f.open(QIODevice::WriteOnly);
            f.write(QByteArray(5000, 'x'));
            return p;
        }() << u"not an image: expected a docker save or OCI archive"_qs;
        QTest::addRow("layers and diff_ids of different lengths")
            << writeTar(
                   {{"oci-layout", ociLayoutFile()},
                    {"index.json",
                     dump(
                         {{"schemaVersion", 2},
                          {"manifests",
                           {descriptor("application/vnd.oci.image.manifest.v1+json",
                                       dump({{"schemaVersion", 2},
                                             {"config",
                                              descriptor("application/vnd.oci.image.config.v1+json",
                                                         ok.config)},
                                             {"layers", json::array()}}))}}})},
                    {blobName(
                         dump({{"schemaVersion", 2},
                               {"config",
                                descriptor("application/vnd.oci.image.config.v1+json", ok.config)},
                               {"layers", json::array()}})),
                     dump({{"schemaVersion", 2},
                           {"config",
                            descriptor("application/vnd.oci.image.config.v1+json", ok.config)},
                           {"layers", json::array()}})},
                    {blobName(ok.config), ok.config}})
            << u"0 layers but the config lists 1 diff_ids"_qs;
    }

    void refusals()
    {
        QFETCH(QString, path);
        QFETCH(QString, message);
        const auto info = read(path);
        QVERIFY(!info);
        QVERIFY2(info.error().message.contains(message), qPrintable(info.error().message));
        QVERIFY2(info.error().message.startsWith(path), "the message names the image");
        QVERIFY(!info.error().message.contains(u'\n'));
        QCOMPARE(info.error().kind, ErrorKind::ImageRefused);
    }

    void layerWhoseContentDoesNotMatchItsDiffIdIsRefused()
    {
        ImageSpec spec;
        spec.layerTars = {TarBuilder().file("a", "1").tar()};
        const QString path = fresh(u"docker.tar"_qs);
        writeImage(path, spec, Format::DockerArchive);
        // Rewrite the layer member with other content of the same length.
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QByteArray data = f.readAll();
        const qsizetype at = data.indexOf("a\0", 0);
        QVERIFY(at >= 0);
        const qsizetype content = data.indexOf(QByteArray("1\0\0\0", 4));
        QVERIFY(content > 0);
        data[content] = '2';
        f.seek(0);
        f.write(data);
        f.close();
        const QString dir = fresh(u"out"_qs);
        const auto r = unpack(path, dir);
        QVERIFY(!r);
        QVERIFY2(r.error().message.contains(u"does not match diff_id"_qs),
                 qPrintable(r.error().message));
        QVERIFY(!QFileInfo::exists(dir));
    }

    void compressedBlobWithWrongDigestIsRefused()
    {
        ImageSpec spec;
        spec.layerTars = {TarBuilder().file("a", QByteArray(10000, 'a')).tar()};
        spec.compression = u"none"_qs;
        const QString path = fresh(u"dir"_qs);
        writeImage(path, spec, Format::OciDirectory);
        // Flip one byte of the layer blob (the biggest file under blobs/).
        QDir blobsDir(path + u"/blobs/sha256"_qs);
        const QString layer = blobsDir.entryInfoList(QDir::Files, QDir::Size).first().filePath();
        QFile f(layer);
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.seek(1024);
        f.write("Z");
        f.close();
        const QString dir = fresh(u"out"_qs);
        const auto r = unpack(path, dir);
        QVERIFY(!r);
        QVERIFY2(r.error().message.contains(u"digest mismatch"_qs), qPrintable(r.error().message));
        QVERIFY(!QFileInfo::exists(dir));
    }

    void layoutDirectorySymlinkOutIsRefused()
    {
        ImageSpec spec;
        spec.layerTars = {TarBuilder().file("a", "1").tar()};
        const QString path = fresh(u"dir"_qs);
        writeImage(path, spec, Format::OciDirectory);
        QFile::remove(path + u"/index.json"_qs);
        QFile canary(m_tmp.filePath(u"secret.json"_qs));
        canary.open(QIODevice::WriteOnly);
        canary.write("{}");
        canary.close();
        QVERIFY(QFile::link(m_tmp.filePath(u"secret.json"_qs), path + u"/index.json"_qs));
        const auto info = read(path);
        QVERIFY(!info);
        QVERIFY2(info.error().message.contains(u"outside the image directory"_qs),
                 qPrintable(info.error().message));
    }

    void gzipBombAsWholeArchiveIsStoppedEarly()
    {
        const QString path = fresh(u"bomb.tar.gz"_qs);
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(gzip(TarBuilder().file("zeros", QByteArray(48 << 20, '\0')).tar()));
        f.close();
        auto source = Image::ImageSource::open(path, m_tmp.filePath(u"tmp"_qs), 8 << 20);
        QVERIFY(!source);
        QVERIFY2(source.error().message.contains(u"stopped early"_qs),
                 qPrintable(source.error().message));
    }
};

QTEST_GUILESS_MAIN(TestImageReader)
#include "TestImageReader.moc"
