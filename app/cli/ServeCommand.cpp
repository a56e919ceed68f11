#include "ServeCommand.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>

#include <QAbstractEventDispatcher>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QHostAddress>
#include <QSocketNotifier>
#include <QTextStream>
#include <QUrl>

#include "FunctionOptions.h"
#include "gateway/LocalServer.h"
#include "runtime/FunctionImage.h"
#include "runtime/InstancePool.h"
#include "runtime/JobPool.h"
#include "sandbox/Cgroup.h"
#include "sandbox/Sandbox.h"
#include "gateway/RecordEndpoints.h"
#include "telemetry/RecordStore.h"

namespace Fcemu::Cli {

namespace {

int g_signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(g_signalPipe[1], &byte, 1);
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
    if (parser.positionalArguments().size() != 1)
        return usage(u"serve takes one IMAGE"_qs);
    const QString imagePath = parser.positionalArguments().first();

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

    auto config = functionConfigFromArguments(args);
    if (!config)
        return report(config.error());

    QTextStream out(stdout);
    QTextStream err(stderr);
    auto image = prepareForRun(imagePath, *config);
    if (!image)
        return report(image.error());

    // Web-server mode: instances taking requests. Otherwise a fresh container per event
    // (InvokeFunction only, sync or async; HTTP calls are refused as FC refuses them).
    std::unique_ptr<Runtime::InstancePool> instances;
    std::unique_ptr<Runtime::JobPool> jobs;
    Runtime::FunctionInvoker *invoker = nullptr;
    QObject *pool = nullptr; // the context object of the connections below
    if (config->webServerMode) {
        instances = std::make_unique<Runtime::InstancePool>(*config, *image);
        invoker = instances.get();
        pool = instances.get();
        if (auto debug = instances->listenForDebuggers(); !debug)
            return report(debug.error());
    } else if (!config->debugPorts.isEmpty()) {
        return usage(u"--debug-port with --web-server-mode false: serve runs jobs side by side, "
                     u"so debug one with fcemu invoke; --debug-args works in both"_qs);
    } else {
        jobs = std::make_unique<Runtime::JobPool>(*config, *image);
        invoker = jobs.get();
        pool = jobs.get();
    }
    Gateway::LocalServer server(invoker);
    server.setSigningKey(signingKey);
    if (auto listening = server.start(address, quint16(port)); !listening)
        return report(listening.error());

    // Every invocation's record, served read-only on /fcemu/invocations and /fcemu/har.
    Telemetry::RecordStore records(10'000);
    const auto keep = [&records](const Telemetry::InvocationRecord &record) {
        records.append(record);
    };
    if (instances)
        QObject::connect(instances.get(), &Runtime::InstancePool::finished, &records, keep);
    else
        QObject::connect(jobs.get(), &Runtime::JobPool::finished, &records, keep);
    Gateway::serveRecordEndpoints(server, records, config->serviceName, config->name);

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
    const auto logLine = [&](const QString &, const QString &, qint64, const QString &line) {
        pendingLog += line.toUtf8();
        pendingLog += '\n';
        if (pendingLog.size() >= 64 * 1024)
            flushLog();
    };
    if (instances)
        QObject::connect(instances.get(), &Runtime::InstancePool::logLine, pool, logLine);
    else
        QObject::connect(jobs.get(), &Runtime::JobPool::logLine, pool, logLine);
    QObject::connect(QAbstractEventDispatcher::instance(), &QAbstractEventDispatcher::aboutToBlock,
                     pool, flushLog);
    const QString name = QString::fromUtf8(QUrl::toPercentEncoding(config->name));
    const QString service = QString::fromUtf8(QUrl::toPercentEncoding(config->serviceName));
    out << "fcemu: serving " << config->name << " from " << imagePath << '\n'
        << "  FC3 InvokeFunction: POST " << server.baseUrl() << Gateway::fc3InvokePath(config->name)
        << '\n'
        << "  FC2 InvokeFunction: POST " << server.baseUrl() << "/2016-08-15/services/" << service
        << "/functions/" << name << "/invocations\n"
        << "  HTTP trigger:       ";
    if (config->webServerMode)
        out << server.baseUrl()
            << Gateway::httpTriggerPath(config->serviceName, config->name, u"/"_qs)
            << "  (and every other path)\n";
    else
        out << "none (not in web-server mode: FC invokes the function only through "
               "InvokeFunction)\n";
    out << "  Invocation records: " << server.baseUrl() << Gateway::kInvocationsPath
        << "?since=SERIAL, HAR: " << server.baseUrl() << Gateway::kHarPath << '\n'
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
        server.close();
        const auto exit = []() { QCoreApplication::exit(0); };
        if (instances)
            instances->stop(exit);
        else
            jobs->stop(exit);
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);

    if (instances)
        instances->start();
    const int code = QCoreApplication::exec();
    flushLog();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    return code;
}

} // namespace Fcemu::Cli
