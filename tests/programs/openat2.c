/* openat2 RESOLVE_* restrictions: beneath, in-root, no symlinks, no magic links, no mount
 * crossings; compared with Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>
static void t(int dfd, const char *p, unsigned long long res, const char *what) {
    struct open_how how = {.flags = O_RDONLY, .resolve = res};
    long fd = syscall(SYS_openat2, dfd, p, &how, sizeof how);
    printf("%-40s %s\n", what, fd >= 0 ? "ok" : strerrorname_np(errno));
    if (fd >= 0) close(fd);
}
int main(void) {
    char d[] = "/tmp/o2XXXXXX"; mkdtemp(d);
    char p[256]; snprintf(p, sizeof p, "%s/sub", d); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub/f", d); close(open(p, O_CREAT|O_WRONLY, 0644));
    snprintf(p, sizeof p, "%s/sub/abs", d); symlink("/etc/hostname", p);
    snprintf(p, sizeof p, "%s/sub/rel", d); symlink("f", p);
    snprintf(p, sizeof p, "%s/sub/up", d); symlink("../sub/f", p);
    snprintf(p, sizeof p, "%s/sub", d);
    int dfd = open(p, O_PATH);
    t(dfd, "f", 0x08, "beneath f");
    t(dfd, "../sub/f", 0x08, "beneath ../sub/f");
    t(dfd, "/etc/hostname", 0x08, "beneath /etc/hostname");
    t(dfd, "abs", 0x08, "beneath abs link");
    t(dfd, "rel", 0x08, "beneath rel link");
    t(dfd, "rel", 0x04, "no_symlinks rel link");
    t(dfd, "f", 0x10, "in_root f");
    t(dfd, "/f", 0x10, "in_root /f");
    t(dfd, "../../f", 0x10, "in_root ../../f");
    t(dfd, "/proc/self/exe", 0x02, "no_magiclinks /proc/self/exe");
    t(AT_FDCWD, "/proc/self/maps", 0x01, "no_xdev /proc/self/maps");
    t(dfd, "f", 0x18, "beneath|in_root");
    t(dfd, "f", 0x100, "unknown flag");
    snprintf(p, sizeof p, "rm -rf %s", d); system(p);
    return 0;
}
