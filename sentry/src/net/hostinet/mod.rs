//! AF_INET and AF_INET6 sockets on the host's network (`--network=host`): each TCP or UDP
//! socket of the app is a host socket the sentry made and owns, and every call on it is
//! relayed by the sentry; the app itself never makes a host syscall.
//!
//! Host sockets are always non-blocking. A blocking call (accept, connect, recv, send) tries
//! the host call and, on EAGAIN, waits in `fs::poll::wait_ready` like every other wait of the
//! sandbox, so a signal interrupts it (restart or EINTR, as `sock_intr_errno` decides) and
//! SO_RCVTIMEO/SO_SNDTIMEO, kept here and never set on the host socket, bound it. The host
//! poller thread (`poller.rs`) wakes those waits on host events. Addresses are checked here
//! before the host sees them (`addr.rs`); options pass only from a vetted list.

mod addr;
mod poller;
mod sys;

use std::mem::ManuallyDrop;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use self::addr::Dest;
use self::poller::{Poller, Registration};
use super::inet::Proto;
use super::{Caller, Received, SendMsg, Socket};
use crate::errno::Errno;
use crate::fs::poll::{self, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLPRI, POLLRDHUP};
use crate::fs::poll::{POLLRDNORM, POLLWRNORM};
use crate::fs::{FileOps, Statfs};
use crate::kernel::Task;
use crate::mm::MemoryManager;

const SOCKFS_MAGIC: i64 = 0x534F_434B;
/// The send flags passed to the host (MSG_DONTWAIT and MSG_NOSIGNAL are always added).
const SEND_FLAGS: i32 =
    libc::MSG_OOB | libc::MSG_DONTROUTE | libc::MSG_EOR | libc::MSG_MORE | libc::MSG_CONFIRM;
/// The receive flags passed to the host (MSG_DONTWAIT is always added; MSG_WAITALL is done
/// here, by receiving again).
const RECV_FLAGS: i32 = libc::MSG_PEEK | libc::MSG_TRUNC | libc::MSG_OOB;
/// The largest buffer one stream receive fills: a receive may return fewer bytes than asked.
const STREAM_CHUNK: usize = 256 * 1024;
/// With MSG_WAITALL a receive waits for the whole length, up to this much.
const WAITALL_MAX: usize = 16 * 1024 * 1024;
/// The largest datagram: a bigger buffer would never fill.
const DGRAM_MAX: usize = 65536;
/// What every poll of a host socket asks the host about.
const POLL_EVENTS: u32 = POLLIN
    | POLLPRI
    | POLLOUT
    | POLLRDHUP
    | POLLRDNORM
    | POLLWRNORM
    | libc::POLLRDBAND as u32
    | libc::POLLWRBAND as u32;
/// The largest option value the host writes (struct tcp_info is 232 bytes as of Linux 6.x).
const OPT_MAX: usize = 256;
/// SIOCOUTQNSD: the bytes not yet sent.
const SIOCOUTQNSD: u64 = 0x894B;

