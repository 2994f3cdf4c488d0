//! Socket calls: socket, socketpair, bind, listen, accept, connect, getsockname, getpeername,
//! the send and receive families, shutdown, getsockopt and setsockopt. They decode the app's
//! sockaddrs, msghdrs and control messages (cmsg(3)) and call the socket's family through
//! [`net::Socket`](crate::net::Socket).

use std::sync::Arc;
use std::time::{Duration, Instant};

use platform::Prot;

use super::fs::nofile_limit;
use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::fs::File;
use crate::kernel::Task;
use crate::net::unix::SCM_MAX_FD;
use crate::net::{Caller, Received, SendMsg, Socket, Ucred};

/// sizeof(struct sockaddr_storage): the longest address any call copies in.
const SOCKADDR_STORAGE: usize = 128;
const SOCK_TYPE_MASK: i32 = 0xf;
/// AF_MAX and SOCK_MAX: families and types beyond these are no family or type at all.
const AF_MAX: i32 = 46;
const SOCK_MAX: i32 = 11;
const UIO_MAXIOV: u64 = 1024;
/// Linux's MAX_RW_COUNT.
const MAX_RW_COUNT: u64 = 0x7fff_f000;
/// sizeof(struct cmsghdr), and of struct msghdr and struct mmsghdr on x86_64.
const CMSG_HDR: usize = 16;
const MSGHDR_SIZE: u64 = 56;
const MMSGHDR_SIZE: u64 = 64;
const CAP_SETGID: u64 = 1 << 6;
const CAP_SETUID: u64 = 1 << 7;
const CAP_SYS_ADMIN: u64 = 1 << 21;

fn cmsg_align(n: usize) -> usize {
    (n + 7) & !7
}

/// The open file `fd`, which must be a socket (ENOTSOCK).
fn socket_file(task: &Task, fd: i32) -> Result<Arc<File>, Errno> {
    let file = task.fds().get(fd)?;
    if file.ops.as_socket().is_none() {
        return Err(Errno::ENOTSOCK);
    }
    Ok(file)
}

fn sock(file: &File) -> Result<&dyn Socket, Errno> {
    file.ops.as_socket().ok_or(Errno::ENOTSOCK)
}

fn nonblocking(file: &File) -> bool {
    file.flags() & libc::O_NONBLOCK as u32 != 0
}

/// move_addr_to_kernel: EINVAL for a length past sockaddr_storage, EFAULT for a bad buffer.
fn read_sockaddr(task: &Task, addr: u64, len: i32) -> Result<Vec<u8>, Errno> {
    let len = usize::try_from(len).map_err(|_| Errno::EINVAL)?;
    if len > SOCKADDR_STORAGE {
        return Err(Errno::EINVAL);
    }
    let mut buf = vec![0u8; len];
    if len > 0 {
        task.mm.read(addr, &mut buf)?;
    }
    Ok(buf)
}

/// move_addr_to_user: copies as much of `kaddr` as the app's `*lenp` allows and stores the
/// whole length in `*lenp`.
fn write_sockaddr(task: &Task, kaddr: &[u8], uaddr: u64, lenp: u64) -> Result<(), Errno> {
    let len: i32 = task.mm.read_val(lenp)?;
    let len = usize::try_from(len)
        .map_err(|_| Errno::EINVAL)?
        .min(kaddr.len());
    if len > 0 {
        task.mm.write(uaddr, &kaddr[..len])?;
    }
    task.mm.write_val(lenp, &(kaddr.len() as u32))
}

/// Installs a new socket file; `flags` are SOCK_NONBLOCK and SOCK_CLOEXEC.
fn install(task: &Task, ops: Arc<dyn crate::fs::FileOps>, flags: i32) -> Result<i32, Errno> {
    let mut status = libc::O_RDWR as u32;
    if flags & libc::SOCK_NONBLOCK != 0 {
        status |= libc::O_NONBLOCK as u32;
    }
    ops.set_status_flags(status);
    let file = File::new(ops, status);
    let limit = nofile_limit(task);
    task.fds()
        .install(file, flags & libc::SOCK_CLOEXEC != 0, 0, limit)
}

