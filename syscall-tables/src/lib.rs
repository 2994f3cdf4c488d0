//! x86_64 Linux system-call data for Blinders: numbers and names, argument kinds, errno and
//! signal names, and an strace-style formatter for `--strace`.
//!
//! The numbers and names are generated from the kernel's `asm/unistd_64.h` (see
//! `gen/gen_numbers.py`); the argument kinds are written by hand in `table.rs`, one line per
//! syscall, and a compile-time check refuses a syscall without one.
//!
//! ```
//! use syscall_tables::{format_syscall, nr, syscall_name};
//!
//! assert_eq!(syscall_name(nr::OPENAT), Some("openat"));
//! let mem = |addr: u64, _len: usize| (addr == 0x1000).then(|| b"/etc/passwd\0".to_vec());
//! let line = format_syscall(nr::OPENAT, &[(-100i64) as u64, 0x1000, 0o2000000, 0, 0, 0], Some(3), &mem);
//! assert_eq!(line, r#"openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3"#);
//! ```

#![forbid(unsafe_code)]

mod errno;
mod errno_table;
mod flags;
mod format;
mod ioctl;
mod numbers;
mod signals;
mod table;

pub use errno::{errno_message, errno_name};
pub use format::{format_syscall, format_syscall_aligned, STRACE_ALIGN_COLUMN};
pub use numbers::{nr, SYSCALL_TABLE_LEN};
pub use signals::signal_name;

