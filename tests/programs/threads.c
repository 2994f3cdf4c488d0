/* Threads: pthread mutexes, condition variables, join values, exit from a thread, thread ids,
 * raw futex requeue, thread-local storage. argv[1] picks the mode:
 *   mutex | condvar | join | exit | tid | broadcast | requeue | tls | detach
 * Prints only what is the same on two correct runs: counts and relations, never ids. */
#define _GNU_SOURCE
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

static const char *yes(int b) { return b ? "yes" : "no"; }

static void check(int err, const char *what) {
    if (err != 0) {
        printf("FAILED: %s: %s\n", what, errname(err));
        exit(99);
    }
}

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

/* ---- mutex: 4 threads x 100000 increments */

#define NTHREADS 4
#define INCREMENTS 100000

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *incrementer(void *arg) {
    (void)arg;
    for (int i = 0; i < INCREMENTS; i++) {
        pthread_mutex_lock(&counter_lock);
        counter++;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

static int mode_mutex(void) {
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        check(pthread_create(&t[i], NULL, incrementer, NULL), "pthread_create");
    for (int i = 0; i < NTHREADS; i++)
        check(pthread_join(t[i], NULL), "pthread_join");
    printf("counter = %ld (expected %d)\n", counter, NTHREADS * INCREMENTS);
    /* trylock of a held normal mutex: EBUSY. */
    pthread_mutex_lock(&counter_lock);
    printf("trylock of a held (normal) mutex: %s\n", errname(pthread_mutex_trylock(&counter_lock)));
    pthread_mutex_unlock(&counter_lock);
    return 0;
}

/* ---- condvar: ping-pong 1000 rounds */

#define ROUNDS 1000

static pthread_mutex_t pp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cond = PTHREAD_COND_INITIALIZER;
static int turn; /* 0: ping's turn, 1: pong's turn */
static int pings, pongs;

static void *ponger(void *arg) {
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&pp_lock);
        while (turn != 1)
            pthread_cond_wait(&pp_cond, &pp_lock);
        pongs++;
        turn = 0;
        pthread_cond_signal(&pp_cond);
        pthread_mutex_unlock(&pp_lock);
    }
    return NULL;
}

static int mode_condvar(void) {
    pthread_t t;
    check(pthread_create(&t, NULL, ponger, NULL), "pthread_create");
    int in_order = 1;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&pp_lock);
        while (turn != 0)
            pthread_cond_wait(&pp_cond, &pp_lock);
        in_order &= pings == pongs;
        pings++;
        turn = 1;
        pthread_cond_signal(&pp_cond);
        pthread_mutex_unlock(&pp_lock);
    }
    check(pthread_join(t, NULL), "pthread_join");
    printf("pings = %d, pongs = %d, strictly alternating: %s\n", pings, pongs, yes(in_order));
    return 0;
}

/* ---- join: return values and pthread_exit values */

static void *returner(void *arg) {
    intptr_t i = (intptr_t)arg;
    if (i % 2)
        pthread_exit((void *)(i * 100 + 1));
    return (void *)(i * 10 + 7);
}

static int mode_join(void) {
    pthread_t t[6];
    for (intptr_t i = 0; i < 6; i++)
        check(pthread_create(&t[i], NULL, returner, (void *)i), "pthread_create");
    for (int i = 0; i < 6; i++) {
        void *ret;
        check(pthread_join(t[i], &ret), "pthread_join");
        printf("thread %d returned %ld\n", i, (long)(intptr_t)ret);
    }
    /* Joining yourself is a deadlock: EDEADLK (35). */
    printf("join self: %s\n", errname(pthread_join(pthread_self(), NULL)));
    return 0;
}

/* ---- exit: one thread calls exit(33) while the others are blocked */

static pthread_mutex_t ex_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ex_cond = PTHREAD_COND_INITIALIZER;
static int ex_waiting;
static int block_fds[2];

