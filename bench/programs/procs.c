/* Process, thread and signal micro-benchmarks. Usage: procs MODE ITERATIONS
 * MODE: fork (fork+exit+wait), exec (fork+exec /bin/true+wait), thread (pthread create+join),
 * futex (futex wake/wait ping-pong between two threads, per round trip), signal (raise a
 * signal and return from its handler). Prints "MODE_us N" (microseconds per operation). */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *nothing(void *a) { return a; }

static atomic_int word;
static long rounds;

static void fwait(int val) { syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0); }
static void fwake(void) { syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0); }

static void *ponger(void *a) {
    for (long i = 0; i < rounds; i++) {
        while (atomic_load(&word) != 1)
            fwait(0);
        atomic_store(&word, 0);
        fwake();
    }
    return a;
}

static volatile sig_atomic_t hits;
static void handler(int s) { (void)s; hits++; }

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: procs fork|exec|thread|futex|signal N\n");
        return 2;
    }
    const char *mode = argv[1];
    long n = atol(argv[2]);
    double t0 = now();
    if (!strcmp(mode, "fork")) {
        for (long i = 0; i < n; i++) {
            pid_t c = fork();
            if (c == 0)
                _exit(0);
            waitpid(c, NULL, 0);
        }
    } else if (!strcmp(mode, "exec")) {
        for (long i = 0; i < n; i++) {
            pid_t c = fork();
            if (c == 0) {
                execl("/bin/true", "true", (char *)NULL);
                _exit(127);
            }
            waitpid(c, NULL, 0);
        }
    } else if (!strcmp(mode, "thread")) {
        for (long i = 0; i < n; i++) {
            pthread_t t;
            pthread_create(&t, NULL, nothing, NULL);
            pthread_join(t, NULL);
        }
    } else if (!strcmp(mode, "futex")) {
        rounds = n;
        pthread_t t;
        pthread_create(&t, NULL, ponger, NULL);
        for (long i = 0; i < n; i++) {
            atomic_store(&word, 1);
            fwake();
            while (atomic_load(&word) != 0)
                fwait(1);
        }
        pthread_join(t, NULL);
    } else if (!strcmp(mode, "signal")) {
        signal(SIGUSR1, handler);
        for (long i = 0; i < n; i++)
            raise(SIGUSR1);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    printf("%s_us %.2f\n", mode, (now() - t0) / n * 1e6);
    return 0;
}
