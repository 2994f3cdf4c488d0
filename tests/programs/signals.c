/* Signal delivery: handlers with siginfo, a SIGSEGV handler that recovers, SIGFPE from a
 * division, the alternate stack, SA_RESETHAND, blocked and pending signals, signals to a
 * thread that never makes a system call, and a signal to a child. Prints what each handler
 * observed. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got, code, on_alt;
static volatile void *fault_addr;
static sigjmp_buf env;
static char *alt_base;
static size_t alt_size = 65536;

static void info_handler(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    got = sig;
    code = si->si_code;
    char here;
    on_alt = alt_base && &here >= alt_base && &here < alt_base + alt_size;
}

static void segv_handler(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    got = sig;
    fault_addr = si->si_addr;
    siglongjmp(env, 1);
}

static volatile sig_atomic_t spinner_hits;
static volatile int spinner_running;

static void count_handler(int sig) {
    (void)sig;
    spinner_hits++;
}

/* Spins in user code, never trapping, until it has handled three signals. */
static void *spinner(void *arg) {
    (void)arg;
    spinner_running = 1;
    while (spinner_hits < 3) {
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = info_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    kill(getpid(), SIGUSR1);
    printf("SIGUSR1 via kill: got=%d code_is_user=%d\n", got, code == SI_USER);
    got = 0;
    raise(SIGUSR1);
    printf("SIGUSR1 via raise: got=%d code_is_tkill=%d\n", got, code == SI_TKILL);

    /* Blocked: pending until unblocked. */
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    got = 0;
    kill(getpid(), SIGUSR1);
    sigpending(&pend);
    printf("blocked: got=%d pending=%d\n", got, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("unblocked: got=%d\n", got);

    /* A fault the handler recovers from. */
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = segv_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    for (int i = 0; i < 3; i++) {
        if (sigsetjmp(env, 1) == 0) {
            *(volatile int *)(uintptr_t)(0x1000 + i * 8) = 1;
            printf("no fault?\n");
        } else {
            printf("recovered from SIGSEGV %d at %#lx\n", got, (unsigned long)(uintptr_t)fault_addr);
        }
    }

    /* SIGFPE from an integer division by zero. */
    sigaction(SIGFPE, &sa, NULL);
    volatile int zero = 0;
    if (sigsetjmp(env, 1) == 0) {
        printf("%d\n", 1 / zero);
    } else {
        printf("recovered from SIGFPE %d\n", got);
    }

    /* The alternate stack. */
    alt_base = malloc(alt_size);
    stack_t ss = {.ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = info_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("SIGUSR2 on the alternate stack: %d\n", on_alt);
    struct sigaction now;
    sigaction(SIGUSR2, NULL, &now);
    printf("SA_RESETHAND reset it: %d\n", now.sa_handler == SIG_DFL);

    /* Signals to a thread busy in user code reach it (it has to be interrupted). */
    signal(SIGUSR2, count_handler);
    pthread_t spin;
    pthread_create(&spin, NULL, spinner, NULL);
    while (!spinner_running) {
    }
    for (int i = 0; i < 3; i++) {
        int before = spinner_hits;
        pthread_kill(spin, SIGUSR2);
        while (spinner_hits == before) usleep(1000);
    }
    pthread_join(spin, NULL);
    printf("spinning thread handled %d signals\n", (int)spinner_hits);

    /* A signal to a child that handles it, and one that kills a child. */
    int fds[2];
    pipe(fds);
    pid_t child = fork();
    if (child == 0) {
        got = 0;
        sigaction(SIGUSR1, &(struct sigaction){.sa_sigaction = info_handler, .sa_flags = SA_SIGINFO}, NULL);
        close(fds[0]);
        write(fds[1], "r", 1);
        while (!got) pause();
        _exit(got == SIGUSR1 ? 21 : 22);
    }
    char c;
    close(fds[1]);
    read(fds[0], &c, 1);
    got = 0;
    kill(child, SIGUSR1);
    int status;
    waitpid(child, &status, 0);
    printf("child handled SIGUSR1: exit %d\n", WEXITSTATUS(status));
    child = fork();
    if (child == 0) {
        for (;;) pause();
    }
    kill(child, SIGTERM);
    waitpid(child, &status, 0);
    printf("child killed by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    return 0;
}
