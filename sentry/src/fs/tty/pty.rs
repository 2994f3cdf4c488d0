//! Pseudo-terminals (pty(7), pts(4)): each open of /dev/ptmx makes a pair, a master and a
//! slave /dev/pts/N, joined by one N_TTY line discipline. What the master writes is the
//! slave's input (edited, echoed, turned into signals); what the slave writes is processed
//! output the master reads.
//!
//! A process's controlling terminal is kept per process (`ProcState::ctty`), as Linux keeps
//! `signal->tty`: fork inherits it, setsid drops it, and the terminal knows its session and
//! foreground process group. Lock order: a process's lock may be held while taking a pty's,
//! never the other way round; signals are sent with no pty lock held.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use super::{NTty, Termios, Winsize, VMIN, VTIME};
use crate::errno::Errno;
use crate::fs::poll::{self, wait_ready};
use crate::fs::{FileOps, Statfs};
use crate::kernel::process::Process;
use crate::kernel::{Kernel, SigInfo};

/// The major number of Unix98 pty slaves.
pub const PTS_MAJOR: u32 = 136;
/// si_code of signals the terminal sends (Linux's SEND_SIG_PRIV).
pub const SI_KERNEL: i32 = 0x80;
/// `statfs.f_type` of devpts.
pub const DEVPTS_MAGIC: i64 = 0x1cd1;
const TMPFS_MAGIC: i64 = 0x0102_1994;
/// The group pty slaves belong to: "tty", as distributions mount devpts (`gid=5,mode=620`).
const TTY_GID: u32 = 5;
/// The most ptys at once (/proc/sys/kernel/pty/max).
const PTY_MAX: u32 = 4096;

/// The sandbox's ptys (one devpts instance): index → pty, for /dev/pts and /dev/ptmx.
pub struct PtyTable {
    ptys: Mutex<BTreeMap<u32, Weak<Pty>>>,
    kernel: Weak<Kernel>,
}

