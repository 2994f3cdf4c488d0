//! Harness for Blinders' end-to-end tests.
//!
//! Every test runs a real program twice, natively and under `blinders do`, and compares what
//! the two runs observed: exit status, stdout and, where it is deterministic, stderr. Test
//! programs written in C live in `tests/programs/` and are compiled on demand by [`compile`].
//!
//! Everything here is safe to use from tests running in parallel threads of one test binary and
//! from several test binaries at once: scratch files live in a directory private to this process,
//! and nothing is shared between tests but the per-process compile cache.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::Duration;

/// Folder of the C test programs.
pub fn programs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("programs")
}

/// The workspace root (the folder above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests crate has a parent folder")
        .to_path_buf()
}

/// The `blinders` binary under test.
///
/// `BLINDERS_BIN` wins if set (a relative path is taken from the workspace root). Otherwise the
/// binary is `target/<profile>/blinders`, next to the `deps/` folder this test executable lives
/// in. `cargo test` does not build a package's binary unless that package has integration tests
/// of its own (and `env!("CARGO_BIN_EXE_blinders")` only exists in the binary's own package), so
/// when run by cargo (`CARGO` is set) this first runs `cargo build -p blinders` for the same
/// profile, once per test process; that also keeps a stale binary from being tested. Cargo does
/// not hold its build lock while tests run, so the nested build does not deadlock.
pub fn blinders_bin() -> PathBuf {
    // A failed build is remembered too: every test then fails with its message at once.
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BIN.get_or_init(|| {
        std::panic::catch_unwind(find_or_build_blinders).map_err(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "finding the blinders binary failed".to_owned())
        })
    }) {
        Ok(bin) => bin.clone(),
        Err(msg) => panic!("{msg}"),
    }
}

fn find_or_build_blinders() -> PathBuf {
    if let Some(bin) = std::env::var_os("BLINDERS_BIN") {
        // Relative to the workspace root (cargo runs tests in the package's folder).
        let bin = workspace_root().join(bin);
        assert!(
            bin.is_file(),
            "BLINDERS_BIN={} does not name a file",
            bin.display()
        );
        return bin;
    }
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/deps/<test-exe>
    let mut profile_dir = exe.parent().expect("test exe has a folder").to_path_buf();
    if profile_dir.file_name() == Some(OsStr::new("deps")) {
        profile_dir.pop();
    }
    if let Some(cargo) = std::env::var_os("CARGO") {
        let profile = profile_dir
            .file_name()
            .and_then(OsStr::to_str)
            .unwrap_or("debug")
            .to_owned();
        let mut cmd = Command::new(cargo);
        cmd.arg("build")
            .arg("--quiet")
            .arg("--manifest-path")
            .arg(workspace_root().join("Cargo.toml"))
            .args(["-p", "blinders", "--bin", "blinders"]);
        match profile.as_str() {
            "debug" => {}
            "release" => {
                cmd.arg("--release");
            }
            other => {
                cmd.args(["--profile", other]);
            }
        }
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .expect("failed to run cargo build -p blinders");
        assert!(
            out.status.success(),
            "`cargo build -p blinders` failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let bin = profile_dir.join("blinders");
    assert!(
        bin.is_file(),
        "the blinders binary is missing at {}: build it with `cargo build -p blinders` \
         or point BLINDERS_BIN at it",
        bin.display()
    );
    bin
}

/// Fails the test with a clear message when a host tool the test needs is missing.
/// CI installs all of them (see `.ci/run`).
pub fn require_tool(path: &str) -> &str {
    assert!(
        Path::new(path).exists(),
        "{path} is missing on this host: install it (.ci/run lists the Debian packages)"
    );
    path
}

// ---------------------------------------------------------------------------------------------
// Scratch space

static SCRATCH_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Where scratch folders go: `BLINDERS_TEST_TMPDIR` if set, else `target/tmp/blinders-tests`
/// (found from this test executable, so `cargo clean` removes it), else `$TMPDIR`. Not `/tmp`
/// by default: a sandbox may well mount its own tmpfs there, hiding the host's files.
fn scratch_base() -> PathBuf {
    if let Some(dir) = std::env::var_os("BLINDERS_TEST_TMPDIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().ok();
    // target/<profile>/deps/<test-exe>
    let target = exe.as_deref().and_then(|e| {
        let deps = e.parent()?;
        (deps.file_name()? == "deps").then_some(())?;
        Some(deps.parent()?.parent()?.to_path_buf())
    });
    match target {
        Some(t) => t.join("tmp").join("blinders-tests"),
        None => std::env::temp_dir().join("blinders-tests"),
    }
}

/// A folder private to this test process: `<scratch base>/<pid>`. Folders left by earlier
/// processes that no longer exist are removed when it is first made.
pub fn scratch_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let base = scratch_base();
        fs::create_dir_all(&base).expect("create scratch base");
        if let Ok(entries) = fs::read_dir(&base) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let alive = name
                    .to_str()
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_some_and(|pid| Path::new("/proc").join(pid.to_string()).exists());
                if !alive {
                    let _ = fs::remove_dir_all(entry.path());
                }
            }
        }
        let root = base.join(std::process::id().to_string());
        fs::create_dir_all(&root).expect("create scratch root");
        root
    })
}

