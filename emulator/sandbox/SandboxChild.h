#pragma once

// The code that runs in the cloned child: it sets the sandbox up and then stays as PID 1 (init).
//
// Why no exec of a helper: the child is a copy of fcemu made by clone3 with the CLONE_NEW* flags;
// running the set-up and the init loop right there saves an exec (the largest part of bwrap's
// start-up cost) and needs no helper binary to be found at run time. The price is the rule of
// fork in a multi-threaded process: between clone and the command's exec only async-signal-safe
// calls. So everything the child needs (paths, file contents, argv, envp, id maps) is prepared
// by the parent in ChildContext, and the child only makes system calls on that memory: no
// malloc, no Qt, no stdio, no locks. Errors are sent to the parent over the status socket as
// {errno, message} (crun's sync-socket pattern) and never end in a silent exit.

#include <cstdint>
#include <netinet/in.h>

#include "MountPlan.h"

namespace Fcemu::Sandbox::Detail {

// Fixed descriptor numbers in the child.
inline constexpr int kStatusFd = 3;  // SOCK_SEQPACKET to the parent: ChildMessage
inline constexpr int kRequestFd = 4; // SOCK_SEQPACKET from the parent: ControlRequest
inline constexpr int kStdoutFd = 5;  // write end of the stdout pipe
inline constexpr int kStderrFd = 6;  // write end of the stderr pipe

enum class MessageType : uint32_t {
    Warning = 1,      // set-up went on with a fallback (text says which)
    Error = 2,        // set-up failed: errno + what
    ExecError = 3,    // the command could not be started (chdir or execve): errno + what
    Started = 4,      // the command was exec'd; value = its PID inside
    Exited = 5,       // the command ended; value = its wait status
    ConnectReply = 6, // reply to ControlRequest::Connect; err = 0 comes with an fd (SCM_RIGHTS)
};

struct ChildMessage
{
    MessageType type;
    int32_t err;
    int64_t value;
    char text[488];
};

enum class RequestType : uint32_t { Connect = 1 };

struct ControlRequest
{
    RequestType type;
    uint32_t address; // IPv4, network order
    uint16_t port;
    int32_t timeoutMs;
};

struct ChildContext
{
    const MountPlan *plan = nullptr;
    int statusFd = -1, requestFd = -1, stdoutFd = -1, stderrFd = -1;
    const char *uidMap = nullptr; // "0 1000 1\n"
    const char *gidMap = nullptr;
    const char *hostname = nullptr;
    uint32_t instanceAddress = 0; // network order; 0 = none
    const char *workingDir = "/";
    char *const *argv = nullptr;
    char *const *envp = nullptr;
    const char *const *execCandidates = nullptr; // null-terminated; argv[0] or PATH entries/argv[0]
};

// Runs in the child after clone3; never returns.
[[noreturn]] void childMain(const ChildContext &context);

} // namespace Fcemu::Sandbox::Detail
