//! Sockets: the sandbox's own network stack. A family implements [`Socket`] (and [`FileOps`]
//! for read, write, poll and fstat); the socket syscalls (`syscalls/socket.rs`) decode the
//! app's arguments and call it. AF_UNIX is `unix.rs`; AF_INET and AF_INET6 on the sandbox's
//! own loopback (`--network=none`) are `inet.rs`, where no host socket is ever made; with
//! `--network=host` they are host sockets the sentry makes and relays (`hostinet/`);
//! NETLINK_ROUTE, for interface listings, is `netlink.rs` in both modes. [`Stack::socket`]
//! picks the family.

pub mod hostinet;
pub mod ifreq;
pub mod inet;
pub mod netlink;
pub mod unix;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::errno::Errno;
use crate::fs::{File, FileOps};
use crate::kernel::Task;

/// `struct ucred` (SO_PEERCRED, SCM_CREDENTIALS), in the sandbox's pid numbering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Ucred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

// SAFETY: three 32-bit integers, no padding.
unsafe impl crate::mm::Pod for Ucred {}

/// Linux's overflow uid and gid: what an id with no mapping reads as.
pub const OVERFLOW_ID: u32 = 65534;

/// Who makes a socket call: what SO_PEERCRED, SCM_CREDENTIALS and file ownership record.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    pub pid: i32,
    /// Effective ids (SO_PEERCRED).
    pub cred: Ucred,
    /// Real ids (SCM_CREDENTIALS of a message).
    pub real: Ucred,
    /// File-system ids (the socket inode's owner).
    pub fsuid: u32,
    pub fsgid: u32,
}

impl Caller {
    pub fn of(task: &Task) -> Caller {
        Caller::from_cred(task.process.pid, &task.cred)
    }

    /// The caller of a file operation (write(2) on a socket), which has no task at hand: the
    /// process the calling sentry thread serves.
    pub fn current() -> Caller {
        let process = crate::kernel::process::current_process();
        let pid = process.as_ref().map_or(0, |p| p.pid);
        let cred = process.and_then(|p| p.lock().cred.clone());
        match cred {
            Some(c) => Caller::from_cred(pid, &c),
            None => Caller::from_cred(
                pid,
                &crate::kernel::cred::Cred::with_caps(0, 0, Vec::new(), (0, 0, 0)),
            ),
        }
    }

    fn from_cred(pid: i32, c: &crate::kernel::cred::Cred) -> Caller {
        Caller {
            pid,
            cred: Ucred {
                pid,
                uid: c.euid,
                gid: c.egid,
            },
            real: Ucred {
                pid,
                uid: c.ruid,
                gid: c.rgid,
            },
            fsuid: c.fsuid,
            fsgid: c.fsgid,
        }
    }
}

/// One message to send (send, sendto, sendmsg, write).
#[derive(Default)]
pub struct SendMsg {
    pub data: Vec<u8>,
    /// The destination address (sendto), as the app's sockaddr bytes.
    pub addr: Option<Vec<u8>>,
    /// SCM_RIGHTS: open files passed along.
    pub rights: Vec<Arc<File>>,
    /// SCM_CREDENTIALS given by the sender (already checked).
    pub cred: Option<Ucred>,
    /// IPPROTO_IP and IPPROTO_IPV6 control messages, (level, type, data), for the family to
    /// check and apply (IP_TTL, IPV6_HOPLIMIT, IPV6_TCLASS...).
    pub ip_control: Vec<(i32, i32, Vec<u8>)>,
    /// `MSG_*` flags; MSG_DONTWAIT is set for non-blocking files too.
    pub flags: i32,
}

/// What a receive got (recv, recvfrom, recvmsg, read).
#[derive(Default)]
pub struct Received {
    /// The bytes copied, at most the buffer's length.
    pub data: Vec<u8>,
    /// What the call returns: the bytes copied, or the whole datagram with MSG_TRUNC.
    pub ret: usize,
    /// The sender's address, if it has one.
    pub addr: Option<Vec<u8>>,
    pub rights: Vec<Arc<File>>,
    /// SCM_CREDENTIALS for the app (the receiver asked with SO_PASSCRED).
    pub cred: Option<Ucred>,
    /// Other control messages the receiver asked for, in order: (level, type, data)
    /// (IP_PKTINFO, IPV6_HOPLIMIT...).
    pub control: Vec<(i32, i32, Vec<u8>)>,
    /// `msg_flags`: MSG_TRUNC, MSG_EOR...
    pub flags: i32,
}

