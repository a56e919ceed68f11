#pragma once

#include <atomic>
#include <functional>

#include <QList>
#include <QString>

#include "ImageManifest.h"
#include "ImageSource.h"
#include "RootWriter.h"
#include "common/Error.h"

namespace Fcemu::Image {

struct UnpackOptions
{
    // FC's cap on the uncompressed image (3 or 10 GB by instance type and registry edition:
    // config::imageSizeLimit); enforced while streaming. The reason names where it comes from
    // in the error ("elastic instances, Container Registry Personal Edition").
    qint64 maxUncompressedBytes = 3LL << 30;
    QString limitReason;
    // Called from the unpacking thread with compressed bytes read so far and in total.
    std::function<void(qint64 done, qint64 total)> progress;
    const std::atomic<bool> *cancel = nullptr;
};

struct LayerReport
{
    QString compression; // "gzip", "zstd" or "none", sniffed from the bytes
    qint64 uncompressedSize = 0;
};

struct UnpackReport
{
    QList<LayerReport> layers;
    qint64 uncompressedSize = 0;
    RootWriter::Stats stats;
};

// Streams every layer of `info` from `source` onto the directory `rootFd` (an O_PATH
// descriptor), in order. Per layer, two threads overlap: one reads the blob, hashes it
// (blob digest), inflates it and hashes the tar (DiffID); the other parses the tar and writes
// the tree. Both digests are checked when the layer ends; a mismatch fails the whole unpack
// (the caller discards the staging folder).
Result<UnpackReport> unpackLayers(const ImageSource &source, const ImageInfo &info, int rootFd,
                                  const UnpackOptions &options);

// The uncompressed size of a layer without unpacking it, and its compression: plain layers
// are their own size, gzip tells it in its trailer (ISIZE, exact below 4 GiB), zstd is
// inflated and counted. For `image inspect`; unpacking enforces limits on the real stream.
Result<std::pair<qint64, QString>> uncompressedSizeOf(const ImageSource &source,
                                                      const LayerInfo &layer);

// Sniffs a layer's compression from its first bytes ("gzip", "zstd", "none"), or an error
// naming an unsupported one.
Result<QString> sniffCompression(const QByteArray &head, const QString &where);

} // namespace Fcemu::Image
