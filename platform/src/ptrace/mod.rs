//! The ptrace platform: each app address space is a stub process, each app thread runs in a
//! stub thread traced with `PTRACE_SYSEMU` by the sentry thread that serves it, so the app's
//! system calls stop before the host kernel runs them.
//!
//! A stub process starts as a fork of the sentry thread that serves its first thread. Before
//! it stops for the first time it keeps only the memory file (as fd [`STUB_MEMFD`]) and maps
//! one code page; the sentry then unmaps everything else. The code page holds:
//! - `syscall; int3`: host calls the sentry makes for the stub (mmap of the memory file,
//!   munmap, mprotect): set the registers, continue, and the `int3` stops the thread again;
//! - a `clone` that makes a new stub thread, whose child side loops in `pause()` until another
//!   sentry thread seizes it (`PTRACE_SEIZE` + `PTRACE_INTERRUPT`). Threads whose app thread
//!   exited are sent back to that loop, detached, and reused.

mod sys;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::{
    pin_current_thread, Context, MapOp, MemoryFile, NewThread, Platform, PlatformError, Prot, Regs,
    SignalInfo, Trap, PAGE_SIZE, STUB_CODE_ADDR, VDSO_AREA,
};
use sys::WaitStatus;

/// The stub's file descriptor for the memory file.
const STUB_MEMFD: i32 = 0;
/// Offset of `syscall; int3` in the code page.
const HOST_CALL: u64 = 0;
/// Offset of the thread-making `clone` in the code page.
const CLONE_CALL: u64 = 16;
/// Offset of the `pause()` loop where new and parked threads wait.
const PARK_LOOP: u64 = 23;
/// Offset of the batch routine: runs the host calls listed in the batch page (see
/// [`Batch`]) until one fails, then `int3`. In: r12 the first entry, r13 how many, r14 zero;
/// out: r14 how many succeeded, rax the last result (`-errno` if r14 < r13).
const BATCH_CALL: u64 = 64;
/// Where a stub maps its batch page, read-only: just above the code page, out of the app's
/// reach (the app's own mmap and mprotect are the sentry's, which keep below APP_MAX_ADDR).
const STUB_BATCH_ADDR: u64 = STUB_CODE_ADDR + PAGE_SIZE;
/// One batch entry: the syscall number and six arguments.
const BATCH_ENTRY: usize = 7 * 8;
/// Entries per batch page.
const BATCH_MAX: usize = PAGE_SIZE as usize / BATCH_ENTRY;
/// The code page's contents.
const STUB_CODE: [u8; 123] = [
    0x0f, 0x05, // 0: syscall
    0xcc, // 2: int3
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 3..16: padding
    0x0f, 0x05, // 16: syscall (clone)
    0x48, 0x85, 0xc0, // 18: test rax, rax
    0x75, 0x09, // 21: jnz 32 (the parent)
    0xb8, 0x22, 0x00, 0x00, 0x00, // 23: mov eax, 34 (pause)
    0x0f, 0x05, // 28: syscall
    0xeb, 0xf7, // 30: jmp 23
    0xcc, // 32: int3 (the parent, after clone)
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 33..64: padding
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, //
    0x4d, 0x39, 0xee, // 64: cmp r14, r13
    0x73, 0x35, // 67: jae 122
    0x49, 0x8b, 0x04, 0x24, // 69: mov rax, [r12]
    0x49, 0x8b, 0x7c, 0x24, 0x08, // 73: mov rdi, [r12 + 8]
    0x49, 0x8b, 0x74, 0x24, 0x10, // 78: mov rsi, [r12 + 16]
    0x49, 0x8b, 0x54, 0x24, 0x18, // 83: mov rdx, [r12 + 24]
    0x4d, 0x8b, 0x54, 0x24, 0x20, // 88: mov r10, [r12 + 32]
    0x4d, 0x8b, 0x44, 0x24, 0x28, // 93: mov r8, [r12 + 40]
    0x4d, 0x8b, 0x4c, 0x24, 0x30, // 98: mov r9, [r12 + 48]
    0x0f, 0x05, // 103: syscall
    0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff, // 105: cmp rax, -4095
    0x73, 0x09, // 111: jae 122 (failed)
    0x49, 0x83, 0xc4, 0x38, // 113: add r12, 56
    0x49, 0xff, 0xc6, // 117: inc r14
    0xeb, 0xc6, // 120: jmp 64
    0xcc, // 122: int3
];
/// One past the highest user address on x86_64 with 4-level page tables.
const TASK_SIZE: u64 = 0x7fff_ffff_f000;
/// The flags of a stub thread: a thread of the stub process that nothing traces by itself.
const STUB_THREAD_FLAGS: u64 = (libc::CLONE_VM
    | libc::CLONE_FS
    | libc::CLONE_FILES
    | libc::CLONE_SIGHAND
    | libc::CLONE_THREAD
    | libc::CLONE_SYSVSEM
    | libc::CLONE_UNTRACED) as u64;

