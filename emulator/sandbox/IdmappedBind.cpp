#include "IdmappedBind.h"

#include <cerrno>
#include <cstring>
#include <csignal>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QFile>

#include "SandboxLog.h"

namespace Fcemu::Sandbox::Detail {

namespace {

QString errnoText(const QString &what, int err)
{
    return what + u": "_qs + QString::fromLocal8Bit(strerror(err));
}

// The helper that holds a user namespace while fcemu writes its maps and opens it: it shares
// our memory (CLONE_VM, so nothing is copied) and only waits to be killed.
int holdNamespace(void *)
{
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (;;)
        ::pause();
    return 0;
}

// A user namespace whose uid_map and gid_map are the given lines (written by us, root).
Result<UniqueFd> userNamespace(const QByteArray &uidMap, const QByteArray &gidMap)
{
    constexpr size_t kStack = 64 * 1024;
    void *stack = ::mmap(nullptr, kStack, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        return fail(ErrorKind::Platform, errnoText(u"sandbox: mmap"_qs, errno));
    const pid_t pid = ::clone(holdNamespace, static_cast<char *>(stack) + kStack,
                              CLONE_VM | CLONE_NEWUSER | SIGCHLD, nullptr);
    if (pid < 0) {
        const int err = errno;
        ::munmap(stack, kStack);
        return fail(ErrorKind::Platform,
                    errnoText(u"sandbox: a user namespace for an idmapped mount"_qs, err));
    }
    const QByteArray proc = "/proc/" + QByteArray::number(pid);
    auto writeMap = [&proc](const char *name, const QByteArray &map) {
        UniqueFd f(::open(QByteArray(proc + name).constData(), O_WRONLY | O_CLOEXEC));
        return f && ::write(f.get(), map.constData(), size_t(map.size())) == map.size();
    };
    UniqueFd ns;
    int err = 0;
    const char *what = "";
    if (!writeMap("/uid_map", uidMap)) {
        err = errno;
        what = "write the uid_map of an idmapped mount's namespace";
    } else if (!writeMap("/gid_map", gidMap)) {
        err = errno;
        what = "write the gid_map of an idmapped mount's namespace";
    } else {
        ns.reset(::open(QByteArray(proc + "/ns/user").constData(), O_RDONLY | O_CLOEXEC));
        if (!ns) {
            err = errno;
            what = "open an idmapped mount's user namespace";
        }
    }
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, __WALL) < 0 && errno == EINTR) {
    }
    ::munmap(stack, kStack);
    if (!ns)
        return fail(ErrorKind::Platform,
                    errnoText(u"sandbox: "_qs + QString::fromLatin1(what), err));
    return ns;
}

} // namespace

IdRange subordinateRange(const char *file)
{
    IdRange range;
    QFile f(QString::fromLatin1(file));
    if (!f.open(QIODevice::ReadOnly))
        return range;
    while (!f.atEnd()) {
        const QList<QByteArray> parts = f.readLine().trimmed().split(':');
        if (parts.size() != 3 || (parts[0] != "root" && parts[0] != "0"))
            continue;
        bool okBase = false, okCount = false;
        const qulonglong base = parts[1].toULongLong(&okBase);
        const qulonglong count = parts[2].toULongLong(&okCount);
        if (okBase && okCount && base > 0 && count >= 65536)
            return {base, 65536};
    }
    return range;
}

Result<std::vector<UniqueFd>> idmappedBindTrees(const SandboxSpec &spec)
{
    std::vector<UniqueFd> trees;
    const IdRange uids = subordinateRange("/etc/subuid");
    const IdRange gids = subordinateRange("/etc/subgid");
    for (const BindSpec &bind : spec.binds) {
        trees.emplace_back();
        if (bind.ownerUid < 0 || bind.ownerGid < 0)
            continue;
        if (bind.ownerUid >= 65536 || bind.ownerGid >= 65536)
            return fail(ErrorKind::Usage,
                        u"mount %1: the owner %2:%3 is outside the ids 0-65535 fcemu maps"_qs
                            .arg(bind.target)
                            .arg(bind.ownerUid)
                            .arg(bind.ownerGid));
        const QByteArray source = QFile::encodeName(bind.source);
        struct stat st;
        if (::stat(source.constData(), &st) != 0)
            return fail(ErrorKind::Usage, errnoText(u"mount "_qs + bind.source, errno));
        // The on-disk owner, read as an id of the mount's namespace, is the function's
        // userId:groupId on the host side of the sandbox's own map (BASE + id).
        const QByteArray uidMap = QByteArray::number(st.st_uid) + ' ' +
                                  QByteArray::number(uids.base + qulonglong(bind.ownerUid)) +
                                  " 1\n";
        const QByteArray gidMap = QByteArray::number(st.st_gid) + ' ' +
                                  QByteArray::number(gids.base + qulonglong(bind.ownerGid)) +
                                  " 1\n";
        auto ns = userNamespace(uidMap, gidMap);
        if (!ns)
            return std::unexpected(ns.error());
        UniqueFd tree(int(::syscall(SYS_open_tree, AT_FDCWD, source.constData(),
                                    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE)));
        if (!tree)
            return fail(ErrorKind::Platform,
                        errnoText(u"sandbox: open_tree "_qs + bind.source, errno));
        mount_attr attr{};
        attr.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                        (bind.readOnly ? MOUNT_ATTR_RDONLY : 0);
        attr.userns_fd = uint64_t(ns->get());
        if (::syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
                      sizeof attr) != 0) {
            // A file system without idmapped mounts (or a submount of one): a plain bind.
            qCWarning(lcSandbox).noquote()
                << errnoText(u"sandbox: %1 cannot be shown as owned by %2:%3 inside (an "
                             u"idmapped mount was refused); bound as it is"_qs.arg(bind.source)
                                 .arg(bind.ownerUid)
                                 .arg(bind.ownerGid),
                             errno);
            continue;
        }
        trees.back() = std::move(tree);
    }
    return trees;
}

} // namespace Fcemu::Sandbox::Detail
