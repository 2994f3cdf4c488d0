//! The path operations of the file syscalls, with Linux's checks in Linux's order: what the
//! name resolves to, permissions, read-only mounts, sticky directories, busy mount points.
//! Each file system then does only the change itself.

use std::sync::Arc;

use super::dir::DirFile;
use super::{
    file_type, is_dir, sticky_check, Dentry, Inode, Lookup, NewNode, Parent, Path, SetAttr, Stat,
};
use crate::errno::Errno;
use crate::fs::{inotify, FileOps, Statfs};

const O_PATH: u32 = libc::O_PATH as u32;

/// What an O_PATH open gives: a handle to a place, with no I/O.
pub struct PathFile {
    inode: Arc<dyn Inode>,
}

impl FileOps for PathFile {
    fn read(&self, _buf: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::EBADF)
    }
    fn write(&self, _buf: &[u8]) -> Result<usize, Errno> {
        Err(Errno::EBADF)
    }
    fn stat(&self) -> Result<libc::stat, Errno> {
        self.inode.stat()
    }
    fn statfs(&self) -> Result<Statfs, Errno> {
        self.inode.statfs()
    }
    fn getdents64(&self, _buf: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::EBADF)
    }
    fn path(&self) -> &str {
        "path"
    }
}

fn has(flags: u32, f: i32) -> bool {
    flags & f as u32 != 0
}

/// The access an open mode asks for, as `R_OK | W_OK`.
fn open_mask(flags: u32) -> i32 {
    let mut mask = match flags as i32 & libc::O_ACCMODE {
        libc::O_RDONLY => libc::R_OK,
        libc::O_WRONLY => libc::W_OK,
        _ => libc::R_OK | libc::W_OK,
    };
    if has(flags, libc::O_TRUNC) {
        mask |= libc::W_OK;
    }
    mask
}

/// Whether `ancestor` is `d` or one of its parents (a rename into its own subtree).
fn is_ancestor(ancestor: &Arc<Dentry>, d: &Arc<Dentry>) -> bool {
    let mut cur = Some(d.clone());
    while let Some(c) = cur {
        if Arc::ptr_eq(&c, ancestor) {
            return true;
        }
        cur = c.parent();
    }
    false
}

