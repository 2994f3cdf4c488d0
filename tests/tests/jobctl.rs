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

/// `blinders do -t` under a host terminal (script(1) makes one): the program's stdio is a pty
/// of the sandbox's own, with the host window size.
#[test]
fn do_t_gives_the_program_a_terminal_of_its_own() {
    let script = require_tool("/usr/bin/script");
    let blinders = blinders_bin();
    let inner = format!(
        "stty rows 33 cols 101; {} do -t /bin/sh -c 'tty; stty size; echo status $?'",
        blinders.display()
    );
    let mut cmd = std::process::Command::new(script);
    cmd.args(["-qec", &inner, "/dev/null"]);
    let out = run_command(cmd, &RunOpts::new(), "script");
    out.assert_code(0);
    let text = out.stdout_str();
    assert!(text.contains("/dev/pts/0\r\n"), "{}", out.describe());
    assert!(text.contains("33 101\r\n"), "{}", out.describe());
    assert!(text.contains("status 0\r\n"), "{}", out.describe());
}

#[test]
fn do_t_without_a_terminal_is_a_usage_error() {
    let out = run_blinders(&["do", "-t", "/bin/true"], &RunOpts::new());
    out.assert_code(2);
    assert_one_line_error(&out);
    assert!(
        out.stderr_str().contains("-t needs a terminal on stdin"),
        "{}",
        out.describe()
    );
}
