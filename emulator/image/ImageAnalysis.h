#pragma once

#include <atomic>
#include <functional>

#include <QList>
#include <QString>

#include "ImageManifest.h"
#include "ImageSource.h"
#include "common/Error.h"

namespace Fcemu::Image {

// What each layer of an image adds, changes and deletes, and the bytes it carries that a later
// layer makes dead (dive's "wasted space"), read by streaming every layer's tar once (nothing
// is unpacked to disk). For `fcemu image analyze` and the GUI's Image panel. Knows nothing of
// FC: the caller checks the total against FC's size limit.

// One entry of the image config's `history` (OCI config.md): the step that made a layer, or
// made none (emptyLayer: ENV, CMD, ... in a Dockerfile).
struct HistoryEntry
{
    QString created;
    QString createdBy; // e.g. "/bin/sh -c npm ci" or "COPY . /app # buildkit"
    QString comment;
    bool emptyLayer = false;
};

// A file or folder and its size (a folder: the regular files below it, recursively).
struct SizedPath
{
    QString path; // relative to the root, no leading slash: "usr/lib/libc.so.6"
    qint64 size = 0;
};

struct LayerAnalysis
{
    QString member;      // the layer's member in the image
    QString compression; // "gzip", "zstd" or "none", sniffed from the bytes
    qint64 compressedSize = 0;
    qint64 uncompressedSize = 0; // the tar stream's length (what FC's limit counts)
    qint64 contentBytes = 0;     // regular files' sizes in this layer
    int adds = 0;                // paths no earlier layer has (folders included)
    int changes = 0;         // non-folder paths an earlier layer has, rewritten (a type change too)
    int deletes = 0;         // whiteouts and opaque folders
    int opaqueFolders = 0;   // of `deletes`
    qint64 addedBytes = 0;   // regular files' sizes among `adds`
    qint64 changedBytes = 0; // regular files' sizes among `changes`
    // This layer's file bytes that a later layer overwrites or deletes: they are pulled and
    // unpacked, and nothing in the final root uses them.
    qint64 wastedBytes = 0;
    // The step that made the layer, from the config's history (entries with empty_layer
    // skipped); empty when the image has no history for it.
    QString createdBy;
    QString created;
    QString comment;
    QList<SizedPath> largestFiles;   // this layer's regular files, largest first
    QList<SizedPath> largestFolders; // this layer's bytes per folder, largest first
};

struct ImageAnalysis
{
    QList<LayerAnalysis> layers;
    qint64 compressedSize = 0;
    qint64 uncompressedSize = 0; // sum of the layers' tar streams
    qint64 contentBytes = 0;     // sum of the layers' file bytes
    qint64 finalBytes = 0;       // regular files' bytes in the final root
    qint64 finalFiles = 0;       // non-folder paths in the final root
    qint64 wastedBytes = 0;      // contentBytes - finalBytes, per layer in LayerAnalysis
    // 100 × finalBytes / contentBytes (dive's "efficiency"); 100 for an empty image.
    double efficiencyPercent = 100;
    QList<SizedPath> largestFiles;   // of the final root
    QList<SizedPath> largestFolders; // of the final root (not the root itself)
};

struct AnalysisOptions
{
    int top = 10; // how many largest files and folders to keep per list
    // Inflating stops past this many uncompressed bytes in total (a gzip bomb). Set it above
    // FC's limit so that an image over the limit is still analysed.
    qint64 maxUncompressedBytes = 32LL << 30;
    // Called from the calling thread with compressed bytes read so far and in total.
    std::function<void(qint64 done, qint64 total)> progress;
    const std::atomic<bool> *cancel = nullptr;
};

// Streams every layer of `info` from `source`. Blocking: call it off the GUI thread.
// A cancelled analysis returns ErrorKind::Cancelled.
Result<ImageAnalysis> analyzeImage(const ImageSource &source, const ImageInfo &info,
                                   const AnalysisOptions &options = {});

// The image config's `history` (readImage() keeps only what running needs): the config is read
// again, from the member that `info` was read from. An image without history: an empty list.
Result<QList<HistoryEntry>> readHistory(const ImageSource &source, const ImageInfo &info);

// The history paired with the layers, in order: entries with empty_layer are skipped
// (image-spec config.md). Index i is layer i's entry; missing ones are empty.
QList<HistoryEntry> historyOfLayers(const QList<HistoryEntry> &history, qsizetype layerCount);

// A history step as a Dockerfile line, for one-line display: "/bin/sh -c #(nop)  CMD [..]"
// becomes "CMD [..]", "/bin/sh -c npm ci" becomes "RUN npm ci", BuildKit's "RUN /bin/sh -c x #
// buildkit" becomes "RUN x"; runs of white space (line continuations) become one space.
QString commandLine(const QString &createdBy);

} // namespace Fcemu::Image
