//! read, write and their positioned and vectored forms.

use std::sync::Arc;

use platform::Prot;

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::fs::File;
use crate::kernel::Task;

/// Linux's MAX_RW_COUNT: one read or write moves at most this much.
const MAX_RW_COUNT: u64 = 0x7fff_f000;
/// The largest iovec array (UIO_MAXIOV).
const UIO_MAXIOV: u64 = 1024;
/// Buffers above this are read in several host calls (bounds the sentry's buffer).
const CHUNK: usize = 1 << 20;

fn readable_file(task: &Task, fd: i32) -> Result<Arc<File>, Errno> {
    let file = task.fds().get(fd)?;
    if !file.readable() {
        return Err(Errno::EBADF);
    }
    Ok(file)
}

fn writable_file(task: &Task, fd: i32) -> Result<Arc<File>, Errno> {
    let file = task.fds().get(fd)?;
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    Ok(file)
}

thread_local! {
    /// Each sentry thread's copy buffer for reads and writes, kept between calls (up to
    /// [`SCRATCH_KEEP`]): a fresh zeroed buffer per call cost a memset, or for large ones
    /// an mmap and a page fault per page.
    static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}
const SCRATCH_KEEP: usize = 256 << 10;

/// A buffer of at least `len` bytes: the thread's scratch buffer, or a new one if the thread's
/// is in use. Its bytes are stale; callers copy out only what they wrote.
fn scratch(len: usize) -> Vec<u8> {
    let mut v = SCRATCH.take();
    if v.len() < len {
        v.resize(len, 0);
    }
    v
}

/// Returns a buffer from [`scratch`] for the next call.
fn scratch_done(v: Vec<u8>) {
    if v.len() <= SCRATCH_KEEP {
        SCRATCH.set(v);
    }
}

/// Reads into the app's `[addr, addr + len)` with `read_fn`, checking first that the whole
/// buffer is writable (so no input is consumed for a bad buffer).
fn read_into(
    task: &Task,
    addr: u64,
    len: u64,
    mut read_fn: impl FnMut(&mut [u8], u64) -> Result<usize, Errno>,
) -> SysResult {
    let len = len.min(MAX_RW_COUNT);
    task.mm.check_access(addr, len, Prot::WRITE)?;
    let size = (len as usize).min(CHUNK);
    let mut buf = scratch(size);
    let r = (|| {
        let mut done = 0u64;
        while done < len {
            let want = ((len - done) as usize).min(size);
            let n = match read_fn(&mut buf[..want], done) {
                Ok(n) => n.min(want),
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            };
            task.mm.write(addr + done, &buf[..n])?;
            done += n as u64;
            // A short read ends the call, as on Linux (pipes, terminals, end of file).
            if n < want {
                break;
            }
        }
        Ok(done)
    })();
    scratch_done(buf);
    r
}

/// Writes the app's `[addr, addr + len)` with `write_fn`; EPIPE raises SIGPIPE.
fn write_from(
    task: &mut Task,
    file: &File,
    addr: u64,
    len: u64,
    mut write_fn: impl FnMut(&[u8], u64) -> Result<usize, Errno>,
) -> SysResult {
    let len = len.min(MAX_RW_COUNT);
    task.mm.check_access(addr, len, Prot::READ)?;
    let size = (len as usize).min(CHUNK);
    let mut buf = scratch(size);
    let r = write_chunks(task, file, addr, len, &mut buf[..size], &mut write_fn);
    scratch_done(buf);
    r
}

