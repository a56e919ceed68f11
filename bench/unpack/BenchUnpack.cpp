// Unpack benchmark (issue "Foundation", not a timed test): a multi-layer gzip image made from
// real system files, unpacked by fcemu, by bsdtar -xf and GNU tar -xzf (layer after layer),
// and by umoci unpack --rootless, into tmpfs and onto disk. Prints medians and ratios, and
// the cost of a cache hit against a cold unpack.
//
//   bench_unpack [--runs N] [--disk DIR] [--tmpfs DIR] [--keep-image DIR]
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTextStream>

#include "common/Units.h"
#include "image/FileTree.h"
#include "image/ImageCache.h"
#include "image/ImageManifest.h"
#include "image/ImagePacker.h"
#include "image/ImageSource.h"

using namespace Fcemu;

namespace {

QTextStream out(stdout);

// Real system files: documentation, Python's library and C headers (a mix of many small
// text files and some larger ones, like the report in shared/reference/unpack-and-sandbox.md
// §5.1), one layer each.
const QList<QPair<QString, QString>> sources = {
    {u"/usr/share/doc"_qs, u"usr/share/doc"_qs},
    {u"/usr/lib/python3.11"_qs, u"usr/lib/python3.11"_qs},
    {u"/usr/include"_qs, u"usr/include"_qs},
};

double median(QList<double> v)
{
    std::sort(v.begin(), v.end());
    return v.isEmpty() ? 0 : v[v.size() / 2];
}

bool runQuiet(const QString &program, const QStringList &args)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForFinished(600000) || p.exitCode() != 0) {
        out << "  ! " << program << ' ' << args.join(u' ') << " failed: " << p.readAll().left(300)
            << Qt::endl;
        return false;
    }
    return true;
}

void dropTree(const QString &path)
{
    Image::removeAll(path);
}

struct BenchImage
{
    QString archive;        // OCI archive tar (what fcemu gets)
    QString layout;         // the same as an OCI layout folder (for umoci)
    QStringList layerBlobs; // gzip layer blobs in order (for bsdtar and GNU tar)
    qint64 uncompressed = 0;
    qint64 compressed = 0;
};

