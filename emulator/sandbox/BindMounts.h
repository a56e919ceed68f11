#pragma once

// Host folders bound into the sandbox (SandboxSpec::binds: --mount, NAS and OSS folders), as
// set-up operations run before the host root is detached: the mount point's folders made in
// the new root (the writable layer), the folder bound from /oldroot, then remounted nosuid,
// nodev and, when asked, read-only.

#include <vector>

#include "MountPlan.h"
#include "Sandbox.h"
#include "common/Error.h"

namespace Fcemu::Sandbox {

// Error (Usage): a source that is not an existing folder, a target that is not absolute, or a
// target whose path in the image crosses a symlink (the set-up would follow it out of the new
// root, onto the host under /oldroot).
// `trees` (run as root, IdmappedBind.h): per bind, an idmapped copy to attach instead of a plain
// bind; the k-th valid one is attached from descriptor kFirstBindTreeFd + k.
Result<std::vector<SetupOp>> bindMountOps(const SandboxSpec &spec,
                                          const std::vector<UniqueFd> &trees = {});

} // namespace Fcemu::Sandbox
