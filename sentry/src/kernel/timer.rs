//! Timers: the sandbox's timer thread, and the timers it fires (itimers and alarm, POSIX
//! timers, timerfds).
//!
//! One [`TimerQueue`] per sandbox: a heap of deadlines served by one thread that sleeps on a
//! condition variable until the earliest one, then calls its target. A [`Timer`] keeps its
//! own schedule in nanoseconds of its clock and arms the queue for its next expiry; on each
//! expiry it re-arms itself if it has an interval (counting the periods it was late for as
//! extra expirations, as Linux's `hrtimer_forward` does), then notifies: a signal (process- or
//! thread-directed), or a bump of the count a timerfd reads.
//!
//! CPU-time clocks (ITIMER_VIRTUAL, ITIMER_PROF, POSIX timers on CLOCK_*_CPUTIME_ID) cannot
//! be told "wake me at CPU time T": the app runs in a host process whose CPU time only the
//! host kernel accounts. A CPU timer therefore samples its clock every [`CPU_SAMPLE`] (or
//! sooner, when less CPU time is left) and fires at the first sample past its deadline, so
//! it fires up to 10 ms late.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use super::process::Process;
use super::signal::{SigInfo, ThreadSignals};
use super::Kernel;

/// How often a timer on a CPU-time clock looks at the clock.
pub const CPU_SAMPLE: Duration = Duration::from_millis(10);

const NSEC_PER_SEC: u64 = 1_000_000_000;

/// Something the timer thread calls when a deadline it was armed with passes.
pub trait Expire: Send + Sync {
    /// The deadline armed as `token` passed. Called on the timer thread, with no lock of the
    /// queue held, so it may arm the queue again.
    fn expire(&self, token: u64);
}

struct QueueState {
    /// Deadlines by time; entries whose token is no longer in `targets` are stale.
    heap: BinaryHeap<Reverse<(Instant, u64)>>,
    targets: HashMap<u64, (Instant, Weak<dyn Expire>)>,
    next_token: u64,
    started: bool,
    stop: bool,
}

struct QueueInner {
    state: Mutex<QueueState>,
    changed: Condvar,
}

impl QueueInner {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The sandbox's timer thread and its deadlines. The thread starts with the first deadline
/// and stops when the queue is dropped.
pub struct TimerQueue {
    inner: Arc<QueueInner>,
}

impl Default for TimerQueue {
    fn default() -> Self {
        TimerQueue {
            inner: Arc::new(QueueInner {
                state: Mutex::new(QueueState {
                    heap: BinaryHeap::new(),
                    targets: HashMap::new(),
                    next_token: 1,
                    started: false,
                    stop: false,
                }),
                changed: Condvar::new(),
            }),
        }
    }
}

impl TimerQueue {
    /// Calls `target.expire(token)` at `at` (at once if `at` has passed); returns the token,
    /// which [`TimerQueue::cancel`] takes.
    pub fn arm(&self, at: Instant, target: Weak<dyn Expire>) -> u64 {
        arm(&self.inner, at, target)
    }

