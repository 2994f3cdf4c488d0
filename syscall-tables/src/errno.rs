//! errno names and messages.

use crate::errno_table::ERRNOS;

/// Kernel-internal restart codes that can reach a tracer, with strace's descriptions
/// (glibc has no text for them).
const KERNEL_ERRNOS: &[(i32, &str, &str)] = &[
    (512, "ERESTARTSYS", "To be restarted if SA_RESTART is set"),
    (513, "ERESTARTNOINTR", "To be restarted"),
    (514, "ERESTARTNOHAND", "To be restarted if no handler"),
    (515, "ENOIOCTLCMD", "No ioctl command"),
    (516, "ERESTART_RESTARTBLOCK", "Interrupted by signal"),
];

fn entry(errno: i32) -> Option<(&'static str, &'static str)> {
    if let Some(&(_, name, msg)) = KERNEL_ERRNOS.iter().find(|e| e.0 == errno) {
        return Some((name, msg));
    }
    let index = usize::try_from(errno).ok()?;
    *ERRNOS.get(index)?
}

/// The symbolic name of a (positive) errno: `"ENOENT"` for 2.
///
/// Covers every Linux errno (1..=133; 41 and 58 are unused) and the kernel-internal restart codes
/// a tracer sees: `ERESTARTSYS` (512), `ERESTARTNOINTR` (513), `ERESTARTNOHAND` (514),
/// `ENOIOCTLCMD` (515) and `ERESTART_RESTARTBLOCK` (516). Aliases resolve to the name strace
/// prints (`EAGAIN`, not `EWOULDBLOCK`). `None` for anything else.
pub fn errno_name(errno: i32) -> Option<&'static str> {
    entry(errno).map(|(name, _)| name)
}

/// glibc's `strerror` text for a (positive) errno: `"No such file or directory"` for 2.
///
/// For the kernel-internal restart codes this is strace's description
/// (`"To be restarted if SA_RESTART is set"`). For an unknown number it is `"Unknown error"`;
/// glibc would append the number, which a `&'static str` cannot carry (the formatter does
/// print `Unknown error 530`).
pub fn errno_message(errno: i32) -> &'static str {
    entry(errno).map_or("Unknown error", |(_, msg)| msg)
}

/// Whether strace prints this error as `= ? ERESTART...` rather than `= -1 ...`: the call will be
/// restarted or was interrupted, so there is no result yet.
pub(crate) fn is_restart(errno: i32) -> bool {
    matches!(errno, 512..=514 | 516)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(errno_name(1), Some("EPERM"));
        assert_eq!(errno_name(2), Some("ENOENT"));
        assert_eq!(errno_name(11), Some("EAGAIN"));
        assert_eq!(errno_name(35), Some("EDEADLK"));
        assert_eq!(errno_name(95), Some("EOPNOTSUPP"));
        assert_eq!(errno_name(133), Some("EHWPOISON"));
        assert_eq!(errno_name(512), Some("ERESTARTSYS"));
        assert_eq!(errno_name(513), Some("ERESTARTNOINTR"));
        assert_eq!(errno_name(514), Some("ERESTARTNOHAND"));
        assert_eq!(errno_name(516), Some("ERESTART_RESTARTBLOCK"));
        assert_eq!(errno_name(0), None);
        assert_eq!(errno_name(41), None);
        assert_eq!(errno_name(134), None);
        assert_eq!(errno_name(-2), None);
    }

    #[test]
    fn every_errno_is_covered() {
        for errno in (1..=133).filter(|&e| e != 41 && e != 58) {
            assert!(errno_name(errno).is_some(), "errno {errno}");
            assert_ne!(errno_message(errno), "Unknown error", "errno {errno}");
        }
    }

    #[test]
    fn messages() {
        assert_eq!(errno_message(2), "No such file or directory");
        assert_eq!(errno_message(9), "Bad file descriptor");
        assert_eq!(errno_message(11), "Resource temporarily unavailable");
        assert_eq!(errno_message(38), "Function not implemented");
        assert_eq!(errno_message(110), "Connection timed out");
        assert_eq!(errno_message(512), "To be restarted if SA_RESTART is set");
        assert_eq!(errno_message(9999), "Unknown error");
    }
}
