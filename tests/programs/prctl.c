/* prctl options, subreaper and parent-death signals, priorities and scheduler calls,
 * compared with Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
static void r(const char *w, long v) { printf("%-32s %ld %s\n", w, v, v < 0 ? strerrorname_np(errno) : ""); }
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    int x = -1;
    r("get pdeathsig", prctl(PR_GET_PDEATHSIG, &x)); printf("pdeathsig %d\n", x);
    r("set pdeathsig bad", prctl(PR_SET_PDEATHSIG, 999));
    r("get dumpable", prctl(PR_GET_DUMPABLE));
    r("set dumpable 2", prctl(PR_SET_DUMPABLE, 2));
    r("no_new_privs get", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    r("no_new_privs set", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    r("no_new_privs get", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    r("capbset read 0", prctl(PR_CAPBSET_READ, 0));
    r("capbset read 99", prctl(PR_CAPBSET_READ, 99));
    r("keepcaps", prctl(PR_GET_KEEPCAPS));
    r("subreaper set", prctl(PR_SET_CHILD_SUBREAPER, 1));
    /* An orphaned grandchild comes to us (the subreaper), not to init. */
    pid_t c = fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) { usleep(200000); _exit(7); }
        _exit(0);
    }
    int st; waitpid(c, &st, 0);
    pid_t got = wait(&st);
    printf("reaped grandchild: %s, status %d\n", got > 0 ? "yes" : "no", WEXITSTATUS(st));
    /* pdeathsig: a child learns its parent died. */
    c = fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) {
            prctl(PR_SET_PDEATHSIG, SIGUSR1);
            sigset_t s; sigemptyset(&s); sigaddset(&s, SIGUSR1); sigprocmask(SIG_BLOCK, &s, 0);
            int sig; struct timespec t = {5, 0};
            siginfo_t si;
            sig = sigtimedwait(&s, &si, &t);
            printf("grandchild got %s\n", sig == SIGUSR1 ? "SIGUSR1" : "nothing");
            _exit(0);
        }
        usleep(200000);
        _exit(0);
    }
    waitpid(c, &st, 0);
    wait(&st);
    r("getpriority", getpriority(PRIO_PROCESS, 0));
    r("setpriority 5", setpriority(PRIO_PROCESS, 0, 5));
    r("getpriority", getpriority(PRIO_PROCESS, 0));
    r("getpriority bad which", getpriority(99, 0));
    r("getpriority no pid", getpriority(PRIO_PROCESS, 99999));
    r("sched_getscheduler", sched_getscheduler(0));
    r("prio max fifo", sched_get_priority_max(SCHED_FIFO));
    r("prio min other", sched_get_priority_min(SCHED_OTHER));
    struct sched_param sp = {0};
    r("setscheduler other", sched_setscheduler(0, SCHED_OTHER, &sp));
    r("setscheduler bad", sched_setscheduler(0, 42, &sp));
    cpu_set_t cs; CPU_ZERO(&cs); CPU_SET(0, &cs);
    r("setaffinity cpu0", sched_setaffinity(0, sizeof cs, &cs));
    return 0;
}