/// The calls a socket family implements. Addresses travel as the app's sockaddr bytes; each
/// family parses its own. Options of other levels than SOL_SOCKET are the family's too.
pub trait Socket: Send + Sync {
    fn family(&self) -> i32;
    /// SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET.
    fn sock_type(&self) -> i32;
    fn protocol(&self) -> i32 {
        0
    }
    fn bind(&self, task: &Task, addr: &[u8]) -> Result<(), Errno>;
    fn listen(&self, task: &Task, backlog: i32) -> Result<(), Errno>;
    /// accept(2): the new connection's file operations and its peer's address.
    fn accept(&self, nonblock: bool) -> Result<(Arc<dyn FileOps>, Vec<u8>), Errno>;
    fn connect(&self, task: &Task, addr: &[u8], nonblock: bool) -> Result<(), Errno>;
    fn getsockname(&self) -> Vec<u8>;
    fn getpeername(&self) -> Result<Vec<u8>, Errno>;
    fn sendmsg(&self, task: &Task, msg: SendMsg) -> Result<usize, Errno>;
    /// Receives at most `len` bytes; `flags` are the `MSG_*` flags of the call.
    fn recvmsg(&self, len: usize, flags: i32) -> Result<Received, Errno>;
    fn shutdown(&self, how: i32) -> Result<(), Errno>;
    /// The option's whole value; the caller truncates it to the app's optlen, as Linux does.
    fn getsockopt(&self, level: i32, name: i32) -> Result<Vec<u8>, Errno>;
    fn setsockopt(&self, level: i32, name: i32, value: &[u8]) -> Result<(), Errno>;
    /// Whether EPIPE from a send raises SIGPIPE (stream sockets; not datagrams).
    fn sigpipe(&self) -> bool;
    /// Queues a message from the kernel itself (mq_notify's SIGEV_THREAD cookie); only
    /// netlink sockets take them.
    fn post(&self, _data: Vec<u8>) -> Result<(), Errno> {
        Err(Errno::EINVAL)
    }
}

/// Linux's default socket buffer sizes (net.core.[rw]mem_default) and the largest SO_SNDBUF
/// and SO_RCVBUF an unprivileged process may ask for (net.core.[rw]mem_max).
pub const DEFAULT_BUF: usize = 212_992;
pub const MAX_BUF: usize = 212_992;
/// The smallest buffers (SOCK_MIN_SNDBUF, SOCK_MIN_RCVBUF on x86_64).
pub const MIN_SNDBUF: usize = 4608;
pub const MIN_RCVBUF: usize = 2304;

/// Runs a socket call's `attempt` until it is done (`Ok(Some)`) or fails, waiting between
/// tries for a change to `keys` (no keys: any change): EAGAIN at once if non-blocking, and at
/// the timeout; a signal ends the wait with EINTR if the socket has a timeout, else with a
/// restart (as sock_intr_errno decides).
pub(crate) fn block_on<T>(
    keys: &[crate::fs::poll::Key],
    nonblock: bool,
    timeout: Option<Duration>,
    mut attempt: impl FnMut() -> Result<Option<T>, Errno>,
) -> Result<T, Errno> {
    if let Some(v) = attempt()? {
        return Ok(v);
    }
    if nonblock {
        return Err(Errno::EAGAIN);
    }
    let deadline = timeout.map(|t| std::time::Instant::now() + t);
    let mut out = None;
    let ready = crate::fs::poll::wait_ready_on(keys, deadline, || match attempt() {
        Ok(None) => Ok(false),
        r => {
            out = Some(r);
            Ok(true)
        }
    });
    match ready {
        Ok(true) => match out {
            Some(Ok(Some(v))) => Ok(v),
            Some(Err(e)) => Err(e),
            _ => Err(Errno::EAGAIN),
        },
        Ok(false) | Err(Errno::EAGAIN) => Err(Errno::EAGAIN),
        Err(_) if timeout.is_some() => Err(Errno::EINTR),
        Err(_) => Err(Errno::ERESTARTSYS),
    }
}

/// The SOL_SOCKET options every family has, as sock_setsockopt and sock_getsockopt keep them.
#[derive(Clone, Debug)]
pub struct SockOpts {
    pub sndbuf: usize,
    pub rcvbuf: usize,
    pub rcvtimeo: Option<Duration>,
    pub sndtimeo: Option<Duration>,
    pub passcred: bool,
    pub reuseaddr: bool,
    /// (l_onoff, l_linger).
    pub linger: (i32, i32),
    /// Flags and numbers that are kept but change nothing here (SO_KEEPALIVE, SO_PRIORITY...).
    pub others: BTreeMap<i32, i32>,
}

impl Default for SockOpts {
    fn default() -> Self {
        SockOpts {
            sndbuf: DEFAULT_BUF,
            rcvbuf: DEFAULT_BUF,
            rcvtimeo: None,
            sndtimeo: None,
            passcred: false,
            reuseaddr: false,
            linger: (0, 0),
            others: BTreeMap::new(),
        }
    }
}

