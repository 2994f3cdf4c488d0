//! Files: the open-file objects the fd table holds. Where a file is in the tree (and so its
//! stat, its name in /proc, what fchdir and the `*at` calls start from) is the VFS's
//! [`Path`](crate::vfs::Path), which the open file keeps.

pub mod dev;
pub mod dnotify;
pub mod epoll;
pub mod eventfd;
pub mod fasync;
pub mod fdtable;
pub mod host;
pub mod inotify;
pub mod lock;
pub mod mqueue;
pub mod pipe;
pub mod poll;
pub mod signalfd;
pub mod timerfd;
pub mod tty;

use std::os::fd::BorrowedFd;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use crate::errno::Errno;
use crate::mm::MemoryManager;
use crate::vfs::Path;

pub use fdtable::FdTable;

/// The operations of an open file. Each method's default is what Linux answers for a file
/// that does not support it, so a file type implements only what it has.
pub trait FileOps: Send + Sync {
    /// read(2) at the file position.
    fn read(&self, _buf: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }
    /// write(2) at the file position.
    fn write(&self, _buf: &[u8]) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }
    /// pread64(2).
    fn pread(&self, _buf: &mut [u8], _offset: u64) -> Result<usize, Errno> {
        Err(Errno::ESPIPE)
    }
    /// pwrite64(2).
    fn pwrite(&self, _buf: &[u8], _offset: u64) -> Result<usize, Errno> {
        Err(Errno::ESPIPE)
    }
    /// lseek(2).
    fn seek(&self, _offset: i64, _whence: i32) -> Result<u64, Errno> {
        Err(Errno::ESPIPE)
    }
    /// fstat(2).
    fn stat(&self) -> Result<libc::stat, Errno>;
    /// fstatfs(2): the file system the file lives on.
    fn statfs(&self) -> Result<Statfs, Errno>;
    /// fgetxattr(2): the value of extended attribute `name`.
    fn getxattr(&self, _name: &str) -> Result<Vec<u8>, Errno> {
        Err(Errno::ENODATA)
    }
    /// flistxattr(2): the attribute names, each NUL-terminated.
    fn listxattr(&self) -> Result<Vec<u8>, Errno> {
        Ok(Vec::new())
    }
    /// getdents64(2): fills `buf` with `linux_dirent64` records.
    fn getdents64(&self, _buf: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::ENOTDIR)
    }
    /// ioctl(2). `mm` is for requests that copy structures in or out.
    fn ioctl(&self, _mm: &MemoryManager, _request: u64, _arg: u64) -> Result<u64, Errno> {
        Err(Errno::ENOTTY)
    }
    /// A host fd whose pages a private mmap may copy, if the file has one.
    fn mappable_fd(&self) -> Option<BorrowedFd<'_>> {
        None
    }
    /// ftruncate(2).
    fn truncate(&self, _size: u64) -> Result<(), Errno> {
        Err(Errno::EINVAL)
    }
    /// fallocate(2).
    fn allocate(&self, _mode: i32, _offset: u64, _len: u64) -> Result<(), Errno> {
        Err(Errno::ENODEV)
    }
    /// fsync(2) and fdatasync(2); files that cannot be synced answer EINVAL.
    fn fsync(&self, _data_only: bool) -> Result<(), Errno> {
        Err(Errno::EINVAL)
    }
    /// For MAP_SHARED: the file's bytes as a region of the memory file at least `end` long,
    /// which every shared mapping shows; `None` if the file cannot be shared that way (its
    /// shared mappings are then private copies).
    fn share(
        &self,
        _mem: &Arc<platform::MemoryFile>,
        _end: u64,
    ) -> Option<Result<Arc<crate::mm::SharedRegion>, Errno>> {
        None
    }
    /// For a file whose contents never change (a regular file of a read-only mount): its
    /// (device, inode), under which its pages may be shared by every private mapping.
    fn cache_identity(&self) -> Option<(u64, u64)> {
        None
    }
    /// For a regular file whose bytes a host fd holds at the file's own offsets: that fd, so
    /// reads can go from it straight into app memory (pread at the file position).
    fn positional_fd(&self) -> Option<BorrowedFd<'_>> {
        None
    }
    /// Whether O_ASYNC makes the file send I/O signals (FIOASYNC answers ENOTTY otherwise).
    fn supports_fasync(&self) -> bool {
        false
    }
    /// The `POLL*` events the file is ready for now (poll, select, epoll).
    fn poll(&self) -> u32 {
        poll::ALWAYS_READY
    }
    /// The [`poll::Key`] under which the file reports every change of its readiness
    /// (`poll::notify_key`), so that waits on it are woken by its changes only; `None`: it
    /// reports with `poll::notify`, or not at all, and its waiters hear every change.
    fn wait_key(&self) -> Option<poll::Key> {
        None
    }
    /// A number that changes with each new event (a write to a pipe), so edge-triggered epoll
    /// can report again although the readiness bits stayed the same.
    fn poll_generation(&self) -> u64 {
        0
    }
    /// The epoll instance, if this file is one.
    fn as_epoll(&self) -> Option<&epoll::Epoll> {
        None
    }
    /// The terminal this file is an end of, for the tty ioctls (which need the caller).
    fn as_tty(&self) -> Option<tty::pty::TtyEnd<'_>> {
        None
    }
    /// The socket, if this file is one (the socket calls answer ENOTSOCK otherwise).
    fn as_socket(&self) -> Option<&dyn crate::net::Socket> {
        None
    }
    /// Whether EPIPE from write(2) raises SIGPIPE (pipes and stream sockets; not datagram
    /// sockets, whose EPIPE is quiet on Linux).
    fn sigpipe_on_epipe(&self) -> bool {
        true
    }
    /// A pipe's bytes, copied without consuming them (tee); EAGAIN if none yet, 0 at EOF.
    fn peek(&self, _buf: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }
    /// F_GET_SEALS (`None`) and F_ADD_SEALS: a memfd's seals; EINVAL for files without.
    fn seals(&self, _add: Option<u32>) -> Result<u32, Errno> {
        Err(Errno::EINVAL)
    }
    /// F_GETPIPE_SZ (`None`) and F_SETPIPE_SZ: a pipe's capacity; EBADF for other files.
    fn pipe_size(&self, _set: Option<usize>) -> Result<usize, Errno> {
        Err(Errno::EBADF)
    }
    /// The inotify instance, if this file is one.
    fn as_inotify(&self) -> Option<&inotify::Inotify> {
        None
    }
    /// The signalfd, if this file is one.
    fn as_signalfd(&self) -> Option<&signalfd::SignalFd> {
        None
    }
    /// The timerfd, if this file is one.
    fn as_timerfd(&self) -> Option<&timerfd::TimerFd> {
        None
    }
    /// The message queue, if this file is a message queue descriptor.
    fn as_mqueue(&self) -> Option<&mqueue::MqFile> {
        None
    }
    /// F_SETFL changed the file's status flags (O_NONBLOCK, O_APPEND, ...).
    fn set_status_flags(&self, _flags: u32) {}
    /// The path the file was opened by, for logs and /proc.
    fn path(&self) -> &str;
}

