#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <QFile>

#include "ChildUtil.h"
#include "IdmappedBind.h"
#include "InstancePrivate.h"

namespace Fcemu::Sandbox::Detail {

namespace {

// Run as root, the sandbox never maps host uid 0: the function's ids 0..65535 are a subordinate
// range of root's (/etc/subuid, /etc/subgid), or 100000..165535 when none is listed, so its root
// owns nothing on the host. An unprivileged process can only map its own id, so fcemu does it
// from outside: the set-up child asks over a socket, a short-lived thread here writes its
// uid_map and gid_map and hands back the rootfs as an idmapped mount (host uid 0 shown as the
// function's root), because the child's ids can neither reach root's cache nor own its files.
// (subordinateRange: IdmappedBind.h.)

struct MapperReply
{
    int32_t err = 0;
    char what[120] = {};
};

} // namespace

// Serves one request from the set-up child on `fd` (SO_PASSCRED: the kernel names its PID).
void serveIdMapRequest(int fd, const QByteArray &rootfs)
{
    MapperReply reply;
    auto fail = [&reply](const char *what) {
        reply.err = errno;
        qstrncpy(reply.what, what, sizeof reply.what);
    };
    char byte = 0;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (recvmsg(fd, &msg, 0) <= 0)
        return; // the child died before asking
    const cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    ucred cred{};
    if (cmsg == nullptr || cmsg->cmsg_type != SCM_CREDENTIALS)
        return;
    memcpy(&cred, CMSG_DATA(cmsg), sizeof cred);
    const QByteArray proc = "/proc/" + QByteArray::number(cred.pid);
    const IdRange uids = subordinateRange("/etc/subuid");
    const IdRange gids = subordinateRange("/etc/subgid");
    const QByteArray uidMap =
        "0 " + QByteArray::number(uids.base) + ' ' + QByteArray::number(uids.count) + '\n';
    const QByteArray gidMap =
        "0 " + QByteArray::number(gids.base) + ' ' + QByteArray::number(gids.count) + '\n';
    auto writeMap = [&proc](const char *name, const QByteArray &map) {
        UniqueFd f(open(QByteArray(proc + name).constData(), O_WRONLY | O_CLOEXEC));
        return f && write(f.get(), map.constData(), size_t(map.size())) == map.size();
    };
    UniqueFd tree;
    if (!writeMap("/uid_map", uidMap)) {
        fail("write uid_map (subordinate range)");
    } else if (!writeMap("/gid_map", gidMap)) {
        fail("write gid_map (subordinate range)");
    } else {
        UniqueFd userns(open(QByteArray(proc + "/ns/user").constData(), O_RDONLY | O_CLOEXEC));
        tree.reset(int(syscall(SYS_open_tree, AT_FDCWD, rootfs.constData(),
                               OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE)));
        mount_attr attr{};
        attr.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        attr.userns_fd = uint64_t(userns.get());
        if (!userns) {
            fail("open the sandbox's user namespace");
        } else if (!tree) {
            fail("open_tree the rootfs");
        } else if (syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
                           sizeof attr) != 0) {
            fail("idmap the rootfs (mount_setattr)");
            tree.reset();
        }
    }
    (void)sendWithFd(fd, &reply, sizeof reply, tree ? tree.get() : -1);
}

} // namespace Fcemu::Sandbox::Detail
