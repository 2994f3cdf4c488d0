//! The host system calls the server makes, as small safe functions returning errnos.
//!
//! Every path argument here is a single, already validated component relative to a directory
//! descriptor, or empty with `AT_EMPTY_PATH` on an `O_PATH` descriptor: nothing resolves a path
//! from the current directory or the process root.

use std::ffi::CStr;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use crate::{Errno, Stat, StatFs, Timespec};

pub(crate) type SysResult<T> = Result<T, Errno>;

/// The empty path, for `AT_EMPTY_PATH`.
const EMPTY: &CStr = c"";

/// `XATTR_SIZE_MAX` and `XATTR_LIST_MAX`: the largest value and name list Linux keeps.
pub(crate) const XATTR_MAX: usize = 65536;

/// `PATH_MAX`: no symlink target is this long.
pub(crate) const PATH_MAX: usize = 4096;

fn last_errno() -> Errno {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

fn check(rc: libc::c_int) -> SysResult<()> {
    if rc < 0 {
        Err(last_errno())
    } else {
        Ok(())
    }
}

fn check_len(rc: isize) -> SysResult<usize> {
    usize::try_from(rc).map_err(|_| last_errno())
}

/// Wraps a descriptor a system call just returned (or its error).
fn owned_fd(rc: libc::c_long) -> SysResult<OwnedFd> {
    if rc < 0 {
        return Err(last_errno());
    }
    let raw = RawFd::try_from(rc).map_err(|_| libc::EIO)?;
    // SAFETY: the call succeeded, so `raw` is a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

/// `open(path, flags)` for the roots, before confinement (the only path lookup from the
/// process's current directory or root).
pub(crate) fn open_root(path: &CStr, flags: libc::c_int) -> SysResult<OwnedFd> {
    // SAFETY: `path` is a valid NUL-terminated string.
    let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) };
    owned_fd(fd.into())
}

/// `struct open_how` of openat2(2) (libc's is non-exhaustive).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

/// Walks one component below `dir` as an `O_PATH` descriptor: `openat2` with
/// `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS` and `O_NOFOLLOW`, so a
/// trailing symlink is returned as itself and nothing can resolve outside `dir`.
pub(crate) fn openat2_beneath(dir: BorrowedFd<'_>, name: &CStr) -> SysResult<OwnedFd> {
    let how = OpenHow {
        flags: u64::try_from(libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC).expect("positive"),
        mode: 0,
        resolve: libc::RESOLVE_BENEATH | libc::RESOLVE_NO_SYMLINKS | libc::RESOLVE_NO_MAGICLINKS,
    };
    // SAFETY: `name` is NUL-terminated and `how` is a valid open_how of the size passed.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir.as_raw_fd(),
            name.as_ptr(),
            std::ptr::addr_of!(how),
            std::mem::size_of::<OpenHow>(),
        )
    };
    owned_fd(fd)
}

/// `openat(dir, name, flags, mode)`; callers pass `O_NOFOLLOW`.
pub(crate) fn openat(
    dir: BorrowedFd<'_>,
    name: &CStr,
    flags: libc::c_int,
    mode: u32,
) -> SysResult<OwnedFd> {
    // SAFETY: `name` is NUL-terminated; openat does not retain it.
    let fd = unsafe {
        libc::openat(
            dir.as_raw_fd(),
            name.as_ptr(),
            flags | libc::O_CLOEXEC,
            mode,
        )
    };
    owned_fd(fd.into())
}

/// `fstatat(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)`: works on `O_PATH` descriptors.
pub(crate) fn fstat(fd: BorrowedFd<'_>) -> SysResult<libc::stat> {
    fstatat(fd, EMPTY, libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW)
}

/// `fstatat(dir, name, AT_SYMLINK_NOFOLLOW)`.
pub(crate) fn lstatat(dir: BorrowedFd<'_>, name: &CStr) -> SysResult<libc::stat> {
    fstatat(dir, name, libc::AT_SYMLINK_NOFOLLOW)
}

fn fstatat(dir: BorrowedFd<'_>, name: &CStr, flags: libc::c_int) -> SysResult<libc::stat> {
    let mut st = MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `name` is NUL-terminated and `st` is valid for writing one stat.
    check(unsafe { libc::fstatat(dir.as_raw_fd(), name.as_ptr(), st.as_mut_ptr(), flags) })?;
    // SAFETY: fstatat succeeded, so it filled `st`.
    Ok(unsafe { st.assume_init() })
}

