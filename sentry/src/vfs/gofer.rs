//! Files served by the gofer: the container's root and its bind mounts. Each inode is a
//! handle (fid) the gofer holds; opens come back as host fds the gofer donated, which the
//! sentry then reads and writes directly. If the gofer dies, every call answers EIO.

use std::any::Any;
use std::sync::{Arc, Mutex};

use gofer::{Client, Fid};

use super::{anon_dev, Creds, DirEntry, Inode, NewNode, SetAttr, Stat};
use crate::errno::Errno;
use crate::fs::host::{HostFile, SharedHostFile};
use crate::fs::{FileOps, Statfs};

/// One gofer mount: the client and what the sandbox shows of it.
pub struct GoferFs {
    client: Arc<Client>,
    /// The device number the sandbox sees (host device numbers stay hidden).
    dev: u64,
    /// Whether files can change behind a cached stat (false for a read-only lower layer).
    writable: bool,
}

/// A file of a gofer mount.
pub struct GoferInode {
    fs: Arc<GoferFs>,
    fid: Fid,
    stat: Mutex<Stat>,
    /// On a read-only mount: one read-only host fd for the file, shared by its opens.
    shared_fd: Mutex<Option<Arc<std::os::fd::OwnedFd>>>,
    /// A symlink's target, once read: a symlink's contents never change (a new target is a
    /// new symlink, and a new inode), and path walks read the same links again and again
    /// (/bin, /lib and /lib64 on a merged-/usr host).
    target: std::sync::OnceLock<Vec<u8>>,
}

fn errno(e: i32) -> Errno {
    Errno(e)
}

/// The root of gofer mount `index`.
pub fn attach(client: Arc<Client>, index: u32, writable: bool) -> Result<Arc<GoferInode>, Errno> {
    let (fid, st) = client.attach(index).map_err(errno)?;
    let fs = Arc::new(GoferFs {
        client,
        dev: anon_dev(),
        writable,
    });
    Ok(GoferInode::new(&fs, fid, &st))
}

/// A host stat from the protocol's.
fn to_stat(dev: u64, s: &gofer::Stat) -> Stat {
    let mut st = super::new_stat(dev, s.ino, s.mode, s.nlink);
    st.st_uid = s.uid;
    st.st_gid = s.gid;
    st.st_rdev = s.rdev;
    st.st_size = s.size;
    st.st_blksize = s.blksize;
    st.st_blocks = s.blocks;
    st.st_atime = s.atime.sec;
    st.st_atime_nsec = s.atime.nsec;
    st.st_mtime = s.mtime.sec;
    st.st_mtime_nsec = s.mtime.nsec;
    st.st_ctime = s.ctime.sec;
    st.st_ctime_nsec = s.ctime.nsec;
    st
}

fn ts(t: libc::timespec) -> gofer::Timespec {
    gofer::Timespec {
        sec: t.tv_sec,
        nsec: t.tv_nsec,
    }
}

impl GoferInode {
    fn new(fs: &Arc<GoferFs>, fid: Fid, st: &gofer::Stat) -> Arc<GoferInode> {
        Arc::new(GoferInode {
            fs: fs.clone(),
            fid,
            stat: Mutex::new(to_stat(fs.dev, st)),
            shared_fd: Mutex::new(None),
            target: std::sync::OnceLock::new(),
        })
    }

    fn client(&self) -> &Client {
        &self.fs.client
    }

