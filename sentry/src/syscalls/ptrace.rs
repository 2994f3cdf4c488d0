//! ptrace(2) between the sandbox's tasks (see `kernel::ptrace`): TRACEME, attach and seize,
//! interrupt, the registers (GETREGS, SETREGS, GETREGSET, SETREGSET, PEEKUSER, POKEUSER,
//! GETFPREGS, ARCH_PRCTL), memory (PEEK and POKE), the stop's siginfo and event message,
//! options (TRACESYSGOOD, TRACEFORK, TRACEVFORK, TRACECLONE, TRACEEXEC, TRACEEXIT,
//! EXITKILL), GET_SYSCALL_INFO, continue, syscall, single step, detach, kill. The rest
//! (LISTEN, the VFORK_DONE and SECCOMP events) is not offered: ENOSYS, logged once.

use std::sync::Arc;

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::kernel::ptrace::{Resume, Tracee, EVENT_STOP, O_OFFERED, STOP_CODE};
use crate::kernel::signal::SigInfo;
use crate::kernel::Task;

const PTRACE_TRACEME: u64 = 0;
const PTRACE_PEEKTEXT: u64 = 1;
const PTRACE_PEEKDATA: u64 = 2;
const PTRACE_PEEKUSER: u64 = 3;
const PTRACE_POKETEXT: u64 = 4;
const PTRACE_POKEDATA: u64 = 5;
const PTRACE_POKEUSER: u64 = 6;
const PTRACE_CONT: u64 = 7;
const PTRACE_SYSCALL: u64 = 24;
const PTRACE_SINGLESTEP: u64 = 9;
const PTRACE_KILL: u64 = 8;
const PTRACE_GETREGS: u64 = 12;
const PTRACE_SETREGS: u64 = 13;
const PTRACE_GETFPREGS: u64 = 14;
const PTRACE_ATTACH: u64 = 16;
const PTRACE_DETACH: u64 = 17;
const PTRACE_ARCH_PRCTL: u64 = 30;
const PTRACE_SETOPTIONS: u64 = 0x4200;
const PTRACE_GETEVENTMSG: u64 = 0x4201;
const PTRACE_GETSIGINFO: u64 = 0x4202;
const PTRACE_GETREGSET: u64 = 0x4204;
const PTRACE_SETREGSET: u64 = 0x4205;
const PTRACE_SEIZE: u64 = 0x4206;
const PTRACE_INTERRUPT: u64 = 0x4207;
const PTRACE_GET_SYSCALL_INFO: u64 = 0x420e;

/// Register sets (elf.h).
const NT_PRSTATUS: u64 = 1;
const NT_PRFPREG: u64 = 2;
const NT_X86_XSTATE: u64 = 0x202;

/// Every PTRACE_O_* option Linux knows; the event ones are not offered here.
const O_MASK: u64 = 0x7f | (1 << 20) | (1 << 21);

/// The size of `struct user_regs_struct` and of the FXSAVE area (`user_fpregs_struct`).
const REGS_SIZE: usize = platform::Regs::SIZE;
const FPREGS_SIZE: usize = 512;
/// `sizeof(struct user)` on x86_64: PEEKUSER past the registers reads zeros (no FP copy
/// there, no debug registers set) up to here, EIO beyond.
const USER_SIZE: u64 = 912;

pub fn sys_ptrace(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (request, pid, addr, data) = (a.u64(0), a.int(1), a.u64(2), a.u64(3));
    match request {
        PTRACE_ATTACH | PTRACE_SEIZE => attach(task, request, pid, addr, data),
        PTRACE_TRACEME => traceme(task),
        PTRACE_KILL => {
            let t = traced_by(task, pid)?;
            let kill = SigInfo::sent(libc::SIGKILL, 0, task.process.pid, task.cred.ruid);
            task.kernel.send_process(&t.process, kill);
            Ok(0)
        }
        PTRACE_INTERRUPT => {
            let t = traced_by(task, pid)?;
            if !t.state().seized {
                return Err(Errno::EIO);
            }
            request_stop(task, &t, EVENT_STOP);
            Ok(0)
        }
        _ => {
            let t = traced_by(task, pid)?;
            // Every other request needs the tracee in a ptrace-stop (ptrace_check_attach).
            if t.state().stop.is_none() {
                return Err(Errno::ESRCH);
            }
            stopped_request(task, &t, request, addr, data)
        }
    }
}

fn unsupported(task: &Task, request: u64) -> SysResult {
    task.kernel.log_unsupported(
        "ptrace",
        request,
        "request not offered (PTRACE_LISTEN, the VFORK_DONE and SECCOMP events, ...)",
    );
    Err(Errno::ENOSYS)
}

/// PTRACE_TRACEME: the parent becomes the caller's tracer (EPERM if it is traced already).
fn traceme(task: &Task) -> SysResult {
    let ppid = task.process.lock().ppid;
    if ppid <= 0 || task.kernel.process(ppid).is_none() {
        return Err(Errno::EPERM);
    }
    let tracee = Arc::new(Tracee {
        tid: task.tid,
        process: task.process.clone(),
        tracer: ppid,
        state: Default::default(),
    });
    if !task.kernel.tracees.insert(tracee) {
        return Err(Errno::EPERM);
    }
    Ok(0)
}

