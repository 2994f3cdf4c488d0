//! Linux error numbers, as the sentry returns them to the app.

/// A Linux errno. Handlers return `Err(Errno::EFAULT)` and the dispatcher turns it into
/// `-EFAULT` in `rax`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

macro_rules! errnos {
    ($($name:ident),* $(,)?) => {
        impl Errno {
            $(pub const $name: Errno = Errno(libc::$name);)*
        }
    };
}

errnos!(
    EPERM,
    ENOENT,
    ESRCH,
    EINTR,
    EIO,
    ENXIO,
    E2BIG,
    ENOEXEC,
    EBADF,
    ECHILD,
    EAGAIN,
    ENOMEM,
    EACCES,
    EFAULT,
    EBUSY,
    EEXIST,
    EXDEV,
    ENODEV,
    ENOTDIR,
    EISDIR,
    EINVAL,
    ENFILE,
    EMFILE,
    ENOTTY,
    ETXTBSY,
    EFBIG,
    ENOSPC,
    ESPIPE,
    EROFS,
    EMLINK,
    EPIPE,
    ERANGE,
    ENAMETOOLONG,
    ENOSYS,
    ENOTEMPTY,
    ELOOP,
    ENOTSUP,
    EOPNOTSUPP,
    ETIMEDOUT,
    EDEADLK,
    EIDRM,
    ENOMSG,
    EOWNERDEAD,
    EOVERFLOW,
    ENODATA,
    ELIBBAD,
    EAFNOSUPPORT,
    EPROTONOSUPPORT,
    ESOCKTNOSUPPORT,
    EPROTOTYPE,
    ENOTSOCK,
    EISCONN,
    ENOTCONN,
    EADDRINUSE,
    ECONNREFUSED,
    EINPROGRESS,
    EADDRNOTAVAIL,
    ENETUNREACH,
    ECONNRESET,
    EMSGSIZE,
    EDESTADDRREQ,
    ENOPROTOOPT,
    ENOBUFS,
    EDOM,
);

/// Kernel-internal restart codes: a blocking syscall interrupted by a signal returns one,
/// and signal delivery turns it into a restart or EINTR (signal(7), "Interruption of system
/// calls"). The app never sees them.
pub const ERESTARTSYS: i32 = 512;
pub const ERESTARTNOINTR: i32 = 513;
pub const ERESTARTNOHAND: i32 = 514;

impl Errno {
    pub const ERESTARTSYS: Errno = Errno(ERESTARTSYS);
    pub const ERESTARTNOINTR: Errno = Errno(ERESTARTNOINTR);
    pub const ERESTARTNOHAND: Errno = Errno(ERESTARTNOHAND);

    /// Whether this is one of the restart codes.
    pub fn is_restart(self) -> bool {
        matches!(self.0, ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND)
    }

    /// The errno of a failed host call the sentry made on the app's behalf (e.g. a read of a
    /// host file); an unknown error becomes EIO.
    pub fn last_host() -> Errno {
        Errno(
            std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO),
        )
    }

    /// The errno of an `io::Error`.
    pub fn from_io(e: &std::io::Error) -> Errno {
        Errno(e.raw_os_error().unwrap_or(libc::EIO))
    }

    /// The name, "ENOENT".
    pub fn name(self) -> &'static str {
        syscall_tables::errno_name(self.0).unwrap_or("E?")
    }
}

impl std::fmt::Debug for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({})",
            self.name(),
            syscall_tables::errno_message(self.0)
        )
    }
}

/// Returns `Err(Errno::$name)` from the enclosing handler, logging why at debug level.
///
/// `errno!(EINVAL, "unknown flags {flags:#x}")`
#[macro_export]
macro_rules! errno {
    ($name:ident) => {
        return Err($crate::errno::Errno::$name)
    };
    ($name:ident, $($fmt:tt)+) => {{
        tracing::debug!(errno = stringify!($name), $($fmt)+);
        return Err($crate::errno::Errno::$name);
    }};
}

/// The result of most syscall handlers: the value for `rax`, or an errno.
pub type SysResult = Result<u64, Errno>;
