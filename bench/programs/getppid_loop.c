/* getppid_loop N: makes N getppid system calls (raw syscall(2): no libc caching, no vDSO) and
 * prints the mean cost of one, in nanoseconds, as "getppid_ns <value>". */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000;
    if (n <= 0) {
        fprintf(stderr, "usage: getppid_loop N (N > 0)\n");
        return 2;
    }
    struct timespec a, b;
    syscall(SYS_getppid); /* warm up: first call may fault pages in */
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++)
        syscall(SYS_getppid);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
    printf("getppid_ns %.1f\n", ns / (double)n);
    return 0;
}
