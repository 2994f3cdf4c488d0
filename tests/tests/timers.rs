//! Timers, compared with native: alarm and pause, the itimers (real and CPU-time), POSIX
//! timers (SIGEV_SIGNAL with siginfo, overruns, SIGEV_NONE, SIGEV_THREAD_ID, glibc's and
//! musl's SIGEV_THREAD), timerfds under poll and epoll, times and the CPU clocks, what
//! survives execve, and the errors of bad arguments.
//!
//! The program prints only facts that hold in any correct run (intervals of 20 ms and more,
//! "at least"/"at most" comparisons), so the two runs compare exactly.

use blinders_tests::*;

/// Runs `timers MODE` natively and sandboxed, compares them, and checks the sandboxed run
/// printed every line of `want` (so a check that fails in both runs does not pass).
#[track_caller]
fn timers(cc: Cc, args: &[&str], mode: &str, want: &[&str]) {
    let mut cc_args = vec!["-pthread"];
    cc_args.extend_from_slice(args);
    let prog = compile_with(cc, "timers", &cc_args);
    let pair = assert_same(&[prog.to_str().unwrap(), mode]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    for line in want {
        assert!(out.lines().any(|l| l == *line), "missing `{line}`:\n{out}");
    }
    // Every "yes or no" observation of a correct run is "yes" but one.
    for l in out.lines() {
        assert!(
            !l.contains(": no") || l == "delivered after timer_delete: no",
            "unexpected `{l}`:\n{out}"
        );
    }
}

#[test]
fn alarm_and_pause() {
    timers(
        Cc::Glibc,
        &[],
        "alarm",
        &[
            "alarm(0) with none set = 0",
            "alarm(3) returns the old one, rounded = 5",
            "alarm(0) cancels, returns = 3",
            "pause = -1 EINTR",
            "SIGALRM handled: yes, si_code 128",
            "child: alarm(0) = 0",
        ],
    );
}

#[test]
fn itimer_real_interval_and_errors() {
    timers(
        Cc::Glibc,
        &[],
        "itimer",
        &[
            "value in (0, 50ms]: yes, interval 50000",
            "3 SIGALRMs: yes",
            "old: value in (0, 50ms]: yes, interval 50000",
            "no SIGALRM after cancel: yes",
            "off: value 0 interval 0",
            "alarm(0) after a 2.5s itimer: 2",
            "setitimer usec 1000000 = -1 EINVAL",
            "setitimer which 3 = -1 EINVAL",
        ],
    );
}

#[test]
fn cpu_time_itimers_and_timers() {
    timers(
        Cc::Glibc,
        &[],
        "cpu",
        &[
            "SIGVTALRM while spinning: yes (signal SIGVTALRM)",
            "2 SIGPROFs while spinning: yes (signal SIGPROF, si_code 128)",
            "CPU-time timer fired while spinning: yes (value 7)",
            "thread CPU-time timer fired while spinning: yes",
        ],
    );
}

#[test]
fn posix_timers_signals_and_siginfo() {
    timers(
        Cc::Glibc,
        &[],
        "posix",
        &[
            "signo SIGUSR1, si_code SI_TIMER: yes, value 42, si_timerid matches: yes, overrun 0",
            "3 periodic signals: yes",
            "ABSTIME fired: yes, not early: yes",
            "default SIGALRM: yes, value is the id: yes, si_code SI_TIMER: yes",
            "SIGEV_NONE expired: value 0, signals 0",
            "SIGEV_THREAD_ID delivered: yes, value 99",
            "delivered after timer_delete: no",
        ],
    );
}

#[test]
fn posix_timers_musl() {
    timers(
        Cc::Musl,
        &["-static"],
        "posix",
        &["3 periodic signals: yes"],
    );
}

#[test]
fn posix_timer_overruns() {
    timers(
        Cc::Glibc,
        &[],
        "overrun",
        &[
            "si_overrun > 5: yes, timer_getoverrun in the handler agrees: yes",
            "timer_getoverrun after re-arming = 0",
        ],
    );
}

#[test]
fn sigev_thread_glibc() {
    timers(
        Cc::Glibc,
        &[],
        "thread",
        &["3 callbacks ran: yes, with the value: yes, on another thread: yes"],
    );
}

#[test]
fn sigev_thread_musl() {
    timers(
        Cc::Musl,
        &["-static"],
        "thread",
        &["3 callbacks ran: yes, with the value: yes, on another thread: yes"],
    );
}

#[test]
fn timerfd_poll_epoll_read() {
    timers(
        Cc::Glibc,
        &[],
        "timerfd",
        &[
            "poll: 1, revents POLLIN: yes, after 40ms or more: yes",
            "epoll_wait: 1, data 77, EPOLLIN: yes",
            "blocked until an expiry: yes, count >= 1: yes",
            "read across an SA_RESTART handler = 8",
            "read interrupted without SA_RESTART = -1 EINTR",
            "read unarmed nonblocking = -1 EAGAIN",
            "count >= 10: yes, count <= 20: yes",
            "read after re-arming = -1 EAGAIN",
        ],
    );
}

#[test]
fn timerfd_musl() {
    timers(Cc::Musl, &["-static"], "timerfd", &["count >= 1: yes"]);
}

#[test]
fn bad_arguments() {
    timers(
        Cc::Glibc,
        &[],
        "einval",
        &[
            "timerfd_create bad clock = -1 EINVAL",
            "timerfd_settime on a pipe = -1 EINVAL",
            "timer_create MONOTONIC_RAW = -1 ENOTSUP",
            "timer_create SIGEV_THREAD_ID bad tid = -1 EINVAL",
            "timer_settime NULL value = -1 EINVAL",
        ],
    );
}

#[test]
fn times_and_cpu_clocks() {
    timers(
        Cc::Glibc,
        &[],
        "times",
        &[
            "times goes on: yes, utime+stime grew: yes, children 0: yes",
            "process CPU time grew: yes",
            "thread CPU time grew: yes",
            "clock_gettime of the other thread = 0",
        ],
    );
}

#[test]
fn across_execve() {
    timers(
        Cc::Glibc,
        &[],
        "exec",
        &[
            "alarm left after execve: yes",
            "timer_delete of a timer made before execve = -1 EINVAL",
            "ITIMER_VIRTUAL kept: yes",
        ],
    );
}