    fn cached(&self) -> Stat {
        *self.stat.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_cached(&self, st: &gofer::Stat) {
        *self.stat.lock().unwrap_or_else(|e| e.into_inner()) = to_stat(self.fs.dev, st);
    }

    fn refresh(&self) -> Result<Stat, Errno> {
        let st = self.client().stat(self.fid).map_err(errno)?;
        self.set_cached(&st);
        Ok(self.cached())
    }

    fn child(&self, fid: Fid, st: &gofer::Stat) -> Arc<dyn Inode> {
        GoferInode::new(&self.fs, fid, st)
    }

    fn same_fs(&self, other: &Arc<dyn Inode>) -> Result<Arc<GoferInode>, Errno> {
        let o = other
            .clone()
            .into_any()
            .downcast::<GoferInode>()
            .map_err(|_| Errno::EXDEV)?;
        if !Arc::ptr_eq(&o.fs, &self.fs) {
            return Err(Errno::EXDEV);
        }
        Ok(o)
    }
}

impl Drop for GoferInode {
    fn drop(&mut self) {
        self.fs.client.clunk(self.fid);
    }
}

impl Inode for GoferInode {
    fn stat(&self) -> Result<Stat, Errno> {
        let st = self.cached();
        // A regular file of a writable mount may have grown through a donated fd.
        if self.fs.writable && st.st_mode & libc::S_IFMT == libc::S_IFREG {
            return self.refresh();
        }
        Ok(st)
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        let s = self.client().statfs(self.fid).map_err(errno)?;
        let mut flags = s.flags;
        if !self.fs.writable {
            flags |= libc::ST_RDONLY as i64;
        }
        Ok(Statfs {
            f_type: s.fs_type,
            f_bsize: s.bsize,
            f_blocks: s.blocks,
            f_bfree: s.bfree,
            f_bavail: s.bavail,
            f_files: s.files,
            f_ffree: s.ffree,
            f_fsid: [0, 0],
            f_namelen: s.namelen,
            f_frsize: s.frsize,
            f_flags: flags,
            f_spare: [0; 4],
        })
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn Inode>, Errno> {
        let (fid, st) = self.client().walk(self.fid, name).map_err(errno)?;
        Ok(self.child(fid, &st))
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        let entries = self.client().readdir(self.fid).map_err(errno)?;
        Ok(entries
            .into_iter()
            .filter(|e| e.name != b"." && e.name != b"..")
            .map(|e| DirEntry {
                ino: e.ino,
                kind: e.kind,
                name: e.name,
            })
            .collect())
    }

    fn create(&self, name: &[u8], node: NewNode, creds: &Creds) -> Result<Arc<dyn Inode>, Errno> {
        let c = self.client();
        let (fid, st) = match node {
            NewNode::File(mode) => c
                .create(self.fid, name, libc::O_RDWR, mode, creds.uid, creds.gid)
                .map(|(fid, st, _fd)| (fid, st)),
            NewNode::Dir(mode) => c.mkdir(self.fid, name, mode, creds.uid, creds.gid),
            NewNode::Symlink(target) => c.symlink(self.fid, name, &target, creds.uid, creds.gid),
            NewNode::Node(mode, _) => c.mknod(self.fid, name, mode, creds.uid, creds.gid),
        }
        .map_err(errno)?;
        Ok(self.child(fid, &st))
    }

    fn link(&self, name: &[u8], target: &Arc<dyn Inode>) -> Result<(), Errno> {
        let t = self.same_fs(target)?;
        let st = self.client().link(self.fid, name, t.fid).map_err(errno)?;
        t.set_cached(&st);
        Ok(())
    }

    fn unlink(&self, name: &[u8], dir: bool) -> Result<(), Errno> {
        let flags = if dir { libc::AT_REMOVEDIR } else { 0 };
        self.client().unlink(self.fid, name, flags).map_err(errno)
    }

    fn rename(
        &self,
        old: &[u8],
        new_dir: &Arc<dyn Inode>,
        new: &[u8],
        flags: u32,
    ) -> Result<(), Errno> {
        let d = self.same_fs(new_dir)?;
        self.client()
            .rename(self.fid, old, d.fid, new, flags)
            .map_err(errno)
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        if self.cached().st_mode & libc::S_IFMT != libc::S_IFLNK {
            return Err(Errno::EINVAL);
        }
        if let Some(t) = self.target.get() {
            return Ok(t.clone());
        }
        let t = self.client().readlink(self.fid).map_err(errno)?;
        Ok(self.target.get_or_init(|| t).clone())
    }

    fn setattr(&self, attr: &SetAttr) -> Result<(), Errno> {
        let a = gofer::SetAttr {
            mode: attr.mode.map(|m| m & 0o7777),
            uid: attr.uid,
            gid: attr.gid,
            size: attr.size,
            atime: attr.atime.map(ts),
            mtime: attr.mtime.map(ts),
        };
        let st = self.client().setattr(self.fid, &a).map_err(errno)?;
        self.set_cached(&st);
        Ok(())
    }

    fn open(self: Arc<Self>, flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
        let read_only = flags & (libc::O_ACCMODE | libc::O_TRUNC) as u32 == 0;
        let regular = self.cached().st_mode & libc::S_IFMT == libc::S_IFREG;
        if !self.fs.writable && read_only && regular {
            let mut shared = self.shared_fd.lock().unwrap_or_else(|e| e.into_inner());
            let fd = match &*shared {
                Some(fd) => fd.clone(),
                None => {
                    let fd = Arc::new(
                        self.client()
                            .open(self.fid, libc::O_RDONLY)
                            .map_err(errno)?,
                    );
                    *shared = Some(fd.clone());
                    fd
                }
            };
            return Ok(Arc::new(SharedHostFile::new(fd)));
        }
        let keep = libc::O_ACCMODE | libc::O_TRUNC | libc::O_APPEND | libc::O_NONBLOCK;
        let fd = self
            .client()
            .open(self.fid, flags as i32 & keep)
            .map_err(errno)?;
        if flags & libc::O_TRUNC as u32 != 0 {
            let _ = self.refresh();
        }
        Ok(Arc::new(HostFile::new(fd, "gofer")))
    }

    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        self.client().getxattr(self.fid, name).map_err(errno)
    }

    fn listxattr(&self) -> Result<Vec<u8>, Errno> {
        self.client().listxattr(self.fid).map_err(errno)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}
