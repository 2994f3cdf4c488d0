/* Unix domain sockets (unix(7)): socketpair, path and abstract names, listen/accept/connect,
 * data semantics of the three types, SCM_RIGHTS and SCM_CREDENTIALS, shutdown, poll and epoll,
 * socket options and the error cases. argv[1] picks the mode:
 *   pair | server DIR | abstract | rights DIR | creds | nonblock DIR | pipe | msgs | shutdown |
 *   poll | errors DIR | opts | stat
 * Prints only what two correct runs share: relations between pids, never pids or inode
 * numbers; autobound names by their shape. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

static void die(const char *what) {
    printf("FAILED: %s: %s\n", what, errname(errno));
    fflush(stdout);
    exit(99);
}

static pid_t xfork(void) {
    fflush(stdout);
    pid_t p = fork();
    if (p < 0)
        die("fork");
    return p;
}

static int child_status(pid_t p) {
    int st;
    if (waitpid(p, &st, 0) != p)
        die("waitpid");
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + WTERMSIG(st);
}

static const char *tname(int t) {
    switch (t) {
    case SOCK_STREAM: return "stream";
    case SOCK_DGRAM: return "dgram";
    case SOCK_SEQPACKET: return "seqpacket";
    default: return "?";
    }
}

static socklen_t path_addr(struct sockaddr_un *a, const char *dir, const char *name) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    snprintf(a->sun_path, sizeof a->sun_path, "%s/%s", dir, name);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    size_t n = strlen(name);
    memcpy(a->sun_path + 1, name, n);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* Prints an address as "len=N path" or "len=N @abstract". */
static void show_addr(const char *label, struct sockaddr_un *a, socklen_t len) {
    printf("%s: len=%u", label, (unsigned)len);
    if (len > offsetof(struct sockaddr_un, sun_path)) {
        if (a->sun_path[0])
            printf(" path=%s", strrchr(a->sun_path, '/') ? strrchr(a->sun_path, '/') + 1 : a->sun_path);
        else
            printf(" @%.*s", (int)(len - offsetof(struct sockaddr_un, sun_path) - 1), a->sun_path + 1);
    }
    printf("\n");
}

static ssize_t read_full(int fd, void *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* ---- socketpair of each type across fork ---- */
static void mode_pair(void) {
    int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
    for (int i = 0; i < 3; i++) {
        int sv[2];
        if (socketpair(AF_UNIX, types[i], 0, sv) != 0)
            die("socketpair");
        pid_t p = xfork();
        if (p == 0) {
            close(sv[0]);
            char buf[64];
            ssize_t n = read(sv[1], buf, sizeof buf);
            for (ssize_t k = 0; k < n; k++)
                buf[k] = (char)(buf[k] - 32);
            write(sv[1], buf, (size_t)n);
            write(sv[1], "second", 6);
            _exit(0);
        }
        close(sv[1]);
        write(sv[0], "hello", 5);
        char buf[64];
        /* A stream may glue the two answers: read the first one's length only. */
        ssize_t n = types[i] == SOCK_STREAM ? read_full(sv[0], buf, 5) : read(sv[0], buf, sizeof buf);
        printf("%s: child answered %zd bytes: %.*s\n", tname(types[i]), n, (int)n, buf);
        n = read_full(sv[0], buf, 6);
        printf("%s: then %zd: %.*s\n", tname(types[i]), n, (int)n, buf);
        printf("%s: child exit %d\n", tname(types[i]), child_status(p));
        if (types[i] != SOCK_DGRAM) {
            n = read(sv[0], buf, sizeof buf);
            printf("%s: read after peer exit = %zd\n", tname(types[i]), n);
        }
        close(sv[0]);
    }
    /* A stream pair keeps no boundaries; a seqpacket pair does. */
    for (int i = 0; i < 2; i++) {
        int t = i ? SOCK_SEQPACKET : SOCK_STREAM, sv[2];
        socketpair(AF_UNIX, t, 0, sv);
        write(sv[0], "ab", 2);
        write(sv[0], "cde", 3);
        char buf[16];
        ssize_t n = read(sv[1], buf, sizeof buf);
        printf("%s: first read %zd\n", tname(t), n);
        close(sv[0]);
        close(sv[1]);
    }
    /* Big stream transfer through a child: the writer blocks on a full buffer. */
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    static char big[1 << 20];
    for (size_t k = 0; k < sizeof big; k++)
        big[k] = (char)(k * 7);
    pid_t p = xfork();
    if (p == 0) {
        close(sv[0]);
        ssize_t w = write(sv[1], big, sizeof big);
        _exit(w == (ssize_t)sizeof big ? 0 : 1);
    }
    close(sv[1]);
    static char got[1 << 20];
    ssize_t n = read_full(sv[0], got, sizeof got);
    printf("big: %zd bytes, same=%d, child exit %d\n", n, memcmp(big, got, sizeof got) == 0,
           child_status(p));
    close(sv[0]);
}

/* ---- a stream server on a path, clients in child processes ---- */
static void mode_server(const char *dir) {
    struct sockaddr_un a;
    socklen_t alen = path_addr(&a, dir, "srv.sock");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("bind", bind(s, (struct sockaddr *)&a, alen));
    struct stat st;
    SHOW("stat is socket", stat(a.sun_path, &st) == 0 && S_ISSOCK(st.st_mode));
    printf("mode 0%o\n", st.st_mode & 0777);
    SHOW("bind again", bind(s, (struct sockaddr *)&a, alen));
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("bind taken path", bind(s2, (struct sockaddr *)&a, alen));
    struct sockaddr_un other;
    socklen_t olen = path_addr(&other, dir, "other.sock");
    SHOW("bind bound socket elsewhere", bind(s, (struct sockaddr *)&other, olen));
    SHOW("other path exists", access(other.sun_path, F_OK));
    SHOW("connect before listen", connect(s2, (struct sockaddr *)&a, alen));
    SHOW("listen", listen(s, 5));
    SHOW("listen again", listen(s, 10));
    struct sockaddr_un name;
    socklen_t nlen = sizeof name;
    getsockname(s, (struct sockaddr *)&name, &nlen);
    show_addr("getsockname", &name, nlen);
    nlen = sizeof name;
    SHOW("getpeername of listener", getpeername(s, (struct sockaddr *)&name, &nlen));
    int one = 0;
    socklen_t ol = sizeof one;
    getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &one, &ol);
    printf("SO_ACCEPTCONN=%d\n", one);

    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = xfork();
        if (kids[i] == 0) {
            int c = socket(AF_UNIX, SOCK_STREAM, 0);
            if (i == 1) {
                /* This client has a name of its own. */
                struct sockaddr_un ca;
                char nm[32];
                snprintf(nm, sizeof nm, "client%d.sock", i);
                socklen_t cl = path_addr(&ca, dir, nm);
                if (bind(c, (struct sockaddr *)&ca, cl) != 0)
                    _exit(10);
            }
            if (connect(c, (struct sockaddr *)&a, alen) != 0)
                _exit(11);
            struct ucred cr;
            socklen_t cl = sizeof cr;
            getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
            char msg[64];
            int n = snprintf(msg, sizeof msg, "client %d peer-is-parent=%d", i, cr.pid == getppid());
            write(c, msg, (size_t)n);
            char buf[64];
            ssize_t r = read(c, buf, sizeof buf);
            if (r != 3 || memcmp(buf, "bye", 3) != 0)
                _exit(12);
            r = read(c, buf, sizeof buf);
            _exit(r == 0 ? 0 : 13);
        }
    }
    /* Clients connect in any order: what each showed is printed in client order. */
    char report[3][512];
    memset(report, 0, sizeof report);
    for (int i = 0; i < 3; i++) {
        struct sockaddr_un pa;
        socklen_t pl = sizeof pa;
        int c = accept4(s, (struct sockaddr *)&pa, &pl, SOCK_CLOEXEC);
        if (c < 0)
            die("accept4");
        char buf[64];
        ssize_t n = read(c, buf, sizeof buf);
        int which = n > 7 ? buf[7] - '0' : -1;
        if (which < 0 || which > 2)
            die("client number");
        struct ucred cr;
        socklen_t cl = sizeof cr;
        getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
        int is_kid = cr.pid == kids[which];
        struct sockaddr_un sn;
        socklen_t sl = sizeof sn;
        getsockname(c, (struct sockaddr *)&sn, &sl);
        snprintf(report[which], sizeof report[which],
                 "accepted: %.*s; peercred pid is that child=%d, uid ok=%d, cloexec=%d\n"
                 "  accept addr len=%u named=%d, getsockname len=%u same as listener=%d\n",
                 (int)n, buf, is_kid, cr.uid == geteuid(), fcntl(c, F_GETFD) & FD_CLOEXEC,
                 (unsigned)pl, pl > 2 && strstr(pa.sun_path, "client1.sock") != NULL,
                 (unsigned)sl, sl == alen && strcmp(sn.sun_path, a.sun_path) == 0);
        write(c, "bye", 3);
        close(c);
    }
    for (int i = 0; i < 3; i++)
        fputs(report[i], stdout);
    for (int i = 0; i < 3; i++)
        printf("client %d exit %d\n", i, child_status(kids[i]));

    /* The client's view: its peer's name, and connect errors. */
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("connect", connect(c, (struct sockaddr *)&a, alen));
    nlen = sizeof name;
    getpeername(c, (struct sockaddr *)&name, &nlen);
    show_addr("client getpeername", &name, nlen);
    nlen = sizeof name;
    getsockname(c, (struct sockaddr *)&name, &nlen);
    show_addr("client getsockname", &name, nlen);
    SHOW("connect again", connect(c, (struct sockaddr *)&a, alen));
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    SHOW("dgram connect to stream", connect(d, (struct sockaddr *)&a, alen));
    int q = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    SHOW("seqpacket connect to stream", connect(q, (struct sockaddr *)&a, alen));
    struct sockaddr_un missing;
    socklen_t ml = path_addr(&missing, dir, "missing.sock");
    int e = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("connect missing", connect(e, (struct sockaddr *)&missing, ml));
    struct sockaddr_un file;
    socklen_t fl = path_addr(&file, dir, "plain");
    close(open(file.sun_path, O_CREAT | O_WRONLY, 0644));
    SHOW("connect to a regular file", connect(e, (struct sockaddr *)&file, fl));
    SHOW("open the socket node", open(a.sun_path, O_RDONLY));
    close(s);
    SHOW("connect after listener closed", connect(e, (struct sockaddr *)&a, alen));
    char buf[8];
    SHOW("pending client reads", read(c, buf, sizeof buf));
    SHOW("unlink", unlink(a.sun_path));
    unlink(file.sun_path);
    struct sockaddr_un c1;
    path_addr(&c1, dir, "client1.sock");
    unlink(c1.sun_path);
    /* Relative paths resolve against the working directory. */
    chdir(dir);
    int r = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un rel = {.sun_family = AF_UNIX};
    strcpy(rel.sun_path, "rel.sock");
    SHOW("bind relative", bind(r, (struct sockaddr *)&rel, sizeof rel));
    SHOW("listen relative", listen(r, 1));
    int rc = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("connect relative", connect(rc, (struct sockaddr *)&rel, sizeof rel));
    nlen = sizeof name;
    getsockname(r, (struct sockaddr *)&name, &nlen);
    printf("relative getsockname len=%u path=%s\n", (unsigned)nlen, name.sun_path);
    unlink("rel.sock");
}

