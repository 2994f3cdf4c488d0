//! The real gofer process: `gofer::run` (chroot, no new privileges, seccomp) in a forked child,
//! every operation driven from the parent through the client.
//!
//! `harness = false`: libtest runs tests on threads, and a multi-threaded process may not do much
//! after `fork`. This binary stays single threaded, so the child can run the gofer as it is.

mod common;

use std::os::fd::OwnedFd;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use common::Trees;
use gofer::{Client, Root};

const TESTS: &[(&str, fn())] = &[
    (
        "confined_gofer_serves_every_operation",
        confined_gofer_serves_every_operation,
    ),
    ("killed_gofer_gives_eio", killed_gofer_gives_eio),
    (
        "unprivileged_gofer_still_serves",
        unprivileged_gofer_still_serves,
    ),
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for (name, _) in TESTS {
            println!("{name}: test");
        }
        return;
    }
    let filter = args.iter().find(|a| !a.starts_with('-'));
    let mut failed = Vec::new();
    let mut passed = 0;
    for &(name, test) in TESTS {
        if filter.is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let ok = std::panic::catch_unwind(test).is_ok();
        println!("test {name} ... {}", if ok { "ok" } else { "FAILED" });
        if ok {
            passed += 1;
        } else {
            failed.push(name);
        }
    }
    println!(
        "\ntest result: {}. {passed} passed; {} failed",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len()
    );
    if !failed.is_empty() {
        std::process::exit(101);
    }
}

/// Forks a child that runs the gofer on `roots` and then `after`; returns the client and the
/// child's pid.
fn spawn_gofer(roots: Vec<Root>, after: impl FnOnce() -> i32) -> (Client, libc::pid_t) {
    spawn_gofer_as(None, roots, after)
}

/// As [`spawn_gofer`], the child first switching to `ids` (uid, gid) if given.
fn spawn_gofer_as(
    ids: Option<(u32, u32)>,
    roots: Vec<Root>,
    after: impl FnOnce() -> i32,
) -> (Client, libc::pid_t) {
    let (ours, theirs) = gofer::socket_pair().unwrap();
    // SAFETY: this test binary is single threaded, so the child may run ordinary code.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        drop(ours);
        if let Some((uid, gid)) = ids {
            // SAFETY: plain system calls; the groups first, while still permitted.
            let ok = unsafe {
                libc::setgroups(0, std::ptr::null()) == 0
                    && libc::setgid(gid) == 0
                    && libc::setuid(uid) == 0
            };
            if !ok {
                // SAFETY: _exit ends the child at once.
                unsafe { libc::_exit(4) };
            }
        }
        let code = std::panic::catch_unwind(AssertUnwindSafe(|| child(theirs, &roots, after)))
            .unwrap_or(3);
        // SAFETY: _exit ends the child without running the parent's cleanup twice.
        unsafe { libc::_exit(code) };
    }
    drop(theirs);
    (Client::new(ours).unwrap(), pid)
}

fn child(sock: OwnedFd, roots: &[Root], after: impl FnOnce() -> i32) -> i32 {
    match gofer::run(sock, roots) {
        Ok(()) => after(),
        Err(err) => {
            eprintln!("gofer: {err}");
            2
        }
    }
}

fn wait(pid: libc::pid_t) -> libc::c_int {
    let mut status = 0;
    // SAFETY: `status` is valid for writing; `pid` is our child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    status
}

fn confined_gofer_serves_every_operation() {
    let trees = Trees::new("confined");
    let second = trees.base.path().join("rw2");
    std::fs::create_dir(&second).unwrap();
    let mut roots = trees.roots();
    roots.push(Root {
        path: second,
        read_only: false,
    });
    let host_paths = [
        trees.rw(),
        "/etc".into(),
        "/tmp".into(),
        "/proc/self".into(),
    ];
    let (client, pid) = spawn_gofer(roots, move || {
        // After serving: as root, no host path resolves in the empty chroot...
        let visible = host_paths
            .iter()
            .any(|p| std::fs::symlink_metadata(p).is_ok());
        if common::ids().0 == 0 && visible {
            return 10;
        }
        // ... and a system call outside the allow-list kills the process.
        // SAFETY: getppid has no arguments; the seccomp filter should kill us here.
        unsafe { libc::syscall(libc::SYS_getppid) };
        11
    });
    common::all_ops(&client, &trees.rw());
    common::read_only(&client);
    common::escapes(&client, &trees);
    common::cross_root(&client, 0, 2);
    drop(client);
    let status = wait(pid);
    assert!(
        libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGSYS,
        "the child should be killed by seccomp after its checks; status {status:#x}"
    );
    trees.check_outside_untouched();
}

fn killed_gofer_gives_eio() {
    let trees = Trees::new("killed");
    let (client, pid) = spawn_gofer(trees.roots(), || 0);
    let (root, _) = client.attach(0).unwrap();
    client.stat(root).unwrap();
    // SAFETY: `pid` is our child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    let status = wait(pid);
    assert!(libc::WIFSIGNALED(status));
    let start = Instant::now();
    assert_eq!(client.stat(root).err(), Some(libc::EIO));
    assert_eq!(client.walk(root, b"x").err(), Some(libc::EIO));
    assert_eq!(client.open(root, libc::O_RDONLY).err(), Some(libc::EIO));
    assert_eq!(client.readdir(root).err(), Some(libc::EIO));
    client.clunk(root);
    assert!(start.elapsed() < Duration::from_secs(2));
}

/// Without privileges the chroot is skipped, and everything else still works: new files keep
/// the gofer's ids when it may not give them away.
fn unprivileged_gofer_still_serves() {
    if common::ids().0 != 0 {
        eprintln!("skipped: needs root to switch to an unprivileged user");
        return;
    }
    let trees = Trees::new("nobody");
    let nobody = (65534, 65534);
    for dir in [trees.base.path().to_owned(), trees.rw(), trees.ro()] {
        let mode = std::os::unix::fs::PermissionsExt::from_mode(0o777);
        std::fs::set_permissions(&dir, mode).unwrap();
    }
    let (client, pid) = spawn_gofer_as(Some(nobody), trees.roots(), || 0);
    let (root, _) = client.attach(0).unwrap();
    let (f, st, fd) = client
        .create(root, b"f", libc::O_RDWR, 0o640, 0, 0)
        .unwrap();
    assert_eq!((st.uid, st.gid, st.mode & 0o7777), (65534, 65534, 0o640));
    drop(fd);
    let (d, st) = client.mkdir(root, b"d", 0o750, 0, 0).unwrap();
    assert_eq!((st.uid, st.mode & 0o7777), (65534, 0o750));
    client.rename(root, b"f", d, b"g", 0).unwrap();
    // Without CAP_DAC_READ_SEARCH the link goes by the (renamed) parent and name, checked.
    assert_eq!(client.link(root, b"h", f).unwrap().nlink, 2);
    drop(client.open(f, libc::O_RDONLY).unwrap());
    let names: Vec<_> = client
        .readdir(d)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert!(names.contains(&b"g".to_vec()));
    common::read_only(&client);
    drop(client);
    let status = wait(pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "status {status:#x}"
    );
}
