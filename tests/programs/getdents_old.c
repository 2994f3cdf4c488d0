/* The old getdents(2) (struct linux_dirent, the type in a record's last byte) lists what
 * getdents64 does, with the same types: a directory made here, and /proc/self/task (what the
 * sanitizers' StopTheWorld reads with it). Entries are printed sorted. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct old_dirent {
    unsigned long d_ino;
    unsigned long d_off;
    unsigned short d_reclen;
    char d_name[];
};

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *label, const char *path, int old, size_t bufsize, int names_too) {
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    char buf[4096], *names[64];
    int n = 0;
    for (;;) {
        long got = syscall(old ? SYS_getdents : SYS_getdents64, fd, buf, bufsize);
        if (got <= 0)
            break;
        for (long at = 0; at < got;) {
            const char *name;
            unsigned char type;
            unsigned short reclen;
            if (old) {
                struct old_dirent *d = (void *)(buf + at);
                name = d->d_name;
                reclen = d->d_reclen;
                type = buf[at + reclen - 1];
            } else {
                struct dirent64 *d = (void *)(buf + at);
                name = d->d_name;
                reclen = d->d_reclen;
                type = d->d_type;
            }
            if (n < 64 && strcmp(name, ".") && strcmp(name, "..")) {
                char *s;
                asprintf(&s, "%s(%d)", name, type);
                names[n++] = s;
            }
            at += reclen;
        }
    }
    close(fd);
    qsort(names, n, sizeof names[0], cmp);
    printf("%s %s, buffer %zu: %d entries", old ? "getdents  " : "getdents64", label, bufsize, n);
    for (int i = 0; i < n && names_too; i++)
        printf(" %s", names[i]);
    printf("\n");
}

int main(void) {
    char dir[] = "/tmp/getdents.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char p[256];
    snprintf(p, sizeof p, "%s/a-file", dir);
    close(open(p, O_CREAT | O_WRONLY, 0600));
    snprintf(p, sizeof p, "%s/a-directory-with-a-longer-name", dir);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/l", dir);
    symlink("a-file", p);
    for (int old = 0; old < 2; old++) {
        list("dir", dir, old, 4096, 1);
        list("dir", dir, old, 64, 1); /* one or two records per call */
    }
    list("/proc/self/task", "/proc/self/task", 0, 4096, 0);
    list("/proc/self/task", "/proc/self/task", 1, 4096, 0);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    long r = syscall(SYS_getdents, fd, (void *)8, 4096);
    printf("getdents into a bad buffer: %ld %s\n", r, r < 0 ? strerrorname_np(errno) : "");
    r = syscall(SYS_getdents, fd, p, 8);
    printf("getdents into a tiny buffer: %ld %s\n", r, r < 0 ? strerrorname_np(errno) : "");
    r = syscall(SYS_getdents, 999, p, 64);
    printf("getdents of a bad fd: %ld %s\n", r, r < 0 ? strerrorname_np(errno) : "");
    r = syscall(SYS_getdents, 0, p, 64);
    printf("getdents of a non-directory: %ld %s\n", r, r < 0 ? strerrorname_np(errno) : "");
    close(fd);
    snprintf(p, sizeof p, "%s/a-file", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/l", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/a-directory-with-a-longer-name", dir);
    rmdir(p);
    rmdir(dir);
    return 0;
}
