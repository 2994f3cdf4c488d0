//! The sandbox's virtual file system: inodes of several file systems, a dentry cache that
//! names them, a mount table that joins the file systems into one tree, and path resolution
//! over it exactly as Linux resolves (symlinks, `..`, mount crossings, ELOOP after 40 links).
//!
//! File systems implement [`Inode`]. The tree itself ([`Dentry`], [`Mount`], [`Path`]) and
//! everything that depends on names (permissions on the walk, mount flags, sticky directories,
//! the checks of each syscall) lives here, so each file system only answers for its own inodes.

pub mod devfs;
pub mod devpts;
pub mod dir;
pub mod gofer;
pub mod ops;
pub mod overlay;
pub mod proc;
mod resolve;
pub mod setup;
pub mod synth;
pub mod tmpfs;

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::errno::Errno;
use crate::fs::{FileOps, Statfs};

pub use resolve::{Lookup, RESOLVE_ALL};

/// `struct stat` as the x86_64 kernel fills it.
pub type Stat = libc::stat;

/// The longest name of one path component.
pub const NAME_MAX: usize = 255;
/// Symlinks followed in one resolution before ELOOP (Linux's MAXSYMLINKS).
pub const MAX_SYMLINKS: u32 = 40;

/// A new node for [`Inode::create`].
#[derive(Clone, Debug)]
pub enum NewNode {
    /// A regular file with these permission bits.
    File(u32),
    Dir(u32),
    Symlink(Vec<u8>),
    /// A FIFO or socket (the whole mode, type included) and, for devices, the rdev.
    Node(u32, u64),
}

/// The attribute changes of chmod, chown, truncate and utimensat; `None` keeps a field.
#[derive(Clone, Debug, Default)]
pub struct SetAttr {
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub size: Option<u64>,
    pub atime: Option<libc::timespec>,
    pub mtime: Option<libc::timespec>,
}

/// One directory entry, as getdents64 reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub ino: u64,
    /// `DT_*`.
    pub kind: u8,
    pub name: Vec<u8>,
}

/// Who asks: the ids permission checks use (the fs ids of the calling task).
#[derive(Clone, Debug)]
pub struct Creds {
    pub uid: u32,
    pub gid: u32,
    pub groups: Arc<[u32]>,
    /// CAP_DAC_OVERRIDE (and, here, CAP_FOWNER and CAP_CHOWN with it): root's bypass.
    pub dac_override: bool,
}

impl Creds {
    pub fn root() -> Creds {
        Creds {
            uid: 0,
            gid: 0,
            groups: Arc::from([]),
            dac_override: true,
        }
    }

    fn in_group(&self, gid: u32) -> bool {
        self.gid == gid || self.groups.contains(&gid)
    }

    /// Linux's generic_permission: `mask` of `R_OK | W_OK | X_OK` on a file with `st`. Root
    /// (CAP_DAC_OVERRIDE) may read and write anything, and execute what anyone may, or any
    /// directory.
    pub fn may(&self, st: &Stat, mask: i32) -> Result<(), Errno> {
        let mode = st.st_mode;
        if self.dac_override {
            let is_dir = mode & libc::S_IFMT == libc::S_IFDIR;
            if mask & libc::X_OK == 0 || is_dir || mode & 0o111 != 0 {
                return Ok(());
            }
            return Err(Errno::EACCES);
        }
        let bits = if self.uid == st.st_uid {
            (mode >> 6) & 7
        } else if self.in_group(st.st_gid) {
            (mode >> 3) & 7
        } else {
            mode & 7
        };
        if (mask as u32) & !bits & 7 != 0 {
            return Err(Errno::EACCES);
        }
        Ok(())
    }

    /// Whether the caller owns `st` or is root (chmod, utimes to a given time, sticky bits).
    pub fn owns(&self, st: &Stat) -> bool {
        self.dac_override || self.uid == st.st_uid
    }

    /// Whether the caller is in group `gid`.
    pub fn member(&self, gid: u32) -> bool {
        self.in_group(gid)
    }
}

