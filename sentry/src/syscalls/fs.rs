//! Opening and descriptor calls: open, getdents, cwd, fcntl, dup, pipes, ioctl.

use std::sync::Arc;

use super::path::{dir_of, read_path, AT_FDCWD};
use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::fs::fasync;
use crate::fs::pipe::Pipe;
use crate::fs::{lock, File};
use crate::kernel::Task;

/// x86_64's O_LARGEFILE, which the kernel sets on every open of a 64-bit process.
const O_LARGEFILE: u32 = 0o100000;
/// Flags that only matter at open time, not kept in the file's status flags.
const OPEN_ONLY_FLAGS: u32 =
    (libc::O_CREAT | libc::O_EXCL | libc::O_NOCTTY | libc::O_TRUNC | libc::O_CLOEXEC) as u32;
/// Every flag open(2) knows (others are ignored by open and refused by openat2).
const VALID_OPEN_FLAGS: u32 = (libc::O_ACCMODE
    | libc::O_CREAT
    | libc::O_EXCL
    | libc::O_NOCTTY
    | libc::O_TRUNC
    | libc::O_APPEND
    | libc::O_NONBLOCK
    | libc::O_DSYNC
    | libc::O_ASYNC
    | libc::O_DIRECT
    | libc::O_LARGEFILE
    | libc::O_DIRECTORY
    | libc::O_NOFOLLOW
    | libc::O_NOATIME
    | libc::O_CLOEXEC
    | libc::O_PATH
    | libc::O_TMPFILE
    | libc::O_SYNC) as u32;

pub(super) fn nofile_limit(task: &Task) -> u64 {
    task.rlimits[libc::RLIMIT_NOFILE as usize].rlim_cur
}

fn do_open(task: &mut Task, dirfd: i32, path_addr: u64, flags: u32, mode: u32) -> SysResult {
    open_with(task, dirfd, path_addr, flags, mode, 0)
}

/// open with openat2's `RESOLVE_*` restrictions: BENEATH and IN_ROOT make the start
/// directory the root of the resolution (escapes are EXDEV, or clamped, respectively).
fn open_with(
    task: &mut Task,
    dirfd: i32,
    path_addr: u64,
    flags: u32,
    mode: u32,
    resolve: u64,
) -> SysResult {
    let path = read_path(task, path_addr, false)?;
    let flags = flags & VALID_OPEN_FLAGS;
    // O_TMPFILE and O_CREAT need a mode; others ignore it.
    let creating = flags & libc::O_CREAT as u32 != 0
        || flags & libc::O_TMPFILE as u32 == libc::O_TMPFILE as u32;
    if flags & libc::O_TMPFILE as u32 == libc::O_TMPFILE as u32 && flags & libc::O_CREAT as u32 != 0
    {
        return Err(Errno::EINVAL);
    }
    // Linux 6.4 and later refuse the ambiguous O_CREAT | O_DIRECTORY.
    let creat_dir = (libc::O_CREAT | libc::O_DIRECTORY) as u32;
    if flags & creat_dir == creat_dir {
        return Err(Errno::EINVAL);
    }
    let mode = if creating {
        mode & 0o7777 & !task.fs().umask
    } else {
        0
    };
    let mut lookup = task.lookup();
    let start = if resolve & 0x18 != 0 {
        // The start directory (even for an absolute path) bounds the walk.
        let dir = if dirfd == AT_FDCWD {
            lookup.cwd.clone()
        } else {
            task.fds()
                .get(dirfd)?
                .location
                .clone()
                .ok_or(Errno::ENOTDIR)?
        };
        lookup.root = dir.clone();
        Some(dir)
    } else {
        dir_of(task, dirfd, &path)?
    };
    lookup.resolve = resolve;
    let (ops, location) = lookup.open(start.as_ref(), &path, flags, mode)?;
    drop(lookup);
    let mut status = (flags & !OPEN_ONLY_FLAGS) | O_LARGEFILE;
    if flags & libc::O_PATH as u32 != 0 {
        status &= (libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW) as u32;
    }
    let file = File::at(ops, status, location);
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

pub fn sys_creat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = (libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC) as u32;
    do_open(task, AT_FDCWD, a.u64(0), flags, a.uint(1))
}

