#include "ServeCommand.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>

#include <QAbstractEventDispatcher>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QHash>
#include <QHostAddress>
#include <QSocketNotifier>
#include <QTextStream>
#include <QUrl>

#include "FunctionOptions.h"
#include "config/ConfigImages.h"
#include "gateway/LocalServer.h"
#include "gateway/RecordEndpoints.h"
#include "runtime/FunctionImage.h"
#include "runtime/StartupProfile.h"
#include "sandbox/Cgroup.h"
#include "sandbox/Sandbox.h"
#include "session/ServedFunctions.h"

namespace Fcemu::Cli {

namespace {

int g_signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(g_signalPipe[1], &byte, 1);
}

// What `serve` runs: with IMAGE, one function (the file's first, or --name's) with IMAGE;
// without, every function of --config (only --name's when given), each with the image the file
// names for it (customContainerConfig.image). The FUNCTION OPTIONS apply to each (flags win).
Result<QList<Session::ServedFunctionSpec>>
servedFunctionSpecs(const QStringList &args, const QString &imagePath, const QString &configPath,
                    const QString &name, const QString &accountId)
{
    if (!imagePath.isEmpty()) {
        auto config = functionConfigFromArguments(args);
        if (!config)
            return std::unexpected(config.error());
        return QList<Session::ServedFunctionSpec>{{imagePath, *config, nullptr}};
    }
    auto images = Config::listConfigImages(configPath, accountId);
    if (!images)
        return std::unexpected(images.error());
    QList<Session::ServedFunctionSpec> specs;
    QStringList names;
    for (const Config::ConfigFunctionImage &f : *images)
        names << f.functionName;
    for (const Config::ConfigFunctionImage &f : *images) {
        if (!name.isEmpty() && f.functionName != name && f.resourceKey != name)
            continue;
        if (f.image.isEmpty())
            return fail(ErrorKind::Usage,
                        u"%1: function '%2' names no image (customContainerConfig.image): give "
                        u"IMAGE to serve it, e.g. fcemu serve IMAGE --config %1 --name %2"_qs.arg(
                            configPath, f.functionName));
        // The file's function of that name, then the flags.
        auto config = functionConfigFromArguments(
            name.isEmpty() ? args + QStringList{u"--name"_qs, f.functionName} : args);
        if (!config)
            return std::unexpected(config.error());
        specs.append({f.image, *config, nullptr});
    }
    if (specs.isEmpty())
        return fail(
            ErrorKind::Usage,
            name.isEmpty()
                ? configPath + u": no custom-container function to serve"_qs
                : u"%1: no custom-container function named '%2'; the file defines %3"_qs.arg(
                      configPath, name, names.join(u", "_qs)));
    QList<Config::FunctionConfig> configs;
    for (const Session::ServedFunctionSpec &spec : specs)
        configs.append(spec.config);
    if (auto ok = Session::ServedFunctions::checkNames(configs); !ok)
        return std::unexpected(ok.error());
    return specs;
}

} // namespace

