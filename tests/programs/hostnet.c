/* Internet sockets on the host's network (blinders do --network=host), run natively and
 * sandboxed with the outputs compared: non-blocking connect refused through SO_ERROR, bad
 * sockaddrs, names after binding port 0, MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, FIONREAD,
 * shutdown, UDP with addresses and truncation, SO_RCVTIMEO, options, edge-triggered epoll,
 * and blocked calls interrupted by a signal. Servers listen on 127.0.0.1 only; ports are
 * ephemeral and never printed. Usage: hostnet semantics|udp|options|epoll|eintr */
#define _GNU_SOURCE
#include "common.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(what, expr)                                                                  \
    do {                                                                                   \
        errno = 0;                                                                         \
        long r_ = (long)(expr);                                                            \
        printf("%s = %ld %s\n", what, r_ < 0 ? -1L : r_, r_ < 0 ? errname(errno) : "");    \
        fflush(stdout);                                                                    \
    } while (0)

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int port_of(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Prints a socket's name without its port (which differs between runs). */
static void show_name(const char *what, int fd, int peer) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                 : getsockname(fd, (struct sockaddr *)&ss, &len);
    if (r < 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    char buf[64] = "?";
    int port;
    if (ss.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, buf, sizeof buf);
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    } else {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, sizeof buf);
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    printf("%s: family=%s len=%u addr=%s port-set=%d\n", what,
           ss.ss_family == AF_INET6 ? "inet6" : ss.ss_family == AF_INET ? "inet" : "other",
           (unsigned)len, buf, port != 0);
}

/* A listener on 127.0.0.1 and an ephemeral port. */
static int listener(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = loopback(0);
    bind(s, (struct sockaddr *)&a, sizeof a);
    listen(s, 8);
    return s;
}

static int connect_to(int port) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(port);
    if (connect(c, (struct sockaddr *)&a, sizeof a) < 0) {
        printf("connect failed: %s\n", errname(errno));
        exit(1);
    }
    return c;
}

