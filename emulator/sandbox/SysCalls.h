#pragma once

// System-call spellings the sandbox's host side shares (Instance*.cpp, Exec.cpp): errno names
// in messages, and the pidfd calls glibc 2.36 does not declare usably.

#include <csignal>
#include <cstring>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QString>

#include "common/Error.h"

namespace Fcemu::Sandbox::Detail {

// P_PIDFD (Linux 5.4): linux/wait.h clashes with glibc's idtype_t, so spell it out.
constexpr idtype_t kPidfdIdType = idtype_t(3);

inline QString errnoName(int err)
{
    const char *name = strerrorname_np(err);
    return name != nullptr ? QString::fromLatin1(name) : QString::number(err);
}

// "what: No such file or directory (ENOENT)"
inline QString describeErrno(const QString &what, int err)
{
    return what + u": "_qs + errnoText(err) + u" ("_qs + errnoName(err) + u")"_qs;
}

// glibc 2.36's <sys/pidfd.h> lacks extern "C"; the system call is all we need.
inline int signalPidfd(int pidfd, int sig)
{
    return int(syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

} // namespace Fcemu::Sandbox::Detail
