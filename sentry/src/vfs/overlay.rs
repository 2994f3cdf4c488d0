//! overlay: a writable tmpfs upper layer over a read-only lower one, as Linux's overlayfs.
//! Reads see the upper file if there is one, else the lower; the first change to a lower
//! file copies it up (its parents first). Removing a name the lower layer has leaves a
//! whiteout (a 0/0 character device in the upper directory); a directory made where a
//! removed lower one was is opaque (the `trusted.overlay.opaque` attribute), hiding the
//! lower directory's entries. Inode numbers are the lower file's, kept across copy-up.

use std::any::Any;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use super::tmpfs::TmpInode;
use super::{anon_dev, is_dir, Creds, DirEntry, Inode, NewNode, SetAttr, Stat};
use crate::errno::Errno;
use crate::fs::{FileOps, Statfs};

const OVERLAYFS_SUPER_MAGIC: i64 = 0x794c_7630;
const OPAQUE: &[u8] = b"trusted.overlay.opaque";
/// On an upper directory moved by rename: the path of its lower directory from the lower root.
const REDIRECT: &[u8] = b"trusted.overlay.redirect";

/// What one overlay shares.
pub struct OverlayFs {
    dev: u64,
    /// The lower layer's root, for directories renamed with a redirect.
    lower_root: Arc<dyn Inode>,
    /// Copied-up files with several lower names, by lower inode number: every name of a
    /// hard-linked file reaches the same upper copy (overlayfs's index).
    index: Mutex<HashMap<u64, Arc<TmpInode>>>,
}

struct State {
    /// The parent directory and the name in it (None for the root).
    parent: Option<Arc<OvInode>>,
    name: Vec<u8>,
    upper: Option<Arc<TmpInode>>,
    /// Where the lower file is, from the lower root (directories keep it across renames).
    lower_path: Vec<Vec<u8>>,
}

/// A file of the overlay.
pub struct OvInode {
    fs: Arc<OverlayFs>,
    lower: Option<Arc<dyn Inode>>,
    state: Mutex<State>,
    /// The children handed out, so that one name has one inode while it is in use.
    children: Mutex<HashMap<Vec<u8>, Weak<OvInode>>>,
    /// A merged directory's link count, computed once (it reads both layers) and forgotten
    /// when its entries change.
    nlink: Mutex<Option<u64>>,
    /// Names the lower directory does not have. The sandbox never changes the lower layer
    /// (its changes go to the upper one), and programs look for the same missing files
    /// again and again (a command along $PATH, locale files, /etc/ld.so.preload): each
    /// would otherwise be a gofer round trip. Changes the host makes to the lower layer
    /// later are not seen, as gVisor's cached root file system does not see them.
    lower_absent: Mutex<HashSet<Vec<u8>>>,
    /// The lower directory's entries, read once (for the same reason: a merged directory's
    /// listing and link count are recomputed after each change to its upper layer, and a
    /// gofer readdir of a big host directory such as /tmp costs hundreds of microseconds).
    lower_entries: Mutex<Option<Arc<Vec<DirEntry>>>>,
}

/// At most this many missing names are remembered per directory (then forgotten together).
const ABSENT_MAX: usize = 1024;

/// An overlay of `upper` (an empty tmpfs root) over `lower`.
pub fn new_overlay(lower: Arc<dyn Inode>, upper: Arc<TmpInode>) -> Arc<dyn Inode> {
    OvDir::wrap(Arc::new(OvInode {
        fs: Arc::new(OverlayFs {
            dev: anon_dev(),
            lower_root: lower.clone(),
            index: Mutex::new(HashMap::new()),
        }),
        lower: Some(lower),
        state: Mutex::new(State {
            parent: None,
            name: Vec::new(),
            upper: Some(upper),
            lower_path: Vec::new(),
        }),
        children: Mutex::new(HashMap::new()),
        nlink: Mutex::new(None),
        lower_absent: Mutex::new(HashSet::new()),
        lower_entries: Mutex::new(None),
    }))
}

fn is_whiteout(i: &TmpInode) -> bool {
    i.stat()
        .is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFCHR && st.st_rdev == 0)
}

