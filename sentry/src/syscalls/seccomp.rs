//! seccomp(2) and prctl's PR_SET_SECCOMP: a program filtering its own syscalls (sshd's
//! privilege-separated child, browsers' renderers, systemd's SystemCallFilter). The filters
//! run in the sentry on each syscall of the thread (`check`), before its handler; see
//! `kernel::seccomp`.

use std::sync::Arc;

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::kernel::seccomp::{self, Filter, Insn, Mode};
use crate::kernel::signal::SigInfo;
use crate::kernel::{ExitStatus, Task};

const SECCOMP_SET_MODE_STRICT: u32 = 0;
const SECCOMP_SET_MODE_FILTER: u32 = 1;
const SECCOMP_GET_ACTION_AVAIL: u32 = 2;
const SECCOMP_GET_NOTIF_SIZES: u32 = 3;

const FLAG_TSYNC: u32 = 1;
const FLAG_LOG: u32 = 2;
const FLAG_SPEC_ALLOW: u32 = 4;
const FLAG_NEW_LISTENER: u32 = 8;
const FLAG_TSYNC_ESRCH: u32 = 16;
const FLAG_WAIT_KILLABLE_RECV: u32 = 32;

/// SIGSYS's si_code for a seccomp trap.
const SYS_SECCOMP: i32 = 1;

/// What the filters decided for a syscall.
pub enum Verdict {
    /// Run it.
    Run,
    /// Do not: the app sees this return value (rax).
    Return(u64),
    /// The thread or process was ended.
    Killed,
}

/// Runs the thread's seccomp state on the syscall in `task.regs` (see `dispatch`).
pub fn check(task: &mut Task, nr: u64, args: &SyscallArgs) -> Verdict {
    let mode = task.sig.seccomp();
    let action = match &mode {
        Mode::Disabled => return Verdict::Run,
        Mode::Strict => {
            use syscall_tables::nr;
            if [nr::READ, nr::WRITE, nr::EXIT, nr::RT_SIGRETURN].contains(&nr) {
                return Verdict::Run;
            }
            return kill(task, libc::SIGKILL, false);
        }
        Mode::Filter(filters) => {
            let ip = task.regs.0.rip;
            seccomp::decide(filters, &seccomp::data(nr, ip, &args.raw))
        }
    };
    let data = action & seccomp::RET_DATA;
    match action & 0xffff_0000 {
        seccomp::RET_ALLOW | seccomp::RET_LOG => Verdict::Run,
        seccomp::RET_ERRNO => Verdict::Return((-i64::from(data.min(4095))) as u64),
        seccomp::RET_TRAP => trap(task, nr, data),
        // No tracer takes PTRACE_EVENT_SECCOMP and no listener user notifications: the
        // syscall fails with ENOSYS, as Linux's without one.
        seccomp::RET_TRACE | seccomp::RET_USER_NOTIF => {
            Verdict::Return((-libc::ENOSYS as i64) as u64)
        }
        seccomp::RET_KILL_PROCESS => kill(task, libc::SIGSYS, true),
        _ => kill(task, libc::SIGSYS, false),
    }
}

/// SECCOMP_RET_TRAP: the syscall does not run; the thread gets SIGSYS (si_code SYS_SECCOMP,
/// the data in si_errno) with rax rolled back to the syscall number. Blocked or ignored, the
/// signal kills instead (force_sig_seccomp).
fn trap(task: &mut Task, nr: u64, data: u32) -> Verdict {
    let blocked = task.sig.mask() & crate::kernel::signal::sig_bit(libc::SIGSYS) != 0;
    let ignored = {
        let p = task.process.lock();
        p.actions[(libc::SIGSYS - 1) as usize].handler == crate::kernel::signal::SIG_IGN
    };
    if blocked || ignored {
        return kill(task, libc::SIGSYS, true);
    }
    let info = SigInfo {
        signo: libc::SIGSYS,
        code: SYS_SECCOMP,
        errno: data as i32,
        addr: task.regs.0.rip,
        sys: Some((nr as i32, seccomp::AUDIT_ARCH_X86_64)),
        ..SigInfo::default()
    };
    task.sig.pending().add(info);
    task.sig
        .maybe_pending
        .store(true, std::sync::atomic::Ordering::SeqCst);
    Verdict::Return(nr)
}

/// Ends the thread (the process, if `process` or if it is the last) with `sig`.
fn kill(task: &mut Task, sig: i32, process: bool) -> Verdict {
    let alone = task.process.lock().threads <= 1;
    if process || alone {
        task.exit_group(ExitStatus::Signaled(sig));
    } else {
        task.exit = Some(ExitStatus::Signaled(sig));
    }
    Verdict::Killed
}

