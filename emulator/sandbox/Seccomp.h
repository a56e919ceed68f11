#pragma once

// The sandbox's default seccomp filter, modelled on Docker's default profile (moby's
// profiles/seccomp/default.json, for a container without CAP_SYS_ADMIN): what Docker refuses, the
// function is refused with EPERM. Built once with libseccomp and exported as classic BPF, which
// the set-up child loads last before it execs fcemu-init (it may not allocate; see
// SandboxChild.h). docs/SECURITY.md lists the calls and why.

#include <linux/filter.h>

#include <QString>

#include "common/Error.h"

namespace Fcemu::Sandbox::Detail {

// The program, built on first use and kept for the life of the process; an Error (Platform)
// when libseccomp refuses.
Result<const sock_fprog *> defaultSeccompFilter();

} // namespace Fcemu::Sandbox::Detail