/// Removes the whiteouts of an upper directory (before it goes: they hide nothing then).
fn clear_whiteouts(dir: &TmpInode) -> Result<(), Errno> {
    for e in dir.readdir()? {
        if dir.child(&e.name).is_some_and(|c| is_whiteout(&c)) {
            dir.unlink(&e.name, false)?;
        }
    }
    Ok(())
}

fn is_opaque(i: &TmpInode) -> bool {
    i.getxattr(OPAQUE).is_ok_and(|v| v == b"y")
}

/// Copies a regular file's data from `from` to the memfd `to`, in the host.
fn copy_data(from: &dyn FileOps, to: i32) -> Result<(), Errno> {
    let mut buf = vec![0u8; 1 << 20];
    let mut off = 0u64;
    loop {
        let n = from.pread(&mut buf, off)?;
        if n == 0 {
            return Ok(());
        }
        let mut done = 0;
        while done < n {
            // SAFETY: buf[done..n] is readable.
            let w = unsafe {
                libc::pwrite(
                    to,
                    buf[done..n].as_ptr().cast(),
                    n - done,
                    (off + done as u64) as i64,
                )
            };
            if w < 0 {
                return Err(Errno::last_host());
            }
            done += w as usize;
        }
        off += n as u64;
    }
}

impl OvInode {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn upper(&self) -> Option<Arc<TmpInode>> {
        self.state().upper.clone()
    }

    fn child_inode(
        self: &Arc<Self>,
        name: &[u8],
        lower: Option<Arc<dyn Inode>>,
        upper: Option<Arc<TmpInode>>,
        lower_path: Vec<Vec<u8>>,
    ) -> Arc<OvInode> {
        let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = children.get(name).and_then(Weak::upgrade) {
            return c;
        }
        let c = Arc::new(OvInode {
            fs: self.fs.clone(),
            lower,
            state: Mutex::new(State {
                parent: Some(self.clone()),
                name: name.to_vec(),
                upper,
                lower_path,
            }),
            children: Mutex::new(HashMap::new()),
            nlink: Mutex::new(None),
            lower_absent: Mutex::new(HashSet::new()),
            lower_entries: Mutex::new(None),
        });
        if children.len() > 64 {
            children.retain(|_, w| w.strong_count() > 0);
        }
        children.insert(name.to_vec(), Arc::downgrade(&c));
        c
    }