BenchImage buildImage(const QString &dir)
{
    BenchImage img;
    img.archive = dir + u"/bench.tar"_qs;
    img.layout = dir + u"/layout"_qs;
    if (!QFile::exists(img.archive)) {
        QDir().mkpath(dir);
        QList<Fcemu::Image::LayerBlob> layers;
        for (const auto &[src, prefix] : sources) {
            if (!QFileInfo(src).isDir())
                continue;
            auto layer = Fcemu::Image::layerFromDirectory(src, u"gzip"_qs, prefix);
            if (!layer) {
                out << "cannot read " << src << ": " << layer.error().message << Qt::endl;
                continue;
            }
            layers.append(*layer);
        }
        Fcemu::Image::PackOptions options;
        options.reference = u"bench"_qs;
        options.entrypoint = {u"/bin/true"_qs};
        if (auto r = Fcemu::Image::writeOciArchive(img.archive, layers, options); !r)
            qFatal("%s", qPrintable(r.error().message));
        QDir().mkpath(img.layout);
        runQuiet(u"tar"_qs, {u"-xf"_qs, img.archive, u"-C"_qs, img.layout});
    }
    auto source = Fcemu::Image::ImageSource::open(img.archive, dir + u"/tmp"_qs, 1LL << 40);
    auto info = Fcemu::Image::readImage(**source);
    for (const auto &layer : info->layers) {
        img.layerBlobs.append(img.layout + u'/' + layer.member);
        img.compressed += layer.compressedSize;
        img.uncompressed += Fcemu::Image::uncompressedSizeOf(**source, layer)->first;
    }
    return img;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({u"runs"_qs, u"runs per tool and target (median)"_qs, u"N"_qs, u"3"_qs});
    parser.addOption({u"disk"_qs, u"a folder on disk"_qs, u"DIR"_qs, u"/var/tmp/fcemu-bench"_qs});
    parser.addOption({u"tmpfs"_qs, u"a folder on tmpfs"_qs, u"DIR"_qs, u"/dev/shm/fcemu-bench"_qs});
    parser.addOption({u"image-dir"_qs, u"where the test image is kept between runs"_qs, u"DIR"_qs,
                      u"/var/tmp/fcemu-bench-image"_qs});
    parser.process(app);
    const int runs = std::max(1, parser.value(u"runs"_qs).toInt());
    const QString fcemu = QCoreApplication::applicationDirPath() + u"/../../app/fcemu"_qs;

    out << "building the test image from /usr (kept in " << parser.value(u"image-dir"_qs) << ")..."
        << Qt::endl;
    const BenchImage img = buildImage(parser.value(u"image-dir"_qs));
    out << "image: " << img.layerBlobs.size() << " gzip layers, "
        << formatBytes(quint64(img.compressed)) << " compressed, "
        << formatBytes(quint64(img.uncompressed)) << " uncompressed" << Qt::endl;

    const bool haveUmoci = !QStandardPaths::findExecutable(u"umoci"_qs).isEmpty();
    const bool haveBsdtar = !QStandardPaths::findExecutable(u"bsdtar"_qs).isEmpty();

    struct Tool
    {
        QString name;
        std::function<bool(const QString &target)> run;
    };
    const QList<Tool> tools = {
        {u"fcemu image unpack"_qs,
         [&](const QString &t) -> bool {
             return runQuiet(fcemu, QStringList{u"image"_qs, u"unpack"_qs, img.archive, t});
         }},
        {u"bsdtar -xf (per layer)"_qs,
         [&](const QString &t) -> bool {
             if (!haveBsdtar)
                 return false;
             QDir().mkpath(t);
             for (const QString &blob : img.layerBlobs)
                 if (!runQuiet(u"bsdtar"_qs, {u"-xf"_qs, blob, u"-C"_qs, t}))
                     return false;
             return true;
         }},
        {u"GNU tar -xzf (per layer)"_qs,
         [&](const QString &t) -> bool {
             QDir().mkpath(t);
             for (const QString &blob : img.layerBlobs)
                 if (!runQuiet(u"tar"_qs, {u"-xzf"_qs, blob, u"-C"_qs, t}))
                     return false;
             return true;
         }},
        {u"umoci unpack --rootless"_qs,
         [&](const QString &t) -> bool {
             return haveUmoci &&
                    runQuiet(u"umoci"_qs, QStringList{u"unpack"_qs, u"--rootless"_qs, u"--image"_qs,
                                                      img.layout + u":bench"_qs, t});
         }},
    };

    for (const QString &targetOption : {u"tmpfs"_qs, u"disk"_qs}) {
        const QString base = parser.value(targetOption);
        dropTree(base);
        QDir().mkpath(base);
        out << "\n== into " << targetOption << " (" << base << "), median of " << runs << " runs"
            << Qt::endl;
        QList<double> medians;
        int counter = 0;
        for (const Tool &tool : tools) {
            QList<double> times;
            for (int i = 0; i < runs; ++i) {
                // A new folder per run; nothing is deleted until the end (deleting large trees
                // slows the next extraction on ext4, see the reference report §5.2).
                const QString target = base + u"/run-"_qs + QString::number(++counter);
                ::sync();
                QElapsedTimer timer;
                timer.start();
                if (!tool.run(target)) {
                    times.clear();
                    break;
                }
                times.append(double(timer.nsecsElapsed()) / 1e9);
                if (targetOption == u"tmpfs"_qs)
                    dropTree(target); // tmpfs: keep memory bounded
            }
            const double m = median(times);
            medians.append(m);
            out << "  " << qSetFieldWidth(28) << Qt::left << tool.name << qSetFieldWidth(0)
                << Qt::right;
            if (times.isEmpty())
                out << "  (not available)" << Qt::endl;
            else
                out << QString::asprintf("  %7.3f s  %7.1f MB/s", m,
                                         double(img.uncompressed) / 1e6 / m)
                    << Qt::endl;
        }
        const double ours = medians.value(0);
        for (int i = 1; i < tools.size(); ++i)
            if (medians.value(i) > 0 && ours > 0)
                out << QString::asprintf("  fcemu is %.2fx as fast as %s", medians[i] / ours,
                                         qPrintable(tools[i].name))
                    << Qt::endl;
        dropTree(base);
    }

    // Cache: a cold unpack into the cache against a hit (open, read the manifest, look up).
    out << "\n== cache (in-process, tmpfs)" << Qt::endl;
    QList<double> cold, hit;
    for (int i = 0; i < runs; ++i) {
        const QString cacheDir = parser.value(u"tmpfs"_qs) + u"/cache"_qs;
        dropTree(cacheDir);
        Fcemu::Image::ImageCache cache(cacheDir);
        for (int pass = 0; pass < 2; ++pass) {
            QElapsedTimer timer;
            timer.start();
            auto source =
                Fcemu::Image::ImageSource::open(img.archive, cacheDir + u"/tmp"_qs, 1LL << 40);
            auto info = Fcemu::Image::readImage(**source);
            auto r = cache.ensure(**source, *info, {});
            if (!r)
                qFatal("%s", qPrintable(r.error().message));
            (pass == 0 ? cold : hit).append(double(timer.nsecsElapsed()) / 1e9);
        }
        dropTree(cacheDir);
    }
    out << QString::asprintf("  cold unpack into the cache  %7.3f s\n  cache hit                   "
                             "%7.4f s  (%.2f%% of cold)",
                             median(cold), median(hit), 100.0 * median(hit) / median(cold))
        << Qt::endl;
    return 0;
}
