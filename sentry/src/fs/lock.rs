//! Advisory file locks between the sandbox's processes: flock(2) whole-file locks owned by an
//! open file description, and fcntl(2) record locks owned by a process (F_SETLK) or by an open
//! file description (F_OFD_SETLK). Waiters (LOCK_EX without LOCK_NB, F_SETLKW) sleep on the
//! readiness counter, so a signal interrupts them and every release wakes them.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::poll;
use crate::errno::Errno;

/// Who holds a lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Owner {
    /// A process (classic POSIX record locks).
    Process(i32),
    /// An open file description (flock and OFD locks), by address.
    File(usize),
}

/// A lock's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Read,
    Write,
}

impl Kind {
    fn conflicts(self, other: Kind) -> bool {
        self == Kind::Write || other == Kind::Write
    }
}

/// A byte range lock; `end` is inclusive (`u64::MAX`: to the end of the file, and beyond).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub owner: Owner,
    pub kind: Kind,
    pub start: u64,
    pub end: u64,
    /// The pid F_GETLK reports (-1 for OFD locks).
    pub pid: i32,
}

impl Record {
    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.start <= end && start <= self.end
    }
}

#[derive(Default)]
struct FileLocks {
    flocks: Vec<(Owner, Kind)>,
    records: Vec<Record>,
}

/// A file's identity: (device, inode).
pub type FileKey = (u64, u64);

static LOCKS: Mutex<Option<HashMap<FileKey, FileLocks>>> = Mutex::new(None);

fn table() -> MutexGuard<'static, Option<HashMap<FileKey, FileLocks>>> {
    LOCKS.lock().unwrap_or_else(|e| e.into_inner())
}

fn with_file<T>(key: FileKey, f: impl FnOnce(&mut FileLocks) -> T) -> T {
    let mut t = table();
    let map = t.get_or_insert_with(HashMap::new);
    let locks = map.entry(key).or_default();
    let r = f(locks);
    if locks.flocks.is_empty() && locks.records.is_empty() {
        map.remove(&key);
    }
    r
}

/// Runs `attempt` until it succeeds; if `wait`, sleeps until some lock is released (or a
/// signal interrupts: ERESTARTSYS), else answers `busy`.
fn acquire(wait: bool, busy: Errno, mut attempt: impl FnMut() -> bool) -> Result<(), Errno> {
    if attempt() {
        return Ok(());
    }
    if !wait {
        return Err(busy);
    }
    match poll::wait_ready(None, || Ok(attempt())) {
        Err(Errno::ERESTARTNOHAND) => Err(Errno::ERESTARTSYS),
        r => r.map(|_| ()),
    }
}

/// flock(2): `kind` None unlocks.
pub fn flock(key: FileKey, owner: Owner, kind: Option<Kind>, wait: bool) -> Result<(), Errno> {
    let Some(kind) = kind else {
        with_file(key, |l| l.flocks.retain(|(o, _)| *o != owner));
        poll::notify();
        return Ok(());
    };
    // A conversion drops the old lock first, as Linux does (it is not atomic).
    let converting = with_file(key, |l| {
        let had = l.flocks.iter().any(|(o, _)| *o == owner);
        l.flocks.retain(|(o, _)| *o != owner);
        had
    });
    if converting {
        poll::notify();
    }
    acquire(wait, Errno::EAGAIN, || {
        with_file(key, |l| {
            if l.flocks
                .iter()
                .any(|(o, k)| *o != owner && k.conflicts(kind))
            {
                return false;
            }
            l.flocks.push((owner, kind));
            true
        })
    })
}

/// The first lock of another owner that conflicts with `want` (F_GETLK).
pub fn conflicting(key: FileKey, want: &Record) -> Option<Record> {
    let mut t = table();
    let locks = t.get_or_insert_with(HashMap::new).get(&key)?;
    locks
        .records
        .iter()
        .find(|r| {
            r.owner != want.owner && r.overlaps(want.start, want.end) && r.kind.conflicts(want.kind)
        })
        .copied()
}

