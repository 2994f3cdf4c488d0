//! eventfd: a 64-bit counter as a file (eventfd(2)).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::poll::{self, POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use super::{FileOps, Statfs};
use crate::errno::Errno;

const MAX: u64 = u64::MAX - 1;

pub struct EventFd {
    count: Mutex<u64>,
    semaphore: bool,
    nonblock: AtomicBool,
}

impl EventFd {
    pub fn new(initval: u32, semaphore: bool, nonblock: bool) -> EventFd {
        EventFd {
            count: Mutex::new(u64::from(initval)),
            semaphore,
            nonblock: AtomicBool::new(nonblock),
        }
    }

    fn count(&self) -> std::sync::MutexGuard<'_, u64> {
        self.count.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `step` until it succeeds, waiting for changes unless non-blocking.
    fn blocking<T>(&self, mut step: impl FnMut(&mut u64) -> Option<T>) -> Result<T, Errno> {
        let mut out = None;
        let nonblock = self.nonblock.load(Ordering::Relaxed);
        poll::wait_ready_on(&[poll::key_of(self)], None, || {
            out = step(&mut self.count());
            if out.is_none() && nonblock {
                return Err(Errno::EAGAIN);
            }
            Ok(out.is_some())
        })?;
        out.ok_or(Errno::EAGAIN)
    }
}

impl FileOps for EventFd {
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let semaphore = self.semaphore;
        let v = self.blocking(|c| {
            if *c == 0 {
                return None;
            }
            let v = if semaphore { 1 } else { *c };
            *c -= v;
            Some(v)
        })?;
        poll::notify_key(poll::key_of(self));
        buf[..8].copy_from_slice(&v.to_ne_bytes());
        Ok(8)
    }

    fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        let bytes: [u8; 8] = buf
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .ok_or(Errno::EINVAL)?;
        let add = u64::from_ne_bytes(bytes);
        if add == u64::MAX {
            return Err(Errno::EINVAL);
        }
        self.blocking(|c| {
            if MAX - *c < add {
                return None;
            }
            *c += add;
            Some(())
        })?;
        poll::notify_key(poll::key_of(self));
        Ok(8)
    }

    fn poll(&self) -> u32 {
        let c = *self.count();
        let mut events = 0;
        if c > 0 {
            events |= POLLIN | POLLRDNORM;
        }
        if c < MAX {
            events |= POLLOUT | POLLWRNORM;
        }
        if c == u64::MAX {
            events |= POLLERR;
        }
        events
    }

    fn wait_key(&self) -> Option<poll::Key> {
        Some(poll::key_of(self))
    }

    fn poll_generation(&self) -> u64 {
        *self.count()
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
        "anon_inode:[eventfd]"
    }
}
