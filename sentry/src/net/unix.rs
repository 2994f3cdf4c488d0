//! AF_UNIX sockets (unix(7)), entirely in the sentry.
//!
//! All sockets of a sandbox live in one [`Namespace`] under one lock, as ids into a table, so a
//! connection is two ids naming each other and no reference cycles or lock ordering arise. A
//! socket's receive queue holds messages (a datagram, or a stream segment as one write made
//! it) with their SCM_RIGHTS files and credentials; the sender's send buffer is charged for
//! each until it is read, which is what makes senders wait. Names are found as Linux finds
//! them: a path by the (device, inode) of the S_IFSOCK node bind made in the VFS, an abstract
//! name by its bytes and the socket type.
//!
//! A stream or seqpacket connect makes the server's end at once (an "embryo" on the
//! listener's backlog) and connects the client to it, as Linux does, so the client may write
//! before accept. Waits go through `fs::poll::wait_ready`, so signals interrupt them and
//! every change bumps the readiness counter poll and epoll sleep on.
//!
//! Files passed with SCM_RIGHTS are dropped outside the lock (their last reference may close
//! another socket). A socket whose own file sits in its own queue is never freed: Linux's
//! garbage collector of in-flight sockets is not implemented.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::{Caller, Received, SendMsg, SockOpts, Socket, SocketPair, Ucred, OVERFLOW_ID};
use crate::errno::Errno;
use crate::fs::poll::{self, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM};
use crate::fs::{File, FileOps, Statfs};
use crate::kernel::Task;
use crate::mm::MemoryManager;

/// The type of an AF_UNIX socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Stream,
    Dgram,
    Seqpacket,
}

impl Kind {
    fn raw(self) -> i32 {
        match self {
            Kind::Stream => libc::SOCK_STREAM,
            Kind::Dgram => libc::SOCK_DGRAM,
            Kind::Seqpacket => libc::SOCK_SEQPACKET,
        }
    }

    /// Stream and seqpacket sockets are connections; datagram sockets only have a default
    /// destination.
    fn connection(self) -> bool {
        self != Kind::Dgram
    }
}

type Id = u64;

const RCV_SHUTDOWN: u8 = 1;
const SEND_SHUTDOWN: u8 = 2;
const SHUTDOWN_MASK: u8 = 3;
/// What a queued message costs its sender's send buffer besides its bytes (an skb's
/// bookkeeping, roughly as Linux's truesize counts it).
const MSG_OVERHEAD: usize = 576;
/// The largest stream segment one write queues at once.
const STREAM_SEGMENT: usize = 32768;
/// net.unix.max_dgram_qlen: how many datagrams wait for a receiver not connected back.
const MAX_DGRAM_QLEN: usize = 10;
/// net.core.somaxconn: the largest listen backlog.
const SOMAXCONN: u32 = 4096;
const SOCKFS_MAGIC: i64 = 0x534F_434B;
/// offsetof(struct sockaddr_un, sun_path), and sizeof(struct sockaddr_un).
const SUN_PATH: usize = 2;
const SOCKADDR_UN_LEN: usize = 110;
/// Linux's SCM_MAX_FD: the most files one message carries.
pub const SCM_MAX_FD: usize = 253;

/// Where a bound socket is found.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Name {
    /// The (device, inode) of the socket node in the VFS.
    Path(u64, u64),
    /// An abstract name (sun_path from its leading NUL on), per socket type as in Linux.
    Abstract(Kind, Vec<u8>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Unconnected,
    Listening,
    Connected,
}

/// A parsed `sockaddr_un`.
enum Addr {
    /// A file-system path (without its NUL).
    Path(Vec<u8>),
    /// An abstract name, sun_path from its leading NUL to the address length.
    Abstract(Vec<u8>),
}

impl Addr {
    /// Parses `sockaddr_un` bytes as unix_validate_addr does: EINVAL for a length outside
    /// (2, 110] or another family.
    fn parse(raw: &[u8]) -> Result<Addr, Errno> {
        if raw.len() <= SUN_PATH || raw.len() > SOCKADDR_UN_LEN {
            return Err(Errno::EINVAL);
        }
        if family_of(raw) != libc::AF_UNIX {
            return Err(Errno::EINVAL);
        }
        let path = &raw[SUN_PATH..];
        if path[0] == 0 {
            return Ok(Addr::Abstract(path.to_vec()));
        }
        let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
        Ok(Addr::Path(path[..end].to_vec()))
    }

    /// The address as getsockname shows it: a path with its NUL, an abstract name as given.
    fn sockaddr(&self) -> Vec<u8> {
        let mut v = unnamed();
        match self {
            Addr::Path(p) => {
                v.extend_from_slice(p);
                v.push(0);
            }
            Addr::Abstract(n) => v.extend_from_slice(n),
        }
        v
    }
}

fn family_of(raw: &[u8]) -> i32 {
    i32::from(u16::from_ne_bytes([raw[0], raw[1]]))
}

/// The address of an unbound socket: the family alone.
fn unnamed() -> Vec<u8> {
    (libc::AF_UNIX as u16).to_ne_bytes().to_vec()
}

/// One queued message: a datagram, or a stream segment.
struct Msg {
    data: Vec<u8>,
    /// How much of a stream segment has been read.
    consumed: usize,
    from: Id,
    from_addr: Option<Vec<u8>>,
    rights: Vec<Arc<File>>,
    cred: Option<Ucred>,
    charge: usize,
}