    fn forget_child(&self, name: &[u8]) -> Option<Arc<OvInode>> {
        // Every change of this directory's entries goes through here.
        *self.nlink.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.children
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name)
            .and_then(|w| w.upgrade())
    }

    /// The lower directory's `name`, unless this directory's upper layer is opaque.
    fn lower_child(&self, name: &[u8]) -> Result<Option<Arc<dyn Inode>>, Errno> {
        if self.upper().is_some_and(|u| is_opaque(&u)) {
            return Ok(None);
        }
        let Some(lower) = &self.lower else {
            return Ok(None);
        };
        let absent = || self.lower_absent.lock().unwrap_or_else(|e| e.into_inner());
        if absent().contains(name) {
            return Ok(None);
        }
        match lower.lookup(name) {
            Ok(i) => Ok(Some(i)),
            Err(Errno::ENOENT) => {
                let mut a = absent();
                if a.len() >= ABSENT_MAX {
                    a.clear();
                }
                a.insert(name.to_vec());
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The lower path of the child `name`.
    fn child_lower_path(&self, name: &[u8]) -> Vec<Vec<u8>> {
        let mut p = self.state().lower_path.clone();
        p.push(name.to_vec());
        p
    }

    /// The lower directory a redirect names, from the lower root.
    fn lower_at(&self, path: &[Vec<u8>]) -> Option<Arc<dyn Inode>> {
        let mut cur = self.fs.lower_root.clone();
        for c in path {
            cur = cur.lookup(c).ok()?;
        }
        Some(cur)
    }

    /// Finds `name`: the upper entry (unless a whiteout), the lower one behind it (for
    /// directories, which merge; or where a redirect says), or the lower one alone (or its
    /// copied-up twin, for a hard-linked file).
    fn find(self: &Arc<Self>, name: &[u8]) -> Result<Arc<OvInode>, Errno> {
        let upper = self.upper().and_then(|u| u.child(name));
        if let Some(u) = &upper {
            if is_whiteout(u) {
                return Err(Errno::ENOENT);
            }
            if !u.stat().is_ok_and(|st| is_dir(&st)) || is_opaque(u) {
                return Ok(self.child_inode(name, None, upper, Vec::new()));
            }
            let (lower, path) = match u.getxattr(REDIRECT) {
                Ok(target) => {
                    let path: Vec<Vec<u8>> = target
                        .split(|&b| b == b'/')
                        .filter(|c| !c.is_empty())
                        .map(<[u8]>::to_vec)
                        .collect();
                    (self.lower_at(&path), path)
                }
                Err(_) => (self.lower_child(name)?, self.child_lower_path(name)),
            };
            let lower = lower.filter(|l| l.stat().is_ok_and(|st| is_dir(&st)));
            return Ok(self.child_inode(name, lower, upper, path));
        }
        let lower = self.lower_child(name)?.ok_or(Errno::ENOENT)?;
        let path = self.child_lower_path(name);
        let st = lower.stat()?;
        if !is_dir(&st) && st.st_nlink > 1 {
            let twin = self
                .fs
                .index
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&st.st_ino)
                .cloned();
            if let Some(twin) = twin {
                // Another name of this file was copied up: this name leads there too.
                let dir = self.copy_up()?;
                dir.insert(name, twin.clone())?;
                return Ok(self.child_inode(name, Some(lower), Some(twin), path));
            }
        }
        Ok(self.child_inode(name, Some(lower), None, path))
    }

    /// Makes sure this file has an upper copy, copying its parents up first.
    fn copy_up(&self) -> Result<Arc<TmpInode>, Errno> {
        if let Some(u) = self.upper() {
            return Ok(u);
        }
        let (parent, name) = {
            let s = self.state();
            (s.parent.clone().ok_or(Errno::EIO)?, s.name.clone())
        };
        let pdir = parent.copy_up()?;
        let lower = self.lower.as_ref().ok_or(Errno::EIO)?;
        let st = lower.stat()?;
        let perm = st.st_mode & 0o7777;
        let node = match st.st_mode & libc::S_IFMT {
            libc::S_IFDIR => NewNode::Dir(perm),
            libc::S_IFREG => NewNode::File(perm),
            libc::S_IFLNK => NewNode::Symlink(lower.readlink()?),
            _ => NewNode::Node(st.st_mode, st.st_rdev),
        };
        let mut s = self.state();
        if let Some(u) = &s.upper {
            return Ok(u.clone());
        }
        let linked = !is_dir(&st) && st.st_nlink > 1;
        if linked {
            let twin = self
                .fs
                .index
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&st.st_ino)
                .cloned();
            if let Some(twin) = twin {
                pdir.insert(&name, twin.clone())?;
                s.upper = Some(twin.clone());
                return Ok(twin);
            }
        }
        let upper = pdir.create_node(&name, node, st.st_uid, st.st_gid)?;
        if linked {
            // Every lower name still counts, as each will lead to this copy.
            upper.set_nlink(st.st_nlink);
            self.fs
                .index
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(st.st_ino, upper.clone());
        }
        if st.st_mode & libc::S_IFMT == libc::S_IFREG {
            let src = lower.clone().open(libc::O_RDONLY as u32)?;
            let fd = upper.data_fd().map_or(-1, |f| f.as_raw_fd());
            if let Err(e) = copy_data(&*src, fd) {
                let _ = pdir.unlink(&name, false);
                return Err(e);
            }
        }
        if let Ok(attrs) = lower.listxattr() {
            for n in attrs.split(|&b| b == 0).filter(|n| n.starts_with(b"user.")) {
                if let Ok(v) = lower.getxattr(n) {
                    let _ = upper.setxattr(n, &v, 0);
                }
            }
        }
        upper.setattr(&SetAttr {
            mode: Some(st.st_mode),
            atime: Some(libc::timespec {
                tv_sec: st.st_atime,
                tv_nsec: st.st_atime_nsec,
            }),
            mtime: Some(libc::timespec {
                tv_sec: st.st_mtime,
                tv_nsec: st.st_mtime_nsec,
            }),
            ..SetAttr::default()
        })?;
        s.upper = Some(upper.clone());
        Ok(upper)
    }

    /// The merged entries of this directory.
    fn merged(&self) -> Result<BTreeMap<Vec<u8>, DirEntry>, Errno> {
        let mut out = BTreeMap::new();
        let upper = self.upper();
        let opaque = upper.as_ref().is_some_and(|u| is_opaque(u));
        let mut hidden = Vec::new();
        if let Some(u) = &upper {
            for e in u.readdir()? {
                let child = u.child(&e.name);
                if child.as_ref().is_some_and(|c| is_whiteout(c)) {
                    hidden.push(e.name);
                } else {
                    out.insert(e.name.clone(), e);
                }
            }
        }
        if let (Some(lower), false) = (&self.lower, opaque) {
            for e in self.lower_entries(lower)?.iter() {
                if hidden.contains(&e.name) {
                    continue;
                }
                // A copied-up file keeps its lower inode number.
                out.insert(e.name.clone(), e.clone());
            }
        }
        Ok(out)
    }

    /// The entries of `lower`, this directory's lower layer, read once (`lower_entries`).
    fn lower_entries(&self, lower: &Arc<dyn Inode>) -> Result<Arc<Vec<DirEntry>>, Errno> {
        let mut cached = self.lower_entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = cached.as_ref() {
            return Ok(e.clone());
        }
        let entries = Arc::new(lower.readdir()?);
        *cached = Some(entries.clone());
        Ok(entries)
    }

    fn make_whiteout(upper_dir: &TmpInode, name: &[u8]) -> Result<(), Errno> {
        upper_dir.create_node(name, NewNode::Node(libc::S_IFCHR, 0), 0, 0)?;
        Ok(())
    }

    /// Clears a whiteout at `name` before a new file takes the name; returns whether there
    /// was one (a directory made there must then be opaque).
    fn clear_whiteout(upper_dir: &TmpInode, name: &[u8]) -> Result<bool, Errno> {
        match upper_dir.child(name) {
            Some(c) if is_whiteout(&c) => {
                upper_dir.unlink(name, false)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn merged_empty(&self) -> Result<bool, Errno> {
        Ok(self.merged()?.is_empty())
    }
}

impl OvInode {
    pub fn stat(&self) -> Result<Stat, Errno> {
        let mut st = match (self.upper(), &self.lower) {
            (Some(u), lower) => {
                let mut st = u.stat()?;
                if let Some(l) = lower {
                    st.st_ino = l.stat()?.st_ino;
                }
                st
            }
            (None, Some(l)) => l.stat()?,
            (None, None) => return Err(Errno::EIO),
        };
        if is_dir(&st) && self.upper().is_some() {
            // Directories show the size the lower file system gives them (a block), not
            // the in-memory upper layer's.
            let lower = self.lower.as_ref().and_then(|l| l.stat().ok());
            st.st_size = lower.map_or(4096, |l| l.st_size);
            st.st_blocks = lower.map_or(8, |l| l.st_blocks);
            st.st_blksize = 4096;
        }
        if is_dir(&st) && self.upper().is_some() && self.lower.is_some() {
            // A merged directory links its merged subdirectories.
            let mut cached = self.nlink.lock().unwrap_or_else(|e| e.into_inner());
            st.st_nlink = match *cached {
                Some(n) => n,
                None => {
                    let dt_dir = (libc::S_IFDIR >> 12) as u8;
                    let subdirs = self.merged()?.values().filter(|e| e.kind == dt_dir).count();
                    *cached.insert(2 + subdirs as u64)
                }
            };
        }
        st.st_dev = self.fs.dev;
        Ok(st)
    }

    pub fn statfs(&self) -> Result<Statfs, Errno> {
        let mut st = match &self.lower {
            Some(l) => l.statfs()?,
            None => super::tmpfs::tmpfs_statfs(),
        };
        st.f_type = OVERLAYFS_SUPER_MAGIC;
        st.f_flags &= !(libc::ST_RDONLY as i64);
        Ok(st)
    }

    pub fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        Ok(self.merged()?.into_values().collect())
    }

    pub fn readlink(&self) -> Result<Vec<u8>, Errno> {
        match (self.upper(), &self.lower) {
            (Some(u), _) => u.readlink(),
            (None, Some(l)) => l.readlink(),
            _ => Err(Errno::EINVAL),
        }
    }

    pub fn setattr(&self, attr: &SetAttr) -> Result<(), Errno> {
        self.copy_up()?.setattr(attr)
    }

    pub fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        if name.starts_with(b"trusted.overlay.") {
            return Err(Errno::ENODATA);
        }
        match (self.upper(), &self.lower) {
            (Some(u), _) => u.getxattr(name),
            (None, Some(l)) => l.getxattr(name),
            _ => Err(Errno::ENODATA),
        }
    }

    pub fn listxattr(&self) -> Result<Vec<u8>, Errno> {
        let all = match (self.upper(), &self.lower) {
            (Some(u), _) => u.listxattr()?,
            (None, Some(l)) => l.listxattr()?,
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        for n in all.split(|&b| b == 0).filter(|n| !n.is_empty()) {
            if !n.starts_with(b"trusted.overlay.") {
                out.extend_from_slice(n);
                out.push(0);
            }
        }
        Ok(out)
    }

    pub fn setxattr(&self, name: &[u8], value: &[u8], flags: i32) -> Result<(), Errno> {
        if name.starts_with(b"trusted.overlay.") {
            return Err(Errno::EPERM);
        }
        self.copy_up()?.setxattr(name, value, flags)
    }

    pub fn removexattr(&self, name: &[u8]) -> Result<(), Errno> {
        if name.starts_with(b"trusted.overlay.") {
            return Err(Errno::EPERM);
        }
        self.copy_up()?.removexattr(name)
    }

    pub fn open(self: Arc<Self>, flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
        let writes = flags & libc::O_ACCMODE as u32 != libc::O_RDONLY as u32
            || flags & libc::O_TRUNC as u32 != 0;
        if writes {
            return self.copy_up()?.open(flags);
        }
        match (self.upper(), &self.lower) {
            (Some(u), _) => u.open(flags),
            (None, Some(l)) => {
                let lower = l.clone().open(flags)?;
                if lower.positional_fd().is_none() {
                    return Ok(lower);
                }
                // A later write copies the file up: this open then reads the copy.
                Ok(Arc::new(OvFile {
                    inode: self.clone(),
                    lower,
                    upper: OnceLock::new(),
                    offset: Mutex::new(0),
                }))
            }
            _ => Err(Errno::EIO),
        }
    }
}

/// A lower regular file opened read-only: reads go to the lower file until the file is
/// copied up (by a write through another open), then to the upper copy, as Linux's
/// overlayfs does since 4.19.
struct OvFile {
    inode: Arc<OvInode>,
    lower: Arc<dyn FileOps>,
    upper: OnceLock<Arc<dyn FileOps>>,
    offset: Mutex<u64>,
}

impl OvFile {
    fn current(&self) -> &dyn FileOps {
        if let Some(u) = self.upper.get() {
            return &**u;
        }
        if let Some(up) = self.inode.upper() {
            if let Ok(f) = up.open(libc::O_RDONLY as u32) {
                return &**self.upper.get_or_init(|| f);
            }
        }
        &*self.lower
    }

    fn offset(&self) -> MutexGuard<'_, u64> {
        self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl FileOps for OvFile {
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut off = self.offset();
        let n = self.current().pread(buf, *off)?;
        *off += n as u64;
        Ok(n)
    }

    fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        self.current().pread(buf, offset)
    }

    fn write(&self, _buf: &[u8]) -> Result<usize, Errno> {
        Err(Errno::EBADF)
    }

    fn seek(&self, offset: i64, whence: i32) -> Result<u64, Errno> {
        let mut off = self.offset();
        let new = match whence {
            libc::SEEK_SET => Some(offset),
            libc::SEEK_CUR => (*off as i64).checked_add(offset),
            libc::SEEK_END => self.inode.stat()?.st_size.checked_add(offset),
            libc::SEEK_DATA | libc::SEEK_HOLE => {
                let f = self.current();
                f.seek(*off as i64, libc::SEEK_SET)?;
                Some(f.seek(offset, whence)? as i64)
            }
            _ => return Err(Errno::EINVAL),
        };
        let new = new.filter(|&n| n >= 0).ok_or(Errno::EINVAL)?;
        *off = new as u64;
        Ok(new as u64)
    }

    fn stat(&self) -> Result<libc::stat, Errno> {
        self.inode.stat()
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        self.inode.statfs()
    }

    fn mappable_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        self.current().mappable_fd()
    }

    fn positional_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        self.current().positional_fd()
    }

    fn cache_identity(&self) -> Option<(u64, u64)> {
        // Only while the file is still the lower one (a copy-up makes it changeable).
        if self.upper.get().is_some() || self.inode.upper().is_some() {
            return None;
        }
        self.lower.cache_identity()
    }

    fn fsync(&self, _data_only: bool) -> Result<(), Errno> {
        Ok(())
    }

    fn path(&self) -> &str {
        "overlay"
    }
}

