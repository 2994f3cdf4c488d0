//! Unix domain sockets, served entirely by the sentry: socketpair across fork, path and
//! abstract names, accept and connect (blocking and not), the data semantics of stream,
//! datagram and seqpacket sockets, SCM_RIGHTS and SCM_CREDENTIALS, shutdown, EPIPE and
//! SIGPIPE, poll and epoll, options and the error cases; and Python's socketpair and
//! multiprocessing.connection. Each runs natively and sandboxed, outputs compared.

use blinders_tests::*;

/// Runs `unix_sockets MODE [DIR]` both ways; returns the sandboxed stdout.
#[track_caller]
fn sockets(mode: &str, dir: Option<&TempDir>) -> String {
    let prog = compile("unix_sockets", &[]);
    let mut argv = vec![prog.to_str().unwrap().to_string(), mode.to_string()];
    if let Some(d) = dir {
        argv.push(d.path().to_str().unwrap().to_string());
    }
    let pair = assert_same(&argv);
    pair.sandboxed.assert_code(0);
    pair.sandboxed.stdout_str()
}

#[test]
fn socketpairs_across_fork() {
    let out = sockets("pair", None);
    assert!(out.contains("seqpacket: first read 2\n"), "{out}");
    assert!(
        out.contains("big: 1048576 bytes, same=1, child exit 0\n"),
        "{out}"
    );
}

#[test]
fn path_server_and_clients() {
    let dir = TempDir::new("unix-server");
    let out = sockets("server", Some(&dir));
    assert_eq!(
        lines_containing(&out, "peercred pid is that child=1").len(),
        3,
        "{out}"
    );
    assert!(out.contains("connect missing = -1 ENOENT\n"), "{out}");
    assert!(
        out.contains("dgram connect to stream = -1 EPROTOTYPE\n"),
        "{out}"
    );
    assert!(
        out.contains("pending client reads = -1 ECONNRESET\n"),
        "{out}"
    );
    // Only the sandbox's own tree was written: the host directory stays empty.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn abstract_names_autobind_and_datagrams() {
    let out = sockets("abstract", None);
    assert!(out.contains("autobind len=8 nul=1 hex=1\n"), "{out}");
    assert!(
        out.contains("send to closed peer = -1 ECONNREFUSED\n"),
        "{out}"
    );
}

#[test]
fn scm_rights_between_processes() {
    let dir = TempDir::new("unix-rights");
    let out = sockets("rights", Some(&dir));
    assert_eq!(
        lines_containing(&out, "pipe: through the passed pipe").len(),
        3,
        "{out}"
    );
    assert!(out.contains("q[1] got via passed socket\n"), "{out}");
}

#[test]
fn credentials() {
    let out = sockets("creds", None);
    assert!(
        out.contains("stream read 10: from child; creds pid child\n"),
        "{out}"
    );
}

#[test]
fn nonblocking_accept_connect_and_timeouts() {
    let dir = TempDir::new("unix-nonblock");
    let out = sockets("nonblock", Some(&dir));
    assert!(out.contains("connect 2 = -1 EAGAIN\n"), "{out}");
    assert!(out.contains("read times out = -1 EAGAIN\n"), "{out}");
}

#[test]
fn epipe_sigpipe_and_resets() {
    let out = sockets("pipe", None);
    assert!(out.contains("stream: SIGPIPE count 1\n"), "{out}");
    assert!(out.contains("read interrupted = -1 EINTR\n"), "{out}");
}

#[test]
fn peek_trunc_waitall_and_boundaries() {
    let out = sockets("msgs", None);
    assert!(out.contains("readv 8: gat|hered\n"), "{out}");
}

#[test]
fn shutdown_semantics() {
    sockets("shutdown", None);
}

#[test]
fn poll_and_epoll_readiness() {
    let out = sockets("poll", None);
    assert!(
        out.contains("epoll: socket readable=1 listener readable=0\n"),
        "{out}"
    );
}

#[test]
fn bad_input() {
    let dir = TempDir::new("unix-errors");
    let out = sockets("errors", Some(&dir));
    assert!(
        out.contains("socket family 1000 = -1 EAFNOSUPPORT\n"),
        "{out}"
    );
}

#[test]
fn socket_options() {
    let out = sockets("opts", None);
    assert!(out.contains("set 10000: SO_SNDBUF=20000"), "{out}");
}

#[test]
fn fstat_and_proc_links() {
    let out = sockets("stat", None);
    assert!(out.contains("link matches socket:[ino]: 1\n"), "{out}");
}

#[test]
fn python_socketpair_and_multiprocessing_connection() {
    let py = require_tool("/usr/bin/python3");
    let dir = TempDir::new("unix-py");
    let script = r#"
import os, socket, sys
from multiprocessing.connection import Listener, Client
a, b = socket.socketpair()
a.sendall(b"ping")
print("socketpair:", b.recv(10), a.family == socket.AF_UNIX, flush=True)
a.close()
print("after close:", b.recv(10), flush=True)
path = os.path.join(sys.argv[1], "mp.sock")
with Listener(path, family="AF_UNIX", authkey=b"secret") as listener:
    pid = os.fork()
    if pid == 0:
        c = Client(path, family="AF_UNIX", authkey=b"secret")
        c.send({"hello": [1, 2, 3]})
        print("child got", c.recv(), flush=True)
        c.close()
        os._exit(0)
    conn = listener.accept()
    print("parent got", conn.recv(), flush=True)
    conn.send("thanks")
    conn.close()
    _, status = os.waitpid(pid, 0)
    print("child status", status, flush=True)
print("socket file left:", os.path.exists(path), flush=True)
"#;
    let pair = assert_same(&[py, "-c", script, dir.path().to_str().unwrap()]);
    pair.sandboxed.assert_code(0);
    assert_eq!(
        pair.sandboxed.stdout_str(),
        "socketpair: b'ping' True\nafter close: b''\nparent got {'hello': [1, 2, 3]}\n\
         child got thanks\nchild status 0\nsocket file left: False\n"
    );
}
