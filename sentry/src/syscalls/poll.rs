//! Readiness calls: poll, ppoll, select, pselect6, the epoll family, eventfd and signalfd.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::fs::nofile_limit;
use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::fs::epoll::{Epoll, EPOLLET, EPOLLEXCLUSIVE, EPOLLONESHOT, EPOLLWAKEUP};
use crate::fs::eventfd::EventFd;
use crate::fs::poll::{self, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI};
use crate::fs::signalfd::SignalFd;
use crate::fs::File;
use crate::kernel::Task;

const SIGSET_SIZE: u64 = 8;
/// SIGKILL and SIGSTOP, which no mask blocks.
const UNBLOCKABLE: u64 = (1 << (libc::SIGKILL - 1)) | (1 << (libc::SIGSTOP - 1));

/// A timeout in milliseconds (negative: none) as a deadline.
fn ms_deadline(ms: i32) -> Option<Instant> {
    (ms >= 0).then(|| Instant::now() + Duration::from_millis(ms as u64))
}

/// A `struct timespec *` timeout (NULL: none) as a deadline; EINVAL for a bad one.
fn ts_deadline(task: &Task, addr: u64) -> Result<Option<Instant>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let ts: libc::timespec = task.mm.read_val(addr)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    let d = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
    Ok(Some(
        Instant::now().checked_add(d).unwrap_or_else(far_future),
    ))
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 86400)
}

/// Installs a temporary signal mask for the call (ppoll, pselect, epoll_pwait), restored by
/// the run loop after any handler runs, as sigsuspend's.
fn swap_mask(task: &mut Task, addr: u64, size: u64) -> Result<(), Errno> {
    if addr == 0 {
        return Ok(());
    }
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let mask: u64 = task.mm.read_val(addr)?;
    task.signals.saved_mask = Some(task.sig.mask());
    task.sig.set_mask(mask & !UNBLOCKABLE);
    Ok(())
}

/// `struct pollfd`.
#[derive(Clone, Copy, Default)]
#[repr(C)]
struct PollFd {
    fd: i32,
    events: i16,
    revents: i16,
}

// SAFETY: integers only, no padding.
unsafe impl crate::mm::Pod for PollFd {}

fn do_poll(task: &mut Task, addr: u64, nfds: u64, deadline: Option<Instant>) -> SysResult {
    if nfds > nofile_limit(task) {
        return Err(Errno::EINVAL);
    }
    let mut fds: Vec<PollFd> = task.mm.read_vals(addr, nfds as usize)?;
    let files: Vec<Option<Arc<File>>> = {
        let table = task.fds();
        fds.iter()
            .map(|p| (p.fd >= 0).then(|| table.get(p.fd).ok()).flatten())
            .collect()
    };
    let mut ready = 0;
    // A closed fd (POLLNVAL) cannot change: only the open files' keys count.
    let keys = poll::keys_of(files.iter().flatten().map(|f| &**f));
    poll::wait_ready_on(&keys, deadline, || {
        ready = 0;
        for (p, f) in fds.iter_mut().zip(&files) {
            p.revents = 0;
            if p.fd < 0 {
                continue;
            }
            let revents = match f {
                None => POLLNVAL,
                Some(f) => f.ops.poll() & (p.events as u16 as u32 | POLLERR | POLLHUP),
            };
            p.revents = revents as u16 as i16;
            if revents != 0 {
                ready += 1;
            }
        }
        Ok(ready > 0)
    })?;
    for (i, p) in fds.iter().enumerate() {
        task.mm
            .write_val(addr + (i * std::mem::size_of::<PollFd>()) as u64, p)?;
    }
    Ok(ready)
}

pub fn sys_poll(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_poll(task, a.u64(0), a.u64(1), ms_deadline(a.int(2)))
}

pub fn sys_ppoll(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let deadline = ts_deadline(task, a.u64(2))?;
    swap_mask(task, a.u64(3), a.u64(4))?;
    match do_poll(task, a.u64(0), a.u64(1), deadline) {
        Err(Errno::ERESTARTNOHAND) => Err(Errno::EINTR),
        r => r,
    }
}

