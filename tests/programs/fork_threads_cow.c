/* Threads that write one mapping at the same moment right after their process forked: each
 * write faults on the copy-on-write pages, and all but the first find them already copied by
 * another thread. Every write must land; nobody may die of it. Prints a summary. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 8
#define ROUNDS 30

static pthread_barrier_t start, done;
static volatile long *shared_area;

static void *writer(void *arg) {
    long id = (long)arg;
    for (int r = 0; r < ROUNDS; r++) {
        pthread_barrier_wait(&start);
        /* Every thread writes its own slot of the same pages at once. */
        for (int i = 0; i < 64; i++) shared_area[(id * 64 + i) * 8] = r * 1000 + id;
        pthread_barrier_wait(&done);
    }
    return NULL;
}

int main(void) {
    shared_area = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (shared_area == MAP_FAILED) return 1;
    for (long i = 0; i < (1 << 20) / 8; i += 512) shared_area[i] = 1; /* populated */
    pthread_barrier_init(&start, NULL, THREADS + 1);
    pthread_barrier_init(&done, NULL, THREADS + 1);
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, writer, (void *)i);
    long bad = 0;
    for (int r = 0; r < ROUNDS; r++) {
        pid_t pid = fork(); /* shares every private page copy-on-write again */
        if (pid == 0) _exit(shared_area[0] == 1 || r > 0 ? 0 : 1);
        pthread_barrier_wait(&start);
        pthread_barrier_wait(&done);
        waitpid(pid, NULL, 0);
        for (long id = 0; id < THREADS; id++)
            for (int i = 0; i < 64; i++)
                if (shared_area[(id * 64 + i) * 8] != r * 1000 + id) bad++;
    }
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    printf("%d rounds of %d threads writing after fork: %ld lost writes\n", ROUNDS, THREADS, bad);
    return 0;
}