/* ---- abstract names, autobind, datagrams with addresses ---- */
static void mode_abstract(void) {
    char name[64];
    snprintf(name, sizeof name, "blinders-test-%d", (int)getpid());
    struct sockaddr_un a;
    socklen_t alen = abstract_addr(&a, name);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("bind abstract", bind(s, (struct sockaddr *)&a, alen));
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("bind same name", bind(s2, (struct sockaddr *)&a, alen));
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    SHOW("bind same name, other type", bind(d, (struct sockaddr *)&a, alen));
    SHOW("listen", listen(s, 1));
    struct sockaddr_un got;
    socklen_t gl = sizeof got;
    getsockname(s, (struct sockaddr *)&got, &gl);
    printf("getsockname len matches=%d same=%d\n", gl == alen, memcmp(&got, &a, alen) == 0);
    pid_t p = xfork();
    if (p == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&a, alen) != 0)
            _exit(1);
        write(c, "over abstract", 13);
        _exit(0);
    }
    int c = accept(s, NULL, NULL);
    char buf[64];
    ssize_t n = read_full(c, buf, 13);
    printf("server got %zd: %.*s\n", n, (int)n, buf);
    printf("child exit %d\n", child_status(p));
    struct sockaddr_un shorter;
    socklen_t sl = abstract_addr(&shorter, name);
    sl -= 1;
    int e = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("connect to a prefix of the name", connect(e, (struct sockaddr *)&shorter, sl));
    SHOW("seqpacket connect to the stream name", connect(socket(AF_UNIX, SOCK_SEQPACKET, 0),
                                                         (struct sockaddr *)&a, alen));
    close(s);
    SHOW("connect after close", connect(e, (struct sockaddr *)&a, alen));
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("name free again", bind(s, (struct sockaddr *)&a, alen));

    /* Autobind: "\0" and five hex digits. */
    int ab = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    SHOW("autobind", bind(ab, (struct sockaddr *)&fam, sizeof(sa_family_t)));
    gl = sizeof got;
    getsockname(ab, (struct sockaddr *)&got, &gl);
    int hex = 1;
    for (int i = 1; i <= 5; i++)
        hex &= (got.sun_path[i] >= '0' && got.sun_path[i] <= '9') ||
               (got.sun_path[i] >= 'a' && got.sun_path[i] <= 'f');
    printf("autobind len=%u nul=%d hex=%d\n", (unsigned)gl, got.sun_path[0] == 0, hex);
    SHOW("autobind again", bind(ab, (struct sockaddr *)&fam, sizeof(sa_family_t)));

    /* Datagrams between named sockets: sendto, recvfrom with the sender's name. */
    char rn[64];
    snprintf(rn, sizeof rn, "blinders-dgram-%d", (int)getpid());
    struct sockaddr_un ra;
    socklen_t rl = abstract_addr(&ra, rn);
    int rx = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(rx, (struct sockaddr *)&ra, rl);
    SHOW("sendto named", sendto(ab, "dgram1", 6, 0, (struct sockaddr *)&ra, rl));
    int anon = socket(AF_UNIX, SOCK_DGRAM, 0);
    SHOW("sendto from unnamed", sendto(anon, "dgram2", 6, 0, (struct sockaddr *)&ra, rl));
    struct sockaddr_un from;
    socklen_t fl = sizeof from;
    n = recvfrom(rx, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    printf("recvfrom %zd: %.*s from len=%u same-as-autobound=%d\n", n, (int)n, buf, (unsigned)fl,
           fl == gl && memcmp(&from, &got, fl) == 0);
    fl = sizeof from;
    n = recvfrom(rx, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    printf("recvfrom %zd: %.*s from len=%u\n", n, (int)n, buf, (unsigned)fl);
    SHOW("send unconnected dgram", send(anon, "x", 1, 0));
    SHOW("connect dgram", connect(anon, (struct sockaddr *)&ra, rl));
    SHOW("send connected dgram", send(anon, "x", 1, 0));
    /* rx is not connected, so anyone may send; once rx connects to ab, anon may not. */
    SHOW("rx connects to ab", connect(rx, (struct sockaddr *)&got, gl));
    SHOW("anon sends to rx now", send(anon, "y", 1, 0));
    struct sockaddr_un unspec = {.sun_family = AF_UNSPEC};
    SHOW("disconnect with AF_UNSPEC", connect(anon, (struct sockaddr *)&unspec, sizeof unspec));
    SHOW("send after disconnect", send(anon, "x", 1, 0));
    struct sockaddr_un nobody;
    socklen_t nl = abstract_addr(&nobody, "blinders-nobody-here");
    SHOW("sendto nobody", sendto(anon, "x", 1, 0, (struct sockaddr *)&nobody, nl));
    SHOW("sendto stream name", sendto(anon, "x", 1, 0, (struct sockaddr *)&a, alen));
    /* A connected datagram socket whose peer closes: ECONNREFUSED, then ENOTCONN. */
    int x = socket(AF_UNIX, SOCK_DGRAM, 0), y = socket(AF_UNIX, SOCK_DGRAM, 0);
    char yn[64];
    snprintf(yn, sizeof yn, "blinders-y-%d", (int)getpid());
    struct sockaddr_un ya;
    socklen_t yl = abstract_addr(&ya, yn);
    bind(y, (struct sockaddr *)&ya, yl);
    connect(x, (struct sockaddr *)&ya, yl);
    close(y);
    SHOW("send to closed peer", send(x, "x", 1, 0));
    SHOW("send again", send(x, "x", 1, 0));
}

static int send_fds(int sock, const int *fds, int n, const char *data) {
    char ctl[CMSG_SPACE(sizeof(int) * 8)];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {.iov_base = (void *)data, .iov_len = strlen(data)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
    return (int)sendmsg(sock, &m, 0);
}

/* Receives into a control buffer of ctl_len bytes; returns the fds got (up to 8). */
static int recv_fds(int sock, int *fds, size_t ctl_len, int flags, char *data, size_t dlen,
                    int *msg_flags) {
    char ctl[512];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {.iov_base = data, .iov_len = dlen};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl_len ? ctl : NULL,
                       .msg_controllen = ctl_len};
    ssize_t r = recvmsg(sock, &m, flags);
    if (r < 0)
        return -1;
    data[r] = 0;
    *msg_flags = m.msg_flags;
    int n = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            memcpy(fds + n, CMSG_DATA(c), sizeof(int) * (size_t)k);
            n += k;
        }
    }
    printf("recvmsg %zd bytes '%s', %d fds, controllen=%zu, ctrunc=%d\n", r, data, n,
           (size_t)m.msg_controllen, (m.msg_flags & MSG_CTRUNC) != 0);
    return n;
}

