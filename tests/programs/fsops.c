/* The file-system system calls, success and error cases, compared with Linux.
 *
 * argv[1] is a directory to work in. The program makes its own fresh directory under it (and
 * one under /dev/shm, a tmpfs both natively and sandboxed), works only there with relative
 * paths, and removes everything it made before it exits: a native run must leave nothing that
 * a later sandboxed run would see through the overlay. It prints each call and what it
 * returned (errno names on failure), and nothing that legitimately differs between two runs:
 * no inode or device numbers, no absolute temporary paths, no timestamps other than ones it
 * set itself. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

/* errno names, the ones common.h lacks included. */
static const char *ename(int e) {
#ifdef __GLIBC__
    const char *n = strerrorname_np(e);
    if (n)
        return n;
#endif
    return errname(e);
}

/* Prints the call (its source text) and its result: "= N" or "= -1 ENAME". */
#define C(expr) SHOWL(#expr, expr)
#define SHOWL(label, expr)                                                                         \
    ({                                                                                             \
        errno = 0;                                                                                 \
        long r_ = (long)(expr);                                                                    \
        int e_ = errno;                                                                            \
        if (r_ == -1)                                                                              \
            printf("%s = -1 %s\n", (label), ename(e_));                                            \
        else                                                                                       \
            printf("%s = %ld\n", (label), r_);                                                     \
        r_;                                                                                        \
    })
