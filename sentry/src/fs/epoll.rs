//! epoll: an interest list of files, waited on together (epoll(7)). Level-triggered entries
//! report while ready; edge-triggered ones when their readiness bits or their generation
//! (a new write) changed since the last report; EPOLLONESHOT entries disable themselves after
//! one report until re-armed with EPOLL_CTL_MOD.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use super::poll::{self, POLLERR, POLLHUP, POLLIN, POLLRDNORM};
use super::{File, FileOps, Statfs};
use crate::errno::Errno;

pub const EPOLLET: u32 = libc::EPOLLET as u32;
pub const EPOLLONESHOT: u32 = libc::EPOLLONESHOT as u32;
pub const EPOLLEXCLUSIVE: u32 = libc::EPOLLEXCLUSIVE as u32;
pub const EPOLLWAKEUP: u32 = libc::EPOLLWAKEUP as u32;

struct Entry {
    file: Weak<File>,
    events: u32,
    data: u64,
    /// What was last reported, for edge triggering.
    last: u32,
    last_gen: u64,
    disabled: bool,
}

/// An epoll instance.
#[derive(Default)]
pub struct Epoll {
    /// By (fd, file description): an fd number reused for another file is a new entry.
    entries: Mutex<BTreeMap<(i32, usize), Entry>>,
    /// Bumped by every change to the interest list (the keys to wait on change with it).
    changes: std::sync::atomic::AtomicU64,
}

fn key(fd: i32, file: &Arc<File>) -> (i32, usize) {
    (fd, Arc::as_ptr(file) as *const u8 as usize)
}

impl Epoll {
    fn entries(&self) -> MutexGuard<'_, BTreeMap<(i32, usize), Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// EPOLL_CTL_ADD, _MOD and _DEL.
    pub fn ctl(
        &self,
        op: i32,
        fd: i32,
        file: &Arc<File>,
        events: u32,
        data: u64,
    ) -> Result<(), Errno> {
        let mut entries = self.entries();
        let k = key(fd, file);
        match op {
            libc::EPOLL_CTL_ADD => {
                if entries.contains_key(&k) {
                    return Err(Errno::EEXIST);
                }
                entries.insert(
                    k,
                    Entry {
                        file: Arc::downgrade(file),
                        events,
                        data,
                        last: 0,
                        last_gen: 0,
                        disabled: false,
                    },
                );
            }
            libc::EPOLL_CTL_MOD => {
                let e = entries.get_mut(&k).ok_or(Errno::ENOENT)?;
                if e.events & EPOLLEXCLUSIVE != 0 {
                    return Err(Errno::EINVAL);
                }
                e.events = events;
                e.data = data;
                e.last = 0;
                e.disabled = false;
            }
            libc::EPOLL_CTL_DEL => {
                entries.remove(&k).ok_or(Errno::ENOENT)?;
            }
            _ => return Err(Errno::EINVAL),
        }
        drop(entries);
        self.changes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        poll::notify();
        Ok(())
    }

    /// How many times the interest list changed.
    pub fn changes(&self) -> u64 {
        self.changes.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The keys of the watched files' readiness changes (see `poll::wait_ready_on`), or none
    /// (wake on every change) if some file has no key.
    pub fn keys(&self) -> Vec<poll::Key> {
        let files: Vec<Arc<File>> = self
            .entries()
            .values()
            .filter_map(|e| e.file.upgrade())
            .collect();
        poll::keys_of(files.iter().map(|f| &**f))
    }

    /// The ready entries, at most `max`, as (events, data); updates edge and one-shot state.
    pub fn collect(&self, max: usize) -> Vec<(u32, u64)> {
        let mut out = Vec::new();
        let mut entries = self.entries();
        entries.retain(|_, e| e.file.strong_count() > 0);
        for e in entries.values_mut() {
            if out.len() >= max {
                break;
            }
            if e.disabled {
                continue;
            }
            let Some(file) = e.file.upgrade() else {
                continue;
            };
            let ready = file.ops.poll() & (e.events | POLLERR | POLLHUP);
            if ready == 0 {
                e.last = 0;
                continue;
            }
            if e.events & EPOLLET != 0 {
                let generation = file.ops.poll_generation();
                let fresh = ready & !e.last != 0 || generation != e.last_gen;
                e.last = ready;
                e.last_gen = generation;
                if !fresh {
                    continue;
                }
            }
            if e.events & EPOLLONESHOT != 0 {
                e.disabled = true;
            }
            out.push((ready, e.data));
        }
        out
    }

    /// Whether any entry is ready (for an epoll fd polled itself: nested epoll).
    fn any_ready(&self) -> bool {
        self.entries().values().any(|e| {
            !e.disabled
                && e.file
                    .upgrade()
                    .is_some_and(|f| f.ops.poll() & (e.events | POLLERR | POLLHUP) != 0)
        })
    }
}

impl FileOps for Epoll {
    fn poll(&self) -> u32 {
        if self.any_ready() {
            POLLIN | POLLRDNORM
        } else {
            0
        }
    }

    fn stat(&self) -> Result<libc::stat, Errno> {
        Ok(super::anon_inode_stat(2))
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(super::anon_inode_statfs())
    }

    fn as_epoll(&self) -> Option<&Epoll> {
        Some(self)
    }

    fn path(&self) -> &str {
        "anon_inode:[eventpoll]"
    }
}
