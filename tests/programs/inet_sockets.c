/* Internet sockets on the loopback: TCP echo across fork on 127.0.0.1 and ::1, non-blocking
 * connect, refused connections, bind rules, shutdown, resets, UDP, names, epoll, interfaces.
 * Ports are ephemeral and never printed. Usage: inet_sockets MODE [PORT] */
#define _GNU_SOURCE
#include "common.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(what, expr)                                                                  \
    do {                                                                                   \
        errno = 0;                                                                         \
        long r_ = (long)(expr);                                                            \
        printf("%s = %ld %s\n", what, r_ < 0 ? -1L : r_, r_ < 0 ? errname(errno) : "");    \
    } while (0)

static socklen_t mkaddr(int v6, const char *ip, int port, struct sockaddr_storage *ss) {
    memset(ss, 0, sizeof *ss);
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        inet_pton(AF_INET6, ip, &a->sin6_addr);
        return sizeof *a;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    inet_pton(AF_INET, ip, &a->sin_addr);
    return sizeof *a;
}

static int port_of(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Prints an address without its port (ports are ephemeral). */
static void show(const char *what, struct sockaddr_storage *ss, socklen_t len) {
    char buf[64] = "?";
    if (ss->ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)ss)->sin_addr, buf, sizeof buf);
    else if (ss->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ss)->sin6_addr, buf, sizeof buf);
    printf("%s: family=%s len=%u addr=%s\n", what,
           ss->ss_family == AF_INET ? "inet" : ss->ss_family == AF_INET6 ? "inet6" : "other",
           len, buf);
}

static void names(const char *who, int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char what[64];
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
        snprintf(what, sizeof what, "%s sockname", who);
        show(what, &ss, len);
    }
    len = sizeof ss;
    snprintf(what, sizeof what, "%s peername", who);
    if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
        show(what, &ss, len);
    else
        printf("%s = -1 %s\n", what, errname(errno));
}

static int listener(int v6, const char *ip) {
    int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    struct sockaddr_storage ss;
    socklen_t len = mkaddr(v6, ip, 0, &ss);
    if (bind(s, (struct sockaddr *)&ss, len) || listen(s, 8)) {
        printf("listener: %s\n", errname(errno));
        exit(1);
    }
    return s;
}

static int connect_to(int v6, const char *ip, int port) {
    int c = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    struct sockaddr_storage ss;
    socklen_t len = mkaddr(v6, ip, port, &ss);
    if (connect(c, (struct sockaddr *)&ss, len)) {
        printf("connect: %s\n", errname(errno));
        exit(1);
    }
    return c;
}

/* A forked echo server; the parent is the client. */
static void echo(int v6, const char *lip, int cv6, const char *cip) {
    int l = listener(v6, lip);
    int port = port_of(l);
    pid_t pid = fork();
    if (pid == 0) {
        int a = accept(l, NULL, NULL);
        names("server", a);
        char buf[4096];
        ssize_t n;
        long total = 0;
        while ((n = read(a, buf, sizeof buf)) > 0) {
            total += n;
            write(a, buf, n);
        }
        printf("server: echoed %ld, eof %zd\n", total, n);
        fflush(stdout);
        _exit(0);
    }
    close(l);
    int c = connect_to(cv6, cip, port);
    int status;
    static char big[300000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7);
    const char *msg = "hello over tcp";
    write(c, msg, strlen(msg));
    char buf[64] = {0};
    ssize_t n = recv(c, buf, strlen(msg), MSG_WAITALL);
    char line1[128], line2[128];
    snprintf(line1, sizeof line1, "client: got %zd '%s'\n", n, buf);
    /* A large transfer needs both sides to drain each other: a child writes, we read. */
    pid_t w = fork();
    if (w == 0) {
        size_t off = 0;
        while (off < sizeof big) {
            ssize_t k = write(c, big + off, sizeof big - off);
            if (k <= 0)
                _exit(1);
            off += k;
        }
        shutdown(c, SHUT_WR);
        _exit(0);
    }
    static char back[sizeof big];
    size_t got = 0;
    while (got < sizeof back && (n = read(c, back + got, sizeof back - got)) > 0)
        got += n;
    snprintf(line2, sizeof line2, "client: big echo %zu same=%d\n", got,
             memcmp(big, back, sizeof big) == 0);
    waitpid(w, &status, 0);
    n = read(c, buf, sizeof buf);
    waitpid(pid, &status, 0);
    printf("%s%sclient: eof %zd\n", line1, line2, n);
    names("client", c);
    close(c);
}

