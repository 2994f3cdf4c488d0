/* Timers: alarm, the itimers, POSIX timers, timerfds and times. `timers MODE` runs one part.
 * Prints only what holds in any correct run: exact values where Linux fixes them (intervals,
 * rounding, errnos, si_code), and comparisons ("yes") where they depend on scheduling. */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

/* Older glibc names the field only through its union. */
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define YESNO(x) ((x) ? "yes" : "no")

static volatile sig_atomic_t hits;
static volatile sig_atomic_t last_code, last_signo, last_value, last_timerid, last_overrun;
static volatile sig_atomic_t handler_getoverrun;
static timer_t overrun_timer;

static void on_signal(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    hits++;
    last_signo = sig;
    last_code = si->si_code;
    if (si->si_code == SI_TIMER) {
        last_value = si->si_value.sival_int;
        last_timerid = si->si_timerid;
        last_overrun = si->si_overrun;
    }
}

static void on_overrun(int sig, siginfo_t *si, void *uc) {
    on_signal(sig, si, uc);
    handler_getoverrun = timer_getoverrun(overrun_timer);
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *)) {
    struct sigaction sa = {0};
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static int64_t mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Waits (sleeping 1 ms at a time) until `hits` reaches n or ms milliseconds pass. */
static int wait_hits(int n, int ms) {
    int64_t end = mono_ns() + (int64_t)ms * 1000000;
    struct timespec one = {0, 1000000};
    while (hits < n && mono_ns() < end)
        nanosleep(&one, NULL);
    return hits >= n;
}

/* Burns CPU in app code (no syscalls) until `hits` reaches n or about ms of wall time pass. */
static volatile uint64_t sink;
static int spin_until_hits(int n, int ms) {
    int64_t end = mono_ns() + (int64_t)ms * 1000000;
    while (hits < n && mono_ns() < end)
        for (int i = 0; i < 1000000 && hits < n; i++)
            sink += i;
    return hits >= n;
}

static int64_t tv_us(struct timeval t) {
    return (int64_t)t.tv_sec * 1000000 + t.tv_usec;
}

static int64_t ts_ns(struct timespec t) {
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void alarm_mode(void) {
    SHOW("alarm(0) with none set", alarm(0));
    SHOW("alarm(5)", alarm(5));
    SHOW("alarm(3) returns the old one, rounded", alarm(3));
    SHOW("alarm(0) cancels, returns", alarm(0));
    SHOW("alarm(0) again", alarm(0));
    handle(SIGALRM, on_signal);
    hits = 0;
    alarm(1);
    int64_t t0 = mono_ns();
    SHOW("pause", pause());
    printf("SIGALRM handled: %s, si_code %d\n", YESNO(hits == 1), (int)last_code);
    printf("alarm took about 1s: %s\n", YESNO(mono_ns() - t0 >= 900000000LL));
    SHOW("alarm(0) after it fired", alarm(0));

    /* Not inherited by a child. */
    alarm(10);
    pid_t pid = fork();
    if (pid == 0) {
        printf("child: alarm(0) = %u\n", alarm(0));
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("parent: alarm(0) = %s\n", YESNO(alarm(0) == 10));
}

static void itimer_mode(void) {
    struct itimerval cur, old;
    SHOW("getitimer REAL unset", getitimer(ITIMER_REAL, &cur));
    printf("unset: value %lld interval %lld\n", (long long)tv_us(cur.it_value),
           (long long)tv_us(cur.it_interval));
    handle(SIGALRM, on_signal);
    hits = 0;
    struct itimerval every = {{0, 50000}, {0, 50000}};
    SHOW("setitimer REAL 50ms/50ms", setitimer(ITIMER_REAL, &every, &old));
    printf("old: value %lld interval %lld\n", (long long)tv_us(old.it_value),
           (long long)tv_us(old.it_interval));
    SHOW("getitimer REAL", getitimer(ITIMER_REAL, &cur));
    printf("value in (0, 50ms]: %s, interval %lld\n",
           YESNO(tv_us(cur.it_value) > 0 && tv_us(cur.it_value) <= 50000),
           (long long)tv_us(cur.it_interval));
    int64_t t0 = mono_ns();
    int got = wait_hits(3, 5000);
    printf("3 SIGALRMs: %s\n", YESNO(got));
    printf("they took at least 150ms: %s\n", YESNO(mono_ns() - t0 >= 140000000LL));
    printf("si_code %d\n", (int)last_code);
    struct itimerval off = {{0, 0}, {0, 0}};
    SHOW("setitimer REAL off", setitimer(ITIMER_REAL, &off, &old));
    printf("old: value in (0, 50ms]: %s, interval %lld\n",
           YESNO(tv_us(old.it_value) > 0 && tv_us(old.it_value) <= 50000),
           (long long)tv_us(old.it_interval));
    int before = hits;
    struct timespec pause_ts = {0, 150000000};
    nanosleep(&pause_ts, NULL);
    printf("no SIGALRM after cancel: %s\n", YESNO(hits == before));
    SHOW("getitimer REAL off", getitimer(ITIMER_REAL, &cur));
    printf("off: value %lld interval %lld\n", (long long)tv_us(cur.it_value),
           (long long)tv_us(cur.it_interval));

    /* A value of 0 disarms whatever the interval says. */
    struct itimerval iv_only = {{1, 0}, {0, 0}};
    SHOW("setitimer REAL interval only", setitimer(ITIMER_REAL, &iv_only, NULL));
    getitimer(ITIMER_REAL, &cur);
    printf("interval only: value %lld interval %lld\n", (long long)tv_us(cur.it_value),
           (long long)tv_us(cur.it_interval));

    /* A long one-shot, read back, then cancelled by alarm(0). */
    struct itimerval once = {{0, 0}, {2, 500000}};
    setitimer(ITIMER_REAL, &once, NULL);
    printf("alarm(0) after a 2.5s itimer: %u\n", alarm(0));

    struct itimerval bad_usec = {{0, 0}, {0, 1000000}};
    SHOW("setitimer usec 1000000", setitimer(ITIMER_REAL, &bad_usec, NULL));
    struct itimerval neg = {{0, 0}, {-1, 0}};
    SHOW("setitimer negative sec", setitimer(ITIMER_REAL, &neg, NULL));
    struct itimerval bad_iv = {{0, -1}, {1, 0}};
    SHOW("setitimer negative interval usec", setitimer(ITIMER_REAL, &bad_iv, NULL));
    SHOW("setitimer which 3", syscall(SYS_setitimer, 3, &off, NULL));
    SHOW("setitimer which -1", syscall(SYS_setitimer, -1, &off, NULL));
    SHOW("setitimer which 3 bad usec", syscall(SYS_setitimer, 3, &bad_usec, NULL));
    SHOW("getitimer which 3", syscall(SYS_getitimer, 3, &cur));
    SHOW("getitimer bad pointer", syscall(SYS_getitimer, ITIMER_REAL, (void *)8));
    SHOW("setitimer bad pointer", syscall(SYS_setitimer, ITIMER_REAL, (void *)8, NULL));
}

static void cpu_mode(void) {
    struct itimerval cur;
    handle(SIGVTALRM, on_signal);
    handle(SIGPROF, on_signal);
    hits = 0;
    struct itimerval v = {{0, 0}, {0, 50000}};
    SHOW("setitimer VIRTUAL 50ms", setitimer(ITIMER_VIRTUAL, &v, NULL));
    getitimer(ITIMER_VIRTUAL, &cur);
    printf("VIRTUAL armed: %s\n", YESNO(tv_us(cur.it_value) > 0));
    int spun = spin_until_hits(1, 10000);
    printf("SIGVTALRM while spinning: %s", YESNO(spun));
    printf(" (signal %s)\n", last_signo == SIGVTALRM ? "SIGVTALRM" : "other");
    getitimer(ITIMER_VIRTUAL, &cur);
    printf("VIRTUAL one-shot now off: %s\n", YESNO(tv_us(cur.it_value) == 0));

    hits = 0;
    struct itimerval p = {{0, 30000}, {0, 30000}};
    SHOW("setitimer PROF 30ms/30ms", setitimer(ITIMER_PROF, &p, NULL));
    spun = spin_until_hits(2, 10000);
    printf("2 SIGPROFs while spinning: %s", YESNO(spun));
    printf(" (signal %s, si_code %d)\n", last_signo == SIGPROF ? "SIGPROF" : "other",
           (int)last_code);
    struct itimerval off = {{0, 0}, {0, 0}}, old;
    setitimer(ITIMER_PROF, &off, &old);
    printf("PROF old interval %lld\n", (long long)tv_us(old.it_interval));

    /* A POSIX timer on the process's CPU clock. */
    timer_t t;
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 7;
    handle(SIGUSR1, on_signal);
    hits = 0;
    SHOW("timer_create PROCESS_CPUTIME_ID", timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &t));
    struct itimerspec its = {{0, 0}, {0, 40000000}};
    SHOW("timer_settime 40ms of CPU", timer_settime(t, 0, &its, NULL));
    spun = spin_until_hits(1, 10000);
    printf("CPU-time timer fired while spinning: %s (value %d)\n", YESNO(spun), (int)last_value);
    timer_delete(t);
    SHOW("timer_create THREAD_CPUTIME_ID", timer_create(CLOCK_THREAD_CPUTIME_ID, &ev, &t));
    hits = 0;
    SHOW("timer_settime 40ms of thread CPU", timer_settime(t, 0, &its, NULL));
    spun = spin_until_hits(1, 10000);
    printf("thread CPU-time timer fired while spinning: %s\n", YESNO(spun));
    timer_delete(t);
}

static void posix_mode(void) {
    handle(SIGUSR1, on_signal);
    handle(SIGALRM, on_signal);

    timer_t t;
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 42;
    SHOW("timer_create MONOTONIC SIGUSR1", timer_create(CLOCK_MONOTONIC, &ev, &t));
    struct itimerspec cur;
    SHOW("timer_gettime unarmed", timer_gettime(t, &cur));
    printf("unarmed: %lld %lld\n", (long long)ts_ns(cur.it_value), (long long)ts_ns(cur.it_interval));
    hits = 0;
    struct itimerspec once = {{0, 0}, {0, 50000000}};
    int64_t t0 = mono_ns();
    SHOW("timer_settime 50ms", timer_settime(t, 0, &once, NULL));
    timer_gettime(t, &cur);
    printf("armed: value in (0, 50ms]: %s, interval %lld\n",
           YESNO(ts_ns(cur.it_value) > 0 && ts_ns(cur.it_value) <= 50000000),
           (long long)ts_ns(cur.it_interval));
    int got = wait_hits(1, 5000);
    printf("fired: %s\n", YESNO(got));
    printf("after at least 50ms: %s\n", YESNO(mono_ns() - t0 >= 50000000));
    printf("signo %s, si_code SI_TIMER: %s, value %d, si_timerid matches: %s, overrun %d\n",
           last_signo == SIGUSR1 ? "SIGUSR1" : "other", YESNO(last_code == SI_TIMER),
           (int)last_value, YESNO(last_timerid == (int)(intptr_t)t), (int)last_overrun);
    timer_gettime(t, &cur);
    printf("one-shot after firing: %lld %lld\n", (long long)ts_ns(cur.it_value),
           (long long)ts_ns(cur.it_interval));
    SHOW("timer_getoverrun", timer_getoverrun(t));

    /* Interval: three signals, then disarm and read the old setting. */
    hits = 0;
    struct itimerspec every = {{0, 30000000}, {0, 30000000}}, old;
    timer_settime(t, 0, &every, NULL);
    got = wait_hits(3, 5000);
    printf("3 periodic signals: %s\n", YESNO(got));
    struct itimerspec off = {{0, 0}, {0, 0}};
    SHOW("timer_settime off", timer_settime(t, 0, &off, &old));
    printf("old: value in (0, 30ms]: %s, interval %lld\n",
           YESNO(ts_ns(old.it_value) > 0 && ts_ns(old.it_value) <= 30000000),
           (long long)ts_ns(old.it_interval));

    /* TIMER_ABSTIME on CLOCK_MONOTONIC, 50 ms ahead. */
    hits = 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t target = ts_ns(now) + 50000000;
    struct itimerspec abs = {{0, 0}, {target / 1000000000, target % 1000000000}};
    SHOW("timer_settime ABSTIME +50ms", timer_settime(t, TIMER_ABSTIME, &abs, NULL));
    got = wait_hits(1, 5000);
    printf("ABSTIME fired: %s, not early: %s\n", YESNO(got), YESNO(mono_ns() >= target));
    /* In the past: fires at once. */
    hits = 0;
    struct itimerspec past = {{0, 0}, {0, 1}};
    SHOW("timer_settime ABSTIME in the past", timer_settime(t, TIMER_ABSTIME, &past, NULL));
    printf("past ABSTIME fired: %s\n", YESNO(wait_hits(1, 5000)));
    SHOW("timer_delete", timer_delete(t));
    SHOW("timer_delete again", syscall(SYS_timer_delete, (int)(intptr_t)t));

    /* No sigevent (raw: glibc passes one of its own): SIGALRM with the timer id as value. */
    int d;
    SHOW("timer_create NULL sigevent", syscall(SYS_timer_create, CLOCK_REALTIME, NULL, &d));
    hits = 0;
    struct itimerspec soon = {{0, 0}, {0, 20000000}};
    syscall(SYS_timer_settime, d, 0, &soon, NULL);
    got = wait_hits(1, 5000);
    printf("default SIGALRM: %s, value is the id: %s, si_code SI_TIMER: %s\n",
           YESNO(got && last_signo == SIGALRM), YESNO(last_value == d),
           YESNO(last_code == SI_TIMER));
    syscall(SYS_timer_delete, d);

    /* SIGEV_NONE: counts down, sends nothing. */
    timer_t n;
    struct sigevent none = {0};
    none.sigev_notify = SIGEV_NONE;
    SHOW("timer_create SIGEV_NONE", timer_create(CLOCK_BOOTTIME, &none, &n));
    hits = 0;
    struct itimerspec none_its = {{0, 0}, {0, 30000000}};
    timer_settime(n, 0, &none_its, NULL);
    timer_gettime(n, &cur);
    printf("SIGEV_NONE armed: %s\n", YESNO(ts_ns(cur.it_value) > 0));
    struct timespec sixty = {0, 60000000};
    nanosleep(&sixty, NULL);
    timer_gettime(n, &cur);
    printf("SIGEV_NONE expired: value %lld, signals %d\n", (long long)ts_ns(cur.it_value),
           (int)hits);
    struct itimerspec none_iv = {{0, 20000000}, {0, 20000000}};
    timer_settime(n, 0, &none_iv, NULL);
    nanosleep(&sixty, NULL);
    timer_gettime(n, &cur);
    printf("SIGEV_NONE periodic: value in (0, 20ms]: %s\n",
           YESNO(ts_ns(cur.it_value) > 0 && ts_ns(cur.it_value) <= 20000000));
    timer_delete(n);

    /* SIGEV_THREAD_ID to this very thread. */
    timer_t th;
    struct sigevent tid_ev = {0};
    tid_ev.sigev_notify = SIGEV_THREAD_ID;
    tid_ev.sigev_signo = SIGUSR1;
    tid_ev.sigev_value.sival_int = 99;
    tid_ev.sigev_notify_thread_id = gettid();
    SHOW("timer_create SIGEV_THREAD_ID", timer_create(CLOCK_MONOTONIC, &tid_ev, &th));
    hits = 0;
    timer_settime(th, 0, &soon, NULL);
    got = wait_hits(1, 5000);
    printf("SIGEV_THREAD_ID delivered: %s, value %d\n", YESNO(got), (int)last_value);
    timer_delete(th);

    /* A re-armed timer's pending signal is dropped (Linux 6.13 and later). */
    sigset_t usr1, oldmask;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    timer_create(CLOCK_MONOTONIC, &ev, &t);
    sigprocmask(SIG_BLOCK, &usr1, &oldmask);
    struct itimerspec fast = {{0, 0}, {0, 5000000}};
    timer_settime(t, 0, &fast, NULL);
    struct timespec thirty = {0, 30000000};
    nanosleep(&thirty, NULL);
    sigset_t pend;
    sigpending(&pend);
    printf("pending while blocked: %s\n", YESNO(sigismember(&pend, SIGUSR1)));
    hits = 0;
    timer_delete(t);
    sigprocmask(SIG_SETMASK, &oldmask, NULL);
    printf("delivered after timer_delete: %s\n", YESNO(hits > 0));
}

static void overrun_mode(void) {
    handle(SIGUSR2, on_overrun);
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR2;
    SHOW("timer_create", timer_create(CLOCK_MONOTONIC, &ev, &overrun_timer));
    sigset_t usr2, oldmask;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigprocmask(SIG_BLOCK, &usr2, &oldmask);
    hits = 0;
    struct itimerspec every = {{0, 10000000}, {0, 10000000}};
    timer_settime(overrun_timer, 0, &every, NULL);
    struct timespec wait = {0, 250000000};
    nanosleep(&wait, NULL);
    struct itimerspec off = {{0, 0}, {0, 0}};
    /* Stop it from the handler's point of view: block delivery until it is read. */
    sigprocmask(SIG_SETMASK, &oldmask, NULL);
    int got = wait_hits(1, 5000);
    printf("one signal for many expirations: %s\n", YESNO(got));
    printf("si_overrun > 5: %s, timer_getoverrun in the handler agrees: %s\n",
           YESNO(last_overrun > 5), YESNO(handler_getoverrun == last_overrun));
    timer_settime(overrun_timer, 0, &off, NULL);
    SHOW("timer_getoverrun after re-arming", timer_getoverrun(overrun_timer));
    timer_delete(overrun_timer);
}

static atomic_int callbacks;
static sem_t fired;
static pthread_t main_thread;
static atomic_int other_thread;

static void callback(union sigval v) {
    if (v.sival_int == 1234)
        atomic_fetch_add(&callbacks, 1);
    if (!pthread_equal(pthread_self(), main_thread))
        atomic_store(&other_thread, 1);
    sem_post(&fired);
}

static void thread_mode(void) {
    main_thread = pthread_self();
    sem_init(&fired, 0, 0);
    timer_t t;
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_THREAD;
    ev.sigev_notify_function = callback;
    ev.sigev_value.sival_int = 1234;
    SHOW("timer_create SIGEV_THREAD", timer_create(CLOCK_MONOTONIC, &ev, &t));
    struct itimerspec every = {{0, 30000000}, {0, 30000000}};
    SHOW("timer_settime 30ms/30ms", timer_settime(t, 0, &every, NULL));
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 5;
        while (sem_timedwait(&fired, &deadline) == -1 && errno == EINTR)
            ;
        if (errno == ETIMEDOUT)
            ok = 0;
    }
    SHOW("timer_delete", timer_delete(t));
    printf("3 callbacks ran: %s, with the value: %s, on another thread: %s\n", YESNO(ok),
           YESNO(atomic_load(&callbacks) >= 3), YESNO(atomic_load(&other_thread)));
}

static void timerfd_mode(void) {
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    printf("timerfd_create: %s\n", YESNO(fd >= 0));
    struct itimerspec cur;
    SHOW("timerfd_gettime unarmed", timerfd_gettime(fd, &cur));
    printf("unarmed: %lld %lld\n", (long long)ts_ns(cur.it_value), (long long)ts_ns(cur.it_interval));
    struct itimerspec every = {{0, 50000000}, {0, 50000000}};
    SHOW("timerfd_settime 50ms/50ms", timerfd_settime(fd, 0, &every, NULL));
    timerfd_gettime(fd, &cur);
    printf("armed: value in (0, 50ms]: %s, interval %lld\n",
           YESNO(ts_ns(cur.it_value) > 0 && ts_ns(cur.it_value) <= 50000000),
           (long long)ts_ns(cur.it_interval));
    struct pollfd pfd = {fd, POLLIN, 0};
    printf("poll before expiry: %d\n", poll(&pfd, 1, 0));
    int64_t t0 = mono_ns();
    int r = poll(&pfd, 1, 5000);
    printf("poll: %d, revents POLLIN: %s, after 40ms or more: %s\n", r,
           YESNO(pfd.revents == POLLIN), YESNO(mono_ns() - t0 >= 40000000));
    uint64_t count = 0;
    SHOW("read", read(fd, &count, sizeof count));
    printf("count >= 1: %s\n", YESNO(count >= 1));

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event e = {.events = EPOLLIN, .data.u32 = 77};
    SHOW("epoll_ctl ADD", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e));
    struct epoll_event got;
    int n = epoll_wait(ep, &got, 1, 5000);
    printf("epoll_wait: %d, data %u, EPOLLIN: %s\n", n, got.data.u32, YESNO(got.events == EPOLLIN));
    SHOW("read", read(fd, &count, sizeof count));
    /* A blocking read waits for the next expiry. */
    t0 = mono_ns();
    count = 0;
    SHOW("blocking read", read(fd, &count, sizeof count));
    printf("blocked until an expiry: %s, count >= 1: %s\n", YESNO(mono_ns() - t0 >= 10000000),
           YESNO(count >= 1));
    /* A signal interrupts a blocking read: restarted with SA_RESTART, else EINTR. */
    struct sigaction sa = {0};
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval in20 = {{0, 0}, {0, 20000}};
    struct itimerspec in100 = {{0, 0}, {0, 100000000}};
    timerfd_settime(fd, 0, &in100, NULL);
    hits = 0;
    setitimer(ITIMER_REAL, &in20, NULL);
    SHOW("read across an SA_RESTART handler", read(fd, &count, sizeof count));
    printf("the handler ran: %s\n", YESNO(hits == 1));
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGALRM, &sa, NULL);
    timerfd_settime(fd, 0, &in100, NULL);
    setitimer(ITIMER_REAL, &in20, NULL);
    SHOW("read interrupted without SA_RESTART", read(fd, &count, sizeof count));

    struct itimerspec off = {{0, 0}, {0, 0}}, old;
    SHOW("timerfd_settime off", timerfd_settime(fd, 0, &off, &old));
    printf("old interval %lld, value in (0, 100ms]: %s\n", (long long)ts_ns(old.it_interval),
           YESNO(ts_ns(old.it_value) > 0 && ts_ns(old.it_value) <= 100000000));
    close(ep);
    close(fd);

    /* Non-blocking: EAGAIN with nothing to read. */
    fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    SHOW("read unarmed nonblocking", read(fd, &count, sizeof count));
    /* Absolute, 1 s in the past, every 100 ms: 11 or so expirations at once. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct itimerspec past = {{0, 100000000}, {now.tv_sec - 1, now.tv_nsec}};
    SHOW("timerfd_settime ABSTIME 1s ago, 100ms", timerfd_settime(fd, TFD_TIMER_ABSTIME, &past, NULL));
    struct pollfd pfd2 = {fd, POLLIN, 0};
    poll(&pfd2, 1, 5000);
    count = 0;
    SHOW("read", read(fd, &count, sizeof count));
    printf("count >= 10: %s, count <= 20: %s\n", YESNO(count >= 10), YESNO(count <= 20));
    SHOW("read again", read(fd, &count, sizeof count));
    /* settime resets the count. */
    struct itimerspec once = {{0, 0}, {0, 1}};
    timerfd_settime(fd, 0, &once, NULL);
    poll(&pfd2, 1, 5000);
    struct itimerspec later = {{0, 0}, {10, 0}};
    timerfd_settime(fd, 0, &later, NULL);
    SHOW("read after re-arming", read(fd, &count, sizeof count));
    uint32_t small;
    SHOW("read 4 bytes", read(fd, &small, sizeof small));
    SHOW("write", write(fd, &count, sizeof count));
    close(fd);
}

