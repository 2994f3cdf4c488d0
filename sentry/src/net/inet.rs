//! AF_INET and AF_INET6 sockets (ip(7), ipv6(7), tcp(7), udp(7)) on the sandbox's own
//! loopback: the sandbox has `lo` with 127.0.0.1/8 and ::1 and nothing else, and no packet
//! ever leaves the sentry.
//!
//! As for AF_UNIX, all sockets of a sandbox sit in one table under one lock, as ids. Every
//! address is kept as an IPv6 address (IPv4 ones as `::ffff:a.b.c.d`), so an AF_INET6 socket
//! talking to an AF_INET one needs no special case; each socket shows addresses in its own
//! family. A TCP connection is two ids naming each other, each with a byte queue its peer
//! writes into: connect makes the server's end at once and queues it on the listener's
//! backlog, as a loopback handshake completes before connect returns. A UDP socket has a queue
//! of datagrams with their senders' addresses. Waits go through `fs::poll::wait_ready`, so
//! signals interrupt them and poll and epoll see every change.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::{Caller, Received, SendMsg, SockOpts, Socket};
use crate::errno::Errno;
use crate::fs::poll::{self, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM};
use crate::fs::{FileOps, Statfs};
use crate::kernel::Task;
use crate::mm::MemoryManager;

type Id = u64;

const RCV_SHUTDOWN: u8 = 1;
const SEND_SHUTDOWN: u8 = 2;
const SHUTDOWN_MASK: u8 = 3;
/// net.ipv4.ip_local_port_range: where ephemeral ports come from.
const EPHEMERAL: std::ops::RangeInclusive<u16> = 32768..=60999;
/// net.core.somaxconn.
const SOMAXCONN: u32 = 4096;
/// The largest UDP payload: 65535 less the IPv4 and UDP headers (the IPv6 header is not
/// counted in its payload length).
const UDP_MAX_V4: usize = 65507;
const UDP_MAX_V6: usize = 65527;
const SOCKFS_MAGIC: i64 = 0x534F_434B;
const SOCKADDR_IN_LEN: usize = 16;
const SOCKADDR_IN6_LEN: usize = 28;
/// SIN6_LEN_RFC2133: the shortest sockaddr_in6 Linux takes (without sin6_scope_id).
const SOCKADDR_IN6_MIN: usize = 24;
/// TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT as Linux starts them.
const TCP_DEFAULTS: [(i32, i32); 3] = [
    (libc::TCP_KEEPIDLE, 7200),
    (libc::TCP_KEEPINTVL, 75),
    (libc::TCP_KEEPCNT, 9),
];

/// TCP or UDP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
    /// UDP-Lite (udplite(7)): UDP with partial checksums, its own port space. On the
    /// loopback nothing is corrupted, so only the checksum coverage options differ.
    UdpLite,
}

impl Proto {
    /// The socket(2) type a socket of this protocol has.
    pub fn sock_type(self) -> i32 {
        match self {
            Proto::Tcp => libc::SOCK_STREAM,
            Proto::Udp | Proto::UdpLite => libc::SOCK_DGRAM,
        }
    }

