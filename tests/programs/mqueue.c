/* POSIX message queues: open/create/exclusive, attributes, priorities, non-blocking full and
 * empty queues, timed receive, mq_getsetattr, mq_notify across a fork, unlink of an open queue,
 * readiness with poll, the status text read(2) shows, and errors; compared with Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void r(const char *what, long v) {
    printf("%-40s %s\n", what, v >= 0 ? "ok" : strerrorname_np(errno));
}

static char name1[64], name2[64], name3[64];

static volatile sig_atomic_t got_sig, got_code, got_value, got_pid_ok;

static void on_usr1(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    got_sig = sig;
    got_code = si->si_code;
    got_value = si->si_value.sival_int;
    got_pid_ok = si->si_pid > 0 && si->si_pid != getpid();
}

/* SIGEV_THREAD: the C library runs this in a thread of its own. */
static pthread_mutex_t fired_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fired_cond = PTHREAD_COND_INITIALIZER;
static int fired, fired_value, fired_elsewhere;
static pthread_t main_thread;

static void on_thread(union sigval v) {
    pthread_mutex_lock(&fired_lock);
    fired = 1;
    fired_value = v.sival_int;
    fired_elsewhere = !pthread_equal(pthread_self(), main_thread);
    pthread_cond_signal(&fired_cond);
    pthread_mutex_unlock(&fired_lock);
}

/* mq_notify(2) as the kernel takes it: SIGEV_THREAD names a netlink socket and a cookie. */
static long raw_notify_thread(mqd_t q, int sock, void *cookie) {
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD;
    sev.sigev_signo = sock;
    sev.sigev_value.sival_ptr = cookie;
    return syscall(SYS_mq_notify, q, &sev);
}

static void attrs(const char *what, mqd_t q) {
    struct mq_attr a;
    if (mq_getattr(q, &a) < 0) {
        r(what, -1);
        return;
    }
    printf("%-40s flags %s maxmsg %ld msgsize %ld curmsgs %ld\n", what,
           a.mq_flags & O_NONBLOCK ? "O_NONBLOCK" : "0", a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs);
}

