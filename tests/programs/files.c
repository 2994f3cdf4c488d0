/* Reading files through the usual calls. argv[1] is a directory the test made natively:
 *   a.txt = "hello\nworld\n", big.bin = 100 KiB of (i*7+i/251) bytes, empty (0 bytes),
 *   sub/ (a directory), link -> a.txt, noexec (0644), exec (0755).
 * Prints what each call returned; run natively and sandboxed with the same directory. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

#define YESNO(x) ((x) ? "yes" : "no")

static const char *dir;
static char pathbuf[4096];

static const char *in_dir(const char *name) {
    snprintf(pathbuf, sizeof pathbuf, "%s/%s", dir, name);
    return pathbuf;
}

static void show_read(const char *label, ssize_t r, const char *buf) {
    if (r < 0)
        printf("%s = -1 %s\n", label, errname(errno));
    else
        printf("%s = %zd \"%.*s\"\n", label, r, (int)r, buf);
}

static const char *type_name(mode_t m) {
    return S_ISREG(m) ? "reg" : S_ISDIR(m) ? "dir" : S_ISLNK(m) ? "lnk" : S_ISFIFO(m) ? "fifo" : S_ISCHR(m) ? "chr" : "other";
}

static void reading(void) {
    char buf[64];
    printf("-- read/pread/lseek\n");
    int fd = SHOW_OK("open a.txt", open(in_dir("a.txt"), O_RDONLY));
    show_read("read 5", read(fd, buf, 5), buf);
    show_read("read 64", read(fd, buf, 64), buf);
    show_read("read at EOF", read(fd, buf, 64), buf);
    show_read("pread 5 @6", pread(fd, buf, 5, 6), buf);
    show_read("pread @100", pread(fd, buf, 5, 100), buf);
    SHOW("lseek CUR after pread", lseek(fd, 0, SEEK_CUR));
    SHOW("lseek SET 2", lseek(fd, 2, SEEK_SET));
    show_read("read 3", read(fd, buf, 3), buf);
    SHOW("lseek CUR +1", lseek(fd, 1, SEEK_CUR));
    show_read("read 2", read(fd, buf, 2), buf);
    SHOW("lseek END -6", lseek(fd, -6, SEEK_END));
    show_read("read 64", read(fd, buf, 64), buf);
    SHOW("lseek past END", lseek(fd, 1000, SEEK_END));
    show_read("read past END", read(fd, buf, 64), buf);
    SHOW("pread negative offset", pread(fd, buf, 1, -1));
    SHOW("close", close(fd));
    SHOW("read closed fd", read(fd, buf, 1));

    int big = SHOW_OK("open big.bin", open(in_dir("big.bin"), O_RDONLY));
    static unsigned char data[200 << 10];
    size_t total = 0;
    size_t chunks[] = {1, 4095, 4096, 10000, 65536, 3, 1 << 20};
    for (int i = 0;; i = (i + 1) % 7) {
        size_t want = chunks[i];
        if (total + want > sizeof data)
            want = sizeof data - total;
        ssize_t r = read(big, data + total, want);
        if (r <= 0)
            break;
        total += (size_t)r;
    }
    int pattern = 1;
    for (size_t i = 0; i < total; i++)
        pattern &= data[i] == (unsigned char)(i * 7 + i / 251);
    printf("big.bin read in odd chunks: %zu bytes, pattern %s, fnv %016llx\n", total,
           YESNO(pattern), fnv1a(data, total));
    unsigned char tail[16];
    ssize_t r = pread(big, tail, sizeof tail, 100000);
    printf("big.bin pread @100000 = %zd, matches: %s\n", r,
           YESNO(r > 0 && memcmp(tail, data + 100000, (size_t)r) == 0));
    close(big);
    int empty = open(in_dir("empty"), O_RDONLY);
    SHOW("read empty file", read(empty, buf, 10));
    close(empty);
}

static void stats(void) {
    printf("-- fstat/stat/lstat\n");
    struct stat st, st2;
    int fd = open(in_dir("a.txt"), O_RDONLY);
    if (fstat(fd, &st) != 0) {
        printf("fstat = -1 %s\n", errname(errno));
        return;
    }
    printf("fstat a.txt: %s size %lld mode %03o nlink %lu blksize>0 %s\n", type_name(st.st_mode),
           (long long)st.st_size, (unsigned)(st.st_mode & 07777), (unsigned long)st.st_nlink,
           YESNO(st.st_blksize > 0));
    SHOW("stat a.txt", stat(in_dir("a.txt"), &st2));
    printf("stat and fstat agree on dev/ino/size/mtime: %s\n",
           YESNO(st.st_dev == st2.st_dev && st.st_ino == st2.st_ino &&
                 st.st_size == st2.st_size && st.st_mtim.tv_sec == st2.st_mtim.tv_sec &&
                 st.st_mtim.tv_nsec == st2.st_mtim.tv_nsec));
    SHOW("lstat link", lstat(in_dir("link"), &st2));
    printf("lstat link: %s size %lld\n", type_name(st2.st_mode), (long long)st2.st_size);
    SHOW("stat link", stat(in_dir("link"), &st2));
    printf("stat link follows to a.txt: %s\n", YESNO(st2.st_ino == st.st_ino && S_ISREG(st2.st_mode)));
    SHOW("stat sub", stat(in_dir("sub"), &st2));
    printf("stat sub: %s mode %03o\n", type_name(st2.st_mode), (unsigned)(st2.st_mode & 07777));
    SHOW("stat exec", stat(in_dir("exec"), &st2));
    printf("stat exec: mode %03o\n", (unsigned)(st2.st_mode & 07777));
    SHOW("stat missing", stat(in_dir("missing"), &st2));
    SHOW("stat a.txt/x", stat(in_dir("a.txt/x"), &st2));
    SHOW("fstatat relative", fstatat(fd, "", &st2, AT_EMPTY_PATH));
    printf("fstatat AT_EMPTY_PATH same file: %s\n", YESNO(st2.st_ino == st.st_ino));
    close(fd);
}

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void dirents(void) {
    printf("-- getdents64\n");
    int fd = SHOW_OK("open dir", open(dir, O_RDONLY | O_DIRECTORY));
    char *names[64];
    int n = 0, calls = 0;
    /* A small buffer: listing takes several calls, each returning whole records. */
    _Alignas(8) char buf[128];
    for (;;) {
        long r = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (r < 0) {
            printf("getdents64 = -1 %s\n", errname(errno));
            break;
        }
        if (r == 0)
            break;
        calls++;
        for (long off = 0; off < r;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            const char *t = d->d_type == DT_REG ? "reg" : d->d_type == DT_DIR ? "dir" : d->d_type == DT_LNK ? "lnk" : d->d_type == DT_UNKNOWN ? "unknown" : "other";
            if (n < 64) {
                names[n] = malloc(300);
                snprintf(names[n], 300, "%s %s ino>0 %s", d->d_name, t, YESNO(d->d_ino > 0));
                n++;
            }
            off += d->d_reclen;
        }
    }
    printf("entries %d, more than one call: %s\n", n, YESNO(calls > 1));
    qsort(names, (size_t)n, sizeof names[0], cmp);
    for (int i = 0; i < n; i++)
        printf("  %s\n", names[i]);
    SHOW("getdents64 at end", syscall(SYS_getdents64, fd, buf, sizeof buf));
    SHOW("lseek dir to 0", lseek(fd, 0, SEEK_SET));
    long again = syscall(SYS_getdents64, fd, buf, sizeof buf);
    printf("getdents64 after rewind returns entries: %s\n", YESNO(again > 0));
    SHOW("getdents64 buffer too small", syscall(SYS_getdents64, fd, buf, 8));
    char c;
    SHOW("read on a directory", read(fd, &c, 1));
    close(fd);
    int f = open(in_dir("a.txt"), O_RDONLY);
    SHOW("getdents64 on a file", syscall(SYS_getdents64, f, buf, sizeof buf));
    close(f);
}

