/* Robust mutexes (the owner dies: EOWNERDEAD, within a process and across processes) and
 * priority-inheritance mutexes under contention (FUTEX_LOCK_PI/UNLOCK_PI/TRYLOCK_PI). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
static pthread_mutex_t pi;
static void *holder(void *arg) {
    pthread_mutex_t *m = arg;
    pthread_mutex_lock(m);
    return NULL; /* dies holding it */
}
static void *contend(void *arg) {
    for (int i = 0; i < 20000; i++) { pthread_mutex_lock(&pi); (*(long *)arg)++; pthread_mutex_unlock(&pi); }
    return NULL;
}
int main(void) {
    /* A robust mutex whose owner thread dies: the next locker gets EOWNERDEAD. */
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_t m;
    pthread_mutex_init(&m, &a);
    pthread_t t;
    pthread_create(&t, NULL, holder, &m);
    pthread_join(t, NULL);
    int r = pthread_mutex_lock(&m);
    printf("lock after owner died: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
    pthread_mutex_consistent(&m);
    pthread_mutex_unlock(&m);
    /* Across processes: a robust mutex in shared memory, the child dies holding it. */
    pthread_mutex_t *sm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(sm, &a);
    if (fork() == 0) { pthread_mutex_lock(sm); _exit(0); }
    wait(NULL);
    r = pthread_mutex_lock(sm);
    printf("shared lock after child died: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
    /* A priority-inheritance mutex under contention. */
    pthread_mutexattr_t pa;
    pthread_mutexattr_init(&pa);
    pthread_mutexattr_setprotocol(&pa, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&pi, &pa);
    long count = 0;
    pthread_t ts[4];
    for (int i = 0; i < 4; i++) pthread_create(&ts[i], NULL, contend, &count);
    for (int i = 0; i < 4; i++) pthread_join(ts[i], NULL);
    printf("pi mutex count: %ld\n", count);
    printf("trylock own pi: %s\n", (pthread_mutex_lock(&pi), strerror(pthread_mutex_trylock(&pi))));
    return 0;
}
