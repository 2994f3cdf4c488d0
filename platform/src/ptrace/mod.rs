//! The ptrace platform: each app address space is a stub process traced with `PTRACE_SYSEMU`,
//! so the app's system calls stop before the host kernel runs them.
//!
//! A stub starts as a fork of the sentry thread that serves it. Before it stops for the first
//! time it keeps only the memory file (as fd [`STUB_MEMFD`]) and maps one code page holding
//! `syscall; int3`; the sentry then unmaps everything else. Host calls the sentry makes for the
//! stub (mmap of the memory file, munmap, mprotect) run at that page: set the registers, continue,
//! and the `int3` stops the stub again right after the call.

mod sys;

use std::collections::VecDeque;

use crate::{
    pin_current_thread, MemoryFile, Platform, PlatformError, Prot, Regs, SignalInfo, Stub, Trap,
    PAGE_SIZE, STUB_CODE_ADDR,
};
use sys::WaitStatus;

/// The stub's file descriptor for the memory file.
const STUB_MEMFD: i32 = 0;
/// `syscall; int3`.
const STUB_CODE: [u8; 3] = [0x0f, 0x05, 0xcc];
/// One past the highest user address on x86_64 with 4-level page tables.
const TASK_SIZE: u64 = 0x7fff_ffff_f000;

/// The ptrace trap mechanism.
pub struct PtracePlatform {
    pin_cpu: Option<usize>,
}

impl PtracePlatform {
    /// `pin_cpu`: the CPU on which each serving sentry thread and its stub are kept, or `None`
    /// to let the host scheduler place them (about four times slower per trap here).
    pub fn new(pin_cpu: Option<usize>) -> PtracePlatform {
        PtracePlatform { pin_cpu }
    }
}

impl Platform for PtracePlatform {
    fn new_stub(&self, mem: &MemoryFile) -> Result<Box<dyn Stub>, PlatformError> {
        if let Some(cpu) = self.pin_cpu {
            pin_current_thread(cpu).map_err(|source| PlatformError::Host {
                op: "sched_setaffinity",
                source,
            })?;
        }
        Ok(Box::new(PtraceStub::spawn(mem)?))
    }

    fn name(&self) -> &'static str {
        "ptrace"
    }
}

/// A traced stub process with one thread.
struct PtraceStub {
    pid: i32,
    dead: bool,
    /// Registers from the last stop: the base for injected calls (segment registers etc.).
    last_regs: Regs,
    /// Signals that arrived while the sentry was running a host call in the stub; reported by
    /// the next `switch`.
    pending: VecDeque<SignalInfo>,
}

impl PtraceStub {
    fn spawn(mem: &MemoryFile) -> Result<PtraceStub, PlatformError> {
        let parent = sys::getpid();
        let pid = sys::fork().map_err(|e| PlatformError::Host {
            op: "fork",
            source: e,
        })?;
        if pid == 0 {
            sys::stub_child(mem.fd(), STUB_MEMFD, parent, STUB_CODE_ADDR, &STUB_CODE);
        }
        let mut stub = PtraceStub {
            pid,
            dead: false,
            last_regs: Regs::default(),
            pending: VecDeque::new(),
        };
        match sys::wait(pid)? {
            WaitStatus::Stopped(sig) if sig == libc::SIGSTOP => {}
            WaitStatus::Stopped(_) => return Err(stub.unexpected(0)),
            WaitStatus::Exited(code) => {
                stub.dead = true;
                return Err(stub.unexpected(code << 8));
            }
            WaitStatus::Signaled(sig) => {
                stub.dead = true;
                return Err(stub.unexpected(sig));
            }
        }
        sys::set_options(pid, libc::PTRACE_O_EXITKILL | libc::PTRACE_O_TRACESYSGOOD)?;
        stub.last_regs = sys::get_regs(pid)?;
        // Leave nothing of the sentry in the stub but the code page.
        let below = stub.host_call(libc::SYS_munmap, [0, STUB_CODE_ADDR, 0, 0, 0, 0])?;
        let above_start = STUB_CODE_ADDR + PAGE_SIZE;
        let above = stub.host_call(
            libc::SYS_munmap,
            [above_start, TASK_SIZE - above_start, 0, 0, 0, 0],
        )?;
        if below != 0 || above != 0 {
            return Err(stub.unexpected(0));
        }
        Ok(stub)
    }

    fn unexpected(&self, status: i32) -> PlatformError {
        PlatformError::UnexpectedStop {
            pid: self.pid,
            status,
        }
    }

