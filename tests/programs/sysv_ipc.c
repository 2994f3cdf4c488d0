/* System V IPC: shared memory across fork, semaphores (blocking, IPC_NOWAIT, SEM_UNDO at
 * exit), message queues (types, IPC_NOWAIT, MSG_NOERROR), ctl calls and their errors;
 * compared with Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static void r(const char *what, long v) {
    printf("%-36s %s\n", what, v >= 0 ? "ok" : strerrorname_np(errno));
}

union semun { int val; struct semid_ds *buf; unsigned short *array; };

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    /* Shared memory */
    int shm = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
    r("shmget", shm);
    int *p = shmat(shm, NULL, 0);
    r("shmat", p == (void *)-1 ? -1 : 0);
    p[0] = 1;
    if (fork() == 0) { p[0] = 99; p[2499] = 7; _exit(0); }
    wait(NULL);
    printf("shared: %d %d\n", p[0], p[2499]);
    struct shmid_ds ds;
    r("shmctl IPC_STAT", shmctl(shm, IPC_STAT, &ds));
    printf("segsz %zu nattch %lu mode %o\n", ds.shm_segsz, (unsigned long)ds.shm_nattch, ds.shm_perm.mode & 0777);
    r("shmdt", shmdt(p));
    r("shmdt again", shmdt(p));
    r("shmctl IPC_RMID", shmctl(shm, IPC_RMID, NULL));
    r("shmat removed", shmat(shm, NULL, 0) == (void *)-1 ? -1 : 0);
    r("shmget too big", shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600));
    r("shmget missing key", shmget(0x1234abcd, 100, 0600));
    int k = shmget(0x1234abce, 100, IPC_CREAT | 0600);
    r("shmget key", k);
    r("shmget key excl", shmget(0x1234abce, 100, IPC_CREAT | IPC_EXCL | 0600));
    r("shmget key bigger", shmget(0x1234abce, 200, 0600));
    shmctl(k, IPC_RMID, NULL);

    /* Semaphores */
    int sem = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    r("semget", sem);
    union semun arg = {.val = 0};
    r("semctl SETVAL 0", semctl(sem, 0, SETVAL, arg));
    struct sembuf down = {0, -1, IPC_NOWAIT};
    r("semop down nowait at 0", semop(sem, &down, 1));
    if (fork() == 0) {
        usleep(100000);
        struct sembuf up = {0, 2, 0};
        semop(sem, &up, 1);
        _exit(0);
    }
    struct sembuf wait1 = {0, -2, 0};
    r("semop down 2 (waits)", semop(sem, &wait1, 1));
    wait(NULL);
    printf("val after: %d\n", semctl(sem, 0, GETVAL));
    if (fork() == 0) {
        struct sembuf undo = {1, 5, SEM_UNDO};
        semop(sem, &undo, 1);
        printf("child sees sem1 = %d\n", semctl(sem, 1, GETVAL));
        _exit(0);
    }
    wait(NULL);
    printf("sem1 after the child's exit (undone): %d\n", semctl(sem, 1, GETVAL));
    struct sembuf bad = {5, 1, 0};
    r("semop bad num", semop(sem, &bad, 1));
    r("semctl IPC_RMID", semctl(sem, 0, IPC_RMID));
    r("semop removed", semop(sem, &down, 1));

    /* Message queues */
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    r("msgget", q);
    struct { long type; char text[32]; } m;
    m.type = 2; strcpy(m.text, "two");
    r("msgsnd 2", msgsnd(q, &m, 4, 0));
    m.type = 1; strcpy(m.text, "one");
    r("msgsnd 1", msgsnd(q, &m, 4, 0));
    m.type = 3; strcpy(m.text, "three!");
    r("msgsnd 3", msgsnd(q, &m, 7, 0));
    long n = msgrcv(q, &m, sizeof m.text, 1, 0);
    printf("msgrcv type 1: %ld %s\n", n, m.text);
    n = msgrcv(q, &m, sizeof m.text, -3, 0);
    printf("msgrcv type <= 3: %ld type %ld %s\n", n, m.type, m.text);
    r("msgrcv too small", msgrcv(q, &m, 2, 0, 0));
    n = msgrcv(q, &m, 2, 0, MSG_NOERROR);
    printf("msgrcv truncated: %ld\n", n);
    r("msgrcv empty nowait", msgrcv(q, &m, 32, 0, IPC_NOWAIT));
    r("msgsnd bad type", msgsnd(q, &m, 1, 0) * 0 + (m.type = 0, msgsnd(q, &m, 1, 0)));
    struct msqid_ds qs;
    r("msgctl IPC_STAT", msgctl(q, IPC_STAT, &qs));
    printf("qnum %lu\n", (unsigned long)qs.msg_qnum);
    r("msgctl IPC_RMID", msgctl(q, IPC_RMID, NULL));
    r("msgsnd removed", msgsnd(q, &m, 1, 0));
    return 0;
}