/// [`write_from`]'s loop, through the buffer `buf`.
fn write_chunks(
    task: &mut Task,
    file: &File,
    addr: u64,
    len: u64,
    buf: &mut [u8],
    write_fn: &mut impl FnMut(&[u8], u64) -> Result<usize, Errno>,
) -> SysResult {
    let mut done = 0u64;
    while done < len {
        let want = ((len - done) as usize).min(buf.len());
        task.mm.read(addr + done, &mut buf[..want])?;
        let n = match write_fn(&buf[..want], done) {
            Ok(n) => n,
            Err(Errno::EPIPE) if done == 0 => {
                if file.ops.sigpipe_on_epipe() {
                    task.raise_self(libc::SIGPIPE);
                }
                return Err(Errno::EPIPE);
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += n as u64;
        if n < want {
            break;
        }
    }
    modified(file, done);
    Ok(done)
}

/// Runs a read of `fd`; one that read something is IN_ACCESS for the file's watchers.
fn accessing(task: &mut Task, fd: i32, read: impl FnOnce(&mut Task) -> SysResult) -> SysResult {
    let r = read(task);
    if matches!(r, Ok(n) if n > 0) && crate::fs::inotify::active() {
        if let Ok(file) = task.fds().get(fd) {
            if let Some(p) = &file.location {
                crate::fs::inotify::file_event(&p.dentry, crate::fs::inotify::IN_ACCESS);
            }
        }
    }
    r
}

/// A write of `n` bytes to `file` succeeded: IN_MODIFY for its watchers.
fn modified(file: &File, n: u64) {
    if n > 0 {
        if let Some(p) = &file.location {
            crate::fs::inotify::file_event(&p.dentry, crate::fs::inotify::IN_MODIFY);
        }
    }
}

/// read(2) or pread(2) (`offset`) of a file whose bytes a host fd holds: the host reads
/// straight into the app's memory, with no copy through the sentry. `None` for other files.
fn read_direct(
    task: &Task,
    file: &File,
    addr: u64,
    len: u64,
    offset: Option<u64>,
) -> Option<SysResult> {
    let fd = file.ops.positional_fd()?;
    let read = || {
        let len = len.min(MAX_RW_COUNT);
        let start = match offset {
            Some(o) => o,
            None => file.ops.seek(0, libc::SEEK_CUR)?,
        };
        if let Err(e) = task.mm.check_access(addr, len, Prot::WRITE) {
            // At the end of the file nothing is copied, so a bad buffer is no fault (as on
            // Linux, which only faults on the bytes it copies).
            if len > 0 && file.ops.pread(&mut [0u8; 1], start) == Ok(0) {
                return Ok(0);
            }
            return Err(e);
        }
        let n = task.mm.lock().fill_from_fd(addr, len, fd, start)?;
        if offset.is_none() {
            // Concurrent read(2)s of one file by two threads may interleave here; Linux
            // serialises them with f_pos_lock.
            file.ops.seek((start + n) as i64, libc::SEEK_SET)?;
        }
        Ok(n)
    };
    Some(read())
}

pub fn sys_read(task: &mut Task, a: &SyscallArgs) -> SysResult {
    accessing(task, a.int(0), |task| sys_read_inner(task, a))
}

fn sys_read_inner(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = readable_file(task, a.int(0))?;
    if let Some(r) = read_direct(task, &file, a.u64(1), a.u64(2), None) {
        return r;
    }
    read_into(task, a.u64(1), a.u64(2), |buf, _| file.ops.read(buf))
}

pub fn sys_write(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = writable_file(task, a.int(0))?;
    write_from(task, &file, a.u64(1), a.u64(2), |buf, _| {
        file.ops.write(buf)
    })
}

fn offset_arg(a: &SyscallArgs, i: usize) -> Result<u64, Errno> {
    u64::try_from(a.i64(i)).map_err(|_| Errno::EINVAL)
}

pub fn sys_pread64(task: &mut Task, a: &SyscallArgs) -> SysResult {
    accessing(task, a.int(0), |task| sys_pread64_inner(task, a))
}

fn sys_pread64_inner(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = readable_file(task, a.int(0))?;
    let offset = offset_arg(a, 3)?;
    if let Some(r) = read_direct(task, &file, a.u64(1), a.u64(2), Some(offset)) {
        return r;
    }
    read_into(task, a.u64(1), a.u64(2), |buf, done| {
        file.ops.pread(buf, offset + done)
    })
}

pub fn sys_pwrite64(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = writable_file(task, a.int(0))?;
    let offset = offset_arg(a, 3)?;
    write_from(task, &file, a.u64(1), a.u64(2), |buf, done| {
        file.ops.pwrite(buf, offset + done)
    })
}

/// Reads an iovec array: EINVAL for a bad count or a total length past `ssize_t`.
pub(super) fn read_iovecs(task: &Task, addr: u64, count: i32) -> Result<Vec<(u64, u64)>, Errno> {
    let count = u64::try_from(count).map_err(|_| Errno::EINVAL)?;
    if count > UIO_MAXIOV {
        return Err(Errno::EINVAL);
    }
    let raw: Vec<[u64; 2]> = task.mm.read_vals(addr, count as usize)?;
    let mut total: u64 = 0;
    for [_, len] in &raw {
        total = total
            .checked_add(*len)
            .filter(|&t| t <= i64::MAX as u64)
            .ok_or(Errno::EINVAL)?;
    }
    Ok(raw.into_iter().map(|[base, len]| (base, len)).collect())
}

pub fn sys_readv(task: &mut Task, a: &SyscallArgs) -> SysResult {
    accessing(task, a.int(0), |task| sys_readv_inner(task, a))
}

fn sys_readv_inner(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = readable_file(task, a.int(0))?;
    let iovs = read_iovecs(task, a.u64(1), a.int(2))?;
    let total: u64 = iovs.iter().map(|(_, l)| l).sum();
    if file.ops.as_socket().is_some() && total <= CHUNK as u64 {
        // One receive scattered over the buffers: a datagram is read whole, not one per
        // buffer.
        for &(base, len) in &iovs {
            task.mm.check_access(base, len, Prot::WRITE)?;
        }
        let mut data = vec![0u8; total as usize];
        let n = file.ops.read(&mut data)?;
        let mut at = 0;
        for (base, len) in iovs {
            let k = (len as usize).min(n - at);
            task.mm.write(base, &data[at..at + k])?;
            at += k;
        }
        return Ok(n as u64);
    }
    let mut total = 0;
    for (base, len) in iovs {
        let n = read_into(task, base, len, |buf, _| file.ops.read(buf));
        match n {
            Ok(n) => {
                total += n;
                if n < len {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}

pub fn sys_writev(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = writable_file(task, a.int(0))?;
    let iovs = read_iovecs(task, a.u64(1), a.int(2))?;
    let total: u64 = iovs.iter().map(|(_, l)| l).sum();
    if total <= CHUNK as u64 {
        // Gather into one write, so a pipe write of at most PIPE_BUF bytes stays atomic.
        let mut data = vec![0u8; total as usize];
        let mut at = 0;
        for (base, len) in iovs {
            task.mm.read(base, &mut data[at..at + len as usize])?;
            at += len as usize;
        }
        return write_from_buf(task, &file, &data);
    }
    let mut done = 0;
    for (base, len) in iovs {
        match write_from(task, &file, base, len, |buf, _| file.ops.write(buf)) {
            Ok(n) => {
                done += n;
                if n < len {
                    break;
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

/// Writes a sentry buffer in full (short writes continue); EPIPE raises SIGPIPE.
fn write_from_buf(task: &mut Task, file: &File, data: &[u8]) -> SysResult {
    let mut done = 0;
    while done < data.len() {
        match file.ops.write(&data[done..]) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(Errno::EPIPE) if done == 0 => {
                if file.ops.sigpipe_on_epipe() {
                    task.raise_self(libc::SIGPIPE);
                }
                return Err(Errno::EPIPE);
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    modified(file, done as u64);
    Ok(done as u64)
}

pub fn sys_lseek(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = task.fds().get(a.int(0))?;
    let whence = a.uint(2);
    // SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE.
    if whence > 4 {
        return Err(Errno::EINVAL);
    }
    file.ops.seek(a.i64(1), whence as i32)
}

/// preadv(2) and preadv2(2) (`flags` RWF_*, all accepted as hints): readv at an offset, or
/// at the file position for offset -1 (preadv2 only).
fn do_preadv(task: &mut Task, a: &SyscallArgs, v2: bool) -> SysResult {
    accessing(task, a.int(0), |task| do_preadv_inner(task, a, v2))
}

fn do_preadv_inner(task: &mut Task, a: &SyscallArgs, v2: bool) -> SysResult {
    let file = readable_file(task, a.int(0))?;
    let iovs = read_iovecs(task, a.u64(1), a.int(2))?;
    let offset = a.i64(3);
    if v2 && a.uint(5) & !0x1f != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let positional = !(v2 && offset == -1);
    if positional && offset < 0 {
        return Err(Errno::EINVAL);
    }
    let mut total = 0u64;
    for (base, len) in iovs {
        let n = if positional {
            let at = offset as u64 + total;
            read_direct(task, &file, base, len, Some(at)).unwrap_or_else(|| {
                read_into(task, base, len, |buf, done| file.ops.pread(buf, at + done))
            })
        } else {
            read_direct(task, &file, base, len, None)
                .unwrap_or_else(|| read_into(task, base, len, |buf, _| file.ops.read(buf)))
        };
        match n {
            Ok(n) => {
                total += n;
                if n < len {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}

fn do_pwritev(task: &mut Task, a: &SyscallArgs, v2: bool) -> SysResult {
    let file = writable_file(task, a.int(0))?;
    let iovs = read_iovecs(task, a.u64(1), a.int(2))?;
    let offset = a.i64(3);
    if v2 && a.uint(5) & !0x1f != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let positional = !(v2 && offset == -1);
    if positional && offset < 0 {
        return Err(Errno::EINVAL);
    }
    let mut data = Vec::new();
    for (base, len) in iovs {
        let at = data.len();
        data.resize(at + len as usize, 0);
        task.mm.read(base, &mut data[at..])?;
    }
    if !positional {
        return write_from_buf(task, &file, &data);
    }
    let mut done = 0usize;
    while done < data.len() {
        match file.ops.pwrite(&data[done..], offset as u64 + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    modified(&file, done as u64);
    Ok(done as u64)
}

pub fn sys_preadv(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_preadv(task, a, false)
}

pub fn sys_pwritev(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_pwritev(task, a, false)
}

pub fn sys_preadv2(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_preadv(task, a, true)
}

pub fn sys_pwritev2(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_pwritev(task, a, true)
}
