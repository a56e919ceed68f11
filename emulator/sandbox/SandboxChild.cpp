// The set-up child (see SandboxChild.h). Over 500 lines on purpose: it is one sequence of steps
// run between clone() and exec() without allocation, and its order is the security argument
// (CONTRACT §3, docs/SECURITY.md), read top to bottom.

#include "SandboxChild.h"

#include "ChildUtil.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/if.h>
#include <linux/seccomp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <grp.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

// Everything in this file runs in the child between clone and execve (see SandboxChild.h):
// system calls and hand-written string copies only. memcpy/strlen are async-signal-safe in
// practice (and POSIX 2016 lists them); no allocation, no locale, no stdio.

namespace Fcemu::Sandbox::Detail {

namespace {

[[noreturn]] void die(MessageType type, int err, const char *what, const char *detail = nullptr)
{
    sendMessage(kStatusFd, type, err, 0, what, detail);
    ::_exit(127);
}

int writeWholeFile(const char *path, const char *data, size_t size, int flags, mode_t mode)
{
    const int fd = ::open(path, flags | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return -1;
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int saved = errno;
            ::close(fd);
            errno = saved;
            return -1;
        }
        data += n;
        size -= size_t(n);
    }
    return ::close(fd);
}

// statfs flags -> the MS_* flags a remount must keep: the kernel refuses (EPERM) a remount in
// a user namespace that would clear flags locked by the mount's owner (nosuid, nodev, noexec,
// atime flags).
unsigned long lockedMountFlags(const char *path)
{
    struct statfs st;
    if (::statfs(path, &st) != 0)
        return 0;
    unsigned long flags = 0;
    const std::pair<unsigned long, unsigned long> map[] = {
        {ST_NOSUID, MS_NOSUID},   {ST_NODEV, MS_NODEV},           {ST_NOEXEC, MS_NOEXEC},
        {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
        {ST_RDONLY, MS_RDONLY}};
    for (const auto &[st_flag, ms_flag] : map)
        if (st.f_flags & st_flag)
            flags |= ms_flag;
    return flags;
}

int pivotRoot(const char *newRoot, const char *putOld)
{
    return int(::syscall(SYS_pivot_root, newRoot, putOld));
}

// Executes one op; returns 0 or -1 with errno, and names the failed step in *what.
int runOp(const SetupOp &op, const char **what)
{
    const char *dest = op.dest.constData();
    const char *src = op.source.constData();
    switch (op.type) {
    case OpType::MakeRootPrivate:
        *what = "make / private";
        return ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
    case OpType::MountTmpfs:
        *what = "mount tmpfs on";
        return ::mount("tmpfs", dest, "tmpfs", op.flags, op.data.constData());
    case OpType::PivotToScratch:
        *what = "pivot_root into the scratch tmpfs at";
        if (::chdir(dest) != 0 || ::mkdir("oldroot", 0755) != 0)
            return -1;
        if (pivotRoot(".", "oldroot") != 0)
            return -1;
        return ::chdir("/");
    case OpType::Mkdir:
        *what = "mkdir";
        if (::mkdir(dest, op.mode) != 0 && errno != EEXIST)
            return -1;
        // mkdir applies the umask; the mode of /tmp (01777) must be exact.
        return ::chmod(dest, op.mode);
    case OpType::WriteFile:
        *what = "write";
        return writeWholeFile(dest, op.data.constData(), size_t(op.data.size()), O_CREAT | O_TRUNC,
                              op.mode);
    case OpType::CreateFile:
        *what = "create mount point";
        return writeWholeFile(dest, "", 0, O_CREAT, op.mode);
    case OpType::Symlink:
        *what = "symlink";
        return ::symlink(src, dest);
    case OpType::BindMount:
        *what = "bind-mount onto";
        return ::mount(src, dest, nullptr, op.flags, nullptr);
    case OpType::RemountReadOnly:
        *what = "remount read-only";
        return ::mount(nullptr, dest, nullptr,
                       MS_REMOUNT | MS_BIND | op.flags | lockedMountFlags(dest), nullptr);
    case OpType::MountOverlay:
        *what = "mount overlayfs on";
        return ::mount("overlay", dest, "overlay", op.flags, op.data.constData());
    case OpType::MountProc:
        *what = "mount proc on";
        return ::mount("proc", dest, "proc", op.flags, nullptr);
    case OpType::MountDevpts:
        *what = "mount devpts on";
        return ::mount("devpts", dest, "devpts", op.flags, op.data.constData());
    case OpType::MaskPath: {
        *what = "mask";
        struct stat st;
        if (::lstat(dest, &st) != 0)
            return errno == ENOENT ? 0 : -1;
        if (S_ISDIR(st.st_mode))
            return ::mount("tmpfs", dest, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                           "size=0,mode=0555");
        return ::mount(src, dest, nullptr, MS_BIND, nullptr);
    }
    case OpType::MountFs:
        *what = "mount";
        return ::mount(src, dest, src, op.flags, op.data.isEmpty() ? nullptr : op.data.constData());
    case OpType::DetachOldRoot:
        *what = "detach the host root";
        return ::umount2(dest, MNT_DETACH);
    case OpType::AttachTree:
        *what = "attach an idmapped folder at";
        return int(
            ::syscall(SYS_move_mount, int(op.flags), "", AT_FDCWD, dest, MOVE_MOUNT_F_EMPTY_PATH));
    case OpType::PivotRoot:
        *what = "pivot_root to";
        if (::chdir(dest) != 0 || pivotRoot(".", ".") != 0)
            return -1;
        if (::umount2(".", MNT_DETACH) != 0)
            return -1;
        return ::chdir("/");
    }
    errno = EINVAL;
    return -1;
}

// Brings lo up and adds the instance address with rtnetlink, as bubblewrap's loopback_setup
// does (network.c). In a new network namespace lo is always interface 1.
int netlinkRequest(int fd, nlmsghdr *msg)
{
    sockaddr_nl kernel;
    memset(&kernel, 0, sizeof kernel);
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd, msg, msg->nlmsg_len, 0, reinterpret_cast<sockaddr *>(&kernel), sizeof kernel) <
        0)
        return -1;
    alignas(nlmsghdr) char reply[512];
    for (;;) {
        const ssize_t n = ::recv(fd, reply, sizeof reply, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        auto *hdr = reinterpret_cast<nlmsghdr *>(reply);
        if (size_t(n) < sizeof(nlmsghdr) || hdr->nlmsg_seq != msg->nlmsg_seq)
            continue;
        if (hdr->nlmsg_type == NLMSG_ERROR) {
            const auto *e = static_cast<const nlmsgerr *>(NLMSG_DATA(hdr));
            if (e->error == 0)
                return 0;
            errno = -e->error;
            return -1;
        }
    }
}

void addAttribute(nlmsghdr *msg, unsigned short type, const void *data, unsigned short len)
{
    auto *attr =
        reinterpret_cast<rtattr *>(reinterpret_cast<char *>(msg) + NLMSG_ALIGN(msg->nlmsg_len));
    attr->rta_type = type;
    attr->rta_len = RTA_LENGTH(len);
    memcpy(RTA_DATA(attr), data, len);
    msg->nlmsg_len = NLMSG_ALIGN(msg->nlmsg_len) + RTA_ALIGN(attr->rta_len);
}

int setUpLoopback(uint32_t address, const char **what)
{
    *what = "rtnetlink socket";
    const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return -1;
    struct
    {
        nlmsghdr hdr;
        ifinfomsg info;
    } link;
    memset(&link, 0, sizeof link);
    link.hdr.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
    link.hdr.nlmsg_type = RTM_NEWLINK;
    link.hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    link.hdr.nlmsg_seq = 1;
    link.info.ifi_family = AF_UNSPEC;
    link.info.ifi_index = 1;
    link.info.ifi_flags = IFF_UP;
    link.info.ifi_change = IFF_UP;
    *what = "bring the loopback up";
    if (netlinkRequest(fd, &link.hdr) != 0) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        return -1;
    }
    if (address != 0) {
        struct
        {
            nlmsghdr hdr;
            ifaddrmsg addr;
            char attrs[64];
        } req;
        memset(&req, 0, sizeof req);
        req.hdr.nlmsg_len = NLMSG_LENGTH(sizeof(ifaddrmsg));
        req.hdr.nlmsg_type = RTM_NEWADDR;
        req.hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
        req.hdr.nlmsg_seq = 2;
        req.addr.ifa_family = AF_INET;
        req.addr.ifa_prefixlen = 8; // 21.0.0.0/8, as FC's instance network
        req.addr.ifa_scope = RT_SCOPE_UNIVERSE;
        req.addr.ifa_index = 1;
        addAttribute(&req.hdr, IFA_LOCAL, &address, 4);
        addAttribute(&req.hdr, IFA_ADDRESS, &address, 4);
        *what = "add the instance address to the loopback";
        if (netlinkRequest(fd, &req.hdr) != 0) {
            const int saved = errno;
            ::close(fd);
            errno = saved;
            return -1;
        }
    }
    ::close(fd);
    return 0;
}

