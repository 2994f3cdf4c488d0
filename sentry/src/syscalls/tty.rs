//! The terminal ioctls of a pty end (tty_ioctl(4), ioctl_tty(2)): settings, window size,
//! sessions and process groups, and the master's own (TIOCGPTN, TIOCSPTLCK, TIOCGPTPEER).
//! Most act on the pair whichever end they are made on, as Linux's `tty_pair_get_tty`;
//! the checks against the caller's session are Linux's.

use std::sync::Arc;

use super::SysResult;
use crate::errno::Errno;
use crate::fs::tty::pty::{ctty_of, Pty};
use crate::fs::tty::{Termios, Termios2, Winsize};
use crate::fs::File;
use crate::kernel::cred::CAP_SYS_ADMIN;
use crate::kernel::Task;

const TCGETS: u64 = 0x5401;
const TCSETS: u64 = 0x5402;
const TCSETSW: u64 = 0x5403;
const TCSETSF: u64 = 0x5404;
const TCSBRK: u64 = 0x5409;
const TCXONC: u64 = 0x540a;
const TCFLSH: u64 = 0x540b;
const TIOCEXCL: u64 = 0x540c;
const TIOCNXCL: u64 = 0x540d;
const TIOCSCTTY: u64 = 0x540e;
const TIOCGPGRP: u64 = 0x540f;
const TIOCSPGRP: u64 = 0x5410;
const TIOCOUTQ: u64 = 0x5411;
const TIOCGWINSZ: u64 = 0x5413;
const TIOCSWINSZ: u64 = 0x5414;
const FIONREAD: u64 = 0x541b;
const TIOCPKT: u64 = 0x5420;
const TIOCNOTTY: u64 = 0x5422;
const TIOCSETD: u64 = 0x5423;
const TIOCGETD: u64 = 0x5424;
const TCSBRKP: u64 = 0x5425;
const TIOCSBRK: u64 = 0x5427;
const TIOCCBRK: u64 = 0x5428;
const TIOCGSID: u64 = 0x5429;
const TCGETS2: u64 = 0x802c_542a;
const TCSETS2: u64 = 0x402c_542b;
const TCSETSW2: u64 = 0x402c_542c;
const TCSETSF2: u64 = 0x402c_542d;
const TIOCGPTN: u64 = 0x8004_5430;
const TIOCSPTLCK: u64 = 0x4004_5431;
const TIOCGDEV: u64 = 0x8004_5432;
const TIOCSIG: u64 = 0x4004_5436;
const TIOCGPKT: u64 = 0x8004_5438;
const TIOCGPTLCK: u64 = 0x8004_5439;
const TIOCGEXCL: u64 = 0x8004_5440;
const TIOCGPTPEER: u64 = 0x5441;

/// The line discipline every terminal here has.
const N_TTY: i32 = 0;

