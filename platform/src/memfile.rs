//! The memory file: one memfd that backs all app memory.
//!
//! It is mapped once, whole, into the sentry, and piecewise into each stub at the app's
//! addresses, so the sentry reads and writes app memory with plain copies. Allocation hands
//! out page-aligned ranges of the file; freeing punches a hole, which returns the pages to the
//! host and guarantees that the next allocation of the range reads as zeros.

use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Mutex;

use crate::PAGE_SIZE;

/// Errors of the memory file.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    #[error("creating the memory file: {0}")]
    Create(std::io::Error),
    #[error("the memory file is full ({0} bytes asked)")]
    Full(u64),
    #[error("range {offset:#x}+{len:#x} lies outside the memory file")]
    OutOfRange { offset: u64, len: u64 },
}

/// The memory file. Shared by every task of a sandbox.
pub struct MemoryFile {
    fd: OwnedFd,
    /// The sentry's mapping of the whole file.
    base: *mut u8,
    size: u64,
    alloc: Mutex<Allocator>,
}

// SAFETY: `base` points at a MAP_SHARED mapping that lives as long as the MemoryFile and is only
// accessed through the copying methods below, which take no references into it that outlive
// the call; concurrent copies of the same bytes are the app's own data race, as on Linux.
unsafe impl Send for MemoryFile {}
// SAFETY: as for Send; the allocator is behind a Mutex.
unsafe impl Sync for MemoryFile {}