static void *cond_blocker(void *arg) {
    (void)arg;
    pthread_mutex_lock(&ex_lock);
    ex_waiting++;
    pthread_cond_broadcast(&ex_cond);
    for (;;)
        pthread_cond_wait(&ex_cond, &ex_lock); /* nobody ever changes anything */
    return NULL;
}

static void *read_blocker(void *arg) {
    (void)arg;
    pthread_mutex_lock(&ex_lock);
    ex_waiting++;
    pthread_cond_broadcast(&ex_cond);
    pthread_mutex_unlock(&ex_lock);
    char c;
    for (;;)
        (void)read(block_fds[0], &c, 1); /* the write end stays open */
    return NULL;
}

static void *exiter(void *arg) {
    (void)arg;
    pthread_mutex_lock(&ex_lock);
    while (ex_waiting < 2)
        pthread_cond_wait(&ex_cond, &ex_lock);
    pthread_mutex_unlock(&ex_lock);
    printf("exiting from a thread\n");
    exit(33);
}

static int mode_exit(void) {
    if (pipe(block_fds) != 0)
        return 98;
    pthread_t a, b, c;
    check(pthread_create(&a, NULL, cond_blocker, NULL), "pthread_create");
    check(pthread_create(&b, NULL, read_blocker, NULL), "pthread_create");
    check(pthread_create(&c, NULL, exiter, NULL), "pthread_create");
    /* The main thread blocks too: joining a thread that never ends. */
    pthread_join(a, NULL);
    printf("not reached\n");
    return 0;
}

/* ---- tid: thread ids differ from the pid, the pid is shared */

#define NTID 4
static pid_t main_pid;
static pid_t tids[NTID];
static pid_t pids_seen[NTID];
static pthread_barrier_t tid_barrier;

static void *tid_reporter(void *arg) {
    intptr_t i = (intptr_t)arg;
    tids[i] = gettid_();
    pids_seen[i] = getpid();
    /* All alive at once, so that no thread id can have been reused. */
    pthread_barrier_wait(&tid_barrier);
    return NULL;
}

static int mode_tid(void) {
    main_pid = getpid();
    printf("main: gettid == getpid: %s\n", yes(gettid_() == main_pid));
    pthread_barrier_init(&tid_barrier, NULL, NTID);
    pthread_t t[NTID];
    for (intptr_t i = 0; i < NTID; i++)
        check(pthread_create(&t[i], NULL, tid_reporter, (void *)i), "pthread_create");
    for (int i = 0; i < NTID; i++)
        check(pthread_join(t[i], NULL), "pthread_join");
    int tid_ne_pid = 1, pid_same = 1, distinct = 1;
    for (int i = 0; i < NTID; i++) {
        tid_ne_pid &= tids[i] != main_pid && tids[i] > 0;
        pid_same &= pids_seen[i] == main_pid;
        for (int j = i + 1; j < NTID; j++)
            distinct &= tids[i] != tids[j];
    }
    printf("threads: gettid != getpid: %s\n", yes(tid_ne_pid));
    printf("threads: getpid == main's getpid: %s\n", yes(pid_same));
    printf("threads: distinct tids: %s\n", yes(distinct));
    printf("main: getpid unchanged by threads: %s\n", yes(getpid() == main_pid));
    /* tgkill(pid, tid, 0) finds a live thread. */
    printf("tgkill(pid, own tid, 0): %s\n",
           syscall(SYS_tgkill, main_pid, gettid_(), 0) == 0 ? "ok" : errname(errno));
    return 0;
}

/* ---- broadcast: several waiters woken at once by pthread_cond_broadcast */

#define NWAITERS 8
static pthread_mutex_t bc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bc_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t bc_arrived = PTHREAD_COND_INITIALIZER;
static int bc_waiting, bc_go, bc_woken;

