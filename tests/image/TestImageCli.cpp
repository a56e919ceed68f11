// `fcemu image ...` as a user runs it: exit codes, one-line errors and JSON (CONTRACT §1.1).
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include "ImageFixtures.h"
#include "SandboxTestSupport.h"
#include "config/FcLimits.h"

using namespace Fcemu::Test;
using json = nlohmann::json;

class TestImageCli final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;

    struct Run
    {
        int code;
        QByteArray out;
        QByteArray err;
    };

    Run fcemu(const QStringList &args)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"FCEMU_CACHE_DIR"_qs, m_tmp.filePath(u"cache"_qs));
        p.setProcessEnvironment(env);
        p.start(qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") + u"/app/fcemu"_qs, args);
        if (!p.waitForFinished(60000))
            qFatal("fcemu did not finish");
        return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
    }

    static QString str(const json &j)
    {
        return QString::fromStdString(j.is_string() ? j.get<std::string>() : j.dump());
    }
    static bool oneLine(const QByteArray &err)
    {
        return err.count('\n') == 1 && err.startsWith("fcemu: ");
    }

private slots:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }

    void versionAndHelp()
    {
        const Run v = fcemu({u"--version"_qs});
        QCOMPARE(v.code, 0);
        QVERIFY(v.out.startsWith("fcemu "));
        const Run h = fcemu({u"--help"_qs});
        QCOMPARE(h.code, 0);
        QVERIFY(h.out.contains("fcemu image pack    DIR OUT.tar"));
        const Run bad = fcemu({u"frobnicate"_qs});
        QCOMPARE(bad.code, 2);
        QVERIFY(oneLine(bad.err));
    }

    void packInspectUnpackRoundTrip()
    {
        const QString src = m_tmp.filePath(u"src"_qs);
        QVERIFY(QDir().mkpath(src + u"/app"_qs));
        QFile f(src + u"/app/run.sh"_qs);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("#!/bin/sh\necho hi\n");
        f.close();
        f.setPermissions(QFileDevice::Permissions(0x7755));
        QVERIFY(QFile::link(u"run.sh"_qs, src + u"/app/start"_qs));
        QVERIFY(QFile::link(src + u"/app/run.sh"_qs, src + u"/app/hard") || true);
        const QString out = m_tmp.filePath(u"app.tar"_qs);
        const Run pack =
            fcemu({u"image"_qs, u"pack"_qs, src, out, u"--entrypoint"_qs, u"[\"/app/run.sh\"]"_qs,
                   u"--cmd"_qs, u"[\"--port\",\"9000\"]"_qs, u"--env"_qs, u"MODE=demo"_qs,
                   u"--workdir"_qs, u"/app"_qs, u"--user"_qs, u"1000"_qs});
        QCOMPARE(pack.code, 0);

        const Run inspect = fcemu({u"image"_qs, u"inspect"_qs, out, u"--json"_qs});
        QCOMPARE(inspect.code, 0);
        const json j = json::parse(inspect.out.toStdString());
        QCOMPARE(str(j["format"]), QStringLiteral("oci-archive"));
        QCOMPARE(str(j["platform"]), QStringLiteral("linux/amd64"));
        QCOMPARE(str(j["config"]["Entrypoint"]),
                 QString::fromStdString(json::array({"/app/run.sh"}).dump()));
        QCOMPARE(str(j["config"]["Cmd"]),
                 QString::fromStdString(json::array({"--port", "9000"}).dump()));
        QCOMPARE(str(j["config"]["WorkingDir"]), QStringLiteral("/app"));
        QCOMPARE(str(j["config"]["User"]), QStringLiteral("1000"));
        QVERIFY(j["config"]["Env"].dump().find("MODE=demo") != std::string::npos);
        QCOMPARE(int(j["layers"].size()), 1);
        QCOMPARE(str(j["layers"][0]["compression"]), QStringLiteral("gzip"));
        QVERIFY(j["layers"][0]["uncompressedSize"].get<qint64>() >
                j["layers"][0]["compressedSize"].get<qint64>() / 2);
        QCOMPARE(j["fcChecks"][0]["passed"].get<bool>(), true);
        QCOMPARE(j["fcChecks"][1]["passed"].get<bool>(), true);

        const QString dir = m_tmp.filePath(u"rootfs"_qs);
        const Run unpack = fcemu({u"image"_qs, u"unpack"_qs, out, dir});
        QCOMPARE(unpack.code, 0);
        QCOMPARE(snapshot(dir), snapshot(src));

        const Run again = fcemu({u"image"_qs, u"unpack"_qs, out, dir});
        QCOMPARE(again.code, 2);
        QVERIFY(oneLine(again.err));
        QVERIFY(again.err.contains("already exists"));
    }

    void refusedImagesExitThree()
    {
        ImageSpec spec;
        spec.layerTars = {TarBuilder().file("a", "1").tar()};
        spec.architecture = u"arm64"_qs;
        const QString arm = m_tmp.filePath(u"arm.tar"_qs);
        writeImage(arm, spec, Format::OciArchive);
        const Run r = fcemu({u"image"_qs, u"inspect"_qs, arm});
        QCOMPARE(r.code, 3);
        QVERIFY(oneLine(r.err));
        QVERIFY(r.err.contains("docker build --platform linux/amd64"));

        const Run missing = fcemu({u"image"_qs, u"inspect"_qs, m_tmp.filePath(u"nope.tar"_qs)});
        QCOMPARE(missing.code, 2);
        QVERIFY(oneLine(missing.err));
    }

    // `image analyze` (#16 item 2): the JSON object of CONTRACT §1.3, the limit verdict, errors.
    void analyze()
    {
        const QString img = m_tmp.filePath(u"analyze.tar"_qs);
        writeImage(img, analysisSample(), Format::OciArchive);
        const Run r = fcemu({u"image"_qs, u"analyze"_qs, img, u"--json"_qs,
                             u"--registry-edition"_qs, u"standard"_qs});
        QCOMPARE(r.code, 0);
        const json j = json::parse(r.out.toStdString());
        QCOMPARE(str(j["format"]), u"oci-archive"_qs);
        QCOMPARE(j["layers"].size(), 3u);
        const json &l2 = j["layers"][1];
        QCOMPARE(l2["index"].get<int>(), 2);
        QCOMPARE(l2["adds"].get<int>(), 3);
        QCOMPARE(l2["changes"].get<int>(), 1);
        QCOMPARE(l2["wastedBytes"].get<qint64>(), 5000);
        QCOMPARE(str(l2["createdBy"]), u"/bin/sh -c npm ci   &&   npm cache clean"_qs);
        QCOMPARE(str(l2["compression"]), u"gzip"_qs);
        QCOMPARE(j["layers"][2]["deletes"].get<int>(), 3);
        QCOMPARE(j["layers"][2]["opaqueFolders"].get<int>(), 1);
        QCOMPARE(j["wastedBytes"].get<qint64>(), 13200);
        QCOMPARE(j["finalBytes"].get<qint64>(), 2450);
        QCOMPARE(str(j["largestFiles"][0]["path"]), u"app/main.js"_qs);
        QCOMPARE(j["largestFiles"][0]["size"].get<qint64>(), 1500);
        QVERIFY(j["efficiencyPercent"].get<double>() > 15 &&
                j["efficiencyPercent"].get<double>() < 16);
        const json &check = j["fcChecks"][0];
        QCOMPARE(str(check["check"]), u"uncompressedSize"_qs);
        QVERIFY(check["passed"].get<bool>());
        QCOMPARE(check["limit"].get<qint64>(), Fcemu::Config::kLargeImageLimitBytes);
        QVERIFY(str(check["message"]).contains(u"Standard Edition"_qs));

        // The table: one row per layer, the history as Dockerfile lines, the summary.
        const Run human = fcemu({u"image"_qs, u"analyze"_qs, img});
        QCOMPARE(human.code, 0);
        QVERIFY2(human.out.contains("RUN npm ci && npm cache clean"), human.out.constData());
        QVERIFY(human.out.contains("  efficiency  15.7 %"));
        QVERIFY(human.out.contains("pass  uncompressed size"));

        const Run over =
            fcemu({u"image"_qs, u"analyze"_qs, img, u"--max-uncompressed"_qs, u"1K"_qs});
        QCOMPARE(over.code, 3);
        QVERIFY(over.out.contains("FAIL  uncompressed size"));
        QVERIFY(oneLine(over.err));

        const Run missing = fcemu({u"image"_qs, u"analyze"_qs, m_tmp.filePath(u"nope.tar"_qs)});
        QCOMPARE(missing.code, 2);
        QVERIFY(oneLine(missing.err));
        QVERIFY(missing.err.contains("nope.tar"));
        const Run badTop = fcemu({u"image"_qs, u"analyze"_qs, img, u"--top"_qs, u"many"_qs});
        QCOMPARE(badTop.code, 2);
        QVERIFY(oneLine(badTop.err));
        const Run badEdition =
            fcemu({u"image"_qs, u"analyze"_qs, img, u"--registry-edition"_qs, u"gold"_qs});
        QCOMPARE(badEdition.code, 2);
        QVERIFY(oneLine(badEdition.err));
    }

    void sizeCapIsEnforced()
    {
        ImageSpec spec;
        spec.layerTars = {TarBuilder().file("big", QByteArray(4 << 20, 'z')).tar()};
        const QString img = m_tmp.filePath(u"big.tar"_qs);
        writeImage(img, spec, Format::OciArchive);
        const Run inspect =
            fcemu({u"image"_qs, u"inspect"_qs, img, u"--max-uncompressed"_qs, u"1M"_qs});
        QCOMPARE(inspect.code, 3);
        QVERIFY(inspect.out.contains("FAIL  uncompressed size"));
        const QString dir = m_tmp.filePath(u"big-root"_qs);
        const Run unpack =
            fcemu({u"image"_qs, u"unpack"_qs, img, dir, u"--max-uncompressed"_qs, u"1M"_qs});
        QCOMPARE(unpack.code, 3);
        QVERIFY(oneLine(unpack.err));
        QVERIFY(unpack.err.contains("uncompressed size limit"));
        QVERIFY(!QFileInfo::exists(dir));
        const Run badSize =
            fcemu({u"image"_qs, u"unpack"_qs, img, dir, u"--max-uncompressed"_qs, u"lots"_qs});
        QCOMPARE(badSize.code, 2);
    }

    // FC's limit by instance type and Container Registry edition (#16 item 4).
    void limitFollowsRegistryEdition()
    {
        ImageSpec spec;
        spec.layerTars = {TarBuilder().file("a", "1").tar()};
        const QString img = m_tmp.filePath(u"small.tar"_qs);
        writeImage(img, spec, Format::OciArchive);
        const auto limitOf = [&](const QStringList &extra) -> std::pair<qint64, QString> {
            const Run r = fcemu(QStringList{u"image"_qs, u"inspect"_qs, img, u"--json"_qs} + extra);
            if (r.code != 0)
                return {-1, QString::fromUtf8(r.err)};
            const json j = json::parse(r.out.toStdString());
            return {j["fcChecks"][1]["limit"].get<qint64>(),
                    QString::fromStdString(j["fcChecks"][1]["message"].get<std::string>())};
        };
        constexpr qint64 GB = 1LL << 30;
        QCOMPARE(limitOf({}).first, 3 * GB);
        QCOMPARE(limitOf({}).second, u"uncompressed size limit for elastic instances, Container "
                                     u"Registry Personal Edition"_qs);
        QCOMPARE(limitOf({u"--registry-edition"_qs, u"basic"_qs}).first, 3 * GB);
        QCOMPARE(limitOf({u"--registry-edition"_qs, u"standard"_qs}).first, 10 * GB);
        QCOMPARE(limitOf({u"--registry-edition"_qs, u"advanced"_qs}).first, 10 * GB);
        QCOMPARE(limitOf({u"--instance-type"_qs, u"gpu"_qs}).first, 10 * GB);
        const Run bad =
            fcemu({u"image"_qs, u"inspect"_qs, img, u"--registry-edition"_qs, u"gold"_qs});
        QCOMPARE(bad.code, 2);
        QVERIFY(oneLine(bad.err));
        QVERIFY(bad.err.contains("--registry-edition expects personal, basic, standard or "
                                 "advanced (got 'gold')"));
    }

    void cacheListAndPrune()
    {
        const Run list = fcemu({u"image"_qs, u"cache"_qs, u"list"_qs});
        QCOMPARE(list.code, 0);
        QVERIFY(list.out.startsWith("cache "));
        const Run prune = fcemu({u"image"_qs, u"cache"_qs, u"prune"_qs});
        QCOMPARE(prune.code, 0);
        QVERIFY(prune.out.startsWith("removed "));
        QVERIFY(QDir().mkpath(m_tmp.filePath(u"cache/images/v1-sha256-half/rootfs"_qs)));
        const Run verify = fcemu({u"image"_qs, u"cache"_qs, u"verify"_qs});
        QCOMPARE(verify.code, 0);
        QVERIFY2(verify.out.startsWith("verified 1 cached image: removed 1 damaged\n"
                                       "  v1-sha256-half: no readable meta.json\n"),
                 verify.out.constData());
        QVERIFY(!QFileInfo::exists(m_tmp.filePath(u"cache/images/v1-sha256-half"_qs)));
        const Run bad = fcemu({u"image"_qs, u"cache"_qs, u"shred"_qs});
        QCOMPARE(bad.code, 2);
    }

    // Issue 15 / CONTRACT §1.3: a full cache disk is the machine's fault (exit 4), the message
    // names the cache folder and the space the image needs, and no entry or staging folder is
    // left. The cache lives on a 512 KiB tmpfs in a mount namespace of the test's own.
    void fullCacheDiskExitsFourAndLeavesNothing()
    {
        const QString content = m_tmp.filePath(u"big"_qs);
        QDir().mkpath(content);
        QFile blob(content + u"/random.bin"_qs);
        QVERIFY(blob.open(QIODevice::WriteOnly));
        QFile urandom(u"/dev/urandom"_qs);
        QVERIFY(urandom.open(QIODevice::ReadOnly));
        blob.write(urandom.read(2 << 20)); // incompressible: 2 MiB unpacked and packed
        blob.close();
        const QString image = m_tmp.filePath(u"big.tar"_qs);
        const Run packed = fcemu(
            {u"image"_qs, u"pack"_qs, content, image, u"--entrypoint"_qs, u"[\"/random.bin\"]"_qs});
        QVERIFY2(packed.code == 0, packed.err.constData());
        const QString cache = m_tmp.filePath(u"smallcache"_qs);
        QDir().mkpath(cache);
        const QString script =
            u"mount -t tmpfs -o size=512k tmpfs \"$CACHE\" || exit 99\n"
            u"\"$FCEMU\" invoke \"$IMAGE\" --timeout 5 2>\"$CACHE.err\" >/dev/null\n"
            u"echo \"rc=$?\"\n"
            u"find \"$CACHE\" -mindepth 2\n"_qs;
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"FCEMU_CACHE_DIR"_qs, cache);
        env.insert(u"CACHE"_qs, cache);
        env.insert(u"IMAGE"_qs, image);
        env.insert(u"FCEMU"_qs, qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") + u"/app/fcemu"_qs);
        p.setProcessEnvironment(env);
        p.start(u"unshare"_qs,
                {u"--user"_qs, u"--map-root-user"_qs, u"--mount"_qs, u"sh"_qs, u"-c"_qs, script});
        QVERIFY(p.waitForFinished(120000));
        if (p.exitCode() == 99 || p.exitStatus() != QProcess::NormalExit ||
            p.readAllStandardError().contains("unshare")) {
            if (!Fcemu::TestSupport::sandboxMustWork())
                QSKIP("cannot mount a tmpfs in a user namespace here");
            QFAIL("cannot mount a tmpfs in a user namespace (EMU_SANDBOX_MUST_WORK=1)");
        }
        const QList<QByteArray> lines = p.readAllStandardOutput().trimmed().split('\n');
        QFile errFile(cache + u".err"_qs);
        QVERIFY(errFile.open(QIODevice::ReadOnly));
        const QByteArray err = errFile.readAll();
        QCOMPARE(lines.value(0), QByteArray("rc=4"));
        QVERIFY2(oneLine(err), err.constData());
        QVERIFY2(err.contains(
                     QByteArray(QFile::encodeName(cache) + ": no space left for the image cache")),
                 err.constData());
        QVERIFY2(err.contains("the image needs 2.0"), err.constData());
        // Nothing partial: only the (empty) images/ and staging/ folders and the lock files.
        for (const QByteArray &line : lines.mid(1))
            QVERIFY2(line.endsWith("/images") || line.endsWith("/staging") ||
                         line.contains("/locks"),
                     line.constData());
    }
};

QTEST_GUILESS_MAIN(TestImageCli)
#include "TestImageCli.moc"
