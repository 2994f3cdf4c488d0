//! Path operations: the sentry's own paths first (`/dev/null`, `/proc/self/exe`), then the
//! file provider. Paths reaching here are absolute.

use std::sync::Arc;

use super::dev::Device;
use super::{clean, FileOps, FileProvider, Statfs};
use crate::errno::Errno;

/// Where a path leads.
enum Route {
    Device(Device),
    /// `/proc/self/exe` and its aliases: the task's executable.
    Exe,
    /// Below `/proc` and `/sys`: the host's must never show through. The sandbox's own /proc
    /// arrives with the VFS; until then these paths do not exist.
    Hidden,
    Provider,
}

fn route(path: &str) -> Route {
    let c = clean(path);
    if let Some(dev) = Device::from_path(&c) {
        return Route::Device(dev);
    }
    if matches!(
        c.as_str(),
        "/proc/self/exe" | "/proc/thread-self/exe" | "/proc/1/exe"
    ) {
        return Route::Exe;
    }
    // The mount points themselves may show (ls -l /), nothing below them.
    if c.starts_with("/proc/") || c.starts_with("/sys/") {
        return Route::Hidden;
    }
    Route::Provider
}

/// The sandbox's file namespace.
pub struct Vfs {
    provider: Arc<dyn FileProvider>,
}

impl Vfs {
    pub fn new(provider: Arc<dyn FileProvider>) -> Vfs {
        Vfs { provider }
    }

    /// Opens `path`; `exe` is the calling task's executable (for `/proc/self/exe`).
    pub fn open(
        &self,
        exe: &str,
        path: &str,
        flags: u32,
        mode: u32,
    ) -> Result<Arc<dyn FileOps>, Errno> {
        match route(path) {
            Route::Device(dev) => {
                if flags & libc::O_DIRECTORY as u32 != 0 {
                    return Err(Errno::ENOTDIR);
                }
                Ok(Arc::new(dev))
            }
            Route::Exe => self.provider.open(exe, flags, mode),
            Route::Hidden => Err(Errno::ENOENT),
            Route::Provider => self.provider.open(path, flags, mode),
        }
    }

    /// stat (`follow`) or lstat of `path`.
    pub fn stat(&self, exe: &str, path: &str, follow: bool) -> Result<libc::stat, Errno> {
        match route(path) {
            Route::Device(dev) => Ok(dev.stat()),
            Route::Exe if follow => self.provider.stat(exe, true),
            Route::Exe => {
                // SAFETY: an all-zero stat is a valid value.
                let mut st: libc::stat = unsafe { std::mem::zeroed() };
                st.st_mode = libc::S_IFLNK | 0o777;
                st.st_size = exe.len() as i64;
                st.st_nlink = 1;
                st.st_blksize = 1024;
                Ok(st)
            }
            Route::Hidden => Err(Errno::ENOENT),
            Route::Provider => self.provider.stat(path, follow),
        }
    }

    pub fn readlink(&self, exe: &str, path: &str) -> Result<Vec<u8>, Errno> {
        match route(path) {
            Route::Device(_) => Err(Errno::EINVAL),
            Route::Exe => Ok(exe.as_bytes().to_vec()),
            Route::Hidden => Err(Errno::ENOENT),
            Route::Provider => self.provider.readlink(path),
        }
    }

    pub fn statfs(&self, exe: &str, path: &str) -> Result<Statfs, Errno> {
        match route(path) {
            Route::Device(dev) => dev.statfs(),
            Route::Exe => self.provider.statfs(exe),
            Route::Hidden => Err(Errno::ENOENT),
            Route::Provider => self.provider.statfs(path),
        }
    }

    pub fn getxattr(
        &self,
        exe: &str,
        path: &str,
        name: &str,
        follow: bool,
    ) -> Result<Vec<u8>, Errno> {
        match route(path) {
            Route::Device(dev) => dev.getxattr(name),
            Route::Exe => self.provider.getxattr(exe, name, follow),
            Route::Hidden => Err(Errno::ENOENT),
            Route::Provider => self.provider.getxattr(path, name, follow),
        }
    }

    pub fn listxattr(&self, exe: &str, path: &str, follow: bool) -> Result<Vec<u8>, Errno> {
        match route(path) {
            Route::Device(dev) => dev.listxattr(),
            Route::Exe => self.provider.listxattr(exe, follow),
            Route::Hidden => Err(Errno::ENOENT),
            Route::Provider => self.provider.listxattr(path, follow),
        }
    }

    pub fn access(&self, exe: &str, path: &str, mode: i32) -> Result<(), Errno> {
        match route(path) {
            Route::Device(_) if mode & libc::X_OK != 0 => Err(Errno::EACCES),
            Route::Device(_) => Ok(()),
            Route::Exe => self.provider.access(exe, mode),
            Route::Hidden => Err(Errno::ENOENT),
            Route::Provider => self.provider.access(path, mode),
        }
    }
}
