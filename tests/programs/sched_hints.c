/* Placement and priority hints a sandbox keeps but the host never sees: NUMA memory policy
 * (get_mempolicy, set_mempolicy, mbind) on a one-node machine, I/O priorities (ioprio_get,
 * ioprio_set, what ionice does), and memory protection keys where the CPU has none. Prints
 * each call's result; run natively and sandboxed, the outputs must match. Also: a fork
 * inherits its parent's nice value. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_LOCAL 4
#define MPOL_F_NODE 1
#define MPOL_F_ADDR 2
#define MPOL_F_MEMS_ALLOWED 4
#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_MF_STRICT 1
#define MPOL_MF_MOVE 2
#define IOPRIO(class, data) (((class) << 13) | (data))

static void show(const char *what, long r) {
    if (r < 0)
        printf("%-40s -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%-40s %ld\n", what, r);
}

static void policy(const char *what) {
    int mode = -1;
    unsigned long mask[2] = {0, 0};
    long r = syscall(SYS_get_mempolicy, &mode, mask, 128, NULL, 0);
    printf("%-40s %ld mode %d nodes %#lx\n", what, r, mode, mask[0]);
}

int main(void) {
    int mode = -1;
    unsigned long mask[2] = {0, 0}, node0 = 1, node1 = 2, none = 0;
    policy("get_mempolicy");
    long r = syscall(SYS_get_mempolicy, &mode, mask, 128, NULL, MPOL_F_MEMS_ALLOWED);
    printf("%-40s %ld mode %d nodes %#lx\n", "get_mempolicy MEMS_ALLOWED", r, mode, mask[0]);
    show("get_mempolicy maxnode 0", syscall(SYS_get_mempolicy, &mode, mask, 0, NULL, 0));
    show("get_mempolicy no mask, maxnode 0", syscall(SYS_get_mempolicy, &mode, NULL, 0, NULL, 0));
    show("get_mempolicy bad flags", syscall(SYS_get_mempolicy, &mode, mask, 128, NULL, 64));
    show("get_mempolicy ALLOWED|NODE", syscall(SYS_get_mempolicy, &mode, mask, 128, NULL,
                                                MPOL_F_MEMS_ALLOWED | MPOL_F_NODE));
    show("get_mempolicy NODE without ADDR", syscall(SYS_get_mempolicy, &mode, NULL, 0, NULL, MPOL_F_NODE));
    show("get_mempolicy bad mode pointer", syscall(SYS_get_mempolicy, (void *)8, NULL, 0, NULL, 0));
    char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    page[0] = 1;
    mode = -1;
    r = syscall(SYS_get_mempolicy, &mode, NULL, 0, page, MPOL_F_NODE | MPOL_F_ADDR);
    printf("%-40s %ld node %d\n", "get_mempolicy node of a page", r, mode);
    show("get_mempolicy ADDR unmapped", syscall(SYS_get_mempolicy, &mode, NULL, 0, (void *)4096, MPOL_F_ADDR));
    show("set_mempolicy BIND node 0", syscall(SYS_set_mempolicy, MPOL_BIND, &node0, 64));
    policy("  then");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        policy("  in a forked child");
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    show("set_mempolicy BIND node 1", syscall(SYS_set_mempolicy, MPOL_BIND, &node1, 64));
    show("set_mempolicy BIND no nodes", syscall(SYS_set_mempolicy, MPOL_BIND, &none, 64));
    show("set_mempolicy INTERLEAVE node 0", syscall(SYS_set_mempolicy, MPOL_INTERLEAVE, &node0, 64));
    policy("  then");
    show("set_mempolicy PREFERRED no nodes", syscall(SYS_set_mempolicy, MPOL_PREFERRED, &none, 64));
    policy("  then");
    show("set_mempolicy LOCAL", syscall(SYS_set_mempolicy, MPOL_LOCAL, NULL, 0));
    policy("  then");
    show("set_mempolicy DEFAULT with nodes", syscall(SYS_set_mempolicy, MPOL_DEFAULT, &node0, 64));
    show("set_mempolicy bad mode", syscall(SYS_set_mempolicy, 42, &node0, 64));
    show("set_mempolicy BIND|STATIC_NODES", syscall(SYS_set_mempolicy, MPOL_BIND | MPOL_F_STATIC_NODES, &node0, 64));
    show("set_mempolicy bad mask pointer", syscall(SYS_set_mempolicy, MPOL_BIND, (void *)8, 64));
    show("set_mempolicy DEFAULT", syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0));
    policy("  then");
    show("mbind BIND node 0", syscall(SYS_mbind, page, 8192, MPOL_BIND, &node0, 64, 0));
    show("mbind STRICT|MOVE", syscall(SYS_mbind, page, 8192, MPOL_BIND, &node0, 64, MPOL_MF_STRICT | MPOL_MF_MOVE));
    show("mbind bad flags", syscall(SYS_mbind, page, 8192, MPOL_BIND, &node0, 64, 1 << 9));
    show("mbind unaligned", syscall(SYS_mbind, page + 1, 4096, MPOL_BIND, &node0, 64, 0));
    show("mbind unmapped", syscall(SYS_mbind, (void *)4096, 4096, MPOL_BIND, &node0, 64, 0));
    show("mbind node 1", syscall(SYS_mbind, page, 8192, MPOL_BIND, &node1, 64, 0));
    show("mbind length 0", syscall(SYS_mbind, page, 0, MPOL_BIND, &node0, 64, 0));

    show("ioprio_get self", syscall(SYS_ioprio_get, 1, 0));
    show("ioprio_set idle", syscall(SYS_ioprio_set, 1, 0, IOPRIO(3, 0)));
    show("ioprio_get self", syscall(SYS_ioprio_get, 1, 0));
    show("ioprio_get self by pid", syscall(SYS_ioprio_get, 1, getpid()));
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        show("  ioprio_get in a forked child", syscall(SYS_ioprio_get, 1, 0));
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    show("ioprio_set best-effort 4", syscall(SYS_ioprio_set, 1, 0, IOPRIO(2, 4)));
    show("ioprio_get self", syscall(SYS_ioprio_get, 1, 0));
    show("ioprio_get process group", syscall(SYS_ioprio_get, 2, 0));
    show("ioprio_set none 0", syscall(SYS_ioprio_set, 1, 0, IOPRIO(0, 0)));
    show("ioprio_get self (none)", syscall(SYS_ioprio_get, 1, 0));
    show("ioprio_get process group (none)", syscall(SYS_ioprio_get, 2, 0));
    show("ioprio_set none 3", syscall(SYS_ioprio_set, 1, 0, IOPRIO(0, 3)));
    show("ioprio_set class 4", syscall(SYS_ioprio_set, 1, 0, IOPRIO(4, 0)));
    show("ioprio_set bad which", syscall(SYS_ioprio_set, 9, 0, IOPRIO(2, 0)));
    show("ioprio_get bad which", syscall(SYS_ioprio_get, 0, 0));
    show("ioprio_get no such pid", syscall(SYS_ioprio_get, 1, 999999));
    show("ioprio_set no such pid", syscall(SYS_ioprio_set, 1, 999999, IOPRIO(2, 0)));

    show("setpriority nice 5", setpriority(PRIO_PROCESS, 0, 5));
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        show("  nice in a forked child", getpriority(PRIO_PROCESS, 0));
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);

    show("pkey_alloc", syscall(SYS_pkey_alloc, 0, 0));
    show("pkey_alloc bad flags", syscall(SYS_pkey_alloc, 1, 0));
    show("pkey_free 1", syscall(SYS_pkey_free, 1));
    show("pkey_mprotect key -1", syscall(SYS_pkey_mprotect, page, 4096, PROT_READ, -1));
    show("pkey_mprotect key 1", syscall(SYS_pkey_mprotect, page, 4096, PROT_READ, 1));
    return 0;
}