static void semantics(void) {
    /* A bound socket that does not listen: its port refuses connections, and no other
     * program can take it meanwhile. */
    int closed = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in any0 = loopback(0);
    CHECK("bind port 0", bind(closed, (struct sockaddr *)&any0, sizeof any0));
    show_name("bound name", closed, 0);
    show_name("unconnected peer", closed, 1);
    int cport = port_of(closed);

    int nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to = loopback(cport);
    errno = 0;
    int r = connect(nb, (struct sockaddr *)&to, sizeof to);
    int e = errno;
    printf("nonblocking connect: %s\n",
           r == 0 ? "0" : (e == EINPROGRESS || e == ECONNREFUSED) ? "pending or refused" : errname(e));
    if (r < 0 && e == EINPROGRESS) {
        struct pollfd p = {nb, POLLOUT, 0};
        int n = poll(&p, 1, 5000);
        printf("poll = %d out=%d err=%d\n", n, !!(p.revents & POLLOUT), !!(p.revents & POLLERR));
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(nb, SOL_SOCKET, SO_ERROR, &err, &len);
        printf("SO_ERROR = %s\n", errname(err));
    } else {
        printf("poll = 1 out=1 err=1\nSO_ERROR = ECONNREFUSED\n");
    }
    close(nb);
    int blk = socket(AF_INET, SOCK_STREAM, 0);
    CHECK("blocking connect refused", connect(blk, (struct sockaddr *)&to, sizeof to));
    close(blk);

    /* Bad sockaddrs. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in good = loopback(0);
    CHECK("bind short", bind(s, (struct sockaddr *)&good, sizeof good - 1));
    struct sockaddr_in6 six;
    memset(&six, 0, sizeof six);
    six.sin6_family = AF_INET6;
    six.sin6_addr = in6addr_loopback;
    CHECK("bind inet6 addr on inet", bind(s, (struct sockaddr *)&six, sizeof six));
    struct sockaddr_in unix_fam = loopback(cport);
    unix_fam.sin_family = AF_UNIX;
    CHECK("connect AF_UNIX family", connect(s, (struct sockaddr *)&unix_fam, sizeof unix_fam));
    CHECK("connect length 1", connect(s, (struct sockaddr *)&to, 1));
    CHECK("connect length 200", connect(s, (struct sockaddr *)&to, 200));
    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK("inet6 bind sockaddr_in", bind(s6, (struct sockaddr *)&good, sizeof good));
    CHECK("inet6 connect short", connect(s6, (struct sockaddr *)&six, 20));
    six.sin6_port = 0;
    CHECK("inet6 bind ::1 port 0", bind(s6, (struct sockaddr *)&six, sizeof six));
    show_name("inet6 name", s6, 0);
    close(s6);
    close(s);

    /* A connection: peek, don't-wait, FIONREAD, wait-all, shutdown. */
    int l = listener();
    show_name("listener", l, 0);
    int accepting = 0;
    socklen_t alen = sizeof accepting;
    getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &alen);
    printf("SO_ACCEPTCONN = %d\n", accepting);
    int c = connect_to(port_of(l));
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int a = accept(l, (struct sockaddr *)&peer, &plen);
    printf("accepted: len=%u addr=%s\n", (unsigned)plen, inet_ntoa(peer.sin_addr));
    show_name("client peer", c, 1);
    char buf[64];
    CHECK("recv dontwait empty", recv(a, buf, sizeof buf, MSG_DONTWAIT));
    CHECK("send", send(c, "hello world", 11, 0));
    /* Loopback delivers before send returns. */
    int avail = -1;
    ioctl(a, FIONREAD, &avail);
    printf("FIONREAD = %d\n", avail);
    memset(buf, 0, sizeof buf);
    CHECK("recv peek 5", recv(a, buf, 5, MSG_PEEK));
    printf("peeked '%s'\n", buf);
    memset(buf, 0, sizeof buf);
    CHECK("recv", recv(a, buf, sizeof buf, 0));
    printf("got '%s'\n", buf);
    pid_t child = fork();
    if (child == 0) {
        send(c, "abc", 3, 0);
        usleep(100 * 1000);
        send(c, "def", 3, 0);
        _exit(0);
    }
    memset(buf, 0, sizeof buf);
    CHECK("recv waitall 6", recv(a, buf, 6, MSG_WAITALL));
    printf("got '%s'\n", buf);
    waitpid(child, NULL, 0);
    CHECK("shutdown bad how", shutdown(c, 7));
    CHECK("shutdown wr", shutdown(c, SHUT_WR));
    CHECK("recv after peer shutdown", recv(a, buf, sizeof buf, 0));
    CHECK("send after own shutdown", send(c, "x", 1, MSG_NOSIGNAL));
    CHECK("server send", write(a, "bye", 3));
    memset(buf, 0, sizeof buf);
    CHECK("client read", read(c, buf, sizeof buf));
    printf("got '%s'\n", buf);
    /* SCM_RIGHTS on an internet socket: the data goes, the file does not. */
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {"r", 1};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf;
    m.msg_controllen = sizeof cbuf;
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(h), &l, sizeof l);
    CHECK("sendmsg SCM_RIGHTS", sendmsg(a, &m, 0));
    char rb[4];
    struct iovec riov = {rb, sizeof rb};
    char rctl[CMSG_SPACE(sizeof(int))];
    struct msghdr rm;
    memset(&rm, 0, sizeof rm);
    rm.msg_iov = &riov;
    rm.msg_iovlen = 1;
    rm.msg_control = rctl;
    rm.msg_controllen = sizeof rctl;
    CHECK("recvmsg it", recvmsg(c, &rm, 0));
    printf("control bytes = %zu\n", (size_t)rm.msg_controllen);
    close(a);
    /* The server end is gone: the next sends fail (the first may still be taken). */
    send(c, "x", 1, MSG_NOSIGNAL);
    usleep(50 * 1000);
    errno = 0;
    r = send(c, "x", 1, MSG_NOSIGNAL);
    printf("send to closed peer: %s\n", r < 0 && (errno == EPIPE || errno == ECONNRESET) ? "fails" : "sent");
    close(c);
    fcntl(l, F_SETFL, O_NONBLOCK);
    CHECK("accept nonblocking", accept(l, NULL, NULL));
    close(l);
    close(closed);
    CHECK("accept on unconnected", ({
              int u = socket(AF_INET, SOCK_STREAM, 0);
              int rr = accept(u, NULL, NULL);
              int ee = errno;
              close(u);
              errno = ee;
              rr;
          }));
}

