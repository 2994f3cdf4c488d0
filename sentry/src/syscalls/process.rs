//! Processes: clone, fork, vfork, wait, kill, process groups and sessions.

use std::sync::Arc;

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::kernel::signal::{SigInfo, NSIG, SI_TKILL, SI_USER};
use crate::kernel::{CloneArgs, ExitStatus, Process, Task};

/// Namespace flags: refused, never passed to the host (the sandbox has its own namespaces).
const CLONE_NEW_ANY: u64 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWCGROUP
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET) as u64;
/// Every clone flag we know (the low byte is the exit signal).
const CLONE_KNOWN: u64 = 0xffff_ff00 & !(libc::CLONE_PIDFD as u64) | libc::CLONE_PIDFD as u64;

fn do_clone(task: &mut Task, args: CloneArgs) -> SysResult {
    let f = args.flags;
    let has = |flag: i32| f & flag as u64 != 0;
    if f & CLONE_NEW_ANY != 0 {
        crate::errno!(
            EPERM,
            "clone: namespaces are not available inside the sandbox"
        );
    }
    // clone(2): CLONE_THREAD needs CLONE_SIGHAND, which needs CLONE_VM.
    if (has(libc::CLONE_THREAD) && !has(libc::CLONE_SIGHAND))
        || (has(libc::CLONE_SIGHAND) && !has(libc::CLONE_VM))
    {
        return Err(Errno::EINVAL);
    }
    if has(libc::CLONE_FS) && has(libc::CLONE_NEWNS) {
        return Err(Errno::EINVAL);
    }
    if has(libc::CLONE_PIDFD) {
        crate::errno!(EINVAL, "CLONE_PIDFD is not supported yet");
    }
    if !(0..=NSIG as i32).contains(&args.exit_signal) {
        return Err(Errno::EINVAL);
    }
    if has(libc::CLONE_SIGHAND) && !has(libc::CLONE_THREAD) {
        tracing::warn!(
            "clone: CLONE_SIGHAND without CLONE_THREAD: handlers are copied, not shared"
        );
    }
    Ok(task.clone_task(&args)? as u64)
}

pub fn sys_fork(task: &mut Task, _: &SyscallArgs) -> SysResult {
    do_clone(
        task,
        CloneArgs {
            exit_signal: libc::SIGCHLD,
            ..CloneArgs::default()
        },
    )
}

pub fn sys_vfork(task: &mut Task, _: &SyscallArgs) -> SysResult {
    let flags = (libc::CLONE_VM | libc::CLONE_VFORK) as u64;
    do_clone(
        task,
        CloneArgs {
            flags,
            exit_signal: libc::SIGCHLD,
            ..CloneArgs::default()
        },
    )
}

/// clone(flags, stack, parent_tid, child_tid, tls): the x86_64 argument order.
pub fn sys_clone(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = a.u64(0);
    do_clone(
        task,
        CloneArgs {
            flags: flags & !0xff,
            exit_signal: (flags & 0xff) as i32,
            stack: a.u64(1),
            parent_tid: a.u64(2),
            child_tid: a.u64(3),
            tls: a.u64(4),
        },
    )
}

/// `struct clone_args`, the first version (64 bytes).
#[derive(Clone, Copy, Default)]
#[repr(C)]
struct CloneArgs3 {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
}

// SAFETY: integers only, no padding.
unsafe impl crate::mm::Pod for CloneArgs3 {}

pub fn sys_clone3(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let size = a.u64(1);
    // Linux wants at least the first version, at most a page.
    if !(64..=4096).contains(&size) {
        return Err(Errno::EINVAL);
    }
    let c: CloneArgs3 = task.mm.read_val(a.u64(0))?;
    // Fields past the first version (set_tid, cgroup) must be zero: we do not support them.
    if size > 64
        && task
            .mm
            .read_partial(a.u64(0) + 64, (size - 64) as usize)
            .iter()
            .any(|&b| b != 0)
    {
        crate::errno!(E2BIG, "clone3: set_tid and cgroup are not supported");
    }
    if c.flags & 0xff != 0 || c.flags & !CLONE_KNOWN != 0 || c.exit_signal > NSIG as u64 {
        return Err(Errno::EINVAL);
    }
    // The stack is given as base and size; the child starts at its top.
    if (c.stack == 0) != (c.stack_size == 0) {
        return Err(Errno::EINVAL);
    }
    let stack = if c.stack != 0 {
        c.stack.checked_add(c.stack_size).ok_or(Errno::EINVAL)?
    } else {
        0
    };
    do_clone(
        task,
        CloneArgs {
            flags: c.flags,
            exit_signal: c.exit_signal as i32,
            stack,
            parent_tid: c.parent_tid,
            child_tid: c.child_tid,
            tls: c.tls,
        },
    )
}

