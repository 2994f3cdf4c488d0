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

/// The stop signals: SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU.
pub const STOP_SIGNALS: u64 = (1 << (libc::SIGSTOP - 1))
    | (1 << (libc::SIGTSTP - 1))
    | (1 << (libc::SIGTTIN - 1))
    | (1 << (libc::SIGTTOU - 1));

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

/// A thread's alternate signal stack and the state of a sigsuspend in progress (its mask and
/// pending signals are in [`ThreadSignals`], its dispositions in the process).
#[derive(Clone, Default)]
pub struct SignalState {
    pub altstack: StackT,
    /// The mask to restore once a handler interrupted rt_sigsuspend.
    pub saved_mask: Option<u64>,
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

/// What a signal's receiver learns of it (the parts of `siginfo_t` we fill).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigInfo {
    pub signo: i32,
    pub code: i32,
    /// Sender's pid (kill-like signals) or child's pid (SIGCHLD).
    pub pid: i32,
    pub uid: u32,
    /// Faulting address (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP).
    pub addr: u64,
    /// SIGCHLD: exit code or signal.
    pub status: i32,
    /// sigqueue's value, or a POSIX timer's sigev_value.
    pub value: u64,
    /// SI_TIMER: the timer's id (si_timerid) and its overrun count (si_overrun).
    pub timer_id: i32,
    pub overrun: i32,
    /// An I/O signal of F_SETSIG: si_band and si_fd.
    pub poll: Option<(i64, i32)>,
    /// si_errno (a seccomp SIGSYS carries the filter's data there).
    pub errno: i32,
    /// A seccomp SIGSYS: the syscall number and its arch (si_syscall, si_arch); `addr` is
    /// si_call_addr.
    pub sys: Option<(i32, u32)>,
}

/// si_code of a signal sent by kill(2).
pub const SI_USER: i32 = 0;
/// si_code of a signal sent by tkill/tgkill.
pub const SI_TKILL: i32 = -6;
/// si_code of a POSIX timer's expiry (timer_create(2)).
pub const SI_TIMER: i32 = -2;
/// si_code of a signal the kernel sends itself (an itimer's SIGALRM, SIGVTALRM, SIGPROF).
pub const SI_KERNEL: i32 = 0x80;

impl SigInfo {
    /// A signal sent by process `pid` with kill(2) (`code` SI_USER) or tgkill (SI_TKILL).
    pub fn sent(signo: i32, code: i32, pid: i32, uid: u32) -> SigInfo {
        SigInfo {
            signo,
            code,
            pid,
            uid,
            ..SigInfo::default()
        }
    }

    /// The 128-byte `siginfo_t` as Linux lays it out on x86_64.
    pub fn to_bytes(&self) -> [u8; 128] {
        let mut b = [0u8; 128];
        b[0..4].copy_from_slice(&self.signo.to_ne_bytes());
        b[4..8].copy_from_slice(&self.errno.to_ne_bytes());
        b[8..12].copy_from_slice(&self.code.to_ne_bytes());
        if let Some((nr, arch)) = self.sys {
            // _sifields._sigsys: si_call_addr, si_syscall, si_arch.
            b[16..24].copy_from_slice(&self.addr.to_ne_bytes());
            b[24..28].copy_from_slice(&nr.to_ne_bytes());
            b[28..32].copy_from_slice(&arch.to_ne_bytes());
            return b;
        }
        let fault = matches!(
            self.signo,
            libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE | libc::SIGTRAP
        ) && self.code > 0;
        if fault {
            b[16..24].copy_from_slice(&self.addr.to_ne_bytes());
        } else if let Some((band, fd)) = self.poll {
            // _sifields._sigpoll: si_band, si_fd.
            b[16..24].copy_from_slice(&band.to_ne_bytes());
            b[24..28].copy_from_slice(&fd.to_ne_bytes());
        } else if self.code == SI_TIMER {
            // _sifields._timer: si_tid, si_overrun, si_sigval.
            b[16..20].copy_from_slice(&self.timer_id.to_ne_bytes());
            b[20..24].copy_from_slice(&self.overrun.to_ne_bytes());
            b[24..32].copy_from_slice(&self.value.to_ne_bytes());
        } else {
            b[16..20].copy_from_slice(&self.pid.to_ne_bytes());
            b[20..24].copy_from_slice(&self.uid.to_ne_bytes());
            if self.signo == libc::SIGCHLD {
                b[24..28].copy_from_slice(&self.status.to_ne_bytes());
            } else {
                b[24..32].copy_from_slice(&self.value.to_ne_bytes());
            }
        }
        b
    }
}

/// The first real-time signal (the kernel's SIGRTMIN; glibc keeps 32 and 33 for itself).
pub const SIGRTMIN: i32 = 32;
/// At most this many instances of real-time signals wait behind the first of each, per
/// thread or process (Linux's limit is RLIMIT_SIGPENDING per user).
const MAX_QUEUED: usize = 4096;

/// Pending signals: a set, and the info of each. Standard signals do not queue; each
/// real-time signal sent is delivered, in order (signal(7)): instances past the first wait in
/// `queued`.
#[derive(Clone)]
pub struct SigPending {
    pub set: u64,
    pub info: [SigInfo; NSIG],
    queued: std::collections::VecDeque<SigInfo>,
}

