/* Built with -fsanitize=address: AddressSanitizer reserves terabytes of shadow memory
 * (MAP_NORESERVE) at start-up and lists /proc/self/task with the old getdents. With an
 * argument, writes one byte past a heap block, which it must report. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *worker(void *arg) {
    char *p = malloc(100);
    memset(p, 1, 100);
    free(p);
    return arg;
}

int main(int argc, char **argv) {
    (void)argv;
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    char *x = malloc(10);
    strcpy(x, "clean run");
    printf("%s\n", x);
    free(x);
    if (argc > 1) {
        volatile char *y = malloc(8);
        y[8] = 1;
        free((void *)y);
    }
    return 0;
}
