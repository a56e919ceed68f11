#include "ImageCommands.h"

#include <unistd.h>

#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTextStream>

#include <nlohmann/json.hpp>

#include "AnalyzeCommand.h"
#include "FunctionOptions.h"
#include "PullCommand.h"
#include "common/Units.h"
#include "config/FcLimits.h"
#include "config/FunctionConfig.h"
#include "image/ImageCache.h"
#include "image/ImageManifest.h"
#include "image/ImagePacker.h"
#include "image/ImageSource.h"
#include "image/LayerUnpacker.h"
#include "registry/Reference.h"

namespace Fcemu::Cli {

namespace {

using json = nlohmann::json;
using namespace Fcemu::Image;

json toJson(const QStringList &list)
{
    json out = json::array();
    for (const QString &s : list)
        out.push_back(s.toStdString());
    return out;
}

QString jsonText(const QStringList &list)
{
    return QString::fromStdString(toJson(list).dump());
}

// A progress line on a terminal: "unpacking  42% (12.0 MiB of 28.5 MiB)".
class ProgressLine final
{
public:
    explicit ProgressLine(const QString &label) : m_label(label), m_enabled(::isatty(STDERR_FILENO))
    {
        m_timer.start();
    }
    void update(qint64 done, qint64 total)
    {
        if (!m_enabled || (m_timer.elapsed() - m_last < 100 && done < total))
            return;
        m_last = m_timer.elapsed();
        const int percent = total > 0 ? int(done * 100 / total) : 100;
        QTextStream(stderr) << '\r' << m_label << ' ' << qSetFieldWidth(3) << percent
                            << qSetFieldWidth(0) << "% (" << formatBytes(quint64(done)) << " of "
                            << formatBytes(quint64(total)) << ")   ";
        m_shown = true;
    }
    ~ProgressLine()
    {
        if (m_shown)
            QTextStream(stderr) << "\r\033[K";
    }

private:
    QString m_label;
    bool m_enabled;
    bool m_shown = false;
    QElapsedTimer m_timer;
    qint64 m_last = -1000;
};

Result<QStringList> parseJsonStringList(const QString &option, const QString &text)
{
    const json j = json::parse(text.toStdString(), nullptr, false);
    if (j.is_string())
        return QStringList{QString::fromStdString(j.get<std::string>())};
    if (!j.is_array())
        return fail(
            ErrorKind::Usage,
            option + u" takes a JSON array of strings, e.g. '[\"/app\",\"--port\",\"9000\"]'"_qs);
    QStringList out;
    for (const json &v : j) {
        if (!v.is_string())
            return fail(ErrorKind::Usage, option + u" takes a JSON array of strings"_qs);
        out.append(QString::fromStdString(v.get<std::string>()));
    }
    return out;
}

} // namespace

Result<OpenedImage> openImage(const QString &image, qint64 maxUncompressed, bool insecure)
{
    ImageCache cache;
    auto path = resolveImage(image, insecure);
    if (!path)
        return std::unexpected(path.error());
    auto source =
        ImageSource::open(*path, cache.directory() + u"/tmp"_qs, maxUncompressed + (64LL << 20));
    if (!source)
        return std::unexpected(source.error());
    auto info = readImage(**source);
    if (!info)
        return std::unexpected(info.error());
    return OpenedImage{std::move(*source), *info};
}

void addSizeLimitOptions(QCommandLineParser *parser)
{
    parser->addOption(
        {u"instance-type"_qs, u"elastic or gpu (size limit)"_qs, u"TYPE"_qs, u"elastic"_qs});
    parser->addOption({u"registry-edition"_qs,
                       u"personal, basic, standard or advanced (size limit)"_qs, u"EDITION"_qs,
                       u"personal"_qs});
    parser->addOption({u"max-uncompressed"_qs, u"size limit"_qs, u"SIZE"_qs});
    parser->addOption({u"insecure-registry"_qs, u"pull a registry IMAGE over plain HTTP"_qs});
}

Result<Config::ImageSizeLimit> sizeLimitOf(const QCommandLineParser &parser)
{
    const auto type = Config::instanceTypeFromString(parser.value(u"instance-type"_qs));
    if (!type)
        return fail(ErrorKind::Usage, u"--instance-type expects elastic or gpu (got '"_qs +
                                          parser.value(u"instance-type"_qs) + u"')"_qs);
    const auto edition = Config::registryEditionFromString(parser.value(u"registry-edition"_qs));
    if (!edition)
        return fail(ErrorKind::Usage,
                    u"--registry-edition expects personal, basic, standard or advanced (got '"_qs +
                        parser.value(u"registry-edition"_qs) + u"')"_qs);
    Config::ImageSizeLimit limit = Config::imageSizeLimit(*type, *edition);
    if (parser.isSet(u"max-uncompressed"_qs)) {
        const auto size = parseByteSize(parser.value(u"max-uncompressed"_qs));
        if (!size)
            return fail(ErrorKind::Usage, u"--max-uncompressed takes a size such as 512M or 3G"_qs);
        limit.bytes = qint64(*size);
        limit.reason = u"--max-uncompressed"_qs;
    }
    return limit;
}

namespace {

int inspect(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(u"IMAGE"_qs, u"image file or OCI layout folder"_qs);
    parser.addOption({u"json"_qs, u"print JSON"_qs});
    addSizeLimitOptions(&parser);
    if (!parser.parse(arguments))
        return usage(parser.errorText());
    if (parser.positionalArguments().size() != 1)
        return usage(u"image inspect takes one IMAGE"_qs);
    const auto fcLimit = sizeLimitOf(parser);
    if (!fcLimit)
        return usage(fcLimit.error().message);
    const qint64 limit = fcLimit->bytes;
    const QString limitReason = fcLimit->reason;
    const QString path = parser.positionalArguments().first();
    auto image = openImage(path, limit, parser.isSet(u"insecure-registry"_qs));
    if (!image)
        return report(image.error());
    const ImageInfo &info = image->info;
    ImageCache cache;
    const auto cached = cache.lookup(info);

    QList<qint64> uncompressed;
    QStringList compression;
    qint64 totalUncompressed = 0;
    for (const LayerInfo &layer : info.layers) {
        auto size = uncompressedSizeOf(*image->source, layer);
        if (!size)
            return report(size.error());
        uncompressed.append(size->first);
        compression.append(size->second);
        totalUncompressed += size->first;
    }
    const bool archOk = info.config.architecture == u"amd64"_qs;
    const bool sizeOk = totalUncompressed <= limit;
    const ImageConfig &c = info.config;

    if (parser.isSet(u"json"_qs)) {
        json layers = json::array();
        for (int i = 0; i < info.layers.size(); ++i)
            layers.push_back({{"member", info.layers[i].member.toStdString()},
                              {"digest", info.layers[i].digest.isValid()
                                             ? json(info.layers[i].digest.toString().toStdString())
                                             : json(nullptr)},
                              {"diffId", info.layers[i].diffId.toString().toStdString()},
                              {"mediaType", info.layers[i].mediaType.toStdString()},
                              {"compression", compression[i].toStdString()},
                              {"compressedSize", info.layers[i].compressedSize},
                              {"uncompressedSize", uncompressed[i]}});
        json ports = toJson(c.exposedPorts);
        const json out = {
            {"image",
             (Registry::looksLikeReference(path) ? path : QFileInfo(path).absoluteFilePath())
                 .toStdString()},
            {"format", formatName(info.format).toStdString()},
            {"reference", info.reference.toStdString()},
            {"platform", QString(c.os + u'/' + c.architecture +
                                 (c.variant.isEmpty() ? QString() : QString(u'/' + c.variant)))
                             .toStdString()},
            {"manifestDigest", info.manifestDigest.isValid()
                                   ? json(info.manifestDigest.toString().toStdString())
                                   : json(nullptr)},
            {"configDigest", info.configDigest.toString().toStdString()},
            {"chainId", info.chainId.toString().toStdString()},
            {"layers", layers},
            {"compressedSize", info.compressedSize()},
            {"uncompressedSize", totalUncompressed},
            {"config",
             {{"Entrypoint", toJson(c.entrypoint)},
              {"Cmd", toJson(c.cmd)},
              {"Env", toJson(c.env)},
              {"WorkingDir", c.workingDir.toStdString()},
              {"User", c.user.toStdString()},
              {"ExposedPorts", ports},
              {"created", c.created.toStdString()}}},
            {"cached", cached.has_value()},
            {"fcChecks",
             json::array(
                 {{{"check", "architecture"},
                   {"passed", archOk},
                   {"message", "FC runs only linux/amd64 images"}},
                  {{"check", "uncompressedSize"},
                   {"passed", sizeOk},
                   {"limit", limit},
                   {"message",
                    QString(u"uncompressed size limit for "_qs + limitReason).toStdString()}}})}};
        QTextStream(stdout) << QString::fromStdString(out.dump(2)) << '\n';
    } else {
        QTextStream out(stdout);
        out << path << '\n';
        out << "  format      " << formatName(info.format) << '\n';
        if (!info.reference.isEmpty())
            out << "  reference   " << info.reference << '\n';
        out << "  platform    " << c.os << '/' << c.architecture << '\n';
        if (info.manifestDigest.isValid())
            out << "  manifest    " << info.manifestDigest.toString() << '\n';
        out << "  config      " << info.configDigest.toString() << '\n';
        out << "  layers      " << info.layers.size() << " ("
            << formatBytes(quint64(info.compressedSize())) << " compressed, "
            << formatBytes(quint64(totalUncompressed)) << " uncompressed)\n";
        for (int i = 0; i < info.layers.size(); ++i)
            out << "    " << (i + 1) << "  " << info.layers[i].diffId.toString().left(19) << "  "
                << compression[i] << "  " << formatBytes(quint64(info.layers[i].compressedSize))
                << " -> " << formatBytes(quint64(uncompressed[i])) << '\n';
        out << "  entrypoint  " << jsonText(c.entrypoint) << '\n';
        out << "  cmd         " << jsonText(c.cmd) << '\n';
        for (const QString &e : c.env)
            out << "  env         " << e << '\n';
        out << "  workdir     " << (c.workingDir.isEmpty() ? u"/"_qs : c.workingDir) << '\n';
        out << "  user        " << (c.user.isEmpty() ? u"root (uid 0)"_qs : c.user) << '\n';
        if (!c.exposedPorts.isEmpty())
            out << "  ports       " << c.exposedPorts.join(u' ') << '\n';
        out << "  cache       "
            << (cached ? u"unpacked in "_qs + cached->path : u"not unpacked yet"_qs) << '\n';
        out << "FC checks\n";
        out << "  " << (archOk ? "pass" : "FAIL") << "  architecture " << c.architecture
            << " (FC runs only AMD64)\n";
        out << "  " << (sizeOk ? "pass" : "FAIL") << "  uncompressed size "
            << formatBytes(quint64(totalUncompressed)) << (sizeOk ? " within " : " exceeds ")
            << formatBytes(quint64(limit)) << " (" << limitReason << ")\n";
    }
    if (!sizeOk) {
        QTextStream(stderr) << "fcemu: " << path << ": uncompressed size "
                            << formatBytes(quint64(totalUncompressed)) << " exceeds the "
                            << formatBytes(quint64(limit)) << " limit for " << limitReason << '\n';
        return 3;
    }
    return 0;
}

int unpack(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(u"IMAGE"_qs, u"image"_qs);
    parser.addPositionalArgument(u"DIR"_qs, u"target folder"_qs);
    parser.addOption({u"max-uncompressed"_qs, u"size limit"_qs, u"SIZE"_qs});
    if (!parser.parse(arguments))
        return usage(parser.errorText());
    if (parser.positionalArguments().size() != 2)
        return usage(u"image unpack takes IMAGE and DIR"_qs);
    UnpackOptions options;
    options.maxUncompressedBytes = Config::kImageLimitBytes;
    if (parser.isSet(u"max-uncompressed"_qs)) {
        const auto size = parseByteSize(parser.value(u"max-uncompressed"_qs));
        if (!size || *size == 0)
            return usage(u"--max-uncompressed takes a size such as 512M or 3G"_qs);
        options.maxUncompressedBytes = qint64(*size);
    }
    const QString path = parser.positionalArguments().at(0);
    const QString dir = parser.positionalArguments().at(1);
    QElapsedTimer timer;
    timer.start();
    auto image = openImage(path, options.maxUncompressedBytes);
    if (!image)
        return report(image.error());
    ProgressLine progress(u"unpacking"_qs);
    options.progress = [&](qint64 done, qint64 total) { progress.update(done, total); };
    auto result = unpackToDirectory(*image->source, image->info, dir, options);
    if (!result)
        return report(result.error());
    for (const QString &w : result->stats.warnings)
        QTextStream(stderr) << "fcemu: warning: " << w << '\n';
    QTextStream(stdout) << "unpacked " << path << " into " << dir << ": "
                        << image->info.layers.size()
                        << (image->info.layers.size() == 1 ? " layer, " : " layers, ")
                        << result->stats.files << " files, "
                        << formatBytes(quint64(result->uncompressedSize)) << " in "
                        << QString::number(double(timer.nsecsElapsed()) / 1e9, 'f', 2) << " s\n";
    return 0;
}

int cacheCommand(const QStringList &arguments)
{
    const QString action = arguments.isEmpty() ? u"list"_qs : arguments.first();
    ImageCache cache;
    QTextStream out(stdout);
    if (action == u"list"_qs) {
        const QList<CacheEntry> entries = cache.list();
        out << "cache " << cache.directory() << ": " << entries.size()
            << (entries.size() == 1 ? " image\n" : " images\n");
        for (const CacheEntry &e : entries)
            out << "  " << e.key.left(22) << "  " << qSetFieldWidth(10)
                << formatBytes(quint64(e.uncompressedSize)) << qSetFieldWidth(0) << "  "
                << e.lastUsed.toString(Qt::ISODate) << "  "
                << (e.reference.isEmpty() ? u"-"_qs : e.reference) << "  " << e.source << '\n';
        return 0;
    }
    if (action == u"prune"_qs) {
        auto result = cache.prune();
        if (!result)
            return report(result.error());
        out << "removed " << result->removed << " cached images ("
            << formatBytes(quint64(result->bytesFreed)) << ")";
        if (result->busy)
            out << "; " << result->busy << " in use kept";
        out << '\n';
        return 0;
    }
    if (action == u"verify"_qs) {
        auto result = cache.verify();
        if (!result)
            return report(result.error());
        out << "verified " << result->checked
            << (result->checked == 1 ? " cached image" : " cached images") << ": removed "
            << result->removed << " damaged";
        if (result->busy)
            out << "; " << result->busy << " damaged but in use kept";
        out << '\n';
        for (const QString &p : result->problems)
            out << "  " << p << '\n';
        return 0;
    }
    return usage(u"image cache takes list, prune or verify"_qs);
}

int pack(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(u"DIR"_qs, u"folder"_qs);
    parser.addPositionalArgument(u"OUT.tar"_qs, u"output"_qs);
    parser.addOption({u"entrypoint"_qs, u"JSON array"_qs, u"JSON"_qs});
    parser.addOption({u"cmd"_qs, u"JSON array"_qs, u"JSON"_qs});
    parser.addOption({u"env"_qs, u"K=V"_qs, u"K=V"_qs});
    parser.addOption({u"workdir"_qs, u"folder"_qs, u"D"_qs});
    parser.addOption({u"user"_qs, u"user"_qs, u"U"_qs});
    parser.addOption({u"expose"_qs, u"port"_qs, u"PORT"_qs});
    if (!parser.parse(arguments))
        return usage(parser.errorText());
    if (parser.positionalArguments().size() != 2)
        return usage(u"image pack takes DIR and OUT.tar"_qs);
    PackOptions options;
    for (const auto &[name, target] :
         {std::pair{u"entrypoint"_qs, &options.entrypoint}, std::pair{u"cmd"_qs, &options.cmd}}) {
        if (!parser.isSet(name))
            continue;
        auto list = parseJsonStringList(u"--"_qs + name, parser.value(name));
        if (!list)
            return report(list.error());
        *target = *list;
    }
    for (const QString &e : parser.values(u"env"_qs)) {
        if (!e.contains(u'=') || e.startsWith(u'='))
            return usage(u"--env takes K=V (got '"_qs + e + u"')");
    }
    options.env = parser.values(u"env"_qs);
    if (!options.env.isEmpty() &&
        !std::any_of(options.env.cbegin(), options.env.cend(),
                     [](const QString &e) -> bool { return e.startsWith(u"PATH="_qs); }))
        options.env.prepend(
            u"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"_qs);
    options.workingDir = parser.value(u"workdir"_qs);
    options.user = parser.value(u"user"_qs);
    for (const QString &p : parser.values(u"expose"_qs))
        options.exposedPorts.append(p.contains(u'/') ? p : p + u"/tcp"_qs);
    const QString out = parser.positionalArguments().at(1);
    if (auto r = packDirectory(parser.positionalArguments().at(0), out, options); !r)
        return report(r.error());
    QTextStream(stdout) << "wrote " << out << " (" << formatBytes(quint64(QFileInfo(out).size()))
                        << ")\n";
    return 0;
}

} // namespace

int runImageCommand(const QStringList &arguments)
{
    const QString sub = arguments.value(0);
    // QCommandLineParser expects the program name first.
    const QStringList rest = QStringList{u"fcemu image "_qs + sub} + arguments.mid(1);
    if (sub == u"inspect"_qs)
        return inspect(rest);
    if (sub == u"analyze"_qs)
        return runAnalyzeCommand(rest);
    if (sub == u"unpack"_qs)
        return unpack(rest);
    if (sub == u"cache"_qs)
        return cacheCommand(arguments.mid(1));
    if (sub == u"pack"_qs)
        return pack(rest);
    if (sub == u"pull"_qs)
        return runPullCommand(rest);
    return usage(u"image takes inspect, analyze, unpack, cache, pack or pull"_qs);
}

} // namespace Fcemu::Cli