// Moves the parent's descriptors to the fixed numbers and closes everything else, so no fd of
// fcemu (listening sockets, other instances' sockets) leaks into the sandbox.
struct MapperAnswer
{
    int32_t err = 0;
    char what[120] = {};
};

// Asks fcemu (run as root) to write our id maps; returns the idmapped rootfs tree or -1.
int askForIdMaps(int fd, MapperAnswer *answer)
{
    char byte = 1;
    // The kernel attaches our credentials (the receiver has SO_PASSCRED): fcemu learns our PID.
    if (::send(fd, &byte, 1, MSG_NOSIGNAL) != 1) {
        answer->err = errno;
        append(answer->what, sizeof answer->what, "ask fcemu for the id maps");
        return -1;
    }
    int tree = -1;
    const ssize_t n = receiveWithFd(fd, answer, sizeof *answer, &tree);
    if (n != ssize_t(sizeof *answer)) {
        answer->err = n < 0 ? errno : EPROTO;
        if (tree >= 0)
            ::close(tree);
        append(answer->what, sizeof answer->what, "read fcemu's answer for the id maps");
        return -1;
    }
    answer->what[sizeof answer->what - 1] = '\0';
    return tree;
}

// treeFd (the idmapped rootfs, or -1) is kept as kTreeFd, close-on-exec.
constexpr int kTreeFd = 8;

