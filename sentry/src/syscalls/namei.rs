//! Calls that change the tree or a file's attributes: mkdir, mknod, unlink, rmdir, rename,
//! link, symlink, chmod, chown, truncate, utimes, fallocate, fsync, mount, memfd_create.

use std::sync::Arc;

use super::fs::nofile_limit;
use super::path::{dir_of, read_path, target_at, Target, AT_FDCWD};
use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::fs::File;
use crate::kernel::Task;
use crate::vfs::Path;

fn umasked(task: &Task, mode: u32) -> u32 {
    mode & 0o7777 & !task.fs().umask
}

fn do_mkdir(task: &mut Task, dirfd: i32, path_addr: u64, mode: u32) -> SysResult {
    let path = read_path(task, path_addr, false)?;
    let start = dir_of(task, dirfd, &path)?;
    let mode = umasked(task, mode);
    task.lookup().mkdir(start.as_ref(), &path, mode)?;
    Ok(0)
}

pub fn sys_mkdir(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_mkdir(task, AT_FDCWD, a.u64(0), a.uint(1))
}

pub fn sys_mkdirat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_mkdir(task, a.int(0), a.u64(1), a.uint(2))
}

fn do_mknod(task: &mut Task, dirfd: i32, path_addr: u64, mode: u32, dev: u64) -> SysResult {
    let path = read_path(task, path_addr, false)?;
    let start = dir_of(task, dirfd, &path)?;
    let mode = (mode & libc::S_IFMT) | umasked(task, mode);
    task.lookup().mknod(start.as_ref(), &path, mode, dev)?;
    Ok(0)
}

pub fn sys_mknod(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_mknod(task, AT_FDCWD, a.u64(0), a.uint(1), a.u64(2))
}

pub fn sys_mknodat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_mknod(task, a.int(0), a.u64(1), a.uint(2), a.u64(3))
}

fn do_remove(task: &mut Task, dirfd: i32, path_addr: u64, dir: bool) -> SysResult {
    let path = read_path(task, path_addr, false)?;
    let start = dir_of(task, dirfd, &path)?;
    task.lookup().remove(start.as_ref(), &path, dir)?;
    Ok(0)
}

pub fn sys_unlink(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_remove(task, AT_FDCWD, a.u64(0), false)
}

pub fn sys_rmdir(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_remove(task, AT_FDCWD, a.u64(0), true)
}

pub fn sys_unlinkat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = a.int(2);
    if flags & !libc::AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    do_remove(task, a.int(0), a.u64(1), flags & libc::AT_REMOVEDIR != 0)
}

fn do_rename(task: &mut Task, od: i32, oa: u64, nd: i32, na: u64, flags: u32) -> SysResult {
    let old = read_path(task, oa, false)?;
    let new = read_path(task, na, false)?;
    let os = dir_of(task, od, &old)?;
    let ns = dir_of(task, nd, &new)?;
    task.lookup()
        .rename(os.as_ref(), &old, ns.as_ref(), &new, flags)?;
    Ok(0)
}

pub fn sys_rename(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_rename(task, AT_FDCWD, a.u64(0), AT_FDCWD, a.u64(1), 0)
}

pub fn sys_renameat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_rename(task, a.int(0), a.u64(1), a.int(2), a.u64(3), 0)
}

pub fn sys_renameat2(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_rename(task, a.int(0), a.u64(1), a.int(2), a.u64(3), a.uint(4))
}

fn do_link(task: &mut Task, od: i32, oa: u64, nd: i32, na: u64, flags: i32) -> SysResult {
    if flags & !(libc::AT_SYMLINK_FOLLOW | libc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let follow = flags & libc::AT_SYMLINK_FOLLOW != 0;
    let old = target_at(task, od, oa, flags & libc::AT_EMPTY_PATH, follow)?.path(Errno::ENOENT)?;
    let new = read_path(task, na, false)?;
    let ns = dir_of(task, nd, &new)?;
    task.lookup().link(&old, ns.as_ref(), &new)?;
    Ok(0)
}

pub fn sys_link(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_link(task, AT_FDCWD, a.u64(0), AT_FDCWD, a.u64(1), 0)
}

pub fn sys_linkat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_link(task, a.int(0), a.u64(1), a.int(2), a.u64(3), a.int(4))
}

