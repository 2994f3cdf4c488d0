/* Pseudo-terminals: /dev/ptmx and /dev/pts, the line discipline (canonical editing, echo,
 * output processing, raw mode), terminal ioctls, controlling terminals and the signals a
 * terminal sends. Prints what it saw; a native run and a sandboxed run must agree.
 * Every read waits for data that must come (no sleeps); "nothing there" checks use poll. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common.h"

static void show_bytes(const char *label, const char *buf, long n) {
    printf("%s: %ld [", label, n);
    for (long i = 0; i < n; i++) {
        unsigned char c = buf[i];
        if (c == '\n')
            printf("\\n");
        else if (c == '\r')
            printf("\\r");
        else if (c == '\b')
            printf("\\b");
        else if (c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    printf("]\n");
}

/* Reads exactly `want` bytes (the terminal may hand them over in pieces), or less on
 * EOF/error/a 5 s silence, and shows them. */
static void read_show(const char *label, int fd, long want) {
    char buf[256];
    long got = 0;
    while (got < want) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0) {
            printf("%s: timeout\n", label);
            break;
        }
        ssize_t r = read(fd, buf + got, want - got);
        if (r <= 0) {
            if (r < 0)
                printf("%s: read error %s\n", label, errname(errno));
            break;
        }
        got += r;
    }
    show_bytes(label, buf, got);
}

/* One read(2), shown. */
static void read_once(const char *label, int fd) {
    char buf[256];
    errno = 0;
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0)
        printf("%s: -1 %s\n", label, errname(errno));
    else
        show_bytes(label, buf, r);
}

static void wait_readable(int fd) {
    struct pollfd p = {fd, POLLIN, 0};
    poll(&p, 1, 5000);
}

static int readable_soon(int fd) {
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 100) > 0 && (p.revents & POLLIN);
}

static unsigned pts_number(int m) {
    unsigned n = ~0u;
    ioctl(m, TIOCGPTN, &n);
    return n;
}

/* A new unlocked pair: master fd, slave name. */
static int new_pair(char *name, size_t len) {
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) || unlockpt(m) || ptsname_r(m, name, len)) {
        printf("new pair failed: %s\n", errname(errno));
        exit(1);
    }
    return m;
}

