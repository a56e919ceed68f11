// fcemu issue #16 items 3 and 4 through the real `fcemu` and the real sandbox: --profile-startup
// reports exactly the files the cold start read (the sample server's binary), by layer, with a
// large file it never reads among the "never read"; the report's startupProfile; the profile
// kept in the cache makes the next simulated pull an accelerated one, and --no-acceleration
// the full one; a cache on tmpfs is refused with one line.
#include <sys/vfs.h>

#include <linux/magic.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include "ImageFixtures.h"
#include "SandboxTestSupport.h"
#include "image/ImagePacker.h"

using namespace Fcemu;
using json = nlohmann::json;

namespace {

QString binaryDir()
{
    return qEnvironmentVariable("FCEMU_TEST_BINARY_DIR");
}

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run fcemu(const QStringList &args, const QString &cacheDir)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"FCEMU_CACHE_DIR"_qs, cacheDir);
    process.setProcessEnvironment(env);
    process.start(binaryDir() + u"/app/fcemu"_qs, args);
    if (!process.waitForFinished(120'000))
        qFatal("fcemu did not finish");
    return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

json firstReport(const Run &run)
{
    const QByteArray line = run.out.split('\n').value(0);
    return json::parse(line.toStdString(), nullptr, false);
}

} // namespace

class TestStartupProfile final : public QObject
{
    Q_OBJECT

    // On the build tree's disk, not /tmp: /tmp may be tmpfs (CI's fresh root mounts one), where
    // the page cache cannot be observed and the profile is refused.
    QTemporaryDir m_work{qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") +
                         u"/Testing/Temporary/startup-profile-XXXXXX"_qs};
    QString m_image;
    qint64 m_compressed = 0;

    QString cache() const { return m_work.filePath(u"cache"_qs); }

private slots:
    void initTestCase()
    {
        FCEMU_REQUIRE_SANDBOX();
        QVERIFY(m_work.isValid());
        // Layer 1: the sample server (all the start-up reads). Layer 2: 6 MB it never reads.
        auto app = Image::layerFromDirectory(
            binaryDir() + u"/resources/samples/fc-sample-web-rootfs"_qs, u"zstd"_qs);
        QVERIFY2(app.has_value(), app ? "" : qPrintable(app.error().message));
        QByteArray random(6'000'000, Qt::Uninitialized);
        QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(random.data()),
                                              random.size() / 4);
        auto data = Image::layerFromTar(Test::TarBuilder()
                                            .dir("data")
                                            .file("data/unread.bin", random)
                                            .file("data/notes.txt", "never opened\n")
                                            .tar(),
                                        u"gzip"_qs);
        QVERIFY(data.has_value());
        Image::PackOptions pack;
        pack.entrypoint = {u"/app/fc-sample-web"_qs};
        pack.workingDir = u"/app"_qs;
        m_image = m_work.filePath(u"profiled.tar"_qs);
        QVERIFY(Image::writeOciArchive(m_image, {*app, *data}, pack).has_value());
        m_compressed = app->data.size() + data->data.size();
    }

    // The first cold start of the image, profiled: exactly the server's binary was read.
    void profileNamesTheFilesRead()
    {
        const Run run = fcemu({u"invoke"_qs, m_image, u"--profile-startup"_qs, u"--json"_qs,
                               u"--http"_qs, u"GET"_qs, u"/"_qs},
                              cache());
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const json report = firstReport(run);
        QVERIFY2(report.contains("startupProfile"), run.out.constData());
        const json &p = report["startupProfile"];
        QCOMPARE(p["through"].get<std::string>(), std::string("first request"));
        QStringList read;
        for (const json &f : p["files"])
            read.append(QString::fromStdString(f["path"].get<std::string>()));
        QCOMPARE(read, QStringList{u"app/fc-sample-web"_qs});
        const json &binary = p["files"][0];
        QVERIFY(binary["readBytes"].get<qint64>() > 0);
        QVERIFY(binary["readBytes"].get<qint64>() <= binary["size"].get<qint64>());
        QCOMPARE(binary["layer"].get<int>(), 0);
        QCOMPARE(p["readFiles"].get<int>(), 1);
        QCOMPARE(p["readBytes"].get<qint64>(), binary["readBytes"].get<qint64>());
        QVERIFY(p["totalBytes"].get<qint64>() > 6'000'000);
        // By layer: the base layer holds every byte read, the data layer none.
        QCOMPARE(p["layers"].size(), size_t(2));
        QCOMPARE(p["layers"][0]["readFiles"].get<int>(), 1);
        QCOMPARE(p["layers"][1]["readBytes"].get<qint64>(), qint64(0));
        QCOMPARE(p["layers"][1]["files"].get<int>(), 2);
        // The largest file never read comes first, with its layer.
        const json &largest = p["largestUnread"][0];
        QCOMPARE(largest["path"].get<std::string>(), std::string("data/unread.bin"));
        QCOMPARE(largest["size"].get<qint64>(), qint64(6'000'000));
        QCOMPARE(largest["layer"].get<int>(), 1);
        // The estimate at the assumed bandwidth: accelerated pulls less than the full image.
        const json &e = p["estimate"];
        QVERIFY(e["assumedBandwidth"].get<bool>());
        QCOMPARE(e["fullPullBytes"].get<qint64>(), m_compressed);
        QVERIFY(e["acceleratedPullBytes"].get<qint64>() < m_compressed / 4);
        QVERIFY(e["acceleratedColdStartMs"].get<double>() < e["fullColdStartMs"].get<double>());
        QVERIFY(QString::fromStdString(p["summary"].get<std::string>())
                    .startsWith(u"start-up read "_qs));
        // Kept beside the image in the cache.
        const QString key = QString::fromStdString(p["imageKey"].get<std::string>());
        QVERIFY(QFile::exists(cache() + u"/profiles/"_qs + key + u".json"_qs));
        // Without --profile-startup the report has no such field (CONTRACT §1.2 unchanged).
        const Run plain = fcemu({u"invoke"_qs, m_image, u"--json"_qs}, cache());
        QVERIFY2(plain.exitCode == 0, plain.err.constData());
        QVERIFY(!firstReport(plain).contains("startupProfile"));
    }

    void textSection()
    {
        const Run run = fcemu({u"invoke"_qs, m_image, u"--profile-startup"_qs}, cache());
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QString out = QString::fromUtf8(run.out);
        QVERIFY2(out.contains(u"start-up read "_qs) && out.contains(u" in 1 file of "_qs),
                 run.out.constData());
        QVERIFY2(out.contains(u"largest files never read"_qs), run.out.constData());
        QVERIFY2(out.contains(u"/data/unread.bin  (layer 2)"_qs), run.out.constData());
        QVERIFY2(out.contains(u"with image acceleration"_qs), run.out.constData());
        QVERIFY2(out.contains(u"20 MB/s (assumed"_qs), run.out.constData());
    }

    // After a prune the image is pulled again: only the profiled bytes, unless --no-acceleration.
    void accelerationChangesThePull()
    {
        const double bandwidth = 10; // MB/s: the full image takes about 0.7 s
        const double fullMs = double(m_compressed) / (bandwidth * 1e6) * 1000.0;
        const auto pullMs = [&](bool accelerated) -> double {
            const Run prune = fcemu({u"image"_qs, u"cache"_qs, u"prune"_qs}, cache());
            if (prune.exitCode != 0)
                qFatal("prune failed: %s", prune.err.constData());
            QStringList args{u"invoke"_qs, m_image, u"--json"_qs, u"--pull-bandwidth"_qs,
                             QString::number(bandwidth)};
            if (!accelerated)
                args << u"--no-acceleration"_qs;
            const Run run = fcemu(args, cache());
            if (run.exitCode != 0)
                qFatal("invoke failed: %s", run.err.constData());
            const json report = firstReport(run);
            return report["timings"]["pullMs"].get<double>();
        };
        const double full = pullMs(false);
        QVERIFY2(std::abs(full - fullMs) <= 0.1 * fullMs,
                 qPrintable(u"%1 vs %2"_qs.arg(full).arg(fullMs)));
        const double accelerated = pullMs(true);
        QVERIFY2(accelerated < full / 3, qPrintable(u"%1 vs %2"_qs.arg(accelerated).arg(full)));

        // The text output says which pull was simulated.
        fcemu({u"image"_qs, u"cache"_qs, u"prune"_qs}, cache());
        const Run text = fcemu({u"invoke"_qs, m_image, u"--pull-bandwidth"_qs, u"10"_qs}, cache());
        QVERIFY2(text.out.contains("what the start-up reads (image acceleration"),
                 text.out.constData());
    }

    // Where the page cache cannot tell a read (tmpfs keeps every file in memory): one line.
    void memoryFileSystemIsRefused()
    {
        struct statfs fs
        {
        };
        if (::statfs("/dev/shm", &fs) != 0 || fs.f_type != TMPFS_MAGIC)
            QSKIP("no tmpfs at /dev/shm");
        QTemporaryDir shm(u"/dev/shm/fcemu-profile-XXXXXX"_qs);
        QVERIFY(shm.isValid());
        const Run run = fcemu({u"invoke"_qs, m_image, u"--profile-startup"_qs}, shm.path());
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("--profile-startup: the image cache") &&
                     run.err.contains("tmpfs"),
                 run.err.constData());
        QCOMPARE(run.err.count('\n'), 1);
    }
};

QTEST_GUILESS_MAIN(TestStartupProfile)
#include "TestStartupProfile.moc"
