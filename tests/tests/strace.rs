//! `--strace` (every system call printed to stderr in strace's format) and `--debug-log`.

use std::fs;
use std::process::Command;

use blinders_tests::*;

/// `line` with the padding strace puts between the arguments and ` = ` (it aligns results at
/// column 40) collapsed to one space, and trailing blanks dropped.
fn normalize(line: &str) -> String {
    let line = line.trim_end();
    if let Some(eq) = line.rfind(" = ") {
        let head = line[..eq].trim_end();
        if head.ends_with(')') {
            return format!("{head}{}", &line[eq..]);
        }
    }
    line.to_owned()
}

/// The trace in `stderr`, one normalized line per system call (blank lines dropped).
fn trace_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(normalize)
        .collect()
}

/// Whether `line` has the shape `name(args) = result[ comment]`.
fn is_syscall_line(line: &str) -> bool {
    let Some(open) = line.find('(') else {
        return false;
    };
    let name = &line[..open];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return false;
    }
    let Some(eq) = line.rfind(") = ") else {
        return false;
    };
    let result = line[eq + 4..].split(' ').next().unwrap_or("");
    result == "?"
        || result.parse::<i64>().is_ok()
        || result
            .strip_prefix("0x")
            .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Whether the host's strace shows glibc opening the loader cache (it does on Debian).
fn host_opens_ld_so_cache() -> bool {
    let Ok(out) = Command::new("strace")
        .args(["-e", "trace=openat", "/bin/true"])
        .output()
    else {
        // No strace on the host: glibc's dynamic loader on Debian opens it; expect it.
        return true;
    };
    String::from_utf8_lossy(&out.stderr)
        .contains(r#"openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3"#)
}

#[test]
fn strace_true() {
    let out = run_sandboxed(&["/bin/true"], &RunOpts::new().flag("--strace"));
    out.assert_code(0);
    assert!(
        out.stdout.is_empty(),
        "strace goes to stderr:\n{}",
        out.describe()
    );
    let err = out.stderr_str();
    let lines = trace_lines(&err);
    assert!(lines.len() > 10, "too few lines:\n{err}");
    let first = &lines[0];
    assert!(
        first.starts_with("execve(") || first.starts_with("brk(NULL)"),
        "the trace starts with execve or the loader's first call (brk(NULL)), not `{first}`"
    );
    if host_opens_ld_so_cache() {
        let want = r#"openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3"#;
        assert!(
            lines
                .iter()
                .any(|l| l.trim_end() == want || l.starts_with(&format!("{want} "))),
            "missing `{want}` in:\n{err}"
        );
    }
    assert_eq!(
        lines.last().map(String::as_str),
        Some("exit_group(0) = ?"),
        "the trace must end with exit_group:\n{err}"
    );
    let bad: Vec<&String> = lines.iter().filter(|l| !is_syscall_line(l)).collect();
    assert!(bad.is_empty(), "lines not in strace's format: {bad:#?}");
}

#[test]
fn strace_shows_errors_with_errno_name_and_text() {
    let missing = unique_path("strace-missing");
    let missing = missing.to_str().unwrap();
    let out = run_sandboxed(&["/bin/cat", missing], &RunOpts::new().flag("--strace"));
    out.assert_code(1);
    let err = out.stderr_str();
    let lines = trace_lines(&err);
    let want = format!(
        r#"openat(AT_FDCWD, "{missing}", O_RDONLY) = -1 ENOENT (No such file or directory)"#
    );
    assert!(lines.contains(&want), "missing `{want}` in:\n{err}");
    assert_eq!(
        lines.last().map(String::as_str),
        Some("exit_group(1) = ?"),
        "the trace must end with exit_group(1):\n{err}"
    );
    // cat's own message still reaches stderr.
    assert!(
        err.contains("No such file or directory"),
        "cat's error message:\n{err}"
    );
}

#[test]
fn strace_shows_write_and_leaves_stdout_alone() {
    let out = run_sandboxed(&["/bin/echo", "hi"], &RunOpts::new().flag("--strace"));
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "hi\n", "{}", out.describe());
    let err = out.stderr_str();
    assert!(
        trace_lines(&err)
            .iter()
            .any(|l| l == r#"write(1, "hi\n", 3) = 3"#),
        "missing the write in:\n{err}"
    );
}

#[test]
fn strace_static_program() {
    let bb = require_tool("/bin/busybox");
    let out = run_sandboxed(&[bb, "true"], &RunOpts::new().flag("--strace"));
    out.assert_code(0);
    let err = out.stderr_str();
    let lines = trace_lines(&err);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("arch_prctl(ARCH_SET_FS, ")),
        "a static glibc program sets its TLS with arch_prctl:\n{err}"
    );
    assert_eq!(lines.last().map(String::as_str), Some("exit_group(0) = ?"));
}

#[test]
fn debug_log_has_sentry_peak_rss() {
    let dir = TempDir::new("debug-log");
    let log_path = dir.path().join("sentry.log");
    let out = run_sandboxed(
        &["/bin/echo", "logged"],
        &RunOpts::new().flag("--debug-log").flag(&log_path),
    );
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "logged\n", "{}", out.describe());
    let log = fs::read_to_string(&log_path)
        .unwrap_or_else(|e| panic!("no debug log at {}: {e}", log_path.display()));
    let lines = lines_containing(&log, "sentry peak RSS: ");
    assert_eq!(lines.len(), 1, "one peak RSS line expected in:\n{log}");
    let rest = lines[0].split("sentry peak RSS: ").nth(1).unwrap();
    let kb: u64 = rest
        .strip_suffix(" kB")
        .or_else(|| rest.split(" kB").next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no number of kB in `{}`", lines[0]));
    assert!(
        (100..4_000_000).contains(&kb),
        "implausible sentry peak RSS {kb} kB"
    );
}

#[test]
fn strace_line_shape_checker() {
    assert!(is_syscall_line("exit_group(0) = ?"));
    assert!(is_syscall_line("brk(NULL) = 0x55edd6695000"));
    assert!(is_syscall_line(
        r#"access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)"#
    ));
    assert!(!is_syscall_line("+++ exited with 0 +++"));
    assert!(!is_syscall_line("hello"));
    assert!(!is_syscall_line("write(1, \"x\", 1) = "));
    assert_eq!(
        normalize("exit_group(0)                           = ?"),
        "exit_group(0) = ?"
    );
    assert_eq!(
        normalize(r#"write(1, "a   = b", 7)    = 7  "#),
        r#"write(1, "a   = b", 7) = 7"#
    );
}

/// A trace whose reader went away (`--strace ... 2>&1 | head`) must not stop the program: the
/// lines are dropped and the sandbox ends with the program's own status.
#[test]
fn strace_to_a_closed_pipe_runs_the_program_to_its_end() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let mut child = Command::new(blinders_bin())
        .args(["do", "--strace", "--", "/bin/sh", "-c"])
        .arg("for i in 1 2 3 4 5; do /bin/true; done; exit 7")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start blinders");
    // Read one line of the trace, then close the pipe's only reader.
    let mut err = child.stderr.take().expect("stderr pipe");
    let mut first = [0u8; 1];
    std::io::Read::read_exact(&mut err, &mut first).expect("a first byte of trace");
    drop(err);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the sandbox hung after its trace's reader went away");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(7), "{status:?}");
}
