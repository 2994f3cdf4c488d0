//! The sandbox's initial tree: the root (an overlay over the gofer's root by default), the
//! bind mounts, and the sentry's own /dev, /dev/shm, /dev/pts, /proc and /sys.

use std::sync::{Arc, Weak};

use super::{gofer, overlay, tmpfs, Creds, Lookup, Path, Vfs, MS_RDONLY};
use crate::errno::Errno;
use crate::kernel::Kernel;

/// A host directory the gofer serves, bound at `guest`.
#[derive(Clone, Debug)]
pub struct Bind {
    /// The gofer's root index (the order of the roots it was given).
    pub index: u32,
    pub guest: String,
    pub read_only: bool,
}

/// Where the sandbox's files come from.
pub enum Storage {
    /// The gofer's root 0 is the sandbox's root: under an in-memory overlay (`overlay`), or
    /// directly (then writes reach the host unless the root is read-only). Roots 1.. are
    /// bound where `binds` says.
    Gofer {
        client: Arc<::gofer::Client>,
        overlay: bool,
        root_read_only: bool,
        binds: Vec<Bind>,
    },
    /// An empty tmpfs (for tests that need no host files).
    Tmpfs,
}

/// Builds the tree up to the file systems that need the kernel (/proc).
pub fn build(storage: &Storage) -> Result<Vfs, Errno> {
    let vfs = match storage {
        Storage::Tmpfs => Vfs::new(tmpfs::new_tmpfs(0o755, 0, 0), "tmpfs", "none", 0),
        Storage::Gofer {
            client,
            overlay: true,
            ..
        } => {
            let lower = gofer::attach(client.clone(), 0, false)?;
            let root = overlay::new_overlay(lower, tmpfs::new_tmpfs(0o755, 0, 0));
            Vfs::new(root, "overlay", "overlay", 0)
        }
        Storage::Gofer {
            client,
            root_read_only,
            ..
        } => {
            let root = gofer::attach(client.clone(), 0, !root_read_only)?;
            let flags = if *root_read_only { MS_RDONLY } else { 0 };
            Vfs::new(root, "9p", "rootfs", flags)
        }
    };
    if let Storage::Gofer { client, binds, .. } = storage {
        for b in binds {
            let at = mount_point(&vfs, &b.guest)?;
            let root = gofer::attach(client.clone(), b.index, !b.read_only)?;
            let flags = if b.read_only { MS_RDONLY } else { 0 };
            vfs.mount(&at, root, "9p", &b.guest, flags);
        }
    }
    Ok(vfs)
}

/// Mounts the file systems that need the kernel: /dev (its terminals), /dev/pts, /proc and
/// /sys (the kernel's tables).
pub fn mount_kernel_fs(vfs: &Vfs, kernel: Weak<Kernel>) -> Result<(), Errno> {
    let ptys = kernel
        .upgrade()
        .map(|k| k.ptys.clone())
        .ok_or(Errno::ENXIO)?;
    let dev = mount_point(vfs, "/dev")?;
    vfs.mount(
        &dev,
        super::devfs::new(ptys.clone()),
        "devtmpfs",
        "devtmpfs",
        0,
    );
    let shm = mount_point(vfs, "/dev/shm")?;
    vfs.mount(&shm, tmpfs::new_tmpfs(0o1777, 0, 0), "tmpfs", "shm", 0);
    let pts = mount_point(vfs, "/dev/pts")?;
    vfs.mount(&pts, super::devpts::new(ptys), "devpts", "devpts", 0);
    let proc_at = mount_point(vfs, "/proc")?;
    vfs.mount(
        &proc_at,
        super::proc::new(kernel.clone()),
        "proc",
        "proc",
        0,
    );
    let sys_at = mount_point(vfs, "/sys")?;
    vfs.mount(
        &sys_at,
        super::proc::new_sys(kernel),
        "sysfs",
        "sysfs",
        MS_RDONLY,
    );
    Ok(())
}

fn root_lookup(vfs: &Vfs) -> Lookup<'_> {
    Lookup {
        vfs,
        resolve: 0,
        root: vfs.root(),
        cwd: vfs.root(),
        creds: Creds::root(),
    }
}

/// The directory `guest`, made (with its parents) if it is missing.
pub fn mount_point(vfs: &Vfs, guest: &str) -> Result<Path, Errno> {
    let l = root_lookup(vfs);
    let mut cur = String::new();
    for comp in guest.split('/').filter(|c| !c.is_empty()) {
        cur.push('/');
        cur.push_str(comp);
        match l.mkdir(None, cur.as_bytes(), 0o755) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => {
                // A read-only root may still have the directory.
                if l.resolve(None, cur.as_bytes(), true).is_err() {
                    return Err(e);
                }
            }
        }
    }
    l.resolve(None, guest.as_bytes(), true)
}

/// The path `guest` in the tree, from its root.
pub fn resolve_from_root(vfs: &Vfs, guest: &str) -> Result<Path, Errno> {
    root_lookup(vfs).resolve(None, guest.as_bytes(), true)
}