/// The ptrace trap mechanism.
pub struct PtracePlatform {
    pin_cpu: Option<usize>,
}

impl PtracePlatform {
    /// `pin_cpu`: the CPU on which each serving sentry thread and its stub thread are kept, or
    /// `None` to let the host scheduler place them (about six times slower per trap here).
    pub fn new(pin_cpu: Option<usize>) -> PtracePlatform {
        PtracePlatform { pin_cpu }
    }

    fn pin(&self) -> Result<(), PlatformError> {
        if let Some(cpu) = self.pin_cpu {
            pin_current_thread(cpu).map_err(|source| PlatformError::Host {
                op: "sched_setaffinity",
                source,
            })?;
        }
        Ok(())
    }
}

impl Platform for PtracePlatform {
    fn new_address_space(&self, mem: &Arc<MemoryFile>) -> Result<Box<dyn Context>, PlatformError> {
        self.pin()?;
        Ok(Box::new(PtraceThread::spawn_process(mem)?))
    }

    fn adopt(&self, thread: NewThread) -> Result<Box<dyn Context>, PlatformError> {
        // Serve the stub thread where it runs: it inherited its process's CPU, which need
        // not be the first one (see Context::migrate).
        match crate::cpu::allowed_cpus(thread.tid)[..] {
            [cpu] if self.pin_cpu.is_some() => {
                pin_current_thread(cpu).map_err(|source| PlatformError::Host {
                    op: "sched_setaffinity",
                    source,
                })?;
            }
            _ => self.pin()?,
        }
        Ok(Box::new(PtraceThread::adopt(thread)?))
    }

    fn name(&self) -> &'static str {
        "ptrace"
    }
}

/// The host call that reserves `[addr, addr + len)` in a stub (see [`Context::reserve`]):
/// number and arguments of an anonymous, fixed, PROT_NONE, MAP_NORESERVE mmap.
fn reserve_call(addr: u64, len: u64) -> [u64; 7] {
    let flags =
        (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED | libc::MAP_NORESERVE) as u64;
    let prot = libc::PROT_NONE as u64;
    [libc::SYS_mmap as u64, addr, len, prot, flags, u64::MAX, 0]
}

/// The host signal the sentry sends a stub thread to make it trap.
const KICK_SIGNAL: i32 = libc::SIGURG;

/// Whether a host signal is the sentry's kick (sent by tgkill from this process).
fn is_kick(info: &SignalInfo) -> bool {
    info.signo == KICK_SIGNAL && info.code == libc::SI_TKILL && info.pid == sys::getpid()
}

/// Sends the kick to stub thread `tid` of stub process `pid`.
pub(crate) fn kick(pid: i32, tid: i32) {
    sys::tgkill(pid, tid, KICK_SIGNAL);
}

/// A stub process: killed when the last context of it goes.
pub struct StubProcess {
    pid: i32,
    killed: AtomicBool,
    /// Stub threads parked in the pause loop, untraced, ready for reuse.
    parked: Mutex<Vec<i32>>,
    /// The memory file, which also holds the batch page.
    mem: Arc<MemoryFile>,
    /// The batch page, once the process first batches; locked while a batch runs.
    batch: Mutex<Option<Batch>>,
}

/// A page of the memory file that one stub process maps read-only at [`STUB_BATCH_ADDR`] and
/// that the sentry fills with host calls for the batch routine to make, so that many changes
/// to the stub's mappings cost one stop instead of one each. A forked stub inherits its
/// parent's mapping there, so it gets a page of its own before it first batches.
struct Batch {
    mem: Arc<MemoryFile>,
    offset: u64,
}

impl Drop for Batch {
    fn drop(&mut self) {
        self.mem.free(self.offset, PAGE_SIZE);
    }
}

