#pragma once

#include <QString>

#include "common/Error.h"

namespace Fcemu::Image {

// Removes `name` under the directory `parentFd` and everything below it, without following
// symlinks, making read-only directories writable as needed (an image may ship 0555 dirs).
// Returns 0 or -errno.
int removeTreeAt(int parentFd, const char *name);

// Removes a whole host path the same way (staging folders, cache entries).
Status removeAll(const QString &path);

} // namespace Fcemu::Image