/// A file of some file system. Each method's default is what Linux answers where the file
/// type does not support it; a file system implements what it has.
pub trait Inode: Send + Sync + Any {
    fn stat(&self) -> Result<Stat, Errno>;
    fn statfs(&self) -> Result<Statfs, Errno>;

    /// The child `name` of this directory (never `.` or `..`).
    fn lookup(&self, _name: &[u8]) -> Result<Arc<dyn Inode>, Errno> {
        Err(Errno::ENOTDIR)
    }
    /// The entries of this directory, `.` and `..` excluded.
    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        Err(Errno::ENOTDIR)
    }
    /// Makes `name` in this directory (EEXIST if it is there), owned by `creds`.
    fn create(
        &self,
        _name: &[u8],
        _node: NewNode,
        _creds: &Creds,
    ) -> Result<Arc<dyn Inode>, Errno> {
        Err(Errno::ENOTDIR)
    }
    /// A hard link `name` here to `target`, an inode of the same file system.
    fn link(&self, _name: &[u8], _target: &Arc<dyn Inode>) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }
    /// Removes `name` (a directory if `dir`, which must be empty).
    fn unlink(&self, _name: &[u8], _dir: bool) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }
    /// renameat2 of `old` here to `new` in `new_dir` (same file system; `flags` is
    /// RENAME_NOREPLACE or RENAME_EXCHANGE or 0). The VFS has made the generic checks.
    fn rename(
        &self,
        _old: &[u8],
        _new_dir: &Arc<dyn Inode>,
        _new: &[u8],
        _flags: u32,
    ) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }
    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        Err(Errno::EINVAL)
    }
    /// A magic link (`/proc/self/fd/N`): resolves to an object, not by its text.
    fn magic_link(&self) -> Option<Result<Path, Errno>> {
        None
    }
    fn setattr(&self, _attr: &SetAttr) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }
    /// Opens a file that is not a directory (the VFS serves directories itself). `flags` are
    /// the open flags; access checks are done.
    fn open(self: Arc<Self>, _flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
        Err(Errno::ENXIO)
    }
    fn getxattr(&self, _name: &[u8]) -> Result<Vec<u8>, Errno> {
        Err(Errno::ENODATA)
    }
    /// The attribute names, each NUL-terminated.
    fn listxattr(&self) -> Result<Vec<u8>, Errno> {
        Ok(Vec::new())
    }
    fn setxattr(&self, _name: &[u8], _value: &[u8], _flags: i32) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }
    fn removexattr(&self, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }
    /// Whether the dentry cache may keep this directory's children (false for /proc, whose
    /// entries come and go with tasks).
    fn cache_children(&self) -> bool {
        true
    }
    /// fsync(2) of the file's data and metadata.
    fn fsync(&self) -> Result<(), Errno> {
        Ok(())
    }
    fn as_any(&self) -> &dyn Any;
    /// The inode as `Any`, to downcast an `Arc<dyn Inode>` of one's own file system.
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

/// The file type of a mode.
pub fn file_type(mode: u32) -> u32 {
    mode & libc::S_IFMT
}

pub fn is_dir(st: &Stat) -> bool {
    file_type(st.st_mode) == libc::S_IFDIR
}

/// The `DT_*` of a mode.
pub fn dirent_type(mode: u32) -> u8 {
    (file_type(mode) >> 12) as u8
}

/// A zeroed stat with these basics filled.
pub fn new_stat(dev: u64, ino: u64, mode: u32, nlink: u64) -> Stat {
    // SAFETY: an all-zero stat is a valid value.
    let mut st: Stat = unsafe { std::mem::zeroed() };
    st.st_dev = dev;
    st.st_ino = ino;
    st.st_mode = mode;
    st.st_nlink = nlink;
    st.st_blksize = 4096;
    st
}

/// A device number for a sentry-made file system (major 0, as Linux's anonymous devices).
pub fn anon_dev() -> u64 {
    static NEXT: AtomicU32 = AtomicU32::new(20);
    libc::makedev(0, NEXT.fetch_add(1, Ordering::Relaxed))
}

