/* Open, read and close small files in a loop: file operations per second.
 * Usage: open_read DIR SECONDS-ISH-ITERATIONS
 * DIR holds files f0..f99 (made by bench/files.sh). Prints "open_read_ops_per_s N". */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: open_read DIR ITERATIONS\n");
        return 2;
    }
    long iters = atol(argv[2]);
    char path[4096], buf[4096];
    double t0 = now();
    for (long i = 0; i < iters; i++) {
        snprintf(path, sizeof path, "%s/f%ld", argv[1], i % 100);
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            perror(path);
            return 1;
        }
        if (read(fd, buf, sizeof buf) < 0) {
            perror("read");
            return 1;
        }
        close(fd);
    }
    double t = now() - t0;
    printf("open_read_ops_per_s %.0f\n", iters / t);
    return 0;
}
