/* Prints "ready", then sleeps for argv[1] seconds: for tests that act on a running sandbox. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
    struct timespec ts = {argc > 1 ? atoi(argv[1]) : 30, 0};
    printf("ready\n");
    fflush(stdout);
    nanosleep(&ts, NULL);
    printf("woke\n");
    return 0;
}
