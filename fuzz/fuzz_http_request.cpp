// The gateway's request parser over arbitrary bytes: in two pieces split where the first byte
// says, then pipelined messages one after another, as LocalServer feeds it.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "http/HttpParser.h"

using namespace Fcemu::Http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *bytes = reinterpret_cast<const char *>(data + 1);
    const size_t length = size - 1;
    const size_t pieceEnd = std::min<size_t>(data[0], length);
    RequestParser parser(1024, 4096);
    size_t offset = 0;
    while (offset < length) {
        const size_t end = offset < pieceEnd ? pieceEnd : length;
        const size_t given = end - offset;
        const ParseStatus status = parser.feed(bytes + offset, given);
        const size_t used = parser.consumed();
        // Invariants the server relies on: never more than given; all of it unless complete.
        if (used > given || (status == ParseStatus::Incomplete && used != given))
            __builtin_trap();
        offset += used;
        if (status != ParseStatus::Complete) {
            if (status != ParseStatus::Incomplete)
                (void)parser.errorString();
            if (status != ParseStatus::Incomplete)
                break;
            continue;
        }
        const HttpRequest request = parser.takeRequest();
        (void)request.toBytes();
        parser.reset();
    }
    return 0;
}
