// The content-keyed cache of unpacked images (CONTRACT §2 "Cache").
#include <signal.h>

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
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

    // An image that takes a while to unpack: many small files and a larger one.
    static constexpr int bigFiles = 1500;
    static constexpr qint64 bigBytes = 1500LL * 2048 + (24 << 20);
    QString bigImage()
    {
        const QString path = m_tmp.filePath(u"big.tar"_qs);
        if (QFileInfo::exists(path))
            return path;
        TarBuilder many;
        for (int i = 0; i < bigFiles; ++i)
            many.file("usr/share/d" + QByteArray::number(i % 30) + "/f" + QByteArray::number(i),
                      QByteArray(2048, char('a' + i % 26)));
        ImageSpec spec;
        spec.layerTars = {many.tar(),
                          TarBuilder().file("opt/blob", QByteArray(24 << 20, 'z')).tar()};
        spec.config.entrypoint = {u"/opt/blob"_qs};
        writeImage(path, spec, Format::OciArchive);
        return path;
    }
    std::unique_ptr<QProcess> startHelper(const QString &cacheDir, const QString &image,
                                          int holdMs = -1)
    {
        auto p = std::make_unique<QProcess>();
        QStringList args{cacheDir, image};
        if (holdMs >= 0)
            args.append(QString::number(holdMs));
        p->start(QStringLiteral(FCEMU_CACHE_HELPER), args);
        return p;
    }
    // Every folder under images/ must be a complete entry: published ones are whole.
    void verifyOnlyCompleteEntries(const QString &cacheDir)
    {
        const QDir images(cacheDir + u"/images"_qs);
        for (const QString &key : images.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            const QString root = images.filePath(key) + u"/rootfs"_qs;
            qint64 files = 0, bytes = 0;
            QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                it.next();
                ++files;
                bytes += it.fileInfo().size();
            }
            QVERIFY2(QFileInfo::exists(images.filePath(key) + u"/meta.json"_qs), qPrintable(key));
            QCOMPARE(files, qint64(bigFiles + 1));
            QCOMPARE(bytes, bigBytes);
        }
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

    // Issue 15: N processes prepare the same uncached image at once. It is unpacked once,
    // every process gets the same complete root, none sees a partial one.
    void processesPrepareTheSameImageOnce_data()
    {
        QTest::addColumn<int>("processes");
        QTest::addRow("two processes") << 2;
        QTest::addRow("eight processes") << 8;
    }
    void processesPrepareTheSameImageOnce()
    {
        QFETCH(int, processes);
        const QString image = bigImage();
        std::vector<std::unique_ptr<QProcess>> helpers;
        for (int i = 0; i < processes; ++i)
            helpers.push_back(startHelper(m_cacheDir, image));
        int unpacked = 0;
        QSet<QByteArray> roots;
        for (auto &h : helpers) {
            QVERIFY(h->waitForFinished(120000));
            QVERIFY2(h->exitCode() == 0, h->readAllStandardError().constData());
            const QList<QByteArray> f = h->readAllStandardOutput().trimmed().split(' ');
            QCOMPARE(f.size(), 4);
            unpacked += f[0] == "unpacked" ? 1 : 0;
            roots.insert(f[1]);
            QCOMPARE(f[2].toLongLong(), qint64(bigFiles + 1)); // complete, not partial
            QCOMPARE(f[3].toLongLong(), bigBytes);
        }
        QCOMPARE(unpacked, 1);
        QCOMPARE(roots.size(), 1);
        QCOMPARE(stagingCount(), 0);
        verifyOnlyCompleteEntries(m_cacheDir);
    }

    // Issue 15: SIGKILL at random points of the unpack, 20 trials. No entry that looks
    // complete is left half-written, and the next run redoes it.
    void sigkillDuringUnpackLeavesNoHalfEntry()
    {
        const QString image = bigImage();
        QElapsedTimer timer;
        timer.start();
        {
            auto h = startHelper(m_tmp.filePath(u"measure"_qs), image);
            QVERIFY(h->waitForFinished(120000));
            QCOMPARE(h->exitCode(), 0);
        }
        const int fullMs = int(timer.elapsed());
        int killedMidway = 0;
        for (int trial = 0; trial < 20; ++trial) {
            QDir(m_cacheDir).removeRecursively();
            auto h = startHelper(m_cacheDir, image);
            QVERIFY(h->waitForStarted());
            QTest::qSleep(int(QRandomGenerator::global()->bounded(fullMs + 1)));
            ::kill(pid_t(h->processId()), SIGKILL);
            QVERIFY(h->waitForFinished(30000));
            if (h->exitStatus() == QProcess::CrashExit)
                ++killedMidway;
            verifyOnlyCompleteEntries(m_cacheDir);
            // The next run repairs: a whole root, and the leftovers gone after a prune.
            auto next = startHelper(m_cacheDir, image);
            QVERIFY(next->waitForFinished(120000));
            QVERIFY2(next->exitCode() == 0, next->readAllStandardError().constData());
            const QList<QByteArray> f = next->readAllStandardOutput().trimmed().split(' ');
            QCOMPARE(f.value(2).toLongLong(), qint64(bigFiles + 1));
            QCOMPARE(f.value(3).toLongLong(), bigBytes);
            Image::ImageCache cache(m_cacheDir);
            auto verified = cache.verify(); // removes what the killed unpack left
            QVERIFY(verified);
            QCOMPARE(verified->checked, 1);
            QCOMPARE(stagingCount(), 0);
            QVERIFY(cache.lookup(open(image).info)); // the good entry stays
        }
        qInfo("unpack takes %d ms here; %d of 20 trials were killed before the end", fullMs,
              killedMidway);
        QVERIFY(killedMidway >= 5); // the trials did hit the unpack, not only its aftermath
    }

    // `fcemu image cache verify` (CONTRACT §1.3): damaged entries and crash leftovers go, whole
    // entries stay, a damaged entry in use stays until it is free.
    void verifyRemovesDamagedEntriesOnly()
    {
        Image::ImageCache cache(m_cacheDir);
        auto image = open(m_image);
        auto good = cache.ensure(*image.source, image.info, {});
        QVERIFY(good);
        good->lease = {};
        const QString images = m_cacheDir + u"/images/"_qs;
        QVERIFY(QDir().mkpath(images + u"v1-sha256-nometa/rootfs/bin"_qs));
        QVERIFY(QDir().mkpath(images + u"v1-sha256-noroot"_qs));
        QFile meta(images + u"v1-sha256-noroot/meta.json"_qs);
        QVERIFY(meta.open(QIODevice::WriteOnly));
        meta.write(R"({"chainId": "sha256:noroot"})");
        meta.close();
        QVERIFY(QDir().mkpath(images + u"v1-sha256-renamed"_qs));
        QVERIFY(QFile::copy(good->entry.path + u"/meta.json"_qs,
                            images + u"v1-sha256-renamed/meta.json"_qs));
        QVERIFY(QDir().mkpath(images + u"v1-sha256-renamed/rootfs"_qs));
        QVERIFY(QDir().mkpath(m_cacheDir + u"/staging/v1-sha256-x.AbC123/rootfs"_qs));
        auto r = cache.verify();
        QVERIFY2(r, r ? "" : qPrintable(r.error().message));
        QCOMPARE(r->checked, 4);
        QCOMPARE(r->removed, 4); // three damaged entries and one staging leftover
        QCOMPARE(r->busy, 0);
        QCOMPARE(r->problems.size(), 4);
        QVERIFY(r->problems.join(u'\n').contains(u"v1-sha256-nometa: no readable meta.json"_qs));
        QVERIFY(r->problems.join(u'\n').contains(u"v1-sha256-noroot: no rootfs folder"_qs));
        QCOMPARE(cache.list().size(), 1);
        QVERIFY(QFileInfo::exists(good->entry.rootfs + u"/bin/app"_qs));
        QCOMPARE(stagingCount(), 0);
        // A second pass finds nothing.
        r = cache.verify();
        QVERIFY(r);
        QCOMPARE(r->checked, 1);
        QCOMPARE(r->removed, 0);
    }

    // Issue 15: `prune` while another process runs from the entry: it keeps working.
    void pruneWhileAnotherProcessRunsFromTheEntry()
    {
        const QString image = bigImage();
        auto holder = startHelper(m_cacheDir, image, 1500);
        QVERIFY(holder->waitForReadyRead(120000));
        const QList<QByteArray> first = holder->readLine().trimmed().split(' ');
        QCOMPARE(first.value(0), QByteArray("unpacked"));
        Image::ImageCache cache(m_cacheDir);
        auto pruned = cache.prune();
        QVERIFY(pruned);
        QCOMPARE(pruned->removed, 0);
        QCOMPARE(pruned->busy, 1);
        QVERIFY(holder->waitForFinished(30000));
        QCOMPARE(holder->exitCode(), 0);
        const QList<QByteArray> still = holder->readAll().trimmed().split(' ');
        QCOMPARE(still.value(0), QByteArray("still"));
        QCOMPARE(still.value(1).toLongLong(), qint64(bigFiles + 1));
        QCOMPARE(still.value(2).toLongLong(), bigBytes);
        pruned = cache.prune(); // no one holds it now
        QVERIFY(pruned);
        QCOMPARE(pruned->removed, 1);
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