static void einval_mode(void) {
    SHOW("timerfd_create bad clock", timerfd_create(99, 0));
    SHOW("timerfd_create PROCESS_CPUTIME_ID", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
    SHOW("timerfd_create MONOTONIC_RAW", timerfd_create(CLOCK_MONOTONIC_RAW, 0));
    SHOW("timerfd_create bad flags", timerfd_create(CLOCK_MONOTONIC, 1));
    int fd = timerfd_create(CLOCK_BOOTTIME, 0);
    struct itimerspec ok = {{0, 0}, {1, 0}};
    struct itimerspec bad_ns = {{0, 0}, {0, 1000000000}};
    struct itimerspec neg = {{-1, 0}, {1, 0}};
    SHOW("timerfd_settime bad flags", timerfd_settime(fd, 4, &ok, NULL));
    SHOW("timerfd_settime bad nsec", timerfd_settime(fd, 0, &bad_ns, NULL));
    SHOW("timerfd_settime negative interval", timerfd_settime(fd, 0, &neg, NULL));
    SHOW("timerfd_settime bad fd", timerfd_settime(999, 0, &ok, NULL));
    SHOW("timerfd_settime bad fd and flags", timerfd_settime(999, 4, &ok, NULL));
    SHOW("timerfd_settime bad pointer", syscall(SYS_timerfd_settime, fd, 0, (void *)8, NULL));
    SHOW("timerfd_settime NULL", syscall(SYS_timerfd_settime, fd, 0, NULL, NULL));
    int p[2];
    pipe(p);
    SHOW("timerfd_settime on a pipe", timerfd_settime(p[0], 0, &ok, NULL));
    struct itimerspec cur;
    SHOW("timerfd_gettime on a pipe", timerfd_gettime(p[0], &cur));
    SHOW("timerfd_gettime bad fd", timerfd_gettime(999, &cur));
    SHOW("timerfd_gettime bad pointer", syscall(SYS_timerfd_gettime, fd, (void *)8));
    SHOW("timerfd_settime CANCEL_ON_SET|ABSTIME", timerfd_settime(fd, 3, &ok, NULL));
    close(fd);

    int id;
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    SHOW("timer_create bad clock", syscall(SYS_timer_create, 99, &ev, &id));
    SHOW("timer_create MONOTONIC_RAW", syscall(SYS_timer_create, CLOCK_MONOTONIC_RAW, &ev, &id));
    SHOW("timer_create REALTIME_COARSE", syscall(SYS_timer_create, CLOCK_REALTIME_COARSE, &ev, &id));
    SHOW("timer_create bad sigevent pointer", syscall(SYS_timer_create, CLOCK_MONOTONIC, (void *)8, &id));
    SHOW("timer_create bad clock and sigevent pointer", syscall(SYS_timer_create, 99, (void *)8, &id));
    ev.sigev_signo = 0;
    SHOW("timer_create signal 0", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id));
    ev.sigev_signo = 65;
    SHOW("timer_create signal 65", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id));
    ev.sigev_signo = SIGUSR1;
    ev.sigev_notify = 99;
    SHOW("timer_create sigev_notify 99", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id));
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_notify_thread_id = 999999;
    SHOW("timer_create SIGEV_THREAD_ID bad tid", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id));
    ev.sigev_notify = SIGEV_NONE;
    ev.sigev_signo = 0;
    SHOW("timer_create SIGEV_NONE signal 0", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id));
    SHOW("timer_settime NULL value", syscall(SYS_timer_settime, id, 0, NULL, NULL));
    SHOW("timer_settime bad nsec", syscall(SYS_timer_settime, id, 0, &bad_ns, NULL));
    SHOW("timer_settime negative", syscall(SYS_timer_settime, id, 0, &neg, NULL));
    SHOW("timer_settime bad pointer", syscall(SYS_timer_settime, id, 0, (void *)8, NULL));
    SHOW("timer_settime bad id", syscall(SYS_timer_settime, 123456, 0, &ok, NULL));
    SHOW("timer_settime bad id, bad nsec", syscall(SYS_timer_settime, 123456, 0, &bad_ns, NULL));
    SHOW("timer_settime unknown flags", syscall(SYS_timer_settime, id, 0x10, &ok, NULL));
    SHOW("timer_gettime bad id", syscall(SYS_timer_gettime, 123456, &cur));
    SHOW("timer_gettime bad pointer", syscall(SYS_timer_gettime, id, (void *)8));
    SHOW("timer_getoverrun bad id", syscall(SYS_timer_getoverrun, 123456));
    SHOW("timer_delete bad id", syscall(SYS_timer_delete, 123456));
    struct itimerspec huge = {{0x7fffffffffffffffLL, 999999999}, {0x7fffffffffffffffLL, 999999999}};
    SHOW("timer_settime far future", syscall(SYS_timer_settime, id, 0, &huge, NULL));
    SHOW("timer_settime far future ABSTIME", syscall(SYS_timer_settime, id, TIMER_ABSTIME, &huge, NULL));
    fd = timerfd_create(CLOCK_MONOTONIC, 0);
    SHOW("timerfd_settime far future", timerfd_settime(fd, 0, &huge, NULL));
    close(fd);
    struct itimerval huge_tv = {{0x7fffffffffffffffLL, 999999}, {0x7fffffffffffffffLL, 999999}};
    SHOW("setitimer far future", setitimer(ITIMER_REAL, &huge_tv, NULL));
    SHOW("setitimer VIRTUAL far future", setitimer(ITIMER_VIRTUAL, &huge_tv, NULL));
    alarm(0);
    SHOW("timer_delete", syscall(SYS_timer_delete, id));
    SHOW("timer_delete -1", syscall(SYS_timer_delete, -1));
}

