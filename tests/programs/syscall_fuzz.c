/* Calls every syscall number that cannot block, exit or tear down the caller, many times, with
 * arguments drawn from values that break kernels: 0, -1, huge numbers, pointers to good,
 * read-only, unmapped and kernel memory, long strings. Deterministic (fixed seed). The sandbox
 * must answer every call (an errno is fine) and never fail itself: at the end the program
 * prints "survived". Run only under blinders: natively it would act on the host. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t state = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* Calls that would block forever, end or replace the process, or unmap its own code. */
static int denied(long nr) {
    static const long deny[] = {
        SYS_read, SYS_readv, SYS_pread64, SYS_preadv, SYS_preadv2, SYS_pause, SYS_nanosleep,
        SYS_clock_nanosleep, SYS_futex, SYS_futex_waitv, SYS_exit, SYS_exit_group, SYS_execve,
        SYS_execveat, SYS_rt_sigreturn, SYS_rt_sigsuspend, SYS_rt_sigtimedwait, SYS_wait4,
        SYS_waitid, SYS_clone, SYS_clone3, SYS_fork, SYS_vfork, SYS_munmap, SYS_mremap,
        SYS_mprotect, SYS_madvise, SYS_brk, SYS_arch_prctl, SYS_kill, SYS_tkill, SYS_tgkill,
        SYS_pipe, SYS_pipe2, SYS_select, SYS_pselect6, SYS_poll, SYS_ppoll, SYS_epoll_wait,
        SYS_epoll_pwait, SYS_epoll_pwait2, SYS_accept, SYS_accept4, SYS_recvfrom, SYS_recvmsg,
        SYS_recvmmsg, SYS_msgrcv, SYS_semop, SYS_semtimedop, SYS_mq_timedreceive, SYS_io_getevents,
        SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo, SYS_set_tid_address, SYS_sigaltstack,
        SYS_dup2, SYS_dup3, SYS_close, SYS_close_range, SYS_setrlimit, SYS_prlimit64, SYS_rseq,
        SYS_shmat, SYS_shmdt, SYS_mmap, SYS_remap_file_pages, SYS_userfaultfd, SYS_seccomp,
        SYS_ptrace, SYS_reboot, SYS_alarm, SYS_setitimer, SYS_timer_create, SYS_rt_sigprocmask,
        SYS_rt_sigaction, SYS_personality, SYS_prctl, SYS_unshare, SYS_setns, SYS_chroot,
        SYS_pivot_root, SYS_umount2, SYS_mount,
    };
    for (size_t i = 0; i < sizeof deny / sizeof deny[0]; i++)
        if (deny[i] == nr) return 1;
    return 0;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 20;
    char *good = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *gone = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gone, 4096);
    memset(good, 'A', 1 << 16);
    good[(1 << 16) - 1] = 0;
    strcpy(good, "/etc/passwd");
    uint64_t values[] = {
        0, 1, 2, 3, (uint64_t)-1, (uint64_t)-100, 0x7fffffff, 0x80000000, 0xffffffff,
        0x7fffffffffffffffull, 0x8000000000000000ull, 4096, 1 << 20,
        (uint64_t)good, (uint64_t)good + 4093, (uint64_t)ro, (uint64_t)gone, 1,
        0xffffffffff600000ull, 0xffff800000000000ull, (uint64_t)good + (1 << 15),
    };
    size_t nvalues = sizeof values / sizeof values[0];
    long calls = 0;
    for (int round = 0; round < rounds; round++) {
        for (long nr = 0; nr < 463; nr++) {
            if (denied(nr)) continue;
            uint64_t a[6];
            for (int i = 0; i < 6; i++) a[i] = values[next() % nvalues];
            /* Keep the standard streams: the result goes to stdout. */
            if ((nr == SYS_dup || nr == SYS_fcntl || nr == SYS_ioctl) && a[0] <= 2) a[0] = 3;
            syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
            calls++;
        }
    }
    printf("%s\n", calls > 0 ? "survived" : "no calls made");
    return 0;
}