impl MemoryFile {
    /// Creates a sparse memory file of `size` bytes (only touched pages use memory).
    pub fn new(size: u64) -> Result<MemoryFile, MemoryError> {
        let err = || MemoryError::Create(std::io::Error::last_os_error());
        // SAFETY: the name is a valid NUL-terminated string; memfd_create returns a new fd or -1.
        let raw = unsafe { libc::memfd_create(c"blinders-memory".as_ptr(), libc::MFD_CLOEXEC) };
        if raw < 0 {
            return Err(err());
        }
        // SAFETY: raw is a freshly created fd that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let len = libc::off_t::try_from(size).map_err(|_| MemoryError::Full(size))?;
        // SAFETY: plain syscall on an fd we own.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), len) } != 0 {
            return Err(err());
        }
        let map_len = usize::try_from(size).map_err(|_| MemoryError::Full(size))?;
        // SAFETY: a new shared mapping of our own file at an address the kernel chooses; it
        // aliases nothing in this process.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_NORESERVE,
                fd.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(err());
        }
        Ok(MemoryFile {
            fd,
            base: base.cast(),
            size,
            alloc: Mutex::new(Allocator::default()),
        })
    }

    /// The file descriptor, for mapping into stubs.
    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Allocates `len` bytes (rounded up to pages) of zeroed memory; returns the offset.
    pub fn allocate(&self, len: u64) -> Result<u64, MemoryError> {
        let len = round_up(len);
        let mut alloc = self.alloc.lock().unwrap_or_else(|e| e.into_inner());
        let offset = alloc
            .allocate(len, self.size)
            .ok_or(MemoryError::Full(len))?;
        Ok(offset)
    }

    /// Returns `[offset, offset + len)` to the allocator and its pages to the host.
    pub fn free(&self, offset: u64, len: u64) {
        let len = round_up(len);
        // Fresh allocations must read as zeros: the range is decommitted before it is reused.
        if len == 0 || self.decommit(offset, len).is_err() {
            return;
        }
        let mut alloc = self.alloc.lock().unwrap_or_else(|e| e.into_inner());
        alloc.free(offset, len);
    }

    /// Backs every page of `[offset, offset + len)` with memory now (mlock's population):
    /// holes get zeroed pages, data stays.
    pub fn populate(&self, offset: u64, len: u64) -> Result<(), MemoryError> {
        self.check(offset, len)?;
        /// MADV_POPULATE_WRITE (Linux 5.14): fault the range in writable, as a write would.
        /// (fallocate would allocate pages too, but shmem counts those as holes until
        /// written, so they would not look resident.)
        const MADV_POPULATE_WRITE: i32 = 23;
        // SAFETY: the range lies inside our own mapping of the file (checked); populating
        // changes no byte of it.
        let r = unsafe {
            libc::madvise(
                self.base.add(offset as usize).cast(),
                len as usize,
                MADV_POPULATE_WRITE,
            )
        };
        if r != 0 {
            return Err(MemoryError::Full(len));
        }
        Ok(())
    }

    /// Gives the pages of `[offset, offset + len)` back to the host; they read as zeros after
    /// (MADV_DONTNEED). The range stays allocated.
    pub fn decommit(&self, offset: u64, len: u64) -> Result<(), MemoryError> {
        self.check(offset, len)?;
        // SAFETY: punching a hole in our own file, inside its bounds (checked).
        let punched = unsafe {
            libc::fallocate(
                self.fd.as_raw_fd(),
                libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
                offset as libc::off_t,
                len as libc::off_t,
            )
        } == 0;
        if !punched {
            self.zero(offset, len)?;
        }
        Ok(())
    }

    /// Bytes in use (allocated and not freed), rounded to pages.
    pub fn allocated(&self) -> u64 {
        self.alloc.lock().unwrap_or_else(|e| e.into_inner()).in_use
    }

    fn check(&self, offset: u64, len: u64) -> Result<usize, MemoryError> {
        match offset.checked_add(len) {
            Some(end) if end <= self.size => Ok(offset as usize),
            _ => Err(MemoryError::OutOfRange { offset, len }),
        }
    }

    /// Copies `buf.len()` bytes at `offset` into `buf`.
    pub fn read(&self, offset: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        let off = self.check(offset, buf.len() as u64)?;
        // SAFETY: [off, off + len) lies inside our mapping (checked); buf is a distinct
        // sentry buffer, so the ranges do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(self.base.add(off), buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }

    /// Copies `buf` to `offset`.
    pub fn write(&self, offset: u64, buf: &[u8]) -> Result<(), MemoryError> {
        let off = self.check(offset, buf.len() as u64)?;
        // SAFETY: as in `read`, with the copy reversed.
        unsafe { std::ptr::copy_nonoverlapping(buf.as_ptr(), self.base.add(off), buf.len()) };
        Ok(())
    }

    /// Writes `len` zero bytes at `offset`.
    pub fn zero(&self, offset: u64, len: u64) -> Result<(), MemoryError> {
        let off = self.check(offset, len)?;
        // SAFETY: the range lies inside our mapping (checked).
        unsafe { std::ptr::write_bytes(self.base.add(off), 0, len as usize) };
        Ok(())
    }

    /// Copies `len` bytes from offset `src` to offset `dst` (the ranges may overlap).
    pub fn copy(&self, src: u64, dst: u64, len: u64) -> Result<(), MemoryError> {
        let s = self.check(src, len)?;
        let d = self.check(dst, len)?;
        // SAFETY: both ranges lie inside our mapping (checked); `copy` allows overlap.
        unsafe { std::ptr::copy(self.base.add(s), self.base.add(d), len as usize) };
        Ok(())
    }

    /// Atomically replaces the aligned 32-bit word at `offset` with `f(old)` (when `f` returns
    /// `Some`), as the app's other threads see memory; returns the old value. For futexes.
    pub fn update_u32(
        &self,
        offset: u64,
        f: impl Fn(u32) -> Option<u32>,
    ) -> Result<u32, MemoryError> {
        let off = self.check(offset, 4)?;
        if off % 4 != 0 {
            return Err(MemoryError::OutOfRange { offset, len: 4 });
        }
        // SAFETY: the word lies inside our mapping (checked) and is 4-aligned; AtomicU32 has
        // the layout of u32, and every access the sentry makes to this word is atomic.
        let word = unsafe { &*(self.base.add(off) as *const std::sync::atomic::AtomicU32) };
        let order = std::sync::atomic::Ordering::SeqCst;
        Ok(match word.fetch_update(order, order, f) {
            Ok(old) | Err(old) => old,
        })
    }

    /// The extents of `[offset, offset + len)` that hold pages (were ever written), as
    /// (start, end), or `None` once they add up to more than `limit` bytes.
    pub fn populated_extents(
        &self,
        offset: u64,
        len: u64,
        limit: u64,
    ) -> Result<Option<Vec<(u64, u64)>>, MemoryError> {
        self.check(offset, len)?;
        let end = offset + len;
        let (mut at, mut total, mut out) = (offset, 0u64, Vec::new());
        while at < end {
            // SAFETY: lseek on our own fd; SEEK_DATA/SEEK_HOLE only report extents.
            let data =
                unsafe { libc::lseek(self.fd.as_raw_fd(), at as libc::off_t, libc::SEEK_DATA) };
            if data < 0 || data as u64 >= end {
                // ENXIO: no data after `at`.
                break;
            }
            // SAFETY: as above.
            let hole = unsafe { libc::lseek(self.fd.as_raw_fd(), data, libc::SEEK_HOLE) };
            let data = data as u64;
            let hole = if hole < 0 {
                end
            } else {
                (hole as u64).min(end)
            };
            total += hole - data;
            if total > limit {
                return Ok(None);
            }
            out.push((data, hole));
            at = hole;
        }
        Ok(Some(out))
    }

    /// Copies `len` bytes from offset `src` to the freshly allocated (all-zero) range at
    /// `dst`, skipping holes: only pages that were ever written cost a copy and memory. This
    /// is what makes fork of a process with an 8 MiB stack cheap.
    pub fn copy_populated(&self, src: u64, dst: u64, len: u64) -> Result<(), MemoryError> {
        let extents = self
            .populated_extents(src, len, u64::MAX)?
            .unwrap_or_default();
        self.copy_extents(src, dst, len, &extents)
    }

    /// Copies the `extents` (from [`MemoryFile::populated_extents`]) of the `len` bytes at
    /// `src` to the same places of the range at `dst`.
    pub fn copy_extents(
        &self,
        src: u64,
        dst: u64,
        len: u64,
        extents: &[(u64, u64)],
    ) -> Result<(), MemoryError> {
        self.check(dst, len)?;
        for &(data, hole) in extents {
            self.copy(data, dst + (data - src), hole - data)?;
        }
        Ok(())
    }

    /// Fills `[offset, offset + len)` from `fd` at `file_offset` with `pread`, straight into the
    /// memory file. Returns the bytes read: fewer than `len` at the end of the file.
    pub fn read_from_fd(
        &self,
        fd: BorrowedFd<'_>,
        file_offset: u64,
        offset: u64,
        len: u64,
    ) -> std::io::Result<u64> {
        let off = self
            .check(offset, len)
            .map_err(|_| std::io::Error::from_raw_os_error(libc::EFAULT))?;
        let mut done = 0u64;
        while done < len {
            // SAFETY: the destination lies inside our mapping (checked above); pread writes at
            // most `len - done` bytes there.
            let n = unsafe {
                libc::pread(
                    fd.as_raw_fd(),
                    self.base.add(off + done as usize).cast(),
                    (len - done) as usize,
                    (file_offset + done) as libc::off_t,
                )
            };
            match n {
                0 => break,
                n if n < 0 => {
                    let e = std::io::Error::last_os_error();
                    if e.kind() == std::io::ErrorKind::Interrupted {
                        continue;
                    }
                    return Err(e);
                }
                n => done += n as u64,
            }
        }
        Ok(done)
    }
}

