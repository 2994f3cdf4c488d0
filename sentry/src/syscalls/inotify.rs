//! inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch (inotify(7)).

use super::fs::nofile_limit;
use super::path::{target_at, AT_FDCWD};
use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::fs::inotify::{
    Inotify, ALL_INOTIFY_BITS, IN_DONT_FOLLOW, IN_MASK_ADD, IN_MASK_CREATE, IN_ONLYDIR,
};
use crate::fs::File;
use crate::kernel::Task;

fn do_inotify_init(task: &mut Task, flags: i32) -> SysResult {
    let known = libc::IN_CLOEXEC | libc::IN_NONBLOCK;
    if flags & !known != 0 {
        return Err(Errno::EINVAL);
    }
    let nonblock = flags & libc::IN_NONBLOCK != 0;
    let status = libc::O_RDONLY as u32 | (flags & libc::IN_NONBLOCK) as u32;
    let file = File::new(Inotify::new(nonblock), status);
    let limit = nofile_limit(task);
    Ok(task
        .fds()
        .install(file, flags & libc::IN_CLOEXEC != 0, 0, limit)? as u64)
}

pub fn sys_inotify_init(task: &mut Task, _a: &SyscallArgs) -> SysResult {
    do_inotify_init(task, 0)
}

pub fn sys_inotify_init1(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_inotify_init(task, a.int(0))
}

/// inotify_add_watch(fd, path, mask), with Linux's checks in its order.
pub fn sys_inotify_add_watch(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let mask = a.uint(2);
    if mask & IN_MASK_ADD != 0 && mask & IN_MASK_CREATE != 0 {
        return Err(Errno::EINVAL);
    }
    // Linux asks for any inotify bit at all, not necessarily an event.
    if mask & ALL_INOTIFY_BITS == 0 {
        return Err(Errno::EINVAL);
    }
    let file = task.fds().get(a.int(0))?;
    let ino = file.ops.as_inotify().ok_or(Errno::EINVAL)?;
    let flags = if mask & IN_DONT_FOLLOW != 0 {
        libc::AT_SYMLINK_NOFOLLOW
    } else {
        0
    };
    let p = target_at(task, AT_FDCWD, a.u64(1), flags, true)?.path(Errno::ENOENT)?;
    let st = p.stat()?;
    if mask & IN_ONLYDIR != 0 && !crate::vfs::is_dir(&st) {
        return Err(Errno::ENOTDIR);
    }
    // Watching needs read permission on the file.
    task.creds().may(&st, libc::R_OK)?;
    Ok(ino.add_watch((st.st_dev, st.st_ino), mask)? as u64)
}

pub fn sys_inotify_rm_watch(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = task.fds().get(a.int(0))?;
    let ino = file.ops.as_inotify().ok_or(Errno::EINVAL)?;
    ino.rm_watch(a.int(1))?;
    Ok(0)
}