/// `struct open_how` of openat2.
#[derive(Clone, Copy, Default)]
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

// SAFETY: integers only, no padding.
unsafe impl crate::mm::Pod for OpenHow {}

pub fn sys_openat2(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let size = a.u64(3) as usize;
    if size < std::mem::size_of::<OpenHow>() {
        return Err(Errno::EINVAL);
    }
    if size > 4096 {
        return Err(Errno::E2BIG);
    }
    let how: OpenHow = task.mm.read_val(a.u64(2))?;
    // Bytes past the struct we know must be zero (extensible-struct rules).
    if size > std::mem::size_of::<OpenHow>() {
        let mut rest = vec![0u8; size - std::mem::size_of::<OpenHow>()];
        task.mm
            .read(a.u64(2) + std::mem::size_of::<OpenHow>() as u64, &mut rest)?;
        if rest.iter().any(|&b| b != 0) {
            return Err(Errno::E2BIG);
        }
    }
    let flags = u32::try_from(how.flags).map_err(|_| Errno::EINVAL)?;
    if flags & !VALID_OPEN_FLAGS != 0 {
        return Err(Errno::EINVAL);
    }
    let creating = flags & libc::O_CREAT as u32 != 0
        || flags & libc::O_TMPFILE as u32 == libc::O_TMPFILE as u32;
    if how.mode & !0o7777 != 0 || (!creating && how.mode != 0) {
        return Err(Errno::EINVAL);
    }
    if how.resolve & !crate::vfs::RESOLVE_ALL != 0 {
        return Err(Errno::EINVAL);
    }
    const RESOLVE_BENEATH: u64 = 0x08;
    const RESOLVE_IN_ROOT: u64 = 0x10;
    if how.resolve & RESOLVE_BENEATH != 0 && how.resolve & RESOLVE_IN_ROOT != 0 {
        return Err(Errno::EINVAL);
    }
    open_with(
        task,
        a.int(0),
        a.u64(1),
        flags,
        how.mode as u32,
        how.resolve,
    )
}

pub fn sys_close(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = task.fds().get(a.int(0))?;
    task.fds().close(a.int(0))?;
    // Closing any fd of a file drops the process's record locks on it (fcntl(2)).
    if file.location.is_some() {
        if let Ok(key) = lock_key(&file) {
            lock::release_file(key, lock::Owner::Process(task.process.pid));
        }
    }
    Ok(0)
}

pub fn sys_close_range(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (first, last, flags) = (a.uint(0), a.uint(1), a.uint(2));
    let known = libc::CLOSE_RANGE_CLOEXEC | libc::CLOSE_RANGE_UNSHARE;
    if flags & !known != 0 || first > last {
        return Err(Errno::EINVAL);
    }
    if flags & libc::CLOSE_RANGE_UNSHARE != 0 {
        let copy = task.fds().clone();
        task.fds = Arc::new(std::sync::Mutex::new(copy));
    }
    let cloexec = flags & libc::CLOSE_RANGE_CLOEXEC != 0;
    task.fds().close_range(first, last, cloexec);
    Ok(0)
}

pub fn sys_getdents64(task: &mut Task, a: &SyscallArgs) -> SysResult {
    getdents(task, a, false)
}

/// getdents(2), the old call (sanitizers' StopTheWorld lists /proc/PID/task with it): the
/// same entries in struct linux_dirent, whose records are as long as linux_dirent64's (the
/// type moves from before the name to the record's last byte).
pub fn sys_getdents(task: &mut Task, a: &SyscallArgs) -> SysResult {
    getdents(task, a, true)
}

