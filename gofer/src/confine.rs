//! Confinement of the gofer process, after its roots are open: an empty root directory, no new
//! privileges, and a seccomp allow-list.
//!
//! The chroot target is a fresh directory made under the temporary directory and removed again
//! before the chroot: the process's root is then an empty, deleted directory in which nothing
//! can be created, and no host path resolves by name (no mount namespace needed, only
//! `CAP_SYS_CHROOT`). As root the chroot must succeed; without the privilege it is skipped with a
//! debug message, and the gofer relies on never resolving a path from its root or current
//! directory (every lookup is relative to a root descriptor, `RESOLVE_BENEATH`).
//!
//! The seccomp filter's default action is to kill the process: a gofer making a system call it
//! never needs is compromised or broken, and its death turns into `EIO` in the sentry.

use std::collections::BTreeMap;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};

use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};

/// Why the gofer could not confine itself.
#[derive(Debug, thiserror::Error)]
pub enum ConfineError {
    /// A confinement step failed.
    #[error("gofer confinement, {step}: {source}")]
    Step {
        /// What was being done.
        step: &'static str,
        /// The error.
        source: io::Error,
    },
    /// The seccomp filter could not be built or installed.
    #[error("gofer seccomp filter: {0}")]
    Seccomp(#[from] seccompiler::Error),
}

fn step(step: &'static str) -> impl FnOnce(io::Error) -> ConfineError {
    move |source| ConfineError::Step { step, source }
}

/// The system calls the serve loop makes, one line each with the reason.
#[cfg(target_arch = "x86_64")]
const ALLOWED: &[(libc::c_long, &str)] = &[
    (
        libc::SYS_openat2,
        "walk: one component beneath a directory descriptor",
    ),
    (
        libc::SYS_openat,
        "open, create, reopen for xattrs, truncation and listing",
    ),
    (libc::SYS_close, "dropping descriptors"),
    (
        libc::SYS_newfstatat,
        "stat of O_PATH descriptors (AT_EMPTY_PATH) and of new names",
    ),
    (libc::SYS_fstat, "libc's fstat"),
    (libc::SYS_statx, "libc's and std's stat"),
    (libc::SYS_getdents64, "readdir"),
    (libc::SYS_lseek, "readdir: continue from a d_off cookie"),
    (
        libc::SYS_fcntl,
        "clear O_NONBLOCK after a non-blocking reopen",
    ),
    (libc::SYS_mkdirat, "mkdir"),
    (libc::SYS_mknodat, "mknod (FIFOs, regular files, sockets)"),
    (libc::SYS_symlinkat, "symlink"),
    (libc::SYS_linkat, "link"),
    (
        libc::SYS_unlinkat,
        "unlink, rmdir, undoing a half-made file",
    ),
    (libc::SYS_renameat2, "rename"),
    (libc::SYS_readlinkat, "readlink"),
    (
        libc::SYS_fchmodat2,
        "chmod of an O_PATH descriptor (AT_EMPTY_PATH)",
    ),
    (libc::SYS_fchmodat, "libc's chmod wrappers"),
    (
        libc::SYS_fchmod,
        "chmod through a reopened descriptor (before Linux 6.6)",
    ),
    (
        libc::SYS_fchownat,
        "chown of an O_PATH descriptor (AT_EMPTY_PATH)",
    ),
    (libc::SYS_fchown, "libc's chown wrappers"),
    (libc::SYS_utimensat, "setattr times"),
    (libc::SYS_ftruncate, "setattr size, O_TRUNC"),
    (libc::SYS_fstatfs, "statfs"),
    (libc::SYS_fgetxattr, "getxattr"),
    (libc::SYS_flistxattr, "listxattr"),
    (libc::SYS_recvmsg, "requests"),
    (libc::SYS_sendmsg, "replies and descriptors"),
    (libc::SYS_write, "debug log"),
    (libc::SYS_writev, "debug log"),
    (
        libc::SYS_clock_gettime,
        "log timestamps when the vDSO is not used",
    ),
    (libc::SYS_futex, "locks in std and libc"),
    (libc::SYS_mmap, "allocator"),
    (libc::SYS_munmap, "allocator"),
    (libc::SYS_mremap, "allocator"),
    (libc::SYS_mprotect, "allocator (glibc arenas)"),
    (libc::SYS_madvise, "allocator"),
    (libc::SYS_brk, "allocator"),
    (libc::SYS_getrandom, "std's hash map keys"),
    (libc::SYS_rt_sigreturn, "returning from signal handlers"),
    (libc::SYS_rt_sigprocmask, "std and libc signal masking"),
    (
        libc::SYS_sigaltstack,
        "std's stack overflow handler at thread exit",
    ),
    (libc::SYS_restart_syscall, "restarting interrupted calls"),
    (libc::SYS_exit, "thread exit"),
    (libc::SYS_exit_group, "process exit"),
];

/// The seccomp program of [`ALLOWED`], killing the process on anything else.
#[cfg(target_arch = "x86_64")]
pub(crate) fn seccomp_program() -> Result<BpfProgram, ConfineError> {
    let rules: BTreeMap<i64, Vec<seccompiler::SeccompRule>> = ALLOWED
        .iter()
        .map(|&(sysno, _)| (sysno, Vec::new()))
        .collect();
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::KillProcess,
        SeccompAction::Allow,
        TargetArch::x86_64,
    )
    .map_err(seccompiler::Error::from)?;
    Ok(BpfProgram::try_from(filter).map_err(seccompiler::Error::from)?)
}

