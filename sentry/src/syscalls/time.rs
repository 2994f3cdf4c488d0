//! Clocks and sleeping.

use std::sync::Arc;
use std::time::Duration;

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::kernel::timer::{host_process_clock, ns_ts, CpuClock, CpuOwner, CpuWhich};
use crate::kernel::Task;

/// What a clock id names (clock_gettime(2)): a host clock, or a CPU-time clock of a process
/// or thread of the sandbox.
pub(super) enum ClockId {
    Host(libc::clockid_t),
    Cpu(CpuClock),
}

/// The CPU clock a negative clock id names: Linux encodes another process's or thread's
/// clock as `(~pid << 3) | which`, with bit 2 set for a thread (clock_getcpuclockid(3)).
/// A thread's clock may be read only by its own process; pid 0 is the caller.
pub(super) fn cpu_clock_id(task: &Task, id: i32) -> Result<CpuClock, Errno> {
    let which = match id & 3 {
        0 => CpuWhich::Prof,
        1 => CpuWhich::Virt,
        2 => CpuWhich::Sched,
        _ => return Err(Errno::EINVAL),
    };
    let pid = !(id >> 3);
    let owner = if id & 4 != 0 {
        if pid == 0 || pid == task.tid {
            CpuOwner::Thread(Arc::downgrade(&task.sig))
        } else {
            let t = task
                .process
                .lock()
                .thread_signals
                .get(&pid)
                .cloned()
                .ok_or(Errno::EINVAL)?;
            CpuOwner::Thread(Arc::downgrade(&t))
        }
    } else if pid == 0 || pid == task.process.pid {
        CpuOwner::Process(Arc::downgrade(&task.process))
    } else {
        let p = task
            .kernel
            .process(pid)
            .filter(|p| p.lock().exit.is_none())
            .ok_or(Errno::EINVAL)?;
        CpuOwner::Process(Arc::downgrade(&p))
    };
    Ok(CpuClock { owner, which })
}

/// The clock `id` names; EINVAL for an unknown one.
pub(super) fn clock_id(task: &Task, id: i32) -> Result<ClockId, Errno> {
    match id {
        libc::CLOCK_REALTIME
        | libc::CLOCK_MONOTONIC
        | libc::CLOCK_MONOTONIC_RAW
        | libc::CLOCK_REALTIME_COARSE
        | libc::CLOCK_MONOTONIC_COARSE
        | libc::CLOCK_BOOTTIME
        | libc::CLOCK_REALTIME_ALARM
        | libc::CLOCK_BOOTTIME_ALARM
        | libc::CLOCK_TAI => Ok(ClockId::Host(id)),
        // The calling process's and thread's run time (CPUCLOCK_SCHED, pid 0).
        libc::CLOCK_PROCESS_CPUTIME_ID => cpu_clock_id(task, (!0 << 3) | 2).map(ClockId::Cpu),
        libc::CLOCK_THREAD_CPUTIME_ID => cpu_clock_id(task, (!0 << 3) | 4 | 2).map(ClockId::Cpu),
        id if id < 0 => cpu_clock_id(task, id).map(ClockId::Cpu),
        _ => Err(Errno::EINVAL),
    }
}

pub(super) fn now(clock: libc::clockid_t) -> Result<libc::timespec, Errno> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return Err(Errno::last_host());
    }
    Ok(ts)
}

pub fn sys_clock_gettime(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let ts = match clock_id(task, a.int(0))? {
        ClockId::Host(id) => now(id)?,
        ClockId::Cpu(c) => ns_ts(c.now().ok_or(Errno::EINVAL)?),
    };
    task.mm.write_val(a.u64(1), &ts)?;
    Ok(0)
}

pub fn sys_clock_getres(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let clock = clock_id(task, a.int(0))?;
    if a.u64(1) != 0 {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        match clock {
            // As Linux: run time is counted in nanoseconds.
            ClockId::Cpu(CpuClock {
                which: CpuWhich::Sched,
                ..
            }) => ts.tv_nsec = 1,
            // User and system time are counted in ticks: the host's tick, as its own CPU
            // clocks report it.
            ClockId::Cpu(c) => {
                let host = host_process_clock(task.host_pid(), c.which);
                // SAFETY: ts is a valid out-pointer.
                if unsafe { libc::clock_getres(host, &mut ts) } != 0 {
                    return Err(Errno::last_host());
                }
            }
            ClockId::Host(id) => {
                // SAFETY: ts is a valid out-pointer.
                if unsafe { libc::clock_getres(id, &mut ts) } != 0 {
                    return Err(Errno::last_host());
                }
            }
        }
        task.mm.write_val(a.u64(1), &ts)?;
    }
    Ok(0)
}

