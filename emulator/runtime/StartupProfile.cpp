// The start-up read profile (fcemu issue #16): which files, and how many bytes of them, a cold
// start reads. Rootless, without fanotify (it needs CAP_SYS_ADMIN in the initial namespace) and
// without atimes (overlayfs opens a lower file with O_NOATIME for its owner, so a read through
// the sandbox's overlay never moves the cached file's atime): the page cache is the witness.
// docs/startup-profile.md explains the choice and its limits.
#include "StartupProfile.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QLocale>
#include <QSaveFile>
#include <QSet>

#include "FunctionImage.h"
#include "common/UniqueFd.h"
#include "image/ImageCache.h"
#include "image/ImageSource.h"
#include "image/LayerFiles.h"

namespace Fcemu::Runtime {

namespace {

using json = nlohmann::json;

std::string toStd(const QString &s)
{
    return s.toStdString();
}

QString fromStd(const std::string &s)
{
    return QString::fromStdString(s);
}

// Opens a file of the rootfs without changing its atime (O_NOATIME: we own the cache).
UniqueFd openQuietly(const QByteArray &path)
{
    int fd = ::open(path.constData(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        fd = ::open(path.constData(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    return UniqueFd(fd);
}

// Bytes of the file's pages that are in the page cache (mincore over a shared mapping: it
// faults nothing in). -1 if the file cannot be mapped.
qint64 residentBytes(int fd, qint64 size)
{
    if (size <= 0)
        return 0;
    const long page = ::sysconf(_SC_PAGESIZE);
    void *map = ::mmap(nullptr, size_t(size), PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return -1;
    const size_t pages = size_t((size + page - 1) / page);
    std::vector<unsigned char> vec(pages);
    qint64 resident = 0;
    if (::mincore(map, size_t(size), vec.data()) == 0) {
        for (size_t i = 0; i < pages; ++i)
            if (vec[i] & 1)
                resident += page;
    } else {
        resident = -1;
    }
    ::munmap(map, size_t(size));
    return resident < 0 ? -1 : std::min(resident, size);
}

struct RootFile
{
    QString path;
    QByteArray absolute;
};

// Every regular file of the root once (hard links by inode), no symlink followed.
template <typename F> void forEachFile(const QString &rootfs, F &&visit)
{
    QSet<QPair<quint64, quint64>> seen;
    QDirIterator it(rootfs, QDir::Files | QDir::Hidden | QDir::System | QDir::NoSymLinks,
                    QDirIterator::Subdirectories);
    const qsizetype prefix = rootfs.size() + 1;
    while (it.hasNext()) {
        const QString path = it.next();
        const QByteArray absolute = QFile::encodeName(path);
        struct stat st
        {
        };
        if (::lstat(absolute.constData(), &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (st.st_nlink > 1) {
            const QPair<quint64, quint64> inode{quint64(st.st_dev), quint64(st.st_ino)};
            if (seen.contains(inode))
                continue;
            seen.insert(inode);
        }
        visit(RootFile{path.mid(prefix), absolute}, qint64(st.st_size));
    }
}

QString folderOf(const QString &path)
{
    const QStringList parts = path.split(u'/');
    if (parts.size() <= 1)
        return u"/"_qs;
    if (parts.size() == 2)
        return parts[0];
    return parts[0] + u'/' + parts[1];
}

json fileJson(const ProfileFile &f, bool withRead)
{
    json j = {{"path", toStd(f.path)}, {"size", f.size}, {"layer", f.layer}};
    if (withRead)
        j["readBytes"] = f.readBytes;
    return j;
}

ProfileFile fileFromJson(const json &j)
{
    ProfileFile f;
    f.path = fromStd(j.at("path").get<std::string>());
    f.size = j.at("size").get<qint64>();
    f.layer = j.value("layer", -1);
    f.readBytes = j.value("readBytes", qint64(0));
    return f;
}

json shareJson(const ProfileShare &s, const char *nameKey)
{
    json j = {{nameKey, toStd(s.name)},
              {"readBytes", s.readBytes},
              {"readFiles", s.readFiles},
              {"bytes", s.bytes},
              {"files", s.files}};
    if (s.index >= 0)
        j["index"] = s.index;
    return j;
}

ProfileShare shareFromJson(const json &j, const char *nameKey)
{
    ProfileShare s;
    s.name = fromStd(j.at(nameKey).get<std::string>());
    s.index = j.value("index", -1);
    s.readBytes = j.at("readBytes").get<qint64>();
    s.readFiles = j.at("readFiles").get<int>();
    s.bytes = j.at("bytes").get<qint64>();
    s.files = j.at("files").get<int>();
    return s;
}

QString grouped(qint64 n)
{
    return QLocale(QLocale::English, QLocale::UnitedStates).toString(n);
}

QString milliseconds(double ms)
{
    return grouped(qRound64(ms)) + u" ms"_qs;
}

} // namespace

qint64 StartupProfile::acceleratedPullBytes() const
{
    if (totalBytes <= 0 || compressedSize <= 0)
        return readBytes;
    const double ratio = std::min(1.0, double(compressedSize) / double(totalBytes));
    return std::min(compressedSize, qint64(double(readBytes) * ratio + 0.5));
}

json StartupProfile::toJson() const
{
    json j = {{"imageKey", toStd(imageKey)},      {"granularity", "pages"},
              {"through", toStd(through)},        {"readBytes", readBytes},
              {"readFiles", readFiles},           {"totalBytes", totalBytes},
              {"totalFiles", totalFiles},         {"stayedResidentBytes", stayedResident},
              {"compressedSize", compressedSize}, {"acceleratedPullBytes", acceleratedPullBytes()}};
    j["layers"] = json::array();
    for (const ProfileShare &s : layers)
        j["layers"].push_back(shareJson(s, "diffId"));
    j["folders"] = json::array();
    for (const ProfileShare &s : folders)
        j["folders"].push_back(shareJson(s, "path"));
    j["files"] = json::array();
    for (const ProfileFile &f : files)
        j["files"].push_back(fileJson(f, true));
    j["largestUnread"] = json::array();
    for (const ProfileFile &f : largestUnread)
        j["largestUnread"].push_back(fileJson(f, false));
    return j;
}

std::optional<StartupProfile> StartupProfile::fromJson(const json &j)
{
    try {
        StartupProfile p;
        p.imageKey = fromStd(j.at("imageKey").get<std::string>());
        p.through = fromStd(j.value("through", std::string()));
        p.readBytes = j.at("readBytes").get<qint64>();
        p.readFiles = j.at("readFiles").get<int>();
        p.totalBytes = j.at("totalBytes").get<qint64>();
        p.totalFiles = j.at("totalFiles").get<int>();
        p.stayedResident = j.value("stayedResidentBytes", qint64(0));
        p.compressedSize = j.value("compressedSize", qint64(0));
        for (const json &s : j.at("layers"))
            p.layers.append(shareFromJson(s, "diffId"));
        for (const json &s : j.at("folders"))
            p.folders.append(shareFromJson(s, "path"));
        for (const json &f : j.at("files"))
            p.files.append(fileFromJson(f));
        for (const json &f : j.at("largestUnread"))
            p.largestUnread.append(fileFromJson(f));
        return p;
    } catch (const json::exception &) {
        return std::nullopt;
    }
}

json PullEstimate::toJson() const
{
    return {{"bandwidthMBps", bandwidthMBps},
            {"assumedBandwidth", assumedBandwidth},
            {"acceleratedPullBytes", acceleratedBytes},
            {"fullPullBytes", fullBytes},
            {"acceleratedPullMs", acceleratedPullMs},
            {"fullPullMs", fullPullMs},
            {"acceleratedColdStartMs", acceleratedColdStartMs()},
            {"fullColdStartMs", fullColdStartMs()}};
}

PullEstimate estimatePull(const StartupProfile &profile, std::optional<double> bandwidthMBps,
                          double restOfColdStartMs)
{
    PullEstimate e;
    e.assumedBandwidth = !bandwidthMBps.has_value();
    e.bandwidthMBps = bandwidthMBps.value_or(kDefaultPullBandwidthMBps);
    e.acceleratedBytes = profile.acceleratedPullBytes();
    e.fullBytes = profile.compressedSize;
    e.acceleratedPullMs = double(e.acceleratedBytes) / (e.bandwidthMBps * 1e6) * 1000.0;
    e.fullPullMs = double(e.fullBytes) / (e.bandwidthMBps * 1e6) * 1000.0;
    e.restMs = std::max(0.0, restOfColdStartMs);
    return e;
}

Result<StartupProfiler> StartupProfiler::begin(const QString &rootfs)
{
    QElapsedTimer timer;
    timer.start();
    const QByteArray root = QFile::encodeName(rootfs);
    struct statfs fs
    {
    };
    if (::statfs(root.constData(), &fs) != 0)
        return fail(ErrorKind::Io, rootfs + u": "_qs + QString::fromLocal8Bit(strerror(errno)));
    if (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC)
        return fail(ErrorKind::Usage,
                    u"--profile-startup: the image cache %1 is on a memory file system "
                    "(tmpfs), where every file always stays in memory and no read can be "
                    "seen; set FCEMU_CACHE_DIR to a folder on disk"_qs.arg(rootfs));
    // Write back what the unpack left dirty (only then can the pages be evicted), evict, and
    // count what stayed: pages another process maps (another instance of the image).
    qint64 total = 0;
    qint64 stayed = 0;
    bool unreadable = false;
    forEachFile(rootfs, [&](const RootFile &file, qint64 size) {
        if (size <= 0)
            return;
        UniqueFd fd = openQuietly(file.absolute);
        if (!fd.valid())
            return;
        ::sync_file_range(fd.get(), 0, 0,
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                              SYNC_FILE_RANGE_WAIT_AFTER);
        ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
        const qint64 resident = residentBytes(fd.get(), size);
        if (resident < 0)
            unreadable = true;
        total += size;
        stayed += std::max<qint64>(0, resident);
    });
    // mincore() reports every page of a file the caller neither owns nor may write as
    // resident; a file system that ignores the eviction looks the same.
    if (unreadable || (total >= (1 << 20) && stayed * 10 >= total * 9))
        return fail(
            ErrorKind::Usage,
            u"--profile-startup: the page cache of %1 cannot be observed (%2 of %3 "
            "stayed in memory after eviction: a file system that keeps files in "
            "memory, or a cache owned by another user); set FCEMU_CACHE_DIR to a "
            "folder of your own on disk"_qs.arg(rootfs, decimalBytes(stayed), decimalBytes(total)));
    StartupProfiler profiler;
    profiler.m_rootfs = rootfs;
    profiler.m_beginMs = double(timer.nsecsElapsed()) / 1e6;
    return profiler;
}

Result<StartupProfile> StartupProfiler::finish(const PreparedImage &image,
                                               const QString &through) const
{
    StartupProfile p;
    p.imageKey = Image::ImageCache::keyFor(image.info);
    p.through = through;
    p.compressedSize = image.info.compressedSize();
    QList<ProfileFile> all;
    forEachFile(m_rootfs, [&](const RootFile &file, qint64 size) {
        ProfileFile f;
        f.path = file.path;
        f.size = size;
        if (size > 0) {
            UniqueFd fd = openQuietly(file.absolute);
            if (fd.valid())
                f.readBytes = std::max<qint64>(0, residentBytes(fd.get(), size));
        }
        all.append(f);
    });

    // The layer of each file, from the layers' own listings (unknown if the image file has
    // gone since it was unpacked).
    QHash<QString, int> layerOf;
    const QString sourcePath = image.entry.source;
    if (!sourcePath.isEmpty() && QFileInfo::exists(sourcePath)) {
        // A gzip'd archive is inflated into the cache's tmp/ (as prepareImage does), up to
        // the largest image FC takes.
        auto source = Image::ImageSource::open(sourcePath,
                                               QDir::cleanPath(image.entry.path + u"/../../tmp"_qs),
                                               (10LL << 30) + (64LL << 20));
        if (source) {
            if (auto map = Image::topmostLayerOfFiles(**source, image.info))
                layerOf = *map;
        }
    }
    for (int i = 0; i < image.info.layers.size(); ++i) {
        ProfileShare s;
        s.index = i;
        s.name = image.info.layers[i].diffId.toString();
        p.layers.append(s);
    }
    QHash<QString, ProfileShare> folders;
    for (ProfileFile &f : all) {
        f.layer = layerOf.value(f.path, -1);
        const bool read = f.readBytes > 0;
        p.totalBytes += f.size;
        p.totalFiles += 1;
        p.readBytes += f.readBytes;
        p.readFiles += read ? 1 : 0;
        ProfileShare &folder = folders[folderOf(f.path)];
        folder.name = folderOf(f.path);
        folder.bytes += f.size;
        folder.files += 1;
        folder.readBytes += f.readBytes;
        folder.readFiles += read ? 1 : 0;
        if (f.layer >= 0 && f.layer < p.layers.size()) {
            ProfileShare &layer = p.layers[f.layer];
            layer.bytes += f.size;
            layer.files += 1;
            layer.readBytes += f.readBytes;
            layer.readFiles += read ? 1 : 0;
        }
        if (read)
            p.files.append(f);
    }
    std::sort(p.files.begin(), p.files.end(),
              [](const ProfileFile &a, const ProfileFile &b) -> bool { return a.path < b.path; });
    p.folders = folders.values();
    std::sort(p.folders.begin(), p.folders.end(),
              [](const ProfileShare &a, const ProfileShare &b) -> bool {
                  return a.readBytes != b.readBytes ? a.readBytes > b.readBytes
                         : a.bytes != b.bytes       ? a.bytes > b.bytes
                                                    : a.name < b.name;
              });
    QList<ProfileFile> unread;
    for (const ProfileFile &f : all)
        if (f.readBytes == 0 && f.size > 0)
            unread.append(f);
    std::sort(unread.begin(), unread.end(), [](const ProfileFile &a, const ProfileFile &b) -> bool {
        return a.size != b.size ? a.size > b.size : a.path < b.path;
    });
    p.largestUnread = unread.mid(0, 10);
    return p;
}

QString cacheDirectoryOf(const PreparedImage &image)
{
    return QDir::cleanPath(image.entry.path + u"/../.."_qs);
}

QString profilePath(const QString &cacheDirectory, const QString &key)
{
    return cacheDirectory + u"/profiles/"_qs + key + u".json"_qs;
}

Result<void> storeProfile(const QString &cacheDirectory, const StartupProfile &profile)
{
    const QString path = profilePath(cacheDirectory, profile.imageKey);
    QDir().mkpath(QFileInfo(path).path());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(ErrorKind::Io, path + u": "_qs + file.errorString());
    file.write(QByteArray::fromStdString(profile.toJson().dump()));
    if (!file.commit())
        return fail(ErrorKind::Io, path + u": "_qs + file.errorString());
    return {};
}

std::optional<StartupProfile> loadProfile(const QString &cacheDirectory, const QString &key)
{
    QFile file(profilePath(cacheDirectory, key));
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    const json j = json::parse(file.readAll().toStdString(), nullptr, false);
    if (j.is_discarded())
        return std::nullopt;
    auto profile = StartupProfile::fromJson(j);
    if (!profile || profile->imageKey != key)
        return std::nullopt;
    return profile;
}

QString decimalBytes(qint64 bytes)
{
    if (bytes < 1'000'000)
        return grouped((bytes + 500) / 1000) + u" KB"_qs;
    if (bytes < 100'000'000)
        return QString::number(double(bytes) / 1e6, 'f', 1) + u" MB"_qs;
    return grouped((bytes + 500'000) / 1'000'000) + u" MB"_qs;
}

QString profileSummary(const StartupProfile &p)
{
    return u"start-up read %1 in %2 %3 of %4"_qs.arg(
        decimalBytes(p.readBytes), grouped(p.readFiles),
        p.readFiles == 1 ? u"file"_qs : u"files"_qs, decimalBytes(p.totalBytes));
}

QStringList describeProfile(const StartupProfile &p, const PullEstimate &e)
{
    QStringList lines;
    lines << u"start-up profile (through the %1; files touched, counted by the pages they "
             "brought into the page cache)"_qs.arg(p.through);
    lines << u"  "_qs + profileSummary(p);
    if (p.stayedResident > 0)
        lines << u"  note: %1 stayed in the page cache (mapped by another process) and counts "
                 "as read"_qs.arg(decimalBytes(p.stayedResident));
    const auto share = [](const ProfileShare &s) -> QString {
        return u"%1 in %2 of %3 files (%4)"_qs.arg(decimalBytes(s.readBytes), grouped(s.readFiles),
                                                   grouped(s.files), decimalBytes(s.bytes));
    };
    lines << u"  by layer:"_qs;
    for (const ProfileShare &s : p.layers)
        lines << u"    %1 %2  %3"_qs.arg(s.index + 1).arg(s.name.left(19), share(s));
    lines << u"  by folder:"_qs;
    for (const ProfileShare &s : p.folders.mid(0, 10))
        lines << u"    %1  %2"_qs.arg(s.name.leftJustified(24), share(s));
    if (p.folders.size() > 10)
        lines << u"    (%1 more folders)"_qs.arg(p.folders.size() - 10);
    lines << u"  largest files never read (candidates for a slimmer image):"_qs;
    if (p.largestUnread.isEmpty())
        lines << u"    none"_qs;
    for (const ProfileFile &f : p.largestUnread)
        lines << u"    %1  /%2%3"_qs.arg(decimalBytes(f.size).rightJustified(9), f.path,
                                         f.layer >= 0 ? u"  (layer %1)"_qs.arg(f.layer + 1)
                                                      : QString());
    lines << u"  estimated cold start at %1 MB/s%2:"_qs.arg(
        QString::number(e.bandwidthMBps, 'g', 6),
        e.assumedBandwidth ? u" (assumed; --pull-bandwidth sets it)"_qs : QString());
    lines << u"    with image acceleration  %1  (pull of %2 on demand)"_qs.arg(
        milliseconds(e.acceleratedColdStartMs()).rightJustified(10),
        decimalBytes(e.acceleratedBytes));
    lines << u"    full pull                %1  (pull of %2)"_qs.arg(
        milliseconds(e.fullColdStartMs()).rightJustified(10), decimalBytes(e.fullBytes));
    return lines;
}

} // namespace Fcemu::Runtime
