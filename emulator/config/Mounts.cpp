#include "Mounts.h"

#include <QDir>
#include <QFileInfo>

namespace Fcemu::Config {

namespace {

// What the image and the sandbox own: binding over them would hide the runtime or the
// sandbox's own /proc, /dev and /sys.
const char *const kSystemFolders[] = {"/bin",   "/boot",   "/dev",  "/etc",  "/lib", "/lib32",
                                      "/lib64", "/libx32", "/proc", "/sbin", "/sys", "/usr"};

} // namespace

bool isSystemPath(const QString &path)
{
    if (path == u"/"_qs)
        return true;
    for (const char *folder : kSystemFolders) {
        const QString f = QString::fromLatin1(folder);
        if (path == f || path.startsWith(f + u'/'))
            return true;
    }
    return false;
}

Result<MountSpec> parseMount(const QString &value)
{
    const auto bad = [&value](const QString &why) {
        return fail(ErrorKind::Usage, u"--mount %1: %2"_qs.arg(value, why));
    };
    QStringList parts = value.split(u':');
    MountSpec mount;
    if (parts.size() == 3 && parts.last() == u"ro"_qs) {
        mount.readOnly = true;
        parts.removeLast();
    } else if (parts.size() == 3 && parts.last() == u"rw"_qs) {
        parts.removeLast();
    }
    if (parts.size() != 2 || parts[0].isEmpty() || parts[1].isEmpty())
        return bad(u"expected HOST_DIR:PATH or HOST_DIR:PATH:ro"_qs);
    const QFileInfo host(parts[0]);
    if (!host.exists())
        return bad(u"the folder "_qs + host.absoluteFilePath() + u" does not exist"_qs);
    if (!host.isDir())
        return bad(host.absoluteFilePath() + u" is not a folder"_qs);
    mount.hostDir = host.canonicalFilePath();
    if (!parts[1].startsWith(u'/'))
        return bad(u"PATH must be absolute (got '"_qs + parts[1] + u"')"_qs);
    mount.path = QDir::cleanPath(parts[1]);
    if (isSystemPath(mount.path))
        return bad(mount.path + u" is one of the image's system folders (/, /bin, /dev, /etc, "
                                u"/lib, /proc, /sys, /usr ...); mount below another folder, "
                                u"e.g. /mnt/data"_qs);
    return mount;
}

} // namespace Fcemu::Config
