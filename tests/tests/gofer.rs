//! The gofer process: it serves the sandbox's files from outside the sentry, and when it dies
//! the program's file calls fail with EIO while the sandbox stays up and ends cleanly.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use blinders_tests::*;

/// The pids of the gofer processes whose parent is `parent`.
fn gofer_children(parent: u32) -> Vec<i32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let ppid = stat
            .rsplit(')')
            .next()
            .and_then(|s| s.split_whitespace().nth(1))
            .and_then(|s| s.parse::<u32>().ok());
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let is_gofer = cmdline.split(|&b| b == 0).nth(1) == Some(&b"gofer"[..]);
        if ppid == Some(parent) && is_gofer {
            out.push(pid);
        }
    }
    out
}

#[test]
fn gofer_runs_as_its_own_process_and_goes_with_the_sandbox() {
    let mut child = Command::new(blinders_bin())
        .args(["do", "--", "/bin/sh", "-c", "read x; echo got $x"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let gofers = loop {
        let g = gofer_children(child.id());
        if !g.is_empty() || Instant::now() > deadline {
            break g;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(gofers.len(), 1, "one gofer process per sandbox");
    let gofer = gofers[0];
    writeln!(child.stdin.take().unwrap(), "line").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "got line\n");
    // The gofer ends with the sandbox.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::path::Path::new(&format!("/proc/{gofer}")).exists() {
        let state = std::fs::read_to_string(format!("/proc/{gofer}/stat")).unwrap_or_default();
        if state.contains(") Z") || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let state = std::fs::read_to_string(format!("/proc/{gofer}/stat")).unwrap_or_default();
    assert!(
        state.is_empty() || state.contains(") Z"),
        "gofer {gofer} outlived its sandbox: {state}"
    );
}

#[test]
fn file_calls_fail_with_eio_when_the_gofer_dies() {
    let dir = TempDir::new("gofer-death");
    let file = dir.write("data", "first read\n");
    // Not opened before the gofer dies (an opened read-only file keeps its donated fd).
    let other = dir.write("other", "second file\n");
    let script = format!(
        "read x < {f}; echo \"before: $x\"; read go; \
         if read y < {o}; then echo \"after: $y\"; else echo \"after: failed\"; fi; \
         ls {d} >/dev/null 2>&1; echo \"ls: $?\"; echo done",
        f = file.display(),
        o = other.display(),
        d = dir.path().display()
    );
    let mut child = Command::new(blinders_bin())
        .args(["do", "--", "/bin/sh", "-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "before: first read\n");
    let gofers = gofer_children(child.id());
    assert_eq!(gofers.len(), 1);
    // SAFETY: kill(2) of a process this test started (through blinders).
    unsafe { libc::kill(gofers[0], libc::SIGKILL) };
    std::thread::sleep(Duration::from_millis(100));
    writeln!(child.stdin.take().unwrap(), "go").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(rest.contains("after: failed\n"), "{rest}\nstderr: {err}");
    assert!(
        err.contains("Input/output error") || err.contains("I/O error"),
        "the failure should be EIO: {err}"
    );
    assert!(rest.contains("done\n"), "the sandbox stays up: {rest}");
    assert!(status.success(), "{status:?}");
}
