//! Signal delivery, compared with native: handlers with siginfo, recovery from faults, the
//! alternate stack, masks and pending signals, signals between processes.

use blinders_tests::*;

#[test]
fn handlers_faults_altstack_masks_and_children() {
    let out = same_program_output("signals", &["-pthread"]);
    assert!(out.contains("recovered from SIGSEGV 11 at 0x1008"), "{out}");
    assert!(out.contains("spinning thread handled 3 signals"), "{out}");
}

/// A pipeline whose writer has a SIGPIPE handler (GNU sort cleans up and re-raises): it dies
/// quietly, as natively.
#[test]
fn sigpipe_handler_in_a_pipeline() {
    let opts = RunOpts::new();
    let pair = assert_same_with_stderr(
        &["/bin/sh", "-c", "seq 1 100000 | sort -rn | head -1"],
        &opts,
    );
    assert_eq!(pair.sandboxed.stdout_str(), "100000\n");
}

/// A forked child keeps the alternate signal stack, a thread does not, and execve clears it:
/// an SA_ONSTACK handler in the new program runs (it once ran on the dead image's stack and
/// the program died of SIGSEGV, as Python's test_signal showed).
#[test]
fn alternate_stack_across_fork_thread_and_exec() {
    let out = same_program_output("altstack_inherit", &["-pthread"]);
    assert_eq!(
        out,
        "parent: set\nthread: none\nforked child: set\nafter exec: none\n\
         SA_ONSTACK handler ran: 1\nchild: exit 0\n"
    );
}

/// /proc/self/status's signal lines (SigPnd, ShdPnd, SigBlk, SigIgn, SigCgt) and
/// NoNewPrivs match Linux's for the same program.
#[test]
fn proc_status_shows_signal_masks() {
    let out = same_program_output("proc_sigmasks", &[]);
    assert!(out.contains("SigIgn:\t0000000000001000\n"), "{out}");
    assert!(out.contains("SigCgt:\t0000000000004200\n"), "{out}");
    assert!(out.contains("NoNewPrivs:\t1\n"), "{out}");
}

/// Real-time signals queue, each instance delivered in order with its value, to
/// sigtimedwait and to a handler; standard signals do not (signal(7)).
#[test]
fn real_time_signals_queue() {
    let out = same_program_output("rt_queue", &[]);
    assert_eq!(
        out,
        "took SIGUSR1 value 0\ntook RTMIN+2 value 10\ntook RTMIN+2 value 20\n\
         took RTMIN+2 value 30\ntook RTMIN+2 value 40\ntook RTMIN+2 value 50\n\
         handler ran 4 times, last value 4\n"
    );
}
