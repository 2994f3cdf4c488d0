//! Processes (thread groups) and the sandbox's PID namespace.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use super::ExitStatus;
use crate::errno::Errno;

type Current = Option<(Arc<Process>, Arc<super::signal::ThreadSignals>)>;

thread_local! {
    /// The task the calling sentry thread serves: lets deep blocking code (a pipe read)
    /// notice a signal that should interrupt it.
    static CURRENT: std::cell::RefCell<Current> = const { std::cell::RefCell::new(None) };
}

thread_local! {
    static CURRENT_TID: std::cell::Cell<i32> = const { std::cell::Cell::new(0) };
}

/// Records the task the calling sentry thread serves.
pub fn set_current(process: Arc<Process>, tid: i32, signals: Arc<super::signal::ThreadSignals>) {
    CURRENT_TID.with(|t| t.set(tid));
    CURRENT.with(|c| *c.borrow_mut() = Some((process, signals)));
}

/// The calling sentry thread serves no task any more (it goes back to the workers' pool).
pub fn clear_current() {
    CURRENT_TID.with(|t| t.set(0));
    CURRENT.with(|c| *c.borrow_mut() = None);
}

/// The process of the task the calling sentry thread serves (opens that depend on the
/// caller: /dev/tty, a terminal becoming the controlling one).
pub fn current() -> Option<Arc<Process>> {
    CURRENT.with(|c| c.borrow().as_ref().map(|(p, _)| p.clone()))
}

/// The (pid, tid) of the task the calling sentry thread serves (/proc/self).
pub fn current_ids() -> Option<(i32, i32)> {
    let pid = CURRENT.with(|c| c.borrow().as_ref().map(|(p, _)| p.pid))?;
    Some((pid, CURRENT_TID.with(|t| t.get())))
}

/// The process of the task the calling sentry thread serves (for file operations that record
/// who made them, such as the credentials of a socket write).
pub fn current_process() -> Option<Arc<Process>> {
    CURRENT.with(|c| c.borrow().as_ref().map(|(p, _)| p.clone()))
}

/// The signal mask of the task the calling sentry thread serves (0 without one).
pub fn current_blocked() -> u64 {
    CURRENT.with(|c| c.borrow().as_ref().map_or(0, |(_, t)| t.mask()))
}

/// The signals pending for the task the calling sentry thread serves, its own and its
/// process's (signalfd's readiness).
pub fn current_pending() -> u64 {
    CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .map_or(0, |(p, t)| t.pending().set | p.lock().pending.set)
    })
}

/// Takes a pending signal of the calling task that is in `wanted`, the thread's before the
/// process's, without running its handler (signalfd's read, as rt_sigtimedwait takes one).
pub fn take_current_signal(wanted: u64) -> Option<super::SigInfo> {
    CURRENT.with(|c| {
        let c = c.borrow();
        let (p, t) = c.as_ref()?;
        let taken = t.pending().take(!wanted);
        let mut info = taken.or_else(|| p.lock().pending.take(!wanted))?;
        p.timer_signal_taken(&mut info);
        Some(info)
    })
}

/// Whether the task served by the calling thread must stop blocking: its process is ending,
/// or a signal it does not block is pending. Blocking waits check this every INTERRUPT_POLL.
pub fn interrupted() -> bool {
    CURRENT.with(|c| {
        c.borrow().as_ref().is_some_and(|(p, t)| {
            let blocked = t.mask();
            let mine = t.pending().set & !blocked;
            let s = p.lock();
            s.group_exit.is_some() || mine != 0 || s.pending.set & !blocked != 0
        })
    })
}

/// While alive, signals sent to the calling task run `wake` (see [`Waker`]); a blocking wait
/// holds one around its condition-variable wait, and checks [`interrupted`] under its own
/// mutex before each wait.
pub struct WakeRegistration(Option<Arc<super::signal::ThreadSignals>>);