struct Sock {
    kind: Kind,
    state: State,
    peer: Option<Id>,
    /// The peer's address when it connected, for getpeername once the peer is gone.
    peer_addr: Option<Vec<u8>>,
    addr: Option<Vec<u8>>,
    name: Option<Name>,
    /// The listen backlog, or for datagram sockets the queue limit (max_dgram_qlen).
    backlog: usize,
    /// Connections waiting for accept (a listener).
    pending: VecDeque<Id>,
    queue: VecDeque<Msg>,
    shutdown: u8,
    /// sk_err: reported once (ECONNRESET when the peer closed with unread data).
    err: i32,
    /// SO_PEERCRED: the peer's at connect or socketpair time; a listener's own at listen.
    peercred: Option<Ucred>,
    opts: SockOpts,
    /// Bytes (and overhead) this socket sent that are still queued somewhere.
    wmem: usize,
    /// Whether an open file holds it (a connection waiting for accept has none).
    attached: bool,
    /// Bumped by every message queued (edge-triggered epoll).
    gen: u64,
}

impl Sock {
    fn new(kind: Kind) -> Sock {
        Sock {
            kind,
            state: State::Unconnected,
            peer: None,
            peer_addr: None,
            addr: None,
            name: None,
            backlog: MAX_DGRAM_QLEN,
            pending: VecDeque::new(),
            queue: VecDeque::new(),
            shutdown: 0,
            err: 0,
            peercred: None,
            opts: SockOpts::default(),
            wmem: 0,
            attached: true,
            gen: 0,
        }
    }

    fn take_err(&mut self) -> Result<(), Errno> {
        match std::mem::take(&mut self.err) {
            0 => Ok(()),
            e => Err(Errno(e)),
        }
    }
}

/// The sockets of a sandbox and their names.
#[derive(Default)]
struct Net {
    socks: HashMap<Id, Sock>,
    names: HashMap<Name, Id>,
    next: Id,
    /// Files taken out of dropped messages, released once the lock is let go.
    garbage: Vec<Arc<File>>,
}

impl Net {
    fn insert(&mut self, s: Sock) -> Id {
        self.next += 1;
        self.socks.insert(self.next, s);
        self.next
    }

    fn sock(&mut self, id: Id) -> &mut Sock {
        self.socks
            .get_mut(&id)
            .expect("a socket with an open file is in the table")
    }

    /// The socket bound to `name`: ECONNREFUSED if none, EPROTOTYPE if of another type.
    fn find(&self, name: &Name, kind: Kind) -> Result<Id, Errno> {
        let id = *self.names.get(name).ok_or(Errno::ECONNREFUSED)?;
        let s = self.socks.get(&id).ok_or(Errno::ECONNREFUSED)?;
        if s.kind != kind {
            return Err(Errno::EPROTOTYPE);
        }
        Ok(id)
    }

    /// A message leaves a queue unread: its sender gets its buffer space back, its files go.
    fn discard(&mut self, mut m: Msg) {
        self.uncharge(&m);
        self.garbage.append(&mut m.rights);
    }

    fn uncharge(&mut self, m: &Msg) {
        if let Some(s) = self.socks.get_mut(&m.from) {
            s.wmem = s.wmem.saturating_sub(m.charge);
        }
    }

    /// unix_release_sock: the socket's last file closed (or, `embryo`, a connection its
    /// listener never accepted). The peer of a connection sees both directions shut down,
    /// and ECONNRESET if data was left unread.
    fn release(&mut self, id: Id, embryo: bool) {
        let Some(mut s) = self.socks.remove(&id) else {
            return;
        };
        if let Some(name) = &s.name {
            if self.names.get(name) == Some(&id) {
                self.names.remove(name);
            }
        }
        if let Some(p) = s.peer.filter(|_| s.kind.connection()) {
            if let Some(ps) = self.socks.get_mut(&p) {
                ps.shutdown = SHUTDOWN_MASK;
                if !s.queue.is_empty() || embryo {
                    ps.err = libc::ECONNRESET;
                }
                ps.gen += 1;
            }
        }
        for m in std::mem::take(&mut s.queue) {
            self.discard(m);
        }
        for e in std::mem::take(&mut s.pending) {
            self.release(e, true);
        }
    }

    /// A datagram socket leaves its peer `old` (reconnect, disconnect, or the peer died):
    /// what it had queued is dropped, and a peer connected back learns of it (ECONNRESET),
    /// as unix_dgram_disconnected does.
    fn dgram_disconnected(&mut self, id: Id, old: Id) {
        let queued: Vec<Msg> = self.sock(id).queue.drain(..).collect();
        if queued.is_empty() {
            return;
        }
        for m in queued {
            self.discard(m);
        }
        if let Some(o) = self.socks.get_mut(&old) {
            if o.peer == Some(id) {
                o.err = libc::ECONNRESET;
            }
        }
    }

    /// Whether `to` may take a datagram from `id` now, or the sender must wait: the
    /// receiver's queue limit (unless it is connected back) and the sender's buffer.
    fn dgram_room(&self, id: Id, to: Id) -> bool {
        let me = &self.socks[&id];
        let t = &self.socks[&to];
        let queue_full = to != id && t.peer != Some(id) && t.queue.len() > t.backlog;
        !queue_full && me.wmem < me.opts.sndbuf
    }

    /// Queues `data` for `to`, charging `from`'s send buffer. Credentials go along when
    /// either end asked for them (SO_PASSCRED) or the receiver is not accepted yet.
    fn enqueue(
        &mut self,
        from: Id,
        to: Id,
        data: Vec<u8>,
        rights: Vec<Arc<File>>,
        cred: Ucred,
        given: bool,
    ) {
        let charge = data.len() + MSG_OVERHEAD;
        let me = &self.socks[&from];
        let from_addr = me.addr.clone();
        let sender_pass = me.opts.passcred;
        let t = self.sock(to);
        let with_cred = given || sender_pass || t.opts.passcred || !t.attached;
        t.queue.push_back(Msg {
            data,
            consumed: 0,
            from,
            from_addr,
            rights,
            cred: with_cred.then_some(cred),
            charge,
        });
        t.gen += 1;
        self.sock(from).wmem += charge;
        poll::notify_scoped();
    }
}

