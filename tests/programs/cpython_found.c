/* Calls CPython's test suite (test_posix, test_time) found answered wrongly, each compared
 * with Linux: fexecve of a program and of a script (which its interpreter reads as
 * /dev/fd/N), sched_setaffinity read back by the thread, its new threads and its forks, the
 * affinity calls' errors, and clock_settime/settimeofday's errors. Prints one line each. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void show(const char *what, long r) {
    if (r < 0)
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %ld\n", what, r);
}

static void run_fexecve(const char *label, const char *path, char *const argv[]) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) _exit(100);
        fexecve(fd, argv, environ);
        printf("%s: fexecve failed: %s\n", label, strerrorname_np(errno));
        _exit(101);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("%s: exit %d\n", label, WEXITSTATUS(st));
}

static void show_mask(const char *who) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        printf("%s: getaffinity %s\n", who, strerrorname_np(errno));
        return;
    }
    printf("%s: %d CPUs, CPU0 %s\n", who, CPU_COUNT(&set), CPU_ISSET(0, &set) ? "in" : "out");
}

static void *thread_main(void *arg) {
    (void)arg;
    show_mask("new thread");
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2) return 2;
    /* fexecve: a program, and a script whose name is /dev/fd/N for its interpreter. */
    char *echo_argv[] = {"echo", "fexecve ran echo", NULL};
    run_fexecve("program", "/bin/echo", echo_argv);
    char script[4096];
    snprintf(script, sizeof script, "%s/script.sh", argv[1]);
    FILE *f = fopen(script, "w");
    fputs("#!/bin/sh\ncase \"$0\" in /dev/fd/*) echo \"script ran as /dev/fd/N\";; *) echo \"script ran as $0\";; esac\n", f);
    fclose(f);
    chmod(script, 0755);
    char *sh_argv[] = {"script", NULL};
    run_fexecve("script", script, sh_argv);

    /* Affinity: set, read back, inherited by threads and forks; errors. */
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    show("setaffinity to CPU0", sched_setaffinity(0, sizeof one, &one));
    show_mask("this thread");
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, NULL);
    fflush(stdout);
    if (fork() == 0) {
        show_mask("forked child");
        _exit(0);
    }
    wait(NULL);
    cpu_set_t none;
    CPU_ZERO(&none);
    show("setaffinity to no CPU", sched_setaffinity(0, sizeof none, &none));
    show("getaffinity of pid -1", sched_getaffinity(-1, sizeof one, &one));
    show("setaffinity of pid -1", sched_setaffinity(-1, sizeof one, &one));
    show("getaffinity, 4-byte buffer", syscall(SYS_sched_getaffinity, 0, 4, &one));
    show("getaffinity, bad buffer", syscall(SYS_sched_getaffinity, 0, sizeof one, (void *)8));
    show("setaffinity, bad buffer", syscall(SYS_sched_setaffinity, 0, sizeof one, (void *)8));

    /* Setting clocks: the errors before any privilege check. */
    struct timespec ts = {.tv_sec = 1, .tv_nsec = 0};
    show("clock_settime MONOTONIC", clock_settime(CLOCK_MONOTONIC, &ts));
    show("clock_settime BOOTTIME", clock_settime(CLOCK_BOOTTIME, &ts));
    show("clock_settime clock 99", clock_settime(99, &ts));
    show("clock_settime REALTIME bad pointer", syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8));
    struct timespec bad = {.tv_sec = 1, .tv_nsec = 2000000000};
    show("clock_settime REALTIME bad nsec", clock_settime(CLOCK_REALTIME, &bad));
    struct timeval badtv = {.tv_sec = 1, .tv_usec = 2000000};
    show("settimeofday bad usec", settimeofday(&badtv, NULL));
    show("settimeofday nothing", syscall(SYS_settimeofday, NULL, NULL));
    show("settimeofday bad pointer", syscall(SYS_settimeofday, (void *)8, NULL));
    return 0;
}
