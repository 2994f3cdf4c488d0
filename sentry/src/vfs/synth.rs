//! Building blocks of the sentry's synthetic file systems (/proc, /dev, /sys): directories
//! whose entries come from a function, files whose contents are generated when opened, and
//! symlinks whose targets are computed (or magic: resolved to an object, as /proc/self/fd/N).

use std::any::Any;
use std::sync::{Arc, Mutex};

use super::{dirent_type, new_stat, next_ino, DirEntry, Inode, Path, Stat};
use crate::errno::Errno;
use crate::fs::{FileOps, Statfs};

/// What every inode of one synthetic file system shares.
#[derive(Clone)]
pub struct SynthFs {
    pub dev: u64,
    pub magic: i64,
    /// Owner of every file (the sandbox's root).
    pub uid: u32,
    pub gid: u32,
}

impl SynthFs {
    fn stat(&self, ino: u64, mode: u32) -> Stat {
        let nlink = if mode & libc::S_IFMT == libc::S_IFDIR {
            2
        } else {
            1
        };
        let mut st = new_stat(self.dev, ino, mode, nlink);
        st.st_uid = self.uid;
        st.st_gid = self.gid;
        st
    }

    fn statfs(&self) -> Statfs {
        Statfs {
            f_type: self.magic,
            f_bsize: 4096,
            f_namelen: 255,
            f_frsize: 4096,
            f_flags: (libc::ST_NOSUID | libc::ST_NODEV | libc::ST_NOEXEC | libc::ST_RELATIME)
                as i64,
            ..Statfs::default()
        }
    }
}

type Entries = dyn Fn() -> Vec<(Vec<u8>, Arc<dyn Inode>)> + Send + Sync;
type Lookup = dyn Fn(&[u8]) -> Option<Arc<dyn Inode>> + Send + Sync;

/// A directory whose entries a function lists (and, optionally, another finds by name
/// without listing them all: /proc/<pid> among thousands).
pub struct SynthDir {
    fs: SynthFs,
    ino: u64,
    mode: u32,
    entries: Box<Entries>,
    find: Option<Box<Lookup>>,
    cache: bool,
}

impl SynthDir {
    pub fn new(
        fs: &SynthFs,
        mode: u32,
        entries: impl Fn() -> Vec<(Vec<u8>, Arc<dyn Inode>)> + Send + Sync + 'static,
    ) -> SynthDir {
        SynthDir {
            fs: fs.clone(),
            ino: next_ino(),
            mode: libc::S_IFDIR | mode,
            entries: Box::new(entries),
            find: None,
            cache: true,
        }
    }

    /// A fixed list of entries.
    pub fn fixed(fs: &SynthFs, mode: u32, list: Vec<(&str, Arc<dyn Inode>)>) -> SynthDir {
        let list: Vec<(Vec<u8>, Arc<dyn Inode>)> = list
            .into_iter()
            .map(|(n, i)| (n.as_bytes().to_vec(), i))
            .collect();
        SynthDir::new(fs, mode, move || list.clone())
    }

    /// Finds entries by name with `find` (and does not cache them: they change).
    pub fn with_lookup(
        mut self,
        find: impl Fn(&[u8]) -> Option<Arc<dyn Inode>> + Send + Sync + 'static,
    ) -> SynthDir {
        self.find = Some(Box::new(find));
        self.cache = false;
        self
    }

    pub fn uncached(mut self) -> SynthDir {
        self.cache = false;
        self
    }

    pub fn with_ino(mut self, ino: u64) -> SynthDir {
        self.ino = ino;
        self
    }
}

