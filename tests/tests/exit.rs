//! Exit statuses: normal exits, death by signal (128+N), commands that cannot be run, and
//! blinders' own command-line errors.

use blinders_tests::*;

fn exit_case(args: &[&str], code: i32, stdout: &str) {
    let prog = compile("exit", &[]);
    let mut argv = vec![prog.to_str().unwrap()];
    argv.extend_from_slice(args);
    let pair = assert_same(&argv);
    pair.sandboxed.assert_code(code);
    assert_eq!(pair.sandboxed.stdout_str(), stdout);
}

#[test]
fn exit_0() {
    exit_case(&["exit", "0"], 0, "mode exit");
}

#[test]
fn exit_3() {
    exit_case(&["exit", "3"], 3, "mode exit");
}

#[test]
fn exit_255() {
    exit_case(&["exit", "255"], 255, "mode exit");
}

/// exit(256) is 0 to the parent: only the low 8 bits survive.
#[test]
fn exit_256_wraps_to_0() {
    exit_case(&["exit", "256"], 0, "mode exit");
}

#[test]
fn return_from_main() {
    exit_case(&["return", "42"], 42, "mode return");
}

/// _exit skips stdio's flush: the buffered text is lost natively and must be lost too.
#[test]
fn underscore_exit_skips_stdio_flush() {
    exit_case(&["_exit", "7"], 7, "");
}

#[test]
fn true_and_false() {
    assert_same(&["/bin/true"]).sandboxed.assert_code(0);
    assert_same(&["/bin/false"]).sandboxed.assert_code(1);
}

#[test]
fn null_dereference_is_sigsegv_139() {
    let prog = compile("exit", &[]);
    let pair = assert_same(&[prog.to_str().unwrap(), "segv"]);
    assert_eq!(pair.native.status, Status::Signaled(libc::SIGSEGV));
    pair.sandboxed.assert_code(139);
    assert_eq!(pair.sandboxed.stdout_str(), "mode segv");
}

#[test]
fn abort_is_sigabrt_134() {
    let prog = compile("exit", &[]);
    let pair = assert_same(&[prog.to_str().unwrap(), "abort"]);
    assert_eq!(pair.native.status, Status::Signaled(libc::SIGABRT));
    pair.sandboxed.assert_code(134);
}

#[test]
fn static_program_crash_is_139() {
    let prog = compile("exit", &["-static"]);
    let pair = assert_same(&[prog.to_str().unwrap(), "segv"]);
    pair.sandboxed.assert_code(139);
}

#[test]
fn command_not_found_is_127_with_one_line_error() {
    let name = format!("blinders-no-such-command-{}", std::process::id());
    let out = run_sandboxed(&[name.as_str()], &RunOpts::new());
    out.assert_code(127);
    assert_one_line_error(&out);
    assert!(
        out.stderr_str().contains(&name),
        "the error should name the command:\n{}",
        out.describe()
    );
    // And with a path that does not exist.
    let missing = unique_path("missing-program");
    let out = run_sandboxed(&[&missing], &RunOpts::new());
    out.assert_code(127);
    assert_one_line_error(&out);
}

#[test]
fn not_executable_is_126_with_one_line_error() {
    let dir = TempDir::new("noexec");
    let file = non_executable_file(&dir);
    let out = run_sandboxed(&[&file], &RunOpts::new());
    out.assert_code(126);
    assert_one_line_error(&out);
    assert!(
        !out.stdout_str().contains("should not run"),
        "{}",
        out.describe()
    );
}

#[test]
fn arguments_after_the_command_belong_to_it() {
    // No `--`: flags after CMD are CMD's, not blinders'.
    let out = run_blinders(&["do", "/bin/echo", "--strace", "-x"], &RunOpts::new());
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "--strace -x\n", "{}", out.describe());
}

#[test]
fn bad_command_line_is_a_one_line_error() {
    for args in [
        &["do"][..],
        &["do", "--no-such-flag", "/bin/true"][..],
        &["no-such-subcommand"][..],
        &["do", "--debug-log"][..],
    ] {
        let out = run_blinders(args, &RunOpts::new());
        assert_ne!(
            out.code(),
            0,
            "blinders {args:?} must fail:\n{}",
            out.describe()
        );
        assert!(
            out.stdout.is_empty(),
            "blinders {args:?}: nothing on stdout:\n{}",
            out.describe()
        );
        assert_one_line_error(&out);
    }
}
