//! tmpfs: files held by the sentry. Directories and symlinks are in-memory structures; a
//! regular file's data is a memfd of the sentry's own, so reads, writes, truncation and the
//! pages a mapping copies are single host calls on it. Also the upper layer of the overlay.

use std::any::Any;
use std::collections::BTreeMap;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{
    anon_dev, dirent_type, new_stat, next_ino, now, Creds, DirEntry, Inode, NewNode, SetAttr, Stat,
};
use crate::errno::Errno;
use crate::fs::pipe::Pipe;
use crate::fs::{FileOps, Statfs};
use crate::mm::SharedRegion;
use platform::MemoryFile;

const TMPFS_MAGIC: i64 = 0x0102_1994;

/// What one tmpfs instance shares: its device number.
pub struct TmpfsInfo {
    dev: u64,
}

struct Meta {
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u64,
    atime: libc::timespec,
    mtime: libc::timespec,
    ctime: libc::timespec,
    xattrs: BTreeMap<Vec<u8>, Vec<u8>>,
}

enum Kind {
    Dir(Mutex<BTreeMap<Vec<u8>, Arc<TmpInode>>>),
    File(OwnedFd),
    Symlink(Vec<u8>),
    Fifo(Arc<Pipe>),
    /// Sockets and devices: nodes only (opening them is the VFS's business).
    Node(u64),
}

/// A tmpfs file.
pub struct TmpInode {
    fs: Arc<TmpfsInfo>,
    ino: u64,
    meta: Mutex<Meta>,
    kind: Kind,
    /// memfd seals (`F_SEAL_*`); files made by name start sealed against sealing.
    seals: std::sync::atomic::AtomicU32,
    /// Once the file is mapped MAP_SHARED, its bytes live here, in the memory file, so that
    /// every mapping and every read or write sees the same pages (the memfd keeps the size).
    region: Mutex<Option<Arc<SharedRegion>>>,
}

/// A new tmpfs; its root directory has `mode` (permission bits) and the owner `creds`.
pub fn new_tmpfs(mode: u32, uid: u32, gid: u32) -> Arc<TmpInode> {
    let fs = Arc::new(TmpfsInfo { dev: anon_dev() });
    TmpInode::new(
        &fs,
        libc::S_IFDIR | (mode & 0o7777),
        uid,
        gid,
        Kind::Dir(Mutex::new(BTreeMap::new())),
    )
}