/// The thread `pid` the caller's process traces; ESRCH otherwise.
fn traced_by(task: &Task, pid: i32) -> Result<Arc<Tracee>, Errno> {
    task.kernel
        .tracees
        .get(pid)
        .filter(|t| t.tracer == task.process.pid)
        .ok_or(Errno::ESRCH)
}

/// Asks the tracee to stop, reporting `event`: a SIGSTOP marked as the ptrace stop's, which
/// interrupts whatever it does (see `kernel::ptrace`).
fn request_stop(task: &Task, t: &Tracee, event: i32) {
    t.state().requested = Some(event);
    let thread = t.process.lock().thread_signals.get(&t.tid).cloned();
    if let Some(thread) = thread {
        let info = SigInfo::sent(libc::SIGSTOP, STOP_CODE, task.process.pid, task.cred.ruid);
        task.kernel.send_thread(&t.process, &thread, info);
    }
}

fn attach(task: &Task, request: u64, pid: i32, addr: u64, data: u64) -> SysResult {
    let seize = request == PTRACE_SEIZE;
    if seize && (addr != 0 || data & !O_MASK != 0) {
        return Err(if addr != 0 { Errno::EIO } else { Errno::EINVAL });
    }
    if pid <= 0 {
        return Err(Errno::ESRCH);
    }
    let process = task.kernel.thread_process(pid).ok_or(Errno::ESRCH)?;
    // Not one's own thread group; the target's owner, or CAP_SYS_PTRACE (ptrace_may_access).
    if Arc::ptr_eq(&process, &task.process) {
        return Err(Errno::EPERM);
    }
    {
        let p = process.lock();
        if p.exit.is_some() || p.group_exit.is_some() || !p.thread_signals.contains_key(&pid) {
            return Err(Errno::ESRCH);
        }
        let owner = p.cred.as_ref().map(|c| (c.ruid, c.euid, c.suid));
        let same = owner.is_none_or(|(r, e, s)| {
            let me = task.cred.ruid;
            r == me && e == me && s == me
        });
        if !same && !task.cred.capable(19) {
            return Err(Errno::EPERM);
        }
    }
    if data & !O_OFFERED != 0 {
        return unsupported(task, request);
    }
    let tracee = Arc::new(Tracee {
        tid: pid,
        process,
        tracer: task.process.pid,
        state: Default::default(),
    });
    {
        let mut s = tracee.state();
        s.seized = seize;
        s.options = if seize { data } else { 0 };
    }
    if !task.kernel.tracees.insert(tracee.clone()) {
        return Err(Errno::EPERM);
    }
    if !seize {
        request_stop(task, &tracee, 0);
    }
    Ok(0)
}

