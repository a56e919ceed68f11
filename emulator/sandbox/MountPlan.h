#pragma once

// The sandbox's file-system set-up as data (bubblewrap's SetupOp list, bubblewrap.c:123-238):
// buildMountPlan() turns a spec into operations, the child executes them after clone. Keeping
// the list separate makes it unit-testable without namespaces, and lets the child run it with
// system calls only (no allocation after clone: every string is prepared here).

#include <cstdint>
#include <vector>

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace Fcemu::Sandbox {

struct SandboxSpec;

enum class OpType {
    MakeRootPrivate, // mount(NULL, "/", MS_REC|MS_PRIVATE): nothing propagates back to the host
    MountTmpfs,      // tmpfs on dest, options in data
    PivotToScratch, // chdir(dest); mkdir oldroot; pivot_root(".", "oldroot"): host root at /oldroot
    Mkdir,          // mkdir dest (mode), existing is fine
    WriteFile,      // create dest (mode) with data as content
    CreateFile,     // empty file as a bind-mount point
    Symlink,        // symlink(source, dest)
    BindMount,      // bind source on dest (recursive)
    RemountReadOnly, // make the bind on dest read-only, keeping the flags the kernel locked
    MountOverlay,    // overlayfs on dest, options in data; on refusal switch to the fallback ops
    MountProc,       // procfs of the new PID namespace
    MountDevpts,     // devpts newinstance
    MaskPath,        // hide dest: source (/dev/null) bound over a file, a read-only empty tmpfs
                     // over a folder, nothing if dest does not exist (Docker's maskedPaths)
    DetachOldRoot,   // umount2(dest, MNT_DETACH)
    PivotRoot,       // chdir(dest); pivot_root(".", "."); umount2(".", MNT_DETACH); chdir("/")
    MountFs,         // a file system of type source on dest, options in data (cgroup, cgroup2)
    AttachTree, // move_mount the detached tree of descriptor `flags` onto dest (IdmappedBind.h)
};

// When an op runs: always, only when overlayfs was mounted, or only in the fallback.
enum class OpWhen { Always, OverlayOnly, FallbackOnly };

struct SetupOp
{
    OpType type;
    QByteArray source;
    QByteArray dest;
    QByteArray data;
    unsigned long flags = 0; // MS_* for mounts
    unsigned mode = 0;       // for Mkdir/WriteFile/CreateFile
    OpWhen when = OpWhen::Always;
    bool optional = false; // failure is ignored (e.g. devpts where the kernel refuses it)

    // One readable line, used by the unit test and debug logging:
    // "bind /oldroot/dev/null -> /newroot/dev/null".
    QString describe() const;
};

using MountPlan = std::vector<SetupOp>;

// Where the child builds the sandbox: a tmpfs (the writable layer, sized to the disk) mounted on
// the host's /tmp inside the private mount namespace becomes the root for a while, with the host
// root at /oldroot (bubblewrap's trick: sources stay reachable under /oldroot whatever they are).
inline constexpr char kScratch[] = "/tmp";
inline constexpr char kOldRoot[] = "/oldroot";
inline constexpr char kLower[] = "/lower";
inline constexpr char kUpper[] = "/upper";
inline constexpr char kWork[] = "/work";
inline constexpr char kNewRoot[] = "/newroot";

// Generated /etc files.
QByteArray hostsFile(const SandboxSpec &spec);
// With outbound network: the user-mode stack's resolver (Network.h); without: FC's, unreachable.
QByteArray resolvConfFile(bool outboundNetwork = false);

// Validates the spec (absolute rootfs, argv not empty, ...) and builds the plan.
MountPlan buildMountPlan(const SandboxSpec &spec);
QStringList describePlan(const MountPlan &plan);

} // namespace Fcemu::Sandbox
