//! Path resolution, as Linux's namei: one component at a time from the root or a start
//! directory, search permission on every directory passed, `..` stopping at the caller's
//! root and climbing out of mounts, mounts entered where they sit, and symlinks followed
//! (at most [`MAX_SYMLINKS`] in one resolution).

use std::sync::Arc;

use super::{is_dir, Creds, Parent, Path, Vfs, MAX_SYMLINKS, NAME_MAX};
use crate::errno::Errno;

/// One resolution's context: the caller's root, working directory and ids.
pub struct Lookup<'a> {
    pub vfs: &'a Vfs,
    /// openat2's `RESOLVE_*` restrictions (0 for every other call).
    pub resolve: u64,
    pub root: Path,
    pub cwd: Path,
    pub creds: Creds,
}

const RESOLVE_NO_XDEV: u64 = 0x01;
const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
const RESOLVE_NO_SYMLINKS: u64 = 0x04;
const RESOLVE_BENEATH: u64 = 0x08;
/// Every flag openat2 knows (RESOLVE_IN_ROOT and RESOLVE_CACHED included).
pub const RESOLVE_ALL: u64 = 0x3f;

/// A path split into its directory part and last component.
struct Split<'p> {
    absolute: bool,
    dirs: Vec<&'p [u8]>,
    last: Option<&'p [u8]>,
    /// The path ends in `/` (the last component must be a directory).
    trailing_slash: bool,
}

fn split(path: &[u8]) -> Split<'_> {
    let mut comps: Vec<&[u8]> = path
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    let last = comps.pop();
    Split {
        absolute: path.first() == Some(&b'/'),
        dirs: comps,
        last,
        trailing_slash: path.len() > 1 && path.last() == Some(&b'/'),
    }
}

fn is_symlink(p: &Path) -> Result<bool, Errno> {
    Ok(p.stat()?.st_mode & libc::S_IFMT == libc::S_IFLNK)
}

