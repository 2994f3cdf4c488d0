//! The server: the fid table and one handler per request.
//!
//! Every fid names a [`Node`]: an `O_PATH` descriptor for the file, its identity (device and
//! inode), and where it was found (the parent's node and the name in it). Names are walked one
//! component at a time with `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)` and never follow a
//! symlink. Operations that cannot act on an `O_PATH` descriptor reopen the file: a directory
//! through its own descriptor (`openat(fd, ".")`), anything else through the parent descriptor and
//! the name with `O_NOFOLLOW`, then check that the device and inode are still the ones walked
//! (`ESTALE` otherwise), so a name swapped between walk and open is refused.

mod node;
mod ops;
mod serve;

use std::collections::HashMap;
use std::io;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::rc::Rc;

use crate::proto::{self, Reply, Request};
use crate::sys::{self, SysResult};
use crate::{Fid, Root, Stat, PROTOCOL_VERSION};
use node::{open_root, Node};

pub(crate) use node::component;
pub(crate) use serve::serve_loop;

/// Why [`crate::serve`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A root could not be opened.
    #[error("gofer root {}: {source}", path.display())]
    OpenRoot {
        /// The root's host path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// Reading or writing the socket failed.
    #[error("gofer socket: {0}")]
    Socket(#[source] io::Error),
    /// The first message was not a handshake.
    #[error("gofer handshake: the first message was not a version request")]
    Handshake,
    /// The client speaks another protocol version.
    #[error("gofer protocol version mismatch: client {client}, gofer {PROTOCOL_VERSION}")]
    Version {
        /// The client's version.
        client: u32,
    },
}

/// The open flags a client may pass to `open` (and `create`); anything else is `EINVAL`.
const OPEN_FLAGS: i32 = libc::O_ACCMODE
    | libc::O_TRUNC
    | libc::O_APPEND
    | libc::O_DIRECTORY
    | libc::O_NONBLOCK
    | libc::O_CLOEXEC
    | libc::O_NOFOLLOW
    | libc::O_LARGEFILE
    | libc::O_NOCTTY
    | libc::O_NOATIME
    | libc::O_SYNC
    | libc::O_DSYNC;

/// Permission bits that `mode` arguments may carry.
const PERM_BITS: u32 = 0o7777;

/// `NAME_MAX`.
const NAME_MAX: usize = 255;

/// The size of the `getdents64` buffer.
const DIRENT_BUF: usize = 32 * 1024;

struct RootNode {
    node: Rc<Node>,
    read_only: bool,
}

/// A reply and the descriptor that goes with it.
pub(crate) struct Response {
    pub(crate) reply: Reply,
    pub(crate) fd: Option<OwnedFd>,
}

impl Response {
    fn reply(reply: Reply) -> Response {
        Response { reply, fd: None }
    }
}

/// The server's state: the roots and the fid table.
pub(crate) struct Server {
    roots: Vec<RootNode>,
    fids: HashMap<u64, Rc<Node>>,
    next_fid: u64,
    /// Whether ownership changes must succeed (see `own_new`).
    privileged: bool,
}

impl Server {
    /// Opens every root.
    pub(crate) fn new(roots: &[Root]) -> Result<Server, ServeError> {
        let mut nodes = Vec::with_capacity(roots.len());
        for (index, root) in roots.iter().enumerate() {
            let node = open_root(root, index).map_err(|errno| ServeError::OpenRoot {
                path: root.path.clone(),
                source: io::Error::from_raw_os_error(errno),
            })?;
            nodes.push(RootNode {
                node: Rc::new(node),
                read_only: root.read_only,
            });
        }
        Ok(Server {
            roots: nodes,
            fids: HashMap::new(),
            next_fid: 1,
            privileged: sys::is_root(),
        })
    }

    /// Decodes and handles one message; a message that does not decode gets `EINVAL`.
    pub(crate) fn handle_bytes(&mut self, msg: &[u8]) -> Option<Response> {
        match proto::decode::<Request>(msg) {
            Ok(req) => self.handle(req),
            Err(err) => {
                tracing::debug!(%err, "gofer: undecodable request");
                Some(Response::reply(Reply::Error {
                    errno: libc::EINVAL,
                }))
            }
        }
    }

    /// Handles one request; `None` for requests without a reply (clunk).
    pub(crate) fn handle(&mut self, req: Request) -> Option<Response> {
        let span = tracing::debug_span!("gofer", req = request_name(&req));
        let _enter = span.enter();
        let result = match req {
            Request::Version { .. } => Ok(Response::reply(Reply::Version {
                version: PROTOCOL_VERSION,
            })),
            Request::Attach { index } => self.attach(index),
            Request::Walk { dir, name } => self.walk(dir, &name),
            Request::Open { fid, flags } => self.open(fid, flags),
            Request::Create {
                dir,
                name,
                flags,
                mode,
                uid,
                gid,
            } => self.create(dir, &name, flags, mode, uid, gid),
            Request::Mkdir {
                dir,
                name,
                mode,
                uid,
                gid,
            } => self.mkdir(dir, &name, mode, uid, gid),
            Request::Mknod {
                dir,
                name,
                mode,
                uid,
                gid,
            } => self.mknod(dir, &name, mode, uid, gid),
            Request::Symlink {
                dir,
                name,
                target,
                uid,
                gid,
            } => self.symlink(dir, &name, &target, uid, gid),
            Request::Link { dir, name, target } => self.link(dir, &name, target),
            Request::Unlink { dir, name, flags } => self.unlink(dir, &name, flags),
            Request::Rename {
                old_dir,
                old_name,
                new_dir,
                new_name,
                flags,
            } => self.rename(old_dir, &old_name, new_dir, &new_name, flags),
            Request::Readlink { fid } => self.readlink(fid),
            Request::Stat { fid } => self.stat(fid),
            Request::SetAttr { fid, attr } => self.setattr(fid, &attr),
            Request::Readdir { fid, offset } => self.readdir(fid, offset),
            Request::StatFs { fid } => self.statfs(fid),
            Request::GetXattr { fid, name } => self.getxattr(fid, &name),
            Request::ListXattr { fid } => self.listxattr(fid),
            Request::Clunk { fid } => {
                self.fids.remove(&fid.0);
                return None;
            }
        };
        Some(result.unwrap_or_else(|errno| {
            tracing::debug!(errno, "gofer: error reply");
            Response::reply(Reply::Error { errno })
        }))
    }

    fn node(&self, fid: Fid) -> SysResult<Rc<Node>> {
        self.fids.get(&fid.0).cloned().ok_or(libc::EBADF)
    }

    /// `EROFS` if `node` lies below a read-only root.
    fn writable(&self, node: &Node) -> SysResult<()> {
        if self.roots[node.root].read_only {
            Err(libc::EROFS)
        } else {
            Ok(())
        }
    }

    /// A new fid for `node`. Fids are never reused (a u64 does not run out).
    fn add_fid(&mut self, node: Rc<Node>) -> Fid {
        let fid = self.next_fid;
        self.next_fid += 1;
        self.fids.insert(fid, node);
        Fid(fid)
    }

    fn walked(&mut self, node: Node, stat: Stat) -> Response {
        let fid = self.add_fid(Rc::new(node));
        Response::reply(Reply::Walked { fid, stat })
    }
}

fn request_name(req: &Request) -> &'static str {
    match req {
        Request::Version { .. } => "version",
        Request::Attach { .. } => "attach",
        Request::Walk { .. } => "walk",
        Request::Open { .. } => "open",
        Request::Create { .. } => "create",
        Request::Mkdir { .. } => "mkdir",
        Request::Mknod { .. } => "mknod",
        Request::Symlink { .. } => "symlink",
        Request::Link { .. } => "link",
        Request::Unlink { .. } => "unlink",
        Request::Rename { .. } => "rename",
        Request::Readlink { .. } => "readlink",
        Request::Stat { .. } => "stat",
        Request::SetAttr { .. } => "setattr",
        Request::Readdir { .. } => "readdir",
        Request::StatFs { .. } => "statfs",
        Request::GetXattr { .. } => "getxattr",
        Request::ListXattr { .. } => "listxattr",
        Request::Clunk { .. } => "clunk",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::proto::MAX_MESSAGE;
    use crate::Errno;
    use std::path::Path;

    /// A temporary directory, removed on drop.
    pub(crate) struct TempDir(pub(crate) PathBuf);

    impl TempDir {
        pub(crate) fn new(tag: &str) -> TempDir {
            use std::sync::atomic::{AtomicU32, Ordering};
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path =
                std::env::temp_dir().join(format!("gofer-unit-{tag}-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }

        pub(crate) fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn server(dir: &TempDir, read_only: bool) -> Server {
        Server::new(&[Root {
            path: dir.path().to_owned(),
            read_only,
        }])
        .unwrap()
    }

    fn call(server: &mut Server, req: Request) -> Result<Response, Errno> {
        let resp = server.handle(req).expect("a reply");
        match resp.reply {
            Reply::Error { errno } => Err(errno),
            _ => Ok(resp),
        }
    }

    fn fid_of(resp: &Response) -> Fid {
        match resp.reply {
            Reply::Walked { fid, .. } | Reply::Created { fid, .. } => fid,
            ref other => panic!("no fid in {other:?}"),
        }
    }

    #[test]
    fn component_rules() {
        for bad in [&b""[..], b".", b"..", b"a/b", b"/", b"a\0b"] {
            assert_eq!(component(bad).unwrap_err(), libc::EINVAL, "{bad:?}");
        }
        assert_eq!(component(&[b'x'; 256]).unwrap_err(), libc::ENAMETOOLONG);
        assert!(component(b"...").is_ok());
        assert!(component(&[b'x'; 255]).is_ok());
    }

    #[test]
    fn unknown_fids_and_bad_flags_are_errors() {
        let dir = TempDir::new("badfid");
        let mut s = server(&dir, false);
        assert_eq!(
            call(&mut s, Request::Stat { fid: Fid(99) }).err(),
            Some(libc::EBADF)
        );
        assert_eq!(
            call(&mut s, Request::Attach { index: 1 }).err(),
            Some(libc::EINVAL)
        );
        let root = fid_of(&call(&mut s, Request::Attach { index: 0 }).unwrap());
        for flags in [
            libc::O_CREAT,
            libc::O_EXCL,
            libc::O_PATH,
            libc::O_ACCMODE,
            libc::O_TMPFILE,
        ] {
            assert_eq!(
                call(&mut s, Request::Open { fid: root, flags }).err(),
                Some(libc::EINVAL),
                "{flags:#x}"
            );
        }
        assert!(s.handle(Request::Clunk { fid: root }).is_none());
        assert_eq!(
            call(&mut s, Request::Stat { fid: root }).err(),
            Some(libc::EBADF)
        );
    }

    #[test]
    fn renamed_files_reopen_at_their_new_name() {
        let dir = TempDir::new("rename");
        std::fs::write(dir.path().join("a"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let mut s = server(&dir, false);
        let root = fid_of(&call(&mut s, Request::Attach { index: 0 }).unwrap());
        let a = fid_of(
            &call(
                &mut s,
                Request::Walk {
                    dir: root,
                    name: b"a".to_vec(),
                },
            )
            .unwrap(),
        );
        let sub = fid_of(
            &call(
                &mut s,
                Request::Walk {
                    dir: root,
                    name: b"sub".to_vec(),
                },
            )
            .unwrap(),
        );
        let rename = Request::Rename {
            old_dir: root,
            old_name: b"a".to_vec(),
            new_dir: sub,
            new_name: b"b".to_vec(),
            flags: 0,
        };
        call(&mut s, rename).unwrap();
        let opened = call(
            &mut s,
            Request::Open {
                fid: a,
                flags: libc::O_RDONLY,
            },
        )
        .unwrap();
        assert!(opened.fd.is_some());
        // A different file under the old name is not mistaken for it.
        std::fs::write(dir.path().join("sub/b.tmp"), b"y").unwrap();
        std::fs::rename(dir.path().join("sub/b.tmp"), dir.path().join("sub/b")).unwrap();
        assert_eq!(
            call(
                &mut s,
                Request::Open {
                    fid: a,
                    flags: libc::O_RDONLY
                }
            )
            .err(),
            Some(libc::ESTALE)
        );
    }

    #[test]
    fn readdir_chunks_cover_every_entry_once() {
        let dir = TempDir::new("chunks");
        let names: Vec<String> = (0..1200).map(|i| format!("{i:0>200}")).collect();
        for name in &names {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let mut s = server(&dir, false);
        let root = fid_of(&call(&mut s, Request::Attach { index: 0 }).unwrap());
        let mut offset = 0;
        let mut seen = Vec::new();
        let mut chunks = 0;
        loop {
            let resp = call(&mut s, Request::Readdir { fid: root, offset }).unwrap();
            let Reply::Dirents { entries, next } = resp.reply else {
                panic!()
            };
            assert!(
                proto::encode(&Reply::Dirents {
                    entries: entries.clone(),
                    next
                })
                .unwrap()
                .len()
                    <= MAX_MESSAGE
            );
            chunks += 1;
            seen.extend(
                entries
                    .into_iter()
                    .map(|e| String::from_utf8(e.name).unwrap()),
            );
            match next {
                Some(n) => offset = n,
                None => break,
            }
        }
        assert!(chunks > 1, "1200 long names need several chunks");
        seen.sort();
        let mut want: Vec<String> = names.clone();
        want.push(".".into());
        want.push("..".into());
        want.sort();
        assert_eq!(seen, want);
    }

    #[test]
    fn single_file_root() {
        let dir = TempDir::new("fileroot");
        std::fs::write(dir.path().join("hosts"), b"127.0.0.1 localhost\n").unwrap();
        let mut s = Server::new(&[Root {
            path: dir.path().join("hosts"),
            read_only: true,
        }])
        .unwrap();
        let root = fid_of(&call(&mut s, Request::Attach { index: 0 }).unwrap());
        let opened = call(
            &mut s,
            Request::Open {
                fid: root,
                flags: libc::O_RDONLY,
            },
        )
        .unwrap();
        let fd = opened.fd.unwrap();
        let text = std::fs::read_to_string(format!(
            "/proc/self/fd/{}",
            std::os::fd::AsRawFd::as_raw_fd(&fd)
        ));
        assert_eq!(text.unwrap(), "127.0.0.1 localhost\n");
        assert_eq!(
            call(
                &mut s,
                Request::Walk {
                    dir: root,
                    name: b"x".to_vec()
                }
            )
            .err(),
            Some(libc::ENOTDIR)
        );
        assert_eq!(
            call(
                &mut s,
                Request::Open {
                    fid: root,
                    flags: libc::O_WRONLY
                }
            )
            .err(),
            Some(libc::EROFS)
        );
    }

    #[test]
    fn missing_root_is_named() {
        let err = Server::new(&[Root {
            path: "/nonexistent/gofer-root".into(),
            read_only: false,
        }])
        .err()
        .unwrap();
        assert!(err.to_string().contains("/nonexistent/gofer-root"), "{err}");
    }
}
