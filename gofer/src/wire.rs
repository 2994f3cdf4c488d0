//! Messages over a `SOCK_SEQPACKET` unix socket, with file descriptors passed as `SCM_RIGHTS`.
//!
//! Seqpacket keeps message boundaries, so one `sendmsg` is one message and a receiver learns
//! (`MSG_TRUNC`) when a message was larger than its buffer. A zero-length read is the peer's
//! close; no message we send is empty.

use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use crate::proto::MAX_MESSAGE;

/// The most descriptors one received message may carry; more (or a truncated control message)
/// marks the message as truncated. We send at most one.
const MAX_FDS: usize = 4;

/// Room for the control message of `MAX_FDS` descriptors, aligned for `cmsghdr`.
#[repr(C, align(8))]
struct CmsgBuf([u8; 64]);

/// `CMSG_SPACE` for `n` descriptors.
fn cmsg_space(n: usize) -> usize {
    let len = u32::try_from(n * size_of::<RawFd>()).expect("few descriptors");
    // SAFETY: CMSG_SPACE only computes an aligned size from its argument.
    let space = unsafe { libc::CMSG_SPACE(len) };
    usize::try_from(space).expect("u32 fits usize")
}

/// `CMSG_LEN` for `n` descriptors.
fn cmsg_len(n: usize) -> usize {
    let len = u32::try_from(n * size_of::<RawFd>()).expect("few descriptors");
    // SAFETY: CMSG_LEN only computes a size from its argument.
    let len = unsafe { libc::CMSG_LEN(len) };
    usize::try_from(len).expect("u32 fits usize")
}

/// A `SOCK_SEQPACKET` unix socket pair, both ends close-on-exec: one end for [`crate::Client::new`]
/// in the sentry, the other for [`crate::serve`] or [`crate::run`] in the gofer.
pub fn socket_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds: [RawFd; 2] = [-1; 2];
    // SAFETY: `fds` has room for the two descriptors socketpair writes.
    let rc = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: socketpair succeeded, so both descriptors are open and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Whether `sock` is a `SOCK_SEQPACKET` socket.
pub(crate) fn is_seqpacket(sock: BorrowedFd<'_>) -> bool {
    let mut kind: libc::c_int = 0;
    let mut len = libc::socklen_t::try_from(size_of::<libc::c_int>()).expect("int fits socklen_t");
    // SAFETY: `kind` and `len` are valid for writes of an int and its size.
    let rc = unsafe {
        libc::getsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_TYPE,
            std::ptr::addr_of_mut!(kind).cast(),
            &mut len,
        )
    };
    rc == 0 && kind == libc::SOCK_SEQPACKET
}

/// Asks for a send buffer big enough for [`MAX_MESSAGE`] datagrams; best effort (the default
/// `wmem_default` already is, and the kernel caps the request at `wmem_max`).
pub(crate) fn grow_send_buffer(sock: BorrowedFd<'_>) {
    let size = libc::c_int::try_from(2 * MAX_MESSAGE).expect("small");
    let len = libc::socklen_t::try_from(size_of::<libc::c_int>()).expect("int fits socklen_t");
    // SAFETY: `size` is a valid int for the duration of the call.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_SNDBUF,
            std::ptr::addr_of!(size).cast(),
            len,
        )
    };
    if rc != 0 {
        tracing::debug!(err = %io::Error::last_os_error(), "gofer: SO_SNDBUF not raised");
    }
}

