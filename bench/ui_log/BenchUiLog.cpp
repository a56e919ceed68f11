// bench_ui_log [--search TEXT] [--filter-request] [--lines N] [--rate LINES_PER_S] [--verbose]
//
// A real LogsInspector, shown (offscreen unless QT_QPA_PLATFORM says otherwise), is fed N lines
// (default 100,000) at RATE lines/s (default 10,000) from a 10 ms timer, as FunctionSession's
// logLine would deliver them, while a 1 ms timer measures the gaps of the event loop. Prints the
// worst and median gap, the rate achieved and the growth of the process's resident memory.
// Targets (issue 6): worst stall under 50 ms, under 100 MB for the log.

#include <algorithm>
#include <cstdio>

#include <sys/resource.h>
#include <time.h>

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QListView>
#include <QTimer>

#include "inspectors/logs/LogModel.h"
#include "inspectors/logs/LogsInspector.h"

using namespace Fcemu::Ui;

namespace {

// VmRSS of /proc/self/status in MiB.
double residentMiB()
{
    QFile status(u"/proc/self/status"_qs);
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    return -1;
}

// The lines of one request as an instance writes them: framing, output, summary.
QString lineFor(qint64 n, const QString &requestId)
{
    switch (n % 20) {
    case 0:
        return u"FC Invoke Start RequestId: "_qs + requestId;
    case 18:
        return u"FC Invoke End RequestId: "_qs + requestId;
    case 19:
        return u"Duration: 48.20 ms, Billed Duration: 49 ms, Memory Size: 512 MB, Max Memory "
               "Used: 13.16 MB"_qs;
    default:
        return u"2026-11-30T02:35:00.123Z INFO handler: GET /api/items?page="_qs +
               QString::number(n) + u" -> 200 in 3 ms (user agent curl/7.88.1)"_qs;
    }
}

// CPU time of the calling thread in ns: a gap with little of it was the machine's doing (other
// processes had the core), not work on the event loop.
qint64 threadCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// User + system CPU seconds of the process so far.
double cpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    return values.at(std::min<qsizetype>(values.size() - 1, qsizetype(p * (values.size() - 1))));
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    const auto option = [&args](const QString &name, const QString &fallback) {
        const qsizetype at = args.indexOf(name);
        return at >= 0 && at + 1 < args.size() ? args.at(at + 1) : fallback;
    };
    const qint64 total = option(u"--lines"_qs, u"100000"_qs).toLongLong();
    const double rate = option(u"--rate"_qs, u"10000"_qs).toDouble();
    const QString search = option(u"--search"_qs, {});
    const bool filterRequest = args.contains(u"--filter-request"_qs);
    const bool verbose = args.contains(u"--verbose"_qs); // every gap over 40 ms as it happens

    LogsInspector inspector(nullptr);
    inspector.resize(1000, 600);
    inspector.show();
    if (!search.isEmpty())
        inspector.setSearchText(search);
    if (filterRequest) {
        inspector.setSelectedRequest(u"1-req-3"_qs);
        inspector.setFilterIndex(1);
    }
    for (int i = 0; i < 20; ++i)
        QCoreApplication::processEvents();
    const double rssBefore = residentMiB();
    const double cpuBefore = cpuSeconds();
    int modelUpdates = 0;
    QObject::connect(inspector.model(), &QAbstractItemModel::rowsInserted, &app,
                     [&modelUpdates] { ++modelUpdates; });

