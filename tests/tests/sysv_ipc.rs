//! System V IPC (shared memory, semaphores, message queues), compared with Linux.

use blinders_tests::*;

#[test]
fn sysv_shm_sem_msg_match_linux() {
    let prog = compile("sysv_ipc", &[]);
    let pair = assert_same(&[&prog]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(out.contains("shared: 99 7\n"), "{out}");
    assert!(
        out.contains("sem1 after the child's exit (undone): 0\n"),
        "{out}"
    );
}