const WNOHANG: i32 = 1;
const WUNTRACED: i32 = 2;
const WEXITED: i32 = 4;
const WCONTINUED: i32 = 8;
const WNOWAIT: i32 = 0x0100_0000;
const WNOTHREAD: i32 = 0x2000_0000;
const WALL: i32 = 0x4000_0000;
const WCLONE: i32 = 0x8000_0000u32 as i32;

/// Which children a wait is for.
#[derive(Clone, Copy)]
enum Which {
    Any,
    Pid(i32),
    Pgid(i32),
}

/// What a wait reports of a child (wait(2)).
#[derive(Clone, Copy)]
enum ChildEvent {
    Exited(ExitStatus),
    /// Stopped by this signal (WUNTRACED, WSTOPPED).
    Stopped(i32),
    /// Resumed by SIGCONT (WCONTINUED).
    Continued,
    /// A traced thread's ptrace-stop, for its tracer: the signal and the PTRACE_EVENT.
    Trapped(i32, i32),
}

/// The wait status word of a child's change of state (wait(2)).
fn wait_status(event: ChildEvent) -> i32 {
    match event {
        ChildEvent::Exited(ExitStatus::Exited(code)) => (code & 0xff) << 8,
        // The core-dump flag (0x80) is set only when a core file was written; the sandbox
        // writes none.
        ChildEvent::Exited(ExitStatus::Signaled(sig)) => sig & 0x7f,
        ChildEvent::Stopped(sig) => 0x7f | ((sig & 0xff) << 8),
        ChildEvent::Trapped(sig, event) => 0x7f | ((sig & 0xff) << 8) | (event << 16),
        ChildEvent::Continued => 0xffff,
    }
}

/// Finds a child matching `which` (and `options`' clone rules) with something to report:
/// ended (reaped unless WNOWAIT; only with WEXITED), stopped (WUNTRACED) or continued
/// (WCONTINUED), each reported once unless WNOWAIT. Returns None if matching children exist
/// but none has news; ECHILD if none match at all.
fn find_child(
    task: &Task,
    which: Which,
    options: i32,
) -> Result<Option<(i32, ChildEvent, libc::rusage)>, Errno> {
    let mut any = false;
    // The threads this process traces report their ptrace-stops to it, whatever the
    // options (wait_task_stopped), children or not.
    for t in task.kernel.tracees.of_tracer(task.process.pid) {
        let matches = match which {
            Which::Any => true,
            Which::Pid(p) => p == t.tid,
            Which::Pgid(g) => t.process.lock().pgid == g,
        };
        if !matches {
            continue;
        }
        any = true;
        let mut s = t.state();
        if let Some(status) = s.exited {
            if options & WEXITED == 0 {
                continue;
            }
            drop(s);
            if options & WNOWAIT == 0 {
                task.kernel.tracees.remove_this(&t);
            }
            let usage = t.process.lock().usage;
            return Ok(Some((t.tid, ChildEvent::Exited(status), usage)));
        }
        if let (Some(stop), false) = (s.stop, s.reported) {
            if options & WNOWAIT == 0 {
                s.reported = true;
            }
            drop(s);
            let usage = crate::kernel::process::host_usage(t.process.lock().host_pid);
            return Ok(Some((
                t.tid,
                ChildEvent::Trapped(stop.sig, stop.event),
                usage,
            )));
        }
    }
    let children = task.process.lock().children.clone();
    for pid in children {
        let Some(child) = task.kernel.process(pid) else {
            continue;
        };
        let (pgid, exit, exit_signal) = {
            let c = child.lock();
            (c.pgid, c.exit, c.exit_signal)
        };
        let matches = match which {
            Which::Any => true,
            Which::Pid(p) => p == pid,
            Which::Pgid(g) => g == pgid,
        };
        // A "clone" child (one that does not signal SIGCHLD) is waited for only with
        // __WCLONE, the others only without it; __WALL takes both.
        let clone_child = exit_signal != libc::SIGCHLD;
        if !matches || (options & WALL == 0 && clone_child != (options & WCLONE != 0)) {
            continue;
        }
        any = true;
        if let Some(status) = exit {
            if options & WEXITED == 0 {
                continue;
            }
            let usage = child.lock().usage;
            if options & WNOWAIT == 0 {
                let mut p = task.process.lock();
                p.children.retain(|&c| c != pid);
                crate::kernel::process::add_usage(&mut p.children_usage, &usage);
                drop(p);
                task.kernel.remove_process(pid);
            }
            return Ok(Some((pid, ChildEvent::Exited(status), usage)));
        }
        let event = {
            let mut c = child.lock();
            let consume = options & WNOWAIT == 0;
            if let (Some(sig), true) = (c.stop_report, options & WUNTRACED != 0) {
                if consume {
                    c.stop_report = None;
                }
                Some((ChildEvent::Stopped(sig), c.host_pid))
            } else if c.cont_report && options & WCONTINUED != 0 {
                if consume {
                    c.cont_report = false;
                }
                Some((ChildEvent::Continued, c.host_pid))
            } else {
                None
            }
        };
        if let Some((event, host_pid)) = event {
            // What the live child has used so far (Linux fills it for stops and resumes).
            let usage = crate::kernel::process::host_usage(host_pid);
            return Ok(Some((pid, event, usage)));
        }
    }
    if !any {
        return Err(Errno::ECHILD);
    }
    Ok(None)
}

