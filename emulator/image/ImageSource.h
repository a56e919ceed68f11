#pragma once

#include <memory>

#include <QByteArray>
#include <QHash>
#include <QString>

#include "common/Error.h"
#include "common/UniqueFd.h"

namespace Fcemu::Image {

// A byte range of the image file (a tar member's data or a file of an OCI layout directory),
// read with pread so that several readers can share one descriptor.
class Blob final
{
public:
    Blob() = default;
    Blob(std::shared_ptr<UniqueFd> fd, qint64 offset, qint64 size)
        : m_fd(std::move(fd)), m_offset(offset), m_size(size)
    {
    }

    qint64 size() const { return m_size; }
    // Reads up to `size` bytes at `position` within the blob; returns bytes read or -errno.
    qint64 readAt(qint64 position, void *buffer, qint64 size) const;

private:
    std::shared_ptr<UniqueFd> m_fd;
    qint64 m_offset = 0;
    qint64 m_size = 0;
};

// The container of an image: a tar (docker-archive, oci-archive; gzip'd or not) or an OCI
// layout directory. Member paths come from untrusted manifests: they are resolved inside the
// archive's own namespace (symlinks included, e.g. skopeo's `<id>/layer.tar -> ../<diffid>.tar`)
// and never on the host.
class ImageSource
{
public:
    enum class Kind { Tar, GzipTar, Directory };

    virtual ~ImageSource() = default;

    // Opens IMAGE. A gzip-compressed tarball is inflated once into an anonymous temporary file
    // under `tempDir` (tar members must be read out of order, and gzip can't seek).
    // Inflating stops at maxInflatedBytes (a gzip bomb is stopped early).
    static Result<std::unique_ptr<ImageSource>>
    open(const QString &imagePath, const QString &tempDir, qint64 maxInflatedBytes);

    Kind kind() const { return m_kind; }
    QString path() const { return m_path; }
    qint64 fileSize() const { return m_fileSize; }

    virtual bool exists(const QString &member) const = 0;
    virtual Result<Blob> blob(const QString &member) const = 0;
    // Reads a whole small member (manifests and configs), refusing anything over maxSize.
    Result<QByteArray> readAll(const QString &member, qint64 maxSize = 16 << 20) const;

    // "IMAGE: member" for messages that name the file.
    QString where(const QString &member) const;

protected:
    ImageSource(Kind kind, const QString &path, qint64 size)
        : m_kind(kind), m_path(path), m_fileSize(size)
    {
    }

private:
    Kind m_kind;
    QString m_path;
    qint64 m_fileSize = 0;
};

} // namespace Fcemu::Image
