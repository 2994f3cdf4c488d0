//! Reading the host's files through the sandbox: open/read/pread/lseek, fstat/stat/lstat,
//! getdents64, readlink (/proc/self/exe too), access/faccessat, fcntl and dup, relative paths.

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};

use blinders_tests::*;

/// The directory `files.c` expects (see the comment at its top).
fn fixture() -> TempDir {
    let dir = TempDir::new("files");
    dir.write("a.txt", "hello\nworld\n");
    let big: Vec<u8> = (0..102_400usize).map(|i| (i * 7 + i / 251) as u8).collect();
    dir.write("big.bin", big);
    dir.write("empty", "");
    fs::create_dir(dir.path().join("sub")).unwrap();
    symlink("a.txt", dir.path().join("link")).unwrap();
    let noexec = dir.write("noexec", "x\n");
    fs::set_permissions(noexec, fs::Permissions::from_mode(0o644)).unwrap();
    let exec = dir.write("exec", "x\n");
    fs::set_permissions(exec, fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn files(cc: Cc, args: &[&str]) {
    let prog = compile_with(cc, "files", args);
    let dir = fixture();
    let pair = assert_same(&[prog.as_os_str(), dir.path().as_os_str()]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    let exe = fs::canonicalize(&prog).unwrap();
    let want = format!("readlink /proc/self/exe = {}\n", exe.display());
    assert!(
        out.contains(&want),
        "missing `{}` in:\n{out}",
        want.trim_end()
    );
    assert!(
        out.contains("entries 9, more than one call: yes\n"),
        "{out}"
    );
    assert!(out.contains("read 5 = 5 \"hello\"\n"), "{out}");
}

#[test]
fn file_reading_dynamic_glibc() {
    files(Cc::Glibc, &[]);
}

#[test]
fn file_reading_static_musl() {
    files(Cc::Musl, &["-static"]);
}

/// A file changed on the host between two runs is seen changed: nothing is cached stale.
#[test]
fn host_changes_are_visible() {
    let dir = TempDir::new("changes");
    let f = dir.write("f", "first\n");
    let pair = assert_same(&["cat", f.to_str().unwrap()]);
    assert_eq!(pair.sandboxed.stdout_str(), "first\n");
    fs::write(&f, "second, longer\n").unwrap();
    let pair = assert_same(&["cat", f.to_str().unwrap()]);
    assert_eq!(pair.sandboxed.stdout_str(), "second, longer\n");
}
