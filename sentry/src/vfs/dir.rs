//! An open directory of any file system: getdents64 over the inode's entries, with `.` and
//! `..` first, and seeks to the offsets getdents gave (telldir/seekdir/rewinddir).

use std::sync::{Arc, Mutex, MutexGuard};

use super::{DirEntry, Inode, Path};
use crate::errno::Errno;
use crate::fs::{FileOps, Statfs};

/// `struct linux_dirent64`'s fixed part: ino, off, reclen, type.
const DIRENT_HEADER: usize = 19;

struct Cursor {
    /// The entries, read at the first getdents after open or a rewind.
    entries: Option<Vec<DirEntry>>,
    pos: usize,
}

/// An open directory.
pub struct DirFile {
    inode: Arc<dyn Inode>,
    dentry: Arc<super::Dentry>,
    /// The inode number `..` shows.
    parent_ino: u64,
    cursor: Mutex<Cursor>,
}

impl DirFile {
    pub fn new(path: &Path) -> DirFile {
        let parent_ino = path
            .dentry
            .parent()
            .and_then(|p| p.stat().ok())
            .or_else(|| path.stat().ok())
            .map_or(1, |st| st.st_ino);
        DirFile {
            inode: path.inode().clone(),
            dentry: path.dentry.clone(),
            parent_ino,
            cursor: Mutex::new(Cursor {
                entries: None,
                pos: 0,
            }),
        }
    }

    fn cursor(&self) -> MutexGuard<'_, Cursor> {
        self.cursor.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn load(&self) -> Result<Vec<DirEntry>, Errno> {
        let own = self.inode.stat()?.st_ino;
        let dt_dir = (libc::S_IFDIR >> 12) as u8;
        let mut all = vec![
            DirEntry {
                ino: own,
                kind: dt_dir,
                name: b".".to_vec(),
            },
            DirEntry {
                ino: self.parent_ino,
                kind: dt_dir,
                name: b"..".to_vec(),
            },
        ];
        all.extend(self.inode.readdir()?);
        Ok(all)
    }
}

/// Appends one linux_dirent64 to `out` if it fits in `room` bytes.
fn put_dirent(out: &mut Vec<u8>, room: usize, e: &DirEntry, off: u64) -> bool {
    let reclen = (DIRENT_HEADER + e.name.len() + 1).next_multiple_of(8);
    if out.len() + reclen > room {
        return false;
    }
    out.extend_from_slice(&e.ino.to_ne_bytes());
    out.extend_from_slice(&off.to_ne_bytes());
    out.extend_from_slice(&(reclen as u16).to_ne_bytes());
    out.push(e.kind);
    out.extend_from_slice(&e.name);
    out.resize(out.len() + reclen - DIRENT_HEADER - e.name.len(), 0);
    true
}

impl FileOps for DirFile {
    fn read(&self, _buf: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::EISDIR)
    }

    fn write(&self, _buf: &[u8]) -> Result<usize, Errno> {
        Err(Errno::EISDIR)
    }

    fn pread(&self, _buf: &mut [u8], _offset: u64) -> Result<usize, Errno> {
        Err(Errno::EISDIR)
    }

    fn getdents64(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        // A removed directory lists nothing: ENOENT, as Linux's iterate_dir.
        if self.dentry.is_dead() {
            return Err(Errno::ENOENT);
        }
        let mut c = self.cursor();
        if c.entries.is_none() {
            c.entries = Some(self.load()?);
        }
        let mut out = Vec::with_capacity(buf.len().min(1 << 16));
        let start = c.pos;
        let entries = c.entries.as_ref().map_or(&[][..], |v| &v[..]);
        let mut pos = start;
        while let Some(e) = entries.get(pos) {
            if !put_dirent(&mut out, buf.len(), e, pos as u64 + 1) {
                break;
            }
            pos += 1;
        }
        if pos == start && pos < entries.len() {
            // Not even one entry fits.
            return Err(Errno::EINVAL);
        }
        c.pos = pos;
        buf[..out.len()].copy_from_slice(&out);
        Ok(out.len())
    }

    fn seek(&self, offset: i64, whence: i32) -> Result<u64, Errno> {
        let mut c = self.cursor();
        let new = match whence {
            libc::SEEK_SET => offset,
            libc::SEEK_CUR => (c.pos as i64).checked_add(offset).ok_or(Errno::EINVAL)?,
            _ => return Err(Errno::EINVAL),
        };
        if new < 0 {
            return Err(Errno::EINVAL);
        }
        if new == 0 {
            // rewinddir: the next getdents reads the directory afresh.
            c.entries = None;
        }
        c.pos = new as usize;
        Ok(new as u64)
    }

    fn stat(&self) -> Result<libc::stat, Errno> {
        self.inode.stat()
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        self.inode.statfs()
    }

    fn fsync(&self, _data_only: bool) -> Result<(), Errno> {
        self.inode.fsync()
    }

    fn path(&self) -> &str {
        "dir"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirent_records_are_aligned_and_bounded() {
        let e = DirEntry {
            ino: 7,
            kind: 4,
            name: b"hello".to_vec(),
        };
        let mut out = Vec::new();
        assert!(put_dirent(&mut out, 64, &e, 1));
        assert_eq!(out.len(), 32); // 19 + 5 + 1 = 25, rounded up to 32
        assert_eq!(u16::from_ne_bytes([out[16], out[17]]), 32);
        assert_eq!(out[18], 4);
        assert_eq!(&out[19..24], b"hello");
        assert!(!put_dirent(&mut out, 40, &e, 2));
    }
}
