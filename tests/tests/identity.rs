//! What the sandbox says about itself: process ids (its own PID namespace) and uname (its own
//! UTS namespace, a Linux the C libraries accept).

use std::fs;
use std::process::Command;

use blinders_tests::*;

#[test]
fn shell_pid_is_1() {
    // dash runs a lone builtin without forking, so this needs no fork in the sandbox.
    let out = run_sandboxed(&["/bin/sh", "-c", "echo $$"], &RunOpts::new());
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "1\n", "{}", out.describe());
}

#[test]
fn getpid_is_1_and_getppid_is_0() {
    let prog = compile("pid", &[]);
    let out = run_sandboxed(&[&prog], &RunOpts::new());
    out.assert_code(0);
    assert_eq!(
        out.stdout_str(),
        "getpid=1\ngetppid=0\ngettid==getpid: yes\ngetpid stable: yes\n",
        "{}",
        out.describe()
    );
    // The same program natively, to show it prints the host's view there (the test of the
    // program itself).
    let native = run_native(&[&prog], &RunOpts::new());
    assert!(!native.stdout_str().starts_with("getpid=1\n"));
}

#[test]
fn static_musl_getpid_is_1() {
    let prog = compile_with(Cc::Musl, "pid", &["-static"]);
    let out = run_sandboxed(&[&prog], &RunOpts::new());
    assert!(
        out.stdout_str().starts_with("getpid=1\ngetppid=0\n"),
        "{}",
        out.describe()
    );
}

#[test]
fn uname_sysname_release_machine() {
    let out = run_sandboxed(&["uname", "-s", "-r", "-m"], &RunOpts::new());
    out.assert_code(0);
    let text = out.stdout_str();
    let words: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(words.len(), 3, "{}", out.describe());
    assert_eq!(words[0], "Linux");
    assert_eq!(words[2], "x86_64");
    let mut parts = words[1].split(['.', '-']);
    let major: u32 = parts
        .next()
        .and_then(|p| p.parse().ok())
        .expect("release major");
    let minor: u32 = parts
        .next()
        .and_then(|p| p.parse().ok())
        .expect("release minor");
    assert!(
        (major, minor) >= (3, 2),
        "glibc needs at least 3.2, release is {}",
        words[1]
    );
    // sysname and machine as the host reports them.
    let native = run_native(&["uname", "-s", "-m"], &RunOpts::new());
    assert_eq!(native.stdout_str(), format!("{} {}\n", words[0], words[2]));
}

#[test]
fn uname_program() {
    let prog = compile("uname", &[]);
    let out = run_sandboxed(&[&prog], &RunOpts::new());
    out.assert_code(0);
    let text = out.stdout_str();
    for line in [
        "sysname=Linux",
        "machine=x86_64",
        "release acceptable: yes",
        "gethostname matches nodename: yes",
        "version nonempty: yes",
    ] {
        assert!(text.lines().any(|l| l == line), "missing `{line}`:\n{text}");
    }
}

/// The sandbox has its own nodename. To make sure it is not simply the host's passed
/// through, blinders is started (when we may) in a fresh UTS namespace whose hostname is unique
/// to this run; the sandbox must not report it. Without the privilege for that, the host's
/// own hostname is used.
#[test]
fn nodename_is_the_sandboxs_own() {
    let unique = format!("blinders-host-{}", std::process::id());
    let can_unshare = Command::new("unshare")
        .args(["--uts", "true"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let (out, host_name) = if can_unshare {
        let mut cmd = Command::new("unshare");
        cmd.args([
            "--uts",
            "--",
            "/bin/sh",
            "-c",
            "hostname \"$1\" && exec \"$2\" do -- uname -n",
            "sh",
        ])
        .arg(&unique)
        .arg(blinders_bin());
        (
            run_command(cmd, &RunOpts::new(), "sandboxed in a new UTS namespace"),
            unique,
        )
    } else {
        let host = fs::read_to_string("/proc/sys/kernel/hostname").expect("host hostname");
        (
            run_sandboxed(&["uname", "-n"], &RunOpts::new()),
            host.trim().to_owned(),
        )
    };
    out.assert_code(0);
    let nodename = out.stdout_str().trim_end_matches('\n').to_owned();
    assert!(!nodename.is_empty(), "{}", out.describe());
    assert!(
        !nodename.contains('\n') && nodename.len() <= 64,
        "one name of at most 64 bytes: {nodename:?}"
    );
    assert_ne!(
        nodename, host_name,
        "the sandbox reports the host's hostname as its nodename"
    );
    // The same name twice: it is the sandbox's configuration, not something random.
    let again = run_sandboxed(&["uname", "-n"], &RunOpts::new());
    assert_eq!(again.stdout_str().trim_end(), nodename);
}

/// sethostname and setdomainname change the sandbox's own names (uname, /proc), never the
/// host's; their errors are Linux's, and a process without CAP_SYS_ADMIN is refused.
#[test]
fn sethostname_changes_the_sandbox_name_only() {
    let python = require_tool("/usr/bin/python3");
    let before = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let code = "import os, socket, errno\n\
                socket.sethostname('renamed')\n\
                print(socket.gethostname(), os.uname().nodename, open('/proc/sys/kernel/hostname').read().strip())\n\
                import ctypes\n\
                libc = ctypes.CDLL(None, use_errno=True)\n\
                print(libc.setdomainname(b'example', 7), os.uname().release != '', \
                      open('/proc/sys/kernel/hostname').read().strip())\n\
                print(libc.sethostname(b'x' * 65, 65), errno.errorcode[ctypes.get_errno()])\n\
                print(libc.sethostname(None, 5), errno.errorcode[ctypes.get_errno()])\n\
                os.setresuid(1000, 1000, 1000)\n\
                print(libc.sethostname(b'nope', 4), errno.errorcode[ctypes.get_errno()])\n";
    let out = run_sandboxed(&[python, "-c", code], &RunOpts::new());
    out.assert_code(0);
    assert_eq!(
        out.stdout_str(),
        "renamed renamed renamed\n0 True renamed\n-1 EINVAL\n-1 EFAULT\n-1 EPERM\n",
        "{}",
        out.describe()
    );
    assert_eq!(
        std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap(),
        before,
        "the host's name changed"
    );
}

/// NUMA memory policy on one node, I/O priorities and protection keys (none), as Linux answers
/// them: numactl, ps and top ask for the memory policy, ionice sets the I/O class, node probes
/// for protection keys (all three were ENOSYS). A fork inherits the policy, the I/O priority
/// and the nice value (the nice value was reset to 0).
#[test]
fn memory_policy_io_priority_and_protection_keys() {
    let out = same_program_output("sched_hints", &[]);
    assert_contains_all(
        &out,
        &[
            "  in a forked child                      0 mode 2 nodes 0x1\n",
            "  ioprio_get in a forked child           24576\n",
            "  nice in a forked child                 5\n",
            "mbind node 1                             -1 EINVAL\n",
            "pkey_mprotect key -1                     0\n",
        ],
    );
}
