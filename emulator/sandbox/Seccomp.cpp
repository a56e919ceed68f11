#include "Seccomp.h"

#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/UniqueFd.h"

namespace Fcemu::Sandbox::Detail {

namespace {

// Refused with EPERM: what Docker's default profile leaves out for a container without
// CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_SYS_MODULE, CAP_SYS_TIME, ... (and io_uring, which Docker
// dropped in 2023), plus the new mount API.
constexpr const char *kRefused[] = {
    // kernel keyrings
    "add_key", "keyctl", "request_key",
    // eBPF, perf, userfaultfd, io_uring
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
    "io_uring_register",
    // mounts and namespaces
    "mount", "umount", "umount2", "pivot_root", "unshare", "setns", "open_tree", "move_mount",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    // file handles (the shocker escape)
    "name_to_handle_at", "open_by_handle_at",
    // kernel modules, kexec, reboot, swap, quota, accounting
    "init_module", "finit_module", "delete_module", "create_module", "query_module",
    "get_kernel_syms", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "quotactl",
    "quotactl_fd", "acct",
    // clocks
    "settimeofday", "clock_settime", "clock_adjtime", "stime",
    // I/O ports, old and obscure interfaces
    "ioperm", "iopl", "vm86", "vm86old", "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl",
    "lookup_dcookie",
    // NUMA policy of other processes
    "move_pages", "get_mempolicy", "set_mempolicy", "mbind"};

// clone() with any of these is refused: no new namespace, in particular no user namespace that
// would give back every capability.
constexpr unsigned long long kNamespaceFlags[] = {CLONE_NEWUSER,   CLONE_NEWNS,  CLONE_NEWPID,
                                                  CLONE_NEWNET,    CLONE_NEWUTS, CLONE_NEWIPC,
                                                  CLONE_NEWCGROUP, 0x00000080 /* NEWTIME */};

struct Filter
{
    std::vector<sock_filter> code;
    sock_fprog program{};
    QString error;
};

Filter build()
{
    Filter f;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == nullptr) {
        f.error = u"sandbox: seccomp_init failed"_qs;
        return f;
    }
    int rc = seccomp_arch_add(ctx, SCMP_ARCH_X86); // 32-bit programs get the same rules
    if (rc == -EEXIST)
        rc = 0;
    const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
    for (const char *name : kRefused) {
        const int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
            continue; // unknown to this libseccomp: nothing to refuse
        if (rc == 0)
            rc = seccomp_rule_add(ctx, eperm, nr, 0);
    }
    for (const unsigned long long flag : kNamespaceFlags)
        if (rc == 0)
            rc = seccomp_rule_add(ctx, eperm, SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
    // clone3 passes its flags in memory the filter cannot read: ENOSYS makes libc use clone.
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    UniqueFd memfd(memfd_create("fcemu-seccomp", MFD_CLOEXEC));
    if (rc == 0 && !memfd)
        rc = -errno;
    if (rc == 0)
        rc = seccomp_export_bpf(ctx, memfd.get());
    seccomp_release(ctx);
    if (rc != 0) {
        f.error = u"sandbox: cannot build the seccomp filter (%1)"_qs.arg(
            QString::fromLocal8Bit(strerror(-rc)));
        return f;
    }
    const off_t size = lseek(memfd.get(), 0, SEEK_END);
    if (size <= 0 || size % off_t(sizeof(sock_filter)) != 0) {
        f.error = u"sandbox: libseccomp exported an empty filter"_qs;
        return f;
    }
    f.code.resize(size_t(size) / sizeof(sock_filter));
    if (pread(memfd.get(), f.code.data(), size_t(size), 0) != size) {
        f.error = u"sandbox: cannot read the exported seccomp filter"_qs;
        return f;
    }
    f.program.len = static_cast<unsigned short>(f.code.size());
    f.program.filter = f.code.data();
    return f;
}

} // namespace

Result<const sock_fprog *> defaultSeccompFilter()
{
    static const Filter filter = build();
    if (!filter.error.isEmpty())
        return std::unexpected(Error{ErrorKind::Platform, filter.error});
    return &filter.program;
}

} // namespace Fcemu::Sandbox::Detail