static void udp(void) {
    int a = socket(AF_INET, SOCK_DGRAM, 0);
    int b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in any0 = loopback(0);
    bind(a, (struct sockaddr *)&any0, sizeof any0);
    bind(b, (struct sockaddr *)&any0, sizeof any0);
    struct sockaddr_in to = loopback(port_of(b));
    CHECK("sendto", sendto(a, "datagram one", 12, 0, (struct sockaddr *)&to, sizeof to));
    struct sockaddr_in unix_fam = to;
    unix_fam.sin_family = AF_UNIX;
    CHECK("sendto AF_UNIX family", sendto(a, "x", 1, 0, (struct sockaddr *)&unix_fam, sizeof to));
    CHECK("sendto short", sendto(a, "x", 1, 0, (struct sockaddr *)&to, 8));
    struct sockaddr_in zero = loopback(0);
    CHECK("sendto port 0", sendto(a, "x", 1, 0, (struct sockaddr *)&zero, sizeof zero));
    CHECK("send unconnected", send(a, "x", 1, 0));
    int six = socket(AF_INET6, SOCK_DGRAM, 0);
    CHECK("inet6 sendto AF_UNIX family", sendto(six, "x", 1, 0, (struct sockaddr *)&unix_fam, sizeof to));
    close(six);
    char buf[64];
    memset(buf, 0, sizeof buf);
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    CHECK("recvfrom peek", recvfrom(b, buf, sizeof buf, MSG_PEEK, (struct sockaddr *)&from, &flen));
    printf("from %s len=%u same-port=%d\n", inet_ntoa(from.sin_addr), (unsigned)flen,
           ntohs(from.sin_port) == port_of(a));
    int avail = -1;
    ioctl(b, FIONREAD, &avail);
    printf("FIONREAD = %d\n", avail);
    struct iovec iov = {buf, 5};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    CHECK("recvmsg 5 of 12", recvmsg(b, &m, 0));
    printf("flags trunc=%d got '%.5s'\n", !!(m.msg_flags & MSG_TRUNC), buf);
    CHECK("sendto again", sendto(a, "datagram two", 12, 0, (struct sockaddr *)&to, sizeof to));
    CHECK("recv MSG_TRUNC 4", recv(b, buf, 4, MSG_TRUNC));
    CHECK("recv dontwait empty", recv(b, buf, sizeof buf, MSG_DONTWAIT));
    struct timeval tv = {0, 200 * 1000};
    CHECK("SO_RCVTIMEO", setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    struct timeval back;
    socklen_t blen = sizeof back;
    getsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &back, &blen);
    printf("SO_RCVTIMEO back = %ld.%06ld\n", (long)back.tv_sec, (long)back.tv_usec);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK("recv with timeout", recv(b, buf, sizeof buf, 0));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    printf("waited about the timeout: %d\n", ms >= 190 && ms < 3000);
    /* A connected socket to a port nobody has: the ICMP error comes back on the next call. */
    int closed = socket(AF_INET, SOCK_DGRAM, 0);
    bind(closed, (struct sockaddr *)&any0, sizeof any0);
    struct sockaddr_in nowhere = loopback(port_of(closed));
    close(closed);
    int c = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK("connect udp", connect(c, (struct sockaddr *)&nowhere, sizeof nowhere));
    CHECK("send to nobody", send(c, "x", 1, 0));
    usleep(50 * 1000);
    CHECK("recv after refusal", recv(c, buf, sizeof buf, MSG_DONTWAIT));
    struct sockaddr unspec = {AF_UNSPEC};
    CHECK("connect AF_UNSPEC", connect(c, &unspec, sizeof unspec));
    show_name("dissolved peer", c, 1);
    close(c);
    close(a);
    close(b);
}

