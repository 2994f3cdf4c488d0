//! The kernel: what all tasks of a sandbox share, and starting the first one.

pub mod signal;
pub mod task;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use platform::{MemoryFile, Platform};

use crate::errno::Errno;
use crate::fs::host::HostRoot;
use crate::fs::Vfs;
use crate::loader::{self, Credentials, ExecArgs};
pub use signal::{SigAction, SignalState};
pub use task::Task;

/// How big the memory file may grow: the most app memory a sandbox can hold at once.
const MEMORY_FILE_SIZE: u64 = 1 << 40;

/// What a sandbox's first program is and how to run it.
pub struct SandboxConfig {
    /// Absolute path of the program (resolved through PATH by the caller).
    pub path: String,
    pub argv: Vec<Vec<u8>>,
    pub envp: Vec<Vec<u8>>,
    /// The working directory (absolute).
    pub cwd: String,
    /// Print every syscall to stderr, strace-style.
    pub strace: bool,
    /// The CPU to keep each sentry thread and its stub on; `None` lets them float.
    pub pin_cpu: Option<usize>,
    /// The sandbox's hostname (uname's nodename).
    pub hostname: String,
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
}

/// What every task of a sandbox shares.
pub struct Kernel {
    pub mem: Arc<MemoryFile>,
    pub platform: Box<dyn Platform>,
    pub vfs: Vfs,
    pub hostname: String,
    pub strace: bool,
    pub boot: Instant,
    /// The real ids of the sandbox's user (the caller's).
    pub creds: Credentials,
    /// The supplementary groups of the sandbox's user (the caller's).
    pub groups: Vec<u32>,
    /// The sandbox's CPUs, as sched_getaffinity reports them (the host's at start-up).
    pub cpu_mask: Vec<u8>,
    /// Syscall numbers already logged as unimplemented.
    unimplemented: Mutex<HashSet<u64>>,
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

/// Runs a sandbox until its first process exits. Call from a thread of its own: that thread
/// serves the first task (ptrace requires the tracer be one thread).
pub fn run(config: SandboxConfig, platform: Box<dyn Platform>) -> Result<ExitStatus, SandboxError> {
    let kernel = Arc::new(Kernel {
        mem: Arc::new(MemoryFile::new(MEMORY_FILE_SIZE)?),
        platform,
        vfs: Vfs::new(Arc::new(HostRoot)),
        hostname: config.hostname,
        strace: config.strace,
        boot: Instant::now(),
        creds: host_credentials(),
        cpu_mask: host_cpu_mask(),
        groups: host_groups(),
        unimplemented: Mutex::new(HashSet::new()),
    });
    if let Some(cpu) = config.pin_cpu {
        if let Err(e) = platform::pin_current_thread(cpu) {
            tracing::warn!("could not pin the sentry thread to CPU {cpu}: {e}");
        }
    }
    let args = ExecArgs {
        filename: config.path.clone().into_bytes(),
        path: config.path.clone(),
        argv: config.argv,
        envp: config.envp,
    };
    if kernel.strace {
        eprintln!("{}", task::format_initial_exec(&args));
    }
    let loaded = loader::load(&kernel, &config.path, args, &kernel.creds).map_err(|errno| {
        SandboxError::Exec {
            path: config.path.clone(),
            errno,
        }
    })?;
    let mut task = Task::new_init(kernel.clone(), loaded, config.cwd);
    Ok(task.run()?)
}
