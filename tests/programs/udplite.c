/* UDP-Lite (udplite(7)): datagrams between two sockets, IPv4 and IPv6; its own port space
 * (a UDP socket binds the same port); the checksum coverage options, clamped as Linux does;
 * SO_PROTOCOL; the coverage options on a UDP socket are ENOPROTOOPT. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef UDPLITE_SEND_CSCOV
#define UDPLITE_SEND_CSCOV 10
#define UDPLITE_RECV_CSCOV 11
#endif

static int opt(int fd, int name) {
    int v = -1;
    socklen_t l = sizeof v;
    if (getsockopt(fd, IPPROTO_UDPLITE, name, &v, &l) < 0) return -errno;
    return v;
}

int main(void) {
    for (int v6 = 0; v6 < 2; v6++) {
        int fam = v6 ? AF_INET6 : AF_INET;
        int r = socket(fam, SOCK_DGRAM, IPPROTO_UDPLITE), s = socket(fam, SOCK_DGRAM, IPPROTO_UDPLITE);
        struct sockaddr_storage ss = {0};
        socklen_t len;
        if (v6) {
            struct sockaddr_in6 *a = (void *)&ss;
            a->sin6_family = AF_INET6;
            a->sin6_addr = in6addr_loopback;
            len = sizeof *a;
        } else {
            struct sockaddr_in *a = (void *)&ss;
            a->sin_family = AF_INET;
            a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            len = sizeof *a;
        }
        printf("%s bind: %d\n", v6 ? "v6" : "v4", bind(r, (void *)&ss, len));
        getsockname(r, (void *)&ss, &len);
        int u = socket(fam, SOCK_DGRAM, 0);
        printf("  UDP on the same port: %d\n", bind(u, (void *)&ss, len));
        printf("  send: %zd\n", sendto(s, "lite", 4, 0, (void *)&ss, len));
        char buf[8] = {0};
        printf("  recv: %zd %s\n", recv(r, buf, sizeof buf, 0), buf);
        int proto;
        socklen_t pl = sizeof proto;
        getsockopt(r, SOL_SOCKET, SO_PROTOCOL, &proto, &pl);
        printf("  SO_PROTOCOL %d\n", proto);
        int vals[] = {0, 5, 20, 70000};
        for (int i = 0; i < 4; i++) {
            setsockopt(s, IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV, &vals[i], sizeof vals[i]);
            setsockopt(s, IPPROTO_UDPLITE, UDPLITE_RECV_CSCOV, &vals[i], sizeof vals[i]);
            printf("  cscov %d -> send %d recv %d\n", vals[i], opt(s, UDPLITE_SEND_CSCOV), opt(s, UDPLITE_RECV_CSCOV));
        }
        printf("  cscov on UDP: %d\n", opt(u, UDPLITE_SEND_CSCOV));
        close(r), close(s), close(u);
    }
    return 0;
}
