/* The standard streams as the program sees them: what kind of file each of fds 0-2 is, their
 * access modes, then all of stdin (length and fingerprint), and one line to each of stdout and
 * stderr, so that a test can check they stay separate. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static const char *kind(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0)
        return errname(errno);
    return S_ISREG(st.st_mode) ? "regular file" : S_ISFIFO(st.st_mode) ? "pipe" : S_ISCHR(st.st_mode) ? "char device" : S_ISSOCK(st.st_mode) ? "socket" : "other";
}

static const char *mode(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return errname(errno);
    switch (fl & O_ACCMODE) {
    case O_RDONLY: return "O_RDONLY";
    case O_WRONLY: return "O_WRONLY";
    default: return "O_RDWR";
    }
}

int main(void) {
    for (int fd = 0; fd < 3; fd++)
        printf("fd %d: %s, %s, isatty %d\n", fd, kind(fd), mode(fd), isatty(fd));
    printf("fd 3: %s\n", kind(3));
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (n == cap)
            buf = realloc(buf, cap *= 2);
        ssize_t r = read(0, buf + n, cap - n);
        if (r < 0) {
            printf("read stdin = -1 %s\n", errname(errno));
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    printf("stdin: %zu bytes, fnv %016llx\n", n, fnv1a(buf, n));
    printf("this line goes to stdout\n");
    fflush(stdout);
    fprintf(stderr, "this line goes to stderr\n");
    return 0;
}