/* For calls returning an fd: prints "ok" instead of the number. */
#define FD(expr)                                                                                   \
    ({                                                                                             \
        errno = 0;                                                                                 \
        long r_ = (long)(expr);                                                                    \
        int e_ = errno;                                                                            \
        if (r_ == -1)                                                                              \
            printf("%s = -1 %s\n", #expr, ename(e_));                                              \
        else                                                                                       \
            printf("%s = fd\n", #expr);                                                            \
        (int)r_;                                                                                   \
    })

/* An address never mapped; through a volatile so the compiler does not see it. */
static void *volatile bad_address = (void *)1;
#define BAD ((void *)bad_address)

static char base[PATH_MAX]; /* the work directory's absolute path */
static char here[PATH_MAX + 64]; /* the current section's directory in it */
static char shm[256];       /* our directory in /dev/shm */

static const char *type_name(mode_t m) {
    return S_ISREG(m)    ? "reg"
           : S_ISDIR(m)  ? "dir"
           : S_ISLNK(m)  ? "lnk"
           : S_ISFIFO(m) ? "fifo"
           : S_ISSOCK(m) ? "sock"
           : S_ISCHR(m)  ? "chr"
           : S_ISBLK(m)  ? "blk"
                         : "?";
}

/* The size of a directory is left out: it is the file system's choice (4096 on ext4, 20 per
 * entry on tmpfs), and the native directory is on whatever the host has. */
static void print_stat(const char *label, const struct stat *st) {
    char size[32] = "";
    if (!S_ISDIR(st->st_mode))
        snprintf(size, sizeof size, " size %lld", (long long)st->st_size);
    printf("%s: %s mode %04o%s nlink %lu uid %u gid %u\n", label, type_name(st->st_mode),
           (unsigned)(st->st_mode & 07777), size, (unsigned long)st->st_nlink, st->st_uid,
           st->st_gid);
}

/* stat (or lstat) PATH and print the stable fields. */
static void st(const char *path) {
    struct stat s;
    if (stat(path, &s) < 0)
        printf("stat %s = -1 %s\n", path, ename(errno));
    else
        print_stat(path, &s);
}

static void lst(const char *path) {
    struct stat s;
    char label[PATH_MAX + 8];
    snprintf(label, sizeof label, "lstat %s", path);
    if (lstat(path, &s) < 0)
        printf("%s = -1 %s\n", label, ename(errno));
    else
        print_stat(label, &s);
}

static void fst(const char *label, int fd) {
    struct stat s;
    if (fstat(fd, &s) < 0)
        printf("fstat %s = -1 %s\n", label, ename(errno));
    else
        print_stat(label, &s);
}

static void put(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        printf("put %s failed: %s\n", path, ename(errno));
        exit(1);
    }
    close(fd);
}

/* Prints a file's contents (escaped) or the error. */
static void cat(const char *path) {
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("cat %s = -1 %s\n", path, ename(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf);
    int e = errno;
    close(fd);
    if (n < 0) {
        printf("cat %s: read = -1 %s\n", path, ename(e));
        return;
    }
    printf("cat %s = %zd \"", path, n);
    for (ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\n')
            printf("\\n");
        else if (c < 32 || c > 126)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    printf("\"\n");
}

static void show_buf(const char *label, ssize_t n, const char *buf) {
    if (n < 0) {
        printf("%s = -1 %s\n", label, ename(errno));
        return;
    }
    printf("%s = %zd \"", label, n);
    for (ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c < 32 || c > 126)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    printf("\"\n");
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists a directory with getdents64 and a small buffer, sorted: "name:type". */
static void ls(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        printf("ls %s = -1 %s\n", path, ename(errno));
        return;
    }
    char *names[256];
    int n = 0;
    char buf[200]; /* a few entries per call, so that the offsets matter */
    for (;;) {
        long r = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (r < 0) {
            printf("getdents64 %s = -1 %s\n", path, ename(errno));
            break;
        }
        if (r == 0)
            break;
        for (long off = 0; off < r;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            const char *t = d->d_type == DT_DIR    ? "d"
                            : d->d_type == DT_REG  ? "f"
                            : d->d_type == DT_LNK  ? "l"
                            : d->d_type == DT_FIFO ? "p"
                            : d->d_type == DT_SOCK ? "s"
                            : d->d_type == DT_CHR  ? "c"
                                                   : "?";
            if (n < 256 && asprintf(&names[n], "%s:%s", d->d_name, t) > 0)
                n++;
            off += d->d_reclen;
        }
    }
    close(fd);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    printf("ls %s:", path);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

/* getcwd with the work directory's prefix replaced by "$W". */
static void pwd(void) {
    char buf[PATH_MAX];
    if (!getcwd(buf, sizeof buf)) {
        printf("getcwd = -1 %s\n", ename(errno));
        return;
    }
    size_t bl = strlen(base);
    if (strncmp(buf, base, bl) == 0)
        printf("getcwd = $W%s\n", buf + bl);
    else
        printf("getcwd = %s\n", buf);
}

/* ------------------------------------------------------------------------------------------ */

static void open_flags(void) {
    printf("-- open\n");
    char buf[64];
    put("f", "hello\n");
    FD(open("f", O_CREAT | O_EXCL | O_WRONLY, 0644));
    int fd = FD(open("new", O_CREAT | O_EXCL | O_WRONLY, 0640));
    C(write(fd, "abc", 3));
    C(close(fd));
    st("new");
    C(read(fd, buf, 1));
    C(close(fd));
    FD(open("missing", O_RDONLY));
    FD(open("nodir/x", O_RDONLY));
    FD(open("nodir/x", O_CREAT | O_WRONLY, 0644));
    FD(open("f/x", O_RDONLY));
    FD(open("f/", O_RDONLY));
    FD(open("f", O_RDONLY | O_DIRECTORY));
    C(mkdir("d", 0755));
    FD(open("d", O_WRONLY));
    FD(open("d", O_RDWR));
    FD(open("d", O_CREAT | O_RDONLY, 0644));
    FD(open("d/", O_CREAT | O_RDONLY, 0644));
    FD(open("newdir/", O_CREAT | O_RDONLY, 0644));
    FD(open("d", O_RDONLY | O_TRUNC));
    FD(open("", O_RDONLY));
    FD(open("nd", O_CREAT | O_DIRECTORY | O_RDWR, 0644));
    lst("nd");
    fd = FD(open("d", O_RDONLY | O_DIRECTORY));
    C(read(fd, buf, 1));
    C(write(fd, "x", 1));
    C(close(fd));

    printf("O_TRUNC\n");
    fd = FD(open("f", O_WRONLY | O_TRUNC));
    st("f");
    C(write(fd, "12345", 5));
    C(close(fd));
    fd = FD(open("f", O_RDONLY | O_TRUNC)); /* truncates even read-only */
    st("f");
    C(close(fd));

    printf("O_APPEND\n");
    put("ap", "abc");
    fd = FD(open("ap", O_WRONLY | O_APPEND));
    C(lseek(fd, 0, SEEK_SET));
    C(write(fd, "de", 2));
    C(lseek(fd, 0, SEEK_CUR));
    C(pwrite(fd, "XY", 2, 0)); /* Linux: pwrite on O_APPEND appends (BUGS in pwrite(2)) */
    C(close(fd));
    cat("ap");
    fd = FD(open("ap", O_RDWR | O_APPEND));
    C(fcntl(fd, F_GETFL) & (O_APPEND | O_ACCMODE));
    C(fcntl(fd, F_SETFL, 0));
    C(fcntl(fd, F_GETFL) & (O_APPEND | O_ACCMODE));
    C(write(fd, "Z", 1));
    C(close(fd));
    cat("ap");

    printf("O_PATH\n");
    fd = FD(open("ap", O_PATH));
    C(read(fd, buf, 1));
    C(write(fd, "x", 1));
    C(fchmod(fd, 0600));
    C(fsync(fd));
    C(fcntl(fd, F_GETFL) & ~O_LARGEFILE);
    fst("O_PATH ap", fd);
    C(fstatat(fd, "", &(struct stat){0}, AT_EMPTY_PATH));
    C(ftruncate(fd, 0));
    C(syscall(SYS_getdents64, fd, buf, sizeof buf));
    C(close(fd));
    fd = FD(open("d", O_PATH | O_DIRECTORY));
    C(syscall(SYS_getdents64, fd, buf, sizeof buf));
    C(faccessat(fd, "..", F_OK, 0));
    int fd2 = FD(openat(fd, "..", O_RDONLY | O_DIRECTORY));
    C(close(fd2));
    C(close(fd));

    printf("O_CLOEXEC\n");
    fd = FD(open("ap", O_RDONLY | O_CLOEXEC));
    C(fcntl(fd, F_GETFD));
    C(fcntl(fd, F_SETFD, 0));
    C(fcntl(fd, F_GETFD));
    C(close(fd));
    fd = FD(open("ap", O_RDONLY));
    C(fcntl(fd, F_GETFD));
    C(close(fd));

    printf("openat\n");
    int dfd = FD(open("d", O_RDONLY | O_DIRECTORY));
    fd = FD(openat(dfd, "inner", O_CREAT | O_WRONLY, 0600));
    C(close(fd));
    st("d/inner");
    int ffd = FD(open("f", O_RDONLY));
    FD(openat(ffd, "x", O_RDONLY));
    FD(openat(999, "x", O_RDONLY));
    FD(openat(-1, "x", O_RDONLY));
    fd = FD(openat(999, "/dev/null", O_RDONLY)); /* absolute: dirfd ignored */
    C(close(fd));
    fd = FD(openat(AT_FDCWD, "d/inner", O_RDONLY));
    C(close(fd));
    FD(openat(dfd, "", O_RDONLY));
    C(close(ffd));

    printf("openat2\n");
    struct open_how how = {.flags = O_RDONLY};
    fd = FD(syscall(SYS_openat2, dfd, "inner", &how, sizeof how));
    fst("openat2 inner", fd);
    C(close(fd));
    how = (struct open_how){.flags = O_CREAT | O_WRONLY, .mode = 0604};
    fd = FD(syscall(SYS_openat2, dfd, "made2", &how, sizeof how));
    C(close(fd));
    st("d/made2");
    how = (struct open_how){.flags = O_RDONLY, .mode = 0644}; /* mode without O_CREAT */
    FD(syscall(SYS_openat2, dfd, "inner", &how, sizeof how));
    how = (struct open_how){.flags = 1ULL << 40};
    FD(syscall(SYS_openat2, dfd, "inner", &how, sizeof how));
    how = (struct open_how){.flags = O_RDONLY};
    FD(syscall(SYS_openat2, dfd, "inner", &how, 8));
    FD(syscall(SYS_openat2, dfd, "inner", BAD, sizeof how));
    struct {
        struct open_how how;
        uint64_t extra;
    } bigger = {.how = {.flags = O_RDONLY}, .extra = 1};
    FD(syscall(SYS_openat2, dfd, "inner", &bigger, sizeof bigger));
    bigger.extra = 0;
    fd = FD(syscall(SYS_openat2, dfd, "inner", &bigger, sizeof bigger));
    C(close(fd));
    C(close(dfd));

    printf("creat\n");
    fd = FD(creat("cr", 0600));
    C(write(fd, "x", 1));
    C(read(fd, buf, 1));
    C(close(fd));
    fd = FD(creat("cr", 0644)); /* truncates, mode unchanged */
    C(close(fd));
    st("cr");

    printf("close_range\n");
    int a = open("f", O_RDONLY), b = open("f", O_RDONLY), c = open("f", O_RDONLY);
    C(syscall(SYS_close_range, b, c, 4 /* CLOSE_RANGE_CLOEXEC */));
    C(fcntl(a, F_GETFD));
    C(fcntl(b, F_GETFD));
    C(fcntl(c, F_GETFD));
    C(syscall(SYS_close_range, a, c, 0));
    C(fcntl(a, F_GETFD));
    C(fcntl(c, F_GETFD));
    C(syscall(SYS_close_range, 10, 5, 0));
    C(syscall(SYS_close_range, 100, 200, 0x80));
    C(close(-1));
    C(close(12345));
}

static void read_write(void) {
    printf("-- read/write\n");
    char buf[64];
    int fd = FD(open("rw", O_RDWR | O_CREAT | O_TRUNC, 0644));
    C(write(fd, "hello world", 11));
    C(lseek(fd, 0, SEEK_CUR));
    C(lseek(fd, 0, SEEK_SET));
    show_buf("read 5", read(fd, buf, 5), buf);
    show_buf("pread 5 @6", pread(fd, buf, 5, 6), buf);
    C(lseek(fd, 0, SEEK_CUR));
    C(pwrite(fd, "W", 1, 6));
    C(lseek(fd, 0, SEEK_CUR));
    C(lseek(fd, -1, SEEK_SET));
    C(lseek(fd, 0, 7));
    C(lseek(fd, -3, SEEK_END));
    show_buf("read rest", read(fd, buf, sizeof buf), buf);
    C(pread(fd, buf, 1, -1));
    C(pwrite(fd, "x", 1, -1));
    struct iovec wv[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
    C(lseek(fd, 0, SEEK_END));
    C(writev(fd, wv, 3));
    C(lseek(fd, 9, SEEK_SET));
    char p1[3] = {0}, p2[8] = {0};
    struct iovec rv[2] = {{p1, 3}, {p2, 8}};
    ssize_t n = C(readv(fd, rv, 2));
    printf("readv: \"%.3s\" \"%.*s\"\n", p1, n > 3 ? (int)n - 3 : 0, p2);
    C(preadv(fd, rv, 2, 0));
    printf("preadv: \"%.3s\" \"%.8s\"\n", p1, p2);
    C(pwritev(fd, wv, 3, 1));
    cat("rw");
    volatile int minus_one = -1;
    C(readv(fd, rv, minus_one));
    C(readv(fd, BAD, 1));
    C(write(fd, BAD, 1));
    C(read(fd, BAD, 1));
    C(read(fd, buf, 0));
    C(write(fd, buf, 0));
    C(close(fd));

    fd = FD(open("rw", O_RDONLY));
    C(write(fd, "x", 1));
    C(pwrite(fd, "x", 1, 0));
    C(close(fd));
    fd = FD(open("rw", O_WRONLY));
    C(read(fd, buf, 1));
    C(pread(fd, buf, 1, 0));
    C(close(fd));
    C(mkdir("rwd", 0755));
    fd = FD(open("rwd", O_RDONLY));
    C(read(fd, buf, 1));
    C(pread(fd, buf, 1, 0));
    C(close(fd));
    int p[2];
    C(pipe(p));
    C(lseek(p[0], 0, SEEK_SET));
    C(pread(p[0], buf, 1, 0));
    C(pwrite(p[1], "x", 1, 0));
    C(close(p[0]));
    C(close(p[1]));
    C(read(999, buf, 1));
    C(write(-1, buf, 1));
    C(lseek(999, 0, SEEK_SET));
}

/* Writes far beyond the end of a file, in the current directory. */
static void sparse(const char *where) {
    printf("-- sparse in %s\n", where);
    const char *path = "sparse";
    int fd = FD(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));
    C(pwrite(fd, "end", 3, 1 << 20));
    struct stat s;
    fstat(fd, &s);
    printf("size %lld\n", (long long)s.st_size);
    static char buf[1 << 20];
    memset(buf, 'x', sizeof buf);
    C(pread(fd, buf, sizeof buf, 0));
    int zeros = 1;
    for (size_t i = 0; i < sizeof buf; i++)
        zeros &= buf[i] == 0;
    printf("hole reads zeros: %s\n", zeros ? "yes" : "no");
    show_buf("pread tail", pread(fd, buf, 10, (1 << 20) - 2), buf);
    C(lseek(fd, 5000, SEEK_END));
    C(write(fd, "z", 1));
    fstat(fd, &s);
    printf("size %lld\n", (long long)s.st_size);
    C(ftruncate(fd, 10));
    fstat(fd, &s);
    printf("size %lld\n", (long long)s.st_size);
    C(ftruncate(fd, 100));
    show_buf("pread after shrink+grow", pread(fd, buf, 200, 0), buf);
    C(close(fd));
    C(unlink(path));
}

/* SEEK_DATA/SEEK_HOLE and hole punching, only in /dev/shm where the native file system is a
 * tmpfs too (ext4 and tmpfs place holes differently). */
static void holes(void) {
    printf("-- holes in /dev/shm\n");
    const char *path = "holes";
    if (chdir(shm) < 0)
        printf("chdir shm failed\n");
    int fd = FD(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));
    C(pwrite(fd, "data", 4, 1 << 20));
    C(lseek(fd, 0, SEEK_DATA));
    C(lseek(fd, 0, SEEK_HOLE));
    C(lseek(fd, (1 << 20) + 1, SEEK_HOLE));
    C(lseek(fd, 2 << 20, SEEK_DATA));
    C(fallocate(fd, 0, 0, 8192));
    C(lseek(fd, 0, SEEK_DATA));
    C(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 8192));
    C(lseek(fd, 0, SEEK_DATA));
    C(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 8192));
    C(close(fd));
    C(unlink(path));
}

static void fallocate_truncate(void) {
    printf("-- fallocate/truncate\n");
    char buf[32];
    int fd = FD(open("fa", O_RDWR | O_CREAT | O_TRUNC, 0644));
    C(fallocate(fd, 0, 0, 4096));
    fst("fa after fallocate 4096", fd);
    C(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 65536));
    fst("fa after KEEP_SIZE 64k", fd);
    C(pwrite(fd, "abcdefgh", 8, 0));
    C(fallocate(fd, 0, 4000, 200));
    fst("fa after fallocate 4000+200", fd);
    C(fallocate(fd, 0, 0, 0));
    C(fallocate(fd, 0, -1, 10));
    C(fallocate(fd, 0xff00, 0, 10));
    C(fallocate(999, 0, 0, 10));
    C(close(fd));
    fd = FD(open("fa", O_RDONLY));
    C(fallocate(fd, 0, 0, 10));
    C(ftruncate(fd, 0));
    C(close(fd));
    C(posix_fallocate(-1, 0, 1) == EBADF);

    C(truncate("fa", 3));
    cat("fa");
    C(truncate("fa", 6));
    cat("fa");
    st("fa");
    C(truncate("fa", -1));
    C(truncate("missing", 0));
    C(truncate("fa/x", 0));
    C(mkdir("td", 0755));
    C(truncate("td", 0));
    C(truncate("", 0));
    C(truncate(BAD, 0));
    fd = FD(open("fa", O_WRONLY));
    C(ftruncate(fd, -5));
    C(ftruncate(fd, 1));
    C(close(fd));
    cat("fa");
    int p[2];
    pipe(p);
    C(ftruncate(p[1], 0));
    close(p[0]);
    close(p[1]);
    C(ftruncate(999, 0));
    (void)buf;
}