    /// Forgets the deadline armed as `token`, if it has not fired yet.
    pub fn cancel(&self, token: u64) {
        self.inner.lock().targets.remove(&token);
    }
}

fn arm(inner: &Arc<QueueInner>, at: Instant, target: Weak<dyn Expire>) -> u64 {
    let mut st = inner.lock();
    let token = st.next_token;
    st.next_token += 1;
    st.targets.insert(token, (at, target));
    st.heap.push(Reverse((at, token)));
    // Cancelled entries stay in the heap until their time; keep them from piling up when a
    // timer is re-armed far ahead again and again.
    if st.heap.len() > 2 * st.targets.len() + 64 {
        let live: BinaryHeap<_> = st
            .targets
            .iter()
            .map(|(&t, &(at, _))| Reverse((at, t)))
            .collect();
        st.heap = live;
    }
    if !st.started {
        st.started = true;
        let inner = inner.clone();
        let spawned = std::thread::Builder::new()
            .name("timers".into())
            .spawn(move || run(&inner));
        if let Err(e) = spawned {
            tracing::error!("cannot start the timer thread: {e}");
            st.started = false;
        }
    }
    drop(st);
    inner.changed.notify_one();
    token
}

impl Drop for TimerQueue {
    fn drop(&mut self) {
        self.inner.lock().stop = true;
        self.inner.changed.notify_one();
    }
}

/// The timer thread: sleeps until the earliest live deadline and fires it.
fn run(inner: &QueueInner) {
    let mut st = inner.lock();
    loop {
        if st.stop {
            return;
        }
        let Some(&Reverse((at, token))) = st.heap.peek() else {
            st = inner.changed.wait(st).unwrap_or_else(|e| e.into_inner());
            continue;
        };
        if st.targets.get(&token).is_none_or(|&(when, _)| when != at) {
            st.heap.pop();
            continue;
        }
        let now = Instant::now();
        if at > now {
            st = inner
                .changed
                .wait_timeout(st, at - now)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
            continue;
        }
        st.heap.pop();
        let target = st.targets.remove(&token).and_then(|(_, t)| t.upgrade());
        drop(st);
        if let Some(t) = target {
            t.expire(token);
        }
        st = inner.lock();
    }
}

/// Which CPU time a CPU clock counts (Linux's CPUCLOCK_PROF, _VIRT, _SCHED).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuWhich {
    /// User and system time (ITIMER_PROF).
    Prof = 0,
    /// User time (ITIMER_VIRTUAL).
    Virt = 1,
    /// Scheduler run time, in nanoseconds (CLOCK_PROCESS_CPUTIME_ID).
    Sched = 2,
}

/// Whose CPU time a CPU clock counts.
#[derive(Clone)]
pub enum CpuOwner {
    /// A process: its stub's (looked up at each reading, so it follows execve's new stub).
    Process(Weak<Process>),
    /// One thread: its stub thread's.
    Thread(Weak<ThreadSignals>),
}

/// A CPU-time clock of a process or thread of the sandbox.
#[derive(Clone)]
pub struct CpuClock {
    pub owner: CpuOwner,
    pub which: CpuWhich,
}

impl CpuClock {
    /// The clock's reading in nanoseconds; None once its process or thread is gone.
    pub fn now(&self) -> Option<u64> {
        match &self.owner {
            CpuOwner::Process(p) => {
                let process = p.upgrade()?;
                let host_pid = {
                    let s = process.lock();
                    if s.exit.is_some() {
                        return None;
                    }
                    s.host_pid
                };
                host_process_cputime(host_pid, self.which)
            }
            CpuOwner::Thread(t) => {
                let (pid, tid) = t
                    .upgrade()?
                    .kicker
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .host_ids();
                host_thread_cputime(pid, tid, self.which)
            }
        }
    }
}

/// Linux's clock id for another process's CPU clock: (~pid << 3) | which.
pub fn host_process_clock(host_pid: i32, which: CpuWhich) -> libc::clockid_t {
    (!host_pid << 3) | which as i32
}

/// A stub process's CPU time, from the host's clock of that process (our child).
pub fn host_process_cputime(host_pid: i32, which: CpuWhich) -> Option<u64> {
    if host_pid <= 0 {
        return None;
    }
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer.
    let r = unsafe { libc::clock_gettime(host_process_clock(host_pid, which), &mut ts) };
    (r == 0).then(|| ts.tv_sec as u64 * NSEC_PER_SEC + ts.tv_nsec as u64)
}