static void links_and_access(void) {
    printf("-- readlink/access\n");
    char buf[4096];
    ssize_t r = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (r < 0)
        printf("readlink /proc/self/exe = -1 %s\n", errname(errno));
    else
        printf("readlink /proc/self/exe = %.*s\n", (int)r, buf);
    r = readlink(in_dir("link"), buf, sizeof buf);
    show_read("readlink link", r, buf);
    show_read("readlink link, 2-byte buffer", readlink(in_dir("link"), buf, 2), buf);
    SHOW("readlink a.txt (not a link)", readlink(in_dir("a.txt"), buf, sizeof buf));
    SHOW("readlink missing", readlink(in_dir("missing"), buf, sizeof buf));
    SHOW("access a.txt F_OK", access(in_dir("a.txt"), F_OK));
    SHOW("access a.txt R_OK", access(in_dir("a.txt"), R_OK));
    SHOW("access noexec X_OK", access(in_dir("noexec"), X_OK));
    SHOW("access exec X_OK", access(in_dir("exec"), X_OK));
    SHOW("access sub X_OK", access(in_dir("sub"), X_OK));
    SHOW("access missing F_OK", access(in_dir("missing"), F_OK));
    int d = open(dir, O_RDONLY | O_DIRECTORY);
    SHOW("faccessat dirfd a.txt R_OK", faccessat(d, "a.txt", R_OK, 0));
    SHOW("faccessat dirfd missing", faccessat(d, "missing", F_OK, 0));
    SHOW("faccessat dirfd noexec X_OK", faccessat(d, "noexec", X_OK, 0));
    SHOW("faccessat bad mode", faccessat(d, "a.txt", 0x100, 0));
    close(d);
}

