#include "ImageUser.h"

#include <fcntl.h>
#include <unistd.h>

#include <QFile>

#include "image/InRoot.h"

namespace Fcemu::Runtime {

namespace {

QByteArray readInRoot(const QString &rootfs, const QByteArray &path)
{
    UniqueFd root(::open(QFile::encodeName(rootfs).constData(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        return {};
    UniqueFd fd = Image::InRoot::openFd(root.get(), path, O_RDONLY);
    if (!fd)
        return {};
    QByteArray data;
    char buffer[65536];
    for (ssize_t n; (n = ::read(fd.get(), buffer, sizeof buffer)) > 0 && data.size() < (4 << 20);)
        data.append(buffer, n);
    return data;
}

// Looks `name` up in a passwd- or group-style file: field 0 is the name, field 2 the id, and
// for passwd field 3 the primary group.
bool lookup(const QByteArray &file, const QString &name, uint32_t *id, uint32_t *group)
{
    for (const QByteArray &line : file.split('\n')) {
        const QList<QByteArray> f = line.split(':');
        if (f.size() < 3 || QString::fromUtf8(f[0]) != name)
            continue;
        bool ok = false;
        *id = f[2].toUInt(&ok);
        if (group && f.size() > 3)
            *group = f[3].toUInt();
        return ok;
    }
    return false;
}

} // namespace

Result<UserIds> resolveImageUser(const QString &user, const QString &rootfs)
{
    UserIds ids;
    if (user.isEmpty())
        return ids;
    const QString userPart = user.section(u':', 0, 0);
    const QString groupPart = user.contains(u':') ? user.section(u':', 1) : QString();
    bool numeric = false;
    ids.uid = userPart.toUInt(&numeric);
    if (!numeric) {
        uint32_t primary = 0;
        if (!lookup(readInRoot(rootfs, "etc/passwd"), userPart, &ids.uid, &primary))
            return fail(ErrorKind::ImageRefused,
                        u"the image's USER '"_qs + userPart + u"' is not in its /etc/passwd");
        ids.gid = primary;
    } else {
        uint32_t primary = ids.uid;
        // A numeric user takes its passwd group when it has one, else the same number.
        const QByteArray passwd = readInRoot(rootfs, "etc/passwd");
        for (const QByteArray &line : passwd.split('\n')) {
            const QList<QByteArray> f = line.split(':');
            if (f.size() > 3 && f[2].toUInt() == ids.uid && !f[2].isEmpty())
                primary = f[3].toUInt();
        }
        ids.gid = primary;
    }
    if (!groupPart.isEmpty()) {
        ids.gid = groupPart.toUInt(&numeric);
        if (!numeric && !lookup(readInRoot(rootfs, "etc/group"), groupPart, &ids.gid, nullptr))
            return fail(ErrorKind::ImageRefused,
                        u"the image's USER group '"_qs + groupPart + u"' is not in its /etc/group");
    }
    return ids;
}

} // namespace Fcemu::Runtime
