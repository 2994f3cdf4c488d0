//! fcntl, futex, ioctl and clone, whose later arguments depend on an earlier one, and results
//! strace annotates.

use super::strings::addr;
use super::structs;
use super::{int, low32, Ctx};
use crate::flags::{self, flags, hex, octal, xval, Xlat};
use crate::ioctl::{self, IoctlArg};
use crate::nr;
use crate::signals::signal_or_number;

const FCNTL_CMDS: Xlat = &[
    (0, "F_DUPFD"),
    (1, "F_GETFD"),
    (2, "F_SETFD"),
    (3, "F_GETFL"),
    (4, "F_SETFL"),
    (5, "F_GETLK"),
    (6, "F_SETLK"),
    (7, "F_SETLKW"),
    (8, "F_SETOWN"),
    (9, "F_GETOWN"),
    (10, "F_SETSIG"),
    (11, "F_GETSIG"),
    (15, "F_SETOWN_EX"),
    (16, "F_GETOWN_EX"),
    (17, "F_GETOWNER_UIDS"),
    (36, "F_OFD_GETLK"),
    (37, "F_OFD_SETLK"),
    (38, "F_OFD_SETLKW"),
    (1024, "F_SETLEASE"),
    (1025, "F_GETLEASE"),
    (1026, "F_NOTIFY"),
    (1027, "F_DUPFD_QUERY"),
    (1028, "F_CREATED_QUERY"),
    (1030, "F_DUPFD_CLOEXEC"),
    (1031, "F_SETPIPE_SZ"),
    (1032, "F_GETPIPE_SZ"),
    (1033, "F_ADD_SEALS"),
    (1034, "F_GET_SEALS"),
    (1035, "F_GET_RW_HINT"),
    (1036, "F_SET_RW_HINT"),
    (1037, "F_GET_FILE_RW_HINT"),
    (1038, "F_SET_FILE_RW_HINT"),
];

/// `struct flock`: `{l_type=F_RDLCK, l_whence=SEEK_SET, l_start=0, l_len=0}` (plus `l_pid` from
/// F_GETLK).
fn flock(ctx: &Ctx<'_>, address: u64, with_pid: bool) -> Option<String> {
    let bytes = ctx.read(address, 32)?;
    let i16_at = |o: usize| i16::from_le_bytes([bytes[o], bytes[o + 1]]);
    let i64_at = |o: usize| i64::from_le_bytes(bytes[o..o + 8].try_into().unwrap_or([0; 8]));
    let kind = xval(i16_at(0) as u16 as u64, flags::LOCK_TYPES, "F_???");
    let whence = xval(i16_at(2) as u16 as u64, flags::WHENCE, "SEEK_???");
    let mut out = format!(
        "{{l_type={kind}, l_whence={whence}, l_start={}, l_len={}",
        i64_at(8),
        i64_at(16)
    );
    if with_pid {
        let pid = i32::from_le_bytes(bytes[24..28].try_into().unwrap_or([0; 4]));
        out.push_str(&format!(", l_pid={pid}"));
    }
    out.push('}');
    Some(out)
}

/// `struct f_owner_ex`: `{type=F_OWNER_PID, pid=1}`.
fn owner_ex(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    const OWNER_TYPES: Xlat = &[(0, "F_OWNER_TID"), (1, "F_OWNER_PID"), (2, "F_OWNER_PGRP")];
    let bytes = ctx.read(address, 8)?;
    let kind = u32::from_le_bytes(bytes[0..4].try_into().ok()?);
    let pid = i32::from_le_bytes(bytes[4..8].try_into().ok()?);
    Some(format!(
        "{{type={}, pid={pid}}}",
        xval(kind.into(), OWNER_TYPES, "F_OWNER_???")
    ))
}

/// fcntl(fd, cmd, arg): the third argument is shown, and decoded, by command.
pub(super) fn fcntl(ctx: &Ctx<'_>, mut shown: Vec<String>) -> Vec<String> {
    let cmd = u64::from(low32(ctx.args[1]));
    let arg = ctx.args[2];
    shown.push(xval(cmd, FCNTL_CMDS, "F_???"));
    let third = match cmd {
        // Commands without an argument.
        1 | 3 | 9 | 11 | 1025 | 1032 | 1034 | 1028 => None,
        2 => Some(flags(arg & 0xffff_ffff, flags::FD_FLAGS, "FD_???")),
        4 => Some(flags::open_flags(arg)),
        5 | 36 => Some(match ctx.success() {
            Some(_) => ctx.input(arg, |ctx, a| flock(ctx, a, cmd == 5)),
            None => addr(arg),
        }),
        6 | 7 | 37 | 38 => Some(ctx.input(arg, |ctx, a| flock(ctx, a, false))),
        10 => Some(signal_or_number(int(arg))),
        1024 => Some(xval(arg & 0xffff_ffff, flags::LOCK_TYPES, "F_???")),
        1026 => Some(flags(arg & 0xffff_ffff, flags::DNOTIFY, "DN_???")),
        1033 => Some(flags(arg & 0xffff_ffff, flags::SEALS, "F_SEAL_???")),
        0 | 8 | 1027 | 1030 | 1031 => Some(int(arg).to_string()),
        15 => Some(ctx.input(arg, owner_ex)),
        16 => Some(ctx.out(arg, owner_ex)),
        17 | 1035 | 1036 | 1037 | 1038 => Some(addr(arg)),
        _ => Some(hex(arg)),
    };
    shown.extend(third);
    shown
}

