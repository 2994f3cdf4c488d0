/* Memory management as a program sees it: malloc/free of small and large blocks (brk and mmap
 * inside malloc), realloc growing (mremap for large blocks), anonymous mmap, mprotect, munmap,
 * mremap, brk, MAP_FIXED, private file mappings and MADV_DONTNEED. Every step prints what it
 * checked and a checksum of the data it read back, never an address. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void fill(unsigned char *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 31 + seed);
}

static int check(const unsigned char *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 31 + seed))
            return 0;
    return 1;
}

static int all_zero(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

#define YESNO(x) ((x) ? "yes" : "no")

static void small_blocks(void) {
    enum { N = 20000 };
    static unsigned char *blocks[N];
    static size_t sizes[N];
    unsigned long long sum = 0;
    for (int i = 0; i < N; i++) {
        sizes[i] = 1 + next() % 700;
        blocks[i] = malloc(sizes[i]);
        if (!blocks[i]) {
            printf("small malloc failed\n");
            return;
        }
        fill(blocks[i], sizes[i], (unsigned)i);
    }
    for (int i = 0; i < N; i += 2) {
        free(blocks[i]);
        blocks[i] = NULL;
    }
    int intact = 1;
    for (int i = 1; i < N; i += 2) {
        intact &= check(blocks[i], sizes[i], (unsigned)i);
        sum += fnv1a(blocks[i], sizes[i]);
    }
    for (int i = 1; i < N; i += 2)
        free(blocks[i]);
    printf("small blocks: %d allocated, survivors intact: %s, checksum %016llx\n", N,
           YESNO(intact), sum);
}

static void big_blocks(void) {
    static const size_t sizes[] = {200 << 10, 1 << 20, 8 << 20, 33 << 20};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        unsigned char *p = malloc(sizes[k]);
        if (!p) {
            printf("big malloc %zu failed\n", sizes[k]);
            continue;
        }
        fill(p, sizes[k], (unsigned)k);
        printf("big block %zu KiB: intact %s, checksum %016llx\n", sizes[k] >> 10,
               YESNO(check(p, sizes[k], (unsigned)k)), fnv1a(p, sizes[k]));
        free(p);
    }
    unsigned char *z = calloc(4 << 20, 1);
    printf("calloc 4 MiB zeroed: %s\n", YESNO(z && all_zero(z, 4 << 20)));
    free(z);
}

static void realloc_growing(void) {
    size_t n = 64 << 10;
    unsigned char *p = malloc(n);
    fill(p, n, 7);
    int ok = 1;
    while (n < (64u << 20)) {
        size_t m = n * 2;
        unsigned char *q = realloc(p, m);
        if (!q) {
            printf("realloc to %zu failed\n", m);
            free(p);
            return;
        }
        ok &= check(q, n, 7); /* the old contents moved along */
        fill(q, m, 7);
        p = q;
        n = m;
    }
    printf("realloc 64 KiB -> 64 MiB keeps contents: %s, checksum %016llx\n", YESNO(ok),
           fnv1a(p, n));
    p = realloc(p, 100);
    printf("realloc shrink keeps prefix: %s\n", YESNO(p && check(p, 100, 7)));
    free(p);
}

static void anon_mmap(long page, int selffd) {
    size_t n = 16 * (size_t)page;
    unsigned char *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        printf("mmap anon = -1 %s\n", errname(errno));
        return;
    }
    printf("mmap anon zero-filled: %s\n", YESNO(all_zero(m, n)));
    printf("mmap anon page aligned: %s\n", YESNO(((uintptr_t)m % (uintptr_t)page) == 0));
    fill(m, n, 3);
    SHOW("mprotect pages 4-7 read-only", mprotect(m + 4 * page, 4 * page, PROT_READ));
    printf("read-only pages readable and intact: %s\n", YESNO(check(m, n, 3)));
    /* The kernel may not write into a read-only page for us either. */
    SHOW("read() into read-only page", read(selffd, m + 4 * page, 16));
    SHOW("mprotect page 5 PROT_NONE", mprotect(m + 5 * page, page, PROT_NONE));
    SHOW("write() from PROT_NONE page", write(1, m + 5 * page, 16));
    SHOW("mprotect pages 4-7 read-write", mprotect(m + 4 * page, 4 * page, PROT_READ | PROT_WRITE));
    fill(m + 4 * page, 4 * page, 9);
    printf("rewritten after mprotect: %s\n", YESNO(check(m + 4 * page, 4 * page, 9)));
    SHOW("munmap page 10", munmap(m + 10 * page, page));
    SHOW("read() into unmapped page", read(selffd, m + 10 * page, 16));
    int ok = check(m, 4 * page, 3) && check(m + 4 * page, 4 * page, 9);
    ok = ok && check(m + 11 * page, 5 * page, (unsigned)(3 + 11 * page * 31));
    printf("pages around the hole intact: %s\n", YESNO(ok));
    SHOW("madvise DONTNEED pages 0-1", madvise(m, 2 * page, MADV_DONTNEED));
    printf("DONTNEED pages read back zero: %s\n", YESNO(all_zero(m, 2 * page)));
    printf("page 2 untouched by DONTNEED: %s\n", YESNO(m[2 * page] == (unsigned char)(2 * page * 31 + 3)));
    unsigned char *f = mmap(m + 12 * page, page, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED at the asked address: %s\n", YESNO(f == m + 12 * page));
    printf("MAP_FIXED replaced contents with zeros: %s\n", YESNO(all_zero(m + 12 * page, page)));
    SHOW("munmap all (spanning the hole)", munmap(m, n));
    SHOW("munmap again (nothing mapped)", munmap(m, n));
}