impl PtyTable {
    pub fn new(kernel: Weak<Kernel>) -> Arc<PtyTable> {
        Arc::new(PtyTable {
            ptys: Mutex::new(BTreeMap::new()),
            kernel,
        })
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<u32, Weak<Pty>>> {
        self.ptys.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens /dev/ptmx: a new pair with the lowest free index, its slave locked and owned by
    /// the opener (devpts' defaults).
    pub fn open_master(self: &Arc<Self>, flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
        let uid = crate::kernel::process::current()
            .and_then(|p| p.lock().cred.as_ref().map(|c| c.fsuid))
            .unwrap_or(0);
        let mut ptys = self.lock();
        let index = (0..PTY_MAX)
            .find(|i| ptys.get(i).is_none_or(|w| w.strong_count() == 0))
            .ok_or(Errno::ENOSPC)?;
        let pty = Arc::new(Pty {
            index,
            table: self.clone(),
            state: Mutex::new(PtyState {
                ldisc: NTty::default(),
                winsize: Winsize::default(),
                locked: true,
                master_open: true,
                slaves: 0,
                other_closed: false,
                session: None,
                pgrp: None,
                exclusive: false,
                packet: false,
                events: 0,
                uid,
                gid: TTY_GID,
                mode: 0o620,
            }),
        });
        ptys.insert(index, Arc::downgrade(&pty));
        drop(ptys);
        Ok(Arc::new(PtyMaster {
            pty,
            nonblock: AtomicBool::new(flags & libc::O_NONBLOCK as u32 != 0),
        }))
    }

    /// The pty `index`, while its master is open (its /dev/pts entry exists).
    pub fn get(&self, index: u32) -> Option<Arc<Pty>> {
        let pty = self.lock().get(&index)?.upgrade()?;
        let open = pty.lock().master_open;
        open.then_some(pty)
    }

    /// The indices /dev/pts lists.
    pub fn indices(&self) -> Vec<u32> {
        let ptys: Vec<(u32, Weak<Pty>)> =
            self.lock().iter().map(|(i, w)| (*i, w.clone())).collect();
        ptys.into_iter()
            .filter(|(_, w)| w.upgrade().is_some_and(|p| p.lock().master_open))
            .map(|(i, _)| i)
            .collect()
    }
}

struct PtyState {
    /// The slave's line discipline: its input is the master's writes, its output what the
    /// master reads.
    ldisc: NTty,
    winsize: Winsize,
    /// TIOCSPTLCK: the slave cannot be opened until unlocked (unlockpt).
    locked: bool,
    master_open: bool,
    /// Open file descriptions of the slave.
    slaves: usize,
    /// The slave was open and every opener closed it: master reads end with EIO.
    other_closed: bool,
    /// The session this is the controlling terminal of, and its foreground process group.
    session: Option<i32>,
    pgrp: Option<i32>,
    /// TIOCEXCL: no more opens of the slave (but by CAP_SYS_ADMIN).
    exclusive: bool,
    /// TIOCPKT: master reads start with a status byte.
    packet: bool,
    /// Bumped by each change of data (edge-triggered epoll).
    events: u64,
    /// The slave node's owner and mode (devpts).
    uid: u32,
    gid: u32,
    mode: u32,
}

/// One pseudo-terminal pair.
pub struct Pty {
    pub index: u32,
    table: Arc<PtyTable>,
    state: Mutex<PtyState>,
}

impl Drop for Pty {
    fn drop(&mut self) {
        let mut ptys = self.table.lock();
        if ptys.get(&self.index).is_some_and(|w| w.strong_count() == 0) {
            ptys.remove(&self.index);
        }
    }
}

/// Sends `sig` from the terminal to every process of group `pgid`.
fn signal_group(kernel: &Kernel, pgid: i32, sig: i32, code: i32, pid: i32, uid: u32) {
    for p in kernel.processes() {
        if p.lock().pgid == pgid {
            kernel.send_process(&p, SigInfo::sent(sig, code, pid, uid));
        }
    }
}

/// The controlling terminal of `p`, if it has one.
pub fn ctty_of(p: &Process) -> Option<Arc<Pty>> {
    p.lock().ctty.as_ref().and_then(Weak::upgrade)
}

impl Pty {
    fn lock(&self) -> MutexGuard<'_, PtyState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn kernel(&self) -> Option<Arc<Kernel>> {
        self.table.kernel.upgrade()
    }

    /// The slave's device number (136, N), as Linux encodes it (`new_encode_dev`).
    pub fn rdev(&self) -> u64 {
        libc::makedev(PTS_MAJOR + (self.index >> 20), self.index & 0xfffff)
    }

    /// The `tty_nr` /proc shows for a process with this controlling terminal.
    pub fn tty_nr(&self) -> u32 {
        let (major, minor) = (PTS_MAJOR + (self.index >> 20), self.index & 0xfffff);
        (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)
    }

    /// The slave's stat as devpts shows it.
    pub fn slave_stat(&self, dev: u64) -> libc::stat {
        let s = self.lock();
        let mut st =
            crate::vfs::new_stat(dev, u64::from(self.index) + 3, libc::S_IFCHR | s.mode, 1);
        st.st_uid = s.uid;
        st.st_gid = s.gid;
        st.st_rdev = self.rdev();
        st.st_blksize = 1024;
        st
    }

    /// chmod and chown of the slave node.
    pub fn set_owner(&self, mode: Option<u32>, uid: Option<u32>, gid: Option<u32>) {
        let mut s = self.lock();
        if let Some(m) = mode {
            s.mode = m & 0o7777;
        }
        if let Some(u) = uid {
            s.uid = u;
        }
        if let Some(g) = gid {
            s.gid = g;
        }
    }

    /// Whether the master was closed, which hangs the slave up.
    pub fn hung_up(&self) -> bool {
        !self.lock().master_open
    }

    fn changed(s: &mut PtyState) {
        s.events += 1;
        poll::notify();
    }

    /// Opens the slave (from /dev/pts/N, /dev/tty or TIOCGPTPEER). A session leader without
    /// a controlling terminal that opens it readable and without O_NOCTTY acquires it.
    pub fn open_slave(self: &Arc<Self>, flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
        let current = crate::kernel::process::current();
        let admin = current.as_ref().is_some_and(|p| {
            p.lock()
                .cred
                .as_ref()
                .is_some_and(|c| c.capable(crate::kernel::cred::CAP_SYS_ADMIN))
        });
        {
            let mut s = self.lock();
            if !s.master_open || s.locked {
                return Err(Errno::EIO);
            }
            if s.exclusive && !admin {
                return Err(Errno::EBUSY);
            }
            s.slaves += 1;
            s.other_closed = false;
            Self::changed(&mut s);
        }
        let file = Arc::new(PtySlave {
            pty: self.clone(),
            nonblock: AtomicBool::new(flags & libc::O_NONBLOCK as u32 != 0),
        });
        let readable = flags & libc::O_ACCMODE as u32 != libc::O_WRONLY as u32;
        if flags & libc::O_NOCTTY as u32 == 0 && readable {
            if let Some(p) = current {
                let mut ps = p.lock();
                let has_ctty = ps.ctty.as_ref().is_some_and(|w| w.strong_count() > 0);
                if ps.sid == p.pid && !has_ctty {
                    let mut s = self.lock();
                    if s.session.is_none() {
                        s.session = Some(ps.sid);
                        s.pgrp = Some(ps.pgid);
                        ps.ctty = Some(Arc::downgrade(self));
                    }
                }
            }
        }
        Ok(file)
    }

    /// The master closed: the slave hangs up. Processes lose it as their controlling
    /// terminal and the session leader gets SIGHUP and SIGCONT (Linux's `__tty_hangup`).
    fn master_closed(self: &Arc<Self>) {
        let session = {
            let mut s = self.lock();
            s.master_open = false;
            s.pgrp = None;
            Self::changed(&mut s);
            s.session.take()
        };
        let Some(kernel) = self.kernel() else {
            return;
        };
        for p in kernel.processes() {
            let leader = {
                let mut ps = p.lock();
                if ps
                    .ctty
                    .as_ref()
                    .is_some_and(|w| std::ptr::eq(w.as_ptr(), Arc::as_ptr(self)))
                {
                    ps.ctty = None;
                }
                session.is_some_and(|sid| ps.sid == sid && p.pid == sid)
            };
            if leader {
                for sig in [libc::SIGHUP, libc::SIGCONT] {
                    kernel.send_process(&p, SigInfo::sent(sig, SI_KERNEL, 0, 0));
                }
            }
        }
    }

    fn slave_closed(&self) {
        let mut s = self.lock();
        s.slaves -= 1;
        if s.slaves == 0 {
            s.other_closed = true;
        }
        Self::changed(&mut s);
    }

    /// Gives up the terminal of `process`'s session (TIOCNOTTY by the session leader, or the
    /// leader's exit): the foreground group gets SIGHUP (and SIGCONT unless exiting), and no
    /// process of the session keeps it (Linux's `disassociate_ctty`).
    pub fn disassociate(self: &Arc<Self>, kernel: &Kernel, process: &Process, on_exit: bool) {
        let (sid, uid) = {
            let p = process.lock();
            (p.sid, p.cred.as_ref().map_or(0, |c| c.ruid))
        };
        let pgrp = {
            let mut s = self.lock();
            if s.session != Some(sid) {
                None
            } else {
                s.session = None;
                s.pgrp.take()
            }
        };
        if let Some(pg) = pgrp {
            // Linux sends these with SEND_SIG_PRIV on exit, as the caller (kill) otherwise.
            let (code, pid, uid) = if on_exit {
                (SI_KERNEL, 0, 0)
            } else {
                (crate::kernel::signal::SI_USER, process.pid, uid)
            };
            signal_group(kernel, pg, libc::SIGHUP, code, pid, uid);
            if !on_exit {
                signal_group(kernel, pg, libc::SIGCONT, code, pid, uid);
            }
        }
        for p in kernel.processes() {
            let mut ps = p.lock();
            if ps.sid == sid {
                ps.ctty = None;
            }
        }
    }

    // ---- What the ioctls see (syscalls/tty.rs makes the process checks). ----

    pub fn termios(&self) -> Termios {
        self.lock().ldisc.termios
    }

    /// TCSETS*: `flush` discards unread input first (TCSETSF).
    pub fn set_termios(&self, t: Termios, flush: bool) {
        let mut s = self.lock();
        if flush {
            s.ldisc.flush_input();
        }
        s.ldisc.set_termios(t.for_pty());
        Self::changed(&mut s);
    }

    pub fn winsize(&self) -> Winsize {
        self.lock().winsize
    }

    /// TIOCSWINSZ: a change signals SIGWINCH to the foreground process group.
    pub fn set_winsize(&self, ws: Winsize) {
        let pgrp = {
            let mut s = self.lock();
            if s.winsize == ws {
                return;
            }
            s.winsize = ws;
            s.pgrp
        };
        if let (Some(pg), Some(k)) = (pgrp, self.kernel()) {
            signal_group(&k, pg, libc::SIGWINCH, SI_KERNEL, 0, 0);
        }
    }

    /// TIOCSIG on the master: `sig` to the foreground process group.
    pub fn signal_foreground(&self, sig: i32) {
        let pgrp = self.lock().pgrp;
        if let (Some(pg), Some(k)) = (pgrp, self.kernel()) {
            signal_group(&k, pg, sig, SI_KERNEL, 0, 0);
        }
    }

    /// Job control for a caller using this terminal (tty_ioctl(4), Linux's
    /// __tty_check_change): a process of a background group whose controlling terminal this
    /// is gets `sig` (SIGTTIN for reads, SIGTTOU for writes with TOSTOP and for changes of
    /// the terminal's settings) sent to its whole group, and the call restarts once it is
    /// continued. If it blocks or ignores `sig`, reads fail with EIO and the rest go on; a
    /// process of an orphaned group gets EIO.
    pub fn job_control(self: &Arc<Self>, sig: i32) -> Result<(), Errno> {
        let Some(process) = crate::kernel::process::current_process() else {
            return Ok(());
        };
        if !ctty_of(&process).is_some_and(|c| Arc::ptr_eq(&c, self)) {
            return Ok(());
        }
        let (my_pgrp, ignored) = {
            let p = process.lock();
            let handler = p.actions[(sig - 1) as usize].handler;
            let blocked = crate::kernel::process::current_blocked()
                & crate::kernel::signal::sig_bit(sig)
                != 0;
            (p.pgid, blocked || handler == crate::kernel::signal::SIG_IGN)
        };
        let fg = self.lock().pgrp;
        if fg.is_none_or(|fg| fg == my_pgrp) {
            return Ok(());
        }
        let Some(kernel) = self.kernel() else {
            return Ok(());
        };
        if ignored {
            return if sig == libc::SIGTTIN {
                Err(Errno::EIO)
            } else {
                Ok(())
            };
        }
        if kernel.pgrp_orphaned(my_pgrp, 0) {
            return Err(Errno::EIO);
        }
        signal_group(&kernel, my_pgrp, sig, SI_KERNEL, 0, 0);
        Err(Errno::ERESTARTSYS)
    }

    /// (session, foreground group).
    pub fn session(&self) -> (Option<i32>, Option<i32>) {
        let s = self.lock();
        (s.session, s.pgrp)
    }

    pub fn set_pgrp(&self, pgrp: i32) {
        self.lock().pgrp = Some(pgrp);
    }

    /// TIOCSCTTY for `process` (a session leader without a terminal, checked by the caller):
    /// EPERM if another session has it, unless `steal`.
    pub fn make_ctty(
        self: &Arc<Self>,
        kernel: &Kernel,
        process: &Process,
        steal: bool,
    ) -> Result<(), Errno> {
        let old = {
            let s = self.lock();
            s.session
        };
        if let Some(old) = old {
            if !steal {
                return Err(Errno::EPERM);
            }
            for p in kernel.processes() {
                let mut ps = p.lock();
                if ps.sid == old {
                    ps.ctty = None;
                }
            }
        }
        let mut ps = process.lock();
        let mut s = self.lock();
        s.session = Some(ps.sid);
        s.pgrp = Some(ps.pgid);
        ps.ctty = Some(Arc::downgrade(self));
        Ok(())
    }

    pub fn lock_state(&self) -> bool {
        self.lock().locked
    }

    pub fn set_locked(&self, locked: bool) {
        self.lock().locked = locked;
    }

    pub fn set_exclusive(&self, on: bool) {
        self.lock().exclusive = on;
    }

    pub fn exclusive(&self) -> bool {
        self.lock().exclusive
    }

    pub fn packet(&self) -> bool {
        self.lock().packet
    }

    pub fn set_packet(&self, on: bool) {
        self.lock().packet = on;
    }

    /// FIONREAD: for the master, the slave's output not yet read; for the slave, its input.
    pub fn readable_bytes(&self, master: bool) -> usize {
        let s = self.lock();
        if master {
            s.ldisc.output.len()
        } else {
            s.ldisc.input_ready()
        }
    }

    /// TCFLSH of the input of one side (the master's input is the slave's output).
    pub fn flush(&self, master: bool) {
        let mut s = self.lock();
        if master {
            s.ldisc.output.clear();
        } else {
            s.ldisc.flush_input();
        }
        Self::changed(&mut s);
    }

    /// TCXONC: TCOOFF/TCOON stop and restart the slave's output; TCIOFF/TCION send VSTOP
    /// and VSTART to the other side.
    pub fn flow(&self, master: bool, action: u64) {
        let mut s = self.lock();
        match action {
            0 | 1 if !master => s.ldisc.stopped = action == 0,
            2 | 3 if !master => {
                let c = s.ldisc.termios.cc[if action == 2 {
                    super::VSTOP
                } else {
                    super::VSTART
                }];
                if c != 0 {
                    s.ldisc.output.push_back(c);
                }
            }
            _ => {}
        }
        Self::changed(&mut s);
    }
}

/// What an open terminal file shows the tty ioctls: its pty and which end it is.
pub struct TtyEnd<'a> {
    pub pty: &'a Arc<Pty>,
    pub master: bool,
}