/// Splits socket(2)'s type into the type and its flags: EINVAL for unknown flags or a type
/// past SOCK_MAX, EAFNOSUPPORT for a family past AF_MAX (in __sock_create's order).
fn socket_args(a: &SyscallArgs) -> Result<(i32, i32, i32), Errno> {
    let family = a.int(0);
    let ty = a.int(1);
    let flags = ty & !SOCK_TYPE_MASK;
    if flags & !(libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    if !(0..AF_MAX).contains(&family) {
        return Err(Errno::EAFNOSUPPORT);
    }
    if ty & SOCK_TYPE_MASK >= SOCK_MAX {
        return Err(Errno::EINVAL);
    }
    Ok((family, ty & SOCK_TYPE_MASK, flags))
}

pub fn sys_socket(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (family, ty, flags) = socket_args(a)?;
    let ops = task
        .kernel
        .net
        .socket(&Caller::of(task), family, ty, a.int(2))?;
    Ok(install(task, ops, flags)? as u64)
}

pub fn sys_socketpair(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (family, ty, flags) = socket_args(a)?;
    let sv = a.u64(3);
    let (x, y) = task
        .kernel
        .net
        .socketpair(&Caller::of(task), family, ty, a.int(2))?;
    task.mm.check_access(sv, 8, Prot::WRITE)?;
    let fx = install(task, x, flags)?;
    let fy = match install(task, y, flags) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = task.fds().close(fx);
            return Err(e);
        }
    };
    task.mm.write_val(sv, &[fx, fy])?;
    Ok(0)
}

pub fn sys_bind(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = socket_file(task, a.int(0))?;
    let addr = read_sockaddr(task, a.u64(1), a.int(2))?;
    sock(&file)?.bind(task, &addr)?;
    Ok(0)
}

pub fn sys_listen(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = socket_file(task, a.int(0))?;
    sock(&file)?.listen(task, a.int(1))?;
    Ok(0)
}