/// The options passed to the host socket as they are: (level, name, settable). Anything else
/// is ENOPROTOOPT. SO_RCVTIMEO and SO_SNDTIMEO are the sentry's own, not here.
const OPTS: &[(i32, i32, bool)] = &[
    (libc::SOL_SOCKET, libc::SO_REUSEADDR, true),
    (libc::SOL_SOCKET, libc::SO_REUSEPORT, true),
    (libc::SOL_SOCKET, libc::SO_KEEPALIVE, true),
    (libc::SOL_SOCKET, libc::SO_LINGER, true),
    (libc::SOL_SOCKET, libc::SO_RCVBUF, true),
    (libc::SOL_SOCKET, libc::SO_SNDBUF, true),
    (libc::SOL_SOCKET, libc::SO_BROADCAST, true),
    (libc::SOL_SOCKET, libc::SO_OOBINLINE, true),
    (libc::SOL_SOCKET, libc::SO_RCVLOWAT, true),
    (libc::SOL_SOCKET, libc::SO_SNDLOWAT, false),
    (libc::SOL_SOCKET, libc::SO_PRIORITY, true),
    (libc::SOL_SOCKET, libc::SO_DONTROUTE, true),
    (libc::SOL_SOCKET, libc::SO_ERROR, false),
    (libc::SOL_SOCKET, libc::SO_TYPE, false),
    (libc::SOL_SOCKET, libc::SO_DOMAIN, false),
    (libc::SOL_SOCKET, libc::SO_PROTOCOL, false),
    (libc::SOL_SOCKET, libc::SO_ACCEPTCONN, false),
    (libc::IPPROTO_TCP, libc::TCP_NODELAY, true),
    (libc::IPPROTO_TCP, libc::TCP_MAXSEG, true),
    (libc::IPPROTO_TCP, libc::TCP_CORK, true),
    (libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, true),
    (libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, true),
    (libc::IPPROTO_TCP, libc::TCP_KEEPCNT, true),
    (libc::IPPROTO_TCP, libc::TCP_SYNCNT, true),
    (libc::IPPROTO_TCP, libc::TCP_LINGER2, true),
    (libc::IPPROTO_TCP, libc::TCP_DEFER_ACCEPT, true),
    (libc::IPPROTO_TCP, libc::TCP_WINDOW_CLAMP, true),
    (libc::IPPROTO_TCP, libc::TCP_QUICKACK, true),
    (libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT, true),
    (libc::IPPROTO_TCP, libc::TCP_NOTSENT_LOWAT, true),
    (libc::IPPROTO_TCP, libc::TCP_INFO, false),
    (libc::IPPROTO_TCP, libc::TCP_CONGESTION, false),
    (libc::IPPROTO_IP, libc::IP_TOS, true),
    (libc::IPPROTO_IP, libc::IP_TTL, true),
    (libc::IPPROTO_IP, libc::IP_MTU_DISCOVER, true),
    (libc::IPPROTO_IP, libc::IP_MTU, false),
    (libc::IPPROTO_IP, libc::IP_MULTICAST_TTL, true),
    (libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP, true),
    (libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, true),
    (libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS, true),
    (libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_HOPS, true),
    (libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP, true),
    (libc::IPPROTO_IPV6, libc::IPV6_TCLASS, true),
    (libc::IPPROTO_IPV6, libc::IPV6_MTU_DISCOVER, true),
    (libc::IPPROTO_IPV6, libc::IPV6_MTU, false),
];

/// The host network of one sandbox: the poller, started with the first socket.
#[derive(Default)]
pub struct HostNet {
    poller: Mutex<Option<Arc<Poller>>>,
}

impl Drop for HostNet {
    fn drop(&mut self) {
        if let Some(p) = self.poller.get_mut().ok().and_then(|p| p.take()) {
            p.stop();
        }
    }
}

impl HostNet {
    fn poller(&self) -> Result<Arc<Poller>, Errno> {
        let mut p = self.poller.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = &*p {
            return Ok(p.clone());
        }
        let new = Poller::start()?;
        *p = Some(new.clone());
        Ok(new)
    }

    /// socket(2) for AF_INET (`v6` false) or AF_INET6: a new host socket.
    pub fn socket(
        &self,
        caller: &Caller,
        v6: bool,
        proto: Proto,
    ) -> Result<Arc<dyn FileOps>, Errno> {
        let (family, ty, protocol) = (
            if v6 { libc::AF_INET6 } else { libc::AF_INET },
            proto.sock_type(),
            proto.number(),
        );
        let fd = sys::socket(family, ty, protocol)?;
        Ok(Arc::new(HostSocket::new(
            &self.poller()?,
            fd,
            v6,
            proto,
            caller,
        )?))
    }
}

/// The sentry's own state of a host socket (an accepted one starts with its listener's, as
/// Linux copies the listening sock).
#[derive(Clone, Default)]
struct Local {
    rcvtimeo: Option<Duration>,
    sndtimeo: Option<Duration>,
    /// SO_LINGER is on with a time: the host close may wait, so it happens off the app's
    /// thread.
    lingers: bool,
}

/// An open host socket: what the file holds.
pub struct HostSocket {
    /// Dropped by hand in `Drop`, which may pass it to a thread of its own.
    fd: ManuallyDrop<OwnedFd>,
    reg: ManuallyDrop<Registration>,
    poller: Arc<Poller>,
    v6: bool,
    proto: Proto,
    local: Mutex<Local>,
    nonblock: AtomicBool,
    ino: u64,
    uid: u32,
    gid: u32,
    path: String,
}

/// A host call's answer for a retry loop: EAGAIN is "not yet".
fn again<T>(r: Result<T, Errno>) -> Result<Option<T>, Errno> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(Errno::EAGAIN) => Ok(None),
        Err(e) => Err(e),
    }
}

impl HostSocket {
    fn new(
        poller: &Arc<Poller>,
        fd: OwnedFd,
        v6: bool,
        proto: Proto,
        caller: &Caller,
    ) -> Result<HostSocket, Errno> {
        let reg = poller.register(fd.as_fd())?;
        let ino = crate::vfs::next_ino();
        Ok(HostSocket {
            fd: ManuallyDrop::new(fd),
            reg: ManuallyDrop::new(reg),
            poller: poller.clone(),
            v6,
            proto,
            local: Mutex::new(Local::default()),
            nonblock: AtomicBool::new(false),
            ino,
            uid: caller.fsuid,
            gid: caller.fsgid,
            path: format!("socket:[{ino}]"),
        })
    }

    fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    fn local(&self) -> std::sync::MutexGuard<'_, Local> {
        self.local.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn nonblocking(&self, flags: i32) -> bool {
        flags & libc::MSG_DONTWAIT != 0 || self.nonblock.load(Ordering::Relaxed)
    }

    /// Runs `attempt` until it is done or fails (see `block_on`), waiting for host events
    /// between tries.
    fn block<T>(
        &self,
        nonblock: bool,
        timeout: Option<Duration>,
        attempt: impl FnMut() -> Result<Option<T>, Errno>,
    ) -> Result<T, Errno> {
        crate::net::block_on(&[], nonblock, timeout, attempt)
    }

    /// One send: a stream sends everything (waiting for room) unless non-blocking, a signal
    /// or the timeout cuts it short after some bytes; a datagram goes whole or not at all.
    fn send(&self, data: &[u8], dest: Option<Vec<u8>>, flags: i32) -> Result<usize, Errno> {
        let nonblock = self.nonblocking(flags);
        let hflags = flags & SEND_FLAGS;
        let timeout = self.local().sndtimeo;
        let fd = self.fd();
        if self.proto != Proto::Tcp {
            return self.block(nonblock, timeout, || {
                again(sys::sendto(fd, data, hflags, dest.as_deref()))
            });
        }
        let mut sent = 0usize;
        let r = self.block(nonblock, timeout, || loop {
            match sys::sendto(fd, &data[sent..], hflags, None) {
                Ok(n) => {
                    sent += n;
                    if sent == data.len() || n == 0 {
                        return Ok(Some(sent));
                    }
                }
                Err(Errno::EAGAIN) if sent > 0 && nonblock => return Ok(Some(sent)),
                Err(Errno::EAGAIN) => return Ok(None),
                Err(e) => return Err(e),
            }
        });
        match r {
            // tcp_sendmsg: bytes already queued are the answer, whatever stopped the rest.
            Err(_) if sent > 0 => Ok(sent),
            r => r,
        }
    }

    /// One receive into `buf`: (what the call returns, the bytes written to `buf`, the
    /// sender's address, msg_flags).
    fn recv_into(&self, buf: &mut [u8], flags: i32) -> Result<(usize, usize, Vec<u8>, i32), Errno> {
        let nonblock = self.nonblocking(flags);
        let hflags = flags & RECV_FLAGS;
        let timeout = self.local().rcvtimeo;
        let fd = self.fd();
        if self.proto != Proto::Tcp {
            let r = self.block(nonblock, timeout, || {
                again(sys::recvmsg(fd, &mut *buf, hflags))
            })?;
            let copied = r.ret.min(buf.len());
            let keep = libc::MSG_TRUNC | libc::MSG_EOR | libc::MSG_OOB;
            return Ok((r.ret, copied, r.addr, r.flags & keep));
        }
        let waitall = flags & libc::MSG_WAITALL != 0 && flags & libc::MSG_PEEK == 0;
        let mut got = 0usize;
        let r = self.block(nonblock, timeout, || loop {
            match sys::recvmsg(fd, &mut buf[got..], hflags) {
                // End of file (or an empty buffer).
                Ok(r) if r.ret == 0 => return Ok(Some(())),
                Ok(r) => {
                    got += r.ret;
                    if !waitall || got >= buf.len() {
                        return Ok(Some(()));
                    }
                }
                Err(Errno::EAGAIN) if got > 0 && !waitall => return Ok(Some(())),
                Err(Errno::EAGAIN) => return Ok(None),
                Err(_) if got > 0 => return Ok(Some(())),
                Err(e) => return Err(e),
            }
        });
        match r {
            Ok(()) => {}
            // Interrupted or timed out after some bytes: those are the answer.
            Err(_) if got > 0 => {}
            Err(e) => return Err(e),
        }
        // MSG_TRUNC on a stream discards the bytes instead of copying them (tcp(7)).
        let copied = if flags & libc::MSG_TRUNC != 0 { 0 } else { got };
        Ok((got, copied, Vec::new(), 0))
    }

