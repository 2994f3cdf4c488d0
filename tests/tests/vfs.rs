//! The sandbox's VFS: the host's root seen through the gofer as the lower layer of an in-memory
//! overlay, `--volume` binds, tmpfs, and the sandbox's own /proc and /dev.
//!
//! `fsops.c` runs every file-system call family natively and sandboxed, section by section;
//! `overlay.c` changes files the host made; real tools (coreutils, busybox) run on a fixture
//! tree. Writes under `blinders do` must vanish with the sandbox, writes to a volume must reach
//! the host, and nothing in the sandbox may resolve a path outside its own tree.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;

use blinders_tests::*;

// ---------------------------------------------------------------------------------------------
// fsops.c, one test per section

/// Runs one section of `fsops.c` natively and sandboxed, each in a scratch directory of its
/// own (the program makes and removes its own directory under it).
fn fsops(section: &str) {
    let prog = compile("fsops", &[]);
    let dir = TempDir::new("fsops");
    let argv = [
        prog.as_os_str(),
        dir.path().as_os_str(),
        std::ffi::OsStr::new(section),
    ];
    let pair = assert_same(&argv);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(out.ends_with("done\n"), "{out}");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "fsops left files behind in {}",
        dir.path().display()
    );
}

macro_rules! fsops_tests {
    ($($name:ident => $section:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                fsops($section);
            }
        )*
    };
}

fsops_tests! {
    fsops_open_flags => "open",
    fsops_read_write_sparse => "rw",
    fsops_fallocate_truncate => "fallocate",
    fsops_seek_holes_in_tmpfs => "holes",
    fsops_stat_statx_statfs => "stat",
    fsops_access => "access",
    fsops_mkdir_rmdir_unlink_getdents => "dirs",
    fsops_unlink_of_open_file => "unlink_open",
    fsops_link => "links",
    fsops_rename => "rename",
    fsops_symlink_readlink => "symlink",
    fsops_chmod_chown_umask => "modes",
    fsops_utimensat => "times",
    fsops_chdir_getcwd => "cwd",
    fsops_long_names => "names",
    fsops_efault => "efault",
    fsops_mknod_fifo => "mknod",
    fsops_pipe => "pipe",
    fsops_sendfile_copy_file_range_splice => "transfer",
    fsops_xattr => "xattr",
    fsops_memfd => "memfd",
    fsops_o_tmpfile => "tmpfile",
    fsops_sync => "sync",
    fsops_chroot => "chroot",
    fsops_mount_tmpfs_and_bind => "mount",
}