/// All AF_UNIX sockets of one sandbox.
#[derive(Default)]
pub struct Namespace {
    net: Mutex<Net>,
}

impl Namespace {
    fn lock(&self) -> MutexGuard<'_, Net> {
        self.net.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The key every change to these sockets is reported under.
    fn key(&self) -> poll::Key {
        poll::key_of(self)
    }

    /// Runs `f` under the lock, then drops the files it let go.
    fn run<T>(&self, f: impl FnOnce(&mut Net) -> T) -> T {
        let (r, garbage) = {
            // Wake waiters once, after the lock is released (`net` goes first), and only
            // those waiting on unix sockets.
            let _batch = poll::batch_keyed(self.key());
            let mut net = self.lock();
            let r = f(&mut net);
            (r, std::mem::take(&mut net.garbage))
        };
        // Outside the batch: closing these reports changes of their own.
        drop(garbage);
        r
    }

    /// socket(2).
    pub fn socket(self: &Arc<Self>, caller: &Caller, kind: Kind) -> Arc<dyn FileOps> {
        let id = self.run(|net| net.insert(Sock::new(kind)));
        Arc::new(UnixSocket::new(self.clone(), id, kind, caller))
    }

    /// socketpair(2): two sockets connected back to back, each with the caller as its peer's
    /// credentials.
    pub fn socketpair(self: &Arc<Self>, caller: &Caller, kind: Kind) -> SocketPair {
        let (a, b) = self.run(|net| {
            let a = net.insert(Sock::new(kind));
            let b = net.insert(Sock::new(kind));
            for (x, y) in [(a, b), (b, a)] {
                let s = net.sock(x);
                s.peer = Some(y);
                s.peer_addr = Some(unnamed());
                s.state = State::Connected;
                s.peercred = Some(caller.cred);
            }
            (a, b)
        });
        (
            Arc::new(UnixSocket::new(self.clone(), a, kind, caller)),
            Arc::new(UnixSocket::new(self.clone(), b, kind, caller)),
        )
    }
}

/// An open AF_UNIX socket: what the file holds.
pub struct UnixSocket {
    ns: Arc<Namespace>,
    id: Id,
    kind: Kind,
    ino: u64,
    uid: u32,
    gid: u32,
    nonblock: AtomicBool,
    path: String,
}

impl UnixSocket {
    fn new(ns: Arc<Namespace>, id: Id, kind: Kind, caller: &Caller) -> UnixSocket {
        let ino = crate::vfs::next_ino();
        UnixSocket {
            ns,
            id,
            kind,
            ino,
            uid: caller.fsuid,
            gid: caller.fsgid,
            nonblock: AtomicBool::new(false),
            path: format!("socket:[{ino}]"),
        }
    }

    /// Sets O_NONBLOCK (SOCK_NONBLOCK at creation, accept4).
    pub fn set_nonblock(&self, on: bool) {
        self.nonblock.store(on, Ordering::Relaxed);
    }

    fn opts<T>(&self, f: impl FnOnce(&Sock) -> T) -> T {
        self.ns.run(|net| f(net.sock(self.id)))
    }

    /// Runs `attempt` under the table's lock until it is done or fails (see `block_on`),
    /// waiting for changes to unix sockets between tries.
    fn block<T>(
        &self,
        nonblock: bool,
        timeout: Option<Duration>,
        mut attempt: impl FnMut(&mut Net) -> Result<Option<T>, Errno>,
    ) -> Result<T, Errno> {
        let keys = [self.ns.key()];
        super::block_on(&keys, nonblock, timeout, || self.ns.run(&mut attempt))
    }

    /// Binds an unbound socket to a fresh abstract name, as Linux's autobind: "\0" and five
    /// hex digits.
    fn autobind(&self, net: &mut Net) -> Result<(), Errno> {
        if net.sock(self.id).addr.is_some() {
            return Ok(());
        }
        let start = (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
            ^ (self.id as u32).wrapping_mul(2_654_435_761))
            & 0xFFFFF;
        let mut n = start;
        loop {
            n = (n + 1) & 0xFFFFF;
            let mut path = vec![0u8];
            path.extend_from_slice(format!("{n:05x}").as_bytes());
            let name = Name::Abstract(self.kind, path.clone());
            if !net.names.contains_key(&name) {
                net.names.insert(name.clone(), self.id);
                let s = net.sock(self.id);
                s.addr = Some(Addr::Abstract(path).sockaddr());
                s.name = Some(name);
                return Ok(());
            }
            if n == start {
                return Err(Errno::ENOSPC);
            }
        }
    }

    fn autobind_if_passcred(&self) -> Result<(), Errno> {
        self.ns.run(|net| {
            if net.sock(self.id).opts.passcred {
                self.autobind(net)
            } else {
                Ok(())
            }
        })
    }

    /// Where the socket named by `addr` is found: a path is resolved (following symlinks;
    /// write permission on the node needed; ECONNREFUSED if it is no socket).
    fn target(&self, task: &Task, addr: &Addr) -> Result<Name, Errno> {
        match addr {
            Addr::Abstract(n) => Ok(Name::Abstract(self.kind, n.clone())),
            Addr::Path(p) => {
                let lookup = task.lookup();
                let path = lookup.resolve(None, p, true)?;
                let st = path.stat()?;
                lookup.creds.may(&st, libc::W_OK)?;
                if crate::vfs::file_type(st.st_mode) != libc::S_IFSOCK {
                    return Err(Errno::ECONNREFUSED);
                }
                Ok(Name::Path(st.st_dev, st.st_ino))
            }
        }
    }

