//! The app's sockaddrs, checked in the sentry before a host socket call sees them. Each call
//! checks length and family in the order Linux does (inet_bind, __inet6_bind,
//! __inet_stream_connect, tcp_v4_connect, tcp_v6_connect, __ip4_datagram_connect,
//! __ip6_datagram_connect, udp_sendmsg, udpv6_sendmsg), so the errno is Linux's; what goes to
//! the host is a fresh sockaddr_in or sockaddr_in6 built from the fields that matter, never
//! the app's bytes.

use super::Proto;
use crate::errno::Errno;

const SOCKADDR_IN_LEN: usize = 16;
const SOCKADDR_IN6_LEN: usize = 28;
/// SIN6_LEN_RFC2133: the shortest sockaddr_in6 Linux takes (without sin6_scope_id).
const SOCKADDR_IN6_MIN: usize = 24;
/// offsetof(struct sockaddr, sa_data): just the family.
const FAMILY_LEN: usize = 2;

/// Where a connect or a send goes.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Dest {
    /// A checked address for the host.
    Addr(Vec<u8>),
    /// AF_UNSPEC: connect dissolves the association; a send has no address.
    Unspec,
}

fn family(raw: &[u8]) -> i32 {
    i32::from(u16::from_ne_bytes([raw[0], raw[1]]))
}

/// A sockaddr_in with the port and address of `raw` (at least 16 bytes).
fn v4(raw: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8; SOCKADDR_IN_LEN];
    v[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
    v[2..8].copy_from_slice(&raw[2..8]);
    v
}

/// A sockaddr_in6 with the port, flow info, address and (if given) scope of `raw` (at least
/// 24 bytes).
fn v6(raw: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8; SOCKADDR_IN6_LEN];
    v[..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
    v[2..24].copy_from_slice(&raw[2..24]);
    if raw.len() >= SOCKADDR_IN6_LEN {
        v[24..28].copy_from_slice(&raw[24..28]);
    }
    v
}

/// bind(2)'s address.
pub(super) fn bind(is_v6: bool, raw: &[u8]) -> Result<Vec<u8>, Errno> {
    if is_v6 {
        if raw.len() < SOCKADDR_IN6_MIN {
            return Err(Errno::EINVAL);
        }
        if family(raw) != libc::AF_INET6 {
            return Err(Errno::EAFNOSUPPORT);
        }
        return Ok(v6(raw));
    }
    if raw.len() < SOCKADDR_IN_LEN {
        return Err(Errno::EINVAL);
    }
    match family(raw) {
        libc::AF_INET => Ok(v4(raw)),
        // Old programs bind AF_UNSPEC with INADDR_ANY; Linux takes it as AF_INET.
        libc::AF_UNSPEC if raw[4..8] == [0; 4] => Ok(v4(raw)),
        _ => Err(Errno::EAFNOSUPPORT),
    }
}

/// connect(2)'s address.
pub(super) fn connect(is_v6: bool, proto: Proto, raw: &[u8]) -> Result<Dest, Errno> {
    if raw.len() < FAMILY_LEN {
        return Err(Errno::EINVAL);
    }
    let fam = family(raw);
    if fam == libc::AF_UNSPEC {
        return Ok(Dest::Unspec);
    }
    // A UDP socket of AF_INET6 takes an IPv4 destination (for a v6-only one the host answers
    // EAFNOSUPPORT, as Linux does).
    let v4_ok = !is_v6 || proto != Proto::Tcp;
    if fam == libc::AF_INET && v4_ok {
        if raw.len() < SOCKADDR_IN_LEN {
            return Err(Errno::EINVAL);
        }
        return Ok(Dest::Addr(v4(raw)));
    }
    let min = if is_v6 {
        SOCKADDR_IN6_MIN
    } else {
        SOCKADDR_IN_LEN
    };
    if raw.len() < min {
        return Err(Errno::EINVAL);
    }
    if is_v6 && fam == libc::AF_INET6 {
        return Ok(Dest::Addr(v6(raw)));
    }
    Err(Errno::EAFNOSUPPORT)
}

