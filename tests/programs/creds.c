/* Credentials: the setuid family, groups and capabilities, as a root process drops and
 * regains privileges. Run as root (natively and under blinders, then compared). */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

static void ids(const char *what) {
    uid_t r, e, s;
    gid_t rg, eg, sg;
    getresuid(&r, &e, &s);
    getresgid(&rg, &eg, &sg);
    printf("%-28s uid %u/%u/%u gid %u/%u/%u\n", what, r, e, s, rg, eg, sg);
}

static void caps(const char *what) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    long r = syscall(SYS_capget, &h, d);
    printf("%-28s capget=%ld eff %08x%08x prm %08x%08x\n", what, r, d[1].effective, d[0].effective,
           d[1].permitted, d[0].permitted);
}

static void try(const char *what, int r) {
    printf("%-28s %s\n", what, r == 0 ? "ok" : strerrorname_np(errno));
}

int main(void) {
    if (getuid() != 0) {
        printf("not root\n");
        return 0;
    }
    ids("start");
    caps("start");
    gid_t g[2] = {100, 200};
    try("setgroups", setgroups(2, g));
    printf("getgroups %d\n", getgroups(0, NULL));
    try("setresgid(1000,1000,1000)", setresgid(1000, 1000, 1000));
    try("setresuid(-1,1000,0)", setresuid(-1, 1000, 0));
    ids("euid 1000, suid 0");
    caps("euid 1000");
    try("setgroups unprivileged", setgroups(0, NULL));
    try("setresuid(-1,0,-1) back", setresuid(-1, 0, -1));
    ids("back to root");
    caps("back to root");
    try("setuid(2000)", setuid(2000));
    ids("setuid(2000)");
    caps("after setuid");
    try("setuid(0)", setuid(0));
    try("setreuid(-1,2000)", setreuid(-1, 2000));
    try("setreuid(-1,0)", setreuid(-1, 0));
    printf("setfsuid(0) old=%d\n", setfsuid(0));
    printf("setfsuid(-1) old=%d\n", setfsuid(-1));
    try("setgid(5)", setgid(5));
    /* Header with a bad version: EINVAL and the preferred version written back. */
    struct __user_cap_header_struct h = {0x12345678, 0};
    long r = syscall(SYS_capget, &h, NULL);
    printf("capget bad version: %ld %s version=%#x\n", r, strerrorname_np(errno), h.version);
    return 0;
}
