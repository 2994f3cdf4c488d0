/* Shared helpers for the end-to-end test programs. Each program prints what it observed, so
 * that a native run and a sandboxed run can be compared byte for byte. Never print addresses or
 * anything else that legitimately differs between two runs. */
#ifndef BLINDERS_TEST_COMMON_H
#define BLINDERS_TEST_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The symbolic name of an errno value (glibc's strerrorname_np is not in musl). */
static inline const char *errname(int e) {
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case EPIPE: return "EPIPE";
    case ERANGE: return "ERANGE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case EOVERFLOW: return "EOVERFLOW";
    case ENOTSUP: return "ENOTSUP";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
    case EPROTOTYPE: return "EPROTOTYPE";
    case ENOTSOCK: return "ENOTSOCK";
    case EISCONN: return "EISCONN";
    case ENOTCONN: return "ENOTCONN";
    case EADDRINUSE: return "EADDRINUSE";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case EMSGSIZE: return "EMSGSIZE";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case ENOBUFS: return "ENOBUFS";
    case EDOM: return "EDOM";
    case EINPROGRESS: return "EINPROGRESS";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ENETUNREACH: return "ENETUNREACH";
    case EALREADY: return "EALREADY";
    default: {
        static char buf[32];
        snprintf(buf, sizeof buf, "E#%d", e);
        return buf;
    }
    }
}

/* Prints "LABEL: = RET" on success or "LABEL: = -1 ENAME" on failure, for a libc call that
 * returns -1 and sets errno. Returns the call's result. */
#define SHOW(label, expr)                                                                          \
    ({                                                                                             \
        errno = 0;                                                                                 \
        long show_r_ = (long)(expr);                                                               \
        int show_e_ = errno;                                                                       \
        if (show_r_ == -1)                                                                         \
            printf("%s = -1 %s\n", (label), errname(show_e_));                                     \
        else                                                                                       \
            printf("%s = %ld\n", (label), show_r_);                                                \
        show_r_;                                                                                   \
    })

/* Like SHOW but only says whether it succeeded, for calls whose value differs between runs
 * (addresses, fds chosen by the kernel are fine to print, addresses are not). */
#define SHOW_OK(label, expr)                                                                       \
    ({                                                                                             \
        errno = 0;                                                                                 \
        long show_r_ = (long)(expr);                                                               \
        int show_e_ = errno;                                                                       \
        if (show_r_ == -1)                                                                         \
            printf("%s = -1 %s\n", (label), errname(show_e_));                                     \
        else                                                                                       \
            printf("%s = ok\n", (label));                                                          \
        show_r_;                                                                                   \
    })

/* 64-bit FNV-1a, for printing a fingerprint of a large buffer instead of the buffer. */
static inline unsigned long long fnv1a(const void *p, size_t n) {
    const unsigned char *b = p;
    unsigned long long h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

#endif
