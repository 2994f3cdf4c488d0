/* MAP_SHARED|MAP_ANONYMOUS memory is shared with a forked child; MAP_PRIVATE is copied. */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
    int *p = mmap(0, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0);
    int *q = mmap(0, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
    *p = 1; *q = 1;
    if (fork() == 0) { *p = 42; *q = 42; _exit(0); }
    wait(0);
    printf("shared %d private %d\n", *p, *q);
    munmap(p, 4096);
    return 0;
}
