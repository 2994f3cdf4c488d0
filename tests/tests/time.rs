//! Clocks and sleeping.

use blinders_tests::*;

fn time(cc: Cc, args: &[&str]) {
    let prog = compile_with(cc, "time", args);
    let pair = assert_same(&[&prog]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    for line in [
        "MONOTONIC never goes back over 1000 reads: yes",
        "nanosleep 1ms = 0",
        "nanosleep took at least 1ms: yes",
        "gettimeofday within 2s of REALTIME: yes",
        "time() within 2s of REALTIME: yes",
    ] {
        assert!(out.lines().any(|l| l == line), "missing `{line}`:\n{out}");
    }
}

#[test]
fn clocks_dynamic_glibc() {
    time(Cc::Glibc, &[]);
}

#[test]
fn clocks_static_glibc() {
    time(Cc::Glibc, &["-static"]);
}

#[test]
fn clocks_static_musl() {
    time(Cc::Musl, &["-static"]);
}
