// Preparing an image off the GUI thread: progress signals, completion, cancel.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "ImageFixtures.h"
#include "image/ImageCache.h"
#include "runtime/ImagePreparation.h"

using namespace Fcemu;
using namespace Fcemu::Test;

class TestImagePreparation final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_image;

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_image = m_tmp.filePath(u"image.tar"_qs);
        QByteArray noise(6 << 20, '\0');
        for (qsizetype i = 0; i < noise.size(); ++i)
            noise[i] = char((i * 2654435761u) >> 13); // incompressible enough: several chunks
        ImageSpec spec;
        spec.layerTars = {TarBuilder().file("a", noise).tar(),
                          TarBuilder().file("b", noise.left(3 << 20)).tar()};
        writeImage(m_image, spec, Format::OciArchive);
    }

    void progressThenCompleted()
    {
        Runtime::PrepareOptions options;
        options.cacheDirectory = m_tmp.filePath(u"cache1"_qs);
        Runtime::ImagePreparation job(m_image, {}, options);
        QSignalSpy progress(&job, &Runtime::ImagePreparation::progress);
        QSignalSpy completed(&job, &Runtime::ImagePreparation::completed);
        QSignalSpy failed(&job, &Runtime::ImagePreparation::failed);
        job.start();
        QVERIFY(completed.wait(30000));
        QCOMPARE(failed.size(), 0);
        QVERIFY(progress.size() >= 1);
        qint64 last = -1;
        for (const auto &args : progress) {
            QVERIFY(args.at(0).toLongLong() >= last);
            last = args.at(0).toLongLong();
        }
        QCOMPARE(progress.last().at(0).toLongLong(), progress.last().at(1).toLongLong());
        const auto image =
            completed.first().first().value<std::shared_ptr<Runtime::PreparedImage>>();
        QVERIFY(image);
        QVERIFY(!image->cached);
        QVERIFY(QFileInfo::exists(image->entry.rootfs + u"/b"_qs));
    }

    void cancelLeavesNothingCached()
    {
        Config::FunctionConfig config;
        config.pullBandwidthMBps = 0.01; // a simulated pull of minutes: time to cancel it
        Runtime::PrepareOptions options;
        options.cacheDirectory = m_tmp.filePath(u"cache2"_qs);
        Runtime::ImagePreparation job(m_image, config, options);
        QSignalSpy failed(&job, &Runtime::ImagePreparation::failed);
        job.start();
        QTest::qWait(300);
        job.cancel();
        QVERIFY(failed.wait(5000));
        QVERIFY(failed.first().first().toString().contains(u"cancelled"_qs));
        QCOMPARE(failed.first().at(1).toInt(), 2);
        QCOMPARE(Image::ImageCache(options.cacheDirectory).list().size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestImagePreparation)
#include "TestImagePreparation.moc"
