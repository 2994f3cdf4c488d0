//! prctl, arch_prctl and seccomp: an operation code decides the arguments after it.

use super::strings::{addr, MAX_STRLEN};
use super::{int, low32, Ctx};
use crate::flags::{flags, hex, xval, Xlat};
use crate::signals::signal_or_number;

const ARCH_PRCTL_CODES: Xlat = &[
    (0x1001, "ARCH_SET_GS"),
    (0x1002, "ARCH_SET_FS"),
    (0x1003, "ARCH_GET_FS"),
    (0x1004, "ARCH_GET_GS"),
    (0x1011, "ARCH_GET_CPUID"),
    (0x1012, "ARCH_SET_CPUID"),
    (0x1021, "ARCH_GET_XCOMP_SUPP"),
    (0x1022, "ARCH_GET_XCOMP_PERM"),
    (0x1023, "ARCH_REQ_XCOMP_PERM"),
    (0x1024, "ARCH_GET_XCOMP_GUEST_PERM"),
    (0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"),
    (0x2001, "ARCH_MAP_VDSO_X32"),
    (0x2002, "ARCH_MAP_VDSO_32"),
    (0x2003, "ARCH_MAP_VDSO_64"),
    (0x4001, "ARCH_GET_UNTAG_MASK"),
    (0x4002, "ARCH_ENABLE_TAGGED_ADDR"),
    (0x4003, "ARCH_GET_MAX_TAG_BITS"),
    (0x4004, "ARCH_FORCE_TAGGED_SVA"),
    (0x5001, "ARCH_SHSTK_ENABLE"),
    (0x5002, "ARCH_SHSTK_DISABLE"),
    (0x5003, "ARCH_SHSTK_LOCK"),
    (0x5004, "ARCH_SHSTK_UNLOCK"),
    (0x5005, "ARCH_SHSTK_STATUS"),
];

/// arch_prctl(code, addr): the GET codes fill a word, ARCH_GET_CPUID takes nothing.
pub(super) fn arch_prctl(ctx: &Ctx<'_>) -> Vec<String> {
    let code = u64::from(low32(ctx.args[0]));
    let arg = ctx.args[1];
    let mut shown = vec![xval(code, ARCH_PRCTL_CODES, "ARCH_???")];
    match code {
        0x1011 => {}
        0x1003 | 0x1004 | 0x1021 | 0x1022 | 0x1024 | 0x4001 | 0x4003 | 0x5005 => {
            shown.push(ctx.out(arg, |ctx, a| {
                ctx.read_u64(a).map(|v| format!("[{}]", hex(v)))
            }));
        }
        _ => shown.push(hex(arg)),
    }
    shown
}

const PRCTL_OPTIONS: Xlat = &[
    (1, "PR_SET_PDEATHSIG"),
    (2, "PR_GET_PDEATHSIG"),
    (3, "PR_GET_DUMPABLE"),
    (4, "PR_SET_DUMPABLE"),
    (5, "PR_GET_UNALIGN"),
    (6, "PR_SET_UNALIGN"),
    (7, "PR_GET_KEEPCAPS"),
    (8, "PR_SET_KEEPCAPS"),
    (9, "PR_GET_FPEMU"),
    (10, "PR_SET_FPEMU"),
    (11, "PR_GET_FPEXC"),
    (12, "PR_SET_FPEXC"),
    (13, "PR_GET_TIMING"),
    (14, "PR_SET_TIMING"),
    (15, "PR_SET_NAME"),
    (16, "PR_GET_NAME"),
    (19, "PR_GET_ENDIAN"),
    (20, "PR_SET_ENDIAN"),
    (21, "PR_GET_SECCOMP"),
    (22, "PR_SET_SECCOMP"),
    (23, "PR_CAPBSET_READ"),
    (24, "PR_CAPBSET_DROP"),
    (25, "PR_GET_TSC"),
    (26, "PR_SET_TSC"),
    (27, "PR_GET_SECUREBITS"),
    (28, "PR_SET_SECUREBITS"),
    (29, "PR_SET_TIMERSLACK"),
    (30, "PR_GET_TIMERSLACK"),
    (31, "PR_TASK_PERF_EVENTS_DISABLE"),
    (32, "PR_TASK_PERF_EVENTS_ENABLE"),
    (33, "PR_MCE_KILL"),
    (34, "PR_MCE_KILL_GET"),
    (35, "PR_SET_MM"),
    (36, "PR_SET_CHILD_SUBREAPER"),
    (37, "PR_GET_CHILD_SUBREAPER"),
    (38, "PR_SET_NO_NEW_PRIVS"),
    (39, "PR_GET_NO_NEW_PRIVS"),
    (40, "PR_GET_TID_ADDRESS"),
    (41, "PR_SET_THP_DISABLE"),
    (42, "PR_GET_THP_DISABLE"),
    (43, "PR_MPX_ENABLE_MANAGEMENT"),
    (44, "PR_MPX_DISABLE_MANAGEMENT"),
    (45, "PR_SET_FP_MODE"),
    (46, "PR_GET_FP_MODE"),
    (47, "PR_CAP_AMBIENT"),
    (50, "PR_SVE_SET_VL"),
    (51, "PR_SVE_GET_VL"),
    (52, "PR_GET_SPECULATION_CTRL"),
    (53, "PR_SET_SPECULATION_CTRL"),
    (54, "PR_PAC_RESET_KEYS"),
    (55, "PR_SET_TAGGED_ADDR_CTRL"),
    (56, "PR_GET_TAGGED_ADDR_CTRL"),
    (57, "PR_SET_IO_FLUSHER"),
    (58, "PR_GET_IO_FLUSHER"),
    (59, "PR_SET_SYSCALL_USER_DISPATCH"),
    (60, "PR_PAC_SET_ENABLED_KEYS"),
    (61, "PR_PAC_GET_ENABLED_KEYS"),
    (62, "PR_SCHED_CORE"),
    (63, "PR_SME_SET_VL"),
    (64, "PR_SME_GET_VL"),
    (65, "PR_SET_MDWE"),
    (66, "PR_GET_MDWE"),
    (67, "PR_SET_MEMORY_MERGE"),
    (68, "PR_GET_MEMORY_MERGE"),
    (0x5356_4d41, "PR_SET_VMA"),
];

const CAPABILITIES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

fn capability(value: u64) -> String {
    usize::try_from(value)
        .ok()
        .and_then(|i| CAPABILITIES.get(i))
        .map_or_else(
            || format!("{} /* CAP_??? */", hex(value)),
            |s| s.to_string(),
        )
}

/// prctl(option, ...): the arguments each option uses, decoded where strace decodes them.
pub(super) fn prctl(ctx: &Ctx<'_>) -> Vec<String> {
    let a = ctx.args;
    let option = u64::from(low32(a[0]));
    let mut shown = vec![xval(option, PRCTL_OPTIONS, "PR_???")];
    let out_int =
        |address: u64| ctx.out(address, |ctx, a| ctx.read_i32(a).map(|v| format!("[{v}]")));
    match option {
        // Options without arguments.
        3 | 7 | 13 | 21 | 27 | 30 | 31 | 32 | 34 | 46 | 51 | 56 | 58 | 61 | 64 | 66 | 68 => {}
        1 => shown.push(signal_or_number(int(a[1]))),
        2 | 37 => shown.push(out_int(a[1])),
        4 => shown.push(match a[1] {
            0 => "SUID_DUMP_DISABLE".to_string(),
            1 => "SUID_DUMP_USER".to_string(),
            2 => "SUID_DUMP_ROOT".to_string(),
            other => format!("{} /* SUID_DUMP_??? */", hex(other)),
        }),
        8 | 14 | 28 | 29 | 36 => shown.push(a[1].to_string()),
        15 => shown.push(ctx.c_string(a[1], 15)),
        16 => shown.push(match ctx.success() {
            Some(_) => ctx.c_string(a[1], 15),
            None => addr(a[1]),
        }),
        22 => match a[1] {
            1 => shown.push("SECCOMP_MODE_STRICT".to_string()),
            2 => shown.extend(["SECCOMP_MODE_FILTER".to_string(), addr(a[2])]),
            other => shown.push(format!("{} /* SECCOMP_MODE_??? */", hex(other))),
        },
        23 | 24 => shown.push(capability(a[1])),
        40 => shown.push(ctx.out(a[1], |ctx, a| {
            ctx.read_u64(a).map(|v| format!("[{}]", hex(v)))
        })),
        47 => {
            let sub = match a[1] {
                1 => "PR_CAP_AMBIENT_IS_SET".to_string(),
                2 => "PR_CAP_AMBIENT_RAISE".to_string(),
                3 => "PR_CAP_AMBIENT_LOWER".to_string(),
                4 => "PR_CAP_AMBIENT_CLEAR_ALL".to_string(),
                other => format!("{} /* PR_CAP_AMBIENT_??? */", hex(other)),
            };
            let cap = if matches!(a[1], 1..=3) {
                capability(a[2])
            } else {
                a[2].to_string()
            };
            shown.extend([sub, cap, a[3].to_string(), a[4].to_string()]);
        }
        0x5356_4d41 => {
            let sub = match a[1] {
                0 => "PR_SET_VMA_ANON_NAME".to_string(),
                other => format!("{} /* PR_SET_VMA_??? */", hex(other)),
            };
            shown.extend([
                sub,
                hex(a[2]),
                a[3].to_string(),
                ctx.c_string(a[4], MAX_STRLEN),
            ]);
        }
        38 | 39 | 41 | 42 => shown.extend(a[1..5].iter().map(u64::to_string)),
        _ => shown.extend(a[1..5].iter().map(|&v| hex(v))),
    }
    shown
}

const SECCOMP_OPS: Xlat = &[
    (0, "SECCOMP_SET_MODE_STRICT"),
    (1, "SECCOMP_SET_MODE_FILTER"),
    (2, "SECCOMP_GET_ACTION_AVAIL"),
    (3, "SECCOMP_GET_NOTIF_SIZES"),
];

const SECCOMP_FILTER_FLAGS: Xlat = &[
    (1, "SECCOMP_FILTER_FLAG_TSYNC"),
    (2, "SECCOMP_FILTER_FLAG_LOG"),
    (4, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
    (8, "SECCOMP_FILTER_FLAG_NEW_LISTENER"),
    (16, "SECCOMP_FILTER_FLAG_TSYNC_ESRCH"),
    (32, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
];

/// seccomp(op, flags, args): a filter's flags and program are decoded.
pub(super) fn seccomp(ctx: &Ctx<'_>) -> Vec<String> {
    let a = ctx.args;
    let op = u64::from(low32(a[0]));
    let mut shown = vec![xval(op, SECCOMP_OPS, "SECCOMP_SET_MODE_???")];
    if op == 1 {
        shown.push(flags(
            a[1] & 0xffff_ffff,
            SECCOMP_FILTER_FLAGS,
            "SECCOMP_FILTER_FLAG_???",
        ));
        shown.push(ctx.input(a[2], |ctx, address| {
            let bytes = ctx.read(address, 16)?;
            let len = u16::from_le_bytes([bytes[0], bytes[1]]);
            let filter = u64::from_le_bytes(bytes[8..16].try_into().ok()?);
            Some(format!("{{len={len}, filter={}}}", addr(filter)))
        }));
    } else {
        shown.extend([low32(a[1]).to_string(), addr(a[2])]);
    }
    shown
}
