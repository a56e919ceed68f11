#include "PullCommand.h"

#include <unistd.h>

#include <QCommandLineParser>
#include <QTextStream>

#include <nlohmann/json.hpp>

#include "FunctionOptions.h"
#include "common/Units.h"
#include "registry/RegistryPull.h"

namespace Fcemu::Cli {

namespace {

Result<Registry::PullResult> pullWithProgress(const Registry::Reference &ref, bool insecure)
{
    Registry::PullOptions options;
    options.insecure = insecure;
    const bool tty = ::isatty(STDERR_FILENO);
    QTextStream err(stderr);
    options.progress = [&](qint64 done, qint64 total) {
        if (tty && total > 0)
            err << "\rpulling " << (done * 100 / total) << "% (" << formatBytes(quint64(done))
                << " of " << formatBytes(quint64(total)) << ")   " << Qt::flush;
    };
    auto result = Registry::pull(ref, options);
    if (tty)
        err << "\r\033[K" << Qt::flush;
    return result;
}

} // namespace

Result<QString> resolveImage(const QString &image, bool insecure)
{
    if (!Registry::looksLikeReference(image))
        return image;
    auto ref = Registry::Reference::parse(image);
    if (!ref)
        return std::unexpected(ref.error());
    auto pulled = pullWithProgress(*ref, insecure);
    if (!pulled)
        return std::unexpected(pulled.error());
    return pulled->layoutPath;
}

int runPullCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(u"REF"_qs, u"REGISTRY/REPO:TAG or REGISTRY/REPO@sha256:..."_qs);
    parser.addOption({u"insecure-registry"_qs, u"plain HTTP"_qs});
    parser.addOption({u"json"_qs, u"print JSON"_qs});
    if (!parser.parse(arguments))
        return usage(parser.errorText());
    if (parser.positionalArguments().size() != 1)
        return usage(u"image pull takes one REF"_qs);
    auto ref = Registry::Reference::parse(parser.positionalArguments().first());
    if (!ref)
        return report(ref.error());
    auto pulled = pullWithProgress(*ref, parser.isSet(u"insecure-registry"_qs));
    if (!pulled)
        return report(pulled.error());
    const Registry::PullResult &p = *pulled;
    if (parser.isSet(u"json"_qs)) {
        nlohmann::json layers = nlohmann::json::array();
        for (const Registry::BlobPull &l : p.layers)
            layers.push_back({{"digest", l.digest.toString().toStdString()},
                              {"size", l.size},
                              {"ms", l.ms},
                              {"reused", l.reused},
                              {"resumedFrom", l.resumedFrom}});
        const nlohmann::json out = {{"reference", p.reference.toString().toStdString()},
                                    {"manifestDigest", p.manifestDigest.toString().toStdString()},
                                    {"layout", p.layoutPath.toStdString()},
                                    {"layers", layers},
                                    {"bytesFetched", p.bytesFetched},
                                    {"manifestMs", p.manifestMs},
                                    {"totalMs", p.totalMs}};
        QTextStream(stdout) << QString::fromStdString(out.dump(2)) << '\n';
        return 0;
    }
    QTextStream out(stdout);
    out << "pulled " << p.reference.toString() << '\n';
    out << "  manifest  " << p.manifestDigest.toString() << '\n';
    for (int i = 0; i < p.layers.size(); ++i) {
        const Registry::BlobPull &l = p.layers[i];
        out << "  layer " << (i + 1) << "  " << l.digest.toString().left(19) << "  "
            << formatBytes(quint64(l.size)) << "  "
            << (l.reused
                    ? u"already in the cache"_qs
                    : QString::number(l.ms, 'f', 1) + u" ms"_qs +
                          (l.resumedFrom > 0
                               ? u" (resumed at %1)"_qs.arg(formatBytes(quint64(l.resumedFrom)))
                               : QString()))
            << '\n';
    }
    out << "  fetched   " << formatBytes(quint64(p.bytesFetched)) << " in "
        << QString::number(p.totalMs / 1000.0, 'f', 2) << " s\n";
    out << "  layout    " << p.layoutPath << '\n';
    return 0;
}

} // namespace Fcemu::Cli
