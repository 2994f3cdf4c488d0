//! The sandbox's life: when blinders dies, nothing it started is left running.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use blinders_tests::*;

/// The host pids of `pid`'s children (all its threads').
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|s| {
            s.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// Whether `pid` still runs (a zombie waiting for its reaper does not count).
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

#[test]
fn killing_blinders_kills_the_program() {
    let prog = compile("ready_sleep", &[]);
    let mut child = Command::new(blinders_bin())
        .args(["do", "--"])
        .arg(&prog)
        .arg("60")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "ready\n");
    // The program is running in its stub: blinders' child.
    let stubs = children(child.id());
    assert!(!stubs.is_empty(), "no stub process under blinders");
    assert!(stubs.iter().all(|&p| running(p)));

    child.kill().unwrap();
    child.wait().unwrap();
    // The kernel kills a traced stub when its tracer exits (PTRACE_O_EXITKILL); give it a
    // bounded moment to finish dying.
    let deadline = Instant::now() + Duration::from_secs(10);
    while stubs.iter().any(|&p| running(p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let left: Vec<u32> = stubs.into_iter().filter(|&p| running(p)).collect();
    assert!(
        left.is_empty(),
        "left running after blinders died: {left:?}"
    );
}

#[test]
fn program_runs_to_completion_when_left_alone() {
    let prog = compile("ready_sleep", &[]);
    let pair = assert_same(&[prog.to_str().unwrap(), "0"]);
    assert_eq!(pair.sandboxed.stdout_str(), "ready\nwoke\n");
}