static void basics(void) {
    printf("== basics\n");
    int m = SHOW_OK("posix_openpt", posix_openpt(O_RDWR | O_NOCTTY));
    struct stat st;
    fstat(m, &st);
    printf("master: chr %d rdev %u:%u\n", S_ISCHR(st.st_mode), major(st.st_rdev),
           minor(st.st_rdev));
    char *name = ptsname(m);
    unsigned n;
    char tail;
    int pattern = name && sscanf(name, "/dev/pts/%u%c", &n, &tail) == 1;
    printf("ptsname is /dev/pts/N: %d, N is TIOCGPTN: %d\n", pattern, pattern && n == pts_number(m));
    char slave_name[64];
    snprintf(slave_name, sizeof slave_name, "%s", name);
    int lock = -1;
    SHOW("TIOCGPTLCK", ioctl(m, TIOCGPTLCK, &lock));
    printf("locked: %d\n", lock);
    SHOW("open locked slave", open(slave_name, O_RDWR | O_NOCTTY));
    SHOW("grantpt", grantpt(m));
    SHOW("unlockpt", unlockpt(m));
    ioctl(m, TIOCGPTLCK, &lock);
    printf("locked: %d\n", lock);
    int s = SHOW_OK("open slave", open(slave_name, O_RDWR | O_NOCTTY));
    fstat(s, &st);
    printf("slave: chr %d major %u minor is N %d uid is mine %d\n", S_ISCHR(st.st_mode),
           major(st.st_rdev), minor(st.st_rdev) == n, st.st_uid == getuid());
    struct stat st2;
    stat(slave_name, &st2);
    printf("stat by name same: %d\n", st2.st_rdev == st.st_rdev && st2.st_ino == st.st_ino);
    DIR *d = opendir("/dev/pts");
    int listed = 0, ptmx = 0;
    struct dirent *e;
    char num[16];
    snprintf(num, sizeof num, "%u", n);
    while (d && (e = readdir(d))) {
        listed |= !strcmp(e->d_name, num);
        ptmx |= !strcmp(e->d_name, "ptmx");
    }
    if (d)
        closedir(d);
    printf("/dev/pts lists N: %d ptmx: %d\n", listed, ptmx);
    printf("isatty master %d slave %d\n", isatty(m), isatty(s));

    struct termios t, tm;
    SHOW("tcgetattr slave", tcgetattr(s, &t));
    printf("iflag %o oflag %o cflag %o lflag %o\n", t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag);
    printf("cc intr %d quit %d erase %d kill %d eof %d time %d min %d start %d stop %d susp %d "
           "eol %d werase %d lnext %d\n",
           t.c_cc[VINTR], t.c_cc[VQUIT], t.c_cc[VERASE], t.c_cc[VKILL], t.c_cc[VEOF],
           t.c_cc[VTIME], t.c_cc[VMIN], t.c_cc[VSTART], t.c_cc[VSTOP], t.c_cc[VSUSP],
           t.c_cc[VEOL], t.c_cc[VWERASE], t.c_cc[VLNEXT]);
    tcgetattr(m, &tm);
    printf("master sees the same: %d\n",
           t.c_iflag == tm.c_iflag && t.c_oflag == tm.c_oflag && t.c_cflag == tm.c_cflag &&
               t.c_lflag == tm.c_lflag && !memcmp(t.c_cc, tm.c_cc, 19));
    printf("speed %d\n", (int)cfgetospeed(&t) == B38400);
    struct termios t2 = t;
    t2.c_cc[VERASE] = 8;
    t2.c_lflag &= ~ECHOCTL;
    SHOW("tcsetattr", tcsetattr(s, TCSANOW, &t2));
    struct termios t3;
    tcgetattr(m, &t3);
    printf("round trip: erase %d echoctl %d\n", t3.c_cc[VERASE], !!(t3.c_lflag & ECHOCTL));
    tcsetattr(s, TCSANOW, &t);

    printf("== canonical\n");
    write(m, "hello\n", 6);
    read_once("slave reads", s);
    read_show("master echo", m, 7);
    write(s, "x\n", 2);
    read_show("master reads", m, 3);
    write(m, "ab\x7f" "c\n", 5);
    read_once("after erase", s);
    read_show("erase echo", m, 8);
    write(m, "one two\x17three\n", 14);
    read_once("after werase", s);
    read_show("werase echo", m, 23);
    write(m, "abc\x15z\n", 6);
    read_once("after kill", s);
    read_show("kill echo", m, 15);
    write(m, "xy\x04", 3);
    read_once("eof ends line", s);
    read_show("eof echo", m, 2);
    write(m, "\x04", 1);
    read_once("eof alone", s);
    write(m, "two\nlines\n", 10);
    wait_readable(s);
    read_show("echo of two lines", m, 12);
    read_once("first line", s);
    int avail = -1;
    SHOW("FIONREAD", ioctl(s, FIONREAD, &avail));
    printf("available: %d\n", avail);
    read_once("second line", s);
    write(m, "gone\n", 5);
    wait_readable(s);
    read_show("echo", m, 6);
    SHOW("tcflush", tcflush(s, TCIFLUSH));
    ioctl(s, FIONREAD, &avail);
    printf("after flush: %d\n", avail);
    write(s, "a\tb\n", 4);
    read_show("tabs and newline out", m, 5);

    printf("== raw\n");
    struct termios raw = t;
    cfmakeraw(&raw);
    SHOW("tcsetattr raw", tcsetattr(s, TCSANOW, &raw));
    write(m, "a\rb\x03", 4);
    for (int i = 0; i < 4; i++) {
        char c;
        wait_readable(s);
        ssize_t r = read(s, &c, 1);
        printf("byte %d: %zd %02x\n", i, r, (unsigned char)c);
    }
    printf("echo in raw mode: %d\n", readable_soon(m));
    write(s, "x\n", 2);
    read_show("raw output", m, 2);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    tcsetattr(s, TCSANOW, &raw);
    read_once("MIN 0 TIME 0", s);
    raw.c_cc[VMIN] = 1;
    tcsetattr(s, TCSANOW, &raw);
    fcntl(s, F_SETFL, O_NONBLOCK);
    read_once("nonblocking slave", s);
    fcntl(s, F_SETFL, 0);
    fcntl(m, F_SETFL, O_NONBLOCK);
    read_once("nonblocking master", m);
    fcntl(m, F_SETFL, 0);
    struct pollfd p[2] = {{m, POLLIN | POLLOUT, 0}, {s, POLLIN | POLLOUT, 0}};
    poll(p, 2, 0);
    printf("poll idle: master %x slave %x\n", p[0].revents, p[1].revents);
    write(m, "q", 1);
    wait_readable(s);
    p[0].revents = p[1].revents = 0;
    poll(p, 2, 0);
    printf("poll with input: slave %x\n", p[1].revents);
    read_once("raw read", s);
    tcsetattr(s, TCSANOW, &t);

    printf("== ioctls\n");
    struct winsize ws = {0};
    SHOW("TIOCGWINSZ", ioctl(s, TIOCGWINSZ, &ws));
    printf("winsize %d %d\n", ws.ws_row, ws.ws_col);
    ws.ws_row = 24;
    ws.ws_col = 80;
    SHOW("TIOCSWINSZ master", ioctl(m, TIOCSWINSZ, &ws));
    memset(&ws, 0, sizeof ws);
    ioctl(s, TIOCGWINSZ, &ws);
    printf("winsize %d %d\n", ws.ws_row, ws.ws_col);
    SHOW("TIOCGPTN slave", ioctl(s, TIOCGPTN, &n));
    pid_t pg = -1;
    SHOW("TIOCGPGRP slave", ioctl(s, TIOCGPGRP, &pg));
    SHOW("TIOCGPGRP master", ioctl(m, TIOCGPGRP, &pg));
    printf("pgrp %d\n", pg);
    pg = getpgrp();
    SHOW("TIOCSPGRP slave", ioctl(s, TIOCSPGRP, &pg));
    SHOW("TIOCGSID master", ioctl(m, TIOCGSID, &pg));
    SHOW("TIOCNOTTY master", ioctl(m, TIOCNOTTY));
    fflush(stdout);
    if (fork() == 0) {
        SHOW("TIOCSCTTY not leader", ioctl(s, TIOCSCTTY, 0));
        fflush(stdout);
        _exit(0);
    }
    wait(NULL);
    int disc = -1;
    SHOW("TIOCGETD", ioctl(s, TIOCGETD, &disc));
    printf("ldisc %d\n", disc);
    disc = 0;
    SHOW("TIOCSETD N_TTY", ioctl(s, TIOCSETD, &disc));
    SHOW("TIOCOUTQ", ioctl(s, TIOCOUTQ, &avail));
    SHOW("TCXONC", tcflow(s, TCOON));
    SHOW("TCSBRK", tcsendbreak(s, 0));
    SHOW("TCFLSH bad", ioctl(s, TCFLSH, 7));
    SHOW("TIOCEXCL", ioctl(s, TIOCEXCL));
    /* Refused (EBUSY) but for CAP_SYS_ADMIN. */
    int excl = SHOW_OK("open exclusive", open(slave_name, O_RDWR | O_NOCTTY));
    if (excl >= 0)
        close(excl);
    SHOW("TIOCNXCL", ioctl(s, TIOCNXCL));
    int pipefd[2];
    pipe(pipefd);
    errno = 0;
    int pipe_tty = isatty(pipefd[0]);
    printf("isatty pipe %d %s\n", pipe_tty, errname(errno));
    int null = open("/dev/null", O_RDWR);
    SHOW("TCGETS /dev/null", ioctl(null, TCGETS, &t2));
    int reg = open("/proc/self/status", O_RDONLY);
    SHOW("TCGETS regular file", ioctl(reg, TCGETS, &t2));
    SHOW("TIOCSWINSZ pipe", ioctl(pipefd[1], TIOCSWINSZ, &ws));
    close(pipefd[0]);
    close(pipefd[1]);
    close(null);
    close(reg);

    int peer = SHOW_OK("TIOCGPTPEER", ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY));
    fstat(peer, &st2);
    printf("peer is the slave: %d\n", st2.st_rdev == st.st_rdev);
    SHOW("TIOCGPTPEER on slave", ioctl(s, TIOCGPTPEER, O_RDWR));
    write(peer, "p\n", 2);
    read_show("from peer", m, 3);

    printf("== hangups\n");
    close(peer);
    close(s);
    p[0].revents = 0;
    poll(p, 1, 0);
    printf("master poll after slave close: %x\n", p[0].revents);
    read_once("master read after slave close", m);
    s = SHOW_OK("reopen slave", open(slave_name, O_RDWR | O_NOCTTY));
    write(m, "back\n", 5);
    read_once("slave reads again", s);
    read_show("echo", m, 6);
    close(m);
    read_once("slave read after master close", s);
    SHOW("slave write after master close", write(s, "x", 1));
    SHOW("TCGETS after master close", ioctl(s, TCGETS, &t2));
    SHOW("open after master close", open(slave_name, O_RDWR | O_NOCTTY));
    close(s);
}

