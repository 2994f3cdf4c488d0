//! CPU placement. A ptrace round trip between two tasks on different vCPUs costs a cross-CPU
//! wake-up (tens of µs here); on one CPU it is a plain context switch. So the sentry thread
//! serving an app thread pins itself, and the stub it forks inherits the pin.

/// The CPU the calling thread runs on now.
pub fn current_cpu() -> usize {
    // SAFETY: sched_getcpu has no preconditions.
    let cpu = unsafe { libc::sched_getcpu() };
    usize::try_from(cpu).unwrap_or(0)
}

/// Pins the calling thread to `cpu`. Children forked afterwards inherit the pin.
pub fn pin_current_thread(cpu: usize) -> std::io::Result<()> {
    // SAFETY: an all-zero cpu_set_t is the valid empty set; CPU_SET writes inside it for
    // cpu < CPU_SETSIZE (checked), and sched_setaffinity reads exactly size_of bytes of it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if cpu >= libc::CPU_SETSIZE as usize {
            return Err(std::io::Error::from_raw_os_error(libc::EINVAL));
        }
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The CPUs thread `tid` (0: the caller) may run on, in order.
pub fn allowed_cpus(tid: i32) -> Vec<usize> {
    // SAFETY: an all-zero cpu_set_t is the valid empty set; sched_getaffinity writes at most
    // size_of bytes into it, and CPU_ISSET reads inside it for cpu < CPU_SETSIZE.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&c| libc::CPU_ISSET(c, &set))
            .collect()
    }
}

/// Pins thread `tid` (of a process of ours) to `cpu`.
pub fn pin_thread(tid: i32, cpu: usize) -> std::io::Result<()> {
    if cpu >= libc::CPU_SETSIZE as usize {
        return Err(std::io::Error::from_raw_os_error(libc::EINVAL));
    }
    // SAFETY: as in pin_current_thread, for another thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Names the calling thread (its `comm`, as `ps -L` and /proc show it), cut to 15 bytes.
pub fn name_current_thread(name: &str) {
    let mut buf = [0u8; 16];
    let len = name.len().min(15);
    buf[..len].copy_from_slice(&name.as_bytes()[..len]);
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes from a valid
    // pointer; `buf` is 16 bytes with its last one zero.
    unsafe { libc::prctl(libc::PR_SET_NAME, buf.as_ptr()) };
}
