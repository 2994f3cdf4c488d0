//! Blinders' platform: the only code that drives app processes.
//!
//! The sentry sees three things from here, as gVisor's kernel sees `Platform` and
//! `Context.Switch`:
//! - [`MemoryFile`]: the one file that backs all app memory, mapped into the sentry and into
//!   every stub, so copying syscall buffers is a plain memory copy in the sentry;
//! - [`Platform`]: creates address spaces (one stub process each) and adopts new stub threads;
//! - [`Context`]: one stub thread, run by one sentry thread: run an app thread until it traps
//!   ([`Context::switch`]), and change the mappings of its address space ([`Context::map`],
//!   [`Context::unmap`], [`Context::protect`]).
//!
//! The first implementation is ptrace with `PTRACE_SYSEMU` ([`ptrace::PtracePlatform`]): the app's
//! system calls never run on the host. A seccomp-based platform can be added beside it without
//! touching the sentry.

mod cpu;
mod memfile;
pub mod ptrace;
mod regs;
mod vdso;

pub use cpu::{allowed_cpus, current_cpu, name_current_thread, pin_current_thread};
pub use memfile::{MemoryError, MemoryFile};
pub use regs::Regs;
pub use vdso::{
    app_mappings as vdso_mappings, image_address as vdso_address, read_code as read_vdso_code,
    VDSO_AREA,
};

/// Lowest address an app may map (Linux's default `vm.mmap_min_addr`).
pub const APP_MIN_ADDR: u64 = 0x1_0000;
/// One past the highest address an app may map. Above it lie the host's vDSO (see `vdso`)
/// and the stub's own code page.
pub const APP_MAX_ADDR: u64 = VDSO_AREA;
/// Where each stub keeps the page with the instructions used to run host calls for it.
pub(crate) const STUB_CODE_ADDR: u64 = 0x7fff_fffe_0000;
/// The page size of x86_64.
pub const PAGE_SIZE: u64 = 4096;

/// Page protections, with Linux's `PROT_*` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Prot(u32);

impl Prot {
    pub const NONE: Prot = Prot(0);
    pub const READ: Prot = Prot(libc::PROT_READ as u32);
    pub const WRITE: Prot = Prot(libc::PROT_WRITE as u32);
    pub const EXEC: Prot = Prot(libc::PROT_EXEC as u32);
    pub const ALL: Prot = Prot(Self::READ.0 | Self::WRITE.0 | Self::EXEC.0);

    /// The protection with these `PROT_*` bits, or `None` if any other bit is set.
    pub const fn from_bits(bits: u64) -> Option<Prot> {
        if bits & !(Self::ALL.0 as u64) != 0 {
            return None;
        }
        Some(Prot(bits as u32))
    }

    /// The raw `PROT_*` bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every bit of `other` is set in `self`.
    pub const fn contains(self, other: Prot) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for Prot {
    type Output = Prot;
    fn bitor(self, rhs: Prot) -> Prot {
        Prot(self.0 | rhs.0)
    }
}

/// Why an app thread stopped running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trap {
    /// It executed `syscall`: the number is in `orig_rax`, the arguments in the registers.
    /// The host kernel did not run it.
    Syscall,
    /// A signal arrived for it: a fault of its own (SIGSEGV, SIGFPE, ... with `si_code > 0`) or
    /// one sent from outside the sandbox. The host did not deliver it; the sentry decides.
    Signal(SignalInfo),
    /// The stub died under us (killed from outside with SIGKILL, or out of memory).
    Died,
    /// The sentry interrupted the thread ([`Kicker::kick`]): nothing happened to the app.
    Kick,
}

/// The parts of a host `siginfo_t` the sentry uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalInfo {
    pub signo: i32,
    pub code: i32,
    /// The sender's host pid, for signals sent with kill or tgkill.
    pub pid: i32,
    /// The faulting address, for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGTRAP.
    pub addr: u64,
}

/// An error of the platform. Nothing here is the app's doing: the sentry ends the sandbox.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("{op} failed: {source}")]
    Host {
        op: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("stub process {pid} stopped unexpectedly (wait status {status:#x})")]
    UnexpectedStop { pid: i32, status: i32 },
    #[error("stub process {pid} died")]
    StubDied { pid: i32 },
}

impl PlatformError {
    pub(crate) fn last_os(op: &'static str) -> Self {
        PlatformError::Host {
            op,
            source: std::io::Error::last_os_error(),
        }
    }
}