/// The requests made of a stopped tracee.
fn stopped_request(
    task: &mut Task,
    t: &Arc<Tracee>,
    request: u64,
    addr: u64,
    data: u64,
) -> SysResult {
    match request {
        PTRACE_PEEKTEXT | PTRACE_PEEKDATA => {
            let mm = t.state().mm.clone().ok_or(Errno::ESRCH)?;
            let mut word = [0u8; 8];
            mm.read_code(addr, &mut word).map_err(|_| Errno::EIO)?;
            task.mm.write(data, &word)?;
            Ok(0)
        }
        PTRACE_POKETEXT | PTRACE_POKEDATA => {
            let mm = t.state().mm.clone().ok_or(Errno::ESRCH)?;
            // As access_process_vm with FOLL_FORCE: read-only pages too (breakpoints).
            mm.lock()
                .fill(addr, &data.to_ne_bytes())
                .map_err(|_| Errno::EIO)?;
            Ok(0)
        }
        PTRACE_PEEKUSER => {
            if !addr.is_multiple_of(8) || addr >= USER_SIZE {
                return Err(Errno::EIO);
            }
            let regs = t.state().regs.to_bytes();
            let word = regs
                .get(addr as usize..addr as usize + 8)
                .map_or(0, |b| u64::from_ne_bytes(b.try_into().unwrap_or([0; 8])));
            task.mm.write_val(data, &word)?;
            Ok(0)
        }
        PTRACE_POKEUSER => {
            if !addr.is_multiple_of(8) || addr as usize + 8 > REGS_SIZE {
                return Err(Errno::EIO);
            }
            let mut s = t.state();
            let mut regs = s.regs.to_bytes();
            regs[addr as usize..addr as usize + 8].copy_from_slice(&data.to_ne_bytes());
            s.regs = platform::Regs::from_bytes(&regs);
            s.regs_changed = true;
            Ok(0)
        }
        PTRACE_GETREGS => {
            let regs = t.state().regs.to_bytes();
            task.mm.write(data, &regs)?;
            Ok(0)
        }
        PTRACE_SETREGS => {
            let mut regs = vec![0u8; REGS_SIZE];
            task.mm.read(data, &mut regs)?;
            let mut s = t.state();
            s.regs = platform::Regs::from_bytes(&regs);
            s.regs_changed = true;
            Ok(0)
        }
        PTRACE_GETFPREGS => {
            let fp = t.state().fp.clone();
            let mut out = vec![0u8; FPREGS_SIZE];
            let n = fp.len().min(FPREGS_SIZE);
            out[..n].copy_from_slice(&fp[..n]);
            task.mm.write(data, &out)?;
            Ok(0)
        }
        PTRACE_GETREGSET | PTRACE_SETREGSET => {
            let [base, len]: [u64; 2] = task.mm.read_val(data)?;
            let set = match addr {
                NT_PRSTATUS => t.state().regs.to_bytes().to_vec(),
                NT_PRFPREG if request == PTRACE_GETREGSET => {
                    let mut fp = t.state().fp.clone();
                    fp.resize(FPREGS_SIZE, 0);
                    fp
                }
                NT_X86_XSTATE if request == PTRACE_GETREGSET => t.state().fp.clone(),
                _ => return Err(Errno::EINVAL),
            };
            let n = (len as usize).min(set.len());
            if request == PTRACE_GETREGSET {
                task.mm.write(base, &set[..n])?;
            } else {
                let mut regs = set;
                task.mm.read(base, &mut regs[..n])?;
                let mut s = t.state();
                s.regs = platform::Regs::from_bytes(&regs);
                s.regs_changed = true;
            }
            task.mm.write_val(data.wrapping_add(8), &(n as u64))?;
            Ok(0)
        }
        PTRACE_ARCH_PRCTL => {
            let regs = t.state().regs;
            let value = match data as i32 {
                super::task::ARCH_GET_FS => regs.0.fs_base,
                super::task::ARCH_GET_GS => regs.0.gs_base,
                _ => return Err(Errno::EINVAL),
            };
            task.mm.write_val(addr, &value)?;
            Ok(0)
        }
        PTRACE_GETSIGINFO => {
            let stop = t.state().stop.ok_or(Errno::EINVAL)?;
            let mut info = stop.info;
            // The attach stop shows as a SIGSTOP the kernel sent (SI_KERNEL); an
            // interrupt's as SIGTRAP with the event in the code.
            if info.code == STOP_CODE {
                info = if stop.event == EVENT_STOP {
                    SigInfo::sent(libc::SIGTRAP, libc::SIGTRAP | (EVENT_STOP << 8), 0, 0)
                } else {
                    SigInfo::sent(libc::SIGSTOP, crate::kernel::signal::SI_KERNEL, 0, 0)
                };
            }
            task.mm.write(data, &info.to_bytes())?;
            Ok(0)
        }
        PTRACE_GET_SYSCALL_INFO => {
            // struct ptrace_syscall_info: op, arch, ip, sp, then the entry's number and
            // arguments or the exit's value and error flag. Returns its full size; writes
            // what fits in `addr` bytes.
            let (regs, entry) = {
                let s = t.state();
                (s.regs, s.syscall_entry)
            };
            let r = &regs.0;
            let mut info = Vec::with_capacity(88);
            let op: u8 = match entry {
                Some(true) => 1,
                Some(false) => 2,
                None => 0,
            };
            info.extend_from_slice(&[op, 0, 0, 0]);
            info.extend_from_slice(&crate::kernel::seccomp::AUDIT_ARCH_X86_64.to_ne_bytes());
            info.extend_from_slice(&r.rip.to_ne_bytes());
            info.extend_from_slice(&r.rsp.to_ne_bytes());
            match entry {
                Some(true) => {
                    info.extend_from_slice(&r.orig_rax.to_ne_bytes());
                    for a in regs.syscall_args() {
                        info.extend_from_slice(&a.to_ne_bytes());
                    }
                }
                Some(false) => {
                    let rval = r.rax as i64;
                    info.extend_from_slice(&rval.to_ne_bytes());
                    info.push(u8::from((-4095..0).contains(&rval)));
                }
                None => {}
            }
            let n = (addr as usize).min(info.len());
            task.mm.write(data, &info[..n])?;
            Ok(info.len() as u64)
        }
        PTRACE_GETEVENTMSG => {
            let msg = t.state().event_msg;
            task.mm.write_val(data, &msg)?;
            Ok(0)
        }
        PTRACE_SETOPTIONS => {
            if data & !O_MASK != 0 {
                return Err(Errno::EINVAL);
            }
            if data & !O_OFFERED != 0 {
                return unsupported(task, request);
            }
            t.state().options = data;
            Ok(0)
        }
        PTRACE_CONT | PTRACE_DETACH | PTRACE_SYSCALL | PTRACE_SINGLESTEP => {
            let sig = data as i32;
            if !(0..=64).contains(&sig) {
                return Err(Errno::EIO);
            }
            match request {
                PTRACE_DETACH => {
                    task.kernel.tracees.remove_this(t);
                    t.resume(Resume::Detach(sig));
                }
                PTRACE_SYSCALL => t.resume(Resume::Syscall(sig)),
                PTRACE_SINGLESTEP => t.resume(Resume::Step(sig)),
                _ => t.resume(Resume::Cont(sig)),
            }
            Ok(0)
        }
        _ => unsupported(task, request),
    }
}
