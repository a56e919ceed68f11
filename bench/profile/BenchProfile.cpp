// What --profile-startup costs a cold start (fcemu issue #16: at most 10%). Runs `fcemu invoke
// IMAGE --http GET / --json` from one warm image cache, alternately with and without
// --profile-startup, and prints the medians of the report's cold-start total (totalMs: the
// phases of the cold start and its first request) and of the whole command's wall time, and
// the ratios. With profiling the start-up reads the image from the disk (its pages were
// evicted), which is the cost being measured.
//
//   bench_profile [RUNS] [IMAGE]       (default 20 runs of each, the sample web image)

#include <algorithm>
#include <cstdio>
#include <vector>

#include <nlohmann/json.hpp>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>

namespace {

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Sample
{
    double totalMs = -1;
    double wallMs = -1;
};

Sample run(const QString &image, const QString &cache, bool profile)
{
    QProcess fcemu;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("FCEMU_CACHE_DIR"), cache);
    fcemu.setProcessEnvironment(env);
    QStringList args{QStringLiteral("invoke"), image,
                     QStringLiteral("--http"), QStringLiteral("GET"),
                     QStringLiteral("/"),      QStringLiteral("--json")};
    if (profile)
        args << QStringLiteral("--profile-startup");
    QElapsedTimer timer;
    timer.start();
    fcemu.start(QStringLiteral(FCEMU_BENCH_FCEMU), args);
    if (!fcemu.waitForFinished(120'000) || fcemu.exitCode() != 0) {
        std::fprintf(stderr, "bench_profile: fcemu failed: %s\n",
                     fcemu.readAllStandardError().constData());
        return {};
    }
    Sample s;
    s.wallMs = double(timer.nsecsElapsed()) / 1e6;
    const QByteArray line = fcemu.readAllStandardOutput().split('\n').value(0);
    const auto report = nlohmann::json::parse(line.toStdString(), nullptr, false);
    if (report.is_discarded())
        return {};
    s.totalMs = report["timings"]["totalMs"].get<double>();
    return s;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int runs = argc > 1 ? std::max(1, atoi(argv[1])) : 20;
    const QString image =
        argc > 2 ? QString::fromLocal8Bit(argv[2]) : QStringLiteral(FCEMU_BENCH_IMAGE);
    QTemporaryDir cache;
    if (!cache.isValid() || run(image, cache.path(), false).totalMs < 0) // unpack once
        return 1;
    std::vector<double> plainTotal, plainWall, profTotal, profWall;
    for (int i = 0; i < runs; ++i) {
        for (bool profile : {false, true}) {
            const Sample s = run(image, cache.path(), profile);
            if (s.totalMs < 0)
                return 1;
            (profile ? profTotal : plainTotal).push_back(s.totalMs);
            (profile ? profWall : plainWall).push_back(s.wallMs);
        }
    }
    const double pt = median(plainTotal), qt = median(profTotal);
    const double pw = median(plainWall), qw = median(profWall);
    std::printf("bench_profile: %d cold starts each of %s\n", runs, qPrintable(image));
    std::printf("  cold start (report totalMs)  without %.2f ms  with --profile-startup %.2f ms"
                "  ratio %.3fx (target <= 1.10x)\n",
                pt, qt, qt / pt);
    std::printf("  whole command (wall)         without %.2f ms  with --profile-startup %.2f ms"
                "  ratio %.3fx\n",
                pw, qw, qw / pw);
    return 0;
}
