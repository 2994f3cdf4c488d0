//! Processes: fork trees, vfork and execve, wait statuses, waitid, orphans, pipes between
//! processes, process groups and sessions, kill(pid, 0); shells and Python starting processes;
//! the sandbox's cap on the number of tasks.

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::time::Duration;

use blinders_tests::*;

/// Runs `procs MODE ARGS...` natively and sandboxed and compares them; returns the pair.
#[track_caller]
fn procs(mode: &str, args: &[&str]) -> Pair {
    let prog = compile("procs", &[]);
    let mut argv = vec![prog.to_str().unwrap(), mode];
    argv.extend_from_slice(args);
    assert_same(&argv)
}

#[track_caller]
fn procs_expect(mode: &str, code: i32, stdout: &str) {
    let pair = procs(mode, &[]);
    pair.sandboxed.assert_code(code);
    assert_eq!(pair.sandboxed.stdout_str(), stdout);
}

#[test]
fn fork_tree_exit_codes() {
    procs_expect(
        "tree",
        0,
        "children: 1 2 3\ngrandchildren: 11 12 21 22 31 32\nwait after all = -1 ECHILD\n",
    );
}

#[test]
fn vfork_then_execve_echo() {
    procs_expect(
        "vfork_exec",
        0,
        "before vfork\nafter vfork\nwaitpid returned the child: yes\necho: exited 0\n\
         missing: exited 42\n",
    );
}

#[test]
fn fork_then_execve_shell_script() {
    // Written here: the sandbox's root file system is read-only for now.
    let dir = TempDir::new("procs-script");
    let script = dir.write(
        "script.sh",
        "#!/bin/sh\necho \"script got $# args: $*\"\necho \"\\$0 is ${0##*/}\"\nexit 5\n",
    );
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let noexec = dir.write("noexec.sh", "#!/bin/sh\necho should not run\n");
    fs::set_permissions(&noexec, fs::Permissions::from_mode(0o644)).unwrap();
    let pair = procs("script", &[dir.path().to_str().unwrap()]);
    pair.sandboxed.assert_code(0);
    assert_eq!(
        pair.sandboxed.stdout_str(),
        "script got 2 args: one two words\n$0 is script.sh\nscript: exited 5\n\
         execve without exec bit = -1 EACCES\n"
    );
}

