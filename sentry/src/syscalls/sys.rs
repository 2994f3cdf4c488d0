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
    put(&mut u.nodename, &task.kernel.hostname);
    put(&mut u.release, RELEASE);
    put(&mut u.version, VERSION);
    put(&mut u.machine, "x86_64");
    put(&mut u.domainname, "(none)");
    task.mm.write_val(a.u64(0), &u)?;
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
