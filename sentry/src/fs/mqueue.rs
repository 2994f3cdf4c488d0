//! POSIX message queues (mq_overview(7)) in the sandbox's own IPC namespace: queues by name,
//! and the open file a message queue descriptor is. Messages come out highest priority first,
//! in arrival order within a priority. Blocked senders and receivers wait on the readiness
//! counter, so poll, epoll and signals work as for pipes.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use super::poll::{self, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use super::{FileOps, Statfs};
use crate::errno::Errno;
use crate::kernel::process::Process;

/// Linux's defaults, as /proc/sys/fs/mqueue shows them.
pub const MSG_DEFAULT: i64 = 10;
pub const MSG_MAX: i64 = 10;
pub const MSGSIZE_DEFAULT: i64 = 8192;
pub const MSGSIZE_MAX: i64 = 8192;
pub const QUEUES_MAX: usize = 256;
/// The limits for a caller with CAP_SYS_RESOURCE (HARD_MSGMAX, HARD_MSGSIZEMAX).
pub const HARD_MSGMAX: i64 = 65536;
pub const HARD_MSGSIZEMAX: i64 = 16 * 1024 * 1024;
/// Priorities are below MQ_PRIO_MAX.
pub const MQ_PRIO_MAX: u32 = 32768;
const MQUEUE_MAGIC: i64 = 0x1980_0202;
/// The size a queue's inode reports (Linux's FILENT_SIZE).
const STATUS_SIZE: i64 = 80;

/// What mq_notify registered: whom to tell, and how (`struct sigevent`).
#[derive(Clone)]
pub struct Notification {
    pub pid: i32,
    pub owner: Weak<Process>,
    /// SIGEV_SIGNAL, SIGEV_NONE or SIGEV_THREAD.
    pub notify: i32,
    pub signo: i32,
    pub value: u64,
    /// SIGEV_THREAD: the netlink socket the C library listens on, and the 32-byte cookie it
    /// gets back (its last byte set to NOTIFY_WOKENUP or NOTIFY_REMOVED).
    pub thread: Option<(Arc<crate::fs::File>, [u8; NOTIFY_COOKIE_LEN])>,
}

/// mq_notify's SIGEV_THREAD cookie, and the codes its last byte carries.
pub const NOTIFY_COOKIE_LEN: usize = 32;
pub const NOTIFY_WOKENUP: u8 = 1;
pub const NOTIFY_REMOVED: u8 = 2;

impl Notification {
    /// SIGEV_THREAD: posts the cookie with `code` to the C library's netlink socket.
    pub fn post_cookie(&self, code: u8) {
        if let Some((file, cookie)) = &self.thread {
            let mut c = *cookie;
            c[NOTIFY_COOKIE_LEN - 1] = code;
            if let Some(sock) = file.ops.as_socket() {
                // A full or closed socket loses the notification, as on Linux.
                let _ = sock.post(c.to_vec());
            }
        }
    }
}

impl Notification {
    /// Whether the registering process is still there (its exit closed its descriptors,
    /// which on Linux drops the registration).
    fn live(&self) -> bool {
        self.owner
            .upgrade()
            .is_some_and(|p| p.lock().exit.is_none())
    }
}

/// A queue's state.
pub struct QueueState {
    pub maxmsg: i64,
    pub msgsize: i64,
    /// Messages by priority, each priority in arrival order.
    msgs: BTreeMap<u32, VecDeque<Vec<u8>>>,
    pub curmsgs: i64,
    /// Bytes of message text queued (QSIZE).
    pub qsize: u64,
    pub notify: Option<Notification>,
    /// Callers blocked in mq_timedreceive: a message then goes to them, not to a notification.
    pub receivers: usize,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
    /// Bumped by each change, for edge-triggered epoll.
    generation: u64,
}

impl QueueState {
    /// The registration, if its process is still there.
    pub fn notification(&mut self) -> Option<&Notification> {
        if self.notify.as_ref().is_some_and(|n| !n.live()) {
            self.notify = None;
        }
        self.notify.as_ref()
    }

    pub fn is_full(&self) -> bool {
        self.curmsgs >= self.maxmsg
    }

    /// Queues a message; says whether the queue was empty before.
    pub fn push(&mut self, prio: u32, text: Vec<u8>) -> bool {
        let was_empty = self.curmsgs == 0;
        self.qsize += text.len() as u64;
        self.curmsgs += 1;
        self.generation += 1;
        self.msgs.entry(prio).or_default().push_back(text);
        was_empty
    }

    /// Takes the oldest message of the highest priority.
    pub fn pop(&mut self) -> Option<(u32, Vec<u8>)> {
        let mut entry = self.msgs.last_entry()?;
        let prio = *entry.key();
        let text = entry.get_mut().pop_front()?;
        if entry.get().is_empty() {
            entry.remove();
        }
        self.qsize -= text.len() as u64;
        self.curmsgs -= 1;
        self.generation += 1;
        Some((prio, text))
    }
}

/// One message queue; open descriptors and the namespace's name hold it.
pub struct MessageQueue {
    state: Mutex<QueueState>,
    pub ino: u64,
}

