#include "FileTree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QFile>
#include <QFileInfo>

#include "common/UniqueFd.h"

namespace Fcemu::Image {

namespace {

int emptyDirectory(int dirFd, int depth)
{
    if (depth > 4096)
        return -ELOOP;
    UniqueFd listFd(::openat(dirFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!listFd)
        return -errno;
    DIR *dir = ::fdopendir(listFd.release());
    if (!dir)
        return -errno;
    int result = 0;
    while (dirent *e = ::readdir(dir)) {
        const char *n = e->d_name;
        if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0)))
            continue;
        bool isDir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN) {
            struct stat st;
            isDir = ::fstatat(dirFd, n, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
        }
        if (isDir) {
            UniqueFd child(::openat(dirFd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!child && errno == EACCES) {
                // n is a directory here, not a symlink; if this fails, the openat below says so.
                [[maybe_unused]] const int chmodded = ::fchmodat(dirFd, n, 0700, 0);
                child.reset(::openat(dirFd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            }
            if (!child) {
                result = -errno;
                break;
            }
            ::fchmod(child.get(), 0700);
            if (int r = emptyDirectory(child.get(), depth + 1); r != 0) {
                result = r;
                break;
            }
            if (::unlinkat(dirFd, n, AT_REMOVEDIR) != 0) {
                result = -errno;
                break;
            }
        } else if (::unlinkat(dirFd, n, 0) != 0) {
            result = -errno;
            break;
        }
    }
    ::closedir(dir);
    return result;
}

} // namespace

int removeTreeAt(int parentFd, const char *name)
{
    if (::unlinkat(parentFd, name, 0) == 0)
        return 0;
    if (errno == ENOENT)
        return 0;
    if (errno != EISDIR && errno != EPERM)
        return -errno;
    UniqueFd dir(::openat(parentFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir && errno == EACCES) {
        [[maybe_unused]] const int chmodded = ::fchmodat(parentFd, name, 0700, 0); // see above
        dir.reset(::openat(parentFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    }
    if (!dir)
        return -errno;
    ::fchmod(dir.get(), 0700);
    if (int r = emptyDirectory(dir.get(), 0); r != 0)
        return r;
    return ::unlinkat(parentFd, name, AT_REMOVEDIR) == 0 ? 0 : -errno;
}

Status removeAll(const QString &path)
{
    const QFileInfo info(path);
    const QByteArray parent = QFile::encodeName(info.absolutePath());
    const QByteArray name = QFile::encodeName(info.fileName());
    UniqueFd parentFd(::open(parent.constData(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!parentFd)
        return errno == ENOENT ? Status{} : fail(ErrorKind::Io, path + u": "_qs + errnoText(errno));
    if (int r = removeTreeAt(parentFd.get(), name.constData()); r != 0)
        return fail(ErrorKind::Io, path + u": cannot remove: "_qs + errnoText(-r));
    return {};
}

} // namespace Fcemu::Image
