/* Small memory and process calls programs use: personality, mlock and kin, mincore,
 * readahead, getcpu, get_robust_list, process_vm_readv/writev; and the CPUs /sys lists are
 * the affinity mask's (they were the sentry thread's one). Prints each answer; run natively
 * and sandboxed, the outputs must match. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long r) {
    if (r < 0)
        printf("%-36s -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%-36s %ld\n", what, r);
}

static char secret[64] = "the child's secret";

int main(void) {
    show("personality query", personality(0xffffffff));
    show("personality ADDR_NO_RANDOMIZE", personality(ADDR_NO_RANDOMIZE));
    show("personality query", personality(0xffffffff));
    show("personality PER_LINUX", personality(PER_LINUX));
    show("personality query", personality(0xffffffff));

    char *m = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m[0] = 1;
    m[2 * 4096] = 1;
    unsigned char before[4] = {9, 9, 9, 9};
    show("mincore before mlock", mincore(m, 4 * 4096, before));
    printf("resident: %d %d %d %d\n", before[0] & 1, before[1] & 1, before[2] & 1, before[3] & 1);
    show("mlock", mlock(m, 4096));
    show("munlock", munlock(m, 4096));
    show("mlock unaligned length", mlock(m, 100));
    show("mlock unmapped", mlock((void *)4096, 4096));
    show("mlock2 MLOCK_ONFAULT", syscall(SYS_mlock2, m, 4096, 1));
    show("mlock2 bad flags", syscall(SYS_mlock2, m, 4096, 2));
    show("mlockall bad flags", mlockall(0));
    show("mlockall CURRENT", mlockall(MCL_CURRENT));
    show("munlockall", munlockall());
    unsigned char vec[4] = {9, 9, 9, 9};
    show("mincore after mlockall", mincore(m, 4 * 4096, vec));
    printf("resident: %d %d %d %d\n", vec[0] & 1, vec[1] & 1, vec[2] & 1, vec[3] & 1);
    show("mincore unaligned", mincore(m + 1, 4096, vec));
    show("mincore unmapped", mincore((void *)4096, 4096, vec));
    show("mincore bad vector", mincore(m, 4096, (void *)8));

    int fd = open("/proc/self/exe", O_RDONLY);
    show("readahead", readahead(fd, 0, 4096));
    show("readahead bad fd", readahead(999, 0, 4096));
    int p[2];
    pipe(p);
    show("readahead pipe", readahead(p[0], 0, 4096));

    unsigned cpu = 999, node = 999;
    show("getcpu", syscall(SYS_getcpu, &cpu, &node, NULL));
    printf("cpu valid: %s, node %u\n", cpu < (unsigned)sysconf(_SC_NPROCESSORS_CONF) ? "yes" : "no", node);
    cpu_set_t set;
    sched_getaffinity(0, sizeof set, &set);
    printf("CPUs in /sys as many as in the affinity mask: %s\n",
           sysconf(_SC_NPROCESSORS_CONF) == CPU_COUNT(&set) ? "yes" : "no");

    void *head = NULL;
    size_t len = 0;
    show("get_robust_list self", syscall(SYS_get_robust_list, 0, &head, &len));
    printf("robust list set: %s, length %zu\n", head ? "yes" : "no", len);
    show("get_robust_list no such thread", syscall(SYS_get_robust_list, 999999, &head, &len));

    fflush(stdout);
    int go[2];
    pipe(go);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        read(go[0], &c, 1);
        printf("child's secret now: %s\n", secret);
        return 0;
    }
    char buf[64] = {0};
    struct iovec local = {buf, 18}, remote = {secret, 18};
    show("process_vm_readv", process_vm_readv(pid, &local, 1, &remote, 1, 0));
    printf("read: %s\n", buf);
    struct iovec w = {"overwritten by its parent", 26}, rw = {secret, 26};
    show("process_vm_writev", process_vm_writev(pid, &w, 1, &rw, 1, 0));
    struct iovec bad = {(void *)8, 8};
    show("process_vm_readv bad remote", process_vm_readv(pid, &local, 1, &bad, 1, 0));
    show("process_vm_readv bad flags", process_vm_readv(pid, &local, 1, &remote, 1, 1));
    show("process_vm_readv no such pid", process_vm_readv(999999, &local, 1, &remote, 1, 0));
    write(go[1], "x", 1);
    waitpid(pid, NULL, 0);
    return 0;
}