/// One change to a stub's mappings (see [`Context::apply`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapOp {
    /// As [`Context::map`].
    Map {
        addr: u64,
        len: u64,
        prot: Prot,
        offset: u64,
    },
    /// As [`Context::unmap`].
    Unmap { addr: u64, len: u64 },
    /// As [`Context::protect`].
    Protect { addr: u64, len: u64, prot: Prot },
    /// As [`Context::reserve`].
    Reserve { addr: u64, len: u64 },
}

/// Makes one change with the context's own map, unmap or protect.
pub(crate) fn apply_op<C: Context + ?Sized>(ctx: &mut C, op: &MapOp) -> Result<(), PlatformError> {
    match *op {
        MapOp::Map {
            addr,
            len,
            prot,
            offset,
        } => ctx.map(addr, len, prot, offset),
        MapOp::Unmap { addr, len } => ctx.unmap(addr, len),
        MapOp::Protect { addr, len, prot } => ctx.protect(addr, len, prot),
        MapOp::Reserve { addr, len } => ctx.reserve(addr, len),
    }
}

/// A trap mechanism: makes address spaces and the contexts that run app threads in them.
pub trait Platform: Send + Sync {
    /// Starts a new, empty address space with one stub thread, stopped, traced by the calling
    /// sentry thread (ptrace requests come from the tracing thread).
    fn new_address_space(
        &self,
        mem: &std::sync::Arc<MemoryFile>,
    ) -> Result<Box<dyn Context>, PlatformError>;
    /// Takes over a stub thread made by [`Context::new_thread`]: the calling sentry thread
    /// becomes the one that runs it.
    fn adopt(&self, thread: NewThread) -> Result<Box<dyn Context>, PlatformError>;
    /// A name for logs: "ptrace".
    fn name(&self) -> &'static str;
}

/// Makes one stub thread trap, from any sentry thread (a signal for the app it runs arrived).
#[derive(Clone, Copy, Debug, Default)]
pub struct Kicker {
    pub(crate) pid: i32,
    pub(crate) tid: i32,
}

impl Kicker {
    /// Interrupts the thread: if it runs app code, its context's `switch` returns a
    /// [`Trap::Kick`] soon; if it is stopped already, the next `switch` does.
    pub fn kick(&self) {
        if self.tid > 0 {
            ptrace::kick(self.pid, self.tid);
        }
    }

    /// The host ids (process, thread) of the stub thread, for reading its CPU clock; never
    /// shown to the app. Zero before the thread is registered.
    pub fn host_ids(&self) -> (i32, i32) {
        (self.pid, self.tid)
    }
}

/// A stub thread made for another sentry thread to adopt. It runs only the stub's own code
/// (it waits in `pause`) until adopted; dropping it unadopted ends it.
pub struct NewThread {
    pub(crate) tid: i32,
    pub(crate) process: std::sync::Arc<ptrace::StubProcess>,
}

/// One stub thread of an address space, run by one sentry thread: it runs app threads until
/// they trap, and changes the mappings of the address space it belongs to.
pub trait Context: Send {
    /// Runs the thread with `regs` until it traps; `regs` then holds its registers at the trap.
    fn switch(&mut self, regs: &mut Regs) -> Result<Trap, PlatformError>;
    /// Maps `len` bytes of the memory file at `offset` to `addr` (shared, fixed) with `prot`,
    /// replacing whatever was there.
    fn map(&mut self, addr: u64, len: u64, prot: Prot, offset: u64) -> Result<(), PlatformError>;
    /// Unmaps `[addr, addr + len)`.
    fn unmap(&mut self, addr: u64, len: u64) -> Result<(), PlatformError>;
    /// Changes the protection of `[addr, addr + len)`.
    fn protect(&mut self, addr: u64, len: u64, prot: Prot) -> Result<(), PlatformError>;
    /// Reserves `[addr, addr + len)` with no access and no memory behind it (an anonymous
    /// PROT_NONE mapping of the host's), replacing whatever was there: address space an app
    /// holds back (a sanitizer's or a runtime's reservation) costs no memory-file space.
    fn reserve(&mut self, addr: u64, len: u64) -> Result<(), PlatformError>;
    /// Makes several of those changes, in order, stopping at the first that fails. A
    /// platform whose host calls are dear makes them all in one go.
    fn apply(&mut self, ops: &[MapOp]) -> Result<(), PlatformError> {
        ops.iter().try_for_each(|op| apply_op(self, op))
    }
    /// The thread's extended FP state (the XSAVE area: x87, SSE, AVX, ...), as of the last
    /// trap. Signal frames carry it.
    fn fp_state(&mut self) -> Result<Vec<u8>, PlatformError>;
    /// Restores the extended FP state (from a signal frame, at rt_sigreturn). Bytes past what
    /// the CPU's XSAVE area holds are ignored.
    fn set_fp_state(&mut self, state: &[u8]) -> Result<(), PlatformError>;
    /// Makes the thread, wherever it runs, trap soon (a signal arrived for the app).
    fn kicker(&self) -> Kicker;
    /// Starts another stub thread in this address space, for a new app thread.
    fn new_thread(&mut self) -> Result<NewThread, PlatformError>;
    /// Forks this stub process (fork(2) of the app): a new stub process whose single thread
    /// waits to be adopted, with this one's mappings, which the caller then replaces with the
    /// child's own (it maps every VMA anew). Much cheaper than `new_address_space`, which
    /// forks the whole sentry.
    fn fork_process(&mut self) -> Result<NewThread, PlatformError>;
    /// Registers to start a thread with: the stub's segment selectors, everything else zero.
    fn initial_regs(&self) -> Regs;
    /// Ends the whole address space (every stub thread in it). Idempotent.
    fn kill_all(&mut self);
    /// The host pid of the stub process, for logs and host accounting only: it never reaches
    /// the app.
    fn host_pid(&self) -> i32;
    /// Moves this thread's pair, the serving sentry thread (the caller) and the stub thread,
    /// to `cpu`. Only for a platform that pins; others ignore it.
    fn migrate(&mut self, _cpu: usize) -> Result<(), PlatformError> {
        Ok(())
    }
}

