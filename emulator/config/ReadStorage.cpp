#include "config/ReadStorage.h"

#include <QDir>
#include <QFileInfo>

#include "config/ConfigReaders.h"
#include "config/Mounts.h"
#include "config/StorageMounts.h"

namespace Fcemu::Config::detail {

namespace {

// Each object of the list o[key], with its path ("nasConfig.mountPoints[0]").
Result<QList<Object>> objectList(const Object &o, const char *key)
{
    QList<Object> items;
    const Json *list = o.get(key);
    if (!list)
        return items;
    if (!list->is_array())
        return std::unexpected(o.error(key, u"expected a list, got "_qs + describe(*list)));
    for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string path = o.pathOf(key) + '[' + std::to_string(i) + ']';
        const Json &item = (*list)[i];
        if (!item.is_object())
            return std::unexpected(
                o.source().error(path, u"expected a mapping, got "_qs + describe(item)));
        items.append(Object(item, path, o.source()));
    }
    return items;
}

// userId/groupId: -1 (Funcraft's and FC2's "none") or absent leave it unset.
Status readId(const Object &o, const char *key, std::optional<uint32_t> &out)
{
    int id = -1;
    if (auto ok = o.readInt(key, id); !ok)
        return ok;
    if (!o.has(key) || id == -1)
        return {};
    if (id < 0 || id > 65534)
        return std::unexpected(o.error(key, u"must be -1 or 0-65534 (got %1)"_qs.arg(id)));
    out = uint32_t(id);
    return {};
}

// A root folder from a file: relative to the file's folder.
QString rootFrom(const Object &o, const QString &value)
{
    if (value.isEmpty() || QDir::isAbsolutePath(value) || o.source().file.isEmpty())
        return value;
    return QDir::cleanPath(QFileInfo(o.source().file).absolutePath() + u'/' + value);
}

} // namespace

Status readNasConfig(const Object &o, const char *key, const QString &autoName, NasConfig &out)
{
    const Json *value = o.get(key);
    if (!value)
        return {};
    if (value->is_string()) {
        if (QString::fromStdString(value->get<std::string>()).trimmed().toLower() != u"auto"_qs)
            return std::unexpected(
                o.error(key, u"expected auto or a mapping, got "_qs + describe(*value)));
        // Serverless Devs creates a file system with a folder for the function (fc3) or the
        // service (fc) and mounts it at /mnt/auto, as user and group 10003.
        out = NasConfig{kNasAutoId, kNasAutoId, {}};
        out.mountPoints.append({u"auto:/"_qs + autoName, QString::fromLatin1(kNasAutoMountDir)});
        return {};
    }
    auto nas = o.object(key);
    if (!nas)
        return std::unexpected(nas.error());
    const Object &n = **nas;
    NasConfig config;
    Status ok;
    collect(ok, readId(n, "userId", config.userId));
    collect(ok, readId(n, "groupId", config.groupId));
    if (!ok)
        return ok;
    auto points = objectList(n, "mountPoints");
    if (!points)
        return std::unexpected(points.error());
    for (const Object &p : *points) {
        NasMountPoint point;
        collect(ok, p.readString("serverAddr", point.serverAddr));
        collect(ok, p.readString("mountDir", point.mountDir));
        collect(ok, p.readBool("enableTLS", point.enableTLS));
        if (!ok)
            return ok;
        if (point.serverAddr.isEmpty() || point.mountDir.isEmpty())
            return std::unexpected(
                p.source().error(p.path(), u"a NAS mount point needs serverAddr and mountDir"_qs));
        if (auto remote = nasRemotePath(point.serverAddr); !remote)
            return std::unexpected(p.error("serverAddr", remote.error().message));
        config.mountPoints.append(point);
    }
    out = config;
    return {};
}

Status readOssMountConfig(const Object &o, const char *key, OssMountConfig &out)
{
    auto oss = o.object(key);
    if (!oss)
        return std::unexpected(oss.error());
    if (!*oss)
        return {};
    auto points = objectList(**oss, "mountPoints");
    if (!points)
        return std::unexpected(points.error());
    OssMountConfig config;
    Status ok;
    for (const Object &p : *points) {
        OssMountPoint point;
        collect(ok, p.readString("bucketName", point.bucketName));
        collect(ok, p.readString("bucketPath", point.bucketPath));
        collect(ok, p.readString("endpoint", point.endpoint));
        collect(ok, p.readString("mountDir", point.mountDir));
        collect(ok, p.readBool("readOnly", point.readOnly));
        if (!ok)
            return ok;
        if (point.bucketName.isEmpty() || point.mountDir.isEmpty())
            return std::unexpected(
                p.source().error(p.path(), u"an OSS mount point needs bucketName and mountDir"_qs));
        if (point.bucketName.contains(u'/') || point.bucketName.startsWith(u'.') ||
            point.bucketPath.split(u'/').contains(u".."_qs))
            return std::unexpected(p.source().error(
                p.path(), u"bucketName may not contain '/' or start with '.', bucketPath may "
                          u"not contain '..'"_qs));
        config.mountPoints.append(point);
    }
    out = config;
    return {};
}