impl StubProcess {
    fn kill(&self) {
        if !self.killed.swap(true, Ordering::SeqCst) {
            sys::kill(self.pid, libc::SIGKILL);
        }
    }
}

impl Drop for StubProcess {
    fn drop(&mut self) {
        self.kill();
        // The leader is a child of the sentry (of whichever sentry thread made it, or another
        // thread of ours after that one ended); reap it.
        sys::reap(self.pid);
    }
}

/// A traced stub thread.
struct PtraceThread {
    tid: i32,
    process: Arc<StubProcess>,
    dead: bool,
    /// Registers from the last stop: the base for host calls (segment registers etc.).
    last_regs: Regs,
    /// Signals that arrived while the sentry was running a host call; reported by the next
    /// `switch`.
    pending: VecDeque<SignalInfo>,
}

impl PtraceThread {
    fn spawn_process(mem: &Arc<MemoryFile>) -> Result<PtraceThread, PlatformError> {
        let parent = sys::getpid();
        let pid = sys::fork().map_err(|e| PlatformError::Host {
            op: "fork",
            source: e,
        })?;
        if pid == 0 {
            sys::stub_child(mem.fd(), STUB_MEMFD, parent, STUB_CODE_ADDR, &STUB_CODE);
        }
        let process = Arc::new(StubProcess {
            pid,
            killed: AtomicBool::new(false),
            parked: Mutex::new(Vec::new()),
            mem: mem.clone(),
            batch: Mutex::new(None),
        });
        let mut thread = PtraceThread {
            tid: pid,
            process,
            dead: false,
            last_regs: Regs::default(),
            pending: VecDeque::new(),
        };
        match sys::wait(pid)? {
            WaitStatus::Stopped(libc::SIGSTOP, _) => {}
            other => {
                thread.dead = !matches!(other, WaitStatus::Stopped(..));
                return Err(thread.unexpected(other.raw()));
            }
        }
        sys::set_options(pid, libc::PTRACE_O_EXITKILL | libc::PTRACE_O_TRACESYSGOOD)?;
        thread.last_regs = sys::get_regs(pid)?;
        thread.move_vdso()?;
        // Leave nothing of the sentry in the stub but the code page and the vDSO.
        let below = thread.host_call(libc::SYS_munmap, [0, VDSO_AREA, 0, 0, 0, 0])?;
        let vdso_end = crate::vdso_mappings().last().map_or(VDSO_AREA, |m| m.1);
        let between = thread.host_call(
            libc::SYS_munmap,
            [vdso_end, STUB_CODE_ADDR - vdso_end, 0, 0, 0, 0],
        )?;
        let above_start = STUB_CODE_ADDR + PAGE_SIZE;
        let above = thread.host_call(
            libc::SYS_munmap,
            [above_start, TASK_SIZE - above_start, 0, 0, 0, 0],
        )?;
        if below != 0 || between != 0 || above != 0 {
            return Err(thread.unexpected(0));
        }
        Ok(thread)
    }

    /// Moves the vDSO and its data pages, inherited from the sentry, to [`VDSO_AREA`] (see
    /// the `vdso` module). If the host refuses, no stub gets a vDSO from then on.
    fn move_vdso(&mut self) -> Result<(), PlatformError> {
        let Some(host) = crate::vdso::host() else {
            return Ok(());
        };
        if crate::vdso_address().is_none() {
            return Ok(());
        }
        for (start, end, _) in &host.maps {
            let to = host.moved(*start);
            let flags = (libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED) as u64;
            let len = end - start;
            let got = self.host_call(libc::SYS_mremap, [*start, len, len, flags, to, 0])?;
            if got as u64 != to {
                crate::vdso::disable();
                return Ok(());
            }
        }
        Ok(())
    }

    fn adopt(mut new: NewThread) -> Result<PtraceThread, PlatformError> {
        // Take the thread out of `new`, so its Drop does not park it again.
        let tid = std::mem::take(&mut new.tid);
        let process = new.process.clone();
        let mut thread = PtraceThread {
            tid,
            process,
            dead: false,
            last_regs: Regs::default(),
            pending: VecDeque::new(),
        };
        sys::seize(tid, libc::PTRACE_O_EXITKILL | libc::PTRACE_O_TRACESYSGOOD)?;
        sys::interrupt(tid)?;
        loop {
            match sys::wait(tid)? {
                WaitStatus::Stopped(_, libc::PTRACE_EVENT_STOP) => break,
                // A signal for the stub process that this thread took: keep it for the app.
                WaitStatus::Stopped(_, _) => {
                    thread.pending.push_back(sys::get_siginfo(tid)?);
                    sys::resume(tid, libc::PTRACE_CONT, 0)?;
                }
                other => {
                    thread.dead = true;
                    return Err(thread.unexpected(other.raw()));
                }
            }
        }
        thread.last_regs = sys::get_regs(tid)?;
        Ok(thread)
    }

