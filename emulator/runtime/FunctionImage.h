#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include <QString>

#include "common/Error.h"
#include "config/FunctionConfig.h"
#include "image/ImageCache.h"
#include "image/ImageManifest.h"
#include "registry/RegistryPull.h"

namespace Fcemu::Runtime {

// A function's image, ready to run: unpacked in the cache and leased so it can't be pruned
// while instances use it. Preparing it is the "pull" and "unpack" of a cold start.
struct PreparedImage
{
    Image::ImageInfo info;
    Image::CacheEntry entry;
    Image::CacheLease lease;
    bool cached = false; // the cache already had it: no unpack, and FC charges no pull
    double pullMs = 0;   // reading the archive, or the registry pull (real and/or simulated)
    QString source;      // IMAGE as given: an image file or folder, or a registry reference
    // A registry IMAGE: the reference and each layer's real pull (empty for a file).
    QString registryReference;
    QList<Registry::BlobPull> layerPulls;
    double unpackMs = 0; // 0 when cached
    // --pull-bandwidth: the bytes the simulated pull moved (0: none simulated), and whether
    // that was an accelerated pull (only the start-up profile's bytes; CONTRACT §1.3).
    qint64 simulatedPullBytes = 0;
    bool acceleratedPull = false;
    bool profileKnown = false; // the cache holds a start-up profile of this image
};

struct PrepareOptions
{
    std::function<void(qint64 done, qint64 total)> progress;
    const std::atomic<bool> *cancel = nullptr;
    QString cacheDirectory; // empty: ImageCache::defaultDirectory()
};

// FC's cap on the uncompressed image for the instance type (elastic 3 GB, GPU 10 GB).
qint64 uncompressedLimit(const Config::FunctionConfig &config);

// Opens, verifies and (on a cache miss) unpacks `imagePath`. A registry reference
// (Registry::looksLikeReference) is pulled into the blob store first; the pull is the pull phase.
// With --pull-bandwidth, the pull phase lasts compressedSize / bandwidth, as a registry pull of the
// image would (a cached image is not pulled). Blocking: call it off the GUI thread.
Result<std::shared_ptr<PreparedImage>> prepareImage(const QString &imagePath,
                                                    const Config::FunctionConfig &config,
                                                    const PrepareOptions &options = {});

} // namespace Fcemu::Runtime