/// Maps a wait interrupted by a signal to a restart that SA_RESTART honours.
fn restartable(e: Errno) -> Errno {
    if e == Errno::ERESTARTNOHAND {
        Errno::ERESTARTSYS
    } else {
        e
    }
}

fn chardev_stat(mode: u32, rdev: u64, ino: u64) -> libc::stat {
    let mut st = crate::vfs::new_stat(libc::makedev(0, 6), ino, libc::S_IFCHR | mode, 1);
    st.st_rdev = rdev;
    st
}

/// The master side of a pty, as opening /dev/ptmx gives it.
pub struct PtyMaster {
    pty: Arc<Pty>,
    nonblock: AtomicBool,
}

impl Drop for PtyMaster {
    fn drop(&mut self) {
        self.pty.master_closed();
    }
}

impl FileOps for PtyMaster {
    fn supports_fasync(&self) -> bool {
        true
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        let nonblock = self.nonblock.load(Ordering::Relaxed);
        let mut n = 0;
        wait_ready(None, || {
            let mut s = self.pty.lock();
            if !s.ldisc.output.is_empty() {
                let mut at = 0;
                if s.packet {
                    // TIOCPKT_DATA: plain data follows.
                    buf[0] = 0;
                    at = 1;
                }
                let take = (buf.len() - at).min(s.ldisc.output.len());
                crate::fs::drain_into(&mut s.ldisc.output, &mut buf[at..at + take]);
                n = at + take;
                Pty::changed(&mut s);
                return Ok(true);
            }
            if s.other_closed {
                return Err(Errno::EIO);
            }
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            Ok(false)
        })
        .map_err(restartable)?;
        Ok(n)
    }

    fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        let nonblock = self.nonblock.load(Ordering::Relaxed);
        let mut done = 0;
        while done < buf.len() {
            let mut signals = Vec::new();
            let r = wait_ready(None, || {
                let mut s = self.pty.lock();
                let n = s.ldisc.receive(&buf[done..], &mut signals);
                done += n;
                if n > 0 || !signals.is_empty() {
                    Pty::changed(&mut s);
                }
                if done == buf.len() || !signals.is_empty() {
                    return Ok(true);
                }
                if nonblock {
                    return if done > 0 {
                        Ok(true)
                    } else {
                        Err(Errno::EAGAIN)
                    };
                }
                Ok(false)
            });
            if !signals.is_empty() {
                let pgrp = self.pty.lock().pgrp;
                if let (Some(pg), Some(k)) = (pgrp, self.pty.kernel()) {
                    for sig in signals {
                        signal_group(&k, pg, sig, SI_KERNEL, 0, 0);
                    }
                }
            }
            match r {
                Ok(_) if nonblock => break,
                Ok(_) => {}
                Err(e) if done == 0 => return Err(restartable(e)),
                Err(_) => break,
            }
        }
        Ok(done)
    }

    fn stat(&self) -> Result<libc::stat, Errno> {
        Ok(chardev_stat(0o666, libc::makedev(5, 2), 2))
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(Statfs {
            f_type: TMPFS_MAGIC,
            f_bsize: 4096,
            f_namelen: 255,
            f_frsize: 4096,
            ..Statfs::default()
        })
    }

    fn poll(&self) -> u32 {
        use crate::fs::poll::*;
        let s = self.pty.lock();
        let mut ev = 0;
        if !s.ldisc.output.is_empty() {
            ev |= POLLIN | POLLRDNORM;
        }
        if s.other_closed {
            ev |= POLLHUP;
        }
        if s.ldisc.input_room() {
            ev |= POLLOUT | POLLWRNORM;
        }
        ev
    }

    fn poll_generation(&self) -> u64 {
        self.pty.lock().events
    }

    fn as_tty(&self) -> Option<TtyEnd<'_>> {
        Some(TtyEnd {
            pty: &self.pty,
            master: true,
        })
    }

    fn set_status_flags(&self, flags: u32) {
        self.nonblock
            .store(flags & libc::O_NONBLOCK as u32 != 0, Ordering::Relaxed);
    }

    fn path(&self) -> &str {
        "/dev/ptmx"
    }
}

