/* A static multi-tool that the sandbox tests run inside the sandbox (no libraries needed in the
 * test rootfs). Each mode prints what the test asserts on; errors are printed as errno names. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int fail(const char *what)
{
    printf("%s: %s\n", what, strerrorname_np(errno));
    fflush(stdout);
    return 1;
}

static int listDir(const char *path)
{
    DIR *dir = opendir(path);
    if (!dir) return fail("opendir");
    char *names[4096];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) && n < 4096) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    for (int i = 0; i < n; ++i)
        printf("%s\n", names[i]);
    return 0;
}

static int writeMB(const char *path, long mb)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return fail("open");
    static char block[65536];
    memset(block, 'x', sizeof block);
    for (long i = 0; i < mb * 16; ++i) {
        size_t done = 0;
        while (done < sizeof block) { /* a short write is followed by the real error */
            ssize_t n = write(fd, block + done, sizeof block - done);
            if (n < 0) return fail("write");
            done += (size_t)n;
        }
    }
    if (close(fd) != 0) return fail("close");
    printf("wrote %ld\n", mb);
    return 0;
}

/* HOST looked up in /etc/hosts only (a static binary has no NSS), or a dotted address. */
static int lookupHost(const char *host, struct in_addr *out)
{
    if (inet_pton(AF_INET, host, out) == 1) return 0;
    FILE *f = fopen("/etc/hosts", "r");
    if (!f) return -1;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *save = NULL, *addr = strtok_r(line, " \t\n", &save);
        if (!addr || addr[0] == '#') continue;
        for (char *name; (name = strtok_r(NULL, " \t\n", &save));) {
            if (!strcmp(name, host) && inet_pton(AF_INET, addr, out) == 1) {
                fclose(f);
                return 0;
            }
        }
    }
    fclose(f);
    return -1;
}

