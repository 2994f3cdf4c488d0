/* ptrace_rtt N: the raw cost of one ptrace system-call round trip, the floor under a
 * ptrace-based sentry. A forked child makes N getppid calls; the parent traces it with
 * PTRACE_SYSEMU, and for each call waits for the stop, reads the registers (PTRACE_GETREGS),
 * writes the result into rax (PTRACE_SETREGS) and resumes it: what the sentry does for a
 * trivial syscall, minus its own work. Run twice: both processes pinned to one CPU
 * (sched_setaffinity before fork), and unpinned. Prints
 *   ptrace_rtt_pinned_ns <value>
 *   ptrace_rtt_unpinned_ns <value> */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PTRACE_SYSEMU
#define PTRACE_SYSEMU 31
#endif

static void die(const char *what) {
    fprintf(stderr, "ptrace_rtt: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* One measurement: returns ns per round trip. */
static double measure(long n, int pin) {
    cpu_set_t all, one;
    if (sched_getaffinity(0, sizeof all, &all) != 0)
        die("sched_getaffinity");
    if (pin) {
        int cpu = 0;
        while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &all))
            cpu++;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        if (sched_setaffinity(0, sizeof one, &one) != 0)
            die("sched_setaffinity");
    }
    pid_t child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
            die("PTRACE_TRACEME");
        raise(SIGSTOP);
        for (long i = 0; i < n; i++)
            syscall(SYS_getppid);
        syscall(SYS_exit_group, 0); /* trapped too: the parent kills us there */
        _exit(0);
    }
    int status;
    if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status))
        die("waiting for the child's SIGSTOP");
    if (ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)(long)(PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD)) != 0)
        die("PTRACE_SETOPTIONS");
    long seen = 0;
    double start = 0;
    struct user_regs_struct regs;
    for (;;) {
        if (ptrace(PTRACE_SYSEMU, child, NULL, NULL) != 0)
            die("PTRACE_SYSEMU");
        if (waitpid(child, &status, 0) != child)
            die("waitpid");
        if (!WIFSTOPPED(status))
            break;
        if (WSTOPSIG(status) != (SIGTRAP | 0x80))
            continue; /* not a syscall stop */
        if (ptrace(PTRACE_GETREGS, child, NULL, &regs) != 0)
            die("PTRACE_GETREGS");
        if (regs.orig_rax == SYS_exit_group)
            break;
        if (regs.orig_rax == SYS_getppid) {
            if (seen == 0)
                start = now_ns(); /* from the first stop to the exit_group stop: n round trips */
            seen++;
        }
        regs.rax = 1; /* the emulated result */
        if (ptrace(PTRACE_SETREGS, child, NULL, &regs) != 0)
            die("PTRACE_SETREGS");
    }
    double end = now_ns();
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    if (pin && sched_setaffinity(0, sizeof all, &all) != 0)
        die("sched_setaffinity (restore)");
    if (seen != n) {
        fprintf(stderr, "ptrace_rtt: saw %ld getppid stops, expected %ld\n", seen, n);
        exit(1);
    }
    return (end - start) / (double)n;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 20000;
    if (n < 2) {
        fprintf(stderr, "usage: ptrace_rtt N (N >= 2)\n");
        return 2;
    }
    printf("ptrace_rtt_pinned_ns %.1f\n", measure(n, 1));
    printf("ptrace_rtt_unpinned_ns %.1f\n", measure(n, 0));
    return 0;
}