    fn unexpected(&self, status: i32) -> PlatformError {
        PlatformError::UnexpectedStop {
            pid: self.tid,
            status,
        }
    }

    /// Runs the stub code at `entry` with `nr` and `args` until its `int3`; returns `rax`
    /// (`-errno` on failure). The registers are left changed: `switch` always loads the app's
    /// before it resumes the app.
    fn run_stub_code(
        &mut self,
        entry: u64,
        nr: libc::c_long,
        args: [u64; 6],
    ) -> Result<i64, PlatformError> {
        let mut regs = self.last_regs;
        let r = &mut regs.0;
        r.rax = nr as u64;
        [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9] = args;
        self.run_stub(entry, regs)?;
        sys::peek_rax(self.tid)
    }

    /// Runs the stub code at `entry` with `regs` (its `rip` and `orig_rax` set here) until
    /// its `int3`.
    fn run_stub(&mut self, entry: u64, mut regs: Regs) -> Result<(), PlatformError> {
        regs.0.orig_rax = u64::MAX;
        regs.0.rip = STUB_CODE_ADDR + entry;
        sys::set_regs(self.tid, &regs)?;
        sys::resume(self.tid, libc::PTRACE_CONT, 0)?;
        loop {
            match sys::wait(self.tid)? {
                WaitStatus::Stopped(libc::SIGTRAP, 0) => break,
                WaitStatus::Stopped(_, libc::PTRACE_EVENT_STOP) => {
                    sys::resume(self.tid, libc::PTRACE_CONT, 0)?;
                }
                WaitStatus::Stopped(_, _) => {
                    let info = sys::get_siginfo(self.tid)?;
                    if info.code > 0 || info.code == libc::SI_KERNEL {
                        // A fault of the stub code itself: the stub is broken.
                        self.kill_all();
                        return Err(PlatformError::StubDied { pid: self.tid });
                    }
                    // A signal for the app arrived meanwhile: keep it for the sentry, go on.
                    if !is_kick(&info) {
                        self.pending.push_back(info);
                    }
                    sys::resume(self.tid, libc::PTRACE_CONT, 0)?;
                }
                WaitStatus::Exited(_) | WaitStatus::Signaled(_) => {
                    self.dead = true;
                    return Err(PlatformError::StubDied { pid: self.tid });
                }
            }
        }
        Ok(())
    }

    /// Makes `calls` (number, arguments) in the stub, in order, with one stop: through the
    /// process's batch page, made and mapped on first use. Returns how many succeeded and
    /// the result of the last one run (`-errno` when it failed).
    fn run_batch(&mut self, calls: &[[u64; 7]]) -> Result<(usize, i64), PlatformError> {
        debug_assert!(!calls.is_empty() && calls.len() <= BATCH_MAX);
        let process = self.process.clone();
        let mut batch = process.batch.lock().unwrap_or_else(|e| e.into_inner());
        if batch.is_none() {
            let mem = &process.mem;
            let offset = mem.allocate(PAGE_SIZE).map_err(|e| PlatformError::Host {
                op: "batch page",
                source: std::io::Error::other(e.to_string()),
            })?;
            let page = Batch {
                mem: mem.clone(),
                offset,
            };
            let flags = (libc::MAP_SHARED | libc::MAP_FIXED) as u64;
            let prot = libc::PROT_READ as u64;
            let args = [
                STUB_BATCH_ADDR,
                PAGE_SIZE,
                prot,
                flags,
                STUB_MEMFD as u64,
                offset,
            ];
            let got = self.host_call(libc::SYS_mmap, args)?;
            if got as u64 != STUB_BATCH_ADDR {
                return Err(self.unexpected(0));
            }
            *batch = Some(page);
        }
        let Some(page) = batch.as_ref() else {
            return Err(self.unexpected(0));
        };
        let mut bytes = Vec::with_capacity(calls.len() * BATCH_ENTRY);
        for call in calls {
            for word in call {
                bytes.extend_from_slice(&word.to_ne_bytes());
            }
        }
        page.mem
            .write(page.offset, &bytes)
            .map_err(|e| PlatformError::Host {
                op: "batch page",
                source: std::io::Error::other(e.to_string()),
            })?;
        let mut regs = self.last_regs;
        (regs.0.r12, regs.0.r13, regs.0.r14) = (STUB_BATCH_ADDR, calls.len() as u64, 0);
        self.run_stub(BATCH_CALL, regs)?;
        let done = sys::peek_r14(self.tid)? as usize;
        let last = sys::peek_rax(self.tid)?;
        Ok((done, last))
    }