/// select's three fd sets, as bitmaps of `nfds` bits.
fn read_set(task: &Task, addr: u64, nfds: usize) -> Result<Option<Vec<u64>>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    Ok(Some(task.mm.read_vals(addr, nfds.div_ceil(64))?))
}

fn bit(set: &[u64], fd: usize) -> bool {
    set[fd / 64] & (1 << (fd % 64)) != 0
}

fn do_select(task: &mut Task, nfds: i32, addrs: [u64; 3], deadline: Option<Instant>) -> SysResult {
    let nfds = usize::try_from(nfds).map_err(|_| Errno::EINVAL)?;
    let nfds = nfds.min(nofile_limit(task).min(1 << 20) as usize);
    let sets = [
        read_set(task, addrs[0], nfds)?,
        read_set(task, addrs[1], nfds)?,
        read_set(task, addrs[2], nfds)?,
    ];
    // Every fd named in a set must be open (EBADF otherwise).
    let mut files: Vec<(usize, Arc<File>)> = Vec::new();
    {
        let table = task.fds();
        for fd in 0..nfds {
            if sets.iter().flatten().any(|s| bit(s, fd)) {
                files.push((fd, table.get(fd as i32)?));
            }
        }
    }
    let words = nfds.div_ceil(64);
    let mut out = [vec![0u64; words], vec![0u64; words], vec![0u64; words]];
    let mut count = 0u64;
    let in_set = POLLIN | libc::POLLRDNORM as u32 | libc::POLLRDBAND as u32 | POLLHUP | POLLERR;
    let out_set = POLLOUT | libc::POLLWRNORM as u32 | libc::POLLWRBAND as u32 | POLLERR;
    let keys = poll::keys_of(files.iter().map(|(_, f)| &**f));
    poll::wait_ready_on(&keys, deadline, || {
        count = 0;
        out.iter_mut().for_each(|o| o.fill(0));
        for (fd, f) in &files {
            let ev = f.ops.poll();
            for (i, mask) in [in_set, out_set, POLLPRI].into_iter().enumerate() {
                if sets[i].as_ref().is_some_and(|s| bit(s, *fd)) && ev & mask != 0 {
                    out[i][fd / 64] |= 1 << (fd % 64);
                    count += 1;
                }
            }
        }
        Ok(count > 0)
    })?;
    for (i, addr) in addrs.into_iter().enumerate() {
        if addr != 0 {
            let bytes: Vec<u8> = out[i].iter().flat_map(|w| w.to_ne_bytes()).collect();
            task.mm.write(addr, &bytes)?;
        }
    }
    Ok(count)
}

/// Writes the time left before `deadline` to a timeval (select) or timespec (pselect6).
fn write_left(
    task: &Task,
    addr: u64,
    deadline: Option<Instant>,
    timeval: bool,
) -> Result<(), Errno> {
    let (Some(d), true) = (deadline, addr != 0) else {
        return Ok(());
    };
    let left = d.saturating_duration_since(Instant::now());
    let sub = if timeval {
        i64::from(left.subsec_micros())
    } else {
        i64::from(left.subsec_nanos())
    };
    task.mm.write_val(addr, &[left.as_secs() as i64, sub])
}

pub fn sys_select(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let deadline = if a.u64(4) == 0 {
        None
    } else {
        let [sec, usec]: [i64; 2] = task.mm.read_val(a.u64(4))?;
        if sec < 0 || !(0..1_000_000).contains(&usec) {
            return Err(Errno::EINVAL);
        }
        let d = Duration::new(sec as u64, (usec * 1000) as u32);
        Some(Instant::now().checked_add(d).unwrap_or_else(far_future))
    };
    let r = do_select(task, a.int(0), [a.u64(1), a.u64(2), a.u64(3)], deadline);
    write_left(task, a.u64(4), deadline, true)?;
    r
}