fn do_symlink(task: &mut Task, target_addr: u64, dirfd: i32, path_addr: u64) -> SysResult {
    let target = read_path(task, target_addr, true)?;
    let path = read_path(task, path_addr, false)?;
    let start = dir_of(task, dirfd, &path)?;
    task.lookup().symlink(&target, start.as_ref(), &path)?;
    Ok(0)
}

pub fn sys_symlink(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_symlink(task, a.u64(0), AT_FDCWD, a.u64(1))
}

pub fn sys_symlinkat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_symlink(task, a.u64(0), a.int(1), a.u64(2))
}

/// The place an fd-based attribute call changes (EBADF for an O_PATH fd, as Linux).
fn fd_place(task: &Task, fd: i32) -> Result<Path, Errno> {
    let file = task.fds().get(fd)?;
    if file.flags() & libc::O_PATH as u32 != 0 {
        return Err(Errno::EBADF);
    }
    file.location.clone().ok_or(Errno::EPERM)
}

pub fn sys_chmod(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let p = target_at(task, AT_FDCWD, a.u64(0), 0, true)?.path(Errno::EBADF)?;
    task.lookup().chmod(&p, a.uint(1))?;
    Ok(0)
}

pub fn sys_fchmod(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let p = fd_place(task, a.int(0))?;
    task.lookup().chmod(&p, a.uint(1))?;
    Ok(0)
}

pub fn sys_fchmodat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let p = target_at(task, a.int(0), a.u64(1), 0, true)?.path(Errno::EBADF)?;
    task.lookup().chmod(&p, a.uint(2))?;
    Ok(0)
}

fn do_chown(task: &mut Task, t: Target, uid: u32, gid: u32) -> SysResult {
    let p = t.path(Errno::EBADF)?;
    task.lookup().chown(&p, uid, gid)?;
    Ok(0)
}

pub fn sys_chown(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let t = target_at(task, AT_FDCWD, a.u64(0), 0, true)?;
    do_chown(task, t, a.uint(1), a.uint(2))
}

pub fn sys_lchown(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let t = target_at(task, AT_FDCWD, a.u64(0), 0, false)?;
    do_chown(task, t, a.uint(1), a.uint(2))
}

pub fn sys_fchown(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let p = fd_place(task, a.int(0))?;
    do_chown(task, Target::Path(p), a.uint(1), a.uint(2))
}

pub fn sys_fchownat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = a.int(4);
    if flags & !(libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let t = target_at(task, a.int(0), a.u64(1), flags, true)?;
    do_chown(task, t, a.uint(2), a.uint(3))
}

pub fn sys_truncate(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let len = a.i64(1);
    let p = target_at(task, AT_FDCWD, a.u64(0), 0, true)?.path(Errno::EBADF)?;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    task.lookup().truncate(&p, len as u64)?;
    Ok(0)
}

pub fn sys_ftruncate(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let len = a.i64(1);
    let file = task.fds().get(a.int(0))?;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    if !file.writable() {
        return Err(if file.flags() & libc::O_PATH as u32 != 0 {
            Errno::EBADF
        } else {
            Errno::EINVAL
        });
    }
    let Some(p) = &file.location else {
        return Err(Errno::EINVAL);
    };
    if crate::vfs::is_dir(&p.stat()?) {
        return Err(Errno::EINVAL);
    }
    if p.stat()?.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err(Errno::EINVAL);
    }
    file.ops.truncate(len as u64)?;
    crate::fs::inotify::file_event(&p.dentry, crate::fs::inotify::IN_MODIFY);
    Ok(0)
}