/// The overlay's inodes as the VFS sees them: directory operations need the directory's own
/// Arc (children point to their parent), which this wrapper holds.
pub struct OvDir(pub Arc<OvInode>);

impl OvDir {
    fn wrap(i: Arc<OvInode>) -> Arc<dyn Inode> {
        Arc::new(OvDir(i))
    }

    fn unwrap(i: &Arc<dyn Inode>) -> Result<Arc<OvInode>, Errno> {
        i.as_any()
            .downcast_ref::<OvDir>()
            .map(|d| d.0.clone())
            .ok_or(Errno::EXDEV)
    }
}

impl Inode for OvDir {
    fn stat(&self) -> Result<Stat, Errno> {
        self.0.stat()
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        self.0.statfs()
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn Inode>, Errno> {
        Ok(OvDir::wrap(self.0.find(name)?))
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        let st = self.0.stat()?;
        if !is_dir(&st) {
            return Err(Errno::ENOTDIR);
        }
        self.0.readdir()
    }

    fn create(&self, name: &[u8], node: NewNode, creds: &Creds) -> Result<Arc<dyn Inode>, Errno> {
        let dir = &self.0;
        if dir.find(name).is_ok() {
            return Err(Errno::EEXIST);
        }
        let upper_dir = dir.copy_up()?;
        let had_whiteout = OvInode::clear_whiteout(&upper_dir, name)?;
        let is_new_dir = matches!(node, NewNode::Dir(_));
        let upper = upper_dir.create_node(name, node, creds.uid, creds.gid)?;
        if is_new_dir && (had_whiteout || dir.lower_child(name)?.is_some()) {
            upper.setxattr(OPAQUE, b"y", 0)?;
        }
        dir.forget_child(name);
        let path = dir.child_lower_path(name);
        Ok(OvDir::wrap(dir.child_inode(name, None, Some(upper), path)))
    }

    fn link(&self, name: &[u8], target: &Arc<dyn Inode>) -> Result<(), Errno> {
        let target = OvDir::unwrap(target)?;
        if self.0.find(name).is_ok() {
            return Err(Errno::EEXIST);
        }
        let upper_target = target.copy_up()?;
        let upper_dir = self.0.copy_up()?;
        OvInode::clear_whiteout(&upper_dir, name)?;
        let t: Arc<dyn Inode> = upper_target;
        upper_dir.link(name, &t)?;
        self.0.forget_child(name);
        Ok(())
    }

    fn unlink(&self, name: &[u8], want_dir: bool) -> Result<(), Errno> {
        let dir = &self.0;
        let victim = dir.find(name)?;
        let st = victim.stat()?;
        match (want_dir, is_dir(&st)) {
            (true, false) => return Err(Errno::ENOTDIR),
            (false, true) => return Err(Errno::EISDIR),
            (true, true) if !victim.merged_empty()? => return Err(Errno::ENOTEMPTY),
            _ => {}
        }
        let upper_dir = dir.copy_up()?;
        if let Some(u) = upper_dir.child(name) {
            if want_dir {
                // Empty as merged: only whiteouts are left in its upper part.
                clear_whiteouts(&u)?;
            }
            upper_dir.unlink(name, want_dir)?;
        }
        if dir.lower_child(name)?.is_some() {
            OvInode::make_whiteout(&upper_dir, name)?;
        }
        dir.forget_child(name);
        Ok(())
    }

    fn rename(
        &self,
        old: &[u8],
        new_dir: &Arc<dyn Inode>,
        new: &[u8],
        flags: u32,
    ) -> Result<(), Errno> {
        let (src, dst) = (&self.0, OvDir::unwrap(new_dir)?);
        let moving = src.find(old)?;
        let moving_st = moving.stat()?;
        // A directory with a lower part moves with a redirect to it (overlayfs's
        // redirect_dir); exchanging two such is not supported.
        let redirect = is_dir(&moving_st) && moving.lower.is_some();
        if redirect && flags & libc::RENAME_EXCHANGE != 0 {
            return Err(Errno::EXDEV);
        }
        let target = dst.find(new).ok();
        if let Some(t) = &target {
            if flags & libc::RENAME_EXCHANGE != 0 {
                if is_dir(&t.stat()?) && t.lower.is_some() {
                    return Err(Errno::EXDEV);
                }
                t.copy_up()?;
            } else if is_dir(&t.stat()?) && is_dir(&moving_st) && !t.merged_empty()? {
                return Err(Errno::ENOTEMPTY);
            }
        } else if flags & libc::RENAME_EXCHANGE != 0 {
            return Err(Errno::ENOENT);
        }
        moving.copy_up()?;
        let (su, du) = (src.copy_up()?, dst.copy_up()?);
        let dest_had_lower = dst.lower_child(new)?.is_some();
        if flags & libc::RENAME_EXCHANGE == 0 {
            // A whiteout or a lower-only file at the destination: the upper name is free.
            OvInode::clear_whiteout(&du, new)?;
            if let Some(t) = &target {
                if t.upper().is_none() {
                    // Only in the lower layer: the rename hides it.
                } else if is_dir(&t.stat()?) && t.lower.is_some() {
                    // A merged empty directory: remove its upper part first.
                    if let Some(u) = du.child(new) {
                        clear_whiteouts(&u)?;
                    }
                    du.unlink(new, true)?;
                }
            }
        }
        let du_dyn: Arc<dyn Inode> = du.clone();
        su.rename(old, &du_dyn, new, flags)?;
        if flags & libc::RENAME_EXCHANGE == 0 {
            if src.lower_child(old)?.is_some() {
                OvInode::make_whiteout(&su, old)?;
            }
            if let Some(u) = du.child(new).filter(|_| is_dir(&moving_st)) {
                if redirect {
                    let mut target = Vec::new();
                    for c in &moving.state().lower_path {
                        target.push(b'/');
                        target.extend_from_slice(c);
                    }
                    u.setxattr(REDIRECT, &target, 0)?;
                } else if dest_had_lower {
                    u.setxattr(OPAQUE, b"y", 0)?;
                }
            }
        }
        // The moved inode now lives under its new name.
        let moved = src.forget_child(old);
        let replaced = dst.forget_child(new);
        for (inode, parent, name) in [(moved, &dst, new), (replaced, src, old)] {
            if let Some(i) = inode {
                {
                    let mut s = i.state();
                    s.parent = Some(parent.clone());
                    s.name = name.to_vec();
                }
                if flags & libc::RENAME_EXCHANGE != 0 || Arc::ptr_eq(parent, &dst) {
                    parent
                        .children
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(name.to_vec(), Arc::downgrade(&i));
                }
            }
        }
        Ok(())
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        self.0.readlink()
    }

    fn setattr(&self, attr: &SetAttr) -> Result<(), Errno> {
        self.0.setattr(attr)
    }

    fn open(self: Arc<Self>, flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
        self.0.clone().open(flags)
    }

    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        self.0.getxattr(name)
    }

    fn listxattr(&self) -> Result<Vec<u8>, Errno> {
        self.0.listxattr()
    }

    fn setxattr(&self, name: &[u8], value: &[u8], flags: i32) -> Result<(), Errno> {
        self.0.setxattr(name, value, flags)
    }

    fn removexattr(&self, name: &[u8]) -> Result<(), Errno> {
        self.0.removexattr(name)
    }

    fn fsync(&self) -> Result<(), Errno> {
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}