fn getdents(task: &mut Task, a: &SyscallArgs, old: bool) -> SysResult {
    let file = task.fds().get(a.int(0))?;
    if file.flags() & libc::O_PATH as u32 != 0 {
        return Err(Errno::EBADF);
    }
    if !crate::vfs::is_dir(&file.stat()?) {
        return Err(Errno::ENOTDIR);
    }
    let len = a.uint(2) as usize;
    task.mm
        .check_access(a.u64(1), len as u64, platform::Prot::WRITE)?;
    let mut buf = vec![0u8; len.min(1 << 20)];
    let n = file.ops.getdents64(&mut buf)?;
    if old {
        to_old_dirents(&mut buf[..n]);
    }
    // Linux's iterate_dir reports every getdents as an access.
    if let Some(p) = &file.location {
        crate::fs::inotify::file_event(&p.dentry, crate::fs::inotify::IN_ACCESS);
    }
    task.mm.write(a.u64(1), &buf[..n])?;
    Ok(n as u64)
}

/// Rewrites linux_dirent64 records (ino, off, reclen, type, name) in place as linux_dirent
/// ones (ino, off, reclen, name, padding, type in the last byte).
fn to_old_dirents(buf: &mut [u8]) {
    let mut at = 0;
    while at + 19 <= buf.len() {
        let reclen = u16::from_ne_bytes([buf[at + 16], buf[at + 17]]) as usize;
        if reclen < 20 || at + reclen > buf.len() {
            break;
        }
        let rec = &mut buf[at..at + reclen];
        let d_type = rec[18];
        let name_len = rec[19..]
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(reclen - 20);
        rec.copy_within(19..19 + name_len, 18);
        rec[18 + name_len..].fill(0);
        rec[reclen - 1] = d_type;
        at += reclen;
    }
}

pub fn sys_getcwd(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let cwd = {
        let fs = task.fs();
        if fs.cwd.dentry.is_dead() || !task.kernel.vfs.is_below(&fs.cwd, &fs.root) {
            // Unlinked, or outside the root (after chroot): unreachable, as Linux answers.
            return Err(Errno::ENOENT);
        }
        task.kernel.vfs.path_bytes(&fs.cwd, &fs.root)
    };
    let mut cwd = cwd;
    cwd.push(0);
    if (a.u64(1) as usize) < cwd.len() {
        return Err(Errno::ERANGE);
    }
    task.mm.write(a.u64(0), &cwd)?;
    Ok(cwd.len() as u64)
}

/// Makes `p` the working directory: it must be a directory we may search.
fn set_cwd(task: &mut Task, p: crate::vfs::Path) -> SysResult {
    let st = p.stat()?;
    if !crate::vfs::is_dir(&st) {
        return Err(Errno::ENOTDIR);
    }
    task.creds().may(&st, libc::X_OK)?;
    task.fs().cwd = p;
    Ok(0)
}

pub fn sys_chdir(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = read_path(task, a.u64(0), false)?;
    let p = task.lookup().resolve(None, &path, true)?;
    set_cwd(task, p)
}

pub fn sys_fchdir(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = task.fds().get(a.int(0))?;
    let p = file.location.clone().ok_or(Errno::ENOTDIR)?;
    set_cwd(task, p)
}

