//! Thin, checked wrappers of the host calls the ptrace platform makes. Every `unsafe` of the
//! ptrace platform lives here.

use crate::{PlatformError, Regs, SignalInfo};

pub(super) enum WaitStatus {
    /// Stopped with a signal number and a ptrace event (status >> 16).
    Stopped(i32, i32),
    Exited(i32),
    Signaled(i32),
}

impl WaitStatus {
    /// Something like the raw wait status, for error messages.
    pub(super) fn raw(&self) -> i32 {
        match *self {
            WaitStatus::Stopped(sig, event) => (event << 16) | (sig << 8) | 0x7f,
            WaitStatus::Exited(code) => code << 8,
            WaitStatus::Signaled(sig) => sig,
        }
    }
}

pub(super) fn getpid() -> i32 {
    // SAFETY: no preconditions.
    unsafe { libc::getpid() }
}

/// Forks the calling thread. The child must call only async-signal-safe functions.
pub(super) fn fork() -> std::io::Result<i32> {
    // SAFETY: the child runs only `stub_child`, which makes raw, async-signal-safe calls
    // and never returns into Rust code that could touch locks held by other threads.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(pid)
}

/// The child side of a stub's birth: make the memory file its fd `memfd_target`, close every
/// other fd, map the code page, ask to be traced and stop. Never returns.
pub(super) fn stub_child(
    memfd: i32,
    memfd_target: i32,
    parent: i32,
    code_addr: u64,
    code: &[u8],
) -> ! {
    // SAFETY: only async-signal-safe calls on plain values; the code page is a fresh private
    // mapping of our own that we write before making it executable.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        if libc::getppid() != parent {
            libc::_exit(1);
        }
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
        if memfd != memfd_target && libc::dup2(memfd, memfd_target) != memfd_target {
            libc::_exit(2);
        }
        if memfd == memfd_target {
            // dup2 would have cleared close-on-exec; do it by hand (the stub never execs, but
            // keep the fd's state the same either way).
            libc::fcntl(memfd_target, libc::F_SETFD, 0);
        }
        unregister_rseq();
        libc::syscall(libc::SYS_close_range, memfd_target + 1, u32::MAX, 0);
        if memfd_target > 0 {
            libc::syscall(libc::SYS_close_range, 0, memfd_target - 1, 0);
        }
        let page = libc::mmap(
            code_addr as *mut libc::c_void,
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED_NOREPLACE,
            -1,
            0,
        );
        if page as u64 != code_addr {
            libc::_exit(3);
        }
        std::ptr::copy_nonoverlapping(code.as_ptr(), page.cast::<u8>(), code.len());
        if libc::mprotect(page, 4096, libc::PROT_READ | libc::PROT_EXEC) != 0 {
            libc::_exit(4);
        }
        if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) != 0 {
            libc::_exit(5);
        }
        libc::kill(libc::getpid(), libc::SIGSTOP);
        libc::_exit(6);
    }
}

extern "C" {
    /// glibc (2.35+): offset of this thread's `struct rseq` from the thread pointer.
    static __rseq_offset: isize;
    /// glibc (2.35+): size of the registered area's features; 0 if rseq is not registered.
    static __rseq_size: libc::c_uint;
}

/// The signature glibc registers rseq with on x86.
const RSEQ_SIG: u32 = 0x5305_3053;

/// Drops the rseq registration the fork inherited from the sentry thread. Otherwise, once the
/// thread's TLS is unmapped, the kernel's rseq update on the next return to user mode faults
/// and kills the stub with SIGSEGV.
///
/// # Safety
/// Async-signal-safe; reads two glibc variables and the FS base.
unsafe fn unregister_rseq() {
    // SAFETY: the statics are plain integers glibc sets once at start-up.
    let (offset, size) = unsafe { (__rseq_offset, __rseq_size) };
    if size == 0 {
        return;
    }
    let mut tp: u64 = 0;
    // SAFETY: ARCH_GET_FS writes one u64 to the pointer.
    unsafe { libc::syscall(libc::SYS_arch_prctl, 0x1003, &mut tp as *mut u64) };
    let area = tp.wrapping_add_signed(offset as i64);
    // The kernel wants the length that was registered: glibc registers 32 bytes, or more in
    // later versions (then __rseq_size itself).
    for len in [32, size] {
        // SAFETY: RSEQ_FLAG_UNREGISTER only compares the arguments with the registration.
        if unsafe { libc::syscall(libc::SYS_rseq, area, len, 1, RSEQ_SIG) } == 0 {
            return;
        }
    }
}

