#pragma once

// The code that runs in the cloned child to set the sandbox up, before it execs fcemu-init.
//
// Why clone(CLONE_VM|CLONE_VFORK) on a small stack of its own, then exec a static init: a
// fork-style copy of fcemu would duplicate its page tables (measured here: ~30 ms to clone a
// 500 MB process, and as much again to tear the copy down), and the init would keep a
// copy-on-write image of the GUI alive for the life of the instance. Sharing the memory until
// the exec costs nothing whatever fcemu's size, and the init that stays is a small static
// program. The price is posix_spawn's rule: until the exec the child may only make system calls
// on memory the parent prepared (no malloc, no Qt, no locks, no stdio), with signals blocked.
// So everything it needs (paths, file contents, id maps) is in ChildContext, and errors go to
// the parent over the status socket as {errno, message} (crun's sync-socket pattern), never as
// a silent exit.

#include <cstdint>
#include <sched.h>

#include "InitProtocol.h"
#include "MountPlan.h"

namespace Fcemu::Sandbox::Detail {

// Processes and threads per instance (RLIMIT_NPROC; docs/SECURITY.md says why this number).
inline constexpr unsigned long kTaskLimit = 1024;

// The idmapped bind trees (IdmappedBind.h) sit at these descriptors in the child (8 is the
// idmapped rootfs); an AttachTree op names its descriptor.
inline constexpr int kFirstBindTreeFd = 9;
inline constexpr int kMaxBindTrees = 32;

struct ChildContext
{
    const MountPlan *plan = nullptr;
    int statusFd = -1, requestFd = -1, stdoutFd = -1, stderrFd = -1, initExeFd = -1;
    const char *uidMap = nullptr; // "0 1000 1\n"; unused when mapperFd is set
    // Run as root: fcemu writes the id maps (a subordinate range) when asked on this socket and
    // answers with the rootfs as an idmapped mount tree; the child then becomes these ids.
    int mapperFd = -1;
    uint32_t functionUid = 0, functionGid = 0;
    const char *gidMap = nullptr;
    const char *hostname = nullptr;
    uint32_t instanceAddress = 0; // network order; 0 = none
    bool allowOverlay = true;
    const char *workingDir = "/";
    const struct sock_fprog *seccomp = nullptr; // loaded last before the exec; null: none
    char *const *initArgv = nullptr;            // fcemu-init's command line (see InitProtocol.h)
    char *const *envp = nullptr;
    // The instance's cgroup (Cgroup.h): cgroup.procs of each hierarchy, opened by fcemu, written
    // with "0" first thing; then a cgroup namespace of its own. None: no cgroup.
    const int *cgroupProcsFds = nullptr;
    int cgroupProcsCount = 0;
    const cpu_set_t *affinity = nullptr; // the instance's CPUs (nproc = the vCPUs); null: all
    // Run as root: the idmapped NAS folders, moved to kFirstBindTreeFd.. (at most kMaxBindTrees).
    const int *bindTreeFds = nullptr;
    int bindTreeCount = 0;
};

// The clone() entry point: sets up, then execs fcemu-init; returns only on failure (the child's
// exit status), after telling the parent why.
int childSetup(void *context);

// Cuts the bounding set to the function's (Docker's default capabilities) and clears the
// ambient set, as the set-up child does before it execs fcemu-init; `fcemu exec` (Exec.cpp)
// does the same. System calls only. Returns 0, or -1 with errno.
int dropToDefaultCapabilities();

// The user-namespace probe of checkUserNamespaces(): the first steps of childSetup (id maps,
// a tmpfs mount); the exit status is the errno of the step that failed, 0 if none.
struct ProbeMaps
{
    const char *uidMap;
    const char *gidMap;
};
int probeUserNamespace(void *maps);

} // namespace Fcemu::Sandbox::Detail
