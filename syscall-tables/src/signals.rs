//! Signal names and signal sets, as strace prints them.

/// `SIG*` names of signals 1..=31 (x86_64 numbering), then strace's names for the real-time
/// signals: `SIGRTMIN` is 32 and `SIGRT_n` is 32 + n (glibc reserves 32 and 33 for itself, so its
/// `SIGRTMIN` is 34 = strace's `SIGRT_2`).
const NAMES: [&str; 65] = [
    "",
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
    "SIGRTMIN",
    "SIGRT_1",
    "SIGRT_2",
    "SIGRT_3",
    "SIGRT_4",
    "SIGRT_5",
    "SIGRT_6",
    "SIGRT_7",
    "SIGRT_8",
    "SIGRT_9",
    "SIGRT_10",
    "SIGRT_11",
    "SIGRT_12",
    "SIGRT_13",
    "SIGRT_14",
    "SIGRT_15",
    "SIGRT_16",
    "SIGRT_17",
    "SIGRT_18",
    "SIGRT_19",
    "SIGRT_20",
    "SIGRT_21",
    "SIGRT_22",
    "SIGRT_23",
    "SIGRT_24",
    "SIGRT_25",
    "SIGRT_26",
    "SIGRT_27",
    "SIGRT_28",
    "SIGRT_29",
    "SIGRT_30",
    "SIGRT_31",
    "SIGRT_32",
];

/// The name strace prints for signal `sig`: `"SIGSEGV"` for 11, `"SIGRTMIN"` for 32,
/// `"SIGRT_3"` for 35, up to `"SIGRT_32"` for 64.
///
/// Returns a `&'static str` for every valid signal (1..=64) and `None` otherwise (0, negative,
/// above 64), where strace prints the plain number.
pub fn signal_name(sig: i32) -> Option<&'static str> {
    match usize::try_from(sig) {
        Ok(index @ 1..=64) => Some(NAMES[index]),
        _ => None,
    }
}

/// A signal argument: its name, or the number in decimal.
pub(crate) fn signal_or_number(sig: i32) -> String {
    signal_name(sig).map_or_else(|| sig.to_string(), str::to_string)
}

/// A signal set as strace prints it: `[INT TERM]`; when at least half of the signals are set,
/// the complement: `~[KILL STOP]`. `bits` is the mask (bit n-1 is signal n) of `nbits` signals.
pub(crate) fn sigset(bits: u64, nbits: u32) -> String {
    let all = if nbits >= 64 {
        u64::MAX
    } else {
        (1u64 << nbits) - 1
    };
    let bits = bits & all;
    let (prefix, shown) = if bits.count_ones() * 2 >= nbits {
        ("~[", !bits & all)
    } else {
        ("[", bits)
    };
    let names: Vec<&str> = (0..nbits)
        .filter(|i| shown & (1 << i) != 0)
        .map(|i| &NAMES[i as usize + 1][3..])
        .collect();
    format!("{prefix}{}]", names.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(signal_name(2), Some("SIGINT"));
        assert_eq!(signal_name(11), Some("SIGSEGV"));
        assert_eq!(signal_name(17), Some("SIGCHLD"));
        assert_eq!(signal_name(29), Some("SIGIO"));
        assert_eq!(signal_name(31), Some("SIGSYS"));
        assert_eq!(signal_name(32), Some("SIGRTMIN"));
        assert_eq!(signal_name(33), Some("SIGRT_1"));
        assert_eq!(signal_name(34), Some("SIGRT_2"));
        assert_eq!(signal_name(40), Some("SIGRT_8"));
        assert_eq!(signal_name(64), Some("SIGRT_32"));
        assert_eq!(signal_name(0), None);
        assert_eq!(signal_name(65), None);
        assert_eq!(signal_name(-9), None);
        assert_eq!(signal_or_number(65), "65");
        assert_eq!(signal_or_number(-9), "-9");
    }

    #[test]
    fn sets() {
        let bit = |s: u32| 1u64 << (s - 1);
        assert_eq!(sigset(0, 64), "[]");
        assert_eq!(sigset(u64::MAX, 64), "~[]");
        assert_eq!(
            sigset(bit(2) | bit(15) | bit(34) | bit(40), 64),
            "[INT TERM RT_2 RT_8]"
        );
        assert_eq!(sigset(bit(32) | bit(33), 64), "[RTMIN RT_1]");
        assert_eq!(
            sigset(!(bit(9) | bit(32) | bit(33)), 64),
            "~[KILL RTMIN RT_1]"
        );
        assert_eq!(sigset(!bit(33), 64), "~[RT_1]");
        assert_eq!(sigset(bit(17), 64), "[CHLD]");
    }
}
