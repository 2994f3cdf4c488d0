/* Who keeps an alternate signal stack (sigaltstack(2)): a forked child does, a new thread
 * does not, and execve clears it, so a program run from a parent that had one (Python's
 * faulthandler sets one) handles SA_ONSTACK signals on its normal stack. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *state(void) {
    stack_t ss;
    if (sigaltstack(NULL, &ss) != 0) return "error";
    return (ss.ss_flags & SS_DISABLE) ? "none" : "set";
}

static volatile sig_atomic_t handled;
static void on_usr1(int sig) {
    (void)sig;
    handled = 1;
}

static void *thread_main(void *arg) {
    (void)arg;
    printf("thread: %s\n", state());
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        printf("after exec: %s\n", state());
        struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_ONSTACK};
        sigaction(SIGUSR1, &sa, NULL);
        raise(SIGUSR1);
        printf("SA_ONSTACK handler ran: %d\n", (int)handled);
        return 0;
    }
    stack_t ss = {.ss_sp = malloc(1 << 16), .ss_size = 1 << 16, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) return 1;
    printf("parent: %s\n", state());
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        printf("forked child: %s\n", state());
        execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("child: %s %d\n", WIFSIGNALED(st) ? "killed by signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    return 0;
}
