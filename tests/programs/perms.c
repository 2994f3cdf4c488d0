/* Permission checks for a non-root user: made as root, then tried after dropping to uid
 * 1000 (natively and sandboxed, compared). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void res(const char *what, int r) {
    printf("%-34s %s\n", what, r >= 0 ? "ok" : strerrorname_np(errno));
    if (r > 2)
        close(r);
}

int main(int argc, char **argv) {
    if (getuid() != 0) {
        printf("not root\n");
        return 0;
    }
    char base[4096];
    snprintf(base, sizeof base, "%s/p", argc > 1 ? argv[1] : "/tmp");
    mkdir(base, 0755);
    if (chdir(base) < 0)
        return 1;
    int fd = open("secret", O_CREAT | O_WRONLY, 0600);
    close(fd);
    fd = open("public", O_CREAT | O_WRONLY, 0644);
    close(fd);
    fd = open("script", O_CREAT | O_WRONLY, 0755);
    close(fd);
    mkdir("closed", 0700);
    mkdir("sticky", 01777);
    fd = open("sticky/roots", O_CREAT | O_WRONLY, 0666);
    close(fd);
    mkdir("ro", 0555);
    umask(0);
    if (setresgid(1000, 1000, 1000) < 0 || setresuid(1000, 1000, 1000) < 0) {
        printf("drop failed: %s\n", strerrorname_np(errno));
        return 1;
    }
    res("open secret O_RDONLY", open("secret", O_RDONLY));
    res("open public O_RDONLY", open("public", O_RDONLY));
    res("open public O_WRONLY", open("public", O_WRONLY));
    res("access script X_OK", access("script", X_OK));
    res("access public X_OK", access("public", X_OK));
    res("access public W_OK", access("public", W_OK));
    res("create in base (0755 root)", open("mine", O_CREAT | O_WRONLY, 0644));
    res("stat closed/x", ({ struct stat st; stat("closed/x", &st); }));
    res("opendir closed", open("closed", O_RDONLY | O_DIRECTORY));
    res("create in sticky", open("sticky/mine", O_CREAT | O_WRONLY, 0644));
    res("unlink sticky/roots", unlink("sticky/roots"));
    res("unlink sticky/mine", unlink("sticky/mine"));
    res("rename sticky/roots", rename("sticky/roots", "sticky/x"));
    res("mkdir in ro", mkdir("ro/d", 0755));
    res("chmod public", chmod("public", 0666));
    res("chown public", chown("public", 1000, 1000));
    res("utimes public (now)", utimensat(AT_FDCWD, "public", NULL, 0));
    res("truncate public", truncate("public", 0));
    res("rmdir ro", rmdir("ro"));
    return 0;
}
