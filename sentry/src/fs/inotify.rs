//! inotify: events about files, made by the sandbox's own VFS operations (inotify(7)).
//!
//! Watches are keyed by the watched inode's identity (st_dev, st_ino). Every inotify instance
//! is in one sandbox-wide list; a VFS operation looks up the watches of the inodes it touched
//! (only when some watch exists at all) and queues events on the instances that want them.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use super::poll::{self, POLLIN, POLLRDNORM};
use super::{FileOps, Statfs};
use crate::errno::Errno;
use crate::mm::MemoryManager;
use crate::vfs::Dentry;

pub const IN_ACCESS: u32 = 0x1;
pub const IN_MODIFY: u32 = 0x2;
pub const IN_ATTRIB: u32 = 0x4;
pub const IN_CLOSE_WRITE: u32 = 0x8;
pub const IN_CLOSE_NOWRITE: u32 = 0x10;
pub const IN_OPEN: u32 = 0x20;
pub const IN_MOVED_FROM: u32 = 0x40;
pub const IN_MOVED_TO: u32 = 0x80;
pub const IN_CREATE: u32 = 0x100;
pub const IN_DELETE: u32 = 0x200;
pub const IN_DELETE_SELF: u32 = 0x400;
pub const IN_MOVE_SELF: u32 = 0x800;
pub const IN_ALL_EVENTS: u32 = 0xfff;
pub const IN_Q_OVERFLOW: u32 = 0x4000;
pub const IN_IGNORED: u32 = 0x8000;
pub const IN_ONLYDIR: u32 = 0x0100_0000;
pub const IN_DONT_FOLLOW: u32 = 0x0200_0000;
pub const IN_EXCL_UNLINK: u32 = 0x0400_0000;
pub const IN_MASK_CREATE: u32 = 0x1000_0000;
pub const IN_MASK_ADD: u32 = 0x2000_0000;
pub const IN_ISDIR: u32 = 0x4000_0000;
pub const IN_ONESHOT: u32 = 0x8000_0000;

/// Every bit inotify_add_watch knows (Linux's ALL_INOTIFY_BITS).
pub const ALL_INOTIFY_BITS: u32 = IN_ALL_EVENTS
    | 0x2000
    | IN_Q_OVERFLOW
    | IN_IGNORED
    | IN_ONLYDIR
    | IN_DONT_FOLLOW
    | IN_EXCL_UNLINK
    | IN_MASK_CREATE
    | IN_MASK_ADD
    | IN_ISDIR
    | IN_ONESHOT;

/// The watch flags add_watch keeps with the events.
const WATCH_FLAGS: u32 = IN_ONESHOT | IN_EXCL_UNLINK;

/// Linux's default /proc/sys/fs/inotify/max_queued_events.
pub const MAX_QUEUED_EVENTS: usize = 16384;

/// `sizeof(struct inotify_event)`: wd, mask, cookie, len.
const EVENT_SIZE: usize = 16;

/// An inode's identity: (st_dev, st_ino).
pub type Key = (u64, u64);

#[derive(Clone, PartialEq, Eq)]
struct Event {
    wd: i32,
    mask: u32,
    cookie: u32,
    name: Vec<u8>,
}

impl Event {
    /// The name's room: NUL-terminated and padded to a multiple of the record size, as Linux.
    fn name_len(&self) -> usize {
        if self.name.is_empty() {
            0
        } else {
            (self.name.len() + 1).div_ceil(EVENT_SIZE) * EVENT_SIZE
        }
    }

    fn size(&self) -> usize {
        EVENT_SIZE + self.name_len()
    }
}

struct Watch {
    key: Key,
    mask: u32,
}

#[derive(Default)]
struct State {
    watches: BTreeMap<i32, Watch>,
    next_wd: i32,
    queue: VecDeque<Event>,
    bytes: usize,
}

pub struct Inotify {
    state: Mutex<State>,
    nonblock: AtomicBool,
    generation: AtomicU64,
}

/// Every inotify instance of the sandbox.
static INSTANCES: Mutex<Vec<Weak<Inotify>>> = Mutex::new(Vec::new());
/// How many watches exist, so that VFS operations skip all of this when there are none.
static WATCHES: AtomicUsize = AtomicUsize::new(0);
/// The cookie tying an IN_MOVED_FROM to its IN_MOVED_TO.
static COOKIE: AtomicU32 = AtomicU32::new(0);

