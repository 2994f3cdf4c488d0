//! The dispatch table: syscall number → handler and support level.

use syscall_tables::{nr, syscall_name, SYSCALL_TABLE_LEN};

use super::{
    cred, fs, futex, inotify, ipc, mmap, mqueue, namei, numa, poll, process, ptrace, read_write,
    seccomp, signal, socket, stat, sys, task, time, timer, Handler,
};

/// How completely a syscall is implemented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    Full,
    /// Implemented, with what is missing.
    Partial(&'static str),
}

/// One implemented syscall.
#[derive(Clone, Copy)]
pub struct Entry {
    pub handler: Handler,
    pub support: Support,
}

macro_rules! table {
    ($($nr:ident => $handler:path, $support:expr;)*) => {
        const fn build() -> [Option<Entry>; SYSCALL_TABLE_LEN] {
            let mut t: [Option<Entry>; SYSCALL_TABLE_LEN] = [None; SYSCALL_TABLE_LEN];
            $( t[nr::$nr as usize] = Some(Entry { handler: $handler, support: $support }); )*
            t
        }
    };
}

use Support::{Full, Partial};

table! {
    READ => read_write::sys_read, Full;
    WRITE => read_write::sys_write, Full;
    PREAD64 => read_write::sys_pread64, Full;
    PWRITE64 => read_write::sys_pwrite64, Full;
    READV => read_write::sys_readv, Full;
    WRITEV => read_write::sys_writev, Full;
    LSEEK => read_write::sys_lseek, Full;
    PREADV => read_write::sys_preadv, Full;
    PWRITEV => read_write::sys_pwritev, Full;
    PREADV2 => read_write::sys_preadv2, Partial("RWF_* flags are accepted as hints");
    PWRITEV2 => read_write::sys_pwritev2, Partial("RWF_* flags are accepted as hints");
    OPEN => fs::sys_open, Full;
    OPENAT => fs::sys_openat, Full;
    CLOSE => fs::sys_close, Full;
    STAT => stat::sys_stat, Full;
    LSTAT => stat::sys_lstat, Full;
    FSTAT => stat::sys_fstat, Full;
    NEWFSTATAT => stat::sys_newfstatat, Full;
    STATX => stat::sys_statx, Partial("no birth time");
    STATFS => stat::sys_statfs, Full;
    FSTATFS => stat::sys_fstatfs, Full;
    GETXATTR => stat::sys_getxattr, Full;
    LGETXATTR => stat::sys_lgetxattr, Full;
    FGETXATTR => stat::sys_fgetxattr, Full;
    LISTXATTR => stat::sys_listxattr, Full;
    LLISTXATTR => stat::sys_llistxattr, Full;
    FLISTXATTR => stat::sys_flistxattr, Full;
    GETDENTS64 => fs::sys_getdents64, Full;
    GETDENTS => fs::sys_getdents, Full;
    SECCOMP => seccomp::sys_seccomp, Partial("strict and filter modes, run in the sentry; no user-notification listeners, no tracer for SECCOMP_RET_TRACE (ENOSYS)");
    PTRACE => ptrace::sys_ptrace, Partial("between the sandbox's tasks: TRACEME, attach, seize, interrupt, signal-delivery, syscall, exec and exit stops, registers, memory, continue, detach, kill; fork, vfork and clone events, single steps, PTRACE_GET_SYSCALL_INFO; no PTRACE_LISTEN");
    CREAT => fs::sys_creat, Full;
    OPENAT2 => fs::sys_openat2, Partial("RESOLVE_CACHED is ignored");
    CLOSE_RANGE => fs::sys_close_range, Full;
    CHROOT => fs::sys_chroot, Full;
    SETXATTR => stat::sys_setxattr, Full;
    LSETXATTR => stat::sys_lsetxattr, Full;
    FSETXATTR => stat::sys_fsetxattr, Full;
    REMOVEXATTR => stat::sys_removexattr, Full;
    LREMOVEXATTR => stat::sys_lremovexattr, Full;
    FREMOVEXATTR => stat::sys_fremovexattr, Full;
    MKDIR => namei::sys_mkdir, Full;
    MKDIRAT => namei::sys_mkdirat, Full;
    MKNOD => namei::sys_mknod, Partial("device nodes are EPERM");
    MKNODAT => namei::sys_mknodat, Partial("device nodes are EPERM");
    UNLINK => namei::sys_unlink, Full;
    UNLINKAT => namei::sys_unlinkat, Full;
    RMDIR => namei::sys_rmdir, Full;
    RENAME => namei::sys_rename, Full;
    RENAMEAT => namei::sys_renameat, Full;
    RENAMEAT2 => namei::sys_renameat2, Partial("RENAME_WHITEOUT is EPERM");
    LINK => namei::sys_link, Full;
    LINKAT => namei::sys_linkat, Full;
    SYMLINK => namei::sys_symlink, Full;
    SYMLINKAT => namei::sys_symlinkat, Full;
    CHMOD => namei::sys_chmod, Full;
    FCHMOD => namei::sys_fchmod, Full;
    FCHMODAT => namei::sys_fchmodat, Full;
    CHOWN => namei::sys_chown, Full;
    LCHOWN => namei::sys_lchown, Full;
    FCHOWN => namei::sys_fchown, Full;
    FCHOWNAT => namei::sys_fchownat, Full;
    TRUNCATE => namei::sys_truncate, Full;
    FTRUNCATE => namei::sys_ftruncate, Full;
    FALLOCATE => namei::sys_fallocate, Full;
    FSYNC => namei::sys_fsync, Full;
    FDATASYNC => namei::sys_fdatasync, Full;
    SYNC_FILE_RANGE => namei::sys_sync_file_range, Full;
    SYNC => namei::sys_sync, Full;
    SYNCFS => namei::sys_syncfs, Full;
    UTIMENSAT => namei::sys_utimensat, Full;
    UTIMES => namei::sys_utimes, Full;
    UTIME => namei::sys_utime, Full;
    FUTIMESAT => namei::sys_futimesat, Full;
    MEMFD_CREATE => namei::sys_memfd_create, Partial("no seals; MAP_SHARED maps are private copies");
    FLOCK => namei::sys_flock, Full;
    FADVISE64 => namei::sys_fadvise64, Full;
    MOUNT => namei::sys_mount, Partial("tmpfs and bind mounts only");
    UMOUNT2 => namei::sys_umount2, Full;
    SENDFILE => namei::sys_sendfile, Full;
    SHMGET => ipc::sys_shmget, Full;
    SHMAT => ipc::sys_shmat, Full;
    SHMDT => ipc::sys_shmdt, Full;
    SHMCTL => ipc::sys_shmctl, Partial("no SHM_LOCK; nattch counts mapping pieces");
    SEMGET => ipc::sys_semget, Full;
    SEMOP => ipc::sys_semop, Full;
    SEMTIMEDOP => ipc::sys_semtimedop, Full;
    SEMCTL => ipc::sys_semctl, Partial("GETNCNT and GETZCNT answer 0");
    MSGGET => ipc::sys_msgget, Full;
    MSGSND => ipc::sys_msgsnd, Full;
    MSGRCV => ipc::sys_msgrcv, Partial("no MSG_COPY");
    MSGCTL => ipc::sys_msgctl, Full;
    MQ_OPEN => mqueue::sys_mq_open, Partial("no RLIMIT_MSGQUEUE accounting");
    MQ_UNLINK => mqueue::sys_mq_unlink, Full;
    MQ_TIMEDSEND => mqueue::sys_mq_timedsend, Full;
    MQ_TIMEDRECEIVE => mqueue::sys_mq_timedreceive, Full;
    MQ_NOTIFY => mqueue::sys_mq_notify, Full;
    MQ_GETSETATTR => mqueue::sys_mq_getsetattr, Full;
    TEE => namei::sys_tee, Partial("copies through the sentry");
    POLL => poll::sys_poll, Full;
    PPOLL => poll::sys_ppoll, Full;
    SELECT => poll::sys_select, Full;
    PSELECT6 => poll::sys_pselect6, Full;
    EPOLL_CREATE => poll::sys_epoll_create, Full;
    EPOLL_CREATE1 => poll::sys_epoll_create1, Full;
    EPOLL_CTL => poll::sys_epoll_ctl, Partial("EPOLLEXCLUSIVE wakes every waiter");
    EPOLL_WAIT => poll::sys_epoll_wait, Full;
    EPOLL_PWAIT => poll::sys_epoll_pwait, Full;
    EPOLL_PWAIT2 => poll::sys_epoll_pwait2, Full;
    EVENTFD => poll::sys_eventfd, Full;
    EVENTFD2 => poll::sys_eventfd2, Full;
    SIGNALFD => poll::sys_signalfd, Full;
    INOTIFY_INIT => inotify::sys_inotify_init, Partial("events come from the sandbox's own file operations only");
    INOTIFY_INIT1 => inotify::sys_inotify_init1, Partial("events come from the sandbox's own file operations only");
    INOTIFY_ADD_WATCH => inotify::sys_inotify_add_watch, Partial("IN_UNMOUNT is never reported");
    INOTIFY_RM_WATCH => inotify::sys_inotify_rm_watch, Full;
    SIGNALFD4 => poll::sys_signalfd4, Full;
    SOCKET => socket::sys_socket, Partial("AF_UNIX; AF_INET and AF_INET6 TCP and UDP on the sandbox's own loopback (--network=none) or relayed to host sockets (--network=host); AF_NETLINK NETLINK_ROUTE link, address and route dumps of lo and loopback route lookups; no raw sockets (EPROTONOSUPPORT); other families EAFNOSUPPORT");
    SOCKETPAIR => socket::sys_socketpair, Partial("AF_UNIX only (EOPNOTSUPP for AF_INET/AF_INET6, as Linux)");
    BIND => socket::sys_bind, Partial("AF_UNIX; internet addresses of lo only (127.0.0.0/8, ::1, wildcards; others EADDRNOTAVAIL)");
    LISTEN => socket::sys_listen, Full;
    ACCEPT => socket::sys_accept, Full;
    ACCEPT4 => socket::sys_accept4, Full;
    CONNECT => socket::sys_connect, Partial("AF_UNIX; internet destinations on the loopback only (others ENETUNREACH)");
    GETSOCKNAME => socket::sys_getsockname, Full;
    GETPEERNAME => socket::sys_getpeername, Full;
    SENDTO => socket::sys_sendto, Partial("MSG_OOB on TCP only");
    RECVFROM => socket::sys_recvfrom, Partial("MSG_OOB on TCP only; no MSG_ERRQUEUE");
    SENDMSG => socket::sys_sendmsg, Partial("SCM_RIGHTS and SCM_CREDENTIALS; MSG_OOB on TCP only");
    RECVMSG => socket::sys_recvmsg, Partial("SCM_RIGHTS and SCM_CREDENTIALS; MSG_OOB on TCP only; no MSG_ERRQUEUE");
    SENDMMSG => socket::sys_sendmmsg, Partial("as sendmsg");
    RECVMMSG => socket::sys_recvmmsg, Partial("as recvmsg; the timeout is checked between messages, as Linux does");
    SHUTDOWN => socket::sys_shutdown, Full;
    GETSOCKOPT => socket::sys_getsockopt, Partial("SOL_SOCKET: SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ERROR, SO_ACCEPTCONN, SO_PEERCRED, SO_SNDBUF, SO_RCVBUF, SO_PASSCRED, SO_REUSEADDR, SO_RCVTIMEO, SO_SNDTIMEO, SO_LINGER and a few flags; IPPROTO_TCP: TCP_NODELAY, TCP_CORK, TCP_QUICKACK, TCP_KEEPIDLE/INTVL/CNT, TCP_MAXSEG (stored, no TCP_INFO); IP_TOS, IP_TTL, IPV6_V6ONLY, IPV6_UNICAST_HOPS; --network=host: a vetted list passed to the host socket (TCP_INFO included), SO_RCVTIMEO/SO_SNDTIMEO kept in the sentry");
    SETSOCKOPT => socket::sys_setsockopt, Partial("SOL_SOCKET, TCP and IP options as getsockopt; no SO_PASSSEC, SO_PEEK_OFF, filters");
    COPY_FILE_RANGE => namei::sys_copy_file_range, Full;
    SPLICE => namei::sys_splice, Partial("copies through the sentry; SPLICE_F_* flags ignored");
    READLINK => stat::sys_readlink, Full;
    READLINKAT => stat::sys_readlinkat, Full;
    ACCESS => stat::sys_access, Full;
    FACCESSAT => stat::sys_faccessat, Full;
    FACCESSAT2 => stat::sys_faccessat2, Full;
    GETCWD => fs::sys_getcwd, Full;
    CHDIR => fs::sys_chdir, Full;
    FCHDIR => fs::sys_fchdir, Full;
    UMASK => fs::sys_umask, Full;
    FCNTL => fs::sys_fcntl, Partial("no leases (F_SETLEASE); F_NOTIFY sees the sandbox's own changes only; F_SETOWN/F_SETSIG I/O signals come from a watcher thread just after the event, not within the call that made it");
    PIPE => fs::sys_pipe, Partial("no packet mode (O_DIRECT)");
    PIPE2 => fs::sys_pipe2, Partial("no packet mode (O_DIRECT)");
    DUP => fs::sys_dup, Full;
    DUP2 => fs::sys_dup2, Full;
    DUP3 => fs::sys_dup3, Full;
    IOCTL => fs::sys_ioctl, Partial("ptys: termios, window size, sessions and process groups, TIOCGPTN/TIOCSPTLCK/TIOCGPTPEER, flushes; SIGTTIN/SIGTTOU job-control checks; no TIOCSTI or TIOCVHANGUP; host terminals: TCGETS, TCSETS*, TIOCGWINSZ, FIONREAD; sockets: FIONREAD, TIOCOUTQ, SIOCATMARK (TCP), SIOCGIFCONF/FLAGS/INDEX/ADDR/NETMASK/MTU/HWADDR/NAME for lo; FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC (pipes, sockets, ptys)");
    MMAP => mmap::sys_mmap, Partial("shared file mappings are private copies");
    MUNMAP => mmap::sys_munmap, Full;
    MSYNC => mmap::sys_msync, Partial("MAP_SHARED mappings of host files are copies, written back by msync and munmap");
    MPROTECT => mmap::sys_mprotect, Full;
    MLOCK => mmap::sys_mlock, Partial("populates the range; there is no swap to lock out of");
    MLOCK2 => mmap::sys_mlock2, Partial("as mlock");
    MUNLOCK => mmap::sys_munlock, Full;
    MLOCKALL => mmap::sys_mlockall, Partial("MCL_CURRENT populates every mapping; MCL_FUTURE has no effect");
    MUNLOCKALL => mmap::sys_munlockall, Full;
    PROCESS_VM_READV => mmap::sys_process_vm_readv, Full;
    PROCESS_VM_WRITEV => mmap::sys_process_vm_writev, Full;
    MINCORE => mmap::sys_mincore, Partial("a page counts as resident when the memory file backs it");
    PKEY_MPROTECT => mmap::sys_pkey_mprotect, Partial("no protection keys (as a CPU without PKU): key -1 only");
    PKEY_ALLOC => mmap::sys_pkey_alloc, Partial("no protection keys: EINVAL, as a CPU without PKU");
    PKEY_FREE => mmap::sys_pkey_free, Partial("no protection keys: EINVAL");
    GET_MEMPOLICY => numa::sys_get_mempolicy, Partial("one node; a mapping's mbind policy is not kept");
    SET_MEMPOLICY => numa::sys_set_mempolicy, Partial("one node; kept and reported, not applied");
    MBIND => numa::sys_mbind, Partial("arguments checked; the policy is not kept");
    IOPRIO_SET => task::sys_ioprio_set, Partial("kept per process and reported, not applied to the host");
    IOPRIO_GET => task::sys_ioprio_get, Full;
    GET_ROBUST_LIST => task::sys_get_robust_list, Full;
    PERSONALITY => task::sys_personality, Partial("kept and reported; programs always run as PER_LINUX");
    GETCPU => task::sys_getcpu, Full;
    READAHEAD => namei::sys_readahead, Partial("checks only: nothing is read ahead");
    BRK => mmap::sys_brk, Full;
    MREMAP => mmap::sys_mremap, Partial("no MREMAP_DONTUNMAP");
    MADVISE => mmap::sys_madvise, Full;
    ARCH_PRCTL => task::sys_arch_prctl, Full;
    SET_TID_ADDRESS => task::sys_set_tid_address, Full;
    SET_ROBUST_LIST => task::sys_set_robust_list, Full;
    EXIT => task::sys_exit, Full;
    EXIT_GROUP => task::sys_exit_group, Full;
    EXECVE => task::sys_execve, Full;
    EXECVEAT => task::sys_execveat, Full;
    GETPID => task::sys_getpid, Full;
    GETPPID => process::sys_getppid, Full;
    FORK => process::sys_fork, Full;
    VFORK => process::sys_vfork, Full;
    CLONE => process::sys_clone, Partial("no namespaces (EPERM), no CLONE_PIDFD");
    CLONE3 => process::sys_clone3, Partial("no namespaces (EPERM), no CLONE_PIDFD, set_tid or cgroup");
    UNSHARE => process::sys_unshare, Partial("CLONE_NEW* namespaces are EPERM");
    WAIT4 => process::sys_wait4, Partial("no ptrace stops");
    WAITID => process::sys_waitid, Partial("no ptrace stops; no pidfds");
    GETPGID => process::sys_getpgid, Full;
    GETPGRP => process::sys_getpgrp, Full;
    GETSID => process::sys_getsid, Full;
    SETPGID => process::sys_setpgid, Full;
    SETSID => process::sys_setsid, Full;
    GETTID => task::sys_gettid, Full;
    GETUID => cred::sys_getuid, Full;
    GETEUID => cred::sys_geteuid, Full;
    SETUID => cred::sys_setuid, Full;
    SETGID => cred::sys_setgid, Full;
    SETREUID => cred::sys_setreuid, Full;
    SETREGID => cred::sys_setregid, Full;
    SETRESUID => cred::sys_setresuid, Full;
    SETRESGID => cred::sys_setresgid, Full;
    GETRESUID => cred::sys_getresuid, Full;
    GETRESGID => cred::sys_getresgid, Full;
    SETFSUID => cred::sys_setfsuid, Full;
    SETFSGID => cred::sys_setfsgid, Full;
    SETGROUPS => cred::sys_setgroups, Full;
    CAPGET => cred::sys_capget, Full;
    CAPSET => cred::sys_capset, Partial("capabilities may only be dropped");
    GETGID => cred::sys_getgid, Full;
    GETEGID => cred::sys_getegid, Full;
    GETGROUPS => cred::sys_getgroups, Full;
    SYSINFO => sys::sys_sysinfo, Full;
    GETRUSAGE => task::sys_getrusage, Partial("no children yet; faults and context switches not counted");
    PRLIMIT64 => task::sys_prlimit64, Full;
    GETRLIMIT => task::sys_getrlimit, Full;
    SETRLIMIT => task::sys_setrlimit, Full;
    SCHED_GETAFFINITY => task::sys_sched_getaffinity, Full;
    SCHED_YIELD => task::sys_sched_yield, Full;
    SCHED_SETAFFINITY => task::sys_sched_setaffinity, Partial("kept per thread and read back; the sentry places threads on the host itself");
    SCHED_GETSCHEDULER => task::sys_sched_getscheduler, Full;
    SCHED_SETSCHEDULER => task::sys_sched_setscheduler, Partial("real-time policies are EPERM");
    SCHED_GETPARAM => task::sys_sched_getparam, Full;
    SCHED_SETPARAM => task::sys_sched_setparam, Full;
    SCHED_GET_PRIORITY_MAX => task::sys_sched_get_priority_max, Full;
    SCHED_GET_PRIORITY_MIN => task::sys_sched_get_priority_min, Full;
    SCHED_RR_GET_INTERVAL => task::sys_sched_rr_get_interval, Full;
    GETPRIORITY => task::sys_getpriority, Full;
    SETPRIORITY => task::sys_setpriority, Partial("nice values are kept, not applied to the host");
    PRCTL => task::sys_prctl, Partial("PR_SET_NAME, PR_GET_NAME");
    UNAME => sys::sys_uname, Full;
    SETHOSTNAME => sys::sys_sethostname, Full;
    SETDOMAINNAME => sys::sys_setdomainname, Full;
    GETRANDOM => sys::sys_getrandom, Full;
    CLOCK_GETTIME => time::sys_clock_gettime, Full;
    CLOCK_GETRES => time::sys_clock_getres, Full;
    GETTIMEOFDAY => time::sys_gettimeofday, Full;
    SETTIMEOFDAY => time::sys_settimeofday, Partial("EPERM: the host's clock is not the sandbox's to set");
    CLOCK_SETTIME => time::sys_clock_settime, Partial("EPERM: the host's clock is not the sandbox's to set");
    TIME => time::sys_time, Full;
    NANOSLEEP => time::sys_nanosleep, Full;
    CLOCK_NANOSLEEP => time::sys_clock_nanosleep, Partial("no CPU-time clocks");
    ALARM => timer::sys_alarm, Full;
    SETITIMER => timer::sys_setitimer, Partial("ITIMER_VIRTUAL and ITIMER_PROF sample the CPU time every 10 ms");
    GETITIMER => timer::sys_getitimer, Full;
    TIMER_CREATE => timer::sys_timer_create, Partial("CPU-time clocks are sampled every 10 ms; no alarm clocks (EOPNOTSUPP)");
    TIMER_SETTIME => timer::sys_timer_settime, Full;
    TIMER_GETTIME => timer::sys_timer_gettime, Full;
    TIMER_GETOVERRUN => timer::sys_timer_getoverrun, Full;
    TIMER_DELETE => timer::sys_timer_delete, Full;
    TIMERFD_CREATE => timer::sys_timerfd_create, Partial("alarm clocks act as their plain clocks");
    TIMERFD_SETTIME => timer::sys_timerfd_settime, Partial("TFD_TIMER_CANCEL_ON_SET never cancels (the sandbox's clock is never set)");
    TIMERFD_GETTIME => timer::sys_timerfd_gettime, Full;
    TIMES => timer::sys_times, Partial("children's times are 0");
    FUTEX => futex::sys_futex, Partial("PI futexes keep ownership, not priorities; no WAIT_REQUEUE_PI");
    RT_SIGACTION => signal::sys_rt_sigaction, Full;
    RT_SIGPROCMASK => signal::sys_rt_sigprocmask, Full;
    SIGALTSTACK => signal::sys_sigaltstack, Full;
    RT_SIGRETURN => signal::sys_rt_sigreturn, Full;
    PAUSE => signal::sys_pause, Full;
    RT_SIGSUSPEND => signal::sys_rt_sigsuspend, Full;
    RT_SIGPENDING => signal::sys_rt_sigpending, Full;
    RT_SIGTIMEDWAIT => signal::sys_rt_sigtimedwait, Partial("real-time signals do not queue");
    RT_SIGQUEUEINFO => process::sys_rt_sigqueueinfo, Partial("real-time signals do not queue");
    RT_TGSIGQUEUEINFO => process::sys_rt_tgsigqueueinfo, Partial("real-time signals do not queue");
    KILL => process::sys_kill, Full;
    TKILL => process::sys_tkill, Full;
    TGKILL => process::sys_tgkill, Full;
}

