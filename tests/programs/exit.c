/* Ends in the way argv[1] says, after printing (unflushed, so exit must flush stdio):
 *   exit N | return N | _exit N | segv | abort */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: exit MODE [N]\n");
        return 64;
    }
    const char *mode = argv[1];
    int n = argc > 2 ? atoi(argv[2]) : 0;
    printf("mode %s", mode); /* no newline: left in the stdio buffer */
    if (strcmp(mode, "exit") == 0)
        exit(n);
    if (strcmp(mode, "return") == 0)
        return n;
    if (strcmp(mode, "_exit") == 0)
        _exit(n); /* the buffered text is lost, natively too */
    fflush(stdout);
    if (strcmp(mode, "segv") == 0) {
        volatile int *p = NULL;
        *p = 1;
        return 99; /* not reached */
    }
    if (strcmp(mode, "abort") == 0) {
        abort();
    }
    fprintf(stderr, "unknown mode %s\n", mode);
    return 64;
}