    fn recv(&self, len: usize, flags: i32) -> Result<Received, Errno> {
        let cap = match self.proto {
            Proto::Udp | Proto::UdpLite => DGRAM_MAX,
            Proto::Tcp if flags & libc::MSG_WAITALL != 0 => WAITALL_MAX,
            Proto::Tcp => STREAM_CHUNK,
        };
        let mut buf = vec![0u8; len.min(cap)];
        let (ret, copied, addr, msg_flags) = self.recv_into(&mut buf, flags)?;
        buf.truncate(copied);
        Ok(Received {
            data: buf,
            ret,
            addr: (!addr.is_empty()).then_some(addr),
            flags: msg_flags,
            ..Received::default()
        })
    }

    fn sockaddr_or_empty(&self, r: Result<Vec<u8>, Errno>) -> Vec<u8> {
        r.unwrap_or_else(|_| {
            let family = if self.v6 {
                libc::AF_INET6
            } else {
                libc::AF_INET
            };
            let mut v = vec![0u8; if self.v6 { 28 } else { 16 }];
            v[..2].copy_from_slice(&(family as u16).to_ne_bytes());
            v
        })
    }
}

impl Drop for HostSocket {
    fn drop(&mut self) {
        // SAFETY: drop runs once, and neither field is used after being taken here.
        let (reg, fd) = unsafe {
            (
                ManuallyDrop::take(&mut self.reg),
                ManuallyDrop::take(&mut self.fd),
            )
        };
        drop(reg);
        if self.local().lingers {
            // close(2) with SO_LINGER waits until the data is sent or the time passes; the
            // app's thread must not wait in the host, so a thread of its own closes it.
            let spawned = std::thread::Builder::new()
                .name("linger-close".into())
                .spawn(move || drop(fd));
            if let Err(e) = spawned {
                tracing::warn!("cannot start a thread for a lingering close: {e}");
            }
        } else {
            drop(fd);
        }
        poll::notify();
    }
}

impl Socket for HostSocket {
    fn family(&self) -> i32 {
        if self.v6 {
            libc::AF_INET6
        } else {
            libc::AF_INET
        }
    }

    fn sock_type(&self) -> i32 {
        self.proto.sock_type()
    }

    fn protocol(&self) -> i32 {
        self.proto.number()
    }

    fn bind(&self, _task: &Task, raw: &[u8]) -> Result<(), Errno> {
        let a = addr::bind(self.v6, raw)?;
        sys::bind(self.fd(), &a)
    }

    fn listen(&self, _task: &Task, backlog: i32) -> Result<(), Errno> {
        sys::listen(self.fd(), backlog)?;
        poll::notify();
        Ok(())
    }

    fn accept(&self, nonblock: bool) -> Result<(Arc<dyn FileOps>, Vec<u8>), Errno> {
        let timeout = self.local().rcvtimeo;
        let fd = self.fd();
        let (new, peer) = self.block(nonblock, timeout, || again(sys::accept(fd)))?;
        let caller = Caller::current();
        let sock = HostSocket::new(&self.poller, new, self.v6, self.proto, &caller)?;
        *sock.local() = self.local().clone();
        Ok((Arc::new(sock), peer))
    }

