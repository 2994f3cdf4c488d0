//! futex(2): the sandbox's futex table, keyed by the word's place in the memory file.

use std::time::{Duration, Instant};

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::kernel::Task;

const FUTEX_WAIT: i32 = 0;
const FUTEX_WAKE: i32 = 1;
const FUTEX_REQUEUE: i32 = 3;
const FUTEX_CMP_REQUEUE: i32 = 4;
const FUTEX_WAKE_OP: i32 = 5;
const FUTEX_WAIT_BITSET: i32 = 9;
const FUTEX_WAKE_BITSET: i32 = 10;
const FUTEX_LOCK_PI: i32 = 6;
const FUTEX_UNLOCK_PI: i32 = 7;
const FUTEX_TRYLOCK_PI: i32 = 8;
const FUTEX_LOCK_PI2: i32 = 13;
const FUTEX_PRIVATE_FLAG: i32 = 128;
/// The bits of a PI or robust futex word.
pub const FUTEX_WAITERS: u32 = 0x8000_0000;
pub const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
pub const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
const FUTEX_CLOCK_REALTIME: i32 = 256;
const BITSET_MATCH_ANY: u32 = u32::MAX;

/// The deadline of a futex wait: `ts` relative to now (FUTEX_WAIT), or absolute on the
/// monotonic or realtime clock (FUTEX_WAIT_BITSET).
fn deadline(
    task: &Task,
    addr: u64,
    absolute: bool,
    realtime: bool,
) -> Result<Option<Instant>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let ts: libc::timespec = task.mm.read_val(addr)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    let mut wait = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
    if absolute {
        let clock = if realtime {
            libc::CLOCK_REALTIME
        } else {
            libc::CLOCK_MONOTONIC
        };
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: now is a valid out-pointer.
        unsafe { libc::clock_gettime(clock, &mut now) };
        wait = wait.saturating_sub(Duration::new(now.tv_sec as u64, now.tv_nsec as u32));
    }
    Ok(Instant::now().checked_add(wait))
}

/// Decodes and applies FUTEX_WAKE_OP's operation to the word at `addr`; says whether the
/// comparison with its old value holds.
fn wake_op(task: &Task, addr: u64, encoded: u32) -> Result<bool, Errno> {
    let shift = encoded & (8 << 28) != 0;
    let op = (encoded >> 28) & 7;
    let cmp = (encoded >> 24) & 15;
    // 12-bit signed fields.
    let mut oparg = (((encoded >> 12) & 0xfff) as i32) << 20 >> 20;
    let cmparg = ((encoded & 0xfff) as i32) << 20 >> 20;
    if shift {
        oparg = 1i32.checked_shl(oparg as u32).unwrap_or(0);
    }
    if op > 4 || cmp > 5 {
        return Err(Errno::ENOSYS);
    }
    let old = task.mm.update_u32(addr, |v| {
        let v = v as i32;
        Some(match op {
            0 => oparg,
            1 => v.wrapping_add(oparg),
            2 => v | oparg,
            3 => v & !oparg,
            _ => v ^ oparg,
        } as u32)
    })? as i32;
    Ok(match cmp {
        0 => old == cmparg,
        1 => old != cmparg,
        2 => old < cmparg,
        3 => old <= cmparg,
        4 => old > cmparg,
        _ => old >= cmparg,
    })
}

/// FUTEX_LOCK_PI and FUTEX_TRYLOCK_PI: take the lock word for this thread (its tid), or
/// mark it contended (FUTEX_WAITERS) and sleep until its owner unlocks. The sandbox has no
/// priorities to lend, so only the protocol is kept: ownership by tid, EDEADLK for the owner,
/// ESRCH for an owner that does not exist, OWNER_DIED kept for robust mutexes.
fn lock_pi(task: &Task, uaddr: u64, deadline: Option<Instant>, try_only: bool) -> SysResult {
    let tid = task.tid as u32;
    let key = task.mm.futex_key(uaddr)?;
    let futexes = &task.kernel.futexes;
    loop {
        let queued = futexes.has_waiters(key);
        let old = task.mm.update_u32(uaddr, |w| {
            let owner = w & FUTEX_TID_MASK;
            if owner == 0 {
                let waiters = if queued { FUTEX_WAITERS } else { 0 };
                return Some(tid | waiters | (w & FUTEX_OWNER_DIED));
            }
            if owner == tid || try_only {
                return None;
            }
            Some(w | FUTEX_WAITERS)
        })?;
        let observed = old | FUTEX_WAITERS;
        let owner = old & FUTEX_TID_MASK;
        if owner == 0 {
            return Ok(0);
        }
        if owner == tid {
            return Err(Errno::EDEADLK);
        }
        if try_only {
            return Err(Errno::EAGAIN);
        }
        if old & FUTEX_OWNER_DIED == 0 && task.kernel.thread_process(owner as i32).is_none() {
            return Err(Errno::ESRCH);
        }
        let mm = task.mm.clone();
        match futexes.wait(key, u32::MAX, deadline, || {
            Ok(mm.read_val::<u32>(uaddr)? == observed)
        }) {
            // The word changed before we slept, or we were woken: try again.
            Ok(()) | Err(Errno::EAGAIN) => continue,
            Err(Errno::EINTR) => return Err(Errno::ERESTARTNOINTR),
            Err(e) => return Err(e),
        }
    }
}

