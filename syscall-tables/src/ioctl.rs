//! ioctl request names, and how strace shows the argument of each.

use crate::flags::hex;

/// How the third argument of a known ioctl is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IoctlArg {
    /// No third argument is shown.
    None,
    /// An address (`NULL` for 0).
    Ptr,
    /// A number, in hex (`0` for 0).
    Hex,
    /// A number in decimal (a file descriptor).
    Int,
    /// A pointer to an `int` the app passes in: `[1]`.
    InInt,
    /// A pointer to an `int` the kernel fills: `[42]` on success.
    OutInt,
    /// A `struct winsize` the kernel fills.
    OutWinsize,
    /// A `struct winsize` the app passes in.
    InWinsize,
    /// The queue selector of TCFLSH.
    FlushQueue,
}

/// Known requests. Where two subsystems share a number, strace prints both names with `or`.
const IOCTLS: &[(u32, &str, IoctlArg)] = &[
    (0x5401, "TCGETS", IoctlArg::Ptr),
    (0x5402, "SNDCTL_TMR_START or TCSETS", IoctlArg::Ptr),
    (0x5403, "SNDCTL_TMR_STOP or TCSETSW", IoctlArg::Ptr),
    (0x5404, "SNDCTL_TMR_CONTINUE or TCSETSF", IoctlArg::Ptr),
    (0x5405, "TCGETA", IoctlArg::Ptr),
    (0x5406, "TCSETA", IoctlArg::Ptr),
    (0x5407, "TCSETAW", IoctlArg::Ptr),
    (0x5408, "TCSETAF", IoctlArg::Ptr),
    (0x5409, "TCSBRK", IoctlArg::Hex),
    (0x540a, "TCXONC", IoctlArg::Hex),
    (0x540b, "TCFLSH", IoctlArg::FlushQueue),
    (0x540c, "TIOCEXCL", IoctlArg::None),
    (0x540d, "TIOCNXCL", IoctlArg::None),
    (0x540e, "TIOCSCTTY", IoctlArg::Hex),
    (0x540f, "TIOCGPGRP", IoctlArg::OutInt),
    (0x5410, "TIOCSPGRP", IoctlArg::InInt),
    (0x5411, "TIOCOUTQ", IoctlArg::OutInt),
    (0x5412, "TIOCSTI", IoctlArg::Ptr),
    (0x5413, "TIOCGWINSZ", IoctlArg::OutWinsize),
    (0x5414, "TIOCSWINSZ", IoctlArg::InWinsize),
    (0x5415, "TIOCMGET", IoctlArg::Ptr),
    (0x5416, "TIOCMBIS", IoctlArg::Ptr),
    (0x5417, "TIOCMBIC", IoctlArg::Ptr),
    (0x5418, "TIOCMSET", IoctlArg::Ptr),
    (0x5419, "TIOCGSOFTCAR", IoctlArg::Ptr),
    (0x541a, "TIOCSSOFTCAR", IoctlArg::Ptr),
    (0x541b, "FIONREAD", IoctlArg::OutInt),
    (0x541c, "TIOCLINUX", IoctlArg::Hex),
    (0x541d, "TIOCCONS", IoctlArg::None),
    (0x541e, "TIOCGSERIAL", IoctlArg::Ptr),
    (0x541f, "TIOCSSERIAL", IoctlArg::Ptr),
    (0x5420, "TIOCPKT", IoctlArg::InInt),
    (0x5421, "FIONBIO", IoctlArg::InInt),
    (0x5422, "TIOCNOTTY", IoctlArg::None),
    (0x5423, "TIOCSETD", IoctlArg::InInt),
    (0x5424, "TIOCGETD", IoctlArg::OutInt),
    (0x5425, "TCSBRKP", IoctlArg::Hex),
    (0x5427, "TIOCSBRK", IoctlArg::None),
    (0x5428, "TIOCCBRK", IoctlArg::None),
    (0x5429, "TIOCGSID", IoctlArg::OutInt),
    (0x802c_542a, "TCGETS2", IoctlArg::Ptr),
    (0x402c_542b, "TCSETS2", IoctlArg::Ptr),
    (0x402c_542c, "TCSETSW2", IoctlArg::Ptr),
    (0x402c_542d, "TCSETSF2", IoctlArg::Ptr),
    (0x8004_5430, "TIOCGPTN", IoctlArg::OutInt),
    (0x4004_5431, "TIOCSPTLCK", IoctlArg::InInt),
    (0x8004_5432, "TIOCGDEV", IoctlArg::OutInt),
    (0x4004_5436, "TIOCSIG", IoctlArg::Hex),
    (0x5437, "TIOCVHANGUP", IoctlArg::None),
    (0x8004_5438, "TIOCGPKT", IoctlArg::OutInt),
    (0x8004_5439, "TIOCGPTLCK", IoctlArg::OutInt),
    (0x8004_5440, "TIOCGEXCL", IoctlArg::OutInt),
    (0x5441, "TIOCGPTPEER", IoctlArg::Hex),
    (0x5450, "FIONCLEX", IoctlArg::None),
    (0x5451, "FIOCLEX", IoctlArg::None),
    (0x5452, "FIOASYNC", IoctlArg::InInt),
    (0x5453, "TIOCSERCONFIG", IoctlArg::None),
    (0x5460, "FIOQSIZE", IoctlArg::Hex),
    (0x8901, "FIOSETOWN", IoctlArg::InInt),
    (0x8902, "SIOCSPGRP", IoctlArg::InInt),
    (0x8903, "FIOGETOWN", IoctlArg::OutInt),
    (0x8904, "SIOCGPGRP", IoctlArg::OutInt),
    (0x8905, "SIOCATMARK", IoctlArg::OutInt),
    (0x8910, "SIOCGIFNAME", IoctlArg::Ptr),
    (0x8912, "SIOCGIFCONF", IoctlArg::Ptr),
    (0x8913, "SIOCGIFFLAGS", IoctlArg::Ptr),
    (0x8914, "SIOCSIFFLAGS", IoctlArg::Ptr),
    (0x8915, "SIOCGIFADDR", IoctlArg::Ptr),
    (0x8916, "SIOCSIFADDR", IoctlArg::Ptr),
    (0x8921, "SIOCGIFMTU", IoctlArg::Ptr),
    (0x8922, "SIOCSIFMTU", IoctlArg::Ptr),
    (0x8927, "SIOCGIFHWADDR", IoctlArg::Ptr),
    (0x8933, "SIOCGIFINDEX", IoctlArg::Ptr),
    (0x1, "FIBMAP", IoctlArg::Hex),
    (0x2, "FIGETBSZ", IoctlArg::Hex),
    (0x8008_1272, "BLKGETSIZE64", IoctlArg::Ptr),
    (0x1260, "BLKGETSIZE", IoctlArg::Ptr),
    (0x8008_6601, "FS_IOC_GETFLAGS", IoctlArg::Ptr),
    (0x4008_6602, "FS_IOC_SETFLAGS", IoctlArg::Ptr),
    (0x8008_7601, "FS_IOC_GETVERSION", IoctlArg::Ptr),
    (0x4004_9409, "BTRFS_IOC_CLONE or FICLONE", IoctlArg::Int),
    (
        0x4020_940d,
        "BTRFS_IOC_CLONE_RANGE or FICLONERANGE",
        IoctlArg::Ptr,
    ),
    (0x8004_5200, "RNDGETENTCNT", IoctlArg::OutInt),
];

