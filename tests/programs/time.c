/* Clocks and sleeping. Prints only facts that hold in any correct run: monotonic time does not
 * go back, a 1 ms nanosleep returns 0 and takes at least 1 ms, and the wall clocks
 * (clock_gettime REALTIME, gettimeofday, time) agree with each other. Both the libc entry
 * points (vDSO natively) and raw syscalls are checked. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define YESNO(x) ((x) ? "yes" : "no")

static int64_t ns(struct timespec t) {
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(void) {
    struct timespec a, b, r;
    SHOW("clock_gettime MONOTONIC", clock_gettime(CLOCK_MONOTONIC, &a));
    int monotonic = 1;
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        monotonic &= ns(b) >= ns(a);
        a = b;
    }
    printf("MONOTONIC never goes back over 1000 reads: %s\n", YESNO(monotonic));
    printf("MONOTONIC tv_nsec in range: %s\n", YESNO(b.tv_nsec >= 0 && b.tv_nsec < 1000000000));
    printf("MONOTONIC positive: %s\n", YESNO(ns(b) > 0));

    struct timespec raw1, raw2;
    SHOW("raw clock_gettime MONOTONIC", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &raw1));
    clock_gettime(CLOCK_MONOTONIC, &b);
    SHOW("raw clock_gettime MONOTONIC again", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &raw2));
    printf("raw and libc MONOTONIC interleave in order: %s\n",
           YESNO(ns(raw1) <= ns(b) && ns(b) <= ns(raw2)));

    struct timespec req = {0, 1000000}, t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    SHOW("nanosleep 1ms", nanosleep(&req, NULL));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("nanosleep took at least 1ms: %s\n", YESNO(ns(t1) - ns(t0) >= 1000000));
    printf("nanosleep took less than 5s: %s\n", YESNO(ns(t1) - ns(t0) < 5000000000LL));
    struct timespec zero = {0, 0};
    SHOW("nanosleep 0", nanosleep(&zero, NULL));
    SHOW("clock_nanosleep MONOTONIC 1ms", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == 0 ? 0 : -1);
    struct timespec past = {0, 0};
    SHOW("clock_nanosleep ABSTIME in the past", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL) == 0 ? 0 : -1);

    struct timespec rt;
    struct timeval tv;
    SHOW("clock_gettime REALTIME", clock_gettime(CLOCK_REALTIME, &rt));
    SHOW("gettimeofday", gettimeofday(&tv, NULL));
    time_t t = time(NULL);
    struct timespec rt_raw;
    SHOW("raw clock_gettime REALTIME", syscall(SYS_clock_gettime, CLOCK_REALTIME, &rt_raw));
    struct timeval tv_raw;
    SHOW("raw gettimeofday", syscall(SYS_gettimeofday, &tv_raw, NULL));
    long t_raw = syscall(SYS_time, NULL);
    printf("REALTIME after 2020: %s\n", YESNO(rt.tv_sec > 1577836800));
    printf("gettimeofday within 2s of REALTIME: %s\n", YESNO(tv.tv_sec - rt.tv_sec <= 2 && tv.tv_sec >= rt.tv_sec));
    printf("time() within 2s of REALTIME: %s\n", YESNO(t - rt.tv_sec <= 2 && t >= rt.tv_sec));
    printf("raw REALTIME within 2s: %s\n", YESNO(rt_raw.tv_sec - rt.tv_sec <= 2 && rt_raw.tv_sec >= rt.tv_sec));
    printf("raw gettimeofday within 2s: %s, usec in range: %s\n",
           YESNO(tv_raw.tv_sec - rt.tv_sec <= 2 && tv_raw.tv_sec >= rt.tv_sec),
           YESNO(tv_raw.tv_usec >= 0 && tv_raw.tv_usec < 1000000));
    printf("raw time within 2s: %s\n", YESNO(t_raw - rt.tv_sec <= 2 && t_raw >= rt.tv_sec));

    SHOW("clock_getres MONOTONIC", clock_getres(CLOCK_MONOTONIC, &r));
    printf("clock_getres MONOTONIC = %ld.%09ld\n", (long)r.tv_sec, r.tv_nsec);
    SHOW("clock_getres REALTIME", clock_getres(CLOCK_REALTIME, &r));
    printf("clock_getres REALTIME = %ld.%09ld\n", (long)r.tv_sec, r.tv_nsec);
    SHOW("clock_gettime BOOTTIME", clock_gettime(CLOCK_BOOTTIME, &b));
    SHOW("clock_gettime MONOTONIC_COARSE", clock_gettime(CLOCK_MONOTONIC_COARSE, &b));
    SHOW("clock_gettime PROCESS_CPUTIME_ID", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b));
    printf("PROCESS_CPUTIME_ID is not negative: %s\n", YESNO(ns(b) >= 0));
    return 0;
}
