/* Terminal job control (tty_ioctl(4), termios(3)): a background process group reading its
 * controlling terminal gets SIGTTIN (EIO if it ignores it), writing with TOSTOP gets SIGTTOU,
 * and so does changing the terminal's settings. Runs in a session of its own with a pty as
 * its controlling terminal; only the session leader prints, after waits that order events. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common.h"

static void show_status(const char *what, pid_t r, int st) {
    if (r <= 0)
        printf("%s: %d\n", what, (int)r);
    else if (WIFSTOPPED(st))
        printf("%s: stopped by %d\n", what, WSTOPSIG(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by %d\n", what, WTERMSIG(st));
    else
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
}

static int slave = -1;
static int report[2];

/* A child in a background group of its own running `body`, which writes its findings to
 * the report pipe. */
static pid_t background(void (*body)(void)) {
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        signal(SIGTTOU, SIG_DFL);
        body();
        _exit(0);
    }
    setpgid(c, c);
    return c;
}

static void say(const char *s) { write(report[1], s, strlen(s)); }

static void do_read(void) {
    char buf[16] = {0};
    long n = read(slave, buf, sizeof buf - 1);
    char line[64];
    snprintf(line, sizeof line, "  read: %ld %s\n", n, n < 0 ? errname(errno) : buf);
    say(line);
}

static void do_read_ignoring(void) {
    signal(SIGTTIN, SIG_IGN);
    do_read();
}

static void do_write(void) {
    long n = write(slave, "out\n", 4);
    char line[64];
    snprintf(line, sizeof line, "  write: %ld %s\n", n, n < 0 ? errname(errno) : "");
    say(line);
}

static void do_tcsetattr(void) {
    struct termios t;
    tcgetattr(slave, &t);
    int r = tcsetattr(slave, TCSANOW, &t);
    char line[64];
    snprintf(line, sizeof line, "  tcsetattr: %d\n", r);
    say(line);
}

static void show_report(void) {
    char buf[128];
    long n = read(report[0], buf, sizeof buf);
    if (n > 0)
        printf("%.*s", (int)n, buf);
}

static void leader(void) {
    /* A shell ignores SIGTTOU so it can hand the terminal around. */
    signal(SIGTTOU, SIG_IGN);
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    grantpt(master);
    unlockpt(master);
    slave = open(ptsname(master), O_RDWR); /* becomes the controlling terminal */
    pipe(report);
    printf("foreground is the leader's group: %d\n", tcgetpgrp(slave) == getpgrp());
    int st;
    pid_t r;

    printf("background read\n");
    pid_t b = background(do_read);
    r = waitpid(b, &st, WUNTRACED);
    show_status("  reader", r == b, st);
    tcsetpgrp(slave, b);
    write(master, "hi\n", 3);
    kill(b, SIGCONT);
    r = waitpid(b, &st, 0);
    show_status("  reader, in the foreground", r == b, st);
    show_report();
    tcsetpgrp(slave, getpgrp());

    printf("background read ignoring SIGTTIN\n");
    b = background(do_read_ignoring);
    r = waitpid(b, &st, WUNTRACED);
    show_status("  reader", r == b, st);
    show_report();

    printf("background write without TOSTOP\n");
    b = background(do_write);
    r = waitpid(b, &st, WUNTRACED);
    show_status("  writer", r == b, st);
    show_report();
    char buf[64];
    long n = read(master, buf, sizeof buf);
    printf("  master reads %ld\n", n);

    printf("background write with TOSTOP\n");
    struct termios t;
    tcgetattr(slave, &t);
    t.c_lflag |= TOSTOP;
    tcsetattr(slave, TCSANOW, &t);
    b = background(do_write);
    r = waitpid(b, &st, WUNTRACED);
    show_status("  writer", r == b, st);
    kill(b, SIGKILL);
    r = waitpid(b, &st, 0);
    show_status("  writer", r == b, st);

    printf("background tcsetattr\n");
    b = background(do_tcsetattr);
    r = waitpid(b, &st, WUNTRACED);
    show_status("  setter", r == b, st);
    tcsetpgrp(slave, b);
    kill(b, SIGCONT);
    r = waitpid(b, &st, 0);
    show_status("  setter, in the foreground", r == b, st);
    show_report();
    tcsetpgrp(slave, getpgrp());
}

int main(void) {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    setvbuf(stdout, NULL, _IOLBF, 0);
    fflush(stdout);
    pid_t s = fork();
    if (s == 0) {
        setsid();
        leader();
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(s, &st, 0);
    while (wait(NULL) > 0) {
    }
    printf("done\n");
    return 0;
}
