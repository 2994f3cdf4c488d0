//! Metadata by path or descriptor: stat, statx, statfs, readlink, access, and the xattr reads.

use super::fs::{read_path, resolve, AT_FDCWD};
use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::kernel::Task;

/// stat of `path` relative to `dirfd`; with AT_EMPTY_PATH and an empty path, of `dirfd` itself.
fn stat_at(task: &Task, dirfd: i32, path_addr: u64, flags: i32) -> Result<libc::stat, Errno> {
    let path = read_path(task, path_addr, flags & libc::AT_EMPTY_PATH != 0)?;
    if path.is_empty() {
        if dirfd == AT_FDCWD {
            return task.kernel.vfs.stat(&task.exe, &task.cwd(), true);
        }
        return task.fds().get(dirfd)?.ops.stat();
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
    let st = task.fds().get(a.int(0))?.ops.stat()?;
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
    let known = libc::AT_SYMLINK_NOFOLLOW
        | libc::AT_EMPTY_PATH
        | libc::AT_NO_AUTOMOUNT
        | libc::AT_STATX_SYNC_TYPE;
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

fn do_readlink(task: &mut Task, dirfd: i32, path_addr: u64, buf: u64, size: i32) -> SysResult {
    let size = usize::try_from(size)
        .ok()
        .filter(|&s| s > 0)
        .ok_or(Errno::EINVAL)?;
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
    let abs = path_at(task, dirfd, path_addr, flags & libc::AT_EMPTY_PATH != 0)?;
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

/// The path an fd-or-path call names: `path` relative to `dirfd`, or the fd's own file.
fn path_at(task: &Task, dirfd: i32, path_addr: u64, allow_empty: bool) -> Result<String, Errno> {
    let path = read_path(task, path_addr, allow_empty)?;
    if path.is_empty() {
        if dirfd == AT_FDCWD {
            return Ok(task.cwd());
        }
        return Ok(task.fds().get(dirfd)?.ops.path().to_string());
    }
    resolve(task, dirfd, &path)
}

pub fn sys_statfs(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let abs = path_at(task, AT_FDCWD, a.u64(0), false)?;
    let st = task.kernel.vfs.statfs(&task.exe, &abs)?;
    task.mm.write_val(a.u64(1), &st)?;
    Ok(0)
}

pub fn sys_fstatfs(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let st = task.fds().get(a.int(0))?.ops.statfs()?;
    task.mm.write_val(a.u64(1), &st)?;
    Ok(0)
}

/// Linux's XATTR_SIZE_MAX and XATTR_LIST_MAX.
const XATTR_MAX: usize = 65536;
/// Linux's XATTR_NAME_MAX.
const XATTR_NAME_MAX: usize = 255;

/// Copies an xattr value or list out as Linux does: size 0 asks for the length only; a
/// buffer too small is ERANGE.
fn copy_xattr(task: &Task, buf: u64, size: u64, value: &[u8]) -> SysResult {
    if size == 0 {
        return Ok(value.len() as u64);
    }
    if (size as usize) < value.len() {
        return Err(Errno::ERANGE);
    }
    task.mm.write(buf, value)?;
    Ok(value.len() as u64)
}

fn xattr_name(task: &Task, addr: u64) -> Result<String, Errno> {
    let name = task.mm.read_cstr(addr, XATTR_NAME_MAX + 1).map_err(|e| {
        if e == Errno::ENAMETOOLONG {
            Errno::ERANGE
        } else {
            e
        }
    })?;
    if name.is_empty() {
        return Err(Errno::ERANGE);
    }
    String::from_utf8(name).map_err(|_| Errno::ENODATA)
}

fn do_getxattr(task: &mut Task, path: Option<(u64, bool)>, fd: i32, a: &SyscallArgs) -> SysResult {
    let name = xattr_name(task, a.u64(1))?;
    let value = match path {
        Some((addr, follow)) => {
            let abs = path_at(task, AT_FDCWD, addr, false)?;
            task.kernel.vfs.getxattr(&task.exe, &abs, &name, follow)?
        }
        None => task.fds().get(fd)?.ops.getxattr(&name)?,
    };
    if value.len() > XATTR_MAX {
        return Err(Errno::E2BIG);
    }
    copy_xattr(task, a.u64(2), a.u64(3), &value)
}

pub fn sys_getxattr(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_getxattr(task, Some((a.u64(0), true)), -1, a)
}

pub fn sys_lgetxattr(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_getxattr(task, Some((a.u64(0), false)), -1, a)
}

pub fn sys_fgetxattr(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_getxattr(task, None, a.int(0), a)
}

fn do_listxattr(task: &mut Task, path: Option<(u64, bool)>, fd: i32, a: &SyscallArgs) -> SysResult {
    let list = match path {
        Some((addr, follow)) => {
            let abs = path_at(task, AT_FDCWD, addr, false)?;
            task.kernel.vfs.listxattr(&task.exe, &abs, follow)?
        }
        None => task.fds().get(fd)?.ops.listxattr()?,
    };
    copy_xattr(task, a.u64(1), a.u64(2), &list)
}

pub fn sys_listxattr(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_listxattr(task, Some((a.u64(0), true)), -1, a)
}

pub fn sys_llistxattr(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_listxattr(task, Some((a.u64(0), false)), -1, a)
}

pub fn sys_flistxattr(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_listxattr(task, None, a.int(0), a)
}
