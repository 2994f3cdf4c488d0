//! Named constants for flag words and enumerations, and the two ways strace prints them.
//!
//! Table order is the order strace prints names in (checked against strace 6.1 on this host),
//! which is not always numeric: a name covering several bits (`O_SYNC`, `O_TMPFILE`,
//! `STATX_ALL`) comes before the names it overlaps, so it wins.

mod net;
pub(crate) use net::*;

/// `(value, name)` pairs.
pub(crate) type Xlat = &'static [(u64, &'static str)];

/// C's `%#x`: `0x1f`, and `0` for zero.
pub(crate) fn hex(value: u64) -> String {
    if value == 0 {
        "0".to_string()
    } else {
        format!("{value:#x}")
    }
}

/// C's `%#03o`, which strace uses for permission bits: `000`, `022`, `0644`.
pub(crate) fn octal(value: u64) -> String {
    if value == 0 {
        "000".to_string()
    } else {
        format!("{:0>3}", format!("0{value:o}"))
    }
}

/// The name of `value` in `table`.
pub(crate) fn lookup(value: u64, table: Xlat) -> Option<&'static str> {
    table.iter().find(|&&(v, _)| v == value).map(|&(_, n)| n)
}

/// strace's `printxval`: the name, or `0x.. /* FOO_??? */` for an unknown value.
pub(crate) fn xval(value: u64, table: Xlat, unknown: &str) -> String {
    match lookup(value, table) {
        Some(name) => name.to_string(),
        None => format!("{} /* {unknown} */", hex(value)),
    }
}

/// strace's `printflags`: names of the set flags joined by `|`, then leftover bits as `|0x..`;
/// `0x.. /* FOO_??? */` when no name matches, and `0` (or the table's zero name) for zero.
pub(crate) fn flags(value: u64, table: Xlat, unknown: &str) -> String {
    let mut out = String::new();
    flags_into(&mut out, value, table, unknown);
    out
}

/// Like [`flags`], appending to `out`; when `out` is not empty the flags continue it after a `|`
/// (and print nothing for zero), as when a mode or type was printed first.
pub(crate) fn flags_into(out: &mut String, mut value: u64, table: Xlat, unknown: &str) {
    let continuing = !out.is_empty();
    if value == 0 {
        if !continuing {
            out.push_str(lookup(0, table).unwrap_or("0"));
        }
        return;
    }
    let mut any = continuing;
    for &(bits, name) in table {
        if bits != 0 && value & bits == bits {
            if any {
                out.push('|');
            }
            out.push_str(name);
            any = true;
            value &= !bits;
        }
    }
    if value != 0 {
        if any {
            out.push('|');
            out.push_str(&hex(value));
        } else {
            out.push_str(&format!("{} /* {unknown} */", hex(value)));
        }
    }
}

/// Access modes of open; always printed first.
pub(crate) const OPEN_ACCMODE: Xlat = &[
    (0, "O_RDONLY"),
    (1, "O_WRONLY"),
    (2, "O_RDWR"),
    (3, "O_ACCMODE"),
];

/// The other open flags.
pub(crate) const OPEN_FLAGS: Xlat = &[
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o4010000, "O_SYNC"),
    (0o10000, "O_DSYNC"),
    (0o4000000, "__O_SYNC"),
    (0o40000, "O_DIRECT"),
    (0o100000, "O_LARGEFILE"),
    (0o400000, "O_NOFOLLOW"),
    (0o1000000, "O_NOATIME"),
    (0o2000000, "O_CLOEXEC"),
    (0o10000000, "O_PATH"),
    (0o20200000, "O_TMPFILE"),
    (0o200000, "O_DIRECTORY"),
    (0o20000000, "__O_TMPFILE"),
    (0o20000, "FASYNC"),
];
pub(crate) const O_CREAT: u64 = 0o100;
pub(crate) const O_TMPFILE_BIT: u64 = 0o20000000;

/// Open flags with the access mode first: `O_RDONLY|O_CLOEXEC`.
pub(crate) fn open_flags(value: u64) -> String {
    let value = value & 0xffff_ffff;
    let mut out = lookup(value & 3, OPEN_ACCMODE).unwrap_or("").to_string();
    flags_into(&mut out, value & !3, OPEN_FLAGS, "O_???");
    out
}

