//! Task identity and life: exit, execve, ids, arch_prctl, limits, affinity, prctl.

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::kernel::{ExitStatus, Task};
use crate::loader::{self, ExecArgs, MAX_ARG_STRLEN};

const ARCH_SET_GS: i32 = 0x1001;
const ARCH_SET_FS: i32 = 0x1002;
pub(super) const ARCH_GET_FS: i32 = 0x1003;
pub(super) const ARCH_GET_GS: i32 = 0x1004;
const ARCH_GET_CPUID: i32 = 0x1011;
/// One past the highest canonical user address.
const TASK_SIZE_MAX: u64 = 0x7fff_ffff_f000;

/// exit(2) ends the calling thread (the process, if it was the last one).
pub fn sys_exit(task: &mut Task, a: &SyscallArgs) -> SysResult {
    task.exit = Some(ExitStatus::Exited(a.int(0) & 0xff));
    Ok(0)
}

pub fn sys_exit_group(task: &mut Task, a: &SyscallArgs) -> SysResult {
    task.exit_group(ExitStatus::Exited(a.int(0) & 0xff));
    Ok(0)
}

/// Reads a NULL-terminated array of string pointers (argv, envp); E2BIG past Linux's limits.
fn read_string_array(task: &Task, addr: u64) -> Result<Vec<Vec<u8>>, Errno> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    let mut total = 0usize;
    for i in 0u64.. {
        let ptr: u64 = task
            .mm
            .read_val(addr.checked_add(i * 8).ok_or(Errno::EFAULT)?)?;
        if ptr == 0 {
            break;
        }
        let s = task.mm.read_cstr(ptr, MAX_ARG_STRLEN).map_err(|e| {
            if e == Errno::ENAMETOOLONG {
                Errno::E2BIG
            } else {
                e
            }
        })?;
        total += s.len() + 1 + 8;
        if total > (crate::mm::layout::STACK_SIZE / 4) as usize {
            return Err(Errno::E2BIG);
        }
        out.push(s);
    }
    Ok(out)
}

