/* Changing files the host made: under `blinders do` they live in the overlay's lower layer, and
 * every change is a copy-up, a whiteout or an opaque directory in the upper one. The program
 * must see exactly what Linux shows for the same calls on a plain file system.
 *
 * argv[1] is a fixture directory made by the test (see vfs.rs, `overlay_fixture`):
 *   a.txt "alpha\n", b.txt "bravo\n", exec.sh (0755) "#!/bin/sh\n", link -> a.txt,
 *   hard1 and hard2 (one file, "shared\n"), empty_dir/, sub/c.txt "charlie\n",
 *   sub/deeper/d.txt "delta\n", sub2/x.txt "x-ray\n", big.bin (256 KiB pattern).
 * The native run changes its fixture for good; the test gives each run a fresh copy. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

static const char *ename(int e) {
#ifdef __GLIBC__
    const char *n = strerrorname_np(e);
    if (n)
        return n;
#endif
    return errname(e);
}

#define C(expr)                                                                                    \
    ({                                                                                             \
        errno = 0;                                                                                 \
        long r_ = (long)(expr);                                                                    \
        int e_ = errno;                                                                            \
        if (r_ == -1)                                                                              \
            printf("%s = -1 %s\n", #expr, ename(e_));                                              \
        else                                                                                       \
            printf("%s = %ld\n", #expr, r_);                                                       \
        r_;                                                                                        \
    })

static void cat(const char *path) {
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("cat %s = -1 %s\n", path, ename(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    printf("cat %s = %zd \"", path, n);
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] == '\n')
            printf("\\n");
        else if (buf[i] < 32 || buf[i] > 126)
            printf("\\x%02x", (unsigned char)buf[i]);
        else
            putchar(buf[i]);
    printf("\"\n");
}

static void show_fd_read(const char *label, int fd) {
    char buf[64];
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    if (n < 0)
        printf("%s = -1 %s\n", label, ename(errno));
    else
        printf("%s = %zd \"%.*s\"\n", label, n, (int)(n > 0 && buf[n - 1] == '\n' ? n - 1 : n),
               buf);
}

static void st(const char *path) {
    struct stat s;
    if (lstat(path, &s) < 0) {
        printf("lstat %s = -1 %s\n", path, ename(errno));
        return;
    }
    printf("lstat %s: mode %06o", path, (unsigned)s.st_mode);
    if (!S_ISDIR(s.st_mode))
        printf(" size %lld", (long long)s.st_size);
    printf(" nlink %lu\n", (unsigned long)s.st_nlink);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void ls(const char *path) {
    DIR *d = opendir(path);
    if (!d) {
        printf("ls %s = -1 %s\n", path, ename(errno));
        return;
    }
    char *names[128];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 128)
        names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    printf("ls %s:", path);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

static void append(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_APPEND);
    if (fd < 0 || write(fd, text, strlen(text)) < 0)
        printf("append %s = -1 %s\n", path, ename(errno));
    if (fd >= 0)
        close(fd);
}

int main(int argc, char **argv) {
    if (argc != 2 || chdir(argv[1]) < 0) {
        fprintf(stderr, "usage: overlay FIXTURE_DIR\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(022);
    ls(".");

    printf("-- copy-up on write, seen through an fd opened before\n");
    int before = C(open("a.txt", O_RDONLY));
    append("a.txt", "more\n");
    cat("a.txt");
    show_fd_read("fd opened before the write", before);
    struct stat s;
    fstat(before, &s);
    printf("fstat of that fd: size %lld\n", (long long)s.st_size);
    close(before);
    st("a.txt");
    C(truncate("big.bin", 1000));
    st("big.bin");
    int rw = C(open("big.bin", O_RDWR));
    C(pwrite(rw, "X", 1, 100000));
    fstat(rw, &s);
    printf("big.bin size %lld\n", (long long)s.st_size);
    close(rw);

    printf("-- metadata only\n");
    C(chmod("b.txt", 0600));
    st("b.txt");
    C(chown("b.txt", 1234, 5678));
    lstat("b.txt", &s);
    printf("owner %u:%u\n", s.st_uid, s.st_gid);
    struct timespec ts[2] = {{1111, 0}, {2222, 0}};
    C(utimensat(AT_FDCWD, "sub/c.txt", ts, 0));
    lstat("sub/c.txt", &s);
    printf("sub/c.txt mtime %ld atime %ld\n", (long)s.st_mtim.tv_sec, (long)s.st_atim.tv_sec);
    cat("sub/c.txt");

    printf("-- hard links made by the host\n");
    st("hard1");
    append("hard1", "via hard1\n");
    cat("hard2");
    st("hard2");
    C(link("a.txt", "a_link"));
    st("a.txt");
    C(unlink("hard2"));
    st("hard1");

    printf("-- whiteouts\n");
    int held = C(open("b.txt", O_RDONLY));
    C(unlink("b.txt"));
    st("b.txt");
    show_fd_read("read of unlinked b.txt", held);
    close(held);
    ls(".");
    int fd = C(open("b.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
    C(write(fd, "new b\n", 6));
    close(fd);
    cat("b.txt");
    st("b.txt");
    C(unlink("link"));
    C(symlink("b.txt", "link"));
    cat("link");

    printf("-- opaque directories\n");
    C(rmdir("sub"));
    C(unlink("sub/c.txt"));
    C(unlink("sub/deeper/d.txt"));
    C(rmdir("sub/deeper"));
    C(rmdir("sub"));
    st("sub");
    C(mkdir("sub", 0700));
    ls("sub");
    st("sub/c.txt");
    cat("sub/deeper/d.txt");
    st("sub");
    C(rmdir("empty_dir"));
    C(mkdir("empty_dir", 0755));
    ls("empty_dir");

    printf("-- renames of host files and directories\n");
    C(rename("sub2", "sub3"));
    ls("sub3");
    cat("sub3/x.txt");
    st("sub2");
    C(rename("sub3/x.txt", "x_moved"));
    ls("sub3");
    cat("x_moved");
    C(rename("exec.sh", "a.txt"));
    cat("a.txt");
    st("a.txt");
    st("a_link");
    C(renameat2(AT_FDCWD, "a_link", AT_FDCWD, "x_moved", RENAME_EXCHANGE));
    cat("a_link");
    cat("x_moved");
    C(mkdir("sub3/inner", 0755));
    C(rename("sub3", "sub/sub3"));
    ls("sub/sub3");
    C(rename("sub", "sub4"));
    ls("sub4/sub3");
    C(rename("sub4", "sub4/sub3/inner/self"));

    printf("-- the end state\n");
    ls(".");
    const char *all[] = {"a.txt", "a_link", "b.txt", "big.bin", "empty_dir", "exec.sh", "hard1",
                         "hard2", "link",  "sub4",   "sub4/sub3", "x_moved"};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        st(all[i]);
    printf("done\n");
    return 0;
}
