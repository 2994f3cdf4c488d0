/* trap_rtt N: what a seccomp RET_TRAP platform (gVisor's systrap idea) would cost per trapped
 * system call on this machine, to set beside ptrace_rtt before building one. A child installs
 * a seccomp filter that turns getppid into SIGSYS (SECCOMP_RET_TRAP) and makes N getppid calls;
 * its SIGSYS handler
 *   - in-process: answers by itself (the floor: signal delivery and sigreturn only);
 *   - futex: posts the call to a page shared with its parent (the "sentry") and sleeps on a
 *     futex until the parent answers, both pinned to one CPU (two cross-process switches);
 *   - spin: the same with both sides spinning, the child on one CPU and the parent on another
 *     (no sleeps, no switches; burns both CPUs).
 * Prints
 *   trap_rtt_inprocess_ns <value>
 *   trap_rtt_futex_ns <value>
 *   trap_rtt_spin_ns <value>   (omitted on a one-CPU machine) */
#define _GNU_SOURCE
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

enum mode { IN_PROCESS, FUTEX, SPIN };

/* The page the stub (child) and the sentry (parent) share: state 1 = a call is posted. */
struct msg {
    int state;
    long nr;
    long ret;
};

static struct msg *shared;
static enum mode mode;

static long futex(int *addr, int op, int val) {
    return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        perror("trap_rtt: sched_setaffinity");
        exit(1);
    }
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static void on_sigsys(int sig, siginfo_t *info, void *ucontext) {
    (void)sig;
    ucontext_t *uc = ucontext;
    if (mode == IN_PROCESS) {
        uc->uc_mcontext.gregs[REG_RAX] = 42;
        return;
    }
    shared->nr = info->si_syscall;
    __atomic_store_n(&shared->state, 1, __ATOMIC_SEQ_CST);
    if (mode == FUTEX)
        futex(&shared->state, FUTEX_WAKE, 1);
    while (__atomic_load_n(&shared->state, __ATOMIC_SEQ_CST) == 1)
        if (mode == FUTEX)
            futex(&shared->state, FUTEX_WAIT, 1);
    uc->uc_mcontext.gregs[REG_RAX] = shared->ret;
}

/* The child: trap getppid, call it n times, report ns per call through the shared page. */
static void stub(long n, double *result) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigfillset(&sa.sa_mask);
    sigaction(SIGSYS, &sa, NULL);
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof filter / sizeof filter[0], filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
        perror("trap_rtt: seccomp");
        _exit(1);
    }
    long sum = 0;
    double start = now_ns();
    for (long i = 0; i < n; i++)
        sum += syscall(SYS_getppid);
    *result = sum == 42 * n ? (now_ns() - start) / n : -1;
}

static double measure(enum mode m, long n) {
    mode = m;
    double *result = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    shared = (struct msg *)(result + 1);
    pid_t pid = fork();
    if (pid == 0) {
        pin(m == SPIN ? 1 : 0);
        stub(n, result);
        /* Tell the parent to stop serving. */
        shared->nr = -1;
        __atomic_store_n(&shared->state, 1, __ATOMIC_SEQ_CST);
        futex(&shared->state, FUTEX_WAKE, 1);
        _exit(0);
    }
    pin(0);
    if (m != IN_PROCESS) {
        for (;;) {
            while (__atomic_load_n(&shared->state, __ATOMIC_SEQ_CST) == 0)
                if (m == FUTEX)
                    futex(&shared->state, FUTEX_WAIT, 0);
            if (shared->nr == -1)
                break;
            shared->ret = 42;
            __atomic_store_n(&shared->state, 0, __ATOMIC_SEQ_CST);
            if (m == FUTEX)
                futex(&shared->state, FUTEX_WAKE, 1);
        }
    }
    int status;
    waitpid(pid, &status, 0);
    double r = *result;
    munmap(result, 4096);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? r : -1;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 0;
    if (n < 2) {
        fprintf(stderr, "usage: trap_rtt N (N >= 2)\n");
        return 2;
    }
    printf("trap_rtt_inprocess_ns %.1f\n", measure(IN_PROCESS, n));
    printf("trap_rtt_futex_ns %.1f\n", measure(FUTEX, n));
    if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
        printf("trap_rtt_spin_ns %.1f\n", measure(SPIN, n));
    return 0;
}
