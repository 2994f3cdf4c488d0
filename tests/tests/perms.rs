//! Permission checks for a non-root user (after setresuid), compared with Linux: modes,
//! search permission on directories, sticky directories, ownership for chmod and chown.

use blinders_tests::*;

#[test]
fn a_dropped_user_gets_linux_permission_answers() {
    let prog = compile("perms", &[]);
    let dir = TempDir::new("perms");
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let native = run_native(
        &[prog.as_os_str(), dir.path().as_os_str()],
        &RunOpts::default(),
    );
    // The native run leaves its tree behind (it cannot delete root's files as uid 1000):
    // the sandboxed one works in a directory of its own.
    let dir2 = TempDir::new("perms-sandboxed");
    std::fs::set_permissions(
        dir2.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let sandboxed = run_sandboxed(
        &[prog.as_os_str(), dir2.path().as_os_str()],
        &RunOpts::default(),
    );
    sandboxed.assert_code(0);
    assert_eq!(
        native.stdout_str(),
        sandboxed.stdout_str(),
        "{}",
        diff(&native.stdout_str(), &sandboxed.stdout_str())
    );
    if !native.stdout_str().starts_with("not root") {
        assert!(
            sandboxed.stdout_str().contains("EACCES"),
            "{}",
            sandboxed.stdout_str()
        );
    }
}
