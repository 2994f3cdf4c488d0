//! Path and descriptor calls: open, stat, readlink, access, getdents, cwd, fcntl, dup, ioctl.

use std::sync::Arc;

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::fs::{join, File};
use crate::kernel::Task;

/// Linux's PATH_MAX, the NUL included.
const PATH_MAX: usize = 4096;
const AT_FDCWD: i32 = -100;
/// x86_64's O_LARGEFILE, which the kernel sets on every open of a 64-bit process.
const O_LARGEFILE: u32 = 0o100000;
/// Flags that only matter at open time, not kept in the file's status flags.
const OPEN_ONLY_FLAGS: u32 = (libc::O_CREAT | libc::O_EXCL | libc::O_NOCTTY | libc::O_TRUNC | libc::O_CLOEXEC) as u32;

/// Reads a path argument: EFAULT, ENAMETOOLONG, or ENOENT for an empty one (unless
/// `allow_empty`, for AT_EMPTY_PATH).
fn read_path(task: &Task, addr: u64, allow_empty: bool) -> Result<String, Errno> {
    let bytes = task.mm.read_cstr(addr, PATH_MAX)?;
    if bytes.is_empty() && !allow_empty {
        return Err(Errno::ENOENT);
    }
    // Host paths are bytes; until the gofer speaks bytes, a non-UTF-8 name cannot exist here.
    String::from_utf8(bytes).map_err(|_| Errno::ENOENT)
}

/// The absolute path for `path` relative to `dirfd` (a directory fd or AT_FDCWD).
fn resolve(task: &Task, dirfd: i32, path: &str) -> Result<String, Errno> {
    if path.starts_with('/') {
        return Ok(path.to_string());
    }
    if dirfd == AT_FDCWD {
        return Ok(join(&task.cwd, path));
    }
    let dir = task.fds.get(dirfd)?;
    if dir.ops.stat()?.st_mode & libc::S_IFMT != libc::S_IFDIR {
        return Err(Errno::ENOTDIR);
    }
    Ok(join(dir.ops.path(), path))
}

fn nofile_limit(task: &Task) -> u64 {
    task.rlimits[libc::RLIMIT_NOFILE as usize].rlim_cur
}

fn do_open(task: &mut Task, dirfd: i32, path_addr: u64, flags: u32, mode: u32) -> SysResult {
    let path = read_path(task, path_addr, false)?;
    let abs = resolve(task, dirfd, &path)?;
    let ops = task.kernel.vfs.open(&task.exe, &abs, flags, mode & !task.umask)?;
    let file = File::new(ops, (flags & !OPEN_ONLY_FLAGS) | O_LARGEFILE);
    let cloexec = flags & libc::O_CLOEXEC as u32 != 0;
    let limit = nofile_limit(task);
    Ok(task.fds.install(file, cloexec, 0, limit)? as u64)
}

pub fn sys_open(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_open(task, AT_FDCWD, a.u64(0), a.uint(1), a.uint(2))
}

pub fn sys_openat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_open(task, a.int(0), a.u64(1), a.uint(2), a.uint(3))
}

pub fn sys_close(task: &mut Task, a: &SyscallArgs) -> SysResult {
    task.fds.close(a.int(0))?;
    Ok(0)
}

/// stat of `path` relative to `dirfd`; with AT_EMPTY_PATH and an empty path, of `dirfd` itself.
fn stat_at(task: &Task, dirfd: i32, path_addr: u64, flags: i32) -> Result<libc::stat, Errno> {
    let path = read_path(task, path_addr, flags & libc::AT_EMPTY_PATH != 0)?;
    if path.is_empty() {
        if dirfd == AT_FDCWD {
            return task.kernel.vfs.stat(&task.exe, &task.cwd, true);
        }
        return task.fds.get(dirfd)?.ops.stat();
    }
    let abs = resolve(task, dirfd, &path)?;
    let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
    task.kernel.vfs.stat(&task.exe, &abs, follow)
}

pub fn sys_stat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let st = stat_at(task, AT_FDCWD, a.u64(0), 0)?;
    task.mm.write_val(a.u64(1), &st)?;
    Ok(0)
}

pub fn sys_lstat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let st = stat_at(task, AT_FDCWD, a.u64(0), libc::AT_SYMLINK_NOFOLLOW)?;
    task.mm.write_val(a.u64(1), &st)?;
    Ok(0)
}

pub fn sys_fstat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let st = task.fds.get(a.int(0))?.ops.stat()?;
    task.mm.write_val(a.u64(1), &st)?;
    Ok(0)
}

