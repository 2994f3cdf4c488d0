/* Prints the auxiliary vector entries that must match a native run (values), and for the ones
 * that legitimately differ between runs (addresses) whether they are present and plausible. */
#include <elf.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "common.h"

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

extern char _start[];

static unsigned long aux(unsigned long type, int *present) {
    errno = 0;
    unsigned long v = getauxval(type);
    *present = !(v == 0 && errno == ENOENT);
    return v;
}

static void value(const char *name, unsigned long type) {
    int present;
    unsigned long v = aux(type, &present);
    if (present)
        printf("%s=%#lx\n", name, v);
    else
        printf("%s absent\n", name);
}

static void string(const char *name, unsigned long type) {
    int present;
    unsigned long v = aux(type, &present);
    if (!present || v == 0)
        printf("%s absent\n", name);
    else
        printf("%s=\"%s\"\n", name, (const char *)v);
}

static void nonzero(const char *name, unsigned long type) {
    int present;
    unsigned long v = aux(type, &present);
    printf("%s %s\n", name, !present ? "absent" : v ? "nonzero" : "zero");
}

int main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    value("AT_PAGESZ", AT_PAGESZ);
    value("AT_UID", AT_UID);
    value("AT_EUID", AT_EUID);
    value("AT_GID", AT_GID);
    value("AT_EGID", AT_EGID);
    value("AT_SECURE", AT_SECURE);
    value("AT_CLKTCK", AT_CLKTCK);
    value("AT_HWCAP", AT_HWCAP);
    value("AT_HWCAP2", AT_HWCAP2);
    value("AT_FLAGS", AT_FLAGS);
    value("AT_PHENT", AT_PHENT);
    value("AT_PHNUM", AT_PHNUM);
    string("AT_PLATFORM", AT_PLATFORM);
    string("AT_EXECFN", AT_EXECFN);
    nonzero("AT_RANDOM", AT_RANDOM);
    nonzero("AT_PHDR", AT_PHDR);
    nonzero("AT_ENTRY", AT_ENTRY);
    nonzero("AT_BASE", AT_BASE);
    nonzero("AT_MINSIGSTKSZ", AT_MINSIGSTKSZ);

    int present;
    const unsigned char *rnd = (const unsigned char *)aux(AT_RANDOM, &present);
    if (rnd) {
        int all_zero = 1;
        for (int i = 0; i < 16; i++)
            all_zero &= rnd[i] == 0;
        printf("AT_RANDOM bytes all zero: %s\n", all_zero ? "yes" : "no");
    }
    printf("AT_ENTRY is _start: %s\n",
           aux(AT_ENTRY, &present) == (unsigned long)_start ? "yes" : "no");
    const ElfW(Phdr) *phdr = (const ElfW(Phdr) *)aux(AT_PHDR, &present);
    unsigned long phnum = aux(AT_PHNUM, &present);
    int loads = 0, phdr_self = 0;
    for (unsigned long i = 0; phdr && i < phnum; i++) {
        loads += phdr[i].p_type == PT_LOAD;
        phdr_self |= phdr[i].p_type == PT_PHDR;
    }
    printf("AT_PHDR PT_LOAD entries: %d, has PT_PHDR: %s\n", loads, phdr_self ? "yes" : "no");
    int uid_ok = aux(AT_UID, &present) == (unsigned long)getuid();
    printf("AT_UID matches getuid(): %s\n", uid_ok ? "yes" : "no");
    return 0;
}