/// A UDP sendto(2) or sendmsg(2) destination.
pub(super) fn sendto(is_v6: bool, raw: &[u8]) -> Result<Dest, Errno> {
    if !is_v6 {
        if raw.len() < SOCKADDR_IN_LEN {
            return Err(Errno::EINVAL);
        }
        // udp_sendmsg reads an AF_UNSPEC address as AF_INET.
        return match family(raw) {
            libc::AF_INET | libc::AF_UNSPEC => Ok(Dest::Addr(v4(raw))),
            _ => Err(Errno::EAFNOSUPPORT),
        };
    }
    if raw.len() < FAMILY_LEN {
        return Err(Errno::EINVAL);
    }
    match family(raw) {
        libc::AF_INET6 if raw.len() >= SOCKADDR_IN6_MIN => Ok(Dest::Addr(v6(raw))),
        // An IPv4 destination goes the IPv4 way (ENETUNREACH from the host if v6-only).
        libc::AF_INET if raw.len() >= SOCKADDR_IN_LEN => Ok(Dest::Addr(v4(raw))),
        libc::AF_UNSPEC => Ok(Dest::Unspec),
        _ => Err(Errno::EINVAL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sin(port: u16, ip: [u8; 4]) -> Vec<u8> {
        let mut v = vec![0u8; 16];
        v[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        v[2..4].copy_from_slice(&port.to_be_bytes());
        v[4..8].copy_from_slice(&ip);
        v
    }

    fn sin6(port: u16, scope: u32) -> Vec<u8> {
        let mut v = vec![0u8; 28];
        v[..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
        v[2..4].copy_from_slice(&port.to_be_bytes());
        v[23] = 1;
        v[24..28].copy_from_slice(&scope.to_ne_bytes());
        v
    }

    #[test]
    fn bind_checks_length_then_family() {
        let a = sin(80, [127, 0, 0, 1]);
        assert_eq!(bind(false, &a), Ok(a.clone()));
        assert_eq!(bind(false, &a[..15]), Err(Errno::EINVAL));
        assert_eq!(bind(true, &a), Err(Errno::EINVAL));
        assert_eq!(bind(false, &sin6(1, 0)), Err(Errno::EAFNOSUPPORT));
        let mut any = sin(9, [0; 4]);
        any[0] = 0;
        any[1] = 0;
        assert_eq!(bind(false, &any), Ok(sin(9, [0; 4])));
        let mut unspec = sin(9, [1, 2, 3, 4]);
        unspec[..2].copy_from_slice(&[0, 0]);
        assert_eq!(bind(false, &unspec), Err(Errno::EAFNOSUPPORT));
        let b = sin6(443, 7);
        assert_eq!(bind(true, &b), Ok(b.clone()));
        // Without sin6_scope_id (24 bytes): the scope is zero.
        assert_eq!(bind(true, &b[..24]), Ok(sin6(443, 0)));
    }

    #[test]
    fn connect_and_sendto_follow_each_protocol() {
        let a = sin(80, [127, 0, 0, 1]);
        assert_eq!(connect(false, Proto::Tcp, &a), Ok(Dest::Addr(a.clone())));
        assert_eq!(connect(false, Proto::Tcp, &[0]), Err(Errno::EINVAL));
        assert_eq!(connect(false, Proto::Tcp, &[0, 0]), Ok(Dest::Unspec));
        assert_eq!(connect(false, Proto::Tcp, &a[..8]), Err(Errno::EINVAL));
        assert_eq!(connect(true, Proto::Tcp, &a), Err(Errno::EINVAL));
        let mut a24 = a.clone();
        a24.resize(24, 0);
        assert_eq!(connect(true, Proto::Tcp, &a24), Err(Errno::EAFNOSUPPORT));
        assert_eq!(connect(true, Proto::Udp, &a), Ok(Dest::Addr(a.clone())));
        let mut unix = a.clone();
        unix[..2].copy_from_slice(&(libc::AF_UNIX as u16).to_ne_bytes());
        assert_eq!(connect(false, Proto::Udp, &unix), Err(Errno::EAFNOSUPPORT));
        assert_eq!(sendto(false, &unix), Err(Errno::EAFNOSUPPORT));
        assert_eq!(sendto(true, &unix), Err(Errno::EINVAL));
        assert_eq!(sendto(false, &a[..10]), Err(Errno::EINVAL));
        assert_eq!(sendto(true, &[0, 0]), Ok(Dest::Unspec));
        assert_eq!(sendto(true, &a), Ok(Dest::Addr(a.clone())));
    }
}