/// Sends one message, with `fd` attached as `SCM_RIGHTS` if given. Never raises `SIGPIPE`.
pub(crate) fn send(sock: BorrowedFd<'_>, msg: &[u8], fd: Option<BorrowedFd<'_>>) -> io::Result<()> {
    let mut iov = libc::iovec {
        iov_base: msg.as_ptr().cast_mut().cast(),
        iov_len: msg.len(),
    };
    let mut cmsg = CmsgBuf([0; 64]);
    // SAFETY: an all-zero msghdr is a valid empty header (null pointers, zero lengths).
    let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
    hdr.msg_iov = &mut iov;
    hdr.msg_iovlen = 1;
    if let Some(fd) = fd {
        hdr.msg_control = cmsg.0.as_mut_ptr().cast();
        hdr.msg_controllen = cmsg_space(1);
        // SAFETY: msg_control points at `cmsg`, which is aligned for cmsghdr and longer than
        // CMSG_SPACE(one fd), so CMSG_FIRSTHDR is non-null and the header plus one int of data
        // lie inside it; the data may be unaligned, hence write_unaligned.
        unsafe {
            let c = libc::CMSG_FIRSTHDR(&hdr);
            (*c).cmsg_level = libc::SOL_SOCKET;
            (*c).cmsg_type = libc::SCM_RIGHTS;
            (*c).cmsg_len = cmsg_len(1);
            std::ptr::write_unaligned(libc::CMSG_DATA(c).cast::<RawFd>(), fd.as_raw_fd());
        }
    }
    loop {
        // SAFETY: `hdr` points at `iov` (over `msg`) and `cmsg`, all alive across the call.
        let n = unsafe { libc::sendmsg(sock.as_raw_fd(), &hdr, libc::MSG_NOSIGNAL) };
        if n >= 0 {
            // A seqpacket send is all or nothing.
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// One received message.
#[derive(Debug)]
pub(crate) struct Received {
    /// The message's length in the buffer; 0 means the peer closed the socket.
    pub(crate) len: usize,
    /// The descriptors that came with it (close-on-exec).
    pub(crate) fds: Vec<OwnedFd>,
    /// The message or its descriptors did not fit: the message must be refused.
    pub(crate) truncated: bool,
}

/// Receives one message into `buf`.
pub(crate) fn recv(sock: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<Received> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut cmsg = CmsgBuf([0; 64]);
    // SAFETY: an all-zero msghdr is a valid empty header (null pointers, zero lengths).
    let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
    hdr.msg_iov = &mut iov;
    hdr.msg_iovlen = 1;
    hdr.msg_control = cmsg.0.as_mut_ptr().cast();
    hdr.msg_controllen = cmsg_space(MAX_FDS);
    let n = loop {
        // SAFETY: `hdr` points at `iov` (over `buf`) and `cmsg` (msg_controllen bytes), alive
        // and writable across the call.
        let n = unsafe { libc::recvmsg(sock.as_raw_fd(), &mut hdr, libc::MSG_CMSG_CLOEXEC) };
        if n >= 0 {
            break usize::try_from(n).expect("non-negative");
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    };
    let fds = take_fds(&hdr);
    let truncated = hdr.msg_flags & (libc::MSG_TRUNC | libc::MSG_CTRUNC) != 0;
    Ok(Received {
        len: n,
        fds,
        truncated,
    })
}

/// Takes ownership of the `SCM_RIGHTS` descriptors in a header filled by `recvmsg`.
fn take_fds(hdr: &libc::msghdr) -> Vec<OwnedFd> {
    let mut fds = Vec::new();
    // SAFETY: `hdr` was filled by recvmsg, so its control buffer holds msg_controllen bytes of
    // well-formed cmsghdrs; CMSG_FIRSTHDR/CMSG_NXTHDR stay inside it. Each SCM_RIGHTS payload
    // holds (cmsg_len - CMSG_LEN(0)) / sizeof(int) descriptors that the kernel just installed
    // for us and nobody else owns; they may be unaligned, hence read_unaligned.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(hdr);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_RIGHTS {
                let count = ((*c).cmsg_len - cmsg_len(0)) / size_of::<RawFd>();
                let data = libc::CMSG_DATA(c).cast::<RawFd>();
                for i in 0..count {
                    let raw = std::ptr::read_unaligned(data.add(i));
                    fds.push(OwnedFd::from_raw_fd(raw));
                }
            }
            c = libc::CMSG_NXTHDR(hdr, c);
        }
    }
    fds
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn message_with_fd_arrives_whole() {
        let (a, b) = socket_pair().unwrap();
        assert!(is_seqpacket(a.as_fd()));
        let (p, _q) = socket_pair().unwrap();
        send(a.as_fd(), b"hello", Some(p.as_fd())).unwrap();
        send(a.as_fd(), b"second", None).unwrap();
        let mut buf = [0u8; 64];
        let got = recv(b.as_fd(), &mut buf).unwrap();
        assert_eq!(&buf[..got.len], b"hello");
        assert_eq!(got.fds.len(), 1);
        assert!(!got.truncated);
        assert_ne!(got.fds[0].as_raw_fd(), p.as_raw_fd());
        let got = recv(b.as_fd(), &mut buf).unwrap();
        assert_eq!(&buf[..got.len], b"second");
        assert!(got.fds.is_empty());
    }

    #[test]
    fn oversized_message_is_flagged() {
        let (a, b) = socket_pair().unwrap();
        send(a.as_fd(), &[7u8; 100], None).unwrap();
        let mut buf = [0u8; 10];
        let got = recv(b.as_fd(), &mut buf).unwrap();
        assert!(got.truncated);
    }

    #[test]
    fn too_many_fds_are_closed_and_flagged() {
        let (a, b) = socket_pair().unwrap();
        let (p, _q) = socket_pair().unwrap();
        let raw = [p.as_raw_fd(); 8];
        // Hand-built SCM_RIGHTS with eight descriptors.
        let mut cmsg = [0u64; 16];
        let mut iov = libc::iovec {
            iov_base: b"x".as_ptr().cast_mut().cast(),
            iov_len: 1,
        };
        // SAFETY: zeroed msghdr is valid; the control buffer is aligned and holds CMSG_SPACE(8
        // ints) = 48 bytes; the header and data are written inside it.
        unsafe {
            let mut hdr: libc::msghdr = std::mem::zeroed();
            hdr.msg_iov = &mut iov;
            hdr.msg_iovlen = 1;
            hdr.msg_control = cmsg.as_mut_ptr().cast();
            hdr.msg_controllen = cmsg_space(8);
            let c = libc::CMSG_FIRSTHDR(&hdr);
            (*c).cmsg_level = libc::SOL_SOCKET;
            (*c).cmsg_type = libc::SCM_RIGHTS;
            (*c).cmsg_len = cmsg_len(8);
            std::ptr::copy_nonoverlapping(raw.as_ptr(), libc::CMSG_DATA(c).cast::<RawFd>(), 8);
            assert_eq!(libc::sendmsg(a.as_raw_fd(), &hdr, 0), 1);
        }
        let mut buf = [0u8; 10];
        let got = recv(b.as_fd(), &mut buf).unwrap();
        assert!(got.truncated);
        assert!(got.fds.len() <= MAX_FDS);
    }

    #[test]
    fn peer_close_reads_as_empty() {
        let (a, b) = socket_pair().unwrap();
        drop(a);
        let mut buf = [0u8; 10];
        assert_eq!(recv(b.as_fd(), &mut buf).unwrap().len, 0);
        let (c, d) = socket_pair().unwrap();
        drop(d);
        assert_eq!(
            send(c.as_fd(), b"x", None).unwrap_err().raw_os_error(),
            Some(libc::EPIPE)
        );
    }
}
