/* File names need not be UTF-8: getcwd and the /proc links give their bytes back as they
 * are. Usage: raw_names DIR. Prints the names' last components in hex. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void hex(const char *label, const char *path) {
    const char *last = strrchr(path, '/');
    last = last ? last + 1 : path;
    printf("%s:", label);
    for (const unsigned char *p = (const unsigned char *)last; *p; p++) printf(" %02x", *p);
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || chdir(argv[1]) != 0) return 2;
    const char dir[] = {'d', (char)0xff, '.', 'x', 0};
    const char file[] = {'f', (char)0xfe, (char)0x80, 0};
    mkdir(dir, 0755);
    if (chdir(dir) != 0) return 1;
    char buf[4096];
    hex("getcwd", getcwd(buf, sizeof buf));
    ssize_t n = readlink("/proc/self/cwd", buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    hex("/proc/self/cwd", buf);
    int fd = open(file, O_CREAT | O_RDWR, 0644);
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    hex("/proc/self/fd", buf);
    unlink(file);
    chdir("..");
    rmdir(dir);
    return 0;
}
