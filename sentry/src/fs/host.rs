//! The host root, read-only, until the gofer serves it: opens are made by the sentry on host
//! paths, and only for regular files and directories (device nodes, FIFOs and sockets of the
//! host are refused). Writes of any kind give EROFS.

use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;

use super::{FileOps, FileProvider, Statfs};
use crate::errno::Errno;
use crate::mm::MemoryManager;

/// Serves the host's root directory read-only.
pub struct HostRoot;

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

fn host_stat(dirfd: RawFd, path: &CString, flags: i32) -> Result<libc::stat, Errno> {
    // SAFETY: an all-zero stat is valid; fstatat writes one stat to the pointer.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: path is NUL-terminated, st a valid out-pointer.
    host(unsafe { libc::fstatat(dirfd, path.as_ptr(), &mut st, flags) })?;
    Ok(st)
}

impl FileProvider for HostRoot {
    fn open(&self, path: &str, flags: u32, _mode: u32) -> Result<Arc<dyn FileOps>, Errno> {
        let flags = flags as i32;
        let c = cpath(path)?;
        let wants_write = flags & libc::O_ACCMODE != libc::O_RDONLY
            || flags & libc::O_TRUNC != 0
            || flags & libc::O_TMPFILE == libc::O_TMPFILE;
        if flags & libc::O_CREAT != 0 {
            match host_stat(libc::AT_FDCWD, &c, 0) {
                Ok(_) if flags & libc::O_EXCL != 0 => return Err(Errno::EEXIST),
                Ok(_) => {}
                Err(Errno::ENOENT) => return Err(Errno::EROFS),
                Err(e) => return Err(e),
            }
        }
        let pass = libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_PATH;
        let host_flags =
            (flags & pass) | libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NONBLOCK;
        // SAFETY: c is NUL-terminated; open returns a new fd or -1.
        let raw = host(unsafe { libc::open(c.as_ptr(), host_flags) })?;
        // SAFETY: raw is a new fd that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let file = HostFile::new(fd, path);
        if flags & libc::O_PATH == 0 {
            let mode = file.stat()?.st_mode & libc::S_IFMT;
            match mode {
                libc::S_IFREG | libc::S_IFDIR => {}
                libc::S_IFSOCK => return Err(Errno::ENXIO),
                _ => {
                    tracing::debug!("refusing host file {path}: mode {mode:#o}");
                    return Err(Errno::EACCES);
                }
            }
            if mode == libc::S_IFDIR && flags & libc::O_ACCMODE != libc::O_RDONLY {
                return Err(Errno::EISDIR);
            }
        }
        if wants_write {
            return Err(Errno::EROFS);
        }
        // The host fd was opened non-blocking only so that a FIFO could not hang the open.
        // SAFETY: plain fcntl on our own fd.
        unsafe { libc::fcntl(file.fd.as_raw_fd(), libc::F_SETFL, 0) };
        Ok(Arc::new(file))
    }

    fn stat(&self, path: &str, follow: bool) -> Result<libc::stat, Errno> {
        let flags = if follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW };
        host_stat(libc::AT_FDCWD, &cpath(path)?, flags)
    }

    fn readlink(&self, path: &str) -> Result<Vec<u8>, Errno> {
        let c = cpath(path)?;
        let mut buf = vec![0u8; libc::PATH_MAX as usize];
        // SAFETY: buf is writable for its length.
        let n = host(unsafe { libc::readlink(c.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) })?;
        buf.truncate(n as usize);
        Ok(buf)
    }

    fn statfs(&self, path: &str) -> Result<Statfs, Errno> {
        let c = cpath(path)?;
        let mut st = Statfs::default();
        // SAFETY: c is NUL-terminated; Statfs has the layout of the kernel's struct statfs,
        // which glibc's statfs fills (sizes asserted equal).
        host(unsafe { libc::statfs(c.as_ptr(), (&mut st as *mut Statfs).cast()) })?;
        Ok(read_only(st))
    }

    fn getxattr(&self, path: &str, name: &str, follow: bool) -> Result<Vec<u8>, Errno> {
        let (c, n) = (cpath(path)?, cpath(name)?);
        read_sized(|buf, len| {
            // SAFETY: c and n are NUL-terminated; buf is writable for len bytes (or null with 0).
            unsafe {
                if follow {
                    libc::getxattr(c.as_ptr(), n.as_ptr(), buf.cast(), len)
                } else {
                    libc::lgetxattr(c.as_ptr(), n.as_ptr(), buf.cast(), len)
                }
            }
        })
    }

    fn listxattr(&self, path: &str, follow: bool) -> Result<Vec<u8>, Errno> {
        let c = cpath(path)?;
        read_sized(|buf, len| {
            // SAFETY: c is NUL-terminated; buf is writable for len bytes (or null with 0).
            unsafe {
                if follow {
                    libc::listxattr(c.as_ptr(), buf.cast(), len)
                } else {
                    libc::llistxattr(c.as_ptr(), buf.cast(), len)
                }
            }
        })
    }

    fn access(&self, path: &str, mode: i32) -> Result<(), Errno> {
        let c = cpath(path)?;
        // SAFETY: c is NUL-terminated.
        host(unsafe { libc::access(c.as_ptr(), mode & !libc::W_OK) })?;
        if mode & libc::W_OK != 0 {
            return Err(Errno::EROFS);
        }
        Ok(())
    }
}

/// The host file system as the sandbox sees it: mounted read-only.
fn read_only(mut st: Statfs) -> Statfs {
    st.f_flags |= libc::ST_RDONLY as i64;
    st
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
}

impl HostFile {
    pub fn new(fd: OwnedFd, path: &str) -> HostFile {
        HostFile {
            fd,
            path: path.to_string(),
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
        host_stat(self.raw(), &CString::default(), libc::AT_EMPTY_PATH)
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        let mut st = Statfs::default();
        // SAFETY: as in HostRoot::statfs.
        host(unsafe { libc::fstatfs(self.raw(), (&mut st as *mut Statfs).cast()) })?;
        Ok(read_only(st))
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

    fn path(&self) -> &str {
        &self.path
    }
}
