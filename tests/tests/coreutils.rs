//! Everyday programs (GNU coreutils, busybox, python3) compared with native runs.

use blinders_tests::*;

const TEXT: &str = "pear\napple\nfig\nbanana\napple\ncherry 42\n\ndate\n";

fn text_file(dir: &TempDir) -> String {
    dir.write("fruit.txt", TEXT).to_str().unwrap().to_owned()
}

#[test]
fn cat_file() {
    let dir = TempDir::new("cat");
    let f = text_file(&dir);
    let pair = assert_same(&["cat", &f]);
    assert_eq!(pair.sandboxed.stdout_str(), TEXT);
}

#[test]
fn cat_system_file() {
    assert_same(&["/bin/cat", "/etc/os-release"]);
}

#[test]
fn head_c() {
    let dir = TempDir::new("head");
    let f = text_file(&dir);
    let pair = assert_same(&["head", "-c", "13", &f]);
    assert_eq!(pair.sandboxed.stdout_str(), &TEXT[..13]);
    assert_same(&["head", "-n", "3", &f]);
}

#[test]
fn wc() {
    let dir = TempDir::new("wc");
    let f = text_file(&dir);
    let pair = assert_same(&["wc", &f]);
    assert!(
        pair.sandboxed.stdout_str().starts_with(" 8  8 44 "),
        "{}",
        pair.sandboxed.describe()
    );
    assert_same_opts(&["wc", "-c"], &RunOpts::new().stdin(TEXT));
}

#[test]
fn sha256sum_file() {
    let dir = TempDir::new("sha");
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let f = dir.write("data.bin", data);
    assert_same(&["sha256sum", f.to_str().unwrap()]);
    assert_same(&["sha256sum", "/bin/ls"]);
}

#[test]
fn ls_la_of_a_stable_directory() {
    // Package documentation does not change while tests run.
    assert_same(&["ls", "-la", "/usr/share/doc/coreutils"]);
}

#[test]
fn ls_of_a_directory_made_for_the_test() {
    let dir = TempDir::new("ls");
    for name in ["b", "a", "c.txt", ".hidden"] {
        dir.write(name, name);
    }
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink("a", dir.path().join("link")).unwrap();
    let pair = assert_same(&[
        "ls",
        "-lA",
        "--time-style=+%s",
        dir.path().to_str().unwrap(),
    ]);
    assert!(pair.sandboxed.stdout_str().contains("link -> a\n"));
    assert_same(&["ls", "-1F", dir.path().to_str().unwrap()]);
}

#[test]
fn sort_small_file() {
    let dir = TempDir::new("sort");
    let f = text_file(&dir);
    let pair = assert_same(&["sort", &f]);
    assert_eq!(
        pair.sandboxed.stdout_str(),
        "\napple\napple\nbanana\ncherry 42\ndate\nfig\npear\n"
    );
    assert_same(&["sort", "-u", "-r", &f]);
}

#[test]
fn date_year() {
    let before = run_native(&["date", "+%Y"], &RunOpts::new());
    let sandboxed = run_sandboxed(&["date", "+%Y"], &RunOpts::new());
    let after = run_native(&["date", "+%Y"], &RunOpts::new());
    sandboxed.assert_code(0);
    let year = sandboxed.stdout_str();
    // Equal to the year before or after it ran (a test may straddle New Year's midnight).
    assert!(
        year == before.stdout_str() || year == after.stdout_str(),
        "sandboxed year {year:?}, native {:?}",
        before.stdout_str()
    );
}

#[test]
fn true_false() {
    assert_same(&["true"]).sandboxed.assert_code(0);
    assert_same(&["false"]).sandboxed.assert_code(1);
}

#[test]
fn busybox_ls_root() {
    let bb = require_tool("/bin/busybox");
    assert_same(&[bb, "ls", "/"]);
}

#[test]
fn busybox_sha256sum() {
    let bb = require_tool("/bin/busybox");
    let dir = TempDir::new("bb-sha");
    let f = text_file(&dir);
    let pair = assert_same(&[bb, "sha256sum", &f]);
    // busybox agrees with coreutils.
    let gnu = run_native(&["sha256sum", &f], &RunOpts::new());
    assert_eq!(pair.sandboxed.stdout, gnu.stdout);
}

#[test]
fn busybox_cat_stdin() {
    let bb = require_tool("/bin/busybox");
    assert_same_opts(&[bb, "cat"], &RunOpts::new().stdin(TEXT));
}

#[test]
fn busybox_wc_and_sort() {
    let bb = require_tool("/bin/busybox");
    let dir = TempDir::new("bb-wc");
    let f = text_file(&dir);
    assert_same(&[bb, "wc", &f]);
    assert_same(&[bb, "sort", &f]);
}

/// The Debian python3 (an absolute path: a pyenv shim earlier in PATH would be a shell script
/// that forks).
#[test]
fn python3_print() {
    let py = require_tool("/usr/bin/python3");
    let pair = assert_same(&[py, "-c", "print(1+1)"]);
    assert_eq!(pair.sandboxed.stdout_str(), "2\n");
}

#[test]
fn python3_reads_files_and_environment() {
    let py = require_tool("/usr/bin/python3");
    let dir = TempDir::new("py");
    let f = text_file(&dir);
    let script = "import os, sys, hashlib\n\
                  data = open(sys.argv[1], 'rb').read()\n\
                  print(len(data), hashlib.sha256(data).hexdigest())\n\
                  print(sorted(os.listdir(os.path.dirname(sys.argv[1]))))\n\
                  print(os.environ.get('BLINDERS_T_PY'), os.getcwd() == os.path.dirname(sys.argv[1]))\n\
                  print(sum(range(10**6)))\n";
    let pair = assert_same_opts(
        &[py, "-c", script, &f],
        &RunOpts::new()
            .env("BLINDERS_T_PY", "py-value")
            .cwd(dir.path()),
    );
    assert!(pair.sandboxed.stdout_str().contains("py-value True\n"));
}
