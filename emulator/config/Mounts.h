#pragma once

// --mount HOST_DIR:PATH[:ro] (docs/exec-and-debug.md, "Mounts"): a folder of the developer's
// machine bound into the instance at PATH, read-only with ":ro".

#include <QString>

#include "FunctionConfig.h"
#include "common/Error.h"

namespace Fcemu::Config {

// Parses and checks one --mount value: HOST_DIR must be an existing folder (made absolute and
// canonical), PATH absolute and outside the image's system folders (/, /bin, /boot, /dev,
// /etc, /lib*, /proc, /sbin, /sys, /usr and what is below them). Errors are ErrorKind::Usage,
// one line naming the value.
Result<MountSpec> parseMount(const QString &value);

// True when PATH (absolute, clean) is one of the image's system folders or below one.
bool isSystemPath(const QString &path);

} // namespace Fcemu::Config
