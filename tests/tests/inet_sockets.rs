//! Internet sockets on the sandbox's own loopback (`--network=none`, the default): TCP and UDP
//! over 127.0.0.1 and ::1 across fork, non-blocking connect, refused connections, bind rules,
//! shutdown and resets, epoll, the `lo` interface, Python's socket module and http.server.
//! Each C mode runs natively and sandboxed, outputs compared; ports are ephemeral and never
//! printed. The sandbox is also checked to be unreachable from the host and the host from it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use blinders_tests::*;

/// Runs `inet_sockets MODE` both ways; returns the sandboxed stdout.
#[track_caller]
fn inet(mode: &str) -> String {
    let prog = compile("inet_sockets", &[]);
    let pair = assert_same(&[prog.to_str().unwrap(), mode]);
    pair.sandboxed.assert_code(0);
    pair.sandboxed.stdout_str()
}

#[test]
fn tcp_echo_over_ipv4() {
    let out = inet("tcp4");
    assert!(out.contains("client: big echo 300000 same=1\n"), "{out}");
    assert!(out.contains("server: echoed 300014, eof 0\n"), "{out}");
}

#[test]
fn tcp_echo_over_ipv6() {
    let out = inet("tcp6");
    assert!(
        out.contains("server peername: family=inet6 len=28 addr=::1\n"),
        "{out}"
    );
}

#[test]
fn ipv4_client_of_a_dual_stack_listener() {
    let out = inet("mixed");
    assert!(
        out.contains("server sockname: family=inet6 len=28 addr=::ffff:127.0.0.1\n"),
        "{out}"
    );
}

#[test]
fn nonblocking_connect_and_refusals() {
    let out = inet("nonblocking");
    assert!(out.contains("poll = 1 out=1 err=0\n"), "{out}");
    assert!(out.contains("connect refused = -1 ECONNREFUSED\n"), "{out}");
    assert!(out.contains("refused SO_ERROR = ECONNREFUSED\n"), "{out}");
}

#[test]
fn bind_rules_and_options() {
    let out = inet("errors");
    assert!(
        out.contains("bind same port any = -1 EADDRINUSE\n"),
        "{out}"
    );
    assert!(out.contains("reuseaddr bind = 0 \n"), "{out}");
    assert!(
        out.contains("reuseaddr listen second = -1 EADDRINUSE\n"),
        "{out}"
    );
    assert!(out.contains("udp 65508 = -1 EMSGSIZE\n"), "{out}");
}

#[test]
fn shutdown_eof_resets_and_sigpipe() {
    let out = inet("teardown");
    assert!(out.contains("read after reset = -1 ECONNRESET\n"), "{out}");
    assert!(out.contains("writer killed by SIGPIPE\n"), "{out}");
}

#[test]
fn udp_echo_with_addresses() {
    for mode in ["udp4", "udp6"] {
        let out = inet(mode);
        assert!(out.contains("recv MSG_TRUNC = 11 \n"), "{out}");
        assert!(
            out.contains("send after refused = -1 ECONNREFUSED\n"),
            "{out}"
        );
    }
}

#[test]
fn epoll_on_a_listener() {
    let out = inet("epoll");
    assert!(out.contains("epoll ready = 1 in=1\n"), "{out}");
}

#[test]
fn loopback_interface_ioctls() {
    let out = inet("interfaces");
    assert!(out.contains("flags up=1 loopback=1 running=1\n"), "{out}");
    assert!(out.contains("index 1\n"), "{out}");
}

#[test]
fn nothing_leaves_the_loopback() {
    let prog = compile("inet_sockets", &[]);
    let out = run_sandboxed(&[prog.to_str().unwrap(), "isolation"], &RunOpts::new());
    out.assert_code(0);
    assert_eq!(
        out.stdout_str(),
        "raw socket = -1 EPROTONOSUPPORT\nconnect foreign = -1 ENETUNREACH\n\
         sendto foreign = -1 ENETUNREACH\nconnect v6 foreign = -1 ENETUNREACH\n"
    );
}

