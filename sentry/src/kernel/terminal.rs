//! The sandbox's own terminal (`blinders do -t`): a pty made before the first process starts,
//! whose slave is that process's stdin, stdout, stderr and controlling terminal, and whose
//! master the caller relays to and from the host terminal.

use std::sync::Arc;

use crate::errno::Errno;
use crate::fs::tty::pty::Pty;
use crate::fs::tty::Winsize;
use crate::fs::{File, FileOps};

/// The master end of the sandbox's terminal, for the caller's relay threads.
pub struct Terminal {
    pty: Arc<Pty>,
    master: Arc<dyn FileOps>,
}

/// Called with the terminal once it exists, before the first process runs.
pub type TerminalSetup = Box<dyn FnOnce(Arc<Terminal>) + Send>;

impl Terminal {
    /// Makes the pty; returns it and an open slave for the first process.
    pub(crate) fn new(kernel: &super::Kernel) -> Result<(Terminal, Arc<File>), Errno> {
        let master = kernel.ptys.open_master(libc::O_RDWR as u32)?;
        let pty = master.as_tty().ok_or(Errno::ENOTTY)?.pty.clone();
        // The caller's own terminal, as devpts would make it for them.
        pty.set_owner(None, Some(kernel.creds.euid), None);
        pty.set_locked(false);
        let ops = pty.open_slave((libc::O_RDWR | libc::O_NOCTTY) as u32)?;
        // Opened by name, so /proc/self/fd/0 (ttyname, tty) shows /dev/pts/N.
        let status = (libc::O_RDWR | libc::O_LARGEFILE) as u32;
        let name = format!("/dev/pts/{}", pty.index);
        let slave = match crate::vfs::setup::resolve_from_root(&kernel.vfs, &name) {
            Ok(at) => File::at(ops, status, at),
            Err(_) => File::new(ops, status),
        };
        Ok((Terminal { pty, master }, slave))
    }

    pub(crate) fn pty(&self) -> &Arc<Pty> {
        &self.pty
    }

    /// What the sandbox wrote to its terminal; blocks until there is some. EIO once every
    /// slave is closed and the output drained (the sandbox has ended).
    pub fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        self.master.read(buf)
    }

    /// Types `buf` on the terminal (the line discipline echoes, edits and signals).
    pub fn write(&self, buf: &[u8]) -> Result<usize, Errno> {
        self.master.write(buf)
    }

    /// The host terminal's size changed (TIOCSWINSZ on the master: SIGWINCH to the
    /// foreground group).
    pub fn set_winsize(&self, row: u16, col: u16, xpixel: u16, ypixel: u16) {
        self.pty.set_winsize(Winsize {
            row,
            col,
            xpixel,
            ypixel,
        });
    }
}