pub fn sys_chroot(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = read_path(task, a.u64(0), false)?;
    let p = task.lookup().resolve(None, &path, true)?;
    let st = p.stat()?;
    if !crate::vfs::is_dir(&st) {
        return Err(Errno::ENOTDIR);
    }
    task.creds().may(&st, libc::X_OK)?;
    if !task.cred.capable(crate::kernel::cred::CAP_SYS_CHROOT) {
        return Err(Errno::EPERM);
    }
    task.fs().root = p;
    Ok(0)
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
            let was_async = file.flags() & libc::O_ASYNC as u32 != 0;
            file.set_flags(a.uint(2));
            if !was_async && file.flags() & libc::O_ASYNC as u32 != 0 && file.ops.supports_fasync()
            {
                crate::fs::fasync::register(&file, fd);
            }
            Ok(0)
        }
        libc::F_GETOWN => {
            let owner = file.fasync().owner;
            let id = if owner.kind == fasync::F_OWNER_PGRP {
                -owner.id
            } else {
                owner.id
            };
            Ok(id as i64 as u64)
        }
        libc::F_SETOWN => {
            let who = a.int(2);
            if who == i32::MIN {
                return Err(Errno::EINVAL);
            }
            let owner = if who < 0 {
                fasync::Owner {
                    kind: fasync::F_OWNER_PGRP,
                    id: -who,
                }
            } else {
                fasync::Owner {
                    kind: fasync::F_OWNER_PID,
                    id: who,
                }
            };
            fasync::check_owner(&task.kernel, owner)?;
            file.fasync().set_owner(&task.kernel, owner);
            Ok(0)
        }
        fasync::F_GETOWN_EX => {
            let owner = file.fasync().owner;
            let raw = [owner.kind, owner.id];
            task.mm.write_val(a.u64(2), &raw)?;
            Ok(0)
        }
        fasync::F_SETOWN_EX => {
            let [kind, id]: [i32; 2] = task.mm.read_val(a.u64(2))?;
            if !matches!(
                kind,
                fasync::F_OWNER_TID | fasync::F_OWNER_PID | fasync::F_OWNER_PGRP
            ) {
                return Err(Errno::EINVAL);
            }
            let owner = fasync::Owner { kind, id };
            fasync::check_owner(&task.kernel, owner)?;
            file.fasync().set_owner(&task.kernel, owner);
            Ok(0)
        }
        crate::fs::dnotify::F_NOTIFY => {
            crate::fs::dnotify::set(&task.kernel, task.process.pid, &file, fd, a.uint(2))?;
            Ok(0)
        }
        fasync::F_GETSIG => Ok(file.fasync().sig as u64),
        fasync::F_SETSIG => {
            let sig = a.int(2);
            if !(0..=64).contains(&sig) {
                return Err(Errno::EINVAL);
            }
            file.fasync().sig = sig;
            Ok(0)
        }
        cmd @ (libc::F_GETLK
        | libc::F_SETLK
        | libc::F_SETLKW
        | libc::F_OFD_GETLK
        | libc::F_OFD_SETLK
        | libc::F_OFD_SETLKW) => record_lock(task, &file, cmd, a.u64(2)),
        libc::F_GET_SEALS => Ok(u64::from(file.ops.seals(None)?)),
        libc::F_ADD_SEALS => {
            if !file.writable() {
                return Err(Errno::EPERM);
            }
            file.ops.seals(Some(a.uint(2)))?;
            Ok(0)
        }
        libc::F_GETPIPE_SZ => Ok(file.ops.pipe_size(None)? as u64),
        libc::F_SETPIPE_SZ => {
            let want = usize::try_from(a.int(2)).map_err(|_| Errno::EINVAL)?;
            Ok(file.ops.pipe_size(Some(want))? as u64)
        }
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
    // O_DIRECT (packet mode) is accepted; writes are not yet kept apart as packets.
    task.mm.check_access(fds_addr, 8, platform::Prot::WRITE)?;
    let nonblock = flags & libc::O_NONBLOCK != 0;
    let (r, w) = Pipe::new_pair(task.cred.euid, task.cred.egid, nonblock);
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

/// The lock table's key for an open file: its (device, inode).
pub(super) fn lock_key(file: &File) -> Result<lock::FileKey, Errno> {
    let st = file.stat()?;
    Ok((st.st_dev, st.st_ino))
}

