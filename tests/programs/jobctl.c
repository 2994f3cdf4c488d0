/* Job control (signal(7), wait(2), credentials(7)): stops and continues, their reports to
 * wait and SIGCHLD, SA_NOCLDSTOP, SIGTSTP's handler, SIGCONT and stop signals discarding
 * each other, SIGKILL of a stopped child, orphaned process groups.
 * Everything runs in a session of its own (so whether a group is orphaned does not depend
 * on who started the test); only the session leader prints, after waits that order events. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static void show_status(const char *what, pid_t r, int st) {
    if (r <= 0)
        printf("%s: %d\n", what, (int)r);
    else if (WIFSTOPPED(st))
        printf("%s: stopped by %d (status %#x)\n", what, WSTOPSIG(st), st);
    else if (WIFCONTINUED(st))
        printf("%s: continued (status %#x)\n", what, st);
    else if (WIFSIGNALED(st))
        printf("%s: killed by %d\n", what, WTERMSIG(st));
    else
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
}

/* Takes a pending SIGCHLD (SIGCHLD is blocked in the leader) and prints it, or "none". */
static void show_sigchld_now(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    struct timespec zero = {0, 0};
    siginfo_t si;
    if (sigtimedwait(&set, &si, &zero) < 0) {
        printf("  SIGCHLD: none\n");
        return;
    }
    const char *code = si.si_code == CLD_STOPPED     ? "CLD_STOPPED"
                       : si.si_code == CLD_CONTINUED ? "CLD_CONTINUED"
                       : si.si_code == CLD_KILLED    ? "CLD_KILLED"
                       : si.si_code == CLD_EXITED    ? "CLD_EXITED"
                                                     : "other";
    printf("  SIGCHLD: %s status %d\n", code, si.si_status);
}

/* Waits for a SIGCHLD that must come and prints it. A resume's is sent when the continued
 * child next runs, so it may come after the wait has reported the resume; no test relies on
 * the order of a SIGCHLD and the wait that sees the same change. */
static void show_sigchld(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    siginfo_t si;
    sigwaitinfo(&set, &si);
    const char *code = si.si_code == CLD_STOPPED     ? "CLD_STOPPED"
                       : si.si_code == CLD_CONTINUED ? "CLD_CONTINUED"
                       : si.si_code == CLD_KILLED    ? "CLD_KILLED"
                       : si.si_code == CLD_EXITED    ? "CLD_EXITED"
                                                     : "other";
    printf("  SIGCHLD: %s status %d\n", code, si.si_status);
}

/* A child in a process group of its own, waiting for signals. */
static pid_t spawn_pauser(void) {
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        for (;;)
            pause();
    }
    setpgid(c, c);
    return c;
}

static int hup_pipe = -1;
static void on_hup(int sig) {
    (void)sig;
    write(hup_pipe, "G: SIGHUP\n", 10);
}
static int tstp_pipe = -1;
static void on_tstp(int sig) {
    (void)sig;
    write(tstp_pipe, "C: caught SIGTSTP\n", 18);
    _exit(0);
}
static void on_cont(int sig) { (void)sig; }

