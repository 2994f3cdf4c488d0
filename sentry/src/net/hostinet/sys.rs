//! The host socket calls `--network=host` makes for the app, each a small wrapper over one
//! libc call. Every socket here is non-blocking (SOCK_NONBLOCK at creation and on accept), so
//! none of these calls waits; sends always carry MSG_NOSIGNAL, so a peer that went away gives
//! EPIPE to the sentry instead of a SIGPIPE to the whole sandbox.

use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use crate::errno::Errno;

/// sizeof(struct sockaddr_storage).
const SOCKADDR_STORAGE: usize = 128;

fn check(r: libc::c_int) -> Result<libc::c_int, Errno> {
    if r < 0 {
        Err(Errno::last_host())
    } else {
        Ok(r)
    }
}

fn check_len(r: isize) -> Result<usize, Errno> {
    usize::try_from(r).map_err(|_| Errno::last_host())
}

/// Takes ownership of a new fd a host call returned.
fn owned(fd: RawFd) -> Result<OwnedFd, Errno> {
    let fd = check(fd)?;
    // SAFETY: the call that returned `fd` just made it, and nothing else holds it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A sockaddr buffer as the length the host call takes.
fn socklen(addr: &[u8]) -> libc::socklen_t {
    addr.len().min(SOCKADDR_STORAGE) as libc::socklen_t
}

/// socket(2), non-blocking and close-on-exec.
pub(super) fn socket(family: i32, ty: i32, protocol: i32) -> Result<OwnedFd, Errno> {
    let ty = ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: socket takes no pointers.
    owned(unsafe { libc::socket(family, ty, protocol) })
}

pub(super) fn bind(fd: BorrowedFd<'_>, addr: &[u8]) -> Result<(), Errno> {
    // SAFETY: addr is readable for the length passed.
    check(unsafe { libc::bind(fd.as_raw_fd(), addr.as_ptr().cast(), socklen(addr)) }).map(drop)
}

pub(super) fn connect(fd: BorrowedFd<'_>, addr: &[u8]) -> Result<(), Errno> {
    // SAFETY: addr is readable for the length passed.
    check(unsafe { libc::connect(fd.as_raw_fd(), addr.as_ptr().cast(), socklen(addr)) }).map(drop)
}

pub(super) fn listen(fd: BorrowedFd<'_>, backlog: i32) -> Result<(), Errno> {
    // SAFETY: listen takes no pointers.
    check(unsafe { libc::listen(fd.as_raw_fd(), backlog) }).map(drop)
}

/// Calls `f` with a sockaddr_storage buffer and its length; returns the address it wrote.
fn with_addr_buf(
    f: impl FnOnce(*mut libc::sockaddr, *mut libc::socklen_t) -> libc::c_int,
) -> Result<(libc::c_int, Vec<u8>), Errno> {
    let mut buf = [0u8; SOCKADDR_STORAGE];
    let mut len = SOCKADDR_STORAGE as libc::socklen_t;
    let r = check(f(buf.as_mut_ptr().cast(), &mut len))?;
    Ok((r, buf[..(len as usize).min(SOCKADDR_STORAGE)].to_vec()))
}

/// accept4(2): the new connection, non-blocking, and its peer's address.
pub(super) fn accept(fd: BorrowedFd<'_>) -> Result<(OwnedFd, Vec<u8>), Errno> {
    let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: the buffer and its length are valid for the call (with_addr_buf's own).
    let (new, addr) = with_addr_buf(|a, l| unsafe { libc::accept4(fd.as_raw_fd(), a, l, flags) })?;
    Ok((owned(new)?, addr))
}

pub(super) fn getsockname(fd: BorrowedFd<'_>) -> Result<Vec<u8>, Errno> {
    // SAFETY: the buffer and its length are valid for the call.
    with_addr_buf(|a, l| unsafe { libc::getsockname(fd.as_raw_fd(), a, l) }).map(|(_, v)| v)
}

pub(super) fn getpeername(fd: BorrowedFd<'_>) -> Result<Vec<u8>, Errno> {
    // SAFETY: the buffer and its length are valid for the call.
    with_addr_buf(|a, l| unsafe { libc::getpeername(fd.as_raw_fd(), a, l) }).map(|(_, v)| v)
}

/// sendto(2) with MSG_DONTWAIT and MSG_NOSIGNAL added to `flags`.
pub(super) fn sendto(
    fd: BorrowedFd<'_>,
    data: &[u8],
    flags: i32,
    addr: Option<&[u8]>,
) -> Result<usize, Errno> {
    let flags = flags | libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL;
    let (ap, al) = match addr {
        Some(a) => (a.as_ptr(), socklen(a)),
        None => (std::ptr::null(), 0),
    };
    // SAFETY: data is readable for its length; the address is null or readable for al.
    check_len(unsafe {
        libc::sendto(
            fd.as_raw_fd(),
            data.as_ptr().cast(),
            data.len(),
            flags,
            ap.cast(),
            al,
        )
    })
}

/// What one host recvmsg got.
pub(super) struct Recv {
    /// The call's return: the bytes read, or more (MSG_TRUNC).
    pub ret: usize,
    /// The sender's address; empty for a connected stream.
    pub addr: Vec<u8>,
    /// msg_flags.
    pub flags: i32,
}

/// recvmsg(2) into `buf` with MSG_DONTWAIT added to `flags`; no control data.
pub(super) fn recvmsg(fd: BorrowedFd<'_>, buf: &mut [u8], flags: i32) -> Result<Recv, Errno> {
    let mut addr = [0u8; SOCKADDR_STORAGE];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: an all-zero msghdr is valid (no name, no iovecs, no control).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = addr.as_mut_ptr().cast();
    msg.msg_namelen = SOCKADDR_STORAGE as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    // SAFETY: msg points at the address buffer and one iovec over buf, all live and writable
    // for the lengths given; there is no control buffer.
    let ret =
        check_len(unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, flags | libc::MSG_DONTWAIT) })?;
    let alen = (msg.msg_namelen as usize).min(SOCKADDR_STORAGE);
    Ok(Recv {
        ret,
        addr: addr[..alen].to_vec(),
        flags: msg.msg_flags,
    })
}

