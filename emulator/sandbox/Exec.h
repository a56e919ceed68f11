#pragma once

// `fcemu exec`: a command (or the image's shell) inside a live instance, entering its user,
// mount, PID, network, UTS, IPC and cgroup namespaces and its cgroup, as the function's user
// with its environment and working folder, under the function's confinement (capabilities cut
// to the function's set, no_new_privs, the same seccomp filter, the task limit).
//
// How: fcemu forks a child (single-threaded, as setns into a user namespace requires) that
// joins the cgroup and the namespaces, then forks the command's process, which lands in the
// instance's PID namespace (its orphans are reaped by the instance's init). fcemu itself stays
// outside and relays the command's input and output; the user's terminal never enters the
// sandbox (TIOCSTI, docs/SECURITY.md): with a TTY the command gets a pseudo-terminal opened in
// the sandbox's own devpts, whose master fcemu holds.

#include <QString>
#include <QStringList>

#include "InstanceRegistry.h"
#include "common/Error.h"

namespace Fcemu::Sandbox {

struct ExecOptions
{
    QStringList command; // empty: the image user's login shell, else /bin/sh
    bool tty = false;    // a pseudo-terminal inside, relayed to stdin/stdout (raw mode)
    int stdinFd = 0, stdoutFd = 1, stderrFd = 2;
};

struct ExecOutcome
{
    // The command's exit status; 128+N when signal N ended it; 126 when it cannot be executed,
    // 127 when it is not found (as shells and `docker exec` say).
    int exitCode = 0;
    QString message; // one line for stderr when the command could not be started; else empty
};

// Runs it and waits for it. Errors: ErrorKind::Usage (the instance has stopped; no shell in the
// image), ErrorKind::Platform (the namespaces or the cgroup cannot be entered).
Result<ExecOutcome> execInInstance(const InstanceRecord &instance, const ExecOptions &options);

} // namespace Fcemu::Sandbox
