//! Path and descriptor calls: open, stat, readlink, access, getdents, cwd, fcntl, dup, ioctl.

use std::sync::Arc;

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::fs::pipe::Pipe;
use crate::fs::{join, File};
use crate::kernel::Task;

/// Linux's PATH_MAX, the NUL included.
const PATH_MAX: usize = 4096;
pub(super) const AT_FDCWD: i32 = -100;
/// x86_64's O_LARGEFILE, which the kernel sets on every open of a 64-bit process.
const O_LARGEFILE: u32 = 0o100000;
/// Flags that only matter at open time, not kept in the file's status flags.
const OPEN_ONLY_FLAGS: u32 =
    (libc::O_CREAT | libc::O_EXCL | libc::O_NOCTTY | libc::O_TRUNC | libc::O_CLOEXEC) as u32;

/// Reads a path argument: EFAULT, ENAMETOOLONG, or ENOENT for an empty one (unless
/// `allow_empty`, for AT_EMPTY_PATH).
pub(super) fn read_path(task: &Task, addr: u64, allow_empty: bool) -> Result<String, Errno> {
    let bytes = task.mm.read_cstr(addr, PATH_MAX)?;
    if bytes.is_empty() && !allow_empty {
        return Err(Errno::ENOENT);
    }
    // Host paths are bytes; until the gofer speaks bytes, a non-UTF-8 name cannot exist here.
    String::from_utf8(bytes).map_err(|_| Errno::ENOENT)
}

/// The absolute path for `path` relative to `dirfd` (a directory fd or AT_FDCWD).
pub(super) fn resolve(task: &Task, dirfd: i32, path: &str) -> Result<String, Errno> {
    if path.starts_with('/') {
        return Ok(path.to_string());
    }
    if dirfd == AT_FDCWD {
        return Ok(join(&task.cwd(), path));
    }
    let dir = task.fds().get(dirfd)?;
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
    let ops = task
        .kernel
        .vfs
        .open(&task.exe, &abs, flags, mode & !task.fs().umask)?;
    let file = File::new(ops, (flags & !OPEN_ONLY_FLAGS) | O_LARGEFILE);
    let cloexec = flags & libc::O_CLOEXEC as u32 != 0;
    let limit = nofile_limit(task);
    Ok(task.fds().install(file, cloexec, 0, limit)? as u64)
}

pub fn sys_open(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_open(task, AT_FDCWD, a.u64(0), a.uint(1), a.uint(2))
}

pub fn sys_openat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_open(task, a.int(0), a.u64(1), a.uint(2), a.uint(3))
}

pub fn sys_close(task: &mut Task, a: &SyscallArgs) -> SysResult {
    task.fds().close(a.int(0))?;
    Ok(0)
}

pub fn sys_getdents64(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = task.fds().get(a.int(0))?;
    let len = a.uint(2) as usize;
    task.mm
        .check_access(a.u64(1), len as u64, platform::Prot::WRITE)?;
    let mut buf = vec![0u8; len.min(1 << 20)];
    let n = file.ops.getdents64(&mut buf)?;
    task.mm.write(a.u64(1), &buf[..n])?;
    Ok(n as u64)
}

pub fn sys_getcwd(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let mut cwd = task.cwd().into_bytes();
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
    task.fs().cwd = canonical.to_str().ok_or(Errno::ENOENT)?.to_string();
    Ok(0)
}

pub fn sys_chdir(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = read_path(task, a.u64(0), false)?;
    let abs = join(&task.cwd(), &path);
    set_cwd(task, &abs)
}

pub fn sys_fchdir(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = task.fds().get(a.int(0))?.ops.path().to_string();
    set_cwd(task, &path)
}

pub fn sys_umask(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let mut fs = task.fs();
    let old = fs.umask;
    fs.umask = a.uint(0) & 0o777;
    Ok(u64::from(old))
}

pub fn sys_fcntl(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let fd = a.int(0);
    let file = task.fds().get(fd)?;
    let limit = nofile_limit(task);
    match a.int(1) {
        libc::F_DUPFD => Ok(task.fds().install(file, false, a.uint(2), limit)? as u64),
        libc::F_DUPFD_CLOEXEC => Ok(task.fds().install(file, true, a.uint(2), limit)? as u64),
        libc::F_GETFD => Ok(u64::from(task.fds().cloexec(fd)?)),
        libc::F_SETFD => {
            task.fds()
                .set_cloexec(fd, a.int(2) & libc::FD_CLOEXEC != 0)?;
            Ok(0)
        }
        libc::F_GETFL => Ok(u64::from(file.flags())),
        libc::F_SETFL => {
            file.set_flags(a.uint(2));
            Ok(0)
        }
        cmd @ (libc::F_GETLK
        | libc::F_SETLK
        | libc::F_SETLKW
        | libc::F_OFD_GETLK
        | libc::F_OFD_SETLK
        | libc::F_OFD_SETLKW) => record_lock(task, &file, cmd, a.u64(2)),
        cmd => crate::errno!(EINVAL, "fcntl command {cmd} not supported"),
    }
}