/// An inode number unique in the sandbox, for sentry-made files.
pub fn next_ino() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(2);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The current time as a timespec (for file times).
pub fn now() -> libc::timespec {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    libc::timespec {
        tv_sec: d.as_secs() as i64,
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}

/// A name in the tree: an inode, the name it was found by, and its parent.
pub struct Dentry {
    pub inode: Arc<dyn Inode>,
    link: Mutex<Link>,
    children: Mutex<HashMap<Vec<u8>, Weak<Dentry>>>,
    /// How many mounts sit on this dentry (checked without locking the mount table).
    mounted: AtomicU32,
    /// Removed from its directory (unlink, rmdir, or replaced by rename).
    dead: AtomicBool,
}

struct Link {
    name: Vec<u8>,
    parent: Option<Arc<Dentry>>,
    /// Open file descriptions at this dentry (not O_PATH ones).
    opens: usize,
    /// The inode identity whose IN_DELETE_SELF waits for the last of them to close.
    delete_pending: Option<(u64, u64)>,
}

impl Dentry {
    /// The root dentry of a file system.
    pub fn new_root(inode: Arc<dyn Inode>) -> Arc<Dentry> {
        Dentry::new(inode, b"/".to_vec(), None)
    }

    /// A dentry outside any directory (memfd, O_TMPFILE): shown by `name`, as unlinked.
    pub fn new_named(inode: Arc<dyn Inode>, name: String) -> Arc<Dentry> {
        let d = Dentry::new(inode, name.into_bytes(), None);
        d.dead.store(true, Ordering::Relaxed);
        d
    }

    fn new(inode: Arc<dyn Inode>, name: Vec<u8>, parent: Option<Arc<Dentry>>) -> Arc<Dentry> {
        Arc::new(Dentry {
            inode,
            link: Mutex::new(Link {
                name,
                parent,
                opens: 0,
                delete_pending: None,
            }),
            children: Mutex::new(HashMap::new()),
            mounted: AtomicU32::new(0),
            dead: AtomicBool::new(false),
        })
    }

    fn link(&self) -> std::sync::MutexGuard<'_, Link> {
        self.link.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn children(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, Weak<Dentry>>> {
        self.children.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn parent(&self) -> Option<Arc<Dentry>> {
        self.link().parent.clone()
    }

    pub fn name(&self) -> Vec<u8> {
        self.link().name.clone()
    }

    /// An open file description now holds this dentry.
    pub fn open_ref(&self) {
        self.link().opens += 1;
    }

    /// An open file description holding this dentry went; if it was the last and the inode
    /// lost its last name meanwhile, the identity whose IN_DELETE_SELF was waiting.
    pub fn open_unref(&self) -> Option<(u64, u64)> {
        let mut l = self.link();
        l.opens = l.opens.saturating_sub(1);
        if l.opens == 0 {
            l.delete_pending.take()
        } else {
            None
        }
    }

    /// The inode `key` lost its last name here: true if open files keep it alive, and the
    /// deletion is then reported when the last closes (Linux's inode stays until then).
    pub fn delete_when_closed(&self, key: (u64, u64)) -> bool {
        let mut l = self.link();
        if l.opens > 0 {
            l.delete_pending = Some(key);
            true
        } else {
            false
        }
    }

    pub fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Relaxed)
    }

    pub fn stat(&self) -> Result<Stat, Errno> {
        self.inode.stat()
    }

    /// The cached child `name`, if it is still alive.
    fn cached(&self, name: &[u8]) -> Option<Arc<Dentry>> {
        self.children().get(name).and_then(Weak::upgrade)
    }

    /// The child `name`: from the cache, or looked up and cached.
    fn child(self: &Arc<Self>, name: &[u8]) -> Result<Arc<Dentry>, Errno> {
        if let Some(d) = self.cached(name) {
            return Ok(d);
        }
        let inode = self.inode.lookup(name)?;
        let d = Dentry::new(inode, name.to_vec(), Some(self.clone()));
        if self.inode.cache_children() {
            let mut children = self.children();
            // Another thread may have looked it up meanwhile: keep one dentry per name.
            if let Some(existing) = children.get(name).and_then(Weak::upgrade) {
                return Ok(existing);
            }
            if children.len() > 64 {
                children.retain(|_, w| w.strong_count() > 0);
            }
            children.insert(name.to_vec(), Arc::downgrade(&d));
        }
        Ok(d)
    }

    /// Forgets the child `name` (it was removed or replaced).
    fn forget(&self, name: &[u8]) {
        if let Some(d) = self.children().remove(name).and_then(|w| w.upgrade()) {
            d.dead.store(true, Ordering::Relaxed);
        }
    }

    /// Records a rename of the child `old` here to `new` in `new_parent`.
    fn moved(self: &Arc<Self>, old: &[u8], new_parent: &Arc<Dentry>, new: &[u8]) {
        new_parent.forget(new);
        let moved = self.children().remove(old).and_then(|w| w.upgrade());
        if let Some(d) = moved {
            {
                let mut l = d.link();
                l.name = new.to_vec();
                l.parent = Some(new_parent.clone());
            }
            new_parent
                .children()
                .insert(new.to_vec(), Arc::downgrade(&d));
        }
    }
}

/// Flags of a mount (`MS_*` as mount(2) takes them).
pub const MS_RDONLY: u32 = libc::MS_RDONLY as u32;

/// A file system mounted somewhere in the tree.
pub struct Mount {
    pub id: u32,
    pub root: Arc<Dentry>,
    /// Where it is mounted; `None` for the root mount.
    pub parent: Option<Path>,
    flags: AtomicU32,
    /// The file system's type and source, as /proc/mounts shows them.
    pub fs_type: String,
    pub source: String,
}

impl Mount {
    pub fn read_only(&self) -> bool {
        self.flags.load(Ordering::Relaxed) & MS_RDONLY != 0
    }

    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }
}

