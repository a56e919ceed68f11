// The function-response parser over arbitrary bytes, as the invoker reads a container's
// reply: to a GET or a HEAD, in two pieces, then the end of the connection.
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
    const size_t split = std::min<size_t>(data[0] >> 1, length);
    ResponseParser parser(1024, 4096);
    parser.setRequestMethod((data[0] & 1) ? "HEAD" : "POST");
    ParseStatus status = parser.feed(bytes, split);
    if (parser.consumed() > split)
        __builtin_trap();
    if (status == ParseStatus::Incomplete && split < length) {
        status = parser.feed(bytes + split, length - split);
        if (parser.consumed() > length - split)
            __builtin_trap();
    }
    if (status == ParseStatus::Incomplete)
        status = parser.feedEof();
    if (status == ParseStatus::Complete) {
        const HttpResponse response = parser.takeResponse();
        (void)response.toBytes();
    } else {
        (void)parser.errorString();
    }
    return 0;
}