static void *bc_waiter(void *arg) {
    (void)arg;
    pthread_mutex_lock(&bc_lock);
    bc_waiting++;
    pthread_cond_signal(&bc_arrived);
    while (!bc_go)
        pthread_cond_wait(&bc_cond, &bc_lock);
    bc_woken++;
    pthread_mutex_unlock(&bc_lock);
    return NULL;
}

static int mode_broadcast(void) {
    pthread_t t[NWAITERS];
    for (int round = 0; round < 3; round++) {
        bc_waiting = bc_go = bc_woken = 0;
        for (int i = 0; i < NWAITERS; i++)
            check(pthread_create(&t[i], NULL, bc_waiter, NULL), "pthread_create");
        pthread_mutex_lock(&bc_lock);
        /* Holding the lock with all arrived means all are inside pthread_cond_wait. */
        while (bc_waiting < NWAITERS)
            pthread_cond_wait(&bc_arrived, &bc_lock);
        bc_go = 1;
        pthread_cond_broadcast(&bc_cond);
        pthread_mutex_unlock(&bc_lock);
        for (int i = 0; i < NWAITERS; i++)
            check(pthread_join(t[i], NULL), "pthread_join");
        printf("round %d: %d waiters, %d woken by one broadcast\n", round, bc_waiting, bc_woken);
    }
    return 0;
}

/* ---- requeue: raw FUTEX_CMP_REQUEUE moves waiters from one futex to another */

static atomic_int fa, fb, rq_arrived, rq_done;

