/* Event-loop and IPC micro-benchmarks. Usage: net MODE N
 * pipe:   ping-pong of one byte between two processes over two pipes (us per round trip)
 * unix:   stream throughput over a unix socketpair, 64 KiB writes, N MiB (MB/s)
 * tcp:    the same over TCP on 127.0.0.1 (MB/s)
 * tcprr:  one-byte request/response over TCP on 127.0.0.1 (us per round trip)
 * epoll:  epoll_wait wake-ups by an eventfd written from another process (wake-ups per s)
 * Prints "MODE VALUE". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void tcp_pair(int fds[2]) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    bind(l, (struct sockaddr *)&a, sizeof a);
    listen(l, 1);
    getsockname(l, (struct sockaddr *)&a, &len);
    fds[0] = socket(AF_INET, SOCK_STREAM, 0);
    connect(fds[0], (struct sockaddr *)&a, sizeof a);
    fds[1] = accept(l, NULL, NULL);
    int one = 1;
    setsockopt(fds[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fds[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    close(l);
}

static double stream(int fds[2], long mib) {
    static char buf[65536];
    double t0 = now();
    if (fork() == 0) {
        close(fds[0]);
        long total = 0;
        ssize_t n;
        while ((n = read(fds[1], buf, sizeof buf)) > 0)
            total += n;
        _exit(total == mib << 20 ? 0 : 1);
    }
    close(fds[1]);
    for (long i = 0; i < mib * 16; i++) {
        size_t off = 0;
        while (off < sizeof buf) {
            ssize_t n = write(fds[0], buf + off, sizeof buf - off);
            if (n <= 0)
                return 0;
            off += n;
        }
    }
    close(fds[0]);
    wait(NULL);
    return (mib << 20) / 1e6 / (now() - t0);
}

static double pingpong(int a[2], int b[2], long n) {
    char c = 'x';
    if (fork() == 0) {
        for (long i = 0; i < n; i++) {
            read(a[0], &c, 1);
            write(b[1], &c, 1);
        }
        _exit(0);
    }
    double t0 = now();
    for (long i = 0; i < n; i++) {
        write(a[1], &c, 1);
        read(b[0], &c, 1);
    }
    double t = now() - t0;
    wait(NULL);
    return t / n * 1e6;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: net pipe|unix|tcp|tcprr|epoll N\n");
        return 2;
    }
    const char *m = argv[1];
    long n = atol(argv[2]);
    if (!strcmp(m, "pipe")) {
        int a[2], b[2];
        pipe(a);
        pipe(b);
        printf("pipe %.2f\n", pingpong(a, b, n));
    } else if (!strcmp(m, "unix")) {
        int s[2];
        socketpair(AF_UNIX, SOCK_STREAM, 0, s);
        printf("unix %.0f\n", stream(s, n));
    } else if (!strcmp(m, "tcp")) {
        int s[2];
        tcp_pair(s);
        printf("tcp %.0f\n", stream(s, n));
    } else if (!strcmp(m, "tcprr")) {
        int s[2];
        tcp_pair(s);
        int a[2] = {s[1], s[0]}, b[2] = {s[0], s[1]};
        printf("tcprr %.2f\n", pingpong(a, b, n));
    } else if (!strcmp(m, "epoll")) {
        int ev = eventfd(0, 0), back = eventfd(0, 0);
        int ep = epoll_create1(0);
        struct epoll_event e = {.events = EPOLLIN};
        epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e);
        uint64_t one = 1, v;
        if (fork() == 0) {
            for (long i = 0; i < n; i++) {
                write(ev, &one, 8);
                read(back, &v, 8);
            }
            _exit(0);
        }
        double t0 = now();
        for (long i = 0; i < n; i++) {
            struct epoll_event out;
            epoll_wait(ep, &out, 1, -1);
            read(ev, &v, 8);
            write(back, &one, 8);
        }
        double t = now() - t0;
        wait(NULL);
        printf("epoll %.0f\n", n / t);
    } else {
        return 2;
    }
    return 0;
}