/* Linux's clock id for a process's CPU clock (clock_getcpuclockid(3)). */
static clockid_t cpuclock(int pid, int which) {
    return (clockid_t)(((unsigned)~pid << 3) | (unsigned)which);
}

static void *spin_thread(void *arg) {
    (void)arg;
    int64_t end = mono_ns() + 50000000;
    while (mono_ns() < end)
        for (int i = 0; i < 100000; i++)
            sink += i;
    return NULL;
}

static void times_mode(void) {
    struct tms t0, t1;
    clock_t c0 = times(&t0);
    printf("times: %s\n", YESNO(c0 != (clock_t)-1));
    spin_until_hits(1, 200);
    clock_t c1 = times(&t1);
    printf("times goes on: %s, utime+stime grew: %s, children 0: %s\n", YESNO(c1 >= c0),
           YESNO(t1.tms_utime + t1.tms_stime > t0.tms_utime + t0.tms_stime),
           YESNO(t1.tms_cutime == 0 && t1.tms_cstime == 0));
    SHOW("times(NULL)", times(NULL) == (clock_t)-1 ? -1 : 0);
    SHOW("times bad pointer", syscall(SYS_times, (void *)8));

    struct timespec res;
    SHOW("clock_getres PROCESS_CPUTIME_ID", clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res));
    printf("  %lld ns\n", (long long)ts_ns(res));
    SHOW("clock_getres THREAD_CPUTIME_ID", clock_getres(CLOCK_THREAD_CPUTIME_ID, &res));
    printf("  %lld ns\n", (long long)ts_ns(res));
    struct timespec a, b;
    SHOW("clock_gettime PROCESS_CPUTIME_ID", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a));
    spin_until_hits(1, 50);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    printf("process CPU time grew: %s\n", YESNO(ts_ns(b) > ts_ns(a)));
    SHOW("clock_gettime THREAD_CPUTIME_ID", clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a));
    spin_until_hits(1, 50);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    printf("thread CPU time grew: %s\n", YESNO(ts_ns(b) > ts_ns(a)));

    clockid_t cid;
    SHOW("clock_getcpuclockid self", clock_getcpuclockid(getpid(), &cid));
    SHOW("clock_gettime on it", clock_gettime(cid, &a));
    pthread_t th;
    pthread_create(&th, NULL, spin_thread, NULL);
    SHOW("pthread_getcpuclockid", pthread_getcpuclockid(th, &cid));
    SHOW("clock_gettime of the other thread", clock_gettime(cid, &a));
    pthread_join(th, NULL);
    /* Bad ids: a PID that does not exist, and CPUCLOCK_MAX. */
    SHOW("clock_gettime pid 999999", syscall(SYS_clock_gettime, cpuclock(999999, 2), &a));
    SHOW("clock_gettime which 3", syscall(SYS_clock_gettime, cpuclock(0, 3), &a));
    SHOW("clock_getres which 3", syscall(SYS_clock_getres, cpuclock(0, 3), &a));
}

