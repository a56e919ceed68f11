#include "ImageSource.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QDir>
#include <QFileInfo>

#include "InRoot.h"

namespace Fcemu::Image {

namespace {

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

QString archiveError(archive *a)
{
    const char *text = archive_error_string(a);
    return text ? QString::fromUtf8(text) : u"unknown archive error"_qs;
}

// Lexically resolves `path` (relative to the archive root); false if it climbs out.
bool normalizeMember(const QString &path, QString *out)
{
    QStringList parts;
    for (const QString &c : path.split(u'/')) {
        if (c.isEmpty() || c == u"."_qs)
            continue;
        if (c == u".."_qs) {
            if (parts.isEmpty())
                return false;
            parts.removeLast();
            continue;
        }
        parts.append(c);
    }
    *out = parts.join(u'/');
    return true;
}

class TarSource final : public ImageSource
{
public:
    struct Member
    {
        enum Type { File, Symlink, Hardlink, Directory, Other } type = Other;
        qint64 offset = 0;
        qint64 size = 0;
        QString target;
    };

    TarSource(Kind kind, const QString &path, qint64 size, std::shared_ptr<UniqueFd> fd)
        : ImageSource(kind, path, size), m_fd(std::move(fd))
    {
    }

    Status index()
    {
        ArchivePtr a(archive_read_new(), archive_read_free);
        archive_read_support_format_tar(a.get());
        archive_read_support_format_gnutar(a.get());
        if (::lseek(m_fd->get(), 0, SEEK_SET) < 0)
            return fail(ErrorKind::Io, where({}) + u": "_qs + errnoText(errno));
        UniqueFd dup(::fcntl(m_fd->get(), F_DUPFD_CLOEXEC, 0));
        if (archive_read_open_fd(a.get(), dup.get(), 64 * 1024) != ARCHIVE_OK)
            return fail(
                ErrorKind::ImageRefused,
                where({}) +
                    u": not an image: expected a docker save or OCI archive (tar, may be gzip'd) or an OCI layout folder"_qs);
        archive_entry *entry = nullptr;
        int count = 0;
        for (;;) {
            const int r = archive_read_next_header(a.get(), &entry);
            if (r == ARCHIVE_EOF)
                break;
            if (r < ARCHIVE_WARN) {
                if (count == 0)
                    return fail(
                        ErrorKind::ImageRefused,
                        where({}) +
                            u": not an image: expected a docker save or OCI archive (tar, may be gzip'd) or an OCI layout folder"_qs);
                return fail(ErrorKind::ImageRefused, where({}) +
                                                         u": damaged or truncated archive after " +
                                                         QString::number(count) + u" members (" +
                                                         archiveError(a.get()) + u')');
            }
            if (++count > 1'000'000)
                return fail(ErrorKind::ImageRefused, where({}) + u": too many members"_qs);
            QString name;
            const char *raw = archive_entry_pathname(entry);
            if (!raw || !normalizeMember(QString::fromUtf8(raw), &name) || name.isEmpty())
                continue; // a member that climbs out can never be named by a manifest
            Member m;
            m.offset = archive_filter_bytes(a.get(), 0); // data follows the header(s)
            m.size = archive_entry_size(entry);
            switch (archive_entry_filetype(entry)) {
            case AE_IFREG:
                m.type = Member::File;
                if (const char *hl = archive_entry_hardlink(entry)) {
                    m.type = Member::Hardlink;
                    m.target = QString::fromUtf8(hl);
                }
                break;
            case AE_IFLNK:
                m.type = Member::Symlink;
                m.target = QString::fromUtf8(archive_entry_symlink(entry));
                break;
            case AE_IFDIR:
                m.type = Member::Directory;
                break;
            default:
                m.type = Member::Other;
            }
            if (m.type == Member::File && m.offset + m.size > fileSize())
                return fail(ErrorKind::ImageRefused,
                            where(name) + u": truncated (the archive ends inside it)"_qs);
            m_members.insert(name, m);
        }
        if (count == 0)
            return fail(ErrorKind::ImageRefused, where({}) + u": empty archive"_qs);
        return {};
    }

    bool exists(const QString &member) const override { return resolve(member).has_value(); }