pub(super) fn shutdown(fd: BorrowedFd<'_>, how: i32) -> Result<(), Errno> {
    // SAFETY: shutdown takes no pointers.
    check(unsafe { libc::shutdown(fd.as_raw_fd(), how) }).map(drop)
}

/// getsockopt(2) with a buffer of `cap` bytes: the value, as long as the host says.
pub(super) fn getsockopt(
    fd: BorrowedFd<'_>,
    level: i32,
    name: i32,
    cap: usize,
) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; cap];
    let mut len = cap as libc::socklen_t;
    // SAFETY: buf is writable for len bytes, and len is a valid in-out length.
    check(unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            buf.as_mut_ptr().cast(),
            &mut len,
        )
    })?;
    buf.truncate((len as usize).min(cap));
    Ok(buf)
}

pub(super) fn setsockopt(fd: BorrowedFd<'_>, level: i32, name: i32, v: &[u8]) -> Result<(), Errno> {
    let len = v.len() as libc::socklen_t;
    // SAFETY: v is readable for its length.
    check(unsafe { libc::setsockopt(fd.as_raw_fd(), level, name, v.as_ptr().cast(), len) })
        .map(drop)
}

/// An ioctl that writes one int (FIONREAD, SIOCOUTQ).
pub(super) fn ioctl_int(fd: BorrowedFd<'_>, request: u64) -> Result<i32, Errno> {
    let mut n: libc::c_int = 0;
    // SAFETY: the requests passed here write one int through the pointer, which is valid.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), request, &mut n) })?;
    Ok(n)
}

/// The poll(2) events the socket has now (a zero timeout: never waits).
pub(super) fn poll_now(fd: BorrowedFd<'_>, events: u32) -> u32 {
    let mut p = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: events as i16,
        revents: 0,
    };
    // SAFETY: one pollfd, valid for the call.
    let r = unsafe { libc::poll(&mut p, 1, 0) };
    if r <= 0 {
        return 0;
    }
    u32::from(p.revents as u16)
}

pub(super) fn epoll_create() -> Result<OwnedFd, Errno> {
    // SAFETY: epoll_create1 takes no pointers.
    owned(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })
}

/// Adds `fd` to the epoll set with `events`, reporting `token`.
pub(super) fn epoll_add(
    ep: BorrowedFd<'_>,
    fd: BorrowedFd<'_>,
    events: u32,
    token: u64,
) -> Result<(), Errno> {
    let mut ev = libc::epoll_event { events, u64: token };
    // SAFETY: ev is a valid epoll_event for the call.
    check(unsafe { libc::epoll_ctl(ep.as_raw_fd(), libc::EPOLL_CTL_ADD, fd.as_raw_fd(), &mut ev) })
        .map(drop)
}

/// Waits up to `timeout_ms` for events of the set; how many it wrote into `events`.
pub(super) fn epoll_wait(
    ep: BorrowedFd<'_>,
    events: &mut [libc::epoll_event],
    timeout_ms: i32,
) -> Result<usize, Errno> {
    let max = events.len().min(i32::MAX as usize) as i32;
    // SAFETY: events is writable for `max` entries.
    let n =
        check(unsafe { libc::epoll_wait(ep.as_raw_fd(), events.as_mut_ptr(), max, timeout_ms) })?;
    Ok(n as usize)
}
