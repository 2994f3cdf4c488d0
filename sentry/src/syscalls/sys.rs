//! System identity and entropy: uname, getrandom.

use platform::Prot;

use super::SyscallArgs;
use crate::errno::{Errno, SysResult};
use crate::kernel::Task;

/// The kernel release the sandbox reports: a version glibc and musl accept, matching the
/// syscall surface we emulate rather than the host's.
pub const RELEASE: &str = "6.1.0";
pub const VERSION: &str = "#1 SMP PREEMPT_DYNAMIC Blinders";

fn put(field: &mut [libc::c_char; 65], value: &str) {
    for (d, s) in field.iter_mut().zip(value.bytes().take(64)) {
        *d = s as libc::c_char;
    }
}

pub fn sys_uname(task: &mut Task, a: &SyscallArgs) -> SysResult {
    // SAFETY: an all-zero utsname is valid (every field an empty string).
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    put(&mut u.sysname, "Linux");
    let (host, domain) = {
        let uts = task.kernel.uts.lock().unwrap_or_else(|e| e.into_inner());
        (uts.hostname.clone(), uts.domainname.clone())
    };
    put(&mut u.nodename, &String::from_utf8_lossy(&host));
    put(&mut u.release, RELEASE);
    put(&mut u.version, VERSION);
    put(&mut u.machine, "x86_64");
    put(&mut u.domainname, &String::from_utf8_lossy(&domain));
    task.mm.write_val(a.u64(0), &u)?;
    Ok(0)
}

/// The name sethostname/setdomainname set, with Linux's checks in its order: CAP_SYS_ADMIN
/// (EPERM), at most 64 bytes (EINVAL), readable (EFAULT).
fn uts_name(task: &Task, a: &SyscallArgs) -> Result<Vec<u8>, Errno> {
    if !task.cred.capable(21) {
        return Err(Errno::EPERM);
    }
    let len = a.u64(1) as i64;
    if !(0..=64).contains(&len) {
        return Err(Errno::EINVAL);
    }
    let mut name = vec![0u8; len as usize];
    task.mm.read(a.u64(0), &mut name)?;
    Ok(name)
}

/// sethostname(2), in the sandbox's own UTS names.
pub fn sys_sethostname(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let name = uts_name(task, a)?;
    task.kernel
        .uts
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .hostname = name;
    Ok(0)
}

/// setdomainname(2), in the sandbox's own UTS names.
pub fn sys_setdomainname(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let name = uts_name(task, a)?;
    task.kernel
        .uts
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .domainname = name;
    Ok(0)
}

pub fn sys_sysinfo(task: &mut Task, a: &SyscallArgs) -> SysResult {
    // Memory figures are the host's (the sandbox has no memory limit of its own yet); the
    // uptime and process count are the sandbox's.
    // SAFETY: an all-zero sysinfo is valid; sysinfo fills it.
    let mut host: libc::sysinfo = unsafe { std::mem::zeroed() };
    // SAFETY: host is a valid out-pointer.
    if unsafe { libc::sysinfo(&mut host) } != 0 {
        return Err(Errno::last_host());
    }
    // SAFETY: an all-zero sysinfo is valid.
    let mut info: libc::sysinfo = unsafe { std::mem::zeroed() };
    info.uptime = task.kernel.boot.elapsed().as_secs() as libc::c_long;
    info.totalram = host.totalram;
    info.freeram = host.freeram;
    info.sharedram = host.sharedram;
    info.bufferram = host.bufferram;
    info.totalswap = host.totalswap;
    info.freeswap = host.freeswap;
    info.procs = 1;
    info.mem_unit = host.mem_unit;
    task.mm.write_val(a.u64(0), &info)?;
    Ok(0)
}

/// getrandom returns at most this much per call (Linux: INT_MAX >> 6... rounded as 32 MiB - 1).
const GETRANDOM_MAX: u64 = (1 << 25) - 1;

pub fn sys_getrandom(task: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, len, flags) = (a.u64(0), a.u64(1), a.uint(2));
    let known = libc::GRND_NONBLOCK | libc::GRND_RANDOM | libc::GRND_INSECURE;
    if flags & !known != 0
        || flags & (libc::GRND_RANDOM | libc::GRND_INSECURE)
            == (libc::GRND_RANDOM | libc::GRND_INSECURE)
    {
        return Err(Errno::EINVAL);
    }
    let len = len.min(GETRANDOM_MAX);
    task.mm.check_access(addr, len, Prot::WRITE)?;
    let mut buf = vec![0u8; len as usize];
    crate::fs::dev::fill_random(&mut buf)?;
    task.mm.write(addr, &buf)?;
    Ok(len)
}