pub fn sys_pselect6(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let deadline = ts_deadline(task, a.u64(4))?;
    if a.u64(5) != 0 {
        let [mask_addr, size]: [u64; 2] = task.mm.read_val(a.u64(5))?;
        swap_mask(task, mask_addr, size)?;
    }
    let r = do_select(task, a.int(0), [a.u64(1), a.u64(2), a.u64(3)], deadline);
    write_left(task, a.u64(4), deadline, false)?;
    match r {
        Err(Errno::ERESTARTNOHAND) => Err(Errno::EINTR),
        r => r,
    }
}

fn new_epoll(task: &mut Task, flags: i32) -> SysResult {
    if flags & !libc::EPOLL_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    let file = File::new(Arc::new(Epoll::default()), libc::O_RDWR as u32);
    let limit = nofile_limit(task);
    Ok(task
        .fds()
        .install(file, flags & libc::EPOLL_CLOEXEC != 0, 0, limit)? as u64)
}

pub fn sys_epoll_create(task: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.int(0) <= 0 {
        return Err(Errno::EINVAL);
    }
    new_epoll(task, 0)
}

pub fn sys_epoll_create1(task: &mut Task, a: &SyscallArgs) -> SysResult {
    new_epoll(task, a.int(0))
}

/// The epoll instance behind `epfd` (EINVAL if it is not one).
fn epoll_of(task: &Task, epfd: i32) -> Result<Arc<File>, Errno> {
    let file = task.fds().get(epfd)?;
    if file.ops.as_epoll().is_none() {
        return Err(Errno::EINVAL);
    }
    Ok(file)
}

pub fn sys_epoll_ctl(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (epfd, op, fd) = (a.int(0), a.int(1), a.int(2));
    let ep_file = epoll_of(task, epfd)?;
    let target = task.fds().get(fd)?;
    if fd == epfd {
        return Err(Errno::EINVAL);
    }
    // Regular files and directories cannot be watched (EPERM), as on Linux.
    if target.location.is_some()
        && target
            .stat()
            .is_ok_and(|st| matches!(st.st_mode & libc::S_IFMT, libc::S_IFREG | libc::S_IFDIR))
    {
        return Err(Errno::EPERM);
    }
    let (events, data) = if op == libc::EPOLL_CTL_DEL {
        (0, 0)
    } else {
        let raw: [u8; 12] = task.mm.read_val(a.u64(3))?;
        let events = u32::from_ne_bytes(raw[..4].try_into().unwrap_or_default());
        let data = u64::from_ne_bytes(raw[4..].try_into().unwrap_or_default());
        (events, data)
    };
    let known = POLLIN
        | POLLOUT
        | POLLPRI
        | POLLERR
        | POLLHUP
        | libc::EPOLLRDNORM as u32
        | libc::EPOLLRDBAND as u32
        | libc::EPOLLWRNORM as u32
        | libc::EPOLLWRBAND as u32
        | libc::EPOLLMSG as u32
        | libc::EPOLLRDHUP as u32
        | EPOLLET
        | EPOLLONESHOT
        | EPOLLEXCLUSIVE
        | EPOLLWAKEUP;
    if events & !known != 0 && op != libc::EPOLL_CTL_DEL {
        return Err(Errno::EINVAL);
    }
    if events & EPOLLEXCLUSIVE != 0
        && (events & EPOLLONESHOT != 0 || target.ops.as_epoll().is_some())
    {
        return Err(Errno::EINVAL);
    }
    let ep = ep_file.ops.as_epoll().ok_or(Errno::EINVAL)?;
    ep.ctl(op, fd, &target, events, data)?;
    Ok(0)
}

