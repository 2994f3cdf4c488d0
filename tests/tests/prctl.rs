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
