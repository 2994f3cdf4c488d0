//! Timers: alarm, the itimers (setitimer, getitimer), POSIX timers (timer_create and kin)
//! and timerfds. They run on the sandbox's timer thread (`kernel/timer.rs`).

use std::sync::Arc;

use super::fs::nofile_limit;
use super::time::{clock_id, cpu_clock_id, ClockId};
use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::fs::timerfd::TimerFd;
use crate::fs::File;
use crate::kernel::signal::{SigInfo, NSIG, SI_KERNEL, SI_TIMER};
use crate::kernel::timer::{
    ns_ts, ts_ns, Clock, CpuClock, CpuOwner, CpuWhich, Notify, Target, Timer,
};
use crate::kernel::Task;

const NSEC_PER_USEC: u64 = 1000;
const NSEC_PER_SEC: u64 = 1_000_000_000;

const SIGEV_SIGNAL: i32 = 0;
const SIGEV_NONE: i32 = 1;
const SIGEV_THREAD: i32 = 2;
const SIGEV_THREAD_ID: i32 = 4;

const TFD_TIMER_ABSTIME: i32 = 1;
const TFD_TIMER_CANCEL_ON_SET: i32 = 2;
const CAP_WAKE_ALARM: u32 = 35;

/// `struct itimerspec`.
#[derive(Clone, Copy, Default)]
#[repr(C)]
struct ItimerSpec {
    interval: libc::timespec,
    value: libc::timespec,
}

// SAFETY: four i64s, no padding.
unsafe impl crate::mm::Pod for ItimerSpec {}

/// `struct itimerval`.
#[derive(Clone, Copy, Default)]
#[repr(C)]
struct ItimerVal {
    interval: libc::timeval,
    value: libc::timeval,
}

// SAFETY: four i64s, no padding.
unsafe impl crate::mm::Pod for ItimerVal {}

fn timeval_valid(tv: &libc::timeval) -> bool {
    tv.tv_sec >= 0 && (0..1_000_000).contains(&tv.tv_usec)
}

fn timespec_valid(ts: &libc::timespec) -> bool {
    ts.tv_sec >= 0 && (0..NSEC_PER_SEC as i64).contains(&ts.tv_nsec)
}

fn tv_ns(tv: &libc::timeval) -> u64 {
    (tv.tv_sec as u64)
        .saturating_mul(NSEC_PER_SEC)
        .saturating_add(tv.tv_usec as u64 * NSEC_PER_USEC)
}

fn ns_tv(ns: u64) -> libc::timeval {
    libc::timeval {
        tv_sec: (ns / NSEC_PER_SEC) as i64,
        tv_usec: ((ns % NSEC_PER_SEC) / NSEC_PER_USEC) as i64,
    }
}

// ---------------------------------------------------------------------------------------------
// alarm and the itimers

/// The itimer `which` names (ITIMER_REAL, _VIRTUAL, _PROF), made on first use: SIGALRM on
/// the monotonic clock, SIGVTALRM on user CPU time, SIGPROF on user and system CPU time.
fn itimer(task: &Task, which: usize) -> Arc<Timer> {
    let mut timers = task.process.timers();
    let slot = &mut timers.itimers[which];
    if let Some(t) = slot {
        return t.clone();
    }
    let process = Arc::downgrade(&task.process);
    let cpu = |which| {
        Clock::Cpu(CpuClock {
            owner: CpuOwner::Process(process.clone()),
            which,
        })
    };
    let (clock, signo) = match which {
        0 => (Clock::Host(libc::CLOCK_MONOTONIC), libc::SIGALRM),
        1 => (cpu(CpuWhich::Virt), libc::SIGVTALRM),
        _ => (cpu(CpuWhich::Prof), libc::SIGPROF),
    };
    // The kernel's own signal: si_code SI_KERNEL, no sender.
    let info = SigInfo {
        signo,
        code: SI_KERNEL,
        ..SigInfo::default()
    };
    let t = Timer::new(
        &task.kernel,
        clock,
        Notify::Signal(Target::Process(process.clone()), info),
    );
    *slot = Some(t.clone());
    t
}

/// An itimer's (time left, interval) in nanoseconds, as Linux reports them: an armed timer
/// that is due reports 1 µs, never 0 (which would read as disarmed).
fn itimer_value(old: (Option<u64>, u64)) -> (u64, u64) {
    match old {
        (Some(left), interval) => (left.max(NSEC_PER_USEC), interval),
        (None, _) => (0, 0),
    }
}