/// F_SETLK/F_SETLKW (and the OFD forms): `want.kind` None-like unlock is `unlock`.
pub fn set_record(key: FileKey, want: Record, unlock: bool, wait: bool) -> Result<(), Errno> {
    if unlock {
        with_file(key, |l| {
            remove_range(&mut l.records, want.owner, want.start, want.end)
        });
        poll::notify();
        return Ok(());
    }
    acquire(wait, Errno::EAGAIN, || {
        with_file(key, |l| {
            let conflict = l.records.iter().any(|r| {
                r.owner != want.owner
                    && r.overlaps(want.start, want.end)
                    && r.kind.conflicts(want.kind)
            });
            if conflict {
                return false;
            }
            remove_range(&mut l.records, want.owner, want.start, want.end);
            l.records.push(want);
            true
        })
    })?;
    // A downgrade (write to read) may let others in.
    poll::notify();
    Ok(())
}

/// Removes `owner`'s locks in `[start, end]`, splitting those that straddle it.
fn remove_range(records: &mut Vec<Record>, owner: Owner, start: u64, end: u64) {
    let mut out = Vec::with_capacity(records.len() + 1);
    for r in records.drain(..) {
        if r.owner != owner || !r.overlaps(start, end) {
            out.push(r);
            continue;
        }
        if r.start < start {
            out.push(Record {
                end: start - 1,
                ..r
            });
        }
        if r.end > end {
            out.push(Record {
                start: end + 1,
                ..r
            });
        }
    }
    *records = out;
}

/// Releases everything `owner` holds on the file `key` (a process closed an fd of it).
pub fn release_file(key: FileKey, owner: Owner) {
    let changed = with_file(key, |l| {
        let before = l.flocks.len() + l.records.len();
        l.flocks.retain(|(o, _)| *o != owner);
        l.records.retain(|r| r.owner != owner);
        before != l.flocks.len() + l.records.len()
    });
    if changed {
        poll::notify();
    }
}

/// Releases everything `owner` holds on any file (a process ended; a file description
/// went away).
pub fn release_owner(owner: Owner) {
    let mut t = table();
    let Some(map) = t.as_mut() else {
        return;
    };
    let mut changed = false;
    map.retain(|_, l| {
        let before = l.flocks.len() + l.records.len();
        l.flocks.retain(|(o, _)| *o != owner);
        l.records.retain(|r| r.owner != owner);
        changed |= before != l.flocks.len() + l.records.len();
        !(l.flocks.is_empty() && l.records.is_empty())
    });
    drop(t);
    if changed {
        poll::notify();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_locks_split_conflict_and_release() {
        let key = (999, 1);
        let a = Owner::Process(100);
        let b = Owner::Process(200);
        let rec = |owner, kind, start, end| Record {
            owner,
            kind,
            start,
            end,
            pid: 1,
        };
        set_record(key, rec(a, Kind::Write, 0, 99), false, false).unwrap();
        assert_eq!(
            set_record(key, rec(b, Kind::Read, 50, 60), false, false),
            Err(Errno::EAGAIN)
        );
        // Unlocking the middle leaves two pieces; the hole is free for b.
        set_record(key, rec(a, Kind::Write, 40, 69), true, false).unwrap();
        set_record(key, rec(b, Kind::Read, 50, 60), false, false).unwrap();
        assert!(conflicting(key, &rec(b, Kind::Write, 40, 45)).is_none());
        assert_eq!(
            conflicting(key, &rec(b, Kind::Write, 0, 45)).map(|r| (r.start, r.end)),
            Some((0, 39))
        );
        release_owner(a);
        release_owner(b);
        assert!(conflicting(key, &rec(b, Kind::Write, 0, u64::MAX)).is_none());
    }

    #[test]
    fn flock_shared_and_exclusive() {
        let key = (999, 2);
        let (f1, f2) = (Owner::File(1), Owner::File(2));
        flock(key, f1, Some(Kind::Read), false).unwrap();
        flock(key, f2, Some(Kind::Read), false).unwrap();
        assert_eq!(flock(key, f2, Some(Kind::Write), false), Err(Errno::EAGAIN));
        flock(key, f1, None, false).unwrap();
        flock(key, f2, Some(Kind::Write), false).unwrap();
        release_file(key, f2);
    }
}
