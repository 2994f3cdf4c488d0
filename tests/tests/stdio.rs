//! The caller's stdin, stdout, stderr, environment and working directory reach the program.

use std::fs;

use blinders_tests::*;

/// Bytes that are not text: every byte value, NULs and a missing final newline.
fn binary_input(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 131 + i / 7) as u8).collect()
}

#[test]
fn cat_reads_piped_stdin() {
    let input = b"line one\nline two\n".to_vec();
    let pair = assert_same_opts(&["cat"], &RunOpts::new().stdin(input.clone()));
    assert_eq!(pair.sandboxed.stdout, input);
}

#[test]
fn cat_copies_one_mebibyte_of_binary_stdin() {
    let input = binary_input(1 << 20);
    let out = run_sandboxed(&["/bin/cat"], &RunOpts::new().stdin(input.clone()));
    out.assert_code(0);
    assert!(
        out.stdout == input,
        "stdout differs from stdin: {} bytes in, {} out",
        input.len(),
        out.stdout.len()
    );
}

#[test]
fn stdout_to_a_file() {
    let dir = TempDir::new("stdout-file");
    let native_file = dir.path().join("native");
    let sandboxed_file = dir.path().join("sandboxed");
    let prog = compile("stdio", &[]);
    let native = run_native(&[&prog], &RunOpts::new().stdout_file(&native_file));
    let sandboxed = run_sandboxed(&[&prog], &RunOpts::new().stdout_file(&sandboxed_file));
    sandboxed.assert_code(native.code());
    let native_text = fs::read_to_string(&native_file).unwrap();
    let sandboxed_text = fs::read_to_string(&sandboxed_file).unwrap();
    assert!(
        native_text.contains("fd 1: regular file, O_WRONLY"),
        "{native_text}"
    );
    assert_eq!(
        sandboxed_text,
        native_text,
        "(- native, + sandboxed)\n{}",
        diff(&native_text, &sandboxed_text)
    );
}

#[test]
fn stdout_and_stderr_stay_separate() {
    let prog = compile("stdio", &[]);
    let pair = assert_same_with_stderr(&[&prog], &RunOpts::new().stdin(b"abc".to_vec()));
    assert_eq!(pair.sandboxed.stderr_str(), "this line goes to stderr\n");
    let out = pair.sandboxed.stdout_str();
    assert!(out.contains("this line goes to stdout\n"), "{out}");
    assert!(!out.contains("stderr\n"), "{out}");
    assert!(out.contains("stdin: 3 bytes"), "{out}");
}

#[test]
fn standard_streams_as_the_program_sees_them() {
    let prog = compile("stdio", &[]);
    // stdin /dev/null (the harness's default)
    assert_same(&[&prog]);
    // stdin a pipe with binary data
    assert_same_opts(&[&prog], &RunOpts::new().stdin(binary_input(300_000)));
}

#[test]
fn stderr_of_a_failing_command_is_the_same() {
    let missing = unique_path("no-such-file");
    let pair = assert_same_with_stderr(&["ls", missing.to_str().unwrap()], &RunOpts::new());
    pair.sandboxed.assert_code(2);
}

#[test]
fn working_directory_is_the_callers() {
    let dir = TempDir::new("cwd");
    let pair = assert_same_opts(&["/bin/pwd"], &RunOpts::new().cwd(dir.path()));
    assert_eq!(
        pair.sandboxed.stdout_str(),
        format!("{}\n", dir.path().display())
    );
    // Relative paths resolve against it.
    dir.write("relative.txt", "found relative file\n");
    let pair = assert_same_opts(&["cat", "relative.txt"], &RunOpts::new().cwd(dir.path()));
    assert_eq!(pair.sandboxed.stdout_str(), "found relative file\n");
}

#[test]
fn shell_builtin_pwd_and_variable() {
    let dir = TempDir::new("cwd-sh");
    let pair = assert_same_opts(
        &["/bin/sh", "-c", "pwd; echo \"$BLINDERS_T_VAR\""],
        &RunOpts::new()
            .cwd(dir.path())
            .env("BLINDERS_T_VAR", "from the caller"),
    );
    assert_eq!(
        pair.sandboxed.stdout_str(),
        format!("{}\nfrom the caller\n", dir.path().display())
    );
}

#[test]
fn printenv_of_a_chosen_variable() {
    let opts = RunOpts::new().env("BLINDERS_T_CHOSEN", "chosen value");
    let pair = assert_same_opts(&["printenv", "BLINDERS_T_CHOSEN"], &opts);
    assert_eq!(pair.sandboxed.stdout_str(), "chosen value\n");
    let pair = assert_same_opts(&["printenv", "BLINDERS_T_SURELY_UNSET"], &opts);
    pair.sandboxed.assert_code(1);
}