/// Sets itimer `which` to fire in `value` ns (0 disarms), then every `interval` ns; returns
/// the old setting.
fn set_itimer(task: &Task, which: usize, value: u64, interval: u64) -> (u64, u64) {
    let timer = itimer(task, which);
    let at = if value == 0 {
        0
    } else {
        // A CPU clock of a process that cannot be read any more counts from 0.
        timer.clock.now().unwrap_or(0).saturating_add(value)
    };
    itimer_value(timer.set(at, interval))
}

fn itimer_which(which: i32) -> Result<usize, Errno> {
    match which {
        libc::ITIMER_REAL | libc::ITIMER_VIRTUAL | libc::ITIMER_PROF => Ok(which as usize),
        _ => crate::errno!(EINVAL, "itimer {which}"),
    }
}

/// alarm(2): SIGALRM in `seconds` (0 cancels); returns the seconds the previous alarm had
/// left, rounded to the nearest second but never 0 for a pending one (as Linux's
/// alarm_setitimer).
pub fn sys_alarm(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let seconds = u64::from(a.uint(0));
    let (left, _) = set_itimer(task, 0, seconds * NSEC_PER_SEC, 0);
    let (secs, nsecs) = (left / NSEC_PER_SEC, left % NSEC_PER_SEC);
    let round_up = (secs == 0 && nsecs != 0) || nsecs >= NSEC_PER_SEC / 2;
    Ok(secs + u64::from(round_up))
}

pub fn sys_setitimer(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let new = if a.u64(1) != 0 {
        let v: ItimerVal = task.mm.read_val(a.u64(1))?;
        if !timeval_valid(&v.value) || !timeval_valid(&v.interval) {
            return Err(Errno::EINVAL);
        }
        v
    } else {
        // A NULL new value disarms, a misfeature Linux keeps.
        ItimerVal::default()
    };
    let which = itimer_which(a.int(0))?;
    let (value, interval) = set_itimer(task, which, tv_ns(&new.value), tv_ns(&new.interval));
    if a.u64(2) != 0 {
        let old = ItimerVal {
            interval: ns_tv(interval),
            value: ns_tv(value),
        };
        task.mm.write_val(a.u64(2), &old)?;
    }
    Ok(0)
}

