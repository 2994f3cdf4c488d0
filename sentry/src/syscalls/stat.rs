//! Metadata by path or descriptor: stat, statx, statfs, readlink, access, and xattrs.

use std::sync::Arc;

use super::path::{read_path, target_at, AT_FDCWD};
use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::kernel::Task;
use crate::vfs::Inode;

/// stat of `path` relative to `dirfd`; with AT_EMPTY_PATH and an empty path, of `dirfd` itself.
fn stat_at(task: &Task, dirfd: i32, path_addr: u64, flags: i32) -> Result<libc::stat, Errno> {
    target_at(task, dirfd, path_addr, flags, true)?.stat()
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
    let st = task.fds().get(a.int(0))?.stat()?;
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
    let empty = task.mm.read_cstr(path_addr, 1).is_ok_and(|p| p.is_empty());
    let p = target_at(task, dirfd, path_addr, libc::AT_EMPTY_PATH, false)?.path(Errno::EINVAL)?;
    // readlinkat(fd, "") of a file that is not a symlink: ENOENT, as Linux.
    if empty && p.stat()?.st_mode & libc::S_IFMT != libc::S_IFLNK {
        return Err(Errno::ENOENT);
    }
    let target = p.inode().readlink()?;
    let n = target.len().min(size);
    task.mm.write(buf, &target[..n])?;
    Ok(n as u64)
}

pub fn sys_readlink(task: &mut Task, a: &SyscallArgs) -> SysResult {
    // An empty path is ENOENT here (readlinkat allows it with a dirfd).
    read_path(task, a.u64(0), false)?;
    do_readlink(task, AT_FDCWD, a.u64(0), a.u64(1), a.int(2))
}

pub fn sys_readlinkat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = read_path(task, a.u64(1), true)?;
    if path.is_empty() && a.int(0) == AT_FDCWD {
        return Err(Errno::ENOENT);
    }
    do_readlink(task, a.int(0), a.u64(1), a.u64(2), a.int(3))
}

fn do_access(task: &mut Task, dirfd: i32, path_addr: u64, mode: i32, flags: i32) -> SysResult {
    if mode & !(libc::R_OK | libc::W_OK | libc::X_OK) != 0 {
        return Err(Errno::EINVAL);
    }
    let known = libc::AT_EACCESS | libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH;
    if flags & !known != 0 {
        return Err(Errno::EINVAL);
    }
    let p = target_at(task, dirfd, path_addr, flags, true)?.path(Errno::EBADF)?;
    task.lookup().access(&p, mode)?;
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

pub fn sys_statfs(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let p = target_at(task, AT_FDCWD, a.u64(0), 0, true)?.path(Errno::EBADF)?;
    let mut st = p.inode().statfs()?;
    if p.mnt.read_only() {
        st.f_flags |= libc::ST_RDONLY as i64;
    }
    task.mm.write_val(a.u64(1), &st)?;
    Ok(0)
}

pub fn sys_fstatfs(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = task.fds().get(a.int(0))?;
    let mut st = match &file.location {
        Some(p) => p.inode().statfs()?,
        None => file.ops.statfs()?,
    };
    if file.location.as_ref().is_some_and(|p| p.mnt.read_only()) {
        st.f_flags |= libc::ST_RDONLY as i64;
    }
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

fn xattr_name(task: &Task, addr: u64) -> Result<Vec<u8>, Errno> {
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
    // Only the namespaces Linux knows; others are EOPNOTSUPP.
    let known = [&b"user."[..], b"trusted.", b"security.", b"system."];
    match known.iter().find(|p| name.starts_with(p)) {
        None => Err(Errno::EOPNOTSUPP),
        // A namespace with no name in it.
        Some(p) if p.len() == name.len() => Err(Errno::EINVAL),
        Some(_) => Ok(name),
    }
}

/// The inode an xattr call is about: by path (`follow` or not) or by fd.
fn xattr_inode(task: &Task, path: Option<(u64, bool)>, fd: i32) -> Result<Arc<dyn Inode>, Errno> {
    match path {
        Some((addr, follow)) => {
            let p = target_at(task, AT_FDCWD, addr, 0, follow)?.path(Errno::EBADF)?;
            Ok(p.inode().clone())
        }
        None => {
            let file = task.fds().get(fd)?;
            if file.flags() & libc::O_PATH as u32 != 0 {
                return Err(Errno::EBADF);
            }
            file.location
                .as_ref()
                .map(|p| p.inode().clone())
                .ok_or(Errno::EOPNOTSUPP)
        }
    }
}

fn do_getxattr(task: &mut Task, path: Option<(u64, bool)>, fd: i32, a: &SyscallArgs) -> SysResult {
    // As Linux (6.13 on): the name is read and checked before the file is looked up.
    let name = xattr_name(task, a.u64(1))?;
    let inode = xattr_inode(task, path, fd)?;
    let value = inode.getxattr(&name)?;
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
    let list = xattr_inode(task, path, fd)?.listxattr()?;
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

/// setxattr(2) and kin: the owner (or root) may set user.* attributes on regular files and
/// directories; trusted.* is root's.
fn do_setxattr(task: &mut Task, path: Option<(u64, bool)>, fd: i32, a: &SyscallArgs) -> SysResult {
    let flags = a.int(4);
    if flags & !(libc::XATTR_CREATE | libc::XATTR_REPLACE) != 0 {
        return Err(Errno::EINVAL);
    }
    // The name and the value are read before the file is looked up, as Linux's.
    let name = xattr_name(task, a.u64(1))?;
    let size = a.u64(3) as usize;
    if size > XATTR_MAX {
        return Err(Errno::E2BIG);
    }
    let mut value = vec![0u8; size];
    task.mm.read(a.u64(2), &mut value)?;
    let inode = xattr_inode(task, path, fd)?;
    check_xattr_write(task, &*inode, &name)?;
    inode.setxattr(&name, &value, flags)?;
    Ok(0)
}

fn check_xattr_write(task: &Task, inode: &dyn Inode, name: &[u8]) -> Result<(), Errno> {
    let st = inode.stat()?;
    let creds = task.creds();
    if name.starts_with(b"trusted.") && creds.uid != 0 {
        return Err(Errno::EPERM);
    }
    if name.starts_with(b"user.") {
        let kind = st.st_mode & libc::S_IFMT;
        if kind != libc::S_IFREG && kind != libc::S_IFDIR {
            return Err(Errno::EPERM);
        }
        creds.may(&st, libc::W_OK)?;
    }
    Ok(())
}

pub fn sys_setxattr(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_setxattr(task, Some((a.u64(0), true)), -1, a)
}

pub fn sys_lsetxattr(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_setxattr(task, Some((a.u64(0), false)), -1, a)
}

pub fn sys_fsetxattr(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_setxattr(task, None, a.int(0), a)
}

fn do_removexattr(
    task: &mut Task,
    path: Option<(u64, bool)>,
    fd: i32,
    a: &SyscallArgs,
) -> SysResult {
    let name = xattr_name(task, a.u64(1))?;
    let inode = xattr_inode(task, path, fd)?;
    check_xattr_write(task, &*inode, &name)?;
    inode.removexattr(&name)?;
    Ok(0)
}

pub fn sys_removexattr(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_removexattr(task, Some((a.u64(0), true)), -1, a)
}

pub fn sys_lremovexattr(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_removexattr(task, Some((a.u64(0), false)), -1, a)
}

pub fn sys_fremovexattr(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_removexattr(task, None, a.int(0), a)
}
