//! File locks between processes (flock, fcntl record and OFD locks), compared with Linux.

use blinders_tests::*;

#[test]
fn flock_and_record_locks_between_processes() {
    let prog = compile("locks", &[]);
    let dir = TempDir::new("locks");
    let pair = assert_same(&[prog.as_os_str(), dir.path().as_os_str()]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(out.contains("child setlk write [5,10): ok\n"), "{out}");
    assert!(out.contains("ofd b write [0,1): EAGAIN\n"), "{out}");
    assert!(out.contains("flock b exclusive: EAGAIN\n"), "{out}");
}