/* Across execve: the alarm stays, POSIX timers go. */
static void exec_mode(char *self) {
    alarm(5);
    int id;
    syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &id);
    struct itimerval v = {{0, 0}, {100, 0}};
    setitimer(ITIMER_VIRTUAL, &v, NULL);
    char arg[16];
    snprintf(arg, sizeof arg, "%d", id);
    char *argv[] = {self, "after-exec", arg, NULL};
    execv(self, argv);
    perror("execv");
}

static void after_exec_mode(int id) {
    unsigned left = alarm(0);
    printf("alarm left after execve: %s\n", YESNO(left >= 4 && left <= 5));
    SHOW("timer_delete of a timer made before execve", syscall(SYS_timer_delete, id));
    struct itimerval cur;
    getitimer(ITIMER_VIRTUAL, &cur);
    printf("ITIMER_VIRTUAL kept: %s\n", YESNO(cur.it_value.tv_sec >= 99 && cur.it_value.tv_sec <= 100));
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "alarm"))
        alarm_mode();
    else if (!strcmp(mode, "itimer"))
        itimer_mode();
    else if (!strcmp(mode, "cpu"))
        cpu_mode();
    else if (!strcmp(mode, "posix"))
        posix_mode();
    else if (!strcmp(mode, "overrun"))
        overrun_mode();
    else if (!strcmp(mode, "thread"))
        thread_mode();
    else if (!strcmp(mode, "timerfd"))
        timerfd_mode();
    else if (!strcmp(mode, "einval"))
        einval_mode();
    else if (!strcmp(mode, "times"))
        times_mode();
    else if (!strcmp(mode, "exec"))
        exec_mode(argv[0]);
    else if (!strcmp(mode, "after-exec") && argc > 2)
        after_exec_mode(atoi(argv[2]));
    else {
        fprintf(stderr, "usage: timers alarm|itimer|cpu|posix|overrun|thread|timerfd|einval|times|exec\n");
        return 2;
    }
    return 0;
}
