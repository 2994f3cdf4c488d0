/* getifaddrs(3), if_nameindex(3) and if_nametoindex(3): glibc asks NETLINK_ROUTE for links and
 * addresses, and SIOCGIFINDEX. The sandbox shows only lo; the host has more, so this runs
 * sandboxed only. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
int main(void) {
    struct ifaddrs *ifa, *i;
    if (getifaddrs(&ifa)) { perror("getifaddrs"); return 1; }
    for (i = ifa; i; i = i->ifa_next) {
        char buf[64] = "-";
        int f = i->ifa_addr ? i->ifa_addr->sa_family : -1;
        if (f == AF_INET) inet_ntop(f, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf, sizeof buf);
        if (f == AF_INET6) inet_ntop(f, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, buf, sizeof buf);
        printf("%s family=%d addr=%s up=%d loopback=%d\n", i->ifa_name, f, buf, !!(i->ifa_flags & IFF_UP), !!(i->ifa_flags & IFF_LOOPBACK));
    }
    freeifaddrs(ifa);
    struct if_nameindex *n = if_nameindex(), *p;
    for (p = n; p && p->if_index; p++) printf("index %u %s\n", p->if_index, p->if_name);
    if_freenameindex(n);
    printf("if_nametoindex(lo)=%u\n", if_nametoindex("lo"));
    return 0;
}
