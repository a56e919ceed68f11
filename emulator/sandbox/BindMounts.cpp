#include "BindMounts.h"

#include "SandboxChild.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace Fcemu::Sandbox {

Result<std::vector<SetupOp>> bindMountOps(const SandboxSpec &spec,
                                          const std::vector<UniqueFd> &trees)
{
    std::vector<SetupOp> ops;
    int attached = 0;
    for (qsizetype i = 0; i < spec.binds.size(); ++i) {
        const BindSpec &bind = spec.binds[i];
        const QString where = bind.source + u":"_qs + bind.target;
        const QFileInfo source(bind.source);
        if (!source.isDir() || source.canonicalFilePath() != bind.source)
            return fail(ErrorKind::Usage, u"mount "_qs + where + u": "_qs + bind.source +
                                              u" is not an existing folder (absolute, without "
                                              u"symlinks)"_qs);
        const QString target = QDir::cleanPath(bind.target);
        if (!target.startsWith(u'/') || target == u"/"_qs)
            return fail(ErrorKind::Usage,
                        u"mount "_qs + where + u": the path inside must be absolute, not /"_qs);
        // Each folder of the target, from the top: none may be a symlink in the image.
        QByteArray inside;
        for (const QString &part : target.mid(1).split(u'/')) {
            inside += '/' + QFile::encodeName(part);
            struct stat st;
            const QByteArray inImage = QFile::encodeName(spec.rootfs) + inside;
            const bool exists = lstat(inImage.constData(), &st) == 0;
            if (exists && !S_ISDIR(st.st_mode))
                return fail(ErrorKind::Usage,
                            u"mount "_qs + where + u": "_qs + QString::fromUtf8(inside) +
                                (S_ISLNK(st.st_mode) ? u" is a symlink in the image"_qs
                                                     : u" is a file in the image"_qs) +
                                u"; mount at a folder path"_qs);
            // Only what the image lacks (its own folders keep their modes); made in the writable
            // layer, which is empty at the start.
            if (!exists)
                ops.push_back({OpType::Mkdir, {}, QByteArray(kNewRoot) + inside, {}, 0, 0755});
        }
        const QByteArray dest = QByteArray(kNewRoot) + inside;
        if (size_t(i) < trees.size() && trees[size_t(i)]) {
            if (attached == Detail::kMaxBindTrees)
                return fail(ErrorKind::Usage, u"more than %1 NAS mount points"_qs.arg(attached));
            ops.push_back({OpType::AttachTree,
                           QFile::encodeName(bind.source),
                           dest,
                           {},
                           static_cast<unsigned long>(Detail::kFirstBindTreeFd + attached++)});
        } else {
            ops.push_back({OpType::BindMount,
                           QByteArray(kOldRoot) + QFile::encodeName(bind.source),
                           dest,
                           {},
                           MS_BIND | MS_REC});
        }
        ops.push_back(
            {OpType::RemountReadOnly,
             {},
             dest,
             {},
             MS_NOSUID | MS_NODEV | (bind.readOnly ? static_cast<unsigned long>(MS_RDONLY) : 0ul)});
    }
    return ops;
}

} // namespace Fcemu::Sandbox
