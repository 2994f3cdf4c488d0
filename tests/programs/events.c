/* Readiness and event files: signalfd and inotify. argv[1] is a scratch directory for the
 * inotify part. Prints what it observed, never wd numbers or cookies. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
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
    int ep = epoll_create1(0);
    struct epoll_event ee = {.events = EPOLLIN, .data.u32 = 7};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ee);
    struct epoll_event got = {0};
    int n_ep = epoll_wait(ep, &got, 1, 1000);
    printf("epoll: %d data %u events %#x\n", n_ep, got.data.u32, got.events);
    read_signals(fd, 100);
    read_signals(fd, 4 * sizeof(struct signalfd_siginfo));
    printf("poll drained: %d\n", readable(fd));
    printf("epoll drained: %d\n", epoll_wait(ep, &got, 1, 0));
    close(ep);

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

static int wd_dir = -100, wd_file = -100;

static void print_events(int fd) {
    char buf[4096] __attribute__((aligned(8)));
    unsigned last_from = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno != EAGAIN)
                printf("  read: %s\n", errname(errno));
            return;
        }
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            static const struct { unsigned bit; const char *name; } bits[] = {
                {IN_ACCESS, "ACCESS"}, {IN_MODIFY, "MODIFY"}, {IN_ATTRIB, "ATTRIB"},
                {IN_CLOSE_WRITE, "CLOSE_WRITE"}, {IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"},
                {IN_OPEN, "OPEN"}, {IN_MOVED_FROM, "MOVED_FROM"}, {IN_MOVED_TO, "MOVED_TO"},
                {IN_CREATE, "CREATE"}, {IN_DELETE, "DELETE"}, {IN_DELETE_SELF, "DELETE_SELF"},
                {IN_MOVE_SELF, "MOVE_SELF"}, {IN_Q_OVERFLOW, "Q_OVERFLOW"},
                {IN_IGNORED, "IGNORED"}, {IN_ISDIR, "ISDIR"}, {IN_UNMOUNT, "UNMOUNT"},
            };
            printf("  %s:", ev->wd == wd_dir ? "dir" : ev->wd == wd_file ? "file" : "other");
            for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
                if (ev->mask & bits[i].bit)
                    printf(" %s", bits[i].name);
            if (ev->len)
                printf(" '%s' (len %u)", ev->name, ev->len);
            if (ev->mask & IN_MOVED_FROM)
                last_from = ev->cookie;
            if (ev->mask & IN_MOVED_TO)
                printf(" cookie %s", ev->cookie == last_from && ev->cookie ? "matches" : "differs");
            printf("\n");
            p += sizeof *ev + ev->len;
        }
    }
}

static void step(int fd, const char *what) {
    printf("%s\n", what);
    print_events(fd);
}

static void test_inotify(const char *base) {
    char dir[4096], a[4200], b[4200], sub[4200], c[4200];
    snprintf(dir, sizeof dir, "%s/watched", base);
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b-with-a-longer-name", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(c, sizeof c, "%s/c", dir);
    mkdir(dir, 0755);

    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    show("inotify_init1", fd < 0 ? -1 : 0);
    printf("cloexec: %d nonblock: %d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0,
           (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    wd_dir = inotify_add_watch(fd, dir, IN_ALL_EVENTS & ~IN_ACCESS);
    show("add_watch dir", wd_dir < 0 ? -1 : 0);
    char small[16];
    show("read empty", read(fd, small, sizeof small));
    printf("poll empty: %d\n", readable(fd));

    int f = open(a, O_CREAT | O_WRONLY, 0644);
    write(f, "hello", 5);
    write(f, "world", 5);
    int avail = -1;
    ioctl(fd, FIONREAD, &avail);
    printf("FIONREAD: %d\n", avail);
    printf("poll pending: %d\n", readable(fd));
    show("read 16 bytes", read(fd, small, 16));
    close(f);
    step(fd, "create, write twice, close");

    f = open(a, O_RDONLY);
    close(f);
    step(fd, "open read-only, close");
    chmod(a, 0600);
    step(fd, "chmod");
    truncate(a, 2);
    step(fd, "truncate");
    f = open(a, O_WRONLY | O_TRUNC);
    pwrite(f, "x", 1, 3);
    ftruncate(f, 1);
    close(f);
    step(fd, "O_TRUNC, pwrite, ftruncate, close");
    rename(a, b);
    step(fd, "rename");
    mkdir(sub, 0755);
    step(fd, "mkdir");
    rename(sub, c);
    step(fd, "rename dir");
    rmdir(c);
    step(fd, "rmdir");

    /* An open file goes on reporting to its directory after unlink, unless IN_EXCL_UNLINK. */
    for (int excl = 0; excl < 2; excl++) {
        if (excl)
            inotify_add_watch(fd, dir, (IN_ALL_EVENTS & ~IN_ACCESS) | IN_EXCL_UNLINK);
        f = open(c, O_CREAT | O_RDWR, 0644);
        unlink(c);
        write(f, "x", 1);
        close(f);
        step(fd, excl ? "unlinked open file, IN_EXCL_UNLINK" : "unlinked open file");
    }
    inotify_add_watch(fd, dir, IN_ALL_EVENTS & ~IN_ACCESS);

    /* Epoll sees an inotify fd with events. */
    int ep = epoll_create1(0);
    struct epoll_event ee = {.events = EPOLLIN, .data.u32 = 9};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ee);
    struct epoll_event got = {0};
    printf("epoll empty: %d\n", epoll_wait(ep, &got, 1, 0));
    mkdir(sub, 0755);
    int n_ep = epoll_wait(ep, &got, 1, 1000);
    printf("epoll: %d data %u events %#x\n", n_ep, got.data.u32, got.events);
    rmdir(sub);
    step(fd, "mkdir and rmdir under epoll");
    close(ep);

    wd_file = inotify_add_watch(fd, b, IN_ALL_EVENTS);
    show("add_watch file", wd_file < 0 ? -1 : 0);
    show("add_watch again same wd", inotify_add_watch(fd, b, IN_ATTRIB | IN_MASK_ADD) == wd_file ? 0 : -1);
    f = open(b, O_RDONLY);
    char one[4];
    read(f, one, 1);
    close(f);
    step(fd, "read the watched file");
    rename(b, a);
    rename(a, b);
    step(fd, "rename the watched file away and back");

    /* IN_DONT_FOLLOW watches the symlink itself. */
    symlink(b, c);
    int wd_link = inotify_add_watch(fd, c, IN_ATTRIB | IN_DONT_FOLLOW);
    printf("link watch is the file's: %d\n", wd_link == wd_file);
    printf("followed watch is the file's: %d\n", inotify_add_watch(fd, c, IN_ATTRIB | IN_MASK_ADD) == wd_file);
    unlink(c);
    step(fd, "symlink, unlink it");

    /* An open file keeps the inode: IN_DELETE_SELF waits for the last close. */
    f = open(b, O_RDWR);
    int f2 = dup(f);
    unlink(b);
    step(fd, "unlink a watched open file");
    close(f);
    step(fd, "close one of two fds");
    close(f2);
    step(fd, "close the last fd");

    /* IN_ONESHOT: one event, then the watch is gone. */
    show("rm_watch dir", inotify_rm_watch(fd, wd_dir));
    step(fd, "after rm_watch");
    show("rm_watch again", inotify_rm_watch(fd, wd_dir));
    wd_dir = inotify_add_watch(fd, dir, IN_CREATE | IN_ONESHOT);
    close(open(a, O_CREAT | O_WRONLY, 0644));
    close(open(c, O_CREAT | O_WRONLY, 0644));
    step(fd, "oneshot, two creates");

    /* Blocking read, woken by a child's create; poll sees it first. */
    int bfd = inotify_init();
    wd_dir = inotify_add_watch(bfd, dir, IN_DELETE);
    pid_t child = fork();
    if (child == 0) {
        usleep(50000);
        unlink(a);
        _exit(0);
    }
    struct pollfd pf = {.fd = bfd, .events = POLLIN};
    int ready = poll(&pf, 1, 5000);
    printf("poll blocking: %d revents %#x\n", ready, pf.revents);
    char big[64];
    ssize_t n = read(bfd, big, sizeof big);
    struct inotify_event *ev = (struct inotify_event *)big;
    printf("blocking read: %zd mask %#x name %s\n", n, ev->mask, ev->name);
    waitpid(child, NULL, 0);
    close(bfd);

    /* Errors. */
    int pfd[2];
    pipe(pfd);
    show("init1 bad flags", inotify_init1(0x1));
    show("add_watch bad fd", inotify_add_watch(999, dir, IN_CREATE));
    show("add_watch not inotify", inotify_add_watch(pfd[0], dir, IN_CREATE));
    int r = inotify_add_watch(fd, dir, IN_ONESHOT);
    show("add_watch flags only", r < 0 ? r : 0);
    show("add_watch no bits", inotify_add_watch(fd, dir, 0));
    show("add_watch add+create", inotify_add_watch(fd, dir, IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE));
    show("add_watch missing", inotify_add_watch(fd, a, IN_CREATE));
    show("add_watch onlydir", inotify_add_watch(fd, c, IN_CREATE | IN_ONLYDIR));
    int w = inotify_add_watch(fd, dir, IN_CREATE);
    show("add_watch mask_create existing", inotify_add_watch(fd, dir, IN_CREATE | IN_MASK_CREATE));
    show("rm_watch bad fd", inotify_rm_watch(999, w));
    show("rm_watch not inotify", inotify_rm_watch(pfd[0], w));
    show("rm_watch bad wd", inotify_rm_watch(fd, 12345));
    close(fd);
    close(pfd[0]);
    close(pfd[1]);

    /* A full queue ends in one IN_Q_OVERFLOW. */
    int ofd = inotify_init1(IN_NONBLOCK);
    inotify_add_watch(ofd, c, IN_ATTRIB | IN_MODIFY);
    for (int i = 0; i < 8300; i++) {
        chmod(c, 0600);
        truncate(c, 0);
    }
    ioctl(ofd, FIONREAD, &avail);
    printf("overflow FIONREAD: %d\n", avail);
    long events = 0;
    struct inotify_event last = {0};
    char obuf[4096] __attribute__((aligned(8)));
    for (;;) {
        ssize_t got_n = read(ofd, obuf, sizeof obuf);
        if (got_n <= 0)
            break;
        for (char *p = obuf; p < obuf + got_n; p += sizeof last + ((struct inotify_event *)p)->len) {
            memcpy(&last, p, sizeof last);
            events++;
        }
    }
    printf("overflow: %ld events, last wd %d mask %#x\n", events, last.wd, last.mask);
    close(ofd);
    unlink(c);
    rmdir(dir);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    test_signalfd();
    if (argc > 1)
        test_inotify(argv[1]);
    return 0;
}
