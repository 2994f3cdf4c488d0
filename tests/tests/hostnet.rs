//! `blinders do --network=host`: the sandbox's TCP and UDP sockets are host sockets the sentry
//! makes and relays. A sandboxed server is reached from the host, a sandboxed client reaches a
//! host server, and `hostnet.c` (socket semantics, UDP, options, epoll, signals) prints the
//! same natively and sandboxed. Servers listen on 127.0.0.1 only, on ephemeral ports; the
//! processes a test starts are killed by their pid.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use blinders_tests::*;

const WAIT: Duration = Duration::from_secs(60);

fn host_mode() -> RunOpts {
    RunOpts::new().flag("--network=host")
}

/// Runs `hostnet MODE` natively and under `--network=host`; returns the sandboxed stdout.
#[track_caller]
fn hostnet(mode: &str) -> String {
    let prog = compile("hostnet", &[]);
    let pair = assert_same_opts(&[prog.to_str().unwrap(), mode], &host_mode());
    pair.native.assert_code(0);
    pair.sandboxed.assert_code(0);
    pair.sandboxed.stdout_str()
}

#[test]
fn connect_addresses_peek_waitall_and_shutdown_match_native() {
    let out = hostnet("semantics");
    for line in [
        "SO_ERROR = ECONNREFUSED\n",
        "blocking connect refused = -1 ECONNREFUSED\n",
        "bind short = -1 EINVAL\n",
        "bind inet6 addr on inet = -1 EAFNOSUPPORT\n",
        "connect AF_UNIX family = -1 EAFNOSUPPORT\n",
        "bound name: family=inet len=16 addr=127.0.0.1 port-set=1\n",
        "peeked 'hello'\n",
        "recv waitall 6 = 6 \ngot 'abcdef'\n",
        "recv after peer shutdown = 0 \n",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
}

#[test]
fn udp_addresses_truncation_timeouts_and_refusals_match_native() {
    let out = hostnet("udp");
    assert!(out.contains("flags trunc=1 got 'datag'\n"), "{out}");
    assert!(
        out.contains("recv with timeout = -1 EAGAIN\nwaited about the timeout: 1\n"),
        "{out}"
    );
    assert!(
        out.contains("recv after refusal = -1 ECONNREFUSED\n"),
        "{out}"
    );
}

#[test]
fn options_pass_through_and_timeouts_stay_in_the_sentry() {
    let out = hostnet("options");
    assert!(out.contains("get TCP_NODELAY = 1  len=4\n"), "{out}");
    assert!(out.contains("SO_SNDTIMEO back = 2.500000\n"), "{out}");
}

#[test]
fn epoll_and_select_see_host_events() {
    let out = hostnet("epoll");
    assert!(out.contains("edge two: n=1 in=1\n"), "{out}");
    assert!(out.contains("peer closed: n=1 in=1\n"), "{out}");
}

#[test]
fn a_signal_interrupts_blocked_accept_and_recv() {
    let out = hostnet("eintr");
    assert_eq!(
        out,
        "blocked accept, alarm = -1 EINTR\nblocked recv, alarm = -1 EINTR\n\
         blocked poll, alarm = -1 EINTR\nrestarted accept: connection\n\
         accept with timeout = -1 EAGAIN\naccepted SO_RCVTIMEO = 0.200000\n\
         recv inherited timeout = -1 EAGAIN\n\
         recv with timeout, alarm under SA_RESTART = -1 EINTR\n"
    );
}

/// The loopback modes of `inet_sockets.c` (written for `--network=none`) on host sockets.
#[test]
fn the_loopback_socket_programs_match_native_on_host_sockets() {
    let prog = compile("inet_sockets", &[]);
    for mode in [
        "tcp4",
        "tcp6",
        "mixed",
        "nonblocking",
        "errors",
        "teardown",
        "udp4",
        "udp6",
        "epoll",
    ] {
        let pair = assert_same_opts(&[prog.to_str().unwrap(), mode], &host_mode());
        pair.sandboxed.assert_code(0);
    }
}

/// A child process killed (by its pid) and reaped when the test ends, however it ends.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port nobody listens on now: bound natively to port 0, then let go.
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn a_sandboxed_http_server_is_reached_from_the_host() {
    let py = require_tool("/usr/bin/python3");
    let dir = TempDir::new("hostnet-http");
    dir.write("index.txt", "hello from the sandbox\n");
    let port = free_port().to_string();
    let child = Command::new(blinders_bin())
        .args(["do", "--network=host", "--", py, "-u", "-m", "http.server"])
        .args(["--bind", "127.0.0.1", "--directory"])
        .arg(dir.path())
        .arg(&port)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("blinders starts");
    let mut server = Reaped(child);
    // http.server says so once it listens.
    let stdout = server.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut first = String::new();
        let _ = BufReader::new(stdout).read_line(&mut first);
        let _ = tx.send(first);
    });
    let first = rx.recv_timeout(WAIT).expect("the server starts");
    assert!(
        first.starts_with("Serving HTTP on 127.0.0.1 port "),
        "{first:?}"
    );
    let mut conn = TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).unwrap();
    conn.set_read_timeout(Some(WAIT)).unwrap();
    conn.write_all(b"GET /index.txt HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    conn.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.0 200 OK\r\n"), "{reply}");
    assert!(
        reply.ends_with("\r\n\r\nhello from the sandbox\n"),
        "{reply}"
    );
    drop(server);
}

#[test]
fn a_sandboxed_client_reaches_host_servers() {
    let py = require_tool("/usr/bin/python3");
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp_port = tcp.local_addr().unwrap().port();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let udp_port = udp.local_addr().unwrap().port();
    let tcp_server = std::thread::spawn(move || {
        let (mut c, _) = tcp.accept().unwrap();
        c.set_read_timeout(Some(WAIT)).unwrap();
        let mut line = String::new();
        BufReader::new(c.try_clone().unwrap())
            .read_line(&mut line)
            .unwrap();
        c.write_all(format!("pong {line}").as_bytes()).unwrap();
    });
    let udp_server = std::thread::spawn(move || {
        udp.set_read_timeout(Some(WAIT)).unwrap();
        let mut buf = [0u8; 64];
        let (n, from) = udp.recv_from(&mut buf).unwrap();
        udp.send_to(&buf[..n].to_ascii_uppercase(), from).unwrap();
    });
    let script = r#"
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), 30) as s:
    s.sendall(b"ping\n")
    print(s.recv(100).decode(), end="")
    print("peer", s.getpeername() == ("127.0.0.1", int(sys.argv[1])))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(30)
u.sendto(b"datagram", ("127.0.0.1", int(sys.argv[2])))
data, addr = u.recvfrom(100)
print(data.decode(), addr[1] == int(sys.argv[2]))
"#;
    let out = run_sandboxed(
        &[
            py,
            "-c",
            script,
            &tcp_port.to_string(),
            &udp_port.to_string(),
        ],
        &host_mode(),
    );
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "pong ping\npeer True\nDATAGRAM True\n");
    tcp_server.join().unwrap();
    udp_server.join().unwrap();
}

/// AF_UNIX stays the sandbox's own, and the interface list is still the sandbox's `lo`.
#[test]
fn unix_sockets_and_interfaces_stay_the_sandboxs() {
    let py = require_tool("/usr/bin/python3");
    let script = r#"
import socket
a, b = socket.socketpair()
a.sendall(b"private")
print(b.recv(10).decode(), socket.if_nameindex())
"#;
    let out = run_sandboxed(&[py, "-c", script], &host_mode());
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "private [(1, 'lo')]\n");
}
