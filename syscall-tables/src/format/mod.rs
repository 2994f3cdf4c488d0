//! Formatting a syscall as strace prints it.

mod prctl;
mod special;
mod strings;
mod structs;

use crate::errno::{errno_message, errno_name, is_restart};
use crate::flags::{self, flags, hex, octal, xval};
use crate::signals::signal_or_number;
use crate::{ioctl, nr, syscall_info, ArgKind, RetKind, SyscallInfo};
use strings::addr;

/// The column strace aligns ` = result` to.
pub const STRACE_ALIGN_COLUMN: usize = 40;

/// Reads app memory: `(address, max_len)` to the bytes readable there (possibly fewer), or
/// `None` when nothing is readable.
type Mem<'a> = &'a dyn Fn(u64, usize) -> Option<Vec<u8>>;

/// One syscall being formatted.
pub(crate) struct Ctx<'a> {
    pub(crate) nr: u64,
    pub(crate) args: &'a [u64; 6],
    pub(crate) ret: Option<i64>,
    pub(crate) mem: Mem<'a>,
}

impl Ctx<'_> {
    /// Exactly `len` bytes at `address`, or `None` if any of them is unreadable.
    pub(crate) fn read(&self, address: u64, len: usize) -> Option<Vec<u8>> {
        if address == 0 {
            return None;
        }
        if len == 0 {
            return Some(Vec::new());
        }
        let mut bytes = (self.mem)(address, len)?;
        if bytes.len() < len {
            return None;
        }
        bytes.truncate(len);
        Some(bytes)
    }

    pub(crate) fn read_u64(&self, address: u64) -> Option<u64> {
        let bytes = self.read(address, 8)?;
        Some(u64::from_le_bytes(bytes.try_into().ok()?))
    }

    pub(crate) fn read_i32(&self, address: u64) -> Option<i32> {
        let bytes = self.read(address, 4)?;
        Some(i32::from_le_bytes(bytes.try_into().ok()?))
    }

    /// The return value if the call returned and succeeded.
    pub(crate) fn success(&self) -> Option<i64> {
        self.ret.filter(|r| !(-4095..0).contains(r))
    }

    /// The errno if the call failed.
    pub(crate) fn error(&self) -> Option<i32> {
        self.ret
            .filter(|r| (-4095..0).contains(r))
            .and_then(|r| i32::try_from(-r).ok())
    }

    /// The byte count a successful call returned, for out-buffers.
    pub(crate) fn success_len(&self) -> Option<u64> {
        self.success().and_then(|r| u64::try_from(r).ok())
    }
}

/// The low 32 bits of a register, which is all the kernel reads of a C `int`.
pub(crate) fn low32(value: u64) -> u32 {
    (value & 0xffff_ffff) as u32
}

/// A register holding a C `int`.
pub(crate) fn int(value: u64) -> i32 {
    low32(value) as i32
}

/// Format one syscall as strace prints it once the call returned:
/// `openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3`,
/// `openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)`,
/// `mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f...`,
/// `exit_group(0) = ?`.
///
/// `ret` is the raw value the kernel leaves in rax (a negative errno on failure), or `None` for
/// a call that did not return (exit_group, a successful execve), which prints `= ?`. Restarted
/// calls print as strace does: `= ? ERESTARTSYS (To be restarted if SA_RESTART is set)`.
///
/// `mem` reads app memory: `(address, max_len)` to the bytes readable there (possibly fewer), or
/// `None` when unreadable; an argument in unreadable memory prints as its address. Memory is
/// read after the call, so buffers the kernel fills are shown with their new contents (as strace
/// shows them at exit), and so are arguments the kernel overwrote (select's fd sets). A caller
/// that formats execve must do it before the old image is gone, passing `ret: None`.
///
/// Numbers without a syscall print as `syscall_0x1c8(0x1, 0x2, 0x3, 0x4, 0x5, 0x6)`.
/// The result is not aligned; see [`format_syscall_aligned`].
pub fn format_syscall(
    nr: u64,
    args: &[u64; 6],
    ret: Option<i64>,
    mem: &dyn Fn(u64, usize) -> Option<Vec<u8>>,
) -> String {
    let (call, result) = format_parts(nr, args, ret, mem);
    format!("{call} = {result}")
}