    fn bind_path(&self, task: &Task, path: &[u8], sockaddr: Vec<u8>) -> Result<(), Errno> {
        let lookup = task.lookup();
        let mode = libc::S_IFSOCK | (0o777 & !task.fs().umask);
        match lookup.mknod(None, path, mode, 0) {
            Err(Errno::EEXIST) => return Err(Errno::EADDRINUSE),
            r => r?,
        }
        let st = lookup.resolve(None, path, false)?.stat()?;
        let name = Name::Path(st.st_dev, st.st_ino);
        let bound = self.ns.run(|net| {
            if net.sock(self.id).addr.is_some() {
                return false;
            }
            net.names.insert(name.clone(), self.id);
            let s = net.sock(self.id);
            s.addr = Some(sockaddr);
            s.name = Some(name);
            true
        });
        if !bound {
            // Already bound: the node just made goes again, as in unix_bind_bsd.
            let _ = lookup.remove(None, path, false);
            return Err(Errno::EINVAL);
        }
        Ok(())
    }

    fn send_stream(&self, caller: &Caller, msg: SendMsg) -> Result<usize, Errno> {
        let nonblock = msg.flags & libc::MSG_DONTWAIT != 0;
        let (connected, timeout) = self.opts(|s| (s.state == State::Connected, s.opts.sndtimeo));
        if msg.flags & libc::MSG_OOB != 0 {
            return Err(Errno::EOPNOTSUPP);
        }
        if msg.addr.is_some() {
            return Err(if connected {
                Errno::EISCONN
            } else {
                Errno::EOPNOTSUPP
            });
        }
        let id = self.id;
        let len = msg.data.len();
        let data = msg.data;
        let mut rights = Some(msg.rights);
        let cred = msg.cred.unwrap_or(caller.real);
        let given = msg.cred.is_some();
        let mut sent = 0usize;
        let pipe = |sent: usize| {
            if sent > 0 {
                Ok(Some(sent))
            } else {
                Err(Errno::EPIPE)
            }
        };
        let r = self.block(nonblock, timeout, |net| {
            let me = net.sock(id);
            let peer = me.peer.ok_or(Errno::ENOTCONN)?;
            if me.shutdown & SEND_SHUTDOWN != 0 {
                return pipe(sent);
            }
            loop {
                match net.socks.get(&peer) {
                    Some(p) if p.shutdown & RCV_SHUTDOWN == 0 => {}
                    _ => return pipe(sent),
                }
                if sent == len {
                    return Ok(Some(sent));
                }
                let me = &net.socks[&id];
                if me.wmem >= me.opts.sndbuf {
                    return if sent > 0 && nonblock {
                        Ok(Some(sent))
                    } else {
                        Ok(None)
                    };
                }
                let size = (len - sent)
                    .min(STREAM_SEGMENT)
                    .min((me.opts.sndbuf / 2).saturating_sub(64).max(1));
                let chunk = data[sent..sent + size].to_vec();
                net.enqueue(
                    id,
                    peer,
                    chunk,
                    rights.take().unwrap_or_default(),
                    cred,
                    given,
                );
                sent += size;
            }
        });
        match r {
            Err(e) if sent > 0 && e != Errno::EPIPE => Ok(sent),
            r => r,
        }
    }

    fn send_dgram(
        &self,
        caller: &Caller,
        target: Option<Name>,
        msg: SendMsg,
    ) -> Result<usize, Errno> {
        let nonblock = msg.flags & libc::MSG_DONTWAIT != 0;
        let id = self.id;
        let len = msg.data.len();
        let timeout = self.opts(|s| s.opts.sndtimeo);
        if len > self.opts(|s| s.opts.sndbuf).saturating_sub(32) {
            return Err(Errno::EMSGSIZE);
        }
        let kind = self.kind;
        let mut data = Some(msg.data);
        let mut rights = Some(msg.rights);
        let cred = msg.cred.unwrap_or(caller.real);
        let given = msg.cred.is_some();
        self.block(nonblock, timeout, |net| {
            let to = match &target {
                Some(name) => net.find(name, kind)?,
                None => net.sock(id).peer.ok_or(Errno::ENOTCONN)?,
            };
            let Some(t) = net.socks.get(&to) else {
                // The peer closed.
                if kind == Kind::Seqpacket {
                    return Err(Errno::EPIPE);
                }
                let me = net.sock(id);
                me.peer = None;
                me.state = State::Unconnected;
                net.dgram_disconnected(id, to);
                return Err(Errno::ECONNREFUSED);
            };
            if t.peer.is_some_and(|p| p != id) {
                return Err(Errno::EPERM);
            }
            if t.shutdown & RCV_SHUTDOWN != 0 {
                return Err(Errno::EPIPE);
            }
            if !net.dgram_room(id, to) {
                return Ok(None);
            }
            let d = data.take().unwrap_or_default();
            net.enqueue(id, to, d, rights.take().unwrap_or_default(), cred, given);
            Ok(Some(len))
        })
    }

    /// What SO_PASSCRED makes recvmsg report for a message: its sender's, or for one that came
    /// without, pid 0 and the overflow ids.
    fn cred_for(passcred: bool, cred: Option<Ucred>) -> Option<Ucred> {
        passcred.then(|| {
            cred.unwrap_or(Ucred {
                pid: 0,
                uid: OVERFLOW_ID,
                gid: OVERFLOW_ID,
            })
        })
    }