    /// Its IPPROTO_* number.
    pub fn number(self) -> i32 {
        match self {
            Proto::Tcp => libc::IPPROTO_TCP,
            Proto::Udp => libc::IPPROTO_UDP,
            Proto::UdpLite => libc::IPPROTO_UDPLITE,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Unconnected,
    Listening,
    Connected,
}

/// An endpoint: an address (IPv4 as v4-mapped) and a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Endpoint {
    ip: Ipv6Addr,
    port: u16,
}

fn mapped(v4: Ipv4Addr) -> Ipv6Addr {
    v4.to_ipv6_mapped()
}

fn is_v4(ip: &Ipv6Addr) -> bool {
    ip.to_ipv4_mapped().is_some()
}

fn v4_any() -> Ipv6Addr {
    mapped(Ipv4Addr::UNSPECIFIED)
}

/// Whether `ip` is one of the sandbox's own addresses (lo: 127.0.0.0/8 and ::1).
fn is_local(ip: &Ipv6Addr) -> bool {
    match ip.to_ipv4_mapped() {
        Some(v4) => v4.is_loopback(),
        None => *ip == Ipv6Addr::LOCALHOST,
    }
}

/// The source address the loopback route gives for a destination.
fn source_for(dst: &Ipv6Addr) -> Ipv6Addr {
    if is_v4(dst) {
        mapped(Ipv4Addr::LOCALHOST)
    } else {
        Ipv6Addr::LOCALHOST
    }
}

/// One UDP datagram, its sender, and what its IP header would carry for the receiver's
/// control messages.
struct Datagram {
    data: Vec<u8>,
    from: Endpoint,
    /// The address it was sent to.
    to: Ipv6Addr,
    /// The sender's TTL / hop limit and TOS / traffic class.
    ttl: i32,
    tos: i32,
}

struct Sock {
    v6: bool,
    proto: Proto,
    state: State,
    /// The bound address (a wildcard included) and port.
    local: Option<Endpoint>,
    /// The remote end (a TCP peer's address, or a connected UDP socket's destination).
    remote: Option<Endpoint>,
    /// The TCP connection's other end, while it is open.
    peer: Option<Id>,
    backlog: usize,
    pending: VecDeque<Id>,
    /// TCP: the bytes the peer wrote and this end has not read.
    stream: VecDeque<u8>,
    /// UDP: datagrams waiting to be read, and their bytes.
    dgrams: VecDeque<Datagram>,
    dgram_bytes: usize,
    shutdown: u8,
    /// sk_err: reported once.
    err: i32,
    /// The TCP peer closed: the next write is taken and answered with a reset (EPIPE).
    peer_closed: bool,
    /// TCP: a FIN came in (the peer shut its writing side or closed), and one went out.
    fin_rcvd: bool,
    fin_sent: bool,
    /// TCP urgent data (send with MSG_OOB) for a receiver without SO_OOBINLINE: the last
    /// byte of that send, read apart with recv(MSG_OOB), POLLPRI while it waits.
    urgent: Option<u8>,
    /// TCP: the urgent mark, as the bytes of `stream` before it (Linux's urg_seq less
    /// copied_seq): a read stops there, SIOCATMARK is true at it, and a read past it ends it
    /// (with an urgent byte not taken by then).
    mark: Option<usize>,
    /// TCP: the connection was reset.
    reset: bool,
    opts: SockOpts,
    v6only: bool,
    /// IPPROTO_IP, IPPROTO_IPV6 and IPPROTO_TCP options, stored as given.
    proto_opts: BTreeMap<(i32, i32), i32>,
    attached: bool,
    gen: u64,
}

/// ioctl SIOCATMARK (asm-generic/sockios.h): at the urgent mark?
const SIOCATMARK: u64 = 0x8905;

impl Sock {
    fn new(v6: bool, proto: Proto) -> Sock {
        Sock {
            v6,
            proto,
            state: State::Unconnected,
            local: None,
            remote: None,
            peer: None,
            backlog: 0,
            pending: VecDeque::new(),
            stream: VecDeque::new(),
            dgrams: VecDeque::new(),
            dgram_bytes: 0,
            shutdown: 0,
            err: 0,
            peer_closed: false,
            fin_rcvd: false,
            fin_sent: false,
            urgent: None,
            mark: None,
            reset: false,
            opts: SockOpts::default(),
            v6only: false,
            proto_opts: BTreeMap::new(),
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

    /// Whether a packet for `dst` reaches this socket's bound address.
    fn accepts(&self, dst: &Ipv6Addr) -> bool {
        let Some(l) = self.local else {
            return false;
        };
        if !self.v6 {
            return is_v4(dst) && (l.ip == v4_any() || l.ip == *dst);
        }
        if l.ip.is_unspecified() {
            return !is_v4(dst) || !self.v6only;
        }
        l.ip == *dst
    }

    /// Whether a TCP socket is in Linux's TCP_CLOSE state: never connected, reset, or both
    /// FINs exchanged.
    fn closed(&self) -> bool {
        self.state == State::Unconnected || self.reset || (self.fin_rcvd && self.fin_sent)
    }

    fn reuseport(&self) -> bool {
        self.opts.others.get(&libc::SO_REUSEPORT) == Some(&1)
    }

    /// The socket's address as the app sees it, in its family.
    fn sockaddr(&self, e: Option<Endpoint>) -> Vec<u8> {
        let e = e.unwrap_or(Endpoint {
            ip: if self.v6 {
                Ipv6Addr::UNSPECIFIED
            } else {
                v4_any()
            },
            port: 0,
        });
        sockaddr(self.v6, e)
    }
}

/// `struct sockaddr_in` or `struct sockaddr_in6` for an endpoint.
/// udplite(7)'s checksum coverage options (level IPPROTO_UDPLITE).
const UDPLITE_SEND_CSCOV: i32 = 10;
const UDPLITE_RECV_CSCOV: i32 = 11;

/// The IP control messages a datagram gives a receiver that asked for them (IP_PKTINFO,
/// IP_RECVTTL, IP_RECVTOS for IPv4 packets; IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT,
/// IPV6_RECVTCLASS on IPv6 sockets), in the order Linux puts them. The interface is always
/// `lo` (index 1).
fn ip_control(
    opts: &std::collections::BTreeMap<(i32, i32), i32>,
    v6: bool,
    d: &Datagram,
) -> Vec<(i32, i32, Vec<u8>)> {
    let on = |level, name| opts.get(&(level, name)).is_some_and(|&v| v != 0);
    let mut out = Vec::new();
    let v4 = d.to.to_ipv4_mapped();
    if let Some(to) = v4 {
        if on(libc::IPPROTO_IP, libc::IP_PKTINFO) {
            // struct in_pktinfo: ifindex, the local address, the header's destination.
            let mut b = 1i32.to_ne_bytes().to_vec();
            b.extend_from_slice(&to.octets());
            b.extend_from_slice(&to.octets());
            out.push((libc::IPPROTO_IP, libc::IP_PKTINFO, b));
        }
        if on(libc::IPPROTO_IP, libc::IP_RECVTTL) {
            out.push((libc::IPPROTO_IP, libc::IP_TTL, d.ttl.to_ne_bytes().to_vec()));
        }
        if on(libc::IPPROTO_IP, libc::IP_RECVTOS) {
            out.push((libc::IPPROTO_IP, libc::IP_TOS, vec![d.tos as u8]));
        }
    }
    if v6 {
        if on(libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO) {
            // struct in6_pktinfo: the destination (v4-mapped for an IPv4 packet), ifindex.
            let mut b = d.to.octets().to_vec();
            b.extend_from_slice(&1i32.to_ne_bytes());
            out.push((libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, b));
        }
        if v4.is_none() {
            if on(libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT) {
                out.push((
                    libc::IPPROTO_IPV6,
                    libc::IPV6_HOPLIMIT,
                    d.ttl.to_ne_bytes().to_vec(),
                ));
            }
            if on(libc::IPPROTO_IPV6, libc::IPV6_RECVTCLASS) {
                out.push((
                    libc::IPPROTO_IPV6,
                    libc::IPV6_TCLASS,
                    d.tos.to_ne_bytes().to_vec(),
                ));
            }
        }
    }
    out
}

fn sockaddr(v6: bool, e: Endpoint) -> Vec<u8> {
    if v6 {
        let mut v = vec![0u8; SOCKADDR_IN6_LEN];
        v[..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
        v[2..4].copy_from_slice(&e.port.to_be_bytes());
        v[8..24].copy_from_slice(&e.ip.octets());
        v
    } else {
        let mut v = vec![0u8; SOCKADDR_IN_LEN];
        v[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        v[2..4].copy_from_slice(&e.port.to_be_bytes());
        let ip = e.ip.to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED);
        v[4..8].copy_from_slice(&ip.octets());
        v
    }
}

/// What a sockaddr passed by the app says.
enum Parsed {
    /// AF_UNSPEC (connect: dissolve the association; bind: INADDR_ANY on IPv4).
    Unspec,
    At(Endpoint),
}

/// Parses the app's sockaddr for a socket of family `v6`: EINVAL if short, EAFNOSUPPORT for
/// another family, as inet_bind and inet6_bind check.
fn parse(v6: bool, raw: &[u8]) -> Result<Parsed, Errno> {
    if raw.len() < 2 {
        return Err(Errno::EINVAL);
    }
    let family = i32::from(u16::from_ne_bytes([raw[0], raw[1]]));
    let min = if v6 {
        SOCKADDR_IN6_MIN
    } else {
        SOCKADDR_IN_LEN
    };
    if family == libc::AF_UNSPEC {
        return Ok(Parsed::Unspec);
    }
    if raw.len() < min {
        return Err(Errno::EINVAL);
    }
    let port = u16::from_be_bytes([raw[2], raw[3]]);
    if v6 {
        if family != libc::AF_INET6 {
            return Err(Errno::EAFNOSUPPORT);
        }
        let mut o = [0u8; 16];
        o.copy_from_slice(&raw[8..24]);
        Ok(Parsed::At(Endpoint {
            ip: Ipv6Addr::from(o),
            port,
        }))
    } else {
        if family != libc::AF_INET {
            return Err(Errno::EAFNOSUPPORT);
        }
        let ip = Ipv4Addr::new(raw[4], raw[5], raw[6], raw[7]);
        Ok(Parsed::At(Endpoint {
            ip: mapped(ip),
            port,
        }))
    }
}

/// The sockets of a sandbox.
#[derive(Default)]
struct Net {
    socks: HashMap<Id, Sock>,
    next: Id,
    /// Where the search for the next ephemeral port starts.
    next_port: u16,
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

    /// Whether `id` may take `e` as its address, as inet_csk_bind_conflict decides: another
    /// socket of the protocol on the port whose addresses overlap conflicts unless both set
    /// SO_REUSEPORT, or both set SO_REUSEADDR and (TCP) the other is not listening.
    fn conflicts(&self, id: Id, e: Endpoint, v6only: bool) -> bool {
        let me = &self.socks[&id];
        let mut probe = Sock::new(me.v6, me.proto);
        probe.local = Some(e);
        probe.v6only = v6only;
        self.socks.iter().any(|(&oid, o)| {
            let Some(ol) = o.local else {
                return false;
            };
            if oid == id || o.proto != me.proto || ol.port != e.port {
                return false;
            }
            if !(probe.accepts(&ol.ip) || o.accepts(&e.ip)) {
                return false;
            }
            if me.reuseport() && o.reuseport() {
                return false;
            }
            let reuse = me.opts.reuseaddr && o.opts.reuseaddr;
            !(reuse && (me.proto != Proto::Tcp || o.state != State::Listening))
        })
    }

    /// Binds `id` to `ip` and a free ephemeral port.
    fn ephemeral(&mut self, id: Id, ip: Ipv6Addr) -> Result<Endpoint, Errno> {
        let span = u32::from(EPHEMERAL.end() - EPHEMERAL.start()) + 1;
        if self.next_port == 0 {
            let seed = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            self.next_port = (seed % span) as u16;
        }
        let v6only = self.socks[&id].v6only;
        for i in 0..span {
            let off = (u32::from(self.next_port) + i) % span;
            let port = EPHEMERAL.start() + off as u16;
            let e = Endpoint { ip, port };
            if !self.conflicts(id, e, v6only) {
                self.next_port = ((off + 1) % span) as u16;
                self.sock(id).local = Some(e);
                return Ok(e);
            }
        }
        Err(Errno::EADDRINUSE)
    }

    /// The socket's local endpoint, autobinding it (inet_autobind) if it has none.
    fn autobind(&mut self, id: Id) -> Result<Endpoint, Errno> {
        match self.socks[&id].local {
            Some(l) => Ok(l),
            None => {
                let any = if self.socks[&id].v6 {
                    Ipv6Addr::UNSPECIFIED
                } else {
                    v4_any()
                };
                self.ephemeral(id, any)
            }
        }
    }

    /// The socket of `proto` that takes packets for `dst`: one bound to the address itself
    /// before one bound to a wildcard, as the socket lookup scores them.
    fn lookup(&self, proto: Proto, dst: Endpoint, listening: bool) -> Option<Id> {
        let mut best: Option<(bool, Id)> = None;
        for (&id, s) in &self.socks {
            let Some(l) = s.local else { continue };
            if s.proto != proto || l.port != dst.port || !s.accepts(&dst.ip) {
                continue;
            }
            if listening && s.state != State::Listening {
                continue;
            }
            let exact = l.ip == dst.ip;
            match best {
                Some((true, b)) if b < id => {}
                Some((false, b)) if !exact && b < id => {}
                _ => best = Some((exact, id)),
            }
        }
        best.map(|(_, id)| id)
    }

    /// The socket's last file closed (or, `embryo`, a connection never accepted): its TCP
    /// peer sees a FIN, or a reset if data was left unread here.
    fn release(&mut self, id: Id, embryo: bool) {
        let Some(mut s) = self.socks.remove(&id) else {
            return;
        };
        if let Some(p) = s.peer.and_then(|p| self.socks.get_mut(&p)) {
            p.peer = None;
            // SO_LINGER on with a zero time aborts the connection (tcp_close sends a reset).
            let abort = s.opts.linger.0 != 0 && s.opts.linger.1 == 0;
            if !s.stream.is_empty() || embryo || abort {
                p.err = libc::ECONNRESET;
                p.shutdown = SHUTDOWN_MASK;
                p.reset = true;
            } else {
                p.shutdown |= RCV_SHUTDOWN;
                p.fin_rcvd = true;
                p.peer_closed = true;
            }
            p.gen += 1;
        }
        for e in std::mem::take(&mut s.pending) {
            self.release(e, true);
        }
    }
}

/// All AF_INET and AF_INET6 sockets of one sandbox.
#[derive(Default)]
pub struct Namespace {
    net: Mutex<Net>,
}

impl Namespace {
    fn lock(&self) -> MutexGuard<'_, Net> {
        self.net.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// socket(2) for AF_INET (`v6` false) or AF_INET6.
    pub fn socket(self: &Arc<Self>, caller: &Caller, v6: bool, proto: Proto) -> Arc<dyn FileOps> {
        let id = self.lock().insert(Sock::new(v6, proto));
        Arc::new(InetSocket::new(self.clone(), id, v6, proto, caller))
    }
}

/// An open internet socket: what the file holds.
pub struct InetSocket {
    ns: Arc<Namespace>,
    id: Id,
    v6: bool,
    proto: Proto,
    ino: u64,
    uid: u32,
    gid: u32,
    nonblock: AtomicBool,
    path: String,
}

impl InetSocket {
    fn new(ns: Arc<Namespace>, id: Id, v6: bool, proto: Proto, caller: &Caller) -> InetSocket {
        let ino = crate::vfs::next_ino();
        InetSocket {
            ns,
            id,
            v6,
            proto,
            ino,
            uid: caller.fsuid,
            gid: caller.fsgid,
            nonblock: AtomicBool::new(false),
            path: format!("socket:[{ino}]"),
        }
    }

    fn run<T>(&self, f: impl FnOnce(&mut Net) -> T) -> T {
        // Wake waiters once, after the lock is released (`net` goes first), and only those
        // waiting on these sockets.
        let _batch = poll::batch_keyed(poll::key_of(&*self.ns));
        let mut net = self.ns.lock();
        f(&mut net)
    }

    fn with<T>(&self, f: impl FnOnce(&mut Sock) -> T) -> T {
        self.run(|net| f(net.sock(self.id)))
    }

    fn nonblock_flags(&self, flags: i32) -> i32 {
        if self.nonblock.load(Ordering::Relaxed) {
            flags | libc::MSG_DONTWAIT
        } else {
            flags
        }
    }

    /// Runs `attempt` under the table's lock until it is done or fails (see `block_on`),
    /// waiting for changes to these sockets between tries.
    fn block<T>(
        &self,
        nonblock: bool,
        timeout: Option<Duration>,
        mut attempt: impl FnMut(&mut Net) -> Result<Option<T>, Errno>,
    ) -> Result<T, Errno> {
        let keys = [poll::key_of(&*self.ns)];
        super::block_on(&keys, nonblock, timeout, || self.run(&mut attempt))
    }

    /// Checks a destination: ENETUNREACH unless it is on the loopback (the unspecified
    /// address means this host, as Linux routes it); returns it as the peer will see it.
    fn route(&self, mut dst: Endpoint) -> Result<Endpoint, Errno> {
        if self.v6 && is_v4(&dst.ip) && self.with(|s| s.v6only) {
            return Err(Errno::ENETUNREACH);
        }
        if dst.ip == v4_any() {
            dst.ip = mapped(Ipv4Addr::LOCALHOST);
        } else if dst.ip.is_unspecified() {
            dst.ip = Ipv6Addr::LOCALHOST;
        }
        if !is_local(&dst.ip) {
            return Err(Errno::ENETUNREACH);
        }
        Ok(dst)
    }

    fn connect_tcp(&self, dst: Endpoint, nonblock: bool) -> Result<(), Errno> {
        let id = self.id;
        let timeout = self.with(|s| s.opts.sndtimeo);
        let mut refused_late = false;
        let r = self.block(nonblock, timeout, |net| {
            let me = &net.socks[&id];
            match me.state {
                State::Connected if me.peer.is_some() || me.remote.is_some() => {
                    return Err(Errno::EISCONN)
                }
                State::Listening => return Err(Errno::EINVAL),
                _ => {}
            }
            let Some(l) = net.lookup(Proto::Tcp, dst, true) else {
                return Err(Errno::ECONNREFUSED);
            };
            let t = &net.socks[&l];
            if t.pending.len() > t.backlog && !nonblock {
                return Ok(None);
            }
            let src = source_for(&dst.ip);
            let mut local = net.autobind(id)?;
            if local.ip.is_unspecified() || local.ip == v4_any() {
                local.ip = src;
                net.sock(id).local = Some(local);
            }
            let (lv6, lopts) = (net.socks[&l].v6, net.socks[&l].opts.clone());
            let mut e = Sock::new(lv6, Proto::Tcp);
            e.state = State::Connected;
            e.local = Some(dst);
            e.remote = Some(local);
            e.peer = Some(id);
            e.opts = lopts;
            e.proto_opts = net.socks[&l].proto_opts.clone();
            e.attached = false;
            let eid = net.insert(e);
            let me = net.sock(id);
            me.state = State::Connected;
            me.remote = Some(dst);
            me.peer = Some(eid);
            me.gen += 1;
            let t = net.sock(l);
            t.pending.push_back(eid);
            t.gen += 1;
            poll::notify_scoped();
            Ok(Some(()))
        });
        match r {
            // A non-blocking connect reports its end through SO_ERROR and poll, as a SYN
            // answered later would.
            Err(Errno::ECONNREFUSED) if nonblock => {
                refused_late = true;
                Ok(())
            }
            r => r,
        }
        .and_then(|()| {
            if refused_late {
                self.with(|s| {
                    s.err = libc::ECONNREFUSED;
                    s.shutdown = SHUTDOWN_MASK;
                    s.gen += 1;
                });
                poll::notify_scoped();
            }
            if nonblock {
                Err(Errno::EINPROGRESS)
            } else {
                Ok(())
            }
        })
    }

    /// Sends `data` (from a write, or a send's message) on a connection.
    fn send_tcp(&self, data: &[u8], flags: i32) -> Result<usize, Errno> {
        let nonblock = flags & libc::MSG_DONTWAIT != 0;
        let id = self.id;
        if flags & libc::MSG_OOB != 0 {
            // The last byte of the send is the urgent one, as tcp_sendmsg marks it; the rest
            // is ordinary data. The receiver's mark moves to it (an older urgent byte not
            // taken yet is lost). A receiver that asked for it inline (SO_OOBINLINE, as FTP
            // clients' ABOR expects) reads it in order; one that did not reads it apart
            // (recv with MSG_OOB), with POLLPRI while it waits.
            let connected = self.run(|net| net.sock(id).peer.is_some());
            if !connected {
                return Err(Errno::EOPNOTSUPP);
            }
            let Some((&last, before)) = data.split_last() else {
                return self.send_tcp(data, flags & !libc::MSG_OOB);
            };
            let sent = if before.is_empty() {
                0
            } else {
                self.send_tcp(before, flags & !libc::MSG_OOB)?
            };
            if sent < before.len() {
                return Ok(sent);
            }
            let inline = self.run(|net| {
                let peer = net.sock(id).peer?;
                let p = net.sock(peer);
                let inline = p.opts.get(libc::SO_OOBINLINE);
                let inline = inline.is_some_and(|v| v.iter().any(|&b| b != 0));
                p.mark = Some(p.stream.len());
                p.urgent = (!inline).then_some(last);
                poll::notify_scoped();
                Some(inline)
            });
            return match inline {
                Some(true) => Ok(sent + self.send_tcp(&[last], flags & !libc::MSG_OOB)?),
                Some(false) => Ok(data.len()),
                None => Err(Errno::EPIPE),
            };
        }
        let timeout = self.with(|s| s.opts.sndtimeo);
        let len = data.len();
        let mut sent = 0usize;
        let r = self.block(nonblock, timeout, |net| {
            let me = net.sock(id);
            me.take_err()?;
            if me.shutdown & SEND_SHUTDOWN != 0 {
                return Err(Errno::EPIPE);
            }
            // sk_stream_wait_connect: a socket that never connected cannot send (EPIPE).
            if me.state != State::Connected {
                return Err(Errno::EPIPE);
            }
            let Some(peer) = me.peer else {
                if me.peer_closed {
                    // The peer is gone: this write is taken, and its reset ends the
                    // connection (EPIPE from now on, as in CLOSE_WAIT).
                    me.peer_closed = false;
                    me.err = libc::EPIPE;
                    me.shutdown = SHUTDOWN_MASK;
                    me.reset = true;
                    me.gen += 1;
                    poll::notify_scoped();
                    return Ok(Some(len));
                }
                return Err(Errno::EPIPE);
            };
            loop {
                if sent == len {
                    return Ok(Some(sent));
                }
                let p = net.sock(peer);
                let room = p.opts.rcvbuf.saturating_sub(p.stream.len());
                if room == 0 {
                    return if sent > 0 && nonblock {
                        Ok(Some(sent))
                    } else {
                        Ok(None)
                    };
                }
                let n = room.min(len - sent);
                p.stream.extend(&data[sent..sent + n]);
                p.gen += 1;
                sent += n;
                poll::notify_scoped();
            }
        });
        match r {
            Err(e) if sent > 0 && e != Errno::EPIPE => Ok(sent),
            r => r,
        }
    }

    fn recv_tcp(&self, len: usize, flags: i32) -> Result<Received, Errno> {
        let mut sink = VecSink {
            data: Vec::new(),
            len,
        };
        let ret = self.recv_tcp_into(&mut sink, flags)?;
        let mut data = sink.data;
        // MSG_TRUNC on a stream discards the bytes instead of copying them (tcp(7)).
        if flags & libc::MSG_TRUNC != 0 {
            data.clear();
        }
        Ok(Received {
            data,
            ret,
            ..Received::default()
        })
    }

    /// Receives into `out`, as much as it has room for; returns the bytes received.
    fn recv_tcp_into(&self, out: &mut dyn Sink, flags: i32) -> Result<usize, Errno> {
        let (state, timeout) = self.with(|s| (s.state, s.opts.rcvtimeo));
        if state == State::Listening {
            return Err(Errno::ENOTCONN);
        }
        let peek = flags & libc::MSG_PEEK != 0;
        if flags & libc::MSG_OOB != 0 {
            // tcp_recv_urg: the urgent byte, if one waits (EINVAL otherwise, and for a
            // socket that takes it inline); it is never waited for.
            let id = self.id;
            let byte = self.run(|net| {
                let me = net.sock(id);
                let b = if peek { me.urgent } else { me.urgent.take() };
                if b.is_some() && !peek {
                    poll::notify_scoped();
                }
                b
            });
            let Some(b) = byte else {
                return Err(Errno::EINVAL);
            };
            if out.capacity() == 0 {
                return Ok(0);
            }
            let mut q = std::collections::VecDeque::from([b]);
            out.take(&mut q, 1);
            return Ok(1);
        }
        let nonblock = flags & libc::MSG_DONTWAIT != 0;
        let waitall = flags & libc::MSG_WAITALL != 0 && !peek;
        let id = self.id;
        let len = out.capacity();
        let r = self.block(nonblock, timeout, |net| {
            let me = net.sock(id);
            // tcp_recvmsg: end of file, then the error, then ENOTCONN for a closed socket.
            if me.state == State::Unconnected && me.err == 0 && me.shutdown & RCV_SHUTDOWN == 0 {
                return Err(Errno::ENOTCONN);
            }
            let mut n = (len - out.filled()).min(me.stream.len());
            // tcp_recvmsg: a read stops at the urgent mark, before it if it read anything.
            match me.mark {
                Some(0) if out.filled() > 0 => return Ok(Some(())),
                Some(m) if m > 0 => n = n.min(m),
                _ => {}
            }
            if peek {
                out.peek(&me.stream, n);
            } else if n > 0 {
                out.take(&mut me.stream, n);
                me.mark = match me.mark {
                    Some(m) if m > 0 => Some(m - n),
                    // Read past the mark: it ends, and an urgent byte not taken is lost.
                    Some(_) => {
                        me.urgent = None;
                        None
                    }
                    None => None,
                };
                if let Some(p) = me.peer {
                    if let Some(p) = net.socks.get_mut(&p) {
                        p.gen += 1;
                    }
                }
                poll::notify_scoped();
            }
            let me = net.sock(id);
            let got = out.filled();
            if got == len || (got > 0 && !waitall) {
                return Ok(Some(()));
            }
            if me.err != 0 {
                let e = me.take_err();
                return if got == 0 {
                    e.map(|()| None)
                } else {
                    Ok(Some(()))
                };
            }
            if me.shutdown & RCV_SHUTDOWN != 0 || len == 0 {
                return Ok(Some(()));
            }
            Ok(None)
        });
        match r {
            Ok(()) => {}
            Err(_) if out.filled() > 0 => {}
            Err(e) => return Err(e),
        }
        Ok(out.filled())
    }

    fn send_udp(&self, msg: SendMsg) -> Result<usize, Errno> {
        let me_proto = self.proto;
        let (ttl_over, tos_over) = self.ip_send_control(&msg.ip_control)?;
        let len = msg.data.len();
        if len > if self.v6 { UDP_MAX_V6 } else { UDP_MAX_V4 } {
            return Err(Errno::EMSGSIZE);
        }
        let dst = match &msg.addr {
            Some(raw) => match parse(self.v6, raw)? {
                Parsed::Unspec if !self.v6 => return Err(Errno::EAFNOSUPPORT),
                Parsed::Unspec => return Err(Errno::EINVAL),
                Parsed::At(e) => Some(self.route(e)?),
            },
            None => None,
        };
        let id = self.id;
        self.run(|net| {
            let me = net.sock(id);
            me.take_err()?;
            if me.shutdown & SEND_SHUTDOWN != 0 {
                return Err(Errno::EPIPE);
            }
            let connected = me.remote;
            let dst = dst.or(connected).ok_or(Errno::EDESTADDRREQ)?;
            if dst.port == 0 {
                return Err(Errno::EINVAL);
            }
            let src = source_for(&dst.ip);
            // What the IP header would carry: the sender's TTL (hop limit) and TOS (class).
            let (ttl, tos) = {
                let o = &net.sock(id).proto_opts;
                if dst.ip.to_ipv4_mapped().is_some() {
                    (
                        *o.get(&(libc::IPPROTO_IP, libc::IP_TTL)).unwrap_or(&64),
                        *o.get(&(libc::IPPROTO_IP, libc::IP_TOS)).unwrap_or(&0),
                    )
                } else {
                    (
                        *o.get(&(libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS))
                            .unwrap_or(&64),
                        *o.get(&(libc::IPPROTO_IPV6, libc::IPV6_TCLASS))
                            .unwrap_or(&0),
                    )
                }
            };
            let (ttl, tos) = (ttl_over.unwrap_or(ttl), tos_over.unwrap_or(tos));
            let mut from = net.autobind(id)?;
            if from.ip.is_unspecified() || from.ip == v4_any() {
                from.ip = src;
            }
            let Some(to) = net.lookup(me_proto, dst, false) else {
                // The port unreachable that comes back is an error for a connected socket.
                if connected.is_some() {
                    net.sock(id).err = libc::ECONNREFUSED;
                    poll::notify_scoped();
                }
                return Ok(len);
            };
            let t = net.sock(to);
            if t.remote.is_some_and(|r| r != from) || t.shutdown & RCV_SHUTDOWN != 0 {
                return Ok(len);
            }
            // A full receive buffer drops the datagram, as Linux does.
            if t.dgram_bytes + len <= t.opts.rcvbuf {
                t.dgram_bytes += len;
                t.dgrams.push_back(Datagram {
                    data: msg.data,
                    from,
                    to: dst.ip,
                    ttl,
                    tos,
                });
                t.gen += 1;
                poll::notify_scoped();
            }
            Ok(len)
        })
    }

    /// The per-datagram IP settings of a sendmsg's control messages, checked as Linux's
    /// ip_cmsg_send (IPv4 sockets: IP_TTL, IP_TOS, IP_PKTINFO) and ip6_datagram_send_ctl
    /// (IPv6 sockets: IPV6_HOPLIMIT, IPV6_TCLASS, IPV6_PKTINFO) do: a wrong size or value, or
    /// an unknown type of the socket's own level, is EINVAL; the other level is skipped.
    /// Returns the TTL (hop limit) and TOS (traffic class) to send with, if given.
    fn ip_send_control(
        &self,
        control: &[(i32, i32, Vec<u8>)],
    ) -> Result<(Option<i32>, Option<i32>), Errno> {
        let (mut ttl, mut tos) = (None, None);
        for (level, ty, data) in control {
            let int = || -> Result<i32, Errno> {
                let b: [u8; 4] = data.as_slice().try_into().map_err(|_| Errno::EINVAL)?;
                Ok(i32::from_ne_bytes(b))
            };
            let own = if self.v6 {
                libc::IPPROTO_IPV6
            } else {
                libc::IPPROTO_IP
            };
            if *level != own {
                continue;
            }
            match (*level, *ty) {
                (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT | libc::IPV6_TCLASS) => {
                    let v = int()?;
                    if !(-1..=255).contains(&v) {
                        return Err(Errno::EINVAL);
                    }
                    if v != -1 {
                        if *ty == libc::IPV6_HOPLIMIT {
                            ttl = Some(v);
                        } else {
                            tos = Some(v);
                        }
                    }
                }
                // The source address: the loopback's, whatever it asks.
                (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO) if data.len() == 20 => {}
                (libc::IPPROTO_IP, libc::IP_TTL) => {
                    let v = int()?;
                    if !(1..=255).contains(&v) {
                        return Err(Errno::EINVAL);
                    }
                    ttl = Some(v);
                }
                (libc::IPPROTO_IP, libc::IP_TOS) => {
                    let v = match data.len() {
                        1 => i32::from(data[0]),
                        _ => int()?,
                    };
                    if !(0..=255).contains(&v) {
                        return Err(Errno::EINVAL);
                    }
                    tos = Some(v);
                }
                (libc::IPPROTO_IP, libc::IP_PKTINFO) if data.len() == 12 => {}
                _ => return Err(Errno::EINVAL),
            }
        }
        Ok((ttl, tos))
    }

    fn recv_udp(&self, len: usize, flags: i32) -> Result<Received, Errno> {
        if flags & libc::MSG_OOB != 0 {
            return Err(Errno::EOPNOTSUPP);
        }
        let timeout = self.with(|s| s.opts.rcvtimeo);
        let peek = flags & libc::MSG_PEEK != 0;
        let nonblock = flags & libc::MSG_DONTWAIT != 0;
        let (id, v6) = (self.id, self.v6);
        self.block(nonblock, timeout, |net| {
            let me = net.sock(id);
            me.take_err()?;
            let Some(d) = me.dgrams.front() else {
                if me.shutdown & RCV_SHUTDOWN != 0 {
                    return Ok(Some(Received::default()));
                }
                return Ok(None);
            };
            let n = len.min(d.data.len());
            let out = Received {
                data: d.data[..n].to_vec(),
                ret: if flags & libc::MSG_TRUNC != 0 {
                    d.data.len()
                } else {
                    n
                },
                addr: Some(sockaddr(v6, d.from)),
                control: ip_control(&me.proto_opts, v6, d),
                flags: if n < d.data.len() { libc::MSG_TRUNC } else { 0 },
                ..Received::default()
            };
            if !peek {
                if let Some(d) = me.dgrams.pop_front() {
                    me.dgram_bytes -= d.data.len();
                }
                poll::notify_scoped();
            }
            Ok(Some(out))
        })
    }

    fn recv(&self, len: usize, flags: i32) -> Result<Received, Errno> {
        match self.proto {
            Proto::Tcp => self.recv_tcp(len, flags),
            Proto::Udp | Proto::UdpLite => self.recv_udp(len, flags),
        }
    }
}

/// Where a TCP receive puts the bytes: a buffer of the caller's (read) or a new vector
/// (recv, which also hands back addresses and flags).
trait Sink {
    /// How many bytes it takes in all.
    fn capacity(&self) -> usize;
    /// How many it holds.
    fn filled(&self) -> usize;
    /// Moves the first `n` bytes of `q` in.
    fn take(&mut self, q: &mut std::collections::VecDeque<u8>, n: usize);
    /// Copies the first `n` bytes of `q` in, in place of what it held (MSG_PEEK).
    fn peek(&mut self, q: &std::collections::VecDeque<u8>, n: usize);
}

struct VecSink {
    data: Vec<u8>,
    len: usize,
}

impl Sink for VecSink {
    fn capacity(&self) -> usize {
        self.len
    }
    fn filled(&self) -> usize {
        self.data.len()
    }
    fn take(&mut self, q: &mut std::collections::VecDeque<u8>, n: usize) {
        crate::fs::copy_front(q, n, &mut self.data);
        q.drain(..n);
    }
    fn peek(&mut self, q: &std::collections::VecDeque<u8>, n: usize) {
        self.data.clear();
        crate::fs::copy_front(q, n, &mut self.data);
    }
}

struct SliceSink<'a> {
    buf: &'a mut [u8],
    filled: usize,
}

impl Sink for SliceSink<'_> {
    fn capacity(&self) -> usize {
        self.buf.len()
    }
    fn filled(&self) -> usize {
        self.filled
    }
    fn take(&mut self, q: &mut std::collections::VecDeque<u8>, n: usize) {
        crate::fs::drain_into(q, &mut self.buf[self.filled..self.filled + n]);
        self.filled += n;
    }
    fn peek(&mut self, q: &std::collections::VecDeque<u8>, n: usize) {
        crate::fs::peek_into(q, &mut self.buf[..n]);
        self.filled = n;
    }
}

impl Drop for InetSocket {
    fn drop(&mut self) {
        self.run(|net| {
            net.release(self.id, false);
            poll::notify_scoped();
        });
    }
}

impl Socket for InetSocket {
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
        let e = match parse(self.v6, raw)? {
            // IPv4 takes AF_UNSPEC with INADDR_ANY for old programs; IPv6 does not.
            Parsed::Unspec if !self.v6 && raw.len() >= SOCKADDR_IN_LEN => {
                let ip = Ipv4Addr::new(raw[4], raw[5], raw[6], raw[7]);
                if !ip.is_unspecified() {
                    return Err(Errno::EAFNOSUPPORT);
                }
                Endpoint {
                    ip: v4_any(),
                    port: u16::from_be_bytes([raw[2], raw[3]]),
                }
            }
            Parsed::Unspec if !self.v6 => return Err(Errno::EINVAL),
            Parsed::Unspec => return Err(Errno::EAFNOSUPPORT),
            Parsed::At(e) => e,
        };
        let v6only = self.with(|s| s.v6only);
        if self.v6 && is_v4(&e.ip) && v6only {
            return Err(Errno::EINVAL);
        }
        let any = e.ip.is_unspecified() || e.ip == v4_any();
        if !any && !is_local(&e.ip) {
            return Err(Errno::EADDRNOTAVAIL);
        }
        self.run(|net| {
            if net.socks[&self.id].local.is_some() {
                return Err(Errno::EINVAL);
            }
            if e.port == 0 {
                net.ephemeral(self.id, e.ip)?;
                return Ok(());
            }
            if net.conflicts(self.id, e, v6only) {
                return Err(Errno::EADDRINUSE);
            }
            net.sock(self.id).local = Some(e);
            Ok(())
        })
    }

