/* Makes getpid through the 32-bit entry (int $0x80, eax = 20) and prints the raw result.
 * Natively that is the pid; the sandbox serves only the 64-bit ABI and answers -ENOSYS. */
#include <stdio.h>

int main(void) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
    printf("%ld\n", ret);
    return 0;
}
