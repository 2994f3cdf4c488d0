//! The futex table (futex(2)): waiters keyed by the word's place in the memory file, so
//! private futexes of different processes never meet and shared mappings meet as on Linux.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use super::process::interrupted;
use crate::errno::Errno;

/// A futex word's identity, as Linux's futex keys: (the address space, the address) for a
/// word in private memory, (0, its offset in the memory file) for a word in shared memory.
pub type FutexKey = (u64, u64);

struct Waiter {
    bitset: u32,
    woken: Mutex<bool>,
    cond: Condvar,
}

/// All waiters of a sandbox.
#[derive(Default)]
pub struct FutexTable {
    waiters: Mutex<HashMap<FutexKey, Vec<Arc<Waiter>>>>,
}

impl FutexTable {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<FutexKey, Vec<Arc<Waiter>>>> {
        self.waiters.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// FUTEX_WAIT: if `check()` (the word still holds the expected value, read under the
    /// table's lock) sleep until woken, the deadline, or an interrupting signal.
    pub fn wait(
        &self,
        key: FutexKey,
        bitset: u32,
        deadline: Option<Instant>,
        check: impl FnOnce() -> Result<bool, Errno>,
    ) -> Result<(), Errno> {
        let waiter = Arc::new(Waiter {
            bitset,
            woken: Mutex::new(false),
            cond: Condvar::new(),
        });
        {
            let mut table = self.lock();
            if !check()? {
                return Err(Errno::EAGAIN);
            }
            table.entry(key).or_default().push(waiter.clone());
        }
        let w = waiter.clone();
        let _wake = super::process::on_interrupt(Arc::new(move || {
            let _guard = w.woken.lock().unwrap_or_else(|e| e.into_inner());
            w.cond.notify_all();
        }));
        let mut woken = waiter.woken.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if *woken {
                return Ok(());
            }
            let now = Instant::now();
            let outcome = if deadline.is_some_and(|d| now >= d) {
                Some(Errno::ETIMEDOUT)
            } else if interrupted() {
                Some(Errno::EINTR)
            } else {
                None
            };
            if let Some(e) = outcome {
                drop(woken);
                // Leave the queue, unless a waker took us out meanwhile (then we were woken).
                let mut table = self.lock();
                let was_queued = table.get_mut(&key).is_some_and(|q| {
                    let before = q.len();
                    q.retain(|w| !Arc::ptr_eq(w, &waiter));
                    q.len() != before
                });
                if !was_queued {
                    return Ok(());
                }
                if table.get(&key).is_some_and(|q| q.is_empty()) {
                    table.remove(&key);
                }
                return Err(e);
            }
            woken = match deadline {
                Some(d) => {
                    let wait = d.saturating_duration_since(now);
                    waiter
                        .cond
                        .wait_timeout(woken, wait)
                        .map(|(g, _)| g)
                        .unwrap_or_else(|e| e.into_inner().0)
                }
                None => waiter.cond.wait(woken).unwrap_or_else(|e| e.into_inner()),
            };
        }
    }

    /// Whether anyone waits on `key` (a PI lock taker sets FUTEX_WAITERS for them).
    pub fn has_waiters(&self, key: FutexKey) -> bool {
        self.lock().get(&key).is_some_and(|q| !q.is_empty())
    }

    /// FUTEX_WAKE: wakes up to `n` waiters on `key` whose bitset meets `bitset`.
    pub fn wake(&self, key: FutexKey, n: u32, bitset: u32) -> u32 {
        let mut table = self.lock();
        Self::wake_locked(&mut table, key, n, bitset)
    }

    fn wake_locked(
        table: &mut HashMap<FutexKey, Vec<Arc<Waiter>>>,
        key: FutexKey,
        n: u32,
        bitset: u32,
    ) -> u32 {
        let Some(queue) = table.get_mut(&key) else {
            return 0;
        };
        let mut woken = 0;
        let mut i = 0;
        while i < queue.len() && woken < n {
            if queue[i].bitset & bitset != 0 {
                let w = queue.remove(i);
                *w.woken.lock().unwrap_or_else(|e| e.into_inner()) = true;
                w.cond.notify_one();
                woken += 1;
            } else {
                i += 1;
            }
        }
        if queue.is_empty() {
            table.remove(&key);
        }
        woken
    }

    /// FUTEX_REQUEUE / FUTEX_CMP_REQUEUE: wakes up to `wake` waiters of `from` and moves up to
    /// `requeue` others to `to`, if `check()` passes (under the lock). Returns the number woken
    /// plus (for CMP_REQUEUE) requeued, as Linux counts.
    pub fn requeue(
        &self,
        from: FutexKey,
        to: FutexKey,
        wake: u32,
        requeue: u32,
        check: impl FnOnce() -> Result<bool, Errno>,
    ) -> Result<u32, Errno> {
        let mut table = self.lock();
        if !check()? {
            return Err(Errno::EAGAIN);
        }
        let woken = Self::wake_locked(&mut table, from, wake, u32::MAX);
        let moved: Vec<Arc<Waiter>> = match table.get_mut(&from) {
            Some(q) => {
                let n = (requeue as usize).min(q.len());
                q.drain(..n).collect()
            }
            None => Vec::new(),
        };
        if table.get(&from).is_some_and(|q| q.is_empty()) {
            table.remove(&from);
        }
        let count = moved.len() as u32;
        if !moved.is_empty() {
            table.entry(to).or_default().extend(moved);
        }
        Ok(woken + count)
    }

    /// FUTEX_WAKE_OP: `op()` changes the second word (under the lock) and says whether its
    /// waiters wake too.
    pub fn wake_op(
        &self,
        key1: FutexKey,
        key2: FutexKey,
        n1: u32,
        n2: u32,
        op: impl FnOnce() -> Result<bool, Errno>,
    ) -> Result<u32, Errno> {
        let mut table = self.lock();
        let cond = op()?;
        let mut woken = Self::wake_locked(&mut table, key1, n1, u32::MAX);
        if cond {
            woken += Self::wake_locked(&mut table, key2, n2, u32::MAX);
        }
        Ok(woken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_sees_changed_word_and_wake_counts() {
        let t = Arc::new(FutexTable::default());
        assert_eq!(
            t.wait((0, 1), u32::MAX, None, || Ok(false)).unwrap_err(),
            Errno::EAGAIN
        );
        assert_eq!(t.wake((0, 1), 10, u32::MAX), 0);
        let t2 = t.clone();
        let waiter = std::thread::spawn(move || t2.wait((0, 1), u32::MAX, None, || Ok(true)));
        while t.lock().get(&(0, 1)).is_none() {
            std::thread::yield_now();
        }
        assert_eq!(t.wake((0, 1), 10, u32::MAX), 1);
        waiter.join().unwrap().unwrap();
        let deadline = Some(Instant::now());
        assert_eq!(
            t.wait((0, 2), u32::MAX, deadline, || Ok(true)).unwrap_err(),
            Errno::ETIMEDOUT
        );
        assert!(t.lock().is_empty());
    }
}
