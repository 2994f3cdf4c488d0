//! Signal dispositions and masks. Handlers are recorded; running them (signal frames on the
//! app's stack) arrives with the processes issue, so for now a signal whose disposition is a
//! handler is logged and dropped, and default actions are carried out.

/// `struct sigaction` as the x86_64 kernel takes it in rt_sigaction (not glibc's layout).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct SigAction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

// SAFETY: four u64s, no padding.
unsafe impl crate::mm::Pod for SigAction {}

pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;
/// Signals numbered 1..=64.
pub const NSIG: usize = 64;

/// What a signal does when its disposition is SIG_DFL (signal(7)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    Terminate,
    CoreDump,
    Ignore,
    Stop,
    Continue,
}

pub fn default_action(sig: i32) -> DefaultAction {
    use DefaultAction::*;
    match sig {
        libc::SIGQUIT
        | libc::SIGILL
        | libc::SIGTRAP
        | libc::SIGABRT
        | libc::SIGBUS
        | libc::SIGFPE
        | libc::SIGSEGV
        | libc::SIGXCPU
        | libc::SIGXFSZ
        | libc::SIGSYS => CoreDump,
        libc::SIGCHLD | libc::SIGURG | libc::SIGWINCH => Ignore,
        libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU => Stop,
        libc::SIGCONT => Continue,
        _ => Terminate,
    }
}

/// A bit for signal `sig` in a 64-bit signal set.
pub fn sig_bit(sig: i32) -> u64 {
    1u64 << (sig - 1)
}

/// SIGKILL and SIGSTOP can be neither blocked nor caught.
pub const UNBLOCKABLE: u64 = (1 << (libc::SIGKILL - 1)) | (1 << (libc::SIGSTOP - 1));

/// `stack_t` on x86_64: ss_sp, ss_flags (int, padded), ss_size.
#[derive(Clone, Copy, Default)]
#[repr(C)]
pub struct StackT {
    pub sp: u64,
    pub flags: i32,
    pub pad: i32,
    pub size: u64,
}

// SAFETY: integers only; the padding is an explicit field.
unsafe impl crate::mm::Pod for StackT {}

/// A thread's signal mask and alternate stack (the dispositions are the process's).
#[derive(Clone, Default)]
pub struct SignalState {
    pub mask: u64,
    pub altstack: StackT,
}

/// execve keeps ignored signals ignored and resets handled ones to the default.
pub fn reset_for_exec(actions: &mut [SigAction; NSIG]) {
    for a in actions.iter_mut() {
        if a.handler != SIG_IGN {
            *a = SigAction::default();
        }
    }
}

/// What happens to the whole process if `sig` arrives now, given its dispositions and the
/// thread's mask: `Some(sig)` if it dies of it. `fault` marks a synchronous fault of the
/// app's own, which Linux never lets it ignore or block.
pub fn fatal(actions: &[SigAction; NSIG], mask: u64, sig: i32, fault: bool) -> Option<i32> {
    let action = actions[(sig - 1) as usize];
    if fault {
        if action.handler > SIG_IGN {
            tracing::warn!("signal {sig}: handler not run (signal delivery not implemented yet)");
        }
        return Some(sig);
    }
    if mask & sig_bit(sig) != 0 && sig_bit(sig) & UNBLOCKABLE == 0 {
        tracing::debug!("signal {sig} blocked: dropped (pending signals not implemented yet)");
        return None;
    }
    match action.handler {
        SIG_DFL => match default_action(sig) {
            DefaultAction::Terminate | DefaultAction::CoreDump => Some(sig),
            _ => None,
        },
        SIG_IGN => None,
        _ => {
            tracing::warn!("signal {sig}: handler not run (signal delivery not implemented yet)");
            None
        }
    }
}