pub fn on_interrupt(wake: super::signal::Waker) -> WakeRegistration {
    CURRENT.with(|c| {
        let t = c.borrow().as_ref().map(|(_, t)| t.clone());
        if let Some(t) = &t {
            *t.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(wake);
        }
        WakeRegistration(t)
    })
}

impl Drop for WakeRegistration {
    fn drop(&mut self) {
        if let Some(t) = &self.0 {
            *t.waker.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }
}

/// How long a blocked wait sleeps before it looks for a signal that should interrupt it.
pub const INTERRUPT_POLL: Duration = Duration::from_millis(20);

/// What /proc shows of a process: its tables, shared with its tasks.
#[derive(Clone)]
pub struct ProcView {
    pub fds: Arc<Mutex<crate::fs::FdTable>>,
    pub fs: Arc<Mutex<super::FsContext>>,
    pub mm: Arc<crate::mm::MemoryManager>,
    /// argv and envp as exec gave them, each string NUL-terminated.
    pub cmdline: Arc<[u8]>,
    pub environ: Arc<[u8]>,
    pub auxv: Arc<[u8]>,
    pub comm: Vec<u8>,
    pub exe: Option<crate::vfs::Path>,
    /// When the process started, from the sandbox's boot.
    pub start: std::time::Duration,
}

/// The state of a process, under its lock.
pub struct ProcState {
    pub ppid: i32,
    pub pgid: i32,
    pub sid: i32,
    /// Children not yet reaped.
    pub children: Vec<i32>,
    /// Threads still running.
    pub threads: usize,
    /// Set when the process has ended (a zombie until its parent reaps it).
    pub exit: Option<ExitStatus>,
    /// The signal the parent gets when this process ends (SIGCHLD, or clone's exit signal).
    pub exit_signal: i32,
    /// A fatal signal or exit_group that every thread must honour.
    pub group_exit: Option<ExitStatus>,
    /// The parent waits in vfork until this process execs or exits.
    pub vfork_done: bool,
    /// The host pid of the process's stub, to stop it from outside (kill).
    pub host_pid: i32,
    /// Signal dispositions, shared by the threads.
    pub actions: [super::SigAction; super::signal::NSIG],
    /// The executable: /proc/PID/exe.
    pub exe: String,
    /// Process-directed signals pending.
    pub pending: super::signal::SigPending,
    /// The threads' signal states, by tid.
    pub thread_signals: BTreeMap<i32, Arc<super::signal::ThreadSignals>>,
    /// Its tables, for /proc (None until its first task publishes them).
    pub view: Option<ProcView>,
    /// The main thread's credentials, for /proc and signal permission checks.
    pub cred: Option<super::cred::Cred>,
    /// prctl state: the signal sent when the parent dies, whether orphans of its
    /// descendants come to it, no_new_privs, dumpable.
    pub pdeath_signal: i32,
    pub subreaper: bool,
    pub no_new_privs: bool,
    pub dumpable: bool,
    /// The nice value (getpriority/setpriority), -20..=19.
    pub nice: i32,
    /// The I/O priority (ioprio_set), as the app set it: class and data; 0 for none. Kept
    /// per process (Linux keeps it per thread), inherited by forks.
    pub ioprio: i32,
    /// The execution domain and its flags (personality(2)); inherited by forks and execs.
    pub personality: u32,
    /// When ended: what it used, its waited-for children included (wait4's rusage).
    pub usage: libc::rusage,
    /// What its waited-for children used (RUSAGE_CHILDREN, times' cutime).
    pub children_usage: libc::rusage,
    /// The controlling terminal (Linux's `signal->tty`): inherited by fork, dropped by
    /// setsid and when the terminal hangs up.
    pub ctty: Option<std::sync::Weak<crate::fs::tty::pty::Pty>>,
    /// Job control (signal(7)): the process is in a group stop; its threads park before
    /// returning to the app until SIGCONT or SIGKILL.
    pub stopped: bool,
    /// A stop not yet reported to a WUNTRACED wait: the signal that stopped it.
    pub stop_report: Option<i32>,
    /// A resume by SIGCONT not yet reported to a WCONTINUED wait.
    pub cont_report: bool,
    /// CPU masks its threads set with sched_setaffinity, by tid (absent: every CPU of the
    /// sandbox). Reported back, not applied: the sentry places threads on the host.
    pub affinity: BTreeMap<i32, Vec<u8>>,
    /// The host CPU its sentry threads and stub threads are pinned to (with pinning on):
    /// inherited by fork, chosen anew at exec (`Task::place`).
    pub cpu: Option<usize>,
}

/// A process: what its threads share, and what its parent and the PID table see of it.
pub struct Process {
    pub pid: i32,
    state: Mutex<ProcState>,
    /// Notified when a child of this process changes state, a signal arrives, or a vfork
    /// child lets go.
    pub event: Condvar,
    /// Its itimers and POSIX timers (a lock of their own: the timer thread takes it, never
    /// with the state's).
    timers: Mutex<super::timer::ProcessTimers>,
}

impl Process {
    pub fn new(pid: i32, ppid: i32, pgid: i32, sid: i32) -> Arc<Process> {
        Arc::new(Process {
            pid,
            state: Mutex::new(ProcState {
                ppid,
                pgid,
                sid,
                children: Vec::new(),
                threads: 1,
                exit: None,
                exit_signal: libc::SIGCHLD,
                group_exit: None,
                vfork_done: false,
                host_pid: 0,
                actions: [super::SigAction::default(); super::signal::NSIG],
                exe: String::new(),
                pending: super::signal::SigPending::default(),
                thread_signals: BTreeMap::new(),
                view: None,
                cred: None,
                pdeath_signal: 0,
                subreaper: false,
                no_new_privs: false,
                dumpable: true,
                nice: 0,
                ioprio: 0,
                personality: 0,
                // SAFETY: an all-zero rusage is a valid value.
                usage: unsafe { std::mem::zeroed() },
                // SAFETY: as above.
                children_usage: unsafe { std::mem::zeroed() },
                ctty: None,
                stopped: false,
                stop_report: None,
                cont_report: false,
                cpu: None,
                affinity: BTreeMap::new(),
            }),
            event: Condvar::new(),
            timers: Mutex::new(super::timer::ProcessTimers::default()),
        })
    }

