/* IP control messages on received UDP datagrams (ip(7), ipv6(7)): IP_PKTINFO, IP_RECVTTL
 * and IP_RECVTOS on IPv4; IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT and IPV6_RECVTCLASS on IPv6;
 * with the sender's IP_TTL/IP_TOS and IPV6_UNICAST_HOPS/IPV6_TCLASS; MSG_CTRUNC when the
 * buffer is too small. Prints each control message. */
#define _GNU_SOURCE
#include <arpa/inet.h>
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
    return 0;
}
