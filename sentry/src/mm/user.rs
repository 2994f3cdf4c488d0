//! Typed copies in and out of app memory.

use super::MemoryManager;
use crate::errno::Errno;

/// Plain old data: every byte pattern is a valid value, so it can be copied from app memory.
///
/// # Safety
/// Implement only for `Copy` types made of integers (and arrays/structs of them). Values
/// copied *out* must be built from `std::mem::zeroed()` when they have padding, so no sentry
/// stack bytes leak to the app.
pub unsafe trait Pod: Copy + 'static {}

macro_rules! pod {
    ($($t:ty),* $(,)?) => { $(
        // SAFETY: an integer type or a libc struct made only of integers and arrays of them.
        unsafe impl Pod for $t {}
    )* };
}
pod!(
    u8,
    u16,
    u32,
    u64,
    i32,
    i64,
    usize,
    libc::timespec,
    libc::timeval,
    libc::stat,
    libc::statx,
    libc::utsname,
    libc::rlimit,
    libc::winsize,
    libc::termios2,
    libc::iovec,
    libc::tms,
    libc::rusage,
    libc::sysinfo,
);
// SAFETY: arrays of Pod are Pod.
unsafe impl<T: Pod, const N: usize> Pod for [T; N] {}

/// The bytes of a Pod value.
fn bytes_of<T: Pod>(v: &T) -> &[u8] {
    // SAFETY: T is Pod (no invalid bit patterns, no pointers); the slice covers exactly the
    // value and borrows it.
    unsafe { std::slice::from_raw_parts((v as *const T).cast::<u8>(), std::mem::size_of::<T>()) }
}

/// A Pod value from exactly `size_of::<T>()` bytes.
fn from_bytes<T: Pod>(b: &[u8]) -> T {
    assert_eq!(b.len(), std::mem::size_of::<T>());
    // SAFETY: T is Pod, so any bytes are a valid T; read_unaligned copes with the alignment.
    unsafe { std::ptr::read_unaligned(b.as_ptr().cast::<T>()) }
}

/// A NUL-terminated string read from app memory, without its NUL.
pub type UserCStr = Vec<u8>;

impl MemoryManager {
    /// Copies a `T` in from `addr`.
    pub fn read_val<T: Pod>(&self, addr: u64) -> Result<T, Errno> {
        let mut buf = vec![0u8; std::mem::size_of::<T>()];
        self.read(addr, &mut buf)?;
        Ok(from_bytes(&buf))
    }

    /// Copies `v` out to `addr`.
    pub fn write_val<T: Pod>(&self, addr: u64, v: &T) -> Result<(), Errno> {
        self.write(addr, bytes_of(v))
    }

    /// Copies `n` values of `T` in from `addr`.
    pub fn read_vals<T: Pod>(&self, addr: u64, n: usize) -> Result<Vec<T>, Errno> {
        let size = std::mem::size_of::<T>();
        let total = n.checked_mul(size).ok_or(Errno::EFAULT)?;
        let mut buf = vec![0u8; total];
        self.read(addr, &mut buf)?;
        Ok(buf.chunks_exact(size).map(from_bytes).collect())
    }

    /// Reads a NUL-terminated string of at most `max` bytes (NUL included, as PATH_MAX
    /// counts it); ENAMETOOLONG if longer, EFAULT if it runs into unmapped memory.
    pub fn read_cstr(&self, addr: u64, max: usize) -> Result<UserCStr, Errno> {
        let mut out = Vec::new();
        let mut cur = addr;
        loop {
            // Read up to the end of the page, so we never fault on a page past the NUL.
            let chunk = (platform::PAGE_SIZE - cur % platform::PAGE_SIZE) as usize;
            let got = self.read_partial(cur, chunk);
            if let Some(nul) = got.iter().position(|&b| b == 0) {
                out.extend_from_slice(&got[..nul]);
                if out.len() >= max {
                    return Err(Errno::ENAMETOOLONG);
                }
                return Ok(out);
            }
            if got.len() < chunk {
                return Err(Errno::EFAULT);
            }
            out.extend_from_slice(&got);
            if out.len() >= max {
                return Err(Errno::ENAMETOOLONG);
            }
            cur = cur.checked_add(chunk as u64).ok_or(Errno::EFAULT)?;
        }
    }
}
