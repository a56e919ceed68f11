#include "ImageCache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QStandardPaths>

#include <nlohmann/json.hpp>

#include "FileTree.h"
#include "common/Units.h"

namespace Fcemu::Image {

namespace {

using json = nlohmann::json;

constexpr char cacheVersion[] = "v1";

json toJson(const QStringList &list)
{
    json out = json::array();
    for (const QString &s : list)
        out.push_back(s.toStdString());
    return out;
}

QStringList toList(const json &j)
{
    QStringList out;
    if (j.is_array())
        for (const json &v : j)
            if (v.is_string())
                out.append(QString::fromStdString(v.get<std::string>()));
    return out;
}

QString jstr(const json &j, const char *key)
{
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                            : QString();
}

Status writeFileAtomically(const QString &path, const QByteArray &data)
{
    QFile file(path + u".tmp"_qs);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(data) != data.size() ||
        !file.flush())
        return fail(ErrorKind::Io, path + u": "_qs + file.errorString());
    file.close();
    if (::rename(QFile::encodeName(file.fileName()).constData(),
                 QFile::encodeName(path).constData()) != 0)
        return fail(ErrorKind::Io, path + u": "_qs + errnoText(errno));
    return {};
}

// A write into the cache failed for want of space (ENOSPC, or EDQUOT under a quota). The
// machine's fault, not the image's: CONTRACT §1.3 "cache disk full" exits 4 (Platform), with the
// folder and the space the image needs, so the user knows what to free.
bool outOfSpace(const Error &error)
{
    return error.message.contains(errnoText(ENOSPC)) || error.message.contains(errnoText(EDQUOT));
}

Error diskFull(const QString &cacheDir, const ImageSource &source, const ImageInfo &info)
{
    qint64 needed = 0;
    for (const LayerInfo &layer : info.layers) {
        if (auto size = uncompressedSizeOf(source, layer))
            needed += size->first;
        else
            needed += layer.compressedSize;
    }
    struct statvfs fs
    {
    };
    QString freeText;
    if (::statvfs(QFile::encodeName(cacheDir).constData(), &fs) == 0)
        freeText = u", "_qs + formatBytes(quint64(fs.f_bavail) * fs.f_frsize) + u" free"_qs;
    return Error{
        ErrorKind::Platform,
        cacheDir + u": no space left for the image cache: the image needs "_qs +
            formatBytes(quint64(needed)) + u" unpacked"_qs + freeText +
            u" (free some space, run `fcemu image cache prune`, or set FCEMU_CACHE_DIR)"_qs};
}

} // namespace

qint64 treeSize(const QString &path)
{
    qint64 total = 0;
    QDirIterator it(path, QDir::Files | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        const QFileInfo info = it.fileInfo();
        if (!info.isSymLink())
            total += info.size();
    }
    return total;
}

ImageCache::ImageCache(const QString &directory) : m_dir(directory) {}

QString ImageCache::defaultDirectory()
{
    const QString env = qEnvironmentVariable("FCEMU_CACHE_DIR");
    if (!env.isEmpty())
        return QDir(env).absolutePath();
    QString base = QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation);
    if (base.isEmpty())
        base = QDir::homePath() + u"/.cache"_qs;
    return base + u"/fcemu"_qs;
}

QString ImageCache::keyFor(const ImageInfo &info)
{
    return QLatin1StringView(cacheVersion) + u'-' + info.chainId.algorithm + u'-' +
           info.chainId.hex;
}

