//! signalfd: pending signals read as records instead of delivered to handlers (signalfd(2)).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::poll::{self, POLLIN, POLLRDNORM};
use super::{FileOps, Statfs};
use crate::errno::Errno;
use crate::kernel::process::{current_pending, take_current_signal};
use crate::kernel::signal::{SI_TIMER, UNBLOCKABLE};
use crate::kernel::SigInfo;

/// The size of `struct signalfd_siginfo`.
pub const SIGINFO_SIZE: usize = 128;

pub struct SignalFd {
    mask: AtomicU64,
    nonblock: AtomicBool,
}

impl SignalFd {
    pub fn new(mask: u64, nonblock: bool) -> SignalFd {
        SignalFd {
            mask: AtomicU64::new(mask & !UNBLOCKABLE),
            nonblock: AtomicBool::new(nonblock),
        }
    }

    /// signalfd(fd, mask) on an existing signalfd replaces its mask (SIGKILL and SIGSTOP are
    /// silently left out, as Linux does).
    pub fn set_mask(&self, mask: u64) {
        self.mask.store(mask & !UNBLOCKABLE, Ordering::SeqCst);
        poll::notify();
    }

    fn mask(&self) -> u64 {
        self.mask.load(Ordering::SeqCst)
    }
}

/// `struct signalfd_siginfo` as Linux's signalfd_copyinfo fills it.
fn record(info: &SigInfo) -> [u8; SIGINFO_SIZE] {
    let mut b = [0u8; SIGINFO_SIZE];
    let mut put = |off: usize, v: &[u8]| b[off..off + v.len()].copy_from_slice(v);
    put(0, &info.signo.to_ne_bytes());
    put(8, &info.code.to_ne_bytes());
    let fault = matches!(
        info.signo,
        libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE | libc::SIGTRAP
    ) && info.code > 0;
    if fault {
        put(72, &info.addr.to_ne_bytes());
    } else if let Some((band, fd)) = info.poll {
        // An F_SETSIG I/O signal: ssi_fd and ssi_band (32 bits of si_band).
        put(20, &fd.to_ne_bytes());
        put(28, &(band as u32).to_ne_bytes());
    } else if info.code == SI_TIMER {
        // ssi_tid is the timer's id, ssi_overrun its overrun count.
        put(24, &info.timer_id.to_ne_bytes());
        put(32, &info.overrun.to_ne_bytes());
        put(44, &(info.value as u32).to_ne_bytes());
        put(48, &info.value.to_ne_bytes());
    } else {
        put(12, &info.pid.to_ne_bytes());
        put(16, &info.uid.to_ne_bytes());
        if info.signo == libc::SIGCHLD {
            put(40, &info.status.to_ne_bytes());
        } else {
            put(44, &(info.value as u32).to_ne_bytes());
            put(48, &info.value.to_ne_bytes());
        }
    }
    b
}

impl FileOps for SignalFd {
    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.len() < SIGINFO_SIZE {
            return Err(Errno::EINVAL);
        }
        // The first record may wait; the rest are only those already pending.
        let mut first = None;
        let nonblock = self.nonblock.load(Ordering::Relaxed);
        poll::wait_ready(None, || {
            first = take_current_signal(self.mask());
            if first.is_none() && nonblock {
                return Err(Errno::EAGAIN);
            }
            Ok(first.is_some())
        })?;
        let mut info = first.ok_or(Errno::EAGAIN)?;
        let mut n = 0;
        loop {
            buf[n..n + SIGINFO_SIZE].copy_from_slice(&record(&info));
            n += SIGINFO_SIZE;
            if buf.len() - n < SIGINFO_SIZE {
                break;
            }
            match take_current_signal(self.mask()) {
                Some(next) => info = next,
                None => break,
            }
        }
        Ok(n)
    }

    fn poll(&self) -> u32 {
        if current_pending() & self.mask() != 0 {
            POLLIN | POLLRDNORM
        } else {
            0
        }
    }

    fn poll_generation(&self) -> u64 {
        current_pending() & self.mask()
    }

    fn as_signalfd(&self) -> Option<&SignalFd> {
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
        "anon_inode:[signalfd]"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_follow_the_signalfd_siginfo_layout() {
        let b = record(&SigInfo::sent(libc::SIGUSR1, 0, 42, 1000));
        assert_eq!(u32::from_ne_bytes(b[0..4].try_into().unwrap()), 10);
        assert_eq!(u32::from_ne_bytes(b[12..16].try_into().unwrap()), 42);
        assert_eq!(u32::from_ne_bytes(b[16..20].try_into().unwrap()), 1000);
        let f = SignalFd::new(u64::MAX, true);
        assert_eq!(f.mask() & UNBLOCKABLE, 0);
    }
}