pub(super) fn wait(pid: i32) -> Result<WaitStatus, PlatformError> {
    let mut status = 0;
    loop {
        // SAFETY: status is a valid out-pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::__WALL) };
        if r == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINTR) {
            return Err(PlatformError::Host {
                op: "waitpid",
                source: err,
            });
        }
    }
    Ok(if libc::WIFSTOPPED(status) {
        WaitStatus::Stopped(libc::WSTOPSIG(status), status >> 16)
    } else if libc::WIFSIGNALED(status) {
        WaitStatus::Signaled(libc::WTERMSIG(status))
    } else {
        WaitStatus::Exited(libc::WEXITSTATUS(status))
    })
}

fn check(op: &'static str, r: libc::c_long) -> Result<libc::c_long, PlatformError> {
    if r == -1 {
        return Err(PlatformError::last_os(op));
    }
    Ok(r)
}

pub(super) fn set_options(pid: i32, options: i32) -> Result<(), PlatformError> {
    // SAFETY: PTRACE_SETOPTIONS takes the options as data; no memory is passed.
    let r = unsafe { libc::ptrace(libc::PTRACE_SETOPTIONS, pid, 0, options as libc::c_long) };
    check("PTRACE_SETOPTIONS", r).map(drop)
}

pub(super) fn resume(pid: i32, request: libc::c_uint, sig: i32) -> Result<(), PlatformError> {
    // SAFETY: resume requests take only the signal number as data.
    let r = unsafe { libc::ptrace(request, pid, 0, sig as libc::c_long) };
    check("ptrace resume", r).map(drop)
}

pub(super) fn get_regs(pid: i32) -> Result<Regs, PlatformError> {
    let mut regs = Regs::default();
    // SAFETY: PTRACE_GETREGS writes one user_regs_struct to the given pointer.
    let r = unsafe { libc::ptrace(libc::PTRACE_GETREGS, pid, 0, &mut regs.0 as *mut _) };
    check("PTRACE_GETREGS", r)?;
    Ok(regs)
}

pub(super) fn set_regs(pid: i32, regs: &Regs) -> Result<(), PlatformError> {
    // SAFETY: PTRACE_SETREGS reads one user_regs_struct from the given pointer.
    let r = unsafe { libc::ptrace(libc::PTRACE_SETREGS, pid, 0, &regs.0 as *const _) };
    check("PTRACE_SETREGS", r).map(drop)
}

/// Reads `rax` alone (cheaper to copy than the whole register set).
pub(super) fn peek_rax(pid: i32) -> Result<i64, PlatformError> {
    peek_user(pid, std::mem::offset_of!(libc::user_regs_struct, rax))
}

/// Reads `r14` alone (the batch routine's count of calls done).
pub(super) fn peek_r14(pid: i32) -> Result<i64, PlatformError> {
    peek_user(pid, std::mem::offset_of!(libc::user_regs_struct, r14))
}

/// Reads one register, at `offset` in the user area.
fn peek_user(pid: i32, offset: usize) -> Result<i64, PlatformError> {
    // PEEKUSER returns the word itself, so -1 is ambiguous: clear errno first.
    // SAFETY: errno is thread-local; PTRACE_PEEKUSER reads a word at a valid user-area offset.
    unsafe {
        *libc::__errno_location() = 0;
        let r = libc::ptrace(libc::PTRACE_PEEKUSER, pid, offset, 0);
        if r == -1 && *libc::__errno_location() != 0 {
            return Err(PlatformError::last_os("PTRACE_PEEKUSER"));
        }
        Ok(r)
    }
}

pub(super) fn get_siginfo(pid: i32) -> Result<SignalInfo, PlatformError> {
    // SAFETY: siginfo_t is plain data; PTRACE_GETSIGINFO writes one to the pointer.
    let info: libc::siginfo_t = unsafe {
        let mut info = std::mem::zeroed::<libc::siginfo_t>();
        let r = libc::ptrace(libc::PTRACE_GETSIGINFO, pid, 0, &mut info as *mut _);
        check("PTRACE_GETSIGINFO", r)?;
        info
    };
    // SAFETY: si_addr reads the union's first pointer field, valid for every layout (it is
    // meaningful only for fault signals, which is all we use it for).
    let addr = unsafe { info.si_addr() } as u64;
    // SAFETY: si_pid reads the union's first int, the sender's pid for kill-like signals.
    let pid = unsafe { info.si_pid() };
    Ok(SignalInfo {
        signo: info.si_signo,
        code: info.si_code,
        pid,
        addr,
    })
}

