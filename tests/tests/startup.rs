//! Starting programs of every kind (dynamic and static glibc, static-pie, musl, busybox) and
//! what they find at start-up: argv, the environment and the auxiliary vector.

use blinders_tests::*;

#[test]
fn echo_dynamic_glibc() {
    let pair = assert_same(&["/bin/echo", "hello"]);
    assert_eq!(pair.sandboxed.stdout_str(), "hello\n");
    pair.sandboxed.assert_code(0);
}

#[test]
fn command_is_looked_up_in_path() {
    let pair = assert_same(&["echo", "found", "in", "PATH"]);
    assert_eq!(pair.sandboxed.stdout_str(), "found in PATH\n");
}

#[test]
fn nothing_on_stderr_without_flags() {
    let out = run_sandboxed(&["/bin/true"], &RunOpts::new());
    out.assert_code(0);
    assert!(
        out.stderr.is_empty() && out.stdout.is_empty(),
        "a silent program must stay silent:\n{}",
        out.describe()
    );
}

#[test]
fn busybox_static_echo() {
    let bb = require_tool("/bin/busybox");
    let pair = assert_same(&[bb, "echo", "hi"]);
    assert_eq!(pair.sandboxed.stdout_str(), "hi\n");
    // By name through PATH, as the issue writes it.
    assert_same(&["busybox", "echo", "hi"]);
}

fn hello_variant(cc: Cc, args: &[&str]) {
    let prog = compile_with(cc, "hello", args);
    let prog = prog.to_str().expect("utf-8 path");
    let pair = assert_same(&[prog, "5", "two words", ""]);
    assert_eq!(
        pair.sandboxed.stdout_str(),
        "hello, 4 args\nargv[1]=5\nargv[2]=two words\nargv[3]=\nwritten with write(2)\n"
    );
    pair.sandboxed.assert_code(5);
}

#[test]
fn hello_dynamic_glibc() {
    hello_variant(Cc::Glibc, &[]);
}

#[test]
fn hello_static_glibc() {
    hello_variant(Cc::Glibc, &["-static"]);
}

#[test]
fn hello_static_pie_glibc() {
    hello_variant(Cc::Glibc, &["-static-pie"]);
}

#[test]
fn hello_no_pie_dynamic_glibc() {
    hello_variant(Cc::Glibc, &["-no-pie"]);
}

#[test]
fn hello_static_musl() {
    hello_variant(Cc::Musl, &["-static"]);
}

#[test]
fn hello_dynamic_musl() {
    hello_variant(Cc::Musl, &[]);
}

// --- auxiliary vector ----------------------------------------------------------------------

fn auxv_variant(cc: Cc, args: &[&str], dynamic: bool) {
    let prog = compile_with(cc, "auxv", args);
    let pair = assert_same(&[&prog]);
    let out = pair.sandboxed.stdout_str();
    let expect = [
        "AT_PAGESZ=0x1000".to_owned(),
        "AT_PLATFORM=\"x86_64\"".to_owned(),
        format!("AT_EXECFN=\"{}\"", prog.display()),
        "AT_SECURE=0".to_owned(),
        "AT_CLKTCK=0x64".to_owned(),
        "AT_RANDOM nonzero".to_owned(),
        "AT_RANDOM bytes all zero: no".to_owned(),
        "AT_PHDR nonzero".to_owned(),
        "AT_ENTRY nonzero".to_owned(),
        "AT_ENTRY is _start: yes".to_owned(),
        "AT_MINSIGSTKSZ nonzero".to_owned(),
        "AT_UID matches getuid(): yes".to_owned(),
        if dynamic {
            "AT_BASE nonzero".to_owned()
        } else {
            "AT_BASE zero".to_owned()
        },
    ];
    for line in expect {
        assert!(
            out.lines().any(|l| l == line),
            "missing `{line}` in the sandboxed auxv:\n{out}"
        );
    }
}

