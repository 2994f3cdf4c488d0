//! devpts, mounted on /dev/pts (pts(4)): `ptmx` (mode 0000, as Linux mounts it without
//! `ptmxmode`), and one character device 136:N per pty whose master is open.

use std::any::Any;
use std::sync::{Arc, Weak};

use super::synth::{DevNode, SynthDir, SynthFs};
use super::{anon_dev, Inode, SetAttr, Stat};
use crate::errno::Errno;
use crate::fs::tty::pty::{Pty, PtyTable, DEVPTS_MAGIC};
use crate::fs::{FileOps, Statfs};

/// A new devpts over the sandbox's ptys.
pub fn new(ptys: Arc<PtyTable>) -> Arc<dyn Inode> {
    let fs = SynthFs {
        dev: anon_dev(),
        magic: DEVPTS_MAGIC,
        uid: 0,
        gid: 0,
    };
    let table = ptys.clone();
    let ptmx: Arc<dyn Inode> = Arc::new(DevNode::new(&fs, 0, libc::makedev(5, 2), move |flags| {
        table.open_master(flags)
    }));
    let slave = {
        let fs = fs.clone();
        move |pty: Arc<Pty>| -> Arc<dyn Inode> {
            Arc::new(SlaveNode {
                fs: fs.clone(),
                pty: Arc::downgrade(&pty),
            })
        }
    };
    let (list_ptys, list_ptmx, list_slave) = (ptys.clone(), ptmx.clone(), slave.clone());
    let entries = move || {
        let mut e: Vec<(Vec<u8>, Arc<dyn Inode>)> = vec![(b"ptmx".to_vec(), list_ptmx.clone())];
        for i in list_ptys.indices() {
            if let Some(pty) = list_ptys.get(i) {
                e.push((i.to_string().into_bytes(), list_slave(pty)));
            }
        }
        e
    };
    let find = move |name: &[u8]| -> Option<Arc<dyn Inode>> {
        if name == b"ptmx" {
            return Some(ptmx.clone());
        }
        let s = std::str::from_utf8(name).ok()?;
        // Only the canonical spelling of a number names a pty ("01" does not).
        let index: u32 = s.parse().ok().filter(|i: &u32| i.to_string() == s)?;
        ptys.get(index).map(&slave)
    };
    Arc::new(
        SynthDir::new(&fs, 0o755, entries)
            .with_lookup(find)
            .with_ino(1),
    )
}

/// /dev/pts/N.
struct SlaveNode {
    fs: SynthFs,
    pty: Weak<Pty>,
}

impl SlaveNode {
    fn pty(&self) -> Result<Arc<Pty>, Errno> {
        self.pty.upgrade().ok_or(Errno::ENOENT)
    }
}

impl Inode for SlaveNode {
    fn stat(&self) -> Result<Stat, Errno> {
        Ok(self.pty()?.slave_stat(self.fs.dev))
    }

    fn statfs(&self) -> Result<Statfs, Errno> {
        Ok(Statfs {
            f_type: DEVPTS_MAGIC,
            f_bsize: 4096,
            f_namelen: 255,
            f_frsize: 4096,
            f_flags: (libc::ST_NOSUID | libc::ST_NOEXEC | libc::ST_RELATIME) as i64,
            ..Statfs::default()
        })
    }

    fn setattr(&self, attr: &SetAttr) -> Result<(), Errno> {
        if attr.size.is_some() {
            return Err(Errno::EINVAL);
        }
        self.pty()?.set_owner(attr.mode, attr.uid, attr.gid);
        Ok(())
    }

    fn open(self: Arc<Self>, flags: u32) -> Result<Arc<dyn FileOps>, Errno> {
        // A pty whose master closed meanwhile cannot be opened again.
        self.pty.upgrade().ok_or(Errno::EIO)?.open_slave(flags)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}