/// The name and argument style of a known request.
pub(crate) fn lookup(request: u32) -> Option<(&'static str, IoctlArg)> {
    IOCTLS
        .iter()
        .find(|&&(code, _, _)| code == request)
        .map(|&(_, name, arg)| (name, arg))
}

/// A request as strace prints it: its name, or `_IOC(dir, type, nr, size)`.
pub(crate) fn request_name(request: u32) -> String {
    if let Some((name, _)) = lookup(request) {
        return name.to_string();
    }
    let dir = match request >> 30 {
        0 => "_IOC_NONE",
        1 => "_IOC_WRITE",
        2 => "_IOC_READ",
        _ => "_IOC_READ|_IOC_WRITE",
    };
    let kind = (request >> 8) & 0xff;
    let nr = request & 0xff;
    let size = (request >> 16) & 0x3fff;
    format!(
        "_IOC({dir}, {}, {}, {})",
        hex(kind.into()),
        hex(nr.into()),
        hex(size.into())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(request_name(0x5401), "TCGETS");
        assert_eq!(request_name(0x5413), "TIOCGWINSZ");
        assert_eq!(request_name(0x541b), "FIONREAD");
        assert_eq!(request_name(0x5402), "SNDCTL_TMR_START or TCSETS");
        assert_eq!(
            request_name(0x1234_5678),
            "_IOC(_IOC_NONE, 0x56, 0x78, 0x1234)"
        );
        assert_eq!(
            request_name(0x8004_5678),
            "_IOC(_IOC_READ, 0x56, 0x78, 0x4)"
        );
        assert_eq!(
            request_name(0x4004_5678),
            "_IOC(_IOC_WRITE, 0x56, 0x78, 0x4)"
        );
        assert_eq!(
            request_name(0xc004_5678),
            "_IOC(_IOC_READ|_IOC_WRITE, 0x56, 0x78, 0x4)"
        );
        assert_eq!(request_name(0x5678), "_IOC(_IOC_NONE, 0x56, 0x78, 0)");
        assert_eq!(request_name(0), "_IOC(_IOC_NONE, 0, 0, 0)");
    }
}
