//! Signal-driven I/O (fcntl(2) F_SETOWN, F_SETSIG, O_ASYNC; ioctl FIOASYNC): a file with
//! O_ASYNC set sends its owner SIGIO (or the F_SETSIG signal, with si_fd and si_band) when it
//! becomes readable or writable.
//!
//! Linux sends the signal from inside the call that made the file ready. Here files only
//! bump the sandbox-wide readiness counter (`poll::notify`), often while holding their own
//! locks, so one sentry thread — started when the first file turns O_ASYNC on — watches the
//! counter and looks at the registered files after each change: a file whose event
//! generation moved or whose readiness grew signals its owner. The signal thus follows the
//! event by a thread wake-up instead of arriving before the call returns.

use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use crate::errno::Errno;
use crate::fs::poll::{self, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM};

const POLLWRBAND: u32 = libc::POLLWRBAND as u32;
const POLLRDBAND: u32 = libc::POLLRDBAND as u32;
use crate::fs::File;
use crate::kernel::signal::SigInfo;
use crate::kernel::Kernel;

/// `si_code`s of SIGIO-style signals (POLL_IN...).
const POLL_IN: i32 = 1;
const POLL_OUT: i32 = 2;
const POLL_ERR: i32 = 4;
const POLL_PRI: i32 = 5;
const POLL_HUP: i32 = 6;

/// fcntl commands of signal-driven I/O the libc crate lacks on this target.
pub const F_SETSIG: i32 = 10;
pub const F_GETSIG: i32 = 11;
pub const F_SETOWN_EX: i32 = 15;
pub const F_GETOWN_EX: i32 = 16;

/// `F_OWNER_*`: whom F_SETOWN_EX names.
pub const F_OWNER_TID: i32 = 0;
pub const F_OWNER_PID: i32 = 1;
pub const F_OWNER_PGRP: i32 = 2;

/// Who receives a file's I/O signals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Owner {
    /// `F_OWNER_*`.
    pub kind: i32,
    /// A tid, pid or process group id; 0 means nobody.
    pub id: i32,
}

/// A file's signal-driven I/O state.
#[derive(Default)]
pub struct FAsync {
    pub owner: Owner,
    /// F_SETSIG: 0 for plain SIGIO.
    pub sig: i32,
    kernel: Weak<Kernel>,
    /// The fd O_ASYNC was turned on through: what si_fd reports.
    pub fd: i32,
    /// What the watcher saw last: the file's event generation and readiness.
    seen: (u64, u32),
}

impl FAsync {
    /// F_SETOWN / F_SETOWN_EX.
    pub fn set_owner(&mut self, kernel: &Arc<Kernel>, owner: Owner) {
        self.owner = owner;
        self.kernel = Arc::downgrade(kernel);
    }
}

/// The files with O_ASYNC on, watched by the one watcher thread.
static FILES: Mutex<Vec<Weak<File>>> = Mutex::new(Vec::new());
static WATCHER: OnceLock<()> = OnceLock::new();

/// O_ASYNC was turned on for `file` through `fd`: watch it (once).
pub fn register(file: &Arc<File>, fd: i32) {
    {
        let mut files = FILES.lock().unwrap_or_else(|e| e.into_inner());
        files.retain(|w| w.strong_count() > 0);
        if !files
            .iter()
            .any(|w| std::ptr::eq(w.as_ptr(), Arc::as_ptr(file)))
        {
            files.push(Arc::downgrade(file));
        }
    }
    {
        let mut st = file.fasync();
        st.fd = fd;
        st.seen = (file.ops.poll_generation(), file.ops.poll());
    }
    WATCHER.get_or_init(|| {
        let spawned = std::thread::Builder::new()
            .name("fasync".into())
            .spawn(watch);
        if spawned.is_err() {
            tracing::warn!("could not start the signal-driven I/O watcher");
        }
    });
}

/// The watcher: after each readiness change anywhere, signals the owners of the O_ASYNC
/// files that have news.
fn watch() {
    let mut seen = poll::current();
    loop {
        seen = poll::wait_change(seen, Duration::from_secs(1));
        let files: Vec<Arc<File>> = {
            let mut files = FILES.lock().unwrap_or_else(|e| e.into_inner());
            files.retain(|w| w.strong_count() > 0);
            files.iter().filter_map(Weak::upgrade).collect()
        };
        for f in files {
            check(&f);
        }
    }
}