impl Inode for SynthDir {
    fn stat(&self) -> Result<Stat, Errno> {
        Ok(self.fs.stat(self.ino, self.mode))
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(self.fs.statfs())
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn Inode>, Errno> {
        if let Some(find) = &self.find {
            return find(name).ok_or(Errno::ENOENT);
        }
        (self.entries)()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, i)| i)
            .ok_or(Errno::ENOENT)
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        Ok((self.entries)()
            .into_iter()
            .filter_map(|(name, i)| {
                let st = i.stat().ok()?;
                Some(DirEntry {
                    ino: st.st_ino,
                    kind: dirent_type(st.st_mode),
                    name,
                })
            })
            .collect())
    }

    fn cache_children(&self) -> bool {
        self.cache
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

type Generate = dyn Fn() -> Result<Vec<u8>, Errno> + Send + Sync;

/// A read-only file whose contents a function generates at each open.
pub struct SynthFile {
    fs: SynthFs,
    ino: u64,
    mode: u32,
    generate: Box<Generate>,
}

impl SynthFile {
    pub fn new(
        fs: &SynthFs,
        mode: u32,
        generate: impl Fn() -> Result<Vec<u8>, Errno> + Send + Sync + 'static,
    ) -> SynthFile {
        SynthFile {
            fs: fs.clone(),
            ino: next_ino(),
            mode: libc::S_IFREG | mode,
            generate: Box::new(generate),
        }
    }

    /// A file with fixed contents.
    pub fn text(fs: &SynthFs, text: impl Into<Vec<u8>>) -> SynthFile {
        let text = text.into();
        SynthFile::new(fs, 0o444, move || Ok(text.clone()))
    }
}

impl Inode for SynthFile {
    fn stat(&self) -> Result<Stat, Errno> {
        // Like procfs, sizes show as 0: the contents exist only when read.
        Ok(self.fs.stat(self.ino, self.mode))
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(self.fs.statfs())
    }

    fn open(self: Arc<Self>, flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
        if flags & libc::O_ACCMODE as u32 != libc::O_RDONLY as u32 {
            return Err(Errno::EACCES);
        }
        let data = (self.generate)()?;
        Ok(Arc::new(SnapshotFile {
            st: self.fs.stat(self.ino, self.mode),
            statfs: self.fs.statfs(),
            data,
            pos: Mutex::new(0),
        }))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// The contents of a synthetic file as they were when it was opened.
pub struct SnapshotFile {
    st: Stat,
    statfs: Statfs,
    data: Vec<u8>,
    pos: Mutex<u64>,
}

impl FileOps for SnapshotFile {
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut pos = self.pos.lock().unwrap_or_else(|e| e.into_inner());
        let n = self.pread(buf, *pos)?;
        *pos += n as u64;
        Ok(n)
    }

    fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let start = (offset as usize).min(self.data.len());
        let n = buf.len().min(self.data.len() - start);
        buf[..n].copy_from_slice(&self.data[start..start + n]);
        Ok(n)
    }

    fn write(&self, _buf: &[u8]) -> Result<usize, Errno> {
        Err(Errno::EBADF)
    }

    fn seek(&self, offset: i64, whence: i32) -> Result<u64, Errno> {
        let mut pos = self.pos.lock().unwrap_or_else(|e| e.into_inner());
        let new = match whence {
            libc::SEEK_SET => Some(offset),
            libc::SEEK_CUR => (*pos as i64).checked_add(offset),
            libc::SEEK_END => (self.data.len() as i64).checked_add(offset),
            _ => return Err(Errno::EINVAL),
        };
        let new = new.filter(|&n| n >= 0).ok_or(Errno::EINVAL)?;
        *pos = new as u64;
        Ok(new as u64)
    }

    fn stat(&self) -> Result<libc::stat, Errno> {
        Ok(self.st)
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(self.statfs)
    }

    fn path(&self) -> &str {
        "synthetic"
    }
}

type Target = dyn Fn() -> Result<Vec<u8>, Errno> + Send + Sync;
type Magic = dyn Fn() -> Result<Path, Errno> + Send + Sync;

/// A symlink whose target is computed when read; with `magic`, following it leads to an
/// object directly (its text is only what readlink shows).
pub struct SynthLink {
    fs: SynthFs,
    ino: u64,
    target: Box<Target>,
    magic: Option<Box<Magic>>,
}

impl SynthLink {
    pub fn new(
        fs: &SynthFs,
        target: impl Fn() -> Result<Vec<u8>, Errno> + Send + Sync + 'static,
    ) -> SynthLink {
        SynthLink {
            fs: fs.clone(),
            ino: next_ino(),
            target: Box::new(target),
            magic: None,
        }
    }

    pub fn magic(
        mut self,
        resolve: impl Fn() -> Result<Path, Errno> + Send + Sync + 'static,
    ) -> SynthLink {
        self.magic = Some(Box::new(resolve));
        self
    }
}

impl Inode for SynthLink {
    fn stat(&self) -> Result<Stat, Errno> {
        let mut st = self.fs.stat(self.ino, libc::S_IFLNK | 0o777);
        st.st_size = (self.target)().map_or(0, |t| t.len() as i64);
        Ok(st)
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(self.fs.statfs())
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        (self.target)()
    }

    fn magic_link(&self) -> Option<Result<Path, Errno>> {
        self.magic.as_ref().map(|m| m())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

type Opener = dyn Fn(u32) -> Result<Arc<dyn FileOps>, Errno> + Send + Sync;

/// A device node whose opens give a file the sentry serves (/dev/null, /dev/tty, ...).
pub struct DevNode {
    fs: SynthFs,
    ino: u64,
    mode: u32,
    rdev: u64,
    open: Box<Opener>,
}

impl DevNode {
    pub fn new(
        fs: &SynthFs,
        mode: u32,
        rdev: u64,
        open: impl Fn(u32) -> Result<Arc<dyn FileOps>, Errno> + Send + Sync + 'static,
    ) -> DevNode {
        DevNode {
            fs: fs.clone(),
            ino: next_ino(),
            mode: libc::S_IFCHR | mode,
            rdev,
            open: Box::new(open),
        }
    }
}

impl Inode for DevNode {
    fn stat(&self) -> Result<Stat, Errno> {
        let mut st = self.fs.stat(self.ino, self.mode);
        st.st_rdev = self.rdev;
        Ok(st)
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(self.fs.statfs())
    }

    fn open(self: Arc<Self>, flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
        (self.open)(flags)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

type ReadAt = dyn Fn(&mut [u8], u64) -> Result<usize, Errno> + Send + Sync;
type WriteAt = dyn Fn(&[u8], u64) -> Result<usize, Errno> + Send + Sync;

/// A synthetic file read and written in place at any offset, each access served when made
/// (/proc/PID/mem: offsets are addresses). `open` makes the accessors for one open file.
pub struct SynthRandomAccess {
    fs: SynthFs,
    ino: u64,
    mode: u32,
    #[allow(clippy::type_complexity)]
    open: Box<dyn Fn() -> Result<(Box<ReadAt>, Box<WriteAt>), Errno> + Send + Sync>,
}

impl SynthRandomAccess {
    #[allow(clippy::type_complexity)]
    pub fn new(
        fs: &SynthFs,
        mode: u32,
        open: impl Fn() -> Result<(Box<ReadAt>, Box<WriteAt>), Errno> + Send + Sync + 'static,
    ) -> SynthRandomAccess {
        SynthRandomAccess {
            fs: fs.clone(),
            ino: next_ino(),
            mode: libc::S_IFREG | mode,
            open: Box::new(open),
        }
    }
}

impl Inode for SynthRandomAccess {
    fn stat(&self) -> Result<Stat, Errno> {
        Ok(self.fs.stat(self.ino, self.mode))
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(self.fs.statfs())
    }

    fn open(self: Arc<Self>, flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
        let (read, write) = (self.open)()?;
        let access = flags & libc::O_ACCMODE as u32;
        Ok(Arc::new(RandomAccessFile {
            st: self.fs.stat(self.ino, self.mode),
            statfs: self.fs.statfs(),
            read,
            write,
            readable: access != libc::O_WRONLY as u32,
            writable: access != libc::O_RDONLY as u32,
            pos: Mutex::new(0),
        }))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// An open [`SynthRandomAccess`].
struct RandomAccessFile {
    st: Stat,
    statfs: Statfs,
    read: Box<ReadAt>,
    write: Box<WriteAt>,
    readable: bool,
    writable: bool,
    pos: Mutex<u64>,
}

impl FileOps for RandomAccessFile {
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut pos = self.pos.lock().unwrap_or_else(|e| e.into_inner());
        let n = self.pread(buf, *pos)?;
        *pos = pos.wrapping_add(n as u64);
        Ok(n)
    }

    fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        if !self.readable {
            return Err(Errno::EBADF);
        }
        (self.read)(buf, offset)
    }

    fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        let mut pos = self.pos.lock().unwrap_or_else(|e| e.into_inner());
        let n = self.pwrite(buf, *pos)?;
        *pos = pos.wrapping_add(n as u64);
        Ok(n)
    }

    fn pwrite(&self, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        if !self.writable {
            return Err(Errno::EBADF);
        }
        (self.write)(buf, offset)
    }

    fn seek(&self, offset: i64, whence: i32) -> Result<u64, Errno> {
        let mut pos = self.pos.lock().unwrap_or_else(|e| e.into_inner());
        // Offsets are addresses: any 64-bit value (mem_lseek).
        *pos = match whence {
            libc::SEEK_SET => offset as u64,
            libc::SEEK_CUR => pos.wrapping_add(offset as u64),
            _ => return Err(Errno::EINVAL),
        };
        Ok(*pos)
    }

    fn stat(&self) -> Result<libc::stat, Errno> {
        Ok(self.st)
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(self.statfs)
    }

    fn path(&self) -> &str {
        "synthetic"
    }
}
