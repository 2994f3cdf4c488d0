//! The syscall surface: one dispatch table from number to handler and support level, and the
//! handlers, one file per family, named after Linux (`sys_openat`).
//!
//! The same table feeds `--strace` names (through `syscall-tables`) and the generated support
//! document `docs/syscalls.md`.

mod cred;
mod fs;
mod futex;
mod inotify;
mod ipc;
mod mmap;
mod mqueue;
mod namei;
mod numa;
mod path;
mod poll;
mod process;
mod ptrace;
mod read_write;
mod seccomp;
mod signal;
mod socket;
mod stat;
mod sys;
mod table;
mod task;
mod time;
mod timer;
mod tty;

use crate::errno::{Errno, SysResult};
use crate::kernel::Task;
pub use table::{support_markdown, Support};

/// The raw arguments of a syscall, with lossless typed views. C `int` arguments take the low
/// 32 bits of their register, as the kernel does.
#[derive(Clone, Copy, Debug)]
pub struct SyscallArgs {
    pub raw: [u64; 6],
}

impl SyscallArgs {
    /// Argument `i` as a C `int` (fds, flags, signal numbers).
    pub fn int(&self, i: usize) -> i32 {
        self.raw[i] as u32 as i32
    }

    /// Argument `i` as a C `unsigned int`.
    pub fn uint(&self, i: usize) -> u32 {
        self.raw[i] as u32
    }

    /// Argument `i` as an address or `size_t`/`unsigned long`.
    pub fn u64(&self, i: usize) -> u64 {
        self.raw[i]
    }

    /// Argument `i` as a `long`/`off_t`.
    pub fn i64(&self, i: usize) -> i64 {
        self.raw[i] as i64
    }
}

/// A syscall handler.
pub type Handler = fn(&mut Task, &SyscallArgs) -> SysResult;

/// Serves the syscall the task trapped on, and puts the result in its `rax`.
pub fn dispatch(task: &mut Task) {
    // A tracer that resumed this thread with PTRACE_SYSCALL sees the call before it runs
    // (and may change it, or skip it with number -1) and after.
    let tracer_watch = task
        .kernel
        .tracees
        .get(task.tid)
        .filter(|t| t.state().syscall);
    if let Some(t) = &tracer_watch {
        task.regs.0.rax = (-i64::from(Errno::ENOSYS.0)) as u64;
        t.state().syscall_entry = Some(true);
        syscall_stop(task, t);
        t.state().syscall_entry = None;
        if task.exit.is_some() {
            return;
        }
        if task.regs.syscall_nr() == u64::MAX {
            syscall_exit_stop(task, t);
            return;
        }
    }
    let nr = task.regs.syscall_nr();
    let args = SyscallArgs {
        raw: task.regs.syscall_args(),
    };
    // Only the 64-bit `syscall` instruction (0f 05) speaks this table; `int 0x80` and
    // `sysenter` use the 32-bit numbering, which is not supported.
    // execve replaces the memory its arguments live in: format its line before it runs.
    let strace_pre =
        (task.kernel.strace && is_exec(nr)).then(|| format_strace(task, nr, &args, None));
    let mut insn = [0u8; 2];
    let at = task.regs.0.rip.wrapping_sub(2);
    // The vDSO's fallback calls come from above the app's range (platform's vdso module).
    let readable =
        task.mm.read_code(at, &mut insn).is_ok() || platform::read_vdso_code(at, &mut insn);
    let native = readable && insn == [0x0f, 0x05];
    // The program's own seccomp filters come first.
    if native
        && task
            .sig
            .seccomp_on
            .load(std::sync::atomic::Ordering::Relaxed)
    {
        match seccomp::check(task, nr, &args) {
            seccomp::Verdict::Run => {}
            seccomp::Verdict::Return(rax) => {
                task.regs.set_return(rax);
                return;
            }
            seccomp::Verdict::Killed => return,
        }
    }
    let result = match table::lookup(nr) {
        _ if !native => {
            task.kernel.log_unsupported(
                "32-bit syscall (int 0x80 or sysenter)",
                nr,
                "the 32-bit ABI is not offered",
            );
            Err(Errno::ENOSYS)
        }
        Some(entry) => (entry.handler)(task, &args),
        None => {
            task.kernel.log_unimplemented(nr);
            Err(Errno::ENOSYS)
        }
    };
    let rax = match result {
        Ok(v) => v,
        Err(e) if e.is_restart() => {
            // Settled when signals are delivered: restarted, or EINTR for a handler.
            task.restart = Some(e);
            (-i64::from(e.0)) as u64
        }
        Err(e) => {
            tracing::debug!("-> {e:?}");
            (-i64::from(e.0)) as u64
        }
    };
    if task.kernel.strace {
        let line = match strace_pre {
            Some(pre) => {
                let head = pre.strip_suffix(" = ?").unwrap_or(&pre).to_string();
                head + &format_return(rax)
            }
            None => {
                let ret = task.exit.is_none().then_some(rax as i64);
                format_strace(task, nr, &args, ret)
            }
        };
        // As strace -f: lines of tasks other than the first carry their (sandbox) tid.
        if task.tid == 1 {
            trace_line(format_args!("{line}"));
        } else {
            trace_line(format_args!("[pid {:>5}] {line}", task.tid));
        }
    }
    if task.exit.is_none() {
        task.regs.set_return(rax);
        if let Some(t) = &tracer_watch {
            syscall_exit_stop(task, t);
        }
    }
}