const FUTEX_CMDS: [&str; 14] = [
    "FUTEX_WAIT",
    "FUTEX_WAKE",
    "FUTEX_FD",
    "FUTEX_REQUEUE",
    "FUTEX_CMP_REQUEUE",
    "FUTEX_WAKE_OP",
    "FUTEX_LOCK_PI",
    "FUTEX_UNLOCK_PI",
    "FUTEX_TRYLOCK_PI",
    "FUTEX_WAIT_BITSET",
    "FUTEX_WAKE_BITSET",
    "FUTEX_WAIT_REQUEUE_PI",
    "FUTEX_CMP_REQUEUE_PI",
    "FUTEX_LOCK_PI2",
];
const FUTEX_PRIVATE_FLAG: u32 = 128;
const FUTEX_CLOCK_REALTIME: u32 = 256;

/// The futex operation word: `FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME`, or `None` when
/// strace would not recognise it.
fn futex_op_name(op: u32) -> Option<String> {
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    let name = FUTEX_CMDS.get(usize::try_from(cmd).ok()?)?;
    // FUTEX_CLOCK_REALTIME is only valid for waits.
    if op & FUTEX_CLOCK_REALTIME != 0 && !matches!(cmd, 0 | 9 | 11 | 13) {
        return None;
    }
    let mut out = name.to_string();
    if op & FUTEX_PRIVATE_FLAG != 0 {
        out.push_str("_PRIVATE");
    }
    if op & FUTEX_CLOCK_REALTIME != 0 {
        out.push_str("|FUTEX_CLOCK_REALTIME");
    }
    Some(out)
}

/// The encoded operation of FUTEX_WAKE_OP: `FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_GT<<24|0x1`.
fn futex_wake_op(val3: u32) -> String {
    const OPS: [&str; 5] = [
        "FUTEX_OP_SET",
        "FUTEX_OP_ADD",
        "FUTEX_OP_OR",
        "FUTEX_OP_ANDN",
        "FUTEX_OP_XOR",
    ];
    const CMPS: [&str; 6] = [
        "FUTEX_OP_CMP_EQ",
        "FUTEX_OP_CMP_NE",
        "FUTEX_OP_CMP_LT",
        "FUTEX_OP_CMP_LE",
        "FUTEX_OP_CMP_GT",
        "FUTEX_OP_CMP_GE",
    ];
    let mut out = String::new();
    if val3 & (8 << 28) != 0 {
        out.push_str("FUTEX_OP_OPARG_SHIFT<<28|");
    }
    let op = (val3 >> 28) & 7;
    match OPS.get(op as usize) {
        Some(name) => out.push_str(name),
        None => out.push_str(&hex(op.into())),
    }
    out.push_str(&format!("<<28|{}<<12|", hex(((val3 >> 12) & 0xfff).into())));
    let cmp = (val3 >> 24) & 0xf;
    match CMPS.get(cmp as usize) {
        Some(name) => out.push_str(name),
        None => out.push_str(&hex(cmp.into())),
    }
    out.push_str(&format!("<<24|{}", hex((val3 & 0xfff).into())));
    out
}