impl Lookup<'_> {
    /// open(2): the file and where it is. `mode` has the umask applied already.
    pub fn open(
        &self,
        start: Option<&Path>,
        path: &[u8],
        flags: u32,
        mode: u32,
    ) -> Result<(Arc<dyn FileOps>, Path), Errno> {
        self.open_depth(start, path, flags, mode, 0)
    }

    /// open(2), `depth` dangling symlinks deep (O_CREAT follows them to create their targets).
    fn open_depth(
        &self,
        start: Option<&Path>,
        path: &[u8],
        flags: u32,
        mode: u32,
        depth: u32,
    ) -> Result<(Arc<dyn FileOps>, Path), Errno> {
        if depth > super::MAX_SYMLINKS {
            return Err(Errno::ELOOP);
        }
        let follow = !has(flags, libc::O_NOFOLLOW);
        if flags & libc::O_TMPFILE as u32 == libc::O_TMPFILE as u32 {
            return self.open_tmpfile(start, path, flags, mode);
        }
        let mut created = false;
        let p = if has(flags, libc::O_CREAT) && flags & O_PATH == 0 {
            let (parent, trailing) = match self.resolve_parent(start, path) {
                Err(Errno::EEXIST) => return Err(Errno::EISDIR),
                r => r?,
            };
            if trailing || parent.name == b"." || parent.name == b".." {
                return Err(Errno::EISDIR);
            }
            match self.step(&parent.dir, &parent.name) {
                Ok(_) if has(flags, libc::O_EXCL) => return Err(Errno::EEXIST),
                Ok(p) if file_type(p.stat()?.st_mode) == libc::S_IFLNK && follow => {
                    match self.resolve(Some(&parent.dir), &parent.name, true) {
                        Ok(t) => t,
                        // A dangling symlink: O_CREAT makes its target.
                        Err(Errno::ENOENT) if p.inode().magic_link().is_none() => {
                            let target = p.inode().readlink()?;
                            return self.open_depth(
                                Some(&parent.dir),
                                &target,
                                flags,
                                mode,
                                depth + 1,
                            );
                        }
                        Err(e) => return Err(e),
                    }
                }
                Ok(p) => p,
                Err(Errno::ENOENT) => {
                    parent.may_modify(&self.creds)?;
                    if parent.dir.dentry.is_dead() {
                        return Err(Errno::ENOENT);
                    }
                    parent.dir.inode().create(
                        &parent.name,
                        NewNode::File(mode & 0o7777),
                        &self.creds,
                    )?;
                    created = true;
                    inotify::child_event(&parent.dir.dentry, &parent.name, inotify::IN_CREATE, 0);
                    self.step(&parent.dir, &parent.name)?
                }
                Err(e) => return Err(e),
            }
        } else {
            self.resolve(start, path, follow)?
        };
        self.open_resolved(p, flags, created)
    }

    /// Opens the file at `p` itself, as open(2) would once it has resolved a path to it
    /// (execveat with AT_EMPTY_PATH: the file an fd is open on).
    pub fn open_path(&self, p: Path, flags: u32) -> Result<(Arc<dyn FileOps>, Path), Errno> {
        self.open_resolved(p, flags, false)
    }

    fn open_resolved(
        &self,
        p: Path,
        flags: u32,
        created: bool,
    ) -> Result<(Arc<dyn FileOps>, Path), Errno> {
        let st = p.stat()?;
        let kind = file_type(st.st_mode);
        if flags & O_PATH != 0 {
            if has(flags, libc::O_DIRECTORY) && kind != libc::S_IFDIR {
                return Err(Errno::ENOTDIR);
            }
            let file: Arc<dyn FileOps> = Arc::new(PathFile {
                inode: p.inode().clone(),
            });
            return Ok((file, p));
        }
        if has(flags, libc::O_DIRECTORY) && kind != libc::S_IFDIR {
            return Err(Errno::ENOTDIR);
        }
        if kind == libc::S_IFLNK {
            return Err(Errno::ELOOP);
        }
        let mask = open_mask(flags);
        if kind == libc::S_IFDIR {
            if mask & libc::W_OK != 0 || has(flags, libc::O_CREAT) {
                return Err(Errno::EISDIR);
            }
            self.creds.may(&st, mask)?;
            let file: Arc<dyn FileOps> = Arc::new(DirFile::new(&p));
            inotify::file_event(&p.dentry, inotify::IN_OPEN);
            return Ok((file, p));
        }
        if !created {
            self.creds.may(&st, mask)?;
        }
        if mask & libc::W_OK != 0 && kind == libc::S_IFREG {
            p.writable_mount()?;
        }
        let mut truncated = false;
        if has(flags, libc::O_TRUNC) && kind == libc::S_IFREG && !created && st.st_size != 0 {
            p.inode().setattr(&SetAttr {
                size: Some(0),
                ..SetAttr::default()
            })?;
            truncated = true;
        }
        let file = p.inode().clone().open(flags)?;
        // Linux reports the open before the truncation's change.
        inotify::file_event(&p.dentry, inotify::IN_OPEN);
        if truncated {
            inotify::file_event(&p.dentry, inotify::IN_MODIFY);
        }
        Ok((file, p))
    }

    /// O_TMPFILE: an unnamed regular file on the directory's file system (tmpfs only here).
    fn open_tmpfile(
        &self,
        start: Option<&Path>,
        path: &[u8],
        flags: u32,
        mode: u32,
    ) -> Result<(Arc<dyn FileOps>, Path), Errno> {
        if open_mask(flags) & libc::W_OK == 0 {
            return Err(Errno::EINVAL);
        }
        let dir = self.resolve(start, path, true)?;
        let st = dir.stat()?;
        if !is_dir(&st) {
            return Err(Errno::ENOTDIR);
        }
        self.creds.may(&st, libc::W_OK | libc::X_OK)?;
        dir.writable_mount()?;
        let tmp = dir
            .inode()
            .as_any()
            .downcast_ref::<super::tmpfs::TmpInode>()
            .ok_or(Errno::EOPNOTSUPP)?;
        // Made under a hidden name and removed at once: the open file keeps it alive.
        let name = format!(".tmpfile-{}", super::next_ino()).into_bytes();
        let inode = tmp.create_node(
            &name,
            NewNode::File(mode & 0o7777),
            self.creds.uid,
            self.creds.gid,
        )?;
        tmp.unlink(&name, false)?;
        // O_EXCL: the file may never be linked into the tree.
        let name = if has(flags, libc::O_EXCL) {
            "#tmpfile-excl"
        } else {
            "#tmpfile"
        };
        let dentry = Dentry::new_named(inode.clone(), name.to_string());
        let p = Path {
            mnt: dir.mnt.clone(),
            dentry,
        };
        let file = Inode::open(inode, flags)?;
        Ok((file, p))
    }

    /// Finds where a new name goes: EEXIST if it is taken.
    fn new_name(&self, start: Option<&Path>, path: &[u8]) -> Result<Parent, Errno> {
        let (parent, _) = self.resolve_parent(start, path)?;
        if parent.name == b"." || parent.name == b".." {
            return Err(Errno::EEXIST);
        }
        match self.step(&parent.dir, &parent.name) {
            Ok(_) => return Err(Errno::EEXIST),
            Err(Errno::ENOENT) => {}
            Err(e) => return Err(e),
        }
        parent.may_modify(&self.creds)?;
        if parent.dir.dentry.is_dead() {
            return Err(Errno::ENOENT);
        }
        Ok(parent)
    }

    /// mkdir(2); `mode` has the umask applied.
    pub fn mkdir(&self, start: Option<&Path>, path: &[u8], mode: u32) -> Result<(), Errno> {
        let parent = self.new_name(start, path)?;
        parent
            .dir
            .inode()
            .create(&parent.name, NewNode::Dir(mode & 0o7777), &self.creds)?;
        let ev = inotify::IN_CREATE | inotify::IN_ISDIR;
        inotify::child_event(&parent.dir.dentry, &parent.name, ev, 0);
        Ok(())
    }

    /// mknod(2): regular files, FIFOs and sockets; device nodes are EPERM, as for an
    /// unprivileged container.
    pub fn mknod(
        &self,
        start: Option<&Path>,
        path: &[u8],
        mode: u32,
        rdev: u64,
    ) -> Result<(), Errno> {
        let node = match mode & libc::S_IFMT {
            0 | libc::S_IFREG => NewNode::File(mode & 0o7777),
            libc::S_IFIFO | libc::S_IFSOCK => NewNode::Node(mode, 0),
            libc::S_IFCHR | libc::S_IFBLK => {
                let _ = rdev;
                return Err(Errno::EPERM);
            }
            libc::S_IFDIR => return Err(Errno::EPERM),
            _ => return Err(Errno::EINVAL),
        };
        let parent = self.new_name(start, path)?;
        parent.dir.inode().create(&parent.name, node, &self.creds)?;
        inotify::child_event(&parent.dir.dentry, &parent.name, inotify::IN_CREATE, 0);
        Ok(())
    }

    /// symlink(2).
    pub fn symlink(&self, target: &[u8], start: Option<&Path>, path: &[u8]) -> Result<(), Errno> {
        if target.is_empty() {
            return Err(Errno::ENOENT);
        }
        let parent = self.new_name(start, path)?;
        parent
            .dir
            .inode()
            .create(&parent.name, NewNode::Symlink(target.to_vec()), &self.creds)?;
        inotify::child_event(&parent.dir.dentry, &parent.name, inotify::IN_CREATE, 0);
        Ok(())
    }

    /// link(2): a new name `new` for the file `old` (already resolved).
    pub fn link(&self, old: &Path, new_start: Option<&Path>, new: &[u8]) -> Result<(), Errno> {
        let st = old.stat()?;
        if is_dir(&st) {
            return Err(Errno::EPERM);
        }
        let parent = self.new_name(new_start, new)?;
        if !Arc::ptr_eq(&parent.dir.mnt, &old.mnt) {
            return Err(Errno::EXDEV);
        }
        // An unlinked file cannot get a name back, except an O_TMPFILE one.
        if old.dentry.is_dead() && st.st_nlink == 0 && old.dentry.name() != b"#tmpfile" {
            return Err(Errno::ENOENT);
        }
        parent.dir.inode().link(&parent.name, old.inode())?;
        // The link count changed (Linux's fsnotify_link).
        inotify::inode_event((st.st_dev, st.st_ino), inotify::IN_ATTRIB);
        inotify::child_event(&parent.dir.dentry, &parent.name, inotify::IN_CREATE, 0);
        if old.dentry.name() == b"#tmpfile" {
            // Linked once, an O_TMPFILE file is an ordinary one: unlinked again, it stays so.
            old.dentry.link().name = b"#tmpfile-linked".to_vec();
        }
        Ok(())
    }

    /// Whether `p` is in use as a mount point or a mount's root.
    fn busy(&self, p: &Path) -> bool {
        Arc::ptr_eq(&p.dentry, &p.mnt.root) || self.vfs.mounted_on(p).is_some()
    }

    /// unlink(2) (`dir` false) and rmdir(2).
    pub fn remove(&self, start: Option<&Path>, path: &[u8], dir: bool) -> Result<(), Errno> {
        let (parent, trailing) = match self.resolve_parent(start, path) {
            Err(Errno::EEXIST) => return Err(if dir { Errno::EBUSY } else { Errno::EISDIR }),
            r => r?,
        };
        match (&parent.name[..], dir) {
            (b".", true) => return Err(Errno::EINVAL),
            (b"..", true) => return Err(Errno::ENOTEMPTY),
            (b"." | b"..", false) => return Err(Errno::EISDIR),
            _ => {}
        }
        let victim = self.step(&parent.dir, &parent.name)?;
        let vst = victim.stat()?;
        if !dir && is_dir(&vst) {
            return Err(Errno::EISDIR);
        }
        if dir && !is_dir(&vst) {
            return Err(Errno::ENOTDIR);
        }
        if trailing && !is_dir(&vst) {
            return Err(Errno::ENOTDIR);
        }
        let dst = parent.may_modify(&self.creds)?;
        sticky_check(&self.creds, &dst, &vst)?;
        if self.busy(&victim) {
            return Err(Errno::EBUSY);
        }
        parent.dir.inode().unlink(&parent.name, dir)?;
        parent.dir.dentry.forget(&parent.name);
        // Linux's order: the link count's IN_ATTRIB, the inode's IN_DELETE_SELF and
        // IN_IGNORED (it dies with the dentry, unless open files keep it until their last
        // close), then the directory's IN_DELETE.
        let key = (vst.st_dev, vst.st_ino);
        if !dir {
            inotify::inode_event(key, inotify::IN_ATTRIB);
        }
        if dir || vst.st_nlink <= 1 {
            inotify::unlinked(&victim.dentry, key);
        }
        let ev = if dir {
            inotify::IN_DELETE | inotify::IN_ISDIR
        } else {
            inotify::IN_DELETE
        };
        inotify::child_event(&parent.dir.dentry, &parent.name, ev, 0);
        Ok(())
    }

    /// renameat2(2).
    pub fn rename(
        &self,
        old_start: Option<&Path>,
        old: &[u8],
        new_start: Option<&Path>,
        new: &[u8],
        flags: u32,
    ) -> Result<(), Errno> {
        let known = libc::RENAME_NOREPLACE | libc::RENAME_EXCHANGE | libc::RENAME_WHITEOUT;
        if flags & !known != 0
            || (flags & libc::RENAME_NOREPLACE != 0 && flags & libc::RENAME_EXCHANGE != 0)
        {
            return Err(Errno::EINVAL);
        }
        if flags & libc::RENAME_WHITEOUT != 0 {
            return Err(Errno::EPERM);
        }
        let (op, old_trailing) = match self.resolve_parent(old_start, old) {
            Err(Errno::EEXIST) => return Err(Errno::EBUSY),
            r => r?,
        };
        let (np, new_trailing) = match self.resolve_parent(new_start, new) {
            Err(Errno::EEXIST) => return Err(Errno::EBUSY),
            r => r?,
        };
        // `.` and `..` are refused before either name is looked up.
        if matches!(&op.name[..], b"." | b"..") || matches!(&np.name[..], b"." | b"..") {
            return Err(Errno::EBUSY);
        }
        let victim = self.step(&op.dir, &op.name)?;
        if !Arc::ptr_eq(&op.dir.mnt, &np.dir.mnt) {
            return Err(Errno::EXDEV);
        }
        let vst = victim.stat()?;
        let target = match self.step(&np.dir, &np.name) {
            Ok(t) => Some(t),
            Err(Errno::ENOENT) => None,
            Err(e) => return Err(e),
        };
        let replaced = match &target {
            Some(t) => Some(t.stat()?),
            None => None,
        };
        if (old_trailing || new_trailing) && !is_dir(&vst) {
            return Err(Errno::ENOTDIR);
        }
        // do_renameat2's traps, before the types are compared: the source may not be an
        // ancestor of the new name (EINVAL), nor the target one of the old (ENOTEMPTY; EINVAL
        // for an exchange).
        if is_dir(&vst) && is_ancestor(&victim.dentry, &np.dir.dentry) {
            return Err(Errno::EINVAL);
        }
        if let Some(t) = &target {
            if flags & libc::RENAME_NOREPLACE != 0 {
                return Err(Errno::EEXIST);
            }
            if !Arc::ptr_eq(&t.dentry, &victim.dentry) && is_ancestor(&t.dentry, &op.dir.dentry) {
                return Err(if flags & libc::RENAME_EXCHANGE != 0 {
                    Errno::EINVAL
                } else {
                    Errno::ENOTEMPTY
                });
            }
        }
        let ost = op.may_modify(&self.creds)?;
        let nst = np.may_modify(&self.creds)?;
        sticky_check(&self.creds, &ost, &vst)?;
        if let Some(t) = &target {
            if Arc::ptr_eq(&t.dentry, &victim.dentry) {
                return Ok(());
            }
            let tst: Stat = t.stat()?;
            sticky_check(&self.creds, &nst, &tst)?;
            if flags & libc::RENAME_EXCHANGE == 0 {
                if is_dir(&vst) && !is_dir(&tst) {
                    return Err(Errno::ENOTDIR);
                }
                if !is_dir(&vst) && is_dir(&tst) {
                    return Err(Errno::EISDIR);
                }
            }
            if self.busy(t) {
                return Err(Errno::EBUSY);
            }
        } else if flags & libc::RENAME_EXCHANGE != 0 {
            return Err(Errno::ENOENT);
        }
        if self.busy(&victim) {
            return Err(Errno::EBUSY);
        }
        op.dir
            .inode()
            .rename(&op.name, np.dir.inode(), &np.name, flags)?;
        if flags & libc::RENAME_EXCHANGE != 0 {
            op.dir.dentry.forget(&op.name);
            np.dir.dentry.forget(&np.name);
        } else {
            op.dir.dentry.moved(&op.name, &np.dir.dentry, &np.name);
        }
        let replaced = target.as_ref().zip(replaced.as_ref());
        self.rename_events(&op, &np, &vst, replaced, flags);
        Ok(())
    }

    /// The inotify events of a rename, in Linux's fsnotify_move order.
    fn rename_events(
        &self,
        op: &Parent,
        np: &Parent,
        vst: &Stat,
        replaced: Option<(&Path, &Stat)>,
        flags: u32,
    ) {
        if !inotify::active() {
            return;
        }
        let isdir = |st: &Stat| if is_dir(st) { inotify::IN_ISDIR } else { 0 };
        let cookie = inotify::next_cookie();
        let from = inotify::IN_MOVED_FROM | isdir(vst);
        let to = inotify::IN_MOVED_TO | isdir(vst);
        inotify::child_event(&op.dir.dentry, &op.name, from, cookie);
        inotify::child_event(&np.dir.dentry, &np.name, to, cookie);
        if let Some((_, t)) = replaced {
            if flags & libc::RENAME_EXCHANGE != 0 {
                let cookie = inotify::next_cookie();
                let from = inotify::IN_MOVED_FROM | isdir(t);
                let to = inotify::IN_MOVED_TO | isdir(t);
                inotify::child_event(&np.dir.dentry, &np.name, from, cookie);
                inotify::child_event(&op.dir.dentry, &op.name, to, cookie);
                inotify::inode_event((t.st_dev, t.st_ino), inotify::IN_MOVE_SELF);
            } else if !is_dir(t) {
                inotify::inode_event((t.st_dev, t.st_ino), inotify::IN_ATTRIB);
            }
        }
        inotify::inode_event((vst.st_dev, vst.st_ino), inotify::IN_MOVE_SELF);
        if let Some((tp, t)) = replaced {
            if flags & libc::RENAME_EXCHANGE == 0 && (is_dir(t) || t.st_nlink <= 1) {
                inotify::unlinked(&tp.dentry, (t.st_dev, t.st_ino));
            }
        }
    }

    /// chmod(2) of a resolved file.
    pub fn chmod(&self, p: &Path, mode: u32) -> Result<(), Errno> {
        let st = p.stat()?;
        if !self.creds.owns(&st) {
            return Err(Errno::EPERM);
        }
        p.writable_mount()?;
        let mut mode = mode & 0o7777;
        // Only a member of the file's group (or root) keeps the setgid bit.
        if !self.creds.dac_override && !self.creds.member(st.st_gid) {
            mode &= !libc::S_ISGID;
        }
        p.inode().setattr(&SetAttr {
            mode: Some(mode),
            ..SetAttr::default()
        })?;
        inotify::file_event(&p.dentry, inotify::IN_ATTRIB);
        Ok(())
    }

    /// chown(2) of a resolved file; `u32::MAX` keeps an id.
    pub fn chown(&self, p: &Path, uid: u32, gid: u32) -> Result<(), Errno> {
        let st = p.stat()?;
        let uid = (uid != u32::MAX && uid != st.st_uid).then_some(uid);
        let gid = (gid != u32::MAX && gid != st.st_gid).then_some(gid);
        if !self.creds.dac_override {
            let group_ok = gid.is_none_or(|g| self.creds.member(g));
            if uid.is_some() || !self.creds.owns(&st) || !group_ok {
                return Err(Errno::EPERM);
            }
        }
        p.writable_mount()?;
        let mut attr = SetAttr {
            uid,
            gid,
            ..SetAttr::default()
        };
        // A change of owner clears the set-id bits of a non-directory.
        if !is_dir(&st) && st.st_mode & (libc::S_ISUID | libc::S_ISGID) != 0 {
            let mut mode = st.st_mode & !libc::S_ISUID;
            if mode & libc::S_IXGRP != 0 {
                mode &= !libc::S_ISGID;
            }
            attr.mode = Some(mode & 0o7777);
        }
        p.inode().setattr(&attr)?;
        inotify::file_event(&p.dentry, inotify::IN_ATTRIB);
        Ok(())
    }

    /// truncate(2) of a resolved file.
    pub fn truncate(&self, p: &Path, size: u64) -> Result<(), Errno> {
        let st = p.stat()?;
        if is_dir(&st) {
            return Err(Errno::EISDIR);
        }
        if file_type(st.st_mode) != libc::S_IFREG {
            return Err(Errno::EINVAL);
        }
        self.creds.may(&st, libc::W_OK)?;
        p.writable_mount()?;
        p.inode().setattr(&SetAttr {
            size: Some(size),
            ..SetAttr::default()
        })?;
        inotify::file_event(&p.dentry, inotify::IN_MODIFY);
        Ok(())
    }

    /// utimensat(2) of a resolved file; `None` sets both times to now.
    pub fn utimes(&self, p: &Path, times: Option<[libc::timespec; 2]>) -> Result<(), Errno> {
        let st = p.stat()?;
        let now = libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_NOW,
        };
        let [a, m] = times.unwrap_or([now, now]);
        let all_now = a.tv_nsec == libc::UTIME_NOW && m.tv_nsec == libc::UTIME_NOW;
        if a.tv_nsec == libc::UTIME_OMIT && m.tv_nsec == libc::UTIME_OMIT {
            return Ok(());
        }
        if !self.creds.owns(&st) {
            if !all_now {
                return Err(Errno::EPERM);
            }
            self.creds.may(&st, libc::W_OK)?;
        }
        p.writable_mount()?;
        let keep = |t: libc::timespec| (t.tv_nsec != libc::UTIME_OMIT).then_some(t);
        p.inode().setattr(&SetAttr {
            atime: keep(a),
            mtime: keep(m),
            ..SetAttr::default()
        })?;
        // Linux's fsnotify_change: both times are a utime call (IN_ATTRIB); one alone is
        // IN_ACCESS or IN_MODIFY.
        let ev = match (keep(a).is_some(), keep(m).is_some()) {
            (true, false) => inotify::IN_ACCESS,
            (false, true) => inotify::IN_MODIFY,
            _ => inotify::IN_ATTRIB,
        };
        inotify::file_event(&p.dentry, ev);
        Ok(())
    }

    /// access(2) of a resolved file.
    pub fn access(&self, p: &Path, mode: i32) -> Result<(), Errno> {
        let st = p.stat()?;
        if mode & libc::W_OK != 0 && matches!(file_type(st.st_mode), libc::S_IFREG | libc::S_IFDIR)
        {
            p.writable_mount()?;
        }
        self.creds.may(&st, mode & 7)
    }
}