/// Like [`format_syscall`], but with ` = ` padded to [`STRACE_ALIGN_COLUMN`] as strace's own
/// output is: `close(3)                                = 0`.
pub fn format_syscall_aligned(
    nr: u64,
    args: &[u64; 6],
    ret: Option<i64>,
    mem: &dyn Fn(u64, usize) -> Option<Vec<u8>>,
) -> String {
    let (call, result) = format_parts(nr, args, ret, mem);
    format!(
        "{:<width$}= {result}",
        call + " ",
        width = STRACE_ALIGN_COLUMN
    )
}

/// The call (`name(args)`) and the result (after `= `).
fn format_parts(nr: u64, args: &[u64; 6], ret: Option<i64>, mem: Mem<'_>) -> (String, String) {
    let ctx = Ctx { nr, args, ret, mem };
    match syscall_info(nr) {
        Some(info) => {
            let shown = format_args(&ctx, info);
            (
                format!("{}({})", info.name, shown.join(", ")),
                format_ret(&ctx, info.ret),
            )
        }
        None => {
            let shown: Vec<String> = args.iter().map(|&a| hex(a)).collect();
            (
                format!("syscall_{nr:#x}({})", shown.join(", ")),
                format_ret(&ctx, RetKind::Int),
            )
        }
    }
}

/// Every argument strace would show, in order.
fn format_args(ctx: &Ctx<'_>, info: &SyscallInfo) -> Vec<String> {
    let mut shown = Vec::with_capacity(info.args.len());
    for (index, &kind) in info.args.iter().enumerate() {
        let value = ctx.args[index];
        match kind {
            // These decide how the rest of the arguments look.
            ArgKind::FcntlCmd => return special::fcntl(ctx, shown),
            ArgKind::FutexOp => return special::futex(ctx, shown),
            ArgKind::ArchPrctlCode => return prctl::arch_prctl(ctx),
            ArgKind::PrctlOption => return prctl::prctl(ctx),
            ArgKind::SeccompOp => return prctl::seccomp(ctx),
            ArgKind::CloneArgs => return special::clone(ctx),
            ArgKind::IoctlReq => return special::ioctl(ctx, shown),
            ArgKind::Skip => {}
            ArgKind::OpenMode => {
                let flags = ctx.args[index.saturating_sub(1)];
                if flags & (flags::O_CREAT | flags::O_TMPFILE_BIT) != 0 {
                    shown.push(octal(value & 0o177777));
                }
            }
            _ if ctx.nr == nr::MREMAP && index == 4 && ctx.args[3] & flags::MREMAP_FIXED == 0 => {}
            _ => shown.push(format_arg(ctx, index, kind)),
        }
    }
    shown
}

