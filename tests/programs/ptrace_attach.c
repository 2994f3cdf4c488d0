/* ptrace between two processes of the sandbox: the parent attaches to its child, which is
 * blocked in read(2); the child stops with SIGSTOP; the parent reads its registers and a
 * variable, writes the variable, reads the stop's siginfo, continues it (it stays blocked,
 * its read restarted), seizes and interrupts it again, and detaches. The child's read then
 * completes and it prints what the parent wrote. Also the errors: attaching to oneself, to a
 * missing thread, twice; requests to a running tracee. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <elf.h>

static volatile long value = 42;

static void show(const char *what, long r) {
    if (r < 0)
        printf("%-32s -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%-32s %ld\n", what, r);
}

static void wait_stop(pid_t pid) {
    int status;
    pid_t got = waitpid(pid, &status, __WALL);
    if (got != pid)
        printf("waitpid: %d %s\n", got, strerrorname_np(errno));
    else if (WIFSTOPPED(status))
        printf("waitpid: stopped by %s, event %d\n", sigabbrev_np(WSTOPSIG(status)), status >> 16);
    else
        printf("waitpid: status %#x\n", status);
}

int main(void) {
    int p[2];
    pipe(p);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        ssize_t n = read(p[0], &c, 1);
        printf("child: read %zd byte(s) '%c', value now %ld\n", n, c, value);
        return 0;
    }
    close(p[0]);
    usleep(100000); /* let the child block in read */
    show("attach to self", ptrace(PTRACE_ATTACH, getpid(), 0, 0));
    show("attach to no such thread", ptrace(PTRACE_ATTACH, 999999, 0, 0));
    show("getregs before attaching", ptrace(PTRACE_GETREGS, pid, 0, 0));
    show("attach", ptrace(PTRACE_ATTACH, pid, 0, 0));
    show("attach again", ptrace(PTRACE_ATTACH, pid, 0, 0));
    wait_stop(pid);
    struct user_regs_struct regs;
    show("getregs", ptrace(PTRACE_GETREGS, pid, 0, &regs));
    printf("stopped in syscall %lld (read)\n", regs.orig_rax);
    struct iovec iov = {&regs, sizeof regs};
    show("getregset NT_PRSTATUS", ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov));
    printf("regset length %zu\n", iov.iov_len);
    errno = 0;
    long word = ptrace(PTRACE_PEEKDATA, pid, &value, 0);
    printf("peek value: %ld %s\n", word, errno ? strerrorname_np(errno) : "");
    show("poke value 99", ptrace(PTRACE_POKEDATA, pid, &value, 99));
    errno = 0;
    ptrace(PTRACE_PEEKDATA, pid, (void *)8, 0);
    printf("peek a bad address: %s\n", strerrorname_np(errno));
    siginfo_t si;
    show("getsiginfo", ptrace(PTRACE_GETSIGINFO, pid, 0, &si));
    printf("siginfo: %s code %d\n", sigabbrev_np(si.si_signo), si.si_code);
    show("cont", ptrace(PTRACE_CONT, pid, 0, 0));
    usleep(50000);
    show("getregs while running", ptrace(PTRACE_GETREGS, pid, 0, &regs));
    show("interrupt without seize", ptrace(PTRACE_INTERRUPT, pid, 0, 0));
    show("detach while running", ptrace(PTRACE_DETACH, pid, 0, 0));
    show("kill 0 is no signal", kill(pid, 0));
    /* Still traced: stop it once more with PTRACE_INTERRUPT's sibling, a SIGSTOP from us? No:
     * detach needs a stop, so interrupt is for seized tracees; detach after a second attach
     * cycle instead. */
    show("kill SIGSTOP", kill(pid, SIGSTOP));
    wait_stop(pid);
    show("detach", ptrace(PTRACE_DETACH, pid, 0, 0));
    show("seize", ptrace(PTRACE_SEIZE, pid, 0, 0));
    show("interrupt", ptrace(PTRACE_INTERRUPT, pid, 0, 0));
    wait_stop(pid);
    show("detach", ptrace(PTRACE_DETACH, pid, 0, 0));
    show("getregs after detach", ptrace(PTRACE_GETREGS, pid, 0, &regs));
    write(p[1], "x", 1);
    int status;
    waitpid(pid, &status, 0);
    printf("child exited %d\n", WEXITSTATUS(status));
    return 0;
}