/// An open slave (/dev/pts/N, /dev/tty, TIOCGPTPEER).
pub struct PtySlave {
    pty: Arc<Pty>,
    nonblock: AtomicBool,
}

impl Drop for PtySlave {
    fn drop(&mut self) {
        self.pty.slave_closed();
    }
}

impl PtySlave {
    /// A non-canonical read with VMIN and VTIME (termios(3)): MIN > 0 waits for MIN bytes
    /// (TIME > 0 then also ends the read TIME tenths after the last byte); MIN = 0 returns
    /// what there is, waiting at most TIME tenths for the first byte.
    fn read_raw(&self, buf: &mut [u8], min: usize, time: u64) -> Result<usize, Errno> {
        let nonblock = self.nonblock.load(Ordering::Relaxed);
        let minimum = if min > 0 { min.min(buf.len()) } else { 1 };
        let interval = Duration::from_millis(100 * time);
        let mut deadline = (min == 0).then(|| Instant::now() + interval);
        let mut got = 0;
        loop {
            let before = got;
            let mut stop = false;
            let r = wait_ready(deadline, || {
                let mut s = self.pty.lock();
                if !s.master_open {
                    stop = true;
                    return Ok(true);
                }
                if let Some(n) = s.ldisc.read_input(&mut buf[got..]) {
                    got += n;
                    Pty::changed(&mut s);
                }
                if got >= minimum || (got > before && time > 0) {
                    return Ok(true);
                }
                if nonblock {
                    stop = true;
                    return if got > 0 {
                        Ok(true)
                    } else {
                        Err(Errno::EAGAIN)
                    };
                }
                Ok(false)
            });
            match r {
                Ok(true) if got >= minimum || stop || min == 0 => return Ok(got),
                // A byte came with an inter-byte timer: wait TIME more for the next.
                Ok(true) => deadline = Some(Instant::now() + interval),
                Ok(false) => return Ok(got),
                Err(e) if got == 0 => return Err(restartable(e)),
                Err(_) => return Ok(got),
            }
        }
    }
}

