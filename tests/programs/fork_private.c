/* Private memory across fork: after fork neither side sees the other's stores, whatever the
 * memory is (.data, .bss, the stack, a small and a large heap block, small and large
 * anonymous mappings), whether the parent has one thread or several, and down to a
 * grandchild. Each line names a kind of memory and what each side read. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIG (4 << 20)

static int data_var = 1;
static int bss_var;

struct places {
    int *p[8];
    const char *name[8];
    int n;
};

static void add(struct places *pl, const char *name, int *p) {
    pl->name[pl->n] = name;
    pl->p[pl->n++] = p;
}

static void set_all(struct places *pl, int v) {
    for (int i = 0; i < pl->n; i++) *pl->p[i] = v;
}

/* Forks; the child stores 200 and reports what it read before and after the parent's
 * store of 300 (the parent stores once the child has read and stored: a pipe orders it). */
static void round_trip(struct places *pl, const char *label, int depth) {
    int to_child[2], to_parent[2];
    if (pipe(to_child) || pipe(to_parent)) exit(1);
    set_all(pl, 100);
    pid_t pid = fork();
    if (pid < 0) exit(1);
    char c = 0;
    if (pid == 0) {
        int before[8];
        for (int i = 0; i < pl->n; i++) before[i] = *pl->p[i];
        set_all(pl, 200);
        if (write(to_parent[1], "x", 1) != 1) _exit(1);
        if (read(to_child[0], &c, 1) != 1) _exit(1);
        for (int i = 0; i < pl->n; i++)
            printf("%s depth %d %s: child saw %d, kept %d\n", label, depth, pl->name[i], before[i],
                   *pl->p[i]);
        if (depth < 2) round_trip(pl, label, depth + 1);
        fflush(stdout);
        _exit(0);
    }
    if (read(to_parent[0], &c, 1) != 1) exit(1);
    set_all(pl, 300);
    if (write(to_child[1], "x", 1) != 1) exit(1);
    int st;
    waitpid(pid, &st, 0);
    for (int i = 0; i < pl->n; i++)
        printf("%s depth %d %s: parent kept %d\n", label, depth, pl->name[i], *pl->p[i]);
    fflush(stdout);
    close(to_child[0]); close(to_child[1]); close(to_parent[0]); close(to_parent[1]);
}

static void *idle(void *arg) {
    int fd = *(int *)arg;
    char c;
    if (read(fd, &c, 1) < 0) perror("read");
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    int stack_var = 1;
    int *small = malloc(64);
    char *large = malloc(BIG);
    memset(large, 7, BIG); /* populated: too big to copy at fork */
    int *anon_small = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *anon_big = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!small || !large || anon_small == MAP_FAILED || anon_big == MAP_FAILED) return 1;
    memset(anon_big, 9, BIG);
    struct places pl = {.n = 0};
    add(&pl, ".data", &data_var);
    add(&pl, ".bss", &bss_var);
    add(&pl, "stack", &stack_var);
    add(&pl, "small heap", small);
    add(&pl, "large heap", (int *)(large + BIG / 2));
    add(&pl, "small mmap", anon_small);
    add(&pl, "large mmap", (int *)(anon_big + BIG - 64));
    round_trip(&pl, "one thread", 0);

    /* The same with a second thread alive in the parent. */
    int p[2];
    if (pipe(p)) return 1;
    pthread_t t;
    pthread_create(&t, NULL, idle, &p[0]);
    round_trip(&pl, "two threads", 0);
    if (write(p[1], "x", 1) != 1) return 1;
    pthread_join(t, NULL);
    printf("large blocks intact: %d %d\n", large[12345], anon_big[54321]);
    return 0;
}
