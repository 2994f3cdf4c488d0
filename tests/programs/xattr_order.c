/* The order of the xattr calls' checks, as Linux 6.13 and later make them: flags, then the
 * name (EFAULT, ERANGE for an empty or overlong one), then the value, then the file (EBADF,
 * ENOENT). Prints each answer. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <unistd.h>
#define T(what, call) do { errno = 0; long r = call; printf("%-44s %ld %s\n", what, r, r < 0 ? strerrorname_np(errno) : ""); } while (0)
int main(void) {
  char buf[16];
  T("fgetxattr bad fd, bad name", syscall(SYS_fgetxattr, 999, (char *)8, buf, 16));
  T("fsetxattr bad fd, bad name", syscall(SYS_fsetxattr, 999, (char *)8, buf, 1, 0));
  T("fremovexattr bad fd, bad name", syscall(SYS_fremovexattr, 999, (char *)8));
  T("fgetxattr bad fd, empty name", syscall(SYS_fgetxattr, 999, "", buf, 16));
  T("fsetxattr bad fd, bad flags", syscall(SYS_fsetxattr, 999, "user.x", buf, 1, 99));
  T("fsetxattr bad fd, bad value", syscall(SYS_fsetxattr, 999, "user.x", (char *)8, 1, 0));
  T("getxattr bad path, bad name", syscall(SYS_getxattr, (char *)8, (char *)8, buf, 16));
  T("getxattr missing path, bad name", syscall(SYS_getxattr, "/nonexistent", (char *)8, buf, 16));
  T("removexattr missing path, bad name", syscall(SYS_removexattr, "/nonexistent", (char *)8));
  T("setxattr missing path, bad name", syscall(SYS_setxattr, "/nonexistent", (char *)8, buf, 1, 0));
  T("setxattr missing path, bad value", syscall(SYS_setxattr, "/nonexistent", "user.x", (char *)8, 1, 0));
  T("fgetxattr bad fd, long name", syscall(SYS_fgetxattr, 999, "user.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", buf, 16));
  return 0;
}