    fn listen(&self, _task: &Task, backlog: i32) -> Result<(), Errno> {
        if self.proto != Proto::Tcp {
            return Err(Errno::EOPNOTSUPP);
        }
        let backlog = (backlog as u32).min(SOMAXCONN) as usize;
        self.run(|net| {
            let s = &net.socks[&self.id];
            if !matches!(s.state, State::Unconnected | State::Listening) {
                return Err(Errno::EINVAL);
            }
            let v6only = s.v6only;
            match s.local {
                None => {
                    let any = if self.v6 {
                        Ipv6Addr::UNSPECIFIED
                    } else {
                        v4_any()
                    };
                    net.ephemeral(self.id, any)?;
                }
                // Listening re-checks the port: only SO_REUSEPORT shares it with another
                // listener.
                Some(l) if s.state != State::Listening => {
                    let me = net.sock(self.id);
                    me.state = State::Listening;
                    let clash = net.conflicts(self.id, l, v6only);
                    if clash {
                        net.sock(self.id).state = State::Unconnected;
                        return Err(Errno::EADDRINUSE);
                    }
                }
                Some(_) => {}
            }
            let s = net.sock(self.id);
            s.state = State::Listening;
            s.backlog = backlog;
            s.shutdown = 0;
            s.gen += 1;
            poll::notify_scoped();
            Ok(())
        })
    }