/// ioctl(2) on a pty end (`file.ops.as_tty()` is `Some`).
pub fn ioctl(task: &mut Task, file: &Arc<File>, request: u64, arg: u64) -> SysResult {
    let Some(end) = file.ops.as_tty() else {
        return Err(Errno::ENOTTY);
    };
    let (pty, master) = (end.pty.clone(), end.master);
    // A hung-up slave answers nothing (Linux's `hung_up_tty_ioctl`).
    if !master && pty.hung_up() {
        return Err(if request == TIOCSPGRP {
            Errno::ENOTTY
        } else {
            Errno::EIO
        });
    }
    let mm = task.mm.clone();
    let is_ctty = ctty_of(&task.process).is_some_and(|c| Arc::ptr_eq(&c, &pty));
    let admin = task.cred.capable(CAP_SYS_ADMIN);
    match request {
        TCGETS => {
            mm.write_val(arg, &pty.termios())?;
            Ok(0)
        }
        TCSETS | TCSETSW | TCSETSF => {
            let t: Termios = mm.read_val(arg)?;
            pty.job_control(libc::SIGTTOU)?;
            pty.set_termios(t, request == TCSETSF);
            Ok(0)
        }
        TCGETS2 => {
            let t = pty.termios();
            let speed = t.speed();
            mm.write_val(
                arg,
                &Termios2 {
                    t,
                    ispeed: speed,
                    ospeed: speed,
                },
            )?;
            Ok(0)
        }
        TCSETS2 | TCSETSW2 | TCSETSF2 => {
            let t: Termios2 = mm.read_val(arg)?;
            pty.job_control(libc::SIGTTOU)?;
            pty.set_termios(t.t, request == TCSETSF2);
            Ok(0)
        }
        TIOCGWINSZ => {
            mm.write_val(arg, &pty.winsize())?;
            Ok(0)
        }
        TIOCSWINSZ => {
            let ws: Winsize = mm.read_val(arg)?;
            pty.set_winsize(ws);
            Ok(0)
        }
        TIOCGPGRP => {
            // On the slave, only for the caller's controlling terminal.
            if !master && !is_ctty {
                return Err(Errno::ENOTTY);
            }
            mm.write_val(arg, &pty.session().1.unwrap_or(0))?;
            Ok(0)
        }
        TIOCSPGRP => set_pgrp(task, &pty, is_ctty, arg),
        TIOCGSID => {
            if !master && !is_ctty {
                return Err(Errno::ENOTTY);
            }
            let sid = pty.session().0.ok_or(Errno::ENOTTY)?;
            mm.write_val(arg, &sid)?;
            Ok(0)
        }
        TIOCSCTTY => set_ctty(task, file, &pty, arg, admin),
        TIOCNOTTY => {
            // The file must be the controlling terminal itself (never a master).
            if master || !is_ctty {
                return Err(Errno::ENOTTY);
            }
            let leader = task.process.lock().sid == task.process.pid;
            if leader {
                pty.disassociate(&task.kernel, &task.process, false);
            }
            task.process.lock().ctty = None;
            Ok(0)
        }
        FIONREAD => {
            let n = i32::try_from(pty.readable_bytes(master)).unwrap_or(i32::MAX);
            mm.write_val(arg, &n)?;
            Ok(0)
        }
        TIOCOUTQ => {
            // A pty hands its output over at once.
            mm.write_val(arg, &0i32)?;
            Ok(0)
        }
        TCFLSH => match arg {
            // TCIFLUSH, TCIOFLUSH: this end's unread input. Output has no buffer to flush.
            0 | 2 => {
                pty.flush(master);
                Ok(0)
            }
            1 => Ok(0),
            _ => Err(Errno::EINVAL),
        },
        TCXONC => {
            if arg > 3 {
                return Err(Errno::EINVAL);
            }
            pty.flow(master, arg);
            Ok(0)
        }
        TIOCGETD => {
            mm.write_val(arg, &N_TTY)?;
            Ok(0)
        }
        TIOCSETD => {
            let disc: i32 = mm.read_val(arg)?;
            if disc != N_TTY {
                return Err(Errno::EINVAL);
            }
            Ok(0)
        }
        TIOCEXCL | TIOCNXCL => {
            if !master {
                pty.set_exclusive(request == TIOCEXCL);
            }
            Ok(0)
        }
        TIOCGEXCL => {
            mm.write_val(arg, &i32::from(!master && pty.exclusive()))?;
            Ok(0)
        }
        // A pty has no line to send a break on: Linux accepts and does nothing.
        TCSBRK | TCSBRKP | TIOCSBRK | TIOCCBRK => Ok(0),
        TIOCGDEV => {
            mm.write_val(arg, &pty.tty_nr())?;
            Ok(0)
        }
        TIOCGPTPEER if master => open_peer(task, &pty, arg),
        // The slave's driver has no such ioctls (TIOCGPTPEER is refused by the tty layer).
        TIOCGPTPEER => Err(Errno::EIO),
        TIOCGPTN | TIOCSPTLCK | TIOCGPTLCK | TIOCPKT | TIOCGPKT | TIOCSIG if !master => {
            Err(Errno::ENOTTY)
        }
        TIOCGPTN => {
            mm.write_val(arg, &pty.index)?;
            Ok(0)
        }
        TIOCSPTLCK => {
            let lock: i32 = mm.read_val(arg)?;
            pty.set_locked(lock != 0);
            Ok(0)
        }
        TIOCGPTLCK => {
            mm.write_val(arg, &i32::from(pty.lock_state()))?;
            Ok(0)
        }
        TIOCPKT => {
            let on: i32 = mm.read_val(arg)?;
            pty.set_packet(on != 0);
            Ok(0)
        }
        TIOCGPKT => {
            mm.write_val(arg, &i32::from(pty.packet()))?;
            Ok(0)
        }
        TIOCSIG => {
            let sig = i32::try_from(arg).map_err(|_| Errno::EINVAL)?;
            if !(1..=64).contains(&sig) {
                return Err(Errno::EINVAL);
            }
            pty.signal_foreground(sig);
            Ok(0)
        }
        _ => Err(Errno::ENOTTY),
    }
}

