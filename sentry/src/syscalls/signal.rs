//! Signal dispositions, masks and self-directed signals.

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::kernel::signal::StackT;
use crate::kernel::signal::{NSIG, UNBLOCKABLE};
use crate::kernel::{SigAction, Task};

/// The size of the kernel's sigset_t on x86_64.
const SIGSET_SIZE: u64 = 8;

fn signal_arg(sig: i32) -> Result<i32, Errno> {
    if !(1..=NSIG as i32).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    Ok(sig)
}

pub fn sys_rt_sigaction(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (act, oact) = (a.u64(1), a.u64(2));
    if a.u64(3) != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let sig = signal_arg(a.int(0))?;
    if act != 0 && (sig == libc::SIGKILL || sig == libc::SIGSTOP) {
        return Err(Errno::EINVAL);
    }
    let new = if act != 0 {
        Some(task.mm.read_val::<SigAction>(act)?)
    } else {
        None
    };
    if oact != 0 {
        let old = task.process.lock().actions[(sig - 1) as usize];
        task.mm.write_val(oact, &old)?;
    }
    if let Some(mut new) = new {
        new.mask &= !UNBLOCKABLE;
        task.process.lock().actions[(sig - 1) as usize] = new;
    }
    Ok(0)
}

pub fn sys_rt_sigprocmask(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (how, set, oset) = (a.int(0), a.u64(1), a.u64(2));
    if a.u64(3) != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let new = if set != 0 {
        let s: u64 = task.mm.read_val(set)?;
        let old = task.sig.mask();
        Some(match how {
            libc::SIG_BLOCK => old | s,
            libc::SIG_UNBLOCK => old & !s,
            libc::SIG_SETMASK => s,
            _ => return Err(Errno::EINVAL),
        })
    } else {
        None
    };
    if oset != 0 {
        task.mm.write_val(oset, &task.sig.mask())?;
    }
    if let Some(mask) = new {
        task.sig.set_mask(mask);
    }
    Ok(0)
}

const SS_DISABLE: i32 = 2;
const SS_AUTODISARM: i32 = 1 << 31;
const MINSIGSTKSZ: u64 = 2048;

pub fn sys_sigaltstack(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (ss, old) = (a.u64(0), a.u64(1));
    let new = if ss != 0 {
        Some(task.mm.read_val::<StackT>(ss)?)
    } else {
        None
    };
    if old != 0 {
        let mut cur = task.signals.altstack;
        if cur.size == 0 {
            cur.flags = SS_DISABLE;
        }
        task.mm.write_val(old, &cur)?;
    }
    if let Some(mut new) = new {
        if crate::kernel::sigframe::on_stack(&task.signals.altstack, task.regs.0.rsp) {
            // Not while running on it.
            return Err(Errno::EPERM);
        }
        let mode = new.flags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE {
            return Err(Errno::EINVAL);
        }
        if mode == SS_DISABLE {
            new = StackT::default();
        } else if new.size < MINSIGSTKSZ {
            return Err(Errno::ENOMEM);
        }
        task.signals.altstack = new;
    }
    Ok(0)
}

pub fn sys_rt_sigreturn(task: &mut Task, _: &SyscallArgs) -> SysResult {
    match task.sigreturn() {
        Ok(rax) => Ok(rax),
        Err(_) => {
            // A corrupt frame: Linux kills the task with SIGSEGV.
            task.exit_group(crate::kernel::ExitStatus::Signaled(libc::SIGSEGV));
            Ok(0)
        }
    }
}

/// Blocks until a signal the mask lets through arrives (pause, sigsuspend).
fn wait_for_signal() -> Result<(), Errno> {
    while !crate::kernel::process::interrupted() {
        std::thread::sleep(crate::kernel::process::INTERRUPT_POLL);
    }
    Ok(())
}

pub fn sys_pause(_task: &mut Task, _: &SyscallArgs) -> SysResult {
    wait_for_signal()?;
    Err(Errno::ERESTARTNOHAND)
}

pub fn sys_rt_sigsuspend(task: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.u64(1) != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let mask: u64 = task.mm.read_val(a.u64(0))?;
    task.signals.saved_mask = Some(task.sig.mask());
    task.sig.set_mask(mask);
    wait_for_signal()?;
    Err(Errno::ERESTARTNOHAND)
}

pub fn sys_rt_sigpending(task: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.u64(1) > SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let set = (task.sig.pending().set | task.process.lock().pending.set) & task.sig.mask();
    let bytes = set.to_ne_bytes();
    task.mm.write(a.u64(0), &bytes[..a.u64(1) as usize])?;
    Ok(0)
}

/// rt_sigtimedwait(set, info, timeout, size): takes a pending signal of `set` without running
/// its handler.
pub fn sys_rt_sigtimedwait(task: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.u64(3) != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let set: u64 = task.mm.read_val::<u64>(a.u64(0))? & !UNBLOCKABLE;
    let deadline = if a.u64(2) != 0 {
        let ts: libc::timespec = task.mm.read_val(a.u64(2))?;
        if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
            return Err(Errno::EINVAL);
        }
        Some(
            std::time::Instant::now()
                + std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32),
        )
    } else {
        None
    };
    loop {
        if let Some(info) = task.take_signal(!set) {
            if a.u64(1) != 0 {
                task.mm.write_val(a.u64(1), &info.to_bytes())?;
            }
            return Ok(info.signo as u64);
        }
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            return Err(Errno::EAGAIN);
        }
        if crate::kernel::process::interrupted() {
            return Err(Errno::EINTR);
        }
        std::thread::sleep(
            crate::kernel::process::INTERRUPT_POLL.min(std::time::Duration::from_millis(2)),
        );
    }
}
