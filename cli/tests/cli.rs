//! The command line itself: bad input gets one line naming what is wrong and a non-zero exit.
//! (These tests also make `cargo test --workspace` build the `blinders` binary that the
//! end-to-end tests in `tests/` run.)

use std::process::Command;

fn blinders(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_blinders"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn unknown_flag_is_one_line_and_exit_2() {
    let (code, stdout, stderr) = blinders(&["do", "--bogus", "/bin/true"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--bogus"), "{stderr}");
}

#[test]
fn unknown_command_is_one_line() {
    let (code, _, stderr) = blinders(&["frobnicate"]);
    assert_eq!(code, 2);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("frobnicate"), "{stderr}");
}

#[test]
fn do_without_a_command_is_an_error() {
    let (code, _, stderr) = blinders(&["do"]);
    assert_eq!(code, 2);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn unwritable_debug_log_is_one_line_and_nonzero() {
    let (code, _, stderr) = blinders(&["do", "--debug-log", "/nonexistent-dir/log", "/bin/true"]);
    assert_ne!(code, 0);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("/nonexistent-dir/log"), "{stderr}");
}

#[test]
fn help_lists_do() {
    let (code, stdout, _) = blinders(&["--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("do"), "{stdout}");
}
