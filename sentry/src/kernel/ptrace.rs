//! ptrace(2) between the sandbox's own tasks: a tracer attaches to a thread, which stops;
//! the tracer waits for the stop, reads and writes its registers and memory, and lets it go
//! on or detaches; signal-delivery-stops, syscall-stops (PTRACE_SYSCALL), the exec stop and
//! PTRACE_TRACEME, fork/vfork/clone/exec/exit events, single steps: what sanitizers'
//! stop-the-world (LeakSanitizer), strace and gdb need.
//!
//! A tracee stops on its own sentry thread, on the way back to the app, as for a signal:
//! the attach queues a SIGSTOP marked as the ptrace stop's (`STOP_CODE`), which interrupts a
//! blocking syscall like any signal and is taken in `Task::deliver_signals`. Stopped, the
//! tracee publishes its registers, FP state and address space here and waits; the tracer's
//! requests read and change them; a resume hands them back.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use platform::Regs;

use super::signal::SigInfo;
use super::Process;
use crate::mm::MemoryManager;

/// si_code of the SIGSTOP an attach (or PTRACE_INTERRUPT) queues: never a real signal's.
pub const STOP_CODE: i32 = 0x4000_0000;

/// PTRACE_EVENT_STOP: the stop of PTRACE_INTERRUPT on a seized tracee.
pub const EVENT_STOP: i32 = 128;
/// PTRACE_EVENT_EXEC: the stop after a successful execve, with PTRACE_O_TRACEEXEC.
pub const EVENT_EXEC: i32 = 4;
/// PTRACE_EVENT_EXIT: the stop of a thread about to end, with PTRACE_O_TRACEEXIT.
pub const EVENT_EXIT: i32 = 6;
/// PTRACE_EVENT_FORK, _VFORK and _CLONE: a tracee made a child, which is traced too.
pub const EVENT_FORK: i32 = 1;
pub const EVENT_VFORK: i32 = 2;
pub const EVENT_CLONE: i32 = 3;

/// PTRACE_O_TRACESYSGOOD and PTRACE_O_EXITKILL: the options taken (the event options are
/// not offered).
pub const O_TRACESYSGOOD: u64 = 1;
pub const O_TRACEFORK: u64 = 0x2;
pub const O_TRACEVFORK: u64 = 0x4;
pub const O_TRACECLONE: u64 = 0x8;
pub const O_TRACEEXEC: u64 = 0x10;
pub const O_TRACEEXIT: u64 = 0x40;
pub const O_EXITKILL: u64 = 1 << 20;
/// The options offered.
pub const O_OFFERED: u64 = O_TRACESYSGOOD
    | O_TRACEFORK
    | O_TRACEVFORK
    | O_TRACECLONE
    | O_TRACEEXEC
    | O_TRACEEXIT
    | O_EXITKILL;

/// One traced thread.
pub struct Tracee {
    pub tid: i32,
    /// The tracee's process.
    pub process: Arc<Process>,
    /// The tracer's process (thread group): any of its threads may wait for and command the
    /// tracee.
    pub tracer: i32,
    pub state: Mutex<TraceState>,
}

/// What a tracee is doing, under `Tracee::state`.
#[derive(Default)]
pub struct TraceState {
    /// Attached with PTRACE_SEIZE (no stop on attach; PTRACE_INTERRUPT stops it).
    pub seized: bool,
    pub options: u64,
    /// A stop was asked and not yet taken: the event it reports (0, or EVENT_STOP).
    pub requested: Option<i32>,
    /// In a ptrace-stop: what it reports.
    pub stop: Option<Stop>,
    /// The tracer's wait saw `stop`.
    pub reported: bool,
    /// What the tracer decided; the stopped tracee takes it and goes on.
    pub resume: Option<Resume>,
    /// Resumed with PTRACE_SYSCALL: the next syscall entry or exit stops.
    pub syscall: bool,
    /// In a syscall stop: true at the entry, false at the exit (PTRACE_GET_SYSCALL_INFO).
    pub syscall_entry: Option<bool>,
    /// PTRACE_GETEVENTMSG's answer for the current stop.
    pub event_msg: u64,
    /// The thread ended: its status, for the tracer's wait (which then forgets it), when the
    /// tracer is not the parent that reaps it anyway.
    pub exited: Option<super::ExitStatus>,
    /// While stopped: the tracee's registers (the tracer may change them), FP state and
    /// address space.
    pub regs: Regs,
    pub regs_changed: bool,
    pub fp: Vec<u8>,
    pub mm: Option<Arc<MemoryManager>>,
}

