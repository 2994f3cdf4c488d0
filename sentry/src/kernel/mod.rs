//! The kernel: what all tasks of a sandbox share, and starting the first one.

mod clone;
pub mod cred;
pub mod futex;
pub mod ipc;
pub mod process;
pub mod ptrace;
pub mod seccomp;
pub(crate) mod sigframe;
pub mod signal;
pub mod task;
pub mod terminal;
pub mod timer;
mod workers;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use platform::{MemoryFile, Platform};

use crate::errno::Errno;
use crate::loader::{self, Credentials, ExecArgs};
use crate::vfs::Vfs;
pub use clone::CloneArgs;
pub use process::{PidTable, Process};
pub use signal::{SigAction, SigInfo, SignalState};
pub use task::{FsContext, Task};

/// How big the memory file may grow: the most app memory, mapped or reserved, a sandbox can
/// hold at once. It is sparse (only touched pages cost memory) and the sentry maps it whole,
/// so it may take half of the 128 TiB address space: AddressSanitizer reserves 15 TiB of
/// shadow memory (MAP_NORESERVE) before main.
const MEMORY_FILE_SIZE: u64 = 1 << 46;

/// si_code of SIGCHLD for a child that stopped, or continued (sigaction(2)).
pub const CLD_STOPPED: i32 = 5;
pub const CLD_CONTINUED: i32 = 6;

/// What a sandbox's first program is and how to run it.
pub struct SandboxConfig {
    /// Absolute path of the program (resolved through PATH by the caller).
    pub path: String,
    pub argv: Vec<Vec<u8>>,
    pub envp: Vec<Vec<u8>>,
    /// The working directory (absolute, in the sandbox's tree).
    pub cwd: String,
    /// Where the sandbox's files come from.
    pub storage: crate::vfs::setup::Storage,
    /// Print every syscall to stderr, strace-style.
    pub strace: bool,
    /// The CPU to keep each sentry thread and its stub on; `None` lets them float.
    pub pin_cpu: Option<usize>,
    /// The sandbox's hostname (uname's nodename).
    pub hostname: String,
    /// Give the sandbox a terminal of its own (`blinders do -t`): the first process runs
    /// as a session leader with a pty slave as stdio and controlling terminal, and this is
    /// called with the master. `None`: the first process gets the caller's stdio.
    pub terminal: Option<terminal::TerminalSetup>,
    /// What the sandbox's internet sockets reach.
    pub network: crate::net::Network,
}

/// How the sandbox's first process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    Exited(i32),
    Signaled(i32),
}

impl ExitStatus {
    /// The status as a shell reports it: the code, or 128 + the signal number.
    pub fn shell_code(self) -> i32 {
        match self {
            ExitStatus::Exited(code) => code & 0xff,
            ExitStatus::Signaled(sig) => 128 + sig,
        }
    }
}