impl FileOps for PtySlave {
    fn supports_fasync(&self) -> bool {
        true
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.pty.job_control(libc::SIGTTIN)?;
        let t = self.pty.termios();
        if t.lflag & super::ICANON == 0 {
            return self.read_raw(buf, usize::from(t.cc[VMIN]), u64::from(t.cc[VTIME]));
        }
        let nonblock = self.nonblock.load(Ordering::Relaxed);
        let mut n = 0;
        let r = wait_ready(None, || {
            let mut s = self.pty.lock();
            // A hung-up terminal reads as end of file.
            if !s.master_open {
                return Ok(true);
            }
            // (If canonical mode went off meanwhile, this takes what there is.)
            if let Some(got) = s.ldisc.read_input(buf) {
                n = got;
                Pty::changed(&mut s);
                return Ok(true);
            }
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            Ok(false)
        });
        r.map_err(restartable)?;
        Ok(n)
    }

    fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        if self.pty.termios().lflag & super::TOSTOP != 0 {
            self.pty.job_control(libc::SIGTTOU)?;
        }
        let nonblock = self.nonblock.load(Ordering::Relaxed);
        let mut done = 0;
        let r = wait_ready(None, || {
            let mut s = self.pty.lock();
            if !s.master_open {
                return Err(Errno::EIO);
            }
            if !s.ldisc.stopped {
                let n = s.ldisc.write_output(&buf[done..]);
                done += n;
                if n > 0 {
                    Pty::changed(&mut s);
                }
            }
            if done == buf.len() {
                return Ok(true);
            }
            if nonblock {
                return if done > 0 {
                    Ok(true)
                } else {
                    Err(Errno::EAGAIN)
                };
            }
            Ok(false)
        });
        match r {
            Ok(_) => Ok(done),
            Err(e) if done == 0 => Err(restartable(e)),
            Err(_) => Ok(done),
        }
    }

    fn stat(&self) -> Result<libc::stat, Errno> {
        Ok(self.pty.slave_stat(libc::makedev(0, 24)))
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(Statfs {
            f_type: DEVPTS_MAGIC,
            f_bsize: 4096,
            f_namelen: 255,
            f_frsize: 4096,
            ..Statfs::default()
        })
    }

    fn poll(&self) -> u32 {
        use crate::fs::poll::*;
        let s = self.pty.lock();
        if !s.master_open {
            return POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM;
        }
        let t = s.ldisc.termios;
        let min = if t.cc[VTIME] == 0 && t.cc[VMIN] > 0 {
            usize::from(t.cc[VMIN])
        } else {
            1
        };
        let mut ev = 0;
        if s.ldisc.readable(min) {
            ev |= POLLIN | POLLRDNORM;
        }
        if s.ldisc.output_room() && !s.ldisc.stopped {
            ev |= POLLOUT | POLLWRNORM;
        }
        ev
    }

    fn poll_generation(&self) -> u64 {
        self.pty.lock().events
    }

    fn as_tty(&self) -> Option<TtyEnd<'_>> {
        Some(TtyEnd {
            pty: &self.pty,
            master: false,
        })
    }

    fn set_status_flags(&self, flags: u32) {
        self.nonblock
            .store(flags & libc::O_NONBLOCK as u32 != 0, Ordering::Relaxed);
    }

    fn path(&self) -> &str {
        "/dev/pts"
    }
}

/// Opens /dev/tty: the caller's controlling terminal, ENXIO without one.
pub fn open_current_tty(flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
    let p = crate::kernel::process::current().ok_or(Errno::ENXIO)?;
    let pty = ctty_of(&p).ok_or(Errno::ENXIO)?;
    pty.open_slave(flags | libc::O_NOCTTY as u32)
}

/// A session leader's exit gives up its session's terminal (with SIGHUP to the foreground
/// group).
pub fn session_leader_exit(kernel: &Kernel, process: &Process) {
    let leader = process.lock().sid == process.pid;
    if !leader {
        return;
    }
    if let Some(pty) = ctty_of(process) {
        pty.disassociate(kernel, process, true);
    }
}