    fn host_call(&mut self, nr: libc::c_long, args: [u64; 6]) -> Result<i64, PlatformError> {
        self.run_stub_code(HOST_CALL, nr, args)
    }

    fn host_call_ok(
        &mut self,
        op: &'static str,
        nr: libc::c_long,
        args: [u64; 6],
    ) -> Result<i64, PlatformError> {
        let ret = self.host_call(nr, args)?;
        if (-4095..0).contains(&ret) {
            return Err(PlatformError::Host {
                op,
                source: std::io::Error::from_raw_os_error(-ret as i32),
            });
        }
        Ok(ret)
    }
}

impl Context for PtraceThread {
    fn switch(&mut self, regs: &mut Regs) -> Result<Trap, PlatformError> {
        if let Some(info) = self.pending.pop_front() {
            return Ok(Trap::Signal(info));
        }
        if self.dead {
            return Ok(Trap::Died);
        }
        // The sentry restarts syscalls itself: never let the host's restart logic, which reads
        // orig_rax, rewind the app.
        let mut load = *regs;
        load.0.orig_rax = u64::MAX;
        sys::set_regs(self.tid, &load)?;
        sys::resume(self.tid, libc::PTRACE_SYSEMU, 0)?;
        loop {
            let status = sys::wait(self.tid)?;
            match status {
                WaitStatus::Stopped(sig, 0) if sig == libc::SIGTRAP | 0x80 => {
                    *regs = sys::get_regs(self.tid)?;
                    self.last_regs = *regs;
                    return Ok(Trap::Syscall);
                }
                // A group stop or interrupt of the stub process: not the app's business.
                WaitStatus::Stopped(_, libc::PTRACE_EVENT_STOP) => {
                    sys::resume(self.tid, libc::PTRACE_SYSEMU, 0)?;
                }
                WaitStatus::Stopped(_, _) => {
                    *regs = sys::get_regs(self.tid)?;
                    self.last_regs = *regs;
                    let info = sys::get_siginfo(self.tid)?;
                    if is_kick(&info) {
                        return Ok(Trap::Kick);
                    }
                    return Ok(Trap::Signal(info));
                }
                WaitStatus::Exited(_) | WaitStatus::Signaled(_) => {
                    self.dead = true;
                    return Ok(Trap::Died);
                }
            }
        }
    }

    fn map(&mut self, addr: u64, len: u64, prot: Prot, offset: u64) -> Result<(), PlatformError> {
        let flags = (libc::MAP_SHARED | libc::MAP_FIXED) as u64;
        let args = [
            addr,
            len,
            u64::from(prot.bits()),
            flags,
            STUB_MEMFD as u64,
            offset,
        ];
        let got = self.host_call_ok("mmap in stub", libc::SYS_mmap, args)?;
        if got as u64 != addr {
            return Err(self.unexpected(0));
        }
        Ok(())
    }

    fn unmap(&mut self, addr: u64, len: u64) -> Result<(), PlatformError> {
        self.host_call_ok("munmap in stub", libc::SYS_munmap, [addr, len, 0, 0, 0, 0])?;
        Ok(())
    }

    fn protect(&mut self, addr: u64, len: u64, prot: Prot) -> Result<(), PlatformError> {
        let args = [addr, len, u64::from(prot.bits()), 0, 0, 0];
        self.host_call_ok("mprotect in stub", libc::SYS_mprotect, args)?;
        Ok(())
    }