pub fn sys_newfstatat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = a.int(3);
    if flags & !(libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH | libc::AT_NO_AUTOMOUNT) != 0 {
        return Err(Errno::EINVAL);
    }
    let st = stat_at(task, a.int(0), a.u64(1), flags)?;
    task.mm.write_val(a.u64(2), &st)?;
    Ok(0)
}

/// The statx fields a stat gives (everything but the birth time and mount id).
fn statx_from(st: &libc::stat) -> libc::statx {
    // SAFETY: an all-zero statx is a valid value (and leaves no padding uninitialised).
    let mut sx: libc::statx = unsafe { std::mem::zeroed() };
    let ts = |sec: i64, nsec: i64| {
        // SAFETY: an all-zero statx_timestamp is valid.
        let mut t: libc::statx_timestamp = unsafe { std::mem::zeroed() };
        t.tv_sec = sec;
        t.tv_nsec = nsec as u32;
        t
    };
    sx.stx_mask = libc::STATX_BASIC_STATS;
    sx.stx_blksize = st.st_blksize as u32;
    sx.stx_nlink = st.st_nlink as u32;
    sx.stx_uid = st.st_uid;
    sx.stx_gid = st.st_gid;
    sx.stx_mode = st.st_mode as u16;
    sx.stx_ino = st.st_ino;
    sx.stx_size = st.st_size as u64;
    sx.stx_blocks = st.st_blocks as u64;
    sx.stx_atime = ts(st.st_atime, st.st_atime_nsec);
    sx.stx_mtime = ts(st.st_mtime, st.st_mtime_nsec);
    sx.stx_ctime = ts(st.st_ctime, st.st_ctime_nsec);
    sx.stx_rdev_major = libc::major(st.st_rdev);
    sx.stx_rdev_minor = libc::minor(st.st_rdev);
    sx.stx_dev_major = libc::major(st.st_dev);
    sx.stx_dev_minor = libc::minor(st.st_dev);
    sx
}

pub fn sys_statx(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = a.int(2);
    let known = libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH | libc::AT_NO_AUTOMOUNT | libc::AT_STATX_SYNC_TYPE;
    if flags & !known != 0 || flags & libc::AT_STATX_SYNC_TYPE == libc::AT_STATX_SYNC_TYPE {
        return Err(Errno::EINVAL);
    }
    if a.uint(3) & libc::STATX__RESERVED as u32 != 0 {
        return Err(Errno::EINVAL);
    }
    let st = stat_at(task, a.int(0), a.u64(1), flags)?;
    task.mm.write_val(a.u64(4), &statx_from(&st))?;
    Ok(0)
}

pub fn sys_getdents64(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = task.fds.get(a.int(0))?;
    let len = a.uint(2) as usize;
    task.mm.check_access(a.u64(1), len as u64, platform::Prot::WRITE)?;
    let mut buf = vec![0u8; len.min(1 << 20)];
    let n = file.ops.getdents64(&mut buf)?;
    task.mm.write(a.u64(1), &buf[..n])?;
    Ok(n as u64)
}

fn do_readlink(task: &mut Task, dirfd: i32, path_addr: u64, buf: u64, size: i32) -> SysResult {
    let size = usize::try_from(size).ok().filter(|&s| s > 0).ok_or(Errno::EINVAL)?;
    let path = read_path(task, path_addr, false)?;
    let abs = resolve(task, dirfd, &path)?;
    let target = task.kernel.vfs.readlink(&task.exe, &abs)?;
    let n = target.len().min(size);
    task.mm.write(buf, &target[..n])?;
    Ok(n as u64)
}

pub fn sys_readlink(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_readlink(task, AT_FDCWD, a.u64(0), a.u64(1), a.int(2))
}

pub fn sys_readlinkat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_readlink(task, a.int(0), a.u64(1), a.u64(2), a.int(3))
}

fn do_access(task: &mut Task, dirfd: i32, path_addr: u64, mode: i32, flags: i32) -> SysResult {
    if mode & !(libc::R_OK | libc::W_OK | libc::X_OK) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & !(libc::AT_EACCESS | libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(task, path_addr, flags & libc::AT_EMPTY_PATH != 0)?;
    let abs = if path.is_empty() {
        if dirfd == AT_FDCWD {
            task.cwd.clone()
        } else {
            task.fds.get(dirfd)?.ops.path().to_string()
        }
    } else {
        resolve(task, dirfd, &path)?
    };
    task.kernel.vfs.access(&task.exe, &abs, mode)?;
    Ok(0)
}

pub fn sys_access(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_access(task, AT_FDCWD, a.u64(0), a.int(1), 0)
}

pub fn sys_faccessat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_access(task, a.int(0), a.u64(1), a.int(2), 0)
}

