//! Error returns: bad pointers (EFAULT), bad flags and numbers (EINVAL, EBADF, ...), and
//! unimplemented system calls (ENOSYS, logged once by name).

use std::fs;

use blinders_tests::*;

fn efault(section: &str) {
    let prog = compile("efault", &[]);
    let pair = assert_same(&[prog.to_str().unwrap(), section]);
    let out = pair.sandboxed.stdout_str();
    assert!(out.ends_with("still alive\n"), "{out}");
    // The comparison above is the test; this guards against a native run that stopped
    // returning EFAULT (a changed program), which would make the comparison weaker.
    let calls: Vec<&str> = out.lines().filter(|l| l.contains(" = ")).collect();
    assert!(calls.len() >= 20, "{out}");
    for line in calls {
        assert!(
            line.ends_with("= -1 EFAULT"),
            "every call must fail with EFAULT: `{line}`"
        );
    }
}

#[test]
fn efault_read_write_open_stat_uname_clock_getrandom() {
    efault("core");
}

#[test]
fn efault_more_calls() {
    efault("more");
}

fn einval(section: &str) -> String {
    let prog = compile("einval", &[]);
    let pair = assert_same(&[prog.to_str().unwrap(), section]);
    pair.sandboxed.assert_code(0);
    pair.sandboxed.stdout_str()
}

#[test]
fn einval_getrandom_flags() {
    let out = einval("getrandom");
    assert!(
        out.contains("getrandom flags 0x1000 = -1 EINVAL\n"),
        "{out}"
    );
}

#[test]
fn einval_mmap_family() {
    let out = einval("mm");
    assert!(out.contains("mmap len 0 = -1 EINVAL\n"), "{out}");
    assert!(out.contains("madvise bad advice = -1 EINVAL\n"), "{out}");
}

#[test]
fn einval_time() {
    einval("time");
}

#[test]
fn ebadf_einval_file_calls() {
    einval("files");
}

#[test]
fn einval_misc_and_unknown_syscall_numbers() {
    let out = einval("misc");
    assert!(out.contains("syscall 1000 = -1 ENOSYS\n"), "{out}");
}

#[test]
fn unimplemented_syscall_is_enosys() {
    let prog = compile("enosys", &[]);
    let out = run_sandboxed(&[&prog], &RunOpts::new());
    out.assert_code(0);
    assert_eq!(
        out.stdout_str(),
        "add_key #1 = -1 ENOSYS\n\
         add_key #2 = -1 ENOSYS\n\
         request_key = -1 ENOSYS\n\
         syscall 1000 = -1 ENOSYS\n\
         still alive\n",
        "{}",
        out.describe()
    );
}

#[test]
fn unimplemented_syscall_is_logged_once_per_name() {
    let prog = compile("enosys", &[]);
    let dir = TempDir::new("enosys-log");
    let log_path = dir.path().join("debug.log");
    let out = run_sandboxed(
        &[&prog],
        &RunOpts::new().flag("--debug-log").flag(&log_path),
    );
    out.assert_code(0);
    assert!(
        out.stdout_str().starts_with("add_key #1 = -1 ENOSYS\n"),
        "{}",
        out.describe()
    );
    let log = fs::read_to_string(&log_path)
        .unwrap_or_else(|e| panic!("no debug log at {}: {e}", log_path.display()));
    for (name, want) in [("add_key", 1), ("request_key", 1)] {
        let needle = format!("unimplemented syscall {name}");
        let n = count_word(&log, &needle);
        assert_eq!(
            n,
            want,
            "`{needle}` should be logged exactly once (add_key was called twice); log lines:\n{}",
            lines_containing(&log, "unimplemented").join("\n")
        );
        let line = lines_containing(&log, &needle)[0];
        assert!(
            line.to_ascii_lowercase().contains("warn"),
            "logged at warn level: `{line}`"
        );
    }
}

/// The 32-bit syscall entry (`int $0x80`) is not served: the sandbox answers ENOSYS instead of
/// misreading the call with the 64-bit numbering. Natively it is getpid, a positive pid.
#[test]
fn int80_is_enosys_not_a_64bit_call() {
    let prog = compile("int80", &[]);
    let native = run_native(&[&prog], &RunOpts::new());
    native.assert_code(0);
    assert!(
        native.stdout_str().trim().parse::<i64>().unwrap() > 0,
        "{}",
        native.describe()
    );
    let out = run_sandboxed(&[&prog], &RunOpts::new());
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "-38\n", "{}", out.describe());
}

/// Every syscall that cannot block or end the caller, called with hostile arguments: the
/// sentry answers each (with an errno or a value) and never fails itself.
#[test]
fn hostile_arguments_never_break_the_sentry() {
    let prog = compile("syscall_fuzz", &[]);
    let dir = TempDir::new("fuzz");
    let out = run_sandboxed(
        &[prog.to_str().unwrap(), "20"],
        &RunOpts::new().cwd(dir.path()).stdin(Vec::new()),
    );
    let stdout = out.stdout_str();
    assert!(stdout.ends_with("survived\n"), "{}", out.describe());
    out.assert_code(0);
    let stderr = out.stderr_str();
    assert!(
        !stderr.contains("blinders:") && !stderr.contains("panicked"),
        "{}",
        out.describe()
    );
}