/// `struct statfs` as the x86_64 kernel fills it (glibc's has the same layout but hides
/// `f_flags` in its spare words).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct Statfs {
    pub f_type: i64,
    pub f_bsize: i64,
    pub f_blocks: u64,
    pub f_bfree: u64,
    pub f_bavail: u64,
    pub f_files: u64,
    pub f_ffree: u64,
    pub f_fsid: [i32; 2],
    pub f_namelen: i64,
    pub f_frsize: i64,
    pub f_flags: i64,
    pub f_spare: [i64; 4],
}

/// What fstat shows of an anonymous-inode file (eventfd, epoll, timerfd, signalfd, inotify):
/// Linux's anon_inodefs (device 0:14) gives each kind one shared inode, `ino` here.
pub fn anon_inode_stat(ino: u64) -> libc::stat {
    crate::vfs::new_stat(libc::makedev(0, 14), ino, libc::S_IFREG | 0o600, 1)
}

/// What fstatfs shows of an anonymous-inode file: anon_inodefs.
pub fn anon_inode_statfs() -> Statfs {
    Statfs {
        f_type: 0x0904_1934,
        f_bsize: 4096,
        f_namelen: 255,
        ..Statfs::default()
    }
}

// SAFETY: integers only, no padding (120 bytes, as the kernel's).
unsafe impl crate::mm::Pod for Statfs {}
const _: () = assert!(std::mem::size_of::<Statfs>() == std::mem::size_of::<libc::statfs>());

/// An open file description: the file, its status flags (shared by dup'd fds) and, for
/// files opened by name, where it is in the tree.
pub struct File {
    pub ops: Arc<dyn FileOps>,
    flags: AtomicU32,
    pub location: Option<Path>,
    /// Signal-driven I/O: the owner F_SETOWN named and the F_SETSIG signal.
    fasync: std::sync::Mutex<fasync::FAsync>,
}

impl Drop for File {
    fn drop(&mut self) {
        // flock and OFD locks belong to the open file description and go with it.
        if let Some(p) = &self.location {
            lock::release_owner(lock::Owner::File(self as *const File as *const u8 as usize));
            if self.flags() & libc::O_PATH as u32 == 0 {
                let ev = if self.writable() {
                    inotify::IN_CLOSE_WRITE
                } else {
                    inotify::IN_CLOSE_NOWRITE
                };
                inotify::file_event(&p.dentry, ev);
                inotify::closed(&p.dentry);
            }
        }
    }
}