/* /dev/tty and acquiring a controlling terminal, in a session of our own. */
static void controlling(void) {
    printf("== controlling terminal\n");
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        signal(SIGHUP, SIG_IGN);
        setsid();
        SHOW("open /dev/tty without one", open("/dev/tty", O_RDWR));
        char name[64];
        int m = new_pair(name, sizeof name);
        int s = SHOW_OK("open slave as leader", open(name, O_RDWR));
        int tty = SHOW_OK("open /dev/tty", open("/dev/tty", O_RDWR));
        pid_t sid = -1, pg = -1;
        SHOW("TIOCGSID", ioctl(s, TIOCGSID, &sid));
        SHOW("TIOCGPGRP", ioctl(tty, TIOCGPGRP, &pg));
        printf("sid is me %d, pgrp is mine %d, tcgetsid %d\n", sid == getpid(), pg == getpgrp(),
               tcgetsid(s) == getpid());
        FILE *f = fopen("/proc/self/stat", "r");
        unsigned long tty_nr = 0;
        long tpgid = 0;
        if (f) {
            fscanf(f, "%*d %*s %*c %*d %*d %*d %lu %ld", &tty_nr, &tpgid);
            fclose(f);
        }
        printf("tty_nr is the slave %d, tpgid is mine %d\n",
               tty_nr == ((136u << 8) | pts_number(m)), tpgid == getpgrp());
        write(tty, "t\n", 2);
        read_show("written through /dev/tty", m, 3);
        SHOW("TIOCSCTTY again", ioctl(s, TIOCSCTTY, 0));
        pg = getpgrp();
        SHOW("TIOCSPGRP own group", ioctl(s, TIOCSPGRP, &pg));
        pg = 1;
        SHOW("TIOCSPGRP other session", ioctl(s, TIOCSPGRP, &pg));
        pg = 0x7ffffff0;
        SHOW("TIOCSPGRP no such group", ioctl(s, TIOCSPGRP, &pg));
        SHOW("TIOCNOTTY", ioctl(s, TIOCNOTTY));
        SHOW("open /dev/tty after TIOCNOTTY", open("/dev/tty", O_RDWR));
        SHOW("TIOCGSID after TIOCNOTTY", ioctl(m, TIOCGSID, &sid));
        SHOW("TIOCSCTTY", ioctl(s, TIOCSCTTY, 0));
        SHOW_OK("open /dev/tty again", open("/dev/tty", O_RDWR));
        char other[64];
        int m2 = new_pair(other, sizeof other);
        SHOW_OK("open second slave", open(other, O_RDWR));
        SHOW("second is not the ctty", ioctl(m2, TIOCGSID, &sid));
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(c, &status, 0);
    printf("child exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static volatile sig_atomic_t got_int, got_winch, got_hup, int_code;

static void on_signal(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    if (sig == SIGINT) {
        got_int = 1;
        int_code = si->si_code;
    } else if (sig == SIGWINCH) {
        got_winch = 1;
    } else if (sig == SIGHUP) {
        got_hup = 1;
    }
}

/* A child session leader on the slave gets SIGINT for ^C, SIGWINCH for a resize, and SIGHUP
 * when the master closes. */
static void signals(void) {
    printf("== signals\n");
    char name[64];
    int m = new_pair(name, sizeof name);
    int sync[2];
    pipe(sync);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        close(m);
        close(sync[0]);
        sigset_t block, none;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGWINCH);
        sigaddset(&block, SIGHUP);
        sigprocmask(SIG_BLOCK, &block, &none);
        sigdelset(&none, SIGINT);
        sigdelset(&none, SIGWINCH);
        sigdelset(&none, SIGHUP);
        struct sigaction sa = {0};
        sa.sa_sigaction = on_signal;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGWINCH, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        setsid();
        int s = open(name, O_RDWR | O_NOCTTY);
        int r = ioctl(s, TIOCSCTTY, 0);
        write(sync[1], r == 0 ? "y" : "n", 1);
        while (!got_int || !got_winch)
            sigsuspend(&none);
        printf("child: SIGINT (si_code %#x) and SIGWINCH\n", int_code);
        fflush(stdout);
        write(sync[1], "2", 1);
        while (!got_hup)
            sigsuspend(&none);
        printf("child: SIGHUP\n");
        read_once("child: slave read after hangup", s);
        SHOW("child: slave write after hangup", write(s, "x", 1));
        fflush(stdout);
        _exit(0);
    }
    close(sync[1]);
    char b = 0;
    read(sync[0], &b, 1);
    printf("child took the terminal: %c\n", b);
    pid_t v = -1;
    ioctl(m, TIOCGPGRP, &v);
    printf("foreground group is the child: %d\n", v == c);
    ioctl(m, TIOCGSID, &v);
    printf("session is the child's: %d\n", v == c);
    write(m, "\x03", 1);
    read_show("echo of ^C", m, 2);
    struct winsize ws = {.ws_row = 30, .ws_col = 100};
    ioctl(m, TIOCSWINSZ, &ws);
    read(sync[0], &b, 1);
    close(m);
    int status;
    waitpid(c, &status, 0);
    printf("child exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* The session leader's exit gives the terminal up. */
static void leader_exit(void) {
    printf("== leader exit\n");
    char name[64];
    int m = new_pair(name, sizeof name);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        setsid();
        open(name, O_RDWR);
        _exit(0);
    }
    int status;
    waitpid(c, &status, 0);
    pid_t sid;
    SHOW("TIOCGSID after the leader exited", ioctl(m, TIOCGSID, &sid));
    close(m);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    basics();
    controlling();
    signals();
    leader_exit();
    return 0;
}