static void nonblocking(void) {
    int l = listener(0, "127.0.0.1");
    int port = port_of(l);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_storage ss;
    socklen_t len = mkaddr(0, "127.0.0.1", port, &ss);
    int r = connect(c, (struct sockaddr *)&ss, len);
    printf("nonblocking connect = %d %s\n", r, r ? errname(errno) : "");
    struct pollfd p = {c, POLLOUT, 0};
    int pr = poll(&p, 1, 5000);
    printf("poll = %d out=%d err=%d\n", pr, !!(p.revents & POLLOUT), !!(p.revents & POLLERR));
    int err = -1;
    socklen_t el = sizeof err;
    getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
    printf("SO_ERROR = %s\n", errname(err));
    int a = accept4(l, NULL, NULL, SOCK_NONBLOCK);
    CHECK("accept4", a >= 0);
    char buf[8];
    CHECK("read empty nonblocking", read(a, buf, sizeof buf));
    fcntl(l, F_SETFL, O_NONBLOCK);
    CHECK("accept none", accept(l, NULL, NULL));
    write(c, "x", 1);
    struct pollfd q = {a, POLLIN, 0};
    pr = poll(&q, 1, 5000);
    printf("server poll in = %d revents=%#x\n", pr, q.revents);
    close(a);
    close(c);

    /* Refused, blocking and not. */
    int fresh = listener(0, "127.0.0.1");
    int free_port = port_of(fresh);
    close(fresh);
    int b = socket(AF_INET, SOCK_STREAM, 0);
    len = mkaddr(0, "127.0.0.1", free_port, &ss);
    CHECK("connect refused", connect(b, (struct sockaddr *)&ss, len));
    int n = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    r = connect(n, (struct sockaddr *)&ss, len);
    printf("nonblocking refused connect = %d %s\n", r, r ? errname(errno) : "");
    struct pollfd pn = {n, POLLOUT, 0};
    poll(&pn, 1, 5000);
    printf("refused poll err=%d hup=%d\n", !!(pn.revents & POLLERR), !!(pn.revents & POLLHUP));
    el = sizeof err;
    getsockopt(n, SOL_SOCKET, SO_ERROR, &err, &el);
    printf("refused SO_ERROR = %s\n", errname(err));
}