static long futex(atomic_int *uaddr, int op, int val, long val2, atomic_int *uaddr2, int val3) {
    return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

static void *rq_waiter(void *arg) {
    (void)arg;
    atomic_fetch_add(&rq_arrived, 1);
    /* One wait: returns when woken on whichever futex it has been moved to. */
    futex(&fa, FUTEX_WAIT_PRIVATE, 0, 0, NULL, 0);
    atomic_fetch_add(&rq_done, 1);
    return NULL;
}

static int mode_requeue(void) {
    pthread_t t[NWAITERS];
    for (int i = 0; i < NWAITERS; i++)
        check(pthread_create(&t[i], NULL, rq_waiter, NULL), "pthread_create");
    while (atomic_load(&rq_arrived) < NWAITERS)
        sched_yield();
    /* Move (wake none) from fa to fb until every waiter has been moved once: a waiter that has
     * arrived may not be inside futex_wait yet, so repeat. */
    long moved = 0;
    int err = 0;
    while (moved < NWAITERS) {
        long r = futex(&fa, FUTEX_CMP_REQUEUE_PRIVATE, 0, INT_MAX, &fb, 0);
        if (r < 0) {
            err = errno;
            break;
        }
        moved += r;
        if (moved < NWAITERS)
            sched_yield();
    }
    printf("requeue errors: %s\n", errname(err));
    printf("moved from the first futex to the second: %ld of %d\n", moved, NWAITERS);
    printf("finished before any wake: %d\n", atomic_load(&rq_done));
    /* A stale expected value: EAGAIN, nothing moved. */
    errno = 0;
    long stale = futex(&fb, FUTEX_CMP_REQUEUE_PRIVATE, 1, INT_MAX, &fa, 12345);
    printf("cmp_requeue with a stale value: %ld %s\n", stale, errname(errno));
    /* From fb: wake 1 and move 3 back to fa. */
    long r = futex(&fb, FUTEX_CMP_REQUEUE_PRIVATE, 1, 3, &fa, 0);
    printf("cmp_requeue wake 1 move 3: %ld\n", r);
    while (atomic_load(&rq_done) < 1)
        sched_yield();
    printf("wake the second futex: %ld\n", futex(&fb, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0));
    printf("wake the first futex: %ld\n", futex(&fa, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0));
    for (int i = 0; i < NWAITERS; i++)
        check(pthread_join(t[i], NULL), "pthread_join");
    printf("waiters finished: %d\n", atomic_load(&rq_done));
    printf("wake with nobody waiting: %ld\n", futex(&fa, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0));
    return 0;
}

/* ---- tls: __thread variables are per thread */

static __thread int tls_value = 5;
static __thread char tls_name[16] = "initial";
static pthread_barrier_t tls_barrier;

static void *tls_worker(void *arg) {
    intptr_t i = (intptr_t)arg;
    int fresh = tls_value == 5 && strcmp(tls_name, "initial") == 0;
    tls_value = (int)(i * 7 + 1);
    snprintf(tls_name, sizeof tls_name, "thread-%d", (int)i);
    /* Everybody has written their own copy before anybody reads it back. */
    pthread_barrier_wait(&tls_barrier);
    int kept = tls_value == (int)(i * 7 + 1);
    char expect[16];
    snprintf(expect, sizeof expect, "thread-%d", (int)i);
    kept &= strcmp(tls_name, expect) == 0;
    return (void *)(intptr_t)(fresh * 2 + kept);
}

static int mode_tls(void) {
    tls_value = 1000;
    snprintf(tls_name, sizeof tls_name, "main");
    pthread_barrier_init(&tls_barrier, NULL, NTHREADS);
    pthread_t t[NTHREADS];
    for (intptr_t i = 0; i < NTHREADS; i++)
        check(pthread_create(&t[i], NULL, tls_worker, (void *)i), "pthread_create");
    for (int i = 0; i < NTHREADS; i++) {
        void *r;
        check(pthread_join(t[i], &r), "pthread_join");
        intptr_t v = (intptr_t)r;
        printf("thread %d: started with the initial value: %s, kept its own: %s\n", i,
               yes(v & 2), yes(v & 1));
    }
    printf("main: tls_value = %d, tls_name = %s\n", tls_value, tls_name);
    pthread_barrier_destroy(&tls_barrier);
    return 0;
}

/* ---- detach: detached threads that end on their own; the process exits with main */

static atomic_int detached_done;

static void *detached(void *arg) {
    (void)arg;
    atomic_fetch_add(&detached_done, 1);
    return NULL;
}

static int hang_fds[2];

static void *hanger(void *arg) {
    (void)arg;
    char c;
    for (;;)
        (void)read(hang_fds[0], &c, 1);
    return NULL;
}

static int mode_detach(void) {
    if (pipe(hang_fds) != 0)
        return 98;
    pthread_t h;
    check(pthread_create(&h, NULL, hanger, NULL), "pthread_create");
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 16; i++) {
        pthread_t t;
        check(pthread_create(&t, &attr, detached, NULL), "pthread_create");
    }
    pthread_attr_destroy(&attr);
    while (atomic_load(&detached_done) < 16)
        sched_yield();
    printf("detached threads ran: %d\n", atomic_load(&detached_done));
    /* Many short-lived joinable threads in sequence: ids are recycled without trouble. */
    for (int i = 0; i < 200; i++) {
        pthread_t t;
        check(pthread_create(&t, NULL, detached, NULL), "pthread_create");
        check(pthread_join(t, NULL), "pthread_join");
    }
    printf("after 200 create/join: %d\n", atomic_load(&detached_done));
    /* Returning from main ends the process even with a thread still blocked. */
    return 11;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: threads MODE\n");
        return 64;
    }
    const char *m = argv[1];
    if (!strcmp(m, "mutex"))
        return mode_mutex();
    if (!strcmp(m, "condvar"))
        return mode_condvar();
    if (!strcmp(m, "join"))
        return mode_join();
    if (!strcmp(m, "exit"))
        return mode_exit();
    if (!strcmp(m, "tid"))
        return mode_tid();
    if (!strcmp(m, "broadcast"))
        return mode_broadcast();
    if (!strcmp(m, "requeue"))
        return mode_requeue();
    if (!strcmp(m, "tls"))
        return mode_tls();
    if (!strcmp(m, "detach"))
        return mode_detach();
    fprintf(stderr, "unknown mode %s\n", m);
    return 64;
}