    fn accept(&self, nonblock: bool) -> Result<(Arc<dyn FileOps>, Vec<u8>), Errno> {
        if self.proto != Proto::Tcp {
            return Err(Errno::EOPNOTSUPP);
        }
        let (state, timeout) = self.with(|s| (s.state, s.opts.rcvtimeo));
        if state != State::Listening {
            return Err(Errno::EINVAL);
        }
        let id = self.id;
        let v6 = self.v6;
        let (e, peer) = self.block(nonblock, timeout, |net| {
            let me = net.sock(id);
            if me.state != State::Listening {
                return Err(Errno::EINVAL);
            }
            let Some(e) = me.pending.pop_front() else {
                return Ok(None);
            };
            me.gen += 1;
            let s = net.sock(e);
            s.attached = true;
            let remote = s.remote;
            poll::notify_scoped();
            Ok(Some((e, remote)))
        })?;
        let caller = Caller::current();
        let file: Arc<dyn FileOps> =
            Arc::new(InetSocket::new(self.ns.clone(), e, v6, Proto::Tcp, &caller));
        let addr = self.run(|net| net.socks[&e].sockaddr(peer));
        Ok((file, addr))
    }

    fn connect(&self, _task: &Task, raw: &[u8], nonblock: bool) -> Result<(), Errno> {
        let dst = match parse(self.v6, raw)? {
            Parsed::Unspec => {
                // Dissolves a UDP association (a TCP socket here has nothing to undo
                // unless connected, which Linux resets).
                self.with(|s| {
                    if s.proto != Proto::Tcp {
                        s.remote = None;
                        s.state = State::Unconnected;
                    }
                });
                return Ok(());
            }
            Parsed::At(e) => e,
        };
        let dst = self.route(dst)?;
        match self.proto {
            Proto::Tcp => self.connect_tcp(dst, nonblock),
            Proto::Udp | Proto::UdpLite => self.run(|net| {
                let src = source_for(&dst.ip);
                let mut local = net.autobind(self.id)?;
                if local.ip.is_unspecified() || local.ip == v4_any() {
                    local.ip = src;
                }
                let me = net.sock(self.id);
                me.local = Some(local);
                me.remote = Some(dst);
                me.state = State::Connected;
                Ok(())
            }),
        }
    }