impl Lookup<'_> {
    /// Resolves `path` from `start` (the working directory if `None`). `follow`: whether a
    /// symlink in the last component is followed (a trailing `/` always follows).
    pub fn resolve(&self, start: Option<&Path>, path: &[u8], follow: bool) -> Result<Path, Errno> {
        let mut budget = MAX_SYMLINKS;
        self.resolve_in(start.unwrap_or(&self.cwd), path, follow, &mut budget)
    }

    /// Resolves all but the last component of `path`: the directory a name is made or removed
    /// in. The last component is `None` for `/`, and `.`/`..` come back as they are (callers
    /// answer those as Linux does: EEXIST, EBUSY, EINVAL, ENOTEMPTY).
    pub fn resolve_parent(
        &self,
        start: Option<&Path>,
        path: &[u8],
    ) -> Result<(Parent, bool), Errno> {
        let mut budget = MAX_SYMLINKS;
        let s = split(path);
        let dir = self.walk_dirs(start.unwrap_or(&self.cwd), &s, &mut budget)?;
        let name = s.last.ok_or(Errno::EEXIST)?;
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        Ok((
            Parent {
                dir,
                name: name.to_vec(),
            },
            s.trailing_slash,
        ))
    }

    fn resolve_in(
        &self,
        start: &Path,
        path: &[u8],
        follow: bool,
        budget: &mut u32,
    ) -> Result<Path, Errno> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        let s = split(path);
        let dir = self.walk_dirs(start, &s, budget)?;
        let Some(last) = s.last else {
            return Ok(dir);
        };
        let child = self.step(&dir, last)?;
        let child = if is_symlink(&child)? && (follow || s.trailing_slash) {
            self.follow_link(&dir, &child, budget)?
        } else {
            child
        };
        if s.trailing_slash && !is_dir(&child.stat()?) {
            return Err(Errno::ENOTDIR);
        }
        Ok(child)
    }

    /// Walks the directory components of `s`, following every symlink among them; the result
    /// is a directory the caller may search.
    fn walk_dirs(&self, start: &Path, s: &Split<'_>, budget: &mut u32) -> Result<Path, Errno> {
        if s.absolute && self.resolve & RESOLVE_BENEATH != 0 {
            return Err(Errno::EXDEV);
        }
        let mut cur = if s.absolute {
            self.root.clone()
        } else {
            start.clone()
        };
        for comp in &s.dirs {
            self.may_search(&cur)?;
            let next = self.step(&cur, comp)?;
            cur = if is_symlink(&next)? {
                self.follow_link(&cur, &next, budget)?
            } else {
                next
            };
        }
        self.may_search(&cur)?;
        Ok(cur)
    }

    /// ENOTDIR unless `p` is a directory, EACCES unless the caller may search it.
    fn may_search(&self, p: &Path) -> Result<(), Errno> {
        let st = p.stat()?;
        if !is_dir(&st) {
            return Err(Errno::ENOTDIR);
        }
        self.creds.may(&st, libc::X_OK)
    }

    /// Follows the symlink `link` found in `dir`.
    fn follow_link(&self, dir: &Path, link: &Path, budget: &mut u32) -> Result<Path, Errno> {
        if *budget == 0 || self.resolve & RESOLVE_NO_SYMLINKS != 0 {
            return Err(Errno::ELOOP);
        }
        *budget -= 1;
        if let Some(target) = link.inode().magic_link() {
            if self.resolve & (RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH) != 0 {
                return Err(Errno::ELOOP);
            }
            return target;
        }
        let target = link.inode().readlink()?;
        self.resolve_in(dir, &target, true, budget)
    }

    /// One component from the directory `cur`.
    pub fn step(&self, cur: &Path, name: &[u8]) -> Result<Path, Errno> {
        match name {
            b"." => Ok(cur.clone()),
            b".." => {
                if cur.same(&self.root) && self.resolve & RESOLVE_BENEATH != 0 {
                    return Err(Errno::EXDEV);
                }
                let up = self.parent_of(cur);
                if self.resolve & RESOLVE_NO_XDEV != 0 && !Arc::ptr_eq(&up.mnt, &cur.mnt) {
                    return Err(Errno::EXDEV);
                }
                Ok(up)
            }
            _ => {
                if name.len() > NAME_MAX {
                    return Err(Errno::ENAMETOOLONG);
                }
                let dentry = cur.dentry.child(name)?;
                self.vfs.touch(&dentry);
                let next = self.enter_mounts(Path {
                    mnt: cur.mnt.clone(),
                    dentry,
                });
                if self.resolve & RESOLVE_NO_XDEV != 0 && !Arc::ptr_eq(&next.mnt, &cur.mnt) {
                    return Err(Errno::EXDEV);
                }
                Ok(next)
            }
        }
    }

    /// The top of the stack of mounts on `p` (or `p` itself).
    pub fn enter_mounts(&self, mut p: Path) -> Path {
        while let Some(m) = self.vfs.mounted_on(&p) {
            p = Path {
                dentry: m.root.clone(),
                mnt: m,
            };
        }
        p
    }

    /// `..` of `cur`: itself at the caller's root; out of a mount at a mount's root.
    fn parent_of(&self, cur: &Path) -> Path {
        let mut cur = cur.clone();
        loop {
            if cur.same(&self.root) {
                return cur;
            }
            if Arc::ptr_eq(&cur.dentry, &cur.mnt.root) {
                match &cur.mnt.parent {
                    Some(p) => {
                        cur = p.clone();
                        continue;
                    }
                    None => return cur,
                }
            }
            let parent = cur.dentry.parent().unwrap_or_else(|| cur.dentry.clone());
            return self.enter_mounts(Path {
                mnt: cur.mnt.clone(),
                dentry: parent,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_paths() {
        let s = split(b"/a//b/c/");
        assert!(s.absolute && s.trailing_slash);
        assert_eq!(s.dirs, vec![&b"a"[..], &b"b"[..]]);
        assert_eq!(s.last, Some(&b"c"[..]));
        let s = split(b"/");
        assert!(s.absolute && !s.trailing_slash && s.last.is_none());
        let s = split(b"x");
        assert!(!s.absolute && s.dirs.is_empty() && s.last == Some(&b"x"[..]));
    }
}