pub fn sys_getitimer(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let which = itimer_which(a.int(0))?;
    let timer = task.process.timers().itimers[which].clone();
    let (value, interval) = timer.map_or((0, 0), |t| itimer_value(t.get()));
    let cur = ItimerVal {
        interval: ns_tv(interval),
        value: ns_tv(value),
    };
    task.mm.write_val(a.u64(1), &cur)?;
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// POSIX timers

/// The clock a POSIX timer may count: EINVAL for an unknown one, EOPNOTSUPP for clocks
/// Linux cannot arm timers on (raw and coarse) and for the alarm clocks (no RTC to wake the
/// sandbox).
fn timer_clock(task: &Task, id: i32) -> Result<Clock, Errno> {
    match clock_id(task, id)? {
        ClockId::Host(
            libc::CLOCK_REALTIME | libc::CLOCK_MONOTONIC | libc::CLOCK_BOOTTIME | libc::CLOCK_TAI,
        ) => Ok(Clock::Host(id)),
        ClockId::Host(_) => crate::errno!(EOPNOTSUPP, "no timers on clock {id}"),
        ClockId::Cpu(c) => Ok(Clock::Cpu(c)),
    }
}

/// The `struct sigevent` fields the kernel reads (x86_64: sigev_value at 0, sigev_signo at
/// 8, sigev_notify at 12, sigev_notify_thread_id at 16; 64 bytes in all).
struct SigEvent {
    value: u64,
    signo: i32,
    notify: i32,
    tid: i32,
}

fn read_sigevent(task: &Task, addr: u64) -> Result<SigEvent, Errno> {
    let raw: [u8; 64] = task.mm.read_val(addr)?;
    let int = |o: usize| i32::from_ne_bytes([raw[o], raw[o + 1], raw[o + 2], raw[o + 3]]);
    let mut value = [0u8; 8];
    value.copy_from_slice(&raw[..8]);
    Ok(SigEvent {
        value: u64::from_ne_bytes(value),
        signo: int(8),
        notify: int(12),
        tid: int(16),
    })
}

/// What the timer's expiry does, checked as Linux's good_sigevent: EINVAL for an unknown
/// notification, a bad signal, or a target thread outside the caller's process.
fn timer_notify(task: &Task, ev: &SigEvent, id: i32) -> Result<Notify, Errno> {
    let process = Arc::downgrade(&task.process);
    let target = match ev.notify {
        SIGEV_NONE => return Ok(Notify::Nothing),
        n if n == SIGEV_SIGNAL | SIGEV_THREAD_ID => {
            let thread = task
                .process
                .lock()
                .thread_signals
                .get(&ev.tid)
                .cloned()
                .ok_or(Errno::EINVAL)?;
            Target::Thread(process, Arc::downgrade(&thread))
        }
        // SIGEV_THREAD is the C library's business; the kernel sends a signal as asked.
        SIGEV_SIGNAL | SIGEV_THREAD => Target::Process(process),
        n => crate::errno!(EINVAL, "sigev_notify {n}"),
    };
    if !(1..=NSIG as i32).contains(&ev.signo) {
        return Err(Errno::EINVAL);
    }
    let info = SigInfo {
        signo: ev.signo,
        code: SI_TIMER,
        timer_id: id,
        value: ev.value,
        ..SigInfo::default()
    };
    Ok(Notify::PosixSignal(target, info))
}

/// A fresh timer id: Linux numbers a process's timers from 0 up, skipping ids in use.
fn alloc_timer_id(task: &Task) -> Result<i32, Errno> {
    let limit = task.rlimits[libc::RLIMIT_SIGPENDING as usize].rlim_cur;
    let mut timers = task.process.timers();
    if timers.posix.len() as u64 >= limit {
        return Err(Errno::EAGAIN);
    }
    loop {
        let id = timers.next_id;
        timers.next_id = id.checked_add(1).unwrap_or(0);
        if !timers.posix.contains_key(&id) {
            return Ok(id);
        }
    }
}

pub fn sys_timer_create(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let ev = match a.u64(1) {
        0 => None,
        addr => Some(read_sigevent(task, addr)?),
    };
    let clock = timer_clock(task, a.int(0))?;
    // As Linux, the id is taken before the sigevent is checked.
    let id = alloc_timer_id(task)?;
    let notify = match &ev {
        Some(ev) => timer_notify(task, ev, id)?,
        // No sigevent: SIGALRM to the process, with the timer's id as its value.
        None => Notify::PosixSignal(
            Target::Process(Arc::downgrade(&task.process)),
            SigInfo {
                signo: libc::SIGALRM,
                code: SI_TIMER,
                timer_id: id,
                value: u64::from(id as u32),
                ..SigInfo::default()
            },
        ),
    };
    task.mm.write_val(a.u64(2), &id)?;
    let timer = Timer::new(&task.kernel, clock, notify);
    task.process.timers().posix.insert(id, timer);
    Ok(0)
}

fn posix_timer(task: &Task, id: i32) -> Result<Arc<Timer>, Errno> {
    task.process
        .timers()
        .posix
        .get(&id)
        .cloned()
        .ok_or(Errno::EINVAL)
}

/// A POSIX timer's setting as timer_gettime reports it: an armed timer that is due shows
/// 1 ns left.
fn posix_value(t: (Option<u64>, u64)) -> ItimerSpec {
    let (value, interval) = match t {
        (Some(left), interval) => (left.max(1), interval),
        (None, _) => (0, 0),
    };
    ItimerSpec {
        interval: ns_ts(interval),
        value: ns_ts(value),
    }
}

/// Arms `timer` from an itimerspec: `abs` takes it_value as a time on the timer's clock,
/// else as time from now. Returns the old setting.
fn arm(timer: &Timer, new: &ItimerSpec, abs: bool) -> (Option<u64>, u64) {
    let value = ts_ns(&new.value);
    let at = if value == 0 {
        0
    } else if abs {
        value
    } else {
        timer.clock.now().unwrap_or(0).saturating_add(value)
    };
    timer.set(at, ts_ns(&new.interval))
}

pub fn sys_timer_settime(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, flags) = (a.int(0), a.int(1));
    if a.u64(2) == 0 {
        return Err(Errno::EINVAL);
    }
    let new: ItimerSpec = task.mm.read_val(a.u64(2))?;
    if !timespec_valid(&new.interval) || !timespec_valid(&new.value) {
        return Err(Errno::EINVAL);
    }
    let timer = posix_timer(task, id)?;
    let old = arm(&timer, &new, flags & libc::TIMER_ABSTIME != 0);
    if a.u64(3) != 0 {
        task.mm.write_val(a.u64(3), &posix_value(old))?;
    }
    Ok(0)
}

pub fn sys_timer_gettime(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let timer = posix_timer(task, a.int(0))?;
    task.mm.write_val(a.u64(1), &posix_value(timer.get()))?;
    Ok(0)
}

pub fn sys_timer_getoverrun(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let timer = posix_timer(task, a.int(0))?;
    let overrun = timer.lock().overrun_last;
    Ok(overrun as u64)
}

