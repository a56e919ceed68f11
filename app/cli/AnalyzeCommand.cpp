#include "AnalyzeCommand.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QTextStream>

#include <nlohmann/json.hpp>

#include "FunctionOptions.h"
#include "ImageCommands.h"
#include "common/Units.h"
#include "image/ImageAnalysis.h"
#include "registry/Reference.h"

namespace Fcemu::Cli {

namespace {

using json = nlohmann::json;
using namespace Fcemu::Image;

json sizedJson(const QList<SizedPath> &list)
{
    json out = json::array();
    for (const SizedPath &p : list)
        out.push_back({{"path", p.path.toStdString()}, {"size", p.size}});
    return out;
}

QString bytes(qint64 n)
{
    return formatBytes(quint64(std::max<qint64>(n, 0)));
}

QString elided(const QString &text, int width)
{
    return text.size() <= width ? text : text.left(width - 1) + u'…';
}

QString percent(double value)
{
    return QString::number(value, 'f', 1) + u" %"_qs;
}

// "    12.0 MiB  usr/lib/x" lines under a heading such as "  largest files  ".
void printSized(QTextStream &out, const QString &heading, const QList<SizedPath> &list)
{
    for (qsizetype i = 0; i < list.size(); ++i)
        out << (i == 0 ? heading : QString(heading.size(), u' ')) << qSetFieldWidth(10)
            << bytes(list[i].size) << qSetFieldWidth(0) << "  /" << list[i].path << '\n';
}

} // namespace

int runAnalyzeCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(u"IMAGE"_qs, u"image file, OCI layout folder or reference"_qs);
    parser.addOption({u"json"_qs, u"print JSON"_qs});
    parser.addOption(
        {u"top"_qs, u"largest files and folders listed per list"_qs, u"N"_qs, u"5"_qs});
    addSizeLimitOptions(&parser);
    if (!parser.parse(arguments))
        return usage(parser.errorText());
    if (parser.positionalArguments().size() != 1)
        return usage(u"image analyze takes one IMAGE"_qs);
    const auto limit = sizeLimitOf(parser);
    if (!limit)
        return usage(limit.error().message);
    bool topOk = false;
    const int top = parser.value(u"top"_qs).toInt(&topOk);
    if (!topOk || top < 0 || top > 1000)
        return usage(u"--top takes a number from 0 to 1000 (got '"_qs + parser.value(u"top"_qs) +
                     u"')"_qs);

    const QString path = parser.positionalArguments().first();
    // An image over FC's limit is still analysed (that is what the report is for); a gzip bomb
    // stops at four times the limit.
    const qint64 cap = std::max<qint64>(limit->bytes, 1LL << 30) * 4;
    auto image = openImage(path, cap, parser.isSet(u"insecure-registry"_qs));
    if (!image)
        return report(image.error());
    AnalysisOptions options;
    options.top = top;
    options.maxUncompressedBytes = cap;
    auto analysis = analyzeImage(*image->source, image->info, options);
    if (!analysis)
        return report(analysis.error());
    const ImageInfo &info = image->info;
    const ImageAnalysis &a = *analysis;
    const bool sizeOk = a.uncompressedSize <= limit->bytes;