/// A fresh, uniquely named path inside [`scratch_root`] (not created).
pub fn unique_path(prefix: &str) -> PathBuf {
    let n = SCRATCH_COUNTER.fetch_add(1, Ordering::Relaxed);
    scratch_root().join(format!("{prefix}-{n}"))
}

/// A temporary directory removed on drop.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        let path = unique_path(prefix);
        fs::create_dir(&path).expect("create temp dir");
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `contents` to `name` inside the directory and returns the file's path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path.join(name);
        fs::write(&p, contents).expect("write temp file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

// ---------------------------------------------------------------------------------------------
// Compiling test programs

/// Which C compiler driver builds a test program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cc {
    /// The host's `cc` (gcc with glibc).
    Glibc,
    /// `musl-gcc` (Debian's musl-tools).
    Musl,
}

impl Cc {
    fn driver(self) -> &'static str {
        match self {
            Cc::Glibc => "cc",
            Cc::Musl => "musl-gcc",
        }
    }
}

type CompileKey = (Cc, String, Vec<String>);

/// Compiles `tests/programs/NAME.c` with `cc` and returns the executable's path.
pub fn compile(name: &str, extra_cc_args: &[&str]) -> PathBuf {
    compile_with(Cc::Glibc, name, extra_cc_args)
}

/// Compiles `tests/programs/NAME.c` with the given compiler. Each (compiler, name, args) is built
/// once per process, into its own file; parallel callers asking for the same one wait for it.
pub fn compile_with(cc: Cc, name: &str, extra_cc_args: &[&str]) -> PathBuf {
    static CACHE: OnceLock<Mutex<HashMap<CompileKey, Arc<OnceLock<PathBuf>>>>> = OnceLock::new();
    let key: CompileKey = (
        cc,
        name.to_owned(),
        extra_cc_args.iter().map(|s| (*s).to_owned()).collect(),
    );
    let cell = {
        let mut map = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        Arc::clone(map.entry(key).or_default())
    };
    cell.get_or_init(|| compile_uncached(cc, name, extra_cc_args))
        .clone()
}

