/* Resource usage of waited-for children: wait4 rusage, RUSAGE_CHILDREN, times. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
    pid_t c = fork();
    if (c == 0) { volatile unsigned long x = 0; for (unsigned long i = 0; i < 400000000UL; i++) x += i; _exit(0); }
    struct rusage ru; int st;
    wait4(c, &st, 0, &ru);
    double t = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
    printf("wait4 child user time > 0.05 s: %s, maxrss > 0: %s\n", t > 0.05 ? "yes" : "no", ru.ru_maxrss > 0 ? "yes" : "no");
    struct rusage rc; getrusage(RUSAGE_CHILDREN, &rc);
    double tc = rc.ru_utime.tv_sec + rc.ru_utime.tv_usec / 1e6;
    printf("RUSAGE_CHILDREN user time > 0.05 s: %s\n", tc > 0.05 ? "yes" : "no");
    struct tms tm; times(&tm);
    printf("times cutime > 0: %s\n", tm.tms_cutime > 0 ? "yes" : "no");
    return 0;
}
