#pragma once

#include <QByteArray>
#include <QByteArrayList>

#include "common/UniqueFd.h"

namespace Fcemu::Image {

// Kernel-enforced path resolution under a directory fd. Untrusted names are never joined into
// host paths: every lookup starts at a root fd and stays under it.
//   InRoot  - like chroot: "/" and ".." are clamped to the root, symlinks inside the root are
//             followed (container images need `lib -> usr/lib` and `lib64 -> /usr/lib`).
//   Beneath - anything that would leave the root ("..", absolute symlinks) fails with EXDEV.
// Uses openat2(2) (RESOLVE_IN_ROOT / RESOLVE_BENEATH) and, on kernels before 5.6, a component
// walk with O_PATH|O_NOFOLLOW and a hop limit (what filepath-securejoin and os.Root do).
namespace InRoot {

enum class Mode { InRoot, Beneath };

// Opens `path` (relative to rootFd) with `flags`. Returns -errno on failure.
// A final symlink is followed unless flags has O_NOFOLLOW.
int open(int rootFd, const QByteArray &path, int flags, Mode mode = Mode::InRoot);

inline UniqueFd openFd(int rootFd, const QByteArray &path, int flags, Mode mode = Mode::InRoot)
{
    const int fd = open(rootFd, path, flags, mode);
    return UniqueFd(fd >= 0 ? fd : -1);
}

// For tests: resolve with the component walk even where openat2 exists.
void forceFallback(bool on);
bool usingOpenat2();

// Splits an archive member name into clean components: leading "/" and "./" dropped, empty and
// "." components dropped. Returns false if a component is "..".
bool cleanComponents(const QByteArray &name, QByteArrayList *components);

} // namespace InRoot
} // namespace Fcemu::Image