static TABLE: [Option<Entry>; SYSCALL_TABLE_LEN] = build();

/// The entry for syscall `nr`, if it is implemented.
pub fn lookup(nr: u64) -> Option<&'static Entry> {
    TABLE.get(usize::try_from(nr).ok()?)?.as_ref()
}

/// The support table as Markdown: the body of `docs/syscalls.md`.
pub fn support_markdown() -> String {
    let mut out = String::from(
        "# Syscall support\n\n\
         Generated from the sentry's dispatch table (`sentry/src/syscalls/table.rs`) by\n\
         `cargo test -p sentry` (set `BLINDERS_UPDATE_DOCS=1` to rewrite it). Every x86_64\n\
         syscall not listed as implemented returns `ENOSYS` and is logged once by name.\n\n\
         | # | syscall | support | notes |\n|---|---|---|---|\n",
    );
    let (mut full, mut partial, mut none) = (0, 0, 0);
    for n in 0..SYSCALL_TABLE_LEN as u64 {
        let Some(name) = syscall_name(n) else {
            continue;
        };
        let (level, note) = match lookup(n).map(|e| e.support) {
            Some(Full) => {
                full += 1;
                ("full", "")
            }
            Some(Partial(why)) => {
                partial += 1;
                ("partial", why)
            }
            None => {
                none += 1;
                ("ENOSYS", "")
            }
        };
        out.push_str(&format!("| {n} | {name} | {level} | {note} |\n"));
    }
    out.push_str(&format!(
        "\n{full} full, {partial} partial, {none} unimplemented.\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_has_a_name() {
        for n in 0..SYSCALL_TABLE_LEN as u64 {
            if lookup(n).is_some() {
                assert!(
                    syscall_name(n).is_some(),
                    "syscall {n} implemented but unnamed"
                );
            }
        }
    }

    /// docs/syscalls.md is generated from this table and must match it.
    #[test]
    fn support_document_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/syscalls.md");
        let want = support_markdown();
        if std::env::var_os("BLINDERS_UPDATE_DOCS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "docs/syscalls.md is stale: run BLINDERS_UPDATE_DOCS=1 cargo test -p sentry"
        );
    }
}