/// A ptrace-stop as the tracer's wait reports it.
#[derive(Clone, Copy, Debug)]
pub struct Stop {
    pub sig: i32,
    pub event: i32,
    pub info: SigInfo,
}

/// How a stopped tracee goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// PTRACE_CONT with a signal to deliver (0: none).
    Cont(i32),
    /// PTRACE_SYSCALL: as Cont, stopping at the next syscall entry or exit.
    Syscall(i32),
    /// PTRACE_SINGLESTEP: as Cont, stopping (SIGTRAP) after one instruction.
    Step(i32),
    /// PTRACE_DETACH with a signal to deliver: no longer traced.
    Detach(i32),
}

/// Every traced thread of the sandbox, by tid, and how many there are (read without the
/// lock: every syscall asks, and nearly always nothing is traced).
#[derive(Default)]
pub struct Tracees(Mutex<BTreeMap<i32, Arc<Tracee>>>, AtomicUsize);

impl Tracees {
    fn map(&self) -> MutexGuard<'_, BTreeMap<i32, Arc<Tracee>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether no thread is traced (without the lock).
    pub fn is_empty(&self) -> bool {
        self.1.load(Ordering::SeqCst) == 0
    }

    /// Thread `tid`, if traced.
    pub fn get(&self, tid: i32) -> Option<Arc<Tracee>> {
        if self.is_empty() {
            return None;
        }
        self.map().get(&tid).cloned()
    }

    /// Starts tracing `tid`; false if it is traced already.
    pub fn insert(&self, tracee: Arc<Tracee>) -> bool {
        let mut m = self.map();
        if m.contains_key(&tracee.tid) {
            return false;
        }
        m.insert(tracee.tid, tracee);
        self.1.store(m.len(), Ordering::SeqCst);
        true
    }

    /// Stops tracing `tid`.
    pub fn remove(&self, tid: i32) -> Option<Arc<Tracee>> {
        let mut m = self.map();
        let gone = m.remove(&tid);
        self.1.store(m.len(), Ordering::SeqCst);
        drop(m);
        if let Some(t) = &gone {
            t.untraced();
        }
        gone
    }

    /// Stops tracing `tracee`'s thread, if that is still how it is traced.
    pub fn remove_this(&self, tracee: &Arc<Tracee>) {
        let mut m = self.map();
        if m.get(&tracee.tid).is_some_and(|t| Arc::ptr_eq(t, tracee)) {
            m.remove(&tracee.tid);
        }
        self.1.store(m.len(), Ordering::SeqCst);
        drop(m);
        tracee.untraced();
    }

    /// The threads process `tracer` traces.
    pub fn of_tracer(&self, tracer: i32) -> Vec<Arc<Tracee>> {
        if self.is_empty() {
            return Vec::new();
        }
        self.map()
            .values()
            .filter(|t| t.tracer == tracer)
            .cloned()
            .collect()
    }
}

impl Tracee {
    pub fn state(&self) -> MutexGuard<'_, TraceState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// No longer traced: a syscall under way makes no exit stop (the thread holds its
    /// `Tracee` through the call; see `dispatch`).
    fn untraced(&self) {
        self.state().syscall = false;
    }

    /// Hands the stopped tracee `resume` and wakes it.
    pub fn resume(&self, resume: Resume) {
        self.state().resume = Some(resume);
        let _guard = self.process.lock();
        self.process.event.notify_all();
    }
}
