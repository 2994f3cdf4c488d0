/* Urgent data (send with MSG_OOB): to a TCP receiver that set SO_OOBINLINE it arrives
 * inline, in order with the rest (what FTP's ABOR relies on); to one that did not, its last
 * byte is read apart with MSG_OOB and poll shows POLLPRI until then. Either way a read stops
 * at the urgent mark, and SIOCATMARK says whether the next byte is the mark. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int at_mark(int s) {
    int v = -1;
    if (ioctl(s, SIOCATMARK, &v) != 0) return -errno;
    return v;
}

/* Waits until `s` shows POLLPRI (the urgent byte is in). */
static void wait_urgent(int s) {
    struct pollfd p = {.fd = s, .events = POLLPRI};
    poll(&p, 1, 1000);
}

static void show_recv(const char *what, int s, int flags) {
    char buf[64];
    ssize_t n = recv(s, buf, sizeof buf, flags | MSG_DONTWAIT);
    if (n < 0)
        printf("%s: %s, at mark %d\n", what, strerror(errno), at_mark(s));
    else
        printf("%s: %zd %.*s, at mark %d\n", what, n, (int)n, buf, at_mark(s));
}

/* A read stops at the mark; SIOCATMARK is 1 there until a read goes past it. */
static void marks(struct sockaddr_in *a, int l, int inline_) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)a, sizeof *a);
    int s = accept(l, NULL, NULL);
    setsockopt(s, SOL_SOCKET, SO_OOBINLINE, &inline_, sizeof inline_);
    printf("%s: at mark before %d\n", inline_ ? "inline" : "apart", at_mark(s));
    send(c, "abc", 3, 0);
    send(c, "xyz", 3, MSG_OOB);
    send(c, "123", 3, 0);
    usleep(20000);
    show_recv("  recv", s, 0);
    show_recv("  recv OOB", s, MSG_OOB);
    show_recv("  recv", s, 0);
    show_recv("  recv", s, 0);
    /* A reader that reads past an urgent byte it did not take loses it. */
    send(c, "pq", 2, MSG_OOB);
    send(c, "rs", 2, 0);
    usleep(20000);
    show_recv("  recv", s, MSG_PEEK);
    show_recv("  recv", s, 0);
    show_recv("  recv", s, 0);
    show_recv("  recv OOB", s, MSG_OOB);
    close(c);
    close(s);
}

int main(void) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    bind(l, (struct sockaddr *)&a, sizeof a);
    listen(l, 1);
    getsockname(l, (struct sockaddr *)&a, &len);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, sizeof a);
    int s = accept(l, NULL, NULL);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_OOBINLINE, &one, sizeof one);
    printf("send: %zd\n", send(c, "RETR x\r\n", 8, 0));
    printf("send MSG_OOB: %zd\n", send(c, "ABOR\r\n", 6, MSG_OOB));
    close(c);
    char buf[64];
    size_t got = 0;
    ssize_t n;
    while ((n = read(s, buf + got, sizeof buf - got)) > 0) got += n;
    printf("received %zu bytes: %.*s", got, (int)got, buf);

    /* Without SO_OOBINLINE. */
    c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, sizeof a);
    s = accept(l, NULL, NULL);
    printf("send MSG_OOB: %zd\n", send(c, "abc", 3, MSG_OOB));
    struct pollfd p = {.fd = s, .events = POLLIN | POLLPRI};
    poll(&p, 1, 1000);
    printf("poll:%s%s\n", (p.revents & POLLIN) ? " POLLIN" : "", (p.revents & POLLPRI) ? " POLLPRI" : "");
    n = recv(s, buf, sizeof buf, 0);
    printf("recv: %zd %.*s\n", n, (int)(n > 0 ? n : 0), buf);
    n = recv(s, buf, sizeof buf, MSG_OOB);
    printf("recv MSG_OOB: %zd %.*s\n", n, (int)(n > 0 ? n : 0), buf);
    n = recv(s, buf, sizeof buf, MSG_OOB);
    printf("recv MSG_OOB again: %zd %s\n", n, n < 0 ? strerror(errno) : "");
    p.revents = 0;
    poll(&p, 1, 0);
    printf("poll after:%s\n", (p.revents & POLLPRI) ? " POLLPRI" : " none");
    close(c);
    close(s);
    marks(&a, l, 0);
    marks(&a, l, 1);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    printf("SIOCATMARK on UDP: %d\n", at_mark(u));
    (void)wait_urgent;
    return 0;
}