    fn reserve(&mut self, addr: u64, len: u64) -> Result<(), PlatformError> {
        let [nr, args @ ..] = reserve_call(addr, len);
        let got = self.host_call_ok("reserving in stub", nr as libc::c_long, args)?;
        if got as u64 != addr {
            return Err(self.unexpected(0));
        }
        Ok(())
    }

    fn apply(&mut self, ops: &[MapOp]) -> Result<(), PlatformError> {
        if ops.len() < 2 {
            return ops.iter().try_for_each(|op| crate::apply_op(self, op));
        }
        let memfd = STUB_MEMFD as u64;
        let map_flags = (libc::MAP_SHARED | libc::MAP_FIXED) as u64;
        for chunk in ops.chunks(BATCH_MAX) {
            let calls: Vec<[u64; 7]> = chunk
                .iter()
                .map(|op| match *op {
                    MapOp::Map {
                        addr,
                        len,
                        prot,
                        offset,
                    } => {
                        let prot = u64::from(prot.bits());
                        let nr = libc::SYS_mmap as u64;
                        [nr, addr, len, prot, map_flags, memfd, offset]
                    }
                    MapOp::Unmap { addr, len } => [libc::SYS_munmap as u64, addr, len, 0, 0, 0, 0],
                    MapOp::Protect { addr, len, prot } => {
                        let prot = u64::from(prot.bits());
                        [libc::SYS_mprotect as u64, addr, len, prot, 0, 0, 0]
                    }
                    MapOp::Reserve { addr, len } => reserve_call(addr, len),
                })
                .collect();
            let (done, last) = self.run_batch(&calls)?;
            if done < calls.len() {
                return Err(PlatformError::Host {
                    op: "batched host call in stub",
                    source: std::io::Error::from_raw_os_error((-last) as i32),
                });
            }
        }
        Ok(())
    }

    fn fp_state(&mut self) -> Result<Vec<u8>, PlatformError> {
        sys::get_xstate(self.tid)
    }

    fn set_fp_state(&mut self, state: &[u8]) -> Result<(), PlatformError> {
        sys::set_xstate(self.tid, state)
    }

    fn kicker(&self) -> crate::Kicker {
        crate::Kicker {
            pid: self.process.pid,
            tid: self.tid,
        }
    }

    fn fork_process(&mut self) -> Result<NewThread, PlatformError> {
        // CLONE_PARENT: the new stub is the sentry's child, like every stub, so the sentry
        // reaps it; it starts in the pause loop, untraced, for its sentry thread to seize.
        let flags = (libc::CLONE_PARENT | libc::CLONE_UNTRACED | libc::SIGCHLD) as u64;
        let pid = self.run_stub_code(CLONE_CALL, libc::SYS_clone, [flags, 0, 0, 0, 0, 0])?;
        if pid <= 0 {
            return Err(PlatformError::Host {
                op: "fork of a stub",
                source: std::io::Error::from_raw_os_error((-pid) as i32),
            });
        }
        let pid = pid as i32;
        Ok(NewThread {
            tid: pid,
            process: Arc::new(StubProcess {
                pid,
                killed: AtomicBool::new(false),
                parked: Mutex::new(Vec::new()),
                mem: self.process.mem.clone(),
                batch: Mutex::new(None),
            }),
        })
    }

    fn new_thread(&mut self) -> Result<NewThread, PlatformError> {
        let parked = self
            .process
            .parked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop();
        let tid = match parked {
            Some(tid) => tid,
            None => {
                let args = [STUB_THREAD_FLAGS, 0, 0, 0, 0, 0];
                let tid = self.run_stub_code(CLONE_CALL, libc::SYS_clone, args)?;
                if tid <= 0 {
                    return Err(PlatformError::Host {
                        op: "clone in stub",
                        source: std::io::Error::from_raw_os_error((-tid) as i32),
                    });
                }
                tid as i32
            }
        };
        Ok(NewThread {
            tid,
            process: self.process.clone(),
        })
    }

    fn initial_regs(&self) -> Regs {
        let mut regs = Regs::default();
        let (from, to) = (&self.last_regs.0, &mut regs.0);
        (to.cs, to.ss, to.ds, to.es, to.fs, to.gs) =
            (from.cs, from.ss, from.ds, from.es, from.fs, from.gs);
        // IF set, and bit 1, which is always one.
        to.eflags = 0x202;
        regs
    }

    fn kill_all(&mut self) {
        self.process.kill();
        if !self.dead {
            sys::wait_exit(self.tid);
            self.dead = true;
        }
    }