/// Why a sandbox could not start or had to stop. Not the app's doing.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("{path}: {errno}")]
    Exec { path: String, errno: Errno },
    #[error("creating the memory file: {0}")]
    Memory(#[from] platform::MemoryError),
    #[error("internal error: {0}")]
    Platform(#[from] platform::PlatformError),
    #[error("setting up the file system: {0}")]
    Files(Errno),
}

/// The sandbox's UTS names.
pub struct Uts {
    pub hostname: Vec<u8>,
    pub domainname: Vec<u8>,
}

/// What every task of a sandbox shares.
pub struct Kernel {
    pub mem: Arc<MemoryFile>,
    /// With pinning on: the CPU the first process runs on, and every CPU processes may be
    /// placed on (the sentry's allowed CPUs). Empty/`None` when threads float.
    pub pin_cpu: Option<usize>,
    pub cpus: Vec<usize>,
    pub platform: Box<dyn Platform>,
    pub vfs: Vfs,
    /// The sandbox's own UTS names (uname's nodename and domainname): set by sethostname
    /// and setdomainname in the sandbox, never on the host.
    pub uts: Mutex<Uts>,
    pub strace: bool,
    pub boot: Instant,
    /// The real ids of the sandbox's user (the caller's).
    pub creds: Credentials,
    /// The supplementary groups of the sandbox's user (the caller's).
    pub groups: Vec<u32>,
    /// The caller's capabilities (effective, permitted, inheritable): the first process's.
    pub caps: (u64, u64, u64),
    /// The sandbox's CPUs, as sched_getaffinity reports them (the host's at start-up).
    pub cpu_mask: Vec<u8>,
    /// The PID namespace.
    pub pids: Mutex<PidTable>,
    /// Futex waiters.
    pub futexes: futex::FutexTable,
    /// The timer thread's deadlines (itimers, POSIX timers, timerfds).
    pub timers: timer::TimerQueue,
    /// The pseudo-terminals (/dev/ptmx, /dev/pts).
    pub ptys: Arc<crate::fs::tty::pty::PtyTable>,
    /// The sandbox's sockets.
    pub net: crate::net::Stack,
    /// Syscall numbers already logged as unimplemented.
    unimplemented: Mutex<HashSet<u64>>,
    /// Requests of implemented syscalls already logged as not offered (syscall, request).
    unsupported: Mutex<HashSet<(&'static str, u64)>>,
    /// Held by signals sent to many processes (a group, everyone) and by fork while it adds
    /// a process: a child is either seen by the kill or made after it, never in between.
    pub tree_lock: Mutex<()>,
    /// System V IPC objects.
    pub ipc: ipc::Ipc,
    /// Pages of immutable files shared by their private mappings.
    pub page_cache: crate::mm::PageCache,
    /// POSIX message queues by name.
    pub mqueue: crate::fs::mqueue::Namespace,
    /// Threads traced by other tasks of the sandbox (ptrace(2)).
    pub tracees: ptrace::Tracees,
}

impl Kernel {
    /// Logs an unimplemented syscall, once per number.
    pub fn log_unimplemented(&self, nr: u64) {
        let first = self
            .unimplemented
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(nr);
        if first {
            let name = syscall_tables::syscall_name(nr).unwrap_or("?");
            tracing::warn!("unimplemented syscall {name} (#{nr}): ENOSYS");
        }
    }

    /// Logs a request a syscall does not offer (it answers ENOSYS), once per request.
    pub fn log_unsupported(&self, syscall: &'static str, request: u64, why: &str) {
        let first = self
            .unsupported
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((syscall, request));
        if first {
            tracing::warn!("{syscall} request {request:#x}: {why}: ENOSYS");
        }
    }

    /// The first process's credentials: the user who started the sandbox.
    pub fn initial_cred(&self) -> cred::Cred {
        cred::Cred::with_caps(
            self.creds.euid,
            self.creds.egid,
            self.groups.clone(),
            self.caps,
        )
    }

    fn pid_table(&self) -> std::sync::MutexGuard<'_, PidTable> {
        self.pids.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The process `pid`, if it exists (zombies included).
    pub fn process(&self, pid: i32) -> Option<Arc<Process>> {
        self.pid_table().get(pid)
    }

    /// Every process, in pid order.
    pub fn processes(&self) -> Vec<Arc<Process>> {
        self.pid_table().processes.values().cloned().collect()
    }

    /// A new id for a task; EAGAIN past the sandbox's task limit.
    pub fn alloc_pid(&self) -> Result<i32, Errno> {
        self.pid_table().alloc()
    }

    /// Returns an unused id.
    pub fn free_pid(&self, pid: i32) {
        self.pid_table().free(pid);
    }

    pub fn insert_process(&self, process: Arc<Process>) {
        let mut t = self.pid_table();
        t.threads.insert(process.pid, process.clone());
        t.processes.insert(process.pid, process);
    }

    /// Records thread `tid` of `process`.
    pub fn insert_thread(&self, tid: i32, process: Arc<Process>) {
        self.pid_table().threads.insert(tid, process);
    }

    /// Takes thread `tid` out of the table without freeing its id (a clone that failed: its
    /// caller frees the id).
    pub fn forget_thread(&self, tid: i32) {
        self.pid_table().threads.remove(&tid);
    }

    /// Forgets thread `tid` (not a process's first thread, which goes when it is reaped).
    pub fn remove_thread(&self, tid: i32) {
        let mut t = self.pid_table();
        t.threads.remove(&tid);
        t.free(tid);
    }

    /// The process of thread `tid`.
    pub fn thread_process(&self, tid: i32) -> Option<Arc<Process>> {
        self.pid_table().threads.get(&tid).cloned()
    }

    /// Forgets a reaped process.
    pub fn remove_process(&self, pid: i32) {
        let mut t = self.pid_table();
        t.processes.remove(&pid);
        t.threads.remove(&pid);
        t.free(pid);
    }

    /// Gives the children of an ended process to PID 1, which reaps them.
    pub fn reparent_to_init(&self, from: i32, children: Vec<i32>) {
        if children.is_empty() {
            return;
        }
        // The nearest living ancestor that asked PR_SET_CHILD_SUBREAPER, else PID 1.
        let mut reaper = 1;
        let mut cur = self.process(from).map(|p| p.lock().ppid).unwrap_or(0);
        while cur > 1 {
            let Some(p) = self.process(cur) else {
                break;
            };
            let s = p.lock();
            if s.subreaper && s.exit.is_none() {
                reaper = cur;
                break;
            }
            cur = s.ppid;
        }
        let Some(init) = self.process(reaper).filter(|_| from != reaper) else {
            return;
        };
        for &c in &children {
            if let Some(child) = self.process(c) {
                let pdeath = {
                    let mut cs = child.lock();
                    cs.ppid = reaper;
                    cs.pdeath_signal
                };
                // PR_SET_PDEATHSIG: the child learns its parent died.
                if pdeath > 0 {
                    self.send_process(&child, SigInfo::sent(pdeath, 0x80, 0, 0));
                }
            }
        }
        let mut i = init.lock();
        i.children.extend(children);
        init.event.notify_all();
    }

    /// Whether `sig` is discarded at once by `p`'s dispositions: ignored, or SIG_DFL with a
    /// default action of ignore (SIGCONT's resume happens before this, at send time). A
    /// signal blocked by the receiving thread (`mask`) stays pending, as Linux's sig_ignored.
    fn ignored(p: &process::ProcState, sig: i32, mask: u64) -> bool {
        if mask & signal::sig_bit(sig) != 0 {
            return false;
        }
        let action = p.actions[(sig - 1) as usize];
        match action.handler {
            signal::SIG_IGN => true,
            signal::SIG_DFL => matches!(
                signal::default_action(sig),
                signal::DefaultAction::Ignore | signal::DefaultAction::Continue
            ),
            _ => false,
        }
    }

    /// What sending `sig` does before it is queued (Linux's prepare_signal): a stop signal
    /// discards pending SIGCONTs; SIGCONT discards pending stop signals and resumes a stopped
    /// process, even if SIGCONT is blocked or ignored. True if it resumed the process.
    fn prepare_signal(p: &mut process::ProcState, sig: i32) -> bool {
        if signal::default_action(sig) == signal::DefaultAction::Stop {
            let cont = signal::sig_bit(libc::SIGCONT);
            p.pending.set &= !cont;
            for t in p.thread_signals.values() {
                t.pending().set &= !cont;
            }
            false
        } else if sig == libc::SIGCONT {
            p.pending.set &= !signal::STOP_SIGNALS;
            for t in p.thread_signals.values() {
                t.pending().set &= !signal::STOP_SIGNALS;
            }
            if !p.stopped {
                return false;
            }
            p.stopped = false;
            p.stop_report = None;
            true
        } else {
            false
        }
    }

    /// Tells `child`'s parent that it stopped or continued (`code` CLD_STOPPED or
    /// CLD_CONTINUED, `status` the signal): its waits wake, and it gets SIGCHLD unless its
    /// SIGCHLD action has SA_NOCLDSTOP (sigaction(2)).
    pub fn notify_parent_cldstop(&self, child: &Process, code: i32, status: i32) {
        let (ppid, uid) = {
            let c = child.lock();
            (c.ppid, c.cred.as_ref().map_or(0, |c| c.ruid))
        };
        let Some(parent) = self.process(ppid) else {
            return;
        };
        let nocldstop = parent.lock().actions[(libc::SIGCHLD - 1) as usize].flags
            & libc::SA_NOCLDSTOP as u64
            != 0;
        if !nocldstop {
            let info = SigInfo {
                signo: libc::SIGCHLD,
                code,
                pid: child.pid,
                uid,
                status,
                ..SigInfo::default()
            };
            self.send_process(&parent, info);
        }
        // The news becomes visible to waits after the SIGCHLD is pending, as on Linux, where
        // the waiter is woken after the signal is sent. A resume or stop that came after
        // wins.
        {
            let mut c = child.lock();
            if code == CLD_STOPPED && c.stopped {
                c.stop_report = Some(status);
                c.cont_report = false;
            } else if code == CLD_CONTINUED && !c.stopped {
                c.cont_report = true;
                c.stop_report = None;
            }
        }
        let _guard = parent.lock();
        parent.event.notify_all();
    }

    /// A stopped process was resumed: its parked threads go on, and its parent learns.
    fn resumed(&self, target: &Process) {
        {
            let _guard = target.lock();
            target.event.notify_all();
        }
        self.notify_parent_cldstop(target, CLD_CONTINUED, libc::SIGCONT);
    }

    /// Sends a process-directed signal (kill): pending for whichever thread does not block it.
    /// True if it became pending (not ignored, not pending already, the process not ending).
    pub fn send_process(&self, target: &Process, info: SigInfo) -> bool {
        let sig = info.signo;
        let resumed;
        let threads: Option<Vec<Arc<signal::ThreadSignals>>> = {
            let mut p = target.lock();
            if p.exit.is_some() || p.group_exit.is_some() {
                return false;
            }
            if sig == libc::SIGKILL {
                // Every thread stops: those in app code trap on the kick, those blocked in
                // the sentry (or parked by a group stop) are woken.
                p.group_exit = Some(ExitStatus::Signaled(libc::SIGKILL));
                let threads: Vec<_> = p.thread_signals.values().cloned().collect();
                drop(p);
                for t in threads {
                    t.notify();
                }
                let _guard = target.lock();
                target.event.notify_all();
                return true;
            }
            resumed = Self::prepare_signal(&mut p, sig);
            // kill targets the main thread (or, gone, any thread) for Linux's check.
            let mask = p
                .thread_signals
                .get(&target.pid)
                .or_else(|| p.thread_signals.values().next())
                .map_or(0, |t| t.mask());
            let traced = !self.tracees.is_empty()
                && p.thread_signals
                    .keys()
                    .any(|&t| self.tracees.get(t).is_some());
            if (Self::ignored(&p, sig, mask) && !traced) || !p.pending.add(info) {
                None
            } else {
                Some(p.thread_signals.values().cloned().collect())
            }
        };
        if resumed {
            self.resumed(target);
        }
        let Some(threads) = threads else {
            return false;
        };
        for t in threads {
            t.notify();
        }
        // A signalfd polled by any thread may have become readable.
        crate::fs::poll::notify();
        let _guard = target.lock();
        target.event.notify_all();
        true
    }

    /// Sends a thread-directed signal (tgkill, a fault, SIGPIPE) to thread `to` of `target`.
    /// True if it became pending.
    pub fn send_thread(&self, target: &Process, to: &signal::ThreadSignals, info: SigInfo) -> bool {
        let resumed;
        {
            let mut p = target.lock();
            if p.exit.is_some() || p.group_exit.is_some() {
                return false;
            }
            if info.signo == libc::SIGKILL {
                drop(p);
                return self.send_process(target, info);
            }
            resumed = Self::prepare_signal(&mut p, info.signo);
            // A tracer hears of every signal its tracee gets, ignored ones too (sig_ignored).
            let traced = !self.tracees.is_empty()
                && p.thread_signals
                    .iter()
                    .find(|(_, t)| std::ptr::eq(Arc::as_ptr(t), to))
                    .is_some_and(|(&tid, _)| self.tracees.get(tid).is_some());
            if Self::ignored(&p, info.signo, to.mask()) && !traced {
                drop(p);
                if resumed {
                    self.resumed(target);
                }
                return false;
            }
        }
        if resumed {
            self.resumed(target);
        }
        if !to.pending().add(info) {
            return false;
        }
        to.notify();
        crate::fs::poll::notify();
        let _guard = target.lock();
        target.event.notify_all();
        true
    }

    /// Whether process group `pgid` is orphaned (credentials(7)): no live member has a parent
    /// in another group of the same session. `ignore` is a process about to end.
    pub fn pgrp_orphaned(&self, pgid: i32, ignore: i32) -> bool {
        for p in self.processes() {
            let (ppid, sid) = {
                let s = p.lock();
                if s.pgid != pgid || s.exit.is_some() || p.pid == ignore {
                    continue;
                }
                (s.ppid, s.sid)
            };
            let Some(parent) = self.process(ppid) else {
                continue;
            };
            let pp = parent.lock();
            if pp.pgid != pgid && pp.sid == sid {
                return false;
            }
        }
        true
    }

    /// The live members of process group `pgid`.
    pub fn pgrp_members(&self, pgid: i32) -> Vec<Arc<Process>> {
        self.processes()
            .into_iter()
            .filter(|p| {
                let s = p.lock();
                s.pgid == pgid && s.exit.is_none()
            })
            .collect()
    }

    /// When process `exiting` ends, groups it kept from being orphaned (its own, and its
    /// children's) that have stopped members get SIGHUP then SIGCONT (POSIX: the stopped
    /// jobs would otherwise never be continued).
    pub fn kill_orphaned_pgrps(&self, exiting: &Process, children: &[i32]) {
        let (my_pgid, my_sid, ppid) = {
            let s = exiting.lock();
            (s.pgid, s.sid, s.ppid)
        };
        let mut groups = Vec::new();
        if let Some(parent) = self.process(ppid) {
            let pp = parent.lock();
            if pp.pgid != my_pgid && pp.sid == my_sid {
                groups.push(my_pgid);
            }
        }
        for &c in children {
            if let Some(child) = self.process(c) {
                let s = child.lock();
                if s.pgid != my_pgid && s.sid == my_sid && !groups.contains(&s.pgid) {
                    groups.push(s.pgid);
                }
            }
        }
        for pgid in groups {
            let members = self.pgrp_members(pgid);
            let stopped = members.iter().any(|m| m.lock().stopped);
            if !stopped || !self.pgrp_orphaned(pgid, exiting.pid) {
                continue;
            }
            for sig in [libc::SIGHUP, libc::SIGCONT] {
                for m in &members {
                    self.send_process(m, SigInfo::sent(sig, signal::SI_KERNEL, 0, 0));
                }
            }
        }
    }

    /// Kills every process (the sandbox is ending).
    pub fn kill_all(&self) {
        for p in self.processes() {
            self.send_process(&p, SigInfo::sent(libc::SIGKILL, signal::SI_USER, 0, 0));
        }
    }
}

fn host_credentials() -> Credentials {
    // SAFETY: these calls have no preconditions and cannot fail.
    unsafe {
        Credentials {
            uid: libc::getuid(),
            euid: libc::geteuid(),
            gid: libc::getgid(),
            egid: libc::getegid(),
        }
    }
}

/// The sentry's own capability sets, as capget(2) gives them.
fn host_caps() -> (u64, u64, u64) {
    // _LINUX_CAPABILITY_VERSION_3 with this process.
    let mut header: [u32; 2] = [0x2008_0522, 0];
    let mut data = [0u32; 6];
    // SAFETY: header and data have the sizes capget writes for version 3 (two data words).
    let r = unsafe { libc::syscall(libc::SYS_capget, header.as_mut_ptr(), data.as_mut_ptr()) };
    if r != 0 {
        return (0, 0, 0);
    }
    let join = |i: usize| u64::from(data[i]) | (u64::from(data[3 + i]) << 32);
    (join(0), join(1), join(2))
}

fn host_groups() -> Vec<u32> {
    let mut groups = vec![0u32; 65536];
    // SAFETY: groups holds as many gid_t as we say.
    let n = unsafe { libc::getgroups(groups.len() as i32, groups.as_mut_ptr()) };
    groups.truncate(usize::try_from(n).unwrap_or(0));
    groups
}

/// The CPUs the sandbox may use: the host process's affinity, in the size Linux's
/// sched_getaffinity returns (cpumask_size(), whole longs).
fn host_cpu_mask() -> Vec<u8> {
    let mut buf = vec![0u8; 1024];
    // SAFETY: buf is writable for its length; the raw syscall returns the bytes it wrote.
    let n = unsafe { libc::syscall(libc::SYS_sched_getaffinity, 0, buf.len(), buf.as_mut_ptr()) };
    buf.truncate(usize::try_from(n).unwrap_or(8).max(8));
    buf
}

fn raise_nofile_limit() {
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write one rlimit.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) == 0 && l.rlim_cur < l.rlim_max {
            l.rlim_cur = l.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        }
    }
}

