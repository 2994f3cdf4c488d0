//! Walked files and how they are reopened.

use std::cell::RefCell;
use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::rc::Rc;

use super::{NAME_MAX, OPEN_FLAGS, PERM_BITS};
use crate::sys::{self, SysResult};
use crate::{Root, Stat};

/// One walked file.
pub(super) struct Node {
    /// An `O_PATH | O_NOFOLLOW` descriptor of the file.
    pub(super) fd: OwnedFd,
    /// The file's identity, checked whenever it is reopened by name.
    pub(super) dev: u64,
    pub(super) ino: u64,
    /// The file type bits (`S_IFMT`), which an inode never changes.
    pub(super) kind: u32,
    /// Index of the root this node lies below.
    pub(super) root: usize,
    /// Where the node was found: `None` for a directory root. Updated by renames made through
    /// the gofer.
    pub(super) loc: RefCell<Option<Loc>>,
}

pub(super) struct Loc {
    pub(super) parent: Rc<Node>,
    pub(super) name: CString,
}

impl Node {
    pub(super) fn from_fd(fd: OwnedFd, root: usize, loc: Option<Loc>) -> SysResult<(Node, Stat)> {
        let st = sys::fstat(fd.as_fd())?;
        let node = Node {
            fd,
            dev: st.st_dev,
            ino: st.st_ino,
            kind: st.st_mode & libc::S_IFMT,
            root,
            loc: RefCell::new(loc),
        };
        Ok((node, sys::stat_from(&st)))
    }

    pub(super) fn is_dir(&self) -> bool {
        self.kind == libc::S_IFDIR
    }

    pub(super) fn same_file(&self, st: &libc::stat) -> bool {
        (st.st_dev, st.st_ino) == (self.dev, self.ino)
    }
}

/// Opens a root: a directory as itself, a single file through its parent directory (which no
/// fid ever names) so that it can be reopened by name like any other file.
pub(super) fn open_root(root: &Root, index: usize) -> SysResult<Node> {
    let path = CString::new(root.path.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)?;
    let fd = sys::open_root(&path, libc::O_PATH)?;
    let st = sys::fstat(fd.as_fd())?;
    if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
        return Ok(Node::from_fd(fd, index, None)?.0);
    }
    let parent_path = root
        .path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(".".as_ref());
    let name = root.path.file_name().ok_or(libc::EINVAL)?;
    let parent_path = CString::new(parent_path.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)?;
    let parent = sys::open_root(&parent_path, libc::O_PATH | libc::O_DIRECTORY)?;
    let (parent, _) = Node::from_fd(parent, index, None)?;
    let name = component(name.as_bytes())?;
    let (node, _) = Node::from_fd(
        fd,
        index,
        Some(Loc {
            parent: Rc::new(parent),
            name,
        }),
    )?;
    Ok(node)
}

/// Validates one path component: not empty, no '/', no NUL, not "." or "..", at most
/// `NAME_MAX` bytes.
pub(crate) fn component(name: &[u8]) -> SysResult<CString> {
    if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') {
        return Err(libc::EINVAL);
    }
    if name.len() > NAME_MAX {
        return Err(libc::ENAMETOOLONG);
    }
    CString::new(name).map_err(|_| libc::EINVAL)
}

pub(super) fn check_open_flags(flags: i32) -> SysResult<()> {
    if flags & !OPEN_FLAGS != 0 || flags & libc::O_ACCMODE == libc::O_ACCMODE {
        return Err(libc::EINVAL);
    }
    Ok(())
}

