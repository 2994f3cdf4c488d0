/* RLIMIT_NPROC: a user at its task limit gets EAGAIN from fork (compared with Linux). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    if (getuid() != 0) { printf("not root\n"); return 0; }
    /* As a plain user with RLIMIT_NPROC 5, the sixth task cannot be made. */
    struct rlimit rl = {5, 5};
    setrlimit(RLIMIT_NPROC, &rl);
    if (setresgid(4242, 4242, 4242) || setresuid(4242, 4242, 4242)) { printf("drop failed\n"); return 1; }
    int made = 0, err = 0;
    pid_t kids[16];
    for (int i = 0; i < 10; i++) {
        pid_t c = fork();
        if (c == 0) { pause(); _exit(0); }
        if (c < 0) { err = errno; break; }
        kids[made++] = c;
    }
    printf("forks before the limit: %d, then %s\n", made, strerrorname_np(err));
    for (int i = 0; i < made; i++) { kill(kids[i], 9); waitpid(kids[i], 0, 0); }
    return 0;
}