    fn getsockname(&self) -> Vec<u8> {
        self.with(|s| s.sockaddr(s.local))
    }

    fn getpeername(&self) -> Result<Vec<u8>, Errno> {
        self.with(|s| match s.remote {
            Some(r) if s.proto != Proto::Tcp || !s.closed() => Ok(s.sockaddr(Some(r))),
            _ => Err(Errno::ENOTCONN),
        })
    }

    fn sendmsg(&self, _task: &Task, mut msg: SendMsg) -> Result<usize, Errno> {
        msg.flags = self.nonblock_flags(msg.flags);
        match self.proto {
            Proto::Tcp => {
                // A destination given to a connected TCP socket is ignored (EISCONN only
                // for an unconnected one, which cannot send anyway).
                self.send_tcp(&msg.data, msg.flags)
            }
            Proto::Udp | Proto::UdpLite => self.send_udp(msg),
        }
    }

    fn recvmsg(&self, len: usize, flags: i32) -> Result<Received, Errno> {
        self.recv(len, self.nonblock_flags(flags))
    }

    fn shutdown(&self, how: i32) -> Result<(), Errno> {
        if !(libc::SHUT_RD..=libc::SHUT_RDWR).contains(&how) {
            return Err(Errno::EINVAL);
        }
        let mode = (how + 1) as u8;
        self.run(|net| {
            let me = net.sock(self.id);
            let r = match me.state {
                State::Unconnected => Err(Errno::ENOTCONN),
                // Shutting a listener's reading side stops it listening.
                State::Listening => {
                    if mode & RCV_SHUTDOWN != 0 {
                        me.state = State::Unconnected;
                        let pending: Vec<Id> = me.pending.drain(..).collect();
                        for e in pending {
                            net.release(e, true);
                        }
                        poll::notify_scoped();
                    }
                    return Ok(());
                }
                State::Connected => Ok(()),
            };
            me.shutdown |= mode;
            me.gen += 1;
            let peer = me.peer;
            if mode & SEND_SHUTDOWN != 0 {
                me.fin_sent = true;
                if let Some(p) = peer.and_then(|p| net.socks.get_mut(&p)) {
                    p.shutdown |= RCV_SHUTDOWN;
                    p.fin_rcvd = true;
                    p.gen += 1;
                }
            }
            poll::notify_scoped();
            r
        })
    }