/// How one syscall argument is decoded for display.
///
/// The register value is the raw 64-bit argument. Kinds documented as "C `int`" use only the low
/// 32 bits, as the kernel does. Kinds that read app memory fall back to printing the address in
/// hex when the memory cannot be read, exactly as strace does; a null pointer prints as `NULL`.
/// "Out" kinds describe memory the kernel fills: they are decoded only when the call succeeded,
/// otherwise the address is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgKind {
    // --- plain numbers ---
    /// C `int`: signed decimal of the low 32 bits.
    Int,
    /// C `unsigned int`: unsigned decimal of the low 32 bits.
    UInt,
    /// C `long` / `off_t`: signed decimal of the whole register.
    Long,
    /// C `unsigned long` / `size_t`: unsigned decimal of the whole register.
    ULong,
    /// Hex as C's `%#lx` (`0x1f`, and `0` for zero).
    Hex,
    /// A file descriptor (C `int`).
    Fd,
    /// A directory file descriptor for `*at` calls: `AT_FDCWD` for -100, else like [`ArgKind::Fd`].
    DirFd,
    /// An address: `NULL` for 0, else hex.
    Ptr,
    /// A register the kernel reads but strace does not show (the high half of a split offset).
    Skip,

    // --- strings and buffers ---
    /// A NUL-terminated path, printed in full (up to `PATH_MAX`).
    Path,
    /// A NUL-terminated string, printed up to 32 bytes followed by `...` when longer.
    CStr,
    /// A buffer the app passes in, whose length is argument `len_arg`.
    InBuf {
        /// Index of the argument holding the length.
        len_arg: u8,
    },
    /// A buffer the kernel fills; the return value is the number of bytes filled.
    OutBuf {
        /// Index of the argument holding the capacity (not used for display).
        len_arg: u8,
    },
    /// Like [`ArgKind::OutBuf`] but every byte is printed as `\xNN` (getrandom).
    OutBufHex {
        /// Index of the argument holding the capacity (not used for display).
        len_arg: u8,
    },
    /// A path the kernel fills (getcwd, readlink): return value bytes, up to the first NUL.
    OutPath,
    /// A NULL-terminated array of strings (argv): `["ls", "-l"]`.
    StrArray,
    /// A NULL-terminated array of strings shown only by count (envp): `0x7ffc... /* 3 vars */`.
    EnvArray,

    // --- flags and enumerations ---
    /// `open` flags: `O_RDONLY|O_CLOEXEC`.
    OpenFlags,
    /// The mode of `open`/`openat`: shown only when the flags contain `O_CREAT` or `O_TMPFILE`.
    OpenMode,
    /// Permission bits in octal (`0644`).
    Mode,
    /// A mode with the file type: `S_IFCHR|0600` (mknod).
    FileMode,
    /// A device number: `makedev(0x1, 0x3)`.
    Dev,
    /// `AT_*` flags of the `*at` calls.
    AtFlags,
    /// `R_OK|W_OK|X_OK`, or `F_OK`.
    AccessMode,
    /// Flags of `faccessat2`: `AT_EACCESS`, `AT_SYMLINK_NOFOLLOW`, `AT_EMPTY_PATH`.
    AccessAtFlags,
    /// Flags of `statx`: `AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW`.
    StatxFlags,
    /// The `statx` field mask: `STATX_BASIC_STATS`.
    StatxMask,
    /// `PROT_*` flags, `PROT_NONE` for 0.
    Prot,
    /// `MAP_*` flags with the mapping type first.
    MmapFlags,
    /// `MREMAP_*` flags.
    MremapFlags,
    /// `MS_ASYNC|MS_INVALIDATE|MS_SYNC`.
    MsyncFlags,
    /// `MADV_*` advice.
    MadviseAdvice,
    /// `POSIX_FADV_*` advice.
    FadviseAdvice,
    /// `MCL_*` flags of mlockall.
    MlockallFlags,
    /// A signal number: `SIGINT`, `SIGRTMIN`, `SIGRT_3`, or decimal.
    Signal,
    /// `SIG_BLOCK`, `SIG_UNBLOCK`, `SIG_SETMASK`.
    SigprocmaskHow,
    /// `SEEK_SET` and friends.
    Whence,
    /// `CLOCK_*` ids.
    ClockId,
    /// `TIMER_ABSTIME`.
    TimerFlags,
    /// `CLONE_NEW*` and friends of unshare/setns (no exit signal byte).
    CloneFlags,
    /// `WNOHANG|__WALL` and friends.
    WaitOptions,
    /// `P_ALL`, `P_PID`, `P_PGID`, `P_PIDFD` of waitid.
    WaitIdType,
    /// `AF_*` address families.
    SocketFamily,
    /// `SOCK_STREAM|SOCK_CLOEXEC` and friends.
    SocketType,
    /// The protocol of socket/socketpair, named after the family in argument 0 (`IPPROTO_TCP`).
    SocketProtocol,
    /// `SOCK_CLOEXEC|SOCK_NONBLOCK` of accept4.
    SockFlags,
    /// `MSG_*` flags.
    MsgFlags,
    /// `SHUT_RD`, `SHUT_WR`, `SHUT_RDWR`.
    ShutdownHow,
    /// A socket option level: `SOL_SOCKET`, `SOL_TCP`.
    SockLevel,
    /// A socket option name, named after the level in argument 1 (`SO_REUSEADDR`).
    SockOptName,
    /// `EPOLL_CLOEXEC`.
    EpollCreateFlags,
    /// `EPOLL_CTL_ADD`, `EPOLL_CTL_DEL`, `EPOLL_CTL_MOD`.
    EpollCtlOp,
    /// `EFD_*` flags.
    EventfdFlags,
    /// `SFD_*` flags.
    SignalfdFlags,
    /// `TFD_*` flags.
    TimerfdFlags,
    /// `IN_CLOEXEC|IN_NONBLOCK`.
    InotifyInitFlags,
    /// `O_CLOEXEC|O_NONBLOCK` and other open flags without an access mode (pipe2, dup3).
    PipeFlags,
    /// `LOCK_SH|LOCK_NB` and friends.
    FlockOp,
    /// `MS_*` mount flags.
    MountFlags,
    /// `MNT_FORCE|MNT_DETACH` and friends.
    UmountFlags,
    /// `GRND_*` flags.
    GetrandomFlags,
    /// `MFD_*` flags.
    MemfdFlags,
    /// `RENAME_*` flags.
    RenameFlags,
    /// `RLIMIT_*` resources.
    Resource,
    /// `RUSAGE_SELF` and friends.
    RusageWho,
    /// `ITIMER_REAL` and friends.
    ItimerWhich,
    /// An ioctl request: `TCGETS`, or `_IOC(_IOC_READ, 0x54, 0x1, 0x4)`.
    IoctlReq,

    // --- structures in app memory ---
    /// `struct stat` filled by the kernel: `{st_mode=S_IFREG|0644, st_size=42, ...}`.
    OutStat,
    /// `struct statx` filled by the kernel.
    OutStatx,
    /// `struct timespec` passed in: `{tv_sec=1, tv_nsec=0}`.
    Timespec,
    /// `struct timespec` filled by the kernel.
    OutTimespec,
    /// The remaining time of nanosleep: decoded only when the sleep was interrupted.
    RemTimespec,
    /// `struct timeval` passed in: `{tv_sec=1, tv_usec=0}`.
    Timeval,
    /// `struct timeval` filled by the kernel.
    OutTimeval,
    /// `struct itimerval` passed in.
    Itimerval,
    /// `struct itimerval` filled by the kernel.
    OutItimerval,
    /// `struct itimerspec` passed in.
    Itimerspec,
    /// `struct itimerspec` filled by the kernel.
    OutItimerspec,
    /// A signal set passed in: `[INT TERM]`, or `~[KILL]` when more than half are set.
    Sigset,
    /// A signal set filled by the kernel.
    OutSigset,
    /// `struct sigaction` (kernel layout) passed in.
    Sigaction,
    /// `struct sigaction` filled by the kernel.
    OutSigaction,
    /// `struct rlimit` passed in: `{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}`.
    Rlimit,
    /// `struct rlimit` filled by the kernel.
    OutRlimit,
    /// Two `int`s filled by the kernel (pipe, socketpair): `[3, 4]`.
    OutFdPair,
    /// `struct utsname` filled by the kernel: `{sysname="Linux", nodename="box", ...}`.
    OutUtsname,
    /// An `int` filled by the kernel: `[0]`.
    OutInt,
    /// An iovec array passed in whose element count is argument `count_arg`.
    InIovec {
        /// Index of the argument holding the number of iovecs.
        count_arg: u8,
    },
    /// An iovec array the kernel fills; the return value is the number of bytes filled.
    OutIovec {
        /// Index of the argument holding the number of iovecs.
        count_arg: u8,
    },
    /// A `struct pollfd` array whose element count is argument `count_arg`.
    Pollfds {
        /// Index of the argument holding the number of entries.
        count_arg: u8,
    },
    /// An `fd_set` of select: `[1 3]`; the highest fd + 1 is in argument 0.
    FdSet,
    /// One `struct epoll_event` passed in.
    EpollEvent,
    /// A `struct epoll_event` array filled by the kernel; the return value is the count.
    OutEpollEvents,
    /// A CPU mask passed in whose byte length is argument `len_arg`: `[0 1]`.
    CpuSet {
        /// Index of the argument holding the mask size in bytes.
        len_arg: u8,
    },
    /// A CPU mask filled by the kernel; the return value is its size in bytes.
    OutCpuSet,
    /// A socket address passed in whose byte length is argument `len_arg`.
    Sockaddr {
        /// Index of the argument holding the address length.
        len_arg: u8,
    },
    /// An `int` socket option value passed in (`[1]` when the length in `len_arg` is 4).
    SockOptVal {
        /// Index of the argument holding the option length.
        len_arg: u8,
    },
    /// A wait status filled by the kernel: `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`.
    OutWaitStatus,
    /// A getdents buffer: `0x55... /* 9 entries */`.
    Dirents,
    /// `struct clone_args` of clone3.
    Clone3Args,

    // --- arguments whose meaning depends on another argument ---
    /// An fcntl command; decodes the third argument after it.
    FcntlCmd,
    /// A futex operation; decodes the arguments after it.
    FutexOp,
    /// An arch_prctl code; decodes the second argument.
    ArchPrctlCode,
    /// A prctl option; decodes the arguments after it.
    PrctlOption,
    /// The flags of clone; strace prints clone's arguments by name.
    CloneArgs,
}

