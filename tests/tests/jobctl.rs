//! Job control (signal(7), wait(2), credentials(7)): group stops, SIGCONT, their reports to
//! wait and SIGCHLD, orphaned process groups; compared with Linux.

use blinders_tests::*;

#[test]
fn stop_continue_wait_reports_and_orphaned_groups() {
    let prog = compile("jobctl", &[]);
    let pair = assert_same(&[prog.as_os_str()]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(
        out.contains("waitpid WUNTRACED: stopped by 19 (status 0x137f)\n"),
        "{out}"
    );
    assert!(
        out.contains("waitpid WCONTINUED: continued (status 0xffff)\n"),
        "{out}"
    );
    assert!(out.contains("G: SIGHUP\nG: continued\n"), "{out}");
    assert!(out.ends_with("done\n"), "{out}");
}

#[test]
fn background_groups_get_sigttin_and_sigttou_from_their_terminal() {
    let prog = compile("jobctl_tty", &[]);
    let pair = assert_same(&[prog.as_os_str()]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(out.contains("  reader: stopped by 21\n"), "{out}");
    assert!(out.contains("  read: -1 EIO\n"), "{out}");
    assert!(out.contains("  writer: stopped by 22\n"), "{out}");
    assert!(out.contains("  setter: stopped by 22\n"), "{out}");
}