    /// Runs host syscall `nr` in the stub at its code page; returns the raw result (`-errno` on
    /// failure). The registers are left changed: `switch` always loads the app's before it
    /// resumes the app.
    fn host_call(&mut self, nr: libc::c_long, args: [u64; 6]) -> Result<i64, PlatformError> {
        let mut regs = self.last_regs;
        let r = &mut regs.0;
        r.rax = nr as u64;
        r.orig_rax = u64::MAX;
        r.rip = STUB_CODE_ADDR;
        [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9] = args;
        sys::set_regs(self.pid, &regs)?;
        sys::resume(self.pid, libc::PTRACE_CONT, 0)?;
        loop {
            match sys::wait(self.pid)? {
                WaitStatus::Stopped(libc::SIGTRAP) => break,
                WaitStatus::Stopped(_) => {
                    let info = sys::get_siginfo(self.pid)?;
                    if info.code > 0 || info.code == libc::SI_KERNEL {
                        // A fault of the host call itself: the stub is broken.
                        self.kill();
                        return Err(PlatformError::StubDied { pid: self.pid });
                    }
                    // A signal for the app arrived meanwhile: keep it for the sentry, go on.
                    self.pending.push_back(info);
                    sys::resume(self.pid, libc::PTRACE_CONT, 0)?;
                }
                WaitStatus::Exited(_) | WaitStatus::Signaled(_) => {
                    self.dead = true;
                    return Err(PlatformError::StubDied { pid: self.pid });
                }
            }
        }
        sys::peek_rax(self.pid)
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

impl Stub for PtraceStub {
    fn switch(&mut self, regs: &mut Regs) -> Result<Trap, PlatformError> {
        if let Some(info) = self.pending.pop_front() {
            return Ok(Trap::Signal(info));
        }
        if self.dead {
            return Ok(Trap::Died);
        }
        sys::set_regs(self.pid, regs)?;
        sys::resume(self.pid, libc::PTRACE_SYSEMU, 0)?;
        let status = sys::wait(self.pid)?;
        match status {
            WaitStatus::Stopped(sig) if sig == libc::SIGTRAP | 0x80 => {
                *regs = sys::get_regs(self.pid)?;
                self.last_regs = *regs;
                Ok(Trap::Syscall)
            }
            WaitStatus::Stopped(_) => {
                *regs = sys::get_regs(self.pid)?;
                self.last_regs = *regs;
                Ok(Trap::Signal(sys::get_siginfo(self.pid)?))
            }
            WaitStatus::Exited(_) | WaitStatus::Signaled(_) => {
                self.dead = true;
                Ok(Trap::Died)
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

    fn initial_regs(&self) -> Regs {
        let mut regs = Regs::default();
        let (from, to) = (&self.last_regs.0, &mut regs.0);
        (to.cs, to.ss, to.ds, to.es, to.fs, to.gs) =
            (from.cs, from.ss, from.ds, from.es, from.fs, from.gs);
        // IF set, and bit 1, which is always one.
        to.eflags = 0x202;
        regs
    }

    fn kill(&mut self) {
        if self.dead {
            return;
        }
        sys::kill_and_reap(self.pid);
        self.dead = true;
    }

    fn host_pid(&self) -> i32 {
        self.pid
    }
}

impl Drop for PtraceStub {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stub runs code from the memory file, and its syscalls trap without running.
    #[test]
    fn stub_traps_syscalls_and_maps_memory() {
        let mem = MemoryFile::new(1 << 30).unwrap();
        let platform = PtracePlatform::new(Some(crate::current_cpu()));
        let mut stub = platform.new_stub(&mem).unwrap();
        let off = mem.allocate(PAGE_SIZE).unwrap();
        // loop: mov rax, 110 (getppid); syscall; jmp loop
        let code = [0x48, 0xc7, 0xc0, 0x6e, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf5];
        mem.write(off, &code).unwrap();
        let addr = 0x40_0000;
        stub.map(addr, PAGE_SIZE, Prot::READ | Prot::EXEC, off)
            .unwrap();
        let mut regs = stub.initial_regs();
        regs.0.rip = addr;
        for _ in 0..3 {
            let t = stub.switch(&mut regs).unwrap();
            assert_eq!(t, Trap::Syscall, "{regs:?}");
            assert_eq!(regs.syscall_nr(), 110);
            assert_eq!(regs.0.rip, addr + 9);
            regs.set_return(42);
        }
        stub.unmap(addr, PAGE_SIZE).unwrap();
        // Running unmapped code faults with SIGSEGV, reported, not delivered.
        match stub.switch(&mut regs).unwrap() {
            Trap::Signal(info) => assert_eq!(info.signo, libc::SIGSEGV),
            other => panic!("expected SIGSEGV, got {other:?}"),
        }
        stub.kill();
        assert_eq!(stub.switch(&mut regs).unwrap(), Trap::Died);
    }
}
