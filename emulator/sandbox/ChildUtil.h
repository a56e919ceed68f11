#pragma once

// Async-signal-safe helpers shared by the set-up child, fcemu-init, `fcemu exec`'s child and the
// host side that talks to them: hand-written string copies, the status message, and passing a
// descriptor over a Unix socket. No allocation, no locale, no stdio.

#include <sys/socket.h>
#include <unistd.h>

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

// Sends the `size` bytes at `data` on the Unix socket `sock`, with `passFd` as SCM_RIGHTS when it
// is >= 0. MSG_NOSIGNAL: a peer that went away must not kill the sender with SIGPIPE.
inline ssize_t sendWithFd(int sock, const void *data, size_t size, int passFd)
{
    iovec iov{const_cast<void *>(data), size};
    msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    if (passFd >= 0) {
        memset(control, 0, sizeof control);
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &passFd, sizeof passFd);
    }
    return ::sendmsg(sock, &msg, MSG_NOSIGNAL);
}

// Receives up to `size` bytes into `data` from `sock`; a descriptor that came with them (close-
// on-exec) goes to *receivedFd, else -1. `flags` are recvmsg's (MSG_DONTWAIT...). Returns what
// recvmsg returns.
inline ssize_t receiveWithFd(int sock, void *data, size_t size, int *receivedFd, int flags = 0)
{
    *receivedFd = -1;
    iovec iov{data, size};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
    if (n < 0)
        return n;
    for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int fd = -1;
            memcpy(&fd, CMSG_DATA(c), sizeof fd);
            if (*receivedFd >= 0)
                ::close(*receivedFd);
            *receivedFd = fd;
        }
    }
    return n;
}

} // namespace Fcemu::Sandbox::Detail
