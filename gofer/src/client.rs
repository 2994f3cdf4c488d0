//! The sentry's side of the protocol.

use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Mutex, MutexGuard};

use crate::proto::{self, Reply, Request, MAX_MESSAGE};
use crate::{wire, Dirent, Errno, Fid, SetAttr, Stat, StatFs, PROTOCOL_VERSION};

/// The most chunks one [`Client::readdir`] accepts: a gofer that keeps sending chunks (far more
/// than the largest real directory needs) is treated as broken rather than listened to forever.
const MAX_READDIR_CHUNKS: usize = 1 << 16;

/// A connection to the gofer.
///
/// `Send + Sync`: calls from many threads are serialised, one request in flight at a time.
/// Every error is a positive errno. Once the gofer has died, closed the socket or sent anything
/// malformed, the connection is marked broken and every call returns `EIO` at once.
pub struct Client {
    conn: Mutex<Conn>,
}

struct Conn {
    sock: OwnedFd,
    buf: Vec<u8>,
    broken: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

/// A reply with the descriptor that came with it.
struct Answer {
    reply: Reply,
    fd: Option<OwnedFd>,
}

impl Client {
    /// Wraps the sentry's end of the socket (a `SOCK_SEQPACKET` unix socket, see
    /// [`crate::socket_pair`]) and checks the protocol version with the server: `EPROTONOSUPPORT`
    /// if the versions differ, `EINVAL` if `sock` is not a seqpacket socket, `EIO` if the gofer
    /// does not answer properly.
    pub fn new(sock: OwnedFd) -> Result<Client, Errno> {
        if !wire::is_seqpacket(sock.as_fd()) {
            return Err(libc::EINVAL);
        }
        wire::grow_send_buffer(sock.as_fd());
        let client = Client {
            conn: Mutex::new(Conn {
                sock,
                buf: vec![0; MAX_MESSAGE],
                broken: false,
            }),
        };
        match client
            .call(&Request::Version {
                version: PROTOCOL_VERSION,
            })?
            .reply
        {
            Reply::Version { version } if version == PROTOCOL_VERSION => Ok(client),
            Reply::Version { version } => {
                tracing::debug!(
                    version,
                    ours = PROTOCOL_VERSION,
                    "gofer speaks another protocol version"
                );
                Err(libc::EPROTONOSUPPORT)
            }
            _ => Err(client.broken()),
        }
    }

    /// The root of mount `index` (the order of the roots given to the server).
    pub fn attach(&self, index: u32) -> Result<(Fid, Stat), Errno> {
        self.walked(&Request::Attach { index })
    }

    /// Walks one path component below the directory `dir`: no '/', not "." or ".." (else
    /// `EINVAL`). Never follows a symlink: a symlink is returned as itself.
    pub fn walk(&self, dir: Fid, name: &[u8]) -> Result<(Fid, Stat), Errno> {
        check_name(name)?;
        self.walked(&Request::Walk {
            dir,
            name: name.to_vec(),
        })
    }

    /// Opens the file as a descriptor for the sentry. `flags`: `O_RDONLY`/`O_WRONLY`/`O_RDWR`,
    /// `O_TRUNC`, `O_APPEND`, `O_DIRECTORY`, `O_NONBLOCK` (and the harmless `O_LARGEFILE`,
    /// `O_NOCTTY`, `O_NOATIME`, `O_SYNC`, `O_DSYNC`); `O_CLOEXEC` and `O_NOFOLLOW` are always
    /// set; `O_CREAT`, `O_EXCL`, `O_PATH`, `O_TMPFILE` are `EINVAL`. Symlinks are `ELOOP`, device
    /// nodes `EACCES`, sockets `ENXIO`, FIFOs `EINVAL` without `O_NONBLOCK`; `ESTALE` if the name
    /// the file was walked by now holds another file.
    pub fn open(&self, fid: Fid, flags: i32) -> Result<OwnedFd, Errno> {
        let answer = self.call(&Request::Open { fid, flags })?;
        match (answer.reply, answer.fd) {
            (Reply::Opened, Some(fd)) => Ok(fd),
            _ => Err(self.broken()),
        }
    }