fn compile_uncached(cc: Cc, name: &str, extra_cc_args: &[&str]) -> PathBuf {
    let src = programs_dir().join(format!("{name}.c"));
    assert!(src.is_file(), "no test program {}", src.display());
    let dir = unique_path(&format!("bin-{name}"));
    fs::create_dir(&dir).expect("create build dir");
    let out = dir.join(name);
    let result = Command::new(cc.driver())
        .args(["-std=gnu11", "-O1", "-Wall", "-Wextra", "-Werror"])
        .args(extra_cc_args)
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{}` ({e}): install it (.ci/run lists the packages)",
                cc.driver()
            )
        });
    assert!(
        result.status.success(),
        "compiling {} with {} {:?} failed:\n{}",
        src.display(),
        cc.driver(),
        extra_cc_args,
        String::from_utf8_lossy(&result.stderr)
    );
    out
}

/// Makes a file that exists but is not executable, for the exit-126 test.
pub fn non_executable_file(dir: &TempDir) -> PathBuf {
    let p = dir.write("not-executable", "#!/bin/sh\necho should not run\n");
    fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).expect("chmod");
    p
}

// ---------------------------------------------------------------------------------------------
// Running programs

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Exited(i32),
    Signaled(i32),
}

impl Status {
    fn from_exit(st: ExitStatus) -> Status {
        match (st.code(), st.signal()) {
            (Some(c), _) => Status::Exited(c),
            (None, Some(s)) => Status::Signaled(s),
            (None, None) => panic!("exit status {st:?} is neither an exit nor a signal"),
        }
    }

    /// The status as a shell reports it: death by signal N is 128+N.
    pub fn code(self) -> i32 {
        match self {
            Status::Exited(c) => c,
            Status::Signaled(s) => 128 + s,
        }
    }
}

/// What one run produced.
#[derive(Clone, Debug)]
pub struct Output {
    pub status: Status,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    /// Exit code, with death by signal N mapped to 128+N.
    pub fn code(&self) -> i32 {
        self.status.code()
    }

    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Panics with both streams unless the run exited with `code` (128+N for signal N).
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code(),
            code,
            "unexpected exit status {:?}\n{}",
            self.status,
            self.describe()
        );
        self
    }

    /// Both streams, for failure messages.
    pub fn describe(&self) -> String {
        format!(
            "--- stdout ({} bytes)\n{}\n--- stderr ({} bytes)\n{}\n---",
            self.stdout.len(),
            truncate(&self.stdout_str(), 8000),
            self.stderr.len(),
            truncate(&self.stderr_str(), 8000)
        )
    }
}

/// Options of a run; the same options are used for the native and the sandboxed run.
#[derive(Clone, Debug, Default)]
pub struct RunOpts {
    env_clear: bool,
    env: Vec<(OsString, OsString)>,
    env_remove: Vec<OsString>,
    stdin: Option<Vec<u8>>,
    cwd: Option<PathBuf>,
    stdout_file: Option<PathBuf>,
    blinders_flags: Vec<OsString>,
    timeout: Option<Duration>,
}

impl RunOpts {
    pub fn new() -> RunOpts {
        RunOpts::default()
    }

    /// Adds or overrides an environment variable (on top of the test's own environment).
    pub fn env(mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), val.as_ref().to_owned()));
        self
    }

    /// Starts from an empty environment instead of the test's (the sandboxed run's blinders
    /// process then also has an empty environment, which it passes on).
    pub fn env_clear(mut self) -> Self {
        self.env_clear = true;
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.env_remove.push(key.as_ref().to_owned());
        self
    }

    /// Bytes fed to stdin through a pipe (default: /dev/null).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// Working directory (default: the test's).
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// Sends stdout to this file (created or truncated) instead of a pipe; `Output::stdout` is
    /// then empty.
    pub fn stdout_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.stdout_file = Some(path.into());
        self
    }

    /// An extra `blinders do` flag, e.g. `--strace` (ignored by native runs).
    pub fn flag(mut self, flag: impl AsRef<OsStr>) -> Self {
        self.blinders_flags.push(flag.as_ref().to_owned());
        self
    }

    /// Kill the run after this long (default 120 s, or `BLINDERS_TEST_TIMEOUT_SECS`).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = Some(t);
        self
    }
}

fn default_timeout() -> Duration {
    let secs = std::env::var("BLINDERS_TEST_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    Duration::from_secs(secs)
}

/// Runs `argv` directly on the host.
pub fn run_native<S: AsRef<OsStr>>(argv: &[S], opts: &RunOpts) -> Output {
    assert!(!argv.is_empty(), "empty argv");
    let mut cmd = Command::new(argv[0].as_ref());
    cmd.args(&argv[1..]);
    run_command(cmd, opts, "native")
}

/// Runs `argv` as `blinders do [FLAGS] -- ARGV...`.
pub fn run_sandboxed<S: AsRef<OsStr>>(argv: &[S], opts: &RunOpts) -> Output {
    assert!(!argv.is_empty(), "empty argv");
    let mut cmd = Command::new(blinders_bin());
    cmd.arg("do")
        .args(&opts.blinders_flags)
        .arg("--")
        .args(argv.iter().map(AsRef::as_ref));
    run_command(cmd, opts, "sandboxed")
}

/// Runs the blinders binary with exactly these arguments (for command-line error tests).
pub fn run_blinders<S: AsRef<OsStr>>(args: &[S], opts: &RunOpts) -> Output {
    let mut cmd = Command::new(blinders_bin());
    cmd.args(args.iter().map(AsRef::as_ref));
    run_command(cmd, opts, "blinders")
}

/// Runs any host command with the harness's options (stdin, env, timeout).
pub fn run_command(mut cmd: Command, opts: &RunOpts, what: &str) -> Output {
    if opts.env_clear {
        cmd.env_clear();
    }
    for (k, v) in &opts.env {
        cmd.env(k, v);
    }
    for k in &opts.env_remove {
        cmd.env_remove(k);
    }
    if let Some(dir) = &opts.cwd {
        cmd.current_dir(dir);
    }
    cmd.stdin(if opts.stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    match &opts.stdout_file {
        Some(p) => {
            let f = fs::File::create(p)
                .unwrap_or_else(|e| panic!("create stdout file {}: {e}", p.display()));
            cmd.stdout(f);
        }
        None => {
            cmd.stdout(Stdio::piped());
        }
    }
    cmd.stderr(Stdio::piped());
    // Its own process group, so that the watchdog can kill it with everything it started.
    cmd.process_group(0);
    // Only fds 0-2 reach the program. The test process may hold inheritable fds of its own
    // (cargo's jobserver pipe, for one), which a native run would otherwise see and a sandbox
    // rightly would not, and programs print fd numbers.
    // SAFETY: the closure runs in the child between fork and exec; it makes one system call,
    // which is async-signal-safe, and touches no memory. CLOSE_RANGE_CLOEXEC only marks the
    // fds, so std's own exec-error pipe (already close-on-exec) keeps working.
    unsafe {
        cmd.pre_exec(|| {
            const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
            libc::syscall(
                libc::SYS_close_range,
                3 as libc::c_uint,
                libc::c_uint::MAX,
                CLOSE_RANGE_CLOEXEC,
            );
            Ok(())
        });
    }
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("{what} run: cannot spawn {shown}: {e}"));
    let pgid = i32::try_from(child.id()).expect("pid fits in i32");

    let (done_tx, done_rx) = mpsc::channel::<()>();
    let timeout = opts.timeout.unwrap_or_else(default_timeout);
    let watchdog = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(timeout) {
            // SAFETY: kill(2) takes no pointers; the group is this run's, which has not been
            // reaped yet (the waiting thread is still blocked), so the id cannot be reused.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
            return true;
        }
        false
    });

    let writer = match (child.stdin.take(), opts.stdin.clone()) {
        (Some(mut pipe), Some(bytes)) => Some(std::thread::spawn(move || {
            // The program may exit without reading everything: EPIPE is not an error here.
            let _ = pipe.write_all(&bytes);
        })),
        _ => None,
    };
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{what} run: waiting for {shown}: {e}"));
    let _ = done_tx.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    if let Some(w) = writer {
        let _ = w.join();
    }
    let output = Output {
        status: Status::from_exit(out.status),
        stdout: out.stdout,
        stderr: out.stderr,
    };
    assert!(
        !timed_out,
        "{what} run timed out after {timeout:?} and was killed: {shown}\n{}",
        output.describe()
    );
    output
}

// ---------------------------------------------------------------------------------------------
// Comparing runs

/// The native and the sandboxed run of one program.
#[derive(Debug)]
pub struct Pair {
    pub native: Output,
    pub sandboxed: Output,
}

/// Runs `argv` natively and under blinders; asserts equal stdout and exit code (death by signal
/// N counted as 128+N). Returns both runs for further checks.
#[track_caller]
pub fn assert_same<S: AsRef<OsStr>>(argv: &[S]) -> Pair {
    assert_same_opts(argv, &RunOpts::new())
}

/// [`assert_same`] with options.
#[track_caller]
pub fn assert_same_opts<S: AsRef<OsStr>>(argv: &[S], opts: &RunOpts) -> Pair {
    let native = run_native(argv, opts);
    let sandboxed = run_sandboxed(argv, opts);
    let pair = Pair { native, sandboxed };
    pair.check(argv, false);
    pair
}

/// Compiles `tests/programs/NAME.c` (with `cc_args`), runs it natively and sandboxed with
/// [`assert_same`], requires the sandboxed run to exit 0, and returns its stdout.
#[track_caller]
pub fn same_program_output(name: &str, cc_args: &[&str]) -> String {
    let prog = compile(name, cc_args);
    let pair = assert_same(&[prog.to_str().unwrap()]);
    pair.sandboxed.assert_code(0);
    pair.sandboxed.stdout_str()
}

/// [`assert_same_opts`] that also requires equal stderr.
#[track_caller]
pub fn assert_same_with_stderr<S: AsRef<OsStr>>(argv: &[S], opts: &RunOpts) -> Pair {
    let native = run_native(argv, opts);
    let sandboxed = run_sandboxed(argv, opts);
    let pair = Pair { native, sandboxed };
    pair.check(argv, true);
    pair
}

impl Pair {
    #[track_caller]
    fn check<S: AsRef<OsStr>>(&self, argv: &[S], stderr_too: bool) {
        let mut problems = String::new();
        if self.native.stdout != self.sandboxed.stdout {
            let _ = writeln!(
                problems,
                "stdout differs (- native, + sandboxed):\n{}",
                diff(&self.native.stdout_str(), &self.sandboxed.stdout_str())
            );
        }
        if stderr_too && self.native.stderr != self.sandboxed.stderr {
            let _ = writeln!(
                problems,
                "stderr differs (- native, + sandboxed):\n{}",
                diff(&self.native.stderr_str(), &self.sandboxed.stderr_str())
            );
        }
        if self.native.code() != self.sandboxed.code() {
            let _ = writeln!(
                problems,
                "exit differs: native {:?} (code {}), sandboxed {:?} (code {})",
                self.native.status,
                self.native.code(),
                self.sandboxed.status,
                self.sandboxed.code()
            );
        }
        if !problems.is_empty() {
            let mut shown: Vec<_> = argv
                .iter()
                .take(10)
                .map(|a| truncate(&a.as_ref().to_string_lossy(), 200))
                .collect();
            if argv.len() > 10 {
                shown.push(format!("… {} arguments in all", argv.len()));
            }
            panic!(
                "native and sandboxed runs of {shown:?} differ\n{problems}\
                 sandboxed stderr:\n{}",
                truncate(&self.sandboxed.stderr_str(), 4000)
            );
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} more bytes]", &s[..end], s.len() - end)
}

/// A line diff of `a` and `b`: changed lines with `-`/`+` and up to 3 lines of context, like
/// `diff -u`. Long inputs fall back to showing the first difference.
pub fn diff(a: &str, b: &str) -> String {
    let al: Vec<&str> = a.split_inclusive('\n').collect();
    let bl: Vec<&str> = b.split_inclusive('\n').collect();
    let (n, m) = (al.len(), bl.len());
    let mut out = String::new();
    if n.saturating_mul(m) > 4_000_000 {
        let first = al
            .iter()
            .zip(&bl)
            .position(|(x, y)| x != y)
            .unwrap_or(n.min(m));
        let _ = writeln!(
            out,
            "(too long for a full diff) first difference at line {}",
            first + 1
        );
        let _ = writeln!(
            out,
            "-{}",
            show_line(al.get(first).copied().unwrap_or("<end>"))
        );
        let _ = writeln!(
            out,
            "+{}",
            show_line(bl.get(first).copied().unwrap_or("<end>"))
        );
        return out;
    }
    // lcs[i][j] = length of the longest common subsequence of al[i..] and bl[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if al[i] == bl[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // Walk the table into an edit script: (' ' | '-' | '+', line).
    let mut script: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && al[i] == bl[j] {
            script.push((' ', al[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            script.push(('-', al[i]));
            i += 1;
        } else {
            script.push(('+', bl[j]));
            j += 1;
        }
    }
    const CONTEXT: usize = 3;
    let changed: Vec<usize> = (0..script.len()).filter(|&k| script[k].0 != ' ').collect();
    let mut last_shown: Option<usize> = None;
    for (k, (tag, line)) in script.iter().enumerate() {
        let near = changed
            .iter()
            .any(|&c| k + CONTEXT >= c && k <= c + CONTEXT);
        if !near {
            continue;
        }
        if last_shown.is_some_and(|l| k > l + 1) || (last_shown.is_none() && k > 0) {
            let _ = writeln!(out, "@@ line {} @@", k + 1);
        }
        let _ = writeln!(out, "{tag}{}", show_line(line));
        last_shown = Some(k);
    }
    out
}

fn show_line(line: &str) -> String {
    match line.strip_suffix('\n') {
        Some(l) => l.to_owned(),
        None => format!("{line}⏎(no newline at end)"),
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers for assertions

/// Asserts that `text` contains each of `parts` (the whole text shown for one missing).
#[track_caller]
pub fn assert_contains_all(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }
}

/// Lines of `text` that contain `needle`.
pub fn lines_containing<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

/// Occurrences of the word `word` in `text`, a match not being followed by a character that
/// could continue an identifier (so `add_key` does not count `add_keys`).
pub fn count_word(text: &str, word: &str) -> usize {
    text.match_indices(word)
        .filter(|(i, _)| {
            text[i + word.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
        })
        .count()
}

/// Asserts that `stderr` is exactly one non-empty line (the CLI's error contract).
#[track_caller]
pub fn assert_one_line_error(out: &Output) {
    let err = out.stderr_str();
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines.len() == 1 && !lines[0].trim().is_empty(),
        "expected a one-line error on stderr, got {} lines:\n{}",
        lines.len(),
        out.describe()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_map_signals_to_128_plus_n() {
        assert_eq!(Status::Exited(3).code(), 3);
        assert_eq!(Status::Signaled(11).code(), 139);
        assert_eq!(Status::Signaled(6).code(), 134);
    }

    #[test]
    fn diff_shows_changed_lines_with_context() {
        let a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        let d = diff(a, b);
        assert!(d.contains("-5\n+five\n"), "{d}");
        assert!(d.contains(" 4\n") && d.contains(" 6\n"), "{d}");
        assert!(!d.contains(" 1\n"), "context is limited: {d}");
        assert_eq!(diff(a, a), "");
        assert!(diff("x", "x\n").contains("no newline"));
    }

    #[test]
    fn count_word_respects_identifier_boundaries() {
        let log = "WARN unimplemented syscall add_key\nunimplemented syscall add_keys\n";
        assert_eq!(count_word(log, "unimplemented syscall add_key"), 1);
        assert_eq!(count_word("a add_key", "add_key"), 1);
        assert_eq!(count_word("", "add_key"), 0);
    }

    #[test]
    fn native_run_captures_streams_status_and_stdin() {
        let out = run_native(&["/bin/cat"], &RunOpts::new().stdin(&b"abc\0def"[..]));
        assert_eq!(out.status, Status::Exited(0));
        assert_eq!(out.stdout, b"abc\0def");
        let out = run_native(&["/bin/sh", "-c", "echo err >&2; exit 7"], &RunOpts::new());
        assert_eq!(out.status, Status::Exited(7));
        assert_eq!(out.stderr, b"err\n");
        assert!(out.stdout.is_empty());
        let out = run_native(&["/bin/sh", "-c", "kill -SEGV $$"], &RunOpts::new());
        assert_eq!(out.status, Status::Signaled(11));
        assert_eq!(out.code(), 139);
    }

    #[test]
    fn runs_see_only_the_standard_fds() {
        // Even with an inheritable fd open in the test process.
        let (r, w) = {
            let mut fds = [0; 2];
            // SAFETY: pipe(2) writes two ints into the array we pass.
            assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
            (fds[0], fds[1])
        };
        // ls opens the directory itself: fd 3.
        let out = run_native(&["/bin/ls", "/proc/self/fd"], &RunOpts::new());
        // SAFETY: closing the two fds pipe(2) just gave us.
        unsafe {
            libc::close(r);
            libc::close(w);
        }
        assert_eq!(out.stdout_str(), "0\n1\n2\n3\n", "{}", out.describe());
    }

    #[test]
    fn native_run_honours_env_cwd_and_stdout_file() {
        let dir = TempDir::new("harness");
        let file = dir.path().join("out");
        let out = run_native(
            &["/bin/sh", "-c", "pwd; echo \"$HARNESS_VAR\""],
            &RunOpts::new()
                .cwd(dir.path())
                .env("HARNESS_VAR", "value 1")
                .stdout_file(&file),
        );
        assert_eq!(out.status, Status::Exited(0));
        assert!(out.stdout.is_empty());
        let want = format!("{}\nvalue 1\n", dir.path().display());
        assert_eq!(fs::read_to_string(&file).unwrap(), want);
    }

    #[test]
    fn watchdog_kills_a_hung_run_and_its_children() {
        // sh forks sleep (a command follows it), so only a kill of the whole group lets the
        // stdout pipe close.
        let hung = std::panic::catch_unwind(|| {
            run_native(
                &["/bin/sh", "-c", "sleep 1000; echo not reached"],
                &RunOpts::new().timeout(Duration::from_millis(300)),
            )
        });
        let msg = hung.expect_err("a hung run must fail");
        let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("timed out"), "{msg}");
    }

    #[test]
    fn compile_caches_and_separates_variants() {
        let a = compile("hello", &[]);
        let b = compile("hello", &[]);
        let c = compile("hello", &["-static"]);
        assert_eq!(a, b);
        assert_ne!(a, c);
        let out = run_native(&[&a], &RunOpts::new());
        assert_eq!(out.code(), 0, "{}", out.describe());
        assert!(out.stdout_str().starts_with("hello"), "{}", out.describe());
    }

    #[test]
    fn temp_dir_is_removed_on_drop() {
        let path = {
            let d = TempDir::new("drop");
            d.write("f", "x");
            d.path().to_path_buf()
        };
        assert!(!path.exists());
    }
}