pub fn sys_faccessat2(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_access(task, a.int(0), a.u64(1), a.int(2), a.int(3))
}

pub fn sys_getcwd(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let mut cwd = task.cwd.clone().into_bytes();
    cwd.push(0);
    if (a.u64(1) as usize) < cwd.len() {
        return Err(Errno::ERANGE);
    }
    task.mm.write(a.u64(0), &cwd)?;
    Ok(cwd.len() as u64)
}

/// Makes `abs` the working directory: it must be a directory we may search. The stored path
/// is canonical (symlinks resolved), as getcwd(2) reports it.
fn set_cwd(task: &mut Task, abs: &str) -> SysResult {
    let st = task.kernel.vfs.stat(&task.exe, abs, true)?;
    if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
        return Err(Errno::ENOTDIR);
    }
    task.kernel.vfs.access(&task.exe, abs, libc::X_OK)?;
    let canonical = std::fs::canonicalize(abs).map_err(|e| Errno::from_io(&e))?;
    task.cwd = canonical.to_str().ok_or(Errno::ENOENT)?.to_string();
    Ok(0)
}

pub fn sys_chdir(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = read_path(task, a.u64(0), false)?;
    let abs = join(&task.cwd, &path);
    set_cwd(task, &abs)
}

pub fn sys_fchdir(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = task.fds.get(a.int(0))?.ops.path().to_string();
    set_cwd(task, &path)
}

pub fn sys_umask(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let old = task.umask;
    task.umask = a.uint(0) & 0o777;
    Ok(u64::from(old))
}

pub fn sys_fcntl(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let fd = a.int(0);
    let file = task.fds.get(fd)?;
    let limit = nofile_limit(task);
    match a.int(1) {
        libc::F_DUPFD => Ok(task.fds.install(file, false, a.uint(2), limit)? as u64),
        libc::F_DUPFD_CLOEXEC => Ok(task.fds.install(file, true, a.uint(2), limit)? as u64),
        libc::F_GETFD => Ok(u64::from(task.fds.cloexec(fd)?)),
        libc::F_SETFD => {
            task.fds.set_cloexec(fd, a.int(2) & libc::FD_CLOEXEC != 0)?;
            Ok(0)
        }
        libc::F_GETFL => Ok(u64::from(file.flags())),
        libc::F_SETFL => {
            file.set_flags(a.uint(2));
            Ok(0)
        }
        cmd => crate::errno!(EINVAL, "fcntl command {cmd} not supported"),
    }
}

fn dup_to(task: &mut Task, old: i32, new: i32, cloexec: bool) -> SysResult {
    let file: Arc<File> = task.fds.get(old)?;
    let new_idx = usize::try_from(new).map_err(|_| Errno::EBADF)?;
    if new_idx as u64 >= nofile_limit(task).min(u64::from(crate::fs::fdtable::NR_OPEN)) {
        return Err(Errno::EBADF);
    }
    task.fds.put(new_idx, file, cloexec);
    Ok(new as u64)
}

pub fn sys_dup(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = task.fds.get(a.int(0))?;
    let limit = nofile_limit(task);
    Ok(task.fds.install(file, false, 0, limit)? as u64)
}

pub fn sys_dup2(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (old, new) = (a.int(0), a.int(1));
    if old == new {
        task.fds.get(old)?;
        return Ok(new as u64);
    }
    dup_to(task, old, new, false)
}

pub fn sys_dup3(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (old, new, flags) = (a.int(0), a.int(1), a.int(2));
    if flags & !libc::O_CLOEXEC != 0 || old == new {
        return Err(Errno::EINVAL);
    }
    dup_to(task, old, new, flags & libc::O_CLOEXEC != 0)
}

pub fn sys_ioctl(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let fd = a.int(0);
    let file = task.fds.get(fd)?;
    let request = u64::from(a.uint(1));
    match request {
        libc::FIOCLEX | libc::FIONCLEX => {
            task.fds.set_cloexec(fd, request == libc::FIOCLEX)?;
            Ok(0)
        }
        libc::FIONBIO => {
            let on: i32 = task.mm.read_val(a.u64(2))?;
            let flags = file.flags() & !(libc::O_NONBLOCK as u32);
            file.set_flags(if on != 0 { flags | libc::O_NONBLOCK as u32 } else { flags });
            Ok(0)
        }
        _ => file.ops.ioctl(&task.mm, request, a.u64(2)),
    }
}
