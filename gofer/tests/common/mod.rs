//! Shared by the integration tests: temporary trees and the operation suites, run against a
//! gofer in a thread (`ops.rs`) and a confined gofer in a forked process (`confined.rs`).
#![allow(dead_code)]

use std::io::{Read, Seek, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use gofer::{Client, Fid, Root, SetAttr, Timespec};

/// A temporary directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("gofer-it-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The trees the suites run on: a writable root, a read-only root, and a directory outside
/// both holding a secret the gofer must never reach.
pub struct Trees {
    pub base: TempDir,
}

pub const SECRET: &[u8] = b"host secret\n";

impl Trees {
    pub fn new(tag: &str) -> Trees {
        let base = TempDir::new(tag);
        let rw = base.path().join("rw");
        let ro = base.path().join("ro");
        let outside = base.path().join("outside");
        for dir in [&rw, &ro, &outside] {
            std::fs::create_dir(dir).unwrap();
        }
        std::fs::write(outside.join("secret"), SECRET).unwrap();
        std::fs::write(ro.join("readme"), b"read only\n").unwrap();
        std::fs::create_dir(ro.join("sub")).unwrap();
        Trees { base }
    }

    pub fn rw(&self) -> PathBuf {
        self.base.path().join("rw")
    }

    pub fn ro(&self) -> PathBuf {
        self.base.path().join("ro")
    }

    pub fn outside(&self) -> PathBuf {
        self.base.path().join("outside")
    }

    /// Roots 0 (writable) and 1 (read-only).
    pub fn roots(&self) -> Vec<Root> {
        vec![
            Root {
                path: self.rw(),
                read_only: false,
            },
            Root {
                path: self.ro(),
                read_only: true,
            },
        ]
    }

    /// The secret is intact and still the only file outside.
    pub fn check_outside_untouched(&self) {
        assert_eq!(
            std::fs::read(self.outside().join("secret")).unwrap(),
            SECRET
        );
        let names: Vec<_> = std::fs::read_dir(self.outside())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["secret"]);
        let meta = std::fs::metadata(self.outside().join("secret")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o7777, 0o666 & !umask());
    }
}

pub fn umask() -> u32 {
    // SAFETY: umask cannot fail; set it back at once.
    let old = unsafe { libc::umask(0o022) };
    // SAFETY: as above.
    unsafe { libc::umask(old) };
    old
}

pub fn ids() -> (u32, u32) {
    // SAFETY: geteuid and getegid cannot fail.
    unsafe { (libc::geteuid(), libc::getegid()) }
}

fn read_all(fd: OwnedFd) -> Vec<u8> {
    let mut file = std::fs::File::from(fd);
    let mut data = Vec::new();
    file.read_to_end(&mut data).unwrap();
    data
}

fn names(client: &Client, dir: Fid) -> Vec<String> {
    let mut names: Vec<String> = client
        .readdir(dir)
        .unwrap()
        .into_iter()
        .map(|e| String::from_utf8(e.name).unwrap())
        .collect();
    names.sort();
    names
}

fn kind(mode: u32) -> u32 {
    mode & libc::S_IFMT
}

