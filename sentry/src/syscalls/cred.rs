//! Credentials: the getuid and setuid families, supplementary groups, capget and capset.

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::kernel::cred::{Cred, NGROUPS_MAX};
use crate::kernel::Task;

pub fn sys_getuid(task: &mut Task, _: &SyscallArgs) -> SysResult {
    Ok(u64::from(task.cred.ruid))
}

pub fn sys_geteuid(task: &mut Task, _: &SyscallArgs) -> SysResult {
    Ok(u64::from(task.cred.euid))
}

pub fn sys_getgid(task: &mut Task, _: &SyscallArgs) -> SysResult {
    Ok(u64::from(task.cred.rgid))
}

pub fn sys_getegid(task: &mut Task, _: &SyscallArgs) -> SysResult {
    Ok(u64::from(task.cred.egid))
}

/// Applies `change` to a copy of the task's credentials and keeps it if it succeeds.
fn change(task: &mut Task, f: impl FnOnce(&mut Cred) -> Result<(), Errno>) -> SysResult {
    let mut c = task.cred.clone();
    f(&mut c)?;
    task.set_cred(c);
    Ok(0)
}

pub fn sys_setuid(task: &mut Task, a: &SyscallArgs) -> SysResult {
    change(task, |c| c.setuid(a.uint(0)))
}

pub fn sys_setgid(task: &mut Task, a: &SyscallArgs) -> SysResult {
    change(task, |c| c.setgid(a.uint(0)))
}

pub fn sys_setreuid(task: &mut Task, a: &SyscallArgs) -> SysResult {
    change(task, |c| c.setreuid(a.uint(0), a.uint(1)))
}

pub fn sys_setregid(task: &mut Task, a: &SyscallArgs) -> SysResult {
    change(task, |c| c.setregid(a.uint(0), a.uint(1)))
}

pub fn sys_setresuid(task: &mut Task, a: &SyscallArgs) -> SysResult {
    change(task, |c| c.setresuid(a.uint(0), a.uint(1), a.uint(2)))
}

pub fn sys_setresgid(task: &mut Task, a: &SyscallArgs) -> SysResult {
    change(task, |c| c.setresgid(a.uint(0), a.uint(1), a.uint(2)))
}

pub fn sys_setfsuid(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let mut c = task.cred.clone();
    let old = c.setfsuid(a.uint(0));
    task.set_cred(c);
    Ok(u64::from(old))
}

pub fn sys_setfsgid(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let mut c = task.cred.clone();
    let old = c.setfsgid(a.uint(0));
    task.set_cred(c);
    Ok(u64::from(old))
}

fn write_three(task: &Task, addrs: [u64; 3], ids: [u32; 3]) -> SysResult {
    for (addr, id) in addrs.into_iter().zip(ids) {
        task.mm.write_val(addr, &id)?;
    }
    Ok(0)
}

pub fn sys_getresuid(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let c = &task.cred;
    write_three(
        task,
        [a.u64(0), a.u64(1), a.u64(2)],
        [c.ruid, c.euid, c.suid],
    )
}

pub fn sys_getresgid(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let c = &task.cred;
    write_three(
        task,
        [a.u64(0), a.u64(1), a.u64(2)],
        [c.rgid, c.egid, c.sgid],
    )
}

pub fn sys_getgroups(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let groups = task.cred.groups.clone();
    let size = usize::try_from(a.int(0)).map_err(|_| Errno::EINVAL)?;
    if size == 0 {
        return Ok(groups.len() as u64);
    }
    if size < groups.len() {
        return Err(Errno::EINVAL);
    }
    let bytes: Vec<u8> = groups.iter().flat_map(|g| g.to_ne_bytes()).collect();
    task.mm.write(a.u64(1), &bytes)?;
    Ok(groups.len() as u64)
}

pub fn sys_setgroups(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let size = usize::try_from(a.int(0)).map_err(|_| Errno::EINVAL)?;
    if size > NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    let groups: Vec<u32> = task.mm.read_vals(a.u64(1), size)?;
    change(task, |c| c.setgroups(groups))
}

/// `_LINUX_CAPABILITY_VERSION_1`, `_2` and `_3`.
const CAP_V1: u32 = 0x1998_0330;
const CAP_V2: u32 = 0x2007_1026;
const CAP_V3: u32 = 0x2008_0522;

/// Reads capget/capset's header: the number of 32-bit data words, or EINVAL after writing
/// the version the kernel prefers (as Linux does for an unknown one).
fn cap_header(task: &Task, addr: u64) -> Result<usize, Errno> {
    let [version, pid]: [u32; 2] = task.mm.read_val(addr)?;
    let words = match version {
        CAP_V1 => 1,
        CAP_V2 | CAP_V3 => 2,
        _ => {
            task.mm.write_val(addr, &CAP_V3)?;
            return Err(Errno::EINVAL);
        }
    };
    let pid = pid as i32;
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    if pid != 0 && pid != task.tid && task.kernel.thread_process(pid).is_none() {
        return Err(Errno::ESRCH);
    }
    Ok(words)
}

pub fn sys_capget(task: &mut Task, a: &SyscallArgs) -> SysResult {
    // With no data pointer, capget is a version probe: 0 even for an unknown version.
    let words = match cap_header(task, a.u64(0)) {
        Err(Errno::EINVAL) if a.u64(1) == 0 => return Ok(0),
        r => r?,
    };
    if a.u64(1) == 0 {
        return Ok(0);
    }
    let c = &task.cred;
    let mut data = Vec::new();
    for w in 0..words {
        let part = |v: u64| (v >> (32 * w)) as u32;
        data.extend([
            part(c.cap_effective),
            part(c.cap_permitted),
            part(c.cap_inheritable),
        ]);
    }
    for (i, v) in data.iter().enumerate() {
        task.mm.write_val(a.u64(1) + 4 * i as u64, v)?;
    }
    Ok(0)
}

pub fn sys_capset(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let words = cap_header(task, a.u64(0))?;
    let [_, pid]: [u32; 2] = task.mm.read_val(a.u64(0))?;
    if pid != 0 && pid as i32 != task.tid {
        return Err(Errno::EPERM);
    }
    let raw: Vec<u32> = task.mm.read_vals(a.u64(1), 3 * words)?;
    let join = |i: usize| -> u64 {
        (0..words).fold(0, |acc, w| acc | (u64::from(raw[3 * w + i]) << (32 * w)))
    };
    let (e, p, inh) = (join(0), join(1), join(2));
    change(task, |c| c.capset(e, p, inh))
}
