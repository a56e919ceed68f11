#pragma once

// The wire protocol between fcemu and the sandbox's init (fcemu-init), over two
// SOCK_SEQPACKET sockets. Plain C++ (no Qt): fcemu-init is a small static program.

#include <cstdint>

namespace Fcemu::Sandbox::Detail {

// Fixed descriptor numbers in the sandbox set-up child and in fcemu-init.
inline constexpr int kStatusFd = 3;  // to fcemu: ChildMessage
inline constexpr int kRequestFd = 4; // from fcemu: ControlRequest; replies: ChildMessage
inline constexpr int kStdoutFd = 5;  // write end of the stdout pipe
inline constexpr int kStderrFd = 6;  // write end of the stderr pipe
inline constexpr int kInitExeFd = 7; // O_PATH fd of fcemu-init (set-up child only)

enum class MessageType : uint32_t {
    Warning = 1,      // set-up went on with a fallback (value 1: overlayfs refused)
    Error = 2,        // set-up failed: errno + what
    ExecError = 3,    // the command could not be started (chdir or execve): errno + what
    Started = 4,      // the command was exec'd; value = its PID inside
    Exited = 5,       // the command ended; value = its wait status, err = its peak RSS in KiB
    ConnectReply = 6, // reply to ControlRequest::Connect; err = 0 comes with an fd (SCM_RIGHTS)
};

struct ChildMessage
{
    MessageType type;
    int32_t err;
    int64_t value;
    char text[488];
};

// Go: fcemu-init started with -w waits for it before it starts the command (the outbound network
// is up).
enum class RequestType : uint32_t { Connect = 1, Go = 2 };

struct ControlRequest
{
    RequestType type;
    uint32_t address; // IPv4, network order
    uint16_t port;
    int32_t timeoutMs;
};

// fcemu-init's command line: fcemu-init [-w] N CANDIDATE_1..CANDIDATE_N -- ARGV...
// (the candidates are the paths to try for argv[0], from PATH). Its environment is the
// command's, exactly.

} // namespace Fcemu::Sandbox::Detail