/// One argument.
fn format_arg(ctx: &Ctx<'_>, index: usize, kind: ArgKind) -> String {
    use ArgKind as K;
    let value = ctx.args[index];
    let arg = |i: u8| ctx.args[usize::from(i)];
    match kind {
        K::Int | K::Fd => int(value).to_string(),
        K::UInt => low32(value).to_string(),
        K::Long => (value as i64).to_string(),
        K::ULong => value.to_string(),
        K::Hex => hex(value),
        K::DirFd if int(value) == -100 => "AT_FDCWD".to_string(),
        K::DirFd => int(value).to_string(),
        K::Ptr => addr(value),
        K::Path => ctx.path(value),
        K::CStr => ctx.c_string(value, strings::MAX_STRLEN),
        K::InBuf { len_arg } => ctx.buffer(value, arg(len_arg), false),
        K::OutBuf { .. } | K::OutBufHex { .. } => match ctx.success_len() {
            Some(len) => ctx.buffer(value, len, matches!(kind, K::OutBufHex { .. })),
            None => addr(value),
        },
        K::OutPath => match ctx.success_len() {
            Some(len) => ctx.out_path(value, len),
            None => addr(value),
        },
        K::StrArray => ctx.string_array(value),
        K::EnvArray => ctx.env_array(value),
        K::OpenFlags => flags::open_flags(value),
        K::Mode => octal(value & 0o177777),
        K::FileMode => flags::file_mode(value & 0xffff_ffff),
        K::Dev => flags::makedev(value),
        K::AtFlags => flags(value & 0xffff_ffff, flags::AT_FLAGS, "AT_???"),
        K::AccessMode => flags(value & 0xffff_ffff, flags::ACCESS_MODES, "?_OK"),
        K::AccessAtFlags => flags(value & 0xffff_ffff, flags::ACCESS_AT_FLAGS, "AT_???"),
        K::StatxFlags => flags::statx_flags(value),
        K::StatxMask => flags(value & 0xffff_ffff, flags::STATX_MASK, "STATX_???"),
        K::Prot => flags(value, flags::PROT, "PROT_???"),
        K::MmapFlags => flags::mmap_flags(value),
        K::MremapFlags => flags(value, flags::MREMAP_FLAGS, "MREMAP_???"),
        K::MsyncFlags => flags(value & 0xffff_ffff, flags::MSYNC_FLAGS, "MS_???"),
        K::MadviseAdvice => xval(value & 0xffff_ffff, flags::MADVISE, "MADV_???"),
        K::FadviseAdvice => xval(value & 0xffff_ffff, flags::FADVISE, "POSIX_FADV_???"),
        K::MlockallFlags => flags(value & 0xffff_ffff, flags::MLOCKALL, "MCL_???"),
        K::Signal => signal_or_number(int(value)),
        K::SigprocmaskHow => xval(value & 0xffff_ffff, flags::SIGPROCMASK_HOW, "SIG_???"),
        K::Whence => xval(value & 0xffff_ffff, flags::WHENCE, "SEEK_???"),
        K::ClockId => xval(value & 0xffff_ffff, flags::CLOCKS, "CLOCK_???"),
        K::TimerFlags => flags(value & 0xffff_ffff, flags::TIMER_FLAGS, "TIMER_???"),
        K::CloneFlags => flags(value & 0xffff_ffff, flags::UNSHARE_FLAGS, "CLONE_???"),
        K::WaitOptions => flags(value & 0xffff_ffff, flags::WAIT_OPTIONS, "W???"),
        K::WaitIdType => xval(value & 0xffff_ffff, flags::WAITID_TYPES, "P_???"),
        K::SocketFamily => xval(value & 0xffff_ffff, flags::ADDRESS_FAMILIES, "AF_???"),
        K::SocketType => flags::socket_type(value),
        K::SocketProtocol => socket_protocol(ctx.args[0] & 0xffff_ffff, value & 0xffff_ffff),
        K::SockFlags => flags(value & 0xffff_ffff, flags::SOCK_FLAGS, "SOCK_???"),
        K::MsgFlags => flags(value & 0xffff_ffff, flags::MSG_FLAGS, "MSG_???"),
        K::ShutdownHow => xval(value & 0xffff_ffff, flags::SHUTDOWN_HOW, "SHUT_???"),
        K::SockLevel => xval(value & 0xffff_ffff, flags::SOCK_LEVELS, "SOL_??"),
        K::SockOptName => match flags::sockopt_names(ctx.args[1] & 0xffff_ffff) {
            Some((table, unknown)) => xval(value & 0xffff_ffff, table, unknown),
            None => low32(value).to_string(),
        },
        K::EpollCreateFlags => flags(value & 0xffff_ffff, flags::EPOLL_CREATE_FLAGS, "EPOLL_???"),
        K::EpollCtlOp => xval(value & 0xffff_ffff, flags::EPOLL_CTL_OPS, "EPOLL_CTL_???"),
        K::EventfdFlags => flags(value & 0xffff_ffff, flags::EVENTFD_FLAGS, "EFD_???"),
        K::SignalfdFlags => flags(value & 0xffff_ffff, flags::SIGNALFD_FLAGS, "SFD_???"),
        K::TimerfdFlags => flags(value & 0xffff_ffff, flags::TIMERFD_FLAGS, "TFD_???"),
        K::InotifyInitFlags => flags(value & 0xffff_ffff, flags::INOTIFY_INIT_FLAGS, "IN_???"),
        K::PipeFlags => flags(value & 0xffff_ffff, flags::OPEN_FLAGS, "O_???"),
        K::FlockOp => flags(value & 0xffff_ffff, flags::FLOCK_OPS, "LOCK_???"),
        K::MountFlags => flags::mount_flags(value),
        K::UmountFlags => flags(value & 0xffff_ffff, flags::UMOUNT_FLAGS, "UMOUNT_???"),
        K::GetrandomFlags => flags(value & 0xffff_ffff, flags::GETRANDOM_FLAGS, "GRND_???"),
        K::MemfdFlags => flags::memfd_flags(value),
        K::RenameFlags => flags(value & 0xffff_ffff, flags::RENAME_FLAGS, "RENAME_???"),
        K::Resource => xval(value & 0xffff_ffff, flags::RESOURCES, "RLIMIT_???"),
        K::RusageWho => xval(value & 0xffff_ffff, flags::RUSAGE_WHO, "RUSAGE_???"),
        K::ItimerWhich => xval(value & 0xffff_ffff, flags::ITIMERS, "ITIMER_???"),
        K::OutStat => ctx.out(value, structs::stat),
        K::OutStatx => ctx.out(value, structs::statx),
        K::OutStatfs => ctx.out(value, structs::statfs),
        K::OutSysinfo => ctx.out(value, structs::sysinfo),
        K::GidArray { count_arg } => {
            ctx.input(value, |ctx, a| structs::gids(ctx, a, arg(count_arg)))
        }
        K::OutGidArray => match ctx.success_len() {
            Some(count) => {
                let count = count.min(ctx.args[0] & 0xffff_ffff);
                ctx.input(value, |ctx, a| structs::gids(ctx, a, count))
            }
            None => addr(value),
        },
        K::Timespec => ctx.input(value, structs::timespec),
        K::OutTimespec => ctx.out(value, structs::timespec),
        K::RemTimespec => match ctx.error() {
            Some(errno) if errno == 4 || is_restart(errno) => ctx.input(value, structs::timespec),
            _ => addr(value),
        },
        K::Timeval => ctx.input(value, structs::timeval),
        K::OutTimeval => ctx.out(value, structs::timeval),
        K::Itimerval => ctx.input(value, structs::itimerval),
        K::OutItimerval => ctx.out(value, structs::itimerval),
        K::Itimerspec => ctx.input(value, structs::itimerspec),
        K::OutItimerspec => ctx.out(value, structs::itimerspec),
        K::Sigset => ctx.input(value, structs::sigset),
        K::OutSigset => ctx.out(value, structs::sigset),
        K::Sigaction => ctx.input(value, structs::sigaction),
        K::OutSigaction => ctx.out(value, structs::sigaction),
        K::Rlimit => ctx.input(value, structs::rlimit),
        K::OutRlimit => ctx.out(value, structs::rlimit),
        K::OutFdPair => ctx.out(value, structs::fd_pair),
        K::OutUtsname => ctx.out(value, structs::utsname),
        K::OutInt => ctx.out(value, |ctx, a| ctx.read_i32(a).map(|v| format!("[{v}]"))),
        K::InIovec { count_arg } => ctx.input(value, |ctx, a| {
            structs::iovecs(ctx, a, arg(count_arg), None)
        }),
        K::OutIovec { count_arg } => match ctx.success_len() {
            Some(len) => ctx.input(value, |ctx, a| {
                structs::iovecs(ctx, a, arg(count_arg), Some(len))
            }),
            None => addr(value),
        },
        K::Pollfds { count_arg } => ctx.input(value, |ctx, a| {
            structs::pollfds(ctx, a, arg(count_arg), false)
        }),
        K::FdSet => ctx.input(value, |ctx, a| structs::fd_set(ctx, a, ctx.args[0])),
        K::EpollEvent => ctx.input(value, structs::epoll_event),
        K::OutEpollEvents => match ctx.success_len() {
            Some(count) => ctx.input(value, |ctx, a| structs::epoll_events(ctx, a, count)),
            None => addr(value),
        },
        K::CpuSet { len_arg } => ctx.input(value, |ctx, a| structs::cpu_set(ctx, a, arg(len_arg))),
        K::OutCpuSet => match ctx.success_len() {
            Some(len) => ctx.input(value, |ctx, a| structs::cpu_set(ctx, a, len)),
            None => addr(value),
        },
        K::Sockaddr { len_arg } => {
            ctx.input(value, |ctx, a| structs::sockaddr(ctx, a, arg(len_arg)))
        }
        K::OutSockaddr { len_arg } => match ctx.success() {
            Some(_) => ctx.input(value, |ctx, a| {
                let len = ctx.read_i32(arg(len_arg))?;
                structs::sockaddr(ctx, a, u64::try_from(len).ok()?)
            }),
            None => addr(value),
        },
        K::Msghdr => ctx.input(value, |ctx, a| structs::msghdr(ctx, a, None)),
        K::OutMsghdr => match ctx.success_len() {
            Some(len) => ctx.input(value, |ctx, a| structs::msghdr(ctx, a, Some(len))),
            None => ctx.input(value, |ctx, a| {
                let namelen = ctx.read(a.checked_add(8)?, 4)?;
                let namelen = u32::from_le_bytes(namelen.try_into().ok()?);
                Some(format!("{{msg_namelen={namelen}}}"))
            }),
        },
        K::OutSockOptVal { len_arg } => match ctx.success() {
            Some(_) => ctx.input(value, |ctx, a| {
                let len = ctx.read_i32(arg(len_arg))?;
                (len == 4).then_some(())?;
                ctx.read_i32(a).map(|v| format!("[{v}]"))
            }),
            None => addr(value),
        },
        K::SockLen => ctx.input(value, |ctx, a| ctx.read_i32(a).map(|v| format!("[{v}]"))),
        K::SockOptVal { len_arg } if arg(len_arg) == 4 => {
            ctx.input(value, |ctx, a| ctx.read_i32(a).map(|v| format!("[{v}]")))
        }
        K::SockOptVal { .. } => addr(value),
        K::OutWaitStatus => match ctx.success() {
            Some(pid) if pid > 0 => ctx.input(value, structs::wait_status),
            _ => addr(value),
        },
        K::Dirents => match ctx.success_len() {
            Some(len) => structs::dirents(ctx, value, len.min(1 << 20)),
            None => addr(value),
        },
        K::Sigevent => ctx.input(value, structs::sigevent),
        K::Clone3Args => ctx.input(value, special::clone3_args),
        K::IoctlReq => ioctl::request_name(low32(value)),
        // Handled by format_args.
        K::Skip
        | K::OpenMode
        | K::FcntlCmd
        | K::FutexOp
        | K::ArchPrctlCode
        | K::PrctlOption
        | K::SeccompOp
        | K::CloneArgs => hex(value),
    }
}

