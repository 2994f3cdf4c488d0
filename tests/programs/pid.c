/* Process identity inside the sandbox: the first task is pid 1 of its own PID namespace and its
 * parent is outside it (getppid() == 0). gettid() equals getpid() in a single-threaded program. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

int main(void) {
    pid_t pid = getpid();
    printf("getpid=%d\n", (int)pid);
    printf("getppid=%d\n", (int)getppid());
    printf("gettid==getpid: %s\n", syscall(SYS_gettid) == pid ? "yes" : "no");
    printf("getpid stable: %s\n", syscall(SYS_getpid) == pid ? "yes" : "no");
    return 0;
}
