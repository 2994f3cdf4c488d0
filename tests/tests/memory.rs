//! Memory management: malloc/free, realloc (mremap), anonymous and file mmap, mprotect,
//! munmap, mremap, brk and MADV_DONTNEED, each checked by reading the data back.

use blinders_tests::*;

fn mem(cc: Cc, args: &[&str]) {
    let prog = compile_with(cc, "mem", args);
    let pair = assert_same(&[&prog]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(out.ends_with("done\n"), "{out}");
    assert!(
        !out.contains(": no"),
        "a check failed natively too, the program needs fixing:\n{out}"
    );
}

#[test]
fn memory_dynamic_glibc() {
    mem(Cc::Glibc, &[]);
}

#[test]
fn memory_static_glibc() {
    mem(Cc::Glibc, &["-static"]);
}

#[test]
fn memory_static_pie_glibc() {
    mem(Cc::Glibc, &["-static-pie"]);
}

#[test]
fn memory_static_musl() {
    mem(Cc::Musl, &["-static"]);
}

/// A forked child's stores to MAP_SHARED anonymous memory reach the parent; to private
/// memory they do not.
#[test]
fn shared_anonymous_memory_is_shared_across_fork() {
    let prog = compile("shared_anon", &[]);
    let pair = assert_same(&[&prog]);
    pair.sandboxed.assert_code(0);
    assert_eq!(pair.sandboxed.stdout_str(), "shared 42 private 1\n");
}

/// Private memory of every kind stays private across fork, both ways, down to a grandchild,
/// with one thread in the parent (small mappings are copied at fork) and with two (shared
/// copy-on-write).
#[test]
fn private_memory_is_private_across_fork() {
    let prog = compile("fork_private", &["-pthread"]);
    let pair = assert_same(&[&prog]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(
        out.contains("one thread depth 0 stack: child saw 100, kept 200"),
        "{out}"
    );
    assert!(
        out.contains("two threads depth 2 large mmap: parent kept 300"),
        "{out}"
    );
    assert!(out.ends_with("large blocks intact: 7 9\n"), "{out}");
}

/// A program built with AddressSanitizer runs in the sandbox: it reserves 15 TiB of shadow
/// memory at start-up (the memory file was 1 TiB: "failed to allocate"), reports a heap
/// overflow as it does natively, and at exit LeakSanitizer stops the program's threads with
/// ptrace (it was ENOSYS: "LeakSanitizer has encountered a fatal error") and finds the leak.
#[test]
fn address_sanitizer_programs_run() {
    let prog = compile("asan_overflow", &["-fsanitize=address", "-pthread"]);
    let pair = assert_same(&[prog.to_str().unwrap()]);
    pair.sandboxed.assert_code(0);
    assert_eq!(pair.sandboxed.stdout_str(), "clean run\n");
    let opts = RunOpts::new();
    let native = run_native(&[prog.to_str().unwrap(), "overflow"], &opts);
    let sandboxed = run_sandboxed(&[prog.to_str().unwrap(), "overflow"], &opts);
    for out in [&native, &sandboxed] {
        assert_eq!(out.code(), 1, "{}", out.stderr_str());
        let err = out.stderr_str();
        assert!(
            err.contains("ERROR: AddressSanitizer: heap-buffer-overflow")
                && err.contains("WRITE of size 1"),
            "{err}"
        );
    }
    let leak = compile("lsan_leak", &["-fsanitize=address", "-pthread"]);
    let native = run_native(&[leak.to_str().unwrap()], &opts);
    let sandboxed = run_sandboxed(&[leak.to_str().unwrap()], &opts);
    for out in [&native, &sandboxed] {
        assert_eq!(out.code(), 1, "{}", out.stderr_str());
        assert_eq!(out.stdout_str(), "running\n");
        let err = out.stderr_str();
        assert!(
            err.contains("ERROR: LeakSanitizer: detected memory leaks")
                && err.contains("Direct leak of 1234 byte(s) in 1 object(s)")
                && !err.contains("fatal error"),
            "{err}"
        );
    }
}

/// PROT_NONE reservations cost no memory-file space until opened: 80 TiB reserved in four
/// pieces (more than the memory file), a part opened, written, forked and read, the rest
/// still faulting, a reservation moved with mremap. ThreadSanitizer, which reserves most of
/// the address space this way, then runs and reports a data race as it does natively.
#[test]
fn reserved_address_space_and_thread_sanitizer() {
    let out = same_program_output("reserve", &[]);
    assert!(
        out.starts_with("reserve 20 TiB: ok\n".repeat(4).as_str()),
        "{out}"
    );
    assert!(
        out.contains("parent keeps: written into opened space\n"),
        "{out}"
    );
    assert!(
        out.contains("write(2) from reserved memory: -1 Bad address\n"),
        "{out}"
    );

    let race = compile("tsan_race", &["-fsanitize=thread", "-pthread"]);
    let native = run_native(&[race.to_str().unwrap()], &RunOpts::new());
    let sandboxed = run_sandboxed(&[race.to_str().unwrap()], &RunOpts::new());
    for out in [&native, &sandboxed] {
        assert_eq!(out.code(), 66, "{}", out.stderr_str());
        assert!(out
            .stderr_str()
            .contains("WARNING: ThreadSanitizer: data race"));
        assert_eq!(out.stdout_str(), "shared 2\n");
    }
}

/// personality, mlock and its kin (they populate), mincore, readahead, getcpu,
/// get_robust_list and process_vm_readv/writev, as Linux answers them (all were ENOSYS);
/// /sys and /proc list the sandbox's CPUs (they listed one: the sentry thread's).
#[test]
fn small_memory_and_process_calls() {
    let out = same_program_output("misc_mm", &[]);
    assert_contains_all(
        &out,
        &[
            "personality query                    262144\n",
            "resident: 1 0 1 0\n",
            "resident: 1 1 1 1\n",
            "read: the child's secret\n",
            "CPUs in /sys as many as in the affinity mask: yes\n",
            "child's secret now: overwritten by its parent\n",
        ],
    );
}
