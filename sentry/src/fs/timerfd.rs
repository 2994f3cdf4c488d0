//! timerfd: a timer whose expirations are read from a file (timerfd_create(2)). The timer
//! thread counts them and wakes poll waiters; read takes the count.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::poll::{self, POLLIN, POLLRDNORM};
use super::{FileOps, Statfs};
use crate::errno::Errno;
use crate::kernel::timer::Timer;

pub struct TimerFd {
    pub timer: Arc<Timer>,
    nonblock: AtomicBool,
}

impl TimerFd {
    pub fn new(timer: Arc<Timer>, nonblock: bool) -> TimerFd {
        TimerFd {
            timer,
            nonblock: AtomicBool::new(nonblock),
        }
    }
}

impl Drop for TimerFd {
    fn drop(&mut self) {
        // The last close disarms it (the queue holds only a weak reference, but a periodic
        // timer would otherwise stay armed until its next expiry).
        self.timer.cancel();
    }
}

impl FileOps for TimerFd {
    /// The number of expirations since the last read (or settime), as 8 bytes; blocks while
    /// there are none, unless O_NONBLOCK (EAGAIN).
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let nonblock = self.nonblock.load(Ordering::Relaxed);
        let mut ticks = 0;
        poll::wait_ready(None, || {
            let mut st = self.timer.lock();
            ticks = std::mem::take(&mut st.ticks);
            if ticks == 0 && nonblock {
                return Err(Errno::EAGAIN);
            }
            Ok(ticks > 0)
        })
        // As Linux's wait_event_interruptible: a handler with SA_RESTART restarts the read.
        .map_err(|e| {
            if e == Errno::ERESTARTNOHAND {
                Errno::ERESTARTSYS
            } else {
                e
            }
        })?;
        buf[..8].copy_from_slice(&ticks.to_ne_bytes());
        Ok(8)
    }

    fn poll(&self) -> u32 {
        if self.timer.lock().ticks > 0 {
            POLLIN | POLLRDNORM
        } else {
            0
        }
    }

    fn poll_generation(&self) -> u64 {
        self.timer.lock().generation
    }

    fn as_timerfd(&self) -> Option<&TimerFd> {
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
        "anon_inode:[timerfd]"
    }
}
