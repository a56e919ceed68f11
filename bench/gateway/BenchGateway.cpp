// Web-mode benchmarks (issue 4, not timed tests):
//  1. gateway overhead, in one run: wrk against `fcemu serve` (HTTP trigger, warm sample
//     server), against the same sample server reached directly inside the sandbox (wrk in the
//     instance's network namespace: needs root for setns, as the CI-like runs have), and against
//     the floor, a minimal epoll relay (bench/gateway/relay.c) between wrk and that server: the
//     least any proxy costs on this machine. Throughput with wrk -t2 -c10, added median latency
//     with wrk -t1 -c1 (no queueing). The sample server run as a host process is a second
//     baseline;
//  2. cold start with a cached image, request received to first response, for the static
//     sample web function: median of N, with every phase.
//
//   bench_gateway [--seconds S] [--rounds R] [--cold N]
// The gateway runs take turns, round by round (R rounds, 3 by default), and the medians are
// shown: this machine's speed drifts by tens of percent within minutes.
#include <algorithm>

#include <unistd.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QEventLoop>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>

#include "runtime/FunctionImage.h"
#include "runtime/InstancePool.h"

using namespace Fcemu;

namespace {

QTextStream out(stdout);

struct WrkResult
{
    double requestsPerSecond = 0;
    double medianMs = 0;
    qint64 requests = 0;
};

// CPU time (user + system, every thread) a process has used, in µs.
qint64 cpuMicroseconds(qint64 pid)
{
    QFile stat(u"/proc/"_qs + QString::number(pid) + u"/stat"_qs);
    if (pid <= 0 || !stat.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray text = stat.readAll();
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return 0;
    return (fields[11].toLongLong() + fields[12].toLongLong()) * 1'000'000 / ::sysconf(_SC_CLK_TCK);
}

double toMs(const QString &value, const QString &unit)
{
    const double v = value.toDouble();
    if (unit == u"us"_qs)
        return v / 1000;
    if (unit == u"s"_qs)
        return v * 1000;
    return v;
}

// wrk -tT -cC, in the network namespace netns when given (nsenter).
WrkResult wrk(const QString &url, int seconds, int threads = 2, int connections = 10,
              const QString &netns = {})
{
    QProcess p;
    QStringList args = {u"-t"_qs + QString::number(threads),
                        u"-c"_qs + QString::number(connections),
                        u"-d"_qs + QString::number(seconds) + u's', u"--latency"_qs, url};
    if (netns.isEmpty())
        p.start(u"wrk"_qs, args);
    else
        p.start(u"nsenter"_qs, QStringList{u"--net="_qs + netns, u"wrk"_qs} + args);
    p.waitForFinished((seconds + 30) * 1000);
    const QString text = QString::fromUtf8(p.readAllStandardOutput());
    WrkResult r;
    const auto rps = QRegularExpression(u"Requests/sec:\\s+([0-9.]+)"_qs).match(text);
    r.requestsPerSecond = rps.captured(1).toDouble();
    const auto p50 = QRegularExpression(u"50%\\s+([0-9.]+)(us|ms|s)"_qs).match(text);
    r.medianMs = toMs(p50.captured(1), p50.captured(2));
    r.requests =
        QRegularExpression(u"([0-9]+) requests in"_qs).match(text).captured(1).toLongLong();
    if (r.requestsPerSecond == 0)
        out << "  wrk said: " << text.left(400) << Qt::endl;
    return r;
}

// The sandbox's init: the child of serve in another network namespace.
qint64 sandboxPid(qint64 servePid)
{
    const QString ownNet = QFile::symLinkTarget(u"/proc/self/ns/net"_qs);
    const auto dirs = QDir(u"/proc"_qs).entryList(QDir::Dirs);
    for (const QString &dir : dirs) {
        bool ok = false;
        const qint64 pid = dir.toLongLong(&ok);
        if (!ok)
            continue;
        QFile status(u"/proc/"_qs + dir + u"/status"_qs);
        if (!status.open(QIODevice::ReadOnly))
            continue;
        const auto ppid =
            QRegularExpression(u"PPid:\\s+(\\d+)"_qs).match(QString::fromUtf8(status.readAll()));
        if (ppid.captured(1).toLongLong() != servePid)
            continue;
        const QString net = QFile::symLinkTarget(u"/proc/"_qs + dir + u"/ns/net"_qs);
        if (!net.isEmpty() && net != ownNet)
            return pid;
    }
    return 0;
}

// "21.0.0.2:9000": the Host the sample server saw through the gateway.
QString instanceHostPort(quint16 gatewayPort)
{
    QTcpSocket s;
    s.connectToHost(u"127.0.0.1"_qs, gatewayPort);
    if (!s.waitForConnected(2000))
        return {};
    s.write("GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    QByteArray reply;
    while (s.waitForReadyRead(2000))
        reply += s.readAll();
    const auto m =
        QRegularExpression(u"\"host\":\"([0-9.]+:[0-9]+)\""_qs).match(QString::fromUtf8(reply));
    return m.captured(1);
}

bool waitForPort(quint16 port, int timeoutMs)
{
    for (int waited = 0; waited < timeoutMs; waited += 50) {
        QTcpSocket s;
        s.connectToHost(u"127.0.0.1"_qs, port);
        if (s.waitForConnected(200))
            return true;
        QThread::msleep(50);
    }
    return false;
}

double median(QList<double> v)
{
    std::sort(v.begin(), v.end());
    return v.isEmpty() ? 0 : v[v.size() / 2];
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    qRegisterMetaType<Telemetry::InvocationRecord>();
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({u"seconds"_qs, u"wrk duration"_qs, u"S"_qs, u"5"_qs});
    parser.addOption({u"cold"_qs, u"cold starts to time"_qs, u"N"_qs, u"20"_qs});
    parser.addOption({u"rounds"_qs, u"rounds of the gateway runs"_qs, u"R"_qs, u"3"_qs});
    parser.process(app);
    const int seconds = parser.value(u"seconds"_qs).toInt();
    const QString build = QCoreApplication::applicationDirPath() + u"/../.."_qs;
    const QString fcemu = build + u"/app/fcemu"_qs;
    const QString image = build + u"/resources/samples/fc-sample-web.tar"_qs;
    const QString server = build + u"/resources/samples/web/fc-sample-web"_qs;
    const QString relayPath = QCoreApplication::applicationDirPath() + u"/bench_gateway_relay"_qs;
    QTemporaryDir cache;
    qputenv("FCEMU_CACHE_DIR", cache.path().toUtf8());

    if (QStandardPaths::findExecutable(u"wrk"_qs).isEmpty()) {
        out << "wrk is not installed (packaging/install-deps.sh installs it)" << Qt::endl;
        return 1;
    }
    const int rounds = std::max(1, parser.value(u"rounds"_qs).toInt());
    out << "== gateway overhead, the sample web function, warm: throughput with wrk -t2 -c10 -d"
        << seconds << "s, added latency with wrk -t1 -c1 -d" << seconds << "s; " << rounds
        << " rounds, the configurations taking turns, medians shown" << Qt::endl;
    // One configuration's runs, a pair (-c10, -c1) per round.
    struct Row
    {
        Row(QString n, QString u, QString ns = {}, qint64 proxy = 0)
            : name(std::move(n)), url(std::move(u)), netns(std::move(ns)), proxyPid(proxy)
        {
        }
        QString name;
        QString url;
        QString netns;
        qint64 proxyPid = 0; // fcemu or the relay: its CPU per request is measured
        QList<WrkResult> load, single;
        QList<double> proxyCpuUs; // per -c10 run
        bool measured() const { return !load.isEmpty() && load.first().requestsPerSecond > 0; }
        double loadRps() const { return medianOf(load, &WrkResult::requestsPerSecond); }
        double loadMs() const { return medianOf(load, &WrkResult::medianMs); }
        double singleMs() const { return medianOf(single, &WrkResult::medianMs); }
        static double medianOf(const QList<WrkResult> &runs, double WrkResult::*field)
        {
            QList<double> v;
            for (const WrkResult &r : runs)
                v.append(r.*field);
            return median(v);
        }
    };
    const auto measure = [&](Row &row) {
        const qint64 cpuBefore = cpuMicroseconds(row.proxyPid);
        const WrkResult load = wrk(row.url, seconds, 2, 10, row.netns);
        if (row.proxyPid > 0 && load.requests > 0)
            row.proxyCpuUs.append(double(cpuMicroseconds(row.proxyPid) - cpuBefore) /
                                  double(load.requests));
        row.load.append(load);
        row.single.append(wrk(row.url, seconds, 1, 1, row.netns));
    };

    // The second baseline, once: the sample server as a plain host process.
    Row host{u"direct, host process"_qs, u"http://127.0.0.1:18081/hello"_qs};
    QProcess direct;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"FC_CUSTOM_LISTEN_PORT"_qs, u"18081"_qs);
    direct.setProcessEnvironment(env);
    direct.setStandardOutputFile(QProcess::nullDevice());
    direct.start(server, {});
    if (!waitForPort(18081, 5000)) {
        out << "the sample server did not start" << Qt::endl;
        return 1;
    }
    measure(host);
    direct.kill();
    direct.waitForFinished();

    QProcess serve;
    serve.setStandardOutputFile(QProcess::nullDevice());
    serve.start(fcemu, {u"serve"_qs, image, u"--listen"_qs, u"127.0.0.1:18082"_qs,
                        u"--concurrency"_qs, u"10"_qs, u"--max-instances"_qs, u"1"_qs,
                        u"--provisioned"_qs, u"1"_qs, u"--memory"_qs, u"256"_qs});
    if (!waitForPort(18082, 30000)) {
        out << "fcemu serve did not start" << Qt::endl;
        return 1;
    }
    wrk(u"http://127.0.0.1:18082/hello"_qs, 1); // warm-up: the provisioned instance's connections
    Row gateway{
        u"through fcemu serve"_qs, u"http://127.0.0.1:18082/hello"_qs, {}, serve.processId()};

    // The same server, reached directly inside the sandbox, and through the floor relay.
    const qint64 pid = sandboxPid(serve.processId());
    const QString target = instanceHostPort(18082);
    const QString netns = u"/proc/"_qs + QString::number(pid) + u"/ns/net"_qs;
    Row inside{u"direct, inside the sandbox"_qs, u"http://"_qs + target + u"/hello", netns};
    Row floor{u"floor: epoll relay"_qs, u"http://127.0.0.1:18083/hello"_qs};
    QProcess relay;
    if (pid == 0 || target.isEmpty() || ::geteuid() != 0) {
        out << "  (no run inside the sandbox: it needs root for setns; sandbox pid " << pid
            << ", instance " << target << ")" << Qt::endl;
    } else {
        relay.start(relayPath,
                    {u"18083"_qs, target.section(u':', 0, 0), target.section(u':', 1), netns});
        if (relay.waitForReadyRead(5000))
            floor.proxyPid = relay.processId();
        else
            out << "  the floor relay did not start: " << relay.readAllStandardError() << Qt::endl;
    }
    // Round by round, each configuration in turn: a machine whose speed drifts during the run
    // (a noisy neighbour) shifts every configuration of a round alike.
    for (int round = 0; round < rounds; ++round) {
        measure(gateway);
        if (!inside.netns.isEmpty() && pid != 0 && ::geteuid() == 0)
            measure(inside);
        if (floor.proxyPid > 0)
            measure(floor);
    }
    relay.kill();
    relay.waitForFinished();
    serve.terminate();
    serve.waitForFinished(10000);

    out << QString::asprintf("  %-30s %11s %12s %14s %18s\n", "configuration", "-c10 req/s",
                             "-c10 median", "-c1 median", "proxy CPU/request");
    for (const Row *row : {&host, &gateway, &inside, &floor}) {
        if (!row->measured())
            continue;
        const QString cpu = row->proxyCpuUs.isEmpty()
                                ? QString()
                                : QString::asprintf("%.1f us", median(row->proxyCpuUs));
        out << QString::asprintf("  %-30s %11.0f %9.3f ms %11.3f ms %15s\n", qPrintable(row->name),
                                 row->loadRps(), row->loadMs(), row->singleMs(), qPrintable(cpu));
    }
    // Throughput ratios per round (both runs of a round saw the same machine), then their median.
    const auto versus = [&](const char *what, const Row &a, const Row &b) {
        QList<double> ratios;
        QString perRound;
        for (qsizetype i = 0; i < std::min(a.load.size(), b.load.size()); ++i) {
            const double bRps = b.load[i].requestsPerSecond;
            ratios.append(bRps > 0 ? a.load[i].requestsPerSecond / bRps : 0.0);
            perRound += QString::asprintf("%s%.2f", i ? ", " : "", ratios.last());
        }
        out << QString::asprintf("  %-40s throughput %.2fx (rounds: %s), added median latency "
                                 "%.3f ms (-c1), %.3f ms (-c10)\n",
                                 what, median(ratios), qPrintable(perRound),
                                 a.singleMs() - b.singleMs(), a.loadMs() - b.loadMs());
    };
    if (inside.measured()) {
        versus("fcemu vs direct inside the sandbox:", gateway, inside);
        if (floor.measured()) {
            versus("floor relay vs direct inside the sandbox:", floor, inside);
            versus("fcemu vs the floor relay:", gateway, floor);
        }
        out << "  (targets: at least 0.8x of direct, added median latency under 0.3 ms)\n";
    }
    // The host baseline ran once, before the rounds: its ratio uses the medians.
    out << QString::asprintf("  %-40s throughput %.2fx, added median latency %.3f ms (-c1), "
                             "%.3f ms (-c10)\n",
                             "fcemu vs direct host process:",
                             host.loadRps() > 0 ? gateway.loadRps() / host.loadRps() : 0.0,
                             gateway.singleMs() - host.singleMs(),
                             gateway.loadMs() - host.loadMs());
    out << Qt::flush;

    out << "\n== cold start with a cached image (the static sample web function)" << Qt::endl;
    auto prepared = Runtime::prepareImage(image, {}, {});
    if (!prepared) {
        out << prepared.error().message << Qt::endl;
        return 1;
    }
    QList<double> sandbox, startup, invoke, total;
    const int n = std::max(1, parser.value(u"cold"_qs).toInt());
    for (int i = 0; i < n; ++i) {
        // As `fcemu invoke` runs it: one InstancePool, one call waited for.
        Runtime::InstancePool invoker({}, *prepared);
        Http::HttpRequest request;
        request.setTarget("/hello");
        Telemetry::InvocationRecord r;
        QEventLoop loop;
        invoker.submit(request, true, [&](const Telemetry::InvocationRecord &record) {
            r = record;
            loop.quit();
        });
        loop.exec();
        if (r.error || !r.coldStart) {
            out << "  failed: " << (r.error ? r.error->message : u"not cold"_qs) << Qt::endl;
            return 1;
        }
        sandbox.append(r.timings.sandboxMs);
        startup.append(r.timings.startupMs);
        invoke.append(r.timings.invokeMs);
        total.append(r.timings.totalMs);
        invoker.stop([&loop]() { loop.quit(); });
        loop.exec();
    }
    out << QString::asprintf(
               "  median of %d: sandbox %.2f ms, startup (exec to port answering) %.2f ms, "
               "invoke %.2f ms, total %.2f ms (target < 50 ms)",
               n, median(sandbox), median(startup), median(invoke), median(total))
        << Qt::endl;
    return 0;
}
