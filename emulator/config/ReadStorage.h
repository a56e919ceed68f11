#pragma once

// Internal to emulator/config: nasConfig and ossMountConfig as config files write them
// (FC3's NASConfig/OSSMountConfig shapes; the fc component's service has the same ones), and
// fcemu's own keys for the roots and mounts (toJson()'s shape).

#include "config/ConfigTree.h"

namespace Fcemu::Config::detail {

// nasConfig: {userId, groupId, mountPoints: [{serverAddr, mountDir, enableTLS}]}, or "auto"
// (FC's automatic file system: userId/groupId 10003, autoName's folder at /mnt/auto).
// A userId/groupId of -1 is "not given".
Status readNasConfig(const Object &o, const char *key, const QString &autoName, NasConfig &out);
// ossMountConfig: {mountPoints: [{bucketName, bucketPath, endpoint, mountDir, readOnly}]}.
Status readOssMountConfig(const Object &o, const char *key, OssMountConfig &out);
// toJson()'s keys: mounts, debugPorts, debugArgs, nasRoot, ossRoot, nasConfig, ossMountConfig.
// A relative root is taken from the file's folder when the tree comes from a file.
Status readStorageKeys(const Object &o, FunctionConfig &c);
// Writes them (only what is set).
void writeStorageKeys(const FunctionConfig &c, Json &j);

} // namespace Fcemu::Config::detail
