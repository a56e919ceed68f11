// Issue #5's acceptance for the phases of CONTRACT §7, through the real `fcemu` and the real
// sandbox: a cold call's phases add up to its total (within 5%), a warm call has no cold
// phases, a second cold start of a cached image has no unpack and no pull charge, and a
// simulated registry pull of a 10 MB image at 1 MB/s takes about 10 s and, at 1024 MB, costs
// about 10 GB-s. Checked for `fcemu invoke` in web-server mode (InstancePool), in non-web-server
// mode (JobInvoker), and for `fcemu serve` (InstancePool) through /fcemu/invocations.
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include "ImageFixtures.h"
#include "image/ImagePacker.h"
#include "sandbox/Sandbox.h"
#include "SandboxTestSupport.h"

using namespace Fcemu;
using json = nlohmann::json;

namespace {

const QStringList kColdPhases{u"pullMs"_qs, u"unpackMs"_qs, u"sandboxMs"_qs, u"startupMs"_qs,
                              u"initializeMs"_qs};
const QStringList kAllPhases =
    QStringList{u"queueMs"_qs} + kColdPhases + QStringList{u"invokeMs"_qs};

QString binaryDir()
{
    return qEnvironmentVariable("FCEMU_TEST_BINARY_DIR");
}

double ms(const json &report, const QString &phase)
{
    return report["timings"][phase.toStdString()].get<double>();
}

double phaseSum(const json &report)
{
    double sum = 0;
    for (const QString &phase : kAllPhases)
        sum += ms(report, phase);
    return sum;
}

QByteArray describe(const json &report)
{
    return QByteArray::fromStdString(report["timings"].dump());
}

} // namespace