int runServeCommand(const QStringList &arguments)
{
    const QStringList args = QStringList{u"fcemu serve"_qs} + arguments;
    QCommandLineParser parser;
    parser.addPositionalArgument(u"IMAGE"_qs, u"image"_qs);
    addFunctionOptions(parser);
    parser.addOption({u"listen"_qs, u"address of the local endpoints"_qs, u"HOST:PORT"_qs,
                      u"127.0.0.1:8000"_qs});
    parser.addOption(
        {u"access-key-id"_qs, u"check FC's request signatures for this AccessKey ID"_qs, u"ID"_qs});
    parser.addOption({u"access-key-secret"_qs,
                      u"the AccessKey secret signatures are checked with"_qs, u"SECRET"_qs});
    if (!parser.parse(args))
        return usage(parser.errorText());
    if (parser.positionalArguments().size() > 1)
        return usage(u"serve takes one IMAGE (or none with --config FILE: every function the "
                     u"file declares, each with its own image)"_qs);
    const QString imagePath = parser.positionalArguments().value(0);
    const QString configPath = parser.value(u"config"_qs);
    if (imagePath.isEmpty() && configPath.isEmpty())
        return usage(u"serve takes an IMAGE, or --config FILE to serve every function the file "
                     u"declares"_qs);

    const QString listen = parser.value(u"listen"_qs);
    const qsizetype colon = listen.lastIndexOf(u':');
    bool portOk = false;
    const uint port = listen.mid(colon + 1).toUInt(&portOk);
    QString host = listen.left(colon);
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    const QHostAddress address(host == u"localhost"_qs ? u"127.0.0.1"_qs : host);
    if (colon <= 0 || !portOk || port > 65535 || address.isNull())
        return usage(u"--listen takes HOST:PORT, e.g. 127.0.0.1:8000 (got '"_qs + listen + u"')");

    const Gateway::SigningKey signingKey{parser.value(u"access-key-id"_qs),
                                         parser.value(u"access-key-secret"_qs)};
    if (signingKey.accessKeyId.isEmpty() != signingKey.accessKeySecret.isEmpty())
        return usage(u"--access-key-id and --access-key-secret go together"_qs);

    auto specs = servedFunctionSpecs(args, imagePath, configPath, parser.value(u"name"_qs),
                                     parser.value(u"account-id"_qs));
    if (!specs)
        return report(specs.error());
    QHash<int, QString> debugPortOwner; // a debugger port serves one function
    for (const Session::ServedFunctionSpec &spec : *specs) {
        if (!spec.config.webServerMode && !spec.config.debugPorts.isEmpty())
            return usage(u"--debug-port with --web-server-mode false: serve runs jobs side by "
                         u"side, so debug one with fcemu invoke; --debug-args works in both"_qs);
        for (const int debugPort : spec.config.debugPorts) {
            const QString owner = debugPortOwner.value(debugPort);
            if (!owner.isEmpty())
                return usage(u"debug port "_qs + QString::number(debugPort) + u" is given to '" +
                             owner + u"' and '" + spec.config.name +
                             u"': a port reaches one function; give each its own (debugPorts "
                             u"under vars.fcemu.FUNCTION in the config file)");
            debugPortOwner.insert(debugPort, spec.config.name);
        }
    }

    QTextStream out(stdout);
    QTextStream err(stderr);
    // Each function's image, prepared once per image (the cache is shared).
    QHash<QString, std::shared_ptr<Runtime::PreparedImage>> prepared;
    // --profile-startup: per image, until the first cold start of a function of it is done.
    QHash<QString, Runtime::StartupProfiler> profilers;
    for (Session::ServedFunctionSpec &spec : *specs) {
        if (!prepared.contains(spec.imagePath)) {
            auto image = prepareForRun(spec.imagePath, spec.config);
            if (!image)
                return report(image.error());
            prepared.insert(spec.imagePath, *image);
        }
        spec.image = prepared.value(spec.imagePath);
        if (spec.config.profileStartup && !profilers.contains(spec.imagePath)) {
            auto begun = Runtime::StartupProfiler::begin(spec.image->entry.rootfs);
            if (!begun)
                return report(begun.error());
            profilers.insert(spec.imagePath, *begun);
        }
    }

    // Web-server mode: instances taking requests. Otherwise a fresh container per event
    // (InvokeFunction only, sync or async; HTTP calls are refused as FC refuses them).
    Session::ServedFunctions served(*specs);
    QObject *pool = &served; // the context object of the connections below
    if (auto debug = served.listenForDebuggers(); !debug)
        return report(debug.error());

    // Log lines are written when the event loop is about to wait (or when 64 KB are waiting):
    // under load one write carries many lines, instead of one write per line.
    QByteArray pendingLog;
    const auto flushLog = [&pendingLog]() {
        for (qsizetype done = 0; done < pendingLog.size();) {
            const ssize_t n = ::write(STDOUT_FILENO, pendingLog.constData() + done,
                                      size_t(pendingLog.size() - done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break; // stdout is gone: the function keeps being served
            done += n;
        }
        pendingLog.clear();
    };
    // With several functions, each line starts with its function's name.
    const bool several = served.size() > 1;
    const auto logLine = [&](int function, const QString &, const QString &, qint64,
                             const QString &line) {
        if (several)
            pendingLog += (served.function(function).config.name + u" | "_qs).toUtf8();
        pendingLog += line.toUtf8();
        pendingLog += '\n';
        if (pendingLog.size() >= 64 * 1024)
            flushLog();
    };
    QObject::connect(&served, &Session::ServedFunctions::logLine, pool, logLine);
    QObject::connect(
        &served, &Session::ServedFunctions::invocationFinished, pool,
        [&](int function, const Telemetry::InvocationRecord &record) {
            const Session::ServedFunctionSpec &spec = served.function(function);
            if (!record.coldStart || !profilers.contains(spec.imagePath))
                return;
            const Runtime::StartupProfiler profiler = profilers.take(spec.imagePath);
            auto profile = profiler.finish(
                *spec.image, spec.config.webServerMode ? u"first request"_qs : u"run"_qs);
            if (!profile) {
                err << "fcemu: warning: --profile-startup: " << profile.error().message << '\n'
                    << Qt::flush;
                return;
            }
            const auto &t = record.timings;
            const auto estimate = Runtime::estimatePull(*profile, spec.config.pullBandwidthMBps,
                                                        t.totalMs - t.pullMs - t.unpackMs);
            if (auto stored =
                    Runtime::storeProfile(Runtime::cacheDirectoryOf(*spec.image), *profile);
                !stored)
                err << "fcemu: warning: " << stored.error().message << '\n' << Qt::flush;
            for (const QString &line : Runtime::describeProfile(*profile, estimate))
                pendingLog += (u"fcemu: "_qs + line + u'\n').toUtf8();
            flushLog();
        });
    QObject::connect(QAbstractEventDispatcher::instance(), &QAbstractEventDispatcher::aboutToBlock,
                     pool, flushLog);
    if (auto listening = served.start(address, quint16(port), signingKey); !listening)
        return report(listening.error());

    const QString url = served.baseUrl();
    for (int i = 0; i < served.size(); ++i) {
        const Config::FunctionConfig &config = served.function(i).config;
        out << "fcemu: serving " << config.name << " from " << served.function(i).imagePath << '\n'
            << "  FC3 InvokeFunction: POST " << url << Gateway::fc3InvokePath(config.name) << '\n'
            << "  FC2 InvokeFunction: POST " << url
            << Gateway::fc2InvokePath(config.serviceName, config.name) << '\n'
            << "  HTTP trigger:       ";
        if (config.webServerMode)
            out << url << Gateway::httpTriggerPath(config.serviceName, config.name, u"/"_qs)
                << (i == 0 ? "  (and every other path)\n" : "\n");
        else
            out << "none (not in web-server mode: FC invokes the function only through "
                   "InvokeFunction)\n";
    }
    out << "  Invocation records: " << url << Gateway::kInvocationsPath << "?since=SERIAL"
        << (several ? "&function=NAME" : "") << ", HAR: " << url << Gateway::kHarPath << '\n'
        << "  Memory accounting:  " << Sandbox::accountingName(Sandbox::cgroupHost().mode)
        << (Sandbox::cgroupHost().reason.isEmpty() ? QString()
                                                   : u" ("_qs + Sandbox::cgroupHost().reason + u')')
        << '\n'
        << "  Signatures:         "
        << (signingKey.enabled()
                ? u"checked (FC2 and FC3 schemes) for AccessKey ID "_qs + signingKey.accessKeyId
                : u"not checked (--access-key-id and --access-key-secret turn it on)"_qs)
        << '\n'
        << "  Ctrl+C stops\n"
        << Qt::flush;

    // SIGINT/SIGTERM: a byte down a pipe wakes the event loop (a handler may do nothing more).
    if (::pipe2(g_signalPipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return report({ErrorKind::Platform, u"pipe: "_qs + errnoText(errno)});
    QSocketNotifier notifier(g_signalPipe[0], QSocketNotifier::Read);
    bool stopping = false;
    QObject::connect(&notifier, &QSocketNotifier::activated, pool, [&]() {
        char buffer[16];
        while (::read(g_signalPipe[0], buffer, sizeof buffer) > 0) {
        }
        if (stopping)
            return;
        stopping = true;
        err << "fcemu: stopping\n" << Qt::flush;
        served.stop([]() { QCoreApplication::exit(0); });
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);

    const int code = QCoreApplication::exec();
    flushLog();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    return code;
}

} // namespace Fcemu::Cli