static void options(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int v;
    socklen_t len = sizeof v;
#define GET(level, name)                                                                   \
    do {                                                                                   \
        len = sizeof v;                                                                    \
        v = -1;                                                                            \
        errno = 0;                                                                         \
        int r_ = getsockopt(s, level, name, &v, &len);                                     \
        printf("get %s = %d %s len=%u\n", #name, r_ < 0 ? -1 : v, r_ < 0 ? errname(errno) : "", \
               (unsigned)len);                                                             \
    } while (0)
    GET(SOL_SOCKET, SO_TYPE);
    GET(SOL_SOCKET, SO_DOMAIN);
    GET(SOL_SOCKET, SO_PROTOCOL);
    GET(SOL_SOCKET, SO_ERROR);
    GET(SOL_SOCKET, SO_ACCEPTCONN);
    GET(SOL_SOCKET, SO_REUSEADDR);
    int one = 1;
    CHECK("set SO_REUSEADDR", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    GET(SOL_SOCKET, SO_REUSEADDR);
    CHECK("set SO_KEEPALIVE", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one));
    GET(SOL_SOCKET, SO_KEEPALIVE);
    int buf = 65536;
    CHECK("set SO_RCVBUF", setsockopt(s, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf));
    GET(SOL_SOCKET, SO_RCVBUF);
    CHECK("set TCP_NODELAY", setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    GET(IPPROTO_TCP, TCP_NODELAY);
    int idle = 30;
    CHECK("set TCP_KEEPIDLE", setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle));
    GET(IPPROTO_TCP, TCP_KEEPIDLE);
    int bad = 0;
    CHECK("set TCP_KEEPIDLE 0", setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &bad, sizeof bad));
    int tos = 0x10;
    CHECK("set IP_TOS", setsockopt(s, IPPROTO_IP, IP_TOS, &tos, sizeof tos));
    GET(IPPROTO_IP, IP_TOS);
    struct linger lg = {1, 0};
    CHECK("set SO_LINGER", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    struct timeval tv = {2, 500000};
    CHECK("set SO_SNDTIMEO", setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
    struct timeval back = {0, 0};
    socklen_t blen = sizeof back;
    getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &back, &blen);
    printf("SO_SNDTIMEO back = %ld.%06ld\n", (long)back.tv_sec, (long)back.tv_usec);
    struct stat st;
    fstat(s, &st);
    printf("fstat socket = %d\n", S_ISSOCK(st.st_mode));
    close(s);
    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    int v6only = 1;
    CHECK("set IPV6_V6ONLY", setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only));
    s = s6;
    GET(IPPROTO_IPV6, IPV6_V6ONLY);
    GET(SOL_SOCKET, SO_DOMAIN);
    close(s6);
}