    /// Creates and opens a regular file `name` in `dir` (`O_EXCL` semantics always: `EEXIST` if
    /// it exists), owned by `uid`/`gid` where the gofer may give it away, with exactly the
    /// permission bits of `mode` (apply the umask before).
    pub fn create(
        &self,
        dir: Fid,
        name: &[u8],
        flags: i32,
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> Result<(Fid, Stat, OwnedFd), Errno> {
        check_name(name)?;
        let answer = self.call(&Request::Create {
            dir,
            name: name.to_vec(),
            flags,
            mode,
            uid,
            gid,
        })?;
        match (answer.reply, answer.fd) {
            (Reply::Created { fid, stat }, Some(fd)) => Ok((fid, stat, fd)),
            _ => Err(self.broken()),
        }
    }

    /// Makes a directory.
    pub fn mkdir(
        &self,
        dir: Fid,
        name: &[u8],
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> Result<(Fid, Stat), Errno> {
        check_name(name)?;
        self.walked(&Request::Mkdir {
            dir,
            name: name.to_vec(),
            mode,
            uid,
            gid,
        })
    }

    /// Makes a node: only `S_IFIFO`, `S_IFREG` (or no type) and `S_IFSOCK`; devices are `EPERM`.
    pub fn mknod(
        &self,
        dir: Fid,
        name: &[u8],
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> Result<(Fid, Stat), Errno> {
        check_name(name)?;
        self.walked(&Request::Mknod {
            dir,
            name: name.to_vec(),
            mode,
            uid,
            gid,
        })
    }

    /// Makes a symlink `name` in `dir` pointing at `target` (stored as given, never followed).
    pub fn symlink(
        &self,
        dir: Fid,
        name: &[u8],
        target: &[u8],
        uid: u32,
        gid: u32,
    ) -> Result<(Fid, Stat), Errno> {
        check_name(name)?;
        if target.len() >= crate::sys::PATH_MAX {
            return Err(libc::ENAMETOOLONG);
        }
        self.walked(&Request::Symlink {
            dir,
            name: name.to_vec(),
            target: target.to_vec(),
            uid,
            gid,
        })
    }

    /// Hard link: `target` (a walked fid) gets the new name `name` in `dir`. Returns the target's
    /// new stat. `EXDEV` across roots.
    pub fn link(&self, dir: Fid, name: &[u8], target: Fid) -> Result<Stat, Errno> {
        check_name(name)?;
        self.stat_reply(&Request::Link {
            dir,
            name: name.to_vec(),
            target,
        })
    }

    /// `unlinkat`; `flags` is 0 or `libc::AT_REMOVEDIR`.
    pub fn unlink(&self, dir: Fid, name: &[u8], flags: i32) -> Result<(), Errno> {
        check_name(name)?;
        self.done(&Request::Unlink {
            dir,
            name: name.to_vec(),
            flags,
        })
    }

    /// `renameat2` with flags 0, `RENAME_NOREPLACE` or `RENAME_EXCHANGE`. `EXDEV` across roots.
    pub fn rename(
        &self,
        old_dir: Fid,
        old_name: &[u8],
        new_dir: Fid,
        new_name: &[u8],
        flags: u32,
    ) -> Result<(), Errno> {
        check_name(old_name)?;
        check_name(new_name)?;
        self.done(&Request::Rename {
            old_dir,
            old_name: old_name.to_vec(),
            new_dir,
            new_name: new_name.to_vec(),
            flags,
        })
    }

    /// The target of a symlink (`EINVAL` for anything else).
    pub fn readlink(&self, fid: Fid) -> Result<Vec<u8>, Errno> {
        self.bytes(&Request::Readlink { fid })
    }

    /// The file's attributes.
    pub fn stat(&self, fid: Fid) -> Result<Stat, Errno> {
        self.stat_reply(&Request::Stat { fid })
    }

    /// Changes the attributes that are `Some` in `attr`; returns the new stat.
    pub fn setattr(&self, fid: Fid, attr: &SetAttr) -> Result<Stat, Errno> {
        self.stat_reply(&Request::SetAttr {
            fid,
            attr: attr.clone(),
        })
    }

    /// All entries of a directory, "." and ".." included (as the host lists them). Large
    /// directories arrive in several chunks, each continuing from the `d_off` cookie of the last.
    pub fn readdir(&self, fid: Fid) -> Result<Vec<Dirent>, Errno> {
        let mut all = Vec::new();
        let mut offset = 0;
        for _ in 0..MAX_READDIR_CHUNKS {
            match self.call(&Request::Readdir { fid, offset })?.reply {
                Reply::Dirents { entries, next } => {
                    let empty = entries.is_empty();
                    all.extend(entries);
                    match next {
                        None => return Ok(all),
                        // A continuing chunk always carries entries; one that does not would
                        // make no progress.
                        Some(_) if empty => return Err(self.broken()),
                        Some(next) => offset = next,
                    }
                }
                _ => return Err(self.broken()),
            }
        }
        Err(self.broken())
    }

    /// The attributes of the file system holding the file.
    pub fn statfs(&self, fid: Fid) -> Result<StatFs, Errno> {
        match self.call(&Request::StatFs { fid })?.reply {
            Reply::StatFs { statfs } => Ok(statfs),
            _ => Err(self.broken()),
        }
    }

    /// The value of the extended attribute `name`. Symlinks, sockets and device nodes have none
    /// (`ENODATA`).
    pub fn getxattr(&self, fid: Fid, name: &[u8]) -> Result<Vec<u8>, Errno> {
        if name.is_empty() || name.len() > 255 {
            return Err(libc::ERANGE);
        }
        self.bytes(&Request::GetXattr {
            fid,
            name: name.to_vec(),
        })
    }

    /// The names of the file's extended attributes, each NUL-terminated, as `listxattr` gives.
    pub fn listxattr(&self, fid: Fid) -> Result<Vec<u8>, Errno> {
        self.bytes(&Request::ListXattr { fid })
    }

    /// Drops the gofer's handle. No reply is awaited; errors are ignored.
    pub fn clunk(&self, fid: Fid) {
        let mut conn = self.lock();
        if conn.broken {
            return;
        }
        let sent = proto::encode(&Request::Clunk { fid })
            .map_err(|_| libc::EIO)
            .and_then(|bytes| wire::send(conn.sock.as_fd(), &bytes, None).map_err(|_| libc::EIO));
        if sent.is_err() {
            conn.broken = true;
        }
    }

    fn lock(&self) -> MutexGuard<'_, Conn> {
        // A thread that panicked mid-call may have left a reply unread: mark the connection
        // broken rather than read the wrong reply later.
        self.conn.lock().unwrap_or_else(|poisoned| {
            let mut conn = poisoned.into_inner();
            conn.broken = true;
            conn
        })
    }

    /// Marks the connection broken (the gofer answered nonsense) and returns `EIO`.
    fn broken(&self) -> Errno {
        tracing::debug!("gofer reply malformed; connection marked broken");
        self.lock().broken = true;
        libc::EIO
    }

    /// Sends one request and receives its reply. An error reply is returned as `Err`.
    fn call(&self, req: &Request) -> Result<Answer, Errno> {
        let mut guard = self.lock();
        let conn = &mut *guard;
        if conn.broken {
            return Err(libc::EIO);
        }
        let result = exchange(conn, req);
        match result {
            Ok(Answer {
                reply: Reply::Error { errno },
                ..
            }) if (1..4096).contains(&errno) => Err(errno),
            Ok(Answer {
                reply: Reply::Error { .. },
                ..
            }) => {
                conn.broken = true;
                Err(libc::EIO)
            }
            Ok(answer) => Ok(answer),
            Err(errno) => {
                conn.broken = true;
                Err(errno)
            }
        }
    }

    fn walked(&self, req: &Request) -> Result<(Fid, Stat), Errno> {
        match self.call(req)?.reply {
            Reply::Walked { fid, stat } => Ok((fid, stat)),
            _ => Err(self.broken()),
        }
    }

    fn stat_reply(&self, req: &Request) -> Result<Stat, Errno> {
        match self.call(req)?.reply {
            Reply::Stat { stat } => Ok(stat),
            _ => Err(self.broken()),
        }
    }

    fn done(&self, req: &Request) -> Result<(), Errno> {
        match self.call(req)?.reply {
            Reply::Done => Ok(()),
            _ => Err(self.broken()),
        }
    }

    fn bytes(&self, req: &Request) -> Result<Vec<u8>, Errno> {
        match self.call(req)?.reply {
            Reply::Bytes { data } => Ok(data),
            _ => Err(self.broken()),
        }
    }
}

/// One request and its reply on the wire; any failure is `EIO` (and breaks the connection).
fn exchange(conn: &mut Conn, req: &Request) -> Result<Answer, Errno> {
    let bytes = proto::encode(req).map_err(|_| libc::EIO)?;
    wire::send(conn.sock.as_fd(), &bytes, None).map_err(|err| {
        tracing::debug!(%err, "gofer request not sent");
        libc::EIO
    })?;
    let got = wire::recv(conn.sock.as_fd(), &mut conn.buf).map_err(|err| {
        tracing::debug!(%err, "gofer reply not received");
        libc::EIO
    })?;
    if got.len == 0 || got.truncated || got.fds.len() > 1 {
        tracing::debug!(
            len = got.len,
            truncated = got.truncated,
            "gofer closed or sent a bad message"
        );
        return Err(libc::EIO);
    }
    let reply = proto::decode::<Reply>(&conn.buf[..got.len]).map_err(|_| libc::EIO)?;
    Ok(Answer {
        reply,
        fd: got.fds.into_iter().next(),
    })
}

/// The checks the server makes too, done here so that no request is built that could not be
/// encoded.
fn check_name(name: &[u8]) -> Result<(), Errno> {
    crate::server::component(name).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    fn is_send_sync<T: Send + Sync>() {}

    #[test]
    fn client_is_send_and_sync() {
        is_send_sync::<Client>();
    }

    /// A fake gofer: answers the handshake, then runs `script` on the socket.
    fn fake_gofer(script: impl FnOnce(OwnedFd) + Send + 'static) -> Client {
        let (ours, theirs) = wire::socket_pair().unwrap();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; MAX_MESSAGE];
            wire::recv(theirs.as_fd(), &mut buf).unwrap();
            let hello = proto::encode(&Reply::Version {
                version: PROTOCOL_VERSION,
            })
            .unwrap();
            wire::send(theirs.as_fd(), &hello, None).unwrap();
            script(theirs);
        });
        Client::new(ours).unwrap()
    }

