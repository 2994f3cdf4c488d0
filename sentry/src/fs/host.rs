//! Host files the sentry holds an fd for: the sandbox's standard streams, and the files the
//! gofer opened and donated. Reads and writes are host calls on the fd.

use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use super::{FileOps, Statfs};
use crate::errno::Errno;
use crate::mm::MemoryManager;

fn cpath(path: &str) -> Result<CString, Errno> {
    CString::new(path).map_err(|_| Errno::EINVAL)
}

/// Runs a host call returning -1 on error; maps that to the host errno.
fn host<T: PartialEq + From<i8>>(r: T) -> Result<T, Errno> {
    if r == T::from(-1) {
        return Err(Errno::last_host());
    }
    Ok(r)
}

/// Reads a value of unknown size with a host call that answers its size when given none
/// (getxattr, listxattr), retrying if it grew in between.
fn read_sized(mut call: impl FnMut(*mut u8, usize) -> isize) -> Result<Vec<u8>, Errno> {
    loop {
        let size = len_result(call(std::ptr::null_mut(), 0))?;
        let mut buf = vec![0u8; size];
        match len_result(call(buf.as_mut_ptr(), buf.len())) {
            Ok(n) => {
                buf.truncate(n);
                return Ok(buf);
            }
            Err(Errno::ERANGE) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// An open host file: a host fd the sentry owns, read and written on the app's behalf.
pub struct HostFile {
    fd: OwnedFd,
    path: String,
    /// A regular file (seekable, read at offsets), not a terminal or pipe.
    regular: bool,
}

impl HostFile {
    pub fn new(fd: OwnedFd, path: &str) -> HostFile {
        // SAFETY: an all-zero stat is valid; fstat writes one stat to the pointer.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: plain fstat of the fd we now own.
        let ok = unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } == 0;
        HostFile {
            fd,
            path: path.to_string(),
            regular: ok && st.st_mode & libc::S_IFMT == libc::S_IFREG,
        }
    }

    /// A file for one of the sentry's own standard fds (the sandbox's stdin/out/err), duplicated
    /// so the sentry's own use of it stays independent.
    pub fn from_stdio(fd: RawFd) -> Option<(HostFile, u32)> {
        // SAFETY: F_DUPFD_CLOEXEC on a possibly closed fd is harmless; -1 means it is closed.
        let raw = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
        if raw < 0 {
            return None;
        }
        // SAFETY: raw is a new fd that nothing else owns.
        let owned = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: plain fcntl on our own fd.
        let flags = unsafe { libc::fcntl(raw, libc::F_GETFL) };
        let name = ["stdin", "stdout", "stderr"]
            .get(fd as usize)
            .copied()
            .unwrap_or("stdio");
        Some((
            HostFile::new(owned, &format!("host:[{name}]")),
            flags.max(0) as u32,
        ))
    }

    fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

fn len_result(r: isize) -> Result<usize, Errno> {
    if r < 0 {
        return Err(Errno::last_host());
    }
    Ok(r as usize)
}

/// Terminal ioctls passed to a host terminal, with the size of what they copy
/// (the kernel's `struct termios` is 36 bytes, `struct winsize` 8).
const TTY_IOCTLS: &[(u64, usize, bool)] = &[
    // (request, size, copies in)
    (libc::TCGETS, 36, false),
    (libc::TCSETS, 36, true),
    (libc::TCSETSW, 36, true),
    (libc::TCSETSF, 36, true),
    (libc::TIOCGWINSZ, 8, false),
    (libc::FIONREAD, 4, false),
];

impl FileOps for HostFile {
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        // SAFETY: buf is writable for its length.
        len_result(unsafe { libc::read(self.raw(), buf.as_mut_ptr().cast(), buf.len()) })
    }

    fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        // SAFETY: buf is readable for its length.
        len_result(unsafe { libc::write(self.raw(), buf.as_ptr().cast(), buf.len()) })
    }

    fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let off = i64::try_from(offset).map_err(|_| Errno::EINVAL)?;
        // SAFETY: buf is writable for its length.
        len_result(unsafe { libc::pread(self.raw(), buf.as_mut_ptr().cast(), buf.len(), off) })
    }

    fn pwrite(&self, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        let off = i64::try_from(offset).map_err(|_| Errno::EINVAL)?;
        // SAFETY: buf is readable for its length.
        len_result(unsafe { libc::pwrite(self.raw(), buf.as_ptr().cast(), buf.len(), off) })
    }

    fn seek(&self, offset: i64, whence: i32) -> Result<u64, Errno> {
        // SAFETY: plain lseek on our own fd.
        let r = host(unsafe { libc::lseek(self.raw(), offset, whence) })?;
        Ok(r as u64)
    }

    fn stat(&self) -> Result<libc::stat, Errno> {
        // SAFETY: an all-zero stat is valid; fstat writes one stat to the pointer.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: plain fstat of our own fd.
        host(unsafe { libc::fstat(self.raw(), &mut st) })?;
        Ok(st)
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        let mut st = Statfs::default();
        // SAFETY: Statfs has the layout of the kernel's struct statfs, which glibc's fstatfs
        // fills (sizes asserted equal).
        host(unsafe { libc::fstatfs(self.raw(), (&mut st as *mut Statfs).cast()) })?;
        Ok(st)
    }

    fn truncate(&self, size: u64) -> Result<(), Errno> {
        let size = i64::try_from(size).map_err(|_| Errno::EINVAL)?;
        // SAFETY: plain ftruncate of our own fd.
        host(unsafe { libc::ftruncate(self.raw(), size) })?;
        Ok(())
    }

    fn allocate(&self, mode: i32, offset: u64, len: u64) -> Result<(), Errno> {
        // SAFETY: plain fallocate of our own fd.
        host(unsafe { libc::fallocate(self.raw(), mode, offset as i64, len as i64) })?;
        Ok(())
    }

    fn fsync(&self, data_only: bool) -> Result<(), Errno> {
        // SAFETY: plain fsync/fdatasync of our own fd.
        host(unsafe {
            if data_only {
                libc::fdatasync(self.raw())
            } else {
                libc::fsync(self.raw())
            }
        })?;
        Ok(())
    }

    fn getxattr(&self, name: &str) -> Result<Vec<u8>, Errno> {
        let n = cpath(name)?;
        // SAFETY: n is NUL-terminated; buf is writable for len bytes (or null with 0).
        read_sized(|buf, len| unsafe { libc::fgetxattr(self.raw(), n.as_ptr(), buf.cast(), len) })
    }

    fn listxattr(&self) -> Result<Vec<u8>, Errno> {
        // SAFETY: buf is writable for len bytes (or null with 0).
        read_sized(|buf, len| unsafe { libc::flistxattr(self.raw(), buf.cast(), len) })
    }

    fn getdents64(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        // SAFETY: buf is writable for its length; getdents64 writes at most that much.
        let r = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                self.raw(),
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        len_result(r as isize)
    }

    fn ioctl(&self, mm: &MemoryManager, request: u64, arg: u64) -> Result<u64, Errno> {
        let &(_, size, copies_in) = TTY_IOCTLS
            .iter()
            .find(|(r, ..)| *r == request)
            .ok_or(Errno::ENOTTY)?;
        let mut buf = [0u8; 64];
        let buf = &mut buf[..size];
        if copies_in {
            mm.read(arg, buf)?;
        }
        // SAFETY: each listed request copies at most `size` bytes from or to its argument,
        // and buf holds that many.
        host(unsafe { libc::ioctl(self.raw(), request as _, buf.as_mut_ptr()) })?;
        if !copies_in {
            mm.write(arg, buf)?;
        }
        Ok(0)
    }

    fn mappable_fd(&self) -> Option<BorrowedFd<'_>> {
        Some(self.fd.as_fd())
    }

    fn positional_fd(&self) -> Option<BorrowedFd<'_>> {
        self.regular.then(|| self.fd.as_fd())
    }

    fn poll(&self) -> u32 {
        if self.regular {
            return super::poll::ALWAYS_READY;
        }
        let mut p = libc::pollfd {
            fd: self.raw(),
            events: libc::POLLIN | libc::POLLOUT | libc::POLLPRI | libc::POLLRDHUP,
            revents: 0,
        };
        // SAFETY: one pollfd, a zero timeout: only asks the host what is ready now.
        let n = unsafe { libc::poll(&mut p, 1, 0) };
        if n <= 0 {
            return 0;
        }
        p.revents as u16 as u32
    }

    fn path(&self) -> &str {
        &self.path
    }
}

