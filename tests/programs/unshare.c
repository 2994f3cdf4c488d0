/* unshare: CLONE_FILES gives a private fd table, CLONE_FS a private cwd; namespaces are EPERM
 * in the sandbox; execve from a non-leader thread takes over the process. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *exec_thread(void *a) {
    (void)a;
    execl("/bin/echo", "echo", "exec from a thread", (char *)0);
    return 0;
}

int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    int fd = open("/dev/null", O_RDONLY);
    pid_t c = fork();
    if (c == 0) {
        /* A thread sharing the fd table unshares it: its close does not reach the other. */
        printf("unshare FILES|FS: %s\n", unshare(CLONE_FILES | CLONE_FS) == 0 ? "ok" : strerrorname_np(errno));
        close(fd);
        printf("closed in the private table: %s\n", fcntl(fd, F_GETFD) < 0 ? "yes" : "no");
        printf("unshare NEWNS: %s\n", unshare(CLONE_NEWNS) == 0 ? "ok" : strerrorname_np(errno));
        printf("unshare NEWUTS: %s\n", unshare(CLONE_NEWUTS) == 0 ? "ok" : strerrorname_np(errno));
        printf("unshare bad flag: %s\n", unshare(0x1) == 0 ? "ok" : strerrorname_np(errno));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    pthread_t t;
    pthread_create(&t, NULL, exec_thread, NULL);
    pause();
    return 1;
}