static void leader(void) {
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int st;
    pid_t r;

    printf("stop and continue\n");
    pid_t c = spawn_pauser();
    kill(c, SIGSTOP);
    r = waitpid(c, &st, WUNTRACED);
    show_status("  waitpid WUNTRACED", r == c, st);
    show_sigchld();
    r = waitpid(c, &st, WUNTRACED | WNOHANG);
    show_status("  again (reported once)", r, st);
    kill(c, SIGCONT);
    r = waitpid(c, &st, WCONTINUED);
    show_status("  waitpid WCONTINUED", r == c, st);
    show_sigchld();
    kill(c, SIGTSTP);
    siginfo_t si = {0};
    r = waitid(P_PID, c, &si, WSTOPPED);
    printf("  waitid WSTOPPED: %d code %s status %d\n", (int)r,
           si.si_code == CLD_STOPPED ? "CLD_STOPPED" : "other", si.si_status);
    show_sigchld();
    kill(c, SIGCONT);
    memset(&si, 0, sizeof si);
    r = waitid(P_PID, c, &si, WCONTINUED);
    printf("  waitid WCONTINUED: %d code %s status %d\n", (int)r,
           si.si_code == CLD_CONTINUED ? "CLD_CONTINUED" : "other", si.si_status);
    show_sigchld();
    r = waitpid(c, &st, WNOHANG);
    show_status("  waitpid without WUNTRACED", r, st);

    printf("a stopped child killed by SIGKILL\n");
    kill(c, SIGSTOP);
    r = waitpid(c, &st, WUNTRACED);
    show_status("  stopped", r == c, st);
    show_sigchld();
    kill(c, SIGKILL);
    r = waitpid(c, &st, 0);
    show_status("  waitpid", r == c, st);
    show_sigchld();

    printf("SA_NOCLDSTOP\n");
    struct sigaction sa = {0}, old;
    sa.sa_handler = on_cont;
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, &old);
    c = spawn_pauser();
    kill(c, SIGSTOP);
    r = waitpid(c, &st, WUNTRACED);
    show_status("  stopped", r == c, st);
    show_sigchld_now();
    kill(c, SIGCONT);
    r = waitpid(c, &st, WCONTINUED);
    show_status("  continued", r == c, st);
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    show_sigchld();
    sigaction(SIGCHLD, &old, NULL);

    printf("SIGTSTP with a handler\n");
    int p[2];
    pipe(p);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        setpgid(0, 0);
        tstp_pipe = p[1];
        signal(SIGTSTP, on_tstp);
        write(p[1], "ready\n", 6);
        for (;;)
            pause();
    }
    setpgid(c, c);
    char buf[64];
    read(p[0], buf, 6);
    kill(c, SIGTSTP);
    long n = read(p[0], buf, sizeof buf);
    printf("  %.*s", (int)n, buf);
    r = waitpid(c, &st, WUNTRACED);
    show_status("  waitpid WUNTRACED", r == c, st);
    show_sigchld();

    printf("SIGCONT and stop signals discard each other while pending\n");
    int go[2];
    pipe(go);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        setpgid(0, 0);
        signal(SIGCONT, on_cont);
        sigset_t b;
        sigemptyset(&b);
        sigaddset(&b, SIGCONT);
        sigaddset(&b, SIGTSTP);
        sigaddset(&b, SIGTTIN);
        sigprocmask(SIG_BLOCK, &b, NULL);
        write(p[1], "r", 1);
        char x;
        read(go[0], &x, 1);
        sigset_t pend;
        sigpending(&pend);
        printf("  after SIGTSTP, SIGCONT: TSTP %d CONT %d\n", sigismember(&pend, SIGTSTP),
               sigismember(&pend, SIGCONT));
        fflush(stdout);
        write(p[1], "r", 1);
        read(go[0], &x, 1);
        sigpending(&pend);
        printf("  after SIGCONT, SIGTTIN: TTIN %d CONT %d\n", sigismember(&pend, SIGTTIN),
               sigismember(&pend, SIGCONT));
        fflush(stdout);
        _exit(0);
    }
    setpgid(c, c);
    read(p[0], buf, 1);
    kill(c, SIGTSTP);
    kill(c, SIGCONT);
    write(go[1], "g", 1);
    read(p[0], buf, 1);
    kill(c, SIGCONT);
    kill(c, SIGTTIN);
    write(go[1], "g", 1);
    r = waitpid(c, &st, 0);
    show_status("  child", r == c, st);
    show_sigchld();

    printf("orphaned process group\n");
    raise(SIGTSTP);
    raise(SIGTTIN);
    raise(SIGTTOU);
    printf("  the leader's own (orphaned) group ignored SIGTSTP, SIGTTIN, SIGTTOU\n");

    int hp[2];
    pipe(hp);
    fflush(stdout);
    pid_t m = fork();
    if (m == 0) {
        pid_t g = fork();
        if (g == 0) {
            setpgid(0, 0);
            close(hp[0]);
            hup_pipe = hp[1];
            signal(SIGHUP, on_hup);
            raise(SIGSTOP);
            write(hp[1], "G: continued\n", 13);
            _exit(0);
        }
        setpgid(g, g);
        waitpid(g, &st, WUNTRACED);
        _exit(WIFSTOPPED(st) ? 0 : 1);
    }
    close(hp[1]);
    r = waitpid(m, &st, 0);
    show_status("  middle process", r == m, st);
    show_sigchld();
    for (;;) {
        n = read(hp[0], buf, sizeof buf);
        if (n <= 0)
            break;
        printf("%.*s", (int)n, buf);
    }
}

int main(void) {
    /* Orphans come here, natively as in the sandbox (where this is PID 1). */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    setvbuf(stdout, NULL, _IOLBF, 0);
    fflush(stdout);
    pid_t s = fork();
    if (s == 0) {
        setsid();
        leader();
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(s, &st, 0);
    while (wait(NULL) > 0) {
    }
    printf("done\n");
    return 0;
}