    fn recv_stream(&self, len: usize, flags: i32) -> Result<Received, Errno> {
        let (state, timeout) = self.opts(|s| (s.state, s.opts.rcvtimeo));
        if state != State::Connected {
            return Err(Errno::EINVAL);
        }
        if flags & libc::MSG_OOB != 0 {
            return Err(Errno::EOPNOTSUPP);
        }
        let peek = flags & libc::MSG_PEEK != 0;
        let nonblock = flags & libc::MSG_DONTWAIT != 0;
        let target = if flags & libc::MSG_WAITALL != 0 {
            len
        } else {
            1
        }
        .max(1);
        let id = self.id;
        let mut out = Received::default();
        let mut glue: Option<Option<Ucred>> = None;
        let r = self.block(nonblock, timeout, |net| {
            if peek {
                out = Received::default();
                glue = None;
            }
            let mut idx = 0;
            loop {
                let me = net.sock(id);
                let passcred = me.opts.passcred;
                let Some(m) = me.queue.get_mut(idx) else {
                    if out.data.len() >= target || (peek && !out.data.is_empty()) {
                        return Ok(Some(()));
                    }
                    // POSIX's order: data, then an error, then end of file.
                    if me.err != 0 {
                        let e = me.take_err();
                        return if out.data.is_empty() {
                            e.map(|()| None)
                        } else {
                            Ok(Some(()))
                        };
                    }
                    if me.shutdown & RCV_SHUTDOWN != 0 {
                        return Ok(Some(()));
                    }
                    return Ok(None);
                };
                if passcred {
                    match glue {
                        // Never glue messages from different writers.
                        Some(c) if c != m.cred => return Ok(Some(())),
                        Some(_) => {}
                        None => glue = Some(m.cred),
                    }
                }
                if out.addr.is_none() {
                    out.addr = m.from_addr.clone();
                }
                let chunk = (m.data.len() - m.consumed).min(len - out.data.len());
                out.data
                    .extend_from_slice(&m.data[m.consumed..m.consumed + chunk]);
                let has_rights = !m.rights.is_empty();
                if peek {
                    if has_rights {
                        out.rights = m.rights.clone();
                        return Ok(Some(()));
                    }
                    idx += 1;
                } else {
                    m.consumed += chunk;
                    out.rights.append(&mut m.rights);
                    if m.consumed < m.data.len() {
                        return Ok(Some(()));
                    }
                    if let Some(done) = me.queue.pop_front() {
                        net.uncharge(&done);
                    }
                    poll::notify_scoped();
                    if has_rights {
                        return Ok(Some(()));
                    }
                }
                if out.data.len() == len {
                    return Ok(Some(()));
                }
            }
        });
        match r {
            Ok(()) => {}
            Err(_) if !out.data.is_empty() => {}
            Err(e) => return Err(e),
        }
        let passcred = self.opts(|s| s.opts.passcred);
        out.cred = Self::cred_for(passcred, glue.flatten());
        out.ret = out.data.len();
        Ok(out)
    }

    fn recv_dgram(&self, len: usize, flags: i32) -> Result<Received, Errno> {
        let (state, timeout) = self.opts(|s| (s.state, s.opts.rcvtimeo));
        if self.kind == Kind::Seqpacket && state != State::Connected {
            return Err(Errno::ENOTCONN);
        }
        if flags & libc::MSG_OOB != 0 {
            return Err(Errno::EOPNOTSUPP);
        }
        let peek = flags & libc::MSG_PEEK != 0;
        let nonblock = flags & libc::MSG_DONTWAIT != 0;
        let seqpacket = self.kind == Kind::Seqpacket;
        let id = self.id;
        let attempt = |net: &mut Net| -> Result<Option<Received>, Errno> {
            let me = net.sock(id);
            me.take_err()?;
            let passcred = me.opts.passcred;
            let Some(m) = me.queue.front_mut() else {
                // A shut-down socket reads as end of file (for a non-blocking datagram
                // socket, EAGAIN still).
                if me.shutdown & RCV_SHUTDOWN != 0 && (seqpacket || !nonblock) {
                    return Ok(Some(Received::default()));
                }
                return Ok(None);
            };
            let n = len.min(m.data.len());
            let mut out = Received {
                data: m.data[..n].to_vec(),
                ret: if flags & libc::MSG_TRUNC != 0 {
                    m.data.len()
                } else {
                    n
                },
                addr: m.from_addr.clone(),
                cred: Self::cred_for(passcred, m.cred),
                flags: if n < m.data.len() { libc::MSG_TRUNC } else { 0 },
                rights: Vec::new(),
                control: Vec::new(),
            };
            if peek {
                out.rights = m.rights.clone();
            } else {
                out.rights = std::mem::take(&mut m.rights);
                if let Some(done) = me.queue.pop_front() {
                    net.uncharge(&done);
                }
                poll::notify_scoped();
            }
            Ok(Some(out))
        };
        self.block(nonblock, timeout, attempt)
    }

    /// recv for read(2) and recvmsg: `flags` with MSG_DONTWAIT for a non-blocking file.
    fn recv(&self, len: usize, flags: i32) -> Result<Received, Errno> {
        match self.kind {
            Kind::Stream => self.recv_stream(len, flags),
            _ => self.recv_dgram(len, flags),
        }
    }

    fn send(&self, caller: &Caller, target: Option<Name>, msg: SendMsg) -> Result<usize, Errno> {
        match self.kind {
            Kind::Stream => self.send_stream(caller, msg),
            Kind::Seqpacket => {
                self.ns.run(|net| {
                    let me = net.sock(self.id);
                    me.take_err()?;
                    if me.state != State::Connected {
                        return Err(Errno::ENOTCONN);
                    }
                    Ok(())
                })?;
                if msg.flags & libc::MSG_OOB != 0 {
                    return Err(Errno::EOPNOTSUPP);
                }
                self.send_dgram(caller, None, msg)
            }
            Kind::Dgram => {
                if msg.flags & libc::MSG_OOB != 0 {
                    return Err(Errno::EOPNOTSUPP);
                }
                self.send_dgram(caller, target, msg)
            }
        }
    }

    fn nonblock_flags(&self, flags: i32) -> i32 {
        if self.nonblock.load(Ordering::Relaxed) {
            flags | libc::MSG_DONTWAIT
        } else {
            flags
        }
    }
}

impl Drop for UnixSocket {
    fn drop(&mut self) {
        self.ns.run(|net| {
            net.release(self.id, false);
            poll::notify_scoped();
        });
    }
}

impl Socket for UnixSocket {
    fn family(&self) -> i32 {
        libc::AF_UNIX
    }

    fn sock_type(&self) -> i32 {
        self.kind.raw()
    }