/// The `O_*` flags that fcntl(F_SETFL) may change.
pub const SETFL_MASK: u32 =
    (libc::O_APPEND | libc::O_NONBLOCK | libc::O_ASYNC | libc::O_DIRECT | libc::O_NOATIME) as u32;

impl File {
    pub fn new(ops: Arc<dyn FileOps>, flags: u32) -> Arc<File> {
        Arc::new(File {
            ops,
            flags: AtomicU32::new(flags),
            location: None,
            fasync: Default::default(),
        })
    }

    /// A file opened by name at `location`.
    pub fn at(ops: Arc<dyn FileOps>, flags: u32, location: Path) -> Arc<File> {
        if flags & libc::O_PATH as u32 == 0 {
            location.dentry.open_ref();
        }
        Arc::new(File {
            ops,
            flags: AtomicU32::new(flags),
            location: Some(location),
            fasync: Default::default(),
        })
    }

    /// fstat(2): the inode's stat for a file in the tree, else the file's own.
    pub fn stat(&self) -> Result<libc::stat, Errno> {
        match &self.location {
            Some(p) => p.stat(),
            None => self.ops.stat(),
        }
    }

    /// The status flags and access mode, as F_GETFL shows them.
    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }

    /// Replaces the changeable status flags (F_SETFL).
    pub fn set_flags(&self, flags: u32) {
        let keep = self.flags() & !SETFL_MASK;
        let new = keep | (flags & SETFL_MASK);
        self.flags.store(new, Ordering::Relaxed);
        self.ops.set_status_flags(new);
    }

    /// The file's signal-driven I/O state (F_SETOWN, F_SETSIG).
    pub fn fasync(&self) -> std::sync::MutexGuard<'_, fasync::FAsync> {
        self.fasync.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn access_mode(&self) -> u32 {
        self.flags() & libc::O_ACCMODE as u32
    }

    /// Whether the file was opened for reading (EBADF otherwise, as read(2) answers).
    pub fn readable(&self) -> bool {
        self.access_mode() != libc::O_WRONLY as u32 && self.flags() & libc::O_PATH as u32 == 0
    }

    /// Whether the file was opened for writing.
    pub fn writable(&self) -> bool {
        self.access_mode() != libc::O_RDONLY as u32 && self.flags() & libc::O_PATH as u32 == 0
    }
}

/// Copies the first `n` bytes of `q` (which holds at least that many) to the end of `out`,
/// a slice at a time (a byte-wise iterator costs several times the copy on bulk transfers).
pub fn copy_front(q: &std::collections::VecDeque<u8>, n: usize, out: &mut Vec<u8>) {
    let (a, b) = q.as_slices();
    let first = n.min(a.len());
    out.extend_from_slice(&a[..first]);
    out.extend_from_slice(&b[..n - first]);
}

/// Copies the first `dst.len()` bytes of `q` (which holds at least that many) into `dst`.
pub fn peek_into(q: &std::collections::VecDeque<u8>, dst: &mut [u8]) {
    let n = dst.len();
    let (a, b) = q.as_slices();
    let first = n.min(a.len());
    dst[..first].copy_from_slice(&a[..first]);
    dst[first..].copy_from_slice(&b[..n - first]);
}

/// Moves the first `dst.len()` bytes of `q` (which holds at least that many) into `dst`.
pub fn drain_into(q: &mut std::collections::VecDeque<u8>, dst: &mut [u8]) {
    peek_into(q, dst);
    q.drain(..dst.len());
}

/// Joins `path` to the directory `base` (absolute); an absolute `path` stands alone.
pub fn join(base: &str, path: &str) -> String {
    if path.starts_with('/') {
        return path.to_string();
    }
    let mut out = String::with_capacity(base.len() + 1 + path.len());
    out.push_str(base.trim_end_matches('/'));
    out.push('/');
    out.push_str(path);
    out
}

/// A lexically clean form of the absolute `path`: no `.`, no `..`, no doubled slashes. Used
/// only to recognise the sentry's synthetic paths (`/proc/self/exe`, `/dev/null`).
pub fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_and_clean() {
        assert_eq!(join("/a/b/", "c"), "/a/b/c");
        assert_eq!(join("/a", "/etc"), "/etc");
        assert_eq!(join("/", "x"), "/x");
        assert_eq!(clean("/a/./b//../c/"), "/a/c");
        assert_eq!(clean("/../.."), "/");
    }
}
