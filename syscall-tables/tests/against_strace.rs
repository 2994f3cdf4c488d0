//! Compares the formatter with the real strace on this machine, when there is one.
//!
//! strace runs the same program twice with address randomisation off (`setarch -R`): once with
//! `-e raw=all`, which prints every argument and result as a raw number, and once normally. Each
//! raw line gives the registers to feed `format_syscall_aligned`, and the normal line is the
//! expected text. Lines whose arguments strace decoded from memory (strings, structures,
//! arrays) are skipped: this test has no access to the traced program's memory. The unit tests
//! in `src/format/tests.rs` cover those with strace output copied into fake memory.

use std::path::PathBuf;
use std::process::Command;
use syscall_tables::{errno_name, format_syscall_aligned, syscall_name, SYSCALL_TABLE_LEN};

fn number_of(name: &str) -> Option<u64> {
    (0..SYSCALL_TABLE_LEN as u64).find(|&nr| syscall_name(nr) == Some(name))
}

fn parse_hex(text: &str) -> Option<u64> {
    match text.strip_prefix("0x") {
        Some(digits) => u64::from_str_radix(digits, 16).ok(),
        None => text.parse().ok(),
    }
}

/// `name(0x1, 0, ...) = 0x3` into the number, registers and raw return value.
fn parse_raw(line: &str) -> Option<(u64, [u64; 6], Option<i64>)> {
    let (call, result) = line.split_once(" = ")?;
    let call = call.trim_end();
    let (name, args) = call.strip_suffix(')')?.split_once('(')?;
    let nr = number_of(name)?;
    let mut regs = [0u64; 6];
    for (slot, arg) in regs
        .iter_mut()
        .zip(args.split(", ").filter(|a| !a.is_empty()))
    {
        *slot = parse_hex(arg)?;
    }
    let ret = if result.starts_with('?') {
        None
    } else if let Some(rest) = result.strip_prefix("-1 ") {
        let name = rest.split_whitespace().next()?;
        let errno = (1..600).find(|&e| errno_name(e) == Some(name))?;
        Some(-i64::from(errno))
    } else {
        Some(parse_hex(result.split_whitespace().next()?)? as i64)
    };
    Some((nr, regs, ret))
}

/// Runs `strace` on `program` and returns its output lines, or `None` if strace cannot run here.
fn strace(program: &[&str], extra: &[&str], tag: &str) -> Option<Vec<String>> {
    let out: PathBuf = std::env::temp_dir().join(format!(
        "syscall-tables-strace-{}-{tag}.txt",
        std::process::id()
    ));
    // strace exits with the program's status, so only its output tells whether it ran.
    Command::new("setarch")
        .args(["-R", "strace", "-qq", "-o"])
        .arg(&out)
        .args(extra)
        .args(program)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    let text = std::fs::read_to_string(&out).ok();
    let _ = std::fs::remove_file(&out);
    let lines: Vec<String> = text?.lines().map(str::to_string).collect();
    lines.first()?.starts_with("execve(").then_some(lines)
}

fn compare(program: &[&str]) -> usize {
    let tag = program[0].replace('/', "_");
    let (Some(raw), Some(decoded)) = (
        strace(program, &["-e", "raw=all"], &format!("{tag}-raw")),
        strace(program, &[], &format!("{tag}-decoded")),
    ) else {
        eprintln!("strace or setarch cannot run here; skipping");
        return 0;
    };
    let mut compared = 0;
    for (raw_line, expected) in raw.iter().zip(&decoded) {
        let name = |line: &str| line.split('(').next().unwrap_or("").to_string();
        if name(raw_line) != name(expected) {
            eprintln!("the two runs diverged at {expected:?}; stopping there");
            break;
        }
        let (call, _) = expected.split_once(" = ").unwrap_or((expected, ""));
        // Decoded from memory, or a value that differs between runs (pids).
        if call.contains(['"', '{', '[']) || expected.starts_with("set_tid_address") {
            continue;
        }
        let Some((nr, regs, ret)) = parse_raw(raw_line) else {
            panic!("cannot parse strace's raw line {raw_line:?}");
        };
        let got = format_syscall_aligned(nr, &regs, ret, &|_, _| None);
        assert_eq!(&got, expected, "raw: {raw_line}");
        compared += 1;
    }
    compared
}

#[test]
fn bin_true_matches_strace() {
    let compared = compare(&["/bin/true"]);
    eprintln!("{compared} lines matched strace");
}

#[test]
fn failing_ls_matches_strace() {
    let compared = compare(&["/bin/ls", "-l", "/nonexistent-syscall-tables-test"]);
    eprintln!("{compared} lines matched strace");
}
