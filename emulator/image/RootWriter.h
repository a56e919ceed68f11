#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <functional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <QByteArray>
#include <QByteArrayList>
#include <QString>

#include "common/Error.h"
#include "common/UniqueFd.h"

struct archive;
struct archive_entry;

namespace Fcemu::Image {

// Applies layer tar streams onto a root directory with OCI semantics (image-spec layer.md):
// whiteouts, opaque directories, hardlinks within and across layers, symlinks, type changes.
//
// Containment: every parent is resolved with InRoot (openat2 RESOLVE_IN_ROOT, so a symlink
// that stays inside the root is followed and one that points out is clamped to the root);
// the final component is only ever touched with *at(..., AT_SYMLINK_NOFOLLOW)-style calls, and
// attributes are set on file descriptors, never through a path (CVE-2021-32760,
// CVE-2021-31566). Files end up owned by the invoking user (rootless).
class RootWriter final
{
public:
    struct Stats
    {
        qint64 files = 0;
        qint64 directories = 0;
        qint64 symlinks = 0;
        qint64 hardlinks = 0;
        qint64 whiteouts = 0;
        qint64 bytes = 0;
        QStringList warnings; // skipped device nodes and the like
    };

    // rootFd: an O_PATH|O_DIRECTORY descriptor of the (staging) root.
    explicit RootWriter(UniqueFd rootFd);
    ~RootWriter();
    RootWriter(const RootWriter &) = delete;
    RootWriter &operator=(const RootWriter &) = delete;

    // Reads every entry of an opened libarchive tar reader and applies it. `layerName` is used
    // in messages. Returns the first fatal error (a hostile entry, a write failure).
    Status applyLayer(archive *reader, const QString &layerName,
                      const std::function<bool()> &cancelled);

    // Sets the final modes and mtimes of directories (deferred so that later entries could be
    // written into them). Call once after the last layer.
    Status finish();

    const Stats &stats() const { return m_stats; }

private:
    struct DirAttrs
    {
        QByteArray path;
        mode_t mode;
        struct timespec mtime;
    };
    struct InodeKey
    {
        dev_t dev;
        ino_t ino;
        bool operator==(const InodeKey &) const = default;
    };
    struct InodeHash
    {
        std::size_t operator()(const InodeKey &k) const
        {
            return std::hash<ino_t>()(k.ino) ^ (std::hash<dev_t>()(k.dev) << 1);
        }
    };

    Status applyEntry(archive *reader, archive_entry *entry, const QString &layerName);
    Result<int> parentFd(const QByteArrayList &components, int count, bool create,
                         const QString &where);
    int createParents(const QByteArray &path);
    void invalidateParentCache();
    Status removeExisting(int parentFd, const QByteArray &name, const QString &where);
    Status removeTree(int parentFd, const QByteArray &name, const QString &where);
    Status applyOpaque(int dirFd, const QString &where);
    Status writeData(archive *reader, int fd, const QString &where);
    void markCreated(int parentFd, const QByteArray &name);
    bool createdInThisLayer(const struct stat &st) const;

    UniqueFd m_root;
    QByteArray m_cachedParentPath;
    UniqueFd m_cachedParent;
    std::unordered_set<InodeKey, InodeHash> m_createdThisLayer;
    std::unordered_map<std::string, DirAttrs> m_dirAttrs;
    Stats m_stats;
};

} // namespace Fcemu::Image