void arrangeDescriptors(const ChildContext &c, int treeFd)
{
    int sources[5 + kMaxBindTrees] = {c.statusFd, c.requestFd, c.stdoutFd, c.stderrFd, c.initExeFd};
    const int count = 5 + c.bindTreeCount;
    for (int i = 0; i < c.bindTreeCount; ++i)
        sources[5 + i] = c.bindTreeFds[i];
    int high[5 + kMaxBindTrees];
    for (int i = 0; i < count; ++i) {
        high[i] = ::fcntl(sources[i], F_DUPFD_CLOEXEC, 64);
        if (high[i] < 0) {
            // The status socket may be the one that failed; try to say so anyway.
            ChildMessage msg;
            memset(&msg, 0, sizeof msg);
            msg.type = MessageType::Error;
            msg.err = errno;
            append(msg.text, sizeof msg.text, "duplicate a descriptor in the child");
            (void)::send(c.statusFd, &msg, sizeof msg, MSG_NOSIGNAL);
            ::_exit(127);
        }
    }
    // 3-6 are for fcemu-init and survive the exec; 7 (fcemu-init itself) does not.
    for (int i = 0; i < 5; ++i)
        ::dup3(high[i], 3 + i, 3 + i == kInitExeFd ? O_CLOEXEC : 0);
    unsigned first = 8;
    if (treeFd >= 0) {
        if (treeFd != kTreeFd)
            ::dup3(treeFd, kTreeFd, O_CLOEXEC);
        first = 9;
    }
    // The idmapped NAS folders (IdmappedBind.h) at 9..: only run as root, with treeFd.
    for (int i = 0; i < c.bindTreeCount; ++i)
        ::dup3(high[5 + i], kFirstBindTreeFd + i, O_CLOEXEC);
    if (c.bindTreeCount > 0)
        first = unsigned(kFirstBindTreeFd + c.bindTreeCount);
    if (::syscall(SYS_close_range, first, ~0u, 0u) != 0) {
        for (int fd = int(first); fd < 4096; ++fd)
            ::close(fd);
    }
}

// Docker's default capability set for the function's root (moby's oci/caps/defaults.go), less
// CAP_NET_RAW (AF_PACKET and raw sockets: nothing an FC function needs). Everything else leaves
// the bounding set before fcemu-init is exec'd, so neither it nor anything it starts can regain
// CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_NET_ADMIN, ... in the sandbox's user namespace.
constexpr int kKeptCapabilities[] = {
    CAP_CHOWN,      CAP_DAC_OVERRIDE, CAP_FSETID,     CAP_FOWNER,  CAP_MKNOD,
    CAP_SETGID,     CAP_SETUID,       CAP_SETFCAP,    CAP_SETPCAP, CAP_NET_BIND_SERVICE,
    CAP_SYS_CHROOT, CAP_KILL,         CAP_AUDIT_WRITE};

