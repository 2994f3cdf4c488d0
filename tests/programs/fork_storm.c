/* A multi-threaded process under load: three threads fork children and reap them while
 * others signal the process, make and close pipes and descriptors, and map, write, protect
 * and unmap memory. Every fork makes the writable mappings copy-on-write again, so threads
 * keep faulting on pages another thread has just copied (a second fault at the same address
 * after another fork was taken for the app's own and killed it with SIGSEGV). Prints whether
 * every child was reaped with its status and whether the signals arrived. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define FORKERS 3
#define FORKS 150

static volatile int stop;
static volatile long signals;

static void on_usr1(int sig) {
    (void)sig;
    __atomic_add_fetch(&signals, 1, __ATOMIC_SEQ_CST);
}

static void *forker(void *arg) {
    (void)arg;
    long bad = 0;
    for (int i = 0; i < FORKS; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(i & 0x7f);
        int status;
        pid_t got;
        do
            got = waitpid(pid, &status, 0);
        while (got < 0 && errno == EINTR);
        if (got != pid || !WIFEXITED(status) || WEXITSTATUS(status) != (i & 0x7f))
            bad++;
    }
    return (void *)bad;
}

static void *signaller(void *arg) {
    (void)arg;
    while (!stop) {
        kill(getpid(), SIGUSR1);
        usleep(100);
    }
    return NULL;
}

static void *piper(void *arg) {
    (void)arg;
    while (!stop) {
        int p[2];
        if (pipe(p))
            continue;
        char c = 'x';
        write(p[1], &c, 1);
        while (read(p[0], &c, 1) < 0 && errno == EINTR) {
        }
        close(p[0]);
        close(p[1]);
    }
    return NULL;
}

static void *descriptors(void *arg) {
    (void)arg;
    while (!stop) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0)
            continue;
        int d = dup(fd);
        dup2(fd, 100);
        close(d);
        close(100);
        close(fd);
    }
    return NULL;
}

static void *mapper(void *arg) {
    (void)arg;
    while (!stop) {
        char *m = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            continue;
        memset(m, 1, 1 << 16);
        mprotect(m, 4096, PROT_READ);
        munmap(m, 1 << 16);
    }
    return NULL;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    void *(*helpers[])(void *) = {signaller, piper, descriptors, mapper};
    pthread_t h[4], f[FORKERS];
    for (int i = 0; i < 4; i++)
        pthread_create(&h[i], NULL, helpers[i], NULL);
    for (int i = 0; i < FORKERS; i++)
        pthread_create(&f[i], NULL, forker, NULL);
    long bad = 0;
    for (int i = 0; i < FORKERS; i++) {
        void *r;
        pthread_join(f[i], &r);
        bad += (long)r;
    }
    stop = 1;
    for (int i = 0; i < 4; i++)
        pthread_join(h[i], NULL);
    printf("children reaped with a wrong status: %ld; signals arrived: %s\n", bad,
           signals > 0 ? "yes" : "no");
    return 0;
}
