//! POSIX message queue calls: mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_notify,
//! mq_getsetattr (mq_overview(7)), on the sandbox's own queues (fs/mqueue.rs). The C library
//! strips the name's leading slash; the calls check in Linux's order.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::fs::nofile_limit;
use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::fs::mqueue::{
    changed, MqFile, NewQueue, Notification, HARD_MSGMAX, HARD_MSGSIZEMAX, MQ_PRIO_MAX,
    MSGSIZE_DEFAULT, MSGSIZE_MAX, MSG_DEFAULT, MSG_MAX, NOTIFY_COOKIE_LEN, NOTIFY_REMOVED,
    NOTIFY_WOKENUP,
};
use crate::fs::File;
use crate::kernel::signal::SigInfo;
use crate::kernel::Task;

/// si_code of a message queue notification.
const SI_MESGQ: i32 = -3;
const SIGEV_SIGNAL: i32 = 0;
const SIGEV_NONE: i32 = 1;
const SIGEV_THREAD: i32 = 2;
/// CAP_SYS_RESOURCE: the hard limits instead of /proc/sys/fs/mqueue's.
const CAP_SYS_RESOURCE: u32 = 24;
/// CAP_FOWNER: may remove another user's queue.
const CAP_FOWNER: u32 = 3;
const NAME_MAX: usize = 255;
const O_NONBLOCK: i64 = libc::O_NONBLOCK as i64;

/// `struct mq_attr`: mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs and four reserved longs.
type MqAttr = [i64; 8];

/// The queue name, as Linux's lookup in the queue directory takes it: EACCES for "", ".",
/// ".." or a name with a slash, ENAMETOOLONG past NAME_MAX.
fn read_name(task: &Task, addr: u64) -> Result<String, Errno> {
    let bytes = task.mm.read_cstr(addr, super::path::PATH_MAX)?;
    if bytes.is_empty() || bytes == b"." || bytes == b".." || bytes.contains(&b'/') {
        crate::errno!(EACCES, "message queue name {bytes:?}");
    }
    if bytes.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    String::from_utf8(bytes).map_err(|_| Errno::EINVAL)
}

