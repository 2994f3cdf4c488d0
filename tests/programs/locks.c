/* File locks between processes: flock and fcntl record locks (POSIX and OFD), blocking and
 * non-blocking, released on close and on exit. Output is the same natively and sandboxed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

static int setlk(int fd, int cmd, short type, off_t start, off_t len) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

static void getlk(int fd, int cmd, short type, off_t start, off_t len, pid_t holder) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    if (fcntl(fd, cmd, &fl) < 0) {
        printf("getlk: %s\n", strerrorname_np(errno));
        return;
    }
    if (fl.l_type == F_UNLCK)
        printf("getlk [%ld,+%ld): unlocked\n", (long)start, (long)len);
    else
        printf("getlk [%ld,+%ld): %s lock [%ld,+%ld) by %s\n", (long)start, (long)len,
               fl.l_type == F_WRLCK ? "write" : "read", (long)fl.l_start, (long)fl.l_len,
               fl.l_pid == holder ? "the parent" : fl.l_pid == -1 ? "an OFD (-1)" : "someone else");
}

static void res(const char *what, int r) { printf("%s: %s\n", what, r == 0 ? "ok" : strerrorname_np(errno)); }

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    char path[4096];
    snprintf(path, sizeof path, "%s/lockfile", argc > 1 ? argv[1] : "/tmp");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    write(fd, "0123456789", 10);
    pid_t parent = getpid();

    /* POSIX record locks: the parent holds [0,5) for writing. */
    res("parent setlk write [0,5)", setlk(fd, F_SETLK, F_WRLCK, 0, 5));
    /* The child says when it is about to block, so the output order does not depend on
     * scheduling. */
    int sync[2];
    pipe(sync);
    char b1;
    pid_t c = fork();
    if (c == 0) {
        int f2 = open(path, O_RDWR);
        res("child setlk read [2,4)", setlk(f2, F_SETLK, F_RDLCK, 2, 2));
        res("child setlk write [5,10)", setlk(f2, F_SETLK, F_WRLCK, 5, 5));
        getlk(f2, F_GETLK, F_WRLCK, 0, 10, parent);
        write(sync[1], "x", 1);
        /* Blocks until the parent unlocks; the parent reports how it went. */
        _exit(setlk(f2, F_SETLKW, F_WRLCK, 0, 5) == 0 ? 0 : 1);
    }
    read(sync[0], &b1, 1);
    usleep(100000);
    res("parent unlock [0,5)", setlk(fd, F_SETLK, F_UNLCK, 0, 5));
    int st;
    waitpid(c, &st, 0);
    printf("child's blocking setlkw: %s\n", WEXITSTATUS(st) == 0 ? "ok" : "failed");
    /* The child's locks went with it. */
    getlk(fd, F_GETLK, F_WRLCK, 0, 10, parent);

    /* OFD locks conflict even within one process. */
    int a = open(path, O_RDWR), b = open(path, O_RDWR);
    res("ofd a write [0,10)", setlk(a, F_OFD_SETLK, F_WRLCK, 0, 10));
    res("ofd b write [0,1)", setlk(b, F_OFD_SETLK, F_WRLCK, 0, 1));
    getlk(b, F_OFD_GETLK, F_RDLCK, 0, 1, parent);
    close(a);
    res("ofd b after a closed", setlk(b, F_OFD_SETLK, F_WRLCK, 0, 1));
    close(b);

    /* flock: shared by two descriptions, exclusive blocked, released on close. */
    a = open(path, O_RDONLY);
    b = open(path, O_RDONLY);
    res("flock a shared", flock(a, LOCK_SH | LOCK_NB));
    res("flock b shared", flock(b, LOCK_SH | LOCK_NB));
    res("flock b exclusive", flock(b, LOCK_EX | LOCK_NB));
    close(a);
    res("flock b exclusive after a closed", flock(b, LOCK_EX | LOCK_NB));
    c = fork();
    if (c == 0) {
        int f3 = open(path, O_RDONLY);
        res("child flock exclusive nb", flock(f3, LOCK_EX | LOCK_NB));
        write(sync[1], "x", 1);
        _exit(flock(f3, LOCK_EX) == 0 ? 0 : 1);
    }
    read(sync[0], &b1, 1);
    usleep(100000);
    res("parent flock unlock", flock(b, LOCK_UN));
    waitpid(c, &st, 0);
    printf("child's blocking flock: %s\n", WEXITSTATUS(st) == 0 ? "ok" : "failed");
    res("bad flock op", flock(b, 12345));
    res("bad whence", ({ struct flock fl = {.l_type = F_RDLCK, .l_whence = 7}; fcntl(fd, F_SETLK, &fl); }));
    unlink(path);
    return 0;
}