    fn answer_with(bytes: Vec<u8>) -> impl FnOnce(OwnedFd) + Send + 'static {
        move |sock| {
            let mut buf = vec![0u8; MAX_MESSAGE];
            wire::recv(sock.as_fd(), &mut buf).unwrap();
            wire::send(sock.as_fd(), &bytes, None).unwrap();
            // Stay until the client has given up.
            let _ = wire::recv(sock.as_fd(), &mut buf);
        }
    }

    #[test]
    fn garbage_reply_is_eio_and_sticks() {
        let client = fake_gofer(answer_with(vec![0xff, 0xff, 0xff]));
        assert_eq!(client.stat(Fid(1)), Err(libc::EIO));
        assert_eq!(client.stat(Fid(1)), Err(libc::EIO));
    }

    #[test]
    fn wrong_reply_kind_is_eio() {
        let client = fake_gofer(answer_with(proto::encode(&Reply::Done).unwrap()));
        assert_eq!(client.stat(Fid(1)), Err(libc::EIO));
        assert_eq!(client.attach(0).err(), Some(libc::EIO));
    }

    #[test]
    fn open_without_fd_is_eio() {
        let client = fake_gofer(answer_with(proto::encode(&Reply::Opened).unwrap()));
        assert_eq!(client.open(Fid(1), libc::O_RDONLY).err(), Some(libc::EIO));
    }

    #[test]
    fn nonsense_errno_is_eio() {
        let client = fake_gofer(answer_with(
            proto::encode(&Reply::Error { errno: -5 }).unwrap(),
        ));
        assert_eq!(client.stat(Fid(1)), Err(libc::EIO));
    }

    #[test]
    fn endless_readdir_is_cut_off() {
        let client = fake_gofer(|sock| {
            let mut buf = vec![0u8; MAX_MESSAGE];
            let chunk = Reply::Dirents {
                entries: Vec::new(),
                next: Some(5),
            };
            let bytes = proto::encode(&chunk).unwrap();
            while wire::recv(sock.as_fd(), &mut buf).is_ok_and(|got| got.len > 0) {
                if wire::send(sock.as_fd(), &bytes, None).is_err() {
                    break;
                }
            }
        });
        assert_eq!(client.readdir(Fid(1)), Err(libc::EIO));
    }

    #[test]
    fn closed_gofer_is_eio() {
        let client = fake_gofer(drop);
        assert_eq!(client.attach(0).err(), Some(libc::EIO));
        client.clunk(Fid(1));
    }

    #[test]
    fn version_mismatch_is_refused() {
        let (ours, theirs) = wire::socket_pair().unwrap();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; MAX_MESSAGE];
            wire::recv(theirs.as_fd(), &mut buf).unwrap();
            let hello = proto::encode(&Reply::Version {
                version: PROTOCOL_VERSION + 1,
            })
            .unwrap();
            wire::send(theirs.as_fd(), &hello, None).unwrap();
        });
        assert_eq!(Client::new(ours).err(), Some(libc::EPROTONOSUPPORT));
    }

    #[test]
    fn stream_socket_is_refused() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        assert_eq!(Client::new(a.into()).err(), Some(libc::EINVAL));
    }

    #[test]
    fn names_are_checked_before_sending() {
        let client = fake_gofer(drop);
        assert_eq!(client.walk(Fid(1), b"..").err(), Some(libc::EINVAL));
        assert_eq!(
            client.walk(Fid(1), &[b'a'; 300]).err(),
            Some(libc::ENAMETOOLONG)
        );
        assert_eq!(
            client.symlink(Fid(1), b"l", &[b'a'; 5000], 0, 0).err(),
            Some(libc::ENAMETOOLONG)
        );
        assert_eq!(client.getxattr(Fid(1), b"").err(), Some(libc::ERANGE));
    }
}
