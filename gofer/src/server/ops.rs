//! One handler per request.

use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, BorrowedFd};
use std::rc::Rc;

use super::node::{
    check_open_flags, chmod, component, fix_mode, open_for_xattr, reopen, truncate, undo_create,
    Loc, Node,
};
use super::{Response, Server, DIRENT_BUF, NAME_MAX, PERM_BITS};
use crate::proto::{self, Reply, READDIR_BUDGET};
use crate::sys::{self, SysResult};
use crate::{Dirent, Fid, SetAttr, Stat, Timespec};

impl Server {
    pub(super) fn attach(&mut self, index: u32) -> SysResult<Response> {
        let root = usize::try_from(index)
            .ok()
            .and_then(|i| self.roots.get(i))
            .ok_or(libc::EINVAL)?;
        let node = root.node.clone();
        let stat = sys::stat_from(&sys::fstat(node.fd.as_fd())?);
        let fid = self.add_fid(node);
        Ok(Response::reply(Reply::Walked { fid, stat }))
    }

    /// Walks `name` below `dir` into a new node.
    fn walk_node(&self, dir: &Rc<Node>, name: &CStr) -> SysResult<(Node, Stat)> {
        let fd = sys::openat2_beneath(dir.fd.as_fd(), name)?;
        Node::from_fd(
            fd,
            dir.root,
            Some(Loc {
                parent: dir.clone(),
                name: name.to_owned(),
            }),
        )
    }

    pub(super) fn walk(&mut self, dir: Fid, name: &[u8]) -> SysResult<Response> {
        let dir = self.node(dir)?;
        let name = component(name)?;
        let (node, stat) = self.walk_node(&dir, &name)?;
        Ok(self.walked(node, stat))
    }

    pub(super) fn open(&mut self, fid: Fid, flags: i32) -> SysResult<Response> {
        let node = self.node(fid)?;
        check_open_flags(flags)?;
        let access = flags & libc::O_ACCMODE;
        if access != libc::O_RDONLY || flags & libc::O_TRUNC != 0 {
            self.writable(&node)?;
        }
        match node.kind {
            libc::S_IFLNK => return Err(libc::ELOOP),
            libc::S_IFCHR | libc::S_IFBLK => return Err(libc::EACCES),
            libc::S_IFSOCK => return Err(libc::ENXIO),
            // A blocking open would wait for the other end with the whole gofer stalled; the
            // sentry implements named pipes itself and opens host FIFOs only non-blocking.
            libc::S_IFIFO if flags & libc::O_NONBLOCK == 0 => return Err(libc::EINVAL),
            _ => {}
        }
        let fd = reopen(&node, flags & !libc::O_TRUNC)?;
        if flags & libc::O_TRUNC != 0 && node.kind == libc::S_IFREG {
            // Truncate only after the identity check in `reopen`: O_TRUNC at open time could
            // truncate a file swapped in under the name.
            if access == libc::O_RDONLY {
                truncate(&node, 0)?;
            } else {
                sys::ftruncate(fd.as_fd(), 0)?;
            }
        }
        Ok(Response {
            reply: Reply::Opened,
            fd: Some(fd),
        })
    }