    fn connect(&self, _task: &Task, raw: &[u8], nonblock: bool) -> Result<(), Errno> {
        let a = match addr::connect(self.v6, self.proto, raw)? {
            Dest::Addr(a) => a,
            Dest::Unspec => {
                let mut v = vec![0u8; 16];
                v[..2].copy_from_slice(&(libc::AF_UNSPEC as u16).to_ne_bytes());
                v
            }
        };
        let fd = self.fd();
        match sys::connect(fd, &a) {
            Ok(()) => return Ok(()),
            // A second connect while the first is under way (or restarted after a signal)
            // waits for the same handshake, as __inet_stream_connect does.
            Err(e) if e == Errno::EINPROGRESS || e.0 == libc::EALREADY => {
                if nonblock {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
        let timeout = self.local().sndtimeo;
        let r = self.block(false, timeout, || {
            let ev = sys::poll_now(fd, POLLOUT);
            Ok((ev & (POLLOUT | POLLERR | POLLHUP) != 0).then_some(()))
        });
        match r {
            Ok(()) => {}
            // SO_SNDTIMEO ran out with the handshake still under way.
            Err(Errno::EAGAIN) => return Err(Errno::EINPROGRESS),
            Err(e) => return Err(e),
        }
        let err = sys::getsockopt(fd, libc::SOL_SOCKET, libc::SO_ERROR, 4)?;
        let err = i32::from_ne_bytes(
            err.get(..4)
                .and_then(|b| b.try_into().ok())
                .unwrap_or([0; 4]),
        );
        if err != 0 {
            return Err(Errno(err));
        }
        // Takes the host socket from "connecting" to "connected", so a later connect is
        // EISCONN as on Linux.
        let _ = sys::connect(fd, &a);
        Ok(())
    }

    fn getsockname(&self) -> Vec<u8> {
        self.sockaddr_or_empty(sys::getsockname(self.fd()))
    }

    fn getpeername(&self) -> Result<Vec<u8>, Errno> {
        sys::getpeername(self.fd())
    }

    fn sendmsg(&self, _task: &Task, msg: SendMsg) -> Result<usize, Errno> {
        // SCM_RIGHTS and SCM_CREDENTIALS mean nothing to an internet socket: Linux sends the
        // data and drops them, and so do we (the files never reach the host).
        let dest = match (&msg.addr, self.proto) {
            // tcp_sendmsg ignores a destination.
            (_, Proto::Tcp) | (None, _) => None,
            (Some(raw), Proto::Udp | Proto::UdpLite) => match addr::sendto(self.v6, raw)? {
                Dest::Addr(a) => Some(a),
                Dest::Unspec => None,
            },
        };
        self.send(&msg.data, dest, msg.flags)
    }

    fn recvmsg(&self, len: usize, flags: i32) -> Result<Received, Errno> {
        self.recv(len, flags)
    }

    fn shutdown(&self, how: i32) -> Result<(), Errno> {
        sys::shutdown(self.fd(), how)?;
        poll::notify();
        Ok(())
    }

    fn getsockopt(&self, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        if level == libc::SOL_SOCKET {
            match name {
                libc::SO_RCVTIMEO => return Ok(super::timeval_bytes(self.local().rcvtimeo)),
                libc::SO_SNDTIMEO => return Ok(super::timeval_bytes(self.local().sndtimeo)),
                _ => {}
            }
        }
        if !OPTS.iter().any(|&(l, n, _)| l == level && n == name) {
            return Err(Errno::ENOPROTOOPT);
        }
        sys::getsockopt(self.fd(), level, name, OPT_MAX)
    }

    fn setsockopt(&self, level: i32, name: i32, value: &[u8]) -> Result<(), Errno> {
        if level == libc::SOL_SOCKET {
            match name {
                libc::SO_RCVTIMEO => {
                    self.local().rcvtimeo = super::timeval_value(value)?;
                    return Ok(());
                }
                libc::SO_SNDTIMEO => {
                    self.local().sndtimeo = super::timeval_value(value)?;
                    return Ok(());
                }
                _ => {}
            }
        }
        if !OPTS
            .iter()
            .any(|&(l, n, set)| l == level && n == name && set)
        {
            return Err(Errno::ENOPROTOOPT);
        }
        sys::setsockopt(self.fd(), level, name, value)?;
        if (level, name) == (libc::SOL_SOCKET, libc::SO_LINGER) {
            let v = sys::getsockopt(self.fd(), level, name, 8)?;
            let word = |i: usize| {
                v.get(i..i + 4)
                    .and_then(|b| b.try_into().ok())
                    .map_or(0, i32::from_ne_bytes)
            };
            self.local().lingers = word(0) != 0 && word(4) != 0;
        }
        Ok(())
    }

    fn sigpipe(&self) -> bool {
        self.proto == Proto::Tcp
    }
}

impl FileOps for HostSocket {
    fn supports_fasync(&self) -> bool {
        true
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let (_, copied, _, _) = self.recv_into(buf, 0)?;
        Ok(copied)
    }

    fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        self.send(buf, None, 0)
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
        match request {
            // SIOCINQ (FIONREAD), SIOCOUTQ (TIOCOUTQ) and SIOCOUTQNSD: one int each.
            libc::FIONREAD | libc::TIOCOUTQ | SIOCOUTQNSD => {
                let n = sys::ioctl_int(self.fd(), request)?;
                mm.write_val(arg, &n)?;
                Ok(0)
            }
            // The interface ioctls answer for the sandbox's own `lo`, as in --network=none.
            _ => super::ifreq::ioctl(mm, request, arg),
        }
    }

    fn poll(&self) -> u32 {
        sys::poll_now(self.fd(), POLL_EVENTS)
    }

    fn poll_generation(&self) -> u64 {
        self.reg.generation()
    }

    fn set_status_flags(&self, flags: u32) {
        self.nonblock
            .store(flags & libc::O_NONBLOCK as u32 != 0, Ordering::Relaxed);
    }

    fn as_socket(&self) -> Option<&dyn Socket> {
        Some(self)
    }

    fn sigpipe_on_epipe(&self) -> bool {
        self.proto == Proto::Tcp
    }

    fn path(&self) -> &str {
        &self.path
    }
}
