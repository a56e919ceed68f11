/* Issue 12 item 2 and issue 14 finding 4, seen from inside an instance: what the function sees
 * of its resources, and the ways it could try to hide memory. Static (the test rootfs holds no
 * libraries); prints "key: value" lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *key, const char *path)
{
    char buf[256] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0) close(fd);
    if (n <= 0) {
        printf("%s: none\n", key);
        return;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    printf("%s: %s\n", key, buf);
}

static void view(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof set, &set);
    printf("nproc: %d\n", CPU_COUNT(&set));
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        unsigned long long kb;
        if (sscanf(line, "MemTotal: %llu kB", &kb) == 1) printf("meminfo_total_kb: %llu\n", kb);
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) printf("meminfo_available_kb: %llu\n", kb);
    }
    if (f) fclose(f);
    show("v1_memory_limit", "/sys/fs/cgroup/memory/memory.limit_in_bytes");
    show("v1_pids_max", "/sys/fs/cgroup/pids/pids.max");
    show("v1_cpu_quota", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us");
    show("v2_memory_max", "/sys/fs/cgroup/memory.max");
    show("v2_pids_max", "/sys/fs/cgroup/pids.max");
    show("v2_cpu_max", "/sys/fs/cgroup/cpu.max");
    show("proc_self_cgroup", "/proc/self/cgroup");
    /* The function cannot raise its own limit. */
    int fd = open("/sys/fs/cgroup/memory/memory.limit_in_bytes", O_WRONLY);
    if (fd < 0) fd = open("/sys/fs/cgroup/memory.max", O_WRONLY);
    printf("cgroup_write: %s\n", fd >= 0 ? (write(fd, "max", 3) == 3 ? "ok" : strerrorname_np(errno))
                                         : strerrorname_np(errno));
    fflush(stdout);
}

static char block[1 << 20];

/* MB written into a memfd that is never mapped. */
static int memfdHog(int mb)
{
    int fd = memfd_create("hog", MFD_CLOEXEC);
    memset(block, 'x', sizeof block);
    for (int i = 0; fd >= 0 && i < mb; ++i)
        if (write(fd, block, sizeof block) != (ssize_t)sizeof block) {
            printf("memfd: stopped %s\n", strerrorname_np(errno));
            break;
        }
    printf("memfd: written\n");
    fflush(stdout);
    sleep(10);
    return 0;
}

static int shmHog(int mb)
{
    int fd = open("/dev/shm/ballast", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    memset(block, 'x', sizeof block);
    for (int i = 0; fd >= 0 && i < mb; ++i)
        if (write(fd, block, sizeof block) != (ssize_t)sizeof block) {
            printf("shm: stopped %s\n", strerrorname_np(errno));
            break;
        }
    printf("shm: written\n");
    fflush(stdout);
    sleep(10);
    return 0;
}

/* The dodge: a bind mount over /proc/self/statm, then anonymous memory. */
static int statmDodge(int mb)
{
    int r = mount("/dev/null", "/proc/self/statm", NULL, MS_BIND, NULL);
    printf("bind_statm: %s\n", r == 0 ? "ok" : strerrorname_np(errno));
    fflush(stdout);
    char *p = malloc((size_t)mb << 20);
    for (size_t i = 0; p && i < ((size_t)mb << 20); i += 4096) p[i] = 1;
    printf("anon: written\n");
    fflush(stdout);
    sleep(10);
    return 0;
}

/* n idle children sharing the parent's pages, held 2 s, then gone. */
static int idle(int n)
{
    setpgid(0, 0);
    int got = 0;
    for (; got < n; ++got) {
        pid_t pid = fork();
        if (pid == 0) {
            pause();
            _exit(0);
        }
        if (pid < 0) break;
    }
    printf("idle: %d %s\n", got, got < n ? strerrorname_np(errno) : "none");
    fflush(stdout);
    sleep(2);
    signal(SIGTERM, SIG_IGN);
    kill(0, SIGTERM);
    while (wait(NULL) > 0) {
    }
    return 0;
}

/* Every process forks as fast as it can for 2 s; then what the limit allowed. */
static int bomb(void)
{
    setpgid(0, 0);
    pid_t top = getpid();
    for (int i = 0; i < 3000; ++i) {
        pid_t pid = fork();
        if (pid < 0) {
            if (getpid() != top) pause();
            break;
        }
        if (pid == 0) continue; /* the child forks on too */
    }
    if (getpid() != top) pause();
    sleep(2);
    show("bomb_pids_current", "/sys/fs/cgroup/pids/pids.current");
    show("bomb_pids_current_v2", "/sys/fs/cgroup/pids.current");
    signal(SIGTERM, SIG_IGN);
    kill(-top, SIGTERM);
    while (wait(NULL) > 0) {
    }
    printf("bomb: over\n");
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "view";
    int n = argc > 2 ? atoi(argv[2]) : 0;
    if (!strcmp(mode, "view")) { view(); return 0; }
    if (!strcmp(mode, "memfd")) return memfdHog(n);
    if (!strcmp(mode, "shm")) return shmHog(n);
    if (!strcmp(mode, "statm")) return statmDodge(n);
    if (!strcmp(mode, "idle")) return idle(n);
    if (!strcmp(mode, "bomb")) return bomb();
    fprintf(stderr, "resprobe: unknown mode %s\n", mode);
    return 2;
}