/// Signals `file`'s owner if it has become ready since the last look.
fn check(file: &File) {
    if file.flags() & libc::O_ASYNC as u32 == 0 {
        return;
    }
    let generation = file.ops.poll_generation();
    let bits = file.ops.poll();
    let (owner, sig, kernel, fd, news) = {
        let mut st = file.fasync();
        let (old_gen, old_bits) = st.seen;
        st.seen = (generation, bits);
        let grew = bits & !old_bits;
        let news = if generation != old_gen { bits } else { grew };
        (st.owner, st.sig, st.kernel.clone(), st.fd, news)
    };
    let (code, band) = if news & POLLERR != 0 {
        (POLL_ERR, POLLERR)
    } else if news & POLLHUP != 0 {
        (POLL_HUP, POLLHUP | POLLERR)
    } else if news & POLLIN != 0 {
        (POLL_IN, POLLIN | POLLRDNORM)
    } else if news & POLLPRI != 0 {
        (POLL_PRI, POLLPRI | POLLRDBAND)
    } else if news & POLLOUT != 0 {
        (POLL_OUT, POLLOUT | POLLWRNORM | POLLWRBAND)
    } else {
        return;
    };
    send_sigio(&kernel, owner, sig, code, i64::from(band), fd);
}

/// dnotify's signal for `file` (see `dnotify`): its F_SETSIG signal with si_code POLL_MSG,
/// si_band POLLIN|POLLRDNORM|POLLMSG and si_fd, or plain SIGIO, to its owner, as Linux's
/// `send_sigio(..., POLL_MSG)`.
pub fn signal_message(file: &File) {
    const POLL_MSG: i32 = 3;
    const POLLMSG: i64 = 0x400;
    let (owner, sig, kernel, fd) = {
        let st = file.fasync();
        (st.owner, st.sig, st.kernel.clone(), st.fd)
    };
    let band = i64::from(POLLIN | POLLRDNORM) | POLLMSG;
    send_sigio(&kernel, owner, sig, POLL_MSG, band, fd);
}

/// Sends `owner` (if any, and the kernel still exists) its I/O signal: the F_SETSIG signal
/// `sig` with si_code `code`, si_band `band` and si_fd `fd`, or, with none set, plain SIGIO,
/// which carries no details (Linux sends it as SEND_SIG_PRIV).
fn send_sigio(kernel: &Weak<Kernel>, owner: Owner, sig: i32, code: i32, band: i64, fd: i32) {
    let Some(kernel) = kernel.upgrade() else {
        return;
    };
    if owner.id == 0 {
        return;
    }
    let info = match sig {
        0 => SigInfo {
            signo: libc::SIGIO,
            code: crate::kernel::signal::SI_KERNEL,
            ..SigInfo::default()
        },
        sig => SigInfo {
            signo: sig,
            code,
            poll: Some((band, fd)),
            ..SigInfo::default()
        },
    };
    send(&kernel, owner, info);
}

/// Sends an I/O signal to `owner`; a target that is gone is skipped.
fn send(kernel: &Kernel, owner: Owner, info: SigInfo) {
    match owner.kind {
        F_OWNER_TID => {
            let Some(p) = kernel.thread_process(owner.id) else {
                return;
            };
            let thread = p.lock().thread_signals.get(&owner.id).cloned();
            if let Some(t) = thread {
                kernel.send_thread(&p, &t, info);
            }
        }
        F_OWNER_PGRP => {
            for p in kernel.pgrp_members(owner.id) {
                kernel.send_process(&p, info);
            }
        }
        _ => {
            if let Some(p) = kernel.process(owner.id) {
                kernel.send_process(&p, info);
            }
        }
    }
}

/// Checks an F_SETOWN target: ESRCH if no such task, process or group exists.
pub fn check_owner(kernel: &Kernel, owner: Owner) -> Result<(), Errno> {
    let exists = match owner.kind {
        _ if owner.id == 0 => true,
        F_OWNER_TID => kernel.thread_process(owner.id).is_some(),
        F_OWNER_PGRP => !kernel.pgrp_members(owner.id).is_empty(),
        F_OWNER_PID => kernel.process(owner.id).is_some(),
        _ => return Err(Errno::EINVAL),
    };
    if exists {
        Ok(())
    } else {
        Err(Errno::ESRCH)
    }
}