/// Runs a sandbox until its first process exits. Call from a thread of its own: that thread
/// serves the first task (ptrace requires the tracer be one thread).
pub fn run(config: SandboxConfig, platform: Box<dyn Platform>) -> Result<ExitStatus, SandboxError> {
    let vfs = crate::vfs::setup::build(&config.storage).map_err(SandboxError::Files)?;
    let mem = Arc::new(MemoryFile::new(MEMORY_FILE_SIZE)?);
    // Read before the sentry's thread pins itself below.
    let cpus = match config.pin_cpu {
        Some(_) => platform::allowed_cpus(0),
        None => Vec::new(),
    };
    let kernel = Arc::new_cyclic(|me| Kernel {
        mem,
        pin_cpu: config.pin_cpu,
        cpus,
        platform,
        vfs,
        uts: Mutex::new(Uts {
            hostname: config.hostname.into_bytes(),
            domainname: b"(none)".to_vec(),
        }),
        strace: config.strace,
        boot: Instant::now(),
        creds: host_credentials(),
        cpu_mask: host_cpu_mask(),
        groups: host_groups(),
        caps: host_caps(),
        pids: Mutex::new(PidTable::default()),
        futexes: futex::FutexTable::default(),
        timers: timer::TimerQueue::default(),
        ptys: crate::fs::tty::pty::PtyTable::new(me.clone()),
        net: crate::net::Stack::new(config.network),
        unimplemented: Mutex::new(HashSet::new()),
        unsupported: Mutex::new(HashSet::new()),
        tree_lock: Mutex::new(()),
        ipc: ipc::Ipc::default(),
        page_cache: crate::mm::PageCache::default(),
        mqueue: Default::default(),
        tracees: Default::default(),
    });
    if let Some(cpu) = config.pin_cpu {
        if let Err(e) = platform::pin_current_thread(cpu) {
            tracing::warn!("could not pin the sentry thread to CPU {cpu}: {e}");
        }
    }
    crate::vfs::setup::mount_kernel_fs(&kernel.vfs, Arc::downgrade(&kernel))
        .map_err(SandboxError::Files)?;
    let root = kernel.vfs.root();
    let cwd = crate::vfs::setup::resolve_from_root(&kernel.vfs, &config.cwd)
        .unwrap_or_else(|_| root.clone());
    let fs = FsContext {
        root: root.clone(),
        cwd,
        umask: 0o022,
    };
    let lookup = crate::vfs::Lookup {
        vfs: &kernel.vfs,
        resolve: 0,
        root: fs.root.clone(),
        cwd: fs.cwd.clone(),
        creds: kernel.initial_cred().fs(),
    };
    let args = ExecArgs {
        filename: config.path.clone().into_bytes(),
        path: config.path.clone().into_bytes(),
        argv: config.argv,
        envp: config.envp,
    };
    if kernel.strace {
        crate::syscalls::trace_line(format_args!("{}", task::format_initial_exec(&args)));
    }
    let pid = kernel.alloc_pid().map_err(|errno| SandboxError::Exec {
        path: config.path.clone(),
        errno,
    })?;
    let loaded =
        loader::load(&kernel, &lookup, None, args, &kernel.creds, None).map_err(|errno| {
            SandboxError::Exec {
                path: config.path.clone(),
                errno,
            }
        })?;
    drop(lookup);
    let terminal = match config.terminal {
        Some(setup) => {
            let (term, slave) = terminal::Terminal::new(&kernel).map_err(SandboxError::Files)?;
            let term = Arc::new(term);
            setup(term.clone());
            Some((term, slave))
        }
        None => None,
    };
    let stdio = terminal.as_ref().map(|(_, slave)| slave.clone());
    let mut task = Task::new_init(kernel.clone(), pid, loaded, fs, stdio);
    if let Some((term, _)) = terminal {
        // PID 1 leads its session and group: the terminal becomes its controlling one, with
        // its group in the foreground.
        term.pty()
            .make_ctty(&kernel, &task.process, false)
            .map_err(SandboxError::Files)?;
    }
    // The app's limits are copied above; the sentry itself may hold many fds (shared file
    // fds, memfds), so its own soft limit goes up to the hard one.
    raise_nofile_limit();
    let result = task.run();
    let status = *result
        .as_ref()
        .unwrap_or(&ExitStatus::Signaled(libc::SIGKILL));
    task.exit_process(status);
    // When PID 1 ends, the sandbox ends: every other process is killed (as in a PID namespace).
    kernel.kill_all();
    Ok(result?)
}