/* ---- SCM_RIGHTS between processes ---- */
static void mode_rights(const char *dir) {
    int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
    for (int t = 0; t < 3; t++) {
        printf("-- %s\n", tname(types[t]));
        int sv[2];
        socketpair(AF_UNIX, types[t], 0, sv);
        pid_t p = xfork();
        if (p == 0) {
            /* The child makes a pipe and a file and sends them; then writes to the pipe. */
            close(sv[0]);
            int pp[2];
            pipe(pp);
            char path[512];
            snprintf(path, sizeof path, "%s/passed-%d", dir, t);
            int f = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
            write(f, "file contents", 13);
            lseek(f, 5, SEEK_SET);
            int fds[2] = {pp[0], f};
            if (send_fds(sv[1], fds, 2, "two fds") < 0)
                _exit(1);
            close(pp[0]);
            close(f);
            unlink(path);
            char go;
            if (read(sv[1], &go, 1) != 1)
                _exit(2);
            write(pp[1], "through the passed pipe", 23);
            close(pp[1]);
            _exit(0);
        }
        close(sv[1]);
        int fds[8], fl;
        char data[64];
        int n = recv_fds(sv[0], fds, CMSG_SPACE(sizeof(int) * 8), MSG_CMSG_CLOEXEC, data,
                         sizeof data - 1, &fl);
        if (n == 2) {
            struct stat st0, st1;
            fstat(fds[0], &st0);
            fstat(fds[1], &st1);
            printf("fd0 fifo=%d fd1 reg=%d cloexec=%d\n", S_ISFIFO(st0.st_mode),
                   S_ISREG(st1.st_mode), fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
            char buf[64];
            ssize_t r = read(fds[1], buf, sizeof buf);
            printf("file read at the shared offset: %.*s\n", (int)r, buf);
            write(sv[0], "g", 1);
            r = read_full(fds[0], buf, 23);
            printf("pipe: %.*s\n", (int)r, buf);
            close(fds[0]);
            close(fds[1]);
        }
        printf("child exit %d\n", child_status(p));
        close(sv[0]);
    }
    /* Too small a control buffer: MSG_CTRUNC, the rest closed. */
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    int pp[2];
    pipe(pp);
    int three[3] = {pp[0], pp[1], pp[0]};
    SHOW("send 3 fds", send_fds(sv[0], three, 3, "three"));
    int fds[8], fl;
    char data[64];
    int n = recv_fds(sv[1], fds, CMSG_LEN(sizeof(int)), 0, data, sizeof data - 1, &fl);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    SHOW("send 3 fds again", send_fds(sv[0], three, 3, "three"));
    n = recv_fds(sv[1], fds, 0, 0, data, sizeof data - 1, &fl);
    SHOW("send 1 fd", send_fds(sv[0], three, 1, "one"));
    n = recv_fds(sv[1], fds, CMSG_SPACE(sizeof(int) * 8), MSG_PEEK, data, sizeof data - 1, &fl);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    n = recv_fds(sv[1], fds, CMSG_SPACE(sizeof(int) * 8), 0, data, sizeof data - 1, &fl);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    /* The write end is closed only when every passed copy went: the pipe sees EOF then. */
    close(pp[1]);
    char b;
    SHOW("pipe read after all write ends closed", read(pp[0], &b, 1));
    int bad = 999;
    SHOW("send a bad fd", send_fds(sv[0], &bad, 1, "bad"));
    /* A stream message with fds is read up to its end, not glued to the next one. */
    int st[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, st);
    send_fds(st[0], pp, 1, "abc");
    write(st[0], "def", 3);
    n = recv_fds(st[1], fds, CMSG_SPACE(sizeof(int) * 8), 0, data, sizeof data - 1, &fl);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    n = recv_fds(st[1], fds, CMSG_SPACE(sizeof(int) * 8), 0, data, sizeof data - 1, &fl);
    /* Passing a socket over itself's peer: the receiver can use it. */
    int q[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, q);
    send_fds(st[0], &q[0], 1, "sock");
    close(q[0]);
    n = recv_fds(st[1], fds, CMSG_SPACE(sizeof(int) * 8), 0, data, sizeof data - 1, &fl);
    if (n == 1) {
        write(fds[0], "via passed socket", 17);
        char buf[32];
        ssize_t r = read(q[1], buf, sizeof buf);
        printf("q[1] got %.*s\n", (int)r, buf);
    }
}

/* ---- SO_PASSCRED and SCM_CREDENTIALS ---- */
static void print_creds(int sock, const char *label) {
    char data[32], ctl[CMSG_SPACE(sizeof(struct ucred))];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = sizeof ctl};
    ssize_t r = recvmsg(sock, &m, 0);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (r < 0) {
        printf("%s: recvmsg %s\n", label, errname(errno));
        return;
    }
    if (c && c->cmsg_type == SCM_CREDENTIALS) {
        struct ucred u;
        memcpy(&u, CMSG_DATA(c), sizeof u);
        printf("%s: %zd bytes, creds pid=%s uid-ok=%d gid-ok=%d\n", label, r,
               u.pid == getpid() ? "self" : u.pid == 0 ? "0" : "other", u.uid == getuid(),
               u.gid == getgid());
    } else {
        printf("%s: %zd bytes, no creds\n", label, r);
    }
}

