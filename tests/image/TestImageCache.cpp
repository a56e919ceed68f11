// The content-keyed cache of unpacked images (SPEC §2 "Cache").
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <thread>

#include "ImageFixtures.h"
#include "image/ImageCache.h"
#include "image/ImageManifest.h"
#include "image/ImageSource.h"

using namespace Fcemu;
using namespace Fcemu::Test;

class TestImageCache final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_cacheDir;
    QString m_image;

    struct Opened
    {
        std::unique_ptr<Image::ImageSource> source;
        Image::ImageInfo info;
    };
    Opened open(const QString &path)
    {
        auto source = Image::ImageSource::open(path, m_tmp.filePath(u"tmp"_qs), 1LL << 30);
        if (!source)
            qFatal("%s", qPrintable(source.error().message));
        auto info = Image::readImage(**source);
        if (!info)
            qFatal("%s", qPrintable(info.error().message));
        return {std::move(*source), *info};
    }
    int stagingCount() const
    {
        return QDir(m_cacheDir + u"/staging"_qs)
            .entryList(QDir::AllEntries | QDir::NoDotAndDotDot)
            .size();
    }

private slots:
    void init()
    {
        QVERIFY(m_tmp.isValid());
        m_cacheDir = m_tmp.filePath(u"cache"_qs);
        QDir(m_cacheDir).removeRecursively();
        m_image = m_tmp.filePath(u"image.tar"_qs);
        ImageSpec spec;
        spec.layerTars = {TarBuilder().file("bin/app", QByteArray(300000, 'x'), 0755).tar(),
                          TarBuilder().file("etc/conf", "v2").tar()};
        spec.config.entrypoint = {u"/bin/app"_qs};
        writeImage(m_image, spec, Format::OciArchive);
    }

    void defaultDirectoryHonoursEnvironment()
    {
        qputenv("FCEMU_CACHE_DIR", m_cacheDir.toUtf8());
        QCOMPARE(Image::ImageCache::defaultDirectory(), m_cacheDir);
        qunsetenv("FCEMU_CACHE_DIR");
        QVERIFY(Image::ImageCache::defaultDirectory().endsWith(u"/fcemu"_qs));
    }

    void missThenHit()
    {
        Image::ImageCache cache(m_cacheDir);
        auto image = open(m_image);
        QVERIFY(!cache.lookup(image.info));
        auto first = cache.ensure(*image.source, image.info, {});
        QVERIFY2(first, first ? "" : qPrintable(first.error().message));
        QVERIFY(!first->hit);
        QVERIFY(first->unpackMs > 0);
        QCOMPARE(first->entry.config.entrypoint, QStringList{u"/bin/app"_qs});
        QFile conf(first->entry.rootfs + u"/etc/conf"_qs);
        QVERIFY(conf.open(QIODevice::ReadOnly));
        QCOMPARE(conf.readAll(), QByteArray("v2"));
        QCOMPARE(first->entry.uncompressedSize, first->report.uncompressedSize);

        // The same layers in another format hit the same entry.
        const QString docker = m_tmp.filePath(u"docker.tar"_qs);
        ImageSpec spec;
        spec.layerTars = {TarBuilder().file("bin/app", QByteArray(300000, 'x'), 0755).tar(),
                          TarBuilder().file("etc/conf", "v2").tar()};
        writeImage(docker, spec, Format::DockerArchive);
        auto other = open(docker);
        auto second = cache.ensure(*other.source, other.info, {});
        QVERIFY(second);
        QVERIFY(second->hit);
        QCOMPARE(second->unpackMs, 0.0);
        QCOMPARE(second->entry.path, first->entry.path);
        QCOMPARE(cache.list().size(), 1);
        QCOMPARE(stagingCount(), 0);
    }

    void refusedImageLeavesNoEntry()
    {
        Image::ImageCache cache(m_cacheDir);
        const QString bomb = m_tmp.filePath(u"bomb.tar"_qs);
        ImageSpec spec;
        spec.layerTars = {TarBuilder().file("zeros", QByteArray(16 << 20, '\0')).tar()};
        writeImage(bomb, spec, Format::OciArchive);
        auto image = open(bomb);
        Image::UnpackOptions options;
        options.maxUncompressedBytes = 1 << 20;
        auto r = cache.ensure(*image.source, image.info, options);
        QVERIFY(!r);
        QVERIFY(!cache.lookup(image.info));
        QCOMPARE(cache.list().size(), 0);
        QCOMPARE(stagingCount(), 0);
    }

    void halfEntryFromACrashIsNeverTrusted()
    {
        Image::ImageCache cache(m_cacheDir);
        auto image = open(m_image);
        // What a crash could leave: a staging folder, and a folder under images/ without
        // meta.json (which our rename never produces, but a user's copy might).
        const QString key = Image::ImageCache::keyFor(image.info);
        QVERIFY(QDir().mkpath(m_cacheDir + u"/staging/"_qs + key + u".abc123/rootfs/bin"_qs));
        QVERIFY(QDir().mkpath(m_cacheDir + u"/images/"_qs + key + u"/rootfs/half"_qs));
        QVERIFY(!cache.lookup(image.info));
        auto r = cache.ensure(*image.source, image.info, {});
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QVERIFY(!r->hit);
        QVERIFY(!QFileInfo::exists(r->entry.rootfs + u"/half"_qs));
        QVERIFY(QFileInfo::exists(r->entry.rootfs + u"/bin/app"_qs));
        r->lease = {};
        auto pruned = cache.prune();
        QVERIFY(pruned);
        QCOMPARE(stagingCount(), 0); // the crash's leftovers are gone
    }

    void twoUnpackersOfTheSameImageDoTheWorkOnce()
    {
        auto run = [this]() -> std::pair<bool, QString> {
            Image::ImageCache cache(m_cacheDir); // separate objects, separate lock descriptors
            auto image = open(m_image);
            auto r = cache.ensure(*image.source, image.info, {});
            if (!r)
                return {false, r.error().message};
            return {r->hit, r->entry.rootfs};
        };
        std::pair<bool, QString> a, b;
        std::thread ta([&]() { a = run(); });
        std::thread tb([&]() { b = run(); });
        ta.join();
        tb.join();
        QVERIFY2(!a.second.isEmpty() && !b.second.isEmpty(), "both succeed");
        QCOMPARE(a.second, b.second);
        QCOMPARE(int(a.first) + int(b.first), 1); // exactly one unpacked, the other waited and hit
        QCOMPARE(stagingCount(), 0);
    }

    void pruneKeepsEntriesInUse()
    {
        Image::ImageCache cache(m_cacheDir);
        auto image = open(m_image);
        auto held = cache.ensure(*image.source, image.info, {});
        QVERIFY(held);
        QVERIFY(held->lease.isHeld());
        auto pruned = cache.prune();
        QVERIFY(pruned);
        QCOMPARE(pruned->removed, 0);
        QCOMPARE(pruned->busy, 1);
        QVERIFY(QFileInfo::exists(held->entry.rootfs + u"/bin/app"_qs));
        held->lease = {};
        pruned = cache.prune();
        QVERIFY(pruned);
        QCOMPARE(pruned->removed, 1);
        QVERIFY(pruned->bytesFreed >= 300000);
        QVERIFY(!QFileInfo::exists(held->entry.path));
        QCOMPARE(cache.list().size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestImageCache)
#include "TestImageCache.moc"
