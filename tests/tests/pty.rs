//! Pseudo-terminals and controlling terminals (pty(7), tty_ioctl(4)), compared with Linux.

use blinders_tests::*;

#[test]
fn ptys_line_discipline_ioctls_and_controlling_terminals() {
    let prog = compile("pty", &[]);
    let pair = assert_same(&[prog.as_os_str()]);
    pair.sandboxed.assert_code(0);
    let out = pair.sandboxed.stdout_str();
    assert!(out.contains("slave reads: 6 [hello\\n]\n"), "{out}");
    assert!(out.contains("master echo: 7 [hello\\r\\n]\n"), "{out}");
    assert!(
        out.contains("child: SIGINT (si_code 0x80) and SIGWINCH\n"),
        "{out}"
    );
    assert!(out.contains("open locked slave = -1 EIO\n"), "{out}");
    assert!(
        out.contains("open /dev/tty without one = -1 ENXIO\n"),
        "{out}"
    );
}

/// Python's pty.fork (forkpty: openpty, setsid, TIOCSCTTY) running /bin/echo; the parent
/// reads its output from the master until EIO.
#[test]
fn python_pty_fork_runs_echo() {
    let py = require_tool("/usr/bin/python3");
    let script = "import os, pty\n\
pid, fd = pty.fork()\n\
if pid == 0:\n    os.execv('/bin/echo', ['echo', 'hi'])\n\
out = b''\n\
while True:\n    try:\n        d = os.read(fd, 1024)\n    except OSError as e:\n        print('read ended:', e.strerror)\n        break\n    if not d:\n        break\n    out += d\n\
_, st = os.waitpid(pid, 0)\n\
print(repr(out), os.waitstatus_to_exitcode(st))\n";
    let pair = assert_same(&[py, "-c", script]);
    pair.sandboxed.assert_code(0);
    assert!(
        pair.sandboxed.stdout_str().contains("b'hi\\r\\n' 0"),
        "{}",
        pair.sandboxed.describe()
    );
}