/// A place in the tree: a dentry as seen through a mount.
#[derive(Clone)]
pub struct Path {
    pub mnt: Arc<Mount>,
    pub dentry: Arc<Dentry>,
}

impl Path {
    pub fn inode(&self) -> &Arc<dyn Inode> {
        &self.dentry.inode
    }

    pub fn stat(&self) -> Result<Stat, Errno> {
        self.dentry.inode.stat()
    }

    pub fn same(&self, other: &Path) -> bool {
        Arc::ptr_eq(&self.mnt, &other.mnt) && Arc::ptr_eq(&self.dentry, &other.dentry)
    }

    fn is_mount_root(&self) -> bool {
        Arc::ptr_eq(&self.dentry, &self.mnt.root)
    }

    /// EROFS if the mount is read-only.
    pub fn writable_mount(&self) -> Result<(), Errno> {
        if self.mnt.read_only() {
            return Err(Errno::EROFS);
        }
        Ok(())
    }
}

type MountKey = (usize, usize);

fn mount_key(p: &Path) -> MountKey {
    (
        Arc::as_ptr(&p.mnt) as *const u8 as usize,
        Arc::as_ptr(&p.dentry) as *const u8 as usize,
    )
}

#[derive(Default)]
struct MountTable {
    /// Mounts by the place they sit on; the last is on top.
    on: HashMap<MountKey, Vec<Arc<Mount>>>,
    /// Every mount, in mount order (for /proc/mounts).
    all: Vec<Arc<Mount>>,
}

/// How many recently used dentries stay cached although nothing holds them.
const DENTRY_LRU: usize = 4096;

/// The sandbox's file tree.
pub struct Vfs {
    mounts: Mutex<MountTable>,
    root: Path,
    next_mount_id: AtomicU32,
    /// Keeps recently used dentries (and so the gofer's handles for them) alive.
    lru: Mutex<VecDeque<Arc<Dentry>>>,
}