static void mode_creds(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    struct ucred u;
    socklen_t ul = sizeof u;
    getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &u, &ul);
    printf("pair peercred pid self=%d uid-ok=%d len=%u\n", u.pid == getpid(), u.uid == geteuid(),
           (unsigned)ul);
    write(sv[0], "before", 6);
    int on = 1;
    SHOW("SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    write(sv[0], "after", 5);
    print_creds(sv[1], "sent before SO_PASSCRED");
    print_creds(sv[1], "sent after");
    /* Explicit credentials: one's own are fine, another pid is EPERM (unless root). */
    struct ucred mine = {.pid = getpid(), .uid = getuid(), .gid = getgid()};
    char ctl[CMSG_SPACE(sizeof mine)];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {.iov_base = "explicit", .iov_len = 8};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = sizeof ctl};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof mine);
    memcpy(CMSG_DATA(c), &mine, sizeof mine);
    SHOW("sendmsg own creds", sendmsg(sv[0], &m, 0));
    print_creds(sv[1], "explicit");
    c->cmsg_len = CMSG_LEN(sizeof mine) - 1;
    SHOW("sendmsg short creds", sendmsg(sv[0], &m, 0));
    c->cmsg_len = CMSG_LEN(sizeof mine);
    c->cmsg_type = 77;
    SHOW("sendmsg unknown cmsg type", sendmsg(sv[0], &m, 0));
    /* Stream: creds from a child, glued only within one writer. */
    int st[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, st);
    setsockopt(st[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    pid_t p = xfork();
    if (p == 0) {
        write(st[0], "from child", 10);
        _exit(0);
    }
    child_status(p);
    write(st[0], "from parent", 11);
    char data[32], cbuf[CMSG_SPACE(sizeof(struct ucred))];
    for (int i = 0; i < 2; i++) {
        struct iovec io = {.iov_base = data, .iov_len = sizeof data};
        struct msghdr mm = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf,
                            .msg_controllen = sizeof cbuf};
        ssize_t r = recvmsg(st[1], &mm, 0);
        struct cmsghdr *cc = CMSG_FIRSTHDR(&mm);
        struct ucred cu = {0};
        if (cc)
            memcpy(&cu, CMSG_DATA(cc), sizeof cu);
        printf("stream read %zd: %.*s; creds pid %s\n", r, (int)r, data,
               cu.pid == p ? "child" : cu.pid == getpid() ? "self" : "other");
    }
    /* Unconnected: no peer credentials. */
    int lone = socket(AF_UNIX, SOCK_STREAM, 0);
    ul = sizeof u;
    getsockopt(lone, SOL_SOCKET, SO_PEERCRED, &u, &ul);
    printf("unconnected peercred pid=%d uid=%d gid=%d\n", u.pid, (int)u.uid, (int)u.gid);
}