/// A stub thread's CPU time. The host lets a process read only its own threads' CPU clocks,
/// so this reads /proc: `schedstat` (nanoseconds) for run time, `stat` (clock ticks of
/// 10 ms) for user and system time.
pub fn host_thread_cputime(host_pid: i32, host_tid: i32, which: CpuWhich) -> Option<u64> {
    if host_pid <= 0 || host_tid <= 0 {
        return None;
    }
    let dir = format!("/proc/{host_pid}/task/{host_tid}");
    if which == CpuWhich::Sched {
        if let Some(ns) = std::fs::read_to_string(format!("{dir}/schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
        {
            return Some(ns);
        }
    }
    let stat = std::fs::read_to_string(format!("{dir}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at field 3.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |n: usize| -> Option<u64> { fields.get(n - 3)?.parse().ok() };
    let (utime, stime) = (field(14)?, field(15)?);
    let ticks = if which == CpuWhich::Virt {
        utime
    } else {
        utime + stime
    };
    Some(ticks * (NSEC_PER_SEC / 100))
}

/// The clock a timer counts.
#[derive(Clone)]
pub enum Clock {
    /// A host clock (CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_TAI).
    Host(libc::clockid_t),
    Cpu(CpuClock),
}

impl Clock {
    /// The clock's reading in nanoseconds; None if it can no longer be read.
    pub fn now(&self) -> Option<u64> {
        match self {
            Clock::Host(id) => {
                let mut ts = libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                };
                // SAFETY: ts is a valid out-pointer.
                let r = unsafe { libc::clock_gettime(*id, &mut ts) };
                (r == 0).then(|| ts.tv_sec as u64 * NSEC_PER_SEC + ts.tv_nsec as u64)
            }
            Clock::Cpu(c) => c.now(),
        }
    }
}

/// Where a timer's signal goes.
pub enum Target {
    Process(Weak<Process>),
    /// SIGEV_THREAD_ID: one thread of the process.
    Thread(Weak<Process>, Weak<ThreadSignals>),
}

/// What an expiry does.
pub enum Notify {
    /// SIGEV_NONE: nothing; the timer only counts down (timer_gettime).
    Nothing,
    /// A signal with `info` (an itimer's SIGALRM, SIGVTALRM or SIGPROF).
    Signal(Target, SigInfo),
    /// A POSIX timer's signal: one at a time; expirations while it is pending are overruns.
    PosixSignal(Target, SigInfo),
    /// A timerfd: the expirations are counted for read(2), and poll waiters woken.
    Count,
}

/// A timer's schedule and counters, under its lock.
#[derive(Default)]
pub struct TimerState {
    /// When it fires next, in nanoseconds of its clock; None while disarmed.
    pub next: Option<u64>,
    /// The reload interval in nanoseconds; 0 for a one-shot timer.
    pub interval: u64,
    /// The queue entry of the next expiry (or sample, for CPU clocks).
    token: Option<u64>,
    /// Expirations not yet consumed: a timerfd's count; a POSIX timer's overruns while its
    /// signal is pending.
    pub ticks: u64,
    /// A POSIX timer's signal is pending.
    pub queued: bool,
    /// timer_getoverrun(2): the overrun count of the last signal delivered.
    pub overrun_last: i32,
    /// Changes with every expiry (edge-triggered epoll on a timerfd).
    pub generation: u64,
}

/// One timer: a clock, a schedule, and what an expiry does.
pub struct Timer {
    /// Where signals are sent from (none for a timer that sends none).
    kernel: Weak<Kernel>,
    queue: Weak<QueueInner>,
    pub clock: Clock,
    notify: Notify,
    me: Weak<Timer>,
    state: Mutex<TimerState>,
}

impl Timer {
    pub fn new(kernel: &Arc<Kernel>, clock: Clock, notify: Notify) -> Arc<Timer> {
        Self::on_queue(&kernel.timers, Arc::downgrade(kernel), clock, notify)
    }

    fn on_queue(
        queue: &TimerQueue,
        kernel: Weak<Kernel>,
        clock: Clock,
        notify: Notify,
    ) -> Arc<Timer> {
        Arc::new_cyclic(|me| Timer {
            kernel,
            queue: Arc::downgrade(&queue.inner),
            clock,
            notify,
            me: me.clone(),
            state: Mutex::new(TimerState::default()),
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, TimerState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The signal info this timer sends, if it sends one.
    pub fn info(&self) -> Option<SigInfo> {
        match &self.notify {
            Notify::Signal(_, info) | Notify::PosixSignal(_, info) => Some(*info),
            _ => None,
        }
    }

    /// Arms the timer to fire at `at` (nanoseconds of its clock; 0 disarms) and every
    /// `interval` after; returns the old (time left, interval). Pending counts are reset, and
    /// a POSIX timer's pending signal discarded.
    pub fn set(&self, at: u64, interval: u64) -> (Option<u64>, u64) {
        let mut st = self.lock();
        let old = self.remaining(&st);
        if let Some(t) = st.token.take() {
            self.cancel_token(t);
        }
        st.ticks = 0;
        st.queued = false;
        st.overrun_last = 0;
        st.generation += 1;
        // A POSIX timer's signal of the old setting still pending is dropped (as Linux since
        // 6.13), before the new setting can queue one.
        if let Notify::PosixSignal(target, info) = &self.notify {
            let process = match target {
                Target::Process(p) | Target::Thread(p, _) => p.upgrade(),
            };
            if let Some(p) = process {
                p.forget_timer_signal(info.timer_id);
            }
        }
        if at == 0 {
            st.next = None;
            st.interval = 0;
        } else {
            st.next = Some(at);
            st.interval = interval;
            self.schedule(&mut st);
        }
        old
    }

    /// Disarms the timer.
    pub fn cancel(&self) {
        self.set(0, 0);
    }

    /// (time left until the next expiry, interval), in nanoseconds; None while disarmed.
    pub fn get(&self) -> (Option<u64>, u64) {
        self.remaining(&self.lock())
    }

    fn remaining(&self, st: &TimerState) -> (Option<u64>, u64) {
        let left = st
            .next
            .map(|next| next.saturating_sub(self.clock.now().unwrap_or(next)));
        (left, st.interval)
    }

    fn cancel_token(&self, token: u64) {
        if let Some(q) = self.queue.upgrade() {
            q.lock().targets.remove(&token);
        }
    }

    /// Arms the queue for the next expiry (or the next sample of a CPU clock).
    fn schedule(&self, st: &mut TimerState) {
        let (Some(next), Some(queue)) = (st.next, self.queue.upgrade()) else {
            return;
        };
        let Some(now) = self.clock.now() else {
            st.next = None;
            return;
        };
        let mut wait = Duration::from_nanos(next.saturating_sub(now));
        if matches!(self.clock, Clock::Cpu(_)) {
            wait = wait.min(CPU_SAMPLE);
        }
        let me: Weak<dyn Expire> = self.me.clone();
        // A deadline past what an Instant holds is as good as never.
        let far = Duration::from_secs(100 * 365 * 86400);
        let at = Instant::now() + wait.min(far);
        st.token = Some(arm(&queue, at, me));
    }

    /// Sends the timer's signal; true if it became pending.
    fn send(&self, target: &Target, info: SigInfo) -> bool {
        let Some(kernel) = self.kernel.upgrade() else {
            return false;
        };
        match target {
            Target::Process(p) => p.upgrade().is_some_and(|p| kernel.send_process(&p, info)),
            Target::Thread(p, t) => match (p.upgrade(), t.upgrade()) {
                (Some(p), Some(t)) => kernel.send_thread(&p, &t, info),
                _ => false,
            },
        }
    }
}

impl Expire for Timer {
    fn expire(&self, token: u64) {
        let mut st = self.lock();
        if st.token != Some(token) {
            return;
        }
        st.token = None;
        let Some(next) = st.next else { return };
        let Some(now) = self.clock.now() else {
            st.next = None;
            return;
        };
        if now < next {
            // A CPU clock's sample, or a wall clock that moved: not due yet.
            self.schedule(&mut st);
            return;
        }
        let mut expirations = 1;
        if let Some(late) = (now - next).checked_div(st.interval) {
            expirations += late;
            let step = (late + 1).saturating_mul(st.interval);
            st.next = Some(next.saturating_add(step));
        } else {
            st.next = None;
        }
        st.generation += 1;
        match &self.notify {
            Notify::Nothing => {}
            Notify::Signal(target, info) => {
                self.send(target, *info);
            }
            Notify::PosixSignal(target, info) => {
                if st.queued {
                    st.ticks = st.ticks.saturating_add(expirations);
                } else if self.send(target, *info) {
                    st.queued = true;
                    st.ticks = expirations - 1;
                }
            }
            Notify::Count => {
                st.ticks = st.ticks.saturating_add(expirations);
                crate::fs::poll::notify();
            }
        }
        self.schedule(&mut st);
    }
}

/// A process's timers: the three itimers (alarm is ITIMER_REAL) and its POSIX timers.
#[derive(Default)]
pub struct ProcessTimers {
    /// ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF, made when first set.
    pub itimers: [Option<Arc<Timer>>; 3],
    pub posix: std::collections::BTreeMap<i32, Arc<Timer>>,
    /// The id the next POSIX timer gets (Linux numbers them per process from 0).
    pub next_id: i32,
}

impl ProcessTimers {
    /// Deletes the POSIX timers (execve, exit; the itimers survive execve), and their pending
    /// signals with them.
    pub fn delete_posix(&mut self) {
        for (_, t) in std::mem::take(&mut self.posix) {
            t.cancel();
        }
    }

    /// Deletes every timer (the process ended).
    pub fn delete_all(&mut self) {
        self.delete_posix();
        for t in self.itimers.iter_mut().filter_map(Option::take) {
            t.cancel();
        }
    }
}

/// A `timespec` as nanoseconds (saturating, as Linux's ktime at KTIME_MAX).
pub fn ts_ns(ts: &libc::timespec) -> u64 {
    (ts.tv_sec as u64)
        .saturating_mul(NSEC_PER_SEC)
        .saturating_add(ts.tv_nsec as u64)
}

/// Nanoseconds as a `timespec`.
pub fn ns_ts(ns: u64) -> libc::timespec {
    libc::timespec {
        tv_sec: (ns / NSEC_PER_SEC) as i64,
        tv_nsec: (ns % NSEC_PER_SEC) as i64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    struct Recorder {
        fired: Mutex<Vec<(u64, Instant)>>,
        count: AtomicU64,
        done: Condvar,
    }

    impl Expire for Recorder {
        fn expire(&self, token: u64) {
            self.fired.lock().unwrap().push((token, Instant::now()));
            self.count.fetch_add(1, Ordering::SeqCst);
            self.done.notify_all();
        }
    }

    fn recorder() -> Arc<Recorder> {
        Arc::new(Recorder {
            fired: Mutex::new(Vec::new()),
            count: AtomicU64::new(0),
            done: Condvar::new(),
        })
    }

    fn wait_for(r: &Recorder, n: u64) -> Vec<(u64, Instant)> {
        let mut g = r.fired.lock().unwrap();
        let end = Instant::now() + Duration::from_secs(5);
        while (g.len() as u64) < n && Instant::now() < end {
            g = r.done.wait_timeout(g, Duration::from_millis(10)).unwrap().0;
        }
        g.clone()
    }

    #[test]
    fn deadlines_fire_in_order_and_not_early() {
        let q = TimerQueue::default();
        let r = recorder();
        let target: Weak<dyn Expire> = Arc::downgrade(&r) as Weak<dyn Expire>;
        let start = Instant::now();
        let late = q.arm(start + Duration::from_millis(40), target.clone());
        let early = q.arm(start + Duration::from_millis(10), target.clone());
        let past = q.arm(start - Duration::from_millis(5), target);
        let fired = wait_for(&r, 3);
        let tokens: Vec<u64> = fired.iter().map(|f| f.0).collect();
        assert_eq!(tokens, vec![past, early, late]);
        assert!(fired[1].1 >= start + Duration::from_millis(10));
        assert!(fired[2].1 >= start + Duration::from_millis(40));
    }

    #[test]
    fn cancelled_and_dropped_targets_do_not_fire() {
        let q = TimerQueue::default();
        let r = recorder();
        let target: Weak<dyn Expire> = Arc::downgrade(&r) as Weak<dyn Expire>;
        let now = Instant::now();
        let cancelled = q.arm(now + Duration::from_millis(10), target.clone());
        q.cancel(cancelled);
        let gone = recorder();
        q.arm(
            now + Duration::from_millis(10),
            Arc::downgrade(&gone) as Weak<dyn Expire>,
        );
        drop(gone);
        let kept = q.arm(now + Duration::from_millis(30), target);
        let fired = wait_for(&r, 1);
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].0, kept);
        assert_eq!(r.count.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn rearming_many_times_keeps_the_heap_small() {
        let q = TimerQueue::default();
        let r = recorder();
        let target: Weak<dyn Expire> = Arc::downgrade(&r) as Weak<dyn Expire>;
        let far = Instant::now() + Duration::from_secs(3600);
        let mut token = q.arm(far, target.clone());
        for _ in 0..10_000 {
            q.cancel(token);
            token = q.arm(far, target.clone());
        }
        assert!(q.inner.lock().heap.len() < 200);
        q.cancel(token);
        assert_eq!(r.count.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn cpu_time_of_a_child_is_readable() {
        // SAFETY: fork in a test; the child only spins and exits.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let end = Instant::now() + Duration::from_millis(100);
            while Instant::now() < end {}
            // SAFETY: _exit ends the child without running the parent's destructors.
            unsafe { libc::_exit(0) };
        }
        std::thread::sleep(Duration::from_millis(50));
        let sched = host_process_cputime(pid, CpuWhich::Sched);
        let thread = host_thread_cputime(pid, pid, CpuWhich::Sched);
        let prof = host_thread_cputime(pid, pid, CpuWhich::Prof);
        // SAFETY: reaps the child forked above.
        unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
        assert!(sched.is_some_and(|ns| ns > 0), "{sched:?}");
        assert!(thread.is_some_and(|ns| ns > 0), "{thread:?}");
        assert!(prof.is_some(), "{prof:?}");
    }

    fn count_timer(q: &TimerQueue) -> Arc<Timer> {
        Timer::on_queue(
            q,
            Weak::new(),
            Clock::Host(libc::CLOCK_MONOTONIC),
            Notify::Count,
        )
    }

    fn ticks_after(t: &Timer, wait: Duration) -> u64 {
        std::thread::sleep(wait);
        t.lock().ticks
    }

    #[test]
    fn a_one_shot_timer_fires_once_and_disarms() {
        let q = TimerQueue::default();
        let t = count_timer(&q);
        let now = t.clock.now().unwrap();
        assert_eq!(t.set(now + 20_000_000, 0), (None, 0));
        let (left, interval) = t.get();
        assert!(left.is_some_and(|l| l > 0 && l <= 20_000_000), "{left:?}");
        assert_eq!(interval, 0);
        assert_eq!(ticks_after(&t, Duration::from_millis(80)), 1);
        assert_eq!(t.get(), (None, 0));
    }

    #[test]
    fn an_interval_timer_reloads_and_set_returns_the_old_setting() {
        let q = TimerQueue::default();
        let t = count_timer(&q);
        let now = t.clock.now().unwrap();
        t.set(now + 10_000_000, 10_000_000);
        let ticks = ticks_after(&t, Duration::from_millis(100));
        assert!(ticks >= 3, "{ticks} expirations in 100 ms of a 10 ms timer");
        let (left, interval) = t.set(0, 0);
        assert!(left.is_some_and(|l| l <= 10_000_000), "{left:?}");
        assert_eq!(interval, 10_000_000);
        // Disarmed: the count was reset and stays 0.
        assert_eq!(ticks_after(&t, Duration::from_millis(30)), 0);
    }

    #[test]
    fn a_late_interval_timer_counts_the_periods_it_missed() {
        let q = TimerQueue::default();
        let t = count_timer(&q);
        let now = t.clock.now().unwrap();
        // First expiry 1 s ago, every 100 ms: 10 periods passed, and the one due now.
        t.set(now - 1_000_000_000, 100_000_000);
        let ticks = ticks_after(&t, Duration::from_millis(30));
        assert!((11..=13).contains(&ticks), "{ticks}");
        let (left, _) = t.get();
        assert!(left.is_some_and(|l| l <= 100_000_000), "{left:?}");
        t.cancel();
    }

    #[test]
    fn a_dropped_timer_stops() {
        let q = TimerQueue::default();
        let t = count_timer(&q);
        let now = t.clock.now().unwrap();
        t.set(now + 5_000_000, 5_000_000);
        drop(t);
        std::thread::sleep(Duration::from_millis(20));
        // Its entry was skipped when due and nothing re-armed it.
        assert!(q.inner.lock().targets.is_empty());
    }

    #[test]
    fn timespec_conversions() {
        assert_eq!(ts_ns(&ns_ts(3_000_000_007)), 3_000_000_007);
        assert_eq!(ns_ts(1_500_000_000).tv_nsec, 500_000_000);
    }
}