static void errors(void) {
    struct sockaddr_storage ss;
    socklen_t len;
    CHECK("stream udp", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    CHECK("seqpacket", socket(AF_INET, SOCK_SEQPACKET, 0));
    int sv[2];
    CHECK("socketpair inet", socketpair(AF_INET, SOCK_STREAM, 0, sv));
    int s = socket(AF_INET, SOCK_STREAM, 0);
    len = mkaddr(0, "10.1.2.3", 0, &ss);
    CHECK("bind foreign", bind(s, (struct sockaddr *)&ss, len));
    len = mkaddr(0, "127.0.0.1", 0, &ss);
    CHECK("bind short", bind(s, (struct sockaddr *)&ss, 8));
    CHECK("bind 127.0.0.1", bind(s, (struct sockaddr *)&ss, len));
    CHECK("bind again", bind(s, (struct sockaddr *)&ss, len));
    int port = port_of(s);
    int t = socket(AF_INET, SOCK_STREAM, 0);
    len = mkaddr(0, "0.0.0.0", port, &ss);
    CHECK("bind same port any", bind(t, (struct sockaddr *)&ss, len));
    close(t);
    int u6 = socket(AF_INET6, SOCK_STREAM, 0);
    len = mkaddr(1, "::", port, &ss);
    CHECK("bind same port ::", bind(u6, (struct sockaddr *)&ss, len));
    close(u6);
    u6 = socket(AF_INET6, SOCK_STREAM, 0);
    int one = 1;
    CHECK("IPV6_V6ONLY", setsockopt(u6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one));
    CHECK("bind same port :: v6only", bind(u6, (struct sockaddr *)&ss, len));
    len = mkaddr(1, "::ffff:127.0.0.1", 0, &ss);
    CHECK("connect v6only to v4", connect(u6, (struct sockaddr *)&ss, len));
    close(u6);
    u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    len = mkaddr(1, "2001:db8::1", 0, &ss);
    CHECK("bind v6 foreign", bind(u6, (struct sockaddr *)&ss, len));
    close(u6);
    /* SO_REUSEADDR: two unlistened sockets share a port when both ask; never a listener. */
    int r1 = socket(AF_INET, SOCK_STREAM, 0), r2 = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(r1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(r2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    len = mkaddr(0, "127.0.0.1", 0, &ss);
    bind(r1, (struct sockaddr *)&ss, len);
    len = mkaddr(0, "127.0.0.1", port_of(r1), &ss);
    CHECK("reuseaddr bind", bind(r2, (struct sockaddr *)&ss, len));
    CHECK("reuseaddr listen first", listen(r1, 1));
    CHECK("reuseaddr listen second", listen(r2, 1));
    close(r2);
    r2 = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(r2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    CHECK("reuseaddr bind to listener", bind(r2, (struct sockaddr *)&ss, len));
    close(r1);
    CHECK("rebind after close", bind(r2, (struct sockaddr *)&ss, len));
    close(r2);
    /* SO_REUSEPORT listeners share. */
    int p1 = socket(AF_INET, SOCK_STREAM, 0), p2 = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(p1, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    setsockopt(p2, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    len = mkaddr(0, "127.0.0.1", 0, &ss);
    bind(p1, (struct sockaddr *)&ss, len);
    listen(p1, 1);
    len = mkaddr(0, "127.0.0.1", port_of(p1), &ss);
    CHECK("reuseport bind", bind(p2, (struct sockaddr *)&ss, len));
    CHECK("reuseport listen", listen(p2, 1));
    /* Options. */
    int v = -1;
    socklen_t vl = sizeof v;
    int o = socket(AF_INET6, SOCK_STREAM, 0);
    getsockopt(o, SOL_SOCKET, SO_TYPE, &v, &vl);
    printf("SO_TYPE %d\n", v);
    getsockopt(o, SOL_SOCKET, SO_DOMAIN, &v, &vl);
    printf("SO_DOMAIN %d\n", v);
    getsockopt(o, SOL_SOCKET, SO_PROTOCOL, &v, &vl);
    printf("SO_PROTOCOL %d\n", v);
    getsockopt(o, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
    printf("SO_ACCEPTCONN %d\n", v);
    getsockopt(o, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vl);
    printf("IPV6_V6ONLY %d\n", v);
    getsockopt(o, IPPROTO_TCP, TCP_NODELAY, &v, &vl);
    printf("TCP_NODELAY %d\n", v);
    setsockopt(o, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    getsockopt(o, IPPROTO_TCP, TCP_NODELAY, &v, &vl);
    printf("TCP_NODELAY set %d\n", v);
    getsockopt(o, IPPROTO_TCP, TCP_KEEPIDLE, &v, &vl);
    printf("TCP_KEEPIDLE %d\n", v);
    v = 30;
    setsockopt(o, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof v);
    getsockopt(o, IPPROTO_TCP, TCP_KEEPIDLE, &v, &vl);
    printf("TCP_KEEPIDLE set %d\n", v);
    setsockopt(o, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    getsockopt(o, SOL_SOCKET, SO_KEEPALIVE, &v, &vl);
    printf("SO_KEEPALIVE %d\n", v);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    v = 0x10;
    setsockopt(u, IPPROTO_IP, IP_TOS, &v, sizeof v);
    getsockopt(u, IPPROTO_IP, IP_TOS, &v, &vl);
    printf("IP_TOS %d\n", v);
    CHECK("TCP_NODELAY on udp", setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    CHECK("listen udp", listen(u, 1));
    CHECK("getpeername unconnected", getpeername(u, (struct sockaddr *)&ss, &len));
    CHECK("shutdown unconnected tcp", shutdown(o, SHUT_RDWR));
    CHECK("send unconnected tcp", send(o, "x", 1, MSG_NOSIGNAL));
    CHECK("recv unconnected tcp", recv(o, &v, 1, MSG_DONTWAIT));
    static char huge[70000];
    len = mkaddr(0, "127.0.0.1", 9, &ss);
    CHECK("udp 65508", sendto(u, huge, 65508, 0, (struct sockaddr *)&ss, len));
    CHECK("udp 65507", sendto(u, huge, 65507, 0, (struct sockaddr *)&ss, len));
    CHECK("udp no address", send(u, "x", 1, 0));
}

static void teardown(void) {
    signal(SIGPIPE, SIG_IGN);
    /* shutdown(SHUT_WR) gives the peer EOF; the other direction still works. */
    int l = listener(0, "127.0.0.1");
    int port = port_of(l);
    int c = connect_to(0, "127.0.0.1", port);
    int a = accept(l, NULL, NULL);
    CHECK("shutdown wr", shutdown(c, SHUT_WR));
    char buf[16];
    CHECK("server reads eof", read(a, buf, sizeof buf));
    struct pollfd p = {a, POLLIN | POLLRDHUP, 0};
    poll(&p, 1, 0);
    printf("server poll rdhup=%d in=%d hup=%d\n", !!(p.revents & POLLRDHUP),
           !!(p.revents & POLLIN), !!(p.revents & POLLHUP));
    CHECK("server writes after peer shut wr", write(a, "ok", 2));
    CHECK("client reads", read(c, buf, sizeof buf));
    CHECK("client writes after shut wr", send(c, "x", 1, MSG_NOSIGNAL));
    CHECK("peek none", recv(c, buf, sizeof buf, MSG_DONTWAIT | MSG_PEEK));
    close(a);
    CHECK("client reads after server close", read(c, buf, sizeof buf));
    close(c);
    /* Close with unread data: the peer gets a reset. */
    c = connect_to(0, "127.0.0.1", port);
    a = accept(l, NULL, NULL);
    write(c, "unread", 6);
    write(a, "msg", 3);
    CHECK("peek", recv(c, buf, sizeof buf, MSG_PEEK));
    close(a);
    CHECK("read data before reset", read(c, buf, sizeof buf));
    CHECK("read after reset", read(c, buf, sizeof buf));
    close(c);
    /* A peer that closed cleanly: the first write is taken, then EPIPE (SIGPIPE ignored). */
    c = connect_to(0, "127.0.0.1", port);
    a = accept(l, NULL, NULL);
    close(a);
    CHECK("read eof", read(c, buf, sizeof buf));
    CHECK("first write to closed peer", write(c, "a", 1));
    CHECK("second write to closed peer", write(c, "b", 1));
    close(c);
    /* SO_LINGER with a zero time resets; MSG_TRUNC on a stream discards. */
    c = connect_to(0, "127.0.0.1", port);
    a = accept(l, NULL, NULL);
    write(c, "abcdef", 6);
    CHECK("recv MSG_TRUNC stream", recv(a, NULL, 4, MSG_TRUNC));
    CHECK("read rest", read(a, buf, sizeof buf));
    struct linger lg = {1, 0};
    setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(a);
    CHECK("read after linger-0 close", read(c, buf, sizeof buf));
    close(c);
    /* SIGPIPE kills a writer that does not ignore it. */
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        int c2 = connect_to(0, "127.0.0.1", port);
        shutdown(c2, SHUT_WR);
        write(c2, "x", 1);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("writer killed by %s\n",
           WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE ? "SIGPIPE" : "other");
    close(l);
}

static void udp(int v6) {
    const char *lo = v6 ? "::1" : "127.0.0.1";
    int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_storage ss, from;
    socklen_t len = mkaddr(v6, lo, 0, &ss), fl;
    bind(s, (struct sockaddr *)&ss, len);
    int port = port_of(s);
    pid_t pid = fork();
    if (pid == 0) {
        char buf[100];
        for (int i = 0; i < 2; i++) {
            fl = sizeof from;
            ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
            sendto(s, buf, n, 0, (struct sockaddr *)&from, fl);
        }
        _exit(0);
    }
    int c = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
    len = mkaddr(v6, lo, port, &ss);
    CHECK("sendto", sendto(c, "ping", 4, 0, (struct sockaddr *)&ss, len));
    char buf[100] = {0};
    fl = sizeof from;
    CHECK("recvfrom", recvfrom(c, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl));
    show("reply from", &from, fl);
    printf("same port=%d\n", ntohs(((struct sockaddr_in *)&from)->sin_port) == port);
    names("udp client", c);
    CHECK("connect", connect(c, (struct sockaddr *)&ss, len));
    names("udp client", c);
    CHECK("send connected", send(c, "truncate me", 11, 0));
    CHECK("recv MSG_TRUNC", recv(c, buf, 3, MSG_TRUNC));
    int status;
    waitpid(pid, &status, 0);
    CHECK("recv nothing", recv(c, buf, sizeof buf, MSG_DONTWAIT));
    close(s);
    CHECK("send to closed port", send(c, "x", 1, 0));
    CHECK("send after refused", send(c, "x", 1, 0));
    close(c);
}

static void epolling(void) {
    int l = listener(1, "::");
    int port = port_of(l);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = l};
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    struct epoll_event out[4];
    CHECK("epoll idle", epoll_wait(ep, out, 4, 0));
    pid_t pid = fork();
    if (pid == 0) {
        int c = connect_to(0, "127.0.0.1", port);
        write(c, "hi", 2);
        names("v4 client of v6 listener", c);
        fflush(stdout);
        _exit(0);
    }
    int n = epoll_wait(ep, out, 4, 5000);
    int in = n == 1 && (out[0].events & EPOLLIN);
    int status;
    waitpid(pid, &status, 0);
    printf("epoll ready = %d in=%d\n", n, in);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int a = accept(l, (struct sockaddr *)&ss, &len);
    show("accepted peer", &ss, len);
    names("v6 server", a);
    char buf[8] = {0};
    CHECK("read", read(a, buf, sizeof buf));
    CHECK("read eof", read(a, buf, sizeof buf));
    int v = 0;
    socklen_t vl = sizeof v;
    getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
    printf("SO_ACCEPTCONN %d\n", v);
}

static void interfaces(void) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    CHECK("SIOCGIFFLAGS", ioctl(s, SIOCGIFFLAGS, &ifr));
    printf("flags up=%d loopback=%d running=%d\n", !!(ifr.ifr_flags & IFF_UP),
           !!(ifr.ifr_flags & IFF_LOOPBACK), !!(ifr.ifr_flags & IFF_RUNNING));
    CHECK("SIOCGIFINDEX", ioctl(s, SIOCGIFINDEX, &ifr));
    printf("index %d\n", ifr.ifr_ifindex);
    CHECK("SIOCGIFADDR", ioctl(s, SIOCGIFADDR, &ifr));
    printf("addr %s\n", inet_ntoa(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr));
    strcpy(ifr.ifr_name, "nosuch0");
    CHECK("SIOCGIFFLAGS nosuch0", ioctl(s, SIOCGIFFLAGS, &ifr));
}

/* What only the sandbox shows: no raw sockets, no route off the loopback. */
static void isolation(void) {
    struct sockaddr_storage ss;
    socklen_t len;
    CHECK("raw socket", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
    int s = socket(AF_INET, SOCK_STREAM, 0);
    len = mkaddr(0, "10.1.2.3", 80, &ss);
    CHECK("connect foreign", connect(s, (struct sockaddr *)&ss, len));
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK("sendto foreign", sendto(u, "x", 1, 0, (struct sockaddr *)&ss, len));
    int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    len = mkaddr(1, "2001:db8::1", 53, &ss);
    CHECK("connect v6 foreign", connect(u6, (struct sockaddr *)&ss, len));
}

/* Listens on a fixed port for the host test: prints "listening", waits for a line on stdin. */
static void hostcheck(int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_storage ss;
    socklen_t len = mkaddr(0, "127.0.0.1", port, &ss);
    if (bind(s, (struct sockaddr *)&ss, len) || listen(s, 1)) {
        printf("bind: %s\n", errname(errno));
        return;
    }
    printf("listening\n");
    fflush(stdout);
    char c;
    read(0, &c, 1);
    int fl = fcntl(s, F_GETFL);
    fcntl(s, F_SETFL, fl | O_NONBLOCK);
    CHECK("accepted from outside", accept(s, NULL, NULL));
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "tcp4"))
        echo(0, "127.0.0.1", 0, "127.0.0.1");
    else if (!strcmp(mode, "tcp6"))
        echo(1, "::1", 1, "::1");
    else if (!strcmp(mode, "mixed"))
        echo(1, "::", 0, "127.0.0.1");
    else if (!strcmp(mode, "nonblocking"))
        nonblocking();
    else if (!strcmp(mode, "errors"))
        errors();
    else if (!strcmp(mode, "teardown"))
        teardown();
    else if (!strcmp(mode, "udp4"))
        udp(0);
    else if (!strcmp(mode, "udp6"))
        udp(1);
    else if (!strcmp(mode, "epoll"))
        epolling();
    else if (!strcmp(mode, "interfaces"))
        interfaces();
    else if (!strcmp(mode, "isolation"))
        isolation();
    else if (!strcmp(mode, "hostcheck"))
        hostcheck(atoi(argv[2]));
    else
        return 2;
    return 0;
}