/// Waits for a child as wait4 and waitid do; Ok(None) for WNOHANG with nothing to report.
fn wait_child(
    task: &Task,
    which: Which,
    options: i32,
) -> Result<Option<(i32, ChildEvent, libc::rusage)>, Errno> {
    let process: Arc<Process> = task.process.clone();
    loop {
        if let Some(found) = find_child(task, which, options)? {
            return Ok(Some(found));
        }
        if options & WNOHANG != 0 {
            return Ok(None);
        }
        if crate::kernel::process::interrupted() {
            return Err(Errno::ERESTARTSYS);
        }
        let p = process.lock();
        drop(process.wait_event(p));
    }
}

fn which_of(task: &Task, pid: i32) -> Which {
    match pid {
        -1 => Which::Any,
        0 => Which::Pgid(task.process.lock().pgid),
        p if p < 0 => Which::Pgid(p.wrapping_neg()),
        p => Which::Pid(p),
    }
}

pub fn sys_wait4(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (pid, status_addr, options, rusage) = (a.int(0), a.u64(1), a.int(2), a.u64(3));
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE) != 0 {
        return Err(Errno::EINVAL);
    }
    if pid == i32::MIN {
        return Err(Errno::ESRCH);
    }
    // wait4 always waits for ends; WUNTRACED and WCONTINUED add stops and resumes.
    let which = which_of(task, pid);
    let Some((child, status, usage)) = wait_child(task, which, options | WEXITED)? else {
        return Ok(0);
    };
    if status_addr != 0 {
        task.mm.write_val(status_addr, &wait_status(status))?;
    }
    if rusage != 0 {
        task.mm.write_val(rusage, &usage)?;
    }
    Ok(child as u64)
}

/// `siginfo_t` for SIGCHLD, as waitid fills it (128 bytes).
#[derive(Clone, Copy)]
#[repr(C)]
struct ChildInfo {
    signo: i32,
    errno: i32,
    code: i32,
    pad: i32,
    pid: i32,
    uid: u32,
    status: i32,
    pad2: i32,
    rest: [u64; 12],
}

// SAFETY: integers only; padding is explicit.
unsafe impl crate::mm::Pod for ChildInfo {}

pub fn sys_waitid(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (idtype, id, infop, options) = (a.uint(0), a.int(1), a.u64(2), a.int(3));
    if options & !(WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | WNOTHREAD | WALL | WCLONE)
        != 0
    {
        return Err(Errno::EINVAL);
    }
    if options & (WEXITED | WUNTRACED | WCONTINUED) == 0 {
        return Err(Errno::EINVAL);
    }
    let which = match idtype {
        libc::P_ALL => Which::Any,
        libc::P_PID if id > 0 => Which::Pid(id),
        libc::P_PGID if id >= 0 => {
            if id == 0 {
                Which::Pgid(task.process.lock().pgid)
            } else {
                Which::Pgid(id)
            }
        }
        _ => return Err(Errno::EINVAL),
    };
    let found = wait_child(task, which, options)?;
    let mut info = ChildInfo {
        signo: 0,
        errno: 0,
        code: 0,
        pad: 0,
        pid: 0,
        uid: 0,
        status: 0,
        pad2: 0,
        rest: [0; 12],
    };
    if let Some((pid, event, _)) = found {
        info.signo = libc::SIGCHLD;
        info.pid = pid;
        info.uid = task.cred.ruid;
        (info.code, info.status) = match event {
            ChildEvent::Exited(ExitStatus::Exited(code)) => (libc::CLD_EXITED, code),
            ChildEvent::Exited(ExitStatus::Signaled(sig)) => (libc::CLD_KILLED, sig),
            ChildEvent::Stopped(sig) => (libc::CLD_STOPPED, sig),
            ChildEvent::Trapped(sig, _) => (libc::CLD_TRAPPED, sig),
            ChildEvent::Continued => (libc::CLD_CONTINUED, libc::SIGCONT),
        };
    }
    if infop != 0 {
        task.mm.write_val(infop, &info)?;
    }
    Ok(0)
}