/// Options stored as a boolean (0 or 1), and options stored as given.
const BOOL_OPTS: [i32; 6] = [
    libc::SO_DEBUG,
    libc::SO_DONTROUTE,
    libc::SO_BROADCAST,
    libc::SO_KEEPALIVE,
    libc::SO_OOBINLINE,
    libc::SO_REUSEPORT,
];
const INT_OPTS: [i32; 2] = [libc::SO_PRIORITY, libc::SO_RCVLOWAT];

fn int_value(v: &[u8]) -> Result<i32, Errno> {
    let b: [u8; 4] = v
        .get(..4)
        .ok_or(Errno::EINVAL)?
        .try_into()
        .unwrap_or([0; 4]);
    Ok(i32::from_ne_bytes(b))
}

fn timeval_bytes(t: Option<Duration>) -> Vec<u8> {
    let (s, us) = t.map_or((0i64, 0i64), |d| {
        (d.as_secs() as i64, i64::from(d.subsec_micros()))
    });
    let mut v = s.to_ne_bytes().to_vec();
    v.extend_from_slice(&us.to_ne_bytes());
    v
}

/// A `struct timeval` timeout (SO_RCVTIMEO): EINVAL if short, EDOM for bad microseconds; zero
/// is "no timeout", a negative one is zero too (sock_set_timeout).
fn timeval_value(v: &[u8]) -> Result<Option<Duration>, Errno> {
    if v.len() < 16 {
        return Err(Errno::EINVAL);
    }
    let s = i64::from_ne_bytes(v[..8].try_into().unwrap_or([0; 8]));
    let us = i64::from_ne_bytes(v[8..16].try_into().unwrap_or([0; 8]));
    if !(0..1_000_000).contains(&us) {
        return Err(Errno::EDOM);
    }
    if s < 0 || (s == 0 && us == 0) {
        return Ok(None);
    }
    Ok(Some(Duration::new(s as u64, (us * 1000) as u32)))
}

impl SockOpts {
    /// getsockopt of a common option; `None` if it is not one.
    pub fn get(&self, name: i32) -> Option<Vec<u8>> {
        let int = |v: i32| Some(v.to_ne_bytes().to_vec());
        match name {
            libc::SO_SNDBUF => int(self.sndbuf as i32),
            libc::SO_RCVBUF => int(self.rcvbuf as i32),
            libc::SO_PASSCRED => int(i32::from(self.passcred)),
            libc::SO_REUSEADDR => int(i32::from(self.reuseaddr)),
            libc::SO_RCVTIMEO => Some(timeval_bytes(self.rcvtimeo)),
            libc::SO_SNDTIMEO => Some(timeval_bytes(self.sndtimeo)),
            libc::SO_LINGER => {
                let mut v = self.linger.0.to_ne_bytes().to_vec();
                v.extend_from_slice(&self.linger.1.to_ne_bytes());
                Some(v)
            }
            libc::SO_RCVLOWAT => int(*self.others.get(&name).unwrap_or(&1)),
            n if BOOL_OPTS.contains(&n) || INT_OPTS.contains(&n) => {
                int(*self.others.get(&n).unwrap_or(&0))
            }
            _ => None,
        }
    }