static void fds(void) {
    printf("-- fcntl/dup\n");
    int fd = open(in_dir("a.txt"), O_RDONLY);
    /* A test's program starts with only fds 0-2 open, so the numbers are predictable. */
    int d10 = SHOW("fcntl F_DUPFD 10", fcntl(fd, F_DUPFD, 10));
    SHOW("fcntl F_DUPFD 10 again", fcntl(fd, F_DUPFD, 10));
    int d20 = SHOW("fcntl F_DUPFD_CLOEXEC 20", fcntl(fd, F_DUPFD_CLOEXEC, 20));
    SHOW("fcntl F_GETFD (dup)", fcntl(d10, F_GETFD));
    SHOW("fcntl F_GETFD (dup cloexec)", fcntl(d20, F_GETFD));
    printf("fcntl F_GETFL O_RDONLY = %#x\n", (unsigned)fcntl(fd, F_GETFL));
    int nb = open(in_dir("a.txt"), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    printf("fcntl F_GETFL O_RDONLY|O_NONBLOCK = %#x\n", (unsigned)fcntl(nb, F_GETFL));
    SHOW("fcntl F_GETFD O_CLOEXEC", fcntl(nb, F_GETFD));
    SHOW("fcntl F_SETFL O_NONBLOCK", fcntl(fd, F_SETFL, O_NONBLOCK));
    printf("fcntl F_GETFL after F_SETFL = %#x\n", (unsigned)fcntl(fd, F_GETFL));
    SHOW("fcntl F_SETFD FD_CLOEXEC", fcntl(fd, F_SETFD, FD_CLOEXEC));
    SHOW("fcntl F_GETFD after F_SETFD", fcntl(fd, F_GETFD));
    char c[4];
    SHOW("lseek fd 1", lseek(fd, 1, SEEK_SET));
    /* Duplicates share the file offset. */
    show_read("read 3 from dup", read(d10, c, 3), c);
    SHOW("lseek CUR on original", lseek(fd, 0, SEEK_CUR));
    SHOW("dup2 to 30", dup2(fd, 30));
    SHOW("dup2 to itself", dup2(fd, fd));
    SHOW("dup", dup(fd));
    SHOW("close 30", close(30));
    SHOW("close 30 again", close(30));
    SHOW("fcntl on closed fd", fcntl(30, F_GETFD));
}

static void opens(void) {
    printf("-- open errors and relative paths\n");
    SHOW_OK("open sub O_RDONLY", open(in_dir("sub"), O_RDONLY));
    SHOW("open a.txt O_DIRECTORY", open(in_dir("a.txt"), O_RDONLY | O_DIRECTORY));
    SHOW("open missing", open(in_dir("missing"), O_RDONLY));
    SHOW("open a.txt/x", open(in_dir("a.txt/x"), O_RDONLY));
    SHOW("open link O_NOFOLLOW", open(in_dir("link"), O_RDONLY | O_NOFOLLOW));
    SHOW("open empty path", open("", O_RDONLY));
    int d = open(dir, O_RDONLY | O_DIRECTORY);
    char buf[16];
    int f = openat(d, "sub/../a.txt", O_RDONLY);
    show_read("openat dirfd sub/../a.txt, read", f < 0 ? -1 : read(f, buf, 5), buf);
    SHOW("chdir dir", chdir(dir));
    char cwd[4096];
    printf("getcwd = %s\n", getcwd(cwd, sizeof cwd) ? cwd : errname(errno));
    f = open("link", O_RDONLY);
    show_read("open relative link, read", f < 0 ? -1 : read(f, buf, 5), buf);
    SHOW("fchdir sub", fchdir(openat(d, "sub", O_RDONLY | O_DIRECTORY)));
    printf("getcwd = %s\n", getcwd(cwd, sizeof cwd) ? cwd : errname(errno));
    f = open("../a.txt", O_RDONLY);
    show_read("open ../a.txt, read", f < 0 ? -1 : read(f, buf, 5), buf);
    SHOW("chdir a.txt", chdir(in_dir("a.txt")));
    SHOW("chdir missing", chdir(in_dir("missing")));
    SHOW("getcwd small buffer", getcwd(cwd, 2) ? 0 : -1);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: files DIR\n");
        return 64;
    }
    dir = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    reading();
    stats();
    dirents();
    links_and_access();
    fds();
    opens();
    return 0;
}