impl Vfs {
    /// A tree whose root is `root`, a file system of type `fs_type`.
    pub fn new(root: Arc<dyn Inode>, fs_type: &str, source: &str, flags: u32) -> Vfs {
        let mnt = Arc::new(Mount {
            id: 1,
            root: Dentry::new_root(root),
            parent: None,
            flags: AtomicU32::new(flags),
            fs_type: fs_type.to_string(),
            source: source.to_string(),
        });
        let root = Path {
            dentry: mnt.root.clone(),
            mnt: mnt.clone(),
        };
        let table = MountTable {
            all: vec![mnt],
            ..MountTable::default()
        };
        Vfs {
            mounts: Mutex::new(table),
            root,
            next_mount_id: AtomicU32::new(2),
            lru: Mutex::new(VecDeque::with_capacity(DENTRY_LRU)),
        }
    }

    /// The root of the tree (what chroot changes per process).
    pub fn root(&self) -> Path {
        self.root.clone()
    }

    fn table(&self) -> std::sync::MutexGuard<'_, MountTable> {
        self.mounts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Mounts the file system whose root is `root` on `at`.
    pub fn mount(
        &self,
        at: &Path,
        root: Arc<dyn Inode>,
        fs_type: &str,
        source: &str,
        flags: u32,
    ) -> Arc<Mount> {
        self.mount_dentry(at, Dentry::new_root(root), fs_type, source, flags)
    }

    /// Mounts `root` (a dentry of some file system: a bind mount) on `at`.
    pub fn mount_dentry(
        &self,
        at: &Path,
        root: Arc<Dentry>,
        fs_type: &str,
        source: &str,
        flags: u32,
    ) -> Arc<Mount> {
        let mnt = Arc::new(Mount {
            id: self.next_mount_id.fetch_add(1, Ordering::Relaxed),
            root,
            parent: Some(at.clone()),
            flags: AtomicU32::new(flags),
            fs_type: fs_type.to_string(),
            source: source.to_string(),
        });
        let mut t = self.table();
        t.on.entry(mount_key(at)).or_default().push(mnt.clone());
        t.all.push(mnt.clone());
        at.dentry.mounted.fetch_add(1, Ordering::Relaxed);
        mnt
    }

    /// Unmounts the mount whose root `at` is: EINVAL if `at` is not a mount root, EBUSY if
    /// something is mounted below it or (unless `detach`) it is in use.
    pub fn unmount(&self, at: &Path, detach: bool) -> Result<(), Errno> {
        if !at.is_mount_root() {
            return Err(Errno::EINVAL);
        }
        let mnt = &at.mnt;
        let parent = mnt.parent.clone().ok_or(Errno::EBUSY)?;
        let mut t = self.table();
        // In use: an open file, a working directory or a root inside holds the mount
        // (beyond the table's two references and the caller's `at`). MNT_DETACH goes anyway.
        if !detach && Arc::strong_count(mnt) > 3 {
            return Err(Errno::EBUSY);
        }
        if t.all
            .iter()
            .any(|m| m.parent.as_ref().is_some_and(|p| Arc::ptr_eq(&p.mnt, mnt)))
        {
            return Err(Errno::EBUSY);
        }
        let key = mount_key(&parent);
        if let Some(stack) = t.on.get_mut(&key) {
            stack.retain(|m| !Arc::ptr_eq(m, mnt));
            if stack.is_empty() {
                t.on.remove(&key);
            }
        }
        t.all.retain(|m| !Arc::ptr_eq(m, mnt));
        parent.dentry.mounted.fetch_sub(1, Ordering::Relaxed);
        Ok(())
    }

    /// Every mount, in mount order.
    pub fn mounts(&self) -> Vec<Arc<Mount>> {
        self.table().all.clone()
    }

    /// The mount on top of `p`, if any.
    fn mounted_on(&self, p: &Path) -> Option<Arc<Mount>> {
        if p.dentry.mounted.load(Ordering::Relaxed) == 0 {
            return None;
        }
        self.table()
            .on
            .get(&mount_key(p))
            .and_then(|s| s.last().cloned())
    }

