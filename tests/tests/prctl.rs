//! prctl (pdeath signal, dumpable, no_new_privs, subreaper, capability bounding set),
//! priorities and the sched calls, compared with Linux.

use blinders_tests::*;

#[test]
fn prctl_subreaper_pdeathsig_priorities_match_linux() {
    let prog = compile("prctl", &[]);
    let pair = assert_same(&[&prog]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(out.contains("reaped grandchild: yes, status 7\n"), "{out}");
    assert!(out.contains("grandchild got SIGUSR1\n"), "{out}");
}

/// A program's own seccomp filters act in the sandbox as on Linux: bad programs refused,
/// ERRNO and argument checks, TRAP with its siginfo, stacked filters (the most severe wins),
/// inheritance by a fork and across execve, KILL_PROCESS, strict mode, /proc's Seccomp line
/// (seccomp(2) was ENOSYS and PR_SET_SECCOMP EINVAL: sshd's sandbox, browsers and systemd
/// units install filters).
#[test]
fn seccomp_filters_as_linux() {
    let out = same_program_output("seccomp_filter", &[]);
    assert_contains_all(
        &out,
        &[
            "strict child killed by KILL\n",
            "getppid                                  -1 EPERM\n",
            "getuid trapped: nr 102 errno 42 arch ok 1, returned 102\n",
            "getppid trapped: nr 110 errno 7\n",
            "child killed by SYS\n",
            "exec child: killed by 31\n",
        ],
    );
}

/// 4000 random classic BPF programs offered as seccomp filters: the sandbox accepts exactly
/// those Linux accepts (it took BPF_MOD, which seccomp leaves out, and loads of scratch
/// memory never stored to).
#[test]
fn seccomp_accepts_the_filters_linux_accepts() {
    let out = same_program_output("bpf_check", &[]);
    assert!(out.contains("\naccepted "));
}
