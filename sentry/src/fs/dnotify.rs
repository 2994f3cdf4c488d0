//! Directory notification (fcntl(2) F_NOTIFY, "dnotify"): a directory fd asks for a signal
//! when entries in the directory are accessed, modified, created, deleted, renamed or have
//! their attributes changed. The events are the ones inotify gets from the sandbox's VFS
//! (`inotify::child_event` and `file_event` report them here too); the signal goes to the
//! process that asked, as SIGIO or the fd's F_SETSIG signal with si_fd, as Linux sends it.
//! Without DN_MULTISHOT a registration ends with its first signal.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use super::inotify::{self, Key};
use super::File;
use crate::errno::Errno;

pub const DN_ACCESS: u32 = 0x1;
pub const DN_MODIFY: u32 = 0x2;
pub const DN_CREATE: u32 = 0x4;
pub const DN_DELETE: u32 = 0x8;
pub const DN_RENAME: u32 = 0x10;
pub const DN_ATTRIB: u32 = 0x20;
pub const DN_MULTISHOT: u32 = 0x8000_0000;
/// fcntl's F_NOTIFY command.
pub const F_NOTIFY: i32 = 1026;

struct Registration {
    dir: Key,
    file: Weak<File>,
    mask: u32,
}

static REGISTRATIONS: Mutex<Vec<Registration>> = Mutex::new(Vec::new());
/// How many registrations exist (VFS operations skip the lookup when none do).
static COUNT: AtomicUsize = AtomicUsize::new(0);

fn registrations() -> std::sync::MutexGuard<'static, Vec<Registration>> {
    REGISTRATIONS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether any directory is watched.
pub fn active() -> bool {
    COUNT.load(Ordering::SeqCst) != 0
}

/// F_NOTIFY on `file` (open as `fd`) with `arg`, by the process `pid`: ENOTDIR unless it is
/// a directory; 0 ends its registration, anything else is added to it, and the signals go
/// to `pid` from now on (Linux sets the file's owner to the caller).
pub fn set(
    kernel: &Arc<crate::kernel::Kernel>,
    pid: i32,
    file: &Arc<File>,
    fd: i32,
    arg: u32,
) -> Result<(), Errno> {
    let location = file.location.as_ref().ok_or(Errno::ENOTDIR)?;
    let Some((dir, true)) = inotify::key_of(&location.dentry) else {
        return Err(Errno::ENOTDIR);
    };
    let mut regs = registrations();
    let mine = |r: &Registration| std::ptr::eq(r.file.as_ptr(), Arc::as_ptr(file));
    regs.retain(|r| r.file.strong_count() > 0 && (arg != 0 || !mine(r)));
    if arg != 0 {
        // Requests add up (fcntl(2)): the events, and DN_MULTISHOT, join what is watched.
        match regs.iter_mut().find(|r| mine(r)) {
            Some(r) => r.mask |= arg,
            None => regs.push(Registration {
                dir,
                file: Arc::downgrade(file),
                mask: arg,
            }),
        }
        let mut st = file.fasync();
        st.set_owner(
            kernel,
            super::fasync::Owner {
                kind: super::fasync::F_OWNER_PID,
                id: pid,
            },
        );
        st.fd = fd;
    }
    COUNT.store(regs.len(), Ordering::SeqCst);
    Ok(())
}

/// The DN_* events an inotify event is (Linux's convert_arg, the other way round).
fn dn_events(in_mask: u32) -> u32 {
    let mut dn = 0;
    for (i, d) in [
        (inotify::IN_ACCESS, DN_ACCESS),
        (inotify::IN_MODIFY, DN_MODIFY),
        (inotify::IN_ATTRIB, DN_ATTRIB),
        (inotify::IN_CREATE, DN_CREATE),
        (inotify::IN_DELETE, DN_DELETE),
        (inotify::IN_MOVED_FROM | inotify::IN_MOVED_TO, DN_RENAME),
    ] {
        if in_mask & i != 0 {
            dn |= d;
        }
    }
    dn
}

/// Something happened to an entry of the directory `dir` (inotify's mask `in_mask`).
pub fn event(dir: Key, in_mask: u32) {
    let dn = dn_events(in_mask);
    if dn == 0 || !active() {
        return;
    }
    let mut fire = Vec::new();
    {
        let mut regs = registrations();
        regs.retain(|r| {
            if r.dir != dir || r.mask & dn == 0 {
                return r.file.strong_count() > 0;
            }
            if let Some(f) = r.file.upgrade() {
                fire.push(f);
            }
            r.mask & DN_MULTISHOT != 0
        });
        COUNT.store(regs.len(), Ordering::SeqCst);
    }
    for f in fire {
        super::fasync::signal_message(&f);
    }
}
