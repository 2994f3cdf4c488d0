//! Event files (signalfd, inotify), compared with Linux.

use blinders_tests::*;

#[test]
fn signalfd_and_inotify() {
    let prog = compile("events", &[]);
    let dir = TempDir::new("events");
    let pair = assert_same(&[prog.as_os_str(), dir.path().as_os_str()]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(out.contains("read: signo 10 code 0 pid self\n"), "{out}");
    assert!(out.contains("read(100): EINVAL\n"), "{out}");
}
