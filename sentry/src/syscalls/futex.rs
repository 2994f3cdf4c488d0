//! futex(2) for a process of one thread: nobody else can wake a waiter, so a wait either
//! fails at once (EAGAIN), times out, or — as on Linux with no other thread — never ends.

use std::time::Duration;

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::kernel::Task;

const FUTEX_WAIT: i32 = 0;
const FUTEX_WAKE: i32 = 1;
const FUTEX_WAIT_BITSET: i32 = 9;
const FUTEX_WAKE_BITSET: i32 = 10;
const FUTEX_PRIVATE_FLAG: i32 = 128;
const FUTEX_CLOCK_REALTIME: i32 = 256;

pub fn sys_futex(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (uaddr, op, val, timeout, val3) = (a.u64(0), a.int(1), a.uint(2), a.u64(3), a.uint(5));
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if uaddr % 4 != 0 {
        return Err(Errno::EINVAL);
    }
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            if cmd == FUTEX_WAIT_BITSET && val3 == 0 {
                return Err(Errno::EINVAL);
            }
            let cur: u32 = task.mm.read_val(uaddr)?;
            if cur != val {
                return Err(Errno::EAGAIN);
            }
            if timeout == 0 {
                tracing::warn!("futex wait with no other thread to wake it: blocking forever");
                loop {
                    std::thread::park();
                }
            }
            let ts: libc::timespec = task.mm.read_val(timeout)?;
            if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
                return Err(Errno::EINVAL);
            }
            let mut wait = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
            if cmd == FUTEX_WAIT_BITSET {
                // An absolute time on CLOCK_MONOTONIC, or CLOCK_REALTIME when asked.
                let clock = if op & FUTEX_CLOCK_REALTIME != 0 {
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
            std::thread::sleep(wait);
            Err(Errno::ETIMEDOUT)
        }
        FUTEX_WAKE => Ok(0),
        FUTEX_WAKE_BITSET if val3 == 0 => Err(Errno::EINVAL),
        FUTEX_WAKE_BITSET => Ok(0),
        _ => crate::errno!(ENOSYS, "futex op {op:#x} not supported yet"),
    }
}