pub(crate) fn mkdirat(dir: BorrowedFd<'_>, name: &CStr, mode: u32) -> SysResult<()> {
    // SAFETY: `name` is NUL-terminated.
    check(unsafe { libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), mode) })
}

pub(crate) fn mknodat(dir: BorrowedFd<'_>, name: &CStr, mode: u32) -> SysResult<()> {
    // SAFETY: `name` is NUL-terminated.
    check(unsafe { libc::mknodat(dir.as_raw_fd(), name.as_ptr(), mode, 0) })
}

pub(crate) fn symlinkat(target: &CStr, dir: BorrowedFd<'_>, name: &CStr) -> SysResult<()> {
    // SAFETY: both strings are NUL-terminated.
    check(unsafe { libc::symlinkat(target.as_ptr(), dir.as_raw_fd(), name.as_ptr()) })
}

/// `linkat` without `AT_SYMLINK_FOLLOW`: a symlink is linked as itself.
pub(crate) fn linkat(
    old_dir: BorrowedFd<'_>,
    old_name: &CStr,
    new_dir: BorrowedFd<'_>,
    new_name: &CStr,
    flags: libc::c_int,
) -> SysResult<()> {
    // SAFETY: both names are NUL-terminated.
    check(unsafe {
        libc::linkat(
            old_dir.as_raw_fd(),
            old_name.as_ptr(),
            new_dir.as_raw_fd(),
            new_name.as_ptr(),
            flags,
        )
    })
}

/// `linkat(fd, "", dir, name, AT_EMPTY_PATH)`: links exactly the file `fd` refers to (needs
/// `CAP_DAC_READ_SEARCH`; `ENOENT` without it).
pub(crate) fn link_fd(fd: BorrowedFd<'_>, dir: BorrowedFd<'_>, name: &CStr) -> SysResult<()> {
    linkat(fd, EMPTY, dir, name, libc::AT_EMPTY_PATH)
}

pub(crate) fn unlinkat(dir: BorrowedFd<'_>, name: &CStr, flags: libc::c_int) -> SysResult<()> {
    // SAFETY: `name` is NUL-terminated.
    check(unsafe { libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), flags) })
}

pub(crate) fn renameat2(
    old_dir: BorrowedFd<'_>,
    old_name: &CStr,
    new_dir: BorrowedFd<'_>,
    new_name: &CStr,
    flags: u32,
) -> SysResult<()> {
    // The raw call: glibc's renameat2 turns flags 0 into renameat, outside the seccomp list.
    // SAFETY: both names are NUL-terminated.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            old_dir.as_raw_fd(),
            old_name.as_ptr(),
            new_dir.as_raw_fd(),
            new_name.as_ptr(),
            flags,
        )
    };
    if rc < 0 {
        return Err(last_errno());
    }
    Ok(())
}

/// The target of the symlink `fd` (an `O_PATH` descriptor of it).
pub(crate) fn readlink_fd(fd: BorrowedFd<'_>) -> SysResult<Vec<u8>> {
    let mut buf = vec![0u8; PATH_MAX];
    // SAFETY: `buf` is valid for writing buf.len() bytes.
    let n = unsafe {
        libc::readlinkat(
            fd.as_raw_fd(),
            EMPTY.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    let n = check_len(n)?;
    if n >= buf.len() {
        return Err(libc::ENAMETOOLONG);
    }
    buf.truncate(n);
    Ok(buf)
}

/// `fchmodat2(fd, "", mode, AT_EMPTY_PATH)`: changes exactly the file `fd` (an `O_PATH`
/// descriptor) refers to. `ENOSYS` before Linux 6.6.
pub(crate) fn chmod_fd(fd: BorrowedFd<'_>, mode: u32) -> SysResult<()> {
    // SAFETY: the path is the NUL-terminated empty string.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_fchmodat2,
            fd.as_raw_fd(),
            EMPTY.as_ptr(),
            mode,
            libc::AT_EMPTY_PATH,
        )
    };
    if rc < 0 {
        return Err(last_errno());
    }
    Ok(())
}

/// `fchmod` on an open (not `O_PATH`) descriptor.
pub(crate) fn fchmod(fd: BorrowedFd<'_>, mode: u32) -> SysResult<()> {
    // SAFETY: plain system call on a descriptor.
    check(unsafe { libc::fchmod(fd.as_raw_fd(), mode) })
}