/* ---- non-blocking accept and connect, timeouts ---- */
static void mode_nonblock(const char *dir) {
    struct sockaddr_un a;
    socklen_t alen = path_addr(&a, dir, "nb.sock");
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    bind(s, (struct sockaddr *)&a, alen);
    listen(s, 0);
    SHOW("accept with nobody", accept(s, NULL, NULL));
    int c1 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int c3 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    SHOW("connect 1 (backlog 0)", connect(c1, (struct sockaddr *)&a, alen));
    SHOW("connect 2", connect(c2, (struct sockaddr *)&a, alen));
    SHOW("connect 3", connect(c3, (struct sockaddr *)&a, alen));
    SHOW("write before accept", write(c1, "early", 5));
    int acc = accept4(s, NULL, NULL, SOCK_NONBLOCK);
    printf("accept4 nonblock flag=%d\n", (fcntl(acc, F_GETFL) & O_NONBLOCK) != 0);
    char buf[16];
    SHOW("read early data", read(acc, buf, sizeof buf));
    SHOW("read empty", read(acc, buf, sizeof buf));
    SHOW("recv MSG_DONTWAIT", recv(c1, buf, sizeof buf, MSG_DONTWAIT));
    SHOW("connect 2 after accept", connect(c2, (struct sockaddr *)&a, alen));
    SHOW("accept again", accept(s, NULL, NULL) >= 0);
    SHOW("accept nothing left", accept(s, NULL, NULL));
    /* SO_RCVTIMEO: a blocking read that times out. */
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct timeval tv = {.tv_sec = 0, .tv_usec = 50000};
    SHOW("SO_RCVTIMEO", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    SHOW("read times out", read(sv[0], buf, sizeof buf));
    SHOW("recv times out", recv(sv[0], buf, sizeof buf, 0));
    /* A blocking accept woken by a child's connect. */
    int b = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un ba;
    socklen_t bl = path_addr(&ba, dir, "block.sock");
    bind(b, (struct sockaddr *)&ba, bl);
    listen(b, 1);
    pid_t p = xfork();
    if (p == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        _exit(connect(c, (struct sockaddr *)&ba, bl) == 0 ? 0 : 1);
    }
    SHOW("blocking accept", accept(b, NULL, NULL) >= 0);
    printf("child exit %d\n", child_status(p));
    /* A blocking connect waits for room in the backlog. */
    int full = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un fa;
    socklen_t fal = path_addr(&fa, dir, "full.sock");
    bind(full, (struct sockaddr *)&fa, fal);
    listen(full, 0);
    int first = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(first, (struct sockaddr *)&fa, fal);
    int sync[2];
    pipe(sync);
    p = xfork();
    if (p == 0) {
        close(sync[0]);
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        write(sync[1], "x", 1);
        int r = connect(c, (struct sockaddr *)&fa, fal);
        write(c, "waited", 6);
        _exit(r == 0 ? 0 : 1);
    }
    close(sync[1]);
    read(sync[0], buf, 1);
    int a1 = accept(full, NULL, NULL);
    int a2 = accept(full, NULL, NULL);
    ssize_t n = read_full(a2, buf, 6);
    printf("accepted both: %d, second sent %.*s, child exit %d\n", a1 >= 0 && a2 >= 0, (int)n,
           buf, child_status(p));
    unlink(a.sun_path);
    unlink(ba.sun_path);
    unlink(fa.sun_path);
}

static volatile sig_atomic_t got_sigpipe;
static void on_sigpipe(int s) {
    (void)s;
    got_sigpipe++;
}

/* ---- EPIPE, SIGPIPE, MSG_NOSIGNAL, ECONNRESET ---- */
static void mode_pipe(void) {
    signal(SIGPIPE, on_sigpipe);
    int types[] = {SOCK_STREAM, SOCK_SEQPACKET};
    for (int i = 0; i < 2; i++) {
        int sv[2];
        socketpair(AF_UNIX, types[i], 0, sv);
        close(sv[1]);
        got_sigpipe = 0;
        SHOW("write to closed peer", write(sv[0], "x", 1));
        printf("%s: SIGPIPE count %d\n", tname(types[i]), (int)got_sigpipe);
        got_sigpipe = 0;
        SHOW("send MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_NOSIGNAL));
        printf("%s: SIGPIPE count %d\n", tname(types[i]), (int)got_sigpipe);
        char b;
        SHOW("read", read(sv[0], &b, 1));
        close(sv[0]);
    }
    /* Closing with unread data resets the peer: data first, then ECONNRESET, then EOF. */
    for (int i = 0; i < 2; i++) {
        int sv[2];
        socketpair(AF_UNIX, types[i], 0, sv);
        write(sv[0], "unread", 6);
        write(sv[1], "for 0", 5);
        close(sv[1]);
        char buf[16];
        printf("%s:\n", tname(types[i]));
        SHOW("  read", read(sv[0], buf, sizeof buf));
        SHOW("  read", read(sv[0], buf, sizeof buf));
        SHOW("  read", read(sv[0], buf, sizeof buf));
        int err = -1;
        socklen_t el = sizeof err;
        getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &el);
        printf("  SO_ERROR after %s\n", errname(err));
        close(sv[0]);
    }
    /* SO_ERROR reports and clears. */
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[0], "x", 1);
    close(sv[1]);
    int err = 0;
    socklen_t el = sizeof err;
    getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &el);
    printf("SO_ERROR %s\n", errname(err));
    getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &el);
    printf("SO_ERROR again %s\n", errname(err));
    /* A signal during a blocking read: EINTR without SA_RESTART. A child keeps sending it
     * until the read returns, so it does not matter when the read starts. */
    struct sigaction sa = {.sa_handler = on_sigpipe};
    sigaction(SIGALRM, &sa, NULL);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid_t parent = getpid();
    pid_t p = xfork();
    if (p == 0) {
        for (;;) {
            kill(parent, SIGALRM);
            usleep(10000);
        }
    }
    char b;
    SHOW("read interrupted", read(sv[0], &b, 1));
    kill(p, SIGKILL);
    printf("child %d\n", child_status(p));
    /* With SA_RESTART the read goes on and gets the data the child sends after a signal. */
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    p = xfork();
    if (p == 0) {
        for (int i = 0; i < 5; i++) {
            kill(parent, SIGALRM);
            usleep(10000);
        }
        write(sv[1], "r", 1);
        _exit(0);
    }
    SHOW("read restarted", read(sv[0], &b, 1));
    printf("child %d\n", child_status(p));
}