static void status(const char *what, mqd_t q) {
    char buf[256];
    ssize_t n = pread(q, buf, sizeof buf - 1, 0);
    if (n < 0) {
        r(what, -1);
        return;
    }
    buf[n] = 0;
    /* NOTIFY_PID differs between runs: show whether it is set. */
    char *p = strstr(buf, "NOTIFY_PID:");
    if (p)
        *p = 0;
    printf("%-40s %s| pid %s\n", what, buf, p && atoi(p + 11) > 0 ? "set" : "0");
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    snprintf(name1, sizeof name1, "/blinders-mq-%d-a", getpid());
    snprintf(name2, sizeof name2, "/blinders-mq-%d-b", getpid());
    snprintf(name3, sizeof name3, "/blinders-mq-%d-c", getpid());

    /* Open and create */
    r("open missing", mq_open(name1, O_RDWR));
    struct mq_attr a = {.mq_maxmsg = 4, .mq_msgsize = 32};
    mqd_t q = mq_open(name1, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
    r("create", q);
    r("create exclusive again", mq_open(name1, O_RDWR | O_CREAT | O_EXCL, 0600, &a));
    mqd_t q2 = mq_open(name1, O_WRONLY | O_CREAT, 0600, NULL);
    r("open existing O_CREAT", q2);
    attrs("attrs", q);
    struct stat st;
    r("fstat", fstat(q, &st));
    printf("%-40s %s mode %o\n", "fstat", S_ISREG(st.st_mode) ? "regular" : "other",
           st.st_mode & 07777);
    int fl = fcntl(q, F_GETFD);
    printf("%-40s %d\n", "FD_CLOEXEC without O_CLOEXEC", fl & FD_CLOEXEC);

    /* Priorities: highest first, FIFO within one */
    r("send a/1", mq_send(q2, "a", 1, 1));
    r("send b/5", mq_send(q2, "bb", 2, 5));
    r("send c/1", mq_send(q2, "ccc", 3, 1));
    r("send d/5", mq_send(q2, "dddd", 4, 5));
    attrs("attrs full", q);
    status("status full", q);
    {
        char t[256];
        ssize_t n1 = read(q, t, 20), n2 = read(q, t, sizeof t), n3 = read(q, t, sizeof t);
        printf("%-40s %zd %zd %zd\n", "read in pieces", n1, n2, n3);
        printf("%-40s %ld\n", "lseek back", (long)lseek(q, 0, SEEK_SET));
        printf("%-40s %zd\n", "read again", read(q, t, sizeof t));
    }
    struct pollfd pfd = {.fd = q, .events = POLLIN | POLLOUT};
    poll(&pfd, 1, 0);
    printf("%-40s in %d out %d\n", "poll full", !!(pfd.revents & POLLIN), !!(pfd.revents & POLLOUT));
    struct mq_attr nb = {.mq_flags = O_NONBLOCK}, old;
    r("setattr O_NONBLOCK", mq_setattr(q2, &nb, &old));
    printf("%-40s %ld\n", "old flags", old.mq_flags);
    r("send to full non-blocking", mq_send(q2, "e", 1, 0));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 50 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    struct mq_attr blk = {.mq_flags = 0};
    r("setattr blocking", mq_setattr(q2, &blk, NULL));
    r("timedsend to full", mq_timedsend(q2, "e", 1, 0, &ts));
    char buf[64];
    unsigned prio;
    r("receive small buffer", mq_receive(q, buf, 31, &prio));
    for (int i = 0; i < 4; i++) {
        ssize_t n = mq_receive(q, buf, sizeof buf, &prio);
        if (n < 0) {
            r("receive", -1);
            continue;
        }
        printf("%-40s %.*s prio %u len %zd\n", "receive", (int)n, buf, prio, n);
    }
    poll(&pfd, 1, 0);
    printf("%-40s in %d out %d\n", "poll empty", !!(pfd.revents & POLLIN), !!(pfd.revents & POLLOUT));
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 50 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    r("timedreceive empty", mq_timedreceive(q, buf, sizeof buf, &prio, &ts));
    struct timespec bad = {.tv_sec = 0, .tv_nsec = 2000000000};
    r("timedreceive bad timeout", mq_timedreceive(q, buf, sizeof buf, &prio, &bad));
    r("setattr O_NONBLOCK on q", mq_setattr(q, &nb, NULL));
    r("receive empty non-blocking", mq_receive(q, buf, sizeof buf, &prio));
    attrs("attrs non-blocking", q);
    r("setattr bad flags", mq_setattr(q, &(struct mq_attr){.mq_flags = O_APPEND}, NULL));

    /* Errors */
    r("send too long", mq_send(q2, buf, 33, 0));
    r("send bad priority", mq_send(q2, "x", 1, 40000));
    r("receive on write-only", mq_receive(q2, buf, sizeof buf, &prio));
    mqd_t ro = mq_open(name1, O_RDONLY);
    r("open O_RDONLY", ro);
    r("send on read-only", mq_send(ro, "x", 1, 0));
    r("send on a pipe", mq_send(1, "x", 1, 0));
    r("getattr on a pipe", mq_getattr(1, &old));
    r("open O_RDWR|O_WRONLY", mq_open(name1, O_RDWR | O_WRONLY));
    r("open name with a slash", mq_open("/a/b", O_RDWR | O_CREAT, 0600, NULL));
    r("open without a leading slash", mq_open("abc", O_RDWR | O_CREAT, 0600, NULL));
    struct mq_attr zero = {.mq_maxmsg = 0, .mq_msgsize = 8};
    r("create maxmsg 0", mq_open(name2, O_RDWR | O_CREAT, 0600, &zero));
    struct mq_attr neg = {.mq_maxmsg = 2, .mq_msgsize = -1};
    r("create msgsize -1", mq_open(name2, O_RDWR | O_CREAT, 0600, &neg));
    struct mq_attr huge = {.mq_maxmsg = 2, .mq_msgsize = 20 * 1024 * 1024};
    r("create msgsize 20M", mq_open(name2, O_RDWR | O_CREAT, 0600, &huge));
    r("unlink missing", mq_unlink(name2));
    r("read write-only", read(q2, buf, sizeof buf));
    r("write", write(q, "x", 1));

    /* Unprivileged: the /proc/sys/fs/mqueue limits, and modes */
    mqd_t q3 = mq_open(name3, O_RDWR | O_CREAT | O_CLOEXEC, 0640, NULL);
    r("create default attrs", q3);
    attrs("default attrs", q3);
    fl = fcntl(q3, F_GETFD);
    printf("%-40s %d\n", "FD_CLOEXEC with O_CLOEXEC", fl & FD_CLOEXEC);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(65534) < 0 || setuid(65534) < 0) {
            printf("setuid failed\n");
            _exit(1);
        }
        r("unprivileged: open 0640 O_RDONLY", mq_open(name3, O_RDONLY));
        r("unprivileged: open 0600 O_WRONLY", mq_open(name1, O_WRONLY));
        struct mq_attr big = {.mq_maxmsg = 11, .mq_msgsize = 8};
        r("unprivileged: maxmsg 11", mq_open("/blinders-mq-never", O_RDWR | O_CREAT, 0600, &big));
        struct mq_attr bigsz = {.mq_maxmsg = 10, .mq_msgsize = 8193};
        r("unprivileged: msgsize 8193", mq_open("/blinders-mq-never", O_RDWR | O_CREAT, 0600, &bigsz));
        r("unprivileged: unlink root's", mq_unlink(name3));
        _exit(0);
    }
    waitpid(pid, NULL, 0);

    /* mq_notify: the parent registers, the child sends */
    struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};
    sigaction(SIGUSR1, &sa, NULL);
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
    ev.sigev_value.sival_int = 42;
    r("notify", mq_notify(q3, &ev));
    r("notify again (busy)", mq_notify(q3, &ev));
    status("status registered", q3);
    struct sigevent badev = {.sigev_notify = 99};
    r("notify bad sigev_notify", mq_notify(q3, &badev));
    sigset_t usr1, prev;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &prev);
    pid = fork();
    if (pid == 0) {
        mqd_t c = mq_open(name3, O_WRONLY);
        r("child: notify (busy)", mq_notify(c, &ev));
        r("child: send", mq_send(c, "hello", 5, 3));
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    sigsuspend(&prev);
    sigprocmask(SIG_SETMASK, &prev, NULL);
    printf("%-40s sig %d code %s value %d pid %s\n", "notified", (int)got_sig,
           got_code == SI_MESGQ ? "SI_MESGQ" : "other", (int)got_value, got_pid_ok ? "child" : "?");
    status("status after notification", q3);
    r("notify again after it fired", mq_notify(q3, &ev));
    r("notify NULL unregisters", mq_notify(q3, NULL));
    r("notify SIGEV_NONE", mq_notify(q3, &(struct sigevent){.sigev_notify = SIGEV_NONE}));
    status("status SIGEV_NONE", q3);
    r("notify NULL", mq_notify(q3, NULL));
    ssize_t n = mq_receive(q3, buf, 8192, &prio);
    printf("%-40s %.*s prio %u\n", "receive notified message", (int)(n < 0 ? 0 : n), buf, prio);

    /* A blocked receiver, woken by a child's send */
    pid = fork();
    if (pid == 0) {
        mqd_t c = mq_open(name3, O_WRONLY);
        usleep(50000);
        mq_send(c, "late", 4, 7);
        _exit(0);
    }
    n = mq_receive(q3, buf, 8192, &prio);
    printf("%-40s %.*s prio %u\n", "blocking receive", (int)(n < 0 ? 0 : n), buf, prio);
    waitpid(pid, NULL, 0);

    /* SIGEV_THREAD through the C library: a message runs the function in another thread. */
    main_thread = pthread_self();
    struct sigevent tev = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = on_thread};
    tev.sigev_value.sival_int = 7;
    r("notify SIGEV_THREAD", mq_notify(q3, &tev));
    status("status SIGEV_THREAD", q3);
    r("send for the thread", mq_send(q3, "t", 1, 1));
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&fired_lock);
    while (!fired && pthread_cond_timedwait(&fired_cond, &fired_lock, &until) == 0)
        ;
    printf("%-40s fired %d value %d other thread %d\n", "SIGEV_THREAD", fired, fired_value,
           fired_elsewhere);
    pthread_mutex_unlock(&fired_lock);
    n = mq_receive(q3, buf, 8192, &prio);
    printf("%-40s %.*s\n", "receive after SIGEV_THREAD", (int)(n < 0 ? 0 : n), buf);
    status("status after SIGEV_THREAD", q3);

    /* SIGEV_THREAD's checks, made on the raw call */
    char cookie[32] = {0};
    int pipefd[2];
    pipe(pipefd);
    int usock = socket(AF_UNIX, SOCK_DGRAM, 0);
    r("raw SIGEV_THREAD bad fd", raw_notify_thread(q3, 999, cookie));
    r("raw SIGEV_THREAD pipe", raw_notify_thread(q3, pipefd[0], cookie));
    r("raw SIGEV_THREAD unix socket", raw_notify_thread(q3, usock, cookie));
    int nl = socket(AF_NETLINK, SOCK_RAW, 0);
    r("raw SIGEV_THREAD bad cookie", raw_notify_thread(q3, nl, (void *)8));
    memset(cookie, 'c', sizeof cookie);
    r("raw SIGEV_THREAD netlink", raw_notify_thread(q3, nl, cookie));
    r("notify NULL removes it", mq_notify(q3, NULL));
    char got[64];
    n = recv(nl, got, sizeof got, MSG_DONTWAIT);
    printf("%-40s %ld bytes, last byte %d, first %c\n", "cookie on removal", (long)n,
           n == 32 ? got[31] : -1, n > 0 ? got[0] : '?');
    r("raw SIGEV_THREAD netlink again", raw_notify_thread(q3, nl, cookie));
    r("send for the cookie", mq_send(q3, "k", 1, 1));
    n = recv(nl, got, sizeof got, 0);
    printf("%-40s %ld bytes, last byte %d, first %c\n", "cookie on a message", (long)n,
           n == 32 ? got[31] : -1, n > 0 ? got[0] : '?');
    mq_receive(q3, buf, 8192, &prio);
    close(nl);
    close(usock);

    /* Unlink: open descriptors keep the queue */
    r("unlink", mq_unlink(name1));
    r("open unlinked", mq_open(name1, O_RDWR));
    r("send to unlinked open queue", mq_send(q2, "still", 5, 0));
    n = mq_receive(q, buf, sizeof buf, &prio);
    printf("%-40s %.*s\n", "receive from unlinked queue", (int)(n < 0 ? 0 : n), buf);
    mqd_t fresh = mq_open(name1, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
    r("create the name again", fresh);
    attrs("new queue is empty", fresh);
    r("close", mq_close(q));
    r("close again", mq_close(q));
    r("unlink again", mq_unlink(name1));
    r("unlink c", mq_unlink(name3));
    r("unlink c again", mq_unlink(name3));
    return 0;
}