    fn getsockopt(&self, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        let int = |v: i32| Ok(v.to_ne_bytes().to_vec());
        if level == libc::SOL_SOCKET {
            return match name {
                libc::SO_TYPE => int(self.sock_type()),
                libc::SO_DOMAIN => int(self.family()),
                libc::SO_PROTOCOL => int(self.protocol()),
                libc::SO_ERROR => int(self.with(|s| std::mem::take(&mut s.err))),
                libc::SO_ACCEPTCONN => int(i32::from(self.with(|s| s.state == State::Listening))),
                _ => self.with(|s| s.opts.get(name)).ok_or(Errno::ENOPROTOOPT),
            };
        }
        let stored = |d: i32| int(self.with(|s| *s.proto_opts.get(&(level, name)).unwrap_or(&d)));
        match (level, name) {
            (libc::IPPROTO_TCP, _) if self.proto != Proto::Tcp => Err(Errno::ENOPROTOOPT),
            (libc::IPPROTO_TCP, libc::TCP_NODELAY | libc::TCP_CORK | libc::TCP_QUICKACK) => {
                stored(i32::from(name == libc::TCP_QUICKACK))
            }
            (libc::IPPROTO_TCP, n) => match TCP_DEFAULTS.iter().find(|(k, _)| *k == n) {
                Some(&(_, d)) => stored(d),
                // The loopback's MSS (its MTU, 65536, less the headers).
                None if n == libc::TCP_MAXSEG => stored(65483),
                None => Err(Errno::ENOPROTOOPT),
            },
            (libc::IPPROTO_IPV6, libc::IPV6_V6ONLY) if self.v6 => {
                int(i32::from(self.with(|s| s.v6only)))
            }
            (libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS) if self.v6 => stored(64),
            (
                libc::IPPROTO_IPV6,
                libc::IPV6_TCLASS
                | libc::IPV6_RECVPKTINFO
                | libc::IPV6_RECVHOPLIMIT
                | libc::IPV6_RECVTCLASS,
            ) if self.v6 => stored(0),
            (libc::IPPROTO_IP, libc::IP_TOS) => stored(0),
            (libc::IPPROTO_IP, libc::IP_TTL) => stored(64),
            (libc::IPPROTO_IP, libc::IP_PKTINFO | libc::IP_RECVTTL | libc::IP_RECVTOS) => stored(0),
            // Readable on any UDP socket (udp_lib_getsockopt), settable only on UDP-Lite.
            (libc::IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV | UDPLITE_RECV_CSCOV)
                if self.proto != Proto::Tcp =>
            {
                stored(0)
            }
            _ => Err(Errno::ENOPROTOOPT),
        }
    }

