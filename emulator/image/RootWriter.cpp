// Applying layers onto a root (CONTRACT §2). Over 500 lines on purpose: applyEntry is the one
// place where an untrusted entry touches the disk, every path resolved beneath the root's
// descriptor; keeping the whiteout, link and type-change cases together keeps that argument whole.

#include "RootWriter.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <cstring>

#include "FileTree.h"
#include "InRoot.h"

namespace Fcemu::Image {

namespace {

constexpr int maxDepth = 256;
constexpr int maxNameLength = 4096;
const QByteArray whiteoutPrefix = QByteArrayLiteral(".wh.");
const QByteArray opaqueMarker = QByteArrayLiteral(".wh..wh..opq");

QString printable(const QByteArray &name)
{
    return QString::fromUtf8(name.left(200));
}

struct timespec entryTime(archive_entry *entry, bool atime)
{
    struct timespec ts
    {
    };
    if (atime && archive_entry_atime_is_set(entry)) {
        ts.tv_sec = archive_entry_atime(entry);
        ts.tv_nsec = archive_entry_atime_nsec(entry);
    } else {
        ts.tv_sec = archive_entry_mtime(entry);
        ts.tv_nsec = archive_entry_mtime_nsec(entry);
    }
    return ts;
}

bool writeAll(int fd, const char *data, size_t size, off_t offset)
{
    while (size > 0) {
        const ssize_t n = ::pwrite(fd, data, size, offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data += n;
        size -= size_t(n);
        offset += n;
    }
    return true;
}

} // namespace

RootWriter::RootWriter(UniqueFd rootFd) : m_root(std::move(rootFd)) {}

RootWriter::~RootWriter() = default;

void RootWriter::invalidateParentCache()
{
    m_cachedParent.reset();
    m_cachedParentPath.clear();
}

bool RootWriter::createdInThisLayer(const struct stat &st) const
{
    return m_createdThisLayer.count(InodeKey{st.st_dev, st.st_ino}) > 0;
}

void RootWriter::markCreated(int parentFd, const QByteArray &name)
{
    struct stat st;
    if (::fstatat(parentFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) == 0)
        m_createdThisLayer.insert(InodeKey{st.st_dev, st.st_ino});
}

Result<int> RootWriter::parentFd(const QByteArrayList &components, int count, bool create,
                                 const QString &where)
{
    if (count == 0)
        return m_root.get();
    QByteArray path = components.mid(0, count).join('/');
    if (m_cachedParent && path == m_cachedParentPath)
        return m_cachedParent.get();
    int fd = InRoot::open(m_root.get(), path, O_PATH | O_DIRECTORY);
    if (fd == -ENOENT && create)
        fd = createParents(path);
    if (fd == -ENOTDIR || fd == -EEXIST)
        return fail(ErrorKind::ImageRefused,
                    where + u": '"_qs + printable(path) + u"' is not a folder");
    if (fd == -ELOOP)
        return fail(ErrorKind::ImageRefused,
                    where + u": symlink loop at '"_qs + printable(path) + u'\'');
    if (fd == -ENOENT)
        return -1;
    if (fd < 0)
        return fail(ErrorKind::Io, where + u": '"_qs + printable(path) + u"': " + errnoText(-fd));
    m_cachedParent.reset(fd);
    m_cachedParentPath = path;
    return fd;
}

Status RootWriter::removeExisting(int parent, const QByteArray &name, const QString &where)
{
    if (::unlinkat(parent, name.constData(), 0) == 0 || errno == ENOENT) {
        // The removed object may have been a symlink that a cached parent went through.
        invalidateParentCache();
        return {};
    }
    return removeTree(parent, name, where);
}

Status RootWriter::removeTree(int parent, const QByteArray &name, const QString &where)
{
    const int r = removeTreeAt(parent, name.constData());
    invalidateParentCache(); // after: `parent` may be the cached descriptor
    if (r != 0)
        return fail(ErrorKind::Io,
                    where + u": cannot replace '"_qs + printable(name) + u"': " + errnoText(-r));
    return {};
}

int RootWriter::createParents(const QByteArray &path)
{
    // Slow path, when some parent is missing: walk component by component, creating folders
    // (0755, as containerd's mkparent does) and resolving symlinks by hand inside the root,
    // so that `a -> /x/y` followed by `a/file` creates <root>/x/y, never a host path.
    UniqueFd current(::fcntl(m_root.get(), F_DUPFD_CLOEXEC, 0));
    QByteArrayList currentPath;
    std::deque<QByteArray> todo;
    for (const QByteArray &c : path.split('/'))
        todo.push_back(c);
    int hops = 0;
    while (!todo.empty()) {
        const QByteArray c = todo.front();
        todo.pop_front();
        if (c.isEmpty() || c == ".")
            continue;
        if (c == "..") {
            if (!currentPath.isEmpty())
                currentPath.removeLast();
            const int up = InRoot::open(m_root.get(), currentPath.join('/'),
                                        O_PATH | O_DIRECTORY | O_NOFOLLOW);
            if (up < 0)
                return up;
            current.reset(up);
            continue;
        }
        struct stat st;
        if (::fstatat(current.get(), c.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT)
                return -errno;
            if (::mkdirat(current.get(), c.constData(), 0755) != 0 && errno != EEXIST)
                return -errno;
            markCreated(current.get(), c);
            if (::fstatat(current.get(), c.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
                return -errno;
        }
        if (S_ISLNK(st.st_mode)) {
            if (++hops > 40)
                return -ELOOP;
            char target[4096];
            const ssize_t n = ::readlinkat(current.get(), c.constData(), target, sizeof target);
            if (n < 0 || n == sizeof target)
                return n < 0 ? -errno : -ENAMETOOLONG;
            const QByteArray link(target, int(n));
            if (link.startsWith('/')) {
                current.reset(::fcntl(m_root.get(), F_DUPFD_CLOEXEC, 0));
                currentPath.clear();
            }
            const QByteArrayList parts = link.split('/');
            for (auto it = parts.rbegin(); it != parts.rend(); ++it)
                todo.push_front(*it);
            continue;
        }
        if (!S_ISDIR(st.st_mode))
            return -ENOTDIR;
        const int next =
            ::openat(current.get(), c.constData(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0)
            return -errno;
        current.reset(next);
        currentPath.append(c);
    }
    return current.release();
}

Status RootWriter::applyOpaque(int dirFd, const QString &where)
{
    // Hide everything lower layers put in this folder; what this layer already wrote stays,
    // whatever the order of entries (layer.md "Opaque Whiteout").
    UniqueFd listFd(::openat(dirFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!listFd)
        return fail(ErrorKind::Io, where + u": "_qs + errnoText(errno));
    DIR *dir = ::fdopendir(listFd.release());
    QByteArrayList names;
    while (dirent *e = ::readdir(dir)) {
        const QByteArray n(e->d_name);
        if (n != "." && n != "..")
            names.append(n);
    }
    ::closedir(dir);
    for (const QByteArray &n : names) {
        struct stat st;
        if (::fstatat(dirFd, n.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (!createdInThisLayer(st)) {
            if (auto r = removeTree(dirFd, n, where); !r)
                return r;
        } else if (S_ISDIR(st.st_mode)) {
            UniqueFd child(
                ::openat(dirFd, n.constData(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (child)
                if (auto r = applyOpaque(child.get(), where); !r)
                    return r;
        }
    }
    return {};
}

Status RootWriter::writeData(archive *reader, int fd, const QString &where)
{
    const void *buffer = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    for (;;) {
        const int r = archive_read_data_block(reader, &buffer, &size, &offset);
        if (r == ARCHIVE_EOF)
            return {};
        if (r < ARCHIVE_WARN) {
            const char *text = archive_error_string(reader);
            return fail(ErrorKind::ImageRefused, where + u": truncated or damaged data ("_qs +
                                                     QString::fromUtf8(text ? text : "") + u')');
        }
        if (!writeAll(fd, static_cast<const char *>(buffer), size, off_t(offset)))
            return fail(ErrorKind::Io, where + u": write failed: "_qs + errnoText(errno));
        m_stats.bytes += qint64(size);
    }
}

Status RootWriter::applyLayer(archive *reader, const QString &layerName,
                              const std::function<bool()> &cancelled)
{
    m_createdThisLayer.clear();
    invalidateParentCache();
    archive_entry *entry = nullptr;
    for (;;) {
        if (cancelled && cancelled())
            return fail(ErrorKind::Cancelled, layerName + u": cancelled"_qs);
        const int r = archive_read_next_header(reader, &entry);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            const char *text = archive_error_string(reader);
            return fail(ErrorKind::ImageRefused, layerName + u": not a valid tar stream ("_qs +
                                                     QString::fromUtf8(text ? text : "") + u')');
        }
        if (auto applied = applyEntry(reader, entry, layerName); !applied)
            return applied;
    }
    m_createdThisLayer.clear();
    invalidateParentCache();
    return {};
}

Status RootWriter::applyEntry(archive *reader, archive_entry *entry, const QString &layerName)
{
    const char *raw = archive_entry_pathname(entry);
    if (!raw)
        raw = archive_entry_pathname_utf8(entry);
    if (!raw || !*raw)
        return fail(ErrorKind::ImageRefused, layerName + u": entry without a name"_qs);
    const QByteArray name(raw);
    const QString where = layerName + u": '"_qs + printable(name) + u'\'';
    if (name.size() > maxNameLength)
        return fail(ErrorKind::ImageRefused, where + u": name too long"_qs);
    QByteArrayList comps;
    if (!InRoot::cleanComponents(name, &comps))
        return fail(ErrorKind::ImageRefused,
                    where + u": refusing a name with '..' (it would climb out of the root)"_qs);
    if (comps.size() > maxDepth)
        return fail(ErrorKind::ImageRefused, where + u": nested too deeply"_qs);
    const mode_t type = archive_entry_filetype(entry);
    const char *hardlink = archive_entry_hardlink(entry);
    if (comps.isEmpty()) {
        // The root itself: only a directory entry is legitimate (CVE-2021-29136: a symlink
        // for "/." made later layers apply to the host).
        if (type == AE_IFDIR && !hardlink) {
            m_dirAttrs[std::string()] =
                DirAttrs{{}, mode_t(archive_entry_perm(entry)), entryTime(entry, false)};
            return {};
        }
        return fail(ErrorKind::ImageRefused,
                    where + u": refusing to change the type of the root folder"_qs);
    }
    const QByteArray base = comps.last();
    const int parentCount = int(comps.size()) - 1;

    if (base.startsWith(whiteoutPrefix)) {
        ++m_stats.whiteouts;
        auto parent = parentFd(comps, parentCount, false, where);
        if (!parent)
            return std::unexpected(parent.error());
        if (*parent < 0)
            return {}; // nothing below to hide
        if (base == opaqueMarker) {
            UniqueFd dir(::fcntl(*parent, F_DUPFD_CLOEXEC, 0));
            invalidateParentCache();
            return applyOpaque(dir.get(), where);
        }
        const QByteArray target = base.mid(whiteoutPrefix.size());
        if (target.isEmpty() || target == "." || target == "..")
            return fail(ErrorKind::ImageRefused, where + u": invalid whiteout"_qs);
        if (target.startsWith(whiteoutPrefix))
            return {}; // other AUFS metadata (.wh..wh.plnk and the like): nothing to apply
        struct stat st;
        if (::fstatat(*parent, target.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            return {};
        if (createdInThisLayer(st))
            return {}; // a whiteout hides lower layers only
        return removeTree(*parent, target, where);
    }

    auto parentResult = parentFd(comps, parentCount, true, where);
    if (!parentResult)
        return std::unexpected(parentResult.error());
    const int parent = *parentResult;
    const char *cname = base.constData();
    const mode_t perm = mode_t(archive_entry_perm(entry)) & 07777;

    if (hardlink) {
        QByteArrayList target;
        if (!InRoot::cleanComponents(QByteArray(hardlink), &target) || target.isEmpty())
            return fail(ErrorKind::ImageRefused, where + u": hardlink target '"_qs +
                                                     QString::fromUtf8(hardlink) +
                                                     u"' is outside the root");
        // Resolve the target's parent in root; linkat without AT_SYMLINK_FOLLOW links the
        // final component itself, so a link to a symlink stays a link to that symlink.
        UniqueFd parentKeep(::fcntl(parent, F_DUPFD_CLOEXEC, 0));
        invalidateParentCache();
        auto tparent = parentFd(target, int(target.size()) - 1, false, where);
        if (!tparent)
            return std::unexpected(tparent.error());
        struct stat tst;
        if (*tparent < 0 ||
            ::fstatat(*tparent, target.last().constData(), &tst, AT_SYMLINK_NOFOLLOW) != 0)
            return fail(ErrorKind::ImageRefused, where + u": hardlink target '"_qs +
                                                     QString::fromUtf8(hardlink) +
                                                     u"' does not exist");
        // Our own descriptor: removeExisting below clears the cache, which closes *tparent
        // when it is the cached one (issue 15: "cannot create hardlink: Bad file descriptor").
        UniqueFd tparentKeep(::fcntl(*tparent, F_DUPFD_CLOEXEC, 0));
        if (!parentKeep || !tparentKeep)
            return fail(ErrorKind::Io, where + u": "_qs + errnoText(errno));
        if (S_ISDIR(tst.st_mode))
            return fail(ErrorKind::ImageRefused, where + u": hardlink to a folder"_qs);
        struct stat st;
        if (::fstatat(parentKeep.get(), cname, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            if (st.st_dev == tst.st_dev && st.st_ino == tst.st_ino)
                return {};
            if (auto r = removeExisting(parentKeep.get(), base, where); !r)
                return r;
        }
        if (::linkat(tparentKeep.get(), target.last().constData(), parentKeep.get(), cname, 0) != 0)
            return fail(ErrorKind::Io, where + u": cannot create hardlink: "_qs + errnoText(errno));
        m_createdThisLayer.insert(InodeKey{tst.st_dev, tst.st_ino});
        invalidateParentCache();
        ++m_stats.hardlinks;
        return {};
    }

    switch (type) {
    case AE_IFREG: {
        UniqueFd fd(
            ::openat(parent, cname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd && errno == EEXIST) {
            // Unlink and recreate: breaks other hardlinks, as overlayfs copy-up does. Take our
            // own descriptor first: removeExisting clears the parent cache (the old object may
            // have been a symlink a cached path went through), and that closes `parent` when it
            // is the cached one (issue 15: "cannot replace ...: Bad file descriptor").
            UniqueFd hold(::fcntl(parent, F_DUPFD_CLOEXEC, 0));
            if (!hold)
                return fail(ErrorKind::Io, where + u": "_qs + errnoText(errno));
            if (auto r = removeExisting(hold.get(), base, where); !r)
                return r;
            fd.reset(::openat(hold.get(), cname,
                              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        }
        if (!fd)
            return fail(ErrorKind::Io, where + u": cannot create: "_qs + errnoText(errno));
        if (auto r = writeData(reader, fd.get(), where); !r)
            return r;
        const la_int64_t size = archive_entry_size(entry);
        if (archive_entry_sparse_count(entry) > 0 && ::ftruncate(fd.get(), off_t(size)) != 0)
            return fail(ErrorKind::Io, where + u": "_qs + errnoText(errno));
        const struct timespec times[2] = {entryTime(entry, true), entryTime(entry, false)};
        if (::fchmod(fd.get(), perm) != 0 || ::futimens(fd.get(), times) != 0)
            return fail(ErrorKind::Io, where + u": cannot set attributes: "_qs + errnoText(errno));
        struct stat st;
        if (::fstat(fd.get(), &st) == 0)
            m_createdThisLayer.insert(InodeKey{st.st_dev, st.st_ino});
        ++m_stats.files;
        return {};
    }
    case AE_IFDIR: {
        if (::mkdirat(parent, cname, 0700) != 0) {
            if (errno != EEXIST)
                return fail(ErrorKind::Io,
                            where + u": cannot create folder: "_qs + errnoText(errno));
            struct stat st;
            if (::fstatat(parent, cname, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
                // Type change: a file or symlink becomes a folder (the spec's rule; a dirlink
                // such as lib -> usr/lib is replaced when a layer has a real `lib/` entry).
                UniqueFd hold(::fcntl(parent, F_DUPFD_CLOEXEC, 0));
                if (auto r = removeTree(hold.get(), base, where); !r)
                    return r;
                if (::mkdirat(hold.get(), cname, 0700) != 0)
                    return fail(ErrorKind::Io,
                                where + u": cannot create folder: "_qs + errnoText(errno));
                markCreated(hold.get(), base);
                m_dirAttrs[comps.join('/').toStdString()] =
                    DirAttrs{comps.join('/'), perm, entryTime(entry, false)};
                ++m_stats.directories;
                return {};
            }
        }
        markCreated(parent, base);
        m_dirAttrs[comps.join('/').toStdString()] =
            DirAttrs{comps.join('/'), perm, entryTime(entry, false)};
        ++m_stats.directories;
        return {};
    }
    case AE_IFLNK: {
        const char *target = archive_entry_symlink(entry);
        if (!target)
            target = archive_entry_symlink_utf8(entry);
        if (!target || std::strlen(target) >= 4096)
            return fail(ErrorKind::ImageRefused, where + u": invalid symlink target"_qs);
        // Symlink targets are data: stored verbatim, only ever followed in-root.
        UniqueFd hold(::fcntl(parent, F_DUPFD_CLOEXEC, 0));
        const int p = hold.get();
        invalidateParentCache();
        if (::symlinkat(target, p, cname) != 0) {
            if (errno != EEXIST)
                return fail(ErrorKind::Io,
                            where + u": cannot create symlink: "_qs + errnoText(errno));
            if (auto r = removeExisting(p, base, where); !r)
                return r;
            if (::symlinkat(target, p, cname) != 0)
                return fail(ErrorKind::Io,
                            where + u": cannot create symlink: "_qs + errnoText(errno));
        }
        const struct timespec times[2] = {entryTime(entry, true), entryTime(entry, false)};
        ::utimensat(p, cname, times, AT_SYMLINK_NOFOLLOW);
        markCreated(p, base);
        ++m_stats.symlinks;
        return {};
    }
    case AE_IFIFO: {
        UniqueFd hold(::fcntl(parent, F_DUPFD_CLOEXEC, 0));
        const int p = hold.get();
        if (auto r = removeExisting(p, base, where); !r)
            return r;
        if (::mkfifoat(p, cname, 0600) != 0)
            return fail(ErrorKind::Io, where + u": cannot create FIFO: "_qs + errnoText(errno));
        UniqueFd fifo(::openat(p, cname, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
        if (fifo)
            ::fchmod(fifo.get(), perm);
        markCreated(p, base);
        return {};
    }
    case AE_IFCHR:
    case AE_IFBLK:
        // A rootless user cannot create device nodes; the sandbox provides its own /dev.
        if (m_stats.warnings.size() < 100)
            m_stats.warnings.append(where +
                                    u": device node skipped (a rootless user cannot create it)"_qs);
        return {};
    default:
        if (m_stats.warnings.size() < 100)
            m_stats.warnings.append(where + u": unsupported entry type skipped"_qs);
        return {};
    }
}

Status RootWriter::finish()
{
    // Deepest first: once a parent loses its write or search bit we could not reach below.
    std::vector<DirAttrs> dirs;
    dirs.reserve(m_dirAttrs.size());
    for (auto &[key, attrs] : m_dirAttrs)
        dirs.push_back(attrs);
    std::sort(dirs.begin(), dirs.end(), [](const DirAttrs &a, const DirAttrs &b) -> bool {
        return a.path.count('/') + (a.path.isEmpty() ? 0 : 1) >
               b.path.count('/') + (b.path.isEmpty() ? 0 : 1);
    });
    for (const DirAttrs &d : dirs) {
        UniqueFd fd;
        if (d.path.isEmpty()) {
            fd.reset(::openat(m_root.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        } else {
            fd = InRoot::openFd(m_root.get(), d.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        }
        if (!fd)
            continue; // deleted or replaced by a later layer
        ::fchmod(fd.get(), d.mode);
        const struct timespec times[2] = {d.mtime, d.mtime};
        ::futimens(fd.get(), times);
    }
    m_dirAttrs.clear();
    return {};
}

} // namespace Fcemu::Image