    /// setsockopt of a common option: `Ok(false)` if it is not one.
    pub fn set(&mut self, name: i32, v: &[u8]) -> Result<bool, Errno> {
        match name {
            libc::SO_RCVTIMEO => self.rcvtimeo = timeval_value(v)?,
            libc::SO_SNDTIMEO => self.sndtimeo = timeval_value(v)?,
            libc::SO_LINGER => {
                if v.len() < 8 {
                    return Err(Errno::EINVAL);
                }
                self.linger = (int_value(&v[..4])?, int_value(&v[4..8])?);
            }
            libc::SO_SNDBUF | libc::SO_RCVBUF => {
                // Linux doubles the value (for its bookkeeping overhead), after capping it at
                // the sysctl maximum, and keeps it above a minimum.
                let val = (int_value(v)? as u32).min(MAX_BUF as u32) as usize;
                if name == libc::SO_SNDBUF {
                    self.sndbuf = (val * 2).max(MIN_SNDBUF);
                } else {
                    self.rcvbuf = (val * 2).max(MIN_RCVBUF);
                }
            }
            libc::SO_PASSCRED => self.passcred = int_value(v)? != 0,
            libc::SO_REUSEADDR => self.reuseaddr = int_value(v)? != 0,
            libc::SO_RCVLOWAT => {
                let val = int_value(v)?;
                self.others
                    .insert(name, if val < 0 { i32::MAX } else { val.max(1) });
            }
            n if BOOL_OPTS.contains(&n) => {
                let val = int_value(v)?;
                self.others.insert(n, i32::from(val != 0));
            }
            n if INT_OPTS.contains(&n) => {
                let val = int_value(v)?;
                self.others.insert(n, val);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Two connected sockets (socketpair).
pub type SocketPair = (Arc<dyn FileOps>, Arc<dyn FileOps>);

/// What the sandbox's internet sockets reach (`blinders do --network`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Network {
    /// A loopback of the sandbox's own, inside the sentry.
    #[default]
    None,
    /// The host's network, through host sockets the sentry makes for the app.
    Host,
}

/// The sandbox's network stack: one per sandbox.
#[derive(Default)]
pub struct Stack {
    pub unix: Arc<unix::Namespace>,
    pub inet: Arc<inet::Namespace>,
    /// `--network=host`: internet sockets are host sockets.
    pub host: Option<hostinet::HostNet>,
}

impl Stack {
    pub fn new(network: Network) -> Stack {
        Stack {
            host: (network == Network::Host).then(hostinet::HostNet::default),
            ..Stack::default()
        }
    }

    /// socket(2): a new socket of `family` and `ty` (the type without SOCK_NONBLOCK and
    /// SOCK_CLOEXEC).
    pub fn socket(
        &self,
        caller: &Caller,
        family: i32,
        ty: i32,
        protocol: i32,
    ) -> Result<Arc<dyn FileOps>, Errno> {
        match family {
            libc::AF_UNIX => Ok(self.unix.socket(caller, unix_type(ty, protocol)?)),
            libc::AF_INET | libc::AF_INET6 => {
                let (v6, proto) = (family == libc::AF_INET6, inet_proto(ty, protocol)?);
                match &self.host {
                    Some(host) => host.socket(caller, v6, proto),
                    None => Ok(self.inet.socket(caller, v6, proto)),
                }
            }
            libc::AF_NETLINK => match (ty, protocol) {
                (libc::SOCK_RAW | libc::SOCK_DGRAM, libc::NETLINK_ROUTE) => {
                    Ok(Arc::new(netlink::NetlinkSocket::new(caller, ty)))
                }
                (libc::SOCK_RAW | libc::SOCK_DGRAM, _) => Err(Errno::EPROTONOSUPPORT),
                _ => Err(Errno::ESOCKTNOSUPPORT),
            },
            _ => Err(Errno::EAFNOSUPPORT),
        }
    }

    /// socketpair(2): two sockets connected to each other.
    pub fn socketpair(
        &self,
        caller: &Caller,
        family: i32,
        ty: i32,
        protocol: i32,
    ) -> Result<SocketPair, Errno> {
        match family {
            libc::AF_UNIX => Ok(self.unix.socketpair(caller, unix_type(ty, protocol)?)),
            // Internet sockets cannot be made in pairs.
            libc::AF_INET | libc::AF_INET6 => {
                inet_proto(ty, protocol)?;
                Err(Errno::EOPNOTSUPP)
            }
            _ => Err(Errno::EAFNOSUPPORT),
        }
    }
}

/// The kind of an AF_UNIX socket for a socket(2) type and protocol, as unix_create checks them.
fn unix_type(ty: i32, protocol: i32) -> Result<unix::Kind, Errno> {
    if protocol != 0 && protocol != libc::AF_UNIX {
        return Err(Errno::EPROTONOSUPPORT);
    }
    match ty {
        libc::SOCK_STREAM => Ok(unix::Kind::Stream),
        // BSD has AF_UNIX SOCK_RAW; Linux makes it a datagram socket.
        libc::SOCK_DGRAM | libc::SOCK_RAW => Ok(unix::Kind::Dgram),
        libc::SOCK_SEQPACKET => Ok(unix::Kind::Seqpacket),
        _ => Err(Errno::ESOCKTNOSUPPORT),
    }
}

/// The protocol of an internet socket for a socket(2) type and protocol, as inet_create
/// matches them. Raw sockets are EPROTONOSUPPORT even for root: the loopback carries no IP
/// packets to read raw, and the sandbox gives no CAP_NET_RAW meaning.
fn inet_proto(ty: i32, protocol: i32) -> Result<inet::Proto, Errno> {
    match ty {
        libc::SOCK_STREAM if matches!(protocol, 0 | libc::IPPROTO_TCP) => Ok(inet::Proto::Tcp),
        libc::SOCK_DGRAM if matches!(protocol, 0 | libc::IPPROTO_UDP) => Ok(inet::Proto::Udp),
        libc::SOCK_DGRAM if protocol == libc::IPPROTO_UDPLITE => Ok(inet::Proto::UdpLite),
        libc::SOCK_STREAM | libc::SOCK_DGRAM | libc::SOCK_RAW => Err(Errno::EPROTONOSUPPORT),
        _ => Err(Errno::ESOCKTNOSUPPORT),
    }
}