/// Opens the file `node` walked to, never following a symlink and never blocking: a directory
/// through its own descriptor, anything else through its parent and name, checked to still be
/// the same file. `O_NONBLOCK` is cleared afterwards unless `flags` has it.
pub(super) fn reopen(node: &Node, flags: i32) -> SysResult<OwnedFd> {
    let oflags = flags | libc::O_NOFOLLOW | libc::O_NOCTTY | libc::O_NONBLOCK;
    let fd = if node.is_dir() {
        sys::openat(node.fd.as_fd(), c".", oflags, 0)?
    } else {
        let loc = node.loc.borrow();
        let loc = loc.as_ref().ok_or(libc::ESTALE)?;
        sys::openat(loc.parent.fd.as_fd(), &loc.name, oflags, 0)?
    };
    if !node.same_file(&sys::fstat(fd.as_fd())?) {
        return Err(libc::ESTALE);
    }
    if flags & libc::O_NONBLOCK == 0 {
        sys::clear_nonblock(fd.as_fd())?;
    }
    Ok(fd)
}

/// Truncates a regular file to `size` through a checked reopen.
pub(super) fn truncate(node: &Node, size: i64) -> SysResult<()> {
    match node.kind {
        libc::S_IFREG => {}
        libc::S_IFDIR => return Err(libc::EISDIR),
        _ => return Err(libc::EINVAL),
    }
    let fd = reopen(node, libc::O_WRONLY)?;
    sys::ftruncate(fd.as_fd(), size)
}

/// Changes the mode of exactly the walked file: `fchmodat2(AT_EMPTY_PATH)` on its `O_PATH`
/// descriptor, or before Linux 6.6 `fchmod` on a checked reopen. Symlinks have no mode of their
/// own (`EOPNOTSUPP`, as `fchmodat(AT_SYMLINK_NOFOLLOW)`).
pub(super) fn chmod(node: &Node, mode: u32) -> SysResult<()> {
    match node.kind {
        libc::S_IFLNK => Err(libc::EOPNOTSUPP),
        _ => match sys::chmod_fd(node.fd.as_fd(), mode) {
            Err(libc::ENOSYS) => match node.kind {
                libc::S_IFREG | libc::S_IFDIR | libc::S_IFIFO => {
                    let fd = reopen(node, libc::O_RDONLY | libc::O_NONBLOCK)?;
                    sys::fchmod(fd.as_fd(), mode)
                }
                _ => Err(libc::EOPNOTSUPP),
            },
            other => other,
        },
    }
}

/// Gives a new file exactly the permission bits the sentry asked for, whatever the umask and a
/// `chown` (which clears set-user-ID) did. A directory keeps what mkdir(2) gives it: `mode &
/// 01777` plus a set-group-ID bit inherited from its parent.
pub(super) fn fix_mode(
    fd: BorrowedFd<'_>,
    mode: u32,
    chmod: impl Fn(BorrowedFd<'_>, u32) -> SysResult<()>,
) -> SysResult<()> {
    let st = sys::fstat(fd)?;
    let have = st.st_mode & PERM_BITS;
    let want = if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
        (mode & 0o1777) | (have & libc::S_ISGID)
    } else {
        mode & PERM_BITS
    };
    if have == want {
        return Ok(());
    }
    chmod(fd, want)
}

/// Removes a half-made new file again, if its name still refers to it.
pub(super) fn undo_create(dir: &Node, name: &CStr, made: BorrowedFd<'_>, flags: i32) {
    if let (Ok(now), Ok(made)) = (sys::lstatat(dir.fd.as_fd(), name), sys::fstat(made)) {
        if (now.st_dev, now.st_ino) == (made.st_dev, made.st_ino) {
            let _ = sys::unlinkat(dir.fd.as_fd(), name, flags);
        }
    }
}

/// An open descriptor for reading xattrs (they cannot be read through `O_PATH`): `None` for
/// files that are not opened for this (symlinks, sockets, device nodes), whose xattrs read as
/// absent.
pub(super) fn open_for_xattr(node: &Node) -> SysResult<Option<OwnedFd>> {
    match node.kind {
        libc::S_IFREG | libc::S_IFDIR | libc::S_IFIFO => {
            Ok(Some(reopen(node, libc::O_RDONLY | libc::O_NONBLOCK)?))
        }
        _ => Ok(None),
    }
}
