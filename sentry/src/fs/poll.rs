//! Readiness: what poll, select and epoll wait on. Every file whose readiness can change
//! (pipes, eventfds, sockets, epoll sets) reports it, naming the object that changed (a
//! [`Key`]) where it can; a waiter registers the keys of the files it waits on, checks them,
//! and sleeps until one of them changes, a signal for its thread arrives, or its deadline
//! passes. A waiter on files that have no key, and a change without one, meet everybody: the
//! sandbox-wide wake-up that every change once was. Host fds (a terminal) cannot report, so
//! waits also wake every INTERRUPT_POLL to look at them.

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

/// What a readiness change is about: the address of the object that changed (a pipe, an
/// eventfd, a socket table), from [`key_of`]. Waiters that name the objects they wait on are
/// woken only by changes to those; the rest by every change.
pub type Key = usize;

/// The [`Key`] of `object`.
pub fn key_of<T: ?Sized>(object: &T) -> Key {
    object as *const T as *const () as usize
}

/// The keys to wait on for `files` (see [`wait_ready_on`]): none, so every change, if some
/// file has none.
pub fn keys_of<'a>(files: impl IntoIterator<Item = &'a super::File>) -> Vec<Key> {
    let mut keys = Vec::new();
    for f in files {
        let Some(k) = f.ops.wait_key() else {
            return Vec::new();
        };
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

/// One blocked wait: woken by changes to its keys (to anything when it has none), by a signal
/// for its thread, or by its deadline.
struct Waiter {
    /// Empty: every change.
    keys: Vec<Key>,
    /// Bumped by each wake-up.
    count: Mutex<u64>,
    woken: Condvar,
}

impl Waiter {
    fn wake(&self) {
        // Notified after the count's lock is released, for the same reason as in `fire`.
        *self.count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.woken.notify_one();
    }

    fn wants(&self, keys: &Pending) -> bool {
        match keys {
            Pending::None => false,
            Pending::All => true,
            Pending::Keys(ks) => self.keys.is_empty() || ks.iter().any(|k| self.keys.contains(k)),
        }
    }
}

/// Every wait in progress in the sandbox.
static WAITERS: Mutex<Vec<Arc<Waiter>>> = Mutex::new(Vec::new());

/// Counts every readiness change (for [`current`] and [`wait_change`]).
static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn waiters() -> std::sync::MutexGuard<'static, Vec<Arc<Waiter>>> {
    WAITERS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Changes to report.
#[derive(Clone, Debug, Default)]
enum Pending {
    #[default]
    None,
    Keys(Vec<Key>),
    All,
}

impl Pending {
    fn add(&mut self, key: Option<Key>) {
        match (key, &mut *self) {
            (_, Pending::All) => {}
            (None, _) => *self = Pending::All,
            (Some(k), Pending::None) => *self = Pending::Keys(vec![k]),
            (Some(k), Pending::Keys(ks)) => {
                if !ks.contains(&k) {
                    ks.push(k);
                }
            }
        }
    }
}

thread_local! {
    /// Open [`batch`]es on this thread, and the changes that wait for their end.
    static BATCH: std::cell::RefCell<(u32, Pending)> =
        const { std::cell::RefCell::new((0, Pending::None)) };
    /// The key [`notify_scoped`] reports under (see [`batch_keyed`]).
    static SCOPE: std::cell::Cell<Option<Key>> = const { std::cell::Cell::new(None) };
}

/// Some file's readiness changed: wake every waiter to look again (at the end of the
/// thread's open [`batch`], if any). Prefer [`notify_key`] where the object is known.
pub fn notify() {
    report(None);
}

/// The readiness of the object with `key` changed: wake the waits on it, and those that wait
/// on anything (at the end of the thread's open [`batch`], if any).
pub fn notify_key(key: Key) {
    report(Some(key));
}

/// A change to the object of the innermost [`batch_keyed`] open on this thread; to anything
/// outside one. For code that runs under a whole family's lock (a socket table) and does not
/// know the family's key itself.
pub fn notify_scoped() {
    report(SCOPE.with(|s| s.get()));
}

fn report(key: Option<Key>) {
    let now = BATCH.with(|b| {
        let mut b = b.borrow_mut();
        if b.0 > 0 {
            b.1.add(key);
            None
        } else {
            let mut p = Pending::None;
            p.add(key);
            Some(p)
        }
    });
    if let Some(p) = now {
        fire(&p);
    }
}

fn fire(changes: &Pending) {
    SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    // Woken after the list's lock is released: a woken waiter runs at once on this CPU, and
    // would block on the lock to deregister.
    let woken: Vec<Arc<Waiter>> = waiters()
        .iter()
        .filter(|w| w.wants(changes))
        .cloned()
        .collect();
    for w in woken {
        w.wake();
    }
}

/// Holds this thread's notifications until the returned guard goes: one wake-up for many
/// changes, made after the caller has released the lock the changes were made under (so a
/// woken waiter does not block on it at once). Take it before the lock.
pub fn batch() -> Batch {
    let outer = SCOPE.with(|s| s.get());
    BATCH.with(|b| b.borrow_mut().0 += 1);
    Batch(outer)
}

/// A [`batch`] in which [`notify_scoped`] reports changes to `key`.
pub fn batch_keyed(key: Key) -> Batch {
    let outer = SCOPE.with(|s| s.replace(Some(key)));
    BATCH.with(|b| b.borrow_mut().0 += 1);
    Batch(outer)
}

/// See [`batch`]; holds the scope to go back to (see [`batch_keyed`]).
pub struct Batch(Option<Key>);

impl Drop for Batch {
    fn drop(&mut self) {
        SCOPE.with(|s| s.set(self.0));
        let fire_now = BATCH.with(|b| {
            let mut b = b.borrow_mut();
            b.0 = b.0.saturating_sub(1);
            if b.0 == 0 {
                std::mem::take(&mut b.1)
            } else {
                Pending::None
            }
        });
        if !matches!(fire_now, Pending::None) {
            fire(&fire_now);
        }
    }
}

/// The event counter now.
pub fn current() -> u64 {
    SEQ.load(std::sync::atomic::Ordering::SeqCst)
}

/// A registered wait; deregistered when dropped.
struct Registration(Arc<Waiter>);

impl Registration {
    fn new(keys: Vec<Key>) -> Registration {
        let w = Arc::new(Waiter {
            keys,
            count: Mutex::new(0),
            woken: Condvar::new(),
        });
        waiters().push(w.clone());
        Registration(w)
    }

    fn count(&self) -> u64 {
        *self.0.count.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sleeps until woken after `seen` or `timeout` passes.
    fn sleep(&self, seen: u64, timeout: std::time::Duration) {
        let guard = self.0.count.lock().unwrap_or_else(|e| e.into_inner());
        if *guard == seen {
            drop(self.0.woken.wait_timeout(guard, timeout));
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut all = waiters();
        if let Some(at) = all.iter().position(|w| Arc::ptr_eq(w, &self.0)) {
            all.swap_remove(at);
        }
    }
}

/// Waits until the event counter moves past `seen` or `timeout` passes; returns it.
pub fn wait_change(seen: u64, timeout: std::time::Duration) -> u64 {
    let reg = Registration::new(Vec::new());
    let before = reg.count();
    if current() == seen {
        reg.sleep(before, timeout);
    }
    current()
}

/// Waits until `check` says ready (`Ok(true)`), the deadline passes (`Ok(false)`), or a
/// signal interrupts the wait (ERESTARTNOHAND). Woken by every readiness change.
pub fn wait_ready(
    deadline: Option<Instant>,
    check: impl FnMut() -> Result<bool, Errno>,
) -> Result<bool, Errno> {
    wait_ready_on(&[], deadline, check)
}

/// As [`wait_ready`], woken only by changes to `keys` (and signals); no keys: by every
/// change. Every object whose readiness `check` reads must be among `keys`.
pub fn wait_ready_on(
    keys: &[Key],
    deadline: Option<Instant>,
    mut check: impl FnMut() -> Result<bool, Errno>,
) -> Result<bool, Errno> {
    let reg = Registration::new(keys.to_vec());
    let me = reg.0.clone();
    let _wake = on_interrupt(Arc::new(move || me.wake()));
    loop {
        let seen = reg.count();
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
        reg.sleep(seen, wait);
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

    /// A wait on some keys hears changes to those, not the others'.
    #[test]
    fn keyed_waits_hear_only_their_objects() {
        use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
        let (mine, other) = (1usize << 40, 2usize << 40);
        let checks = Arc::new(AtomicU32::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let (c, d) = (checks.clone(), done.clone());
        let t = std::thread::spawn(move || {
            wait_ready_on(&[mine], None, || {
                c.fetch_add(1, Ordering::SeqCst);
                Ok(d.load(Ordering::SeqCst))
            })
        });
        while checks.load(Ordering::SeqCst) == 0 {
            std::thread::yield_now();
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
        let before = checks.load(Ordering::SeqCst);
        for _ in 0..200 {
            notify_key(other);
        }
        // Only the wait's own periodic look (every INTERRUPT_POLL) may have run meanwhile.
        let after = checks.load(Ordering::SeqCst);
        assert!(
            after - before <= 2,
            "woken {} times by others' changes",
            after - before
        );
        done.store(true, Ordering::SeqCst);
        notify_key(mine);
        assert_eq!(t.join().unwrap(), Ok(true));
    }
}
