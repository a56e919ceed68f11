#include "InvokeCommand.h"

#include <unistd.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QTextStream>
#include <QUrl>

#include <algorithm>
#include <optional>
#include <vector>

#include "FunctionOptions.h"
#include "config/Validation.h"
#include "gateway/LocalServer.h"
#include "runtime/FunctionImage.h"
#include "runtime/JobInvoker.h"
#include "runtime/StartupProfile.h"
#include "runtime/InstancePool.h"
#include "sandbox/Sandbox.h"
#include "gateway/Har.h"
#include "telemetry/FcErrors.h"

namespace Fcemu::Cli {

namespace {

// FC's phases of one invocation; "—" for a phase that did not happen (a warm call has no pull,
// unpack, sandbox or startup), "cached, 0 ms" for a cold start's image phase it did not need
// (the image was in the cache, or an earlier cold start prepared it).
void printPhases(QTextStream &out, const Telemetry::InvocationRecord &r)
{
    const auto &t = r.timings;
    out << (r.coldStart ? "  cold start" : "  warm call") << ", request " << r.requestId
        << ", instance " << r.instanceId << '\n';
    const auto row = [&out](const QString &name, const QString &value) {
        out << "  " << qSetFieldWidth(12) << Qt::left << name << qSetFieldWidth(12) << Qt::right
            << value << qSetFieldWidth(0) << '\n';
    };
    const bool invoked = t.invokeMs > 0;
    for (const Telemetry::PhaseField &phase : Telemetry::kPhases) {
        // send/wait/receive are parts of invoke: indented, and shown as numbers whenever the
        // request ran.
        const bool part = phase.partOfInvoke;
        const double ms = t.*phase.ms;
        const bool cached =
            r.coldStart && ms <= 0 &&
            (phase.phase == Telemetry::Phase::Pull || phase.phase == Telemetry::Phase::Unpack);
        row((part ? u"  "_qs : QString()) + QString::fromLatin1(phase.name),
            ms > 0 || (part && invoked) ? QString::number(ms, 'f', 2) + u" ms"_qs
            : cached                    ? u"cached, 0 ms"_qs
                                        : QString(u'\u2014'));
    }
    row(u"total"_qs, QString::number(t.totalMs, 'f', 2) + u" ms"_qs);
    out << "  cost " << r.billing.cost.toDisplayString() << " ("
        << Billing::modelName(r.billing.model) << ", "
        << QString::number(r.billing.gbSeconds, 'g', 6) << " GB-s";
    if (r.billing.imagePullGbSeconds > 0)
        out << " + image pull " << QString::number(r.billing.imagePullGbSeconds, 'g', 6) << " GB-s";
    out << ")\n";
}

// What the client asked for, for the HAR export's "request": the CLI's own InvokeFunction
// call or HTTP trigger request.
Telemetry::ClientRequest clientRequest(bool http, const Http::HttpRequest &request,
                                       const QByteArray &event, const QString &functionName)
{
    Telemetry::ClientRequest client;
    client.method = http ? QString::fromUtf8(request.method) : u"POST"_qs;
    client.target = http ? QString::fromUtf8(request.target) : Gateway::fc3InvokePath(functionName);
    client.headers = request.headers;
    client.body = http ? request.body : event;
    return client;
}

// Which pull --pull-bandwidth simulated (image acceleration, CONTRACT §1.3).
void printSimulatedPull(QTextStream &out, const Runtime::PreparedImage &image,
                        const Config::FunctionConfig &config)
{
    if (image.simulatedPullBytes <= 0 || !config.pullBandwidthMBps)
        return;
    out << "  pull simulated at " << QString::number(*config.pullBandwidthMBps, 'g', 6)
        << " MB/s: ";
    if (image.acceleratedPull)
        out << Runtime::decimalBytes(image.simulatedPullBytes)
            << ", what the start-up reads (image acceleration; --no-acceleration pulls all "
            << Runtime::decimalBytes(image.info.compressedSize()) << ")\n";
    else
        out << "the full image, " << Runtime::decimalBytes(image.simulatedPullBytes)
            << (image.profileKnown ? " (--no-acceleration)"
                                   : " (no start-up profile of it yet: --profile-startup "
                                     "records one for image acceleration)")
            << '\n';
}

} // namespace

int runInvokeCommand(const QStringList &arguments)
{
    // --http takes two values (METHOD PATH); QCommandLineParser takes one, so split it here.
    QStringList args{u"fcemu invoke"_qs};
    for (int i = 0; i < arguments.size(); ++i) {
        if (arguments[i] == u"--http"_qs) {
            if (i + 2 >= arguments.size())
                return usage(u"--http takes METHOD and PATH"_qs);
            args << u"--http-method"_qs << arguments.value(i + 1) << u"--http-path"_qs
                 << arguments.value(i + 2);
            i += 2;
            continue;
        }
        args << arguments[i];
    }
    QCommandLineParser parser;
    parser.addPositionalArgument(u"IMAGE"_qs, u"image"_qs);
    addFunctionOptions(parser);
    parser.addOption({u"event"_qs, u"event JSON"_qs, u"JSON"_qs});
    parser.addOption({u"event-file"_qs, u"event file"_qs, u"FILE"_qs});
    parser.addOption({u"http-method"_qs, u"HTTP method"_qs, u"METHOD"_qs});
    parser.addOption({u"http-path"_qs, u"HTTP path"_qs, u"PATH"_qs});
    parser.addOption(
        {QStringList{u"H"_qs, u"header"_qs}, u"request header"_qs, u"'Name: value'"_qs});
    parser.addOption({u"data"_qs, u"request body"_qs, u"BODY"_qs});
    parser.addOption({u"repeat"_qs, u"invocations"_qs, u"N"_qs, u"1"_qs});
    parser.addOption({u"json"_qs, u"one JSON report per invocation"_qs});
    parser.addOption({u"har"_qs, u"HAR file"_qs, u"FILE"_qs});
    parser.addOption({u"har-secrets"_qs, u"keep credentials in the HAR file"_qs});
    if (!parser.parse(args))
        return usage(parser.errorText());
    if (parser.positionalArguments().size() != 1)
        return usage(u"invoke takes one IMAGE"_qs);
    const QString imagePath = parser.positionalArguments().first();

    // FUNCTION OPTIONS in command-line order: defaults, --config, then flags (flags win).
    auto config = functionConfigFromArguments(args);
    if (!config)
        return report(config.error());

    bool repeatOk = false;
    const int repeat = parser.value(u"repeat"_qs).toInt(&repeatOk);
    if (!repeatOk || repeat < 1 || repeat > 100000)
        return usage(u"--repeat takes a number from 1 to 100000"_qs);
    if (parser.isSet(u"event"_qs) && parser.isSet(u"event-file"_qs))
        return usage(u"give --event or --event-file, not both"_qs);
    QByteArray event = parser.value(u"event"_qs).toUtf8();
    if (parser.isSet(u"event-file"_qs)) {
        QFile file(parser.value(u"event-file"_qs));
        if (!file.open(QIODevice::ReadOnly))
            return report({ErrorKind::Usage, file.fileName() + u": "_qs + file.errorString()});
        event = file.readAll();
    }
    const bool http = parser.isSet(u"http-method"_qs);
    if (http && (parser.isSet(u"event"_qs) || parser.isSet(u"event-file"_qs)))
        return usage(u"give an event or --http, not both"_qs);
    if (!config->webServerMode && http)
        return usage(
            u"--http needs web-server mode: a function with --web-server-mode false takes only events (FC allows no HTTP triggers there)"_qs);
    if (parser.isSet(u"har-secrets"_qs) && !parser.isSet(u"har"_qs))
        return usage(u"--har-secrets goes with --har FILE"_qs);
    const QString harPath = parser.value(u"har"_qs);

    QTextStream out(stdout);
    QTextStream err(stderr);
    const bool json = parser.isSet(u"json"_qs);
    auto image = prepareForRun(imagePath, *config);
    if (!image)
        return report(image.error());
    // --profile-startup: evict the image's pages now; the first invocation's reads bring back
    // what the start-up needs (runtime/StartupProfile, docs/startup-profile.md).
    std::optional<Runtime::StartupProfiler> profiler;
    if (config->profileStartup) {
        auto begun = Runtime::StartupProfiler::begin((*image)->entry.rootfs);
        if (!begun)
            return report(begun.error());
        profiler = *begun;
    }

    Http::HttpRequest httpRequest;
    if (http) {
        httpRequest.method = parser.value(u"http-method"_qs).toUpper().toUtf8();
        const QString target = parser.value(u"http-path"_qs);
        httpRequest.setTarget(target.section(u'?', 0, 0).toUtf8(),
                              target.contains(u'?') ? target.section(u'?', 1).toUtf8()
                                                    : QByteArray());
        for (const QString &h : parser.values(u"H"_qs)) {
            const qsizetype colon = h.indexOf(u':');
            if (colon <= 0)
                return usage(u"-H takes 'Name: value' (got '"_qs + h + u"')");
            httpRequest.headers.append(
                {h.left(colon).trimmed().toUtf8(), h.mid(colon + 1).trimmed().toUtf8()});
        }
        httpRequest.body = parser.value(u"data"_qs).toUtf8();
    }

    // Web-server mode runs on the same InstancePool as `fcemu serve` and the desktop app (one
    // engine); the invocations are sequential, so one instance serves them all, as in FC.
    std::unique_ptr<Runtime::InstancePool> pool;
    std::unique_ptr<Runtime::JobInvoker> job;
    if (config->webServerMode)
        pool = std::make_unique<Runtime::InstancePool>(*config, *image);
    else
        job = std::make_unique<Runtime::JobInvoker>(*config, *image);
    const auto printLine = [&](const QString &, const QString &, qint64, const QString &line) {
        out << line << '\n' << Qt::flush;
    };
    if (!json && pool)
        QObject::connect(pool.get(), &Runtime::InstancePool::logLine, pool.get(), printLine);
    if (!json && job)
        QObject::connect(job.get(), &Runtime::JobInvoker::logLine, job.get(), printLine);
    if (pool) {
        if (auto debug = pool->listenForDebuggers(); !debug)
            return report(debug.error());
        pool->start();
    }
    // An event goes to the function the way FC3's InvokeFunction call carries it.
    Http::HttpRequest eventRequest;
    eventRequest.method = "POST";
    eventRequest.target = Gateway::fc3InvokePath(config->name).toUtf8();
    eventRequest.body = event;
    int exitCode = 0;
    std::vector<Telemetry::InvocationRecord> records; // for --har
    for (int i = 0; i < repeat; ++i) {
        Telemetry::InvocationRecord record;
        QEventLoop loop;
        if (pool) {
            pool->submit(http ? httpRequest : eventRequest, http,
                         [&](const Telemetry::InvocationRecord &r) {
                             record = r;
                             loop.quit();
                         });
            loop.exec();
        } else {
            Telemetry::Timings cold;
            if (i == 0) {
                cold.pullMs = (*image)->pullMs;
                cold.unpackMs = (*image)->unpackMs;
            }
            auto connection = QObject::connect(job.get(), &Runtime::JobInvoker::finished, &loop,
                                               [&](const Telemetry::InvocationRecord &r) {
                                                   record = r;
                                                   loop.quit();
                                               });
            job->invoke(event, cold);
            if (job->isBusy())
                loop.exec();
            QObject::disconnect(connection);
        }
        if (!record.client)
            record.client = clientRequest(http, httpRequest, event, config->name);
        if (!harPath.isEmpty())
            records.push_back(record);
        std::optional<Runtime::StartupProfile> profile;
        std::optional<Runtime::PullEstimate> estimate;
        if (i == 0 && profiler) {
            auto finished = profiler->finish(**image, pool ? u"first request"_qs : u"run"_qs);
            if (!finished) {
                err << "fcemu: warning: --profile-startup: " << finished.error().message << '\n';
            } else {
                profile = *finished;
                const auto &t = record.timings;
                estimate = Runtime::estimatePull(*profile, config->pullBandwidthMBps,
                                                 t.totalMs - t.pullMs - t.unpackMs);
                if (auto stored =
                        Runtime::storeProfile(Runtime::cacheDirectoryOf(**image), *profile);
                    !stored)
                    err << "fcemu: warning: " << stored.error().message << '\n';
            }
        }
        if (json) {
            auto reportJson = record.toReport();
            if (profile) {
                reportJson["startupProfile"] = profile->toJson();
                reportJson["startupProfile"]["summary"] =
                    Runtime::profileSummary(*profile).toStdString();
                reportJson["startupProfile"]["estimate"] = estimate->toJson();
            }
            out << QString::fromStdString(reportJson.dump()) << '\n' << Qt::flush;
        } else {
            if (http || !record.body.isEmpty())
                out << "  response " << record.statusCode << ": "
                    << QString::fromUtf8(record.body.left(2000)) << '\n';
            printPhases(out, record);
            if (i == 0)
                printSimulatedPull(out, **image, *config);
            if (profile)
                for (const QString &line : Runtime::describeProfile(*profile, *estimate))
                    out << "  " << line << '\n';
            out << Qt::flush;
        }
        if (record.error) {
            // CONTRACT §1.1/§1.3: a startup failure is the platform's (4), not the function's (1).
            const bool startup = Telemetry::FcError::isStartupFailure(record.error->code);
            exitCode = std::max(exitCode, startup ? 4 : 1);
            err << "fcemu: " << record.error->code << ": "
                << record.error->message.section(u'\n', 0, 0) << '\n';
        }
    }
    if (pool) { // GET /pre-stop when configured, then every instance stops
        QEventLoop loop;
        pool->stop([&loop]() { loop.quit(); });
        loop.exec();
    }
    if (!harPath.isEmpty()) {
        Gateway::HarOptions options;
        options.includeSecrets = parser.isSet(u"har-secrets"_qs);
        options.baseUrl = u"http://127.0.0.1:8000"_qs; // where `fcemu serve` listens by default
        options.serviceName = config->serviceName;
        options.functionName = config->name;
        options.creatorVersion = QCoreApplication::applicationVersion();
        QList<const Telemetry::InvocationRecord *> pointers;
        for (const auto &r : records)
            pointers.append(&r);
        if (auto written = Gateway::writeHar(harPath, pointers, options); !written)
            return report(written.error());
    }
    return exitCode;
}

} // namespace Fcemu::Cli