fn do_epoll_wait(
    task: &mut Task,
    epfd: i32,
    addr: u64,
    max: i32,
    deadline: Option<Instant>,
) -> SysResult {
    if max <= 0 || max as usize > i32::MAX as usize / 12 {
        return Err(Errno::EINVAL);
    }
    let file = epoll_of(task, epfd)?;
    task.mm
        .check_access(addr, max as u64 * 12, platform::Prot::WRITE)?;
    let ep = file.ops.as_epoll().ok_or(Errno::EINVAL)?;
    let mut got = Vec::new();
    loop {
        // Woken by the watched files' changes; the interest list changing (epoll_ctl from
        // another thread) ends the wait too, to wait again on the new list's keys.
        let changes = ep.changes();
        let keys = ep.keys();
        let r = poll::wait_ready_on(&keys, deadline, || {
            got = ep.collect(max as usize);
            Ok(!got.is_empty() || ep.changes() != changes)
        });
        match r {
            Err(Errno::ERESTARTNOHAND) => return Err(Errno::EINTR),
            Ok(true) if got.is_empty() => continue,
            r => {
                r?;
                break;
            }
        }
    }
    for (i, (events, data)) in got.iter().enumerate() {
        let mut raw = [0u8; 12];
        raw[..4].copy_from_slice(&events.to_ne_bytes());
        raw[4..].copy_from_slice(&data.to_ne_bytes());
        task.mm.write(addr + 12 * i as u64, &raw)?;
    }
    Ok(got.len() as u64)
}

pub fn sys_epoll_wait(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_epoll_wait(task, a.int(0), a.u64(1), a.int(2), ms_deadline(a.int(3)))
}

pub fn sys_epoll_pwait(task: &mut Task, a: &SyscallArgs) -> SysResult {
    swap_mask(task, a.u64(4), a.u64(5))?;
    do_epoll_wait(task, a.int(0), a.u64(1), a.int(2), ms_deadline(a.int(3)))
}

pub fn sys_epoll_pwait2(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let deadline = ts_deadline(task, a.u64(3))?;
    swap_mask(task, a.u64(4), a.u64(5))?;
    do_epoll_wait(task, a.int(0), a.u64(1), a.int(2), deadline)
}

fn new_eventfd(task: &mut Task, initval: u32, flags: i32) -> SysResult {
    let known = libc::EFD_CLOEXEC | libc::EFD_NONBLOCK | libc::EFD_SEMAPHORE;
    if flags & !known != 0 {
        return Err(Errno::EINVAL);
    }
    let nonblock = flags & libc::EFD_NONBLOCK != 0;
    let ops = EventFd::new(initval, flags & libc::EFD_SEMAPHORE != 0, nonblock);
    let status = libc::O_RDWR as u32 | (flags & libc::EFD_NONBLOCK) as u32;
    let file = File::new(Arc::new(ops), status);
    let limit = nofile_limit(task);
    Ok(task
        .fds()
        .install(file, flags & libc::EFD_CLOEXEC != 0, 0, limit)? as u64)
}

pub fn sys_eventfd(task: &mut Task, a: &SyscallArgs) -> SysResult {
    new_eventfd(task, a.uint(0), 0)
}

pub fn sys_eventfd2(task: &mut Task, a: &SyscallArgs) -> SysResult {
    new_eventfd(task, a.uint(0), a.int(1))
}

/// signalfd4(fd, mask, sizemask, flags): a new signalfd (fd -1), or a new mask for one.
fn do_signalfd(task: &mut Task, fd: i32, mask: u64, size: u64, flags: i32) -> SysResult {
    let known = libc::SFD_CLOEXEC | libc::SFD_NONBLOCK;
    if flags & !known != 0 {
        return Err(Errno::EINVAL);
    }
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let mask: u64 = task.mm.read_val(mask)?;
    if fd != -1 {
        let file = task.fds().get(fd)?;
        let sfd = file.ops.as_signalfd().ok_or(Errno::EINVAL)?;
        sfd.set_mask(mask);
        return Ok(fd as u64);
    }
    let nonblock = flags & libc::SFD_NONBLOCK != 0;
    let ops = SignalFd::new(mask, nonblock);
    let status = libc::O_RDWR as u32 | (flags & libc::SFD_NONBLOCK) as u32;
    let file = File::new(Arc::new(ops), status);
    let limit = nofile_limit(task);
    Ok(task
        .fds()
        .install(file, flags & libc::SFD_CLOEXEC != 0, 0, limit)? as u64)
}

pub fn sys_signalfd(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_signalfd(task, a.int(0), a.u64(1), a.u64(2), 0)
}

pub fn sys_signalfd4(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_signalfd(task, a.int(0), a.u64(1), a.u64(2), a.int(3))
}
