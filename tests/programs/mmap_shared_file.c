/* MAP_SHARED writes to a file reach it: after msync, read back through another descriptor
 * (within the same program), and, after munmap, on the disk; a forked child shares the
 * mapping with its parent. Also msync's argument errors.
 * Usage: mmap_shared_file DIR. Prints what it read. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, int r) {
    if (r < 0)
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %d\n", what, r);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char path[4096], path2[4096];
    snprintf(path, sizeof path, "%s/synced", argv[1]);
    snprintf(path2, sizeof path2, "%s/unmapped", argv[1]);
    /* msync: written back, seen by read() on another descriptor. */
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, 10000) != 0) return 1;
    char *m = mmap(NULL, 10000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) return 1;
    memcpy(m, "hello, mapped file", 18);
    memcpy(m + 9990, "tail", 4);
    show("msync MS_SYNC", msync(m, 10000, MS_SYNC));
    char buf[32] = {0};
    int other = open(path, O_RDONLY);
    pread(other, buf, 18, 0);
    printf("read after msync: %s\n", buf);
    pread(other, buf, 4, 9990);
    buf[4] = 0;
    printf("tail after msync: %s\n", buf);
    /* msync's errors. */
    show("msync unaligned", msync(m + 1, 100, MS_SYNC));
    show("msync ASYNC|SYNC", msync(m, 100, MS_ASYNC | MS_SYNC));
    show("msync bad flag", msync(m, 100, 8));
    show("msync length 0", msync(m, 0, MS_SYNC));
    show("msync MS_ASYNC", msync(m, 4096, MS_ASYNC));
    munmap(m, 10000);
    show("msync unmapped", msync(m, 4096, MS_SYNC));
    close(fd);
    close(other);
    /* munmap without msync: the file has it when the program ends. */
    fd = open(path2, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, 100) != 0) return 1;
    m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) return 1;
    memcpy(m, "written, then unmapped", 22);
    munmap(m, 4096);
    close(fd);
    /* After fork, parent and child share the mapping both ways. */
    fd = open(path2, O_RDWR);
    m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    m[30] = 'p';
    priv[31] = 'q';
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        m[40] = 'c';
        priv[41] = 'd';
        printf("child sees: %c %c\n", m[30], priv[31]);
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("parent sees after the child: shared %c, private %c\n", m[40] ? m[40] : '-',
           priv[41] ? priv[41] : '-');
    munmap(priv, 4096);
    munmap(m, 4096);
    close(fd);
    /* A private mapping's writes never reach the file. */
    fd = open(path2, O_RDWR);
    m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    memcpy(m, "PRIVATE", 7);
    munmap(m, 4096);
    close(fd);
    return 0;
}