/// TIOCSPGRP: the terminal must be the caller's controlling one, of the caller's session,
/// and the group must exist in that session.
fn set_pgrp(task: &Task, pty: &Arc<Pty>, is_ctty: bool, arg: u64) -> SysResult {
    let pgrp: i32 = task.mm.read_val(arg)?;
    if pgrp < 0 {
        return Err(Errno::EINVAL);
    }
    let sid = task.process.lock().sid;
    // A background caller gets SIGTTOU first (an orphaned one ENOTTY), as tiocspgrp.
    match pty.job_control(libc::SIGTTOU) {
        Err(Errno::EIO) => return Err(Errno::ENOTTY),
        r => r?,
    }
    if !is_ctty || pty.session().0 != Some(sid) {
        return Err(Errno::ENOTTY);
    }
    let procs = task.kernel.processes();
    let in_group = procs.iter().find(|p| p.lock().pgid == pgrp);
    let session_of = match in_group {
        Some(p) => p.lock().sid,
        None => task.kernel.process(pgrp).ok_or(Errno::ESRCH)?.lock().sid,
    };
    if session_of != sid {
        return Err(Errno::EPERM);
    }
    pty.set_pgrp(pgrp);
    Ok(0)
}

/// TIOCSCTTY: a session leader without a controlling terminal takes this one; `arg` 1 takes
/// it from another session, for CAP_SYS_ADMIN only.
fn set_ctty(task: &Task, file: &File, pty: &Arc<Pty>, arg: u64, admin: bool) -> SysResult {
    let (sid, leader, has_ctty) = {
        let p = task.process.lock();
        let has = p.ctty.as_ref().is_some_and(|w| w.strong_count() > 0);
        (p.sid, p.sid == task.process.pid, has)
    };
    if leader && pty.session().0 == Some(sid) {
        return Ok(0);
    }
    if !leader || has_ctty {
        return Err(Errno::EPERM);
    }
    let taken = pty.session().0.is_some();
    if taken && !(arg == 1 && admin) {
        return Err(Errno::EPERM);
    }
    // Write-only access to a terminal does not give it as a controlling one.
    if !file.readable() && !admin {
        return Err(Errno::EPERM);
    }
    pty.make_ctty(&task.kernel, &task.process, taken)?;
    Ok(0)
}

/// TIOCGPTPEER: opens the slave of this master with open flags `flags`, as a new fd.
fn open_peer(task: &mut Task, pty: &Arc<Pty>, flags: u64) -> SysResult {
    let flags = u32::try_from(flags).map_err(|_| Errno::EINVAL)?;
    let ops = pty.open_slave(flags)?;
    let status = (flags & (libc::O_ACCMODE | libc::O_NONBLOCK) as u32) | libc::O_LARGEFILE as u32;
    let name = format!("/dev/pts/{}", pty.index);
    let file = match crate::vfs::setup::resolve_from_root(&task.kernel.vfs, &name) {
        Ok(at) => File::at(ops, status, at),
        Err(_) => File::new(ops, status),
    };
    let cloexec = flags & libc::O_CLOEXEC as u32 != 0;
    let limit = super::fs::nofile_limit(task);
    Ok(task.fds().install(file, cloexec, 0, limit)? as u64)
}