    if (parser.isSet(u"json"_qs)) {
        json layers = json::array();
        for (qsizetype i = 0; i < a.layers.size(); ++i) {
            const LayerAnalysis &l = a.layers[i];
            const LayerInfo &li = info.layers[i];
            layers.push_back(
                {{"index", i + 1},
                 {"member", l.member.toStdString()},
                 {"digest",
                  li.digest.isValid() ? json(li.digest.toString().toStdString()) : json(nullptr)},
                 {"diffId", li.diffId.toString().toStdString()},
                 {"compression", l.compression.toStdString()},
                 {"compressedSize", l.compressedSize},
                 {"uncompressedSize", l.uncompressedSize},
                 {"contentBytes", l.contentBytes},
                 {"adds", l.adds},
                 {"changes", l.changes},
                 {"deletes", l.deletes},
                 {"opaqueFolders", l.opaqueFolders},
                 {"addedBytes", l.addedBytes},
                 {"changedBytes", l.changedBytes},
                 {"wastedBytes", l.wastedBytes},
                 {"createdBy", l.createdBy.toStdString()},
                 {"created", l.created.toStdString()},
                 {"comment", l.comment.toStdString()},
                 {"largestFiles", sizedJson(l.largestFiles)},
                 {"largestFolders", sizedJson(l.largestFolders)}});
        }
        const json out = {
            {"image",
             (Registry::looksLikeReference(path) ? path : QFileInfo(path).absoluteFilePath())
                 .toStdString()},
            {"format", formatName(info.format).toStdString()},
            {"reference", info.reference.toStdString()},
            {"layers", layers},
            {"compressedSize", a.compressedSize},
            {"uncompressedSize", a.uncompressedSize},
            {"contentBytes", a.contentBytes},
            {"finalBytes", a.finalBytes},
            {"finalFiles", a.finalFiles},
            {"wastedBytes", a.wastedBytes},
            {"efficiencyPercent", a.efficiencyPercent},
            {"largestFiles", sizedJson(a.largestFiles)},
            {"largestFolders", sizedJson(a.largestFolders)},
            {"fcChecks",
             json::array(
                 {{{"check", "uncompressedSize"},
                   {"passed", sizeOk},
                   {"limit", limit->bytes},
                   {"message",
                    QString(u"uncompressed size limit for "_qs + limit->reason).toStdString()}}})}};
        QTextStream(stdout) << QString::fromStdString(out.dump(2)) << '\n';
    } else {
        QTextStream out(stdout);
        out << path << '\n';
        out << "  format      " << formatName(info.format) << '\n';
        out << "  layers      " << a.layers.size() << " (" << bytes(a.compressedSize)
            << " compressed, " << bytes(a.uncompressedSize) << " uncompressed)\n\n";
        out << "  #  compressed  uncompressed   adds  changes  deletes      wasted  created by\n";
        for (qsizetype i = 0; i < a.layers.size(); ++i) {
            const LayerAnalysis &l = a.layers[i];
            const QString command = commandLine(l.createdBy);
            out << QString::number(i + 1).rightJustified(3)
                << bytes(l.compressedSize).rightJustified(12)
                << bytes(l.uncompressedSize).rightJustified(14)
                << QString::number(l.adds).rightJustified(7)
                << QString::number(l.changes).rightJustified(9)
                << QString::number(l.deletes).rightJustified(9)
                << bytes(l.wastedBytes).rightJustified(12) << "  "
                << (command.isEmpty() ? u"-"_qs : elided(command, 60)) << '\n';
        }
        for (qsizetype i = 0; i < a.layers.size(); ++i) {
            const LayerAnalysis &l = a.layers[i];
            out << "\nlayer " << (i + 1) << "  " << l.member << '\n';
            if (!l.createdBy.isEmpty())
                out << "  created by       " << commandLine(l.createdBy) << '\n';
            if (l.opaqueFolders > 0)
                out << "  opaque folders   " << l.opaqueFolders << '\n';
            printSized(out, u"  largest files  "_qs, l.largestFiles);
            printSized(out, u"  largest folders"_qs, l.largestFolders);
        }
        out << "\nfinal root  " << a.finalFiles << " files, " << bytes(a.finalBytes) << '\n';
        printSized(out, u"  largest files  "_qs, a.largestFiles);
        printSized(out, u"  largest folders"_qs, a.largestFolders);
        out << "\nsummary\n";
        out << "  total size  " << bytes(a.compressedSize) << " compressed, "
            << bytes(a.uncompressedSize) << " uncompressed\n";
        out << "  wasted      " << bytes(a.wastedBytes)
            << " (files a later layer overwrites or deletes)\n";
        out << "  efficiency  " << percent(a.efficiencyPercent) << '\n';
        out << "FC checks\n";
        out << "  " << (sizeOk ? "pass" : "FAIL") << "  uncompressed size "
            << bytes(a.uncompressedSize) << (sizeOk ? " within " : " exceeds ")
            << bytes(limit->bytes) << " (" << limit->reason << ")\n";
    }
    if (!sizeOk) {
        QTextStream(stderr) << "fcemu: " << path << ": uncompressed size "
                            << bytes(a.uncompressedSize) << " exceeds the " << bytes(limit->bytes)
                            << " limit for " << limit->reason << '\n';
        return 3;
    }
    return 0;
}

} // namespace Fcemu::Cli