    /// Keeps `d` cached for a while although nothing holds it.
    fn touch(&self, d: &Arc<Dentry>) {
        let mut lru = self.lru.lock().unwrap_or_else(|e| e.into_inner());
        if lru.len() >= DENTRY_LRU {
            lru.pop_front();
        }
        lru.push_back(d.clone());
    }

    /// Whether `p` is `root` or below it.
    pub fn is_below(&self, p: &Path, root: &Path) -> bool {
        let mut cur = p.clone();
        loop {
            if cur.same(root) {
                return true;
            }
            if cur.is_mount_root() {
                match &cur.mnt.parent {
                    Some(parent) => cur = parent.clone(),
                    None => return false,
                }
                continue;
            }
            match cur.dentry.parent() {
                Some(parent) => {
                    cur = Path {
                        mnt: cur.mnt.clone(),
                        dentry: parent,
                    }
                }
                None => return false,
            }
        }
    }

    /// The path of `p` as seen from `root`, as getcwd and /proc show it. A path that is not
    /// below `root` is shown from the real root; an unlinked one gets " (deleted)".
    pub fn path_string(&self, p: &Path, root: &Path) -> String {
        String::from_utf8_lossy(&self.path_bytes(p, root)).into_owned()
    }

    /// As [`Vfs::path_string`], the bytes as they are: file names need not be UTF-8, and
    /// getcwd, readlink and /proc must give them back unchanged.
    pub fn path_bytes(&self, p: &Path, root: &Path) -> Vec<u8> {
        let mut parts: Vec<Vec<u8>> = Vec::new();
        let mut cur = p.clone();
        loop {
            if cur.same(root) {
                break;
            }
            if cur.is_mount_root() {
                match &cur.mnt.parent {
                    Some(parent) => {
                        cur = parent.clone();
                        continue;
                    }
                    None => break,
                }
            }
            let Some(parent) = cur.dentry.parent() else {
                // Detached (memfd, O_TMPFILE): its own name says what it is.
                let mut s = cur.dentry.name();
                s.extend_from_slice(b" (deleted)");
                return s;
            };
            parts.push(cur.dentry.name());
            cur = Path {
                mnt: cur.mnt.clone(),
                dentry: parent,
            };
        }
        let mut out = Vec::new();
        for part in parts.iter().rev() {
            out.push(b'/');
            out.extend_from_slice(part);
        }
        if out.is_empty() {
            out.push(b'/');
        }
        if p.dentry.is_dead() {
            out.extend_from_slice(b" (deleted)");
        }
        out
    }
}

/// Where a mutation of a directory entry happens: the directory and the name in it.
pub struct Parent {
    pub dir: Path,
    pub name: Vec<u8>,
}

impl Parent {
    /// The generic checks before adding or removing a name: a directory, on a writable
    /// mount, that the caller may write and search.
    pub fn may_modify(&self, creds: &Creds) -> Result<Stat, Errno> {
        let st = self.dir.stat()?;
        if !is_dir(&st) {
            return Err(Errno::ENOTDIR);
        }
        creds.may(&st, libc::W_OK | libc::X_OK)?;
        self.dir.writable_mount()?;
        Ok(st)
    }
}

/// Sticky directories: only the owner of the file or of the directory (or root) removes or
/// renames an entry.
pub fn sticky_check(creds: &Creds, dir: &Stat, victim: &Stat) -> Result<(), Errno> {
    if dir.st_mode & libc::S_ISVTX != 0
        && !creds.dac_override
        && creds.uid != dir.st_uid
        && creds.uid != victim.st_uid
    {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// Whether a name is one a directory entry may have: EINVAL-free, `ENAMETOOLONG` past 255.
pub fn check_name(name: &[u8]) -> Result<(), Errno> {
    if name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok(())
}

impl std::fmt::Debug for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Path(mnt {}, {:?})",
            self.mnt.id,
            String::from_utf8_lossy(&self.dentry.name())
        )
    }
}
