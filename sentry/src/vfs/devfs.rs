//! /dev: the sentry's own devices (null, zero, full, random, urandom, tty, console, ptmx), the
//! standard links (fd, stdin, stdout, stderr), and the directories other file systems mount
//! on (shm, pts).

use std::sync::Arc;

use super::synth::{DevNode, SynthDir, SynthFs, SynthLink};
use super::{anon_dev, Inode};
use crate::errno::Errno;
use crate::fs::dev::Device;
use crate::fs::host::HostFile;
use crate::fs::tty::pty::PtyTable;

const TMPFS_MAGIC: i64 = 0x0102_1994;

fn link(fs: &SynthFs, target: &'static str) -> Arc<dyn Inode> {
    Arc::new(SynthLink::new(fs, move || Ok(target.as_bytes().to_vec())))
}

/// A new /dev.
pub fn new(ptys: Arc<PtyTable>) -> Arc<dyn Inode> {
    let fs = SynthFs {
        dev: anon_dev(),
        magic: TMPFS_MAGIC,
        uid: 0,
        gid: 0,
    };
    let mut entries: Vec<(&str, Arc<dyn Inode>)> = Vec::new();
    for (name, dev) in Device::ALL {
        let (major, minor) = dev.rdev();
        entries.push((
            name,
            Arc::new(DevNode::new(
                &fs,
                0o666,
                libc::makedev(major, minor),
                move |_| Ok(Arc::new(dev)),
            )),
        ));
    }
    // The caller's controlling terminal.
    entries.push((
        "tty",
        Arc::new(DevNode::new(&fs, 0o666, libc::makedev(5, 0), |flags| {
            crate::fs::tty::pty::open_current_tty(flags)
        })),
    ));
    // The console is the sandbox's own standard output: what it writes goes where the
    // sandbox's output goes (ENXIO if that is closed).
    entries.push((
        "console",
        Arc::new(DevNode::new(&fs, 0o600, libc::makedev(5, 1), |_| {
            let (file, _) = HostFile::from_stdio(1).ok_or(Errno::ENXIO)?;
            Ok(Arc::new(file))
        })),
    ));
    entries.push((
        "ptmx",
        Arc::new(DevNode::new(
            &fs,
            0o666,
            libc::makedev(5, 2),
            move |flags| ptys.open_master(flags),
        )),
    ));
    entries.push(("fd", link(&fs, "/proc/self/fd")));
    entries.push(("stdin", link(&fs, "/proc/self/fd/0")));
    entries.push(("stdout", link(&fs, "/proc/self/fd/1")));
    entries.push(("stderr", link(&fs, "/proc/self/fd/2")));
    entries.push(("shm", Arc::new(SynthDir::fixed(&fs, 0o1777, Vec::new()))));
    // Where devpts is mounted.
    entries.push(("pts", Arc::new(SynthDir::fixed(&fs, 0o755, Vec::new()))));
    Arc::new(SynthDir::fixed(&fs, 0o755, entries))
}
