//! A task: one app thread and the sentry state it runs against.

use std::sync::Arc;

use platform::{PlatformError, Regs, Trap};

use super::{ExitStatus, Kernel, SignalState};
use crate::fs::host::HostFile;
use crate::fs::{FdTable, File};
use crate::loader::{ExecArgs, Loaded};
use crate::mm::MemoryManager;
use crate::syscalls;

/// Resource limits, indexed by `RLIMIT_*`.
pub const RLIM_NLIMITS: usize = 16;

/// One app thread (for now: one process of one thread).
pub struct Task {
    pub kernel: Arc<Kernel>,
    /// The sandbox's own ids: the first process is PID 1.
    pub tid: i32,
    pub pid: i32,
    pub ppid: i32,
    pub regs: Regs,
    pub mm: MemoryManager,
    pub fds: FdTable,
    /// The working directory, absolute.
    pub cwd: String,
    pub umask: u32,
    /// The executable's absolute path: /proc/self/exe.
    pub exe: String,
    /// The thread's name (comm), 15 bytes at most.
    pub comm: Vec<u8>,
    pub signals: SignalState,
    pub rlimits: [libc::rlimit; RLIM_NLIMITS],
    pub clear_child_tid: u64,
    pub robust_list: (u64, u64),
    /// Set when the task has exited; the run loop returns it.
    pub exit: Option<ExitStatus>,
}

fn host_rlimits() -> [libc::rlimit; RLIM_NLIMITS] {
    let mut limits = [libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    }; RLIM_NLIMITS];
    for (i, l) in limits.iter_mut().enumerate() {
        // SAFETY: getrlimit writes one rlimit to a valid pointer; unknown resources fail
        // harmlessly and keep the default.
        unsafe { libc::getrlimit(i as _, l) };
    }
    limits
}

/// The name of an executable as comm shows it: its last path component, 15 bytes at most.
fn comm_of(path: &str) -> Vec<u8> {
    let name = path.rsplit('/').next().unwrap_or(path).as_bytes();
    name[..name.len().min(15)].to_vec()
}

/// The strace line of the sandbox's first execve, which the sentry makes itself.
pub fn format_initial_exec(args: &ExecArgs) -> String {
    let q = |s: &[u8]| format!("{:?}", String::from_utf8_lossy(s));
    let argv: Vec<String> = args.argv.iter().map(|a| q(a)).collect();
    format!(
        "execve({}, [{}], {:#x} /* {} vars */) = 0",
        q(&args.filename),
        argv.join(", "),
        0,
        args.envp.len()
    )
}

impl Task {
    /// The sandbox's first task, PID 1, with the sentry's stdin, stdout and stderr.
    pub fn new_init(kernel: Arc<Kernel>, loaded: Loaded, cwd: String) -> Task {
        let mut fds = FdTable::default();
        for fd in 0..3 {
            if let Some((file, flags)) = HostFile::from_stdio(fd) {
                fds.put(fd as usize, File::new(Arc::new(file), flags), false);
            }
        }
        Task {
            kernel,
            tid: 1,
            pid: 1,
            ppid: 0,
            regs: loaded.regs,
            mm: loaded.mm,
            fds,
            cwd,
            umask: 0o022,
            comm: comm_of(&loaded.exe),
            exe: loaded.exe,
            signals: SignalState::default(),
            rlimits: host_rlimits(),
            clear_child_tid: 0,
            robust_list: (0, 0),
            exit: None,
        }
    }

    /// Replaces the program (execve succeeded): new address space, close-on-exec fds closed,
    /// handlers reset.
    pub fn exec(&mut self, loaded: Loaded) {
        self.mm = loaded.mm;
        self.regs = loaded.regs;
        self.comm = comm_of(&loaded.exe);
        self.exe = loaded.exe;
        self.fds.close_on_exec();
        self.signals.reset_for_exec();
        self.clear_child_tid = 0;
        self.robust_list = (0, 0);
    }

    /// Runs the task until it exits.
    pub fn run(&mut self) -> Result<ExitStatus, PlatformError> {
        loop {
            let trap = self.mm.stub().switch(&mut self.regs)?;
            match trap {
                Trap::Syscall => syscalls::dispatch(self),
                Trap::Signal(info) => {
                    let fault = info.code > 0 || info.code == libc::SI_KERNEL;
                    tracing::debug!(?info, fault, "host signal for the app");
                    if let Some(sig) = self.signals.fatal(info.signo, fault) {
                        self.exit = Some(ExitStatus::Signaled(sig));
                    }
                }
                Trap::Died => {
                    tracing::warn!("the stub was killed from outside the sandbox");
                    self.exit = Some(ExitStatus::Signaled(libc::SIGKILL));
                }
            }
            if let Some(status) = self.exit {
                self.mm.stub().kill();
                return Ok(status);
            }
        }
    }

    /// The host pid of the stub, for reading its CPU clock. Never shown to the app.
    pub fn host_pid(&mut self) -> i32 {
        self.mm.stub().host_pid()
    }

    /// Sends the task a signal it raised by its own action (SIGPIPE on a broken pipe): it ends
    /// the task if the signal's disposition says so.
    pub fn raise_self(&mut self, sig: i32) {
        if let Some(sig) = self.signals.fatal(sig, false) {
            self.exit = Some(ExitStatus::Signaled(sig));
        }
    }
}
