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

/// Directory notification (fcntl F_NOTIFY): the F_SETSIG signal with si_fd for creations,
/// renames and deletions in the directory; requests add up; 0 ends one; a one-shot request
/// ends with its first signal; a file is ENOTDIR. The same answers as natively.
#[test]
fn dnotify_signals_directory_changes() {
    let prog = compile("dnotify", &[]);
    let dir = TempDir::new("dnotify");
    let pair = assert_same(&[prog.to_str().unwrap(), dir.path().to_str().unwrap()]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(
        out.contains("rename: signalled, si_fd the watching fd, si_code 3\n"),
        "{out}"
    );
    assert!(
        out.contains("create after the one shot: no signal\n"),
        "{out}"
    );
}