impl MessageQueue {
    pub fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The sandbox's message queues by name (without the leading slash).
#[derive(Default)]
pub struct Namespace {
    queues: Mutex<HashMap<String, Arc<MessageQueue>>>,
    next_ino: Mutex<u64>,
}

/// The attributes of a new queue.
pub struct NewQueue {
    pub maxmsg: i64,
    pub msgsize: i64,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

impl Namespace {
    pub fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<MessageQueue>>> {
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes a queue (the caller checked the name is free).
    pub fn create(
        &self,
        queues: &mut HashMap<String, Arc<MessageQueue>>,
        name: &str,
        new: NewQueue,
    ) -> Result<Arc<MessageQueue>, Errno> {
        if queues.len() >= QUEUES_MAX {
            return Err(Errno::ENOSPC);
        }
        let ino = {
            let mut n = self.next_ino.lock().unwrap_or_else(|e| e.into_inner());
            *n += 1;
            *n + 1
        };
        let q = Arc::new(MessageQueue {
            state: Mutex::new(QueueState {
                maxmsg: new.maxmsg,
                msgsize: new.msgsize,
                msgs: BTreeMap::new(),
                curmsgs: 0,
                qsize: 0,
                notify: None,
                receivers: 0,
                uid: new.uid,
                gid: new.gid,
                mode: new.mode,
                generation: 0,
            }),
            ino,
        });
        queues.insert(name.to_string(), q.clone());
        Ok(q)
    }
}

/// A message queue descriptor's open file.
pub struct MqFile {
    pub queue: Arc<MessageQueue>,
    path: String,
    /// The read position in the status text.
    pos: Mutex<u64>,
}

impl MqFile {
    pub fn new(queue: Arc<MessageQueue>, name: &str) -> MqFile {
        MqFile {
            queue,
            path: format!("/{name}"),
            pos: Mutex::new(0),
        }
    }

    /// What read(2) shows, as Linux's mqueue_read_file.
    fn status(&self) -> String {
        let mut q = self.queue.lock();
        let qsize = q.qsize;
        let (notify, signo, pid) = match q.notification() {
            Some(n) => (
                n.notify,
                if n.notify == libc::SIGEV_SIGNAL {
                    n.signo
                } else {
                    0
                },
                n.pid,
            ),
            None => (0, 0, 0),
        };
        format!("QSIZE:{qsize:<10} NOTIFY:{notify:<5} SIGNO:{signo:<5} NOTIFY_PID:{pid:<6}\n")
    }
}

impl FileOps for MqFile {
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut pos = self.pos.lock().unwrap_or_else(|e| e.into_inner());
        let n = self.pread(buf, *pos)?;
        *pos += n as u64;
        Ok(n)
    }

    fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let text = self.status();
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(text.len());
        let n = buf.len().min(text.len() - start);
        buf[..n].copy_from_slice(&text.as_bytes()[start..start + n]);
        Ok(n)
    }

    /// As Linux's default_llseek, with the inode size the status line is given (80).
    fn seek(&self, offset: i64, whence: i32) -> Result<u64, Errno> {
        let mut pos = self.pos.lock().unwrap_or_else(|e| e.into_inner());
        let base = match whence {
            libc::SEEK_SET => 0,
            libc::SEEK_CUR => *pos as i64,
            libc::SEEK_END => STATUS_SIZE,
            _ => return Err(Errno::EINVAL),
        };
        let new = base.checked_add(offset).ok_or(Errno::EINVAL)?;
        *pos = u64::try_from(new).map_err(|_| Errno::EINVAL)?;
        Ok(*pos)
    }

    fn poll(&self) -> u32 {
        let q = self.queue.lock();
        let mut events = 0;
        if q.curmsgs > 0 {
            events |= POLLIN | POLLRDNORM;
        }
        if !q.is_full() {
            events |= POLLOUT | POLLWRNORM;
        }
        events
    }

    fn poll_generation(&self) -> u64 {
        self.queue.lock().generation
    }

    fn stat(&self) -> Result<libc::stat, Errno> {
        let q = self.queue.lock();
        let mut st = crate::vfs::new_stat(
            libc::makedev(0, 19),
            self.queue.ino,
            libc::S_IFREG | q.mode,
            1,
        );
        st.st_uid = q.uid;
        st.st_gid = q.gid;
        // Linux's mqueue inodes report the size of the status line.
        st.st_size = STATUS_SIZE;
        Ok(st)
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(Statfs {
            f_type: MQUEUE_MAGIC,
            f_bsize: 4096,
            f_namelen: 255,
            ..Statfs::default()
        })
    }

    fn as_mqueue(&self) -> Option<&MqFile> {
        Some(self)
    }

    fn path(&self) -> &str {
        &self.path
    }
}

/// Wakes waiters after a change to a queue.
pub fn changed() {
    poll::notify();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue() -> QueueState {
        QueueState {
            maxmsg: 3,
            msgsize: 16,
            msgs: BTreeMap::new(),
            curmsgs: 0,
            qsize: 0,
            notify: None,
            receivers: 0,
            uid: 0,
            gid: 0,
            mode: 0o600,
            generation: 0,
        }
    }

    #[test]
    fn highest_priority_first_fifo_within_a_priority() {
        let mut q = queue();
        assert!(q.push(1, b"a".to_vec()));
        assert!(!q.push(5, b"b".to_vec()));
        q.push(1, b"c".to_vec());
        assert!(q.is_full());
        assert_eq!(q.qsize, 3);
        assert_eq!(q.pop(), Some((5, b"b".to_vec())));
        assert_eq!(q.pop(), Some((1, b"a".to_vec())));
        assert_eq!(q.pop(), Some((1, b"c".to_vec())));
        assert_eq!(q.pop(), None);
        assert_eq!((q.curmsgs, q.qsize), (0, 0));
    }
}
