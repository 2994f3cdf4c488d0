//! Threads: pthread mutexes and condition variables, join values, exit from a thread, thread
//! ids, futex requeue, thread-local storage, detached threads; Python's threading.

use blinders_tests::*;

/// Runs `threads MODE` natively and sandboxed and compares them; returns the pair.
#[track_caller]
fn threads(mode: &str) -> Pair {
    let prog = compile("threads", &["-pthread"]);
    assert_same(&[prog.to_str().unwrap(), mode])
}

#[track_caller]
fn threads_expect(mode: &str, code: i32, stdout: &str) {
    let pair = threads(mode);
    pair.sandboxed.assert_code(code);
    assert_eq!(pair.sandboxed.stdout_str(), stdout);
}

#[test]
fn mutex_counter_4_threads() {
    threads_expect(
        "mutex",
        0,
        "counter = 400000 (expected 400000)\ntrylock of a held (normal) mutex: EBUSY\n",
    );
}

#[test]
fn condvar_ping_pong_1000_rounds() {
    threads_expect(
        "condvar",
        0,
        "pings = 1000, pongs = 1000, strictly alternating: yes\n",
    );
}

#[test]
fn join_return_values() {
    threads_expect(
        "join",
        0,
        "thread 0 returned 7\nthread 1 returned 101\nthread 2 returned 27\n\
         thread 3 returned 301\nthread 4 returned 47\nthread 5 returned 501\njoin self: E#35\n",
    );
}

#[test]
fn exit_from_a_thread_ends_the_process() {
    threads_expect("exit", 33, "exiting from a thread\n");
}

#[test]
fn thread_ids_and_shared_pid() {
    let pair = threads("tid");
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(!out.contains(": no"), "{out}");
    assert!(out.contains("threads: gettid != getpid: yes\n"), "{out}");
}

#[test]
fn cond_broadcast_wakes_every_waiter() {
    threads_expect(
        "broadcast",
        0,
        "round 0: 8 waiters, 8 woken by one broadcast\n\
         round 1: 8 waiters, 8 woken by one broadcast\n\
         round 2: 8 waiters, 8 woken by one broadcast\n",
    );
}

#[test]
fn futex_cmp_requeue() {
    threads_expect(
        "requeue",
        0,
        "requeue errors: 0\nmoved from the first futex to the second: 8 of 8\n\
         finished before any wake: 0\ncmp_requeue with a stale value: -1 EAGAIN\n\
         cmp_requeue wake 1 move 3: 4\nwake the second futex: 4\nwake the first futex: 3\n\
         waiters finished: 8\nwake with nobody waiting: 0\n",
    );
}

#[test]
fn thread_local_storage_per_thread() {
    let pair = threads("tls");
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(!out.contains(": no"), "{out}");
    assert!(
        out.ends_with("main: tls_value = 1000, tls_name = main\n"),
        "{out}"
    );
}

#[test]
fn detached_threads_and_return_from_main_with_a_blocked_thread() {
    threads_expect(
        "detach",
        11,
        "detached threads ran: 16\nafter 200 create/join: 216\n",
    );
}

#[test]
fn python_threading_sum() {
    let py = require_tool("/usr/bin/python3");
    let script = "\
import threading
results = [0] * 4
def work(i):
    results[i] = sum(range(i * 100000, (i + 1) * 100000))
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(sum(results), threading.active_count())
";
    let pair = assert_same(&[py, "-c", script]);
    pair.sandboxed.assert_code(0);
    assert_eq!(pair.sandboxed.stdout_str(), "79999800000 1\n");
}

#[test]
fn python_threading_lock_and_event() {
    let py = require_tool("/usr/bin/python3");
    let script = "\
import threading
n = 0
lock = threading.Lock()
go = threading.Event()
def work():
    global n
    go.wait()
    for _ in range(20000):
        with lock:
            n += 1
ts = [threading.Thread(target=work) for _ in range(4)]
for t in ts: t.start()
go.set()
for t in ts: t.join()
print(n)
";
    let pair = assert_same(&[py, "-c", script]);
    pair.sandboxed.assert_code(0);
    assert_eq!(pair.sandboxed.stdout_str(), "80000\n");
}

/// Robust mutexes get EOWNERDEAD after their owner dies (the robust list is walked at
/// thread exit), and PI mutexes count correctly under contention.
#[test]
fn robust_and_pi_mutexes() {
    let prog = compile("robust_pi", &["-pthread"]);
    let pair = assert_same(&[&prog]);
    pair.sandboxed.assert_code(0);
    assert_eq!(
        pair.sandboxed.stdout_str(),
        "lock after owner died: EOWNERDEAD\nshared lock after child died: EOWNERDEAD\n\
         pi mutex count: 80000\ntrylock own pi: Device or resource busy\n"
    );
}

/// Threads writing one mapping at the same moment after their process forked: all but the
/// first find the copy-on-write pages already copied by another. None may die of it (the
/// fault used to be taken for the app's own and killed it with SIGSEGV; CPython's
/// test_threading found it).
#[test]
fn threads_writing_after_a_fork_race_on_copy_on_write() {
    let out = same_program_output("fork_threads_cow", &["-pthread"]);
    assert_eq!(
        out,
        "30 rounds of 8 threads writing after fork: 0 lost writes\n"
    );
}

/// Three threads forking and reaping while others signal the process, churn descriptors and
/// map, write, protect and unmap memory: every fork makes the writable mappings
/// copy-on-write again, and threads keep faulting on pages another thread just copied. A
/// second fault at one address after another fork was taken for the app's own, and the
/// process died of SIGSEGV (three runs in four). Run a few times, natively and sandboxed.
#[test]
fn forks_from_threads_under_load() {
    let prog = compile("fork_storm", &["-pthread"]);
    for _ in 0..3 {
        let pair = assert_same(&[prog.to_str().unwrap()]);
        pair.sandboxed.assert_code(0);
        assert_eq!(
            pair.sandboxed.stdout_str(),
            "children reaped with a wrong status: 0; signals arrived: yes\n"
        );
    }
}
