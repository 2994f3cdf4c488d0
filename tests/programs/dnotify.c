/* Directory notification (fcntl F_NOTIFY): signals for creations, deletions and renames in a
 * watched directory, with the F_SETSIG signal's si_fd and si_code; a one-shot registration
 * ends after its first signal; a non-directory is ENOTDIR. Usage: dnotify DIR. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int dfd;

/* Waits up to 2 s for the notification signal, then takes any more queued at once; says how
 * many came and describes the first. */
static void expect(const char *what) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 1);
    struct timespec ts = {.tv_sec = 2}, zero = {0};
    siginfo_t si, more;
    if (sigtimedwait(&set, &si, &ts) < 0) {
        printf("%s: no signal (%s)\n", what, strerrorname_np(errno));
        return;
    }
    int n = 1;
    while (sigtimedwait(&set, &more, &zero) > 0) n++;
    (void)n; /* how many depends on how the kernel splits an operation into events */
    printf("%s: signalled, si_fd %s, si_code %d\n", what,
           si.si_fd == dfd ? "the watching fd" : "another", si.si_code);
}

static void quiet(const char *what) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 1);
    struct timespec ts = {.tv_nsec = 200000000};
    printf("%s: %s\n", what, sigtimedwait(&set, NULL, &ts) < 0 ? "no signal" : "a signal");
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char path[4096], path2[4096];
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    dfd = open(argv[1], O_RDONLY | O_DIRECTORY);
    if (dfd < 0) return 1;
    fcntl(dfd, F_SETSIG, SIGRTMIN + 1);
    printf("F_NOTIFY multishot: %d\n", fcntl(dfd, F_NOTIFY, DN_CREATE | DN_DELETE | DN_RENAME | DN_MULTISHOT));
    snprintf(path, sizeof path, "%s/a", argv[1]);
    snprintf(path2, sizeof path2, "%s/b", argv[1]);
    close(open(path, O_CREAT | O_WRONLY, 0644));
    expect("create");
    rename(path, path2);
    expect("rename");
    unlink(path2);
    expect("unlink");
    /* Requests add up: DN_MULTISHOT stays with a later request without it. */
    printf("F_NOTIFY DN_CREATE again: %d\n", fcntl(dfd, F_NOTIFY, DN_CREATE));
    close(open(path, O_CREAT | O_WRONLY, 0644));
    expect("create");
    unlink(path);
    expect("unlink, still watched");
    /* 0 ends it; a one-shot request on another open of the directory ends with its event. */
    printf("F_NOTIFY 0: %d\n", fcntl(dfd, F_NOTIFY, 0));
    int other = open(argv[1], O_RDONLY | O_DIRECTORY);
    fcntl(other, F_SETSIG, SIGRTMIN + 1);
    dfd = other;
    printf("F_NOTIFY one-shot: %d\n", fcntl(other, F_NOTIFY, DN_CREATE));
    close(open(path, O_CREAT | O_WRONLY, 0644));
    expect("create");
    close(open(path2, O_CREAT | O_WRONLY, 0644));
    quiet("create after the one shot");
    unlink(path);
    unlink(path2);
    /* Errors. */
    int ffd = open("/proc/self/exe", O_RDONLY);
    int r = fcntl(ffd, F_NOTIFY, DN_CREATE);
    printf("F_NOTIFY on a file: %d %s\n", r, r < 0 ? strerrorname_np(errno) : "");
    return 0;
}
