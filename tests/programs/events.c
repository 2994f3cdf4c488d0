/* Readiness and event files: signalfd and inotify. argv[1] is a scratch directory for the
 * inotify part. Prints what it observed, never wd numbers or cookies. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

static void show(const char *what, long r) {
    if (r < 0)
        printf("%s: %s\n", what, errname(errno));
    else
        printf("%s: %ld\n", what, r);
}

static void read_signals(int fd, size_t len) {
    struct signalfd_siginfo si[4];
    ssize_t n = read(fd, si, len);
    if (n < 0) {
        printf("read(%zu): %s\n", len, errname(errno));
        return;
    }
    for (ssize_t i = 0; i < n / (ssize_t)sizeof si[0]; i++)
        printf("read: signo %u code %d pid %s\n", si[i].ssi_signo, si[i].ssi_code,
               si[i].ssi_pid == (unsigned)getpid() ? "self" : "other");
}

static int readable(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, 0);
    return r == 1 && (p.revents & POLLIN);
}

static void test_signalfd(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);

    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    show("signalfd", fd < 0 ? -1 : 0);
    printf("cloexec: %d nonblock: %d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0,
           (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    read_signals(fd, sizeof(struct signalfd_siginfo));
    printf("poll empty: %d\n", readable(fd));
    kill(getpid(), SIGUSR2);
    kill(getpid(), SIGUSR1);
    printf("poll pending: %d\n", readable(fd));
    read_signals(fd, 100);
    read_signals(fd, 4 * sizeof(struct signalfd_siginfo));
    printf("poll drained: %d\n", readable(fd));

    /* Thread-directed signal, one record per read. */
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    read_signals(fd, sizeof(struct signalfd_siginfo));

    /* Changing the mask: SIGUSR2 is no longer read, but stays pending. */
    sigset_t only1;
    sigemptyset(&only1);
    sigaddset(&only1, SIGUSR1);
    show("signalfd change", signalfd(fd, &only1, 0) == fd ? 0 : -1);
    kill(getpid(), SIGUSR2);
    printf("poll usr2 not in mask: %d\n", readable(fd));
    read_signals(fd, sizeof(struct signalfd_siginfo));
    sigset_t pend;
    sigpending(&pend);
    printf("usr2 still pending: %d\n", sigismember(&pend, SIGUSR2));
    show("signalfd change back", signalfd(fd, &set, 0) == fd ? 0 : -1);
    read_signals(fd, sizeof(struct signalfd_siginfo));

    /* Blocking read: a child sends the signal later. */
    int bfd = signalfd(-1, &set, 0);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        usleep(50000);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    struct signalfd_siginfo si;
    ssize_t n = read(bfd, &si, sizeof si);
    printf("blocking read: %zd signo %u code %d from child %d\n", n, si.ssi_signo, si.ssi_code,
           si.ssi_pid == (unsigned)child);
    waitpid(child, NULL, 0);

    /* Errors. */
    show("bad flags", syscall(SYS_signalfd4, -1, &set, 8, 0x1));
    show("bad size", syscall(SYS_signalfd4, -1, &set, 4, 0));
    show("not a signalfd", signalfd(0, &set, 0));
    show("bad fd", signalfd(999, &set, 0));
    close(bfd);
    close(fd);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    test_signalfd();
    (void)argc;
    (void)argv;
    return 0;
}
