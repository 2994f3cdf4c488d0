/* Signal-driven I/O: F_SETOWN, F_SETOWN_EX, F_SETSIG, O_ASYNC and FIOASYNC on sockets and
 * pipes, the siginfo an F_SETSIG signal carries, and the errors of each call. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static void check(const char *what, long r) {
    if (r < 0)
        printf("%s: %s\n", what, errname(errno));
    else
        printf("%s: %ld\n", what, r);
}

/* Waits up to two seconds for one of `set`; prints what came. */
static void await(const char *what, const sigset_t *set, int fd) {
    siginfo_t si;
    struct timespec ts = {2, 0};
    int sig = sigtimedwait(set, &si, &ts);
    if (sig < 0) {
        printf("%s: no signal (%s)\n", what, errname(errno));
        return;
    }
    if (sig == SIGIO) {
        printf("%s: SIGIO code %s\n", what, si.si_code == SI_KERNEL ? "SI_KERNEL" : "other");
        return;
    }
    printf("%s: SIGRTMIN+%d code %d fd %s band %#lx\n", what, sig - SIGRTMIN, si.si_code,
           si.si_fd == fd ? "matches" : "differs", (long)si.si_band);
}

int main(void) {
    /* A group of its own: the pipe below signals the whole process group. */
    setpgid(0, 0);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGIO);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &set, NULL);

    /* A socket with F_SETSIG: the signal carries si_fd and si_band. */
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    check("F_GETOWN fresh", fcntl(sv[0], F_GETOWN));
    check("F_SETOWN self", fcntl(sv[0], F_SETOWN, getpid()));
    check("F_GETOWN", fcntl(sv[0], F_GETOWN) == getpid());
    check("F_SETSIG RTMIN", fcntl(sv[0], F_SETSIG, SIGRTMIN));
    check("F_GETSIG", fcntl(sv[0], F_GETSIG) == SIGRTMIN);
    check("F_SETFL O_ASYNC", fcntl(sv[0], F_SETFL, O_ASYNC | O_NONBLOCK));
    check("F_GETFL has O_ASYNC", (fcntl(sv[0], F_GETFL) & O_ASYNC) != 0);
    write(sv[1], "x", 1);
    await("socket readable", &set, sv[0]);
    char buf[16];
    read(sv[0], buf, sizeof buf);

    /* A pipe with FIOASYNC and plain SIGIO, owned by the process group. */
    int p[2];
    pipe(p);
    int on = 1;
    check("F_SETOWN pgrp", fcntl(p[0], F_SETOWN, -getpgrp()));
    check("F_GETOWN pgrp", fcntl(p[0], F_GETOWN) == -getpgrp());
    check("FIOASYNC on", ioctl(p[0], FIOASYNC, &on));
    write(p[1], "y", 1);
    await("pipe readable", &set, p[0]);
    read(p[0], buf, sizeof buf);

    /* F_SETOWN_EX naming this thread, and F_SETSIG changed to another signal. */
    struct f_owner_ex ex = {F_OWNER_TID, gettid()};
    check("F_SETOWN_EX tid", fcntl(sv[0], F_SETOWN_EX, &ex));
    struct f_owner_ex got = {0, 0};
    check("F_GETOWN_EX", fcntl(sv[0], F_GETOWN_EX, &got));
    printf("owner_ex type %d pid %s\n", got.type, got.pid == gettid() ? "self" : "other");
    fcntl(sv[0], F_SETSIG, SIGRTMIN + 1);
    write(sv[1], "z", 1);
    await("socket readable again", &set, sv[0]);
    read(sv[0], buf, sizeof buf);

    /* O_ASYNC off: no more signals. */
    on = 0;
    check("FIOASYNC off", ioctl(p[0], FIOASYNC, &on));
    write(p[1], "w", 1);
    struct timespec ts = {0, 200 * 1000 * 1000};
    check("after FIOASYNC off", sigtimedwait(&set, NULL, &ts));

    /* Errors. */
    check("F_SETOWN no such pid", fcntl(sv[0], F_SETOWN, 0x3fffffff));
    check("F_SETOWN INT_MIN", fcntl(sv[0], F_SETOWN, -2147483647 - 1));
    check("F_SETSIG 65", fcntl(sv[0], F_SETSIG, 65));
    check("F_SETSIG -1", fcntl(sv[0], F_SETSIG, -1));
    struct f_owner_ex bad = {7, getpid()};
    check("F_SETOWN_EX bad type", fcntl(sv[0], F_SETOWN_EX, &bad));
    check("F_SETOWN_EX bad pointer", fcntl(sv[0], F_SETOWN_EX, (void *)8));
    int devnull = open("/dev/null", O_RDONLY);
    check("FIOASYNC /dev/null", ioctl(devnull, FIOASYNC, &(int){1}));
    check("F_SETFL O_ASYNC /dev/null", fcntl(devnull, F_SETFL, O_ASYNC));
    check("F_SETOWN 0", fcntl(sv[0], F_SETOWN, 0));
    check("F_GETOWN after 0", fcntl(sv[0], F_GETOWN));
    return 0;
}