impl Drop for MemoryFile {
    fn drop(&mut self) {
        // SAFETY: base/size describe the mapping made in `new`; no references into it remain.
        unsafe { libc::munmap(self.base.cast(), self.size as usize) };
    }
}

fn round_up(len: u64) -> u64 {
    len.saturating_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
}

/// First-fit allocator over file offsets: a free list of ranges below a bump pointer.
#[derive(Default)]
struct Allocator {
    /// Free ranges below `top`, offset → length, never adjacent (merged on free).
    free: BTreeMap<u64, u64>,
    top: u64,
    in_use: u64,
}

impl Allocator {
    fn allocate(&mut self, len: u64, limit: u64) -> Option<u64> {
        if len == 0 {
            return None;
        }
        let found = self
            .free
            .iter()
            .find(|(_, &l)| l >= len)
            .map(|(&o, &l)| (o, l));
        let offset = if let Some((off, flen)) = found {
            self.free.remove(&off);
            if flen > len {
                self.free.insert(off + len, flen - len);
            }
            off
        } else {
            let off = self.top;
            let end = off.checked_add(len).filter(|&e| e <= limit)?;
            self.top = end;
            off
        };
        self.in_use += len;
        Some(offset)
    }

    fn free(&mut self, mut offset: u64, mut len: u64) {
        self.in_use = self.in_use.saturating_sub(len);
        if let Some((&prev, &plen)) = self.free.range(..offset).next_back() {
            if prev + plen == offset {
                self.free.remove(&prev);
                offset = prev;
                len += plen;
            }
        }
        if let Some(&nlen) = self.free.get(&(offset + len)) {
            self.free.remove(&(offset + len));
            len += nlen;
        }
        if offset + len == self.top {
            self.top = offset;
        } else {
            self.free.insert(offset, len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocator_reuses_and_merges() {
        let mut a = Allocator::default();
        let x = a.allocate(4096, 1 << 30).unwrap();
        let y = a.allocate(8192, 1 << 30).unwrap();
        let z = a.allocate(4096, 1 << 30).unwrap();
        assert_eq!((x, y, z), (0, 4096, 12288));
        a.free(x, 4096);
        a.free(y, 8192);
        assert_eq!(a.free.get(&0), Some(&12288));
        assert_eq!(a.allocate(12288, 1 << 30), Some(0));
        a.free(z, 4096);
        assert_eq!(a.top, 12288);
        assert_eq!(a.allocate(1 << 30, 1 << 30), None);
    }

    #[test]
    fn memory_file_reads_back_and_zeroes_freed_pages() {
        let m = MemoryFile::new(1 << 30).unwrap();
        let off = m.allocate(10).unwrap();
        m.write(off + 5, b"hello").unwrap();
        let mut buf = [0u8; 10];
        m.read(off, &mut buf).unwrap();
        assert_eq!(&buf, b"\0\0\0\0\0hello");
        m.free(off, 10);
        let again = m.allocate(4096).unwrap();
        assert_eq!(again, off);
        m.read(again, &mut buf).unwrap();
        assert_eq!(buf, [0u8; 10]);
        // Sparse copies carry the written pages and leave the rest unallocated.
        let big = m.allocate(1 << 20).unwrap();
        m.write(big + 300_000, b"data").unwrap();
        let copy = m.allocate(1 << 20).unwrap();
        m.copy_populated(big, copy, 1 << 20).unwrap();
        let mut four = [0u8; 4];
        m.read(copy + 300_000, &mut four).unwrap();
        assert_eq!(&four, b"data");
        assert!(m.read(1 << 30, &mut buf).is_err());
    }
}