pub(super) fn kill(pid: i32, sig: i32) {
    // SAFETY: pid is our own stub process (the caller tracks that it is not yet reaped).
    unsafe { libc::kill(pid, sig) };
}

/// Waits until the traced thread `tid` has exited (after a SIGKILL), discarding stops.
pub(super) fn wait_exit(tid: i32) {
    while let Ok(status) = wait(tid) {
        if !matches!(status, WaitStatus::Stopped(..)) {
            break;
        }
        // SAFETY: resuming our own tracee; it is dying and will not run app code.
        unsafe { libc::ptrace(libc::PTRACE_CONT, tid, 0, 0) };
    }
}

/// Reaps the stub process `pid` once it has died; gives up quietly if another thread of ours
/// already did.
pub(super) fn reap(pid: i32) {
    let mut status = 0;
    loop {
        // SAFETY: status is a valid out-pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::__WALL) };
        if r == pid && (libc::WIFEXITED(status) || libc::WIFSIGNALED(status)) {
            return;
        }
        if r < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return;
        }
    }
}

/// PTRACE_SEIZE with `options`.
pub(super) fn seize(tid: i32, options: i32) -> Result<(), PlatformError> {
    // SAFETY: PTRACE_SEIZE takes the options as data; no memory is passed.
    let r = unsafe { libc::ptrace(libc::PTRACE_SEIZE, tid, 0, options as libc::c_long) };
    check("PTRACE_SEIZE", r).map(drop)
}

/// PTRACE_INTERRUPT: stop a seized thread wherever it is.
pub(super) fn interrupt(tid: i32) -> Result<(), PlatformError> {
    // SAFETY: no memory is passed.
    let r = unsafe { libc::ptrace(libc::PTRACE_INTERRUPT, tid, 0, 0) };
    check("PTRACE_INTERRUPT", r).map(drop)
}

/// PTRACE_DETACH without a signal: the thread runs on, untraced.
pub(super) fn detach(tid: i32) -> Result<(), PlatformError> {
    // SAFETY: no memory is passed.
    let r = unsafe { libc::ptrace(libc::PTRACE_DETACH, tid, 0, 0) };
    check("PTRACE_DETACH", r).map(drop)
}

/// tgkill(2) of a stub thread.
pub(super) fn tgkill(pid: i32, tid: i32, sig: i32) {
    // SAFETY: a plain syscall on our own stub's thread; a stale tid fails harmlessly (ESRCH).
    unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, sig) };
}

/// NT_X86_XSTATE, the regset of the XSAVE area.
const NT_X86_XSTATE: libc::c_int = 0x202;
/// Big enough for any XSAVE area (AVX-512 and AMX included).
const XSTATE_MAX: usize = 16 * 1024;

/// The thread's XSAVE area (PTRACE_GETREGSET NT_X86_XSTATE), trimmed to what the CPU uses.
pub(super) fn get_xstate(tid: i32) -> Result<Vec<u8>, PlatformError> {
    let mut buf = vec![0u8; XSTATE_MAX];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: GETREGSET writes at most iov_len bytes to iov_base and shrinks iov_len to what
    // it wrote.
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_GETREGSET,
            tid,
            NT_X86_XSTATE,
            &mut iov as *mut libc::iovec,
        )
    };
    check("PTRACE_GETREGSET", r)?;
    buf.truncate(iov.iov_len);
    Ok(buf)
}

/// Loads an XSAVE area into the thread (PTRACE_SETREGSET NT_X86_XSTATE).
pub(super) fn set_xstate(tid: i32, state: &[u8]) -> Result<(), PlatformError> {
    let mut buf = state.to_vec();
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: SETREGSET reads at most iov_len bytes from iov_base.
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_SETREGSET,
            tid,
            NT_X86_XSTATE,
            &mut iov as *mut libc::iovec,
        )
    };
    check("PTRACE_SETREGSET", r).map(drop)
}
