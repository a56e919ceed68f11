#pragma once

// Async-signal-safe helpers shared by the set-up child and fcemu-init: hand-written string
// copies and the status message. No allocation, no locale, no stdio.

#include <sys/socket.h>

#include <cstddef>
#include <cstring>

#include "InitProtocol.h"

namespace Fcemu::Sandbox::Detail {

inline size_t textLength(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        ++n;
    return n;
}

// Appends src to the fixed buffer dst (capacity cap), always NUL-terminated.
inline void append(char *dst, size_t cap, const char *src)
{
    size_t used = textLength(dst);
    while (*src != '\0' && used + 1 < cap)
        dst[used++] = *src++;
    dst[used] = '\0';
}

inline void sendMessage(int fd, MessageType type, int err, int64_t value, const char *what,
                        const char *detail)
{
    ChildMessage msg;
    memset(&msg, 0, sizeof msg);
    msg.type = type;
    msg.err = err;
    msg.value = value;
    if (what != nullptr)
        append(msg.text, sizeof msg.text, what);
    if (detail != nullptr && detail[0] != '\0') {
        append(msg.text, sizeof msg.text, " ");
        append(msg.text, sizeof msg.text, detail);
    }
    // MSG_NOSIGNAL: a parent that went away must not kill us with SIGPIPE before we clean up.
    (void)::send(fd, &msg, sizeof msg, MSG_NOSIGNAL);
}

} // namespace Fcemu::Sandbox::Detail