/// `fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)`; `None` leaves the id.
pub(crate) fn chown_fd(fd: BorrowedFd<'_>, uid: Option<u32>, gid: Option<u32>) -> SysResult<()> {
    let uid = uid.unwrap_or(u32::MAX);
    let gid = gid.unwrap_or(u32::MAX);
    // SAFETY: the path is the NUL-terminated empty string.
    check(unsafe {
        libc::fchownat(
            fd.as_raw_fd(),
            EMPTY.as_ptr(),
            uid,
            gid,
            libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW,
        )
    })
}

/// `utimensat(fd, "", times, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)` (Linux 5.8+).
pub(crate) fn utimens_fd(fd: BorrowedFd<'_>, atime: Timespec, mtime: Timespec) -> SysResult<()> {
    let times = [
        libc::timespec {
            tv_sec: atime.sec,
            tv_nsec: atime.nsec,
        },
        libc::timespec {
            tv_sec: mtime.sec,
            tv_nsec: mtime.nsec,
        },
    ];
    // SAFETY: the path is NUL-terminated and `times` holds the two timespecs utimensat reads.
    check(unsafe {
        libc::utimensat(
            fd.as_raw_fd(),
            EMPTY.as_ptr(),
            times.as_ptr(),
            libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW,
        )
    })
}

pub(crate) fn ftruncate(fd: BorrowedFd<'_>, len: i64) -> SysResult<()> {
    // SAFETY: plain system call on a descriptor.
    check(unsafe { libc::ftruncate(fd.as_raw_fd(), len) })
}

/// `fstatfs` (works on `O_PATH` descriptors).
pub(crate) fn fstatfs(fd: BorrowedFd<'_>) -> SysResult<StatFs> {
    // statfs64: glibc's statfs lacks f_flags.
    let mut st = MaybeUninit::<libc::statfs64>::uninit();
    // SAFETY: `st` is valid for writing one statfs64.
    check(unsafe { libc::fstatfs64(fd.as_raw_fd(), st.as_mut_ptr()) })?;
    // SAFETY: fstatfs succeeded, so it filled `st`.
    let st = unsafe { st.assume_init() };
    // SAFETY: fsid_t is a repr(C) struct of exactly two c_ints whose field is private.
    let fsid = unsafe { std::mem::transmute::<libc::fsid_t, [i32; 2]>(st.f_fsid) };
    Ok(StatFs {
        fs_type: st.f_type,
        bsize: st.f_bsize,
        blocks: st.f_blocks,
        bfree: st.f_bfree,
        bavail: st.f_bavail,
        files: st.f_files,
        ffree: st.f_ffree,
        fsid,
        namelen: st.f_namelen,
        frsize: st.f_frsize,
        flags: st.f_flags,
    })
}