pub fn sys_getppid(task: &mut Task, _: &SyscallArgs) -> SysResult {
    Ok(task.process.lock().ppid as u64)
}

/// The processes a kill(2) pid names (zombies count: they exist until reaped), or ESRCH.
fn kill_targets(task: &Task, pid: i32) -> Result<Vec<Arc<Process>>, Errno> {
    let targets: Vec<Arc<Process>> = match pid {
        p if p > 0 => task.kernel.process(p).into_iter().collect(),
        -1 => task
            .kernel
            .processes()
            .into_iter()
            .filter(|p| p.pid != 1 && p.pid != task.process.pid)
            .collect(),
        p => {
            let pgid = if p == 0 {
                task.process.lock().pgid
            } else {
                p.wrapping_neg()
            };
            task.kernel
                .processes()
                .into_iter()
                .filter(|q| q.lock().pgid == pgid)
                .collect()
        }
    };
    if targets.is_empty() && pid != -1 {
        return Err(Errno::ESRCH);
    }
    Ok(targets)
}

fn signal_arg(sig: i32) -> Result<i32, Errno> {
    if !(0..=NSIG as i32).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    Ok(sig)
}

pub fn sys_kill(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let sig = signal_arg(a.int(1))?;
    let pid = a.int(0);
    if pid == i32::MIN {
        return Err(Errno::ESRCH);
    }
    let kernel = task.kernel.clone();
    // A signal to many processes and a concurrent fork: see Kernel::tree_lock.
    let _tree = (pid <= 0).then(|| kernel.tree_lock.lock().unwrap_or_else(|e| e.into_inner()));
    let targets = kill_targets(task, pid)?;
    if sig == 0 {
        return Ok(0);
    }
    let info = SigInfo::sent(sig, SI_USER, task.process.pid, task.cred.ruid);
    for t in &targets {
        kernel.send_process(t, info);
    }
    Ok(0)
}

/// Sends a thread-directed signal to thread `tid` (of process `tgid`, if given).
fn send_to_thread(task: &mut Task, tgid: Option<i32>, tid: i32, info: SigInfo) -> SysResult {
    let target = task
        .kernel
        .thread_process(tid)
        .filter(|p| tgid.is_none_or(|g| g == p.pid))
        .ok_or(Errno::ESRCH)?;
    let thread = target
        .lock()
        .thread_signals
        .get(&tid)
        .cloned()
        .ok_or(Errno::ESRCH)?;
    if info.signo != 0 {
        task.kernel.send_thread(&target, &thread, info);
    }
    Ok(0)
}

pub fn sys_tkill(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (tid, sig) = (a.int(0), signal_arg(a.int(1))?);
    if tid <= 0 {
        return Err(Errno::EINVAL);
    }
    let info = SigInfo::sent(sig, SI_TKILL, task.process.pid, task.cred.ruid);
    send_to_thread(task, None, tid, info)
}

pub fn sys_tgkill(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (tgid, tid, sig) = (a.int(0), a.int(1), signal_arg(a.int(2))?);
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    let info = SigInfo::sent(sig, SI_TKILL, task.process.pid, task.cred.ruid);
    send_to_thread(task, Some(tgid), tid, info)
}

/// rt_sigqueueinfo(pid, sig, info): a signal with the caller's siginfo. Only a process may
/// claim a kernel- or kill-made si_code for itself (EPERM otherwise).
pub fn sys_rt_sigqueueinfo(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (pid, sig) = (a.int(0), signal_arg(a.int(1))?);
    let info = queued_info(task, sig, a.u64(2), pid == task.process.pid)?;
    let target = task.kernel.process(pid).ok_or(Errno::ESRCH)?;
    if sig != 0 {
        task.kernel.send_process(&target, info);
    }
    Ok(0)
}

pub fn sys_rt_tgsigqueueinfo(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (tgid, tid, sig) = (a.int(0), a.int(1), signal_arg(a.int(2))?);
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    let info = queued_info(task, sig, a.u64(3), tgid == task.process.pid)?;
    send_to_thread(task, Some(tgid), tid, info)
}