/* ---- message semantics: MSG_PEEK, MSG_TRUNC, MSG_WAITALL, EMSGSIZE ---- */
static void mode_msgs(void) {
    int types[] = {SOCK_DGRAM, SOCK_SEQPACKET};
    for (int i = 0; i < 2; i++) {
        printf("-- %s\n", tname(types[i]));
        int sv[2];
        socketpair(AF_UNIX, types[i], 0, sv);
        send(sv[0], "0123456789", 10, 0);
        send(sv[0], "abc", 3, 0);
        send(sv[0], "", 0, 0);
        char buf[32];
        SHOW("peek 4", recv(sv[1], buf, 4, MSG_PEEK));
        SHOW("peek 4 MSG_TRUNC", recv(sv[1], buf, 4, MSG_PEEK | MSG_TRUNC));
        int avail = -1;
        ioctl(sv[1], FIONREAD, &avail);
        printf("FIONREAD %d\n", avail);
        struct iovec iov = {.iov_base = buf, .iov_len = 4};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
        SHOW("recvmsg 4", recvmsg(sv[1], &m, 0));
        printf("msg_flags trunc=%d: %.4s\n", (m.msg_flags & MSG_TRUNC) != 0, buf);
        SHOW("next message", recv(sv[1], buf, sizeof buf, 0));
        SHOW("empty message", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
        SHOW("nothing", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
        static char huge[300000];
        SHOW("send too big", send(sv[0], huge, sizeof huge, 0));
        SHOW("send 100000", send(sv[0], huge, 100000, 0));
        SHOW("recv it with MSG_TRUNC and a short buffer", recv(sv[1], buf, 8, MSG_TRUNC));
        /* Scatter over two iovecs, and sendmmsg/recvmmsg. */
        send(sv[0], "scattered!", 10, 0);
        char p1[4], p2[16];
        struct iovec two[2] = {{p1, 4}, {p2, 16}};
        struct msghdr m2 = {.msg_iov = two, .msg_iovlen = 2};
        ssize_t r = recvmsg(sv[1], &m2, 0);
        printf("scatter %zd: %.4s|%.*s\n", r, p1, (int)(r - 4), p2);
        struct mmsghdr mm[3];
        struct iovec miov[3];
        char mbuf[3][8];
        const char *words[3] = {"one", "two", "three"};
        memset(mm, 0, sizeof mm);
        for (int k = 0; k < 3; k++) {
            miov[k].iov_base = (void *)words[k];
            miov[k].iov_len = strlen(words[k]);
            mm[k].msg_hdr.msg_iov = &miov[k];
            mm[k].msg_hdr.msg_iovlen = 1;
        }
        SHOW("sendmmsg", sendmmsg(sv[0], mm, 3, 0));
        for (int k = 0; k < 3; k++) {
            miov[k].iov_base = mbuf[k];
            miov[k].iov_len = sizeof mbuf[k];
            mm[k].msg_len = 0;
        }
        SHOW("recvmmsg", recvmmsg(sv[1], mm, 3, MSG_DONTWAIT, NULL));
        for (int k = 0; k < 3; k++)
            printf("  %u: %.*s\n", mm[k].msg_len, (int)mm[k].msg_len, mbuf[k]);
    }
    printf("-- stream\n");
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    send(sv[0], "0123456789", 10, 0);
    char buf[32];
    SHOW("peek 4", recv(sv[1], buf, 4, MSG_PEEK));
    SHOW("MSG_TRUNC ignored", recv(sv[1], buf, 4, MSG_TRUNC));
    printf("got %.4s\n", buf);
    int avail = -1;
    ioctl(sv[1], FIONREAD, &avail);
    printf("FIONREAD %d\n", avail);
    pid_t p = xfork();
    if (p == 0) {
        write(sv[0], "abcd", 4);
        _exit(0);
    }
    SHOW("MSG_WAITALL 10", recv(sv[1], buf, 10, MSG_WAITALL));
    printf("got %.10s, child exit %d\n", buf, child_status(p));
    SHOW("send with an address on a connected stream",
         sendto(sv[0], "x", 1, 0, (struct sockaddr *)&(struct sockaddr_un){.sun_family = AF_UNIX},
                sizeof(struct sockaddr_un)));
    /* writev keeps a seqpacket message whole; readv scatters it. */
    int q[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, q);
    struct iovec wv[2] = {{"gath", 4}, {"ered", 4}};
    SHOW("writev", writev(q[0], wv, 2));
    char r1[3], r2[10];
    struct iovec rv[2] = {{r1, 3}, {r2, 10}};
    ssize_t r = readv(q[1], rv, 2);
    printf("readv %zd: %.3s|%.*s\n", r, r1, (int)(r - 3), r2);
}

/* ---- shutdown ---- */
static void mode_shutdown(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    signal(SIGPIPE, SIG_IGN);
    write(sv[1], "pending", 7);
    SHOW("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
    SHOW("write after SHUT_WR", write(sv[0], "x", 1));
    char buf[16];
    SHOW("peer reads EOF", read(sv[1], buf, sizeof buf));
    SHOW("peer may still write", write(sv[1], "y", 1));
    SHOW("read after own SHUT_WR", read(sv[0], buf, sizeof buf));
    SHOW("shutdown SHUT_RD", shutdown(sv[0], SHUT_RD));
    SHOW("read after SHUT_RD", read(sv[0], buf, sizeof buf));
    SHOW("peer write after SHUT_RD", write(sv[1], "z", 1));
    SHOW("shutdown bad how", shutdown(sv[0], 7));
    int lone = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("shutdown unconnected", shutdown(lone, SHUT_RDWR));
    SHOW("shutdown a pipe", shutdown(0, SHUT_RD));
    /* Datagram shutdown: a shut-down receiver makes the sender's send EPIPE. */
    int d[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
    SHOW("dgram shutdown SHUT_RD", shutdown(d[1], SHUT_RD));
    SHOW("dgram send to it", send(d[0], "x", 1, 0));
    SHOW("dgram recv nonblocking", recv(d[1], buf, sizeof buf, MSG_DONTWAIT));
    SHOW("dgram recv blocking", recv(d[1], buf, sizeof buf, 0));
    int q[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, q);
    shutdown(q[0], SHUT_WR);
    SHOW("seqpacket read after peer SHUT_WR", recv(q[1], buf, sizeof buf, MSG_DONTWAIT));
    SHOW("seqpacket send after SHUT_WR", send(q[0], "x", 1, 0));
    /* A listener shut down: accept fails. */
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    bind(l, (struct sockaddr *)&fam, sizeof(sa_family_t));
    listen(l, 1);
    shutdown(l, SHUT_RD);
    SHOW("accept on shut-down listener", accept(l, NULL, NULL));
}

static void show_poll(const char *label, int fd, short events) {
    struct pollfd p = {.fd = fd, .events = events};
    int n = poll(&p, 1, 0);
    printf("%s: poll=%d revents=0x%x\n", label, n, (unsigned)p.revents);
}

/* ---- poll and epoll ---- */
static void mode_poll(void) {
    short all = POLLIN | POLLOUT | POLLRDHUP | POLLPRI;
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    show_poll("fresh stream", sv[0], all);
    write(sv[1], "x", 1);
    show_poll("with data", sv[0], all);
    shutdown(sv[1], SHUT_WR);
    show_poll("peer SHUT_WR", sv[0], all);
    shutdown(sv[0], SHUT_WR);
    show_poll("both ways", sv[0], all);
    close(sv[1]);
    show_poll("peer closed", sv[0], all);
    int d[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
    show_poll("fresh dgram", d[0], all);
    int q[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, q);
    close(q[1]);
    show_poll("seqpacket peer closed", q[0], all);
    int lone = socket(AF_UNIX, SOCK_STREAM, 0);
    show_poll("unconnected stream", lone, all);
    int lq = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    show_poll("unconnected seqpacket", lq, all);
    int ld = socket(AF_UNIX, SOCK_DGRAM, 0);
    show_poll("unconnected dgram", ld, all);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    bind(l, (struct sockaddr *)&fam, sizeof(sa_family_t));
    listen(l, 4);
    show_poll("listener", l, all);
    struct sockaddr_un name;
    socklen_t nl = sizeof name;
    getsockname(l, (struct sockaddr *)&name, &nl);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&name, nl);
    show_poll("listener with a connection", l, all);
    int acc0 = accept(l, NULL, NULL);
    show_poll("accepted end", acc0, all);
    show_poll("listener after accept", l, all);

    /* epoll: a child writes; the parent waits for it. Edge-triggered reports each write. */
    int ep = epoll_create1(0);
    int e[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, e);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = e[0]};
    epoll_ctl(ep, EPOLL_CTL_ADD, e[0], &ev);
    struct epoll_event lev = {.events = EPOLLIN, .data.fd = l};
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &lev);
    pid_t p = xfork();
    if (p == 0) {
        write(e[1], "ping", 4);
        _exit(0);
    }
    struct epoll_event out[4];
    int n = epoll_wait(ep, out, 4, -1);
    int saw_sock = 0, saw_listener = 0;
    for (int i = 0; i < n; i++) {
        saw_sock |= out[i].data.fd == e[0] && (out[i].events & EPOLLIN);
        saw_listener |= out[i].data.fd == l && (out[i].events & EPOLLIN);
    }
    printf("epoll: socket readable=%d listener readable=%d\n", saw_sock, saw_listener);
    printf("child exit %d\n", child_status(p));
    n = epoll_wait(ep, out, 4, 0);
    printf("epoll again, nothing new: %d\n", n);
    write(e[1], "more", 4);
    n = epoll_wait(ep, out, 4, 0);
    printf("epoll after another write: %d\n", n);
    /* A blocked poll woken by the peer's close. */
    int w[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, w);
    p = xfork();
    if (p == 0) {
        close(w[0]);
        _exit(0);
    }
    close(w[1]);
    struct pollfd pf = {.fd = w[0], .events = POLLIN};
    n = poll(&pf, 1, -1);
    printf("poll after the last peer closed: %d revents=0x%x, child exit %d\n", n,
           (unsigned)pf.revents, child_status(p));
}

/* ---- bad input ---- */
static void mode_errors(const char *dir) {
    chdir(dir);
    SHOW("socket AF_UNIX bad type", socket(AF_UNIX, 9, 0));
    SHOW("socket AF_UNIX type 12", socket(AF_UNIX, 12, 0));
    SHOW("socket bad flags", socket(AF_UNIX, SOCK_STREAM | 0x100, 0));
    SHOW("socket protocol 2", socket(AF_UNIX, SOCK_STREAM, 2));
    SHOW("socket protocol PF_UNIX", socket(AF_UNIX, SOCK_STREAM, PF_UNIX) >= 0);
    SHOW("socket SOCK_RAW", socket(AF_UNIX, SOCK_RAW, 0) >= 0);
    SHOW("socket family 1000", socket(1000, SOCK_STREAM, 0));
    SHOW("socket family -1", socket(-1, SOCK_STREAM, 0));
    int sv[2];
    int *volatile bad_sv = (int *)8;
    SHOW("socketpair bad sv", socketpair(AF_UNIX, SOCK_STREAM, 0, bad_sv));
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t alen = path_addr(&a, dir, "err.sock");
    SHOW("bind addrlen 0", bind(s, (struct sockaddr *)&a, 0));
    SHOW("bind addrlen 1", bind(s, (struct sockaddr *)&a, 1));
    SHOW("bind addrlen 111", bind(s, (struct sockaddr *)&a, 111));
    SHOW("bind addrlen 129", bind(s, (struct sockaddr *)&a, 129));
    SHOW("bind bad pointer", bind(s, (struct sockaddr *)8, alen));
    struct sockaddr_un inet = a;
    inet.sun_family = AF_INET;
    SHOW("bind wrong family", bind(s, (struct sockaddr *)&inet, alen));
    SHOW("connect wrong family", connect(s, (struct sockaddr *)&inet, alen));
    SHOW("connect addrlen 1", connect(s, (struct sockaddr *)&a, 1));
    SHOW("bind a pipe", bind(0, (struct sockaddr *)&a, alen));
    int pp[2];
    pipe(pp);
    SHOW("bind non-socket", bind(pp[0], (struct sockaddr *)&a, alen));
    SHOW("listen non-socket", listen(pp[0], 1));
    SHOW("accept non-socket", accept(pp[0], NULL, NULL));
    SHOW("connect non-socket", connect(pp[0], (struct sockaddr *)&a, alen));
    SHOW("getsockname non-socket", getsockname(pp[0], (struct sockaddr *)&a, &alen));
    SHOW("send non-socket", send(pp[1], "x", 1, 0));
    SHOW("recv non-socket", recv(pp[0], &a, 1, MSG_DONTWAIT));
    SHOW("shutdown bad fd", shutdown(99, SHUT_RD));
    SHOW("setsockopt non-socket", setsockopt(pp[0], SOL_SOCKET, SO_PASSCRED, &alen, 4));
    SHOW("listen unbound", listen(s, 1));
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    bind(d, (struct sockaddr *)&fam, sizeof(sa_family_t));
    SHOW("listen on dgram", listen(d, 1));
    SHOW("accept on dgram", accept(d, NULL, NULL));
    SHOW("accept on unlistened stream", accept(s, NULL, NULL));
    SHOW("accept4 bad flags", accept4(s, NULL, NULL, 0x1));
    SHOW("getpeername unconnected", getpeername(s, (struct sockaddr *)&a, &alen));
    SHOW("send unconnected stream", send(s, "x", 1, 0));
    SHOW("recv unconnected stream", recv(s, &a, 1, 0));
    int q = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    SHOW("send unconnected seqpacket", send(q, "x", 1, 0));
    SHOW("recv unconnected seqpacket", recv(q, &a, 1, 0));
    SHOW("send unconnected dgram", send(d, "x", 1, 0));
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    SHOW("send bad buffer", send(sv[0], (void *)8, 4, 0));
    SHOW("recv bad buffer", recv(sv[1], (void *)8, 4, MSG_DONTWAIT));
    SHOW("MSG_OOB on dgram", send(d, "x", 1, MSG_OOB));
    struct msghdr m = {0};
    SHOW("sendmsg bad msghdr", sendmsg(sv[0], (struct msghdr *)8, 0));
    m.msg_iovlen = 2000;
    SHOW("sendmsg too many iovecs", sendmsg(sv[0], &m, 0));
    struct iovec iov = {.iov_base = "x", .iov_len = 1};
    char ctl[CMSG_SPACE(sizeof(int))];
    memset(ctl, 0, sizeof ctl);
    struct msghdr m2 = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                        .msg_controllen = sizeof ctl};
    ((struct cmsghdr *)ctl)->cmsg_len = 8;
    SHOW("sendmsg cmsg_len too small", sendmsg(sv[0], &m2, 0));
    ((struct cmsghdr *)ctl)->cmsg_len = 1000;
    SHOW("sendmsg cmsg_len too big", sendmsg(sv[0], &m2, 0));
    m2.msg_controllen = 4;
    SHOW("sendmsg tiny control ignored", sendmsg(sv[0], &m2, 0));
    int v = 0;
    socklen_t vl = sizeof v;
    SHOW("getsockopt bad level", getsockopt(s, 6, 1, &v, &vl));
    SHOW("getsockopt unknown", getsockopt(s, SOL_SOCKET, 9999, &v, &vl));
    vl = (socklen_t)-1;
    SHOW("getsockopt negative len", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl));
    vl = 4;
    SHOW("getsockopt bad optval", getsockopt(s, SOL_SOCKET, SO_TYPE, (void *)8, &vl));
    SHOW("getsockopt bad optlen", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, (socklen_t *)8));
    SHOW("setsockopt short", setsockopt(s, SOL_SOCKET, SO_PASSCRED, &v, 2));
    SHOW("setsockopt read-only", setsockopt(s, SOL_SOCKET, SO_TYPE, &v, 4));
    SHOW("setsockopt bad level", setsockopt(s, 6, 1, &v, 4));
    struct timeval bad = {.tv_sec = 1, .tv_usec = 2000000};
    SHOW("SO_RCVTIMEO bad usec", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof bad));
    SHOW("SO_RCVTIMEO short", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &bad, 8));
    socklen_t gl = sizeof a;
    SHOW("getsockname bad addr", getsockname(s, (struct sockaddr *)8, &gl));
    gl = (socklen_t)-1;
    SHOW("getsockname negative len", getsockname(s, (struct sockaddr *)&a, &gl));
    /* A sun_path with no NUL: bind takes all 108 bytes up to addrlen. */
    struct sockaddr_un longp = {.sun_family = AF_UNIX};
    memset(longp.sun_path, 'x', sizeof longp.sun_path);
    int s3 = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("bind 108-byte name", bind(s3, (struct sockaddr *)&longp, sizeof longp));
    socklen_t ll = sizeof longp + 8;
    struct sockaddr_un back[2];
    getsockname(s3, (struct sockaddr *)back, &ll);
    printf("its getsockname len=%u\n", (unsigned)ll);
    char name[sizeof longp.sun_path + 1];
    memcpy(name, longp.sun_path, sizeof longp.sun_path);
    name[sizeof longp.sun_path] = 0;
    SHOW("unlink it", unlink(name));
}

