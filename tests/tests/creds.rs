//! Credentials: the setuid family with Linux's rules for the saved uid and capabilities, run
//! natively and sandboxed and compared.

use blinders_tests::*;

#[test]
fn setuid_family_and_capabilities_match_linux() {
    let prog = compile("creds", &[]);
    let pair = assert_same(&[&prog]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    if out.starts_with("not root") {
        return;
    }
    // The drops really happened: these fail for a process that gave up root.
    for what in ["setgroups unprivileged", "setuid(0)", "setreuid(-1,0)"] {
        let line = lines_containing(&out, what);
        assert!(
            line.first().is_some_and(|l| l.ends_with("EPERM")),
            "{what}: {out}"
        );
    }
}
