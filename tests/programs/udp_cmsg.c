/* IP control messages on received UDP datagrams (ip(7), ipv6(7)): IP_PKTINFO, IP_RECVTTL
 * and IP_RECVTOS on IPv4; IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT and IPV6_RECVTCLASS on IPv6;
 * with the sender's IP_TTL/IP_TOS and IPV6_UNICAST_HOPS/IPV6_TCLASS; MSG_CTRUNC when the
 * buffer is too small. Prints each control message. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void show(const char *label, int fd, size_t ctl_size) {
    char data[16], ctl[256];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = ctl_size};
    ssize_t n = recvmsg(fd, &m, 0);
    printf("%s: %zd bytes, flags%s\n", label, n, (m.msg_flags & MSG_CTRUNC) ? " MSG_CTRUNC" : "");
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        char addr[64] = "";
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            char spec[32];
            inet_ntop(AF_INET, &pi.ipi_spec_dst, spec, sizeof spec);
            inet_ntop(AF_INET, &pi.ipi_addr, addr, sizeof addr);
            printf("  IP_PKTINFO ifindex %d spec_dst %s addr %s\n", pi.ipi_ifindex, spec, addr);
        } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
            int v;
            memcpy(&v, CMSG_DATA(c), sizeof v);
            printf("  IP_TTL %d\n", v);
        } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) {
            printf("  IP_TOS %d (len %zu)\n", *(unsigned char *)CMSG_DATA(c), (size_t)c->cmsg_len);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            inet_ntop(AF_INET6, &pi.ipi6_addr, addr, sizeof addr);
            printf("  IPV6_PKTINFO addr %s ifindex %d\n", addr, pi.ipi6_ifindex);
        } else if (c->cmsg_level == IPPROTO_IPV6 && (c->cmsg_type == IPV6_HOPLIMIT || c->cmsg_type == IPV6_TCLASS)) {
            int v;
            memcpy(&v, CMSG_DATA(c), sizeof v);
            printf("  %s %d\n", c->cmsg_type == IPV6_HOPLIMIT ? "IPV6_HOPLIMIT" : "IPV6_TCLASS", v);
        } else {
            printf("  level %d type %d len %zu\n", c->cmsg_level, c->cmsg_type, (size_t)c->cmsg_len);
        }
    }
}

/* sendmsg of "ctl" to `to` with one or two int control messages (len bytes of each value;
 * a second length of 0 leaves the second out). Prints the result and errno. */
static void send_ctl(const char *what, int fd, void *to, socklen_t tolen, int l1, int t1, int v1,
                     int len1, int l2, int t2, int v2, int len2) {
    char ctl[64];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {"ctl", 3};
    struct msghdr m = {.msg_name = to, .msg_namelen = tolen, .msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = ctl, .msg_controllen = CMSG_SPACE(len1) + (len2 ? CMSG_SPACE(len2) : 0)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = l1, c->cmsg_type = t1, c->cmsg_len = CMSG_LEN(len1);
    if (len1 == 1) *(unsigned char *)CMSG_DATA(c) = v1;
    else memcpy(CMSG_DATA(c), &v1, 4);
    if (len2) {
        c = CMSG_NXTHDR(&m, c);
        c->cmsg_level = l2, c->cmsg_type = t2, c->cmsg_len = CMSG_LEN(len2);
        if (len2 == 1) *(unsigned char *)CMSG_DATA(c) = v2;
        else memcpy(CMSG_DATA(c), &v2, 4);
    }
    ssize_t n = sendmsg(fd, &m, 0);
    if (n < 0)
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %zd\n", what, n);
}

int main(void) {
    int one = 1;
    /* IPv4. */
    int r = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    bind(r, (struct sockaddr *)&a, sizeof a);
    socklen_t len = sizeof a;
    getsockname(r, (struct sockaddr *)&a, &len);
    setsockopt(r, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    setsockopt(r, IPPROTO_IP, IP_RECVTTL, &one, sizeof one);
    setsockopt(r, IPPROTO_IP, IP_RECVTOS, &one, sizeof one);
    int got, gl = sizeof got;
    getsockopt(r, IPPROTO_IP, IP_PKTINFO, &got, (socklen_t *)&gl);
    printf("IP_PKTINFO reads %d\n", got);
    int ttl = 17, tos = 0x10;
    setsockopt(s, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
    setsockopt(s, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
    a.sin_addr.s_addr = inet_addr("127.0.0.2");
    sendto(s, "v4", 2, 0, (struct sockaddr *)&a, sizeof a);
    show("v4 to 127.0.0.2", r, 256);
    a.sin_addr.s_addr = inet_addr("127.0.0.1");
    sendto(s, "v4", 2, 0, (struct sockaddr *)&a, sizeof a);
    show("v4, a 20-byte control buffer", r, 20);
    /* IPv6. */
    int r6 = socket(AF_INET6, SOCK_DGRAM, 0), s6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 b = {.sin6_family = AF_INET6, .sin6_addr = in6addr_loopback};
    bind(r6, (struct sockaddr *)&b, sizeof b);
    len = sizeof b;
    getsockname(r6, (struct sockaddr *)&b, &len);
    setsockopt(r6, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    setsockopt(r6, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one);
    setsockopt(r6, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof one);
    int hops = 9, tclass = 0x20;
    setsockopt(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops);
    setsockopt(s6, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass);
    sendto(s6, "v6", 2, 0, (struct sockaddr *)&b, sizeof b);
    show("v6", r6, 256);
    sendto(s6, "v6", 2, 0, (struct sockaddr *)&b, sizeof b);
    show("v6, no control buffer", r6, 0);
    int bad = 300;
    printf("IPV6_TCLASS 300: %d\n", setsockopt(s6, IPPROTO_IPV6, IPV6_TCLASS, &bad, sizeof bad));

    /* Per-datagram settings in sendmsg's control messages. */
    send_ctl("v6 HOPLIMIT 5, TCLASS 7", s6, &b, sizeof b, IPPROTO_IPV6, IPV6_HOPLIMIT, 5, 4, IPPROTO_IPV6, IPV6_TCLASS, 7, 4);
    show("v6 with per-datagram settings", r6, 256);
    send_ctl("v6 TCLASS of 5 bytes", s6, &b, sizeof b, IPPROTO_IPV6, IPV6_TCLASS, 7, 5, 0, 0, 0, 0);
    send_ctl("v6 HOPLIMIT 256", s6, &b, sizeof b, IPPROTO_IPV6, IPV6_HOPLIMIT, 256, 4, 0, 0, 0, 0);
    send_ctl("v6 unknown type", s6, &b, sizeof b, IPPROTO_IPV6, 9999, 1, 4, 0, 0, 0, 0);
    send_ctl("v6 IP-level TTL (skipped)", s6, &b, sizeof b, IPPROTO_IP, IP_TTL, 3, 4, 0, 0, 0, 0);
    show("v6 after the skipped one", r6, 256);
    a.sin_addr.s_addr = inet_addr("127.0.0.1");
    send_ctl("v4 TTL 3, TOS 8 (1 byte)", s, &a, sizeof a, IPPROTO_IP, IP_TTL, 3, 4, IPPROTO_IP, IP_TOS, 8, 1);
    show("v4 with per-datagram settings", r, 256);
    send_ctl("v4 TTL 0", s, &a, sizeof a, IPPROTO_IP, IP_TTL, 0, 4, 0, 0, 0, 0);
    return 0;
}
