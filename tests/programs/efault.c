/* System calls given bad pointers: (void *)1, and a page that was mapped and then unmapped.
 * Each must fail with EFAULT, and never kill the program.
 *   efault core   the calls of the issue: read, write, open, stat, uname, clock_gettime, ...
 *   efault more   other calls that take pointers
 * Calls that glibc serves from the vDSO (clock_gettime, gettimeofday, time) are made with
 * syscall(2): the vDSO writes the result from user space and would crash instead. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static void core(int fd, void *p) {
    char small[64];
    SHOW("read", read(fd, p, 16));
    SHOW("pread64", pread(fd, p, 16, 0));
    SHOW("write", write(1, p, 16));
    SHOW("open path", syscall(SYS_open, p, O_RDONLY));
    SHOW("openat path", syscall(SYS_openat, AT_FDCWD, p, O_RDONLY));
    SHOW("stat path", syscall(SYS_stat, p, small));
    SHOW("stat buf", syscall(SYS_stat, "/", p));
    SHOW("fstat buf", syscall(SYS_fstat, fd, p));
    SHOW("newfstatat path", syscall(SYS_newfstatat, AT_FDCWD, p, small, 0));
    SHOW("access path", syscall(SYS_access, p, F_OK));
    SHOW("readlink path", syscall(SYS_readlink, p, small, sizeof small));
    SHOW("readlink buf", syscall(SYS_readlink, "/proc/self/exe", p, 64));
    SHOW("uname", syscall(SYS_uname, p));
    SHOW("clock_gettime monotonic", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p));
    SHOW("clock_gettime realtime", syscall(SYS_clock_gettime, CLOCK_REALTIME, p));
    SHOW("gettimeofday", syscall(SYS_gettimeofday, p, NULL));
    SHOW("time", syscall(SYS_time, p));
    SHOW("getrandom", syscall(SYS_getrandom, p, 16, 0));
    SHOW("nanosleep req", syscall(SYS_nanosleep, p, NULL));
    SHOW("getcwd", syscall(SYS_getcwd, p, 256));
}

static void more(void *p) {
    int dir = open("/", O_RDONLY | O_DIRECTORY);
    SHOW("getdents64", syscall(SYS_getdents64, dir, p, 4096));
    close(dir);
    SHOW("chdir", syscall(SYS_chdir, p));
    SHOW("pipe2", syscall(SYS_pipe2, p, 0));
    SHOW("execve path", syscall(SYS_execve, p, NULL, NULL));
    SHOW("prlimit64 old", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, p));
    SHOW("sysinfo", syscall(SYS_sysinfo, p));
    SHOW("getrusage", syscall(SYS_getrusage, RUSAGE_SELF, p));
    SHOW("readv iov", syscall(SYS_readv, 0, p, 1));
    SHOW("writev iov", syscall(SYS_writev, 1, p, 1));
    SHOW("fcntl F_GETLK", syscall(SYS_fcntl, 1, F_GETLK, p));
    SHOW("statfs buf", syscall(SYS_statfs, "/", p));
}

int main(int argc, char **argv) {
    int want_core = argc < 2 || strcmp(argv[1], "core") == 0;
    long page = sysconf(_SC_PAGESIZE);
    char *gone = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (gone == MAP_FAILED || munmap(gone, page) != 0) {
        perror("mmap/munmap");
        return 1;
    }
    int fd = open(argv[0], O_RDONLY); /* our own executable: a readable regular file */
    if (fd < 0) {
        perror("open self");
        return 1;
    }
    printf("-- (void *)1\n");
    if (want_core)
        core(fd, (void *)1);
    else
        more((void *)1);
    printf("-- unmapped page\n");
    if (want_core)
        core(fd, gone);
    else
        more(gone);
    printf("still alive\n");
    return 0;
}