#[test]
fn auxv_dynamic_glibc() {
    auxv_variant(Cc::Glibc, &[], true);
}

#[test]
fn auxv_static_glibc() {
    auxv_variant(Cc::Glibc, &["-static"], false);
}

#[test]
fn auxv_static_pie_glibc() {
    auxv_variant(Cc::Glibc, &["-static-pie"], false);
}

/// musl's getauxval returns the kernel's values unchanged (glibc rewrites AT_HWCAP), so this
/// one compares the raw AT_HWCAP/AT_HWCAP2 bits with the host's.
#[test]
fn auxv_static_musl() {
    auxv_variant(Cc::Musl, &["-static"], false);
}

#[test]
fn auxv_dynamic_musl() {
    auxv_variant(Cc::Musl, &[], true);
}

// --- argv and environment ------------------------------------------------------------------

#[test]
fn argv_with_odd_arguments() {
    let prog = compile("args", &[]);
    let prog = prog.to_str().unwrap();
    let pair = assert_same(&[
        prog,
        "",
        "two words",
        "--",
        "--strace",
        "-x",
        "new\nline",
        "tab\there",
        "ünïcödé ✓",
        "'quotes\" $HOME *",
    ]);
    let out = pair.sandboxed.stdout_str();
    assert!(
        out.starts_with("argc=10\nargv[argc] is NULL: yes\n"),
        "{out}"
    );
    assert!(out.contains("argv[3]=--\nargv[4]=--strace\n"), "{out}");
}

#[test]
fn large_argv() {
    let prog = compile("args", &[]);
    let mut argv = vec![prog.to_str().unwrap().to_owned()];
    argv.extend((0..2000).map(|i| format!("argument-{i:04}-{}", "x".repeat(i % 50))));
    let pair = assert_same(&argv);
    let out = pair.sandboxed.stdout_str();
    assert!(
        out.starts_with("argc=2001\n"),
        "{}",
        &out[..out.len().min(200)]
    );
    assert!(
        out.contains("argv[2000]=argument-1999-"),
        "last argument missing"
    );
}

#[test]
fn large_environment() {
    let prog = compile("args", &[]);
    let big: String = (0..100 * 1024)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let mut opts = RunOpts::new().env("BLINDERS_T_BIG", &big);
    for i in 0..500 {
        opts = opts.env(format!("BLINDERS_T_V{i:03}"), format!("value {i}"));
    }
    let pair = assert_same_opts(&[&prog], &opts);
    let out = pair.sandboxed.stdout_str();
    assert!(
        out.contains("env BLINDERS_T_BIG: 102400 bytes, fnv "),
        "100 KiB variable missing:\n{}",
        &out[..out.len().min(2000)]
    );
    assert!(out.contains("env BLINDERS_T_V499=value 499\n"));
    assert!(out.contains("envp is environ: yes\n"));
}

#[test]
fn empty_environment() {
    let prog = compile("args", &[]);
    let pair = assert_same_opts(&[&prog], &RunOpts::new().env_clear());
    assert!(
        pair.sandboxed.stdout_str().contains("envc=0\n"),
        "{}",
        pair.sandboxed.describe()
    );
}

#[test]
fn environment_is_passed_unchanged() {
    let opts = RunOpts::new()
        .env("BLINDERS_T_ONE", "1")
        .env("BLINDERS_T_EMPTY", "")
        .env("BLINDERS_T_EQ", "a=b=c")
        .env_remove("BLINDERS_T_SURELY_UNSET");
    let pair = assert_same_opts(&["/usr/bin/env"], &opts);
    let out = pair.sandboxed.stdout_str();
    assert!(out.contains("BLINDERS_T_ONE=1\n"), "{out}");
    assert!(out.contains("BLINDERS_T_EMPTY=\n"), "{out}");
    assert!(out.contains("BLINDERS_T_EQ=a=b=c\n"), "{out}");
}