pub(crate) const AT_FLAGS: Xlat = &[
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_REMOVEDIR"),
    (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"),
    (0x1000, "AT_EMPTY_PATH"),
    (0x8000, "AT_RECURSIVE"),
];

pub(crate) const ACCESS_AT_FLAGS: Xlat = &[
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_EACCESS"),
    (0x1000, "AT_EMPTY_PATH"),
];

pub(crate) const STATX_SYNC: Xlat = &[
    (0, "AT_STATX_SYNC_AS_STAT"),
    (0x2000, "AT_STATX_FORCE_SYNC"),
    (0x4000, "AT_STATX_DONT_SYNC"),
    (0x6000, "AT_STATX_FORCE_SYNC|AT_STATX_DONT_SYNC"),
];

/// statx flags: the sync type first, then `AT_*` flags.
pub(crate) fn statx_flags(value: u64) -> String {
    let value = value & 0xffff_ffff;
    let mut out = lookup(value & 0x6000, STATX_SYNC).unwrap_or("").to_string();
    flags_into(&mut out, value & !0x6000, AT_FLAGS, "AT_???");
    out
}

pub(crate) const STATX_MASK: Xlat = &[
    (0xfff, "STATX_ALL"),
    (0x7ff, "STATX_BASIC_STATS"),
    (0x1, "STATX_TYPE"),
    (0x2, "STATX_MODE"),
    (0x4, "STATX_NLINK"),
    (0x8, "STATX_UID"),
    (0x10, "STATX_GID"),
    (0x20, "STATX_ATIME"),
    (0x40, "STATX_MTIME"),
    (0x80, "STATX_CTIME"),
    (0x100, "STATX_INO"),
    (0x200, "STATX_SIZE"),
    (0x400, "STATX_BLOCKS"),
    (0x800, "STATX_BTIME"),
    (0x1000, "STATX_MNT_ID"),
    (0x2000, "STATX_DIOALIGN"),
    (0x4000, "STATX_MNT_ID_UNIQUE"),
    (0x8000, "STATX_SUBVOL"),
    (0x10000, "STATX_WRITE_ATOMIC"),
    (0x20000, "STATX_DIO_READ_ALIGN"),
];

pub(crate) const STATX_ATTRS: Xlat = &[
    (0x4, "STATX_ATTR_COMPRESSED"),
    (0x10, "STATX_ATTR_IMMUTABLE"),
    (0x20, "STATX_ATTR_APPEND"),
    (0x40, "STATX_ATTR_NODUMP"),
    (0x800, "STATX_ATTR_ENCRYPTED"),
    (0x1000, "STATX_ATTR_AUTOMOUNT"),
    (0x2000, "STATX_ATTR_MOUNT_ROOT"),
    (0x100000, "STATX_ATTR_VERITY"),
    (0x200000, "STATX_ATTR_DAX"),
];

pub(crate) const ACCESS_MODES: Xlat = &[(0, "F_OK"), (4, "R_OK"), (2, "W_OK"), (1, "X_OK")];

pub(crate) const PROT: Xlat = &[
    (0, "PROT_NONE"),
    (0x1, "PROT_READ"),
    (0x2, "PROT_WRITE"),
    (0x4, "PROT_EXEC"),
    (0x8, "PROT_SEM"),
    (0x0100_0000, "PROT_GROWSDOWN"),
    (0x0200_0000, "PROT_GROWSUP"),
];

pub(crate) const MMAP_TYPES: Xlat = &[
    (0, "MAP_FILE"),
    (1, "MAP_SHARED"),
    (2, "MAP_PRIVATE"),
    (3, "MAP_SHARED_VALIDATE"),
    (8, "MAP_DROPPABLE"),
];

pub(crate) const MMAP_FLAGS: Xlat = &[
    (0x10, "MAP_FIXED"),
    (0x20, "MAP_ANONYMOUS"),
    (0x40, "MAP_32BIT"),
    (0x4000, "MAP_NORESERVE"),
    (0x8000, "MAP_POPULATE"),
    (0x10000, "MAP_NONBLOCK"),
    (0x100, "MAP_GROWSDOWN"),
    (0x800, "MAP_DENYWRITE"),
    (0x1000, "MAP_EXECUTABLE"),
    (0x2000, "MAP_LOCKED"),
    (0x20000, "MAP_STACK"),
    (0x40000, "MAP_HUGETLB"),
    (0x80000, "MAP_SYNC"),
    (0x100000, "MAP_FIXED_NOREPLACE"),
];

/// Flags that carry a huge page size as `log2(size) << shift` in bits 26..32.
fn with_huge_shift(mut out: String, value: u64, shift_name: &str) -> String {
    let huge = (value >> 26) & 0x3f;
    if huge != 0 {
        if !out.is_empty() && out != "0" {
            out.push('|');
        } else {
            out.clear();
        }
        out.push_str(&format!("{huge}<<{shift_name}"));
    }
    out
}

/// mmap flags: the mapping type, the flags, then the huge page size.
pub(crate) fn mmap_flags(value: u64) -> String {
    let value = value & 0xffff_ffff;
    let mut out = xval(value & 0xf, MMAP_TYPES, "MAP_???");
    flags_into(
        &mut out,
        value & !0xf & !(0x3f << 26),
        MMAP_FLAGS,
        "MAP_???",
    );
    with_huge_shift(out, value, "MAP_HUGE_SHIFT")
}

pub(crate) const MEMFD_FLAGS: Xlat = &[
    (0x1, "MFD_CLOEXEC"),
    (0x2, "MFD_ALLOW_SEALING"),
    (0x4, "MFD_HUGETLB"),
    (0x8, "MFD_NOEXEC_SEAL"),
    (0x10, "MFD_EXEC"),
];

/// memfd_create flags with the huge page size last.
pub(crate) fn memfd_flags(value: u64) -> String {
    let value = value & 0xffff_ffff;
    let low = value & !(0x3f << 26);
    let out = if low == 0 && value != 0 {
        String::new()
    } else {
        flags(low, MEMFD_FLAGS, "MFD_???")
    };
    with_huge_shift(out, value, "MFD_HUGE_SHIFT")
}

pub(crate) const MREMAP_FLAGS: Xlat = &[
    (1, "MREMAP_MAYMOVE"),
    (2, "MREMAP_FIXED"),
    (4, "MREMAP_DONTUNMAP"),
];
pub(crate) const MREMAP_FIXED: u64 = 2;

pub(crate) const MSYNC_FLAGS: Xlat = &[(4, "MS_SYNC"), (1, "MS_ASYNC"), (2, "MS_INVALIDATE")];

pub(crate) const MADVISE: Xlat = &[
    (0, "MADV_NORMAL"),
    (1, "MADV_RANDOM"),
    (2, "MADV_SEQUENTIAL"),
    (3, "MADV_WILLNEED"),
    (4, "MADV_DONTNEED"),
    (8, "MADV_FREE"),
    (9, "MADV_REMOVE"),
    (10, "MADV_DONTFORK"),
    (11, "MADV_DOFORK"),
    (12, "MADV_MERGEABLE"),
    (13, "MADV_UNMERGEABLE"),
    (14, "MADV_HUGEPAGE"),
    (15, "MADV_NOHUGEPAGE"),
    (16, "MADV_DONTDUMP"),
    (17, "MADV_DODUMP"),
    (18, "MADV_WIPEONFORK"),
    (19, "MADV_KEEPONFORK"),
    (20, "MADV_COLD"),
    (21, "MADV_PAGEOUT"),
    (22, "MADV_POPULATE_READ"),
    (23, "MADV_POPULATE_WRITE"),
    (24, "MADV_DONTNEED_LOCKED"),
    (25, "MADV_COLLAPSE"),
    (26, "MADV_GUARD_INSTALL"),
    (27, "MADV_GUARD_REMOVE"),
    (100, "MADV_HWPOISON"),
    (101, "MADV_SOFT_OFFLINE"),
];

pub(crate) const FADVISE: Xlat = &[
    (0, "POSIX_FADV_NORMAL"),
    (1, "POSIX_FADV_RANDOM"),
    (2, "POSIX_FADV_SEQUENTIAL"),
    (3, "POSIX_FADV_WILLNEED"),
    (4, "POSIX_FADV_DONTNEED"),
    (5, "POSIX_FADV_NOREUSE"),
];

pub(crate) const MLOCKALL: Xlat = &[(1, "MCL_CURRENT"), (2, "MCL_FUTURE"), (4, "MCL_ONFAULT")];

pub(crate) const SIGPROCMASK_HOW: Xlat =
    &[(0, "SIG_BLOCK"), (1, "SIG_UNBLOCK"), (2, "SIG_SETMASK")];

pub(crate) const WHENCE: Xlat = &[
    (0, "SEEK_SET"),
    (1, "SEEK_CUR"),
    (2, "SEEK_END"),
    (3, "SEEK_DATA"),
    (4, "SEEK_HOLE"),
];

pub(crate) const CLOCKS: Xlat = &[
    (0, "CLOCK_REALTIME"),
    (1, "CLOCK_MONOTONIC"),
    (2, "CLOCK_PROCESS_CPUTIME_ID"),
    (3, "CLOCK_THREAD_CPUTIME_ID"),
    (4, "CLOCK_MONOTONIC_RAW"),
    (5, "CLOCK_REALTIME_COARSE"),
    (6, "CLOCK_MONOTONIC_COARSE"),
    (7, "CLOCK_BOOTTIME"),
    (8, "CLOCK_REALTIME_ALARM"),
    (9, "CLOCK_BOOTTIME_ALARM"),
    (10, "CLOCK_SGI_CYCLE"),
    (11, "CLOCK_TAI"),
];

pub(crate) const TIMER_FLAGS: Xlat = &[(1, "TIMER_ABSTIME")];

pub(crate) const TIMERFD_FLAGS: Xlat = &[
    (1, "TFD_TIMER_ABSTIME"),
    (2, "TFD_TIMER_CANCEL_ON_SET"),
    (0o2000000, "TFD_CLOEXEC"),
    (0o4000, "TFD_NONBLOCK"),
];

/// Flags of clone and clone3 (the low byte of clone's flags is the exit signal instead).
pub(crate) const CLONE_FLAGS: Xlat = &[
    (0x100, "CLONE_VM"),
    (0x200, "CLONE_FS"),
    (0x400, "CLONE_FILES"),
    (0x800, "CLONE_SIGHAND"),
    (0x1000, "CLONE_PIDFD"),
    (0x2000, "CLONE_PTRACE"),
    (0x4000, "CLONE_VFORK"),
    (0x8000, "CLONE_PARENT"),
    (0x10000, "CLONE_THREAD"),
    (0x20000, "CLONE_NEWNS"),
    (0x40000, "CLONE_SYSVSEM"),
    (0x80000, "CLONE_SETTLS"),
    (0x100000, "CLONE_PARENT_SETTID"),
    (0x200000, "CLONE_CHILD_CLEARTID"),
    (0x800000, "CLONE_UNTRACED"),
    (0x1000000, "CLONE_CHILD_SETTID"),
    (0x2000000, "CLONE_NEWCGROUP"),
    (0x4000000, "CLONE_NEWUTS"),
    (0x8000000, "CLONE_NEWIPC"),
    (0x10000000, "CLONE_NEWUSER"),
    (0x20000000, "CLONE_NEWPID"),
    (0x40000000, "CLONE_NEWNET"),
    (0x80000000, "CLONE_IO"),
];

/// Extra clone3 flags above bit 31.
pub(crate) const CLONE3_FLAGS: Xlat = &[
    (0x100000000, "CLONE_CLEAR_SIGHAND"),
    (0x200000000, "CLONE_INTO_CGROUP"),
];

/// Flags of unshare and setns.
pub(crate) const UNSHARE_FLAGS: Xlat = &[
    (0x80, "CLONE_NEWTIME"),
    (0x100, "CLONE_VM"),
    (0x200, "CLONE_FS"),
    (0x400, "CLONE_FILES"),
    (0x800, "CLONE_SIGHAND"),
    (0x10000, "CLONE_THREAD"),
    (0x20000, "CLONE_NEWNS"),
    (0x40000, "CLONE_SYSVSEM"),
    (0x2000000, "CLONE_NEWCGROUP"),
    (0x4000000, "CLONE_NEWUTS"),
    (0x8000000, "CLONE_NEWIPC"),
    (0x10000000, "CLONE_NEWUSER"),
    (0x20000000, "CLONE_NEWPID"),
    (0x40000000, "CLONE_NEWNET"),
];

pub(crate) const WAIT_OPTIONS: Xlat = &[
    (1, "WNOHANG"),
    (4, "WEXITED"),
    (2, "WSTOPPED"),
    (8, "WCONTINUED"),
    (0x0100_0000, "WNOWAIT"),
    (0x8000_0000, "__WCLONE"),
    (0x4000_0000, "__WALL"),
    (0x2000_0000, "__WNOTHREAD"),
];

pub(crate) const WAITID_TYPES: Xlat = &[(0, "P_ALL"), (1, "P_PID"), (2, "P_PGID"), (3, "P_PIDFD")];

pub(crate) const EPOLL_CREATE_FLAGS: Xlat = &[(0o2000000, "EPOLL_CLOEXEC")];

pub(crate) const EPOLL_CTL_OPS: Xlat = &[
    (1, "EPOLL_CTL_ADD"),
    (2, "EPOLL_CTL_DEL"),
    (3, "EPOLL_CTL_MOD"),
];

pub(crate) const EPOLL_EVENTS: Xlat = &[
    (0x1, "EPOLLIN"),
    (0x2, "EPOLLPRI"),
    (0x4, "EPOLLOUT"),
    (0x8, "EPOLLERR"),
    (0x10, "EPOLLHUP"),
    (0x20, "EPOLLNVAL"),
    (0x40, "EPOLLRDNORM"),
    (0x80, "EPOLLRDBAND"),
    (0x100, "EPOLLWRNORM"),
    (0x200, "EPOLLWRBAND"),
    (0x400, "EPOLLMSG"),
    (0x2000, "EPOLLRDHUP"),
    (1 << 28, "EPOLLEXCLUSIVE"),
    (1 << 29, "EPOLLWAKEUP"),
    (1 << 30, "EPOLLONESHOT"),
    (1 << 31, "EPOLLET"),
];

pub(crate) const POLL_EVENTS: Xlat = &[
    (0x1, "POLLIN"),
    (0x2, "POLLPRI"),
    (0x4, "POLLOUT"),
    (0x8, "POLLERR"),
    (0x10, "POLLHUP"),
    (0x20, "POLLNVAL"),
    (0x40, "POLLRDNORM"),
    (0x80, "POLLRDBAND"),
    (0x100, "POLLWRNORM"),
    (0x200, "POLLWRBAND"),
    (0x400, "POLLMSG"),
    (0x1000, "POLLREMOVE"),
    (0x2000, "POLLRDHUP"),
];

pub(crate) const EVENTFD_FLAGS: Xlat = &[
    (1, "EFD_SEMAPHORE"),
    (0o2000000, "EFD_CLOEXEC"),
    (0o4000, "EFD_NONBLOCK"),
];

pub(crate) const SIGNALFD_FLAGS: Xlat = &[(0o2000000, "SFD_CLOEXEC"), (0o4000, "SFD_NONBLOCK")];

pub(crate) const INOTIFY_INIT_FLAGS: Xlat = &[(0o4000, "IN_NONBLOCK"), (0o2000000, "IN_CLOEXEC")];

pub(crate) const FLOCK_OPS: Xlat = &[
    (1, "LOCK_SH"),
    (2, "LOCK_EX"),
    (4, "LOCK_NB"),
    (8, "LOCK_UN"),
    (32, "LOCK_MAND"),
    (0xc0, "LOCK_RW"),
    (0x40, "LOCK_READ"),
    (0x80, "LOCK_WRITE"),
];

pub(crate) const MOUNT_FLAGS: Xlat = &[
    (1, "MS_RDONLY"),
    (2, "MS_NOSUID"),
    (4, "MS_NODEV"),
    (8, "MS_NOEXEC"),
    (16, "MS_SYNCHRONOUS"),
    (32, "MS_REMOUNT"),
    (64, "MS_MANDLOCK"),
    (128, "MS_DIRSYNC"),
    (256, "MS_NOSYMFOLLOW"),
    (1024, "MS_NOATIME"),
    (2048, "MS_NODIRATIME"),
    (4096, "MS_BIND"),
    (8192, "MS_MOVE"),
    (16384, "MS_REC"),
    (32768, "MS_SILENT"),
    (1 << 16, "MS_POSIXACL"),
    (1 << 17, "MS_UNBINDABLE"),
    (1 << 18, "MS_PRIVATE"),
    (1 << 19, "MS_SLAVE"),
    (1 << 20, "MS_SHARED"),
    (1 << 21, "MS_RELATIME"),
    (1 << 22, "MS_KERNMOUNT"),
    (1 << 23, "MS_I_VERSION"),
    (1 << 24, "MS_STRICTATIME"),
    (1 << 25, "MS_LAZYTIME"),
    (1 << 26, "MS_SUBMOUNT"),
    (1 << 27, "MS_NOREMOTELOCK"),
    (1 << 28, "MS_NOSEC"),
    (1 << 29, "MS_BORN"),
    (1 << 30, "MS_ACTIVE"),
    (1 << 31, "MS_NOUSER"),
];

/// mount flags, with the historical `MS_MGC_VAL` magic in the top half named first.
pub(crate) fn mount_flags(value: u64) -> String {
    let value = value & 0xffff_ffff;
    if value & 0xffff_0000 == 0xc0ed_0000 {
        let mut out = "MS_MGC_VAL".to_string();
        flags_into(&mut out, value & 0xffff, MOUNT_FLAGS, "MS_???");
        out
    } else {
        flags(value, MOUNT_FLAGS, "MS_???")
    }
}

pub(crate) const UMOUNT_FLAGS: Xlat = &[
    (1, "MNT_FORCE"),
    (2, "MNT_DETACH"),
    (4, "MNT_EXPIRE"),
    (8, "UMOUNT_NOFOLLOW"),
];

pub(crate) const GETRANDOM_FLAGS: Xlat = &[
    (1, "GRND_NONBLOCK"),
    (2, "GRND_RANDOM"),
    (4, "GRND_INSECURE"),
];

pub(crate) const RENAME_FLAGS: Xlat = &[
    (1, "RENAME_NOREPLACE"),
    (2, "RENAME_EXCHANGE"),
    (4, "RENAME_WHITEOUT"),
];

pub(crate) const RESOURCES: Xlat = &[
    (0, "RLIMIT_CPU"),
    (1, "RLIMIT_FSIZE"),
    (2, "RLIMIT_DATA"),
    (3, "RLIMIT_STACK"),
    (4, "RLIMIT_CORE"),
    (5, "RLIMIT_RSS"),
    (6, "RLIMIT_NPROC"),
    (7, "RLIMIT_NOFILE"),
    (8, "RLIMIT_MEMLOCK"),
    (9, "RLIMIT_AS"),
    (10, "RLIMIT_LOCKS"),
    (11, "RLIMIT_SIGPENDING"),
    (12, "RLIMIT_MSGQUEUE"),
    (13, "RLIMIT_NICE"),
    (14, "RLIMIT_RTPRIO"),
    (15, "RLIMIT_RTTIME"),
];

/// RUSAGE_* values, as 32-bit two's complement.
pub(crate) const RUSAGE_WHO: Xlat = &[
    (0, "RUSAGE_SELF"),
    (0xffff_ffff, "RUSAGE_CHILDREN"),
    (0xffff_fffe, "RUSAGE_BOTH"),
    (1, "RUSAGE_THREAD"),
];

pub(crate) const ITIMERS: Xlat = &[
    (0, "ITIMER_REAL"),
    (1, "ITIMER_VIRTUAL"),
    (2, "ITIMER_PROF"),
];

pub(crate) const FD_FLAGS: Xlat = &[(1, "FD_CLOEXEC")];

pub(crate) const SEALS: Xlat = &[
    (1, "F_SEAL_SEAL"),
    (2, "F_SEAL_SHRINK"),
    (4, "F_SEAL_GROW"),
    (8, "F_SEAL_WRITE"),
    (0x10, "F_SEAL_FUTURE_WRITE"),
    (0x20, "F_SEAL_EXEC"),
];

pub(crate) const DNOTIFY: Xlat = &[
    (1, "DN_ACCESS"),
    (2, "DN_MODIFY"),
    (4, "DN_CREATE"),
    (8, "DN_DELETE"),
    (0x10, "DN_RENAME"),
    (0x20, "DN_ATTRIB"),
    (0x8000_0000, "DN_MULTISHOT"),
];

pub(crate) const LOCK_TYPES: Xlat = &[(0, "F_RDLCK"), (1, "F_WRLCK"), (2, "F_UNLCK")];

pub(crate) const SA_FLAGS: Xlat = &[
    (0x0400_0000, "SA_RESTORER"),
    (0x0800_0000, "SA_ONSTACK"),
    (0x1000_0000, "SA_RESTART"),
    (0x2000_0000, "SA_INTERRUPT"),
    (0x4000_0000, "SA_NODEFER"),
    (0x8000_0000, "SA_RESETHAND"),
    (4, "SA_SIGINFO"),
    (1, "SA_NOCLDSTOP"),
    (2, "SA_NOCLDWAIT"),
];
pub(crate) const SA_RESTORER: u64 = 0x0400_0000;

pub(crate) const STATFS_FLAGS: Xlat = &[
    (0x20, "ST_VALID"),
    (0x1, "ST_RDONLY"),
    (0x2, "ST_NOSUID"),
    (0x4, "ST_NODEV"),
    (0x8, "ST_NOEXEC"),
    (0x10, "ST_SYNCHRONOUS"),
    (0x40, "ST_MANDLOCK"),
    (0x80, "ST_WRITE"),
    (0x100, "ST_APPEND"),
    (0x200, "ST_IMMUTABLE"),
    (0x400, "ST_NOATIME"),
    (0x800, "ST_NODIRATIME"),
    (0x1000, "ST_RELATIME"),
    (0x2000, "ST_NOSYMFOLLOW"),
];

/// File system magic numbers (`f_type` of statfs).
pub(crate) const FS_MAGIC: Xlat = &[
    (0xef53, "EXT2_SUPER_MAGIC"),
    (0x0102_1994, "TMPFS_MAGIC"),
    (0x9fa0, "PROC_SUPER_MAGIC"),
    (0x6265_6572, "SYSFS_MAGIC"),
    (0x1cd1, "DEVPTS_SUPER_MAGIC"),
    (0x794c_7630, "OVERLAYFS_SUPER_MAGIC"),
    (0x9123_683e, "BTRFS_SUPER_MAGIC"),
    (0x5846_5342, "XFS_SUPER_MAGIC"),
    (0x6367_7270, "CGROUP2_SUPER_MAGIC"),
    (0x0027_e0eb, "CGROUP_SUPER_MAGIC"),
    (0x6969, "NFS_SUPER_MAGIC"),
    (0x6573_5546, "FUSE_SUPER_MAGIC"),
    (0x7371_7368, "SQUASHFS_MAGIC"),
    (0x6462_6720, "DEBUGFS_MAGIC"),
    (0x7472_6163, "TRACEFS_MAGIC"),
    (0x7363_6673, "SECURITYFS_MAGIC"),
    (0xcafe_4a11, "BPF_FS_MAGIC"),
    (0x1980_0202, "MQUEUE_MAGIC"),
    (0x9584_58f6, "HUGETLBFS_MAGIC"),
    (0x8584_58f6, "RAMFS_MAGIC"),
    (0x0102_1997, "V9FS_MAGIC"),
    (0x5049_5045, "PIPEFS_MAGIC"),
    (0x534f_434b, "SOCKFS_MAGIC"),
    (0x0904_1934, "ANON_INODE_FS_MAGIC"),
    (0x6e73_6673, "NSFS_MAGIC"),
    (0x4d44, "MSDOS_SUPER_MAGIC"),
    (0x9660, "ISOFS_SUPER_MAGIC"),
    (0xf2f5_2010, "F2FS_SUPER_MAGIC"),
];

pub(crate) const FILE_TYPES: Xlat = &[
    (0o140000, "S_IFSOCK"),
    (0o120000, "S_IFLNK"),
    (0o100000, "S_IFREG"),
    (0o060000, "S_IFBLK"),
    (0o040000, "S_IFDIR"),
    (0o020000, "S_IFCHR"),
    (0o010000, "S_IFIFO"),
];

/// A mode with its file type: `S_IFREG|0644`; without a type, just the octal permissions.
pub(crate) fn file_mode(mode: u64) -> String {
    let kind = mode & 0o170000;
    match lookup(kind, FILE_TYPES) {
        Some(name) => {
            let mut out = format!("{name}|");
            for (bit, special) in [
                (0o4000, "S_ISUID|"),
                (0o2000, "S_ISGID|"),
                (0o1000, "S_ISVTX|"),
            ] {
                if mode & bit != 0 {
                    out.push_str(special);
                }
            }
            out + &octal(mode & 0o777)
        }
        None => octal(mode),
    }
}

/// `makedev(major, minor)` of a Linux device number, as glibc splits it.
pub(crate) fn makedev(dev: u64) -> String {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    format!("makedev({}, {})", hex(major), hex(minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printers() {
        assert_eq!(hex(0), "0");
        assert_eq!(hex(0x1f), "0x1f");
        assert_eq!(octal(0), "000");
        assert_eq!(octal(0o22), "022");
        assert_eq!(octal(0o2), "002");
        assert_eq!(octal(0o644), "0644");
        assert_eq!(octal(0o4755), "04755");
        assert_eq!(xval(7, WHENCE, "SEEK_???"), "0x7 /* SEEK_??? */");
        assert_eq!(
            xval(0, EPOLL_CTL_OPS, "EPOLL_CTL_???"),
            "0 /* EPOLL_CTL_??? */"
        );
        assert_eq!(flags(0, AT_FLAGS, "AT_???"), "0");
        assert_eq!(flags(0, ACCESS_MODES, "?_OK"), "F_OK");
        assert_eq!(flags(7, ACCESS_MODES, "?_OK"), "R_OK|W_OK|X_OK");
        assert_eq!(flags(0x10, ACCESS_MODES, "?_OK"), "0x10 /* ?_OK */");
        assert_eq!(flags(0x6000, AT_FLAGS, "AT_???"), "0x6000 /* AT_??? */");
        assert_eq!(
            flags(0x11900, AT_FLAGS, "AT_???"),
            "AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT|AT_EMPTY_PATH|0x10000"
        );
    }

    #[test]
    fn open_flags_like_strace() {
        assert_eq!(open_flags(0), "O_RDONLY");
        assert_eq!(open_flags(0o2000000), "O_RDONLY|O_CLOEXEC");
        assert_eq!(
            open_flags(0o1 | 0o100 | 0o200 | 0o1000 | 0o2000),
            "O_WRONLY|O_CREAT|O_EXCL|O_TRUNC|O_APPEND"
        );
        assert_eq!(open_flags(0o2 | 0o20200000), "O_RDWR|O_TMPFILE");
        assert_eq!(open_flags(0o10200000), "O_RDONLY|O_PATH|O_DIRECTORY");
        assert_eq!(open_flags(0o4010400), "O_RDONLY|O_NOCTTY|O_SYNC");
        assert_eq!(open_flags(0o4000000), "O_RDONLY|__O_SYNC");
        assert_eq!(open_flags(3), "O_ACCMODE");
        assert_eq!(open_flags(0xc000_0000), "O_RDONLY|0xc0000000");
        assert_eq!(
            open_flags(0o2204000),
            "O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY"
        );
        assert_eq!(
            open_flags(0x4000 | 0x20000 | 0x40000 | 0x4000000),
            "O_RDONLY|O_DIRECT|O_NOFOLLOW|O_NOATIME|0x4000000"
        );
    }

    #[test]
    fn mmap_and_friends() {
        assert_eq!(mmap_flags(0x22), "MAP_PRIVATE|MAP_ANONYMOUS");
        assert_eq!(mmap_flags(0x812), "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE");
        assert_eq!(mmap_flags(7), "0x7 /* MAP_??? */");
        assert_eq!(mmap_flags(63 << 26), "MAP_FILE|63<<MAP_HUGE_SHIFT");
        assert_eq!(
            mmap_flags(0x1 | 0x10 | 0x20 | 0x8000 | 0x4000 | 0x20000 | (2 << 26)),
            "MAP_SHARED|MAP_FIXED|MAP_ANONYMOUS|MAP_NORESERVE|MAP_POPULATE|MAP_STACK|2<<MAP_HUGE_SHIFT"
        );
        assert_eq!(flags(0, PROT, "PROT_???"), "PROT_NONE");
        assert_eq!(flags(0x10, PROT, "PROT_???"), "0x10 /* PROT_??? */");
        assert_eq!(memfd_flags(0), "0");
        assert_eq!(
            memfd_flags(4 | (21 << 26)),
            "MFD_HUGETLB|21<<MFD_HUGE_SHIFT"
        );
        assert_eq!(socket_type(0x80001), "SOCK_STREAM|SOCK_CLOEXEC");
        assert_eq!(socket_type(0x63), "SOCK_RAW|0x60 /* SOCK_??? */");
        assert_eq!(
            statx_flags(0x100),
            "AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW"
        );
        assert_eq!(statx_flags(0x4000), "AT_STATX_DONT_SYNC");
        assert_eq!(mount_flags(0xc0ed_0001), "MS_MGC_VAL|MS_RDONLY");
        assert_eq!(file_mode(0o100644), "S_IFREG|0644");
        assert_eq!(file_mode(0o755), "0755");
        assert_eq!(file_mode(0o41777), "S_IFDIR|S_ISVTX|0777");
        assert_eq!(file_mode(0o106755), "S_IFREG|S_ISUID|S_ISGID|0755");
        assert_eq!(makedev(0x103), "makedev(0x1, 0x3)");
        assert_eq!(makedev(0x8800), "makedev(0x88, 0)");
    }
}
