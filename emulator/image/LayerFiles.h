#pragma once

#include <QHash>
#include <QList>
#include <QString>

#include "ImageManifest.h"
#include "ImageSource.h"
#include "common/Error.h"

namespace Fcemu::Image {

// The layer that provides each regular file of the unpacked root: the topmost layer with an
// entry of that path (a later layer's file replaces an earlier one's). Paths are relative to
// the root, without a leading "/" or "./" ("app/server.js"). Reads every layer once (the
// compressed stream, through libarchive's gzip and zstd filters); digests are not checked
// again: the layers were checked when the image was unpacked.
Result<QHash<QString, int>> topmostLayerOfFiles(const ImageSource &source, const ImageInfo &info);

} // namespace Fcemu::Image