static void explicit_mremap(long page, int selffd) {
    size_t n = 4 * (size_t)page;
    unsigned char *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    fill(m, n, 5);
    unsigned char *g = mremap(m, n, 64 * page, MREMAP_MAYMOVE);
    if (g == MAP_FAILED) {
        printf("mremap grow = -1 %s\n", errname(errno));
        return;
    }
    printf("mremap grow keeps contents: %s, new part zero: %s\n", YESNO(check(g, n, 5)),
           YESNO(all_zero(g + n, 60 * page)));
    fill(g, 64 * page, 6);
    unsigned char *s = mremap(g, 64 * page, 2 * page, 0);
    printf("mremap shrink in place: %s, contents: %s\n", YESNO(s == g), YESNO(check(s, 2 * page, 6)));
    /* Reserve a destination, then move there with MREMAP_FIXED. */
    unsigned char *dst = mmap(NULL, 8 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char *moved = mremap(s, 2 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_FIXED, dst + 2 * page);
    printf("mremap FIXED moved to the asked address: %s, contents: %s\n",
           YESNO(moved == dst + 2 * page), YESNO(moved != MAP_FAILED && check(moved, 2 * page, 6)));
    SHOW("read() into the old place", read(selffd, s, 1));
    munmap(dst, 8 * page);
}

/* brk(2) itself, not sbrk(3) (musl's sbrk refuses to move the break). Nothing between the
 * brk calls may allocate: libc's own idea of the break would go stale. Results are printed
 * after the break is back where it was. */
static void brk_area(long page) {
    uintptr_t start = (uintptr_t)syscall(SYS_brk, 0);
    size_t grow = 1 << 20;
    uintptr_t grown = (uintptr_t)syscall(SYS_brk, start + grow);
    int grew = grown == start + grow;
    int zero1 = grew && all_zero((unsigned char *)start, grow);
    if (grew)
        fill((unsigned char *)start, grow, 11);
    uintptr_t shrunk = (uintptr_t)syscall(SYS_brk, start + grow / 2);
    int kept = grew && check((unsigned char *)start, grow / 2, 11);
    uintptr_t regrown = (uintptr_t)syscall(SYS_brk, start + grow);
    /* Memory given back and taken again must be fresh zeros, not the old data. */
    int zero2 = regrown == start + grow &&
                all_zero((unsigned char *)start + grow / 2 + page, (size_t)page);
    uintptr_t below = (uintptr_t)syscall(SYS_brk, 1); /* absurd: the break stays */
    uintptr_t back = (uintptr_t)syscall(SYS_brk, start);
    printf("brk grow 1 MiB: %s, new area zero: %s\n", YESNO(grew), YESNO(zero1));
    printf("brk shrink: %s, keeps the rest: %s\n", YESNO(shrunk == start + grow / 2), YESNO(kept));
    printf("brk regrown page zero: %s\n", YESNO(zero2));
    printf("brk(1) refused, break unchanged: %s\n", YESNO(below == regrown));
    printf("brk back to start: %s\n", YESNO(back == start));
}

static void file_mapping(long page, const char *self) {
    int fd = open(self, O_RDONLY);
    unsigned char *m = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        printf("mmap file = -1 %s\n", errname(errno));
        return;
    }
    printf("file mapping starts with ELF magic: %s\n", YESNO(memcmp(m, "\177ELF", 4) == 0));
    unsigned char head[64];
    pread(fd, head, sizeof head, 0);
    printf("file mapping equals pread: %s\n", YESNO(memcmp(m, head, sizeof head) == 0));
    m[0] = 'X'; /* private: the file must not change */
    unsigned char again[4];
    pread(fd, again, 4, 0);
    printf("private write leaves the file alone: %s\n", YESNO(memcmp(again, "\177ELF", 4) == 0));
    SHOW_OK("mmap file PROT_WRITE MAP_SHARED on read-only fd",
            mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    munmap(m, page);
    close(fd);
}

int main(int argc, char **argv) {
    (void)argc;
    long page = sysconf(_SC_PAGESIZE);
    int selffd = open(argv[0], O_RDONLY);
    if (selffd < 0) {
        perror("open self");
        return 1;
    }
    small_blocks();
    big_blocks();
    realloc_growing();
    anon_mmap(page, selffd);
    explicit_mremap(page, selffd);
    brk_area(page);
    file_mapping(page, argv[0]);
    printf("done\n");
    return 0;
}