pub fn sys_timer_delete(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let id = a.int(0);
    let timer = task
        .process
        .timers()
        .posix
        .remove(&id)
        .ok_or(Errno::EINVAL)?;
    timer.cancel();
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// timerfd

pub fn sys_timerfd_create(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, flags) = (a.int(0), a.int(1));
    if flags & !(libc::TFD_CLOEXEC | libc::TFD_NONBLOCK) != 0 {
        crate::errno!(EINVAL, "timerfd flags {flags:#x}");
    }
    let host = match id {
        libc::CLOCK_MONOTONIC | libc::CLOCK_REALTIME | libc::CLOCK_BOOTTIME => id,
        // The alarm clocks would wake a suspended machine; the sandbox never suspends, so
        // they are their plain clocks (for callers allowed to use them).
        libc::CLOCK_REALTIME_ALARM | libc::CLOCK_BOOTTIME_ALARM => {
            if !task.cred.capable(CAP_WAKE_ALARM) {
                return Err(Errno::EPERM);
            }
            if id == libc::CLOCK_REALTIME_ALARM {
                libc::CLOCK_REALTIME
            } else {
                libc::CLOCK_BOOTTIME
            }
        }
        _ => crate::errno!(EINVAL, "timerfd clock {id}"),
    };
    let timer = Timer::new(&task.kernel, Clock::Host(host), Notify::Count);
    let nonblock = flags & libc::TFD_NONBLOCK != 0;
    let status = libc::O_RDWR as u32 | (flags & libc::TFD_NONBLOCK) as u32;
    let file = File::new(Arc::new(TimerFd::new(timer, nonblock)), status);
    let limit = nofile_limit(task);
    Ok(task
        .fds()
        .install(file, flags & libc::TFD_CLOEXEC != 0, 0, limit)? as u64)
}

/// The timer of timerfd `fd`: EBADF for no file, EINVAL for a file that is not a timerfd.
fn timerfd(task: &Task, fd: i32) -> Result<Arc<Timer>, Errno> {
    let file = task.fds().get(fd)?;
    let timer = file.ops.as_timerfd().ok_or(Errno::EINVAL)?.timer.clone();
    Ok(timer)
}

/// A timerfd's setting: time left (0 once due) and interval.
fn timerfd_value(t: (Option<u64>, u64)) -> ItimerSpec {
    let (value, interval) = match t {
        (Some(left), interval) => (left, interval),
        (None, _) => (0, 0),
    };
    ItimerSpec {
        interval: ns_ts(interval),
        value: ns_ts(value),
    }
}

pub fn sys_timerfd_settime(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (fd, flags) = (a.int(0), a.int(1));
    let new: ItimerSpec = task.mm.read_val(a.u64(2))?;
    if flags & !(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) != 0
        || !timespec_valid(&new.interval)
        || !timespec_valid(&new.value)
    {
        return Err(Errno::EINVAL);
    }
    let timer = timerfd(task, fd)?;
    // TFD_TIMER_CANCEL_ON_SET: the sandbox's clocks are never set, so it never cancels.
    let old = arm(&timer, &new, flags & TFD_TIMER_ABSTIME != 0);
    if a.u64(3) != 0 {
        task.mm.write_val(a.u64(3), &timerfd_value(old))?;
    }
    Ok(0)
}

pub fn sys_timerfd_gettime(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let timer = timerfd(task, a.int(0))?;
    task.mm.write_val(a.u64(1), &timerfd_value(timer.get()))?;
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// times

/// `struct tms`, in clock ticks.
#[derive(Clone, Copy, Default)]
#[repr(C)]
struct Tms {
    utime: i64,
    stime: i64,
    cutime: i64,
    cstime: i64,
}

// SAFETY: four i64s, no padding.
unsafe impl crate::mm::Pod for Tms {}

/// times(2): the process's user and system time in clock ticks (USER_HZ, 100 a second),
/// from its stub; the return value is the host's, ticks since an arbitrary point.
/// A timeval in clock ticks (1/100 s).
fn children_ticks(t: &libc::timeval) -> i64 {
    t.tv_sec * 100 + t.tv_usec / 10_000
}

pub fn sys_times(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let ticks = |which| -> i64 {
        let clock = cpu_clock_id(task, (!0 << 3) | which as i32).ok();
        let ns = clock.and_then(|c| c.now()).unwrap_or(0);
        (ns / (NSEC_PER_SEC / 100)) as i64
    };
    let utime = ticks(CpuWhich::Virt);
    let prof = ticks(CpuWhich::Prof);
    let children = task.process.lock().children_usage;
    if a.u64(0) != 0 {
        let tms = Tms {
            utime,
            stime: (prof - utime).max(0),
            cutime: children_ticks(&children.ru_utime),
            cstime: children_ticks(&children.ru_stime),
        };
        task.mm.write_val(a.u64(0), &tms)?;
    }
    // SAFETY: the times syscall accepts a NULL buffer and then only returns the tick count.
    let now = unsafe { libc::syscall(libc::SYS_times, 0usize) };
    Ok(now as u64)
}
