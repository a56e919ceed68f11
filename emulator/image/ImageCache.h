#pragma once

#include <optional>

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include "ImageManifest.h"
#include "LayerUnpacker.h"
#include "common/Error.h"
#include "common/UniqueFd.h"

namespace Fcemu::Image {

// An unpacked image kept in the cache.
struct CacheEntry
{
    QString key;    // "v1-sha256-<chain id hex>"
    QString path;   // the entry's folder
    QString rootfs; // path + "/rootfs"
    QString reference;
    QString source; // the image file it was unpacked from
    qint64 uncompressedSize = 0;
    qint64 compressedSize = 0;
    double unpackMs = 0;
    QDateTime created;
    QDateTime lastUsed;
    ImageConfig config;
};

// Keeps a shared lock on a cache entry while an instance uses it, so `prune` skips it.
class CacheLease final
{
public:
    CacheLease() = default;
    explicit CacheLease(UniqueFd fd) : m_fd(std::move(fd)) {}
    bool isHeld() const { return m_fd.valid(); }

private:
    UniqueFd m_fd;
};

struct EnsureResult
{
    CacheEntry entry;
    bool hit = false;
    double unpackMs = 0; // 0 on a hit
    UnpackReport report; // empty on a hit
    CacheLease lease;
};

struct PruneReport
{
    int removed = 0;
    int busy = 0;
    qint64 bytesFreed = 0;
};

struct VerifyReport
{
    int checked = 0;      // entries under images/
    int removed = 0;      // damaged entries and crash leftovers removed
    int busy = 0;         // damaged but in use by a running instance: kept
    QStringList problems; // "<key>: <what is wrong>", one per damaged entry or leftover
};

// The emulated counterpart of FC's image cache: unpacked images keyed by content (the chain
// of layer DiffIDs). Entries are unpacked into staging/ and published with one rename, so a
// crash never leaves a half entry that is later trusted; an flock per key makes two processes
// that unpack the same image at once do the work once.
class ImageCache final
{
public:
    explicit ImageCache(const QString &directory = defaultDirectory());

    // $FCEMU_CACHE_DIR, else the user's cache folder (~/.cache/fcemu).
    static QString defaultDirectory();
    static QString keyFor(const ImageInfo &info);

    QString directory() const { return m_dir; }

    std::optional<CacheEntry> lookup(const ImageInfo &info) const;
    // Returns the entry, unpacking it first when missing. Holds a lease on the entry.
    Result<EnsureResult> ensure(const ImageSource &source, const ImageInfo &info,
                                const UnpackOptions &options);
    QList<CacheEntry> list() const;
    // Removes every entry that no running instance holds, and stale staging folders.
    Result<PruneReport> prune();
    // `fcemu image cache verify` (CONTRACT §1.3): finds entries that are not whole (no readable
    // meta.json, no rootfs folder, a folder name that is not its content's key) and the
    // staging folders a killed unpack left, and removes those no process holds.
    Result<VerifyReport> verify();

private:
    std::optional<CacheEntry> readEntry(const QString &key) const;
    Result<UniqueFd> lockFile(const QString &key, int operation) const;

    QString m_dir;
};

// Unpacks into `directory` (which must not exist, or be empty) through a staging folder
// beside it: a refused image leaves nothing behind.
Result<UnpackReport> unpackToDirectory(const ImageSource &source, const ImageInfo &info,
                                       const QString &directory, const UnpackOptions &options);

// Size of a folder tree in bytes (apparent sizes of regular files).
qint64 treeSize(const QString &path);

} // namespace Fcemu::Image
