/* A tracer of its own child, as strace and debuggers run one: PTRACE_TRACEME and the SIGTRAP
 * after execve, then (seized, with TRACESYSGOOD, TRACEEXEC and TRACEEXIT) syscall-enter and
 * syscall-exit stops with the number and result in the registers, a syscall skipped by
 * setting its number to -1 (getpid then returns the tracer's value), the exec event, and the
 * exit event with the status. Prints what the tracer saw. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static int wait_for(pid_t pid) {
    int status;
    if (waitpid(pid, &status, __WALL) != pid)
        return -1;
    return status;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "child")) {
        /* Traced: getppid runs; getpid is skipped by the tracer, which makes it return 4242. */
        long a = syscall(SYS_getppid) > 0;
        long b = syscall(SYS_getpid);
        printf("child: getppid > 0: %ld, getpid: %ld\n", a, b);
        fflush(stdout);
        return 7;
    }
    /* 1: PTRACE_TRACEME; the exec stops with SIGTRAP. */
    pid_t pid = fork();
    if (pid == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        execl("/bin/true", "true", NULL);
        _exit(1);
    }
    int st = wait_for(pid);
    printf("traceme: stopped by %s after exec\n", WIFSTOPPED(st) ? sigabbrev_np(WSTOPSIG(st)) : "?");
    ptrace(PTRACE_CONT, pid, 0, 0);
    st = wait_for(pid);
    printf("traceme: exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    /* 2: seize a child that stops itself, then follow its syscalls. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        raise(SIGSTOP);
        execl("/proc/self/exe", argv[0], "child", NULL);
        _exit(1);
    }
    waitpid(pid, &st, WUNTRACED); /* its own SIGSTOP, as its parent sees it */
    long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT;
    printf("seize: %ld\n", ptrace(PTRACE_SEIZE, pid, 0, opts));
    kill(pid, SIGCONT);
    int execs = 0, getppids = 0, skipped = 0;
    for (;;) {
        st = wait_for(pid);
        if (st < 0 || WIFEXITED(st) || WIFSIGNALED(st))
            break;
        int sig = WSTOPSIG(st), event = st >> 16;
        long pass = 0;
        if (sig == (SIGTRAP | 0x80)) {
            struct user_regs_struct r;
            ptrace(PTRACE_GETREGS, pid, 0, &r);
            if (r.orig_rax == SYS_getppid && r.rax != (unsigned long long)-ENOSYS) {
                getppids++; /* the exit stop: rax holds the result */
                struct __ptrace_syscall_info info;
                memset(&info, 0, sizeof info);
                long size = ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info);
                printf("syscall info at getppid's exit: size %ld, op %d, error %d, value > 0 %d\n",
                       size, info.op, info.exit.is_error, info.exit.rval > 0);
            }
            if (r.orig_rax == SYS_getppid && r.rax == (unsigned long long)-ENOSYS) {
                struct __ptrace_syscall_info info;
                memset(&info, 0, sizeof info);
                long size = ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info);
                printf("syscall info at getppid's entry: size %ld, op %d, nr %llu\n", size, info.op,
                       (unsigned long long)info.entry.nr);
            }
            if (r.orig_rax == SYS_getpid && r.rax == (unsigned long long)-ENOSYS) {
                r.orig_rax = -1; /* skip it */
                r.rax = 4242;
                ptrace(PTRACE_SETREGS, pid, 0, &r);
                skipped++;
            }
        } else if (event == PTRACE_EVENT_EXEC) {
            execs++;
        } else if (event == PTRACE_EVENT_EXIT) {
            unsigned long msg = 0;
            ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg);
            printf("exit event: status %lu\n", msg >> 8);
        } else if (event == 0) {
            pass = sig == SIGCONT ? 0 : sig; /* a signal-delivery-stop */
        }
        ptrace(PTRACE_SYSCALL, pid, 0, pass);
    }
    printf("exec events %d, getppid exits seen %d, skipped %d\n", execs, getppids, skipped);
    printf("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