static void epoll_mode(void) {
    int l = listener();
    int ep = epoll_create1(0);
    struct epoll_event ev = {EPOLLIN, {.fd = l}};
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    struct epoll_event out[4];
    CHECK("epoll_wait listener idle", epoll_wait(ep, out, 4, 0));
    int c = connect_to(port_of(l));
    CHECK("epoll_wait listener ready", epoll_wait(ep, out, 4, 5000));
    int a = accept4(l, NULL, NULL, SOCK_NONBLOCK);
    struct epoll_event eva = {EPOLLIN | EPOLLET, {.fd = a}};
    epoll_ctl(ep, EPOLL_CTL_ADD, a, &eva);
    CHECK("epoll_wait conn idle", epoll_wait(ep, out, 4, 0));
    send(c, "one", 3, 0);
    int n = epoll_wait(ep, out, 4, 5000);
    printf("edge one: n=%d in=%d\n", n, n > 0 && (out[0].events & EPOLLIN));
    CHECK("epoll_wait no new edge", epoll_wait(ep, out, 4, 0));
    send(c, "two", 3, 0);
    n = epoll_wait(ep, out, 4, 5000);
    printf("edge two: n=%d in=%d\n", n, n > 0 && (out[0].events & EPOLLIN));
    char buf[16];
    CHECK("read all", read(a, buf, sizeof buf));
    CHECK("read drained", read(a, buf, sizeof buf));
    close(c);
    n = epoll_wait(ep, out, 4, 5000);
    printf("peer closed: n=%d in=%d\n", n, n > 0 && (out[0].events & EPOLLIN));
    CHECK("read eof", read(a, buf, sizeof buf));
    /* select on a listener. */
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(l, &rd);
    struct timeval tv = {0, 0};
    CHECK("select idle", select(l + 1, &rd, NULL, NULL, &tv));
    close(a);
    close(l);
    close(ep);
}

static void on_alarm(int sig) { (void)sig; }

static void eintr(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART */
    sigaction(SIGALRM, &sa, NULL);
    int l = listener();
    ualarm(200 * 1000, 0);
    CHECK("blocked accept, alarm", accept(l, NULL, NULL));
    int c = connect_to(port_of(l));
    int a = accept(l, NULL, NULL);
    char buf[8];
    ualarm(200 * 1000, 0);
    CHECK("blocked recv, alarm", recv(a, buf, sizeof buf, 0));
    struct pollfd p = {a, POLLIN, 0};
    ualarm(200 * 1000, 0);
    CHECK("blocked poll, alarm", poll(&p, 1, -1));
    /* With SA_RESTART the accept goes on and takes the connection made meanwhile. */
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    pid_t child = fork();
    if (child == 0) {
        usleep(400 * 1000);
        close(connect_to(port_of(l)));
        _exit(0);
    }
    ualarm(100 * 1000, 0);
    int b = accept(l, NULL, NULL);
    printf("restarted accept: %s\n", b >= 0 ? "connection" : errname(errno));
    waitpid(child, NULL, 0);
    close(b);
    /* SO_RCVTIMEO bounds accept and recv, an accepted socket inherits it, and a signal ends
     * a wait that has a timeout with EINTR even under SA_RESTART (sock_intr_errno). */
    struct timeval tv = {0, 200 * 1000};
    setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    CHECK("accept with timeout", accept(l, NULL, NULL));
    int c2 = connect_to(port_of(l));
    int a2 = accept(l, NULL, NULL);
    struct timeval back = {0, 0};
    socklen_t blen = sizeof back;
    getsockopt(a2, SOL_SOCKET, SO_RCVTIMEO, &back, &blen);
    printf("accepted SO_RCVTIMEO = %ld.%06ld\n", (long)back.tv_sec, (long)back.tv_usec);
    CHECK("recv inherited timeout", recv(a2, buf, sizeof buf, 0));
    struct timeval longer = {5, 0};
    setsockopt(a2, SOL_SOCKET, SO_RCVTIMEO, &longer, sizeof longer);
    ualarm(100 * 1000, 0);
    CHECK("recv with timeout, alarm under SA_RESTART", recv(a2, buf, sizeof buf, 0));
    close(a2);
    close(c2);
    close(a);
    close(c);
    close(l);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "semantics"))
        semantics();
    else if (!strcmp(mode, "udp"))
        udp();
    else if (!strcmp(mode, "options"))
        options();
    else if (!strcmp(mode, "epoll"))
        epoll_mode();
    else if (!strcmp(mode, "eintr"))
        eintr();
    else {
        fprintf(stderr, "usage: hostnet semantics|udp|options|epoll|eintr\n");
        return 2;
    }
    return 0;
}