/* ---- options ---- */
static void mode_opts(void) {
    int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
    for (int i = 0; i < 3; i++) {
        int s = socket(AF_UNIX, types[i], 0);
        int v;
        socklen_t l = sizeof v;
        getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l);
        printf("%s: SO_TYPE=%d", tname(types[i]), v);
        getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &l);
        printf(" SO_DOMAIN=%d", v);
        getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v, &l);
        printf(" SO_PROTOCOL=%d", v);
        getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &l);
        printf(" SO_ACCEPTCONN=%d", v);
        getsockopt(s, SOL_SOCKET, SO_PASSCRED, &v, &l);
        printf(" SO_PASSCRED=%d", v);
        getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &l);
        printf(" SO_REUSEADDR=%d\n", v);
        close(s);
    }
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    int v;
    socklen_t l = sizeof v;
    int sizes[] = {1, 1000, 10000, 100000};
    for (int i = 0; i < 4; i++) {
        setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sizes[i], sizeof sizes[i]);
        setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sizes[i], sizeof sizes[i]);
        int sb, rb;
        l = sizeof sb;
        getsockopt(s, SOL_SOCKET, SO_SNDBUF, &sb, &l);
        getsockopt(s, SOL_SOCKET, SO_RCVBUF, &rb, &l);
        printf("set %d: SO_SNDBUF=%d SO_RCVBUF=%d\n", sizes[i], sb, rb > 0);
    }
    v = 5;
    SHOW("SO_REUSEADDR", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v));
    l = sizeof v;
    getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &l);
    printf("SO_REUSEADDR=%d\n", v);
    v = 1;
    SHOW("SO_KEEPALIVE", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v));
    struct linger lg = {.l_onoff = 1, .l_linger = 7};
    SHOW("SO_LINGER", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    memset(&lg, 0, sizeof lg);
    l = sizeof lg;
    getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &l);
    printf("SO_LINGER %d %d len %u\n", lg.l_onoff, lg.l_linger, (unsigned)l);
    struct timeval tv = {.tv_sec = 3, .tv_usec = 500000};
    SHOW("SO_SNDTIMEO", setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
    memset(&tv, 0, sizeof tv);
    l = sizeof tv;
    getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, &l);
    printf("SO_SNDTIMEO %ld.%06ld len %u\n", (long)tv.tv_sec, (long)tv.tv_usec, (unsigned)l);
    /* A short optlen gets the start of the value. */
    unsigned char bytes[4] = {0xaa, 0xaa, 0xaa, 0xaa};
    l = 2;
    getsockopt(s, SOL_SOCKET, SO_TYPE, bytes, &l);
    printf("short SO_TYPE: len %u bytes %02x %02x %02x\n", (unsigned)l, bytes[0], bytes[1],
           bytes[2]);
    struct ucred u;
    l = 4;
    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &u, &l);
    printf("short SO_PEERCRED len %u\n", (unsigned)l);
    l = 100;
    getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l);
    printf("long optlen comes back as %u\n", (unsigned)l);
    /* O_NONBLOCK through fcntl and FIONBIO reaches the socket. */
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    char b;
    SHOW("read with F_SETFL O_NONBLOCK", read(sv[0], &b, 1));
    int on = 1;
    ioctl(sv[1], FIONBIO, &on);
    SHOW("read with FIONBIO", read(sv[1], &b, 1));
    int st[2];
    SHOW("socketpair SOCK_NONBLOCK|SOCK_CLOEXEC",
         socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, st));
    printf("flags nonblock=%d cloexec=%d\n", (fcntl(st[0], F_GETFL) & O_NONBLOCK) != 0,
           fcntl(st[1], F_GETFD) & FD_CLOEXEC);
    SHOW("read nonblocking pair", read(st[0], &b, 1));
}