/// How a syscall's return value is displayed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetKind {
    /// Signed decimal, or `-1 ENAME (message)` for an error.
    Int,
    /// An address in hex (mmap, brk), or `-1 ENAME (message)` for an error.
    Hex,
    /// The call never returns (exit, exit_group): always `= ?`.
    NoReturn,
}

/// What the table knows about one syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyscallInfo {
    /// The x86_64 syscall number.
    pub nr: u64,
    /// Linux's name for it (`"openat"`).
    pub name: &'static str,
    /// How each argument is decoded, in register order; the length is the syscall's arity.
    pub args: &'static [ArgKind],
    /// How the return value is displayed.
    pub ret: RetKind,
}

/// The table entry for syscall `nr`, or `None` for numbers Linux does not assign on x86_64.
pub fn syscall_info(nr: u64) -> Option<&'static SyscallInfo> {
    let index = usize::try_from(nr).ok()?;
    table::TABLE.get(index)?.as_ref()
}

/// Linux's name for syscall `nr` (`"read"` for 0), or `None` if the number is unassigned.
pub fn syscall_name(nr: u64) -> Option<&'static str> {
    syscall_info(nr).map(|info| info.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(syscall_name(0), Some("read"));
        assert_eq!(syscall_name(nr::WRITE), Some("write"));
        assert_eq!(nr::OPENAT, 257);
        assert_eq!(nr::CLONE3, 435);
        assert_eq!(nr::FUTEX_WAITV, 449);
        assert_eq!(nr::MSEAL, 462);
        assert_eq!(syscall_name(335), None);
        assert_eq!(syscall_name(423), None);
        assert_eq!(syscall_name(424), Some("pidfd_send_signal"));
        assert_eq!(syscall_name(u64::MAX), None);
        assert_eq!(syscall_name(SYSCALL_TABLE_LEN as u64), None);
        const { assert!(SYSCALL_TABLE_LEN > 462) };
    }

    #[test]
    fn info_is_consistent() {
        for n in 0..SYSCALL_TABLE_LEN as u64 {
            if let Some(info) = syscall_info(n) {
                assert_eq!(info.nr, n);
                assert!(info.args.len() <= 6, "{} has too many args", info.name);
            }
        }
        let mmap = syscall_info(nr::MMAP).unwrap();
        assert_eq!(mmap.ret, RetKind::Hex);
        assert_eq!(mmap.args.len(), 6);
        assert_eq!(syscall_info(nr::EXIT_GROUP).unwrap().ret, RetKind::NoReturn);
        assert_eq!(syscall_info(nr::GETPID).unwrap().args, &[]);
    }

    /// Every number the host's unistd_64.h defines has a table entry with the same name.
    #[test]
    fn covers_host_header() {
        let path = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("{path} not found; skipping");
            return;
        };
        let mut seen = 0;
        for line in text.lines() {
            let mut words = line.split_whitespace();
            if words.next() != Some("#define") {
                continue;
            }
            let (Some(name), Some(num)) = (words.next(), words.next()) else {
                continue;
            };
            let (Some(name), Ok(num)) = (name.strip_prefix("__NR_"), num.parse::<u64>()) else {
                continue;
            };
            assert_eq!(syscall_name(num), Some(name), "syscall {num}");
            seen += 1;
        }
        assert!(seen > 300, "parsed only {seen} syscalls from {path}");
    }
}