pub fn sys_seccomp(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_seccomp(task, a.uint(0), a.uint(1), a.u64(2))
}

/// prctl(PR_SET_SECCOMP, mode, filter): seccomp(2) with no flags.
pub fn prctl_set(task: &mut Task, mode: u64, filter: u64) -> SysResult {
    match mode {
        1 => do_seccomp(task, SECCOMP_SET_MODE_STRICT, 0, filter),
        2 => do_seccomp(task, SECCOMP_SET_MODE_FILTER, 0, filter),
        _ => Err(Errno::EINVAL),
    }
}

fn do_seccomp(task: &mut Task, op: u32, flags: u32, args: u64) -> SysResult {
    match op {
        SECCOMP_SET_MODE_STRICT => {
            if flags != 0 || args != 0 {
                return Err(Errno::EINVAL);
            }
            match task.sig.seccomp() {
                Mode::Disabled | Mode::Strict => {}
                Mode::Filter(_) => return Err(Errno::EINVAL),
            }
            task.sig.set_seccomp(Mode::Strict);
            Ok(0)
        }
        SECCOMP_SET_MODE_FILTER => set_filter(task, flags, args),
        SECCOMP_GET_ACTION_AVAIL => {
            if flags != 0 {
                return Err(Errno::EINVAL);
            }
            let action: u32 = task.mm.read_val(args)?;
            if seccomp::action_available(action) {
                Ok(0)
            } else {
                Err(Errno::EOPNOTSUPP)
            }
        }
        SECCOMP_GET_NOTIF_SIZES => {
            if flags != 0 {
                return Err(Errno::EINVAL);
            }
            // struct seccomp_notif_sizes: seccomp_notif, seccomp_notif_resp, seccomp_data.
            task.mm.write_val(args, &[80u16, 24, 64])?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

fn set_filter(task: &mut Task, flags: u32, prog: u64) -> SysResult {
    let known = FLAG_TSYNC
        | FLAG_LOG
        | FLAG_SPEC_ALLOW
        | FLAG_NEW_LISTENER
        | FLAG_TSYNC_ESRCH
        | FLAG_WAIT_KILLABLE_RECV;
    if flags & !known != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & FLAG_NEW_LISTENER != 0 {
        if flags & FLAG_TSYNC != 0 && flags & FLAG_TSYNC_ESRCH == 0 {
            return Err(Errno::EINVAL);
        }
        task.kernel.log_unsupported(
            "seccomp",
            u64::from(FLAG_NEW_LISTENER),
            "user notification listeners are not offered",
        );
        return Err(Errno::ENOSYS);
    }
    if flags & FLAG_WAIT_KILLABLE_RECV != 0 {
        return Err(Errno::EINVAL);
    }
    // struct sock_fprog: a length and a pointer to the instructions.
    let [len, filter]: [u64; 2] = task.mm.read_val(prog)?;
    let len = (len & 0xffff) as usize;
    if len == 0 || len > seccomp::MAX_INSNS {
        return Err(Errno::EINVAL);
    }
    let raw: Vec<u64> = task.mm.read_vals(filter, len)?;
    let insns = raw
        .into_iter()
        .map(|w| Insn {
            code: (w & 0xffff) as u16,
            jt: (w >> 16) as u8,
            jf: (w >> 24) as u8,
            k: (w >> 32) as u32,
        })
        .collect();
    let filter = Arc::new(Filter::new(insns)?);
    // seccomp_prepare_filter: no_new_privs, or CAP_SYS_ADMIN.
    let nnp = task.process.lock().no_new_privs;
    if !nnp && !task.cred.capable(crate::kernel::cred::CAP_SYS_ADMIN) {
        return Err(Errno::EACCES);
    }
    let mine = match task.sig.seccomp() {
        Mode::Strict => return Err(Errno::EINVAL),
        Mode::Disabled => Vec::new(),
        Mode::Filter(f) => f.as_ref().clone(),
    };
    if !seccomp::fits(&mine, filter.insns()) {
        return Err(Errno::ENOMEM);
    }
    let mut chain = mine;
    chain.push(filter);
    let mode = Mode::Filter(Arc::new(chain));
    if flags & FLAG_TSYNC != 0 {
        // Every thread of the process gets the caller's filters.
        let threads: Vec<_> = task
            .process
            .lock()
            .thread_signals
            .values()
            .cloned()
            .collect();
        for t in threads {
            t.set_seccomp(mode.clone());
        }
    }
    task.sig.set_seccomp(mode);
    Ok(0)
}
