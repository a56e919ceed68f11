#pragma once

// FC's file storage of a function, as a config file declares it: nasConfig (NAS file systems)
// and ossMountConfig (OSS buckets). fcemu maps them to local folders under --nas-root and
// --oss-root (StorageMounts.h, docs/exec-and-debug.md "NAS and OSS").

#include <cstdint>
#include <optional>

#include <QList>
#include <QString>

namespace Fcemu::Config {

// FC's defaults for `nasConfig: auto` (Serverless Devs fc component): the function's user and
// group, and the folder the automatic file system is mounted at.
inline constexpr uint32_t kNasAutoId = 10003;
inline constexpr char kNasAutoMountDir[] = "/mnt/auto";

struct NasMountPoint
{
    QString serverAddr; // "xxx.cn-hangzhou.nas.aliyuncs.com:/share/sub"
    QString mountDir;   // where the function sees it: "/mnt/nas"
    bool enableTLS = false;
    bool operator==(const NasMountPoint &) const = default;
};

struct NasConfig
{
    // The user and group the function accesses the file system as; unset: not given.
    std::optional<uint32_t> userId, groupId;
    QList<NasMountPoint> mountPoints;
    bool operator==(const NasConfig &) const = default;
};

struct OssMountPoint
{
    QString bucketName;
    QString bucketPath; // folder in the bucket, "/" or empty for the whole bucket
    QString endpoint;
    QString mountDir;
    bool readOnly = false;
    bool operator==(const OssMountPoint &) const = default;
};

struct OssMountConfig
{
    QList<OssMountPoint> mountPoints;
    bool operator==(const OssMountConfig &) const = default;
};

} // namespace Fcemu::Config