/// FUTEX_UNLOCK_PI: the owner lets go; one waiter is woken to take the lock.
fn unlock_pi(task: &Task, uaddr: u64) -> SysResult {
    let tid = task.tid as u32;
    let key = task.mm.futex_key(uaddr)?;
    let old = task
        .mm
        .update_u32(uaddr, |w| (w & FUTEX_TID_MASK == tid).then_some(0))?;
    if old & FUTEX_TID_MASK != tid {
        return Err(Errno::EPERM);
    }
    task.kernel.futexes.wake(key, 1, u32::MAX);
    Ok(0)
}

pub fn sys_futex(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (uaddr, op, val, uaddr2, val3) = (a.u64(0), a.int(1), a.uint(2), a.u64(4), a.uint(5));
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    let realtime = op & FUTEX_CLOCK_REALTIME != 0;
    if realtime && !matches!(cmd, FUTEX_WAIT | FUTEX_WAIT_BITSET) {
        return Err(Errno::ENOSYS);
    }
    if uaddr % 4 != 0 {
        return Err(Errno::EINVAL);
    }
    let futexes = &task.kernel.futexes;
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if cmd == FUTEX_WAIT {
                BITSET_MATCH_ANY
            } else {
                val3
            };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            let deadline = deadline(task, a.u64(3), cmd == FUTEX_WAIT_BITSET, realtime)?;
            let key = task.mm.futex_key(uaddr)?;
            let mm = task.mm.clone();
            futexes.wait(key, bitset, deadline, || {
                Ok(mm.read_val::<u32>(uaddr)? == val)
            })?;
            Ok(0)
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if cmd == FUTEX_WAKE {
                BITSET_MATCH_ANY
            } else {
                val3
            };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            let key = task.mm.futex_key(uaddr)?;
            Ok(u64::from(futexes.wake(key, val, bitset)))
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            if uaddr2 % 4 != 0 {
                return Err(Errno::EINVAL);
            }
            let requeue = a.uint(3);
            if (val as i32) < 0 || (requeue as i32) < 0 {
                return Err(Errno::EINVAL);
            }
            let (from, to) = (task.mm.futex_key(uaddr)?, task.mm.futex_key(uaddr2)?);
            let mm = task.mm.clone();
            let n = futexes.requeue(from, to, val, requeue, || {
                Ok(cmd == FUTEX_REQUEUE || mm.read_val::<u32>(uaddr)? == val3)
            })?;
            Ok(u64::from(n))
        }
        FUTEX_WAKE_OP => {
            if uaddr2 % 4 != 0 {
                return Err(Errno::EINVAL);
            }
            let (k1, k2) = (task.mm.futex_key(uaddr)?, task.mm.futex_key(uaddr2)?);
            let n = futexes.wake_op(k1, k2, val, a.uint(3), || wake_op(task, uaddr2, val3))?;
            Ok(u64::from(n))
        }
        FUTEX_LOCK_PI | FUTEX_LOCK_PI2 => {
            // LOCK_PI's timeout is absolute on CLOCK_REALTIME; LOCK_PI2's on MONOTONIC
            // unless FUTEX_CLOCK_REALTIME.
            let rt = cmd == FUTEX_LOCK_PI || realtime;
            let deadline = deadline(task, a.u64(3), true, rt)?;
            lock_pi(task, uaddr, deadline, false)
        }
        FUTEX_TRYLOCK_PI => lock_pi(task, uaddr, None, true),
        FUTEX_UNLOCK_PI => unlock_pi(task, uaddr),
        _ => crate::errno!(ENOSYS, "futex op {op:#x} not supported yet"),
    }
}
