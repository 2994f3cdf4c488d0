/* A fork bomb held by RLIMIT_NPROC: every process forks until fork fails; the tree must
 * stop at the limit with EAGAIN, and everything is then torn down. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (getuid() != 0) {
        printf("not root\n");
        return 0;
    }
    struct rlimit rl = {40, 40};
    setrlimit(RLIMIT_NPROC, &rl);
    int report[2];
    pipe(report);
    pid_t leader = fork();
    if (leader == 0) {
        setpgid(0, 0);
        if (setresgid(4343, 4343, 4343) || setresuid(4343, 4343, 4343))
            _exit(1);
        for (;;) {
            pid_t c = fork();
            if (c < 0) {
                int e = errno;
                write(report[1], &e, sizeof e);
                pause();
            }
        }
    }
    setpgid(leader, leader);
    int e = 0;
    read(report[0], &e, sizeof e);
    printf("the bomb stopped with %s\n", strerrorname_np(e));
    kill(-leader, SIGKILL);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
        ;
    printf("all reaped\n");
    return 0;
}
