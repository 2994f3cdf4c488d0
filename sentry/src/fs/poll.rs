//! Readiness: what poll, select and epoll wait on. Every file whose readiness can change
//! (pipes, eventfds, epoll sets) bumps one sandbox-wide event counter when it does; a waiter
//! reads the counter, checks its files, and sleeps until the counter moves, a signal arrives
//! (the signal's waker bumps it too), or its deadline passes. Host fds (a terminal) cannot bump
//! it, so waits also wake every INTERRUPT_POLL to look at them.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use crate::errno::Errno;
use crate::kernel::process::{interrupted, on_interrupt, INTERRUPT_POLL};

/// `POLL*` bits, as poll(2) and epoll report them.
pub const POLLIN: u32 = libc::POLLIN as u32;
pub const POLLPRI: u32 = libc::POLLPRI as u32;
pub const POLLOUT: u32 = libc::POLLOUT as u32;
pub const POLLERR: u32 = libc::POLLERR as u32;
pub const POLLHUP: u32 = libc::POLLHUP as u32;
pub const POLLNVAL: u32 = libc::POLLNVAL as u32;
pub const POLLRDNORM: u32 = libc::POLLRDNORM as u32;
pub const POLLWRNORM: u32 = libc::POLLWRNORM as u32;
pub const POLLRDHUP: u32 = libc::POLLRDHUP as u32;

/// What a file that is always ready answers (regular files, directories, most devices).
pub const ALWAYS_READY: u32 = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

struct Events {
    seq: Mutex<u64>,
    changed: Condvar,
}

static EVENTS: Events = Events {
    seq: Mutex::new(0),
    changed: Condvar::new(),
};

fn seq() -> std::sync::MutexGuard<'static, u64> {
    EVENTS.seq.lock().unwrap_or_else(|e| e.into_inner())
}

thread_local! {
    /// Open [`batch`]es on this thread, and whether a notification waits for their end.
    static BATCH: std::cell::Cell<(u32, bool)> = const { std::cell::Cell::new((0, false)) };
}

/// Some file's readiness changed: wake every waiter to look again (at the end of the
/// thread's open [`batch`], if any).
pub fn notify() {
    let deferred = BATCH.with(|b| {
        let (depth, _) = b.get();
        if depth > 0 {
            b.set((depth, true));
        }
        depth > 0
    });
    if !deferred {
        *seq() += 1;
        EVENTS.changed.notify_all();
    }
}

/// Holds this thread's notifications until the returned guard goes: one wake-up for many
/// changes, made after the caller has released the lock the changes were made under (so a
/// woken waiter does not block on it at once). Take it before the lock.
pub fn batch() -> Batch {
    BATCH.with(|b| {
        let (depth, pending) = b.get();
        b.set((depth + 1, pending));
    });
    Batch(())
}

/// See [`batch`].
pub struct Batch(());

impl Drop for Batch {
    fn drop(&mut self) {
        let fire = BATCH.with(|b| {
            let (depth, pending) = b.get();
            let depth = depth.saturating_sub(1);
            b.set((depth, pending && depth > 0));
            pending && depth == 0
        });
        if fire {
            notify();
        }
    }
}

/// The event counter now.
pub fn current() -> u64 {
    *seq()
}

/// Waits until the event counter moves past `seen` or `timeout` passes; returns it.
pub fn wait_change(seen: u64, timeout: std::time::Duration) -> u64 {
    let guard = seq();
    if *guard != seen {
        return *guard;
    }
    let (guard, _) = EVENTS
        .changed
        .wait_timeout(guard, timeout)
        .unwrap_or_else(|e| e.into_inner());
    *guard
}

/// Waits until `check` says ready (`Ok(true)`), the deadline passes (`Ok(false)`), or a
/// signal interrupts the wait (ERESTARTNOHAND).
pub fn wait_ready(
    deadline: Option<Instant>,
    mut check: impl FnMut() -> Result<bool, Errno>,
) -> Result<bool, Errno> {
    let _wake = on_interrupt(Arc::new(notify));
    loop {
        let seen = *seq();
        if check()? {
            return Ok(true);
        }
        let now = Instant::now();
        if deadline.is_some_and(|d| d <= now) {
            return Ok(false);
        }
        if interrupted() {
            return Err(Errno::ERESTARTNOHAND);
        }
        let mut wait = INTERRUPT_POLL;
        if let Some(d) = deadline {
            wait = wait.min(d - now);
        }
        let guard = seq();
        if *guard == seen {
            drop(EVENTS.changed.wait_timeout(guard, wait));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notify_wakes_a_waiter_and_deadlines_end_waits() {
        let start = Instant::now();
        let r = wait_ready(Some(start + std::time::Duration::from_millis(30)), || {
            Ok(false)
        });
        assert_eq!(r, Ok(false));
        assert!(start.elapsed() >= std::time::Duration::from_millis(30));
        let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let f2 = flag.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(10));
            f2.store(true, std::sync::atomic::Ordering::SeqCst);
            notify();
        });
        let r = wait_ready(None, || Ok(flag.load(std::sync::atomic::Ordering::SeqCst)));
        assert_eq!(r, Ok(true));
        t.join().unwrap();
    }
}