    fn setsockopt(&self, level: i32, name: i32, value: &[u8]) -> Result<(), Errno> {
        if value.is_empty() || (value.len() < 4 && level != libc::IPPROTO_IP) {
            return Err(Errno::EINVAL);
        }
        let v = if value.len() >= 4 {
            i32::from_ne_bytes([value[0], value[1], value[2], value[3]])
        } else {
            i32::from(value[0])
        };
        let store = |v: i32| {
            self.with(|s| s.proto_opts.insert((level, name), v));
            Ok(())
        };
        match (level, name) {
            (libc::SOL_SOCKET, _) => {
                // A bigger buffer may let a waiting sender go on.
                let known = self.with(|s| {
                    let known = s.opts.set(name, value)?;
                    poll::notify_scoped();
                    Ok::<_, Errno>(known)
                })?;
                if !known {
                    return Err(Errno::ENOPROTOOPT);
                }
                Ok(())
            }
            (libc::IPPROTO_TCP, _) if self.proto != Proto::Tcp => Err(Errno::ENOPROTOOPT),
            (libc::IPPROTO_TCP, libc::TCP_NODELAY | libc::TCP_CORK | libc::TCP_QUICKACK) => {
                store(i32::from(v != 0))
            }
            (libc::IPPROTO_TCP, libc::TCP_KEEPIDLE | libc::TCP_KEEPINTVL) => {
                if !(1..=32767).contains(&v) {
                    return Err(Errno::EINVAL);
                }
                store(v)
            }
            (libc::IPPROTO_TCP, libc::TCP_KEEPCNT) => {
                if !(1..=127).contains(&v) {
                    return Err(Errno::EINVAL);
                }
                store(v)
            }
            (libc::IPPROTO_TCP, libc::TCP_MAXSEG) => store(v),
            (libc::IPPROTO_TCP, _) => Err(Errno::ENOPROTOOPT),
            (libc::IPPROTO_IPV6, libc::IPV6_V6ONLY) if self.v6 => self.with(|s| {
                if s.local.is_some() {
                    return Err(Errno::EINVAL);
                }
                s.v6only = v != 0;
                Ok(())
            }),
            (libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS) if self.v6 => {
                if !(-1..=255).contains(&v) {
                    return Err(Errno::EINVAL);
                }
                store(if v == -1 { 64 } else { v })
            }
            (
                libc::IPPROTO_IPV6,
                libc::IPV6_RECVPKTINFO | libc::IPV6_RECVHOPLIMIT | libc::IPV6_RECVTCLASS,
            ) if self.v6 => store(i32::from(v != 0)),
            (libc::IPPROTO_IPV6, libc::IPV6_TCLASS) if self.v6 => {
                if !(-1..=255).contains(&v) {
                    return Err(Errno::EINVAL);
                }
                store(v.max(0))
            }
            (libc::IPPROTO_IP, libc::IP_PKTINFO | libc::IP_RECVTTL | libc::IP_RECVTOS) => {
                store(i32::from(v != 0))
            }
            // udplite(7): a coverage below the 8-byte header is the header's.
            (libc::IPPROTO_UDPLITE, UDPLITE_SEND_CSCOV | UDPLITE_RECV_CSCOV)
                if self.proto == Proto::UdpLite =>
            {
                store(if v != 0 && v < 8 { 8 } else { v.min(0xffff) })
            }
            (libc::IPPROTO_IP, libc::IP_TOS) => store(v & 0xff),
            (libc::IPPROTO_IP, libc::IP_TTL) => {
                if !(-1..=255).contains(&v) || v == 0 {
                    return Err(Errno::EINVAL);
                }
                store(if v == -1 { 64 } else { v })
            }
            (libc::IPPROTO_IP | libc::IPPROTO_IPV6, _) => Err(Errno::ENOPROTOOPT),
            // ip_setsockopt: a level it does not know.
            _ => Err(Errno::ENOPROTOOPT),
        }
    }

