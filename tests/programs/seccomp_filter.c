/* A program's own seccomp filters: without no_new_privs a filter is refused (unless root);
 * bad programs are EINVAL; a filter's ERRNO, TRAP (SIGSYS with si_syscall, si_arch,
 * si_errno), ALLOW and argument checks act; filters stack (the most severe wins) and pass to
 * a fork and across execve (a trap whose handler exec reset kills); KILL_PROCESS ends a
 * child with SIGSYS; strict mode allows read and write and kills on anything else (and
 * cannot follow filters); /proc shows the mode. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define ON(nr, action) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, (action))
#define ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static void show(const char *what, long r) {
    if (r < 0)
        printf("%-40s -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%-40s %ld\n", what, r);
}

static long install(struct sock_filter *f, unsigned short n, unsigned flags) {
    struct sock_fprog prog = {n, f};
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

static volatile int sys_nr = -1, sys_errno = -1, sys_arch_ok = 0;
static void on_sigsys(int sig, siginfo_t *si, void *uc) {
    (void)sig;
    (void)uc;
    sys_nr = si->si_syscall;
    sys_errno = si->si_errno;
    sys_arch_ok = si->si_arch == AUDIT_ARCH_X86_64 && si->si_code == 1;
}

static void proc_seccomp(const char *when) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "Seccomp", 7))
            printf("%s %s", when, line);
    if (f)
        fclose(f);
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "after-exec")) {
        show("after exec: getppid (EPERM filter)", getppid());
        proc_seccomp("after exec:");
        return 0;
    }
    struct sock_filter bad[] = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), ALLOW};
    struct sock_filter noret[] = {LOAD_NR};
    show("prctl GET_SECCOMP", prctl(PR_GET_SECCOMP));
    fflush(stdout);
    int status;
    pid_t pid = fork();
    if (pid == 0) {
        /* Strict mode: read, write, exit and rt_sigreturn only. */
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) != 0)
            syscall(SYS_exit, 1);
        write(1, "strict: write works\n", 20);
        syscall(SYS_getpid);
        write(1, "not reached\n", 12);
        syscall(SYS_exit, 0);
    }
    waitpid(pid, &status, 0);
    printf("strict child killed by %s\n", WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) : "nothing");
    if (getuid() != 0) {
        struct sock_filter allow[] = {ALLOW};
        show("filter without no_new_privs", install(allow, 1, 0));
    }
    show("set no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    show("unaligned load", install(bad, 2, 0));
    show("no return at the end", install(noret, 1, 0));
    show("no instructions", install(bad, 0, 0));
    show("bad flags", install(bad, 2, 1u << 10));
    unsigned action = SECCOMP_RET_LOG;
    show("action LOG available", syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action));
    action = 0x12340000;
    show("action 0x1234 available", syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action));

    /* getppid: EPERM; getpgid(7): EACCES (an argument check); the rest runs. */
    struct sock_filter f1[] = {
        LOAD_NR,
        ON(SYS_getppid, SECCOMP_RET_ERRNO | EPERM),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpgid, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
        ALLOW,
    };
    show("install filter 1", install(f1, sizeof f1 / sizeof f1[0], 0));
    show("getppid", syscall(SYS_getppid));
    show("getpgid(7)", getpgid(7));
    show("getpgid(0)", getpgid(0) > 0 ? 1 : -1);
    show("prctl GET_SECCOMP", prctl(PR_GET_SECCOMP));
    proc_seccomp("filtered:");

    /* A second filter: getuid traps (SIGSYS, data 42); getppid now traps too, TRAP being
     * more severe than ERRNO. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    struct sock_filter f2[] = {
        LOAD_NR,
        ON(SYS_getuid, SECCOMP_RET_TRAP | 42),
        ON(SYS_getppid, SECCOMP_RET_TRAP | 7),
        ALLOW,
    };
    show("install filter 2", install(f2, sizeof f2 / sizeof f2[0], 0));
    long r = syscall(SYS_getuid);
    printf("getuid trapped: nr %d errno %d arch ok %d, returned %ld\n", sys_nr, sys_errno, sys_arch_ok, r);
    sys_nr = -1;
    syscall(SYS_getppid);
    printf("getppid trapped: nr %d errno %d\n", sys_nr, sys_errno);
    proc_seccomp("two filters:");

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        show("forked child: getpgid(7)", getpgid(7));
        struct sock_filter kill[] = {LOAD_NR, ON(SYS_getpid, SECCOMP_RET_KILL_PROCESS), ALLOW};
        show("forked child: install a kill filter", install(kill, sizeof kill / sizeof kill[0], 0));
        fflush(stdout);
        syscall(SYS_getpid);
        printf("not reached\n");
        return 0;
    }
    waitpid(pid, &status, 0);
    printf("child killed by %s\n", WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) : "nothing");
    show("strict mode over filters", prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT));

    pid = fork();
    if (pid == 0) {
        /* A filter that lets getppid through: the EPERM filter still applies across exec. */
        char *args[] = {argv[0], "after-exec", NULL};
        struct sock_filter allow_ppid[] = {LOAD_NR, ON(SYS_getppid, SECCOMP_RET_ALLOW), ALLOW};
        signal(SIGSYS, SIG_DFL);
        install(allow_ppid, sizeof allow_ppid / sizeof allow_ppid[0], 0);
        execv("/proc/self/exe", args);
        _exit(1);
    }
    waitpid(pid, &status, 0);
    printf("exec child: %s %d\n", WIFSIGNALED(status) ? "killed by" : "exit", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    return 0;
}