/// Record locks (F_GETLK, F_SETLK, F_SETLKW and the OFD forms), kept between the sandbox's
/// processes in [`lock`].
fn record_lock(task: &mut Task, file: &Arc<File>, cmd: i32, addr: u64) -> SysResult {
    let mut fl: Flock = task.mm.read_val(addr)?;
    let ofd = matches!(
        cmd,
        libc::F_OFD_GETLK | libc::F_OFD_SETLK | libc::F_OFD_SETLKW
    );
    if ofd && fl.l_pid != 0 {
        return Err(Errno::EINVAL);
    }
    let getlk = matches!(cmd, libc::F_GETLK | libc::F_OFD_GETLK);
    let wait = matches!(cmd, libc::F_SETLKW | libc::F_OFD_SETLKW);
    let kind = match i32::from(fl.l_type) {
        libc::F_UNLCK if getlk => return Err(Errno::EINVAL),
        libc::F_RDLCK if !getlk && !file.readable() => return Err(Errno::EBADF),
        libc::F_WRLCK if !getlk && !file.writable() => return Err(Errno::EBADF),
        libc::F_RDLCK => Some(lock::Kind::Read),
        libc::F_WRLCK => Some(lock::Kind::Write),
        libc::F_UNLCK => None,
        _ => return Err(Errno::EINVAL),
    };
    // The range, as fcntl(2) computes it from whence, start and len.
    let base: i64 = match i32::from(fl.l_whence) {
        libc::SEEK_SET => 0,
        libc::SEEK_CUR => file.ops.seek(0, libc::SEEK_CUR)? as i64,
        libc::SEEK_END => file.stat()?.st_size,
        _ => return Err(Errno::EINVAL),
    };
    let start = base.checked_add(fl.l_start).ok_or(Errno::EOVERFLOW)?;
    let (start, end) = match fl.l_len {
        0 => (start, u64::MAX),
        len if len > 0 => (start, (start + len - 1) as u64),
        len => (start + len, (start - 1) as u64),
    };
    if start < 0 {
        return Err(Errno::EINVAL);
    }
    let owner = if ofd {
        lock::Owner::File(Arc::as_ptr(file) as *const u8 as usize)
    } else {
        lock::Owner::Process(task.process.pid)
    };
    let want = lock::Record {
        owner,
        kind: kind.unwrap_or(lock::Kind::Read),
        start: start as u64,
        end,
        pid: if ofd { -1 } else { task.process.pid },
    };
    let key = lock_key(file)?;
    if getlk {
        match lock::conflicting(key, &want) {
            None => fl.l_type = libc::F_UNLCK as i16,
            Some(r) => {
                fl.l_type = match r.kind {
                    lock::Kind::Read => libc::F_RDLCK as i16,
                    lock::Kind::Write => libc::F_WRLCK as i16,
                };
                fl.l_whence = libc::SEEK_SET as i16;
                fl.l_start = r.start as i64;
                fl.l_len = if r.end == u64::MAX {
                    0
                } else {
                    (r.end - r.start + 1) as i64
                };
                fl.l_pid = r.pid;
            }
        }
        task.mm.write_val(addr, &fl)?;
        return Ok(0);
    }
    lock::set_record(key, want, kind.is_none(), wait)?;
    Ok(0)
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
        libc::FIOASYNC => {
            let on: i32 = task.mm.read_val(a.u64(2))?;
            let was_async = file.flags() & libc::O_ASYNC as u32 != 0;
            if was_async != (on != 0) {
                if !file.ops.supports_fasync() {
                    return Err(Errno::ENOTTY);
                }
                let flags = file.flags() & !(libc::O_ASYNC as u32);
                file.set_flags(if on != 0 {
                    flags | libc::O_ASYNC as u32
                } else {
                    flags
                });
                if on != 0 {
                    crate::fs::fasync::register(&file, fd);
                }
            }
            Ok(0)
        }
        // Terminal ioctls need the caller (its session, its fd table).
        _ if file.ops.as_tty().is_some() => super::tty::ioctl(task, &file, request, a.u64(2)),
        _ => file.ops.ioctl(&task.mm, request, a.u64(2)),
    }
}
