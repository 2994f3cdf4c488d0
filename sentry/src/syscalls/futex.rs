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
const FUTEX_PRIVATE_FLAG: i32 = 128;
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
        _ => crate::errno!(ENOSYS, "futex op {op:#x} not supported yet"),
    }
}
