// The image reader end to end, as `fcemu image unpack` runs it: the outer tar (OCI layout or
// docker save), index.json / manifest.json / the config JSON, then every layer (gzip, zstd or
// plain) unpacked into a scratch root that is removed afterwards.
#include <cstddef>
#include <cstdint>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include "image/FileTree.h"
#include "image/ImageCache.h"
#include "image/ImageManifest.h"
#include "image/ImageSource.h"
#include "image/LayerUnpacker.h"

using namespace Fcemu;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static QTemporaryDir dir;
    if (!dir.isValid())
        return 0;
    const QString imagePath = dir.filePath(u"image.tar"_qs);
    {
        QFile file(imagePath);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return 0;
        file.write(reinterpret_cast<const char *>(data), qint64(size));
    }
    constexpr qint64 cap = 64LL << 20;
    auto source = Image::ImageSource::open(imagePath, dir.filePath(u"t"_qs), cap);
    if (!source)
        return 0;
    auto info = Image::readImage(**source);
    if (!info)
        return 0;
    const QString root = dir.filePath(u"root"_qs);
    Image::UnpackOptions options;
    options.maxUncompressedBytes = cap;
    (void)Image::unpackToDirectory(**source, *info, root, options);
    (void)Image::removeAll(root);
    (void)Image::removeAll(dir.filePath(u"t"_qs));
    return 0;
}
