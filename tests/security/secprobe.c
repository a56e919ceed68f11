/* The security probe: a static program run inside the sandbox by test_security. Each check tries
 * one of issue 14's findings and prints "name: RESULT", RESULT being the errno name of the
 * refusal, or ALLOWED when the attack worked (the test fails on it). A few print facts instead
 * (caps: CapEff in hex; tty: the controlling terminal number). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

static void report(const char *name, int rc)
{
    printf("%s: %s\n", name, rc < 0 ? strerrorname_np(errno) : "ALLOWED");
}

static int writeText(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = write(fd, text, strlen(text)) < 0 ? -1 : 0;
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* Reads a file; a masked one (/dev/null bound over it, or an empty folder) reads as empty. */
static void readable(const char *name, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        report(name, -1);
        return;
    }
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf);
    int saved = errno;
    close(fd);
    if (n < 0) {
        errno = saved;
        report(name, -1);
        return;
    }
    printf("%s: %s\n", name, n == 0 ? "EMPTY" : "ALLOWED");
}

static unsigned long long statusField(const char *path, const char *field, int base)
{
    FILE *f = fopen(path, "r");
    char line[256];
    unsigned long long value = ~0ull;
    size_t len = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, len)) value = strtoull(line + len, NULL, base);
    if (f) fclose(f);
    return value;
}

static long ttyNr(const char *statPath)
{
    FILE *f = fopen(statPath, "r");
    if (!f) return -1;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    char state;
    int ppid, pgrp, session, tty;
    if (sscanf(p + 2, "%c %d %d %d %d", &state, &ppid, &pgrp, &session, &tty) != 5) return -1;
    return tty;
}

static void checks(void)
{
    /* 1: host sysctls, the setuid bit on the host's fcemu-init, host device nodes. */
    report("core_pattern", writeText("/proc/sys/kernel/core_pattern", "|/bin/secprobe"));
    report("lease_break_time", writeText("/proc/sys/fs/lease-break-time", "7"));
    report("sysrq_trigger", writeText("/proc/sysrq-trigger", "h"));
    report("init_exe_setuid", chmod("/proc/1/exe", 04755));
    report("dev_full_touch", utimensat(AT_FDCWD, "/dev/full", NULL, 0));
    report("dev_null_chmod", chmod("/dev/null", 0777));
    report("dev_zero_chown", chown("/dev/zero", 0, 0));
    readable("proc_kcore", "/proc/kcore");
    readable("proc_keys", "/proc/keys");
    readable("proc_timer_list", "/proc/timer_list");
    /* 2: the terminal and PID 1. */
    report("open_dev_tty", open("/dev/tty", O_RDWR | O_CLOEXEC));
    char c = 'x';
    int sti = -1, stiErr = ENOTTY;
    for (int fd = 0; fd < 3; ++fd)
        if (ioctl(fd, TIOCSTI, &c) == 0) sti = 0;
        else stiErr = errno;
    errno = stiErr;
    report("tiocsti_stdio", sti);
    printf("tty_self: %ld\n", ttyNr("/proc/self/stat"));
    printf("tty_init: %ld\n", ttyNr("/proc/1/stat"));
    report("ptrace_init", (int)ptrace(PTRACE_ATTACH, 1, NULL, NULL));
    int pidfd = (int)syscall(SYS_pidfd_open, 1, 0);
    report("pidfd_getfd_init", pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, 3, 0));
    report("init_mem", open("/proc/1/mem", O_RDONLY | O_CLOEXEC));
    /* 5: capabilities. */
    printf("caps: %llx\n", statusField("/proc/self/status", "CapEff:", 16));
    printf("caps_bounding: %llx\n", statusField("/proc/self/status", "CapBnd:", 16));
    printf("no_new_privs: %llu\n", statusField("/proc/self/status", "NoNewPrivs:", 10));
    report("mount_tmpfs", mount("tmpfs", "/tmp", "tmpfs", 0, "size=4k"));
    report("sethostname", sethostname("evil", 4));
    report("af_packet", socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    report("umount_proc_sys", umount2("/proc/sys", MNT_DETACH));
    fflush(stdout);
}

/* 5: the seccomp filter. Each call is made so that, without the filter, it gets past the
 * permission check or fails with an errno other than EPERM. */
static void seccompChecks(void)
{
    long child = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (child == 0) _exit(0);
    if (child > 0) waitpid((pid_t)child, NULL, 0);
    report("clone_newuser", child < 0 ? -1 : 0);
    /* Last of the namespace calls: on success the probe is in a namespace of its own. */
    report("unshare_user", unshare(CLONE_NEWUSER));
    report("keyctl", (int)syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0));
    report("bpf", (int)syscall(SYS_bpf, 0, NULL, 0));
    report("userfaultfd", (int)syscall(SYS_userfaultfd, 1 /* UFFD_USER_MODE_ONLY */));
    report("io_uring_setup", (int)syscall(SYS_io_uring_setup, 1, NULL));
    report("perf_event_open", (int)syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
    report("open_by_handle_at", (int)syscall(SYS_open_by_handle_at, -1, NULL, 0));
    report("kexec_load", (int)syscall(SYS_kexec_load, 0, 0, NULL, 0));
    fflush(stdout);
}

/* Forks children that wait, up to max, and prints how many it got and why it stopped. */
static int tasks(int max)
{
    static pid_t pids[8192];
    int n = 0, err = 0;
    for (; n < max && n < 8192; ++n) {
        pid_t pid = fork();
        if (pid == 0) {
            pause();
            _exit(0);
        }
        if (pid < 0) {
            err = errno;
            break;
        }
        pids[n] = pid;
    }
    printf("tasks: %d %s\n", n, err ? strerrorname_np(err) : "none");
    fflush(stdout);
    for (int i = 0; i < n; ++i) kill(pids[i], SIGKILL);
    while (wait(NULL) > 0) {
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "checks";
    if (!strcmp(mode, "checks")) {
        checks();
        seccompChecks();
        return 0;
    }
    if (!strcmp(mode, "shm")) { /* MB into /dev/shm, then wait to be measured */
        int fd = open("/dev/shm/ballast", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        static char block[1 << 20];
        memset(block, 'x', sizeof block);
        for (int i = 0; fd >= 0 && i < atoi(argv[2]); ++i)
            if (write(fd, block, sizeof block) != (ssize_t)sizeof block) break;
        printf("shm: written\n");
        fflush(stdout);
        sleep(10);
        return 0;
    }
    if (!strcmp(mode, "tasks")) return tasks(argc > 2 ? atoi(argv[2]) : 3000);
    fprintf(stderr, "secprobe: unknown mode %s\n", mode);
    return 2;
}
