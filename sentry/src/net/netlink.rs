//! AF_NETLINK, NETLINK_ROUTE (rtnetlink(7)), enough for glibc's `getifaddrs` and
//! `if_nameindex` and for iproute2's `ip addr`, `ip link`, `ip route` and `ip route get`:
//! RTM_GETLINK answers with `lo`, RTM_GETADDR with 127.0.0.1/8 and ::1/128, RTM_GETROUTE with
//! the routes Linux makes for an up loopback (the local table's 127.0.0.0/8, 127.0.0.1,
//! 127.255.255.255 broadcast and ::1), and a route lookup for a loopback address with its
//! local route (ENETUNREACH for anything else: the sandbox has no other network). Each
//! request's replies are queued as one datagram ending in NLMSG_DONE; anything else is
//! answered with an NLMSG_ERROR of EOPNOTSUPP, as the kernel does for a message type it has no
//! handler for.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use super::{Caller, Received, SendMsg, SockOpts, Socket};
use crate::errno::Errno;
use crate::fs::poll::{self, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use crate::fs::{FileOps, Statfs};
use crate::kernel::Task;
use crate::mm::MemoryManager;

const NLMSG_HDR: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_MULTI: u16 = 2;
const NLM_F_DUMP: u16 = 0x300;
const RTM_NEWLINK: u16 = 16;
const RTM_GETLINK: u16 = 18;
const RTM_NEWADDR: u16 = 20;
const RTM_GETADDR: u16 = 22;
const RTM_NEWROUTE: u16 = 24;
const RTM_GETROUTE: u16 = 26;
const IFLA_QDISC: u16 = 6;
const IFLA_OPERSTATE: u16 = 16;
const IFLA_LINKMODE: u16 = 17;
const IFLA_GROUP: u16 = 27;
const IFA_CACHEINFO: u16 = 6;
const IFA_FLAGS: u16 = 8;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_PRIORITY: u16 = 6;
const RTA_PREFSRC: u16 = 7;
const RTA_CACHEINFO: u16 = 12;
const RTA_TABLE: u16 = 15;
const RTA_PREF: u16 = 20;
const RTA_UID: u16 = 25;
const RT_TABLE_MAIN: u8 = 254;
const RT_TABLE_LOCAL: u8 = 255;
const RTPROT_KERNEL: u8 = 2;
const RT_SCOPE_UNIVERSE: u8 = 0;
const RT_SCOPE_LINK: u8 = 253;
const RTN_LOCAL: u8 = 2;
const RTN_BROADCAST: u8 = 3;
/// rtm_flags of an IPv4 route lookup's answer: a cloned route to a local address.
const RTM_F_CLONED: u32 = 0x200;
const RTCF_LOCAL: u32 = 0x8000_0000;
const RTA_SRC: u16 = 2;
/// IF_OPER_UNKNOWN: what Linux reports for lo.
const IF_OPER_UNKNOWN: u8 = 0;
const IFLA_ADDRESS: u16 = 1;
const IFLA_BROADCAST: u16 = 2;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_TXQLEN: u16 = 13;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_LABEL: u16 = 3;
const ARPHRD_LOOPBACK: u16 = 772;
/// IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP.
const LO_FLAGS: u32 = 0x1_0049;
const IFA_F_PERMANENT: u8 = 0x80;
const RT_SCOPE_HOST: u8 = 254;
const SOCKADDR_NL_LEN: usize = 12;
const SOCKFS_MAGIC: i64 = 0x534F_434B;

fn align(n: usize) -> usize {
    (n + 3) & !3
}

/// Appends an attribute (struct rtattr and its payload, padded).
fn attr(buf: &mut Vec<u8>, ty: u16, data: &[u8]) {
    buf.extend_from_slice(&((4 + data.len()) as u16).to_ne_bytes());
    buf.extend_from_slice(&ty.to_ne_bytes());
    buf.extend_from_slice(data);
    buf.resize(align(buf.len()), 0);
}

/// Appends a message: header, then `body`.
fn message(out: &mut Vec<u8>, ty: u16, flags: u16, seq: u32, pid: u32, body: &[u8]) {
    let len = NLMSG_HDR + body.len();
    out.extend_from_slice(&(len as u32).to_ne_bytes());
    out.extend_from_slice(&ty.to_ne_bytes());
    out.extend_from_slice(&flags.to_ne_bytes());
    out.extend_from_slice(&seq.to_ne_bytes());
    out.extend_from_slice(&pid.to_ne_bytes());
    out.extend_from_slice(body);
    out.resize(align(out.len()), 0);
}

fn link_lo() -> Vec<u8> {
    // struct ifinfomsg: family, pad, type, index, flags, change.
    let mut b = vec![libc::AF_UNSPEC as u8, 0];
    b.extend_from_slice(&ARPHRD_LOOPBACK.to_ne_bytes());
    b.extend_from_slice(&1i32.to_ne_bytes());
    b.extend_from_slice(&LO_FLAGS.to_ne_bytes());
    b.extend_from_slice(&0u32.to_ne_bytes());
    attr(&mut b, IFLA_IFNAME, b"lo\0");
    attr(&mut b, IFLA_TXQLEN, &1000u32.to_ne_bytes());
    attr(&mut b, IFLA_OPERSTATE, &[IF_OPER_UNKNOWN]);
    attr(&mut b, IFLA_LINKMODE, &[0]);
    attr(&mut b, IFLA_MTU, &65536u32.to_ne_bytes());
    attr(&mut b, IFLA_GROUP, &0u32.to_ne_bytes());
    attr(&mut b, IFLA_QDISC, b"noqueue\0");
    attr(&mut b, IFLA_ADDRESS, &[0; 6]);
    attr(&mut b, IFLA_BROADCAST, &[0; 6]);
    b
}

/// `struct ifa_cacheinfo` of a permanent address: valid and preferred forever.
fn forever() -> Vec<u8> {
    let mut c = Vec::with_capacity(16);
    for v in [u32::MAX, u32::MAX, 0, 0] {
        c.extend_from_slice(&v.to_ne_bytes());
    }
    c
}

fn addr_lo(family: i32) -> Vec<u8> {
    // struct ifaddrmsg: family, prefixlen, flags, scope, index.
    let prefix = if family == libc::AF_INET { 8 } else { 128 };
    let mut b = vec![family as u8, prefix, IFA_F_PERMANENT, RT_SCOPE_HOST];
    b.extend_from_slice(&1u32.to_ne_bytes());
    if family == libc::AF_INET {
        attr(&mut b, IFA_ADDRESS, &[127, 0, 0, 1]);
        attr(&mut b, IFA_LOCAL, &[127, 0, 0, 1]);
        attr(&mut b, IFA_LABEL, b"lo\0");
    } else {
        attr(&mut b, IFA_ADDRESS, &std::net::Ipv6Addr::LOCALHOST.octets());
    }
    attr(&mut b, IFA_FLAGS, &u32::from(IFA_F_PERMANENT).to_ne_bytes());
    attr(&mut b, IFA_CACHEINFO, &forever());
    b
}

/// One route as RTM_NEWROUTE carries it: `struct rtmsg` then attributes.
struct Route {
    family: u8,
    dst: Vec<u8>,
    dst_len: u8,
    table: u8,
    scope: u8,
    kind: u8,
    flags: u32,
    prefsrc: Option<Vec<u8>>,
    /// IPv6 routes carry a metric and a preference.
    priority: Option<u32>,
    /// A lookup's answer names the asking uid (IPv4) or the source it picked (IPv6).
    uid: Option<u32>,
    src: Option<Vec<u8>>,
    cacheinfo: bool,
}

impl Route {
    fn encode(&self) -> Vec<u8> {
        let mut b = vec![
            self.family,
            self.dst_len,
            if self.src.is_some() { 128 } else { 0 },
            0,
            self.table,
            RTPROT_KERNEL,
            self.scope,
            self.kind,
        ];
        b.extend_from_slice(&self.flags.to_ne_bytes());
        attr(&mut b, RTA_TABLE, &u32::from(self.table).to_ne_bytes());
        attr(&mut b, RTA_DST, &self.dst);
        if let Some(src) = &self.src {
            attr(&mut b, RTA_SRC, src);
        }
        if let Some(p) = self.priority {
            attr(&mut b, RTA_PRIORITY, &p.to_ne_bytes());
        }
        if let Some(src) = &self.prefsrc {
            attr(&mut b, RTA_PREFSRC, src);
        }
        attr(&mut b, RTA_OIF, &1u32.to_ne_bytes());
        if self.cacheinfo {
            // struct rta_cacheinfo: eight counters, all zero for a route that never expires.
            attr(&mut b, RTA_CACHEINFO, &[0; 32]);
        }
        if self.family == libc::AF_INET6 as u8 {
            // ICMPV6_ROUTER_PREF_MEDIUM.
            attr(&mut b, RTA_PREF, &[0]);
        }
        if let Some(uid) = self.uid {
            attr(&mut b, RTA_UID, &uid.to_ne_bytes());
        }
        b
    }
}

/// The routes Linux gives an up loopback and nothing else, in its dump order.
fn routes(family: i32) -> Vec<Route> {
    let lo4 = [127, 0, 0, 1].to_vec();
    let mut out = Vec::new();
    if family == libc::AF_UNSPEC || family == libc::AF_INET {
        let v4 = |dst: [u8; 4], dst_len: u8, scope: u8, kind: u8| Route {
            family: libc::AF_INET as u8,
            dst: dst.to_vec(),
            dst_len,
            table: RT_TABLE_LOCAL,
            scope,
            kind,
            flags: 0,
            prefsrc: Some(lo4.clone()),
            priority: None,
            uid: None,
            src: None,
            cacheinfo: false,
        };
        out.push(v4([127, 0, 0, 0], 8, RT_SCOPE_HOST, RTN_LOCAL));
        out.push(v4([127, 0, 0, 1], 32, RT_SCOPE_HOST, RTN_LOCAL));
        out.push(v4([127, 255, 255, 255], 32, RT_SCOPE_LINK, RTN_BROADCAST));
    }
    if family == libc::AF_UNSPEC || family == libc::AF_INET6 {
        out.push(Route {
            family: libc::AF_INET6 as u8,
            dst: std::net::Ipv6Addr::LOCALHOST.octets().to_vec(),
            dst_len: 128,
            table: RT_TABLE_LOCAL,
            scope: RT_SCOPE_UNIVERSE,
            kind: RTN_LOCAL,
            flags: 0,
            prefsrc: None,
            priority: Some(0),
            uid: None,
            src: None,
            cacheinfo: true,
        });
    }
    out
}

/// The attribute `ty` of a request's body after its fixed part of `fixed` bytes.
fn find_attr(body: &[u8], fixed: usize, ty: u16) -> Option<&[u8]> {
    let mut off = fixed;
    while off + 4 <= body.len() {
        let len = usize::from(u16::from_ne_bytes([body[off], body[off + 1]]));
        let t = u16::from_ne_bytes([body[off + 2], body[off + 3]]);
        if len < 4 || off + len > body.len() {
            return None;
        }
        if t == ty {
            return Some(&body[off + 4..off + len]);
        }
        off += align(len);
    }
    None
}

/// A route lookup (`ip route get`): the local route for a loopback destination; ENETUNREACH
/// for any other (the sandbox has no other network), EINVAL for a malformed request.
fn lookup(body: &[u8], uid: u32) -> Result<Route, i32> {
    if body.len() < 12 {
        return Err(libc::EINVAL);
    }
    let family = body[0];
    let dst = find_attr(body, 12, RTA_DST).ok_or(libc::EINVAL)?;
    let v4 = match (i32::from(family), dst.len()) {
        (libc::AF_INET, 4) => true,
        (libc::AF_INET6, 16) => false,
        _ => return Err(libc::EINVAL),
    };
    let local = if v4 {
        dst[0] == 127
    } else {
        dst == std::net::Ipv6Addr::LOCALHOST.octets()
    };
    if !local {
        return Err(libc::ENETUNREACH);
    }
    // As Linux answers: IPv4 clones a local route into the main table's cache; IPv6 gives
    // the local table's route with the source it would use.
    Ok(if v4 {
        Route {
            family,
            dst: dst.to_vec(),
            dst_len: 32,
            table: RT_TABLE_MAIN,
            scope: RT_SCOPE_HOST,
            kind: RTN_LOCAL,
            flags: RTM_F_CLONED | RTCF_LOCAL,
            prefsrc: Some(vec![127, 0, 0, 1]),
            priority: None,
            uid: Some(uid),
            src: None,
            cacheinfo: true,
        }
    } else {
        Route {
            family,
            dst: dst.to_vec(),
            dst_len: 128,
            table: RT_TABLE_LOCAL,
            scope: RT_SCOPE_UNIVERSE,
            kind: RTN_LOCAL,
            flags: 0,
            prefsrc: Some(dst.to_vec()),
            priority: Some(0),
            uid: None,
            src: Some(vec![0; 16]),
            cacheinfo: true,
        }
    })
}

#[derive(Default)]
struct State {
    /// The port id (nl_pid) bind gave; 0 until bound.
    portid: u32,
    replies: VecDeque<Vec<u8>>,
    opts: SockOpts,
    gen: u64,
}

/// A NETLINK_ROUTE socket.
pub struct NetlinkSocket {
    state: Mutex<State>,
    ty: i32,
    ino: u64,
    uid: u32,
    gid: u32,
    pid: u32,
    nonblock: AtomicBool,
    path: String,
}

impl NetlinkSocket {
    /// socket(AF_NETLINK, SOCK_RAW or SOCK_DGRAM, NETLINK_ROUTE).
    pub fn new(caller: &Caller, ty: i32) -> NetlinkSocket {
        let ino = crate::vfs::next_ino();
        NetlinkSocket {
            state: Mutex::new(State::default()),
            ty,
            ino,
            uid: caller.fsuid,
            gid: caller.fsgid,
            pid: caller.pid as u32,
            nonblock: AtomicBool::new(false),
            path: format!("socket:[{ino}]"),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn sockaddr(portid: u32) -> Vec<u8> {
        let mut v = vec![0u8; SOCKADDR_NL_LEN];
        v[..2].copy_from_slice(&(libc::AF_NETLINK as u16).to_ne_bytes());
        v[4..8].copy_from_slice(&portid.to_ne_bytes());
        v
    }

    /// The port id, binding to the process's pid first if unbound (netlink_autobind).
    fn portid(&self) -> u32 {
        let mut s = self.lock();
        if s.portid == 0 {
            s.portid = self.pid;
        }
        s.portid
    }

    /// Answers the requests in `data`.
    fn answer(&self, data: &[u8]) -> Vec<u8> {
        let pid = self.portid();
        let mut out = Vec::new();
        let mut off = 0;
        while off + NLMSG_HDR <= data.len() {
            let h = &data[off..];
            let len = u32::from_ne_bytes([h[0], h[1], h[2], h[3]]) as usize;
            if len < NLMSG_HDR || off + len > data.len() {
                break;
            }
            let ty = u16::from_ne_bytes([h[4], h[5]]);
            let flags = u16::from_ne_bytes([h[6], h[7]]);
            let seq = u32::from_ne_bytes([h[8], h[9], h[10], h[11]]);
            let family = h.get(NLMSG_HDR).map_or(0, |&f| i32::from(f));
            let dump = flags & NLM_F_DUMP == NLM_F_DUMP;
            match ty {
                RTM_GETLINK if dump => {
                    message(&mut out, RTM_NEWLINK, NLM_F_MULTI, seq, pid, &link_lo());
                    message(
                        &mut out,
                        NLMSG_DONE,
                        NLM_F_MULTI,
                        seq,
                        pid,
                        &0i32.to_ne_bytes(),
                    );
                }
                RTM_GETADDR if dump => {
                    for f in [libc::AF_INET, libc::AF_INET6] {
                        if family == libc::AF_UNSPEC || family == f {
                            message(&mut out, RTM_NEWADDR, NLM_F_MULTI, seq, pid, &addr_lo(f));
                        }
                    }
                    message(
                        &mut out,
                        NLMSG_DONE,
                        NLM_F_MULTI,
                        seq,
                        pid,
                        &0i32.to_ne_bytes(),
                    );
                }
                RTM_GETROUTE if dump => {
                    for r in routes(family) {
                        message(&mut out, RTM_NEWROUTE, NLM_F_MULTI, seq, pid, &r.encode());
                    }
                    message(
                        &mut out,
                        NLMSG_DONE,
                        NLM_F_MULTI,
                        seq,
                        pid,
                        &0i32.to_ne_bytes(),
                    );
                }
                RTM_GETROUTE => match lookup(&h[NLMSG_HDR..len], self.uid) {
                    Ok(r) => message(&mut out, RTM_NEWROUTE, 0, seq, pid, &r.encode()),
                    Err(e) => {
                        let mut body = (-e).to_ne_bytes().to_vec();
                        body.extend_from_slice(&h[..NLMSG_HDR]);
                        message(&mut out, NLMSG_ERROR, 0, seq, pid, &body);
                    }
                },
                _ => {
                    // struct nlmsgerr: the negative errno and the request's header.
                    let mut body = (-libc::EOPNOTSUPP).to_ne_bytes().to_vec();
                    body.extend_from_slice(&h[..NLMSG_HDR]);
                    message(&mut out, NLMSG_ERROR, 0, seq, pid, &body);
                }
            }
            off += align(len);
        }
        out
    }

    fn recv(&self, len: usize, flags: i32) -> Result<Received, Errno> {
        let nonblock = flags & libc::MSG_DONTWAIT != 0 || self.nonblock.load(Ordering::Relaxed);
        let timeout = self.lock().opts.rcvtimeo;
        let attempt = || -> Option<Received> {
            let mut s = self.lock();
            let d = s.replies.front()?;
            let n = len.min(d.len());
            let out = Received {
                data: d[..n].to_vec(),
                ret: if flags & libc::MSG_TRUNC != 0 {
                    d.len()
                } else {
                    n
                },
                addr: Some(Self::sockaddr(0)),
                flags: if n < d.len() { libc::MSG_TRUNC } else { 0 },
                ..Received::default()
            };
            if flags & libc::MSG_PEEK == 0 {
                s.replies.pop_front();
            }
            Some(out)
        };
        if let Some(r) = attempt() {
            return Ok(r);
        }
        if nonblock {
            return Err(Errno::EAGAIN);
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut got = None;
        match poll::wait_ready(deadline, || {
            got = attempt();
            Ok(got.is_some())
        }) {
            Ok(true) => got.ok_or(Errno::EAGAIN),
            Ok(false) => Err(Errno::EAGAIN),
            Err(e) if e == Errno::EAGAIN => Err(e),
            Err(_) if timeout.is_some() => Err(Errno::EINTR),
            Err(_) => Err(Errno::ERESTARTSYS),
        }
    }

    fn send(&self, data: &[u8]) -> usize {
        let reply = self.answer(data);
        if !reply.is_empty() {
            let mut s = self.lock();
            s.replies.push_back(reply);
            s.gen += 1;
            poll::notify();
        }
        data.len()
    }
}

impl Socket for NetlinkSocket {
    fn family(&self) -> i32 {
        libc::AF_NETLINK
    }

    fn sock_type(&self) -> i32 {
        self.ty
    }

    fn bind(&self, _task: &Task, addr: &[u8]) -> Result<(), Errno> {
        if addr.len() < SOCKADDR_NL_LEN {
            return Err(Errno::EINVAL);
        }
        if i32::from(u16::from_ne_bytes([addr[0], addr[1]])) != libc::AF_NETLINK {
            return Err(Errno::EINVAL);
        }
        let want = u32::from_ne_bytes([addr[4], addr[5], addr[6], addr[7]]);
        let mut s = self.lock();
        if s.portid != 0 && want != 0 && want != s.portid {
            return Err(Errno::EINVAL);
        }
        s.portid = if want != 0 { want } else { self.pid };
        Ok(())
    }

    fn listen(&self, _task: &Task, _backlog: i32) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    fn accept(&self, _nonblock: bool) -> Result<(Arc<dyn FileOps>, Vec<u8>), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    fn connect(&self, _task: &Task, addr: &[u8], _nonblock: bool) -> Result<(), Errno> {
        if addr.len() < SOCKADDR_NL_LEN {
            return Err(Errno::EINVAL);
        }
        self.portid();
        Ok(())
    }

    fn getsockname(&self) -> Vec<u8> {
        Self::sockaddr(self.lock().portid)
    }

    fn getpeername(&self) -> Result<Vec<u8>, Errno> {
        Ok(Self::sockaddr(0))
    }

    fn sendmsg(&self, _task: &Task, msg: SendMsg) -> Result<usize, Errno> {
        Ok(self.send(&msg.data))
    }

    fn recvmsg(&self, len: usize, flags: i32) -> Result<Received, Errno> {
        self.recv(len, flags)
    }

    fn shutdown(&self, _how: i32) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    fn getsockopt(&self, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        let int = |v: i32| Ok(v.to_ne_bytes().to_vec());
        if level != libc::SOL_SOCKET {
            return Err(Errno::ENOPROTOOPT);
        }
        match name {
            libc::SO_TYPE => int(self.ty),
            libc::SO_DOMAIN => int(libc::AF_NETLINK),
            libc::SO_PROTOCOL => int(libc::NETLINK_ROUTE),
            libc::SO_ERROR | libc::SO_ACCEPTCONN => int(0),
            _ => self.lock().opts.get(name).ok_or(Errno::ENOPROTOOPT),
        }
    }

    fn setsockopt(&self, level: i32, name: i32, value: &[u8]) -> Result<(), Errno> {
        match level {
            libc::SOL_SOCKET => {
                if self.lock().opts.set(name, value)? {
                    Ok(())
                } else {
                    Err(Errno::ENOPROTOOPT)
                }
            }
            // SOL_NETLINK options (NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK...) change
            // nothing for these dumps.
            libc::SOL_NETLINK => Ok(()),
            _ => Err(Errno::ENOPROTOOPT),
        }
    }

    fn post(&self, data: Vec<u8>) -> Result<(), Errno> {
        let mut s = self.lock();
        s.replies.push_back(data);
        s.gen += 1;
        poll::notify();
        Ok(())
    }

    fn sigpipe(&self) -> bool {
        false
    }
}

impl FileOps for NetlinkSocket {
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let r = self.recv(buf.len(), 0)?;
        buf[..r.data.len()].copy_from_slice(&r.data);
        Ok(r.data.len())
    }

    fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        Ok(self.send(buf))
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
        super::ifreq::ioctl(mm, request, arg)
    }

    fn poll(&self) -> u32 {
        let mut m = POLLOUT | POLLWRNORM;
        if !self.lock().replies.is_empty() {
            m |= POLLIN | POLLRDNORM;
        }
        m
    }

    fn poll_generation(&self) -> u64 {
        self.lock().gen
    }

    fn set_status_flags(&self, flags: u32) {
        self.nonblock
            .store(flags & libc::O_NONBLOCK as u32 != 0, Ordering::Relaxed);
    }

    fn as_socket(&self) -> Option<&dyn Socket> {
        Some(self)
    }

    fn path(&self) -> &str {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_dump_is_lo_then_done() {
        let c = Caller {
            pid: 5,
            cred: super::super::Ucred::default(),
            real: super::super::Ucred::default(),
            fsuid: 0,
            fsgid: 0,
        };
        let s = NetlinkSocket::new(&c, libc::SOCK_RAW);
        let mut req = Vec::new();
        message(&mut req, RTM_GETLINK, NLM_F_DUMP | 1, 42, 0, &[0; 16]);
        s.send(&req);
        let r = s.recv(65536, libc::MSG_DONTWAIT).unwrap();
        let first_len = u32::from_ne_bytes(r.data[..4].try_into().unwrap()) as usize;
        assert_eq!(u16::from_ne_bytes([r.data[4], r.data[5]]), RTM_NEWLINK);
        let done = &r.data[align(first_len)..];
        assert_eq!(u16::from_ne_bytes([done[4], done[5]]), NLMSG_DONE);
        assert_eq!(u32::from_ne_bytes(done[8..12].try_into().unwrap()), 42);
        assert_eq!(u32::from_ne_bytes(done[12..16].try_into().unwrap()), 5);
    }
}