fn do_execve(
    task: &mut Task,
    dirfd: i32,
    path_addr: u64,
    argv: u64,
    envp: u64,
    flags: i32,
) -> SysResult {
    if flags & !(libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    let filename = super::path::read_path(task, path_addr, flags & libc::AT_EMPTY_PATH != 0)?;
    let start = super::path::dir_of(task, dirfd, &filename)?;
    // execveat(fd, "", AT_EMPTY_PATH): `start` is the file `fd` itself, by its place in the
    // tree, and the empty path names it (see loader::open_exec); the program (and a script's
    // interpreter) gets "/dev/fd/FD" as its file name, as on Linux.
    let path = filename.clone();
    let filename = if filename.is_empty() && dirfd != libc::AT_FDCWD {
        format!("/dev/fd/{dirfd}").into_bytes()
    } else {
        filename
    };
    let args = ExecArgs {
        path,
        filename,
        argv: read_string_array(task, argv)?,
        envp: read_string_array(task, envp)?,
    };
    let kernel = task.kernel.clone();
    let loaded = {
        let (root, cwd) = {
            let fs = task.fs();
            (fs.root.clone(), fs.cwd.clone())
        };
        let lookup = crate::vfs::Lookup {
            vfs: &kernel.vfs,
            resolve: 0,
            root,
            cwd,
            creds: task.creds(),
        };
        let c = &task.cred;
        let ids = loader::Credentials {
            uid: c.ruid,
            euid: c.euid,
            gid: c.rgid,
            egid: c.egid,
        };
        // The new image's stub is a fork of this one, emptied (cheaper than a new stub).
        loader::load(
            &kernel,
            &lookup,
            start.as_ref(),
            args,
            &ids,
            Some(&mut *task.ctx),
        )?
    };
    task.exec(loaded);
    Ok(0)
}

pub fn sys_execve(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_execve(task, -100, a.u64(0), a.u64(1), a.u64(2), 0)
}

pub fn sys_execveat(task: &mut Task, a: &SyscallArgs) -> SysResult {
    do_execve(task, a.int(0), a.u64(1), a.u64(2), a.u64(3), a.int(4))
}

pub fn sys_getpid(task: &mut Task, _: &SyscallArgs) -> SysResult {
    Ok(task.process.pid as u64)
}

pub fn sys_gettid(task: &mut Task, _: &SyscallArgs) -> SysResult {
    Ok(task.tid as u64)
}

pub fn sys_getrusage(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let usage = match a.int(0) {
        libc::RUSAGE_SELF | libc::RUSAGE_THREAD => {
            crate::kernel::process::host_usage(task.host_pid())
        }
        libc::RUSAGE_CHILDREN => task.process.lock().children_usage,
        _ => return Err(Errno::EINVAL),
    };
    task.mm.write_val(a.u64(1), &usage)?;
    Ok(0)
}

pub fn sys_arch_prctl(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let addr = a.u64(1);
    match a.int(0) {
        ARCH_SET_FS | ARCH_SET_GS if addr >= TASK_SIZE_MAX => Err(Errno::EPERM),
        ARCH_SET_FS => {
            task.regs.0.fs_base = addr;
            Ok(0)
        }
        ARCH_SET_GS => {
            task.regs.0.gs_base = addr;
            Ok(0)
        }
        ARCH_GET_FS => task.mm.write_val(addr, &task.regs.0.fs_base).map(|_| 0),
        ARCH_GET_GS => task.mm.write_val(addr, &task.regs.0.gs_base).map(|_| 0),
        // CPUID is not faulting: report it enabled.
        ARCH_GET_CPUID => Ok(1),
        code => crate::errno!(EINVAL, "arch_prctl code {code:#x}"),
    }
}

pub fn sys_set_tid_address(task: &mut Task, a: &SyscallArgs) -> SysResult {
    task.clear_child_tid = a.u64(0);
    Ok(task.tid as u64)
}

pub fn sys_set_robust_list(task: &mut Task, a: &SyscallArgs) -> SysResult {
    // sizeof(struct robust_list_head)
    if a.u64(1) != 24 {
        return Err(Errno::EINVAL);
    }
    task.robust_list = (a.u64(0), a.u64(1));
    task.sig
        .robust_head
        .store(a.u64(0), std::sync::atomic::Ordering::Relaxed);
    Ok(0)
}

/// get_robust_list(2): the list head a thread registered (0: the caller), and its length.
pub fn sys_get_robust_list(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let tid = a.int(0);
    let head = if tid == 0 || tid == task.tid {
        task.robust_list.0
    } else {
        let process = task.kernel.thread_process(tid).ok_or(Errno::ESRCH)?;
        let p = process.lock();
        let thread = p.thread_signals.get(&tid).ok_or(Errno::ESRCH)?;
        // ptrace_may_access: the thread's owner, or CAP_SYS_PTRACE.
        let owner = p.cred.as_ref().map_or(task.cred.ruid, |c| c.ruid);
        if owner != task.cred.ruid && !task.cred.capable(19) {
            return Err(Errno::EPERM);
        }
        thread
            .robust_head
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    task.mm.write_val(a.u64(1), &head)?;
    task.mm.write_val(a.u64(2), &24u64)?;
    Ok(0)
}

/// personality(2): the execution domain is kept and reported (0xffffffff asks); the
/// sandbox runs every program as PER_LINUX whatever it says (it never randomizes layouts).
pub fn sys_personality(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let want = a.uint(0);
    let mut p = task.process.lock();
    let old = p.personality;
    if want != 0xffff_ffff {
        p.personality = want;
    }
    Ok(u64::from(old))
}

/// getcpu(2): the CPU the calling thread runs on (its sentry thread and stub share one),
/// and node 0; either pointer may be null.
pub fn sys_getcpu(task: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.u64(0) != 0 {
        task.mm
            .write_val(a.u64(0), &(platform::current_cpu() as u32))?;
    }
    if a.u64(1) != 0 {
        task.mm.write_val(a.u64(1), &0u32)?;
    }
    Ok(0)
}

fn rlimit_index(resource: u32) -> Result<usize, Errno> {
    let i = resource as usize;
    if i >= crate::kernel::task::RLIM_NLIMITS {
        return Err(Errno::EINVAL);
    }
    Ok(i)
}

fn set_rlimit(task: &mut Task, i: usize, new: libc::rlimit) -> Result<(), Errno> {
    if new.rlim_cur > new.rlim_max {
        return Err(Errno::EINVAL);
    }
    // Raising a hard limit takes CAP_SYS_RESOURCE, which only root holds here.
    if new.rlim_max > task.rlimits[i].rlim_max && !task.cred.capable(24) {
        return Err(Errno::EPERM);
    }
    if i == libc::RLIMIT_NOFILE as usize && new.rlim_max > u64::from(crate::fs::fdtable::NR_OPEN) {
        return Err(Errno::EPERM);
    }
    task.rlimits[i] = new;
    Ok(())
}

pub fn sys_prlimit64(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let pid = a.int(0);
    if pid != 0 && pid != task.process.pid {
        return Err(Errno::ESRCH);
    }
    let i = rlimit_index(a.uint(1))?;
    let new = if a.u64(2) != 0 {
        Some(task.mm.read_val::<libc::rlimit>(a.u64(2))?)
    } else {
        None
    };
    if a.u64(3) != 0 {
        task.mm.write_val(a.u64(3), &task.rlimits[i])?;
    }
    if let Some(new) = new {
        set_rlimit(task, i, new)?;
    }
    Ok(0)
}

pub fn sys_getrlimit(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let i = rlimit_index(a.uint(0))?;
    task.mm.write_val(a.u64(1), &task.rlimits[i])?;
    Ok(0)
}

pub fn sys_setrlimit(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let i = rlimit_index(a.uint(0))?;
    let new: libc::rlimit = task.mm.read_val(a.u64(1))?;
    set_rlimit(task, i, new)?;
    Ok(0)
}

/// The process `pid` names for the sched and priority calls (0: the caller's).
fn sched_target(task: &Task, pid: i32) -> Result<std::sync::Arc<crate::kernel::Process>, Errno> {
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    if pid == 0 || pid == task.tid {
        return Ok(task.process.clone());
    }
    task.kernel.thread_process(pid).ok_or(Errno::ESRCH)
}

/// The thread `tid` names for the affinity calls (0: the caller), with its process: ESRCH
/// for any other, a negative one included (Linux looks it up, unlike the other sched calls).
fn affinity_target(
    task: &Task,
    tid: i32,
) -> Result<(i32, std::sync::Arc<crate::kernel::Process>), Errno> {
    if tid == 0 || tid == task.tid {
        return Ok((task.tid, task.process.clone()));
    }
    if tid < 0 {
        return Err(Errno::ESRCH);
    }
    let process = task.kernel.thread_process(tid).ok_or(Errno::ESRCH)?;
    Ok((tid, process))
}

/// The thread's CPU affinity as the app set it (the CPUs the sandbox has, by default). The
/// sentry places the sandbox's threads on the host itself; the mask is kept and reported, as
/// programs that pin their threads read it back.
fn affinity_of(task: &Task, process: &crate::kernel::Process, tid: i32) -> Vec<u8> {
    let p = process.lock();
    p.affinity
        .get(&tid)
        .cloned()
        .unwrap_or_else(|| task.kernel.cpu_mask.clone())
}

pub fn sys_sched_setaffinity(task: &mut Task, a: &SyscallArgs) -> SysResult {
    // As Linux: the user mask is read (EFAULT) before the thread is looked up.
    let mut want = vec![0u8; task.kernel.cpu_mask.len()];
    let len = (a.u64(1) as usize).min(want.len());
    task.mm.read(a.u64(2), &mut want[..len])?;
    let (tid, process) = affinity_target(task, a.int(0))?;
    // Only the sandbox's CPUs count; some must remain (EINVAL otherwise).
    let mask: Vec<u8> = want
        .iter()
        .zip(task.kernel.cpu_mask.iter())
        .map(|(w, m)| w & m)
        .collect();
    if mask.iter().all(|&b| b == 0) {
        return Err(Errno::EINVAL);
    }
    process.lock().affinity.insert(tid, mask);
    Ok(0)
}

pub fn sys_sched_getscheduler(task: &mut Task, a: &SyscallArgs) -> SysResult {
    sched_target(task, a.int(0))?;
    Ok(libc::SCHED_OTHER as u64)
}

pub fn sys_sched_setscheduler(task: &mut Task, a: &SyscallArgs) -> SysResult {
    sched_target(task, a.int(0))?;
    let prio: i32 = task.mm.read_val(a.u64(2))?;
    match a.int(1) & !libc::SCHED_RESET_ON_FORK {
        libc::SCHED_OTHER | libc::SCHED_BATCH | libc::SCHED_IDLE if prio == 0 => Ok(0),
        libc::SCHED_FIFO | libc::SCHED_RR if (1..=99).contains(&prio) => {
            // Real-time policies need CAP_SYS_NICE; the sandbox does not grant them.
            Err(Errno::EPERM)
        }
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_sched_getparam(task: &mut Task, a: &SyscallArgs) -> SysResult {
    sched_target(task, a.int(0))?;
    task.mm.write_val(a.u64(1), &0i32)?;
    Ok(0)
}

pub fn sys_sched_setparam(task: &mut Task, a: &SyscallArgs) -> SysResult {
    sched_target(task, a.int(0))?;
    let prio: i32 = task.mm.read_val(a.u64(1))?;
    if prio != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

pub fn sys_sched_get_priority_max(_task: &mut Task, a: &SyscallArgs) -> SysResult {
    match a.int(0) {
        libc::SCHED_FIFO | libc::SCHED_RR => Ok(99),
        libc::SCHED_OTHER | libc::SCHED_BATCH | libc::SCHED_IDLE | 6 => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_sched_get_priority_min(_task: &mut Task, a: &SyscallArgs) -> SysResult {
    match a.int(0) {
        libc::SCHED_FIFO | libc::SCHED_RR => Ok(1),
        libc::SCHED_OTHER | libc::SCHED_BATCH | libc::SCHED_IDLE | 6 => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_sched_rr_get_interval(task: &mut Task, a: &SyscallArgs) -> SysResult {
    sched_target(task, a.int(0))?;
    // The round-robin slice Linux reports (RR_TIMESLICE, 100 ms).
    task.mm.write_val(a.u64(1), &[0i64, 100_000_000])?;
    Ok(0)
}

/// The processes a getpriority/setpriority `which`/`who` pair names.
fn priority_targets(
    task: &Task,
    which: u32,
    who: i32,
) -> Result<Vec<std::sync::Arc<crate::kernel::Process>>, Errno> {
    let all = task.kernel.processes();
    let live = |p: &crate::kernel::Process| p.lock().exit.is_none();
    let out: Vec<_> = match which {
        libc::PRIO_PROCESS => vec![sched_target(task, who)?],
        libc::PRIO_PGRP => {
            let pgid = if who == 0 {
                task.process.lock().pgid
            } else {
                who
            };
            all.into_iter()
                .filter(|p| live(p) && p.lock().pgid == pgid)
                .collect()
        }
        libc::PRIO_USER => {
            let uid = if who == 0 { task.cred.ruid } else { who as u32 };
            all.into_iter()
                .filter(|p| live(p) && p.lock().cred.as_ref().is_some_and(|c| c.ruid == uid))
                .collect()
        }
        _ => return Err(Errno::EINVAL),
    };
    if out.is_empty() {
        return Err(Errno::ESRCH);
    }
    Ok(out)
}

pub fn sys_getpriority(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let targets = priority_targets(task, a.uint(0), a.int(1))?;
    // The kernel's answer is 20 - nice (1..=40) of the highest-priority target.
    let best = targets.iter().map(|p| p.lock().nice).min().unwrap_or(0);
    Ok((20 - best) as u64)
}

pub fn sys_setpriority(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let targets = priority_targets(task, a.uint(0), a.int(1))?;
    let nice = a.int(2).clamp(-20, 19);
    for p in targets {
        let mut s = p.lock();
        // Raising priority (lowering nice) needs CAP_SYS_NICE.
        if nice < s.nice && !task.cred.capable(23) {
            return Err(Errno::EACCES);
        }
        s.nice = nice;
    }
    Ok(0)
}

/// ioprio's `which` values, and its encoding: class above bit 13, level in the low bits.
const IOPRIO_WHO_PROCESS: u32 = 1;
const IOPRIO_WHO_USER: u32 = 3;
const IOPRIO_CLASS_SHIFT: i32 = 13;
const IOPRIO_CLASS_NONE: i32 = 0;
const IOPRIO_CLASS_RT: i32 = 1;
const IOPRIO_CLASS_IDLE: i32 = 3;
/// What a target without a priority counts as when several are compared (best effort, 4).
const IOPRIO_DEFAULT: i32 = (2 << IOPRIO_CLASS_SHIFT) | 4;
/// CAP_SYS_NICE and CAP_SYS_ADMIN.
const CAP_SYS_NICE: u32 = 23;
const CAP_SYS_ADMIN: u32 = 21;

/// The processes an ioprio `which`/`who` pair names (getpriority's, one `which` up).
fn ioprio_targets(
    task: &Task,
    which: u32,
    who: i32,
) -> Result<Vec<std::sync::Arc<crate::kernel::Process>>, Errno> {
    if !(IOPRIO_WHO_PROCESS..=IOPRIO_WHO_USER).contains(&which) {
        return Err(Errno::EINVAL);
    }
    priority_targets(task, which - 1, who)
}

/// ioprio_set(2): the priority is kept and reported, as the sandbox's I/O goes through the
/// sentry and the gofer, which the host schedules as it will. As ioprio_check_cap: the
/// real-time class needs CAP_SYS_NICE or CAP_SYS_ADMIN, "none" takes no level, and there are
/// four classes.
pub fn sys_ioprio_set(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let ioprio = a.int(2);
    let class = (ioprio >> IOPRIO_CLASS_SHIFT) & 7;
    match class {
        IOPRIO_CLASS_RT
            if !task.cred.capable(CAP_SYS_NICE) && !task.cred.capable(CAP_SYS_ADMIN) =>
        {
            return Err(Errno::EPERM)
        }
        IOPRIO_CLASS_NONE if ioprio & 7 != 0 => return Err(Errno::EINVAL),
        c if c > IOPRIO_CLASS_IDLE => return Err(Errno::EINVAL),
        _ => {}
    }
    let targets = ioprio_targets(task, a.uint(0), a.int(1))?;
    for p in targets {
        let mut s = p.lock();
        // set_task_ioprio: the target's owner, or CAP_SYS_NICE.
        let owner = s.cred.as_ref().map_or(task.cred.ruid, |c| c.ruid);
        if owner != task.cred.euid && owner != task.cred.ruid && !task.cred.capable(CAP_SYS_NICE) {
            return Err(Errno::EPERM);
        }
        s.ioprio = ioprio;
    }
    Ok(0)
}

/// ioprio_get(2): one process's priority as set; of several, the best (ioprio_best: the
/// lowest value, a target without one counting as best effort 4).
pub fn sys_ioprio_get(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let which = a.uint(0);
    let targets = ioprio_targets(task, which, a.int(1))?;
    let prios = targets.iter().map(|p| p.lock().ioprio);
    let r = if which == IOPRIO_WHO_PROCESS {
        prios.min().unwrap_or(0)
    } else {
        prios
            .map(|v| {
                if (v >> IOPRIO_CLASS_SHIFT) & 7 == IOPRIO_CLASS_NONE {
                    IOPRIO_DEFAULT
                } else {
                    v
                }
            })
            .min()
            .unwrap_or(IOPRIO_DEFAULT)
    };
    Ok(r as u64)
}

pub fn sys_sched_getaffinity(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let len = a.u64(1) as usize;
    // As Linux: the buffer must be whole longs and hold nr_cpu_ids bits, checked first.
    if !len.is_multiple_of(8) || len < task.kernel.cpu_mask.len() {
        return Err(Errno::EINVAL);
    }
    let (tid, process) = affinity_target(task, a.int(0))?;
    let mask = affinity_of(task, &process, tid);
    task.mm.write(a.u64(2), &mask)?;
    Ok(mask.len() as u64)
}

pub fn sys_sched_yield(_task: &mut Task, _: &SyscallArgs) -> SysResult {
    std::thread::yield_now();
    Ok(0)
}

pub fn sys_prctl(task: &mut Task, a: &SyscallArgs) -> SysResult {
    match a.int(0) {
        libc::PR_SET_NAME => {
            let mut name = task.mm.read_partial(a.u64(1), 16);
            if name.is_empty() {
                return Err(Errno::EFAULT);
            }
            if let Some(nul) = name.iter().position(|&b| b == 0) {
                name.truncate(nul);
            }
            name.truncate(15);
            task.comm = name;
            task.publish_comm();
            Ok(0)
        }
        libc::PR_GET_NAME => {
            let mut buf = [0u8; 16];
            buf[..task.comm.len()].copy_from_slice(&task.comm);
            task.mm.write(a.u64(1), &buf)?;
            Ok(0)
        }
        libc::PR_SET_PDEATHSIG => {
            let sig = a.int(1);
            if !(0..=64).contains(&sig) {
                return Err(Errno::EINVAL);
            }
            task.process.lock().pdeath_signal = sig;
            Ok(0)
        }
        libc::PR_GET_PDEATHSIG => {
            let sig = task.process.lock().pdeath_signal;
            task.mm.write_val(a.u64(1), &sig)?;
            Ok(0)
        }
        libc::PR_GET_DUMPABLE => Ok(u64::from(task.process.lock().dumpable)),
        libc::PR_SET_DUMPABLE => match a.u64(1) {
            v @ (0 | 1) => {
                task.process.lock().dumpable = v == 1;
                Ok(0)
            }
            _ => Err(Errno::EINVAL),
        },
        libc::PR_SET_NO_NEW_PRIVS => {
            if a.u64(1) != 1 || a.u64(2) != 0 || a.u64(3) != 0 || a.u64(4) != 0 {
                return Err(Errno::EINVAL);
            }
            task.process.lock().no_new_privs = true;
            Ok(0)
        }
        libc::PR_GET_NO_NEW_PRIVS => {
            if a.u64(1) != 0 || a.u64(2) != 0 || a.u64(3) != 0 || a.u64(4) != 0 {
                return Err(Errno::EINVAL);
            }
            Ok(u64::from(task.process.lock().no_new_privs))
        }
        libc::PR_SET_CHILD_SUBREAPER => {
            task.process.lock().subreaper = a.u64(1) != 0;
            Ok(0)
        }
        libc::PR_GET_CHILD_SUBREAPER => {
            let on = i32::from(task.process.lock().subreaper);
            task.mm.write_val(a.u64(1), &on)?;
            Ok(0)
        }
        libc::PR_GET_KEEPCAPS => Ok(u64::from(task.cred.keep_caps)),
        libc::PR_SET_KEEPCAPS => match a.u64(1) {
            v @ (0 | 1) => {
                let mut c = task.cred.clone();
                c.keep_caps = v == 1;
                task.set_cred(c);
                Ok(0)
            }
            _ => Err(Errno::EINVAL),
        },
        libc::PR_CAPBSET_READ => {
            let cap = a.u64(1);
            if cap > u64::from(crate::kernel::cred::CAP_LAST_CAP) {
                return Err(Errno::EINVAL);
            }
            Ok(1)
        }
        libc::PR_CAPBSET_DROP => {
            if a.u64(1) > u64::from(crate::kernel::cred::CAP_LAST_CAP) {
                return Err(Errno::EINVAL);
            }
            // CAP_SETPCAP is needed; the bounding set is not kept (it only limits execs of
            // file-capability binaries, which the sandbox does not honour).
            if !task.cred.capable(8) {
                return Err(Errno::EPERM);
            }
            Ok(0)
        }
        libc::PR_GET_SECCOMP => Ok(u64::from(task.sig.seccomp().number())),
        libc::PR_SET_SECCOMP => super::seccomp::prctl_set(task, a.u64(1), a.u64(2)),
        libc::PR_GET_TIMERSLACK => Ok(50_000),
        libc::PR_SET_TIMERSLACK => Ok(0),
        libc::PR_GET_TID_ADDRESS => {
            task.mm.write_val(a.u64(1), &task.clear_child_tid)?;
            Ok(0)
        }
        // Yama's ptracer list: no ptrace inside the sandbox to allow.
        libc::PR_SET_PTRACER => Ok(0),
        libc::PR_GET_THP_DISABLE => Ok(0),
        libc::PR_SET_THP_DISABLE => Ok(0),
        op => crate::errno!(EINVAL, "prctl option {op} not supported yet"),
    }
}