/// futex(uaddr, op, val, timeout or val2, uaddr2, val3): the arguments each command uses.
pub(super) fn futex(ctx: &Ctx<'_>, mut shown: Vec<String>) -> Vec<String> {
    let a = ctx.args;
    let op = low32(a[1]);
    shown.push(futex_op_name(op).unwrap_or_else(|| format!("{} /* FUTEX_??? */", hex(op.into()))));
    let val = low32(a[2]).to_string();
    let val2 = low32(a[3]).to_string();
    let timeout = || ctx.input(a[3], structs::timespec);
    let bitset = || match low32(a[5]) {
        u32::MAX => "FUTEX_BITSET_MATCH_ANY".to_string(),
        other => hex(other.into()),
    };
    match op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME) {
        0 => shown.extend([val, timeout()]),
        1 | 2 => shown.push(val),
        3 => shown.extend([val, val2, addr(a[4])]),
        4 | 12 => shown.extend([val, val2, addr(a[4]), low32(a[5]).to_string()]),
        5 => shown.extend([val, val2, addr(a[4]), futex_wake_op(low32(a[5]))]),
        6 | 13 => shown.push(timeout()),
        7 | 8 => {}
        9 => shown.extend([val, timeout(), bitset()]),
        10 => shown.extend([val, bitset()]),
        11 => shown.extend([val, timeout(), addr(a[4])]),
        _ => shown.extend([val, timeout(), addr(a[4]), hex(a[5])]),
    }
    shown
}

/// `flags` of clone: the clone flags, then the exit signal in the low byte.
fn clone_flags(value: u64) -> String {
    let signal = value & 0xff;
    let mut out = flags(value & !0xff, flags::CLONE_FLAGS, "CLONE_???");
    if signal != 0 {
        let name = signal_or_number(int(signal));
        if value & !0xff == 0 {
            out = name;
        } else {
            out.push('|');
            out.push_str(&name);
        }
    }
    out
}

const CLONE_PIDFD: u64 = 0x1000;
const CLONE_SETTLS: u64 = 0x80000;
const CLONE_PARENT_SETTID: u64 = 0x100000;
const CLONE_CHILD_CLEARTID: u64 = 0x200000;
const CLONE_CHILD_SETTID: u64 = 0x1000000;
const CLONE_INTO_CGROUP: u64 = 0x200000000;

/// clone(flags, stack, parent_tid, child_tid, tls), which strace prints by name and in its own
/// order, showing the pointers only when a flag makes the kernel use them.
pub(super) fn clone(ctx: &Ctx<'_>) -> Vec<String> {
    let a = ctx.args;
    let flags = a[0];
    let mut shown = vec![
        format!("child_stack={}", addr(a[1])),
        format!("flags={}", clone_flags(flags)),
    ];
    if flags & (CLONE_PARENT_SETTID | CLONE_PIDFD) != 0 {
        shown.push(format!("parent_tid={}", addr(a[2])));
    }
    if flags & CLONE_SETTLS != 0 {
        shown.push(format!("tls={}", addr(a[4])));
    }
    if flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) != 0 {
        shown.push(format!("child_tidptr={}", addr(a[3])));
    }
    shown
}

/// `struct clone_args` of clone3, with what the kernel wrote back after ` => `.
pub(super) fn clone3_args(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let size = usize::try_from(ctx.args[1]).ok()?.clamp(64, 88);
    let bytes = ctx.read(address, size)?;
    let field = |i: usize| {
        bytes
            .get(i * 8..i * 8 + 8)
            .map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    };
    let flags = field(0);
    let mut flag_names = String::new();
    if flags & 0xffff_ffff != 0 || flags == 0 {
        flag_names = flags::flags(flags & 0xffff_ffff, flags::CLONE_FLAGS, "CLONE_???");
    }
    flags::flags_into(
        &mut flag_names,
        flags & !0xffff_ffff,
        flags::CLONE3_FLAGS,
        "CLONE_???",
    );
    let mut items = vec![format!("flags={flag_names}")];
    if flags & CLONE_PIDFD != 0 {
        items.push(format!("pidfd={}", addr(field(1))));
    }
    if flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) != 0 {
        items.push(format!("child_tid={}", addr(field(2))));
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        items.push(format!("parent_tid={}", addr(field(3))));
    }
    let exit_signal = field(4);
    items.push(format!(
        "exit_signal={}",
        signal_or_number(int(exit_signal))
    ));
    items.push(format!("stack={}", hex(field(5))));
    items.push(format!("stack_size={}", hex(field(6))));
    if flags & CLONE_SETTLS != 0 {
        items.push(format!("tls={}", hex(field(7))));
    }
    if field(9) != 0 {
        items.push(format!(
            "set_tid={}, set_tid_size={}",
            addr(field(8)),
            field(9)
        ));
    }
    if flags & CLONE_INTO_CGROUP != 0 {
        items.push(format!("cgroup={}", field(10)));
    }
    let mut out = format!("{{{}}}", items.join(", "));
    // What the kernel stored for the parent, as strace shows it on exit.
    if ctx.success().is_some() {
        let mut back = Vec::new();
        if flags & CLONE_PIDFD != 0 {
            if let Some(pidfd) = ctx.read_i32(field(1)) {
                back.push(format!("pidfd=[{pidfd}]"));
            }
        }
        if flags & CLONE_PARENT_SETTID != 0 {
            if let Some(tid) = ctx.read_i32(field(3)) {
                back.push(format!("parent_tid=[{tid}]"));
            }
        }
        if !back.is_empty() {
            out.push_str(&format!(" => {{{}}}", back.join(", ")));
        }
    }
    Some(out)
}