pub fn sys_fallocate(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = task.fds().get(a.int(0))?;
    let (mode, off, len) = (a.int(1), a.i64(2), a.i64(3));
    if off < 0 || len <= 0 {
        return Err(Errno::EINVAL);
    }
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    let Some(p) = &file.location else {
        return Err(Errno::ESPIPE);
    };
    let st = p.stat()?;
    if crate::vfs::is_dir(&st) {
        return Err(Errno::EISDIR);
    }
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err(Errno::ENODEV);
    }
    file.ops.allocate(mode, off as u64, len as u64)?;
    Ok(0)
}

fn do_fsync(task: &mut Task, fd: i32, data_only: bool) -> SysResult {
    let file = task.fds().get(fd)?;
    if file.flags() & libc::O_PATH as u32 != 0 {
        return Err(Errno::EBADF);
    }
    file.ops.fsync(data_only)?;
    Ok(0)
}

pub fn sys_fsync(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_fsync(task, a.int(0), false)
}

pub fn sys_fdatasync(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_fsync(task, a.int(0), true)
}

pub fn sys_sync_file_range(task: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.i64(1) < 0 || a.i64(2) < 0 || a.uint(3) & !7 != 0 {
        return Err(Errno::EINVAL);
    }
    do_fsync(task, a.int(0), true)
}

/// sync(2): every file the sandbox wrote through a donated fd is flushed by the host kernel's
/// own writeback; the sandbox has no dirty data of its own to write. (fsync is per file.)
pub fn sys_sync(_task: &mut Task, _a: &SyscallArgs) -> SysResult {
    Ok(0)
}

pub fn sys_syncfs(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = task.fds().get(a.int(0))?;
    // Flushing the file flushes its file system's data the sandbox may have written through it.
    let _ = file.ops.fsync(false);
    Ok(0)
}

/// Reads utimensat's two timespecs, checking each as Linux does.
fn read_times(task: &Task, addr: u64) -> Result<Option<[libc::timespec; 2]>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let raw: [i64; 4] = task.mm.read_val(addr)?;
    let mut out = [libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    }; 2];
    for (i, t) in out.iter_mut().enumerate() {
        let (sec, nsec) = (raw[2 * i], raw[2 * i + 1]);
        if nsec != libc::UTIME_NOW
            && nsec != libc::UTIME_OMIT
            && !(0..1_000_000_000).contains(&nsec)
        {
            return Err(Errno::EINVAL);
        }
        *t = libc::timespec {
            tv_sec: sec,
            tv_nsec: nsec,
        };
    }
    Ok(Some(out))
}

fn do_utimes(
    task: &mut Task,
    dirfd: i32,
    path_addr: u64,
    times: Option<[libc::timespec; 2]>,
    flags: i32,
) -> SysResult {
    if flags & !(libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    // utimensat(fd, NULL, ...) changes the file `fd` itself.
    let p = if path_addr == 0 {
        if flags & libc::AT_SYMLINK_NOFOLLOW != 0 {
            return Err(Errno::EINVAL);
        }
        if dirfd == AT_FDCWD {
            return Err(Errno::EFAULT);
        }
        fd_place(task, dirfd)?
    } else {
        target_at(task, dirfd, path_addr, flags, true)?.path(Errno::EBADF)?
    };
    task.lookup().utimes(&p, times)?;
    Ok(0)
}

pub fn sys_utimensat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let times = read_times(task, a.u64(2))?;
    do_utimes(task, a.int(0), a.u64(1), times, a.int(3))
}

/// utimes/futimesat's `struct timeval[2]` as timespecs (EINVAL for bad microseconds).
fn read_timevals(task: &Task, addr: u64) -> Result<Option<[libc::timespec; 2]>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let raw: [i64; 4] = task.mm.read_val(addr)?;
    let mut out = [libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    }; 2];
    for (i, t) in out.iter_mut().enumerate() {
        let usec = raw[2 * i + 1];
        if !(0..1_000_000).contains(&usec) {
            return Err(Errno::EINVAL);
        }
        *t = libc::timespec {
            tv_sec: raw[2 * i],
            tv_nsec: usec * 1000,
        };
    }
    Ok(Some(out))
}