fn queued_info(task: &Task, sig: i32, addr: u64, to_self: bool) -> Result<SigInfo, Errno> {
    let raw: [u8; 128] = task.mm.read_val(addr)?;
    let word = |at: usize| i32::from_ne_bytes(raw[at..at + 4].try_into().unwrap_or([0; 4]));
    let code = word(8);
    if (code >= 0 || code == SI_TKILL) && !to_self {
        return Err(Errno::EPERM);
    }
    Ok(SigInfo {
        signo: sig,
        code,
        pid: word(16),
        uid: word(20) as u32,
        value: u64::from_ne_bytes(raw[24..32].try_into().unwrap_or([0; 8])),
        ..SigInfo::default()
    })
}

fn process_of(task: &Task, pid: i32) -> Result<Arc<Process>, Errno> {
    if pid == 0 {
        return Ok(task.process.clone());
    }
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    task.kernel.process(pid).ok_or(Errno::ESRCH)
}

pub fn sys_getpgid(task: &mut Task, a: &SyscallArgs) -> SysResult {
    Ok(process_of(task, a.int(0))?.lock().pgid as u64)
}

pub fn sys_getpgrp(task: &mut Task, _: &SyscallArgs) -> SysResult {
    Ok(task.process.lock().pgid as u64)
}

pub fn sys_getsid(task: &mut Task, a: &SyscallArgs) -> SysResult {
    Ok(process_of(task, a.int(0))?.lock().sid as u64)
}

pub fn sys_setpgid(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (pid, pgid) = (a.int(0), a.int(1));
    if pgid < 0 {
        return Err(Errno::EINVAL);
    }
    let target = process_of(task, pid)?;
    let me = task.process.pid;
    let (target_ppid, target_sid) = {
        let t = target.lock();
        (t.ppid, t.sid)
    };
    // Only ourselves or a child of ours; never a session leader; same session only.
    if target.pid != me && target_ppid != me {
        return Err(Errno::ESRCH);
    }
    let my_sid = task.process.lock().sid;
    if target_sid == target.pid || target_sid != my_sid {
        return Err(Errno::EPERM);
    }
    let pgid = if pgid == 0 { target.pid } else { pgid };
    if pgid != target.pid {
        let exists = task.kernel.processes().iter().any(|p| {
            let s = p.lock();
            s.pgid == pgid && s.sid == my_sid
        });
        if !exists {
            return Err(Errno::EPERM);
        }
    }
    target.lock().pgid = pgid;
    Ok(0)
}

pub fn sys_setsid(task: &mut Task, _: &SyscallArgs) -> SysResult {
    let pid = task.process.pid;
    // A process group leader cannot start a session (its group would straddle two).
    let leads_group = task
        .kernel
        .processes()
        .iter()
        .any(|p| p.pid != pid && p.lock().pgid == pid);
    let mut p = task.process.lock();
    if p.pgid == pid || leads_group {
        return Err(Errno::EPERM);
    }
    p.pgid = pid;
    p.sid = pid;
    // The new session has no controlling terminal.
    p.ctty = None;
    Ok(pid as u64)
}

/// unshare(2): a private fd table (CLONE_FILES) or file-system context (CLONE_FS); the
/// sandbox has one namespace of each kind, so the CLONE_NEW* flags are EPERM, as clone's.
pub fn sys_unshare(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = a.u64(0);
    let known = CLONE_NEW_ANY
        | (libc::CLONE_FILES
            | libc::CLONE_FS
            | libc::CLONE_SYSVSEM
            | libc::CLONE_THREAD
            | libc::CLONE_SIGHAND
            | libc::CLONE_VM
            | libc::CLONE_NEWTIME) as u64;
    if flags & !known != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & (CLONE_NEW_ANY | libc::CLONE_NEWTIME as u64) != 0 {
        crate::errno!(
            EPERM,
            "unshare: namespaces are not available inside the sandbox"
        );
    }
    // Unsharing the thread group, handlers or memory is allowed only when nothing shares
    // them: a single-threaded process.
    let shared_group = (libc::CLONE_THREAD | libc::CLONE_SIGHAND | libc::CLONE_VM) as u64;
    if flags & shared_group != 0 && task.process.lock().threads > 1 {
        return Err(Errno::EINVAL);
    }
    if flags & libc::CLONE_FILES as u64 != 0 {
        let copy = task.fds().clone();
        task.fds = Arc::new(std::sync::Mutex::new(copy));
    }
    if flags & libc::CLONE_FS as u64 != 0 {
        let copy = task.fs().clone();
        task.fs = Arc::new(std::sync::Mutex::new(copy));
    }
    Ok(0)
}
