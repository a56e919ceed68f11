#include "config/StorageMounts.h"

#include <QDir>
#include <QFileInfo>

#include "config/Mounts.h"

namespace Fcemu::Config {

namespace {

// The local folder of a mount point, or an error naming both.
Result<QString> existingFolder(const QString &what, const QString &folder, const QString &flag)
{
    const QFileInfo info(folder);
    if (!info.exists())
        return fail(ErrorKind::Usage, u"%1: the folder %2 does not exist; create it or pass "
                                      u"another %3"_qs.arg(what, QDir::cleanPath(folder), flag));
    if (!info.isDir())
        return fail(ErrorKind::Usage,
                    u"%1: %2 is not a folder"_qs.arg(what, QDir::cleanPath(folder)));
    return info.canonicalFilePath();
}

// mountDir: absolute, clean, not over the image's system folders.
Result<QString> mountDirOf(const QString &what, const QString &mountDir)
{
    if (!mountDir.startsWith(u'/'))
        return fail(ErrorKind::Usage,
                    u"%1: mountDir must be an absolute path (got '%2')"_qs.arg(what, mountDir));
    const QString path = QDir::cleanPath(mountDir);
    if (isSystemPath(path))
        return fail(ErrorKind::Usage,
                    u"%1: %2 is one of the image's system folders; FC mounts below /mnt or "
                    u"/home"_qs.arg(what, path));
    return path;
}

// "resources.fn.props.nasConfig: ignored by fcemu (...)" for key "nasConfig".
bool isIgnoredLine(const QString &line, const QString &key)
{
    const qsizetype end = line.indexOf(u": ignored by fcemu"_qs);
    if (end < 0)
        return false;
    const QString path = line.left(end);
    return path == key || path.endsWith(u'.' + key);
}

} // namespace

Result<QString> nasRemotePath(const QString &serverAddr)
{
    const qsizetype colon = serverAddr.indexOf(u":/"_qs);
    if (colon <= 0)
        return fail(
            ErrorKind::Usage,
            u"'%1' is not a NAS address such as xxx.nas.aliyuncs.com:/share"_qs.arg(serverAddr));
    const QString remote = serverAddr.mid(colon + 1);
    if (remote.split(u'/').contains(u".."_qs))
        return fail(ErrorKind::Usage, u"'%1': the path may not contain '..'"_qs.arg(serverAddr));
    QString path = QDir::cleanPath(remote);
    while (path.startsWith(u'/'))
        path.remove(0, 1);
    return path;
}

Result<QList<MountSpec>> storageMounts(const FunctionConfig &c)
{
    QList<MountSpec> mounts;
    if (!c.nasRoot.isEmpty()) {
        for (const NasMountPoint &point : c.nasConfig.mountPoints) {
            const QString what =
                u"nasConfig mount point %1 (at %2)"_qs.arg(point.serverAddr, point.mountDir);
            auto remote = nasRemotePath(point.serverAddr);
            if (!remote)
                return fail(ErrorKind::Usage, u"nasConfig: "_qs + remote.error().message);
            auto path = mountDirOf(what, point.mountDir);
            if (!path)
                return std::unexpected(path.error());
            auto folder = existingFolder(what, c.nasRoot + u'/' + *remote, u"--nas-root"_qs);
            if (!folder)
                return std::unexpected(folder.error());
            MountSpec mount{*folder, *path, false, c.nasConfig.userId, c.nasConfig.groupId};
            // One id given: the other follows it, as a user's own group usually does.
            if (mount.ownerUid && !mount.ownerGid)
                mount.ownerGid = mount.ownerUid;
            if (mount.ownerGid && !mount.ownerUid)
                mount.ownerUid = mount.ownerGid;
            mounts.append(mount);
        }
    }
    if (!c.ossRoot.isEmpty()) {
        for (const OssMountPoint &point : c.ossMountConfig.mountPoints) {
            const QString what = u"ossMountConfig mount point %1%2 (at %3)"_qs.arg(
                point.bucketName,
                point.bucketPath.startsWith(u'/') || point.bucketPath.isEmpty()
                    ? point.bucketPath
                    : u'/' + point.bucketPath,
                point.mountDir);
            auto path = mountDirOf(what, point.mountDir);
            if (!path)
                return std::unexpected(path.error());
            auto folder =
                existingFolder(what, c.ossRoot + u'/' + point.bucketName + u'/' + point.bucketPath,
                               u"--oss-root"_qs);
            if (!folder)
                return std::unexpected(folder.error());
            mounts.append(MountSpec{*folder, *path, point.readOnly, {}, {}});
        }
    }
    return mounts;
}

QList<StorageIssue> storageIssues(const FunctionConfig &c)
{
    QList<StorageIssue> issues;
    for (const MountSpec &mount : c.mounts) {
        if (!QFileInfo(mount.hostDir).isDir())
            issues.append({u"mounts"_qs, u"--mount %1: the folder %2 does not exist"_qs.arg(
                                             mountText(mount), mount.hostDir)});
    }
    for (const auto &[root, field] :
         {std::pair{c.nasRoot, u"nasRoot"_qs}, std::pair{c.ossRoot, u"ossRoot"_qs}}) {
        if (!root.isEmpty() && !QFileInfo(root).isDir())
            issues.append(
                {field, u"--%1 %2: the folder does not exist"_qs.arg(
                            field == u"nasRoot"_qs ? u"nas-root"_qs : u"oss-root"_qs, root)});
    }
    if (!issues.isEmpty())
        return issues;
    if (auto mounts = storageMounts(c); !mounts) {
        const QString &message = mounts.error().message;
        issues.append({message.startsWith(u"oss"_qs) ? u"ossRoot"_qs : u"nasRoot"_qs, message});
    }
    return issues;
}

void dropMappedStorageFromIgnored(FunctionConfig &c)
{
    c.ignoredProperties.removeIf([&c](const QString &line) {
        return (!c.nasRoot.isEmpty() && isIgnoredLine(line, u"nasConfig"_qs)) ||
               (!c.ossRoot.isEmpty() && isIgnoredLine(line, u"ossMountConfig"_qs));
    });
}

QString mountText(const MountSpec &mount)
{
    return mount.hostDir + u':' + mount.path + (mount.readOnly ? u":ro"_qs : QString());
}

} // namespace Fcemu::Config