Result<UniqueFd> ImageCache::lockFile(const QString &key, int operation) const
{
    const QString dir = m_dir + u"/locks"_qs;
    if (!QDir().mkpath(dir))
        return fail(ErrorKind::Io, dir + u": cannot create the cache folder"_qs);
    const QByteArray path = QFile::encodeName(dir + u'/' + key + u".lock");
    UniqueFd fd(::open(path.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd)
        return fail(ErrorKind::Io, QFile::decodeName(path) + u": "_qs + errnoText(errno));
    while (::flock(fd.get(), operation) != 0) {
        if (errno == EINTR)
            continue;
        if (errno == EWOULDBLOCK)
            return UniqueFd();
        return fail(ErrorKind::Io, QFile::decodeName(path) + u": "_qs + errnoText(errno));
    }
    return fd;
}

std::optional<CacheEntry> ImageCache::readEntry(const QString &key) const
{
    const QString path = m_dir + u"/images/"_qs + key;
    QFile meta(path + u"/meta.json"_qs);
    if (!meta.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray data = meta.readAll();
    const json j = json::parse(data.constBegin(), data.constEnd(), nullptr, false);
    if (!j.is_object())
        return std::nullopt;
    CacheEntry e;
    e.key = key;
    e.path = path;
    e.rootfs = path + u"/rootfs"_qs;
    e.reference = jstr(j, "reference");
    e.source = jstr(j, "source");
    e.uncompressedSize = j.value("uncompressedSize", qint64(0));
    e.compressedSize = j.value("compressedSize", qint64(0));
    e.unpackMs = j.value("unpackMs", 0.0);
    e.created = QDateTime::fromString(jstr(j, "created"), Qt::ISODateWithMs);
    e.lastUsed = QFileInfo(path + u"/meta.json"_qs).lastModified();
    if (const auto c = j.find("config"); c != j.end() && c->is_object()) {
        e.config.architecture = jstr(*c, "architecture");
        e.config.os = jstr(*c, "os");
        e.config.entrypoint = toList(c->value("Entrypoint", json::array()));
        e.config.cmd = toList(c->value("Cmd", json::array()));
        e.config.env = toList(c->value("Env", json::array()));
        e.config.workingDir = jstr(*c, "WorkingDir");
        e.config.user = jstr(*c, "User");
        e.config.exposedPorts = toList(c->value("ExposedPorts", json::array()));
    }
    return e;
}

std::optional<CacheEntry> ImageCache::lookup(const ImageInfo &info) const
{
    return readEntry(keyFor(info));
}

Result<EnsureResult> ImageCache::ensure(const ImageSource &source, const ImageInfo &info,
                                        const UnpackOptions &options)
{
    const QString key = keyFor(info);
    EnsureResult result;
    // Fast path: a published entry, leased with a shared lock.
    auto shared = lockFile(key, LOCK_SH);
    if (!shared)
        return std::unexpected(shared.error());
    if (auto e = readEntry(key)) {
        ::utimensat(AT_FDCWD, QFile::encodeName(e->path + u"/meta.json"_qs).constData(), nullptr,
                    0);
        result.entry = *e;
        result.hit = true;
        result.lease = CacheLease(std::move(*shared));
        return result;
    }
    shared->reset();
    // Slow path: one unpacker per key; a second process waits here and then finds the entry.
    auto exclusive = lockFile(key, LOCK_EX);
    if (!exclusive)
        return std::unexpected(exclusive.error());
    if (auto e = readEntry(key)) {
        result.entry = *e;
        result.hit = true;
    } else {
        const QString staging = m_dir + u"/staging"_qs;
        QDir().mkpath(staging);
        QDir().mkpath(m_dir + u"/images"_qs);
        QByteArray tmpl = QFile::encodeName(staging + u'/' + key + u".XXXXXX");
        if (!::mkdtemp(tmpl.data())) {
            if (errno == ENOSPC || errno == EDQUOT)
                return std::unexpected(diskFull(m_dir, source, info));
            return fail(ErrorKind::Io,
                        staging + u": cannot create a staging folder: "_qs + errnoText(errno));
        }
        const QString stagingDir = QFile::decodeName(tmpl);
        const QString rootfs = stagingDir + u"/rootfs"_qs;
        QElapsedTimer timer;
        timer.start();
        auto unpacked = [&]() -> Result<UnpackReport> {
            if (::mkdir(QFile::encodeName(rootfs).constData(), 0755) != 0)
                return fail(ErrorKind::Io, rootfs + u": "_qs + errnoText(errno));
            UniqueFd rootFd(
                ::open(QFile::encodeName(rootfs).constData(), O_PATH | O_DIRECTORY | O_CLOEXEC));
            if (!rootFd)
                return fail(ErrorKind::Io, rootfs + u": "_qs + errnoText(errno));
            return unpackLayers(source, info, rootFd.get(), options);
        }();
        if (!unpacked) {
            removeAll(stagingDir);
            if (outOfSpace(unpacked.error()))
                return std::unexpected(diskFull(m_dir, source, info));
            return std::unexpected(unpacked.error());
        }
        result.unpackMs = double(timer.nsecsElapsed()) / 1e6;
        result.report = *unpacked;
        json meta;
        meta["reference"] = info.reference.toStdString();
        meta["source"] = QFileInfo(source.path()).absoluteFilePath().toStdString();
        meta["format"] = formatName(info.format).toStdString();
        meta["chainId"] = info.chainId.toString().toStdString();
        meta["compressedSize"] = info.compressedSize();
        meta["uncompressedSize"] = unpacked->uncompressedSize;
        meta["unpackMs"] = result.unpackMs;
        meta["created"] = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toStdString();
        json layers = json::array();
        for (int i = 0; i < info.layers.size(); ++i)
            layers.push_back({{"diffId", info.layers[i].diffId.toString().toStdString()},
                              {"compression", unpacked->layers[i].compression.toStdString()},
                              {"compressedSize", info.layers[i].compressedSize},
                              {"uncompressedSize", unpacked->layers[i].uncompressedSize}});
        meta["layers"] = layers;
        const ImageConfig &c = info.config;
        meta["config"] = {{"architecture", c.architecture.toStdString()},
                          {"os", c.os.toStdString()},
                          {"Entrypoint", toJson(c.entrypoint)},
                          {"Cmd", toJson(c.cmd)},
                          {"Env", toJson(c.env)},
                          {"WorkingDir", c.workingDir.toStdString()},
                          {"User", c.user.toStdString()},
                          {"ExposedPorts", toJson(c.exposedPorts)}};
        if (auto w = writeFileAtomically(stagingDir + u"/meta.json"_qs,
                                         QByteArray::fromStdString(meta.dump(2)));
            !w) {
            removeAll(stagingDir);
            if (outOfSpace(w.error()))
                return std::unexpected(diskFull(m_dir, source, info));
            return std::unexpected(w.error());
        }
        // Publish: one rename makes the whole entry appear at once.
        const QString finalPath = m_dir + u"/images/"_qs + key;
        if (QFileInfo::exists(finalPath) && !QFileInfo::exists(finalPath + u"/meta.json"_qs)) {
            // Not ours (we publish whole entries with one rename): a tampered or foreign
            // folder. Never trust it; move it out of the way.
            const QString broken = staging + u'/' + key + u".broken";
            removeAll(broken);
            ::rename(QFile::encodeName(finalPath).constData(),
                     QFile::encodeName(broken).constData());
            removeAll(broken);
        }
        if (::rename(QFile::encodeName(stagingDir).constData(),
                     QFile::encodeName(finalPath).constData()) != 0) {
            const int err = errno;
            removeAll(stagingDir);
            if (err != ENOTEMPTY && err != EEXIST)
                return fail(ErrorKind::Io,
                            finalPath + u": cannot publish the cache entry: "_qs + errnoText(err));
        }
        auto published = readEntry(key);
        if (!published)
            return fail(ErrorKind::Io, finalPath + u": cache entry unreadable after publishing"_qs);
        result.entry = *published;
    }
    // Downgrade to a shared lease for the caller.
    ::flock(exclusive->get(), LOCK_SH);
    result.lease = CacheLease(std::move(*exclusive));
    return result;
}

QList<CacheEntry> ImageCache::list() const
{
    QList<CacheEntry> out;
    const QDir images(m_dir + u"/images"_qs);
    for (const QString &key : images.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
        if (auto e = readEntry(key))
            out.append(*e);
    return out;
}

Result<VerifyReport> ImageCache::verify()
{
    VerifyReport report;
    const QDir images(m_dir + u"/images"_qs);
    for (const QString &key : images.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        ++report.checked;
        const QString path = images.filePath(key);
        QString problem;
        QFile meta(path + u"/meta.json"_qs);
        json j;
        if (meta.open(QIODevice::ReadOnly)) {
            const QByteArray data = meta.readAll();
            j = json::parse(data.constBegin(), data.constEnd(), nullptr, false);
        }
        if (!j.is_object()) {
            problem = u"no readable meta.json"_qs;
        } else if (!QFileInfo(path + u"/rootfs"_qs).isDir()) {
            problem = u"no rootfs folder"_qs;
        } else {
            const QString chainId = jstr(j, "chainId");
            const QString expected =
                QLatin1StringView(cacheVersion) + u'-' + QString(chainId).replace(u':', u'-');
            if (chainId.isEmpty() || expected != key)
                problem = u"its folder name is not the key of its content ("_qs +
                          (chainId.isEmpty() ? u"no chainId"_qs : chainId) + u')';
        }
        if (problem.isEmpty())
            continue;
        auto lock = lockFile(key, LOCK_EX | LOCK_NB);
        if (!lock)
            return std::unexpected(lock.error());
        if (!lock->valid()) {
            ++report.busy;
            report.problems.append(key + u": "_qs + problem + u" (in use, kept)"_qs);
            continue;
        }
        const QString doomed = m_dir + u"/staging/"_qs + key + u".damaged";
        QDir().mkpath(m_dir + u"/staging"_qs);
        removeAll(doomed);
        if (::rename(QFile::encodeName(path).constData(), QFile::encodeName(doomed).constData()) !=
            0)
            return fail(ErrorKind::Io, path + u": "_qs + errnoText(errno));
        if (auto r = removeAll(doomed); !r)
            return std::unexpected(r.error());
        ++report.removed;
        report.problems.append(key + u": "_qs + problem);
    }
    const QDir staging(m_dir + u"/staging"_qs);
    for (const QString &name : staging.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QString key = name.section(u'.', 0, 0);
        auto lock = lockFile(key, LOCK_EX | LOCK_NB);
        if (lock && lock->valid()) {
            if (auto r = removeAll(staging.filePath(name)); !r)
                return std::unexpected(r.error());
            ++report.removed;
            report.problems.append(name + u": unfinished unpack left by a killed process"_qs);
        }
    }
    return report;
}

Result<PruneReport> ImageCache::prune()
{
    PruneReport report;
    const QDir images(m_dir + u"/images"_qs);
    for (const QString &key : images.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        auto lock = lockFile(key, LOCK_EX | LOCK_NB);
        if (!lock)
            return std::unexpected(lock.error());
        if (!lock->valid()) {
            ++report.busy;
            continue;
        }
        const QString path = images.filePath(key);
        const qint64 size = treeSize(path);
        // Move aside first so a reader never sees a half-deleted entry.
        const QString doomed = m_dir + u"/staging/"_qs + key + u".pruned";
        QDir().mkpath(m_dir + u"/staging"_qs);
        removeAll(doomed);
        if (::rename(QFile::encodeName(path).constData(), QFile::encodeName(doomed).constData()) !=
            0)
            return fail(ErrorKind::Io, path + u": "_qs + errnoText(errno));
        if (auto r = removeAll(doomed); !r)
            return std::unexpected(r.error());
        ++report.removed;
        report.bytesFreed += size;
    }
    // Staging folders left by a crash: remove those whose key nobody is unpacking now.
    const QDir staging(m_dir + u"/staging"_qs);
    for (const QString &name : staging.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QString key = name.section(u'.', 0, 0);
        auto lock = lockFile(key, LOCK_EX | LOCK_NB);
        if (lock && lock->valid())
            removeAll(staging.filePath(name));
    }
    return report;
}

Result<UnpackReport> unpackToDirectory(const ImageSource &source, const ImageInfo &info,
                                       const QString &directory, const UnpackOptions &options)
{
    const QFileInfo target(directory);
    if (target.exists() &&
        !(target.isDir() && QDir(directory).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot |
                                                    QDir::Hidden | QDir::System)))
        return fail(ErrorKind::Usage,
                    directory + u": already exists and is not an empty folder"_qs);
    const QString parent = target.absolutePath();
    if (!QFileInfo(parent).isDir())
        return fail(ErrorKind::Usage, parent + u": no such folder"_qs);
    QByteArray tmpl =
        QFile::encodeName(parent + u"/." + target.fileName() + u".fcemu-staging-XXXXXX");
    if (!::mkdtemp(tmpl.data()))
        return fail(ErrorKind::Io,
                    parent + u": cannot create a staging folder: "_qs + errnoText(errno));
    const QString staging = QFile::decodeName(tmpl);
    ::chmod(tmpl.constData(), 0755);
    UniqueFd rootFd(::open(tmpl.constData(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    auto report = unpackLayers(source, info, rootFd.get(), options);
    if (!report) {
        removeAll(staging);
        return report;
    }
    if (::rename(tmpl.constData(), QFile::encodeName(target.absoluteFilePath()).constData()) != 0) {
        const int err = errno;
        removeAll(staging);
        return fail(ErrorKind::Io, directory + u": "_qs + errnoText(err));
    }
    return report;
}

} // namespace Fcemu::Image