    Result<Blob> blob(const QString &member) const override
    {
        auto m = resolve(member);
        if (!m)
            return std::unexpected(m.error());
        return Blob(m_fd, m->offset, m->size);
    }

private:
    Result<Member> resolve(const QString &member) const
    {
        QString name;
        if (!normalizeMember(member, &name) || name.isEmpty())
            return fail(ErrorKind::ImageRefused,
                        where(member) + u": the manifest points outside the archive"_qs);
        for (int hop = 0; hop < 16; ++hop) {
            const auto it = m_members.constFind(name);
            if (it == m_members.cend())
                return fail(ErrorKind::ImageRefused,
                            where(name) + u": missing from the archive"_qs);
            const Member &m = *it;
            if (m.type == Member::File)
                return m;
            if (m.type == Member::Symlink || m.type == Member::Hardlink) {
                // Symlinks resolve relative to the member's folder, hardlinks from the root.
                QString base = m.type == Member::Symlink ? name.section(u'/', 0, -2) : QString();
                QString next;
                const QString joined =
                    m.target.startsWith(u'/') ? m.target : base + u'/' + m.target;
                if (m.target.startsWith(u'/') || !normalizeMember(joined, &next))
                    return fail(ErrorKind::ImageRefused,
                                where(name) + u": link points outside the archive ("_qs + m.target +
                                    u')');
                name = next;
                continue;
            }
            return fail(ErrorKind::ImageRefused, where(name) + u": not a regular file"_qs);
        }
        return fail(ErrorKind::ImageRefused, where(member) + u": too many levels of links"_qs);
    }

    std::shared_ptr<UniqueFd> m_fd;
    QHash<QString, Member> m_members;
};

class DirectorySource final : public ImageSource
{
public:
    DirectorySource(const QString &path, UniqueFd root)
        : ImageSource(Kind::Directory, path, 0), m_root(std::move(root))
    {
    }

    bool exists(const QString &member) const override
    {
        // A member that escapes the directory "exists" so that reading it reports why it fails.
        const int fd = InRoot::open(m_root.get(), member.toUtf8(), O_PATH, InRoot::Mode::Beneath);
        if (fd >= 0)
            ::close(fd);
        return fd >= 0 || fd == -EXDEV || fd == -ELOOP;
    }

