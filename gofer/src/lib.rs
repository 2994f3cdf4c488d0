//! The gofer: the process that serves the container's files to the sentry.
//!
//! The sentry never opens a container path on the host. It asks the gofer, over a
//! `SOCK_SEQPACKET` unix socket, to walk names one component at a time below the mount roots it
//! was given, and receives open file descriptors back with `SCM_RIGHTS`. The gofer holds an
//! `O_PATH` descriptor for every walked file (a [`Fid`] names it), resolves each name with
//! `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)` and never follows a
//! symbolic link, so a hostile container cannot make it act outside its roots.
//!
//! - [`Client`] is the sentry's side: thread safe, one request in flight at a time, every error a
//!   positive errno, and `EIO` for everything once the gofer is gone or misbehaves.
//! - [`serve`] answers requests; [`run`] is the gofer process's main: it opens the roots, confines
//!   itself (an empty chroot, `PR_SET_NO_NEW_PRIVS`, a seccomp allow-list) and serves.
//!
//! Modules: `proto` (messages and their codec), `wire` (seqpacket and `SCM_RIGHTS`), `sys`
//! (the host system calls, the crate's only `unsafe` besides `wire` and `confine`), `server`,
//! `client` and `confine`.

mod client;
mod confine;
mod proto;
mod server;
mod sys;
mod wire;

#[cfg(test)]
mod fuzz_tests;

use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use client::Client;
pub use confine::ConfineError;
pub use server::ServeError;
pub use wire::socket_pair;

/// A positive Linux errno value (`libc::ENOENT` etc.).
pub type Errno = i32;

/// The protocol version the client and the server must agree on in the handshake.
///
/// Bump it on any change to the messages: the codec encodes enum variants by index, so even a
/// reordering is a protocol change. `Request::Version` and `Reply::Version` stay variant 0 so
/// that the handshake itself can be read by every version.
pub const PROTOCOL_VERSION: u32 = 1;

/// A handle the gofer holds for one walked file (it keeps an `O_PATH` fd for it).
///
/// Fids are allocated by the gofer and live until [`Client::clunk`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fid(pub u64);

/// A file's attributes, as `stat(2)` reports them.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Stat {
    /// The device holding the file.
    pub dev: u64,
    /// The inode number.
    pub ino: u64,
    /// File type and permission bits (`S_IFMT | 07777`).
    pub mode: u32,
    /// The number of hard links.
    pub nlink: u64,
    /// The owner.
    pub uid: u32,
    /// The group.
    pub gid: u32,
    /// The device a device node stands for.
    pub rdev: u64,
    /// The size in bytes.
    pub size: i64,
    /// The preferred I/O block size.
    pub blksize: i64,
    /// The number of 512-byte blocks allocated.
    pub blocks: i64,
    /// The last access.
    pub atime: Timespec,
    /// The last modification of the contents.
    pub mtime: Timespec,
    /// The last change of the inode.
    pub ctime: Timespec,
}

/// A point in time, as `struct timespec`.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Timespec {
    /// Seconds since the epoch.
    pub sec: i64,
    /// Nanoseconds; in [`SetAttr`] also `libc::UTIME_NOW` or `libc::UTIME_OMIT`.
    pub nsec: i64,
}

/// The attributes [`Client::setattr`] changes: each `Some` field is changed.
///
/// The times follow `utimensat(2)`: `nsec` may be `libc::UTIME_NOW` or `libc::UTIME_OMIT`. The
/// changes are applied in the order owner, mode, size, times (so that `chown` clearing the
/// set-user-ID bit does not undo a new mode, and truncation does not undo new times).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SetAttr {
    /// New permission bits (`07777`; the file type bits are ignored).
    pub mode: Option<u32>,
    /// New owner.
    pub uid: Option<u32>,
    /// New group.
    pub gid: Option<u32>,
    /// New size (regular files only).
    pub size: Option<u64>,
    /// New access time.
    pub atime: Option<Timespec>,
    /// New modification time.
    pub mtime: Option<Timespec>,
}

/// One directory entry.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Dirent {
    /// The inode number.
    pub ino: u64,
    /// The file type, one of `libc::DT_*`.
    pub kind: u8,
    /// The name, without NUL.
    pub name: Vec<u8>,
}

/// A file system's attributes, as `statfs(2)` reports them.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct StatFs {
    /// The file system's magic number.
    pub fs_type: i64,
    /// The optimal transfer block size.
    pub bsize: i64,
    /// Total data blocks.
    pub blocks: u64,
    /// Free blocks.
    pub bfree: u64,
    /// Free blocks available to unprivileged users.
    pub bavail: u64,
    /// Total inodes.
    pub files: u64,
    /// Free inodes.
    pub ffree: u64,
    /// The file system id.
    pub fsid: [i32; 2],
    /// The longest file name.
    pub namelen: i64,
    /// The fragment size.
    pub frsize: i64,
    /// Mount flags (`ST_*`).
    pub flags: i64,
}

/// One mount root the gofer serves.
#[derive(Clone, Debug)]
pub struct Root {
    /// The host path: a directory, or a single file (as for a bind mount of `/etc/hosts`).
    pub path: PathBuf,
    /// Every mutating operation below this root fails with `EROFS`.
    pub read_only: bool,
}

/// Serves requests on `sock` until the peer closes it.
///
/// Opens all roots first (the error names the root that fails). This does not confine the
/// calling process; [`run`] does. The server is single threaded and answers one request at a
/// time, in order.
pub fn serve(sock: OwnedFd, roots: &[Root]) -> Result<(), ServeError> {
    let server = server::Server::new(roots)?;
    wire::grow_send_buffer(sock.as_fd());
    server::serve_loop(sock, server)
}

/// Why [`run`] failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Opening a root or serving failed.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// The gofer could not confine itself.
    #[error(transparent)]
    Confine(#[from] ConfineError),
}

/// Runs the gofer process: opens the roots, confines the process, then serves `sock`.
///
/// Called by `blinders gofer ...` in the gofer process, which must be single threaded (the
/// seccomp filter is applied to all threads, but nothing else here is arranged for others).
/// Confinement: the umask is cleared (the sentry has applied the container's), the process
/// chroots into an empty, already deleted directory (required when running as root, best effort
/// otherwise), sets `PR_SET_NO_NEW_PRIVS` and installs a seccomp allow-list whose default action
/// kills the process. Returns when the sentry closes its end.
pub fn run(sock: OwnedFd, roots: &[Root]) -> Result<(), RunError> {
    let server = server::Server::new(roots)?;
    wire::grow_send_buffer(sock.as_fd());
    sys::clear_umask();
    confine::confine()?;
    tracing::debug!(roots = roots.len(), "gofer confined, serving");
    Ok(server::serve_loop(sock, server)?)
}

/// Decodes `data` as a request and as a reply, discarding the results: the entry point of the
/// cargo-fuzz target in `gofer/fuzz` (it must never panic). Not part of the API.
#[doc(hidden)]
pub fn fuzz_decode(data: &[u8]) {
    let _ = proto::decode::<proto::Request>(data);
    let _ = proto::decode::<proto::Reply>(data);
}