Status readStorageKeys(const Object &o, FunctionConfig &c)
{
    Status ok;
    QStringList mounts;
    collect(ok, o.readStringList("mounts", mounts));
    QString nasRoot, ossRoot;
    collect(ok, o.readString("nasRoot", nasRoot));
    collect(ok, o.readString("ossRoot", ossRoot));
    collect(ok, o.readString("debugArgs", c.debugArgs));
    if (!ok)
        return ok;
    if (o.has("mounts")) {
        // Saved settings: the folders are checked when the function starts (storageIssues()),
        // so a folder removed since does not make the whole settings unreadable.
        c.mounts.clear();
        for (const QString &text : std::as_const(mounts)) {
            QStringList parts = text.split(u':');
            MountSpec mount;
            if (parts.size() == 3 && (parts[2] == u"ro"_qs || parts[2] == u"rw"_qs))
                mount.readOnly = parts.takeLast() == u"ro"_qs;
            if (parts.size() != 2 || parts[0].isEmpty() || !parts[1].startsWith(u'/'))
                return std::unexpected(
                    o.error("mounts", u"expected HOST_DIR:PATH[:ro], got '%1'"_qs.arg(text)));
            mount.hostDir = rootFrom(o, parts[0]);
            mount.path = QDir::cleanPath(parts[1]);
            c.mounts.append(mount);
        }
    }
    if (const Json *ports = o.get("debugPorts")) {
        if (!ports->is_array())
            return std::unexpected(o.error("debugPorts", u"expected a list of ports"_qs));
        c.debugPorts.clear();
        for (const Json &port : *ports) {
            if (!port.is_number_integer() || port.get<int>() < 1 || port.get<int>() > 65535)
                return std::unexpected(o.error("debugPorts", u"expected ports 1-65535"_qs));
            c.debugPorts.append(port.get<int>());
        }
    }
    if (o.has("nasRoot"))
        c.nasRoot = rootFrom(o, nasRoot);
    if (o.has("ossRoot"))
        c.ossRoot = rootFrom(o, ossRoot);
    collect(ok, readNasConfig(o, "nasConfig", c.name, c.nasConfig));
    collect(ok, readOssMountConfig(o, "ossMountConfig", c.ossMountConfig));
    return ok;
}

void writeStorageKeys(const FunctionConfig &c, Json &j)
{
    auto text = [](const QString &s) { return s.toStdString(); };
    if (!c.mounts.isEmpty()) {
        Json list = Json::array();
        for (const MountSpec &mount : c.mounts)
            list.push_back(text(mountText(mount)));
        j["mounts"] = list;
    }
    if (!c.debugPorts.isEmpty()) {
        Json list = Json::array();
        for (int port : c.debugPorts)
            list.push_back(port);
        j["debugPorts"] = list;
    }
    if (!c.debugArgs.isEmpty())
        j["debugArgs"] = text(c.debugArgs);
    if (!c.nasRoot.isEmpty())
        j["nasRoot"] = text(c.nasRoot);
    if (!c.ossRoot.isEmpty())
        j["ossRoot"] = text(c.ossRoot);
    if (c.nasConfig != NasConfig()) {
        Json nas = Json::object();
        if (c.nasConfig.userId)
            nas["userId"] = *c.nasConfig.userId;
        if (c.nasConfig.groupId)
            nas["groupId"] = *c.nasConfig.groupId;
        Json points = Json::array();
        for (const NasMountPoint &p : c.nasConfig.mountPoints)
            points.push_back({{"serverAddr", text(p.serverAddr)},
                              {"mountDir", text(p.mountDir)},
                              {"enableTLS", p.enableTLS}});
        nas["mountPoints"] = points;
        j["nasConfig"] = nas;
    }
    if (c.ossMountConfig != OssMountConfig()) {
        Json points = Json::array();
        for (const OssMountPoint &p : c.ossMountConfig.mountPoints)
            points.push_back({{"bucketName", text(p.bucketName)},
                              {"bucketPath", text(p.bucketPath)},
                              {"endpoint", text(p.endpoint)},
                              {"mountDir", text(p.mountDir)},
                              {"readOnly", p.readOnly}});
        j["ossMountConfig"] = {{"mountPoints", points}};
    }
}

} // namespace Fcemu::Config::detail