    Result<Blob> blob(const QString &member) const override
    {
        const int fd = InRoot::open(m_root.get(), member.toUtf8(), O_RDONLY, InRoot::Mode::Beneath);
        if (fd == -EXDEV || fd == -ELOOP)
            return fail(ErrorKind::ImageRefused,
                        where(member) + u": points outside the image directory"_qs);
        if (fd == -ENOENT)
            return fail(ErrorKind::ImageRefused, where(member) + u": missing"_qs);
        if (fd < 0)
            return fail(ErrorKind::Io, where(member) + u": "_qs + errnoText(-fd));
        auto owned = std::make_shared<UniqueFd>(fd);
        struct stat st;
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
            return fail(ErrorKind::ImageRefused, where(member) + u": not a regular file"_qs);
        return Blob(owned, 0, st.st_size);
    }

private:
    UniqueFd m_root;
};

// Inflates a gzip'd tarball into an anonymous file (O_TMPFILE: nothing to clean up).
Result<UniqueFd> inflateToTemp(int fd, const QString &imagePath, const QString &tempDir,
                               qint64 maxBytes)
{
    QDir().mkpath(tempDir);
    UniqueFd out(
        ::open(QFile::encodeName(tempDir).constData(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
    if (!out)
        return fail(ErrorKind::Io,
                    tempDir + u": cannot create a temporary file: "_qs + errnoText(errno));
    ArchivePtr a(archive_read_new(), archive_read_free);
    archive_read_support_filter_gzip(a.get());
    archive_read_support_format_raw(a.get());
    UniqueFd dup(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    ::lseek(dup.get(), 0, SEEK_SET);
    archive_entry *entry = nullptr;
    if (archive_read_open_fd(a.get(), dup.get(), 1 << 20) != ARCHIVE_OK ||
        archive_read_next_header(a.get(), &entry) != ARCHIVE_OK)
        return fail(ErrorKind::ImageRefused,
                    imagePath + u": damaged gzip data ("_qs + archiveError(a.get()) + u')');
    std::vector<char> buffer(1 << 20);
    qint64 total = 0;
    for (;;) {
        const la_ssize_t n = archive_read_data(a.get(), buffer.data(), buffer.size());
        if (n == 0)
            break;
        if (n < 0)
            return fail(ErrorKind::ImageRefused,
                        imagePath + u": damaged gzip data ("_qs + archiveError(a.get()) + u')');
        total += n;
        if (total > maxBytes)
            return fail(ErrorKind::ImageRefused,
                        imagePath + u": inflates past the uncompressed size limit ("_qs +
                            QString::number(maxBytes >> 20) + u" MiB); stopped early");
        for (la_ssize_t done = 0; done < n;) {
            const ssize_t w = ::write(out.get(), buffer.data() + done, size_t(n - done));
            if (w < 0)
                return fail(ErrorKind::Io, tempDir + u": "_qs + errnoText(errno));
            done += w;
        }
    }
    return out;
}

} // namespace

qint64 Blob::readAt(qint64 position, void *buffer, qint64 size) const
{
    if (position >= m_size)
        return 0;
    size = std::min(size, m_size - position);
    for (;;) {
        const ssize_t n = ::pread(m_fd->get(), buffer, size_t(size), m_offset + position);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -errno;
    }
}

Result<QByteArray> ImageSource::readAll(const QString &member, qint64 maxSize) const
{
    auto b = blob(member);
    if (!b)
        return std::unexpected(b.error());
    if (b->size() > maxSize)
        return fail(ErrorKind::ImageRefused,
                    where(member) + u": too large ("_qs + QString::number(b->size()) + u" bytes)");
    QByteArray data(b->size(), Qt::Uninitialized);
    qint64 done = 0;
    while (done < data.size()) {
        const qint64 n = b->readAt(done, data.data() + done, data.size() - done);
        if (n <= 0)
            return fail(ErrorKind::ImageRefused, where(member) + u": truncated"_qs);
        done += n;
    }
    return data;
}

QString ImageSource::where(const QString &member) const
{
    return member.isEmpty() ? m_path : m_path + u": "_qs + member;
}

Result<std::unique_ptr<ImageSource>>
ImageSource::open(const QString &imagePath, const QString &tempDir, qint64 maxInflatedBytes)
{
    const QByteArray encoded = QFile::encodeName(imagePath);
    UniqueFd fd(::open(encoded.constData(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return fail(errno == ENOENT ? ErrorKind::Usage : ErrorKind::Io,
                    imagePath + u": cannot open: "_qs + errnoText(errno));
    struct stat st;
    if (::fstat(fd.get(), &st) != 0)
        return fail(ErrorKind::Io, imagePath + u": "_qs + errnoText(errno));
    if (S_ISDIR(st.st_mode)) {
        UniqueFd root(::open(encoded.constData(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        return std::unique_ptr<ImageSource>(new DirectorySource(imagePath, std::move(root)));
    }
    if (!S_ISREG(st.st_mode))
        return fail(ErrorKind::Usage, imagePath + u": not a file or directory"_qs);
    if (st.st_size == 0)
        return fail(ErrorKind::ImageRefused, imagePath + u": empty file, not an image"_qs);
    unsigned char magic[2] = {0, 0};
    const bool gzip = ::pread(fd.get(), magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    Kind kind = Kind::Tar;
    qint64 size = st.st_size;
    if (gzip) {
        auto inflated = inflateToTemp(fd.get(), imagePath, tempDir, maxInflatedBytes);
        if (!inflated)
            return std::unexpected(inflated.error());
        fd = std::move(*inflated);
        kind = Kind::GzipTar;
        size = ::lseek(fd.get(), 0, SEEK_END);
    }
    auto source = std::make_unique<TarSource>(kind, imagePath, size,
                                              std::make_shared<UniqueFd>(std::move(fd)));
    if (auto indexed = source->index(); !indexed)
        return std::unexpected(indexed.error());
    return std::unique_ptr<ImageSource>(std::move(source));
}

} // namespace Fcemu::Image
