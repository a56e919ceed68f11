#pragma once

// Run as root, the sandbox's ids 0..65535 are a subordinate range (BASE = /etc/subuid's for
// root, else 100000), so a host folder bound inside shows its root-owned files as `nobody`
// and the function cannot write them. For a NAS folder (BindSpec::ownerUid/ownerGid, from
// nasConfig's userId/groupId) fcemu binds an idmapped copy instead: the folder's owner on the
// host is shown as userId:groupId inside, and what the function writes there belongs to that
// owner on the host. Files of other host owners in the folder show as nobody.

#include <vector>

#include <QByteArray>
#include <QString>

#include "Sandbox.h"
#include "common/Error.h"
#include "common/UniqueFd.h"

namespace Fcemu::Sandbox::Detail {

struct IdRange
{
    qulonglong base = 100000, count = 65536;
};

// root's subordinate range in /etc/subuid or /etc/subgid (at least 65536 ids), else the default.
IdRange subordinateRange(const char *file);

// The detached, idmapped copy of each bind with an owner, in spec.binds order (an invalid fd
// for the others). Only run as root. A file system that refuses idmapped mounts gets a plain
// bind and one warning. Errors are ErrorKind::Platform.
Result<std::vector<UniqueFd>> idmappedBindTrees(const SandboxSpec &spec);

} // namespace Fcemu::Sandbox::Detail
