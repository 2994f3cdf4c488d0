/* What uname(2) reports: sysname and machine (must match the host), whether the release is a
 * version glibc accepts (major.minor[.patch], at least 3.2), the nodename, and whether
 * gethostname() agrees with it. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common.h"

int main(void) {
    struct utsname u;
    if (uname(&u) != 0) {
        printf("uname = -1 %s\n", errname(errno));
        return 1;
    }
    printf("sysname=%s\n", u.sysname);
    printf("machine=%s\n", u.machine);
    int major = 0, minor = 0;
    int ok = sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
             (major > 3 || (major == 3 && minor >= 2));
    printf("release acceptable: %s\n", ok ? "yes" : "no");
    printf("nodename=%s\n", u.nodename);
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        printf("gethostname = -1 %s\n", errname(errno));
    else
        printf("gethostname matches nodename: %s\n", strcmp(host, u.nodename) == 0 ? "yes" : "no");
    printf("version nonempty: %s\n", u.version[0] ? "yes" : "no");
    return 0;
}
