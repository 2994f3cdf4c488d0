/* Threads creating and removing files in one directory while others stat and list it: the
 * sandbox's tmpfs takes a directory's entry lock and its metadata lock in one order only (a
 * stat of the directory that took them the other way deadlocked against a create; CPython's
 * test_threadedtempfile found it). Works in a fresh directory under /tmp. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define WRITERS 4
#define ROUNDS 1500

static const char *dir;
static volatile int writers_done;
static int created[WRITERS], removed[WRITERS];

static void *writer(void *arg) {
    long id = (long)arg;
    char path[4096];
    for (int i = 0; i < ROUNDS; i++) {
        snprintf(path, sizeof path, "%s/w%ld-%d", dir, id, i);
        int fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
        if (fd >= 0) {
            created[id]++;
            close(fd);
        }
        if (unlink(path) == 0) removed[id]++;
    }
    return NULL;
}

static void *watcher(void *arg) {
    (void)arg;
    long bad = 0;
    while (!__atomic_load_n(&writers_done, __ATOMIC_SEQ_CST)) {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) bad++;
        DIR *d = opendir(dir);
        if (!d) {
            bad++;
            continue;
        }
        while (readdir(d)) {
        }
        closedir(d);
    }
    return (void *)bad;
}

int main(void) {
    char tmpl[] = "/tmp/dir_race.XXXXXX";
    dir = mkdtemp(tmpl);
    if (!dir) return 1;
    pthread_t w[WRITERS], s[2];
    for (long i = 0; i < 2; i++) pthread_create(&s[i], NULL, watcher, NULL);
    for (long i = 0; i < WRITERS; i++) pthread_create(&w[i], NULL, writer, (void *)i);
    for (int i = 0; i < WRITERS; i++) pthread_join(w[i], NULL);
    __atomic_store_n(&writers_done, 1, __ATOMIC_SEQ_CST);
    long bad = 0;
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(s[i], &r);
        bad += (long)r;
    }
    int c = 0, r = 0;
    for (int i = 0; i < WRITERS; i++) c += created[i], r += removed[i];
    printf("created %d, removed %d, failed stats or listings %ld\n", c, r, bad);
    return rmdir(dir) == 0 ? 0 : 1;
}
