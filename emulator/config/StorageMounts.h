#pragma once

// NAS and OSS mapped to local folders (--nas-root DIR, --oss-root DIR; docs/exec-and-debug.md,
// "NAS and OSS"). They are bind mounts like --mount's:
//   nasConfig mount point "xxx.nas.aliyuncs.com:/share/sub" at mountDir -> NAS_ROOT/share/sub
//   ossMountConfig mount point {bucketName, bucketPath} at mountDir   -> OSS_ROOT/bucket/path
// A NAS folder is shown as owned by nasConfig's userId:groupId where the sandbox can (run as
// root); an OSS mount point with readOnly is bound read-only.

#include <QList>
#include <QString>
#include <QStringList>

#include "FunctionConfig.h"
#include "common/Error.h"

namespace Fcemu::Config {

// The path on the file system of a NAS serverAddr, relative: "h.nas.aliyuncs.com:/share/sub"
// -> "share/sub", "h:/" -> "". Error (Usage) for an address without ":/" or with "..".
Result<QString> nasRemotePath(const QString &serverAddr);

// The folders the config's NAS and OSS mount points map to, as mounts (empty for a kind whose
// root is not set). Error (Usage, one line naming the mount point and the folder): a missing
// local folder, a mountDir that is not absolute or is a system folder (Mounts.h).
Result<QList<MountSpec>> storageMounts(const FunctionConfig &config);

// Every problem of the mounts a function would get (--mount folders that no longer exist, then
// storageMounts()'s), each with the toJson() field it belongs to: "mounts", "nasRoot",
// "ossRoot". Empty when they are fine.
struct StorageIssue
{
    QString field;
    QString message;
};
QList<StorageIssue> storageIssues(const FunctionConfig &config);

// Drops the "nasConfig: ignored ..." ("ossMountConfig: ...") lines from ignoredProperties once
// nasRoot (ossRoot) is set: the property is then applied.
void dropMappedStorageFromIgnored(FunctionConfig &config);

// "HOST_DIR:PATH" or "HOST_DIR:PATH:ro", as --mount takes it.
QString mountText(const MountSpec &mount);

} // namespace Fcemu::Config
