//! The sentry's own device files: null, zero, full, random, urandom.

use super::{FileOps, Statfs};
use crate::errno::Errno;

/// A character device served by the sentry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Null,
    Zero,
    Full,
    Random,
    URandom,
}

impl Device {
    /// Every device, with its name under /dev.
    pub const ALL: [(&'static str, Device); 5] = [
        ("null", Device::Null),
        ("zero", Device::Zero),
        ("full", Device::Full),
        ("random", Device::Random),
        ("urandom", Device::URandom),
    ];

    /// (major, minor), as Linux numbers the memory devices.
    pub fn rdev(self) -> (u32, u32) {
        match self {
            Device::Null => (1, 3),
            Device::Zero => (1, 5),
            Device::Full => (1, 7),
            Device::Random => (1, 8),
            Device::URandom => (1, 9),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Device::Null => "/dev/null",
            Device::Zero => "/dev/zero",
            Device::Full => "/dev/full",
            Device::Random => "/dev/random",
            Device::URandom => "/dev/urandom",
        }
    }

    /// A stat of the device node, as on a Linux host: mode 0666, owned by root.
    pub fn stat(self) -> libc::stat {
        // SAFETY: an all-zero stat is a valid value.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        let (major, minor) = self.rdev();
        st.st_mode = libc::S_IFCHR | 0o666;
        st.st_rdev = libc::makedev(major, minor);
        st.st_nlink = 1;
        st.st_blksize = 4096;
        st.st_dev = libc::makedev(0, 5);
        st.st_ino = u64::from(minor) + 1;
        st
    }
}

/// Fills `buf` with random bytes from the host's generator.
pub fn fill_random(buf: &mut [u8]) -> Result<(), Errno> {
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: rest is writable for its length.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n < 0 {
            let e = Errno::last_host();
            if e == Errno::EINTR {
                continue;
            }
            return Err(e);
        }
        done += n as usize;
    }
    Ok(())
}

/// The magic number of tmpfs, which /dev is on Linux (devtmpfs reports it).
const TMPFS_MAGIC: i64 = 0x0102_1994;

impl FileOps for Device {
    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(Statfs {
            f_type: TMPFS_MAGIC,
            f_bsize: 4096,
            f_namelen: 255,
            f_frsize: 4096,
            f_flags: (libc::ST_NOSUID | libc::ST_NOEXEC) as i64,
            ..Statfs::default()
        })
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        match self {
            Device::Null => Ok(0),
            Device::Zero | Device::Full => {
                buf.fill(0);
                Ok(buf.len())
            }
            Device::Random | Device::URandom => {
                fill_random(buf)?;
                Ok(buf.len())
            }
        }
    }

    fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        match self {
            Device::Full => Err(Errno::ENOSPC),
            _ => Ok(buf.len()),
        }
    }

    fn pread(&self, buf: &mut [u8], _offset: u64) -> Result<usize, Errno> {
        self.read(buf)
    }

    fn pwrite(&self, buf: &[u8], _offset: u64) -> Result<usize, Errno> {
        self.write(buf)
    }

    fn seek(&self, _offset: i64, _whence: i32) -> Result<u64, Errno> {
        // Character devices like these accept any seek and stay at 0.
        Ok(0)
    }

    fn stat(&self) -> Result<libc::stat, Errno> {
        Ok(Device::stat(*self))
    }

    fn path(&self) -> &str {
        self.name()
    }
}