/* GET PATH from HOST:PORT; prints the reply's body. */
static int httpGet(const char *host, int port, const char *path)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (lookupHost(host, &a.sin_addr) != 0) {
        printf("resolve: %s not found\n", host);
        return 1;
    }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) return fail("connect");
    char request[512];
    int len = snprintf(request, sizeof request, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);
    if (write(s, request, (size_t)len) != len) return fail("write");
    static char reply[65536];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof reply - 1 && (n = read(s, reply + got, sizeof reply - 1 - got)) > 0)
        got += (size_t)n;
    reply[got] = 0;
    char *body = strstr(reply, "\r\n\r\n");
    printf("%s", body ? body + 4 : reply);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "true";
    if (!strcmp(mode, "true")) return 0;
    if (!strcmp(mode, "exit")) return atoi(argv[2]);
    if (!strcmp(mode, "id") || !strcmp(mode, "idwait")) {
        printf("uid=%d gid=%d\n", (int)getuid(), (int)getgid());
        if (!strcmp(mode, "idwait")) sleep(60);
        return 0;
    }
    if (!strcmp(mode, "ls")) return listDir(argv[2]);
    if (!strcmp(mode, "ps")) return listDir("/proc") ? 1 : 0; /* the test keeps the numeric names */
    if (!strcmp(mode, "pwd")) {
        char buf[4096];
        printf("%s\n", getcwd(buf, sizeof buf));
        return 0;
    }
    if (!strcmp(mode, "stdin")) { /* copies its stdin (the descriptor, not a reopen) */
        char buf[4096];
        ssize_t n;
        while ((n = read(0, buf, sizeof buf)) > 0)
            fwrite(buf, 1, (size_t)n, stdout);
        return n < 0 ? fail("read") : 0;
    }
    if (!strcmp(mode, "tty")) { /* fcemu exec: which terminal stdin is, if any */
        const char *name = ttyname(0);
        printf("%s\n", name ? name : "not a tty");
        return 0;
    }
    if (!strcmp(mode, "hostname")) {
        char buf[256];
        gethostname(buf, sizeof buf);
        printf("%s\n", buf);
        return 0;
    }
    if (!strcmp(mode, "env")) {
        extern char **environ;
        for (char **e = environ; *e; ++e)
            printf("%s\n", *e);
        return 0;
    }
    if (!strcmp(mode, "cat")) {
        FILE *f = fopen(argv[2], "r");
        if (!f) return fail("fopen");
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, n, stdout);
        return 0;
    }
    if (!strcmp(mode, "exists")) {
        struct stat st;
        printf("%s\n", lstat(argv[2], &st) == 0 ? "yes" : "no");
        return 0;
    }
    if (!strcmp(mode, "owner")) { /* uid:gid of a path */
        struct stat st;
        if (lstat(argv[2], &st) != 0) return fail("lstat");
        printf("%u:%u\n", (unsigned)st.st_uid, (unsigned)st.st_gid);
        return 0;
    }
    if (!strcmp(mode, "touch")) {
        for (int i = 2; i < argc; ++i) {
            int fd = open(argv[i], O_WRONLY | O_CREAT, 0644);
            if (fd < 0) return fail(argv[i]);
            close(fd);
        }
        printf("touched\n");
        return 0;
    }
    if (!strcmp(mode, "write")) return writeMB(argv[2], atol(argv[3]));
    if (!strcmp(mode, "alloc")) {
        long mb = atol(argv[2]);
        for (long i = 0; i < mb; ++i) {
            char *p = malloc(1 << 20);
            memset(p, (int)i, 1 << 20);
            usleep(2000);
        }
        printf("allocated\n");
        sleep(60);
        return 0;
    }
    if (!strcmp(mode, "sleep")) {
        sleep((unsigned)atoi(argv[2]));
        return 0;
    }
    if (!strcmp(mode, "spawn")) {
        int n = atoi(argv[2]);
        for (int i = 0; i < n; ++i) {
            pid_t pid = fork();
            if (pid == 0) {
                /* A grandchild too, so an orphan exists once its parent is gone. */
                if (i == 0 && fork() == 0) {
                    sleep(600);
                    _exit(0);
                }
                sleep(600);
                _exit(0);
            }
        }
        printf("spawned\n");
        sleep(600);
        return 0;
    }
    if (!strcmp(mode, "listen")) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3]))};
        inet_pton(AF_INET, argv[2], &a.sin_addr);
        if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) return fail("bind");
        if (listen(s, 16) != 0) return fail("listen");
        printf("listening\n");
        for (;;) {
            int c = accept(s, NULL, NULL);
            if (c >= 0) {
                (void)!write(c, "hello\n", 6);
                close(c);
            }
        }
    }
    if (!strcmp(mode, "connect")) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3]))};
        inet_pton(AF_INET, argv[2], &a.sin_addr);
        if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) return fail("connect");
        printf("connected\n");
        return 0;
    }
    if (!strcmp(mode, "flood-nonl")) {
        static char block[65536];
        memset(block, 'y', sizeof block);
        long mb = atol(argv[2]);
        for (long i = 0; i < mb * 16; ++i)
            if (write(1, block, sizeof block) < 0) return 1;
        return 0;
    }
    if (!strcmp(mode, "flood-lines")) {
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
        long n = atol(argv[2]);
        for (long i = 0; i < n; ++i)
            printf("line %ld\n", i);
        return 0;
    }
    if (!strcmp(mode, "trickle")) { /* N lines, one write each, US microseconds apart */
        long n = atol(argv[2]), us = atol(argv[3]);
        for (long i = 0; i < n; ++i) {
            char line[32];
            int len = snprintf(line, sizeof line, "line %ld\n", i);
            if (write(1, line, (size_t)len) != len) return 1;
            usleep((useconds_t)us);
        }
        return 0;
    }
    if (!strcmp(mode, "zombies")) {
        /* An orphan that exits: only init can reap it. Then count zombies in /proc. */
        pid_t child = fork();
        if (child == 0) {
            if (fork() == 0) {
                usleep(100000);
                _exit(0);
            }
            _exit(0);
        }
        waitpid(child, NULL, 0);
        usleep(400000);
        int zombies = 0;
        DIR *dir = opendir("/proc");
        struct dirent *e;
        while ((e = readdir(dir))) {
            char path[300], buf[512];
            snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
            FILE *f = fopen(path, "r");
            if (!f) continue;
            if (fgets(buf, sizeof buf, f)) {
                const char *close = strrchr(buf, ')');
                if (close && close[1] == ' ' && close[2] == 'Z') ++zombies;
            }
            fclose(f);
        }
        closedir(dir);
        printf("zombies=%d\n", zombies);
        return 0;
    }
    if (!strcmp(mode, "stderr")) {
        fprintf(stderr, "to stderr\n");
        printf("to stdout\n");
        return 0;
    }
    if (!strcmp(mode, "http-get")) return httpGet(argv[2], atoi(argv[3]), argv[4]);
    fprintf(stderr, "probe: unknown mode %s\n", mode);
    return 2;
}
