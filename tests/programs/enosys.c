/* Calls system calls the sandbox does not implement. Under blinders each must return ENOSYS
 * (natively add_key with NULL arguments fails with EFAULT instead, which also shows that the
 * call was not passed through to the host). add_key is called twice, request_key once: the
 * sandbox's log must name each exactly once. A number no kernel knows is ENOSYS everywhere. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

int main(void) {
    SHOW("add_key #1", syscall(SYS_add_key, NULL, NULL, NULL, 0, 0));
    SHOW("add_key #2", syscall(SYS_add_key, NULL, NULL, NULL, 0, 0));
    SHOW("request_key", syscall(SYS_request_key, NULL, NULL, NULL, 0));
    SHOW("syscall 1000", syscall(1000, 0, 0, 0, 0, 0, 0));
    printf("still alive\n");
    return 0;
}
