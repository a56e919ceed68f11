#pragma once

#include <atomic>
#include <functional>

#include <QList>
#include <QString>

#include "Reference.h"
#include "common/Error.h"
#include "image/Digest.h"

namespace Fcemu::Registry {

struct PullOptions
{
    bool insecure = false;  // --insecure-registry: plain HTTP (and only then)
    QString cacheDirectory; // empty: Image::ImageCache::defaultDirectory()
    int parallel = 3;       // blobs fetched at once
    std::function<void(qint64 done, qint64 total)> progress;
    const std::atomic<bool> *cancel = nullptr;
};

struct BlobPull
{
    Image::Digest digest;
    qint64 size = 0;
    double ms = 0;          // from the request to the verified, stored blob
    bool reused = false;    // already in the blob store: not fetched
    qint64 resumedFrom = 0; // bytes kept from an interrupted pull (HTTP Range)
};

struct PullResult
{
    Reference reference;
    QString layoutPath; // an OCI image layout folder: open it with Image::ImageSource
    Image::Digest manifestDigest;
    QList<BlobPull> layers;
    qint64 bytesFetched = 0; // over the network, this pull
    double manifestMs = 0;   // authentication and manifests
    double totalMs = 0;
};

// Pulls `reference` with the OCI distribution API: manifest (an index or manifest list picks
// linux/amd64), config and layers, each verified by digest while it streams into the blob
// store <cache>/blobs/sha256/<hex>; images that share layers share blobs. A partial blob
// (<cache>/blobs/partial/<hex>) is resumed with an HTTP Range request. The result is an OCI
// layout <cache>/registry/<manifest hex>/ whose blobs are hard links into the store,
// published with one rename. Blocking; runs a local event loop (any thread).
Result<PullResult> pull(const Reference &reference, const PullOptions &options = {});

} // namespace Fcemu::Registry
