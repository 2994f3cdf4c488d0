/* System calls given bad flags, lengths or numbers: each result (EINVAL, EBADF, ...) is printed
 * and compared with a native run. Sections: getrandom mm time files misc (default: all).
 * Raw syscall(2) is used where libc would check the arguments itself or use the vDSO. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static int argc_;
static char **argv_;

/* With no section arguments every section runs; else only the named ones. */
static int want(const char *section) {
    if (argc_ < 2)
        return 1;
    for (int i = 1; i < argc_; i++)
        if (strcmp(argv_[i], section) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv) {
    argc_ = argc;
    argv_ = argv;
    long page = sysconf(_SC_PAGESIZE);
    char buf[64];
    int fd = open(argv[0], O_RDONLY);
    if (fd < 0) {
        perror("open self");
        return 1;
    }
    char *m = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        perror("mmap");
        return 1;
    }

    if (want("getrandom")) {
        printf("-- getrandom\n");
        SHOW("getrandom flags 0x1000", syscall(SYS_getrandom, buf, 16, 0x1000));
        SHOW("getrandom RANDOM|INSECURE", syscall(SYS_getrandom, buf, 16, 0x2 | 0x4));
        SHOW("getrandom 0 bytes", syscall(SYS_getrandom, buf, 0, 0));

    }
    if (want("mm")) {
        printf("-- mmap family\n");
        SHOW_OK("mmap len 0", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        SHOW_OK("mmap no PRIVATE/SHARED", mmap(NULL, page, PROT_READ, MAP_ANONYMOUS, -1, 0));
        SHOW_OK("mmap unaligned offset", mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 1));
        SHOW_OK("mmap bad fd", mmap(NULL, page, PROT_READ, MAP_PRIVATE, 999, 0));
        SHOW_OK("mmap fixed unaligned",
                mmap(m + 1, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
        SHOW("munmap unaligned", munmap(m + 1, page));
        SHOW("munmap len 0", munmap(m, 0));
        SHOW("mprotect unaligned", mprotect(m + 1, page, PROT_READ));
        SHOW("mprotect bad prot", mprotect(m, page, 0x100));
        SHOW("madvise bad advice", madvise(m, page, 12345));
        SHOW("madvise unaligned", madvise(m + 1, page, MADV_NORMAL));
        SHOW("madvise ok", madvise(m, page, MADV_NORMAL));
        SHOW_OK("mremap bad flags", mremap(m, page, 2 * page, 0x80));
        SHOW_OK("mremap unaligned", mremap(m + 1, page, 2 * page, MREMAP_MAYMOVE));
        SHOW_OK("mremap new len 0", mremap(m, page, 0, MREMAP_MAYMOVE));
        SHOW_OK("mremap FIXED without MAYMOVE", mremap(m, page, page, MREMAP_FIXED, m + 2 * page));

    }
    if (want("time")) {
        printf("-- time\n");
        struct timespec ts = {0, 0};
        SHOW("clock_gettime clock 1234", syscall(SYS_clock_gettime, 1234, &ts));
        SHOW("clock_getres clock -1", syscall(SYS_clock_getres, -1, &ts));
        struct timespec bad_ns = {0, 1000000000};
        SHOW("nanosleep nsec 1e9", syscall(SYS_nanosleep, &bad_ns, NULL));
        struct timespec neg = {-1, 0};
        SHOW("nanosleep negative", syscall(SYS_nanosleep, &neg, NULL));

    }
    if (want("files")) {
        printf("-- files\n");
        SHOW("lseek whence 17", lseek(fd, 0, 17));
        SHOW("lseek negative", lseek(fd, -10, SEEK_SET));
        SHOW("read fd -1", read(-1, buf, 1));
        SHOW("read fd 999", read(999, buf, 1));
        SHOW("close fd 999", close(999));
        SHOW("fcntl cmd 9999", fcntl(fd, 9999));
        SHOW("fcntl F_DUPFD negative", fcntl(fd, F_DUPFD, -1));
        SHOW("dup3 same fd", dup3(fd, fd, 0));
        SHOW("dup3 bad flags", dup3(fd, 100, 0x1));
        int p[2];
        SHOW("pipe2 bad flags", pipe2(p, 0x1));
        SHOW("openat bad dirfd", openat(999, "x", O_RDONLY));
        SHOW("openat relative to a file", openat(fd, "x", O_RDONLY));
        SHOW("lseek on bad fd", lseek(999, 0, SEEK_SET));

    }
    if (want("misc")) {
        printf("-- misc\n");
        SHOW("arch_prctl bad code", syscall(SYS_arch_prctl, 0x9999, 0));
        SHOW("syscall 1000", syscall(1000));
        SHOW("syscall -1", syscall(-1L));
    }
    return 0;
}