fn memfd() -> Result<OwnedFd, Errno> {
    // SAFETY: the name is NUL-terminated; memfd_create returns a new fd or -1.
    let raw = unsafe { libc::memfd_create(c"tmpfs".as_ptr(), libc::MFD_CLOEXEC) };
    if raw < 0 {
        return Err(Errno::last_host());
    }
    // SAFETY: raw is a new fd nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

fn host_len(r: isize) -> Result<usize, Errno> {
    if r < 0 {
        return Err(Errno::last_host());
    }
    Ok(r as usize)
}

impl TmpInode {
    fn new(fs: &Arc<TmpfsInfo>, mode: u32, uid: u32, gid: u32, kind: Kind) -> Arc<TmpInode> {
        let t = now();
        let nlink = if matches!(kind, Kind::Dir(_)) { 2 } else { 1 };
        Arc::new(TmpInode {
            fs: fs.clone(),
            ino: next_ino(),
            meta: Mutex::new(Meta {
                mode,
                uid,
                gid,
                nlink,
                atime: t,
                mtime: t,
                ctime: t,
                xattrs: BTreeMap::new(),
            }),
            kind,
            seals: std::sync::atomic::AtomicU32::new(libc::F_SEAL_SEAL as u32),
            region: Mutex::new(None),
        })
    }

    fn region(&self) -> Option<Arc<SharedRegion>> {
        self.region
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The file's bytes as a shared region of the memory file at least `end` bytes long,
    /// moving them there on the first MAP_SHARED mapping. A region outgrown later is copied
    /// to a bigger one (mappings made before keep the old pages: a known gap).
    pub fn share(&self, mem: &Arc<MemoryFile>, end: u64) -> Result<Arc<SharedRegion>, Errno> {
        let mut slot = self.region.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = slot.as_ref().filter(|r| r.len() >= end) {
            return Ok(r.clone());
        }
        let size = self.size().max(0) as u64;
        let want = end.max(size).max(1 << 20);
        let cap = crate::mm::page_up(want).ok_or(Errno::EFBIG)?;
        let region = SharedRegion::new(mem, cap)?;
        match slot.as_ref() {
            Some(old) => mem
                .copy(old.offset(), region.offset(), old.len().min(cap))
                .map_err(|_| Errno::ENOMEM)?,
            None => {
                let fd = self.data_fd().ok_or(Errno::ENODEV)?;
                mem.read_from_fd(fd, 0, region.offset(), size)
                    .map_err(|e| Errno::from_io(&e))?;
            }
        }
        *slot = Some(region.clone());
        Ok(region)
    }

    /// Lets seals be added (memfd_create with MFD_ALLOW_SEALING).
    pub fn allow_sealing(&self) {
        self.seals.store(0, Ordering::Relaxed);
    }

    fn sealed(&self, seal: i32) -> bool {
        self.seals.load(Ordering::Relaxed) & seal as u32 != 0
    }

    fn meta(&self) -> MutexGuard<'_, Meta> {
        self.meta.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn entries(&self) -> Result<MutexGuard<'_, Entries>, Errno> {
        match &self.kind {
            Kind::Dir(d) => Ok(d.lock().unwrap_or_else(|e| e.into_inner())),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir(_))
    }

    /// Whether this directory has no entries, asked with its parent's entries locked (to
    /// remove or replace it). Entry locks are taken parent before child everywhere except a
    /// cross-directory rename, which takes its two in address order; so the child's is only
    /// tried here, and `None` (busy) has the caller let go of its locks and start over.
    fn try_empty(&self) -> Result<Option<bool>, Errno> {
        match &self.kind {
            Kind::Dir(d) => match d.try_lock() {
                Ok(e) => Ok(Some(e.is_empty())),
                Err(std::sync::TryLockError::Poisoned(p)) => Ok(Some(p.into_inner().is_empty())),
                Err(std::sync::TryLockError::WouldBlock) => Ok(None),
            },
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// Marks a change of the directory's contents (mtime and ctime).
    fn touch_dir(&self) {
        let t = now();
        let mut m = self.meta();
        m.mtime = t;
        m.ctime = t;
    }

    /// The memfd of a regular file.
    pub fn data_fd(&self) -> Option<BorrowedFd<'_>> {
        match &self.kind {
            Kind::File(fd) => Some(fd.as_fd()),
            _ => None,
        }
    }

    fn size(&self) -> i64 {
        match &self.kind {
            Kind::File(fd) => {
                // SAFETY: an all-zero stat is valid; fstat writes one to the pointer.
                let mut st: libc::stat = unsafe { std::mem::zeroed() };
                // SAFETY: fd is our own open memfd.
                unsafe { libc::fstat(fd.as_raw_fd(), &mut st) };
                st.st_size
            }
            Kind::Symlink(t) => t.len() as i64,
            // Linux's tmpfs counts BOGO_DIRENT_SIZE (20) per entry, `.` and `..` included.
            Kind::Dir(d) => 20 * (d.lock().map_or(0, |d| d.len()) as i64 + 2),
            _ => 0,
        }
    }

    /// The child `name`, as a tmpfs inode (for the overlay).
    pub fn child(&self, name: &[u8]) -> Option<Arc<TmpInode>> {
        self.entries().ok()?.get(name).cloned()
    }

    /// Creates `name` (see [`Inode::create`]), as a tmpfs inode.
    pub fn create_node(
        &self,
        name: &[u8],
        node: NewNode,
        uid: u32,
        gid: u32,
    ) -> Result<Arc<TmpInode>, Errno> {
        let mut entries = self.entries()?;
        if entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let (mode, kind) = match node {
            NewNode::File(mode) => (libc::S_IFREG | (mode & 0o7777), Kind::File(memfd()?)),
            NewNode::Dir(mode) => (
                libc::S_IFDIR | (mode & 0o7777),
                Kind::Dir(Mutex::new(BTreeMap::new())),
            ),
            NewNode::Symlink(target) => (libc::S_IFLNK | 0o777, Kind::Symlink(target)),
            NewNode::Node(mode, rdev) => match mode & libc::S_IFMT {
                libc::S_IFIFO => (mode, Kind::Fifo(Pipe::new_named(uid, gid))),
                libc::S_IFREG | 0 => (libc::S_IFREG | (mode & 0o7777), Kind::File(memfd()?)),
                _ => (mode, Kind::Node(rdev)),
            },
        };
        // setgid directories pass their group on (and the bit, to directories).
        let (dir_mode, dir_gid) = {
            let m = self.meta();
            (m.mode, m.gid)
        };
        let (gid, mode) = if dir_mode & libc::S_ISGID != 0 {
            let keep = if mode & libc::S_IFMT == libc::S_IFDIR {
                mode | libc::S_ISGID
            } else {
                mode
            };
            (dir_gid, keep)
        } else {
            (gid, mode)
        };
        let inode = TmpInode::new(&self.fs, mode, uid, gid, kind);
        if inode.is_dir() {
            self.meta().nlink += 1;
        }
        entries.insert(name.to_vec(), inode.clone());
        drop(entries);
        self.touch_dir();
        Ok(inode)
    }

    /// Sets the link count (the overlay's copy of a hard-linked lower file).
    pub fn set_nlink(&self, n: u64) {
        self.meta().nlink = n;
    }

    /// Puts an existing inode under `name` (the overlay's copy-up keeps inode identity).
    pub fn insert(&self, name: &[u8], inode: Arc<TmpInode>) -> Result<(), Errno> {
        let mut entries = self.entries()?;
        if entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        if inode.is_dir() {
            self.meta().nlink += 1;
        }
        entries.insert(name.to_vec(), inode);
        Ok(())
    }

    fn remove(&self, entries: &mut BTreeMap<Vec<u8>, Arc<TmpInode>>, name: &[u8]) {
        if let Some(gone) = entries.remove(name) {
            let t = now();
            let mut m = gone.meta();
            m.nlink = if gone.is_dir() {
                0
            } else {
                m.nlink.saturating_sub(1)
            };
            m.ctime = t;
            drop(m);
            if gone.is_dir() {
                self.meta().nlink -= 1;
            }
        }
    }
}

/// Stats a tmpfs inode as its metadata says.
fn stat_of(i: &TmpInode) -> Stat {
    // The size first: a directory's takes its entries' lock, which is taken before `meta`
    // (create_node, remove), never inside it.
    let size = i.size();
    let m = i.meta();
    let mut st = new_stat(i.fs.dev, i.ino, m.mode, m.nlink);
    st.st_uid = m.uid;
    st.st_gid = m.gid;
    st.st_size = size;
    st.st_blocks = (st.st_size + 511) / 512;
    if let Kind::Node(rdev) = i.kind {
        st.st_rdev = rdev;
    }
    st.st_atime = m.atime.tv_sec;
    st.st_atime_nsec = m.atime.tv_nsec;
    st.st_mtime = m.mtime.tv_sec;
    st.st_mtime_nsec = m.mtime.tv_nsec;
    st.st_ctime = m.ctime.tv_sec;
    st.st_ctime_nsec = m.ctime.tv_nsec;
    st
}

/// Resolves a requested time (UTIME_NOW) to a timespec.
fn time_of(t: libc::timespec) -> libc::timespec {
    if t.tv_nsec == libc::UTIME_NOW {
        now()
    } else {
        t
    }
}

/// Applies `attr` to metadata (and the size to `fd`), as Linux's notify_change.
fn apply_attr(m: &mut Meta, attr: &SetAttr, fd: Option<BorrowedFd<'_>>) -> Result<(), Errno> {
    let t = now();
    if let Some(size) = attr.size {
        let fd = fd.ok_or(Errno::EINVAL)?;
        let size = i64::try_from(size).map_err(|_| Errno::EFBIG)?;
        // SAFETY: plain ftruncate of our own memfd.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), size) } < 0 {
            return Err(Errno::last_host());
        }
        m.mtime = t;
    }
    if let Some(mode) = attr.mode {
        m.mode = (m.mode & libc::S_IFMT) | (mode & 0o7777);
    }
    if let Some(uid) = attr.uid {
        m.uid = uid;
    }
    if let Some(gid) = attr.gid {
        m.gid = gid;
    }
    if let Some(a) = attr.atime {
        m.atime = time_of(a);
    }
    if let Some(mt) = attr.mtime {
        m.mtime = time_of(mt);
    }
    m.ctime = t;
    Ok(())
}

impl Inode for TmpInode {
    fn stat(&self) -> Result<Stat, Errno> {
        Ok(stat_of(self))
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(tmpfs_statfs())
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn Inode>, Errno> {
        let entries = self.entries()?;
        let child = entries.get(name).ok_or(Errno::ENOENT)?;
        Ok(child.clone())
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        let entries = self.entries()?;
        Ok(entries
            .iter()
            .map(|(name, i)| DirEntry {
                ino: i.ino,
                kind: dirent_type(i.meta().mode),
                name: name.clone(),
            })
            .collect())
    }

    fn create(&self, name: &[u8], node: NewNode, creds: &Creds) -> Result<Arc<dyn Inode>, Errno> {
        Ok(self.create_node(name, node, creds.uid, creds.gid)?)
    }

    fn link(&self, name: &[u8], target: &Arc<dyn Inode>) -> Result<(), Errno> {
        let target = target
            .clone()
            .into_any()
            .downcast::<TmpInode>()
            .map_err(|_| Errno::EXDEV)?;
        if target.is_dir() {
            return Err(Errno::EPERM);
        }
        let mut entries = self.entries()?;
        if entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        {
            let mut m = target.meta();
            m.nlink += 1;
            m.ctime = now();
        }
        entries.insert(name.to_vec(), target);
        drop(entries);
        self.touch_dir();
        Ok(())
    }

    fn unlink(&self, name: &[u8], dir: bool) -> Result<(), Errno> {
        loop {
            let mut entries = self.entries()?;
            let victim = entries.get(name).ok_or(Errno::ENOENT)?;
            match (dir, victim.is_dir()) {
                (true, false) => return Err(Errno::ENOTDIR),
                (false, true) => return Err(Errno::EISDIR),
                (true, true) => match victim.try_empty()? {
                    Some(true) => {}
                    Some(false) => return Err(Errno::ENOTEMPTY),
                    None => {
                        drop(entries);
                        std::thread::yield_now();
                        continue;
                    }
                },
                _ => {}
            }
            self.remove(&mut entries, name);
            drop(entries);
            self.touch_dir();
            return Ok(());
        }
    }

    fn rename(
        &self,
        old: &[u8],
        new_dir: &Arc<dyn Inode>,
        new: &[u8],
        flags: u32,
    ) -> Result<(), Errno> {
        let new_dir = new_dir
            .clone()
            .into_any()
            .downcast::<TmpInode>()
            .map_err(|_| Errno::EXDEV)?;
        loop {
            let done = if std::ptr::eq(self, &*new_dir) {
                let mut a = self.entries()?;
                rename_in(self, self, &mut a, None, old, new, flags)?
            } else {
                // Lock both directories in address order.
                let (mut a, mut b) = if (self as *const Self) < Arc::as_ptr(&new_dir) {
                    let a = self.entries()?;
                    (a, new_dir.entries()?)
                } else {
                    let b = new_dir.entries()?;
                    (self.entries()?, b)
                };
                rename_in(self, &new_dir, &mut a, Some(&mut b), old, new, flags)?
            };
            match done {
                Some(()) => return Ok(()),
                // A directory to replace was busy (see `try_empty`): let go, start over.
                None => std::thread::yield_now(),
            }
        }
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        match &self.kind {
            Kind::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn setattr(&self, attr: &SetAttr) -> Result<(), Errno> {
        if attr.size.is_some() && self.is_dir() {
            return Err(Errno::EISDIR);
        }
        if let (Some(size), Some(r)) = (attr.size, self.region()) {
            // Bytes cut off read as zeros if the file grows again.
            if size < r.len() {
                r.zero(size, r.len() - size)?;
            }
        }
        apply_attr(&mut self.meta(), attr, self.data_fd())
    }

    fn open(self: Arc<Self>, flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
        match &self.kind {
            Kind::File(_) => Ok(Arc::new(TmpFile {
                inode: self.clone(),
                offset: Mutex::new(0),
                append: AtomicBool::new(flags & libc::O_APPEND as u32 != 0),
            })),
            Kind::Fifo(pipe) => Ok(Arc::new(pipe.open_end(flags)?)),
            Kind::Node(_) => Err(Errno::ENXIO),
            _ => Err(Errno::EINVAL),
        }
    }

    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        self.meta().xattrs.get(name).cloned().ok_or(Errno::ENODATA)
    }

    fn listxattr(&self) -> Result<Vec<u8>, Errno> {
        let mut out = Vec::new();
        for name in self.meta().xattrs.keys() {
            out.extend_from_slice(name);
            out.push(0);
        }
        Ok(out)
    }

    fn setxattr(&self, name: &[u8], value: &[u8], flags: i32) -> Result<(), Errno> {
        // tmpfs keeps trusted.* and user.* (the latter on files and directories only).
        if !name.starts_with(b"user.") && !name.starts_with(b"trusted.") {
            return Err(Errno::EOPNOTSUPP);
        }
        let mut m = self.meta();
        let exists = m.xattrs.contains_key(name);
        if flags & libc::XATTR_CREATE != 0 && exists {
            return Err(Errno::EEXIST);
        }
        if flags & libc::XATTR_REPLACE != 0 && !exists {
            return Err(Errno::ENODATA);
        }
        m.xattrs.insert(name.to_vec(), value.to_vec());
        m.ctime = now();
        Ok(())
    }

    fn removexattr(&self, name: &[u8]) -> Result<(), Errno> {
        let mut m = self.meta();
        m.xattrs.remove(name).ok_or(Errno::ENODATA)?;
        m.ctime = now();
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

type Entries = BTreeMap<Vec<u8>, Arc<TmpInode>>;

/// The rename of `old` in `src` (of `sdir`) to `new` in `dst` (of `ddir`; `None` when it is
/// the same directory), both locked by the caller.
fn rename_in(
    sdir: &TmpInode,
    ddir: &TmpInode,
    src: &mut Entries,
    mut dst: Option<&mut Entries>,
    old: &[u8],
    new: &[u8],
    flags: u32,
) -> Result<Option<()>, Errno> {
    let moving = src.get(old).cloned().ok_or(Errno::ENOENT)?;
    let target = dst.as_deref().unwrap_or(src).get(new).cloned();
    if dst.is_none() && old == new {
        return Ok(Some(()));
    }
    let cross = dst.is_some();
    if flags & libc::RENAME_EXCHANGE != 0 {
        let target = target.ok_or(Errno::ENOENT)?;
        if cross && moving.is_dir() != target.is_dir() {
            // A directory changes parents: move one link count with it.
            let (into_src, into_dst) = (target.is_dir(), moving.is_dir());
            let adjust = |d: &TmpInode, plus: bool, minus: bool| {
                let mut m = d.meta();
                m.nlink = m.nlink + u64::from(plus) - u64::from(minus);
            };
            adjust(sdir, into_src, into_dst);
            adjust(ddir, into_dst, into_src);
        }
        src.insert(old.to_vec(), target.clone());
        match dst {
            Some(d) => d.insert(new.to_vec(), moving.clone()),
            None => src.insert(new.to_vec(), moving.clone()),
        };
        target.meta().ctime = now();
    } else {
        if let Some(t) = &target {
            if flags & libc::RENAME_NOREPLACE != 0 {
                return Err(Errno::EEXIST);
            }
            if Arc::ptr_eq(t, &moving) {
                // Two names of one file: rename does nothing.
                return Ok(Some(()));
            }
            match (moving.is_dir(), t.is_dir()) {
                (true, false) => return Err(Errno::ENOTDIR),
                (false, true) => return Err(Errno::EISDIR),
                (true, true) => match t.try_empty()? {
                    Some(true) => {}
                    Some(false) => return Err(Errno::ENOTEMPTY),
                    None => return Ok(None),
                },
                _ => {}
            }
            match dst.as_deref_mut() {
                Some(d) => ddir.remove(d, new),
                None => ddir.remove(src, new),
            }
        }
        src.remove(old);
        if moving.is_dir() && cross {
            sdir.meta().nlink -= 1;
            ddir.meta().nlink += 1;
        }
        match dst {
            Some(d) => d.insert(new.to_vec(), moving.clone()),
            None => src.insert(new.to_vec(), moving.clone()),
        };
    }
    moving.meta().ctime = now();
    sdir.touch_dir();
    if cross {
        ddir.touch_dir();
    }
    Ok(Some(()))
}

pub(super) fn tmpfs_statfs() -> Statfs {
    // Like Linux's tmpfs without a size: half of RAM, as the kernel reports it.
    // SAFETY: sysconf has no memory-safety requirements.
    let pages = unsafe { libc::sysconf(libc::_SC_PHYS_PAGES) }.max(0) as u64 / 2;
    Statfs {
        f_type: TMPFS_MAGIC,
        f_bsize: 4096,
        f_blocks: pages,
        f_bfree: pages,
        f_bavail: pages,
        f_files: pages,
        f_ffree: pages,
        f_namelen: 255,
        f_frsize: 4096,
        f_flags: libc::ST_RELATIME as i64,
        ..Statfs::default()
    }
}

/// An open tmpfs regular file: its own offset over the inode's memfd.
pub struct TmpFile {
    inode: Arc<TmpInode>,
    offset: Mutex<u64>,
    append: AtomicBool,
}

impl TmpFile {
    fn fd(&self) -> i32 {
        self.inode.data_fd().map_or(-1, |f| f.as_raw_fd())
    }

    fn pread_at(&self, buf: &mut [u8], off: u64) -> Result<usize, Errno> {
        if let Some(r) = self.inode.region() {
            let size = self.inode.size().max(0) as u64;
            let n = (buf.len() as u64).min(size.saturating_sub(off)) as usize;
            r.read(off, &mut buf[..n])?;
            return Ok(n);
        }
        let off = i64::try_from(off).map_err(|_| Errno::EINVAL)?;
        // SAFETY: buf is writable for its length.
        host_len(unsafe { libc::pread(self.fd(), buf.as_mut_ptr().cast(), buf.len(), off) })
    }

    fn pwrite_at(&self, buf: &[u8], off: u64) -> Result<usize, Errno> {
        if self
            .inode
            .sealed(libc::F_SEAL_WRITE | libc::F_SEAL_FUTURE_WRITE)
        {
            return Err(Errno::EPERM);
        }
        if self.inode.sealed(libc::F_SEAL_GROW)
            && off.saturating_add(buf.len() as u64) > self.inode.size() as u64
        {
            return Err(Errno::EPERM);
        }
        let n = if let Some(r) = self.inode.region() {
            let end = off.checked_add(buf.len() as u64).ok_or(Errno::EFBIG)?;
            let r = if end > r.len() {
                self.inode.share(&r.memory(), end)?
            } else {
                r
            };
            r.write(off, buf)?;
            if end as i64 > self.inode.size() {
                // The memfd keeps the size.
                // SAFETY: plain ftruncate of our own memfd.
                if unsafe { libc::ftruncate(self.fd(), end as i64) } < 0 {
                    return Err(Errno::last_host());
                }
            }
            buf.len()
        } else {
            let off = i64::try_from(off).map_err(|_| Errno::EINVAL)?;
            // SAFETY: buf is readable for its length.
            host_len(unsafe { libc::pwrite(self.fd(), buf.as_ptr().cast(), buf.len(), off) })?
        };
        let t = now();
        let mut m = self.inode.meta();
        m.mtime = t;
        m.ctime = t;
        Ok(n)
    }

    fn offset(&self) -> MutexGuard<'_, u64> {
        self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl FileOps for TmpFile {
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut off = self.offset();
        let n = self.pread_at(buf, *off)?;
        *off += n as u64;
        Ok(n)
    }

    fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        let mut off = self.offset();
        if self.append.load(Ordering::Relaxed) {
            *off = self.inode.size() as u64;
        }
        let n = self.pwrite_at(buf, *off)?;
        *off += n as u64;
        Ok(n)
    }

    fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        self.pread_at(buf, offset)
    }

    fn pwrite(&self, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        // Linux appends even a pwrite on an O_APPEND file.
        let at = if self.append.load(Ordering::Relaxed) {
            self.inode.size() as u64
        } else {
            offset
        };
        self.pwrite_at(buf, at)
    }

    fn seek(&self, offset: i64, whence: i32) -> Result<u64, Errno> {
        let mut off = self.offset();
        let new = match whence {
            libc::SEEK_SET => Some(offset),
            libc::SEEK_CUR => (*off as i64).checked_add(offset),
            libc::SEEK_END => self.inode.size().checked_add(offset),
            libc::SEEK_DATA | libc::SEEK_HOLE => {
                // SAFETY: plain lseek on our memfd; only its answer is used.
                let r = unsafe { libc::lseek(self.fd(), offset, whence) };
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
        Ok(stat_of(&self.inode))
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(tmpfs_statfs())
    }

    fn mappable_fd(&self) -> Option<BorrowedFd<'_>> {
        if self.inode.region().is_some() {
            return None;
        }
        self.inode.data_fd()
    }

    fn positional_fd(&self) -> Option<BorrowedFd<'_>> {
        if self.inode.region().is_some() {
            return None;
        }
        self.inode.data_fd()
    }

    fn share(&self, mem: &Arc<MemoryFile>, end: u64) -> Option<Result<Arc<SharedRegion>, Errno>> {
        Some(self.inode.share(mem, end))
    }

    fn fsync(&self, _data_only: bool) -> Result<(), Errno> {
        Ok(())
    }

    fn set_status_flags(&self, flags: u32) {
        self.append
            .store(flags & libc::O_APPEND as u32 != 0, Ordering::Relaxed);
    }

    fn truncate(&self, size: u64) -> Result<(), Errno> {
        let now = self.inode.size() as u64;
        if (size < now && self.inode.sealed(libc::F_SEAL_SHRINK))
            || (size > now && self.inode.sealed(libc::F_SEAL_GROW))
        {
            return Err(Errno::EPERM);
        }
        self.inode.setattr(&SetAttr {
            size: Some(size),
            ..SetAttr::default()
        })
    }

    fn seals(&self, add: Option<u32>) -> Result<u32, Errno> {
        let seals = &self.inode.seals;
        if let Some(add) = add {
            let known = (libc::F_SEAL_SEAL
                | libc::F_SEAL_SHRINK
                | libc::F_SEAL_GROW
                | libc::F_SEAL_WRITE
                | libc::F_SEAL_FUTURE_WRITE) as u32;
            if add & !known != 0 {
                return Err(Errno::EINVAL);
            }
            if seals.load(Ordering::Relaxed) & libc::F_SEAL_SEAL as u32 != 0 {
                return Err(Errno::EPERM);
            }
            seals.fetch_or(add, Ordering::Relaxed);
        }
        Ok(seals.load(Ordering::Relaxed))
    }

    fn allocate(&self, mode: i32, offset: u64, len: u64) -> Result<(), Errno> {
        if self.inode.sealed(libc::F_SEAL_WRITE) || self.inode.sealed(libc::F_SEAL_GROW) {
            return Err(Errno::EPERM);
        }
        // SAFETY: plain fallocate of our memfd.
        if unsafe { libc::fallocate(self.fd(), mode, offset as i64, len as i64) } < 0 {
            return Err(Errno::last_host());
        }
        Ok(())
    }

    fn path(&self) -> &str {
        "tmpfs"
    }
}