pub fn sys_utimes(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let times = read_timevals(task, a.u64(1))?;
    do_utimes(task, AT_FDCWD, a.u64(0), times, 0)
}

pub fn sys_futimesat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let times = read_timevals(task, a.u64(2))?;
    do_utimes(task, a.int(0), a.u64(1), times, 0)
}

pub fn sys_utime(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let times = if a.u64(1) == 0 {
        None
    } else {
        let raw: [i64; 2] = task.mm.read_val(a.u64(1))?;
        let t = |s| libc::timespec {
            tv_sec: s,
            tv_nsec: 0,
        };
        Some([t(raw[0]), t(raw[1])])
    };
    do_utimes(task, AT_FDCWD, a.u64(0), times, 0)
}

/// memfd_create(2): an unnamed tmpfs file.
pub fn sys_memfd_create(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let name = task.mm.read_cstr(a.u64(0), 250).map_err(|e| {
        if e == Errno::ENAMETOOLONG {
            Errno::EINVAL
        } else {
            e
        }
    })?;
    let flags = a.uint(1);
    let known =
        libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING | libc::MFD_NOEXEC_SEAL | libc::MFD_EXEC;
    if flags & !known != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & libc::MFD_HUGETLB != 0 {
        return Err(Errno::EINVAL);
    }
    let creds = task.creds();
    let dir = crate::vfs::tmpfs::new_tmpfs(0o777, creds.uid, creds.gid);
    let inode = dir.create_node(
        b"memfd",
        crate::vfs::NewNode::File(0o777),
        creds.uid,
        creds.gid,
    )?;
    let _ = crate::vfs::Inode::unlink(&*dir, b"memfd", false);
    if flags & libc::MFD_ALLOW_SEALING != 0 {
        inode.allow_sealing();
    }
    let ops = crate::vfs::Inode::open(inode.clone(), libc::O_RDWR as u32)?;
    let dentry =
        crate::vfs::Dentry::new_named(inode, format!("/memfd:{}", String::from_utf8_lossy(&name)));
    let location = Path {
        mnt: task.kernel.vfs.root().mnt,
        dentry,
    };
    let file = File::at(ops, libc::O_RDWR as u32 | 0o100000, location);
    let limit = nofile_limit(task);
    let cloexec = flags & libc::MFD_CLOEXEC != 0;
    Ok(task.fds().install(file, cloexec, 0, limit)? as u64)
}

/// flock(2): advisory whole-file locks, owned by the open file description.
pub fn sys_flock(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = task.fds().get(a.int(0))?;
    if file.flags() & libc::O_PATH as u32 != 0 {
        return Err(Errno::EBADF);
    }
    let op = a.int(1);
    // LOCK_MAND requests never worked; Linux ignores them with success.
    const LOCK_MAND: i32 = 32;
    if op & LOCK_MAND != 0 {
        return Ok(0);
    }
    let kind = match op & !libc::LOCK_NB {
        libc::LOCK_SH => Some(crate::fs::lock::Kind::Read),
        libc::LOCK_EX => Some(crate::fs::lock::Kind::Write),
        libc::LOCK_UN => None,
        _ => return Err(Errno::EINVAL),
    };
    let owner = crate::fs::lock::Owner::File(Arc::as_ptr(&file) as *const u8 as usize);
    let key = super::fs::lock_key(&file)?;
    crate::fs::lock::flock(key, owner, kind, op & libc::LOCK_NB == 0)?;
    Ok(0)
}

