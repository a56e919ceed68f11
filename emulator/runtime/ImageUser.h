#pragma once

#include <QString>

#include "common/Error.h"

namespace Fcemu::Runtime {

struct UserIds
{
    uint32_t uid = 0;
    uint32_t gid = 0;
};

// Resolves the image config's USER ("name", "uid", "name:group", "uid:gid", ...) against the
// image's own /etc/passwd and /etc/group, read inside the unpacked root (never following a
// link out of it). Empty means root, as on FC.
Result<UserIds> resolveImageUser(const QString &user, const QString &rootfs);

} // namespace Fcemu::Runtime
