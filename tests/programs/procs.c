/* Processes: fork, vfork, execve, wait statuses, waitid, orphans, pipes between processes,
 * process groups and sessions, kill(pid, 0). argv[1] picks the mode:
 *   tree | vfork_exec | script DIR | status | wnohang | waitid | echild | orphan | pipe | ids |
 *   pgrp | kill0 | ret42 | main42 | forkbomb [CAP]
 * Prints only what is the same on two correct runs: relations between pids, never pids. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

extern char **environ;

static const char *yes(int b) { return b ? "yes" : "no"; }

static const char *signame(int s) {
    switch (s) {
    case SIGABRT: return "SIGABRT";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGCHLD: return "SIGCHLD";
    case SIGSEGV: return "SIGSEGV";
    case SIGPIPE: return "SIGPIPE";
    default: return "other";
    }
}

static void die(const char *what) {
    printf("FAILED: %s: %s\n", what, errname(errno));
    exit(99);
}

static void xpipe(int fds[2]) {
    if (pipe(fds) != 0)
        die("pipe");
}

static pid_t xfork(void) {
    pid_t p = fork();
    if (p < 0)
        die("fork");
    return p;
}

/* Reads exactly n bytes (or up to EOF); returns the count. */
static size_t read_full(int fd, void *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static int write_full(int fd, const void *buf, size_t n) {
    size_t done = 0;
    while (done < n) {
        ssize_t r = write(fd, (const char *)buf + done, n - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}

/* Blocks until the other end of the pipe is closed, then _exits with code. */
static void block_then_exit(int rfd, int code) {
    char c;
    while (read(rfd, &c, 1) > 0) {
    }
    _exit(code);
}

static void print_status(const char *label, int st) {
    if (WIFEXITED(st))
        printf("%s: exited %d\n", label, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: signaled %d (%s)\n", label, WTERMSIG(st), signame(WTERMSIG(st)));
    else
        printf("%s: other status %#x\n", label, st);
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Root forks 3 children, each forks 2 grandchildren. Grandchild j of child i exits with
 * 10*(i+1)+j+1, child i with i+1. Each child reports its grandchildren's statuses to the root
 * through a pipe (one 4-byte record each, atomic), then exits. */
static int mode_tree(void) {
    int rep[2];
    xpipe(rep);
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = xfork();
        if (kids[i] == 0) {
            close(rep[0]);
            pid_t g[2];
            for (int j = 0; j < 2; j++) {
                g[j] = fork();
                if (g[j] < 0)
                    _exit(100);
                if (g[j] == 0)
                    _exit(10 * (i + 1) + j + 1);
            }
            for (int j = 0; j < 2; j++) {
                int st;
                if (waitpid(g[j], &st, 0) != g[j])
                    _exit(101);
                int rec = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
                if (write(rep[1], &rec, sizeof rec) != sizeof rec)
                    _exit(102);
            }
            /* No more children: wait must say so. */
            if (wait(NULL) != -1 || errno != ECHILD)
                _exit(103);
            _exit(i + 1);
        }
    }
    close(rep[1]);
    int codes[3], n = 0;
    for (int k = 0; k < 3; k++) {
        int st;
        pid_t p = wait(&st);
        int known = 0;
        for (int i = 0; i < 3; i++)
            known |= p == kids[i];
        if (!known) {
            printf("wait returned an unknown pid\n");
            return 1;
        }
        codes[n++] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    qsort(codes, 3, sizeof codes[0], cmp_int);
    printf("children:");
    for (int i = 0; i < 3; i++)
        printf(" %d", codes[i]);
    printf("\n");
    int gc[8], ng = 0, rec;
    while (ng < 8 && read_full(rep[0], &rec, sizeof rec) == sizeof rec)
        gc[ng++] = rec;
    qsort(gc, (size_t)ng, sizeof gc[0], cmp_int);
    printf("grandchildren:");
    for (int i = 0; i < ng; i++)
        printf(" %d", gc[i]);
    printf("\n");
    SHOW("wait after all", wait(NULL));
    return 0;
}

static int mode_vfork_exec(void) {
    printf("before vfork\n");
    char *args[] = {"/bin/echo", "echo", "after", "vfork", NULL};
    pid_t p = vfork();
    if (p < 0)
        die("vfork");
    if (p == 0) {
        execve(args[0], args + 1, environ);
        _exit(127);
    }
    int st;
    pid_t w = waitpid(p, &st, 0);
    printf("waitpid returned the child: %s\n", yes(w == p));
    print_status("echo", st);
    /* A vfork child that execs something missing reports it through its exit code. */
    char *missing[] = {"/nonexistent/program", NULL};
    p = vfork();
    if (p < 0)
        die("vfork");
    if (p == 0) {
        execve(missing[0], missing, environ);
        _exit(errno == ENOENT ? 42 : 43);
    }
    waitpid(p, &st, 0);
    print_status("missing", st);
    return 0;
}

/* DIR holds script.sh (a #!/bin/sh script, mode 0755) and noexec.sh (mode 0644), written by
 * the test: the sandbox's root file system is read-only for now. */
static int mode_script(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/script.sh", dir);
    char *args[] = {path, "one", "two words", NULL};
    pid_t p = xfork();
    if (p == 0) {
        execve(path, args, environ);
        _exit(127);
    }
    int st;
    waitpid(p, &st, 0);
    print_status("script", st);
    /* Without the exec bit: EACCES. */
    snprintf(path, sizeof path, "%s/noexec.sh", dir);
    char *args2[] = {path, NULL};
    SHOW("execve without exec bit", execve(path, args2, environ));
    return 0;
}

static int mode_status(void) {
    int st;
    pid_t p = xfork();
    if (p == 0)
        _exit(7);
    waitpid(p, &st, 0);
    print_status("exit 7", st);
    printf("  WIFEXITED=%d WIFSIGNALED=%d WEXITSTATUS=%d\n", !!WIFEXITED(st), !!WIFSIGNALED(st),
           WEXITSTATUS(st));

    int fds[2];
    xpipe(fds);
    p = xfork();
    if (p == 0) {
        close(fds[1]);
        block_then_exit(fds[0], 0);
    }
    close(fds[0]);
    SHOW("kill SIGKILL", kill(p, SIGKILL));
    waitpid(p, &st, 0);
    close(fds[1]);
    print_status("killed", st);
    printf("  WIFEXITED=%d WIFSIGNALED=%d WTERMSIG=%d\n", !!WIFEXITED(st), !!WIFSIGNALED(st),
           WTERMSIG(st));

    xpipe(fds);
    p = xfork();
    if (p == 0) {
        close(fds[1]);
        block_then_exit(fds[0], 0);
    }
    close(fds[0]);
    SHOW("kill SIGTERM", kill(p, SIGTERM));
    waitpid(p, &st, 0);
    close(fds[1]);
    print_status("terminated", st);

    p = xfork();
    if (p == 0) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        abort();
    }
    waitpid(p, &st, 0);
    print_status("abort", st);
    printf("  WIFSIGNALED=%d WTERMSIG=%d\n", !!WIFSIGNALED(st), WTERMSIG(st));

    /* Exit codes keep only their low 8 bits. */
    p = xfork();
    if (p == 0)
        _exit(256 + 3);
    waitpid(p, &st, 0);
    print_status("exit 259", st);
    return 0;
}

static int mode_wnohang(void) {
    int fds[2];
    xpipe(fds);
    pid_t p = xfork();
    if (p == 0) {
        close(fds[1]);
        block_then_exit(fds[0], 3);
    }
    close(fds[0]);
    int st = -1;
    SHOW("waitpid WNOHANG while running", waitpid(p, &st, WNOHANG));
    printf("status untouched: %s\n", yes(st == -1));
    siginfo_t si;
    memset(&si, 0xff, sizeof si);
    SHOW("waitid WNOHANG while running", waitid(P_PID, (id_t)p, &si, WEXITED | WNOHANG));
    printf("si_pid zeroed: %s\n", yes(si.si_pid == 0));
    close(fds[1]); /* the child now reads EOF and exits */
    pid_t w = waitpid(p, &st, 0);
    printf("blocking waitpid returned the child: %s\n", yes(w == p));
    print_status("child", st);
    SHOW("waitpid WNOHANG after reaping", waitpid(p, &st, WNOHANG));
    return 0;
}

static void show_siginfo(const char *label, pid_t p, const siginfo_t *si) {
    const char *code = si->si_code == CLD_EXITED   ? "CLD_EXITED"
                       : si->si_code == CLD_KILLED ? "CLD_KILLED"
                       : si->si_code == CLD_DUMPED ? "CLD_DUMPED"
                                                   : "other";
    printf("%s: si_signo=%s si_pid matches=%s si_code=%s si_status=%d\n", label,
           signame(si->si_signo), yes(si->si_pid == p), code, si->si_status);
}

static int mode_waitid(void) {
    siginfo_t si;
    pid_t p = xfork();
    if (p == 0)
        _exit(9);
    memset(&si, 0, sizeof si);
    SHOW("waitid P_PID", waitid(P_PID, (id_t)p, &si, WEXITED));
    show_siginfo("exit 9", p, &si);
    printf("si_uid matches: %s\n", yes(si.si_uid == getuid()));

    /* WNOWAIT leaves the child waitable. */
    p = xfork();
    if (p == 0)
        _exit(4);
    memset(&si, 0, sizeof si);
    SHOW("waitid WNOWAIT", waitid(P_PID, (id_t)p, &si, WEXITED | WNOWAIT));
    show_siginfo("peek", p, &si);
    int st;
    pid_t w = waitpid(p, &st, 0);
    printf("waitpid after WNOWAIT returned the child: %s\n", yes(w == p));
    print_status("reaped", st);

    int fds[2];
    xpipe(fds);
    p = xfork();
    if (p == 0) {
        close(fds[1]);
        block_then_exit(fds[0], 0);
    }
    close(fds[0]);
    kill(p, SIGKILL);
    memset(&si, 0, sizeof si);
    SHOW("waitid P_ALL", waitid(P_ALL, 0, &si, WEXITED));
    close(fds[1]);
    show_siginfo("killed", p, &si);
    SHOW("waitid with no children", waitid(P_ALL, 0, &si, WEXITED));
    SHOW("waitid with no wait flags", waitid(P_ALL, 0, &si, 0));
    return 0;
}

static int mode_echild(void) {
    int st;
    SHOW("wait", wait(&st));
    SHOW("waitpid -1 WNOHANG", waitpid(-1, &st, WNOHANG));
    pid_t p = xfork();
    if (p == 0)
        _exit(0);
    pid_t w = waitpid(p, &st, 0);
    printf("first waitpid returned the child: %s\n", yes(w == p));
    SHOW("waitpid of a reaped child", waitpid(p, &st, 0));
    SHOW("waitpid 0 (own group)", waitpid(0, &st, 0));
    siginfo_t si;
    SHOW("waitid P_ALL", waitid(P_ALL, 0, &si, WEXITED));
    SHOW("wait4 with rusage", wait4(-1, &st, 0, NULL));
    return 0;
}

/* Root P forks C; C forks G and exits; G notices the exit (EOF on a pipe only C wrote to),
 * waits for its parent to change, and tells P through a second pipe. */
static int mode_orphan(void) {
    int res[2];
    xpipe(res);
    pid_t c = xfork();
    if (c == 0) {
        close(res[0]);
        int life[2];
        if (pipe(life) != 0)
            _exit(100);
        pid_t cpid = getpid();
        pid_t g = fork();
        if (g < 0)
            _exit(101);
        if (g == 0) {
            close(life[1]);
            char ch;
            while (read(life[0], &ch, 1) > 0) {
            }
            /* The parent's files close before it is reparented away: wait (bounded) for the
             * parent to change. */
            int changed = 0;
            for (int i = 0; i < 20000 && !changed; i++) {
                changed = getppid() != cpid;
                if (!changed)
                    usleep(500);
            }
            const char *msg = changed ? "grandchild: reparented\n" : "grandchild: same parent\n";
            write_full(res[1], msg, strlen(msg));
            _exit(0);
        }
        close(life[0]);
        const char *msg = "child: forked the grandchild, exiting\n";
        write_full(res[1], msg, strlen(msg));
        _exit(6);
    }
    close(res[1]);
    int st;
    waitpid(c, &st, 0);
    print_status("middle child", st);
    /* Everything both wrote, in order: the child's line comes before its exit. */
    char buf[256];
    size_t n = read_full(res[0], buf, sizeof buf - 1);
    buf[n] = 0;
    fputs(buf, stdout);
    return 0;
}

#define PIPE_BYTES (1 << 20)

static unsigned char pattern(size_t i) {
    return (unsigned char)((i * 2654435761u) >> 13);
}

static int mode_pipe(void) {
    int data[2], sum[2], back[2];
    xpipe(data);
    xpipe(sum);
    xpipe(back);
    pid_t p = xfork();
    if (p == 0) {
        close(data[0]);
        close(sum[0]);
        close(back[1]);
        unsigned char *buf = malloc(PIPE_BYTES);
        if (!buf)
            _exit(100);
        for (size_t i = 0; i < PIPE_BYTES; i++)
            buf[i] = pattern(i);
        unsigned long long h = fnv1a(buf, PIPE_BYTES);
        /* Odd-sized writes, so that pipe buffer boundaries fall anywhere. */
        size_t off = 0, chunk = 1;
        while (off < PIPE_BYTES) {
            size_t n = chunk < PIPE_BYTES - off ? chunk : PIPE_BYTES - off;
            if (write_full(data[1], buf + off, n) != 0)
                _exit(101);
            off += n;
            chunk = chunk * 3 + 1;
            if (chunk > 200000)
                chunk = 7;
        }
        close(data[1]);
        if (write_full(sum[1], &h, sizeof h) != 0)
            _exit(102);
        /* Then the other way: echo back what the parent sends, checksummed. */
        size_t got = read_full(back[0], buf, PIPE_BYTES);
        unsigned long long h2 = fnv1a(buf, got);
        if (write_full(sum[1], &got, sizeof got) != 0 || write_full(sum[1], &h2, sizeof h2) != 0)
            _exit(103);
        _exit(0);
    }
    close(data[1]);
    close(sum[1]);
    close(back[0]);
    unsigned char *buf = malloc(PIPE_BYTES + 1);
    if (!buf)
        die("malloc");
    size_t got = 0;
    for (;;) {
        ssize_t r = read(data[0], buf + got, PIPE_BYTES + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    unsigned long long mine = fnv1a(buf, got), theirs = 0;
    read_full(sum[0], &theirs, sizeof theirs);
    printf("child to parent: %zu bytes, checksum %016llx, matches the writer's: %s\n", got, mine,
           yes(mine == theirs));
    for (size_t i = 0; i < PIPE_BYTES; i++)
        buf[i] = (unsigned char)~pattern(i);
    unsigned long long sent = fnv1a(buf, PIPE_BYTES);
    if (write_full(back[1], buf, PIPE_BYTES) != 0)
        die("write back");
    close(back[1]);
    size_t echoed = 0;
    unsigned long long h2 = 0;
    read_full(sum[0], &echoed, sizeof echoed);
    read_full(sum[0], &h2, sizeof h2);
    printf("parent to child: %zu bytes, checksum %016llx, matches: %s\n", echoed, sent,
           yes(sent == h2));
    int st;
    waitpid(p, &st, 0);
    print_status("pipe child", st);
    /* The write end with no reader left: EPIPE (SIGPIPE ignored). */
    signal(SIGPIPE, SIG_IGN);
    close(data[0]);
    int again[2];
    xpipe(again);
    close(again[0]);
    SHOW("write to a pipe without readers", write(again[1], "x", 1));
    return 0;
}

static int mode_ids(void) {
    pid_t me = getpid();
    int fds[2];
    xpipe(fds);
    pid_t p = xfork();
    if (p == 0) {
        pid_t rec[3] = {getpid(), getppid(), (pid_t)syscall(SYS_gettid)};
        write_full(fds[1], rec, sizeof rec);
        _exit(0);
    }
    close(fds[1]);
    pid_t rec[3] = {0, 0, 0};
    read_full(fds[0], rec, sizeof rec);
    printf("fork returned the child's getpid: %s\n", yes(rec[0] == p));
    printf("child's getppid is the parent's getpid: %s\n", yes(rec[1] == me));
    printf("child's gettid is its getpid: %s\n", yes(rec[2] == rec[0]));
    printf("child's pid differs from the parent's: %s\n", yes(rec[0] != me));
    int st;
    waitpid(p, &st, 0);
    print_status("ids child", st);
    printf("parent's pid unchanged: %s\n", yes(getpid() == me));
    /* Pids of live siblings are distinct. */
    int hold[2];
    xpipe(hold);
    pid_t kids[5];
    for (int i = 0; i < 5; i++) {
        kids[i] = xfork();
        if (kids[i] == 0) {
            close(hold[1]);
            block_then_exit(hold[0], 0);
        }
    }
    close(hold[0]);
    int distinct = 1;
    for (int i = 0; i < 5; i++)
        for (int j = i + 1; j < 5; j++)
            distinct &= kids[i] != kids[j];
    printf("5 live siblings have distinct pids: %s\n", yes(distinct));
    close(hold[1]);
    for (int i = 0; i < 5; i++)
        waitpid(kids[i], &st, 0);
    return 0;
}

static int mode_pgrp(void) {
    pid_t my_sid = getsid(0);
    int sync_[2], go[2];
    xpipe(sync_);
    xpipe(go);
    pid_t p = xfork();
    if (p == 0) {
        close(sync_[0]);
        close(go[1]);
        int r1 = setpgid(0, 0);
        int ok = r1 == 0 && getpgid(0) == getpid() && getpgrp() == getpid() &&
                 getsid(0) == my_sid;
        /* A group leader cannot start a session. */
        errno = 0;
        int r2 = setsid();
        int eperm = r2 == -1 && errno == EPERM;
        char rec[2] = {(char)ok, (char)eperm};
        write_full(sync_[1], rec, 2);
        block_then_exit(go[0], 0);
    }
    close(sync_[1]);
    close(go[0]);
    char rec[2] = {0, 0};
    read_full(sync_[0], rec, 2);
    printf("child setpgid(0,0): own group, same session: %s\n", yes(rec[0]));
    printf("child setsid as group leader fails with EPERM: %s\n", yes(rec[1]));
    printf("parent sees the child's group: %s\n", yes(getpgid(p) == p));
    printf("parent sees the child's session: %s\n", yes(getsid(p) == my_sid));
    printf("parent's group unchanged: %s\n", yes(getpgid(0) != p));
    /* kill(-pgid) reaches the child's group. */
    SHOW("kill(-child group, SIGKILL)", kill(-p, SIGKILL));
    int st;
    waitpid(p, &st, 0);
    print_status("group child", st);
    close(go[1]);
    SHOW("getpgid of a reaped child", getpgid(p));

    /* setsid in a fresh child: leader of a new session and group. */
    int rep[2];
    xpipe(rep);
    p = xfork();
    if (p == 0) {
        close(rep[0]);
        pid_t s = setsid();
        char r[3] = {(char)(s == getpid()), (char)(getsid(0) == getpid()),
                     (char)(getpgid(0) == getpid())};
        write_full(rep[1], r, 3);
        _exit(0);
    }
    close(rep[1]);
    char r[3] = {0, 0, 0};
    read_full(rep[0], r, 3);
    printf("setsid returns the new session id == pid: %s\n", yes(r[0]));
    printf("getsid(0) == pid after setsid: %s\n", yes(r[1]));
    printf("getpgid(0) == pid after setsid: %s\n", yes(r[2]));
    waitpid(p, &st, 0);
    print_status("session child", st);

    /* The parent moves a child into a new group itself. */
    int hold[2];
    xpipe(hold);
    p = xfork();
    if (p == 0) {
        close(hold[1]);
        block_then_exit(hold[0], 0);
    }
    close(hold[0]);
    SHOW("parent setpgid(child, child)", setpgid(p, p));
    printf("child leads its group: %s\n", yes(getpgid(p) == p));
    SHOW("setpgid into a nonexistent group", setpgid(p, 1 << 22));
    close(hold[1]);
    waitpid(p, &st, 0);
    SHOW("getpgid of no such process", getpgid(p));
    return 0;
}

static int mode_kill0(void) {
    int fds[2];
    xpipe(fds);
    pid_t p = xfork();
    if (p == 0) {
        close(fds[1]);
        block_then_exit(fds[0], 0);
    }
    close(fds[0]);
    SHOW("kill(live child, 0)", kill(p, 0));
    close(fds[1]);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    /* Wait for the exit without reaping: the zombie still exists. */
    waitid(P_PID, (id_t)p, &si, WEXITED | WNOWAIT);
    SHOW("kill(zombie child, 0)", kill(p, 0));
    int st;
    waitpid(p, &st, 0);
    SHOW("kill(reaped child, 0)", kill(p, 0));
    SHOW("kill(self, 0)", kill(getpid(), 0));
    SHOW("kill(self, signal 65)", kill(getpid(), 65));
    return 0;
}

static int mode_ret42(const char *self) {
    int st;
    pid_t p = xfork();
    if (p == 0)
        return 42; /* from main, in the child */
    waitpid(p, &st, 0);
    print_status("child returning 42 from main", st);
    p = xfork();
    if (p == 0) {
        char *args[] = {(char *)self, "main42", NULL};
        execve(self, args, environ);
        _exit(127);
    }
    waitpid(p, &st, 0);
    print_status("exec'd program returning 42 from main", st);
    return 0;
}

/* Forks children that block in read() until fork fails; reports the errno, releases them all
 * and reaps them. Stops at CAP children if fork never fails. */
static int mode_forkbomb(long cap) {
    int fds[2];
    xpipe(fds);
    long n = 0;
    int err = 0;
    while (n < cap) {
        pid_t p = fork();
        if (p < 0) {
            err = errno;
            break;
        }
        if (p == 0) {
            close(fds[1]);
            char c;
            while (read(fds[0], &c, 1) > 0) {
            }
            _exit(0);
        }
        n++;
    }
    if (err)
        printf("fork failed: %s\n", errname(err));
    else
        printf("no failure in %ld forks\n", cap);
    printf("forked at least 100: %s\n", yes(n >= 100));
    close(fds[1]);
    long reaped = 0, bad = 0;
    int st;
    pid_t w;
    while ((w = wait(&st)) > 0 || (w < 0 && errno == EINTR)) {
        if (w < 0)
            continue;
        reaped++;
        bad += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    printf("reaped all: %s, all exited 0: %s\n", yes(reaped == n), yes(bad == 0));
    /* And fork works again. */
    pid_t p = xfork();
    if (p == 0)
        _exit(5);
    waitpid(p, &st, 0);
    print_status("fork after the storm", st);
    return 0;
}

int main(int argc, char **argv) {
    /* Unbuffered: nothing is left in a buffer to be duplicated by fork or lost by _exit. */
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: procs MODE [ARG]\n");
        return 64;
    }
    const char *m = argv[1];
    if (!strcmp(m, "tree"))
        return mode_tree();
    if (!strcmp(m, "vfork_exec"))
        return mode_vfork_exec();
    if (!strcmp(m, "script") && argc > 2)
        return mode_script(argv[2]);
    if (!strcmp(m, "status"))
        return mode_status();
    if (!strcmp(m, "wnohang"))
        return mode_wnohang();
    if (!strcmp(m, "waitid"))
        return mode_waitid();
    if (!strcmp(m, "echild"))
        return mode_echild();
    if (!strcmp(m, "orphan"))
        return mode_orphan();
    if (!strcmp(m, "pipe"))
        return mode_pipe();
    if (!strcmp(m, "ids"))
        return mode_ids();
    if (!strcmp(m, "pgrp"))
        return mode_pgrp();
    if (!strcmp(m, "kill0"))
        return mode_kill0();
    if (!strcmp(m, "ret42"))
        return mode_ret42(argv[0]);
    if (!strcmp(m, "main42"))
        return 42;
    if (!strcmp(m, "forkbomb"))
        return mode_forkbomb(argc > 2 ? atol(argv[2]) : 5000);
    fprintf(stderr, "unknown mode %s\n", m);
    return 64;
}