#[cfg(not(target_arch = "x86_64"))]
pub(crate) fn seccomp_program() -> Result<BpfProgram, ConfineError> {
    Err(ConfineError::Step {
        step: "seccomp policy",
        source: io::Error::new(
            io::ErrorKind::Unsupported,
            "the gofer's seccomp policy is written for x86_64",
        ),
    })
}

/// Confines the calling process (see the module documentation). The roots must be open.
pub(crate) fn confine() -> Result<(), ConfineError> {
    let program = seccomp_program()?;
    match chroot_empty() {
        Ok(()) => {}
        // Optional without privileges: every lookup is relative to a root descriptor anyway.
        Err(err) if !crate::sys::is_root() => {
            tracing::debug!(%err, "gofer: no chroot without privileges; continuing without");
        }
        Err(err) => return Err(err),
    }
    set_no_new_privs().map_err(step("PR_SET_NO_NEW_PRIVS"))?;
    seccompiler::apply_filter_all_threads(&program)?;
    Ok(())
}

/// Chroots into a new, empty directory that is deleted first, and changes to it.
fn chroot_empty() -> Result<(), ConfineError> {
    let base = std::env::temp_dir();
    let mut attempt = 0u32;
    let path = loop {
        let path = base.join(format!(
            "blinders-gofer-root-{}-{attempt}",
            std::process::id()
        ));
        // Search permission only: enough to enter it, nothing to list.
        match std::fs::DirBuilder::new().mode(0o100).create(&path) {
            Ok(()) => break path,
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(err) => return Err(step("making the empty root")(err)),
        }
    };
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW)
        .open(&path);
    // Remove it whatever happens: from here on only the descriptor refers to it.
    let removed = std::fs::remove_dir(&path);
    let dir = OwnedFd::from(opened.map_err(step("opening the empty root"))?);
    removed.map_err(step("removing the empty root"))?;
    fchdir(&dir).map_err(step("fchdir to the empty root"))?;
    chroot_cwd().map_err(step("chroot"))?;
    std::env::set_current_dir("/").map_err(step("chdir /"))?;
    Ok(())
}

fn fchdir(dir: &OwnedFd) -> io::Result<()> {
    // SAFETY: plain system call on a descriptor we own.
    if unsafe { libc::fchdir(dir.as_raw_fd()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn chroot_cwd() -> io::Result<()> {
    // SAFETY: the path is a NUL-terminated literal.
    if unsafe { libc::chroot(c".".as_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn set_no_new_privs() -> io::Result<()> {
    // SAFETY: PR_SET_NO_NEW_PRIVS takes integer arguments only.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Forks a child that installs the filter and then runs `then` (which must only make raw
    /// system calls: the test process has other threads), and returns its wait status.
    fn in_filtered_child(then: fn() -> libc::c_int) -> libc::c_int {
        let program = seccomp_program().unwrap();
        // SAFETY: the child only makes async-signal-safe raw system calls (prctl, seccomp via
        // seccompiler, which does not allocate on success, `then`'s calls and _exit).
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            // SAFETY: integer arguments only.
            unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
            let code = if seccompiler::apply_filter(&program).is_ok() {
                then()
            } else {
                100
            };
            // SAFETY: _exit never returns and is async-signal-safe.
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: `status` is valid for writing; `pid` is our child.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        status
    }

    #[test]
    fn forbidden_syscall_kills_the_process() {
        let status = in_filtered_child(|| {
            // SAFETY: socket takes integer arguments; the filter should kill us here.
            unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0) };
            0
        });
        assert!(libc::WIFSIGNALED(status), "status {status:#x}");
        assert_eq!(libc::WTERMSIG(status), libc::SIGSYS);
    }

    #[test]
    fn allowed_syscalls_pass() {
        let status = in_filtered_child(|| {
            // SAFETY: closing an invalid descriptor fails harmlessly with EBADF.
            unsafe { libc::close(-1) };
            7
        });
        assert!(libc::WIFEXITED(status), "status {status:#x}");
        assert_eq!(libc::WEXITSTATUS(status), 7);
    }

    #[test]
    fn every_rule_has_a_reason() {
        for (sysno, why) in ALLOWED {
            assert!(!why.is_empty(), "syscall {sysno}");
        }
        let mut nos: Vec<_> = ALLOWED.iter().map(|(n, _)| n).collect();
        nos.sort();
        nos.dedup();
        assert_eq!(nos.len(), ALLOWED.len(), "duplicate rules");
    }
}
