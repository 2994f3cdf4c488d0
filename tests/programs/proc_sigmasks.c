/* /proc/self/status shows the signal state as Linux does: queued count, thread-pending, process-pending, blocked, ignored and caught masks, and NoNewPrivs (subprocess.Popen(restore_signals=True) is checked this way by CPython's test_subprocess). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
static void h(int s) { (void)s; }
int main(void) {
    /* Start from the defaults: a caller may have left some ignored (they are inherited). */
    struct { void *handler; unsigned long flags; void *restorer; unsigned long mask; } dfl = {0};
    for (int s = 1; s < 65; s++) /* raw: glibc's sigaction refuses its own 32 and 33 */
        if (s != SIGKILL && s != SIGSTOP) syscall(SYS_rt_sigaction, s, &dfl, NULL, 8);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGUSR1, h);
    signal(SIGTERM, h);
    sigset_t b; sigemptyset(&b); sigaddset(&b, SIGUSR2); sigaddset(&b, SIGHUP);
    sigprocmask(SIG_BLOCK, &b, NULL);
    raise(SIGUSR2);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (fgets(line, sizeof line, f))
        /* SigQ counts the whole user's queued signals on Linux: other programs' too. */
        if ((!strncmp(line, "Sig", 3) && strncmp(line, "SigQ", 4)) || !strncmp(line, "ShdPnd", 6) || !strncmp(line, "NoNewPrivs", 10)) fputs(line, stdout);
    return 0;
}