/// A context that records changes to the mappings instead of making them, until [`flush`]
/// makes them all in one go (for the loader, which maps a dozen segments into an address
/// space nothing runs in yet). Whatever else it is asked flushes first and is passed on.
///
/// [`flush`]: Deferred::flush
pub struct Deferred<'a> {
    inner: &'a mut dyn Context,
    ops: Vec<MapOp>,
}

impl<'a> Deferred<'a> {
    pub fn new(inner: &'a mut dyn Context) -> Deferred<'a> {
        Deferred {
            inner,
            ops: Vec::new(),
        }
    }

    /// Makes the recorded changes.
    pub fn flush(&mut self) -> Result<(), PlatformError> {
        let ops = std::mem::take(&mut self.ops);
        self.inner.apply(&ops)
    }
}

impl Context for Deferred<'_> {
    fn switch(&mut self, regs: &mut Regs) -> Result<Trap, PlatformError> {
        self.flush()?;
        self.inner.switch(regs)
    }
    fn map(&mut self, addr: u64, len: u64, prot: Prot, offset: u64) -> Result<(), PlatformError> {
        self.ops.push(MapOp::Map {
            addr,
            len,
            prot,
            offset,
        });
        Ok(())
    }
    fn unmap(&mut self, addr: u64, len: u64) -> Result<(), PlatformError> {
        self.ops.push(MapOp::Unmap { addr, len });
        Ok(())
    }
    fn protect(&mut self, addr: u64, len: u64, prot: Prot) -> Result<(), PlatformError> {
        self.ops.push(MapOp::Protect { addr, len, prot });
        Ok(())
    }
    fn reserve(&mut self, addr: u64, len: u64) -> Result<(), PlatformError> {
        self.ops.push(MapOp::Reserve { addr, len });
        Ok(())
    }
    fn apply(&mut self, ops: &[MapOp]) -> Result<(), PlatformError> {
        self.ops.extend_from_slice(ops);
        Ok(())
    }
    fn fp_state(&mut self) -> Result<Vec<u8>, PlatformError> {
        self.inner.fp_state()
    }
    fn set_fp_state(&mut self, state: &[u8]) -> Result<(), PlatformError> {
        self.inner.set_fp_state(state)
    }
    fn kicker(&self) -> Kicker {
        self.inner.kicker()
    }
    fn new_thread(&mut self) -> Result<NewThread, PlatformError> {
        self.flush()?;
        self.inner.new_thread()
    }
    fn fork_process(&mut self) -> Result<NewThread, PlatformError> {
        self.flush()?;
        self.inner.fork_process()
    }
    fn initial_regs(&self) -> Regs {
        self.inner.initial_regs()
    }
    fn kill_all(&mut self) {
        self.ops.clear();
        self.inner.kill_all()
    }
    fn host_pid(&self) -> i32 {
        self.inner.host_pid()
    }
    fn migrate(&mut self, cpu: usize) -> Result<(), PlatformError> {
        self.inner.migrate(cpu)
    }
}