/// A MAP_SHARED mapping of a memfd shows the file itself.
#[test]
fn fsops_memfd_shared_map() {
    fsops("memfd_shared_map");
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/// The tree `overlay.c` expects (see its header), plus a text file for `sort`.
fn fixture(prefix: &str) -> TempDir {
    let dir = TempDir::new(prefix);
    let p = dir.path();
    dir.write("a.txt", "alpha\n");
    dir.write("b.txt", "bravo\n");
    let exec = dir.write("exec.sh", "#!/bin/sh\n");
    fs::set_permissions(exec, fs::Permissions::from_mode(0o755)).unwrap();
    symlink("a.txt", p.join("link")).unwrap();
    dir.write("hard1", "shared\n");
    fs::hard_link(p.join("hard1"), p.join("hard2")).unwrap();
    fs::create_dir(p.join("empty_dir")).unwrap();
    fs::create_dir_all(p.join("sub/deeper")).unwrap();
    dir.write("sub/c.txt", "charlie\n");
    dir.write("sub/deeper/d.txt", "delta\n");
    fs::create_dir(p.join("sub2")).unwrap();
    dir.write("sub2/x.txt", "x-ray\n");
    let big: Vec<u8> = (0..262_144u32).map(|i| (i * 31 % 253) as u8).collect();
    dir.write("big.bin", big);
    dir.write(
        "fruit.txt",
        "pear\napple\nfig\nbanana\napple\ncherry 42\n\ndate\n",
    );
    dir
}

/// Everything in a tree that a change could touch: per path, its type, permission bits, link
/// count and contents (or link target).
fn snapshot(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            let meta = fs::symlink_metadata(&path).unwrap();
            let mode = meta.mode() & 0o7777;
            let what = if meta.file_type().is_symlink() {
                format!("link -> {}", fs::read_link(&path).unwrap().display())
            } else if meta.is_dir() {
                walk(root, &path, out);
                format!("dir {mode:o}")
            } else {
                let data = fs::read(&path).unwrap();
                format!(
                    "file {mode:o} nlink {} {} bytes {:?}",
                    meta.nlink(),
                    data.len(),
                    &data[..data.len().min(64)]
                )
            };
            out.insert(rel, what);
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Runs `sh -c SCRIPT` in a fresh fixture natively and in another fresh fixture sandboxed (the
/// script may change its fixture), compares stdout and exit codes, and checks that the sandboxed
/// run left its fixture on the host exactly as it was.
#[track_caller]
fn same_on_fresh_fixtures(script: &str) -> Pair {
    let native_dir = fixture("fx-native");
    let sandbox_dir = fixture("fx-sandbox");
    let before = snapshot(sandbox_dir.path());
    let argv = ["/bin/sh", "-c", script];
    let native = run_native(&argv, &RunOpts::new().cwd(native_dir.path()));
    let sandboxed = run_sandboxed(&argv, &RunOpts::new().cwd(sandbox_dir.path()));
    assert!(
        native.stdout == sandboxed.stdout && native.code() == sandboxed.code(),
        "native and sandboxed runs of `{script}` differ (exit {} vs {})\n\
         stdout (- native, + sandboxed):\n{}\nsandboxed stderr:\n{}",
        native.code(),
        sandboxed.code(),
        diff(&native.stdout_str(), &sandboxed.stdout_str()),
        sandboxed.stderr_str()
    );
    let after = snapshot(sandbox_dir.path());
    assert!(
        before == after,
        "the sandboxed run of `{script}` changed the host's files:\n{}",
        diff(&format!("{before:#?}\n"), &format!("{after:#?}\n"))
    );
    Pair { native, sandboxed }
}

/// Runs `check` on every script, then fails once listing every script that failed, so that one
/// discrepancy does not hide the next.
#[track_caller]
fn check_all(scripts: &[&str], check: impl Fn(&str)) {
    let mut failed = Vec::new();
    for script in scripts {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(script)));
        if let Err(e) = caught {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failed.push(format!("`{script}`:\n{msg}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} scripts failed:\n\n{}",
        failed.len(),
        scripts.len(),
        failed.join("\n\n")
    );
}

// ---------------------------------------------------------------------------------------------
// overlay.c: changes to files the host made

#[test]
fn overlay_copy_up_whiteouts_and_opaque_dirs_match_linux() {
    let prog = compile("overlay", &[]);
    let prog = prog.to_str().unwrap();
    let pair = same_on_fresh_fixtures(&format!("{prog} ."));
    pair.sandboxed.assert_code(0);
    assert!(pair.sandboxed.stdout_str().ends_with("done\n"));
}

// ---------------------------------------------------------------------------------------------
// Real tools on the fixture

/// Every file's path, type, size and mode, sorted (no inode numbers or times).
const FIND_LIST: &str = "find . -printf '%p %y %s %m %n\\n' | LC_ALL=C sort";
/// The same, for busybox find, which has no -printf.
const BUSYBOX_FIND_LIST: &str = "busybox find . | LC_ALL=C sort";

#[test]
fn coreutils_listing_and_reading() {
    let fx = fixture("tools");
    let opts = RunOpts::new().cwd(fx.path()).env("LC_ALL", "C");
    let scripts = [
        "ls -1R",
        "ls -1aF sub empty_dir",
        "ls -l --time-style=+ link",
        FIND_LIST,
        "find . -type f -name '*.txt' | sort",
        "find . -newer a.txt -o -type l | sort",
        "sha256sum a.txt big.bin sub/deeper/d.txt hard2",
        "sort fruit.txt; sort -u -r fruit.txt",
        "du -s --apparent-size --block-size=1 a.txt big.bin sub/c.txt",
        "du -al --apparent-size -b . | sort -k2",
        "tar cf - . | tar tf - | sort",
        "tar cf - sub | sha256sum",
        "stat -c '%n %F %s %a %h' a.txt link empty_dir sub/deeper exec.sh",
        "stat -L -c '%n %F %s' link",
        "readlink link; readlink -f link | sed \"s|$PWD|.|\"",
        "wc -c big.bin fruit.txt",
        "cmp hard1 hard2 && echo same",
    ];
    check_all(&scripts, |script| {
        assert_same_opts(&["/bin/sh", "-c", script], &opts);
    });
}

#[test]
fn coreutils_changing_files_stays_in_the_sandbox() {
    let scripts = [
        &format!("cp -a sub sub_copy && {FIND_LIST}"),
        &format!("cp -a . ../copy-$$ 2>&1; cd ../copy-$$ && {FIND_LIST}; cd .. && rm -rf copy-$$"),
        &format!("mv sub moved && mv a.txt moved/ && mv b.txt c.txt && {FIND_LIST}"),
        &format!("rm -r sub sub2 && rm link a.txt && {FIND_LIST}"),
        &format!("rm -rf ./* && ls -A && mkdir sub && ls -A sub && {FIND_LIST}"),
        "echo new >> a.txt && cat a.txt link && truncate -s 3 b.txt && od -c b.txt",
        "chmod 600 a.txt exec.sh && stat -c '%n %a' a.txt exec.sh link",
        "ln hard1 hard3 && stat -c '%n %h' hard1 hard2 hard3 && rm hard1 && stat -c '%n %h' hard2",
        "mkdir -p x/y/z && touch x/y/z/f && rmdir x/y/z 2>&1; rm -r x && ls",
        "tar cf ../t-$$.tar sub && rm -r sub && tar xf ../t-$$.tar && rm ../t-$$.tar && \
         find sub | sort && cat sub/c.txt",
        "sort -o fruit.txt fruit.txt && cat fruit.txt",
        "dd if=/dev/zero of=zeros bs=4096 count=3 status=none && \
         du --apparent-size -b zeros && sha256sum zeros",
    ]
    .map(|s| s.to_string());
    let scripts: Vec<&str> = scripts.iter().map(String::as_str).collect();
    check_all(&scripts, |script| {
        same_on_fresh_fixtures(script);
    });
}

#[test]
fn busybox_tools_on_the_fixture() {
    require_tool("/usr/bin/busybox");
    let fx = fixture("busybox");
    let opts = RunOpts::new().cwd(fx.path());
    let scripts = [
        "busybox ls -1R",
        BUSYBOX_FIND_LIST,
        "busybox sha256sum a.txt big.bin sub/deeper/d.txt",
        "busybox sort fruit.txt",
        "busybox du -s -b a.txt big.bin",
        "busybox tar cf - sub sub2 | busybox tar tf - | sort",
        "busybox stat -c '%n %F %s %a %h' a.txt link empty_dir",
    ];
    check_all(&scripts, |script| {
        assert_same_opts(&["/bin/sh", "-c", script], &opts);
    });
    let scripts = [
        &format!("busybox cp -a sub sub_copy && {BUSYBOX_FIND_LIST}"),
        &format!("busybox mv sub2 sub/ && busybox mv a.txt z.txt && {BUSYBOX_FIND_LIST}"),
        &format!("busybox rm -r sub && busybox rm link && {BUSYBOX_FIND_LIST}"),
        "busybox mkdir -p n/e/s/t && busybox touch n/e/s/t/f && busybox find n | sort",
    ]
    .map(|s| s.to_string());
    let scripts: Vec<&str> = scripts.iter().map(String::as_str).collect();
    check_all(&scripts, |script| {
        same_on_fresh_fixtures(script);
    });
}

#[test]
fn df_runs() {
    for argv in [&["df"][..], &["df", "-h", "/"], &["busybox", "df"]] {
        let out = run_sandboxed(argv, &RunOpts::new());
        out.assert_code(0);
        assert!(!out.stdout.is_empty(), "{}", out.describe());
    }
}

// ---------------------------------------------------------------------------------------------
// Writes vanish; volumes reach the host

#[test]
fn writes_in_the_sandbox_leave_the_host_unchanged() {
    let fx = fixture("vanish");
    let d = fx.path().to_str().unwrap();
    let before = snapshot(fx.path());
    let out = run_sandboxed(
        &[
            "sh",
            "-c",
            &format!(
                "echo x > {d}/newfile; rm {d}/a.txt; mkdir {d}/newdir; mv {d}/sub {d}/sub_moved; \
                 chmod 700 {d}/b.txt; echo more >> {d}/hard1; ln -s nowhere {d}/newlink; \
                 ls {d}; cat {d}/newfile {d}/hard2"
            ),
        ],
        &RunOpts::new(),
    );
    // The host first: that is the property that matters most.
    assert!(!fx.path().join("newfile").exists());
    assert!(fx.path().join("a.txt").exists());
    assert_eq!(snapshot(fx.path()), before);
    // Then what the sandbox saw of its own changes.
    let seen = out.stdout_str();
    assert!(
        seen.contains("newfile\n") && !seen.contains("a.txt\n"),
        "{}",
        out.describe()
    );
    assert!(
        seen.contains("sub_moved\n") && !seen.contains("sub\n"),
        "{}",
        out.describe()
    );
    assert!(seen.ends_with("x\nshared\nmore\n"), "{}", out.describe());
    out.assert_code(0);
}

#[test]
fn writes_to_a_volume_reach_the_host() {
    let vol = TempDir::new("vol");
    vol.write("in", "from host\n");
    fs::create_dir(vol.path().join("dir")).unwrap();
    vol.write("dir/old", "old\n");
    vol.write("gone", "x");
    let spec = format!("{}:/mnt/vol", vol.path().display());
    let out = run_blinders(
        &[
            "do",
            "--volume",
            &spec,
            "--",
            "sh",
            "-c",
            "cat /mnt/vol/in && echo data > /mnt/vol/out && mkdir /mnt/vol/newdir && \
             mv /mnt/vol/dir/old /mnt/vol/newdir/renamed && rm /mnt/vol/gone && \
             ln -s out /mnt/vol/outlink && chmod 600 /mnt/vol/out && \
             printf abc >> /mnt/vol/in && sync && ls /mnt/vol",
        ],
        &RunOpts::new(),
    );
    out.assert_code(0);
    assert_eq!(
        out.stdout_str(),
        "from host\ndir\nin\nnewdir\nout\noutlink\n",
        "{}",
        out.describe()
    );
    let p = vol.path();
    assert_eq!(fs::read_to_string(p.join("out")).unwrap(), "data\n");
    assert_eq!(
        fs::metadata(p.join("out")).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(fs::read_to_string(p.join("in")).unwrap(), "from host\nabc");
    assert_eq!(
        fs::read_to_string(p.join("newdir/renamed")).unwrap(),
        "old\n"
    );
    assert!(!p.join("dir/old").exists());
    assert!(!p.join("gone").exists());
    assert_eq!(fs::read_link(p.join("outlink")).unwrap(), Path::new("out"));
}

#[test]
fn a_read_only_volume_refuses_writes() {
    let vol = TempDir::new("rovol");
    vol.write("f", "keep\n");
    fs::create_dir(vol.path().join("d")).unwrap();
    let before = snapshot(vol.path());
    let spec = format!("{}:/mnt/ro:ro", vol.path().display());
    for cmd in [
        "echo x > /mnt/ro/new",
        "echo x >> /mnt/ro/f",
        "mkdir /mnt/ro/newdir",
        "rm /mnt/ro/f",
        "rmdir /mnt/ro/d",
        "mv /mnt/ro/f /mnt/ro/g",
        "chmod 600 /mnt/ro/f",
        "touch /mnt/ro/f",
        "ln -s x /mnt/ro/l",
        "truncate -s 0 /mnt/ro/f",
    ] {
        let out = run_blinders(
            &["do", "--volume", &spec, "--", "sh", "-c", cmd],
            &RunOpts::new(),
        );
        assert_ne!(out.code(), 0, "`{cmd}` succeeded:\n{}", out.describe());
        assert!(
            out.stderr_str().contains("Read-only file system"),
            "`{cmd}` did not fail with EROFS:\n{}",
            out.describe()
        );
    }
    let out = run_blinders(
        &["do", "--volume", &spec, "--", "cat", "/mnt/ro/f"],
        &RunOpts::new(),
    );
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "keep\n");
    assert_eq!(snapshot(vol.path()), before);
}

/// Symlinks in a volume resolve in the sandbox's tree: `..` past the volume's root and absolute
/// targets lead to the sandbox's own directories, never to the host's around the volume.
#[test]
fn symlinks_in_a_volume_do_not_escape_it() {
    let top = TempDir::new("escape");
    top.write("HOST_MARKER", "escaped!\n");
    // The volume three levels down: the host's resolution of `../../..` is `top`.
    let vol = top.path().join("a/b/vol");
    fs::create_dir_all(&vol).unwrap();
    symlink("../../..", vol.join("esc")).unwrap();
    symlink("/", vol.join("abs")).unwrap();
    symlink("../../../HOST_MARKER", vol.join("esc_file")).unwrap();
    symlink("/HOST_MARKER", vol.join("abs_file")).unwrap();
    fs::write(vol.join("inside"), "inside\n").unwrap();
    let spec = format!("{}:/mnt/vol", vol.display());
    let script = "cat /mnt/vol/esc/HOST_MARKER /mnt/vol/esc_file /mnt/vol/abs_file \
                  /mnt/vol/abs/HOST_MARKER /mnt/vol/../../HOST_MARKER \
                  /mnt/vol/esc/a/b/vol/inside 2>&1; \
                  echo; readlink -f /mnt/vol/esc /mnt/vol/abs; \
                  [ \"$(ls /mnt/vol/esc)\" = \"$(ls /)\" ] && echo esc-is-root; \
                  cat /mnt/vol/inside";
    let out = run_blinders(
        &["do", "--volume", &spec, "--", "sh", "-c", script],
        &RunOpts::new(),
    );
    let text = out.stdout_str();
    assert!(!text.contains("escaped!"), "{}", out.describe());
    assert!(
        text.contains("\n/\n/\nesc-is-root\ninside\n"),
        "{}",
        out.describe()
    );
    out.assert_code(0);
}

#[test]
fn proc_root_and_cwd_stay_in_the_sandbox() {
    let out = run_sandboxed(
        &[
            "sh",
            "-c",
            "readlink /proc/self/root /proc/1/root; \
             [ \"$(ls /proc/1/root/..)\" = \"$(ls /)\" ] && echo root-parent-is-root; \
             [ \"$(ls /proc/self/root/../..)\" = \"$(ls /)\" ] && echo self-root-is-root; \
             cd -P /proc/self/root/.. && pwd -P",
        ],
        &RunOpts::new(),
    );
    out.assert_code(0);
    assert_eq!(
        out.stdout_str(),
        "/\n/\nroot-parent-is-root\nself-root-is-root\n/\n",
        "{}",
        out.describe()
    );
}

#[test]
fn proc_shows_only_sandbox_pids() {
    let out = run_sandboxed(
        &[
            "sh",
            "-c",
            "ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' '; echo; \
             tr '\\0' ' ' < /proc/1/cmdline; echo",
        ],
        &RunOpts::new(),
    );
    out.assert_code(0);
    let text = out.stdout_str();
    let mut lines = text.lines();
    let pids: Vec<u32> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert!(pids.contains(&1), "{text}");
    assert!(pids.iter().all(|&p| p < 100), "{text}");
    let cmdline = lines.next().unwrap_or_default();
    assert!(cmdline.starts_with("sh -c ls /proc"), "{text}");
    let host = fs::read("/proc/1/cmdline").unwrap();
    let host = String::from_utf8_lossy(&host).replace('\0', " ");
    assert_ne!(cmdline.trim_end(), host.trim_end());
}

#[test]
fn volume_appears_in_proc_mounts() {
    let vol = TempDir::new("mounts");
    let spec = format!("{}:/mnt/vol:ro", vol.path().display());
    let out = run_blinders(
        &["do", "--volume", &spec, "--", "cat", "/proc/self/mounts"],
        &RunOpts::new(),
    );
    out.assert_code(0);
    let text = out.stdout_str();
    let line = lines_containing(&text, " /mnt/vol ");
    assert_eq!(line.len(), 1, "{text}");
    assert!(line[0].contains(" ro") || line[0].contains(",ro"), "{text}");
    assert!(!text.contains(&vol.path().display().to_string()), "{text}");
}

/// MAP_SHARED writes to a file on a volume reach the host file: after msync (also seen by
/// read(2) in the program) and after munmap; a private mapping's do not; a forked child
/// shares the mapping with its parent; msync's errors are Linux's. The same program natively on a directory of its own gives the same answers.
#[test]
fn shared_mappings_of_volume_files_reach_the_host() {
    let prog = compile("mmap_shared_file", &[]);
    let native_dir = TempDir::new("mmap-native");
    let native = run_native(
        &[prog.to_str().unwrap(), native_dir.path().to_str().unwrap()],
        &RunOpts::new(),
    );
    native.assert_code(0);
    let vol = TempDir::new("mmap-vol");
    let spec = format!("{}:/mnt/vol", vol.path().display());
    let out = run_blinders(
        &[
            "do",
            "--volume",
            &spec,
            "--",
            prog.to_str().unwrap(),
            "/mnt/vol",
        ],
        &RunOpts::new(),
    );
    out.assert_code(0);
    assert_eq!(out.stdout_str(), native.stdout_str(), "{}", out.describe());
    assert!(out
        .stdout_str()
        .contains("read after msync: hello, mapped file\n"));
    assert!(out
        .stdout_str()
        .contains("parent sees after the child: shared c, private -\n"));
    for dir in [native_dir.path(), vol.path()] {
        let synced = fs::read(dir.join("synced")).unwrap();
        assert_eq!(synced.len(), 10000);
        assert_eq!(&synced[..18], b"hello, mapped file");
        assert_eq!(&synced[9990..], b"tail\0\0\0\0\0\0");
        let unmapped = fs::read(dir.join("unmapped")).unwrap();
        assert_eq!(unmapped.len(), 100);
        assert_eq!(&unmapped[..22], b"written, then unmapped");
    }
}

/// SQLite in WAL mode on a volume (its -shm index is a MAP_SHARED mapping, its locks fcntl
/// locks, its commits fsyncs): what the sandbox wrote, the host's sqlite3 reads afterwards.
#[test]
fn sqlite_wal_database_on_a_volume_reaches_the_host() {
    let sqlite = require_tool("/usr/bin/sqlite3");
    let vol = TempDir::new("sqlite-vol");
    let spec = format!("{}:/data", vol.path().display());
    let sql = "PRAGMA journal_mode=WAL; CREATE TABLE t(x); \
               WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<1000) \
               INSERT INTO t SELECT i FROM n; SELECT count(*), sum(x) FROM t;";
    let out = run_blinders(
        &["do", "--volume", &spec, "--", sqlite, "/data/t.db", sql],
        &RunOpts::new(),
    );
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "wal\n1000|500500\n", "{}", out.describe());
    let host = std::process::Command::new(sqlite)
        .arg(vol.path().join("t.db"))
        .arg("SELECT count(*), sum(x) FROM t; PRAGMA integrity_check;")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&host.stdout), "1000|500500\nok\n");
}

/// Names that are not UTF-8 come back byte for byte from getcwd and the /proc links (they
/// came back with U+FFFD in them; CPython's test_unicode_file found it).
#[test]
fn non_utf8_names_come_back_unchanged() {
    let prog = compile("raw_names", &[]);
    let dir = TempDir::new("raw-names");
    let pair = assert_same(&[prog.to_str().unwrap(), dir.path().to_str().unwrap()]);
    pair.sandboxed.assert_code(0);
    assert_eq!(
        pair.sandboxed.stdout_str(),
        "getcwd: 64 ff 2e 78\n/proc/self/cwd: 64 ff 2e 78\n/proc/self/fd: 66 fe 80\n"
    );
}

/// Threads creating and removing files in one tmpfs directory while others stat and list it
/// finish (a stat of the directory took its two locks in the order opposite to a create's and
/// deadlocked the sandbox; CPython's test_threadedtempfile found it).
#[test]
fn concurrent_creates_and_stats_of_one_directory() {
    let out = same_program_output("dir_race", &["-pthread"]);
    assert_eq!(
        out,
        "created 6000, removed 6000, failed stats or listings 0\n"
    );
}

/// The old getdents(2) lists what getdents64 does, with the types in the records' last
/// bytes, and fails as it does (it was ENOSYS; AddressSanitizer lists /proc/self/task with it).
#[test]
fn old_getdents_lists_as_getdents64() {
    let out = same_program_output("getdents_old", &[]);
    assert!(out.contains(
        "getdents   dir, buffer 64: 3 entries a-directory-with-a-longer-name(4) a-file(8) l(10)\n"
    ));
}

/// /proc/PID/auxv (the auxiliary vector, as getauxval sees it) and /proc/PID/mem (another
/// process's memory by address, read-only pages writable as for debuggers, EIO where nothing
/// is mapped), as Linux answers: both were missing (gdb needs them).
#[test]
fn proc_auxv_and_mem() {
    let out = same_program_output("proc_mem_auxv", &[]);
    assert!(
        out.contains("auxv: page size 1, entry matches getauxval 1, ends with AT_NULL 1\n"),
        "{out}"
    );
    assert!(
        out.contains("child: secret now \"from the parent\", constant now \"poked\"\n"),
        "{out}"
    );
}

/// The xattr calls check the name (and setxattr the value) before they look up the file, as
/// Linux does: a bad name with a bad descriptor is EFAULT, not EBADF (found by comparing
/// random arguments natively and sandboxed).
#[test]
fn xattr_checks_come_in_linux_order() {
    let prog = compile("xattr_order", &[]);
    let pair = assert_same(&[prog.to_str().unwrap()]);
    pair.sandboxed.assert_code(0);
    assert!(pair
        .sandboxed
        .stdout_str()
        .contains("fremovexattr bad fd, bad name                -1 EFAULT\n"));
}
