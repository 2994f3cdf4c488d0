/* Prints argc, every argument (long ones as length + fingerprint), the number of environment
 * entries, and every variable whose name starts with BLINDERS_T_ (long values as length +
 * fingerprint). Also checks that argv[argc] and the envp terminator are NULL, and that
 * main's envp is the same array as `environ`. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

extern char **environ;

static void show(const char *what, const char *s) {
    size_t n = strlen(s);
    if (n <= 200)
        printf("%s=%s\n", what, s);
    else
        printf("%s: %zu bytes, fnv %016llx\n", what, n, fnv1a(s, n));
}

int main(int argc, char **argv, char **envp) {
    printf("argc=%d\n", argc);
    printf("argv[argc] is NULL: %s\n", argv[argc] == NULL ? "yes" : "no");
    char label[64];
    for (int i = 1; i < argc; i++) {
        snprintf(label, sizeof label, "argv[%d]", i);
        show(label, argv[i]);
    }
    int envc = 0;
    while (envp[envc])
        envc++;
    printf("envc=%d\n", envc);
    printf("envp is environ: %s\n", envp == environ ? "yes" : "no");
    for (int i = 0; i < envc; i++) {
        if (strncmp(envp[i], "BLINDERS_T_", 11) == 0) {
            char *eq = strchr(envp[i], '=');
            size_t namelen = eq ? (size_t)(eq - envp[i]) : strlen(envp[i]);
            snprintf(label, sizeof label, "env %.*s", (int)namelen, envp[i]);
            show(label, eq ? eq + 1 : "");
        }
    }
    const char *missing = getenv("BLINDERS_T_SURELY_UNSET");
    printf("getenv(unset)=%s\n", missing ? missing : "(null)");
    return 0;
}
