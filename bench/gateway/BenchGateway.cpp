// Web-mode benchmarks (issue 4, not timed tests):
//  1. gateway overhead: wrk against `fcemu serve` (HTTP trigger, warm sample server) and
//     against the same sample server run directly on the host, in one run: throughput ratio
//     and added median latency;
//  2. cold start with a cached image, request received to first response, for the static
//     sample web function: median of N, with every phase.
//
//   bench_gateway [--seconds S] [--cold N]
#include <algorithm>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>

#include "runtime/FunctionImage.h"
#include "runtime/WebInvoker.h"

using namespace Fcemu;

namespace {

QTextStream out(stdout);

struct WrkResult
{
    double requestsPerSecond = 0;
    double medianMs = 0;
};

double toMs(const QString &value, const QString &unit)
{
    const double v = value.toDouble();
    if (unit == u"us"_qs)
        return v / 1000;
    if (unit == u"s"_qs)
        return v * 1000;
    return v;
}

WrkResult wrk(const QString &url, int seconds)
{
    QProcess p;
    p.start(u"wrk"_qs, {u"-t2"_qs, u"-c10"_qs, u"-d"_qs + QString::number(seconds) + u's',
                        u"--latency"_qs, url});
    p.waitForFinished((seconds + 30) * 1000);
    const QString text = QString::fromUtf8(p.readAllStandardOutput());
    WrkResult r;
    const auto rps = QRegularExpression(u"Requests/sec:\\s+([0-9.]+)"_qs).match(text);
    r.requestsPerSecond = rps.captured(1).toDouble();
    const auto p50 = QRegularExpression(u"50%\\s+([0-9.]+)(us|ms|s)"_qs).match(text);
    r.medianMs = toMs(p50.captured(1), p50.captured(2));
    if (r.requestsPerSecond == 0)
        out << "  wrk said: " << text.left(400) << Qt::endl;
    return r;
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
    parser.process(app);
    const int seconds = parser.value(u"seconds"_qs).toInt();
    const QString build = QCoreApplication::applicationDirPath() + u"/../.."_qs;
    const QString fcemu = build + u"/app/fcemu"_qs;
    const QString image = build + u"/resources/samples/fc-sample-web.tar"_qs;
    const QString server = build + u"/resources/samples/web/fc-sample-web"_qs;
    QTemporaryDir cache;
    qputenv("FCEMU_CACHE_DIR", cache.path().toUtf8());

    if (QStandardPaths::findExecutable(u"wrk"_qs).isEmpty()) {
        out << "wrk is not installed (packaging/install-deps.sh installs it)" << Qt::endl;
        return 1;
    }
    out << "== gateway overhead: wrk -t2 -c10 -d" << seconds << "s, the sample web function, warm"
        << Qt::endl;
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
    const WrkResult d = wrk(u"http://127.0.0.1:18081/hello"_qs, seconds);
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
    const WrkResult g = wrk(u"http://127.0.0.1:18082/hello"_qs, seconds);
    serve.terminate();
    serve.waitForFinished(10000);

    out << QString::asprintf("  direct (host process)   %9.0f req/s   median %.3f ms\n",
                             d.requestsPerSecond, d.medianMs);
    out << QString::asprintf("  through fcemu serve     %9.0f req/s   median %.3f ms\n",
                             g.requestsPerSecond, g.medianMs);
    out << QString::asprintf("  throughput ratio %.2fx of direct; added median latency %.3f ms\n",
                             d.requestsPerSecond > 0 ? g.requestsPerSecond / d.requestsPerSecond
                                                     : 0,
                             g.medianMs - d.medianMs)
        << Qt::endl;

    out << "\n== cold start with a cached image (the static sample web function)" << Qt::endl;
    auto prepared = Runtime::prepareImage(image, {}, {});
    if (!prepared) {
        out << prepared.error().message << Qt::endl;
        return 1;
    }
    QList<double> sandbox, startup, invoke, total;
    const int n = std::max(1, parser.value(u"cold"_qs).toInt());
    for (int i = 0; i < n; ++i) {
        Runtime::WebInvoker invoker({}, *prepared);
        QSignalSpy finished(&invoker, &Runtime::WebInvoker::finished);
        Gateway::HttpRequest request;
        request.setTarget("/hello");
        invoker.invokeHttp(request);
        const auto r = finished.value(0).value(0).value<Telemetry::InvocationRecord>();
        if (r.error || !r.coldStart) {
            out << "  failed: " << (r.error ? r.error->message : u"not cold"_qs) << Qt::endl;
            return 1;
        }
        sandbox.append(r.timings.sandboxMs);
        startup.append(r.timings.startupMs);
        invoke.append(r.timings.invokeMs);
        total.append(r.timings.totalMs);
        invoker.stop();
    }
    out << QString::asprintf(
               "  median of %d: sandbox %.2f ms, startup (exec to port answering) %.2f ms, "
               "invoke %.2f ms, total %.2f ms (target < 50 ms)",
               n, median(sandbox), median(startup), median(invoke), median(total))
        << Qt::endl;
    return 0;
}