    pub(super) fn create(
        &mut self,
        dir: Fid,
        name: &[u8],
        flags: i32,
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> SysResult<Response> {
        let dir = self.node(dir)?;
        let name = component(name)?;
        check_open_flags(flags & !(libc::O_CREAT | libc::O_EXCL))?;
        if flags & libc::O_DIRECTORY != 0 {
            return Err(libc::EINVAL);
        }
        self.writable(&dir)?;
        let oflags = flags | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_NOCTTY;
        let fd = sys::openat(
            dir.fd.as_fd(),
            &name,
            oflags & !libc::O_TRUNC,
            mode & PERM_BITS,
        )?;
        let made = self.finish_create(&dir, &name, fd.as_fd(), mode, uid, gid);
        let (node, stat) = made.inspect_err(|_| undo_create(&dir, &name, fd.as_fd(), 0))?;
        let fid = self.add_fid(Rc::new(node));
        Ok(Response {
            reply: Reply::Created { fid, stat },
            fd: Some(fd),
        })
    }

    /// After create: sets the new file's owner and exact mode, and walks it.
    fn finish_create(
        &self,
        dir: &Rc<Node>,
        name: &CStr,
        fd: BorrowedFd<'_>,
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> SysResult<(Node, Stat)> {
        self.own_new(fd, uid, gid)?;
        fix_mode(fd, mode, sys::fchmod)?;
        let (node, stat) = self.walk_node(dir, name)?;
        if !node.same_file(&sys::fstat(fd)?) {
            return Err(libc::ESTALE);
        }
        Ok((node, stat))
    }

    pub(super) fn mkdir(
        &mut self,
        dir: Fid,
        name: &[u8],
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> SysResult<Response> {
        let dir = self.node(dir)?;
        let name = component(name)?;
        self.writable(&dir)?;
        sys::mkdirat(dir.fd.as_fd(), &name, mode & PERM_BITS)?;
        self.finish_new(&dir, &name, libc::S_IFDIR, mode, uid, gid)
    }

    pub(super) fn mknod(
        &mut self,
        dir: Fid,
        name: &[u8],
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> SysResult<Response> {
        let dir = self.node(dir)?;
        let name = component(name)?;
        let kind = match mode & libc::S_IFMT {
            0 | libc::S_IFREG => libc::S_IFREG,
            libc::S_IFIFO => libc::S_IFIFO,
            libc::S_IFSOCK => libc::S_IFSOCK,
            libc::S_IFCHR | libc::S_IFBLK => return Err(libc::EPERM),
            _ => return Err(libc::EINVAL),
        };
        self.writable(&dir)?;
        sys::mknodat(dir.fd.as_fd(), &name, kind | (mode & PERM_BITS))?;
        self.finish_new(&dir, &name, kind, mode, uid, gid)
    }

    pub(super) fn symlink(
        &mut self,
        dir: Fid,
        name: &[u8],
        target: &[u8],
        uid: u32,
        gid: u32,
    ) -> SysResult<Response> {
        let dir = self.node(dir)?;
        let name = component(name)?;
        if target.is_empty() {
            return Err(libc::ENOENT);
        }
        if target.len() >= sys::PATH_MAX {
            return Err(libc::ENAMETOOLONG);
        }
        let target = CString::new(target).map_err(|_| libc::EINVAL)?;
        self.writable(&dir)?;
        sys::symlinkat(&target, dir.fd.as_fd(), &name)?;
        self.finish_new(&dir, &name, libc::S_IFLNK, 0, uid, gid)
    }

    /// After mkdir, mknod or symlink: walks the new entry, sets its owner and exact mode, and
    /// removes it again if that fails.
    fn finish_new(
        &mut self,
        dir: &Rc<Node>,
        name: &CStr,
        kind: u32,
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> SysResult<Response> {
        let (node, _) = self.walk_node(dir, name)?;
        if node.kind != kind {
            // Someone replaced it already; leave their file alone.
            return Err(libc::ESTALE);
        }
        match self.own_and_mode(&node, mode, uid, gid) {
            Ok(stat) => Ok(self.walked(node, stat)),
            Err(errno) => {
                let flags = if kind == libc::S_IFDIR {
                    libc::AT_REMOVEDIR
                } else {
                    0
                };
                undo_create(dir, name, node.fd.as_fd(), flags);
                Err(errno)
            }
        }
    }

    fn own_and_mode(&self, node: &Node, mode: u32, uid: u32, gid: u32) -> SysResult<Stat> {
        self.own_new(node.fd.as_fd(), uid, gid)?;
        if node.kind != libc::S_IFLNK {
            fix_mode(node.fd.as_fd(), mode, |_, mode| chmod(node, mode))?;
        }
        Ok(sys::stat_from(&sys::fstat(node.fd.as_fd())?))
    }

    /// Gives a new file the owner the sentry asked for. As root this must work; otherwise the
    /// file keeps the gofer's ids when the change is not permitted.
    fn own_new(&self, fd: BorrowedFd<'_>, uid: u32, gid: u32) -> SysResult<()> {
        let st = sys::fstat(fd)?;
        if (st.st_uid, st.st_gid) == (uid, gid) {
            return Ok(());
        }
        match sys::chown_fd(fd, Some(uid), Some(gid)) {
            Err(libc::EPERM | libc::EINVAL) if !self.privileged => {
                tracing::debug!(
                    uid,
                    gid,
                    "gofer: not permitted to own the new file; keeping the gofer's ids"
                );
                Ok(())
            }
            other => other,
        }
    }

    pub(super) fn link(&mut self, dir: Fid, name: &[u8], target: Fid) -> SysResult<Response> {
        let dir = self.node(dir)?;
        let target = self.node(target)?;
        let name = component(name)?;
        self.writable(&dir)?;
        self.writable(&target)?;
        if dir.root != target.root {
            return Err(libc::EXDEV);
        }
        if target.is_dir() {
            return Err(libc::EPERM);
        }
        match sys::link_fd(target.fd.as_fd(), dir.fd.as_fd(), &name) {
            Ok(()) => {}
            // Without CAP_DAC_READ_SEARCH, link by the target's parent and name, then check
            // that the new name got the walked file.
            Err(libc::ENOENT) => {
                let loc = target.loc.borrow();
                let loc = loc.as_ref().ok_or(libc::ENOENT)?;
                sys::linkat(loc.parent.fd.as_fd(), &loc.name, dir.fd.as_fd(), &name, 0)?;
                let linked = sys::lstatat(dir.fd.as_fd(), &name)?;
                if !target.same_file(&linked) {
                    let _ = sys::unlinkat(dir.fd.as_fd(), &name, 0);
                    return Err(libc::ESTALE);
                }
            }
            Err(errno) => return Err(errno),
        }
        let stat = sys::stat_from(&sys::fstat(target.fd.as_fd())?);
        Ok(Response::reply(Reply::Stat { stat }))
    }

    pub(super) fn unlink(&mut self, dir: Fid, name: &[u8], flags: i32) -> SysResult<Response> {
        let dir = self.node(dir)?;
        let name = component(name)?;
        if flags & !libc::AT_REMOVEDIR != 0 {
            return Err(libc::EINVAL);
        }
        self.writable(&dir)?;
        sys::unlinkat(dir.fd.as_fd(), &name, flags)?;
        Ok(Response::reply(Reply::Done))
    }

    pub(super) fn rename(
        &mut self,
        old_dir: Fid,
        old_name: &[u8],
        new_dir: Fid,
        new_name: &[u8],
        flags: u32,
    ) -> SysResult<Response> {
        let old_dir = self.node(old_dir)?;
        let new_dir = self.node(new_dir)?;
        let old_name = component(old_name)?;
        let new_name = component(new_name)?;
        if flags & !(libc::RENAME_NOREPLACE | libc::RENAME_EXCHANGE) != 0 {
            return Err(libc::EINVAL);
        }
        self.writable(&old_dir)?;
        self.writable(&new_dir)?;
        if old_dir.root != new_dir.root {
            return Err(libc::EXDEV);
        }
        let id = |st: libc::stat| (st.st_dev, st.st_ino);
        let old_id = sys::lstatat(old_dir.fd.as_fd(), &old_name).map(id).ok();
        let new_id = sys::lstatat(new_dir.fd.as_fd(), &new_name).map(id).ok();
        sys::renameat2(
            old_dir.fd.as_fd(),
            &old_name,
            new_dir.fd.as_fd(),
            &new_name,
            flags,
        )?;
        // Keep the walked locations of the moved files right, so that reopening them by
        // parent and name finds them.
        let mut moves = vec![(old_id, &old_dir, &old_name, &new_dir, &new_name)];
        if flags & libc::RENAME_EXCHANGE != 0 {
            moves.push((new_id, &new_dir, &new_name, &old_dir, &old_name));
        }
        let mut updates = Vec::new();
        for (moved, from_dir, from_name, to_dir, to_name) in moves {
            let Some(moved) = moved else { continue };
            for node in self.fids.values() {
                let loc = node.loc.borrow();
                let Some(loc) = loc.as_ref() else { continue };
                if (node.dev, node.ino) == moved
                    && (loc.parent.dev, loc.parent.ino) == (from_dir.dev, from_dir.ino)
                    && loc.name.as_c_str() == from_name.as_c_str()
                {
                    updates.push((node.clone(), Rc::clone(to_dir), to_name.clone()));
                }
            }
        }
        for (node, parent, name) in updates {
            *node.loc.borrow_mut() = Some(Loc { parent, name });
        }
        Ok(Response::reply(Reply::Done))
    }

    pub(super) fn readlink(&mut self, fid: Fid) -> SysResult<Response> {
        let node = self.node(fid)?;
        if node.kind != libc::S_IFLNK {
            return Err(libc::EINVAL);
        }
        Ok(Response::reply(Reply::Bytes {
            data: sys::readlink_fd(node.fd.as_fd())?,
        }))
    }

    pub(super) fn stat(&mut self, fid: Fid) -> SysResult<Response> {
        let node = self.node(fid)?;
        let stat = sys::stat_from(&sys::fstat(node.fd.as_fd())?);
        Ok(Response::reply(Reply::Stat { stat }))
    }

    pub(super) fn setattr(&mut self, fid: Fid, attr: &SetAttr) -> SysResult<Response> {
        let node = self.node(fid)?;
        let changes = attr.mode.is_some()
            || attr.uid.is_some()
            || attr.gid.is_some()
            || attr.size.is_some()
            || attr.atime.is_some()
            || attr.mtime.is_some();
        if changes {
            self.writable(&node)?;
        }
        // chown before chmod: chown clears set-user-ID and set-group-ID bits.
        if attr.uid.is_some() || attr.gid.is_some() {
            sys::chown_fd(node.fd.as_fd(), attr.uid, attr.gid)?;
        }
        if let Some(mode) = attr.mode {
            chmod(&node, mode & PERM_BITS)?;
        }
        if let Some(size) = attr.size {
            let size = i64::try_from(size).map_err(|_| libc::EFBIG)?;
            truncate(&node, size)?;
        }
        if attr.atime.is_some() || attr.mtime.is_some() {
            let omit = Timespec {
                sec: 0,
                nsec: libc::UTIME_OMIT,
            };
            sys::utimens_fd(
                node.fd.as_fd(),
                attr.atime.unwrap_or(omit),
                attr.mtime.unwrap_or(omit),
            )?;
        }
        let stat = sys::stat_from(&sys::fstat(node.fd.as_fd())?);
        Ok(Response::reply(Reply::Stat { stat }))
    }

    /// One chunk of a listing from the cookie `offset`: at most [`READDIR_BUDGET`] bytes of
    /// entries, with the cookie of the last one to continue from.
    pub(super) fn readdir(&mut self, fid: Fid, offset: i64) -> SysResult<Response> {
        let node = self.node(fid)?;
        if !node.is_dir() {
            return Err(libc::ENOTDIR);
        }
        let dir = sys::openat(
            node.fd.as_fd(),
            c".",
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NONBLOCK,
            0,
        )?;
        if offset != 0 {
            sys::seek_dir(dir.as_fd(), offset)?;
        }
        let mut buf = vec![0u8; DIRENT_BUF];
        let mut entries = Vec::new();
        let mut used = 0;
        let mut last = offset;
        loop {
            let n = sys::getdents64(dir.as_fd(), &mut buf)?;
            if n == 0 {
                return Ok(Response::reply(Reply::Dirents {
                    entries,
                    next: None,
                }));
            }
            for raw in sys::parse_dirents(&buf[..n]) {
                let cost = proto::dirent_encoded_max(raw.name.len());
                if used + cost > READDIR_BUDGET && !entries.is_empty() {
                    return Ok(Response::reply(Reply::Dirents {
                        entries,
                        next: Some(last),
                    }));
                }
                used += cost;
                last = raw.off;
                entries.push(Dirent {
                    ino: raw.ino,
                    kind: raw.kind,
                    name: raw.name.to_vec(),
                });
            }
        }
    }

    pub(super) fn statfs(&mut self, fid: Fid) -> SysResult<Response> {
        let node = self.node(fid)?;
        Ok(Response::reply(Reply::StatFs {
            statfs: sys::fstatfs(node.fd.as_fd())?,
        }))
    }

    pub(super) fn getxattr(&mut self, fid: Fid, name: &[u8]) -> SysResult<Response> {
        let node = self.node(fid)?;
        if name.is_empty() || name.len() > NAME_MAX {
            return Err(libc::ERANGE);
        }
        let name = CString::new(name).map_err(|_| libc::EINVAL)?;
        let Some(fd) = open_for_xattr(&node)? else {
            return Err(libc::ENODATA);
        };
        Ok(Response::reply(Reply::Bytes {
            data: sys::fgetxattr(fd.as_fd(), &name)?,
        }))
    }

    pub(super) fn listxattr(&mut self, fid: Fid) -> SysResult<Response> {
        let node = self.node(fid)?;
        let data = match open_for_xattr(&node)? {
            Some(fd) => sys::flistxattr(fd.as_fd())?,
            None => Vec::new(),
        };
        Ok(Response::reply(Reply::Bytes { data }))
    }
}