/// A sandboxed server on a fixed port is not there for the host: no host socket is made.
#[test]
fn the_host_cannot_reach_a_sandboxed_listener() {
    let prog = compile("inet_sockets", &[]);
    // A port of this test's own; the host side only tries to connect, never listens.
    let port = 47000 + (std::process::id() % 1000) as u16;
    let mut child = Command::new(blinders_bin())
        .args(["do", "--", prog.to_str().unwrap(), "hostcheck"])
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("blinders starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "listening");
    let r = std::net::TcpStream::connect(("127.0.0.1", port));
    assert_eq!(
        r.map(|_| ()).unwrap_err().kind(),
        std::io::ErrorKind::ConnectionRefused
    );
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    assert_eq!(
        lines.next().unwrap().unwrap(),
        "accepted from outside = -1 EAGAIN"
    );
    assert!(child.wait().unwrap().success());
}

/// And a host server is not there for the sandbox.
#[test]
fn the_sandbox_cannot_reach_a_host_listener() {
    let py = require_tool("/usr/bin/python3");
    let host = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = host.local_addr().unwrap().port();
    let script = r#"
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)
    print("connected")
except OSError as e:
    print(type(e).__name__)
"#;
    let out = run_sandboxed(&[py, "-c", script, &port.to_string()], &RunOpts::new());
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "ConnectionRefusedError\n");
    host.set_nonblocking(true).unwrap();
    assert!(host.accept().is_err());
}

#[test]
fn python_create_server_and_client_thread() {
    let py = require_tool("/usr/bin/python3");
    let script = r#"
import socket, threading
for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    srv = socket.create_server((host, 0), family=family)
    port = srv.getsockname()[1]
    def serve():
        c, _ = srv.accept()
        with c:
            c.sendall(c.recv(100).upper())
    t = threading.Thread(target=serve)
    t.start()
    with socket.create_connection((host, port)) as s:
        s.sendall(b"hello python")
        print(family.name, s.recv(100).decode(), s.getpeername()[0])
    t.join()
    srv.close()
print("lo index", socket.if_nametoindex("lo"))
"#;
    let pair = assert_same(&[py, "-c", script]);
    pair.sandboxed.assert_code(0);
    assert_eq!(
        pair.sandboxed.stdout_str(),
        "AF_INET HELLO PYTHON 127.0.0.1\nAF_INET6 HELLO PYTHON ::1\nlo index 1\n"
    );
}

/// `python3 -m http.server` in the background and urllib as its client, in one sandbox.
#[test]
fn python_http_server_and_urllib() {
    require_tool("/usr/bin/python3");
    let dir = TempDir::new("inet-http");
    let script = dir.write(
        "http.sh",
        r#"cd "$1"
echo "hello from http.server" > index.txt
python3 -m http.server 0 --bind 127.0.0.1 > server.log 2>&1 &
pid=$!
port=""
for i in $(seq 1 400); do
  port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' server.log | head -1)
  [ -n "$port" ] && python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$port" 2>/dev/null && break
  sleep 0.05
done
python3 -c "import urllib.request,sys; print(urllib.request.urlopen('http://127.0.0.1:%s/index.txt' % sys.argv[1]).read().decode(), end='')" "$port"
kill $pid
wait $pid 2>/dev/null
echo done
"#,
    );
    let work = TempDir::new("inet-http-root");
    let out = run_sandboxed(
        &[
            "/bin/sh",
            script.to_str().unwrap(),
            work.path().to_str().unwrap(),
        ],
        &RunOpts::new(),
    );
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "hello from http.server\ndone\n");
}

/// glibc's interface listings see `lo` alone, through NETLINK_ROUTE dumps.
#[test]
fn getifaddrs_and_if_nameindex_see_only_lo() {
    let prog = compile("ifaddrs", &[]);
    let out = run_sandboxed(&[prog.to_str().unwrap()], &RunOpts::new());
    out.assert_code(0);
    assert_eq!(
        out.stdout_str(),
        "lo family=17 addr=- up=1 loopback=1\n\
         lo family=2 addr=127.0.0.1 up=1 loopback=1\n\
         lo family=10 addr=::1 up=1 loopback=1\n\
         index 1 lo\n\
         if_nametoindex(lo)=1\n"
    );
    let py = require_tool("/usr/bin/python3");
    let out = run_sandboxed(
        &[py, "-c", "import socket; print(socket.if_nameindex())"],
        &RunOpts::new(),
    );
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "[(1, 'lo')]\n");
}