pub fn sys_fadvise64(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = task.fds().get(a.int(0))?;
    if file.location.is_none() {
        return Err(Errno::ESPIPE);
    }
    if !(0..=5).contains(&a.int(3)) || a.i64(2) < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

/// readahead(2): nothing to read ahead into (the host's page cache does its own), so only
/// the checks: a readable descriptor (EBADF) of a regular file (EINVAL).
pub fn sys_readahead(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = task.fds().get(a.int(0))?;
    if !file.readable() {
        return Err(Errno::EBADF);
    }
    if file.stat()?.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

/// mount(2) of tmpfs, proc-less bind mounts and remounts inside the sandbox; nothing reaches
/// the host.
pub fn sys_mount(task: &mut Task, a: &SyscallArgs) -> SysResult {
    if !task.cred.capable(crate::kernel::cred::CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    let target = read_path(task, a.u64(1), false)?;
    let flags = a.u64(3);
    let at = task.lookup().resolve(None, &target, true)?;
    let at_dir = crate::vfs::is_dir(&at.stat()?);
    let ro = if flags & libc::MS_RDONLY != 0 {
        crate::vfs::MS_RDONLY
    } else {
        0
    };
    if flags & libc::MS_REMOUNT != 0 {
        crate::errno!(EINVAL, "remount is not supported yet");
    }
    if flags & libc::MS_BIND != 0 {
        let source = read_path(task, a.u64(0), false)?;
        let src = task.lookup().resolve(None, &source, true)?;
        // A directory binds onto a directory, anything else onto a non-directory.
        match (crate::vfs::is_dir(&src.stat()?), at_dir) {
            (true, false) => return Err(Errno::ENOTDIR),
            (false, true) => return Err(Errno::ENOTDIR),
            _ => {}
        }
        let name = String::from_utf8_lossy(&source).into_owned();
        let fs_type = src.mnt.fs_type.clone();
        task.kernel
            .vfs
            .mount_dentry(&at, src.dentry.clone(), &fs_type, &name, ro);
        return Ok(0);
    }
    if flags & (libc::MS_SHARED | libc::MS_PRIVATE | libc::MS_SLAVE | libc::MS_UNBINDABLE) != 0 {
        // Propagation: the sandbox has one mount namespace, nothing to propagate to.
        return Ok(0);
    }
    if !at_dir {
        return Err(Errno::ENOTDIR);
    }
    let fstype = task.mm.read_cstr(a.u64(2), 64)?;
    match &fstype[..] {
        b"tmpfs" => {
            let creds = task.creds();
            let mut mode = 0o1777;
            let (mut uid, mut gid) = (creds.uid, creds.gid);
            if a.u64(4) != 0 {
                let data = task.mm.read_cstr(a.u64(4), 4096)?;
                for opt in data.split(|&b| b == b',') {
                    let text = String::from_utf8_lossy(opt);
                    let (k, v) = text.split_once('=').unwrap_or((&text, ""));
                    match k {
                        "mode" => mode = u32::from_str_radix(v, 8).map_err(|_| Errno::EINVAL)?,
                        "uid" => uid = v.parse().map_err(|_| Errno::EINVAL)?,
                        "gid" => gid = v.parse().map_err(|_| Errno::EINVAL)?,
                        // Sizes are accepted; the sandbox's memory limit is the real one.
                        "size" | "nr_blocks" | "nr_inodes" | "huge" | "mpol" | "" => {}
                        _ => return Err(Errno::EINVAL),
                    }
                }
            }
            let root = crate::vfs::tmpfs::new_tmpfs(mode & 0o7777, uid, gid);
            let source = read_path(task, a.u64(0), true).unwrap_or_default();
            let source = String::from_utf8_lossy(&source).into_owned();
            task.kernel.vfs.mount(&at, root, "tmpfs", &source, ro);
            Ok(0)
        }
        _ => Err(Errno::ENODEV),
    }
}

pub fn sys_umount2(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = a.int(1);
    if flags & !(libc::MNT_FORCE | libc::MNT_DETACH | libc::MNT_EXPIRE | libc::UMOUNT_NOFOLLOW) != 0
    {
        return Err(Errno::EINVAL);
    }
    if !task.cred.capable(crate::kernel::cred::CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    let target = read_path(task, a.u64(0), false)?;
    let follow = flags & libc::UMOUNT_NOFOLLOW == 0;
    let at = task.lookup().resolve(None, &target, follow)?;
    let detach = flags & libc::MNT_DETACH != 0;
    task.kernel.vfs.unmount(&at, detach)?;
    Ok(0)
}

/// The file `fd` if it is open for `want` (read or write), as sendfile and its kin check.
fn open_for(task: &Task, fd: i32, write: bool) -> Result<Arc<File>, Errno> {
    let file = task.fds().get(fd)?;
    let ok = if write {
        file.writable()
    } else {
        file.readable()
    };
    if !ok {
        return Err(Errno::EBADF);
    }
    Ok(file)
}

/// Moves up to `len` bytes from `input` (at `in_off`, or its position) to `output` (likewise)
/// through a sentry buffer; a short read or write ends it, as for the real calls.
fn copy_between(
    input: &File,
    mut in_off: Option<u64>,
    output: &File,
    mut out_off: Option<u64>,
    len: u64,
) -> Result<(u64, Option<u64>, Option<u64>), Errno> {
    const CHUNK: usize = 1 << 17;
    let mut buf = vec![0u8; (len as usize).min(CHUNK)];
    let mut done = 0u64;
    while done < len {
        let want = ((len - done) as usize).min(buf.len());
        let n = match in_off {
            Some(off) => input.ops.pread(&mut buf[..want], off),
            None => input.ops.read(&mut buf[..want]),
        };
        let n = match n {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if n == 0 {
            break;
        }
        let w = match out_off {
            Some(off) => output.ops.pwrite(&buf[..n], off),
            None => output.ops.write(&buf[..n]),
        };
        let w = match w {
            Ok(w) => w,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        in_off = in_off.map(|o| o + w as u64);
        out_off = out_off.map(|o| o + w as u64);
        done += w as u64;
        if w < n {
            // What was read but not written goes back (seekable input only).
            if in_off.is_none() {
                let _ = input.ops.seek(w as i64 - n as i64, libc::SEEK_CUR);
            }
            break;
        }
    }
    Ok((done, in_off, out_off))
}

/// Reads an optional `loff_t *` argument.
fn read_offset(task: &Task, addr: u64) -> Result<Option<u64>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let off: i64 = task.mm.read_val(addr)?;
    if off < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Some(off as u64))
}

pub fn sys_sendfile(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let output = open_for(task, a.int(0), true)?;
    let input = open_for(task, a.int(1), false)?;
    if output.flags() & libc::O_APPEND as u32 != 0 {
        return Err(Errno::EINVAL);
    }
    let in_off = read_offset(task, a.u64(2))?;
    if input.location.is_none() && in_off.is_some() {
        return Err(Errno::ESPIPE);
    }
    let len = a.u64(3).min(0x7fff_f000);
    let (n, in_off, _) = copy_between(&input, in_off, &output, None, len)?;
    if let Some(off) = in_off {
        task.mm.write_val(a.u64(2), &(off as i64))?;
    }
    Ok(n)
}

pub fn sys_copy_file_range(task: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.uint(5) != 0 {
        return Err(Errno::EINVAL);
    }
    let input = open_for(task, a.int(0), false)?;
    let output = open_for(task, a.int(2), true)?;
    if output.flags() & libc::O_APPEND as u32 != 0 {
        return Err(Errno::EBADF);
    }
    let regular = |f: &File| -> Result<(), Errno> {
        let st = f.stat()?;
        match st.st_mode & libc::S_IFMT {
            libc::S_IFREG => Ok(()),
            libc::S_IFDIR => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    };
    regular(&input)?;
    regular(&output)?;
    let offset = |addr| match read_offset(task, addr) {
        Err(Errno::EINVAL) => Err(Errno::EOVERFLOW),
        r => r,
    };
    let in_off = offset(a.u64(1))?;
    let out_off = offset(a.u64(3))?;
    let len = a.u64(4).min(0x7fff_f000);
    let (ist, ost) = (input.stat()?, output.stat()?);
    if (ist.st_dev, ist.st_ino) == (ost.st_dev, ost.st_ino) {
        // Within one file the ranges may not overlap.
        let from = match in_off {
            Some(o) => o,
            None => input.ops.seek(0, libc::SEEK_CUR)?,
        };
        let to = match out_off {
            Some(o) => o,
            None => output.ops.seek(0, libc::SEEK_CUR)?,
        };
        if from < to + len && to < from + len {
            return Err(Errno::EINVAL);
        }
    }
    let (n, in_end, out_end) = copy_between(&input, in_off, &output, out_off, len)?;
    if let Some(off) = in_end.filter(|_| in_off.is_some()) {
        task.mm.write_val(a.u64(1), &(off as i64))?;
    }
    if let Some(off) = out_end.filter(|_| out_off.is_some()) {
        task.mm.write_val(a.u64(3), &(off as i64))?;
    }
    Ok(n)
}

/// splice(2): one end must be a pipe; the bytes move through the sentry.
pub fn sys_splice(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let input = open_for(task, a.int(0), false)?;
    let output = open_for(task, a.int(2), true)?;
    let is_pipe = |f: &File| {
        f.stat()
            .is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFIFO)
    };
    let (in_pipe, out_pipe) = (is_pipe(&input), is_pipe(&output));
    if !in_pipe && !out_pipe {
        return Err(Errno::EINVAL);
    }
    let in_off = read_offset(task, a.u64(1))?;
    let out_off = read_offset(task, a.u64(3))?;
    if (in_pipe && in_off.is_some()) || (out_pipe && out_off.is_some()) {
        return Err(Errno::ESPIPE);
    }
    if in_pipe && out_pipe {
        let (i, o) = (input.stat()?, output.stat()?);
        if (i.st_dev, i.st_ino) == (o.st_dev, o.st_ino) {
            return Err(Errno::EINVAL);
        }
    }
    const SPLICE_F_NONBLOCK: u32 = 2;
    if a.uint(5) & SPLICE_F_NONBLOCK != 0 {
        use crate::fs::poll::{POLLHUP, POLLIN, POLLOUT};
        if in_pipe && input.ops.poll() & (POLLIN | POLLHUP) == 0 {
            return Err(Errno::EAGAIN);
        }
        if out_pipe && output.ops.poll() & POLLOUT == 0 {
            return Err(Errno::EAGAIN);
        }
    }
    let (n, in_end, out_end) = copy_between(&input, in_off, &output, out_off, a.u64(4))?;
    if let Some(off) = in_end.filter(|_| in_off.is_some()) {
        task.mm.write_val(a.u64(1), &(off as i64))?;
    }
    if let Some(off) = out_end.filter(|_| out_off.is_some()) {
        task.mm.write_val(a.u64(3), &(off as i64))?;
    }
    Ok(n)
}

/// tee(2): copies bytes from one pipe to another without consuming them.
pub fn sys_tee(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let input = open_for(task, a.int(0), false)?;
    let output = open_for(task, a.int(1), true)?;
    let is_pipe = |f: &File| {
        f.stat()
            .is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFIFO)
    };
    if !is_pipe(&input) || !is_pipe(&output) {
        return Err(Errno::EINVAL);
    }
    let (i, o) = (input.stat()?, output.stat()?);
    if (i.st_dev, i.st_ino) == (o.st_dev, o.st_ino) {
        return Err(Errno::EINVAL);
    }
    let len = (a.u64(2) as usize).min(1 << 16);
    if len == 0 {
        return Ok(0);
    }
    const SPLICE_F_NONBLOCK: u32 = 2;
    let nonblock =
        a.uint(3) & SPLICE_F_NONBLOCK != 0 || input.flags() & libc::O_NONBLOCK as u32 != 0;
    let mut buf = vec![0u8; len];
    let mut got = 0;
    crate::fs::poll::wait_ready(None, || match input.ops.peek(&mut buf) {
        Ok(n) => {
            got = n;
            Ok(true)
        }
        Err(Errno::EAGAIN) if !nonblock => Ok(false),
        Err(e) => Err(e),
    })
    .map_err(|e| {
        if e == Errno::ERESTARTNOHAND {
            Errno::ERESTARTSYS
        } else {
            e
        }
    })?;
    if got == 0 {
        return Ok(0);
    }
    Ok(output.ops.write(&buf[..got])? as u64)
}