    fn sigpipe(&self) -> bool {
        self.proto == Proto::Tcp
    }
}

impl FileOps for InetSocket {
    fn wait_key(&self) -> Option<poll::Key> {
        Some(poll::key_of(&*self.ns))
    }

    fn supports_fasync(&self) -> bool {
        true
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let flags = self.nonblock_flags(0);
        if self.proto == Proto::Tcp {
            // Straight from the queue into the caller's buffer.
            let mut sink = SliceSink { buf, filled: 0 };
            return self.recv_tcp_into(&mut sink, flags);
        }
        let r = self.recv(buf.len(), flags)?;
        buf[..r.data.len()].copy_from_slice(&r.data);
        Ok(r.data.len())
    }

    fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        let flags = self.nonblock_flags(0);
        match self.proto {
            // Straight from the caller's buffer into the peer's queue.
            Proto::Tcp => self.send_tcp(buf, flags),
            Proto::Udp | Proto::UdpLite => self.send_udp(SendMsg {
                data: buf.to_vec(),
                flags,
                ..SendMsg::default()
            }),
        }
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
            // SIOCINQ: the bytes a read would get (the first datagram's for UDP).
            libc::FIONREAD => self.with(|s| {
                if s.state == State::Listening {
                    return Err(Errno::EINVAL);
                }
                Ok(match s.proto {
                    Proto::Tcp => s.stream.len(),
                    Proto::Udp | Proto::UdpLite => s.dgrams.front().map_or(0, |d| d.data.len()),
                })
            })?,
            // SIOCOUTQ: nothing waits to be sent; the loopback delivers at once.
            libc::TIOCOUTQ => 0,
            // Whether the next byte to read is the urgent mark (TCP only).
            SIOCATMARK => self.with(|s| match s.proto {
                Proto::Tcp => Ok(usize::from(s.mark == Some(0))),
                Proto::Udp | Proto::UdpLite => Err(Errno::ENOTTY),
            })?,
            _ => return super::ifreq::ioctl(mm, request, arg),
        };
        mm.write_val(arg, &(n.min(i32::MAX as usize) as i32))?;
        Ok(0)
    }

    fn poll(&self) -> u32 {
        self.run(|net| {
            let s = &net.socks[&self.id];
            let mut m = 0;
            if s.err != 0 {
                m |= POLLERR;
            }
            match s.proto {
                Proto::Tcp => {
                    if s.state == State::Listening {
                        if !s.pending.is_empty() {
                            m |= POLLIN | POLLRDNORM;
                        }
                        return m;
                    }
                    // tcp_poll: a closed socket hangs up, and is "writable".
                    if s.shutdown == SHUTDOWN_MASK || s.closed() {
                        m |= POLLHUP;
                    }
                    if s.shutdown & RCV_SHUTDOWN != 0 {
                        m |= POLLIN | POLLRDNORM | POLLRDHUP;
                    }
                    if !s.stream.is_empty() {
                        m |= POLLIN | POLLRDNORM;
                    }
                    if s.urgent.is_some() {
                        m |= poll::POLLPRI;
                    }
                    let writable = match s.peer.and_then(|p| net.socks.get(&p)) {
                        Some(p) if s.shutdown & SEND_SHUTDOWN == 0 => {
                            p.stream.len() < p.opts.rcvbuf
                        }
                        _ => true,
                    };
                    if writable {
                        m |= POLLOUT | POLLWRNORM;
                    }
                }
                Proto::Udp | Proto::UdpLite => {
                    if s.shutdown == SHUTDOWN_MASK {
                        m |= POLLHUP;
                    }
                    if s.shutdown & RCV_SHUTDOWN != 0 {
                        m |= POLLIN | POLLRDNORM | POLLRDHUP;
                    }
                    if !s.dgrams.is_empty() {
                        m |= POLLIN | POLLRDNORM;
                    }
                    m |= POLLOUT | POLLWRNORM | libc::POLLWRBAND as u32;
                }
            }
            m
        })
    }

    fn poll_generation(&self) -> u64 {
        self.with(|s| s.gen)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(ip: Ipv6Addr, port: u16) -> Endpoint {
        Endpoint { ip, port }
    }

    #[test]
    fn sockaddrs_round_trip_in_both_families() {
        let e = ep(mapped(Ipv4Addr::LOCALHOST), 8080);
        let raw = sockaddr(false, e);
        assert_eq!(raw.len(), 16);
        assert!(matches!(parse(false, &raw), Ok(Parsed::At(x)) if x == e));
        let raw6 = sockaddr(true, e);
        assert_eq!(raw6.len(), 28);
        assert!(matches!(parse(true, &raw6), Ok(Parsed::At(x)) if x == e));
        assert_eq!(parse(true, &raw).err(), Some(Errno::EINVAL));
        assert_eq!(parse(false, &raw6).err(), Some(Errno::EAFNOSUPPORT));
    }

    #[test]
    fn wildcards_and_v6only_decide_who_takes_a_packet() {
        let mut s = Sock::new(true, Proto::Tcp);
        s.local = Some(ep(Ipv6Addr::UNSPECIFIED, 1));
        let v4 = mapped(Ipv4Addr::LOCALHOST);
        assert!(s.accepts(&v4) && s.accepts(&Ipv6Addr::LOCALHOST));
        s.v6only = true;
        assert!(!s.accepts(&v4));
        let mut t = Sock::new(false, Proto::Tcp);
        t.local = Some(ep(v4_any(), 1));
        assert!(t.accepts(&v4) && !t.accepts(&Ipv6Addr::LOCALHOST));
    }

    #[test]
    fn only_loopback_addresses_are_local() {
        assert!(is_local(&mapped(Ipv4Addr::new(127, 1, 2, 3))));
        assert!(is_local(&Ipv6Addr::LOCALHOST));
        assert!(!is_local(&mapped(Ipv4Addr::new(10, 0, 0, 1))));
        assert!(!is_local(&"2001:db8::1".parse().unwrap()));
    }
}