    fn migrate(&mut self, cpu: usize) -> Result<(), PlatformError> {
        let host = |source| PlatformError::Host {
            op: "sched_setaffinity",
            source,
        };
        crate::cpu::pin_thread(self.tid, cpu).map_err(host)?;
        pin_current_thread(cpu).map_err(host)
    }

    fn host_pid(&self) -> i32 {
        self.process.pid
    }
}

impl Drop for PtraceThread {
    fn drop(&mut self) {
        if self.dead || self.process.killed.load(Ordering::SeqCst) {
            if !self.dead {
                sys::wait_exit(self.tid);
            }
            return;
        }
        // The app thread is gone but its process lives on: park the stub thread in the pause
        // loop, untraced, for the next thread of this address space.
        let mut regs = self.last_regs;
        regs.0.rip = STUB_CODE_ADDR + PARK_LOOP;
        regs.0.orig_rax = u64::MAX;
        if sys::set_regs(self.tid, &regs).is_ok() && sys::detach(self.tid).is_ok() {
            self.process
                .parked
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(self.tid);
        } else {
            self.process.kill();
        }
    }
}

impl NewThread {
    /// The host thread id, for logs.
    pub fn host_tid(&self) -> i32 {
        self.tid
    }
}

impl Drop for NewThread {
    fn drop(&mut self) {
        // Unadopted (adopt() takes the tid, leaving 0): it is still in the pause loop.
        if self.tid != 0 {
            self.process
                .parked
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(self.tid);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // loop: mov rax, 110 (getppid); syscall; jmp loop
    const LOOP: [u8; 11] = [0x48, 0xc7, 0xc0, 0x6e, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf5];
    const CODE_ADDR: u64 = 0x40_0000;

    /// A stub runs code from the memory file, and its syscalls trap without running.
    #[test]
    fn stub_traps_syscalls_and_maps_memory() {
        let mem = Arc::new(MemoryFile::new(1 << 30).unwrap());
        let platform = PtracePlatform::new(Some(crate::current_cpu()));
        let mut ctx = platform.new_address_space(&mem).unwrap();
        let off = mem.allocate(PAGE_SIZE).unwrap();
        mem.write(off, &LOOP).unwrap();
        ctx.map(CODE_ADDR, PAGE_SIZE, Prot::READ | Prot::EXEC, off)
            .unwrap();
        let mut regs = ctx.initial_regs();
        regs.0.rip = CODE_ADDR;
        for _ in 0..3 {
            let t = ctx.switch(&mut regs).unwrap();
            assert_eq!(t, Trap::Syscall, "{regs:?}");
            assert_eq!(regs.syscall_nr(), 110);
            assert_eq!(regs.0.rip, CODE_ADDR + 9);
            regs.set_return(42);
        }
        ctx.unmap(CODE_ADDR, PAGE_SIZE).unwrap();
        // Running unmapped code faults with SIGSEGV, reported, not delivered.
        match ctx.switch(&mut regs).unwrap() {
            Trap::Signal(info) => assert_eq!(info.signo, libc::SIGSEGV),
            other => panic!("expected SIGSEGV, got {other:?}"),
        }
        ctx.kill_all();
        assert_eq!(ctx.switch(&mut regs).unwrap(), Trap::Died);
    }

    /// Runs `regs` from `rip` and tells whether it got to its syscall (else: a SIGSEGV).
    fn runs_at(ctx: &mut dyn Context, base: Regs, rip: u64) -> bool {
        let mut regs = base;
        regs.0.rip = rip;
        match ctx.switch(&mut regs).unwrap() {
            Trap::Syscall => {
                assert_eq!(regs.0.rip, rip + 9);
                true
            }
            Trap::Signal(info) if info.signo == libc::SIGSEGV => false,
            other => panic!("unexpected {other:?}"),
        }
    }

    /// Changes applied together (more than a batch page holds) all take effect, in order; a
    /// failing one stops the rest.
    #[test]
    fn batched_changes_take_effect_in_order_and_stop_at_a_failure() {
        let mem = Arc::new(MemoryFile::new(1 << 30).unwrap());
        let platform = PtracePlatform::new(Some(crate::current_cpu()));
        let mut ctx = platform.new_address_space(&mem).unwrap();
        let off = mem.allocate(PAGE_SIZE).unwrap();
        mem.write(off, &LOOP).unwrap();
        let page = |i: u64| CODE_ADDR + i * PAGE_SIZE;
        let rx = Prot::READ | Prot::EXEC;
        let maps: Vec<MapOp> = (0..200)
            .map(|i| MapOp::Map {
                addr: page(i),
                len: PAGE_SIZE,
                prot: rx,
                offset: off,
            })
            .collect();
        assert!(maps.len() > BATCH_MAX);
        ctx.apply(&maps).unwrap();
        let base = ctx.initial_regs();
        for i in [0, 1, 72, 73, 199] {
            assert!(runs_at(&mut *ctx, base, page(i)), "page {i}");
        }
        ctx.apply(&[
            MapOp::Protect {
                addr: page(5),
                len: PAGE_SIZE,
                prot: Prot::NONE,
            },
            MapOp::Unmap {
                addr: page(6),
                len: PAGE_SIZE,
            },
        ])
        .unwrap();
        assert!(!runs_at(&mut *ctx, base, page(5)));
        assert!(!runs_at(&mut *ctx, base, page(6)));
        assert!(runs_at(&mut *ctx, base, page(7)));
        // An unaligned munmap is EINVAL: what came before it is done, what after is not.
        let failed = ctx.apply(&[
            MapOp::Unmap {
                addr: page(7),
                len: PAGE_SIZE,
            },
            MapOp::Unmap {
                addr: page(8) + 1,
                len: PAGE_SIZE,
            },
            MapOp::Unmap {
                addr: page(9),
                len: PAGE_SIZE,
            },
        ]);
        match failed {
            Err(PlatformError::Host { source, .. }) => {
                assert_eq!(source.raw_os_error(), Some(libc::EINVAL))
            }
            other => panic!("expected EINVAL, got {other:?}"),
        }
        assert!(!runs_at(&mut *ctx, base, page(7)));
        assert!(runs_at(&mut *ctx, base, page(9)));
        // A fork batches with a page of its own: the parent's batches do not reach it.
        let child = ctx.fork_process().unwrap();
        let mut child = platform.adopt(child).unwrap();
        child
            .apply(&[
                MapOp::Unmap {
                    addr: page(10),
                    len: PAGE_SIZE,
                },
                MapOp::Unmap {
                    addr: page(11),
                    len: PAGE_SIZE,
                },
            ])
            .unwrap();
        ctx.apply(&[
            MapOp::Unmap {
                addr: page(12),
                len: PAGE_SIZE,
            },
            MapOp::Unmap {
                addr: page(13),
                len: PAGE_SIZE,
            },
        ])
        .unwrap();
        assert!(!runs_at(&mut *child, base, page(10)));
        assert!(runs_at(&mut *child, base, page(12)));
        assert!(runs_at(&mut *ctx, base, page(10)));
        assert!(!runs_at(&mut *ctx, base, page(12)));
        child.kill_all();
        ctx.kill_all();
    }

    /// A second stub thread, adopted by another sentry thread, runs in the same address space;
    /// when its context goes it is parked and reused.
    #[test]
    fn threads_are_adopted_by_other_sentry_threads_and_reused() {
        let mem = Arc::new(MemoryFile::new(1 << 30).unwrap());
        let platform = Arc::new(PtracePlatform::new(Some(crate::current_cpu())));
        let mut ctx = platform.new_address_space(&mem).unwrap();
        let off = mem.allocate(PAGE_SIZE).unwrap();
        mem.write(off, &LOOP).unwrap();
        ctx.map(CODE_ADDR, PAGE_SIZE, Prot::READ | Prot::EXEC, off)
            .unwrap();
        let base = ctx.initial_regs();
        let mut first_tid = 0;
        for round in 0..2 {
            let new = ctx.new_thread().unwrap();
            let tid = new.host_tid();
            if round == 0 {
                first_tid = tid;
            } else {
                assert_eq!(tid, first_tid, "the parked thread was not reused");
            }
            let p = platform.clone();
            std::thread::spawn(move || {
                let mut other = p.adopt(new).unwrap();
                let mut regs = base;
                regs.0.rip = CODE_ADDR;
                assert_eq!(other.switch(&mut regs).unwrap(), Trap::Syscall);
                assert_eq!(regs.syscall_nr(), 110);
            })
            .join()
            .unwrap();
        }
        ctx.kill_all();
    }
}
