/* /proc/PID/auxv holds the auxiliary vector the program started with (getauxval agrees), and
 * /proc/PID/mem reads and writes another process's memory at offsets that are addresses,
 * read-only pages included (what debuggers use); an unmapped address is EIO. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>

static char secret[32] = "in the child";
static const char constant[16] = "read-only";

int main(void) {
    int fd = open("/proc/self/auxv", O_RDONLY);
    unsigned long pairs[128] = {0};
    ssize_t n = read(fd, pairs, sizeof pairs);
    close(fd);
    int pagesz_ok = 0, entry_ok = 0, ends = 0;
    for (ssize_t i = 0; i + 1 < n / 8; i += 2) {
        if (pairs[i] == AT_PAGESZ)
            pagesz_ok = pairs[i + 1] == 4096;
        if (pairs[i] == AT_ENTRY)
            entry_ok = pairs[i + 1] == getauxval(AT_ENTRY);
        if (pairs[i] == AT_NULL)
            ends = 1;
    }
    printf("auxv: page size %d, entry matches getauxval %d, ends with AT_NULL %d\n", pagesz_ok, entry_ok, ends);

    int go[2];
    pipe(go);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        read(go[0], &c, 1);
        printf("child: secret now \"%s\", constant now \"%s\"\n", secret, constant);
        return 0;
    }
    char path[64], buf[32] = {0};
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    fd = open(path, O_RDWR);
    printf("open mem: %s\n", fd >= 0 ? "ok" : strerror(errno));
    printf("pread secret: %zd \"%s\"\n", pread(fd, buf, 13, (off_t)(unsigned long)secret), buf);
    printf("pwrite secret: %zd\n", pwrite(fd, "from the parent", 16, (off_t)(unsigned long)secret));
    printf("pwrite read-only constant: %zd\n", pwrite(fd, "poked", 6, (off_t)(unsigned long)constant));
    errno = 0;
    ssize_t r = pread(fd, buf, 8, 4096);
    printf("pread unmapped: %zd %s\n", r, r < 0 ? strerrorname_np(errno) : "");
    close(fd);
    write(go[1], "x", 1);
    waitpid(pid, NULL, 0);
    return 0;
}
