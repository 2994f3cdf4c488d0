/* Built with -fsanitize=thread: two threads increment a global without a lock, a data race
 * ThreadSanitizer reports (exit 66). ThreadSanitizer reserves most of the address space with
 * PROT_NONE mappings at start-up. */
#include <pthread.h>
#include <stdio.h>

int shared;

static void *bump(void *arg) {
    shared++;
    return arg;
}

int main(void) {
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, bump, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("shared %d\n", shared);
    return 0;
}