    pub fn timers(&self) -> MutexGuard<'_, super::timer::ProcessTimers> {
        self.timers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Discards the pending signal of POSIX timer `id` (re-armed or deleted: since Linux
    /// 6.13 such a signal is dropped rather than delivered). Called by `Timer::set`.
    pub fn forget_timer_signal(&self, id: i32) {
        let is_timer = |i: &super::SigInfo| i.code == super::signal::SI_TIMER && i.timer_id == id;
        let threads: Vec<_> = {
            let mut s = self.lock();
            s.pending.remove_where(is_timer);
            s.thread_signals.values().cloned().collect()
        };
        for t in threads {
            t.pending().remove_where(is_timer);
        }
    }

    /// Fills in the overrun count of a POSIX timer's signal being delivered (or taken by
    /// sigwaitinfo), and lets the timer queue its next one.
    pub fn timer_signal_taken(&self, info: &mut super::SigInfo) {
        if info.code != super::signal::SI_TIMER {
            return;
        }
        let timer = self.timers().posix.get(&info.timer_id).cloned();
        let Some(timer) = timer else { return };
        if timer.info().is_none_or(|i| i.signo != info.signo) {
            return;
        }
        let mut st = timer.lock();
        if st.queued {
            // DELAYTIMER_MAX is INT_MAX.
            let overrun = i32::try_from(st.ticks).unwrap_or(i32::MAX);
            info.overrun = overrun;
            st.overrun_last = overrun;
            st.ticks = 0;
            st.queued = false;
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, ProcState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for `event` (with the lock held in `guard`) for at most INTERRUPT_POLL.
    pub fn wait_event<'a>(&self, guard: MutexGuard<'a, ProcState>) -> MutexGuard<'a, ProcState> {
        self.event
            .wait_timeout(guard, INTERRUPT_POLL)
            .map(|(g, _)| g)
            .unwrap_or_else(|e| e.into_inner().0)
    }
}

/// The sandbox's PID namespace: its own numbers from 1, never a host pid.
pub struct PidTable {
    next: i32,
    pub processes: BTreeMap<i32, Arc<Process>>,
    /// Every live thread's process, by tid.
    pub threads: BTreeMap<i32, Arc<Process>>,
    /// Ids in use, by processes and threads (a process's pid is its first thread's tid).
    ids: std::collections::BTreeSet<i32>,
}

/// The most tasks a sandbox may have at once (a fork bomb stops here with EAGAIN).
pub const MAX_TASKS: usize = 4096;
/// Linux's default pid_max.
const PID_MAX: i32 = 4_194_304;

impl Default for PidTable {
    fn default() -> Self {
        PidTable {
            next: 1,
            processes: BTreeMap::new(),
            threads: BTreeMap::new(),
            ids: std::collections::BTreeSet::new(),
        }
    }
}

impl PidTable {
    /// A fresh id for a task; EAGAIN past the sandbox's task limit.
    pub fn alloc(&mut self) -> Result<i32, Errno> {
        if self.ids.len() >= MAX_TASKS {
            return Err(Errno::EAGAIN);
        }
        loop {
            let id = self.next;
            self.next = if self.next >= PID_MAX {
                2
            } else {
                self.next + 1
            };
            if self.ids.insert(id) {
                return Ok(id);
            }
        }
    }

