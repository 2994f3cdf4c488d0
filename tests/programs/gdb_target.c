/* A program to debug: gdb stops at `add`, prints its arguments' sum, continues. */
#include <stdio.h>

int add(int a, int b) {
    return a + b;
}

int main(void) {
    int x = add(2, 3);
    printf("x=%d\n", x);
    return 0;
}
