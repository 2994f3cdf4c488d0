//! openat2's RESOLVE_* restrictions, compared with Linux.

use blinders_tests::*;

#[test]
fn openat2_resolve_flags_match_linux() {
    let prog = compile("openat2", &[]);
    let pair = assert_same(&[&prog]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(out.contains("EXDEV") && out.contains("ELOOP"), "{out}");
}
