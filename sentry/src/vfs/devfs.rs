//! /dev: the sentry's own devices (null, zero, full, random, urandom, tty), the standard
//! links (fd, stdin, stdout, stderr, ptmx), and the directories other file systems mount on
//! (shm, pts).

use std::sync::Arc;

use super::synth::{DevNode, SynthDir, SynthFs, SynthLink};
use super::{anon_dev, Inode};
use crate::errno::Errno;
use crate::fs::dev::Device;

const TMPFS_MAGIC: i64 = 0x0102_1994;

fn link(fs: &SynthFs, target: &'static str) -> Arc<dyn Inode> {
    Arc::new(SynthLink::new(fs, move || Ok(target.as_bytes().to_vec())))
}

/// A new /dev.
pub fn new() -> Arc<dyn Inode> {
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
    // No controlling terminal is shown to the sandbox yet: /dev/tty answers as Linux does
    // for a process without one.
    entries.push((
        "tty",
        Arc::new(DevNode::new(&fs, 0o666, libc::makedev(5, 0), |_| {
            Err(Errno::ENXIO)
        })),
    ));
    entries.push(("fd", link(&fs, "/proc/self/fd")));
    entries.push(("stdin", link(&fs, "/proc/self/fd/0")));
    entries.push(("stdout", link(&fs, "/proc/self/fd/1")));
    entries.push(("stderr", link(&fs, "/proc/self/fd/2")));
    entries.push(("ptmx", link(&fs, "pts/ptmx")));
    entries.push(("shm", Arc::new(SynthDir::fixed(&fs, 0o1777, Vec::new()))));
    entries.push(("pts", Arc::new(SynthDir::fixed(&fs, 0o755, Vec::new()))));
    Arc::new(SynthDir::fixed(&fs, 0o755, entries))
}
