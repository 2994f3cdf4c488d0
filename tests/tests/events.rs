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
    assert!(
        out.contains("dir: MOVED_TO 'b-with-a-longer-name' (len 32) cookie matches\n"),
        "{out}"
    );
    assert!(
        out.contains("file: DELETE_SELF\n  file: IGNORED\n"),
        "{out}"
    );
    assert!(
        out.contains("blocking read: 32 mask 0x200 name a\n"),
        "{out}"
    );
}

#[test]
fn signal_driven_io() {
    let prog = compile("fasync", &[]);
    let pair = assert_same(&[prog.as_os_str()]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(
        out.contains("socket readable: SIGRTMIN+0 code 1 fd matches band 0x41\n"),
        "{out}"
    );
    assert!(
        out.contains("pipe readable: SIGIO code SI_KERNEL\n"),
        "{out}"
    );
    assert!(out.contains("after FIOASYNC off: EAGAIN\n"), "{out}");
    assert!(out.contains("FIOASYNC /dev/null: ENOTTY\n"), "{out}");
}