pub fn sys_gettimeofday(task: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.u64(0) != 0 {
        let ts = now(libc::CLOCK_REALTIME)?;
        let tv = libc::timeval {
            tv_sec: ts.tv_sec,
            tv_usec: ts.tv_nsec / 1000,
        };
        task.mm.write_val(a.u64(0), &tv)?;
    }
    if a.u64(1) != 0 {
        // struct timezone: minutes west and DST type, both zero (UTC), as Linux keeps them.
        task.mm.write_val(a.u64(1), &[0i32; 2])?;
    }
    Ok(0)
}

/// clock_settime(2): the sandbox's clocks are the host's, which it may not set, so a valid
/// request is EPERM, as for a caller without CAP_SYS_TIME; the checks before that are
/// Linux's, in its order: a clock that cannot be set (MONOTONIC, BOOTTIME, ...) EINVAL, the
/// time EFAULT or EINVAL; CPU-time clocks are EPERM (posix_cpu_clock_set).
pub fn sys_clock_settime(task: &mut Task, a: &SyscallArgs) -> SysResult {
    match clock_id(task, a.int(0))? {
        ClockId::Host(libc::CLOCK_REALTIME) => {}
        ClockId::Host(_) => return Err(Errno::EINVAL),
        ClockId::Cpu(_) => {
            let _: libc::timespec = task.mm.read_val(a.u64(1))?;
            return Err(Errno::EPERM);
        }
    }
    read_timespec(task, a.u64(1))?;
    Err(Errno::EPERM)
}

/// settimeofday(2): as clock_settime of CLOCK_REALTIME (the timezone, too, needs the
/// privilege): EFAULT, EINVAL for a bad time, else EPERM; nothing to set is 0.
pub fn sys_settimeofday(task: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.u64(0) != 0 {
        let tv: libc::timeval = task.mm.read_val(a.u64(0))?;
        if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
            return Err(Errno::EINVAL);
        }
    }
    if a.u64(1) != 0 {
        let _: [i32; 2] = task.mm.read_val(a.u64(1))?;
    }
    if a.u64(0) == 0 && a.u64(1) == 0 {
        return Ok(0);
    }
    Err(Errno::EPERM)
}

pub fn sys_time(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let secs = now(libc::CLOCK_REALTIME)?.tv_sec;
    if a.u64(0) != 0 {
        task.mm.write_val(a.u64(0), &secs)?;
    }
    Ok(secs as u64)
}

/// Reads a timespec argument: EINVAL unless 0 <= tv_nsec < 1e9 and tv_sec >= 0.
fn read_timespec(task: &Task, addr: u64) -> Result<libc::timespec, Errno> {
    let ts: libc::timespec = task.mm.read_val(addr)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(ts)
}

fn duration(ts: &libc::timespec) -> Duration {
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Sleeps for `wait`, or until a signal interrupts the task: then Err(remaining time).
fn sleep_interruptible(wait: Duration) -> Result<(), Duration> {
    let end = std::time::Instant::now() + wait;
    loop {
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        if crate::kernel::process::interrupted() {
            return Err(left);
        }
        std::thread::sleep(left.min(crate::kernel::process::INTERRUPT_POLL));
    }
}

/// An interrupted sleep: EINTR, with the time left written to `rem` (if given and `write_rem`).
fn interrupted_sleep(task: &Task, rem: u64, left: Duration, write_rem: bool) -> SysResult {
    if write_rem && rem != 0 {
        let ts = libc::timespec {
            tv_sec: left.as_secs() as i64,
            tv_nsec: i64::from(left.subsec_nanos()),
        };
        task.mm.write_val(rem, &ts)?;
    }
    Err(Errno::EINTR)
}

pub fn sys_nanosleep(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let req = read_timespec(task, a.u64(0))?;
    match sleep_interruptible(duration(&req)) {
        Ok(()) => Ok(0),
        Err(left) => interrupted_sleep(task, a.u64(1), left, true),
    }
}

pub fn sys_clock_nanosleep(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, flags) = (a.int(0), a.int(1));
    let clock = match id {
        libc::CLOCK_REALTIME | libc::CLOCK_MONOTONIC | libc::CLOCK_BOOTTIME | libc::CLOCK_TAI => id,
        libc::CLOCK_PROCESS_CPUTIME_ID => {
            crate::errno!(EINVAL, "sleeping on a CPU clock is not supported yet")
        }
        libc::CLOCK_THREAD_CPUTIME_ID => return Err(Errno::EINVAL),
        _ => return Err(Errno::EINVAL),
    };
    if flags & !libc::TIMER_ABSTIME != 0 {
        return Err(Errno::EINVAL);
    }
    let req = read_timespec(task, a.u64(2))?;
    let wait = if flags & libc::TIMER_ABSTIME != 0 {
        duration(&req).saturating_sub(duration(&now(clock)?))
    } else {
        duration(&req)
    };
    match sleep_interruptible(wait) {
        Ok(()) => Ok(0),
        Err(left) => interrupted_sleep(task, a.u64(3), left, flags & libc::TIMER_ABSTIME == 0),
    }
}
