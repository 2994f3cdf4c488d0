/* Address space reserved with PROT_NONE costs nothing until opened: four 20 TiB
 * reservations, 80 TiB in all (ThreadSanitizer reserves about that much, V8 a TiB per
 * isolate), a part opened with mprotect reads as zeros and keeps
 * what is written (also after a fork, copy-on-write), the rest still faults; mremap moves and
 * grows a reservation; reading reserved memory through a syscall is EFAULT. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static sigjmp_buf jb;
static void on_segv(int sig) {
    (void)sig;
    siglongjmp(jb, 1);
}

static int faults(volatile char *p) {
    if (sigsetjmp(jb, 1))
        return 1;
    (void)*p;
    return 0;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    size_t huge = 20ull << 40;
    char *rs[4], *r = NULL;
    for (int i = 0; i < 4; i++) {
        rs[i] = mmap(NULL, huge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        printf("reserve 20 TiB: %s\n", rs[i] == MAP_FAILED ? strerror(errno) : "ok");
        if (rs[i] == MAP_FAILED)
            return 1;
    }
    r = rs[3];
    char *mid = r + (10ull << 40);
    printf("reserved byte faults: %d\n", faults(mid));
    printf("mprotect 1 MiB in the middle: %d\n", mprotect(mid, 1 << 20, PROT_READ | PROT_WRITE));
    printf("opened byte reads as %d\n", mid[12345]);
    strcpy(mid, "written into opened space");
    printf("next page of the reservation faults: %d\n", faults(mid + (1 << 20)));
    int p[2];
    pipe(p);
    ssize_t n = write(p[1], mid - 4096, 16);
    printf("write(2) from reserved memory: %zd %s\n", n, n < 0 ? strerror(errno) : "");
    printf("write(2) from opened memory: %zd\n", write(p[1], mid, 7));
    char buf[8] = {0};
    read(p[0], buf, 7);
    printf("read back: %s\n", buf);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        printf("child sees: %s\n", mid);
        mid[0] = 'W';
        printf("child's reserved byte faults: %d\n", faults(mid - 1));
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("parent keeps: %s\n", mid);
    printf("madvise DONTNEED over both: %d\n", madvise(mid - 4096, 8192, MADV_DONTNEED));
    printf("opened byte after DONTNEED: %d\n", mid[0]);
    char *small = mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *moved = mremap(small, 8192, 16384, MREMAP_MAYMOVE);
    printf("mremap a reservation: %s\n", moved == MAP_FAILED ? strerror(errno) : "ok");
    printf("moved reservation faults: %d\n", faults(moved + 12288));
    printf("mprotect moved reservation: %d\n", mprotect(moved, 16384, PROT_READ));
    printf("moved, opened, reads as %d\n", moved[16383]);
    for (int i = 0; i < 4; i++)
        printf("munmap 20 TiB: %d\n", munmap(rs[i], huge));
    return 0;
}