    fn bind(&self, task: &Task, raw: &[u8]) -> Result<(), Errno> {
        if raw.len() == SUN_PATH && family_of(raw) == libc::AF_UNIX {
            return self.ns.run(|net| self.autobind(net));
        }
        let addr = Addr::parse(raw)?;
        let sockaddr = addr.sockaddr();
        match addr {
            Addr::Path(p) => self.bind_path(task, &p, sockaddr),
            Addr::Abstract(n) => self.ns.run(|net| {
                if net.sock(self.id).addr.is_some() {
                    return Err(Errno::EINVAL);
                }
                let name = Name::Abstract(self.kind, n);
                if net.names.contains_key(&name) {
                    return Err(Errno::EADDRINUSE);
                }
                net.names.insert(name.clone(), self.id);
                let s = net.sock(self.id);
                s.addr = Some(sockaddr);
                s.name = Some(name);
                Ok(())
            }),
        }
    }

    fn listen(&self, task: &Task, backlog: i32) -> Result<(), Errno> {
        let caller = Caller::of(task);
        // listen(2) caps the backlog at somaxconn (a negative one too, as an unsigned).
        let backlog = (backlog as u32).min(SOMAXCONN) as usize;
        self.ns.run(|net| {
            let s = net.sock(self.id);
            if !s.kind.connection() {
                return Err(Errno::EOPNOTSUPP);
            }
            if s.addr.is_none() || !matches!(s.state, State::Unconnected | State::Listening) {
                return Err(Errno::EINVAL);
            }
            s.state = State::Listening;
            s.backlog = backlog;
            // Set so that connect can copy them (SO_PEERCRED of the client).
            s.peercred = Some(caller.cred);
            poll::notify_scoped();
            Ok(())
        })
    }

    fn accept(&self, nonblock: bool) -> Result<(Arc<dyn FileOps>, Vec<u8>), Errno> {
        let (state, timeout) = self.opts(|s| (s.state, s.opts.rcvtimeo));
        if !self.kind.connection() {
            return Err(Errno::EOPNOTSUPP);
        }
        if state != State::Listening {
            return Err(Errno::EINVAL);
        }
        let id = self.id;
        let (embryo, peer_addr) = self.block(nonblock, timeout, |net| {
            let me = net.sock(id);
            me.take_err()?;
            let Some(e) = me.pending.pop_front() else {
                if me.shutdown & RCV_SHUTDOWN != 0 {
                    return Err(Errno::EINVAL);
                }
                return Ok(None);
            };
            poll::notify_scoped();
            // The connection gets its file now; its peer's address is the client's name.
            let client = net.socks.get_mut(&e).map(|s| {
                s.attached = true;
                s.peer
            });
            let addr = client
                .flatten()
                .and_then(|c| net.socks.get(&c))
                .and_then(|c| c.addr.clone())
                .unwrap_or_else(unnamed);
            Ok(Some((e, addr)))
        })?;
        let caller = Caller::current();
        let file: Arc<dyn FileOps> =
            Arc::new(UnixSocket::new(self.ns.clone(), embryo, self.kind, &caller));
        Ok((file, peer_addr))
    }

    fn connect(&self, task: &Task, raw: &[u8], nonblock: bool) -> Result<(), Errno> {
        let caller = Caller::of(task);
        let id = self.id;
        let kind = self.kind;
        if kind == Kind::Dgram {
            if raw.len() < SUN_PATH {
                return Err(Errno::EINVAL);
            }
            if family_of(raw) == libc::AF_UNSPEC {
                // Dissolves the association (1003.1g).
                self.ns.run(|net| {
                    if let Some(old) = net.sock(id).peer.take() {
                        net.sock(id).state = State::Unconnected;
                        net.dgram_disconnected(id, old);
                    }
                });
                return Ok(());
            }
        }
        let addr = Addr::parse(raw)?;
        self.autobind_if_passcred()?;
        let name = self.target(task, &addr)?;
        if kind == Kind::Dgram {
            return self.ns.run(|net| {
                let to = net.find(&name, kind)?;
                if net.socks[&to].peer.is_some_and(|p| p != id) {
                    return Err(Errno::EPERM);
                }
                let peer_addr = net.socks[&to].addr.clone();
                let me = net.sock(id);
                let old = me.peer.replace(to);
                me.state = State::Connected;
                me.peer_addr = peer_addr;
                if let Some(old) = old.filter(|&o| o != to) {
                    net.dgram_disconnected(id, old);
                }
                Ok(())
            });
        }
        let timeout = self.opts(|s| s.opts.sndtimeo);
        self.block(nonblock, timeout, |net| {
            let to = net.find(&name, kind)?;
            let t = &net.socks[&to];
            if t.state != State::Listening || t.shutdown & RCV_SHUTDOWN != 0 {
                return Err(Errno::ECONNREFUSED);
            }
            if t.pending.len() > t.backlog {
                return Ok(None);
            }
            match net.socks[&id].state {
                State::Connected => return Err(Errno::EISCONN),
                State::Listening => return Err(Errno::EINVAL),
                State::Unconnected => {}
            }
            let (listen_addr, listen_cred, listen_pass) =
                (t.addr.clone(), t.peercred, t.opts.passcred);
            let my_addr = net.socks[&id].addr.clone();
            let mut e = Sock::new(kind);
            e.state = State::Connected;
            e.peer = Some(id);
            e.peer_addr = Some(my_addr.unwrap_or_else(unnamed));
            e.addr = listen_addr.clone();
            e.peercred = Some(caller.cred);
            e.opts.passcred = listen_pass;
            e.attached = false;
            let eid = net.insert(e);
            let me = net.sock(id);
            me.peer = Some(eid);
            me.peer_addr = listen_addr;
            me.state = State::Connected;
            me.peercred = listen_cred;
            let t = net.sock(to);
            t.pending.push_back(eid);
            t.gen += 1;
            poll::notify_scoped();
            Ok(Some(()))
        })
    }