    /// Returns an id to the pool (a thread ended, or a process was reaped).
    pub fn free(&mut self, id: i32) {
        self.ids.remove(&id);
    }

    pub fn get(&self, pid: i32) -> Option<Arc<Process>> {
        self.processes.get(&pid).cloned()
    }
}

/// The stub's CPU times and peak memory, read from the host's /proc for our own child.
pub fn host_usage(host_pid: i32) -> libc::rusage {
    // SAFETY: an all-zero rusage is a valid value.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let stat = std::fs::read_to_string(format!("/proc/{host_pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at field 3.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, r)| r)
        .split_whitespace()
        .collect();
    let field = |n: usize| {
        fields
            .get(n - 3)
            .and_then(|f| f.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let tv = |ticks: i64| libc::timeval {
        tv_sec: ticks / 100,
        tv_usec: (ticks % 100) * 10_000,
    };
    ru.ru_utime = tv(field(14));
    ru.ru_stime = tv(field(15));
    ru.ru_minflt = field(10);
    ru.ru_majflt = field(12);
    let status = std::fs::read_to_string(format!("/proc/{host_pid}/status")).unwrap_or_default();
    ru.ru_maxrss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    ru
}

/// Adds `b`'s times and counts to `a` (peak memory: the larger), as Linux accumulates the
/// usage of waited-for children.
pub fn add_usage(a: &mut libc::rusage, b: &libc::rusage) {
    let add = |x: &mut libc::timeval, y: &libc::timeval| {
        let us = (x.tv_sec + y.tv_sec) * 1_000_000 + x.tv_usec + y.tv_usec;
        x.tv_sec = us / 1_000_000;
        x.tv_usec = us % 1_000_000;
    };
    add(&mut a.ru_utime, &b.ru_utime);
    add(&mut a.ru_stime, &b.ru_stime);
    a.ru_maxrss = a.ru_maxrss.max(b.ru_maxrss);
    a.ru_minflt += b.ru_minflt;
    a.ru_majflt += b.ru_majflt;
    a.ru_nvcsw += b.ru_nvcsw;
    a.ru_nivcsw += b.ru_nivcsw;
}