static void stats(void) {
    printf("-- stat\n");
    put("s", "12345");
    C(symlink("s", "sl"));
    C(symlink("nowhere", "dangling"));
    st("s");
    st("sl");
    lst("sl");
    st("dangling");
    lst("dangling");
    lst("missing");
    lst("s/");
    lst("sl/");
    st("");
    st(".");
    struct stat s;
    C(stat(BAD, &s));
    C(stat("s", (struct stat *)BAD));
    C(fstatat(AT_FDCWD, "sl", &s, AT_SYMLINK_NOFOLLOW));
    printf("type %s\n", type_name(s.st_mode));
    C(fstatat(AT_FDCWD, "sl", &s, 0));
    printf("type %s\n", type_name(s.st_mode));
    C(fstatat(AT_FDCWD, "sl", &s, 0x8000));
    C(fstatat(AT_FDCWD, "", &s, 0));
    C(fstatat(AT_FDCWD, "", &s, AT_EMPTY_PATH));
    printf("type %s\n", type_name(s.st_mode));
    int fd = open("s", O_RDONLY);
    C(fstatat(fd, "", &s, AT_EMPTY_PATH));
    print_stat("fstatat(fd, \"\", AT_EMPTY_PATH)", &s);
    C(fstatat(fd, "x", &s, 0));
    C(fstatat(999, "x", &s, 0));
    C(fstatat(999, "/", &s, 0));
    C(fstat(999, &s));
    C(fstat(fd, (struct stat *)BAD));
    int lfd = open("sl", O_PATH | O_NOFOLLOW);
    C(fstatat(lfd, "", &s, AT_EMPTY_PATH));
    printf("O_PATH|O_NOFOLLOW symlink: %s size %lld\n", type_name(s.st_mode), (long long)s.st_size);
    close(lfd);

    printf("statx\n");
    struct statx sx;
    memset(&sx, 0, sizeof sx);
    C(statx(AT_FDCWD, "s", 0, STATX_BASIC_STATS, &sx));
    printf("statx s: basic %s type %s mode %04o size %llu nlink %u\n",
           (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS ? "yes" : "no",
           type_name(sx.stx_mode), sx.stx_mode & 07777, (unsigned long long)sx.stx_size,
           sx.stx_nlink);
    C(statx(AT_FDCWD, "sl", AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_SIZE, &sx));
    printf("statx sl nofollow: type %s size %llu\n", type_name(sx.stx_mode),
           (unsigned long long)sx.stx_size);
    C(statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx));
    printf("statx fd size %llu\n", (unsigned long long)sx.stx_size);
    C(statx(AT_FDCWD, "s", AT_STATX_FORCE_SYNC, STATX_SIZE, &sx));
    C(statx(AT_FDCWD, "s", AT_STATX_DONT_SYNC, STATX_SIZE, &sx));
    C(statx(AT_FDCWD, "s", AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_SIZE, &sx));
    C(statx(AT_FDCWD, "s", 0x10000000, STATX_SIZE, &sx));
    C(statx(AT_FDCWD, "s", 0, 0x80000000U /* STATX__RESERVED */, &sx));
    C(statx(AT_FDCWD, "missing", 0, STATX_SIZE, &sx));
    C(statx(AT_FDCWD, "s", 0, STATX_SIZE, (struct statx *)BAD));
    C(statx(AT_FDCWD, "s", 0, 0, &sx));
    close(fd);

    printf("statfs\n");
    struct statfs sf;
    C(statfs("/dev/shm", &sf));
    printf("/dev/shm f_type %#lx namelen %ld\n", (unsigned long)sf.f_type, (long)sf.f_namelen);
    C(statfs("/proc", &sf));
    printf("/proc f_type %#lx\n", (unsigned long)sf.f_type);
    C(statfs("/", &sf)); /* f_type differs: overlay sandboxed, ext4 natively */
    C(statfs("missing", &sf));
    C(statfs(BAD, &sf));
    C(statfs(".", (struct statfs *)BAD));
    fd = open("/dev/shm", O_RDONLY);
    C(fstatfs(fd, &sf));
    printf("fstatfs /dev/shm f_type %#lx\n", (unsigned long)sf.f_type);
    close(fd);
    C(fstatfs(999, &sf));
}

static void access_calls(void) {
    printf("-- access\n");
    put("acc", "x");
    C(chmod("acc", 0644));
    C(access("acc", F_OK));
    C(access("acc", R_OK | W_OK));
    C(access("acc", X_OK)); /* root needs an x bit for X_OK on a file */
    C(chmod("acc", 0654));
    C(access("acc", X_OK));
    C(chmod("acc", 0000));
    C(access("acc", R_OK | W_OK));
    C(access("acc", X_OK));
    C(access(".", X_OK));
    C(access("missing", F_OK));
    C(access("acc/x", F_OK));
    C(access("acc", 8));
    C(access(BAD, F_OK));
    C(access("", F_OK));
    C(symlink("nowhere", "accl"));
    C(faccessat(AT_FDCWD, "accl", F_OK, 0));
    C(syscall(SYS_faccessat2, AT_FDCWD, "accl", F_OK, AT_SYMLINK_NOFOLLOW));
    C(syscall(SYS_faccessat2, AT_FDCWD, "acc", R_OK, AT_EACCESS));
    C(syscall(SYS_faccessat2, AT_FDCWD, "acc", R_OK, 0x1));
    int fd = open("acc", O_PATH);
    C(syscall(SYS_faccessat2, fd, "", F_OK, AT_EMPTY_PATH));
    C(syscall(SYS_faccessat2, fd, "", F_OK, 0));
    C(syscall(SYS_faccessat, fd, "x", F_OK));
    C(syscall(SYS_faccessat, 999, "x", F_OK));
    close(fd);
}

