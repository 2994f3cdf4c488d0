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
        let old = task.signals.mask;
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
        task.mm.write_val(oset, &task.signals.mask)?;
    }
    if let Some(mask) = new {
        task.signals.mask = mask & !UNBLOCKABLE;
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
