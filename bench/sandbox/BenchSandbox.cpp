// Sandbox start-up benchmark: "start instance -> entrypoint running" for a static true-like
// program, against bwrap --unshare-all and unshare -Urmpn --fork starting the same program in
// the same rootfs. Prints medians of N runs (default 200) and the ratios.
//
//   bench_sandbox [RUNS]

#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>

#include "sandbox/Network.h"
#include "sandbox/Sandbox.h"

using namespace Fcemu::Sandbox;

extern char **environ;

namespace {

struct Stats
{
    double median = 0, mean = 0, min = 0;
};

Stats stats(std::vector<double> samples)
{
    std::sort(samples.begin(), samples.end());
    Stats s;
    if (samples.empty())
        return s;
    const size_t n = samples.size();
    s.median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
    double sum = 0;
    for (double v : samples)
        sum += v;
    s.mean = sum / double(n);
    s.min = samples.front();
    return s;
}

// Runs argv to completion; returns wall milliseconds, or -1 on failure.
double timeCommand(const QStringList &args)
{
    std::vector<QByteArray> store;
    for (const QString &a : args)
        store.push_back(a.toLocal8Bit());
    std::vector<char *> argv;
    for (QByteArray &a : store)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    QElapsedTimer timer;
    timer.start();
    pid_t pid = 0;
    if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
        return -1;
    int status = 0;
    waitpid(pid, &status, 0);
    const double ms = double(timer.nsecsElapsed()) / 1e6;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? ms : -1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int runs = argc > 1 ? std::max(1, atoi(argv[1])) : 200;
    const int warmup = 20;
    // FCEMU_BENCH_BALLAST_MB: make this process as big as a loaded GUI, to see what the clone of
    // a large parent costs (the init is a copy of fcemu until the command's exec).
    std::vector<char> ballast(size_t(qEnvironmentVariableIntValue("FCEMU_BENCH_BALLAST_MB")) << 20,
                              'b');

    if (const auto userns = checkUserNamespaces(); !userns) {
        fprintf(stderr, "%s\n", qPrintable(userns.error().message));
        return 4;
    }
    QTemporaryDir dir;
    const QString rootfs = dir.filePath(u"rootfs"_qs);
    QDir(rootfs).mkpath(u"."_qs);
    for (const char *sub : {"proc", "dev", "tmp", "etc", "bin"})
        QDir(rootfs).mkpath(QString::fromLatin1(sub));
    QFile::copy(QStringLiteral(FCEMU_BENCH_TRUE), rootfs + u"/true"_qs);
    QFile::setPermissions(rootfs + u"/true"_qs, QFileDevice::ReadOwner | QFileDevice::ExeOwner |
                                                    QFileDevice::ReadOther | QFileDevice::ExeOther);

    const QString bwrap = QStandardPaths::findExecutable(u"bwrap"_qs);
    const QString unshare = QStandardPaths::findExecutable(u"unshare"_qs);
    const QStringList bwrapArgs = {bwrap,      u"--unshare-all"_qs, u"--ro-bind"_qs, rootfs,
                                   u"/"_qs,    u"--proc"_qs,        u"/proc"_qs,     u"--dev"_qs,
                                   u"/dev"_qs, u"--tmpfs"_qs,       u"/tmp"_qs,      u"/true"_qs};
    const QStringList unshareArgs = {unshare, u"-Urmpn"_qs, u"--fork"_qs, u"--root="_qs + rootfs,
                                     u"/true"_qs};

    // Interleaved (ours, bwrap, unshare, ours, ...) so that load from other processes on the
    // machine falls on all three alike.
    // Ours: start() returns once the entrypoint has been exec'd inside; "to exit" also counts
    // the command running and the instance being torn down (what bwrap's figure includes).
    std::vector<double> toRunning, toExit, bwrapRuns, unshareRuns;
    // With outbound network (sandbox/Network.h): a web server's start (the helper starts in
    // parallel, not waited for) and a job's start (held until the stack is up).
    std::vector<double> netRunning, netUp, netExit, netHeld;
    const bool withNetwork = networkAvailability().helper != NetworkHelper::None;
    if (!withNetwork)
        fprintf(stderr, "%s\n", qPrintable(networkAvailability().reason));
    auto runOnce = [&](bool network, bool beforeCommand, double *running, double *up,
                       double *exited) -> bool {
        SandboxSpec spec;
        spec.rootfs = rootfs;
        spec.argv = {u"/true"_qs};
        spec.hostname = u"c-bench"_qs;
        spec.instanceAddress = u"21.0.0.2"_qs;
        spec.outboundNetwork = network;
        spec.networkBeforeCommand = beforeCommand;
        QElapsedTimer timer;
        timer.start();
        Instance instance(spec);
        QEventLoop loop;
        bool done = false;
        QObject::connect(&instance, &Instance::exited, &loop, [&] {
            done = true;
            loop.quit();
        });
        if (const auto started = instance.start(); !started) {
            fprintf(stderr, "fcemu sandbox: %s\n", qPrintable(started.error().message));
            return false;
        }
        *running = double(timer.nsecsElapsed()) / 1e6;
        if (up != nullptr) { // what the helper's spawn cost the thread that starts instances
            *up = instance.networkSpawnMs();
        }
        if (!done)
            loop.exec();
        *exited = double(timer.nsecsElapsed()) / 1e6;
        return true;
    };
    for (int i = 0; i < warmup + runs; ++i) {
        SandboxSpec spec;
        spec.rootfs = rootfs;
        spec.argv = {u"/true"_qs};
        spec.hostname = u"c-bench"_qs;
        spec.instanceAddress = u"21.0.0.2"_qs;
        QElapsedTimer timer;
        timer.start();
        Instance instance(spec);
        QEventLoop loop;
        bool done = false;
        QObject::connect(&instance, &Instance::exited, &loop, [&] {
            done = true;
            loop.quit();
        });
        if (const auto started = instance.start(); !started) {
            fprintf(stderr, "fcemu sandbox: %s\n", qPrintable(started.error().message));
            return 1;
        }
        const double running = double(timer.nsecsElapsed()) / 1e6;
        if (!done)
            loop.exec();
        const double exited = double(timer.nsecsElapsed()) / 1e6;
        double nr = 0, nu = 0, ne = 0, nh = 0, ignored = 0;
        if (withNetwork &&
            (!runOnce(true, false, &nr, &nu, &ne) || !runOnce(true, true, &nh, nullptr, &ignored)))
            return 1;
        const double bw = bwrap.isEmpty() ? -1 : timeCommand(bwrapArgs);
        const double un = unshare.isEmpty() ? -1 : timeCommand(unshareArgs);
        if (i < warmup)
            continue;
        toRunning.push_back(running);
        toExit.push_back(exited);
        if (withNetwork) {
            netRunning.push_back(nr);
            netUp.push_back(nu);
            netExit.push_back(ne);
            netHeld.push_back(nh);
        }
        if (bw >= 0)
            bwrapRuns.push_back(bw);
        if (un >= 0)
            unshareRuns.push_back(un);
    }

    const Stats running = stats(toRunning), exited = stats(toExit), bw = stats(bwrapRuns),
                un = stats(unshareRuns);
    printf("sandbox start-up, %d runs each (after %d warm-up), milliseconds\n", runs, warmup);
    printf("%-44s %8s %8s %8s\n", "", "median", "mean", "min");
    auto row = [](const char *name, const Stats &s) {
        printf("%-44s %8.3f %8.3f %8.3f\n", name, s.median, s.mean, s.min);
    };
    row("fcemu: start() -> entrypoint exec'd", running);
    row("fcemu: start() -> exited (incl. teardown)", exited);
    if (withNetwork) {
        const QByteArray helper = networkHelperName(networkAvailability().helper).toLatin1();
        printf("with outbound network (%s):\n", helper.constData());
        row("  web: start() -> entrypoint exec'd", stats(netRunning));
        row("  web: of which the helper's spawn", stats(netUp));
        row("  web: start() -> exited (incl. teardown)", stats(netExit));
        row("  job: start() -> exec'd (held for network)", stats(netHeld));
        printf("added to a web server's start: %.3f ms; to a job's: %.3f ms\n",
               stats(netRunning).median - running.median, stats(netHeld).median - running.median);
    }
    if (!bwrapRuns.empty())
        row("bwrap --unshare-all (spawn -> exit)", bw);
    if (!unshareRuns.empty())
        row("unshare -Urmpn --fork --root (spawn -> exit)", un);
    if (!bwrapRuns.empty())
        printf("ratio fcemu/bwrap: running %.2f, exited %.2f\n", running.median / bw.median,
               exited.median / bw.median);
    if (!unshareRuns.empty())
        printf("ratio fcemu/unshare: running %.2f, exited %.2f\n", running.median / un.median,
               exited.median / un.median);
    return 0;
}