    qint64 fed = 0;
    QList<double> gaps;
    QList<double> busy; // the GUI thread's CPU ms within each gap
    gaps.reserve(int(total / rate * 1000) + 1000);
    QElapsedTimer clock;
    qint64 lastTick = 0;
    qint64 lastCpu = threadCpuNs();
    QTimer monitor;
    monitor.setTimerType(Qt::PreciseTimer);
    monitor.setInterval(1);
    QObject::connect(&monitor, &QTimer::timeout, &app, [&] {
        const qint64 now = clock.nsecsElapsed();
        const qint64 cpu = threadCpuNs();
        gaps.append((now - lastTick) / 1e6);
        busy.append((cpu - lastCpu) / 1e6);
        if (verbose && gaps.last() > 40)
            std::fprintf(stderr, "gap %.1f ms (%.1f ms CPU) at %.2f s, %lld lines fed, %d rows\n",
                         gaps.last(), busy.last(), now / 1e9, static_cast<long long>(fed),
                         inspector.model()->rowCount());
        lastTick = now;
        lastCpu = cpu;
    });

    qint64 feedEndNs = 0;
    QTimer feeder;
    feeder.setTimerType(Qt::PreciseTimer);
    feeder.setInterval(10);
    QObject::connect(&feeder, &QTimer::timeout, &app, [&] {
        // Catch up after a late tick, so the rate holds on average as a busy instance's would.
        const qint64 due = std::min<qint64>(total, qint64(clock.nsecsElapsed() / 1e9 * rate) + 1);
        const qint64 epochMs = QDateTime::currentMSecsSinceEpoch();
        for (; fed < due; ++fed) {
            const QString request = u"1-req-"_qs + QString::number(fed / 20);
            const QString instance = u"c-6603951e-15f440b6-"_qs + QString::number(fed / 2000);
            inspector.model()->appendLine(request, instance, epochMs, lineFor(fed, request));
        }
        if (fed >= total) {
            feeder.stop();
            feedEndNs = clock.nsecsElapsed();
            // Let the last batch land and be painted, then stop measuring.
            QTimer::singleShot(500, &app, [&] {
                monitor.stop();
                app.quit();
            });
        }
    });

    clock.start();
    monitor.start();
    feeder.start();
    app.exec();

    const double rssAfter = residentMiB();
    const double cpu = cpuSeconds() - cpuBefore;
    const double seconds = feedEndNs / 1e9;
    const qsizetype worstAt = std::max_element(gaps.cbegin(), gaps.cend()) - gaps.cbegin();
    const double worst = gaps.isEmpty() ? 0 : gaps.at(worstAt);
    const double worstBusy = busy.isEmpty() ? 0 : *std::max_element(busy.cbegin(), busy.cend());
    std::printf("bench_ui_log: %lld lines at %.0f lines/s into a shown LogsInspector%s%s\n",
                static_cast<long long>(total), rate,
                search.isEmpty() ? "" : qPrintable(u" (search \""_qs + search + u"\")"_qs),
                filterRequest ? " (filtered to one request)" : "");
    std::printf("  rows in the model      %d (view shows %d)\n", inspector.model()->rowCount(),
                inspector.view()->model()->rowCount());
    std::printf("  lines/s achieved       %.0f (%.2f s), %d model updates\n", total / seconds,
                seconds, modelUpdates);
    std::printf("  CPU used               %.2f s (%.0f%% of one core; gaps stretch when the "
                "machine is busy)\n",
                cpu, 100 * cpu / (seconds + 0.5));
    std::printf("  event-loop gaps        median %.2f ms, p99 %.2f ms, worst %.2f ms "
                "(target: worst < 50 ms) %s\n",
                percentile(gaps, 0.5), percentile(gaps, 0.99), worst, worst < 50 ? "OK" : "MISSED");
    std::printf(
        "  GUI thread's own work  worst %.2f ms of CPU in one gap, %.2f ms in the worst gap "
        "(the rest of a long gap is time the machine gave to other processes)\n",
        worstBusy, gaps.isEmpty() ? 0 : busy.at(worstAt));
    std::printf("  RSS                    %.1f MiB -> %.1f MiB: +%.1f MiB for the log "
                "(target < 100 MB) %s\n",
                rssBefore, rssAfter, rssAfter - rssBefore,
                rssAfter - rssBefore < 100 ? "OK" : "MISSED");
    return 0;
}
