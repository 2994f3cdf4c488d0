//! Path arguments: reading them from the app, and where a `*at` call starts.

use std::sync::Arc;

use crate::errno::Errno;
use crate::fs::File;
use crate::kernel::Task;
use crate::vfs::Path;

/// Linux's PATH_MAX, the NUL included.
pub const PATH_MAX: usize = 4096;
pub const AT_FDCWD: i32 = -100;

/// Reads a path argument: EFAULT, ENAMETOOLONG, or ENOENT for an empty one (unless
/// `allow_empty`, for AT_EMPTY_PATH).
pub fn read_path(task: &Task, addr: u64, allow_empty: bool) -> Result<Vec<u8>, Errno> {
    let bytes = task.mm.read_cstr(addr, PATH_MAX)?;
    if bytes.is_empty() && !allow_empty {
        return Err(Errno::ENOENT);
    }
    Ok(bytes)
}

/// Where a `*at` call resolves `path` from: `None` for the working directory (AT_FDCWD, or an
/// absolute path, for which `dirfd` is not even looked at), else `dirfd`'s directory.
pub fn dir_of(task: &Task, dirfd: i32, path: &[u8]) -> Result<Option<Path>, Errno> {
    if path.first() == Some(&b'/') || dirfd == AT_FDCWD {
        return Ok(None);
    }
    let file = task.fds().get(dirfd)?;
    let p = file.location.clone().ok_or(Errno::ENOTDIR)?;
    if !path.is_empty() && !crate::vfs::is_dir(&p.stat()?) {
        return Err(Errno::ENOTDIR);
    }
    Ok(Some(p))
}

/// What a `*at` call names: a place in the tree, or (AT_EMPTY_PATH with an empty path) the
/// open file `dirfd` itself, which may be outside the tree (a pipe).
pub enum Target {
    Path(Path),
    File(Arc<File>),
}

impl Target {
    pub fn stat(&self) -> Result<libc::stat, Errno> {
        match self {
            Target::Path(p) => p.stat(),
            Target::File(f) => f.stat(),
        }
    }

    /// The place in the tree, or `err` for a file outside it.
    pub fn path(self, err: Errno) -> Result<Path, Errno> {
        match self {
            Target::Path(p) => Ok(p),
            Target::File(f) => f.location.clone().ok_or(err),
        }
    }
}

/// Resolves `(dirfd, path)` with the `AT_*` flags (`AT_SYMLINK_NOFOLLOW`, `AT_EMPTY_PATH`);
/// `follow` is whether the last symlink is followed when no flag says otherwise.
pub fn target_at(
    task: &Task,
    dirfd: i32,
    path_addr: u64,
    flags: i32,
    follow: bool,
) -> Result<Target, Errno> {
    let path = read_path(task, path_addr, flags & libc::AT_EMPTY_PATH != 0)?;
    if path.is_empty() {
        if dirfd == AT_FDCWD {
            return Ok(Target::Path(task.fs().cwd.clone()));
        }
        return Ok(Target::File(task.fds().get(dirfd)?));
    }
    let start = dir_of(task, dirfd, &path)?;
    let follow = follow && flags & libc::AT_SYMLINK_NOFOLLOW == 0;
    Ok(Target::Path(task.lookup().resolve(
        start.as_ref(),
        &path,
        follow,
    )?))
}