/// A regular file of a read-only mount, opened read-only: one host fd the gofer donated once,
/// shared by every open of the file, each with its own offset (reads are preads). Later opens
/// of the same file cost no gofer round trip.
pub struct SharedHostFile {
    fd: std::sync::Arc<OwnedFd>,
    offset: std::sync::Mutex<u64>,
}

impl SharedHostFile {
    pub fn new(fd: std::sync::Arc<OwnedFd>) -> SharedHostFile {
        SharedHostFile {
            fd,
            offset: std::sync::Mutex::new(0),
        }
    }

    fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    fn offset(&self) -> std::sync::MutexGuard<'_, u64> {
        self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl FileOps for SharedHostFile {
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut off = self.offset();
        let n = self.pread(buf, *off)?;
        *off += n as u64;
        Ok(n)
    }

    fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let off = i64::try_from(offset).map_err(|_| Errno::EINVAL)?;
        // SAFETY: buf is writable for its length.
        len_result(unsafe { libc::pread(self.raw(), buf.as_mut_ptr().cast(), buf.len(), off) })
    }

    fn write(&self, _buf: &[u8]) -> Result<usize, Errno> {
        Err(Errno::EBADF)
    }

    fn seek(&self, offset: i64, whence: i32) -> Result<u64, Errno> {
        let mut off = self.offset();
        let new = match whence {
            libc::SEEK_SET => Some(offset),
            libc::SEEK_CUR => (*off as i64).checked_add(offset),
            libc::SEEK_END => self.stat()?.st_size.checked_add(offset),
            libc::SEEK_DATA | libc::SEEK_HOLE => {
                // SAFETY: lseek on our fd; only its answer is used (reads are preads).
                let r = unsafe { libc::lseek(self.raw(), offset, whence) };
                if r < 0 {
                    return Err(Errno::last_host());
                }
                Some(r)
            }
            _ => return Err(Errno::EINVAL),
        };
        let new = new.filter(|&n| n >= 0).ok_or(Errno::EINVAL)?;
        *off = new as u64;
        Ok(new as u64)
    }

    fn stat(&self) -> Result<libc::stat, Errno> {
        // SAFETY: an all-zero stat is valid; fstat writes one stat to the pointer.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: plain fstat of our own fd.
        host(unsafe { libc::fstat(self.raw(), &mut st) })?;
        Ok(st)
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        let mut st = Statfs::default();
        // SAFETY: as in HostFile::statfs.
        host(unsafe { libc::fstatfs(self.raw(), (&mut st as *mut Statfs).cast()) })?;
        Ok(st)
    }

    fn fsync(&self, _data_only: bool) -> Result<(), Errno> {
        Ok(())
    }

    fn mappable_fd(&self) -> Option<BorrowedFd<'_>> {
        Some(self.fd.as_fd())
    }

    fn cache_identity(&self) -> Option<(u64, u64)> {
        // A file of a read-only lower layer: it never changes while the sandbox runs.
        self.stat().ok().map(|st| (st.st_dev, st.st_ino))
    }

    fn positional_fd(&self) -> Option<BorrowedFd<'_>> {
        Some(self.fd.as_fd())
    }

    fn path(&self) -> &str {
        "gofer"
    }
}