fn do_accept(task: &mut Task, a: &SyscallArgs, flags: i32) -> SysResult {
    if flags & !(libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    let file = socket_file(task, a.int(0))?;
    let (ops, peer) = sock(&file)?.accept(nonblocking(&file))?;
    if a.u64(1) != 0 {
        // A bad address buffer loses the connection, as on Linux.
        write_sockaddr(task, &peer, a.u64(1), a.u64(2))?;
    }
    Ok(install(task, ops, flags)? as u64)
}

pub fn sys_accept(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_accept(task, a, 0)
}

pub fn sys_accept4(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_accept(task, a, a.int(3))
}

pub fn sys_connect(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = socket_file(task, a.int(0))?;
    let addr = read_sockaddr(task, a.u64(1), a.int(2))?;
    sock(&file)?.connect(task, &addr, nonblocking(&file))?;
    Ok(0)
}

pub fn sys_getsockname(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = socket_file(task, a.int(0))?;
    let name = sock(&file)?.getsockname();
    write_sockaddr(task, &name, a.u64(1), a.u64(2))?;
    Ok(0)
}

pub fn sys_getpeername(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = socket_file(task, a.int(0))?;
    let name = sock(&file)?.getpeername()?;
    write_sockaddr(task, &name, a.u64(1), a.u64(2))?;
    Ok(0)
}

pub fn sys_shutdown(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = socket_file(task, a.int(0))?;
    sock(&file)?.shutdown(a.int(1))?;
    Ok(0)
}

pub fn sys_getsockopt(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = socket_file(task, a.int(0))?;
    let lenp = a.u64(4);
    let len: i32 = task.mm.read_val(lenp)?;
    let len = usize::try_from(len).map_err(|_| Errno::EINVAL)?;
    let value = sock(&file)?.getsockopt(a.int(1), a.int(2))?;
    // A short buffer gets the start of the value, as Linux copies it.
    let n = len.min(value.len());
    task.mm.write(a.u64(3), &value[..n])?;
    task.mm.write_val(lenp, &(n as u32))?;
    Ok(0)
}

pub fn sys_setsockopt(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = socket_file(task, a.int(0))?;
    let len = usize::try_from(a.int(4)).map_err(|_| Errno::EINVAL)?;
    // Every option here is at most a struct timeval; a short value is the option's EINVAL.
    let mut value = vec![0u8; len.min(64)];
    if len >= 4 {
        task.mm.read(a.u64(3), &mut value)?;
    }
    sock(&file)?.setsockopt(a.int(1), a.int(2), &value)?;
    Ok(0)
}

/// Sends `msg` on `file`: EPIPE raises SIGPIPE for stream sockets unless MSG_NOSIGNAL.
fn send(task: &mut Task, file: &File, msg: SendMsg) -> Result<usize, Errno> {
    let flags = msg.flags;
    let s = sock(file)?;
    let r = s.sendmsg(task, msg);
    if r == Err(Errno::EPIPE) && s.sigpipe() && flags & libc::MSG_NOSIGNAL == 0 {
        task.raise_self(libc::SIGPIPE);
    }
    r
}

pub fn sys_sendto(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = socket_file(task, a.int(0))?;
    let len = a.u64(2).min(i32::MAX as u64).min(MAX_RW_COUNT) as usize;
    let mut data = vec![0u8; len];
    task.mm.read(a.u64(1), &mut data)?;
    let addr = if a.u64(4) != 0 && a.int(5) != 0 {
        Some(read_sockaddr(task, a.u64(4), a.int(5))?)
    } else {
        None
    };
    let msg = SendMsg {
        data,
        addr,
        flags: a.int(3),
        ..SendMsg::default()
    };
    Ok(send(task, &file, msg)? as u64)
}

pub fn sys_recvfrom(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = socket_file(task, a.int(0))?;
    let (buf, len) = (a.u64(1), a.u64(2).min(i32::MAX as u64).min(MAX_RW_COUNT));
    let flags = a.int(3) & !libc::MSG_CMSG_CLOEXEC;
    check_buffers(&file, &[(buf, len)], task, flags)?;
    let r = sock(&file)?.recvmsg(len as usize, flags)?;
    task.mm.write(buf, &r.data)?;
    if a.u64(4) != 0 {
        let addr = r.addr.clone().unwrap_or_default();
        write_sockaddr(task, &addr, a.u64(4), a.u64(5))?;
    }
    Ok(r.ret as u64)
}

/// Receive buffers must be writable; but as Linux faults only when it copies, a receive
/// that would fail anyway (EAGAIN, ENOTCONN) answers that instead of EFAULT. The socket is
/// peeked, so no data is lost to a bad buffer.
fn check_buffers(file: &File, iovs: &[(u64, u64)], task: &Task, flags: i32) -> Result<(), Errno> {
    // TCP's MSG_TRUNC discards the bytes without copying: any buffer will do.
    let s = sock(file)?;
    if flags & libc::MSG_TRUNC != 0
        && s.sock_type() == libc::SOCK_STREAM
        && matches!(s.family(), libc::AF_INET | libc::AF_INET6)
    {
        return Ok(());
    }
    let Some(bad) = iovs
        .iter()
        .find_map(|&(base, len)| task.mm.check_access(base, len, Prot::WRITE).err())
    else {
        return Ok(());
    };
    sock(file)?.recvmsg(1, flags | libc::MSG_PEEK)?;
    Err(bad)
}

/// `struct msghdr` on x86_64.
#[derive(Clone, Copy, Default)]
#[repr(C)]
struct MsgHdr {
    name: u64,
    namelen: u32,
    pad: u32,
    iov: u64,
    iovlen: u64,
    control: u64,
    controllen: u64,
    flags: i32,
    pad2: i32,
}

// SAFETY: integers only; the padding is explicit.
unsafe impl crate::mm::Pod for MsgHdr {}
const _: () = assert!(std::mem::size_of::<MsgHdr>() == MSGHDR_SIZE as usize);

/// The iovecs of a msghdr: EMSGSIZE for too many, EINVAL for a total past ssize_t.
fn msg_iovecs(task: &Task, m: &MsgHdr) -> Result<Vec<(u64, u64)>, Errno> {
    if m.iovlen > UIO_MAXIOV {
        return Err(Errno::EMSGSIZE);
    }
    let raw: Vec<[u64; 2]> = task.mm.read_vals(m.iov, m.iovlen as usize)?;
    let mut total: u64 = 0;
    let mut out = Vec::with_capacity(raw.len());
    for [base, len] in raw {
        if len > i64::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        // Past MAX_RW_COUNT the rest is ignored, as import_iovec truncates.
        let len = len.min(MAX_RW_COUNT - total);
        total += len;
        out.push((base, len));
    }
    Ok(out)
}

/// The destination address of a msghdr (none if msg_name is NULL or empty).
fn msg_name(task: &Task, m: &MsgHdr) -> Result<Option<Vec<u8>>, Errno> {
    let len = m.namelen as i32;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    if m.name == 0 || len == 0 {
        return Ok(None);
    }
    let len = (len as usize).min(SOCKADDR_STORAGE);
    let mut buf = vec![0u8; len];
    task.mm.read(m.name, &mut buf)?;
    Ok(Some(buf))
}

/// __scm_send: the SCM_RIGHTS files and SCM_CREDENTIALS of a control buffer.
fn parse_control(task: &Task, ctl: &[u8], msg: &mut SendMsg) -> Result<(), Errno> {
    let mut off = 0;
    while off + CMSG_HDR <= ctl.len() {
        let len = u64::from_ne_bytes(ctl[off..off + 8].try_into().unwrap_or([0; 8])) as usize;
        let level = i32::from_ne_bytes(ctl[off + 8..off + 12].try_into().unwrap_or([0; 4]));
        let ty = i32::from_ne_bytes(ctl[off + 12..off + 16].try_into().unwrap_or([0; 4]));
        if len < CMSG_HDR || len > ctl.len() - off {
            return Err(Errno::EINVAL);
        }
        let data = &ctl[off + CMSG_HDR..off + len];
        if level == libc::SOL_SOCKET {
            match ty {
                libc::SCM_RIGHTS => {
                    let n = data.len() / 4;
                    if n > SCM_MAX_FD || msg.rights.len() + n > SCM_MAX_FD {
                        return Err(Errno::EINVAL);
                    }
                    let fds = task.fds();
                    for c in data.chunks_exact(4) {
                        let fd = i32::from_ne_bytes(c.try_into().unwrap_or([0; 4]));
                        msg.rights.push(fds.get(fd)?);
                    }
                }
                libc::SCM_CREDENTIALS => {
                    if data.len() != std::mem::size_of::<Ucred>() {
                        return Err(Errno::EINVAL);
                    }
                    let word = |i: usize| data[i * 4..i * 4 + 4].try_into().unwrap_or([0; 4]);
                    let c = Ucred {
                        pid: i32::from_ne_bytes(word(0)),
                        uid: u32::from_ne_bytes(word(1)),
                        gid: u32::from_ne_bytes(word(2)),
                    };
                    check_creds(task, &c)?;
                    msg.cred = Some(c);
                }
                _ => return Err(Errno::EINVAL),
            }
        } else if level == libc::IPPROTO_IP || level == libc::IPPROTO_IPV6 {
            msg.ip_control.push((level, ty, data.to_vec()));
        }
        off += cmsg_align(len);
    }
    Ok(())
}

/// scm_check_creds: a process may claim its own pid and any of its ids, unless privileged.
fn check_creds(task: &Task, c: &Ucred) -> Result<(), Errno> {
    let cr = &task.cred;
    let caps = cr.cap_effective;
    let pid_ok = c.pid == task.process.pid || caps & CAP_SYS_ADMIN != 0;
    let uid_ok = [cr.ruid, cr.euid, cr.suid].contains(&c.uid) || caps & CAP_SETUID != 0;
    let gid_ok = [cr.rgid, cr.egid, cr.sgid].contains(&c.gid) || caps & CAP_SETGID != 0;
    if pid_ok && uid_ok && gid_ok {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// sendmsg of the msghdr at `addr`.
fn do_sendmsg(task: &mut Task, file: &File, addr: u64, flags: i32) -> Result<usize, Errno> {
    let m: MsgHdr = task.mm.read_val(addr)?;
    let name = msg_name(task, &m)?;
    let iovs = msg_iovecs(task, &m)?;
    if m.controllen > i32::MAX as u64 {
        return Err(Errno::ENOBUFS);
    }
    let total: u64 = iovs.iter().map(|(_, l)| l).sum();
    let mut data = vec![0u8; total as usize];
    let mut at = 0;
    for (base, len) in iovs {
        task.mm.read(base, &mut data[at..at + len as usize])?;
        at += len as usize;
    }
    let mut msg = SendMsg {
        data,
        addr: name,
        flags,
        ..SendMsg::default()
    };
    if m.controllen >= CMSG_HDR as u64 {
        let mut ctl = vec![0u8; m.controllen as usize];
        task.mm.read(m.control, &mut ctl)?;
        parse_control(task, &ctl, &mut msg)?;
    }
    send(task, file, msg)
}

pub fn sys_sendmsg(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = socket_file(task, a.int(0))?;
    Ok(do_sendmsg(task, &file, a.u64(1), a.int(2))? as u64)
}

pub fn sys_sendmmsg(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = socket_file(task, a.int(0))?;
    let vlen = a.u64(2).min(UIO_MAXIOV);
    let mut sent = 0;
    while sent < vlen {
        let at = a.u64(1) + sent * MMSGHDR_SIZE;
        match do_sendmsg(task, &file, at, a.int(3)) {
            Ok(n) => {
                task.mm.write_val(at + MSGHDR_SIZE, &(n as u32))?;
                sent += 1;
            }
            Err(e) if sent == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(sent)
}

/// The control messages of a receive, laid out as put_cmsg and scm_detach_fds do: each
/// truncated to the buffer (MSG_CTRUNC), passed files installed as new fds.
struct Control {
    /// Bytes to write at offsets of msg_control.
    writes: Vec<(usize, Vec<u8>)>,
    used: usize,
    cap: usize,
    flags: i32,
}

impl Control {
    fn put(&mut self, level: i32, ty: i32, data: &[u8]) {
        let room = self.cap - self.used;
        if room < CMSG_HDR {
            self.flags |= libc::MSG_CTRUNC;
            return;
        }
        let mut cmlen = CMSG_HDR + data.len();
        if room < cmlen {
            self.flags |= libc::MSG_CTRUNC;
            cmlen = room;
        }
        let mut bytes = (cmlen as u64).to_ne_bytes().to_vec();
        bytes.extend_from_slice(&level.to_ne_bytes());
        bytes.extend_from_slice(&ty.to_ne_bytes());
        bytes.extend_from_slice(&data[..cmlen - CMSG_HDR]);
        self.writes.push((self.used, bytes));
        self.used += cmsg_align(CMSG_HDR + data.len()).min(room);
    }
}

fn recv_control(
    task: &Task,
    r: &mut Received,
    m: &MsgHdr,
    cloexec: bool,
) -> Result<Control, Errno> {
    let mut c = Control {
        writes: Vec::new(),
        used: 0,
        cap: m.controllen.min(i32::MAX as u64) as usize,
        flags: r.flags,
    };
    let rights = std::mem::take(&mut r.rights);
    if m.control == 0 {
        if r.cred.is_some() || !rights.is_empty() || !r.control.is_empty() {
            c.flags |= libc::MSG_CTRUNC;
        }
        return Ok(c);
    }
    for (level, ty, data) in std::mem::take(&mut r.control) {
        c.put(level, ty, &data);
    }
    if let Some(cred) = r.cred {
        let mut d = cred.pid.to_ne_bytes().to_vec();
        d.extend_from_slice(&cred.uid.to_ne_bytes());
        d.extend_from_slice(&cred.gid.to_ne_bytes());
        c.put(libc::SOL_SOCKET, libc::SCM_CREDENTIALS, &d);
    }
    if !rights.is_empty() {
        let room = c.cap - c.used;
        let fdmax = if room <= CMSG_HDR {
            0
        } else {
            (room - CMSG_HDR) / 4
        };
        let limit = nofile_limit(task);
        let mut fds: Vec<i32> = Vec::new();
        for f in rights.iter().take(fdmax) {
            match task.fds().install(f.clone(), cloexec, 0, limit) {
                Ok(fd) => fds.push(fd),
                Err(_) => break,
            }
        }
        if !fds.is_empty() {
            let data: Vec<u8> = fds.iter().flat_map(|fd| fd.to_ne_bytes()).collect();
            let mut bytes = ((CMSG_HDR + data.len()) as u64).to_ne_bytes().to_vec();
            bytes.extend_from_slice(&libc::SOL_SOCKET.to_ne_bytes());
            bytes.extend_from_slice(&libc::SCM_RIGHTS.to_ne_bytes());
            bytes.extend_from_slice(&data);
            c.writes.push((c.used, bytes));
            c.used += cmsg_align(CMSG_HDR + data.len()).min(room);
        }
        if fds.len() < rights.len() {
            c.flags |= libc::MSG_CTRUNC;
        }
    }
    Ok(c)
}

/// recvmsg into the msghdr at `addr`.
fn do_recvmsg(task: &mut Task, file: &File, addr: u64, flags: i32) -> Result<usize, Errno> {
    let m: MsgHdr = task.mm.read_val(addr)?;
    if (m.namelen as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let iovs = msg_iovecs(task, &m)?;
    check_buffers(file, &iovs, task, flags & !libc::MSG_CMSG_CLOEXEC)?;
    let total: u64 = iovs.iter().map(|(_, l)| l).sum();
    let mut r = sock(file)?.recvmsg(total as usize, flags & !libc::MSG_CMSG_CLOEXEC)?;
    let mut at = 0;
    for (base, len) in iovs {
        if at >= r.data.len() {
            break;
        }
        let n = (len as usize).min(r.data.len() - at);
        task.mm.write(base, &r.data[at..at + n])?;
        at += n;
    }
    if m.name != 0 {
        let kaddr = r.addr.clone().unwrap_or_default();
        write_sockaddr(task, &kaddr, m.name, addr + 8)?;
    }
    let ctl = recv_control(task, &mut r, &m, flags & libc::MSG_CMSG_CLOEXEC != 0)?;
    for (off, bytes) in &ctl.writes {
        task.mm.write(m.control + *off as u64, bytes)?;
    }
    task.mm.write_val(addr + 48, &ctl.flags)?;
    task.mm.write_val(addr + 40, &(ctl.used as u64))?;
    Ok(r.ret)
}

pub fn sys_recvmsg(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = socket_file(task, a.int(0))?;
    Ok(do_recvmsg(task, &file, a.u64(1), a.int(2))? as u64)
}

pub fn sys_recvmmsg(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = socket_file(task, a.int(0))?;
    let vlen = a.u64(2).min(UIO_MAXIOV);
    let mut flags = a.int(3);
    let ts_addr = a.u64(4);
    let deadline = if ts_addr != 0 {
        let ts: libc::timespec = task.mm.read_val(ts_addr)?;
        if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
            return Err(Errno::EINVAL);
        }
        Some(Instant::now() + Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
    } else {
        None
    };
    let mut got = 0;
    while got < vlen {
        let at = a.u64(1) + got * MMSGHDR_SIZE;
        match do_recvmsg(task, &file, at, flags & !libc::MSG_WAITFORONE) {
            Ok(n) => {
                task.mm.write_val(at + MSGHDR_SIZE, &(n as u32))?;
                got += 1;
            }
            Err(e) if got == 0 => return Err(e),
            Err(_) => break,
        }
        if flags & libc::MSG_WAITFORONE != 0 {
            flags |= libc::MSG_DONTWAIT;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
    }
    if let Some(d) = deadline {
        // The time left goes back to the app.
        let left = d.saturating_duration_since(Instant::now());
        let ts = libc::timespec {
            tv_sec: left.as_secs() as i64,
            tv_nsec: i64::from(left.subsec_nanos()),
        };
        task.mm.write_val(ts_addr, &ts)?;
    }
    Ok(got)
}
