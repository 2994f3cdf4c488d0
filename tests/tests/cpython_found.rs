//! Calls CPython's own test suite (test_signal, test_posix, test_time, run under
//! `blinders do`) found answered wrongly, each now compared with Linux.

use blinders_tests::*;

/// fexecve of a program and of a script, sched_setaffinity read back and inherited, the
/// affinity calls' and clock-setting calls' errors: the same answers as natively.
#[test]
fn fexecve_affinity_and_clock_errors_match_linux() {
    let prog = compile("cpython_found", &["-pthread"]);
    let dir = TempDir::new("cpython-found");
    let pair = assert_same(&[prog.to_str().unwrap(), dir.path().to_str().unwrap()]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(
        out.contains("script ran as /dev/fd/N\nscript: exit 0\n"),
        "{out}"
    );
    assert!(out.contains("new thread: 1 CPUs, CPU0 in\n"), "{out}");
    assert!(out.contains("getaffinity of pid -1: -1 ESRCH\n"), "{out}");
}

/// The sandbox may not set the host's clock: a valid clock_settime is refused with EPERM, as
/// for an unprivileged caller (natively, as root, it would set the clock, so no comparison).
#[test]
fn setting_the_clock_is_refused() {
    let python = require_tool("/usr/bin/python3");
    let code = "import time\n\
                try:\n    time.clock_settime(time.CLOCK_REALTIME, time.clock_gettime(time.CLOCK_REALTIME))\n\
                except PermissionError:\n    print('EPERM')\n";
    let out = run_sandboxed(&[python, "-c", code], &RunOpts::new());
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "EPERM\n");
}