impl Default for SigPending {
    fn default() -> Self {
        SigPending {
            set: 0,
            info: [SigInfo::default(); NSIG],
            queued: std::collections::VecDeque::new(),
        }
    }
}

impl SigPending {
    /// Makes `info` pending; false if it was not (a standard signal pending already, or the
    /// real-time queue full).
    pub fn add(&mut self, info: SigInfo) -> bool {
        let bit = sig_bit(info.signo);
        if self.set & bit != 0 {
            if info.signo < SIGRTMIN || self.queued.len() >= MAX_QUEUED {
                return false;
            }
            self.queued.push_back(info);
            return true;
        }
        self.set |= bit;
        self.info[(info.signo - 1) as usize] = info;
        true
    }

    /// How many signals are pending, queued instances included (/proc's SigQ).
    pub fn count(&self) -> usize {
        self.set.count_ones() as usize + self.queued.len()
    }

    /// Discards the pending signals whose info matches `f` (a deleted or re-armed timer's).
    pub fn remove_where(&mut self, f: impl Fn(&SigInfo) -> bool) {
        self.queued.retain(|i| !f(i));
        for i in 0..NSIG {
            if self.set & (1 << i) != 0 && f(&self.info[i]) {
                self.set &= !(1 << i);
                self.promote(i as i32 + 1);
            }
        }
    }

    /// Takes the lowest-numbered pending signal not in `blocked`.
    pub fn take(&mut self, blocked: u64) -> Option<SigInfo> {
        let ready = self.set & !blocked;
        if ready == 0 {
            return None;
        }
        let sig = ready.trailing_zeros() as i32 + 1;
        self.set &= !sig_bit(sig);
        let info = self.info[(sig - 1) as usize];
        self.promote(sig);
        Some(info)
    }

    /// The next queued instance of `sig`, if any, becomes the pending one.
    fn promote(&mut self, sig: i32) {
        if sig < SIGRTMIN {
            return;
        }
        if let Some(at) = self.queued.iter().position(|i| i.signo == sig) {
            if let Some(next) = self.queued.remove(at) {
                self.set |= sig_bit(sig);
                self.info[(sig - 1) as usize] = next;
            }
        }
    }
}

/// A thread's signal state that other threads touch: its mask, its pending signals, and how
/// to make it trap.
#[derive(Default)]
pub struct ThreadSignals {
    pub mask: std::sync::atomic::AtomicU64,
    pub pending: std::sync::Mutex<SigPending>,
    /// Set by senders; the thread checks for signals before returning to the app.
    pub maybe_pending: std::sync::atomic::AtomicBool,
    pub kicker: std::sync::Mutex<platform::Kicker>,
    /// The thread may be running app code (set before it last checked `maybe_pending` on its
    /// way back to the app, cleared when it traps): only then does a sender kick it. A thread
    /// in the sentry looks at `maybe_pending` before it returns to the app anyway, and a
    /// kick would cost it a whole extra stop (a signal it sends itself, say).
    pub in_app: std::sync::atomic::AtomicBool,
    /// How to wake the thread from the sentry wait it is blocked in, if any.
    pub waker: std::sync::Mutex<Option<Waker>>,
    /// The thread's robust futex list head (set_robust_list), for get_robust_list of
    /// another thread.
    pub robust_head: std::sync::atomic::AtomicU64,
    /// The thread's seccomp mode and filters (here, not in the Task, because
    /// SECCOMP_FILTER_FLAG_TSYNC sets every thread's), and whether there is any: the
    /// syscall path looks at the flag alone.
    pub seccomp: std::sync::Mutex<super::seccomp::Mode>,
    pub seccomp_on: std::sync::atomic::AtomicBool,
}

impl ThreadSignals {
    /// The thread's seccomp mode.
    pub fn seccomp(&self) -> super::seccomp::Mode {
        self.seccomp
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Sets the thread's seccomp mode.
    pub fn set_seccomp(&self, mode: super::seccomp::Mode) {
        let on = !matches!(mode, super::seccomp::Mode::Disabled);
        *self.seccomp.lock().unwrap_or_else(|e| e.into_inner()) = mode;
        self.seccomp_on
            .store(on, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Wakes a thread blocked in a sentry wait (it locks the wait's mutex and notifies its
/// condition variable, so the wake-up cannot be lost).
pub type Waker = std::sync::Arc<dyn Fn() + Send + Sync>;

impl ThreadSignals {
    pub fn mask(&self) -> u64 {
        self.mask.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn set_mask(&self, mask: u64) {
        self.mask
            .store(mask & !UNBLOCKABLE, std::sync::atomic::Ordering::SeqCst);
        // A signal that was blocked may be deliverable now.
        self.maybe_pending
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn pending(&self) -> std::sync::MutexGuard<'_, SigPending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks a signal as possibly deliverable and interrupts the thread.
    pub fn notify(&self) {
        self.maybe_pending
            .store(true, std::sync::atomic::Ordering::SeqCst);
        // Paired with the thread's store of `in_app` before its load of `maybe_pending`
        // (both SeqCst): either it sees the signal, or we see it heading for the app.
        if self.in_app.load(std::sync::atomic::Ordering::SeqCst) {
            self.kicker.lock().unwrap_or_else(|e| e.into_inner()).kick();
        }
        let waker = self.waker.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(wake) = waker {
            wake();
        }
    }
}