/// `--network` takes `none` and `host` (tests/tests/hostnet.rs); anything else is one line.
#[test]
fn network_modes_and_a_bad_one() {
    let out = run_blinders(
        &["do", "--network=bridge", "--", "/bin/true"],
        &RunOpts::new(),
    );
    out.assert_code(2);
    assert_one_line_error(&out);
    for mode in ["--network=none", "--network=host"] {
        let out = run_blinders(&["do", mode, "--", "/bin/true"], &RunOpts::new());
        out.assert_code(0);
    }
}

/// iproute2 over NETLINK_ROUTE: the sandbox's interfaces, addresses and routes read exactly
/// as Linux shows a fresh network namespace whose loopback is up (the native run makes one
/// with `unshare -n`), route lookups included.
#[test]
fn iproute2_sees_a_fresh_loopback_namespace() {
    let ip = require_tool("/usr/sbin/ip");
    let unshare = require_tool("/usr/bin/unshare");
    let show = format!(
        "{ip} addr; {ip} link; {ip} -4 route show table all; {ip} -6 route show table all; \
         {ip} route; {ip} route get 127.0.0.1; {ip} route get ::1; \
         {ip} route get 192.0.2.1 2>&1; echo status $?"
    );
    let native = run_native(
        &[
            unshare,
            "-n",
            "sh",
            "-c",
            &format!("{ip} link set lo up && {show}"),
        ],
        &RunOpts::new(),
    );
    native.assert_code(0);
    let sandboxed = run_sandboxed(&["/bin/sh", "-c", &show], &RunOpts::new());
    sandboxed.assert_code(0);
    assert_eq!(
        sandboxed.stdout_str(),
        native.stdout_str(),
        "{}",
        diff(&native.stdout_str(), &sandboxed.stdout_str())
    );
    assert!(
        sandboxed
            .stdout_str()
            .contains("Network is unreachable\nstatus 2\n"),
        "{}",
        sandboxed.stdout_str()
    );
}

/// IP control messages on received UDP datagrams (IP_PKTINFO, IP_RECVTTL, IP_RECVTOS;
/// IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS) carry what Linux's would, with the
/// sender's TTL/TOS and hop limit/traffic class, truncated with MSG_CTRUNC as Linux does
/// (DNS servers ask for IP_PKTINFO; CPython's test_socket found them missing).
#[test]
fn udp_control_messages_match_linux() {
    let out = same_program_output("udp_cmsg", &[]);
    assert!(
        out.contains(
            "  IP_PKTINFO ifindex 1 spec_dst 127.0.0.2 addr 127.0.0.2\n  IP_TTL 17\n  IP_TOS 16"
        ),
        "{out}"
    );
    assert!(
        out.contains("  IPV6_PKTINFO addr ::1 ifindex 1\n  IPV6_HOPLIMIT 9\n  IPV6_TCLASS 32\n"),
        "{out}"
    );
}

/// UDP-Lite: datagrams over IPv4 and IPv6, a port space of its own, the checksum coverage
/// options as Linux clamps them, SO_PROTOCOL; the same answers as natively.
#[test]
fn udplite_matches_linux() {
    let out = same_program_output("udplite", &[]);
    assert!(out.contains("  recv: 4 lite\n  SO_PROTOCOL 136\n"), "{out}");
    assert!(out.contains("  cscov 5 -> send 8 recv 8\n"), "{out}");
}

/// Urgent data (MSG_OOB) to a receiver with SO_OOBINLINE arrives inline, in order, as on
/// Linux (ftplib's abort; CPython's test_ftplib found it refused); without it the last byte
/// is read apart (recv MSG_OOB) and poll shows POLLPRI (asyncore's handle_expt). Either way
/// reads stop at the urgent mark and SIOCATMARK tells when the next byte is it.
#[test]
fn urgent_data_inline_and_apart() {
    let out = same_program_output("oob_inline", &[]);
    assert!(
        out.contains("received 14 bytes: RETR x\r\nABOR\r\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "poll: POLLIN POLLPRI\nrecv: 2 ab\nrecv MSG_OOB: 1 c\n\
             recv MSG_OOB again: -1 Invalid argument\npoll after: none\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "apart: at mark before 0\n  recv: 5 abcxy, at mark 1\n  recv OOB: 1 z, at mark 1\n\
             \x20 recv: 3 123, at mark 0\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("  recv: 1 p, at mark 1\n  recv: 3 qrs, at mark 0\n"),
        "{out}"
    );
    assert!(out.ends_with("SIOCATMARK on UDP: -25\n"), "{out}");
}
