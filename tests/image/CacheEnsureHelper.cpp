// A process that prepares one image through the shared cache, as every fcemu and fcemu-gui
// does, for TestImageCache's many-process and SIGKILL tests:
//   fcemu_cache_helper CACHE_DIR IMAGE [HOLD_MS]
// Prints "<hit|unpacked> <rootfs> <files> <bytes>" of the root it got, then, with HOLD_MS,
// holds the lease that long and prints "still <files> <bytes>" (what a running instance
// sees after, say, a prune by another process).
#include <cstdio>

#include <QCoreApplication>
#include <QDirIterator>
#include <QFileInfo>
#include <QThread>

#include "image/ImageCache.h"
#include "image/ImageManifest.h"
#include "image/ImageSource.h"

using namespace Fcemu;

namespace {

std::pair<qint64, qint64> countTree(const QString &root)
{
    qint64 files = 0;
    qint64 bytes = 0;
    QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        ++files;
        bytes += it.fileInfo().size();
    }
    return {files, bytes};
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 3) {
        std::fprintf(stderr, "usage: fcemu_cache_helper CACHE_DIR IMAGE [HOLD_MS]\n");
        return 2;
    }
    auto source = Image::ImageSource::open(args[2], args[1] + u"/../helper-tmp"_qs, 1LL << 30);
    if (!source) {
        std::fprintf(stderr, "%s\n", qPrintable(source.error().message));
        return 3;
    }
    auto info = Image::readImage(**source);
    if (!info) {
        std::fprintf(stderr, "%s\n", qPrintable(info.error().message));
        return 3;
    }
    Image::ImageCache cache(args[1]);
    auto r = cache.ensure(**source, *info, {});
    if (!r) {
        std::fprintf(stderr, "%s\n", qPrintable(r.error().message));
        return exitCodeFor(r.error().kind);
    }
    const auto [files, bytes] = countTree(r->entry.rootfs);
    std::printf("%s %s %lld %lld\n", r->hit ? "hit" : "unpacked", qPrintable(r->entry.rootfs),
                files, bytes);
    std::fflush(stdout);
    if (args.size() > 3) {
        QThread::msleep(args[3].toULong());
        const auto [files2, bytes2] = countTree(r->entry.rootfs);
        std::printf("still %lld %lld\n", files2, bytes2);
    }
    return 0;
}
