/* The smallest useful program: prints its arguments with stdio and with write(2), and exits
 * with the status given as the first argument if it is a number. Built in every flavour
 * (dynamic and static glibc, static-pie, musl static and dynamic). */
#include <stdlib.h>
#include <unistd.h>

#include "common.h"

int main(int argc, char **argv) {
    printf("hello, %d args\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    fflush(stdout);
    static const char msg[] = "written with write(2)\n";
    if (write(1, msg, sizeof msg - 1) != (ssize_t)(sizeof msg - 1))
        return 100;
    return argc > 1 ? atoi(argv[1]) : 0;
}