#[test]
fn wait_status_decoding() {
    let pair = procs("status", &[]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    for want in [
        "exit 7: exited 7\n",
        "killed: signaled 9 (SIGKILL)\n",
        "  WIFEXITED=0 WIFSIGNALED=1 WTERMSIG=9\n",
        "terminated: signaled 15 (SIGTERM)\n",
        "abort: signaled 6 (SIGABRT)\n",
        "exit 259: exited 3\n",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

#[test]
fn waitpid_wnohang_before_the_child_ends() {
    let pair = procs("wnohang", &[]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(
        out.starts_with("waitpid WNOHANG while running = 0\n"),
        "{out}"
    );
    assert!(out.contains("child: exited 3\n"), "{out}");
}

#[test]
fn waitid_siginfo_fields() {
    let pair = procs("waitid", &[]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(
        out.contains(
            "exit 9: si_signo=SIGCHLD si_pid matches=yes si_code=CLD_EXITED si_status=9\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "killed: si_signo=SIGCHLD si_pid matches=yes si_code=CLD_KILLED si_status=9\n"
        ),
        "{out}"
    );
}

#[test]
fn echild_without_children() {
    let pair = procs("echild", &[]);
    pair.sandboxed.assert_code(0);
    assert!(pair
        .sandboxed
        .stdout_str()
        .starts_with("wait = -1 ECHILD\n"));
}

#[test]
fn orphan_is_reparented() {
    procs_expect(
        "orphan",
        0,
        "middle child: exited 6\nchild: forked the grandchild, exiting\ngrandchild: reparented\n",
    );
}

#[test]
fn one_mib_through_pipes_both_ways() {
    let pair = procs("pipe", &[]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(
        out.contains("1048576 bytes") && !out.contains(": no"),
        "{out}"
    );
}

#[test]
fn pid_and_ppid_relations() {
    let pair = procs("ids", &[]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(!out.contains(": no"), "{out}");
    assert!(
        out.contains("child's getppid is the parent's getpid: yes\n"),
        "{out}"
    );
}

#[test]
fn process_groups_and_sessions() {
    let pair = procs("pgrp", &[]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(!out.contains(": no"), "{out}");
    assert!(out.contains("group child: signaled 9 (SIGKILL)\n"), "{out}");
}

#[test]
fn kill_0_checks_existence() {
    procs_expect(
        "kill0",
        0,
        "kill(live child, 0) = 0\nkill(zombie child, 0) = 0\nkill(reaped child, 0) = -1 ESRCH\n\
         kill(self, 0) = 0\nkill(self, signal 65) = -1 EINVAL\n",
    );
}

#[test]
fn child_returning_42_from_main() {
    procs_expect(
        "ret42",
        0,
        "child returning 42 from main: exited 42\n\
         exec'd program returning 42 from main: exited 42\n",
    );
    procs_expect("main42", 42, "");
}

/// MemAvailable from /proc/meminfo, in KiB.
fn mem_available_kib() -> u64 {
    let info = fs::read_to_string("/proc/meminfo").expect("read /proc/meminfo");
    info.lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("MemAvailable in /proc/meminfo")
}

fn mem_total_kib() -> u64 {
    let info = fs::read_to_string("/proc/meminfo").expect("read /proc/meminfo");
    info.lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("MemTotal in /proc/meminfo")
}

/// Runs `blinders do ARGV` like [`run_sandboxed`], but also kills the run (and fails the test)
/// when the host runs low on memory: thousands of tasks must not take the machine down with
/// them (the OOM killer would pick other processes too) if each costs the sandbox too much.
fn run_sandboxed_memory_guarded(argv: &[&str], timeout: Duration) -> Output {
    use std::io::Read as _;
    use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
    use std::process::{Command, Stdio};
    use std::time::Instant;

    // Leave at least 15% of the host's memory (and 1 GiB) alone.
    let floor = (mem_total_kib() * 15 / 100).max(1 << 20);
    let start_available = mem_available_kib();
    assert!(
        start_available > floor * 2,
        "too little free memory to run this test: {start_available} KiB available"
    );
    let mut child = Command::new(blinders_bin())
        .arg("do")
        .arg("--")
        .args(argv)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("spawn blinders");
    let pgid = i32::try_from(child.id()).expect("pid fits in i32");
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out_thread = drain(Box::new(child.stdout.take().unwrap()));
    let err_thread = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let mut lowest = start_available;
    let mut problem = None;
    let status = loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            break st;
        }
        let available = mem_available_kib();
        lowest = lowest.min(available);
        let why = if available < floor {
            Some(format!(
                "the host ran low on memory ({available} KiB available, {start_available} KiB \
                 at the start) after {:?}: killed",
                started.elapsed()
            ))
        } else if started.elapsed() > timeout {
            Some(format!("timed out after {timeout:?}: killed"))
        } else {
            None
        };
        if let Some(why) = why {
            // SAFETY: kill(2) takes no pointers; the group is this run's, not yet reaped.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
            problem = Some(why);
            break child.wait().expect("wait");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = Output {
        status: match (status.code(), status.signal()) {
            (Some(c), _) => Status::Exited(c),
            (_, Some(s)) => Status::Signaled(s),
            _ => unreachable!("exit status is an exit or a signal"),
        },
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
    };
    if let Some(why) = problem {
        // Give the killed tasks a moment to release their memory before other tests run.
        let deadline = Instant::now() + Duration::from_secs(60);
        while mem_available_kib() < start_available / 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("sandboxed run of {argv:?}: {why}\n{}", output.describe());
    }
    eprintln!(
        "fork bomb: {:?}, lowest MemAvailable {lowest} KiB of {start_available} KiB at the start",
        started.elapsed()
    );
    output
}

/// Forks until fork fails. Only sandboxed: natively it would run into the host's limits. The
/// sandbox caps tasks at 4096, so fork must fail with EAGAIN well before the program's own cap
/// (5000), and everything must be reaped within the harness timeout, without exhausting the
/// host's memory on the way.
#[test]
fn fork_bomb_hits_the_task_limit() {
    let prog = compile("procs", &[]);
    let timeout = std::env::var("BLINDERS_TEST_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::from_secs(120), Duration::from_secs);
    let out = run_sandboxed_memory_guarded(&[prog.to_str().unwrap(), "forkbomb", "5000"], timeout);
    out.assert_code(0);
    assert_eq!(
        out.stdout_str(),
        "fork failed: EAGAIN\nforked at least 100: yes\nreaped all: yes, all exited 0: yes\n\
         fork after the storm: exited 5\n",
        "{}",
        out.describe()
    );
}

// ---------------------------------------------------------------------------------------------
// Shells and Python starting processes

#[track_caller]
fn sh(shell: &[&str], script: &str, stdout: &str) {
    let mut argv = shell.to_vec();
    argv.extend_from_slice(&["-c", script]);
    let pair = assert_same(&argv);
    pair.sandboxed.assert_code(0);
    assert_eq!(pair.sandboxed.stdout_str(), stdout, "{script}");
}

const DASH: &[&str] = &["/bin/sh"];
const BUSYBOX: &[&str] = &["/bin/busybox", "sh"];

#[test]
fn sh_pipeline_seq_sort_tail() {
    sh(DASH, "seq 1 100000 | sort -n | tail -1", "100000\n");
}

#[test]
fn sh_subshell_pipe_and_status() {
    sh(
        DASH,
        "echo a; (echo b; echo c) | cat; echo $?",
        "a\nb\nc\n0\n",
    );
}

#[test]
fn sh_for_loop_of_external_commands() {
    sh(DASH, "for i in 1 2 3; do /bin/echo $i; done", "1\n2\n3\n");
}

#[test]
fn sh_command_substitution() {
    sh(DASH, "x=$(echo sub); echo $x", "sub\n");
}

#[test]
fn sh_and_or_lists() {
    sh(DASH, "false || echo alt; true && echo and", "alt\nand\n");
}

#[test]
fn sh_exit_status_of_external_false() {
    sh(DASH, "/bin/false; echo $?", "1\n");
}

#[test]
fn sh_exit_code_propagates() {
    let pair = assert_same(&["/bin/sh", "-c", "/bin/sh -c 'exit 23'; exit $(($? + 1))"]);
    pair.sandboxed.assert_code(24);
}

#[test]
fn busybox_sh_pipeline_and_subshell() {
    require_tool(BUSYBOX[0]);
    sh(BUSYBOX, "seq 1 100000 | sort -n | tail -1", "100000\n");
    sh(
        BUSYBOX,
        "echo a; (echo b; echo c) | cat; echo $?",
        "a\nb\nc\n0\n",
    );
}

#[test]
fn busybox_sh_loops_substitution_and_lists() {
    require_tool(BUSYBOX[0]);
    sh(
        BUSYBOX,
        "for i in 1 2 3; do /bin/echo $i; done",
        "1\n2\n3\n",
    );
    sh(BUSYBOX, "x=$(echo sub); echo $x", "sub\n");
    sh(
        BUSYBOX,
        "false || echo alt; true && echo and; /bin/false; echo $?",
        "alt\nand\n1\n",
    );
}

#[test]
fn python_subprocess_run() {
    let py = require_tool("/usr/bin/python3");
    let pair = assert_same(&[
        py,
        "-c",
        "import subprocess; print(subprocess.run(['/bin/echo','hi'],capture_output=True).stdout)",
    ]);
    pair.sandboxed.assert_code(0);
    assert_eq!(pair.sandboxed.stdout_str(), "b'hi\\n'\n");
}

/// A C compiler inside the sandbox: gcc runs cc1, as and collect2/ld as child processes,
/// writes temporary files to /tmp (the overlay) and links a program that then runs.
#[test]
fn gcc_compiles_and_links_inside_the_sandbox() {
    let dir = TempDir::new("gcc");
    dir.write(
        "hello.c",
        "#include <stdio.h>\nint main(void){puts(\"built inside\");return 0;}\n",
    );
    let script = format!(
        "cd {} && gcc -O1 -o hello hello.c && ./hello",
        dir.path().display()
    );
    let out = run_sandboxed(&["/bin/sh", "-c", &script], &RunOpts::default());
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "built inside\n");
    // The program was written to the sandbox's overlay, not to the host.
    assert!(!dir.path().join("hello").exists());
}

/// make -j2: a jobserver pipe waited on with pselect6, SIGCHLD from each finished job.
#[test]
fn make_j2_builds_a_small_project() {
    let dir = TempDir::new("make");
    for i in 1..=4 {
        dir.write(
            &format!("f{i}.c"),
            format!("int f{i}(void){{return {i};}}\n"),
        );
    }
    dir.write(
        "main.c",
        "#include <stdio.h>\nint f1(void);int f2(void);int f3(void);int f4(void);\n\
         int main(void){printf(\"%d\\n\",f1()+f2()+f3()+f4());return 0;}\n",
    );
    dir.write(
        "Makefile",
        "OBJS=main.o f1.o f2.o f3.o f4.o\nprog: $(OBJS)\n\tcc -o $@ $(OBJS)\n%.o: %.c\n\tcc -c -o $@ $<\n",
    );
    let script = format!("cd {} && make -s -j2 && ./prog", dir.path().display());
    // Sandboxed only: a native run would leave the objects on the host for the sandbox to
    // find up to date.
    let out = run_sandboxed(&["/bin/sh", "-c", &script], &RunOpts::default());
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "10\n");
    assert!(!dir.path().join("prog").exists() && !dir.path().join("f1.o").exists());
}

/// multiprocessing: a Pool over pipes with a semaphore in /dev/shm (a MAP_SHARED tmpfs
/// file), and a shared Value.
#[test]
fn python_multiprocessing_pool_and_value() {
    let py = require_tool("/usr/bin/python3");
    let script = "import multiprocessing as mp\n\
        def sq(x): return x * x\n\
        def add(v):\n    with v.get_lock(): v.value += 5\n\
        if __name__ == '__main__':\n\
        \x20   with mp.Pool(2) as p: print(p.map(sq, range(10)))\n\
        \x20   v = mp.Value('i', 1)\n\
        \x20   ps = [mp.Process(target=add, args=(v,)) for _ in range(3)]\n\
        \x20   [p.start() for p in ps]; [p.join() for p in ps]\n\
        \x20   print(v.value)\n";
    let pair = assert_same(&[py, "-c", script]);
    pair.sandboxed.assert_code(0);
    assert_eq!(
        pair.sandboxed.stdout_str(),
        "[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]\n16\n"
    );
}

/// RLIMIT_NPROC counts a user's tasks: the fork past it is EAGAIN.
#[test]
fn rlimit_nproc_stops_fork() {
    let prog = compile("nproc", &[]);
    let pair = assert_same(&[&prog]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(
        out.starts_with("not root") || out == "forks before the limit: 4, then EAGAIN\n",
        "{out}"
    );
}

/// A fork bomb inside the sandbox stops at RLIMIT_NPROC (EAGAIN) and is torn down; the host
/// never sees more than the limit.
#[test]
fn fork_bomb_stops_at_rlimit_nproc() {
    let prog = compile("forkbomb", &[]);
    let out = run_sandboxed(&[&prog], &RunOpts::default());
    out.assert_code(0);
    let text = out.stdout_str();
    assert!(
        text.starts_with("not root") || text == "the bomb stopped with EAGAIN\nall reaped\n",
        "{text}"
    );
}

/// A child's CPU time reaches wait4's rusage, RUSAGE_CHILDREN and times' cutime.
#[test]
fn children_resource_usage_is_accounted() {
    let prog = compile("rusage", &["-O0"]);
    let pair = assert_same(&[&prog]);
    pair.sandboxed.assert_code(0);
    assert!(
        !pair.sandboxed.stdout_str().contains("no"),
        "{}",
        pair.sandboxed.stdout_str()
    );
}

/// unshare of the fd table and fs context; namespaces are refused with EPERM inside the
/// sandbox (it has one of each); execve from a non-leader thread replaces the process.
#[test]
fn unshare_and_exec_from_a_thread() {
    let prog = compile("unshare", &["-pthread"]);
    let out = run_sandboxed(&[&prog], &RunOpts::default());
    out.assert_code(0);
    assert_eq!(
        out.stdout_str(),
        "unshare FILES|FS: ok\nclosed in the private table: yes\nunshare NEWNS: EPERM\n\
         unshare NEWUTS: EPERM\nunshare bad flag: EINVAL\nexec from a thread\n"
    );
}

/// ptrace between two of the sandbox's processes, as Linux answers it: attach to a child
/// blocked in read(2), wait for its stop, read its registers and memory, write a variable,
/// the stop's siginfo, continue, a signal-delivery-stop, seize and interrupt, detach; the
/// child's read then completes and shows the written value. Errors as Linux's.
#[test]
fn ptrace_attach_stop_peek_poke_detach() {
    let out = same_program_output("ptrace_attach", &[]);
    assert_contains_all(
        &out,
        &[
            "waitpid: stopped by STOP, event 0\n",
            "peek value: 42 \n",
            "waitpid: stopped by TRAP, event 128\n",
            "child: read 1 byte(s) 'x', value now 99\n",
        ],
    );
}

/// A tracer of its own child, as Linux answers: PTRACE_TRACEME and the SIGTRAP after exec;
/// seized with TRACESYSGOOD, TRACEEXEC and TRACEEXIT: syscall-enter and -exit stops, a
/// syscall skipped by setting its number to -1, PTRACE_GET_SYSCALL_INFO at the entry and
/// the exit, the exec event and the exit event.
#[test]
fn ptrace_syscall_stops_exec_and_exit_events() {
    let out = same_program_output("ptrace_syscall", &[]);
    assert!(out.contains("child: getppid > 0: 1, getpid: 4242\n"));
    assert!(out.contains("exec events 1, getppid exits seen 1, skipped 1\nchild exited 7\n"));
    assert!(out.contains(
        "syscall info at getppid's entry: size 80, op 1, nr 110\n\
         syscall info at getppid's exit: size 33, op 2, error 0, value > 0 1\n"
    ));
}

/// strace runs inside the sandbox (ptrace between the sandbox's tasks): on a command it
/// starts, following its forks (-f), and counting (-c).
#[test]
fn strace_runs_inside_the_sandbox() {
    let strace = require_tool("/usr/bin/strace");
    let out = run_sandboxed(&[strace, "-o", "/dev/stdout", "/bin/true"], &RunOpts::new());
    out.assert_code(0);
    let text = out.stdout_str();
    assert!(
        text.starts_with("execve(\"/bin/true\", [\"/bin/true\"]"),
        "{text}"
    );
    assert!(text.contains("exit_group(0)"), "{text}");
    assert!(text.ends_with("+++ exited with 0 +++\n"), "{text}");
    // -f follows the shell's vfork: both processes' calls and both exits are reported.
    let followed = run_sandboxed(
        &[
            strace,
            "-f",
            "-o",
            "/dev/stdout",
            "/bin/sh",
            "-c",
            "/bin/true; echo hi",
        ],
        &RunOpts::new(),
    );
    followed.assert_code(0);
    let text = followed.stdout_str();
    assert!(text.contains("execve(\"/bin/true\""), "{text}");
    assert_eq!(text.matches("+++ exited with 0 +++").count(), 2, "{text}");
    let counted = run_sandboxed(
        &[strace, "-c", "-o", "/dev/stdout", "/bin/true"],
        &RunOpts::new(),
    );
    counted.assert_code(0);
    assert!(
        counted.stdout_str().contains("execve"),
        "{}",
        counted.stdout_str()
    );
}

/// gdb runs inside the sandbox: a breakpoint in a function, the backtrace, an expression,
/// continuing to the end (ptrace: TRACEME, breakpoints written with POKETEXT, single steps
/// over them, the fault's signal-delivery-stop, /proc/PID/mem and auxv).
#[test]
fn gdb_runs_inside_the_sandbox() {
    let gdb = require_tool("/usr/bin/gdb");
    let prog = compile("gdb_target", &["-g", "-O0"]);
    let out = run_sandboxed(
        &[
            gdb,
            "-nx",
            "-batch",
            "-ex",
            "break add",
            "-ex",
            "run",
            "-ex",
            "bt",
            "-ex",
            "print a + b",
            "-ex",
            "continue",
            prog.to_str().unwrap(),
        ],
        &RunOpts::new(),
    );
    out.assert_code(0);
    let text = out.stdout_str();
    for line in [
        "Breakpoint 1, add (a=2, b=3)",
        "#1  0x",
        "in main ()",
        "$1 = 5\n",
        "x=5\n",
        "exited normally]",
    ] {
        assert!(
            text.contains(line),
            "{line:?} missing from:\n{text}\n{}",
            out.stderr_str()
        );
    }
}