static void dirs(void) {
    printf("-- mkdir/rmdir/getdents\n");
    mode_t old = umask(022);
    C(mkdir("m", 0777));
    st("m");
    C(mkdir("m", 0777));
    C(mkdir("m/", 0777));
    C(mkdir("m2/", 0700));
    st("m2");
    C(mkdir("no/such", 0777));
    put("mf", "");
    C(mkdir("mf/x", 0777));
    C(mkdir("mf", 0777));
    C(symlink("m3", "m3link"));
    C(mkdir("m3link", 0777)); /* a dangling symlink is not followed */
    C(mkdir("", 0777));
    C(mkdir(BAD, 0777));
    C(mkdir("m/sub", 01777));
    st("m/sub");
    C(mkdir("m/sub/deep", 0));
    st("m/sub/deep");
    put("m/file", "x");
    C(symlink("file", "m/ln"));
    C(mkfifo("m/fifo", 0600));
    C(mkdirat(open("m", O_RDONLY | O_DIRECTORY), "viafd", 0755));
    st("m/viafd");
    ls("m");
    ls(".");
    ls("mf");
    int fd = open("m", O_RDONLY | O_DIRECTORY);
    char buf[512];
    C(syscall(SYS_getdents64, fd, buf, 10)); /* too small for one entry */
    C(syscall(SYS_getdents64, fd, BAD, sizeof buf));
    C(syscall(SYS_getdents64, 999, buf, sizeof buf));
    long n = 0, r;
    while ((r = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
        n++;
    C(r);
    C(lseek(fd, 0, SEEK_SET));
    C(syscall(SYS_getdents64, fd, buf, sizeof buf) > 0);
    close(fd);
    fd = open("mf", O_RDONLY);
    C(syscall(SYS_getdents64, fd, buf, sizeof buf));
    close(fd);

    C(rmdir("m"));
    C(rmdir("mf"));
    C(rmdir("missing"));
    C(rmdir("m/sub/deep/"));
    C(rmdir("m/sub/."));
    C(rmdir("m/sub/.."));
    C(rmdir("."));
    C(rmdir("m/ln"));
    C(rmdir("m3link"));
    C(rmdir(""));
    C(rmdir(BAD));
    C(rmdir("m/sub"));
    ls("m");
    C(unlink("m"));
    C(unlink("m/"));
    C(unlink("m/file/"));
    C(unlink("m/file"));
    C(unlink("m/file"));
    C(unlink("m/ln"));
    st("m/file");
    C(unlinkat(AT_FDCWD, "m/fifo", AT_REMOVEDIR));
    C(unlinkat(AT_FDCWD, "m/fifo", 0x1));
    C(unlinkat(AT_FDCWD, "m/viafd", 0));
    C(unlinkat(AT_FDCWD, "m/fifo", 0));
    C(unlinkat(AT_FDCWD, "m/viafd", AT_REMOVEDIR));
    C(unlinkat(999, "x", 0));
    ls("m");
    C(rmdir("m"));
    C(rmdir("m2"));
    C(unlink("mf"));
    C(unlink("m3link"));
    umask(old);
}

static void unlink_open(void) {
    printf("-- unlink of an open file\n");
    put("uo", "still here");
    int fd = FD(open("uo", O_RDWR));
    C(link("uo", "uo2"));
    fst("uo open", fd);
    C(unlink("uo"));
    fst("uo after unlink (one link left)", fd);
    C(unlink("uo2"));
    fst("uo after both unlinks", fd);
    char buf[32];
    C(lseek(fd, 0, SEEK_SET));
    show_buf("read unlinked", read(fd, buf, sizeof buf), buf);
    C(write(fd, "+more", 5));
    C(ftruncate(fd, 3));
    fst("unlinked after ftruncate", fd);
    show_buf("pread unlinked", pread(fd, buf, sizeof buf, 0), buf);
    st("uo");
    C(close(fd));
    /* A directory removed while it is the cwd of an fd. */
    C(mkdir("gone", 0755));
    int dfd = open("gone", O_RDONLY | O_DIRECTORY);
    C(rmdir("gone"));
    C(openat(dfd, "new", O_CREAT | O_WRONLY, 0644));
    C(mkdirat(dfd, "new", 0755));
    ls("gone");
    C(syscall(SYS_getdents64, dfd, buf, sizeof buf));
    struct stat s;
    C(fstat(dfd, &s));
    printf("removed dir nlink %lu\n", (unsigned long)s.st_nlink);
    C(close(dfd));
}

static void links(void) {
    printf("-- link\n");
    put("l1", "data");
    C(link("l1", "l2"));
    C(link("l1", "l3"));
    st("l1");
    C(link("l1", "l2"));
    C(link("missing", "l4"));
    C(mkdir("ld", 0755));
    C(link("ld", "ld2"));
    C(link("l1", "ld/"));
    C(link("l1", "nodir/x"));
    C(link("l1/", "l5"));
    C(unlink("l2"));
    st("l3");
    C(symlink("l1", "lsym"));
    C(linkat(AT_FDCWD, "lsym", AT_FDCWD, "hard_to_link", 0));
    lst("hard_to_link");
    C(linkat(AT_FDCWD, "lsym", AT_FDCWD, "hard_to_target", AT_SYMLINK_FOLLOW));
    lst("hard_to_target");
    st("l1");
    C(linkat(AT_FDCWD, "l1", AT_FDCWD, "x", 0x8000));
    int fd = open("l1", O_RDONLY);
    C(linkat(fd, "", AT_FDCWD, "by_empty_path", AT_EMPTY_PATH));
    st("by_empty_path");
    C(linkat(fd, "", AT_FDCWD, "by_empty_path2", 0));
    int dfd = open("ld", O_RDONLY | O_DIRECTORY);
    C(linkat(AT_FDCWD, "l1", dfd, "in_ld", 0));
    st("ld/in_ld");
    C(linkat(999, "l1", dfd, "x", 0));
    C(linkat(AT_FDCWD, BAD, dfd, "x", 0));
    close(dfd);
    /* An unlinked file cannot get a name back through linkat (no O_TMPFILE). */
    put("vanish", "x");
    int vfd = open("vanish", O_RDONLY);
    unlink("vanish");
    C(linkat(vfd, "", AT_FDCWD, "revived", AT_EMPTY_PATH));
    close(vfd);
    close(fd);
    for (const char *p = "l1\0l3\0lsym\0hard_to_link\0hard_to_target\0by_empty_path\0ld/in_ld\0"; *p;
         p += strlen(p) + 1)
        unlink(p);
    rmdir("ld");
}

static void renames(void) {
    printf("-- rename\n");
    put("r1", "one");
    put("r2", "two");
    C(rename("r1", "r2"));
    cat("r2");
    st("r1");
    C(rename("r2", "r2"));
    C(link("r2", "r2hard"));
    C(rename("r2", "r2hard")); /* same inode: nothing happens */
    st("r2");
    C(unlink("r2hard"));
    C(rename("missing", "x"));
    C(rename("r2", "nodir/x"));
    C(mkdir("rd", 0755));
    C(mkdir("rd2", 0755));
    put("rd2/f", "x");
    C(rename("r2", "rd"));
    C(rename("rd", "r2"));
    C(rename("rd", "rd2"));
    C(rename("rd2", "rd"));
    ls("rd");
    st("rd2");
    C(mkdir("rd/sub", 0755));
    C(rename("rd", "rd/sub/inside"));
    C(rename("rd", "rd/sub"));
    C(rename("rd/sub", "rd"));
    /* A target that is an ancestor of the source: ENOTEMPTY, whatever the types, before
     * ENOTDIR or EISDIR (RENAME_NOREPLACE's EEXIST comes first). */
    put("rd/pf", "x");
    C(rename("rd/pf", "rd"));
    C(renameat2(AT_FDCWD, "rd/pf", AT_FDCWD, "rd", RENAME_NOREPLACE));
    C(mkdir("rd/sub/deep", 0755));
    C(rename("rd/sub/deep", "rd"));
    C(rename("rd/sub/deep", "."));
    C(rmdir("rd/sub/deep"));
    C(unlink("rd/pf"));
    C(rename("rd/.", "x"));
    C(rename("rd/..", "x"));
    C(rename(".", "x"));
    C(rename("x", "."));
    C(rename("rd", "rd/"));
    C(rename("rd/", "rdx"));
    C(rename("rdx/", "rd"));
    C(rename("r2", "r3/"));
    C(rename("r2/", "r3"));
    C(rename("", "x"));
    C(rename(BAD, "x"));
    C(rename("r2", BAD));
    int dfd = open("rd", O_RDONLY | O_DIRECTORY);
    C(renameat(AT_FDCWD, "r2", dfd, "moved"));
    cat("rd/moved");
    C(renameat(dfd, "moved", AT_FDCWD, "r2"));
    C(renameat(999, "moved", AT_FDCWD, "r2"));
    close(dfd);

    printf("renameat2\n");
    put("a", "A");
    put("b", "B");
    C(renameat2(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE));
    C(renameat2(AT_FDCWD, "a", AT_FDCWD, "c", RENAME_NOREPLACE));
    cat("c");
    C(renameat2(AT_FDCWD, "c", AT_FDCWD, "b", RENAME_EXCHANGE));
    cat("b");
    cat("c");
    C(renameat2(AT_FDCWD, "c", AT_FDCWD, "nothere", RENAME_EXCHANGE));
    C(renameat2(AT_FDCWD, "c", AT_FDCWD, "rd", RENAME_EXCHANGE)); /* file <-> dir is fine */
    lst("c");
    lst("rd");
    C(renameat2(AT_FDCWD, "c", AT_FDCWD, "rd", RENAME_EXCHANGE));
    C(renameat2(AT_FDCWD, "b", AT_FDCWD, "c", RENAME_EXCHANGE | RENAME_NOREPLACE));
    C(renameat2(AT_FDCWD, "b", AT_FDCWD, "c", 0x100));
    C(renameat2(AT_FDCWD, "b", AT_FDCWD, "b", RENAME_EXCHANGE));
    C(renameat2(AT_FDCWD, "b", AT_FDCWD, "b", RENAME_NOREPLACE));
    C(renameat2(AT_FDCWD, "rd", AT_FDCWD, "rd/sub", RENAME_EXCHANGE));
    C(mkdir("rd/sub", 0755));
    C(renameat2(AT_FDCWD, "rd", AT_FDCWD, "rd/sub", RENAME_EXCHANGE));
    C(renameat2(AT_FDCWD, "rd/sub", AT_FDCWD, "rd", RENAME_EXCHANGE));
    C(renameat2(AT_FDCWD, "b", AT_FDCWD, "rd/sub", RENAME_NOREPLACE));

    /* An open file renamed keeps working; an open dir renamed keeps its children. */
    int fd = open("b", O_RDWR);
    C(rename("b", "rd/b_moved"));
    C(write(fd, "!", 1));
    cat("rd/b_moved");
    close(fd);
    dfd = open("rd", O_RDONLY | O_DIRECTORY);
    C(rename("rd", "rd_renamed"));
    C(faccessat(dfd, "b_moved", F_OK, 0));
    close(dfd);
    ls("rd_renamed");
    unlink("rd_renamed/b_moved");
    rmdir("rd_renamed/sub");
    rmdir("rd_renamed");
    unlink("c");
    unlink("r2");
}

static void symlinks(void) {
    printf("-- symlink/readlink\n");
    char buf[64];
    C(symlink("target", "s1"));
    C(symlink("other", "s1"));
    C(symlink("x", "nodir/s"));
    C(symlink("", "sempty"));
    C(symlink(BAD, "sbad"));
    C(symlink("x", BAD));
    lst("s1");
    memset(buf, 0, sizeof buf);
    show_buf("readlink s1", readlink("s1", buf, sizeof buf), buf);
    show_buf("readlink s1 3", readlink("s1", buf, 3), buf);
    C(readlink("s1", buf, 0));
    C(readlink("s1", BAD, 10));
    C(readlink("missing", buf, sizeof buf));
    put("notlink", "x");
    C(readlink("notlink", buf, sizeof buf));
    C(readlink(".", buf, sizeof buf));
    C(readlink("s1/", buf, sizeof buf));
    int lfd = open("s1", O_PATH | O_NOFOLLOW);
    show_buf("readlinkat(O_PATH fd, \"\")", readlinkat(lfd, "", buf, sizeof buf), buf);
    close(lfd);
    int ffd = open("notlink", O_RDONLY);
    C(readlinkat(ffd, "", buf, sizeof buf));
    close(ffd);

    printf("loops\n");
    C(symlink("loopb", "loopa"));
    C(symlink("loopa", "loopb"));
    C(symlink("self", "self"));
    st("loopa");
    lst("loopa");
    st("self");
    st("self/x");
    FD(open("loopa", O_RDONLY));
    FD(open("loopa", O_CREAT | O_WRONLY, 0644));
    put("tgt", "target file");
    C(symlink("tgt", "tl"));
    FD(open("tl", O_RDONLY | O_NOFOLLOW));
    FD(open("tl", O_WRONLY | O_NOFOLLOW | O_CREAT, 0644));
    int fd = FD(open("tl", O_PATH | O_NOFOLLOW));
    fst("O_PATH|O_NOFOLLOW tl", fd);
    close(fd);
    FD(open("tl", O_RDONLY | O_NOFOLLOW | O_DIRECTORY));
    FD(open("tl/", O_RDONLY | O_NOFOLLOW));
    /* 40 links are followed, the 41st is ELOOP. */
    char name[16], next[16];
    for (int i = 0; i < 41; i++) {
        snprintf(name, sizeof name, "chain%d", i);
        if (i == 40)
            snprintf(next, sizeof next, "tgt");
        else
            snprintf(next, sizeof next, "chain%d", i + 1);
        symlink(next, name);
    }
    st("chain1");
    st("chain0");
    for (int i = 0; i < 41; i++) {
        snprintf(name, sizeof name, "chain%d", i);
        unlink(name);
    }

    printf("dangling with O_CREAT\n");
    C(symlink("created_through", "dl"));
    fd = FD(open("dl", O_CREAT | O_WRONLY, 0644));
    close(fd);
    lst("created_through");
    FD(open("dl", O_CREAT | O_EXCL | O_WRONLY, 0644));
    C(symlink("nodir/x", "dl2"));
    FD(open("dl2", O_CREAT | O_WRONLY, 0644));

    printf("through dirs\n");
    C(mkdir("real", 0755));
    C(mkdir("real/deep", 0755));
    C(mkdir("real/deep/er", 0755));
    put("real/deep/file", "deep");
    put("real/top", "top");
    C(symlink("real/deep/er", "dlink"));
    C(symlink("../file", "real/deep/er/up"));
    cat("dlink/../file"); /* `..` of the link's target, not of the link */
    cat("dlink/up");
    cat("dlink/../../top");
    ls("dlink");
    lst("dlink/");
    C(symlink("/dev/null", "abs"));
    st("abs");
    C(chdir("dlink"));
    pwd();
    C(chdir(".."));
    pwd();
    C(chdir(here));
    C(symlink("real", "rl"));
    C(mkdir("rl/viasym", 0755));
    st("real/viasym");
    C(rmdir("rl"));
    C(rmdir("rl/viasym"));
    C(unlink("rl/"));

    printf("long targets\n");
    static char longt[5000];
    memset(longt, 'a', 4095);
    longt[4095] = 0;
    C(symlink(longt, "long4095"));
    lst("long4095");
    memset(longt, 'a', 4096);
    longt[4096] = 0;
    C(symlink(longt, "long4096"));
    unlink("long4095");
    for (const char *p = "s1\0notlink\0loopa\0loopb\0self\0tgt\0tl\0dl\0dl2\0created_through\0"
                         "dlink\0real/deep/er/up\0real/deep/file\0real/top\0abs\0rl\0";
         *p; p += strlen(p) + 1)
        unlink(p);
    rmdir("real/deep/er");
    rmdir("real/deep");
    rmdir("real");
}

static void modes_owners(void) {
    printf("-- chmod/chown/umask\n");
    put("cm", "x");
    C(chmod("cm", 0751));
    st("cm");
    C(chmod("cm", 07777));
    st("cm");
    C(chmod("cm", 0170644)); /* file type bits ignored */
    st("cm");
    C(chmod("missing", 0644));
    C(chmod(BAD, 0644));
    int fd = open("cm", O_RDONLY);
    C(fchmod(fd, 0600));
    fst("cm", fd);
    C(fchmod(999, 0600));
    C(symlink("cm", "cml"));
    C(chmod("cml", 0640)); /* follows */
    st("cm");
    lst("cml");
    C(fchmodat(AT_FDCWD, "cml", 0600, AT_SYMLINK_NOFOLLOW));
    C(fchmodat(AT_FDCWD, "cm", 0604, AT_SYMLINK_NOFOLLOW));
    st("cm");
    C(syscall(SYS_fchmodat, AT_FDCWD, "cm", 0644, 0));
    st("cm");
    C(syscall(SYS_fchmodat, AT_FDCWD, "cm", 0644, AT_SYMLINK_NOFOLLOW)); /* 4th arg ignored */

    printf("chown\n");
    C(chown("cm", 1000, 1001));
    st("cm");
    C(chown("cm", -1, 7));
    st("cm");
    C(chown("cm", 5, -1));
    st("cm");
    C(chmod("cm", 06755));
    C(chown("cm", 0, 0)); /* clears set-user-ID and set-group-ID */
    st("cm");
    C(chmod("cm", 02745)); /* setgid without group exec: kept */
    C(chown("cm", 3, 3));
    st("cm");
    C(lchown("cml", 9, 9));
    lst("cml");
    st("cml");
    C(fchownat(AT_FDCWD, "cml", 11, 11, AT_SYMLINK_NOFOLLOW));
    lst("cml");
    C(fchownat(AT_FDCWD, "cml", 12, 12, 0));
    st("cm");
    C(fchownat(fd, "", 13, 13, AT_EMPTY_PATH));
    fst("cm", fd);
    C(fchownat(AT_FDCWD, "cm", 1, 1, 0x8000));
    C(fchown(fd, 0, 0));
    fst("cm", fd);
    C(fchown(999, 0, 0));
    C(chown("missing", 0, 0));
    close(fd);
    C(mkdir("cd", 0755));
    C(chown("cd", 100, 200));
    C(chmod("cd", 02775));
    C(mkdir("cd/child", 0755)); /* setgid dir: group and setgid inherited */
    st("cd/child");
    put("cd/f", "");
    st("cd/f");

    printf("umask\n");
    C(umask(0));
    C(umask(077));
    fd = FD(open("um1", O_CREAT | O_WRONLY, 0666));
    close(fd);
    st("um1");
    C(mkdir("um2", 0777));
    st("um2");
    C(mkfifo("um3", 0666));
    st("um3");
    C(symlink("um1", "um4"));
    lst("um4");
    C(umask(0777));
    fd = FD(open("um5", O_CREAT | O_RDWR, 0666));
    C(write(fd, "x", 1)); /* the mode applies to later opens, not this one */
    close(fd);
    st("um5");
    C(umask(022 | 0170000));
    C(umask(022));
    for (const char *p = "cm\0cml\0um1\0um3\0um4\0um5\0cd/f\0"; *p; p += strlen(p) + 1)
        unlink(p);
    rmdir("um2");
    rmdir("cd/child");
    rmdir("cd");
}

static void times(void) {
    printf("-- utimensat\n");
    put("t", "x");
    struct timespec ts[2] = {{1000000000, 123456789}, {1200000000, 987654321}};
    C(utimensat(AT_FDCWD, "t", ts, 0));
    struct stat s;
    stat("t", &s);
    printf("atime %ld.%09ld mtime %ld.%09ld\n", (long)s.st_atim.tv_sec, s.st_atim.tv_nsec,
           (long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec);
    struct timespec omit[2] = {{0, UTIME_OMIT}, {1300000000, 5}};
    C(utimensat(AT_FDCWD, "t", omit, 0));
    stat("t", &s);
    printf("atime %ld.%09ld mtime %ld.%09ld\n", (long)s.st_atim.tv_sec, s.st_atim.tv_nsec,
           (long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec);
    time_t before = time(NULL);
    struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    C(utimensat(AT_FDCWD, "t", now, 0));
    stat("t", &s);
    printf("atime now: %s, mtime kept: %s\n",
           s.st_atim.tv_sec >= before && s.st_atim.tv_sec <= before + 5 ? "yes" : "no",
           s.st_mtim.tv_sec == 1300000000 ? "yes" : "no");
    C(utimensat(AT_FDCWD, "t", NULL, 0));
    stat("t", &s);
    printf("both now: %s\n",
           s.st_mtim.tv_sec >= before && s.st_atim.tv_sec >= before ? "yes" : "no");
    struct timespec badns[2] = {{0, 1000000000}, {0, 0}};
    C(utimensat(AT_FDCWD, "t", badns, 0));
    struct timespec neg[2] = {{0, -5}, {0, 0}};
    C(utimensat(AT_FDCWD, "t", neg, 0));
    C(utimensat(AT_FDCWD, "missing", ts, 0));
    C(utimensat(AT_FDCWD, "t", ts, 0x8000));
    C(utimensat(AT_FDCWD, "t", (struct timespec *)BAD, 0));
    C(symlink("t", "tl"));
    struct timespec lts[2] = {{111, 0}, {222, 0}};
    C(utimensat(AT_FDCWD, "tl", lts, AT_SYMLINK_NOFOLLOW));
    lstat("tl", &s);
    printf("symlink mtime %ld\n", (long)s.st_mtim.tv_sec);
    stat("tl", &s);
    printf("target mtime untouched: %s\n", s.st_mtim.tv_sec >= before ? "yes" : "no");
    int fd = open("t", O_RDONLY);
    struct timespec fts[2] = {{333, 0}, {444, 0}};
    C(futimens(fd, fts));
    C(syscall(SYS_utimensat, fd, NULL, fts, 0));
    fstat(fd, &s);
    printf("futimens atime %ld mtime %ld\n", (long)s.st_atim.tv_sec, (long)s.st_mtim.tv_sec);
    C(syscall(SYS_utimensat, fd, NULL, fts, AT_SYMLINK_NOFOLLOW));
    C(syscall(SYS_utimensat, 999, NULL, fts, 0));
    C(utimensat(fd, "", fts, AT_EMPTY_PATH));
    close(fd);
    struct timeval tv[2] = {{555, 1}, {666, 999999}};
    C(utimes("t", tv));
    stat("t", &s);
    printf("utimes atime %ld.%09ld mtime %ld.%09ld\n", (long)s.st_atim.tv_sec, s.st_atim.tv_nsec,
           (long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec);
    struct timeval badtv[2] = {{1, 1000000}, {1, 0}};
    C(utimes("t", badtv));
    struct timeval ftv[2] = {{777, 0}, {888, 0}};
    C(futimesat(AT_FDCWD, "t", ftv));
    stat("t", &s);
    printf("futimesat atime %ld mtime %ld\n", (long)s.st_atim.tv_sec, (long)s.st_mtim.tv_sec);
    /* Writing updates mtime. */
    fd = open("t", O_WRONLY);
    C(write(fd, "y", 1));
    close(fd);
    stat("t", &s);
    printf("mtime after write is recent: %s\n", s.st_mtim.tv_sec >= before ? "yes" : "no");
    unlink("tl");
    unlink("t");
}

static void cwd(void) {
    printf("-- chdir/getcwd\n");
    pwd();
    C(mkdir("a", 0755));
    C(mkdir("a/b", 0755));
    C(mkdir("a/b/c", 0755));
    C(mkdir("a/b/c/d", 0755));
    C(mkdir("a/b/c/d/e", 0755));
    int top = open(".", O_RDONLY | O_DIRECTORY);
    C(chdir("a/b/c/d/e"));
    pwd();
    C(chdir("../.."));
    pwd();
    C(chdir("/"));
    pwd();
    C(fchdir(top));
    pwd();
    C(chdir("missing"));
    put("cf", "x");
    C(chdir("cf"));
    C(chdir(""));
    C(chdir(BAD));
    int ffd = open("cf", O_RDONLY);
    C(fchdir(ffd));
    close(ffd);
    C(fchdir(999));
    int pfd = open("a", O_PATH);
    C(fchdir(pfd));
    pwd();
    close(pfd);
    C(fchdir(top));
    char small[4];
    C(getcwd(small, sizeof small) == NULL);
    printf("errno %s\n", ename(errno));
    C(syscall(SYS_getcwd, small, 0));
    C(syscall(SYS_getcwd, BAD, 100));
    char buf[PATH_MAX];
    long n = syscall(SYS_getcwd, buf, sizeof buf);
    printf("getcwd syscall returns strlen+1: %s\n", n == (long)strlen(buf) + 1 ? "yes" : "no");
    /* The cwd removed. */
    C(chdir("a/b/c/d/e"));
    C(rmdir("../e"));
    pwd();
    C(syscall(SYS_getcwd, buf, sizeof buf));
    C(open("x", O_CREAT | O_WRONLY, 0644));
    C(chdir(".."));
    pwd();
    C(fchdir(top));
    close(top);
    rmdir("a/b/c/d");
    rmdir("a/b/c");
    rmdir("a/b");
    rmdir("a");
    unlink("cf");
    /* A deep tree, deeper than one name fits in a small buffer. */
    char path[PATH_MAX] = ".";
    for (int i = 0; i < 30; i++) {
        strcat(path, "/dir_with_a_long_name");
        mkdir(path, 0755);
    }
    C(chdir(path));
    pwd();
    C(fchdir(top = open(here, O_RDONLY)));
    close(top);
    for (int i = 30; i > 0; i--) {
        rmdir(path);
        *strrchr(path, '/') = 0;
    }
}

static void names(void) {
    printf("-- long names\n");
    char n255[256], n256[257];
    memset(n255, 'n', 255);
    n255[255] = 0;
    memset(n256, 'n', 256);
    n256[256] = 0;
    int fd = FD(open(n255, O_CREAT | O_WRONLY, 0644));
    close(fd);
    FD(open(n256, O_CREAT | O_WRONLY, 0644));
    FD(open(n256, O_RDONLY));
    C(mkdir(n256, 0755));
    C(unlink(n256));
    C(rename(n255, n256));
    C(symlink("x", n256));
    C(link(n255, n256));
    C(access(n256, F_OK));
    C(unlink(n255));
    static char longp[5000];
    memset(longp, 0, sizeof longp);
    for (size_t i = 0; i + 2 < 4200; i += 2)
        memcpy(longp + i, "a/", 2);
    FD(open(longp, O_RDONLY));
    C(stat(longp, &(struct stat){0}));
    C(mkdir(longp, 0755));
    C(chdir(longp));
    C(unlink(longp));
    /* 4095 bytes plus the NUL fit: the lookup itself fails. */
    memset(longp, 0, sizeof longp);
    for (size_t i = 0; i + 2 <= 4094; i += 2)
        memcpy(longp + i, "./", 2);
    longp[4094] = 'x';
    printf("len %zu\n", strlen(longp));
    FD(open(longp, O_RDONLY));
    longp[4095] = 'x';
    FD(open(longp, O_RDONLY));
    /* Many `..` and `.`: fine. */
    C(mkdir("p", 0755));
    cat("p/../p/./../p/.././.");
    C(access("p/../p/./../p/.././.", F_OK));
    C(access("/../../..", F_OK));
    C(access("//dev//null", F_OK));
    C(access("p/missing/..", F_OK));
    put("pf", "");
    C(access("pf/..", F_OK));
    C(access("pf/.", F_OK));
    rmdir("p");
    unlink("pf");
}

static void efault(void) {
    printf("-- EFAULT\n");
    struct stat s;
    C(syscall(SYS_open, BAD, O_RDONLY));
    C(syscall(SYS_openat, AT_FDCWD, BAD, O_RDONLY));
    C(syscall(SYS_stat, BAD, &s));
    C(syscall(SYS_lstat, BAD, &s));
    C(syscall(SYS_newfstatat, AT_FDCWD, BAD, &s, 0));
    C(syscall(SYS_mkdir, BAD, 0755));
    C(syscall(SYS_rmdir, BAD));
    C(syscall(SYS_unlink, BAD));
    C(syscall(SYS_chdir, BAD));
    C(syscall(SYS_chmod, BAD, 0644));
    C(syscall(SYS_chown, BAD, 0, 0));
    C(syscall(SYS_truncate, BAD, 0));
    C(syscall(SYS_access, BAD, F_OK));
    char lbuf[8];
    C(syscall(SYS_readlink, BAD, lbuf, sizeof lbuf));
    C(syscall(SYS_symlink, "x", BAD));
    C(syscall(SYS_link, BAD, "x"));
    C(syscall(SYS_rename, "x", BAD));
    C(syscall(SYS_mknod, BAD, S_IFIFO | 0644, 0));
    C(syscall(SYS_creat, BAD, 0644));
    struct statfs sf;
    C(syscall(SYS_statfs, BAD, &sf));
    C(syscall(SYS_chroot, BAD));
    C(syscall(SYS_getxattr, BAD, "user.x", NULL, 0));
    C(syscall(SYS_utimes, BAD, NULL));
    C(syscall(SYS_pipe, BAD));
    C(syscall(SYS_pipe2, BAD, 0));
    C(syscall(SYS_memfd_create, BAD, 0));
    C(syscall(SYS_getdents64, 0, BAD, 100));
    C(syscall(SYS_fstat, 0, BAD));
    struct statx sx;
    C(syscall(SYS_statx, AT_FDCWD, BAD, 0, STATX_SIZE, &sx));
    C(syscall(SYS_mount, "none", BAD, "tmpfs", 0, NULL));
    C(syscall(SYS_umount2, BAD, 0));
    C(syscall(SYS_rename, "", "x"));
    C(syscall(SYS_open, NULL, O_RDONLY));
}

static void mknods(void) {
    printf("-- mknod/fifo\n");
    C(mknod("fifo", S_IFIFO | 0640, 0));
    lst("fifo");
    C(mknod("fifo", S_IFIFO | 0640, 0));
    C(mknod("sock", S_IFSOCK | 0600, 0));
    lst("sock");
    C(mknod("reg", S_IFREG | 0600, 0));
    lst("reg");
    C(mknod("reg0", 0600, 0));
    lst("reg0");
    C(mknod("dir", S_IFDIR | 0700, 0));
    C(mknod("bad", 0170000 | 0600, 0));
    C(mknod("nodir/f", S_IFIFO | 0600, 0));
    C(mknodat(AT_FDCWD, "fifo2", S_IFIFO | 0600, 0));
    C(mkfifo("fifo2", 0600));
    int s = FD(open("sock", O_RDONLY));
    (void)s;

    char buf[16];
    FD(open("fifo", O_WRONLY | O_NONBLOCK)); /* no reader */
    int r = FD(open("fifo", O_RDONLY | O_NONBLOCK));
    C(read(r, buf, sizeof buf)); /* no writer: EOF */
    int w = FD(open("fifo", O_WRONLY | O_NONBLOCK));
    C(read(r, buf, sizeof buf)); /* a writer, nothing written */
    C(write(w, "fifo!", 5));
    show_buf("read fifo", read(r, buf, sizeof buf), buf);
    C(lseek(r, 0, SEEK_SET));
    fst("fifo reader", r);
    close(w);
    close(r);
    int rw = FD(open("fifo", O_RDWR));
    C(write(rw, "both", 4));
    show_buf("read O_RDWR fifo", read(rw, buf, sizeof buf), buf);
    C(fcntl(rw, F_SETFL, O_NONBLOCK));
    C(read(rw, buf, sizeof buf));
    close(rw);
    /* A FIFO keeps no data once both ends are closed. */
    rw = open("fifo", O_RDWR | O_NONBLOCK);
    C(read(rw, buf, sizeof buf));
    C(write(rw, "left", 4));
    close(rw);
    rw = open("fifo", O_RDWR | O_NONBLOCK);
    C(read(rw, buf, sizeof buf));
    close(rw);
    /* A blocking reader woken by a writer in another process. */
    pid_t pid = fork();
    if (pid == 0) {
        int wfd = open("fifo", O_WRONLY);
        write(wfd, "child", 5);
        _exit(0);
    }
    r = open("fifo", O_RDONLY);
    show_buf("read from child", read(r, buf, sizeof buf), buf);
    C(read(r, buf, sizeof buf));
    close(r);
    waitpid(pid, NULL, 0);
    ls(".");
    for (const char *p = "fifo\0fifo2\0sock\0reg\0reg0\0"; *p; p += strlen(p) + 1)
        unlink(p);
}

static void pipes(void) {
    printf("-- pipe\n");
    int p[2];
    char buf[16];
    C(pipe2(p, O_CLOEXEC | O_NONBLOCK));
    C(fcntl(p[0], F_GETFD));
    C(fcntl(p[0], F_GETFL));
    C(fcntl(p[1], F_GETFL));
    C(read(p[0], buf, sizeof buf));
    fst("pipe", p[0]);
    C(write(p[0], "x", 1));
    C(read(p[1], buf, 1));
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    C(write(p[1], "x", 1));
    close(p[1]);
    C(pipe2(p, 0x1));
    C(pipe2(p, O_DIRECT));
    close(p[0]);
    close(p[1]);
    C(pipe(p));
    C(fcntl(p[0], F_GETPIPE_SZ));
    C(write(p[1], "abc", 3));
    C(close(p[1]));
    show_buf("read", read(p[0], buf, sizeof buf), buf);
    C(read(p[0], buf, sizeof buf));
    C(fsync(p[0]));
    close(p[0]);
    signal(SIGPIPE, SIG_DFL);
}

static void transfer(void) {
    printf("-- sendfile/copy_file_range/splice\n");
    put("src", "0123456789abcdefghij");
    int in = open("src", O_RDONLY);
    int out = open("dst", O_RDWR | O_CREAT | O_TRUNC, 0644);
    C(sendfile(out, in, NULL, 5));
    C(lseek(in, 0, SEEK_CUR));
    off_t off = 10;
    C(sendfile(out, in, &off, 100));
    printf("off %ld\n", (long)off);
    C(lseek(in, 0, SEEK_CUR));
    C(sendfile(out, in, NULL, 0));
    C(sendfile(out, in, &off, 10));
    cat("dst");
    C(sendfile(in, out, NULL, 5)); /* in is read-only */
    C(sendfile(out, 999, NULL, 5));
    off = -1;
    C(sendfile(out, in, &off, 5));
    C(sendfile(out, in, (off_t *)BAD, 5));
    int wo = open("dst", O_WRONLY);
    C(sendfile(out, wo, NULL, 5));
    close(wo);
    int p[2];
    pipe(p);
    C(sendfile(p[1], in, NULL, 4));
    char got[16];
    show_buf("pipe got", read(p[0], got, sizeof got), got);
    close(p[0]);
    close(p[1]);

    printf("copy_file_range\n");
    int cin = open("src", O_RDONLY);
    int cout = open("cfr", O_RDWR | O_CREAT | O_TRUNC, 0644);
    C(copy_file_range(cin, NULL, cout, NULL, 7, 0));
    loff_t ioff = 15, ooff = 100;
    C(copy_file_range(cin, &ioff, cout, &ooff, 100, 0));
    printf("offs %lld %lld\n", (long long)ioff, (long long)ooff);
    C(lseek(cin, 0, SEEK_CUR));
    C(lseek(cout, 0, SEEK_CUR));
    fst("cfr", cout);
    C(copy_file_range(cin, NULL, cout, NULL, 5, 1));
    C(copy_file_range(cout, NULL, cin, NULL, 5, 0));
    ioff = 0;
    ooff = 2;
    C(copy_file_range(cout, &ioff, cout, &ooff, 4, 0)); /* overlapping ranges in one file */
    ooff = 50;
    C(copy_file_range(cout, &ioff, cout, &ooff, 4, 0));
    ioff = 1000;
    C(copy_file_range(cin, &ioff, cout, NULL, 5, 0)); /* past EOF */
    ioff = -1;
    C(copy_file_range(cin, &ioff, cout, NULL, 5, 0));
    C(copy_file_range(999, NULL, cout, NULL, 5, 0));
    int dfd = open(".", O_RDONLY);
    C(copy_file_range(dfd, NULL, cout, NULL, 5, 0));
    close(dfd);
    pipe(p);
    C(copy_file_range(cin, NULL, p[1], NULL, 5, 0));
    int apfd = open("cfr", O_WRONLY | O_APPEND);
    C(copy_file_range(cin, NULL, apfd, NULL, 5, 0));
    close(apfd);
    close(cin);
    close(cout);
    cat("cfr");

    printf("splice\n");
    loff_t soff = 3;
    C(splice(in, &soff, p[1], NULL, 6, 0));
    printf("soff %lld\n", (long long)soff);
    int so = open("spliced", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    C(splice(p[0], NULL, so, NULL, 6, 0));
    C(splice(in, NULL, so, NULL, 6, 0)); /* neither end a pipe */
    C(splice(p[0], NULL, so, NULL, 6, SPLICE_F_NONBLOCK));
    C(splice(p[0], NULL, p[1], NULL, 6, 0)); /* same pipe */
    soff = 0;
    C(splice(p[0], &soff, so, NULL, 6, 0)); /* offset on the pipe side */
    close(so);
    cat("spliced");
    C(write(p[1], "tee", 3));
    int q[2];
    pipe2(q, O_NONBLOCK);
    C(tee(p[0], q[1], 10, 0));
    show_buf("tee copy", read(q[0], got, sizeof got), got);
    close(q[0]);
    close(q[1]);
    close(p[0]);
    close(p[1]);
    close(in);
    close(out);
    unlink("src");
    unlink("dst");
    unlink("cfr");
    unlink("spliced");
}

static void xattrs(void) {
    printf("-- xattr (in /dev/shm)\n");
    const char *path = "x", *lpath = "xl";
    if (chdir(shm) < 0)
        printf("chdir shm failed\n");
    close(open(path, O_CREAT | O_WRONLY, 0644));
    symlink("x", lpath);
    char buf[256];
    C(setxattr(path, "user.b", "bee", 3, 0));
    C(setxattr(path, "user.a", "ay", 2, 0));
    C(setxattr(path, "user.empty", "", 0, 0));
    C(getxattr(path, "user.a", NULL, 0));
    show_buf("getxattr user.a", getxattr(path, "user.a", buf, sizeof buf), buf);
    C(getxattr(path, "user.a", buf, 1));
    C(getxattr(path, "user.empty", buf, sizeof buf));
    C(getxattr(path, "user.none", buf, sizeof buf));
    C(getxattr(lpath, "user.a", buf, sizeof buf)); /* follows */
    C(lgetxattr(lpath, "user.a", buf, sizeof buf));
    C(setxattr(path, "user.a", "new", 3, XATTR_CREATE));
    C(setxattr(path, "user.c", "new", 3, XATTR_REPLACE));
    C(setxattr(path, "user.a", "AY!", 3, XATTR_REPLACE));
    show_buf("getxattr user.a", getxattr(path, "user.a", buf, sizeof buf), buf);
    C(setxattr(path, "user.a", "x", 1, 4));
    C(setxattr(path, "foo.bar", "x", 1, 0));
    C(setxattr(path, "user.", "x", 1, 0));
    C(setxattr(path, "", "x", 1, 0));
    C(lsetxattr(lpath, "user.l", "x", 1, 0)); /* user.* not allowed on symlinks */
    C(getxattr("missing", "user.a", buf, sizeof buf));
    C(setxattr(path, "user.a", BAD, 1, 0));
    C(getxattr(path, "user.a", BAD, sizeof buf));
    static char bigname[300];
    memset(bigname, 'n', sizeof bigname - 1);
    memcpy(bigname, "user.", 5);
    C(setxattr(path, bigname, "x", 1, 0));
    static char big_value[70000];
    C(setxattr(path, "user.big", big_value, sizeof big_value, 0));
    ssize_t n = C(listxattr(path, NULL, 0));
    n = C(listxattr(path, buf, sizeof buf));
    char *names[16];
    int k = 0;
    for (ssize_t i = 0; i < n && k < 16; i += (ssize_t)strlen(buf + i) + 1)
        names[k++] = buf + i;
    qsort(names, (size_t)k, sizeof names[0], cmp_str);
    printf("names:");
    for (int i = 0; i < k; i++)
        printf(" %s", names[i]);
    printf("\n");
    C(listxattr(path, buf, 3));
    int fd = open(path, O_RDWR);
    C(fsetxattr(fd, "user.f", "eff", 3, 0));
    show_buf("fgetxattr user.f", fgetxattr(fd, "user.f", buf, sizeof buf), buf);
    C(flistxattr(fd, NULL, 0));
    C(fremovexattr(fd, "user.f"));
    C(fremovexattr(fd, "user.f"));
    C(removexattr(path, "user.b"));
    C(removexattr(path, "user.b"));
    C(lremovexattr(lpath, "user.a"));
    C(fgetxattr(999, "user.a", buf, sizeof buf));
    close(fd);
    fd = open(path, O_PATH);
    C(fgetxattr(fd, "user.a", buf, sizeof buf));
    close(fd);
    C(listxattr(path, NULL, 0));
    unlink(lpath);
    unlink(path);
}

/* A MAP_SHARED mapping of a memfd is the file itself: a store shows in pread. */
static void memfd_shared_map(void) {
    printf("-- memfd MAP_SHARED\n");
    char buf[64];
    int fd = FD(memfd_create("shared", MFD_CLOEXEC));
    C(write(fd, "memory", 6));
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("mmap shared: %s\n", m == MAP_FAILED ? ename(errno) : "ok");
    if (m != MAP_FAILED) {
        memcpy(m, "mapped", 6);
        show_buf("pread after mmap write", pread(fd, buf, 6, 0), buf);
        munmap(m, 4096);
    }
    close(fd);
}

static void memfds(void) {
    printf("-- memfd_create\n");
    char buf[64];
    int fd = FD(memfd_create("test", MFD_CLOEXEC));
    C(fcntl(fd, F_GETFD));
    C(write(fd, "memory", 6));
    C(lseek(fd, 0, SEEK_SET));
    show_buf("read", read(fd, buf, sizeof buf), buf);
    fst("memfd", fd);
    C(ftruncate(fd, 3));
    show_buf("pread", pread(fd, buf, sizeof buf, 0), buf);
    C(ftruncate(fd, 8192));
    fst("memfd", fd);
    char link[64], target[128];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    show_buf("readlink", readlink(link, target, sizeof target), target);
    int fd2 = FD(open(link, O_RDONLY));
    show_buf("reopen read", read(fd2, buf, 6), buf);
    close(fd2);
    C(fcntl(fd, F_GET_SEALS));
    C(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    close(fd);
    fd = FD(memfd_create("sealed", MFD_ALLOW_SEALING));
    C(fcntl(fd, F_GET_SEALS));
    C(write(fd, "abc", 3));
    C(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW));
    C(fcntl(fd, F_GET_SEALS));
    C(write(fd, "x", 1));
    C(ftruncate(fd, 1));
    C(ftruncate(fd, 100));
    C(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
    C(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    close(fd);
    FD(memfd_create("bad", 0x100));
    char longname[300];
    memset(longname, 'm', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    FD(memfd_create(longname, 0));
    longname[249] = 0;
    fd = FD(memfd_create(longname, 0));
    close(fd);
    fd = FD(memfd_create("", 0));
    close(fd);
}

static void tmpfiles(void) {
    printf("-- O_TMPFILE (in /dev/shm)\n");
    const char *named = "named";
    if (chdir(shm) < 0)
        printf("chdir shm failed\n");
    int fd = FD(open(".", O_TMPFILE | O_RDWR, 0600));
    C(write(fd, "anon", 4));
    fst("tmpfile", fd);
    ls(".");
    C(linkat(fd, "", AT_FDCWD, named, AT_EMPTY_PATH));
    fst("tmpfile after linkat", fd);
    ls(".");
    cat(named);
    C(unlink(named));
    char procpath[64];
    snprintf(procpath, sizeof procpath, "/proc/self/fd/%d", fd);
    C(linkat(AT_FDCWD, procpath, AT_FDCWD, named, AT_SYMLINK_FOLLOW));
    cat(named);
    C(unlink(named));
    close(fd);
    fd = FD(open(".", O_TMPFILE | O_RDWR | O_EXCL, 0600));
    C(linkat(fd, "", AT_FDCWD, named, AT_EMPTY_PATH));
    close(fd);
    FD(open(".", O_TMPFILE | O_RDONLY, 0600));
    FD(open(named, O_TMPFILE | O_RDWR, 0600)); /* not a directory */
    FD(open("missing-dir", O_TMPFILE | O_RDWR, 0600));
}

static void syncs(void) {
    printf("-- sync\n");
    int fd = open("sy", O_RDWR | O_CREAT, 0644);
    C(write(fd, "x", 1));
    C(fsync(fd));
    C(fdatasync(fd));
    C(syncfs(fd));
    sync();
    C(sync_file_range(fd, 0, 1, SYNC_FILE_RANGE_WRITE));
    close(fd);
    fd = open("sy", O_RDONLY);
    C(fsync(fd));
    close(fd);
    fd = open(".", O_RDONLY);
    C(fsync(fd));
    close(fd);
    C(fsync(999));
    C(fdatasync(-1));
    C(syncfs(999));
    unlink("sy");
}

static void chroots(void) {
    printf("-- chroot\n");
    C(mkdir("jail", 0755));
    C(mkdir("jail/inner", 0755));
    put("jail/inside", "in the jail");
    put("outside", "outside");
    C(chroot("outside"));
    C(chroot("missing"));
    C(chroot(""));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        C(chroot("jail"));
        pwd(); /* the cwd is now outside the root */
        C(chdir("/"));
        pwd();
        cat("/inside");
        cat("/../../../inside");
        cat("/outside");
        ls("/");
        C(chdir("/inner"));
        pwd();
        C(chdir("../.."));
        pwd();
        C(access("/dev/null", F_OK));
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("child exited %d\n", WEXITSTATUS(status));
    unlink("jail/inside");
    rmdir("jail/inner");
    rmdir("jail");
    unlink("outside");
}

static void mounts(void) {
    printf("-- mount (tmpfs, bind)\n");
    C(mkdir("mnt", 0755));
    put("file", "file");
    C(mount("none", "mnt", "tmpfs", 0, "size=1m,mode=0711"));
    st("mnt");
    struct stat ms;
    stat("mnt", &ms);
    printf("empty tmpfs root size %lld\n", (long long)ms.st_size);
    struct statfs sf;
    C(statfs("mnt", &sf));
    printf("mnt f_type %#lx\n", (unsigned long)sf.f_type);
    ls("mnt");
    put("mnt/inner", "in tmpfs");
    C(rename("file", "mnt/file"));
    C(rename("mnt/inner", "inner"));
    C(link("file", "mnt/hard"));
    C(renameat2(AT_FDCWD, "file", AT_FDCWD, "mnt/inner", RENAME_EXCHANGE));
    C(rmdir("mnt"));
    C(rename("mnt", "mnt2"));
    C(unlink("mnt"));
    C(mount("none", "mnt", "nosuchfs", 0, NULL));
    C(mount("none", "file", "tmpfs", 0, NULL)); /* a file is no directory for tmpfs */
    C(mount("none", "missing", "tmpfs", 0, NULL));
    C(umount2("file", 0));
    C(umount2("missing", 0));
    C(umount2("mnt", 0x100));
    int fd = open("mnt/inner", O_RDONLY);
    C(umount2("mnt", 0));
    close(fd);
    C(umount2("mnt", 0));
    ls("mnt");
    C(umount2("mnt", 0));

    printf("bind\n");
    C(mkdir("bsrc", 0755));
    C(mkdir("bdst", 0755));
    put("bsrc/seen", "through the bind");
    C(mount("bsrc", "bdst", NULL, MS_BIND, NULL));
    ls("bdst");
    cat("bdst/seen");
    put("bdst/written", "w");
    cat("bsrc/written");
    C(rename("bdst/seen", "bsrc/seen2"));
    C(rename("bdst/seen", "bdst/seen2"));
    ls("bsrc");
    C(umount2("bdst", 0));
    ls("bdst");
    C(mount("file", "bdst", NULL, MS_BIND, NULL)); /* file onto dir: ENOTDIR */
    put("bfile", "");
    C(mount("file", "bfile", NULL, MS_BIND, NULL));
    cat("bfile");
    C(umount2("bfile", 0));
    cat("bfile");
    unlink("bfile");
    unlink("bsrc/written");
    unlink("bsrc/seen2");
    rmdir("bsrc");
    rmdir("bdst");
    rmdir("mnt");
    unlink("file");
    unlink("inner");
}

/* A call that blocks where Linux would not is interrupted (EINTR) instead of hanging the run,
 * and the output says so: a watchdog process sends SIGALRM after 20 s, then every 5 s, until
 * the section ends. (A process, not alarm(2), so that it does not depend on timers.) */
static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "[SIGALRM: a call blocked]\n";
    write(1, msg, sizeof msg - 1);
}

static pid_t arm_watchdog(void) {
    pid_t parent = getpid();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec t = {20, 0};
        for (;;) {
            nanosleep(&t, NULL);
            if (kill(parent, SIGALRM) < 0)
                _exit(0);
            t.tv_sec = 5;
        }
    }
    return pid;
}

static void disarm_watchdog(pid_t pid) {
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: fsops DIR [SECTION...]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(base, sizeof base, "%s/fsops-XXXXXX", argv[1]);
    if (!mkdtemp(base)) {
        perror("mkdtemp");
        return 1;
    }
    char real[PATH_MAX];
    if (!realpath(base, real)) {
        perror("realpath");
        return 1;
    }
    snprintf(base, sizeof base, "%s", real);
    snprintf(shm, sizeof shm, "/dev/shm/fsops-XXXXXX");
    if (!mkdtemp(shm)) {
        perror("mkdtemp /dev/shm");
        return 1;
    }
    if (chdir(base) < 0) {
        perror("chdir");
        return 1;
    }
    umask(022);
    struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
    sigaction(SIGALRM, &sa, NULL);
    static const struct {
        const char *name;
        void (*fn)(void);
    } sections[] = {
        {"open", open_flags},  {"rw", read_write}, {"fallocate", fallocate_truncate},
        {"holes", holes},      {"stat", stats},    {"access", access_calls},
        {"dirs", dirs},        {"unlink_open", unlink_open}, {"links", links},
        {"rename", renames},   {"symlink", symlinks}, {"modes", modes_owners},
        {"times", times},      {"cwd", cwd},       {"names", names},
        {"efault", efault},    {"mknod", mknods},  {"pipe", pipes},
        {"transfer", transfer}, {"xattr", xattrs}, {"memfd", memfds}, {"memfd_shared_map", memfd_shared_map},
        {"tmpfile", tmpfiles}, {"sync", syncs},    {"chroot", chroots},
        {"mount", mounts},
    };
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        int wanted = argc == 2;
        for (int a = 2; a < argc; a++)
            wanted |= strcmp(argv[a], sections[i].name) == 0;
        if (!wanted)
            continue;
        /* Each section works in a directory of its own. */
        printf("== %s\n", sections[i].name);
        snprintf(here, sizeof here, "%s/%s", base, sections[i].name);
        if (mkdir(here, 0755) < 0 || chdir(here) < 0) {
            printf("cannot make %s: %s\n", sections[i].name, ename(errno));
            return 1;
        }
        pid_t watchdog = arm_watchdog();
        if (strcmp(sections[i].name, "rw") == 0) {
            sections[i].fn();
            sparse("the work dir");
            if (chdir(shm) == 0)
                sparse("/dev/shm");
        } else {
            sections[i].fn();
        }
        disarm_watchdog(watchdog);
        /* Each section cleans up after itself; what is left shows here. */
        if (chdir(here) < 0)
            printf("chdir back failed\n");
        printf("left: ");
        ls(".");
    }
    /* Close everything a section left open, then remove all we made. */
    syscall(SYS_close_range, 3, ~0U, 0);
    if (chdir(argv[1]) < 0)
        perror("chdir");
    nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    nftw(shm, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    printf("done\n");
    return 0;
}
