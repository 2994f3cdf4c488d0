/* Built with -fsanitize=address: at exit LeakSanitizer stops every thread (ptrace attach,
 * waitpid, PTRACE_GETREGS, detach; three of them are blocked in read(2)) and scans memory.
 * One block is lost (a leak, which it must report); one stays reachable from a global. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *keep;
static void *volatile sink;
static int p[2];

/* Allocates a block and forgets it (out of line, so that the compiler keeps the malloc and
 * no register of main's still points at it). */
__attribute__((noinline)) static void lose(void) {
    sink = malloc(1234);
    memset(sink, 1, 1234);
    sink = NULL;
}

static void *blocked(void *arg) {
    char c;
    read(p[0], &c, 1);
    return arg;
}

int main(void) {
    pipe(p);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, blocked, NULL);
    keep = malloc(64);
    lose();
    printf("running\n");
    fflush(stdout);
    return 0;
}