fn dup_to(task: &mut Task, old: i32, new: i32, cloexec: bool) -> SysResult {
    let file: Arc<File> = task.fds().get(old)?;
    let new_idx = usize::try_from(new).map_err(|_| Errno::EBADF)?;
    if new_idx as u64 >= nofile_limit(task).min(u64::from(crate::fs::fdtable::NR_OPEN)) {
        return Err(Errno::EBADF);
    }
    task.fds().put(new_idx, file, cloexec);
    Ok(new as u64)
}

pub fn sys_dup(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = task.fds().get(a.int(0))?;
    let limit = nofile_limit(task);
    Ok(task.fds().install(file, false, 0, limit)? as u64)
}

pub fn sys_dup2(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (old, new) = (a.int(0), a.int(1));
    if old == new {
        task.fds().get(old)?;
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

fn do_pipe(task: &mut Task, fds_addr: u64, flags: i32) -> SysResult {
    if flags & !(libc::O_CLOEXEC | libc::O_NONBLOCK | libc::O_DIRECT) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & libc::O_DIRECT != 0 {
        crate::errno!(EINVAL, "packet-mode pipes (O_DIRECT) are not supported yet");
    }
    task.mm.check_access(fds_addr, 8, platform::Prot::WRITE)?;
    let creds = task.kernel.creds;
    let nonblock = flags & libc::O_NONBLOCK != 0;
    let (r, w) = Pipe::new_pair(creds.euid, creds.egid, nonblock);
    let status = (flags & libc::O_NONBLOCK) as u32;
    let cloexec = flags & libc::O_CLOEXEC != 0;
    let limit = nofile_limit(task);
    let rfd = task.fds().install(
        File::new(Arc::new(r), libc::O_RDONLY as u32 | status),
        cloexec,
        0,
        limit,
    )?;
    let wfd = match task.fds().install(
        File::new(Arc::new(w), libc::O_WRONLY as u32 | status),
        cloexec,
        0,
        limit,
    ) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = task.fds().close(rfd);
            return Err(e);
        }
    };
    task.mm.write_val(fds_addr, &[rfd, wfd])?;
    Ok(0)
}

pub fn sys_pipe(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_pipe(task, a.u64(0), 0)
}

pub fn sys_pipe2(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_pipe(task, a.u64(0), a.int(1))
}

/// `struct flock` on x86_64.
#[derive(Clone, Copy, Default)]
#[repr(C)]
struct Flock {
    l_type: i16,
    l_whence: i16,
    pad: i32,
    l_start: i64,
    l_len: i64,
    l_pid: i32,
    pad2: i32,
}

// SAFETY: integers only; the padding is explicit.
unsafe impl crate::mm::Pod for Flock {}

/// Record locks (F_GETLK, F_SETLK, F_SETLKW and the OFD forms). With one process in the
/// sandbox no two lock owners exist, so no lock can conflict: F_GETLK always answers
/// F_UNLCK and F_SETLK always succeeds, after Linux's argument checks.
fn record_lock(task: &mut Task, file: &File, cmd: i32, addr: u64) -> SysResult {
    let mut lock: Flock = task.mm.read_val(addr)?;
    let ofd = matches!(
        cmd,
        libc::F_OFD_GETLK | libc::F_OFD_SETLK | libc::F_OFD_SETLKW
    );
    if !(0..=2).contains(&lock.l_whence) || (ofd && lock.l_pid != 0) {
        return Err(Errno::EINVAL);
    }
    let getlk = matches!(cmd, libc::F_GETLK | libc::F_OFD_GETLK);
    match i32::from(lock.l_type) {
        libc::F_UNLCK if getlk => Err(Errno::EINVAL),
        libc::F_RDLCK if !getlk && !file.readable() => Err(Errno::EBADF),
        libc::F_WRLCK if !getlk && !file.writable() => Err(Errno::EBADF),
        libc::F_RDLCK | libc::F_WRLCK | libc::F_UNLCK => {
            if getlk {
                lock.l_type = libc::F_UNLCK as i16;
                task.mm.write_val(addr, &lock)?;
            }
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_ioctl(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let fd = a.int(0);
    let file = task.fds().get(fd)?;
    let request = u64::from(a.uint(1));
    match request {
        libc::FIOCLEX | libc::FIONCLEX => {
            task.fds().set_cloexec(fd, request == libc::FIOCLEX)?;
            Ok(0)
        }
        libc::FIONBIO => {
            let on: i32 = task.mm.read_val(a.u64(2))?;
            let flags = file.flags() & !(libc::O_NONBLOCK as u32);
            file.set_flags(if on != 0 {
                flags | libc::O_NONBLOCK as u32
            } else {
                flags
            });
            Ok(0)
        }
        _ => file.ops.ioctl(&task.mm, request, a.u64(2)),
    }
}