/// Permission on a queue, as on a file: `want` is 4 (read) and/or 2 (write).
fn may(task: &Task, uid: u32, gid: u32, mode: u32, want: u32) -> Result<(), Errno> {
    let creds = task.cred.fs();
    if creds.dac_override {
        return Ok(());
    }
    let bits = if creds.uid == uid {
        mode >> 6
    } else if creds.gid == gid || creds.groups.contains(&gid) {
        mode >> 3
    } else {
        mode
    } & 7;
    if want & !bits == 0 {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

pub fn sys_mq_open(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (oflag, mode, attr_addr) = (a.int(1), a.uint(2), a.u64(3));
    let name = read_name(task, a.u64(0))?;
    let accmode = oflag & libc::O_ACCMODE;
    let kernel = task.kernel.clone();
    let mut queues = kernel.mqueue.lock();
    let queue = match queues.get(&name) {
        Some(q) => {
            if oflag & (libc::O_CREAT | libc::O_EXCL) == libc::O_CREAT | libc::O_EXCL {
                return Err(Errno::EEXIST);
            }
            if accmode == libc::O_ACCMODE {
                return Err(Errno::EINVAL);
            }
            let want = match accmode {
                libc::O_RDONLY => 4,
                libc::O_WRONLY => 2,
                _ => 6,
            };
            {
                let s = q.lock();
                may(task, s.uid, s.gid, s.mode, want)?;
            }
            q.clone()
        }
        None => {
            if oflag & libc::O_CREAT == 0 {
                return Err(Errno::ENOENT);
            }
            if accmode == libc::O_ACCMODE {
                return Err(Errno::EINVAL);
            }
            let (maxmsg, msgsize) = if attr_addr != 0 {
                let attr: MqAttr = task.mm.read_val(attr_addr)?;
                let (maxmsg, msgsize) = (attr[1], attr[2]);
                let (max, size_max) = if task.cred.capable(CAP_SYS_RESOURCE) {
                    (HARD_MSGMAX, HARD_MSGSIZEMAX)
                } else {
                    (MSG_MAX, MSGSIZE_MAX)
                };
                if maxmsg <= 0 || msgsize <= 0 || maxmsg > max || msgsize > size_max {
                    crate::errno!(EINVAL, "mq_attr {maxmsg} messages of {msgsize}");
                }
                (maxmsg, msgsize)
            } else {
                (MSG_DEFAULT, MSGSIZE_DEFAULT)
            };
            let creds = task.cred.fs();
            let new = NewQueue {
                maxmsg,
                msgsize,
                uid: creds.uid,
                gid: creds.gid,
                mode: mode & 0o777 & !task.fs().umask,
            };
            kernel.mqueue.create(&mut queues, &name, new)?
        }
    };
    drop(queues);
    let status = (oflag & (libc::O_ACCMODE | libc::O_NONBLOCK)) as u32;
    let file = File::new(Arc::new(MqFile::new(queue, &name)), status);
    let limit = nofile_limit(task);
    // Linux makes every message queue descriptor close-on-exec, O_CLOEXEC or not.
    Ok(task.fds().install(file, true, 0, limit)? as u64)
}

pub fn sys_mq_unlink(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let name = read_name(task, a.u64(0))?;
    let mut queues = task.kernel.mqueue.lock();
    let q = queues.get(&name).ok_or(Errno::ENOENT)?;
    // Only the queue's owner removes it (Linux 6.x answers EACCES to others).
    let owner = q.lock().uid;
    if owner != task.cred.fs().uid && !task.cred.capable(CAP_FOWNER) {
        return Err(Errno::EACCES);
    }
    queues.remove(&name);
    Ok(0)
}

/// An absolute CLOCK_REALTIME timeout as a deadline; EINVAL if malformed (checked before
/// anything else, as Linux does).
fn deadline(task: &Task, addr: u64) -> Result<Option<Instant>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let ts: libc::timespec = task.mm.read_val(addr)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    let at = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Ok(Instant::now().checked_add(at.saturating_sub(now)))
}

/// The descriptor's file, if it is a message queue (EBADF otherwise).
fn mq_file(task: &Task, fd: i32) -> Result<Arc<File>, Errno> {
    let file = task.fds().get(fd)?;
    if file.ops.as_mqueue().is_none() {
        crate::errno!(EBADF, "fd {fd} is not a message queue");
    }
    Ok(file)
}

/// Interrupted waits restart for SA_RESTART handlers, as Linux's wq_sleep answers
/// ERESTARTSYS; a deadline passed is ETIMEDOUT.
fn waited(r: Result<bool, Errno>) -> Result<(), Errno> {
    match r {
        Ok(true) => Ok(()),
        Ok(false) => Err(Errno::ETIMEDOUT),
        Err(Errno::ERESTARTNOHAND) => Err(Errno::ERESTARTSYS),
        Err(e) => Err(e),
    }
}

pub fn sys_mq_timedsend(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (fd, ptr, len, prio) = (a.int(0), a.u64(1), a.u64(2), a.uint(3));
    let deadline = deadline(task, a.u64(4))?;
    if prio >= MQ_PRIO_MAX {
        return Err(Errno::EINVAL);
    }
    let file = mq_file(task, fd)?;
    let mq = file.ops.as_mqueue().ok_or(Errno::EBADF)?;
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    if len > mq.queue.lock().msgsize as u64 {
        return Err(Errno::EMSGSIZE);
    }
    let mut text = vec![0u8; len as usize];
    task.mm.read(ptr, &mut text)?;
    let nonblock = file.flags() & libc::O_NONBLOCK as u32 != 0;
    let mut msg = Some(text);
    let mut notify = None;
    let r = crate::fs::poll::wait_ready(deadline, || {
        let mut q = mq.queue.lock();
        if q.is_full() {
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            return Ok(false);
        }
        let was_empty = q.push(prio, msg.take().unwrap_or_default());
        // A message into an empty queue that no receiver waits for fires the registration
        // (once: it is then removed).
        if was_empty && q.receivers == 0 && q.notification().is_some() {
            notify = q.notify.take();
        }
        Ok(true)
    });
    waited(r)?;
    changed();
    if let Some(n) = notify {
        if let Some(owner) = n.owner.upgrade() {
            if n.notify == SIGEV_THREAD {
                n.post_cookie(NOTIFY_WOKENUP);
            } else if n.notify == SIGEV_SIGNAL && n.signo != 0 {
                let info = SigInfo {
                    value: n.value,
                    ..SigInfo::sent(n.signo, SI_MESGQ, task.process.pid, task.cred.ruid)
                };
                task.kernel.send_process(&owner, info);
            }
        }
    }
    Ok(0)
}

pub fn sys_mq_timedreceive(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (fd, ptr, len, prio_ptr) = (a.int(0), a.u64(1), a.u64(2), a.u64(3));
    let deadline = deadline(task, a.u64(4))?;
    let file = mq_file(task, fd)?;
    let mq = file.ops.as_mqueue().ok_or(Errno::EBADF)?;
    if !file.readable() {
        return Err(Errno::EBADF);
    }
    if len < mq.queue.lock().msgsize as u64 {
        return Err(Errno::EMSGSIZE);
    }
    let nonblock = file.flags() & libc::O_NONBLOCK as u32 != 0;
    let mut got = None;
    let mut counted = false;
    let r = crate::fs::poll::wait_ready(deadline, || {
        let mut q = mq.queue.lock();
        if let Some(m) = q.pop() {
            got = Some(m);
            if counted {
                q.receivers -= 1;
                counted = false;
            }
            return Ok(true);
        }
        if nonblock {
            return Err(Errno::EAGAIN);
        }
        if !counted {
            q.receivers += 1;
            counted = true;
        }
        Ok(false)
    });
    if counted {
        mq.queue.lock().receivers -= 1;
    }
    waited(r)?;
    changed();
    let (prio, text) = got.ok_or(Errno::EIO)?;
    task.mm.write(ptr, &text)?;
    if prio_ptr != 0 {
        task.mm.write_val(prio_ptr, &prio)?;
    }
    Ok(text.len() as u64)
}

pub fn sys_mq_notify(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (fd, addr) = (a.int(0), a.u64(1));
    let event = if addr != 0 {
        // struct sigevent: sigev_value at 0, sigev_signo at 8, sigev_notify at 12.
        let raw: [u8; 16] = task.mm.read_val(addr)?;
        let value = u64::from_ne_bytes(raw[0..8].try_into().map_err(|_| Errno::EFAULT)?);
        let signo = i32::from_ne_bytes(raw[8..12].try_into().map_err(|_| Errno::EFAULT)?);
        let notify = i32::from_ne_bytes(raw[12..16].try_into().map_err(|_| Errno::EFAULT)?);
        match notify {
            SIGEV_NONE => {}
            SIGEV_SIGNAL if (0..=64).contains(&signo) => {}
            SIGEV_THREAD => {}
            _ => crate::errno!(EINVAL, "sigev_notify {notify} signo {signo}"),
        }
        // SIGEV_THREAD: the C library names a netlink socket (in sigev_signo) to post the
        // 32-byte cookie at sigev_value on; its own thread then runs the function.
        let thread = if notify == SIGEV_THREAD {
            let cookie: [u8; NOTIFY_COOKIE_LEN] = task.mm.read_val(value)?;
            let sock = task.fds().get(signo)?;
            match sock.ops.as_socket() {
                None => return Err(Errno::ENOTSOCK),
                Some(s) if s.family() != libc::AF_NETLINK => return Err(Errno::EINVAL),
                Some(_) => {}
            }
            Some((sock, cookie))
        } else {
            None
        };
        Some((notify, signo, value, thread))
    } else {
        None
    };
    let file = mq_file(task, fd)?;
    let mq = file.ops.as_mqueue().ok_or(Errno::EBADF)?;
    let pid = task.process.pid;
    let mut q = mq.queue.lock();
    let current = q.notification().map(|n| n.pid);
    match event {
        None => {
            if current == Some(pid) {
                if let Some(n) = q.notify.take() {
                    n.post_cookie(NOTIFY_REMOVED);
                }
            }
        }
        Some(_) if current.is_some() => return Err(Errno::EBUSY),
        Some((notify, signo, value, thread)) => {
            q.notify = Some(Notification {
                pid,
                owner: Arc::downgrade(&task.process),
                notify,
                signo,
                value,
                thread,
            });
        }
    }
    Ok(0)
}

pub fn sys_mq_getsetattr(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (fd, new_addr, old_addr) = (a.int(0), a.u64(1), a.u64(2));
    let new = if new_addr != 0 {
        let attr: MqAttr = task.mm.read_val(new_addr)?;
        if attr[0] & !O_NONBLOCK != 0 {
            crate::errno!(EINVAL, "mq_flags {:#x}", attr[0]);
        }
        Some(attr[0])
    } else {
        None
    };
    let file = mq_file(task, fd)?;
    let mq = file.ops.as_mqueue().ok_or(Errno::EBADF)?;
    let mut old: MqAttr = [0; 8];
    {
        let q = mq.queue.lock();
        old[0] = i64::from(file.flags()) & O_NONBLOCK;
        old[1] = q.maxmsg;
        old[2] = q.msgsize;
        old[3] = q.curmsgs;
    }
    if let Some(flags) = new {
        let keep = file.flags() & !(libc::O_NONBLOCK as u32);
        file.set_flags(keep | flags as u32);
    }
    if old_addr != 0 {
        task.mm.write_val(old_addr, &old)?;
    }
    Ok(0)
}