/// A syscall-enter or syscall-exit stop for the thread's tracer: SIGTRAP, with 0x80 under
/// PTRACE_O_TRACESYSGOOD.
fn syscall_stop(task: &mut Task, t: &std::sync::Arc<crate::kernel::ptrace::Tracee>) {
    let good = t.state().options & crate::kernel::ptrace::O_TRACESYSGOOD != 0;
    let sig = libc::SIGTRAP | if good { 0x80 } else { 0 };
    let info = crate::kernel::signal::SigInfo {
        signo: libc::SIGTRAP,
        code: sig,
        ..Default::default()
    };
    let pass = task.ptrace_stop(t, sig, 0, info);
    if pass > 0 {
        let info = crate::kernel::signal::SigInfo::sent(pass, 0, 0, 0);
        task.sig.pending().add(info);
        task.sig
            .maybe_pending
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The syscall-exit stop, if the tracer still asks for syscall stops (the entry stop's
/// resume, or a detach meanwhile, set that).
fn syscall_exit_stop(task: &mut Task, t: &std::sync::Arc<crate::kernel::ptrace::Tracee>) {
    if !t.state().syscall {
        return;
    }
    t.state().syscall_entry = Some(false);
    syscall_stop(task, t);
    t.state().syscall_entry = None;
}

fn is_exec(nr: u64) -> bool {
    nr == syscall_tables::nr::EXECVE || nr == syscall_tables::nr::EXECVEAT
}

fn format_strace(task: &Task, nr: u64, args: &SyscallArgs, ret: Option<i64>) -> String {
    let mem = |addr: u64, len: usize| {
        let got = task.mm.read_partial(addr, len);
        (!got.is_empty()).then_some(got)
    };
    syscall_tables::format_syscall(nr, &args.raw, ret, &mem)
}

fn format_return(rax: u64) -> String {
    let v = rax as i64;
    if (-4095..0).contains(&v) {
        let e = Errno((-v) as i32);
        format!(
            " = -1 {} ({})",
            e.name(),
            syscall_tables::errno_message(e.0)
        )
    } else {
        format!(" = {v}")
    }
}

/// Prints one `--strace` line to the sentry's stderr. A stderr that went away (a closed pipe:
/// `blinders do --strace ... 2>&1 | head`) drops the line: the trace is the user's, the program
/// runs on regardless, as strace's tracee does.
pub fn trace_line(line: std::fmt::Arguments) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