int dropCapabilities()
{
    for (int cap = 0; cap <= 63; ++cap) {
        bool keep = false;
        for (int kept : kKeptCapabilities)
            keep = keep || kept == cap;
        if (keep)
            continue;
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) // EINVAL: unknown
            return -1;
    }
    // Ambient capabilities would survive the exec of a non-root program.
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        return -1;
    return 0;
}

} // namespace

int childSetup(void *context)
{
    const ChildContext &c = *static_cast<const ChildContext *>(context);
    // Into the instance's cgroup before anything else (the descriptors are closed below), then
    // a cgroup namespace rooted there, so /sys/fs/cgroup inside shows the instance's limits.
    int resourceErr = 0;
    const char *resourceWhat = nullptr;
    for (int i = 0; i < c.cgroupProcsCount && resourceErr == 0; ++i)
        if (::write(c.cgroupProcsFds[i], "0", 1) != 1) {
            resourceErr = errno;
            resourceWhat = "join the instance's cgroup";
        }
    if (resourceErr == 0 && c.cgroupProcsCount > 0 && ::unshare(CLONE_NEWCGROUP) != 0) {
        resourceErr = errno;
        resourceWhat = "unshare the cgroup namespace";
    }
    if (resourceErr == 0 && c.affinity != nullptr &&
        ::sched_setaffinity(0, sizeof *c.affinity, c.affinity) != 0) {
        resourceErr = errno;
        resourceWhat = "set the instance's CPU affinity";
    }
    int treeFd = -1;
    MapperAnswer mapped;
    if (c.mapperFd >= 0)
        treeFd = askForIdMaps(c.mapperFd, &mapped);
    arrangeDescriptors(c, treeFd);
    if (resourceErr != 0)
        die(MessageType::Error, resourceErr, resourceWhat);
    if (c.mapperFd >= 0 && (mapped.err != 0 || treeFd < 0))
        die(MessageType::Error, mapped.err != 0 ? mapped.err : EPROTO,
            mapped.what[0] != '\0' ? mapped.what : "write the id maps from fcemu");

    // Die with fcemu. PDEATHSIG is tied to the thread that cloned us (see Sandbox.h); the status
    // socket's hang-up covers the race where fcemu died before this line and any other case.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    {
        pollfd p{kStatusFd, POLLIN, 0};
        if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)))
            ::_exit(127);
    }

    if (c.mapperFd >= 0) {
        // The maps are written: become the function's root (no host groups), with the
        // capabilities the namespace gave us.
        if (::setgroups(0, nullptr) != 0)
            die(MessageType::Error, errno, "setgroups in the sandbox");
        if (::setresgid(0, 0, 0) != 0 || ::setresuid(0, 0, 0) != 0)
            die(MessageType::Error, errno, "become root in the sandbox");
    } else {
        // Rootless id maps: setgroups "deny" first (required before gid_map for an unprivileged
        // writer since Linux 3.19), then a single-id map for uid and gid.
        if (writeWholeFile("/proc/self/setgroups", "deny", 4, 0, 0) != 0 && errno != ENOENT)
            die(MessageType::Error, errno, "write /proc/self/setgroups");
        if (writeWholeFile("/proc/self/uid_map", c.uidMap, textLength(c.uidMap), 0, 0) != 0)
            die(MessageType::Error, errno, "write /proc/self/uid_map");
        if (writeWholeFile("/proc/self/gid_map", c.gidMap, textLength(c.gidMap), 0, 0) != 0)
            die(MessageType::Error, errno, "write /proc/self/gid_map");
    }

    if (c.hostname != nullptr && c.hostname[0] != '\0' &&
        ::sethostname(c.hostname, textLength(c.hostname)) != 0)
        die(MessageType::Error, errno, "sethostname");

    const char *what = "";
    if (setUpLoopback(c.instanceAddress, &what) != 0)
        die(MessageType::Error, errno, what);

    bool overlay = c.allowOverlay;
    if (!overlay)
        sendMessage(kStatusFd, MessageType::Warning, 0, 1,
                    "overlayfs disabled by FCEMU_SANDBOX_OVERLAY=0; using a read-only rootfs "
                    "with a writable /tmp instead",
                    nullptr);
    for (const SetupOp &op : *c.plan) {
        if (treeFd >= 0 && op.type == OpType::BindMount && op.dest == kLower) {
            if (::syscall(SYS_move_mount, kTreeFd, "", AT_FDCWD, kLower, MOVE_MOUNT_F_EMPTY_PATH) !=
                0)
                die(MessageType::Error, errno, "attach the idmapped rootfs at", kLower);
            continue;
        }
        if ((op.when == OpWhen::OverlayOnly && !overlay) ||
            (op.when == OpWhen::FallbackOnly && overlay) ||
            (op.type == OpType::MountOverlay && !overlay))
            continue;
        if (runOp(op, &what) == 0)
            continue;
        const int err = errno;
        if (op.type == OpType::MountOverlay && overlay) {
            overlay = false;
            sendMessage(kStatusFd, MessageType::Warning, err, 1,
                        "the kernel refused overlayfs in a user namespace; using a read-only "
                        "rootfs with a writable /tmp instead",
                        nullptr);
            continue;
        }
        if (op.optional)
            continue;
        char detail[300] = "";
        append(detail, sizeof detail, op.dest.constData());
        if (!op.source.isEmpty()) {
            append(detail, sizeof detail, " from ");
            append(detail, sizeof detail, op.source.constData());
        }
        die(MessageType::Error, err, what, detail);
    }

    // stdio of the init: nothing of the host.
    const int devNull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devNull < 0)
        die(MessageType::Error, errno, "open /dev/null in the sandbox");
    for (int fd = 0; fd < 3; ++fd)
        ::dup2(devNull, fd);
    ::close(devNull);

    if (::chdir(c.workingDir) != 0)
        die(MessageType::ExecError, errno, "chdir to the working directory", c.workingDir);

    // A session of its own: no controlling terminal for anything in the sandbox, so no
    // TIOCSTI into the shell that started fcemu (bubblewrap's --new-session, CVE-2017-5226).
    if (::setsid() < 0)
        die(MessageType::Error, errno, "setsid");

    // The task limit: RLIMIT_NPROC is counted per user namespace and uid (Linux 5.14+), so
    // this caps the processes and threads of the function's user in this instance alone. Hard
    // too: raising it needs CAP_SYS_RESOURCE, which is not kept.
    const rlimit tasks{kTaskLimit, kTaskLimit};
    if (::setrlimit(RLIMIT_NPROC, &tasks) != 0)
        die(MessageType::Error, errno, "setrlimit(RLIMIT_NPROC)");

    // Set-up is over: the function's root keeps Docker's default capabilities only.
    if (dropCapabilities() != 0)
        die(MessageType::Error, errno, "drop capabilities (PR_CAPBSET_DROP)");

    // As root the child is the function's root until here; now the image's USER, if any.
    if (c.mapperFd >= 0 && (c.functionGid != 0 || c.functionUid != 0)) {
        if (::setresgid(c.functionGid, c.functionGid, c.functionGid) != 0 ||
            ::setresuid(c.functionUid, c.functionUid, c.functionUid) != 0)
            die(MessageType::Error, errno, "become the image's user in the sandbox");
    }

    // setuid binaries in the image gain nothing (the rootfs is also nosuid). Kept across exec.
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        die(MessageType::Error, errno, "prctl(PR_SET_NO_NEW_PRIVS)");

    // The default seccomp filter, last: everything above needed mount, pivot_root, setns-free
    // clone flags the filter refuses. It stays on fcemu-init and everything it starts.
    if (c.seccomp != nullptr && ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, c.seccomp) != 0)
        die(MessageType::Error, errno, "load the seccomp filter");

    // Signals stay blocked (the parent blocked them all around clone): fcemu-init reads them
    // from a signalfd and unblocks them for the command.
    ::syscall(SYS_execveat, kInitExeFd, "", c.initArgv, c.envp, AT_EMPTY_PATH);
    die(MessageType::Error, errno, "execute fcemu-init");
}

int dropToDefaultCapabilities()
{
    return dropCapabilities();
}

int probeUserNamespace(void *arg)
{
    const auto *maps = static_cast<const ProbeMaps *>(arg);
    int err = 0;
    if (writeWholeFile("/proc/self/setgroups", "deny", 4, 0, 0) != 0 && errno != ENOENT)
        err = errno;
    if (err == 0 &&
        writeWholeFile("/proc/self/uid_map", maps->uidMap, textLength(maps->uidMap), 0, 0) != 0)
        err = errno;
    if (err == 0 &&
        writeWholeFile("/proc/self/gid_map", maps->gidMap, textLength(maps->gidMap), 0, 0) != 0)
        err = errno;
    // A namespace without capabilities (AppArmor's restriction) fails here.
    if (err == 0 && ::mount("tmpfs", "/tmp", "tmpfs", 0, "size=4k") != 0)
        err = errno;
    ::_exit(err & 0xff);
}

} // namespace Fcemu::Sandbox::Detail