/// `fgetxattr` on an open descriptor, into a buffer large enough for any value.
pub(crate) fn fgetxattr(fd: BorrowedFd<'_>, name: &CStr) -> SysResult<Vec<u8>> {
    let mut buf = vec![0u8; XATTR_MAX];
    // SAFETY: `name` is NUL-terminated and `buf` is valid for writing buf.len() bytes.
    let n = unsafe {
        libc::fgetxattr(
            fd.as_raw_fd(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    buf.truncate(check_len(n)?);
    Ok(buf)
}

/// `flistxattr` on an open descriptor: NUL-terminated names.
pub(crate) fn flistxattr(fd: BorrowedFd<'_>) -> SysResult<Vec<u8>> {
    let mut buf = vec![0u8; XATTR_MAX];
    // SAFETY: `buf` is valid for writing buf.len() bytes.
    let n = unsafe { libc::flistxattr(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    buf.truncate(check_len(n)?);
    Ok(buf)
}

/// `getdents64` into `buf`; 0 at the end of the directory.
pub(crate) fn getdents64(fd: BorrowedFd<'_>, buf: &mut [u8]) -> SysResult<usize> {
    // SAFETY: `buf` is valid for writing buf.len() bytes.
    let n = unsafe {
        libc::syscall(
            libc::SYS_getdents64,
            fd.as_raw_fd(),
            buf.as_mut_ptr(),
            buf.len(),
        )
    };
    usize::try_from(n).map_err(|_| last_errno())
}

/// `lseek(fd, offset, SEEK_SET)`: for a directory, `offset` is a `d_off` cookie.
pub(crate) fn seek_dir(fd: BorrowedFd<'_>, offset: i64) -> SysResult<()> {
    // SAFETY: plain system call on a descriptor.
    let rc = unsafe { libc::lseek(fd.as_raw_fd(), offset, libc::SEEK_SET) };
    if rc < 0 {
        return Err(last_errno());
    }
    Ok(())
}

/// Clears `O_NONBLOCK` on an open file description.
pub(crate) fn clear_nonblock(fd: BorrowedFd<'_>) -> SysResult<()> {
    // SAFETY: F_GETFL takes no argument.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    check(flags)?;
    // SAFETY: F_SETFL takes an int.
    check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK) })
}

/// Clears the umask: the sentry sends modes with the container's umask already applied.
pub(crate) fn clear_umask() {
    // SAFETY: umask cannot fail.
    unsafe { libc::umask(0) };
}

/// Whether the process runs as (namespace) root.
pub(crate) fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Converts a host `stat`.
pub(crate) fn stat_from(st: &libc::stat) -> Stat {
    Stat {
        dev: st.st_dev,
        ino: st.st_ino,
        mode: st.st_mode,
        nlink: st.st_nlink,
        uid: st.st_uid,
        gid: st.st_gid,
        rdev: st.st_rdev,
        size: st.st_size,
        blksize: st.st_blksize,
        blocks: st.st_blocks,
        atime: Timespec {
            sec: st.st_atime,
            nsec: st.st_atime_nsec,
        },
        mtime: Timespec {
            sec: st.st_mtime,
            nsec: st.st_mtime_nsec,
        },
        ctime: Timespec {
            sec: st.st_ctime,
            nsec: st.st_ctime_nsec,
        },
    }
}

/// One record of a `getdents64` buffer.
pub(crate) struct RawDirent<'a> {
    pub(crate) ino: u64,
    /// The cookie to seek to to continue after this entry.
    pub(crate) off: i64,
    pub(crate) kind: u8,
    pub(crate) name: &'a [u8],
}

/// Parses the `struct linux_dirent64` records `getdents64` wrote to `buf`; stops at the first
/// malformed record.
pub(crate) fn parse_dirents(buf: &[u8]) -> Vec<RawDirent<'_>> {
    // d_ino u64 @0, d_off i64 @8, d_reclen u16 @16, d_type u8 @18, d_name @19 (NUL-terminated).
    const NAME: usize = 19;
    let mut out = Vec::new();
    let mut rest = buf;
    while rest.len() >= NAME {
        let reclen = usize::from(u16::from_ne_bytes([rest[16], rest[17]]));
        if reclen < NAME || reclen > rest.len() {
            break;
        }
        let rec = &rest[..reclen];
        let name = &rec[NAME..];
        let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
        out.push(RawDirent {
            ino: u64::from_ne_bytes(rec[0..8].try_into().expect("8 bytes")),
            off: i64::from_ne_bytes(rec[8..16].try_into().expect("8 bytes")),
            kind: rec[18],
            name,
        });
        rest = &rest[reclen..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(ino: u64, off: i64, kind: u8, name: &[u8]) -> Vec<u8> {
        let reclen = (19 + name.len() + 1).next_multiple_of(8);
        let mut rec = Vec::new();
        rec.extend_from_slice(&ino.to_ne_bytes());
        rec.extend_from_slice(&off.to_ne_bytes());
        rec.extend_from_slice(&u16::try_from(reclen).unwrap().to_ne_bytes());
        rec.push(kind);
        rec.extend_from_slice(name);
        rec.resize(reclen, 0);
        rec
    }

    #[test]
    fn dirents_parse_and_stop_at_garbage() {
        let mut buf = record(1, 10, libc::DT_DIR, b".");
        buf.extend(record(2, 20, libc::DT_REG, b"file-with-long-name"));
        let all = parse_dirents(&buf);
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].name, b"file-with-long-name");
        assert_eq!((all[1].ino, all[1].off, all[1].kind), (2, 20, libc::DT_REG));
        for cut in 0..buf.len() {
            assert!(parse_dirents(&buf[..cut]).len() <= 2);
        }
        let mut bad = buf.clone();
        bad[16] = 3;
        bad[17] = 0;
        assert!(parse_dirents(&bad).is_empty());
    }
}