    fn getsockname(&self) -> Vec<u8> {
        self.opts(|s| s.addr.clone()).unwrap_or_else(unnamed)
    }

    fn getpeername(&self) -> Result<Vec<u8>, Errno> {
        self.ns.run(|net| {
            let me = &net.socks[&self.id];
            let peer = me.peer.ok_or(Errno::ENOTCONN)?;
            Ok(match net.socks.get(&peer) {
                Some(p) => p.addr.clone().unwrap_or_else(unnamed),
                None => me.peer_addr.clone().unwrap_or_else(unnamed),
            })
        })
    }

    fn sendmsg(&self, task: &Task, mut msg: SendMsg) -> Result<usize, Errno> {
        let caller = Caller::of(task);
        msg.flags = self.nonblock_flags(msg.flags);
        let mut target = None;
        if self.kind == Kind::Dgram {
            if let Some(raw) = &msg.addr {
                let addr = Addr::parse(raw)?;
                self.autobind_if_passcred()?;
                target = Some(self.target(task, &addr)?);
            } else {
                self.autobind_if_passcred()?;
            }
        }
        self.send(&caller, target, msg)
    }

    fn recvmsg(&self, len: usize, flags: i32) -> Result<Received, Errno> {
        self.recv(len, self.nonblock_flags(flags))
    }

    fn shutdown(&self, how: i32) -> Result<(), Errno> {
        if !(libc::SHUT_RD..=libc::SHUT_RDWR).contains(&how) {
            return Err(Errno::EINVAL);
        }
        let mode = (how + 1) as u8;
        self.ns.run(|net| {
            let me = net.sock(self.id);
            me.shutdown |= mode;
            me.gen += 1;
            let peer = me.peer.filter(|_| me.kind.connection());
            if let Some(p) = peer.and_then(|p| net.socks.get_mut(&p)) {
                let mut peer_mode = 0;
                if mode & RCV_SHUTDOWN != 0 {
                    peer_mode |= SEND_SHUTDOWN;
                }
                if mode & SEND_SHUTDOWN != 0 {
                    peer_mode |= RCV_SHUTDOWN;
                }
                p.shutdown |= peer_mode;
                p.gen += 1;
            }
            poll::notify_scoped();
        });
        Ok(())
    }

    fn getsockopt(&self, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        if level != libc::SOL_SOCKET {
            return Err(Errno::EOPNOTSUPP);
        }
        let int = |v: i32| Ok(v.to_ne_bytes().to_vec());
        match name {
            libc::SO_TYPE => int(self.kind.raw()),
            libc::SO_DOMAIN => int(libc::AF_UNIX),
            libc::SO_PROTOCOL => int(0),
            libc::SO_ERROR => int(self
                .ns
                .run(|net| std::mem::take(&mut net.sock(self.id).err))),
            libc::SO_ACCEPTCONN => int(i32::from(self.opts(|s| s.state == State::Listening))),
            libc::SO_PEERCRED => {
                let c = self.opts(|s| s.peercred).unwrap_or(Ucred {
                    pid: 0,
                    uid: u32::MAX,
                    gid: u32::MAX,
                });
                let mut v = c.pid.to_ne_bytes().to_vec();
                v.extend_from_slice(&c.uid.to_ne_bytes());
                v.extend_from_slice(&c.gid.to_ne_bytes());
                Ok(v)
            }
            _ => self.opts(|s| s.opts.get(name)).ok_or(Errno::ENOPROTOOPT),
        }
    }

    fn setsockopt(&self, level: i32, name: i32, value: &[u8]) -> Result<(), Errno> {
        if level != libc::SOL_SOCKET {
            return Err(Errno::EOPNOTSUPP);
        }
        if value.len() < 4 {
            return Err(Errno::EINVAL);
        }
        // A bigger buffer may let a waiting sender go on.
        let known = self.ns.run(|net| {
            let known = net.sock(self.id).opts.set(name, value)?;
            poll::notify_scoped();
            Ok::<_, Errno>(known)
        })?;
        if !known {
            return Err(Errno::ENOPROTOOPT);
        }
        Ok(())
    }

    fn sigpipe(&self) -> bool {
        self.kind == Kind::Stream
    }
}

impl FileOps for UnixSocket {
    fn wait_key(&self) -> Option<poll::Key> {
        Some(self.ns.key())
    }

    fn supports_fasync(&self) -> bool {
        true
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let r = self.recv(buf.len(), self.nonblock_flags(0))?;
        buf[..r.data.len()].copy_from_slice(&r.data);
        Ok(r.data.len())
    }

    fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        let msg = SendMsg {
            data: buf.to_vec(),
            flags: self.nonblock_flags(0),
            ..SendMsg::default()
        };
        self.send(&Caller::current(), None, msg)
    }

    fn stat(&self) -> Result<libc::stat, Errno> {
        let mut st = crate::vfs::new_stat(libc::makedev(0, 8), self.ino, libc::S_IFSOCK | 0o777, 1);
        st.st_uid = self.uid;
        st.st_gid = self.gid;
        Ok(st)
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(Statfs {
            f_type: SOCKFS_MAGIC,
            f_bsize: 4096,
            f_namelen: 255,
            f_frsize: 4096,
            ..Statfs::default()
        })
    }

    fn ioctl(&self, mm: &MemoryManager, request: u64, arg: u64) -> Result<u64, Errno> {
        let n = match request {
            // SIOCINQ: the bytes a read would get (the first datagram's for datagrams).
            libc::FIONREAD => self.ns.run(|net| {
                let s = &net.socks[&self.id];
                if s.state == State::Listening {
                    return Err(Errno::EINVAL);
                }
                Ok(match s.kind {
                    Kind::Dgram => s.queue.front().map_or(0, |m| m.data.len()),
                    _ => s.queue.iter().map(|m| m.data.len() - m.consumed).sum(),
                })
            })?,
            // SIOCOUTQ: what this socket sent that is not read yet.
            libc::TIOCOUTQ => self.opts(|s| s.wmem),
            // Interface ioctls work on a socket of any family (sock_ioctl).
            _ => return super::ifreq::ioctl(mm, request, arg),
        };
        mm.write_val(arg, &(n.min(i32::MAX as usize) as i32))?;
        Ok(0)
    }

    fn poll(&self) -> u32 {
        self.ns.run(|net| {
            let s = &net.socks[&self.id];
            let mut m = 0;
            if s.err != 0 {
                m |= POLLERR;
            }
            if s.shutdown == SHUTDOWN_MASK {
                m |= POLLHUP;
            }
            if s.shutdown & RCV_SHUTDOWN != 0 {
                m |= POLLRDHUP | POLLIN | POLLRDNORM;
            }
            if !s.queue.is_empty() || !s.pending.is_empty() {
                m |= POLLIN | POLLRDNORM;
            }
            if s.kind.connection() && s.state == State::Unconnected {
                m |= POLLHUP;
            }
            let mut writable = s.state != State::Listening && s.wmem * 4 <= s.opts.sndbuf;
            if writable && s.kind != Kind::Stream {
                if let Some(p) = s.peer.and_then(|p| net.socks.get(&p)) {
                    if p.peer != Some(self.id) && p.queue.len() > p.backlog {
                        writable = false;
                    }
                }
            }
            if writable {
                m |= POLLOUT | POLLWRNORM | libc::POLLWRBAND as u32;
            }
            m
        })
    }

    fn poll_generation(&self) -> u64 {
        self.opts(|s| s.gen)
    }

    fn set_status_flags(&self, flags: u32) {
        self.set_nonblock(flags & libc::O_NONBLOCK as u32 != 0);
    }

    fn as_socket(&self) -> Option<&dyn Socket> {
        Some(self)
    }

    fn sigpipe_on_epipe(&self) -> bool {
        self.sigpipe()
    }

    fn path(&self) -> &str {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        let c = Ucred {
            pid: 7,
            uid: 1000,
            gid: 1000,
        };
        Caller {
            pid: 7,
            cred: c,
            real: c,
            fsuid: 1000,
            fsgid: 1000,
        }
    }

    fn pair(kind: Kind) -> (Arc<dyn FileOps>, Arc<dyn FileOps>) {
        let ns = Arc::new(Namespace::default());
        let (a, b) = ns.socketpair(&caller(), kind);
        for s in [&a, &b] {
            s.set_status_flags(libc::O_NONBLOCK as u32);
        }
        (a, b)
    }

    #[test]
    fn stream_pair_moves_bytes_and_ends_with_eof() {
        let (a, b) = pair(Kind::Stream);
        assert_eq!(b.read(&mut [0; 4]).unwrap_err(), Errno::EAGAIN);
        assert_eq!(a.write(b"hello").unwrap(), 5);
        assert_eq!(a.write(b" world").unwrap(), 6);
        let mut buf = [0u8; 32];
        assert_eq!(b.read(&mut buf).unwrap(), 11);
        assert_eq!(&buf[..11], b"hello world");
        drop(a);
        assert_eq!(b.read(&mut buf).unwrap(), 0);
        assert_eq!(b.write(b"x").unwrap_err(), Errno::EPIPE);
    }

    #[test]
    fn unread_data_at_close_resets_the_peer() {
        let (a, b) = pair(Kind::Stream);
        b.write(b"never read").unwrap();
        a.write(b"ab").unwrap();
        drop(a);
        let mut buf = [0u8; 8];
        assert_eq!(b.read(&mut buf).unwrap(), 2);
        assert_eq!(b.read(&mut buf).unwrap_err(), Errno::ECONNRESET);
        assert_eq!(b.read(&mut buf).unwrap(), 0);
    }

    #[test]
    fn seqpacket_keeps_boundaries_and_truncates() {
        let (a, b) = pair(Kind::Seqpacket);
        a.write(b"first").unwrap();
        a.write(b"second").unwrap();
        let s = b.as_socket().unwrap();
        let r = s.recvmsg(3, libc::MSG_PEEK | libc::MSG_TRUNC).unwrap();
        assert_eq!(
            (&r.data[..], r.ret, r.flags),
            (&b"fir"[..], 5, libc::MSG_TRUNC)
        );
        let r = s.recvmsg(3, 0).unwrap();
        assert_eq!((&r.data[..], r.ret), (&b"fir"[..], 3));
        let mut buf = [0u8; 16];
        assert_eq!(b.read(&mut buf).unwrap(), 6);
        assert_eq!(&buf[..6], b"second");
    }

    #[test]
    fn shutdown_write_gives_the_peer_eof_and_poll_bits() {
        let (a, b) = pair(Kind::Stream);
        a.as_socket().unwrap().shutdown(libc::SHUT_WR).unwrap();
        assert_eq!(b.read(&mut [0; 4]).unwrap(), 0);
        assert_ne!(b.poll() & POLLRDHUP, 0);
        assert_eq!(a.write(b"x").unwrap_err(), Errno::EPIPE);
    }

    #[test]
    fn dgram_pair_and_queue_limit_of_the_sender_buffer() {
        let (a, b) = pair(Kind::Dgram);
        let big = vec![1u8; DEFAULT_BUF_FOR_TEST];
        assert_eq!(a.write(&big).unwrap_err(), Errno::EMSGSIZE);
        let mut n = 0;
        while a.write(&[0u8; 1000]).is_ok() {
            n += 1;
            assert!(n < 10_000);
        }
        assert!(n > 10);
        assert_eq!(b.read(&mut [0u8; 10]).unwrap(), 10);
    }

    const DEFAULT_BUF_FOR_TEST: usize = super::super::DEFAULT_BUF;
}