/// ioctl(fd, request, arg): the argument is shown as the request defines it.
pub(super) fn ioctl(ctx: &Ctx<'_>, mut shown: Vec<String>) -> Vec<String> {
    let request = low32(ctx.args[1]);
    let arg = ctx.args[2];
    shown.push(ioctl::request_name(request));
    let style = ioctl::lookup(request).map_or(IoctlArg::Hex, |(_, style)| style);
    let int_at = |ctx: &Ctx<'_>, a: u64| ctx.read_i32(a).map(|v| format!("[{v}]"));
    let third = match style {
        IoctlArg::None => None,
        IoctlArg::Ptr => Some(addr(arg)),
        IoctlArg::Hex => Some(hex(arg)),
        IoctlArg::Int => Some(int(arg).to_string()),
        IoctlArg::InInt => Some(ctx.input(arg, int_at)),
        IoctlArg::OutInt => Some(ctx.out(arg, int_at)),
        IoctlArg::InWinsize => Some(ctx.input(arg, winsize)),
        IoctlArg::OutWinsize => Some(ctx.out(arg, winsize)),
        IoctlArg::FlushQueue => Some(match arg {
            0 => "TCIFLUSH".to_string(),
            1 => "TCOFLUSH".to_string(),
            2 => "TCIOFLUSH".to_string(),
            other => format!("{} /* TC???FLUSH */", hex(other)),
        }),
    };
    shown.extend(third);
    shown
}

/// `struct winsize`: `{ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}`.
fn winsize(ctx: &Ctx<'_>, address: u64) -> Option<String> {
    let b = ctx.read(address, 8)?;
    let at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    Some(format!(
        "{{ws_row={}, ws_col={}, ws_xpixel={}, ws_ypixel={}}}",
        at(0),
        at(2),
        at(4),
        at(6)
    ))
}

/// Results strace explains after the value: fcntl's flags, umask's octal mode, poll's ready
/// descriptors, select's ready sets. `None` for a plain result.
pub(super) fn annotate_ret(ctx: &Ctx<'_>, ret: i64) -> Option<String> {
    let a = ctx.args;
    match ctx.nr {
        nr::UMASK => Some(octal(ret as u64)),
        nr::PRCTL if low32(a[0]) == 3 => match ret {
            0 => Some("0 (SUID_DUMP_DISABLE)".to_string()),
            1 => Some("1 (SUID_DUMP_USER)".to_string()),
            2 => Some("2 (SUID_DUMP_ROOT)".to_string()),
            _ => None,
        },
        nr::FCNTL => match low32(a[1]) {
            1 if ret != 0 => {
                let names = flags(ret as u64, flags::FD_FLAGS, "FD_???");
                Some(format!("{} (flags {names})", hex(ret as u64)))
            }
            3 => Some(format!(
                "{} (flags {})",
                hex(ret as u64),
                flags::open_flags(ret as u64)
            )),
            _ => None,
        },
        nr::POLL | nr::PPOLL if ret == 0 => Some("0 (Timeout)".to_string()),
        nr::POLL | nr::PPOLL => {
            let ready = structs::pollfds(ctx, a[0], a[1] & 0xffff_ffff, true)?;
            let left = (ctx.nr == nr::PPOLL && a[2] != 0)
                .then(|| structs::timespec(ctx, a[2]))
                .flatten()
                .map_or_else(String::new, |left| format!(", left {left}"));
            Some(format!("{ret} ({ready}{left})"))
        }
        nr::SELECT | nr::PSELECT6 if ret == 0 => Some("0 (Timeout)".to_string()),
        nr::SELECT | nr::PSELECT6 => {
            let mut parts = Vec::new();
            for (name, set) in [("in", a[1]), ("out", a[2]), ("except", a[3])] {
                if let Some(fds) = (set != 0)
                    .then(|| structs::fd_set(ctx, set, a[0]))
                    .flatten()
                {
                    if fds != "[]" {
                        parts.push(format!("{name} {fds}"));
                    }
                }
            }
            let left = if ctx.nr == nr::SELECT {
                structs::timeval(ctx, a[4])
            } else {
                structs::timespec(ctx, a[4])
            };
            if let Some(left) = (a[4] != 0).then_some(left).flatten() {
                parts.push(format!("left {left}"));
            }
            Some(format!("{ret} ({})", parts.join(", ")))
        }
        _ => None,
    }
}