impl Ctx<'_> {
    /// A structure the app passed in: decoded if readable, else its address.
    pub(crate) fn input(
        &self,
        address: u64,
        decode: impl Fn(&Self, u64) -> Option<String>,
    ) -> String {
        if address == 0 {
            return addr(address);
        }
        decode(self, address).unwrap_or_else(|| addr(address))
    }

    /// A structure the kernel fills: decoded only if the call succeeded.
    pub(crate) fn out(
        &self,
        address: u64,
        decode: impl Fn(&Self, u64) -> Option<String>,
    ) -> String {
        if self.success().is_none() {
            return addr(address);
        }
        self.input(address, decode)
    }
}

/// The protocol argument of socket(2), named after the address family.
fn socket_protocol(family: u64, protocol: u64) -> String {
    match family {
        flags::AF_INET | flags::AF_INET6 => xval(protocol, flags::IP_PROTOCOLS, "IPPROTO_???"),
        flags::AF_NETLINK => xval(protocol, flags::NETLINK_PROTOCOLS, "NETLINK_???"),
        flags::AF_PACKET if protocol == 0x0300 => "htons(ETH_P_ALL)".to_string(),
        _ => protocol.to_string(),
    }
}

/// The result after `= `.
fn format_ret(ctx: &Ctx<'_>, kind: RetKind) -> String {
    let Some(ret) = ctx.ret else {
        return "?".to_string();
    };
    if kind == RetKind::NoReturn {
        return "?".to_string();
    }
    if let Some(errno) = ctx.error() {
        let message = errno_message(errno);
        return match errno_name(errno) {
            Some(name) if is_restart(errno) => format!("? {name} ({message})"),
            Some(name) => format!("-1 {name} ({message})"),
            None => format!("-1 {errno} (Unknown error {errno})"),
        };
    }
    if let Some(annotated) = special::annotate_ret(ctx, ret) {
        return annotated;
    }
    match kind {
        RetKind::Hex => hex(ret as u64),
        _ => ret.to_string(),
    }
}

#[cfg(test)]
mod tests;
