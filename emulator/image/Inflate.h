#pragma once

#include <cstddef>
#include <functional>
#include <utility>

#include <QString>

#include "common/Error.h"

namespace Fcemu::Image {

// Streaming decompression of a layer blob: gzip with ISA-L's igzip (about 2-3x zlib's speed,
// which the reference report measured as the dominant cost of an unpack), zstd with libzstd,
// or "none". Data moves in caller-owned buffers:
//   read(buffer, capacity)   -> bytes read, 0 at the end, -errno on failure
//   output()                 -> a buffer to fill {pointer, capacity}
//   commit(bytes)            -> hands `bytes` of that buffer on; false stops inflating
struct InflateIo
{
    std::function<qint64(char *, std::size_t)> read;
    std::function<std::pair<char *, std::size_t>()> output;
    std::function<bool(std::size_t)> commit;
};

// Returns an error naming `where` for damaged or truncated data; a commit that returns false
// ends the stream early without an error (the caller knows why it stopped).
Status inflateStream(const QString &compression, const InflateIo &io, const QString &where);

} // namespace Fcemu::Image
