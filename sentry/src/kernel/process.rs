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
}

/// A process: what its threads share, and what its parent and the PID table see of it.
pub struct Process {
    pub pid: i32,
    state: Mutex<ProcState>,
    /// Notified when a child of this process changes state, a signal arrives, or a vfork
    /// child lets go.
    pub event: Condvar,
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
            }),
            event: Condvar::new(),
        })
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