fn instances() -> MutexGuard<'static, Vec<Weak<Inotify>>> {
    INSTANCES.lock().unwrap_or_else(|e| e.into_inner())
}

impl Inotify {
    pub fn new(nonblock: bool) -> Arc<Inotify> {
        let me = Arc::new(Inotify {
            state: Mutex::new(State {
                next_wd: 1,
                ..State::default()
            }),
            nonblock: AtomicBool::new(nonblock),
            generation: AtomicU64::new(0),
        });
        let mut all = instances();
        all.retain(|w| w.strong_count() > 0);
        all.push(Arc::downgrade(&me));
        me
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// inotify_add_watch(2) on the inode `key` (whether it is a directory: `is_dir`).
    pub fn add_watch(&self, key: Key, mask: u32) -> Result<i32, Errno> {
        let mut s = self.state();
        let events = mask & (IN_ALL_EVENTS | WATCH_FLAGS);
        if let Some((&wd, w)) = s.watches.iter_mut().find(|(_, w)| w.key == key) {
            if mask & IN_MASK_CREATE != 0 {
                return Err(Errno::EEXIST);
            }
            if mask & IN_MASK_ADD != 0 {
                w.mask |= events;
            } else {
                w.mask = events;
            }
            return Ok(wd);
        }
        let wd = s.next_wd;
        s.next_wd = s.next_wd.checked_add(1).ok_or(Errno::ENOSPC)?;
        s.watches.insert(wd, Watch { key, mask: events });
        WATCHES.fetch_add(1, Ordering::SeqCst);
        Ok(wd)
    }

    /// inotify_rm_watch(2): the watch goes, with an IN_IGNORED event.
    pub fn rm_watch(&self, wd: i32) -> Result<(), Errno> {
        let mut s = self.state();
        s.watches.remove(&wd).ok_or(Errno::EINVAL)?;
        WATCHES.fetch_sub(1, Ordering::SeqCst);
        self.push(&mut s, wd, IN_IGNORED, 0, &[]);
        drop(s);
        poll::notify();
        Ok(())
    }

    /// Queues an event, merging it with an identical last one and ending in IN_Q_OVERFLOW
    /// when the queue is full (inotify(7)).
    fn push(&self, s: &mut State, wd: i32, mask: u32, cookie: u32, name: &[u8]) {
        let mut ev = Event {
            wd,
            mask,
            cookie,
            name: name.to_vec(),
        };
        if s.queue.len() >= MAX_QUEUED_EVENTS {
            ev = Event {
                wd: -1,
                mask: IN_Q_OVERFLOW,
                cookie: 0,
                name: Vec::new(),
            };
        }
        if s.queue.back() == Some(&ev) && ev.mask != IN_IGNORED {
            return;
        }
        if s.queue.len() > MAX_QUEUED_EVENTS {
            return;
        }
        s.bytes += ev.size();
        s.queue.push_back(ev);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Queues `mask` (one event bit, maybe with IN_ISDIR) for this instance's watches of
    /// `key`; true if any was queued.
    /// `unlinked`: the event is about an open file whose name was removed, which watches
    /// with IN_EXCL_UNLINK do not want.
    fn event(&self, key: Key, mask: u32, cookie: u32, name: &[u8], unlinked: bool) -> bool {
        let mut s = self.state();
        let hits: Vec<(i32, u32)> = s
            .watches
            .iter()
            .filter(|(_, w)| w.key == key && w.mask & mask & IN_ALL_EVENTS != 0)
            .filter(|(_, w)| !(unlinked && w.mask & IN_EXCL_UNLINK != 0))
            .map(|(&wd, w)| (wd, w.mask))
            .collect();
        for &(wd, wmask) in &hits {
            self.push(&mut s, wd, mask, cookie, name);
            if wmask & IN_ONESHOT != 0 {
                s.watches.remove(&wd);
                WATCHES.fetch_sub(1, Ordering::SeqCst);
                self.push(&mut s, wd, IN_IGNORED, 0, &[]);
            }
        }
        !hits.is_empty()
    }

    /// The inode `key` is gone: its watches go, each with IN_IGNORED.
    fn forget(&self, key: Key) -> bool {
        let mut s = self.state();
        let gone: Vec<i32> = s
            .watches
            .iter()
            .filter(|(_, w)| w.key == key)
            .map(|(&wd, _)| wd)
            .collect();
        for &wd in &gone {
            s.watches.remove(&wd);
            WATCHES.fetch_sub(1, Ordering::SeqCst);
            self.push(&mut s, wd, IN_IGNORED, 0, &[]);
        }
        !gone.is_empty()
    }

    fn queued_bytes(&self) -> usize {
        self.state().bytes
    }
}

impl Drop for Inotify {
    fn drop(&mut self) {
        let n = self.state().watches.len();
        WATCHES.fetch_sub(n, Ordering::SeqCst);
    }
}

/// Whether any watch exists, inotify's or dnotify's (else VFS operations need not look).
pub fn active() -> bool {
    WATCHES.load(Ordering::SeqCst) != 0 || super::dnotify::active()
}

fn each(f: impl Fn(&Inotify) -> bool) {
    let all: Vec<Arc<Inotify>> = instances().iter().filter_map(Weak::upgrade).collect();
    let mut any = false;
    for i in all {
        any |= f(&i);
    }
    if any {
        poll::notify();
    }
}

/// The identity of the inode `d` names, and whether it is a directory.
pub fn key_of(d: &Dentry) -> Option<(Key, bool)> {
    let st = d.stat().ok()?;
    Some((
        (st.st_dev, st.st_ino),
        st.st_mode & libc::S_IFMT == libc::S_IFDIR,
    ))
}

/// An event on the inode `key` itself (IN_DELETE_SELF, IN_MOVE_SELF, a link count's
/// IN_ATTRIB).
pub fn inode_event(key: Key, mask: u32) {
    if active() {
        each(|i| i.event(key, mask, 0, &[], false));
    }
}

/// An event about the entry `name` of directory `dir` (IN_CREATE, IN_DELETE, IN_MOVED_*).
pub fn child_event(dir: &Dentry, name: &[u8], mask: u32, cookie: u32) {
    if !active() {
        return;
    }
    if let Some((key, _)) = key_of(dir) {
        each(|i| i.event(key, mask, cookie, name, false));
        super::dnotify::event(key, mask);
    }
}

/// An event on the file `d` (IN_OPEN, IN_CLOSE_*, IN_MODIFY, IN_ATTRIB, IN_ACCESS): for its
/// directory's watches with its name, and for its own.
pub fn file_event(d: &Dentry, mask: u32) {
    if !active() {
        return;
    }
    let Some((key, is_dir)) = key_of(d) else {
        return;
    };
    let mask = if is_dir { mask | IN_ISDIR } else { mask };
    let unlinked = d.is_dead();
    // The directory hears first, as from Linux's fsnotify_parent; an unlinked file still
    // reports to the directory it was in, under its old name.
    if let Some((pkey, _)) = d.parent().as_deref().and_then(key_of) {
        let name = d.name();
        each(|i| i.event(pkey, mask, 0, &name, unlinked));
        super::dnotify::event(pkey, mask);
    }
    each(|i| i.event(key, mask, 0, &[], unlinked));
}

/// The inode `key` lost its last name at dentry `d`: IN_DELETE_SELF and IN_IGNORED now, or
/// when the last open file of it closes.
pub fn unlinked(d: &Dentry, key: Key) {
    if !d.delete_when_closed(key) {
        deleted(key);
    }
}

/// An open file description at `d` went (after its IN_CLOSE_* event).
pub fn closed(d: &Dentry) {
    if let Some(key) = d.open_unref() {
        deleted(key);
    }
}

/// The inode `key` is gone: IN_DELETE_SELF, then its watches go (IN_IGNORED).
pub fn deleted(key: Key) {
    if !active() {
        return;
    }
    each(|i| i.event(key, IN_DELETE_SELF, 0, &[], false));
    each(|i| i.forget(key));
}

/// A cookie for a rename's IN_MOVED_FROM/IN_MOVED_TO pair.
pub fn next_cookie() -> u32 {
    COOKIE.fetch_add(1, Ordering::SeqCst).wrapping_add(1)
}

impl FileOps for Inotify {
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        let nonblock = self.nonblock.load(Ordering::Relaxed);
        let mut out = None;
        poll::wait_ready(None, || {
            let mut s = self.state();
            let Some(first) = s.queue.front() else {
                if nonblock {
                    return Err(Errno::EAGAIN);
                }
                return Ok(false);
            };
            if first.size() > buf.len() {
                return Err(Errno::EINVAL);
            }
            let mut n = 0;
            while let Some(ev) = s.queue.front() {
                let size = ev.size();
                if n + size > buf.len() {
                    break;
                }
                let rec = &mut buf[n..n + size];
                rec.fill(0);
                rec[0..4].copy_from_slice(&ev.wd.to_ne_bytes());
                rec[4..8].copy_from_slice(&ev.mask.to_ne_bytes());
                rec[8..12].copy_from_slice(&ev.cookie.to_ne_bytes());
                rec[12..16].copy_from_slice(&(ev.name_len() as u32).to_ne_bytes());
                rec[16..16 + ev.name.len()].copy_from_slice(&ev.name);
                n += size;
                s.bytes -= size;
                s.queue.pop_front();
            }
            out = Some(n);
            Ok(true)
        })?;
        out.ok_or(Errno::EAGAIN)
    }

    fn poll(&self) -> u32 {
        if self.state().queue.is_empty() {
            0
        } else {
            POLLIN | POLLRDNORM
        }
    }

    fn poll_generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    fn ioctl(&self, mm: &MemoryManager, request: u64, arg: u64) -> Result<u64, Errno> {
        if request == libc::FIONREAD {
            let n = i32::try_from(self.queued_bytes()).unwrap_or(i32::MAX);
            mm.write_val(arg, &n)?;
            return Ok(0);
        }
        Err(Errno::ENOTTY)
    }

    fn as_inotify(&self) -> Option<&Inotify> {
        Some(self)
    }

    fn stat(&self) -> Result<libc::stat, Errno> {
        Ok(super::anon_inode_stat(1))
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(super::anon_inode_statfs())
    }

    fn set_status_flags(&self, flags: u32) {
        self.nonblock
            .store(flags & libc::O_NONBLOCK as u32 != 0, Ordering::Relaxed);
    }

    fn path(&self) -> &str {
        "anon_inode:inotify"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_queue_merge_and_read_with_padded_names() {
        let i = Inotify::new(true);
        let key = (1, 42);
        let wd = i.add_watch(key, IN_CREATE | IN_DELETE).unwrap();
        assert!(i.event(key, IN_CREATE, 0, b"a", false));
        assert!(i.event(key, IN_CREATE, 0, b"a", false));
        assert!(!i.event(key, IN_MODIFY, 0, b"a", false));
        assert!(i.event(key, IN_DELETE, 0, b"a", false));
        assert_eq!(i.queued_bytes(), 64);
        let mut small = [0u8; 20];
        assert_eq!(i.read(&mut small), Err(Errno::EINVAL));
        let mut buf = [0u8; 256];
        assert_eq!(i.read(&mut buf), Ok(64));
        assert_eq!(i32::from_ne_bytes(buf[0..4].try_into().unwrap()), wd);
        assert_eq!(u32::from_ne_bytes(buf[12..16].try_into().unwrap()), 16);
        assert_eq!(&buf[16..18], b"a\0");
        assert_eq!(i.read(&mut buf), Err(Errno::EAGAIN));
        i.rm_watch(wd).unwrap();
        assert_eq!(i.rm_watch(wd), Err(Errno::EINVAL));
        assert_eq!(i.read(&mut buf), Ok(16));
        assert_eq!(
            u32::from_ne_bytes(buf[4..8].try_into().unwrap()),
            IN_IGNORED
        );
    }

    #[test]
    fn a_full_queue_ends_in_one_overflow_event() {
        let i = Inotify::new(true);
        let key = (1, 43);
        i.add_watch(key, IN_CREATE).unwrap();
        for n in 0..MAX_QUEUED_EVENTS + 10 {
            i.event(key, IN_CREATE, 0, n.to_string().as_bytes(), false);
        }
        let s = i.state();
        assert_eq!(s.queue.len(), MAX_QUEUED_EVENTS + 1);
        assert_eq!(s.queue.back().unwrap().mask, IN_Q_OVERFLOW);
    }
}