class TestColdStartPhases final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_cache;

    // `fcemu ARGS` with its own image cache; the --json reports, one per line.
    QList<json> invoke(const QStringList &args, const QString &cacheDir = {})
    {
        QProcess fcemu;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"FCEMU_CACHE_DIR"_qs, cacheDir.isEmpty() ? m_cache.path() : cacheDir);
        fcemu.setProcessEnvironment(env);
        fcemu.start(binaryDir() + u"/app/fcemu"_qs, QStringList{u"invoke"_qs} + args);
        if (!fcemu.waitForFinished(120'000))
            qFatal("fcemu invoke did not finish");
        if (fcemu.exitCode() != 0)
            qFatal("fcemu invoke failed: %s", fcemu.readAllStandardError().constData());
        QList<json> reports;
        for (const QByteArray &line : fcemu.readAllStandardOutput().split('\n'))
            if (!line.trimmed().isEmpty())
                reports.append(json::parse(line.toStdString()));
        return reports;
    }

    static void verifyColdSum(const json &cold)
    {
        QVERIFY2(cold["coldStart"].get<bool>(), describe(cold));
        const double total = ms(cold, u"totalMs"_qs);
        QVERIFY2(std::abs(phaseSum(cold) - total) <= 0.05 * total, describe(cold));
    }

    static void verifyWarm(const json &warm)
    {
        QVERIFY2(!warm["coldStart"].get<bool>(), describe(warm));
        for (const QString &phase : kColdPhases)
            QVERIFY2(ms(warm, phase) == 0,
                     qPrintable(phase + u": "_qs + QString::fromUtf8(describe(warm))));
        QVERIFY2(ms(warm, u"invokeMs"_qs) > 0, describe(warm));
        QCOMPARE(warm["billing"]["imagePullGbSeconds"].get<double>(), 0.0);
    }

private slots:
    void initTestCase()
    {
        FCEMU_REQUIRE_SANDBOX();
        QVERIFY(m_cache.isValid());
    }

    // The first test: the cache is empty, so this is a real cold start with an unpack.
    void webColdThenWarm()
    {
        const auto reports =
            invoke({binaryDir() + u"/resources/samples/fc-sample-web.tar"_qs, u"--http"_qs,
                    u"GET"_qs, u"/"_qs, u"--json"_qs, u"--repeat"_qs, u"2"_qs});
        QCOMPARE(reports.size(), 2);
        const json &cold = reports[0];
        verifyColdSum(cold);
        for (const QString &phase :
             {u"pullMs"_qs, u"unpackMs"_qs, u"sandboxMs"_qs, u"startupMs"_qs, u"invokeMs"_qs})
            QVERIFY2(ms(cold, phase) > 0,
                     qPrintable(phase + u": "_qs + QString::fromUtf8(describe(cold))));
        QVERIFY(cold["billing"]["imagePullGbSeconds"].get<double>() > 0);
        verifyWarm(reports[1]);
        QCOMPARE(reports[1]["instanceId"].get<std::string>(),
                 cold["instanceId"].get<std::string>());
    }

    void cachedColdStartHasNoUnpackAndNoPullCharge()
    {
        const auto reports = invoke({binaryDir() + u"/resources/samples/fc-sample-web.tar"_qs,
                                     u"--http"_qs, u"GET"_qs, u"/"_qs, u"--json"_qs});
        QCOMPARE(reports.size(), 1);
        verifyColdSum(reports[0]);
        QCOMPARE(ms(reports[0], u"unpackMs"_qs), 0.0);
        QVERIFY(ms(reports[0], u"sandboxMs"_qs) > 0);
        QCOMPARE(reports[0]["billing"]["imagePullGbSeconds"].get<double>(), 0.0);
    }

    // `invoke`'s table says what the cache saved rather than leaving the phase out.
    void cachedPhaseReadsCachedInTheTable()
    {
        QProcess fcemu;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"FCEMU_CACHE_DIR"_qs, m_cache.path());
        fcemu.setProcessEnvironment(env);
        fcemu.start(binaryDir() + u"/app/fcemu"_qs,
                    {u"invoke"_qs, binaryDir() + u"/resources/samples/fc-sample-web.tar"_qs,
                     u"--http"_qs, u"GET"_qs, u"/"_qs, u"--repeat"_qs, u"2"_qs});
        QVERIFY(fcemu.waitForFinished(120'000));
        QCOMPARE(fcemu.exitCode(), 0);
        const QString out = QString::fromUtf8(fcemu.readAllStandardOutput());
        // The cold start (the image cached by the tests before): unpack cached; the warm call:
        // no unpack at all.
        const QString cold = out.section(u"  warm call"_qs, 0, 0);
        const QString warm = out.section(u"  warm call"_qs, 1);
        QVERIFY2(cold.contains(u"  cold start"_qs), qPrintable(out));
        QVERIFY2(QRegularExpression(u"\\n  unpack +cached, 0 ms\\n"_qs).match(cold).hasMatch(),
                 qPrintable(out));
        QVERIFY2(QRegularExpression(u"\\n  unpack +\u2014\\n"_qs).match(warm).hasMatch(),
                 qPrintable(out));
        QVERIFY2(QRegularExpression(u"\\n  pull +\u2014\\n"_qs).match(warm).hasMatch(),
                 qPrintable(out));
    }

    // Non-web-server mode: every event is a cold start of a fresh container.
    void jobPhasesAddUp()
    {
        const auto reports = invoke({binaryDir() + u"/resources/samples/fc-sample-job.tar"_qs,
                                     u"--web-server-mode"_qs, u"false"_qs, u"--event"_qs,
                                     u"{\"k\":1}"_qs, u"--json"_qs, u"--repeat"_qs, u"2"_qs});
        QCOMPARE(reports.size(), 2);
        for (const json &r : reports) {
            verifyColdSum(r);
            QVERIFY2(ms(r, u"sandboxMs"_qs) > 0 && ms(r, u"invokeMs"_qs) > 0, describe(r));
        }
        // The image was pulled once, for the first container.
        QCOMPARE(ms(reports[1], u"pullMs"_qs), 0.0);
        QCOMPARE(reports[1]["billing"]["imagePullGbSeconds"].get<double>(), 0.0);
    }

    // `fcemu serve`: the pool's records, read back from /fcemu/invocations.
    void servePhasesAddUp()
    {
        QProcess serve;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"FCEMU_CACHE_DIR"_qs, m_cache.path());
        serve.setProcessEnvironment(env);
        serve.start(binaryDir() + u"/app/fcemu"_qs,
                    {u"serve"_qs, binaryDir() + u"/resources/samples/fc-sample-web.tar"_qs,
                     u"--listen"_qs, u"127.0.0.1:0"_qs});
        QVERIFY(serve.waitForStarted());
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += serve.readAllStandardOutput()).contains("Ctrl+C"), 30000);
        const auto match =
            QRegularExpression(uR"(Invocation records: (http://127\.0\.0\.1:\d+))"_qs)
                .match(QString::fromUtf8(out));
        QVERIFY2(match.hasMatch(), out.constData());
        const QString base = match.captured(1);

        QNetworkAccessManager network;
        network.setProxy(QNetworkProxy::NoProxy);
        const auto get = [&](const QString &url) -> QByteArray {
            QNetworkReply *reply = network.get(QNetworkRequest(QUrl(url)));
            QEventLoop loop;
            connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
            loop.exec();
            reply->deleteLater();
            return reply->readAll();
        };
        QVERIFY(!get(base + u"/2016-08-15/proxy/fcemu-service/fcemu-function/a"_qs).isEmpty());
        QVERIFY(!get(base + u"/b"_qs).isEmpty());
        const json records = json::parse(get(base + u"/fcemu/invocations"_qs).toStdString());
        serve.terminate();
        QVERIFY(serve.waitForFinished(20000));

        QCOMPARE(records.size(), size_t(2));
        verifyColdSum(records[0]);
        QCOMPARE(records[0]["serial"].get<int>(), 1);
        QVERIFY2(ms(records[0], u"sandboxMs"_qs) > 0 && ms(records[0], u"startupMs"_qs) > 0,
                 describe(records[0]));
        QCOMPARE(ms(records[0], u"unpackMs"_qs), 0.0); // cached by the tests before
        verifyWarm(records[1]);
        QCOMPARE(records[1]["serial"].get<int>(), 2);
    }

    // A 10 MB image (random bytes: what a registry moves is what is stored) pulled at 1 MB/s
    // by a 1024 MB function: a pull of about 10 s, charged about 10 GB-s; cached the second
    // time, so neither.
    void tenMegabytePullAtOneMegabytePerSecond()
    {
        QTemporaryDir work;
        QVERIFY(work.isValid());
        auto app = Image::layerFromDirectory(
            binaryDir() + u"/resources/samples/fc-sample-web-rootfs"_qs, u"none"_qs);
        QVERIFY2(app.has_value(), app ? "" : qPrintable(app.error().message));
        QByteArray random(9'000'000, Qt::Uninitialized);
        QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(random.data()),
                                              random.size() / 4);
        auto data = Image::layerFromTar(Test::TarBuilder().file("data/random.bin", random).tar(),
                                        u"none"_qs);
        QVERIFY(data.has_value());
        Image::PackOptions pack;
        pack.entrypoint = {u"/app/fc-sample-web"_qs};
        pack.workingDir = u"/app"_qs;
        pack.compression = u"none"_qs;
        const QString image = work.filePath(u"ten-mb.tar"_qs);
        QVERIFY(Image::writeOciArchive(image, {*app, *data}, pack).has_value());
        const double megabytes = double(app->data.size() + data->data.size()) / 1e6;
        QVERIFY2(megabytes > 9.9 && megabytes < 10.3, qPrintable(QString::number(megabytes)));

        const QStringList args{image,       u"--memory"_qs, u"1024"_qs, u"--pull-bandwidth"_qs,
                               u"1"_qs,     u"--http"_qs,   u"GET"_qs,  u"/"_qs,
                               u"--json"_qs};
        const auto first = invoke(args, work.filePath(u"cache"_qs));
        QCOMPARE(first.size(), 1);
        const json &cold = first[0];
        verifyColdSum(cold);
        const double pullMs = ms(cold, u"pullMs"_qs);
        QVERIFY2(std::abs(pullMs - 10'000) <= 1'000, describe(cold));
        // Exactly the link's time for what was stored, give or take the clock.
        QVERIFY2(std::abs(pullMs - megabytes * 1000) <= 0.02 * megabytes * 1000, describe(cold));
        const double pullGbS = cold["billing"]["imagePullGbSeconds"].get<double>();
        QVERIFY2(std::abs(pullGbS - 10.0) <= 1.0, qPrintable(QString::number(pullGbS)));
        // 1 GB × the pull, billed per 1 ms (the report rounds pullMs to 0.01 ms).
        QVERIFY2(std::abs(pullGbS - pullMs / 1000.0) <= 0.0011,
                 qPrintable(QString::number(pullGbS)));

        const auto second = invoke(args, work.filePath(u"cache"_qs));
        QCOMPARE(second.size(), 1);
        QVERIFY(second[0]["coldStart"].get<bool>());
        QCOMPARE(ms(second[0], u"unpackMs"_qs), 0.0);
        QVERIFY2(ms(second[0], u"pullMs"_qs) < 1'000, describe(second[0]));
        QCOMPARE(second[0]["billing"]["imagePullGbSeconds"].get<double>(), 0.0);
    }
};

QTEST_GUILESS_MAIN(TestColdStartPhases)
#include "TestColdStartPhases.moc"