/* ---- fstat and /proc ---- */
static void mode_stat(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct stat st;
    fstat(sv[0], &st);
    printf("S_ISSOCK=%d mode=0%o nlink=%lu uid-ok=%d\n", S_ISSOCK(st.st_mode), st.st_mode & 07777,
           (unsigned long)st.st_nlink, st.st_uid == geteuid());
    struct stat st2;
    fstat(sv[1], &st2);
    printf("distinct inodes=%d\n", st.st_ino != st2.st_ino);
    char path[64], link[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", sv[0]);
    ssize_t n = readlink(path, link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    char want[64];
    snprintf(want, sizeof want, "socket:[%lu]", (unsigned long)st.st_ino);
    printf("link matches socket:[ino]: %d\n", strcmp(link, want) == 0);
    SHOW("lseek", lseek(sv[0], 0, SEEK_SET));
    SHOW("pread", pread(sv[0], path, 1, 0));
    int flags = fcntl(sv[0], F_GETFL);
    printf("F_GETFL O_RDWR=%d\n", (flags & O_ACCMODE) == O_RDWR);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2)
        return 2;
    const char *m = argv[1];
    const char *dir = argc > 2 ? argv[2] : ".";
    if (!strcmp(m, "pair"))
        mode_pair();
    else if (!strcmp(m, "server"))
        mode_server(dir);
    else if (!strcmp(m, "abstract"))
        mode_abstract();
    else if (!strcmp(m, "rights"))
        mode_rights(dir);
    else if (!strcmp(m, "creds"))
        mode_creds();
    else if (!strcmp(m, "nonblock"))
        mode_nonblock(dir);
    else if (!strcmp(m, "pipe"))
        mode_pipe();
    else if (!strcmp(m, "msgs"))
        mode_msgs();
    else if (!strcmp(m, "shutdown"))
        mode_shutdown();
    else if (!strcmp(m, "poll"))
        mode_poll();
    else if (!strcmp(m, "errors"))
        mode_errors(dir);
    else if (!strcmp(m, "opts"))
        mode_opts();
    else if (!strcmp(m, "stat"))
        mode_stat();
    else
        return 2;
    return 0;
}