/// Every operation on the writable root (index 0) at `host` (its host path, for checks).
pub fn all_ops(client: &Client, host: &Path) {
    let (uid, gid) = ids();
    let (root, st) = client.attach(0).unwrap();
    assert_eq!(kind(st.mode), libc::S_IFDIR);
    assert_eq!(client.attach(7).err(), Some(libc::EINVAL));

    // mkdir: exact mode despite the umask.
    let (dir, st) = client.mkdir(root, b"dir", 0o751, uid, gid).unwrap();
    assert_eq!(st.mode, libc::S_IFDIR | 0o751);
    assert_eq!(
        std::fs::metadata(host.join("dir"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o751
    );
    assert_eq!(
        client.mkdir(root, b"dir", 0o755, uid, gid).err(),
        Some(libc::EEXIST)
    );

    // create: O_EXCL always, exact mode, the fd is open for writing.
    let (file, st, fd) = client
        .create(dir, b"file", libc::O_RDWR, 0o666, uid, gid)
        .unwrap();
    assert_eq!(st.mode, libc::S_IFREG | 0o666);
    assert_eq!((st.uid, st.gid), (uid, gid));
    let mut f = std::fs::File::from(fd);
    f.write_all(b"hello world").unwrap();
    f.rewind().unwrap();
    let mut back = String::new();
    f.read_to_string(&mut back).unwrap();
    assert_eq!(back, "hello world");
    drop(f);
    assert_eq!(
        client
            .create(dir, b"file", libc::O_RDWR, 0o600, uid, gid)
            .err(),
        Some(libc::EEXIST)
    );
    assert_eq!(
        client
            .create(dir, b"d2", libc::O_DIRECTORY, 0o600, uid, gid)
            .err(),
        Some(libc::EINVAL)
    );

    // walk and open.
    let (file2, st2) = client.walk(dir, b"file").unwrap();
    assert_eq!(st2.ino, st.ino);
    assert_eq!(st2.size, 11);
    assert_eq!(
        read_all(client.open(file2, libc::O_RDONLY).unwrap()),
        b"hello world"
    );
    assert_eq!(client.walk(dir, b"missing").err(), Some(libc::ENOENT));
    assert_eq!(client.walk(file2, b"x").err(), Some(libc::ENOTDIR));
    assert_eq!(
        client.open(file2, libc::O_RDONLY | libc::O_DIRECTORY).err(),
        Some(libc::ENOTDIR)
    );
    for flags in [
        libc::O_CREAT,
        libc::O_EXCL | libc::O_RDONLY,
        libc::O_PATH,
        libc::O_TMPFILE | libc::O_RDWR,
    ] {
        assert_eq!(
            client.open(file2, flags).err(),
            Some(libc::EINVAL),
            "flags {flags:#x}"
        );
    }
    let fd = client.open(file2, libc::O_WRONLY | libc::O_APPEND).unwrap();
    // SAFETY: F_GETFD/F_GETFL take no argument.
    let (fdflags, flflags) = unsafe {
        (
            libc::fcntl(std::os::fd::AsRawFd::as_raw_fd(&fd), libc::F_GETFD),
            libc::fcntl(std::os::fd::AsRawFd::as_raw_fd(&fd), libc::F_GETFL),
        )
    };
    assert_ne!(
        fdflags & libc::FD_CLOEXEC,
        0,
        "received fds are close-on-exec"
    );
    assert_eq!(
        flflags & libc::O_NONBLOCK,
        0,
        "O_NONBLOCK only when asked for"
    );
    assert_ne!(flflags & libc::O_APPEND, 0);
    std::fs::File::from(fd).write_all(b"!").unwrap();
    assert_eq!(
        std::fs::read(host.join("dir/file")).unwrap(),
        b"hello world!"
    );
    let fd = client.open(file2, libc::O_RDWR | libc::O_TRUNC).unwrap();
    assert_eq!(client.stat(file2).unwrap().size, 0);
    std::fs::File::from(fd).write_all(b"0123456789").unwrap();
    let dirfd = client
        .open(dir, libc::O_RDONLY | libc::O_DIRECTORY)
        .unwrap();
    drop(dirfd);
    assert_eq!(client.open(dir, libc::O_WRONLY).err(), Some(libc::EISDIR));

    // stat and setattr.
    let st = client.stat(file).unwrap();
    assert_eq!(st.size, 10);
    let st = client
        .setattr(
            file,
            &SetAttr {
                mode: Some(0o604),
                size: Some(4),
                atime: Some(Timespec { sec: 1000, nsec: 5 }),
                mtime: Some(Timespec { sec: 2000, nsec: 6 }),
                ..SetAttr::default()
            },
        )
        .unwrap();
    assert_eq!(st.mode, libc::S_IFREG | 0o604);
    assert_eq!(st.size, 4);
    assert_eq!(st.atime, Timespec { sec: 1000, nsec: 5 });
    assert_eq!(st.mtime, Timespec { sec: 2000, nsec: 6 });
    let meta = std::fs::metadata(host.join("dir/file")).unwrap();
    assert_eq!((meta.len(), meta.mtime()), (4, 2000));
    let st = client
        .setattr(
            file,
            &SetAttr {
                mtime: Some(Timespec {
                    sec: 0,
                    nsec: libc::UTIME_NOW,
                }),
                ..SetAttr::default()
            },
        )
        .unwrap();
    assert!(st.mtime.sec > 2000);
    assert_eq!(
        st.atime,
        Timespec { sec: 1000, nsec: 5 },
        "UTIME_OMIT for the other"
    );
    let st = client
        .setattr(
            file,
            &SetAttr {
                uid: Some(uid),
                gid: Some(gid),
                ..SetAttr::default()
            },
        )
        .unwrap();
    assert_eq!((st.uid, st.gid), (uid, gid));
    assert_eq!(
        client
            .setattr(
                dir,
                &SetAttr {
                    size: Some(0),
                    ..SetAttr::default()
                }
            )
            .err(),
        Some(libc::EISDIR)
    );
    assert_eq!(
        client.setattr(dir, &SetAttr::default()).unwrap().mode,
        libc::S_IFDIR | 0o751
    );

    // symlink and readlink; a symlink is never opened.
    let (link, st) = client.symlink(dir, b"link", b"file", uid, gid).unwrap();
    assert_eq!(kind(st.mode), libc::S_IFLNK);
    assert_eq!(client.readlink(link).unwrap(), b"file");
    assert_eq!(client.readlink(file).err(), Some(libc::EINVAL));
    assert_eq!(client.open(link, libc::O_RDONLY).err(), Some(libc::ELOOP));
    assert_eq!(
        client.symlink(dir, b"empty", b"", uid, gid).err(),
        Some(libc::ENOENT)
    );
    assert_eq!(
        std::fs::read_link(host.join("dir/link")).unwrap(),
        Path::new("file")
    );

    // link.
    let st = client.link(dir, b"hard", file).unwrap();
    assert_eq!(st.nlink, 2);
    let (hard, st) = client.walk(dir, b"hard").unwrap();
    assert_eq!(st.ino, client.stat(file).unwrap().ino);
    assert_eq!(client.link(root, b"dirlink", dir).err(), Some(libc::EPERM));
    let st = client.link(dir, b"link2", link).unwrap();
    assert_eq!(
        kind(st.mode),
        libc::S_IFLNK,
        "a symlink is linked as itself"
    );

    // mknod: FIFOs and regular files; no devices.
    let (fifo, st) = client
        .mknod(dir, b"fifo", libc::S_IFIFO | 0o620, uid, gid)
        .unwrap();
    assert_eq!(st.mode, libc::S_IFIFO | 0o620);
    assert_eq!(client.open(fifo, libc::O_RDONLY).err(), Some(libc::EINVAL));
    drop(
        client
            .open(fifo, libc::O_RDONLY | libc::O_NONBLOCK)
            .unwrap(),
    );
    let (_, st) = client.mknod(dir, b"plain", 0o600, uid, gid).unwrap();
    assert_eq!(st.mode, libc::S_IFREG | 0o600);
    let (sock, st) = client
        .mknod(dir, b"sock", libc::S_IFSOCK | 0o600, uid, gid)
        .unwrap();
    assert_eq!(kind(st.mode), libc::S_IFSOCK);
    assert_eq!(
        client.open(sock, libc::O_RDONLY | libc::O_NONBLOCK).err(),
        Some(libc::ENXIO)
    );
    for dev in [libc::S_IFCHR, libc::S_IFBLK] {
        assert_eq!(
            client.mknod(dir, b"dev", dev | 0o600, uid, gid).err(),
            Some(libc::EPERM)
        );
    }
    assert_eq!(
        client
            .mknod(dir, b"d", libc::S_IFDIR | 0o600, uid, gid)
            .err(),
        Some(libc::EINVAL)
    );

    // readdir.
    assert_eq!(
        names(client, dir),
        [".", "..", "fifo", "file", "hard", "link", "link2", "plain", "sock"]
    );
    let entries = client.readdir(dir).unwrap();
    let link_entry = entries.iter().find(|e| e.name == b"link").unwrap();
    assert_eq!(link_entry.kind, libc::DT_LNK);
    assert_eq!(client.readdir(file).err(), Some(libc::ENOTDIR));

    // rename: the walked file can still be opened at its new name.
    client.rename(dir, b"file", root, b"moved", 0).unwrap();
    assert_eq!(client.walk(dir, b"file").err(), Some(libc::ENOENT));
    assert_eq!(
        read_all(client.open(file, libc::O_RDONLY).unwrap()),
        b"0123"
    );
    assert_eq!(
        client
            .rename(root, b"moved", dir, b"hard", libc::RENAME_NOREPLACE)
            .err(),
        Some(libc::EEXIST)
    );
    client
        .rename(root, b"moved", dir, b"plain", libc::RENAME_EXCHANGE)
        .unwrap();
    assert_eq!(
        read_all(client.open(file, libc::O_RDONLY).unwrap()),
        b"0123"
    );
    assert_eq!(std::fs::read(host.join("dir/plain")).unwrap(), b"0123");
    assert_eq!(
        client.rename(root, b"moved", root, b"x", 0x4).err(),
        Some(libc::EINVAL)
    );
    assert_eq!(
        client.rename(root, b"nothing", root, b"x", 0).err(),
        Some(libc::ENOENT)
    );

    // statfs and xattrs.
    let fs = client.statfs(root).unwrap();
    assert!(fs.bsize > 0 && fs.blocks > 0 && fs.namelen >= 255);
    set_xattr(&host.join("dir/plain"), "user.gofer", b"value");
    match client.getxattr(file, b"user.gofer") {
        Ok(value) => {
            assert_eq!(value, b"value");
            let list = client.listxattr(file).unwrap();
            assert!(
                list.split(|&b| b == 0).any(|n| n == b"user.gofer"),
                "{list:?}"
            );
        }
        Err(errno) => assert_eq!(errno, libc::EOPNOTSUPP, "xattrs unsupported on this fs"),
    }
    assert!(matches!(
        client.getxattr(file, b"user.none").err(),
        Some(libc::ENODATA | libc::EOPNOTSUPP)
    ));
    assert_eq!(
        client.getxattr(link, b"user.gofer").err(),
        Some(libc::ENODATA)
    );
    assert_eq!(client.listxattr(link).unwrap(), b"");
    assert!(client.listxattr(dir).is_ok());

    // unlink and rmdir.
    assert_eq!(
        client.unlink(root, b"dir", libc::AT_REMOVEDIR).err(),
        Some(libc::ENOTEMPTY)
    );
    assert_eq!(client.unlink(dir, b"hard", 0x1).err(), Some(libc::EINVAL));
    for name in ["fifo", "plain", "hard", "link", "link2", "sock"] {
        client.unlink(dir, name.as_bytes(), 0).unwrap();
    }
    client.unlink(root, b"moved", 0).unwrap();
    client.unlink(root, b"dir", libc::AT_REMOVEDIR).unwrap();
    assert_eq!(names(client, root), [".", ".."]);
    assert_eq!(client.open(hard, libc::O_RDONLY).err(), Some(libc::ENOENT));

    // clunk.
    for fid in [root, dir, file, file2, link, hard, fifo, sock] {
        client.clunk(fid);
    }
    assert_eq!(client.stat(file).err(), Some(libc::EBADF));
    assert_eq!(client.stat(Fid(u64::MAX)).err(), Some(libc::EBADF));
}

fn set_xattr(path: &Path, name: &str, value: &[u8]) {
    let path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    let name = std::ffi::CString::new(name).unwrap();
    // SAFETY: both strings are NUL-terminated; value is valid for value.len() bytes.
    unsafe {
        libc::setxattr(
            path.as_ptr(),
            name.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
}

/// The read-only root (index 1) refuses every change.
pub fn read_only(client: &Client) {
    let (uid, gid) = ids();
    let (root, _) = client.attach(1).unwrap();
    let (readme, _) = client.walk(root, b"readme").unwrap();
    let (sub, _) = client.walk(root, b"sub").unwrap();
    assert_eq!(
        read_all(client.open(readme, libc::O_RDONLY).unwrap()),
        b"read only\n"
    );
    for flags in [libc::O_WRONLY, libc::O_RDWR, libc::O_RDONLY | libc::O_TRUNC] {
        assert_eq!(
            client.open(readme, flags).err(),
            Some(libc::EROFS),
            "{flags:#x}"
        );
    }
    let erofs = Some(libc::EROFS);
    assert_eq!(
        client
            .create(root, b"new", libc::O_RDWR, 0o600, uid, gid)
            .err(),
        erofs
    );
    assert_eq!(client.mkdir(root, b"new", 0o700, uid, gid).err(), erofs);
    assert_eq!(
        client
            .mknod(root, b"new", libc::S_IFIFO | 0o600, uid, gid)
            .err(),
        erofs
    );
    assert_eq!(
        client.symlink(root, b"new", b"readme", uid, gid).err(),
        erofs
    );
    assert_eq!(client.link(root, b"new", readme).err(), erofs);
    assert_eq!(client.unlink(root, b"readme", 0).err(), erofs);
    assert_eq!(client.unlink(root, b"sub", libc::AT_REMOVEDIR).err(), erofs);
    assert_eq!(
        client.rename(root, b"readme", sub, b"readme", 0).err(),
        erofs
    );
    for attr in [
        SetAttr {
            mode: Some(0o777),
            ..SetAttr::default()
        },
        SetAttr {
            size: Some(0),
            ..SetAttr::default()
        },
        SetAttr {
            uid: Some(uid),
            ..SetAttr::default()
        },
        SetAttr {
            mtime: Some(Timespec { sec: 1, nsec: 0 }),
            ..SetAttr::default()
        },
    ] {
        assert_eq!(client.setattr(readme, &attr).err(), erofs, "{attr:?}");
    }
    // Not across roots either, even into the writable one.
    let (rw, _) = client.attach(0).unwrap();
    assert_eq!(
        client.rename(root, b"readme", rw, b"stolen", 0).err(),
        erofs
    );
    assert_eq!(client.link(rw, b"stolen", readme).err(), erofs);
    assert_eq!(names(client, root), [".", "..", "readme", "sub"]);
    assert_eq!(
        client.setattr(readme, &SetAttr::default()).unwrap().size,
        10
    );
    for fid in [root, readme, sub, rw] {
        client.clunk(fid);
    }
}

/// Nothing outside the roots is reachable: symlinks are never followed, names with '/' or
/// ".." are refused, names swapped between walk and open are caught.
pub fn escapes(client: &Client, trees: &Trees) {
    let (uid, gid) = ids();
    let rw = trees.rw();
    let secret = trees.outside().join("secret");
    std::os::unix::fs::symlink(&secret, rw.join("abs")).unwrap();
    std::os::unix::fs::symlink("../outside/secret", rw.join("rel")).unwrap();
    std::os::unix::fs::symlink(trees.outside(), rw.join("dirlink")).unwrap();
    std::os::unix::fs::symlink("/", rw.join("slash")).unwrap();
    let (root, _) = client.attach(0).unwrap();

    // Symlinks are walked as themselves and never opened.
    for name in ["abs", "rel", "dirlink", "slash"] {
        let (link, st) = client.walk(root, name.as_bytes()).unwrap();
        assert_eq!(kind(st.mode), libc::S_IFLNK, "{name}");
        for flags in [
            libc::O_RDONLY,
            libc::O_RDWR | libc::O_TRUNC,
            libc::O_RDONLY | libc::O_DIRECTORY,
        ] {
            assert_eq!(client.open(link, flags).err(), Some(libc::ELOOP), "{name}");
        }
        assert_eq!(
            client.walk(link, b"secret").err(),
            Some(libc::ENOTDIR),
            "{name}"
        );
        assert_eq!(
            client.walk(link, b"etc").err(),
            Some(libc::ENOTDIR),
            "{name}"
        );
        assert_eq!(client.readdir(link).err(), Some(libc::ENOTDIR));
        assert_eq!(client.getxattr(link, b"user.x").err(), Some(libc::ENODATA));
        assert_eq!(
            client
                .setattr(
                    link,
                    &SetAttr {
                        mode: Some(0o777),
                        ..SetAttr::default()
                    }
                )
                .err(),
            Some(libc::EOPNOTSUPP)
        );
        assert_eq!(
            client
                .setattr(
                    link,
                    &SetAttr {
                        size: Some(0),
                        ..SetAttr::default()
                    }
                )
                .err(),
            Some(libc::EINVAL)
        );
        // Times and owner apply to the link itself.
        client
            .setattr(
                link,
                &SetAttr {
                    mtime: Some(Timespec { sec: 5, nsec: 0 }),
                    ..SetAttr::default()
                },
            )
            .unwrap();
        client
            .setattr(
                link,
                &SetAttr {
                    uid: Some(uid),
                    gid: Some(gid),
                    ..SetAttr::default()
                },
            )
            .unwrap();
        // Creating over the name does not follow it.
        assert_eq!(
            client
                .create(root, name.as_bytes(), libc::O_RDWR, 0o666, uid, gid)
                .err(),
            Some(libc::EEXIST)
        );
        assert_eq!(
            client.mkdir(root, name.as_bytes(), 0o777, uid, gid).err(),
            Some(libc::EEXIST)
        );
        client.clunk(link);
    }
    assert_ne!(std::fs::metadata(&secret).unwrap().mtime(), 5);

    // Names that are not one component.
    for name in [
        &b".."[..],
        b".",
        b"",
        b"dirlink/secret",
        b"/etc",
        b"a\0b",
        b"../outside",
    ] {
        assert_eq!(
            client.walk(root, name).err(),
            Some(libc::EINVAL),
            "{name:?}"
        );
        assert_eq!(
            client.mkdir(root, name, 0o700, uid, gid).err(),
            Some(libc::EINVAL),
            "{name:?}"
        );
        assert_eq!(
            client.rename(root, b"abs", root, name, 0).err(),
            Some(libc::EINVAL),
            "{name:?}"
        );
        assert_eq!(
            client.symlink(root, name, b"x", uid, gid).err(),
            Some(libc::EINVAL),
            "{name:?}"
        );
    }

    // A file swapped for a symlink between walk and open: the open goes through the parent and
    // the name with O_NOFOLLOW and fails.
    std::fs::write(rw.join("victim"), b"inside").unwrap();
    let (victim, _) = client.walk(root, b"victim").unwrap();
    std::fs::remove_file(rw.join("victim")).unwrap();
    std::os::unix::fs::symlink(&secret, rw.join("victim")).unwrap();
    assert_eq!(client.open(victim, libc::O_RDONLY).err(), Some(libc::ELOOP));
    assert_eq!(
        client.open(victim, libc::O_RDWR | libc::O_TRUNC).err(),
        Some(libc::ELOOP)
    );
    assert_eq!(
        client
            .setattr(
                victim,
                &SetAttr {
                    size: Some(0),
                    ..SetAttr::default()
                }
            )
            .err(),
        Some(libc::ELOOP)
    );
    // ... or for another regular file: refused as stale, not opened.
    std::fs::remove_file(rw.join("victim")).unwrap();
    std::fs::write(rw.join("victim"), b"other").unwrap();
    assert_eq!(
        client.open(victim, libc::O_RDONLY).err(),
        Some(libc::ESTALE)
    );
    assert_eq!(
        client.open(victim, libc::O_WRONLY | libc::O_TRUNC).err(),
        Some(libc::ESTALE)
    );
    assert_eq!(
        std::fs::read(rw.join("victim")).unwrap(),
        b"other",
        "not truncated"
    );

    // A directory swapped for a symlink between walk and use: the fid keeps meaning the
    // directory that was walked (inside the root); the new name is a symlink that leads nowhere.
    std::fs::create_dir(rw.join("d")).unwrap();
    std::fs::write(rw.join("d/inner"), b"inner").unwrap();
    let (d, _) = client.walk(root, b"d").unwrap();
    std::fs::rename(rw.join("d"), rw.join("d.moved")).unwrap();
    std::os::unix::fs::symlink(trees.outside(), rw.join("d")).unwrap();
    assert_eq!(names(client, d), [".", "..", "inner"]);
    let (inner, _) = client.walk(d, b"inner").unwrap();
    assert_eq!(
        read_all(client.open(inner, libc::O_RDONLY).unwrap()),
        b"inner"
    );
    assert_eq!(client.walk(d, b"secret").err(), Some(libc::ENOENT));
    let (d_now, st) = client.walk(root, b"d").unwrap();
    assert_eq!(kind(st.mode), libc::S_IFLNK);
    assert_eq!(client.walk(d_now, b"secret").err(), Some(libc::ENOTDIR));
    // Making a file in the walked directory lands inside the root.
    let (_, _, fd) = client
        .create(d, b"made", libc::O_WRONLY, 0o600, uid, gid)
        .unwrap();
    drop(fd);
    assert!(rw.join("d.moved/made").exists());

    // Hard links and renames take fids, so they only reach what was walked; across roots EXDEV.
    let (ro_root, _) = client.attach(1).unwrap();
    let (readme, _) = client.walk(ro_root, b"readme").unwrap();
    assert_eq!(
        client.rename(root, b"victim", ro_root, b"x", 0).err(),
        Some(libc::EROFS)
    );
    assert_eq!(client.link(root, b"x", readme).err(), Some(libc::EROFS));

    // Symlinks created through the gofer are stored, never followed.
    let (made, _) = client
        .symlink(root, b"made-link", b"/etc/passwd", uid, gid)
        .unwrap();
    assert_eq!(client.open(made, libc::O_RDONLY).err(), Some(libc::ELOOP));
    assert_eq!(client.readlink(made).unwrap(), b"/etc/passwd");

    for fid in [root, victim, d, inner, d_now, ro_root, readme, made] {
        client.clunk(fid);
    }
    trees.check_outside_untouched();
}

/// Roots that share a file system are still separate: renames and links between them are
/// `EXDEV`.
pub fn cross_root(client: &Client, first: u32, second: u32) {
    let (uid, gid) = ids();
    let (a, _) = client.attach(first).unwrap();
    let (b, _) = client.attach(second).unwrap();
    let (f, _, fd) = client
        .create(a, b"cross", libc::O_WRONLY, 0o600, uid, gid)
        .unwrap();
    drop(fd);
    assert_eq!(
        client.rename(a, b"cross", b, b"cross", 0).err(),
        Some(libc::EXDEV)
    );
    assert_eq!(client.link(b, b"cross", f).err(), Some(libc::EXDEV));
    client.unlink(a, b"cross", 0).unwrap();
    for fid in [a, b, f] {
        client.clunk(fid);
    }
}
