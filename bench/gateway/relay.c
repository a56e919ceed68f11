/* bench_gateway_relay: the floor for the gateway benchmark. The least any proxy between wrk and
 * the sample server can cost on this machine: one thread, epoll, each client connection relayed
 * byte for byte to its own upstream connection (no HTTP parsing, no headers added, no log, no
 * record). Whatever fcemu's gateway adds on top of this is its own overhead; what this costs
 * is the price of an extra hop (two more reads and writes per request, a third process on the
 * same cores).
 *
 *   bench_gateway_relay LISTEN_PORT UPSTREAM_IPV4 UPSTREAM_PORT [NETNS_PATH]
 *
 * Listens on 127.0.0.1:LISTEN_PORT in the caller's network namespace, then (with NETNS_PATH,
 * e.g. /proc/PID/ns/net of a sandbox) enters that namespace so that upstream connections reach
 * the instance address inside the sandbox. A socket keeps the namespace it was created in. */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MAX_FDS = 65536 };

static int g_peer[MAX_FDS]; /* fd -> the fd it relays to, -1 when none */

static void drop(int epfd, int fd)
{
    const int peer = g_peer[fd];
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    g_peer[fd] = -1;
    if (peer >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, peer, NULL);
        close(peer);
        g_peer[peer] = -1;
    }
}

/* Writes everything (responses are small; a full socket buffer waits in poll). */
static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        const ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {fd, POLLOUT, 0};
            poll(&p, 1, 1000);
        } else if (n < 0 && errno != EINTR) {
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s LISTEN_PORT UPSTREAM_IPV4 UPSTREAM_PORT [NETNS_PATH]\n",
                argv[0]);
        return 2;
    }
    for (int i = 0; i < MAX_FDS; ++i)
        g_peer[i] = -1;
    const int one = 1;
    const int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)atoi(argv[1]));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 512) != 0) {
        perror("bench_gateway_relay: listen");
        return 1;
    }
    if (argc > 4) {
        const int ns = open(argv[4], O_RDONLY | O_CLOEXEC);
        if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
            perror("bench_gateway_relay: setns");
            return 1;
        }
        close(ns);
    }
    struct sockaddr_in up = {0};
    up.sin_family = AF_INET;
    up.sin_port = htons((uint16_t)atoi(argv[3]));
    if (inet_pton(AF_INET, argv[2], &up.sin_addr) != 1) {
        fprintf(stderr, "bench_gateway_relay: bad address %s\n", argv[2]);
        return 2;
    }

    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
    fprintf(stdout, "ready\n");
    fflush(stdout);

    static char buffer[64 * 1024];
    struct epoll_event events[256];
    for (;;) {
        const int n = epoll_wait(epfd, events, 256, -1);
        if (n < 0 && errno != EINTR)
            return 1;
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == lfd) {
                const int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0 || cfd >= MAX_FDS)
                    continue;
                const int ufd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (ufd < 0 || ufd >= MAX_FDS ||
                    connect(ufd, (struct sockaddr *)&up, sizeof up) != 0) {
                    close(cfd);
                    if (ufd >= 0)
                        close(ufd);
                    continue;
                }
                fcntl(ufd, F_SETFL, O_NONBLOCK);
                setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                setsockopt(ufd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                g_peer[cfd] = ufd;
                g_peer[ufd] = cfd;
                struct epoll_event ce = {.events = EPOLLIN, .data.fd = cfd};
                struct epoll_event ue = {.events = EPOLLIN, .data.fd = ufd};
                epoll_ctl(epfd, EPOLL_CTL_ADD, cfd, &ce);
                epoll_ctl(epfd, EPOLL_CTL_ADD, ufd, &ue);
                continue;
            }
            if (g_peer[fd] < 0)
                continue;
            const ssize_t got = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (got < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (got <= 0 || write_all(g_peer[fd], buffer, (size_t)got) != 0)
                drop(epfd, fd);
        }
    }
}
