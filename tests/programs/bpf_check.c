/* Random classic BPF programs offered as seccomp filters: which ones the kernel accepts
 * (seccomp_check_filter's rules) must be which ones the sandbox accepts. Each is tried in a
 * child (an accepted filter may kill it); prints the indices accepted. */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned long long seed = 42;
static unsigned next(unsigned bound) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(seed >> 33) % bound;
}

int main(void) {
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    int accepted = 0;
    for (int i = 0; i < 4000; i++) {
        struct sock_filter f[12];
        int n = 1 + next(12);
        for (int k = 0; k < n; k++) {
            f[k].code = next(256);
            f[k].jt = next(4);
            f[k].jf = next(4);
            f[k].k = next(80);
        }
        f[n - 1].code = BPF_RET | BPF_K;
        f[n - 1].k = SECCOMP_RET_ALLOW;
        struct sock_fprog prog = {n, f};
        fflush(stdout);
        pid_t c = fork();
        if (c == 0)
            _exit(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0 ? 3 : 4);
        int st;
        waitpid(c, &st, 0);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
            accepted++;
            printf("%d ", i);
        }
    }
    printf("\naccepted %d\n", accepted);
    return 0;
}
