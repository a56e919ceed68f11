#include "MountPlan.h"

#include <sys/mount.h>

#include "Network.h"
#include "Sandbox.h"

namespace Fcemu::Sandbox {

namespace {

QByteArray path(const char *prefix, const char *rest)
{
    return QByteArray(prefix) + rest;
}

QString flagText(unsigned long flags)
{
    QStringList names;
    if (flags & MS_RDONLY)
        names << u"ro"_qs;
    if (flags & MS_NOSUID)
        names << u"nosuid"_qs;
    if (flags & MS_NODEV)
        names << u"nodev"_qs;
    if (flags & MS_NOEXEC)
        names << u"noexec"_qs;
    return names.join(u',');
}

} // namespace

QString SetupOp::describe() const
{
    const QString src = QString::fromUtf8(source);
    const QString dst = QString::fromUtf8(dest);
    const QString opts = QString::fromUtf8(data);
    QString line;
    switch (type) {
    case OpType::MakeRootPrivate:
        line = u"make-private /"_qs;
        break;
    case OpType::MountTmpfs:
        line = u"tmpfs "_qs + dst + u" "_qs + opts;
        break;
    case OpType::PivotToScratch:
        line = u"pivot-to-scratch "_qs + dst;
        break;
    case OpType::Mkdir:
        line = u"mkdir "_qs + dst + u" "_qs + QString::number(mode, 8);
        break;
    case OpType::WriteFile:
        line = u"write "_qs + dst + u" "_qs + QString::number(mode, 8);
        break;
    case OpType::CreateFile:
        line = u"touch "_qs + dst;
        break;
    case OpType::Symlink:
        line = u"symlink "_qs + dst + u" -> "_qs + src;
        break;
    case OpType::BindMount:
        line = u"bind "_qs + src + u" -> "_qs + dst;
        break;
    case OpType::RemountReadOnly:
        line = u"remount-ro "_qs + dst;
        break;
    case OpType::MountOverlay:
        line = u"overlay "_qs + dst + u" "_qs + opts;
        break;
    case OpType::MountProc:
        line = u"proc "_qs + dst;
        break;
    case OpType::MountDevpts:
        line = u"devpts "_qs + dst + u" "_qs + opts;
        break;
    case OpType::MaskPath:
        line = u"mask "_qs + dst;
        break;
    case OpType::DetachOldRoot:
        line = u"detach "_qs + dst;
        break;
    case OpType::PivotRoot:
        line = u"pivot-root "_qs + dst;
        break;
    case OpType::MountFs:
        line = src + u" "_qs + dst + u" "_qs + opts;
        break;
    case OpType::AttachTree:
        return u"attach "_qs + src + u" (fd "_qs + QString::number(flags) + u") -> "_qs + dst;
    }
    const QString f = flagText(flags);
    if (!f.isEmpty())
        line += u" ["_qs + f + u"]"_qs;
    if (when == OpWhen::OverlayOnly)
        line.prepend(u"(overlay) "_qs);
    else if (when == OpWhen::FallbackOnly)
        line.prepend(u"(fallback) "_qs);
    if (optional)
        line += u" optional"_qs;
    return line;
}

QByteArray hostsFile(const SandboxSpec &spec)
{
    QByteArray hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
    if (!spec.instanceAddress.isEmpty() && !spec.hostname.isEmpty())
        hosts += spec.instanceAddress.toUtf8() + '\t' + spec.hostname.toUtf8() + '\n';
    if (spec.outboundNetwork) // the developer's machine, its loopback included (Network.h)
        hosts += QByteArray(kUserNetHostAddress) + '\t' + kHostAlias + '\n';
    return hosts;
}

QByteArray resolvConfFile(bool outboundNetwork)
{
    if (outboundNetwork) // the stack forwards it to the host's resolver
        return "nameserver " + QByteArray(kUserNetDnsAddress) + "\noptions timeout:2 attempts:3\n";
    // What FC's instances get: Alibaba Cloud's internal resolvers. The sandbox has no route out
    // (loopback only), so this is for programs that merely read the file.
    return "nameserver 100.100.2.136\nnameserver 100.100.2.138\n"
           "options timeout:2 attempts:3 rotate single-request-reopen\n";
}

MountPlan buildMountPlan(const SandboxSpec &spec)
{
    MountPlan plan;
    auto add = [&plan](SetupOp op) { plan.push_back(std::move(op)); };
    const QByteArray diskSize = "size=" + QByteArray::number(qulonglong(spec.diskSizeBytes));
    const unsigned long safe = MS_NOSUID | MS_NODEV;

    add({OpType::MakeRootPrivate, {}, "/", {}, 0});
    // The writable layer: upper and work dirs of the overlay live on this size-limited tmpfs,
    // so writing past diskSizeBytes gives ENOSPC inside, and it vanishes with the namespace.
    add({OpType::MountTmpfs, {}, kScratch, diskSize + ",mode=0755", safe});
    add({OpType::PivotToScratch, {}, kScratch, {}, 0});
    for (const char *dir : {kLower, kUpper, kWork, kNewRoot})
        add({OpType::Mkdir, {}, dir, {}, 0, 0755});

    // A private read-only view of the rootfs: the overlay's lower layer (and a short path for
    // its options, which cannot hold ',' or ':').
    add({OpType::BindMount,
         path(kOldRoot, spec.rootfs.toUtf8().constData()),
         kLower,
         {},
         MS_BIND | MS_REC});
    add({OpType::RemountReadOnly, {}, kLower, {}, MS_RDONLY | safe});

    // Directories and files of the upper layer: mount points that cannot be redirected by a
    // symlink in the image (an upper entry hides whatever the image has there), the sticky
    // /tmp, and the generated /etc files.
    for (const char *dir : {"/dev", "/proc", "/etc"})
        add({OpType::Mkdir, {}, path(kUpper, dir), {}, 0, 0755, OpWhen::OverlayOnly});
    add({OpType::Mkdir, {}, path(kUpper, "/tmp"), {}, 0, 01777, OpWhen::OverlayOnly});
    // In the fallback the files are bind-mounted from the scratch tmpfs.
    const char *etcDir = "/etc-files";
    add({OpType::Mkdir, {}, etcDir, {}, 0, 0755, OpWhen::FallbackOnly});
    const QByteArray hostname = spec.hostname.toUtf8() + '\n';
    const QByteArray hosts = hostsFile(spec);
    const QByteArray resolv = resolvConfFile(spec.outboundNetwork);
    const std::pair<const char *, const QByteArray *> etcFiles[] = {
        {"/etc/hosts", &hosts}, {"/etc/hostname", &hostname}, {"/etc/resolv.conf", &resolv}};
    for (const auto &[name, content] : etcFiles) {
        add({OpType::WriteFile, {}, path(kUpper, name), *content, 0, 0644, OpWhen::OverlayOnly});
        add({OpType::WriteFile,
             {},
             QByteArray(etcDir) + (name + 4),
             *content,
             0,
             0644,
             OpWhen::FallbackOnly});
    }

    add({OpType::MountOverlay,
         {},
         kNewRoot,
         "lowerdir=" + QByteArray(kLower) + ",upperdir=" + kUpper + ",workdir=" + kWork +
             ",userxattr",
         safe});

    // Fallback where the kernel refuses overlayfs: the rootfs read-only, a tmpfs of the disk
    // size on /tmp, and the /etc files bound over the image's (when it has them).
    add({OpType::BindMount, kLower, kNewRoot, {}, MS_BIND | MS_REC, 0, OpWhen::FallbackOnly});
    add({OpType::RemountReadOnly, {}, kNewRoot, {}, MS_RDONLY | safe, 0, OpWhen::FallbackOnly});
    add({OpType::MountTmpfs,
         {},
         path(kNewRoot, "/tmp"),
         diskSize + ",mode=1777",
         safe,
         0,
         OpWhen::FallbackOnly});
    for (const auto &[name, content] : etcFiles) {
        Q_UNUSED(content);
        add({OpType::BindMount,
             QByteArray(etcDir) + (name + 4),
             path(kNewRoot, name),
             {},
             MS_BIND,
             0,
             OpWhen::FallbackOnly,
             true});
    }

    add({OpType::MountProc, {}, path(kNewRoot, "/proc"), {}, safe | MS_NOEXEC});

    // A minimal /dev: host device nodes bind-mounted (a user namespace cannot mknod).
    add({OpType::MountTmpfs,
         {},
         path(kNewRoot, "/dev"),
         "mode=0755,size=1m",
         MS_NOSUID | MS_NOEXEC});
    for (const char *node : {"/null", "/zero", "/full", "/random", "/urandom", "/tty"}) {
        const QByteArray dest = path(kNewRoot, "/dev") + node;
        add({OpType::CreateFile, {}, dest, {}, 0, 0666});
        add({OpType::BindMount, path(kOldRoot, "/dev") + node, dest, {}, MS_BIND});
        // The host's inodes: read-only binds, so the function cannot touch, chmod or chown
        // them (device I/O is unaffected by a read-only mount).
        add({OpType::RemountReadOnly, {}, dest, {}, MS_RDONLY | MS_NOSUID | MS_NOEXEC});
    }
    // /proc as Docker leaves it: the kernel's knobs read-only, its secrets and debug files
    // masked. Optional: which of these exist depends on the kernel.
    for (const char *dir : {"/bus", "/fs", "/irq", "/sys", "/sysrq-trigger"}) {
        const QByteArray dest = path(kNewRoot, "/proc") + dir;
        add({OpType::BindMount, dest, dest, {}, MS_BIND | MS_REC, 0, OpWhen::Always, true});
        add({OpType::RemountReadOnly,
             {},
             dest,
             {},
             MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
             0,
             OpWhen::Always,
             true});
    }
    for (const char *masked :
         {"/acpi", "/asound", "/interrupts", "/kcore", "/keys", "/latency_stats", "/sched_debug",
          "/scsi", "/timer_list", "/timer_stats"})
        add({OpType::MaskPath, path(kNewRoot, "/dev/null"), path(kNewRoot, "/proc") + masked, {}});
    add({OpType::Mkdir, {}, path(kNewRoot, "/dev/shm"), {}, 0, 01777});
    // As large as the function's memory (64 MB without a limit): RAM there counts as memory.
    const QByteArray shmSize = spec.memoryLimitBytes != 0
                                   ? "size=" + QByteArray::number(qulonglong(spec.memoryLimitBytes))
                                   : QByteArray("size=64m");
    add({OpType::MountTmpfs, {}, path(kNewRoot, "/dev/shm"), "mode=1777," + shmSize, safe});
    add({OpType::Mkdir, {}, path(kNewRoot, "/dev/pts"), {}, 0, 0755});
    add({OpType::MountDevpts,
         {},
         path(kNewRoot, "/dev/pts"),
         "newinstance,ptmxmode=0666,mode=620",
         MS_NOSUID | MS_NOEXEC,
         0,
         OpWhen::Always,
         true});
    add({OpType::Symlink, "pts/ptmx", path(kNewRoot, "/dev/ptmx"), {}});
    add({OpType::Symlink, "/proc/self/fd", path(kNewRoot, "/dev/fd"), {}});
    add({OpType::Symlink, "/proc/self/fd/0", path(kNewRoot, "/dev/stdin"), {}});
    add({OpType::Symlink, "/proc/self/fd/1", path(kNewRoot, "/dev/stdout"), {}});
    add({OpType::Symlink, "/proc/self/fd/2", path(kNewRoot, "/dev/stderr"), {}});

    add({OpType::DetachOldRoot, {}, kOldRoot, {}});
    add({OpType::PivotRoot, {}, kNewRoot, {}});
    return plan;
}

QStringList describePlan(const MountPlan &plan)
{
    QStringList lines;
    for (const SetupOp &op : plan)
        lines << op.describe();
    return lines;
}

} // namespace Fcemu::Sandbox
