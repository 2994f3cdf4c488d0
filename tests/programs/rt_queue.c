/* Real-time signals queue, standard ones do not (signal(7)): five sigqueue()s of one RT
 * signal are five deliveries, in order, with their values; three of SIGUSR1 are one. Also
 * as handlers: a handler for an RT signal runs once per instance. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int runs, last;
static void on_rt(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)uc;
    runs++;
    last = si->si_value.sival_int;
}

int main(void) {
    int rt = SIGRTMIN + 2;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, rt);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    for (int i = 1; i <= 5; i++) sigqueue(getpid(), rt, (union sigval){.sival_int = i * 10});
    for (int i = 0; i < 3; i++) kill(getpid(), SIGUSR1);
    struct timespec zero = {0};
    siginfo_t si;
    int sig;
    while ((sig = sigtimedwait(&set, &si, &zero)) > 0)
        printf("took %s value %d\n", sig == rt ? "RTMIN+2" : "SIGUSR1", sig == rt ? si.si_value.sival_int : 0);
    /* With a handler: unblocking delivers each queued instance. */
    struct sigaction sa = {.sa_sigaction = on_rt, .sa_flags = SA_SIGINFO};
    sigaction(rt, &sa, NULL);
    for (int i = 1; i <= 4; i++) sigqueue(getpid(), rt, (union sigval){.sival_int = i});
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("handler ran %d times, last value %d\n", runs, last);
    return 0;
}
