//! The gofer served from a thread of the test process, driven through the client.

mod common;

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{ids, Trees};
use gofer::{Client, Root, ServeError};

fn start(roots: Vec<Root>) -> (Client, JoinHandle<Result<(), ServeError>>) {
    let (ours, theirs) = gofer::socket_pair().unwrap();
    let server = std::thread::spawn(move || gofer::serve(theirs, &roots));
    (Client::new(ours).unwrap(), server)
}

#[test]
fn all_operations() {
    let trees = Trees::new("ops");
    let (client, server) = start(trees.roots());
    common::all_ops(&client, &trees.rw());
    drop(client);
    server.join().unwrap().unwrap();
    trees.check_outside_untouched();
}

#[test]
fn read_only_root() {
    let trees = Trees::new("ro");
    let (client, _server) = start(trees.roots());
    common::read_only(&client);
}

#[test]
fn no_escape_from_the_roots() {
    let trees = Trees::new("escape");
    let (client, _server) = start(trees.roots());
    common::escapes(&client, &trees);
}

#[test]
fn roots_are_separate() {
    let trees = Trees::new("cross");
    let second = trees.base.path().join("rw2");
    std::fs::create_dir(&second).unwrap();
    let mut roots = trees.roots();
    roots.push(Root {
        path: second,
        read_only: false,
    });
    let (client, _server) = start(roots);
    common::cross_root(&client, 0, 2);
}

#[test]
fn host_device_nodes_are_not_opened() {
    let trees = Trees::new("dev");
    let path = std::ffi::CString::new(
        trees
            .rw()
            .join("null")
            .into_os_string()
            .into_encoded_bytes(),
    )
    .unwrap();
    // SAFETY: `path` is NUL-terminated.
    let made =
        unsafe { libc::mknod(path.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } == 0;
    if !made {
        eprintln!("skipped: cannot make a device node here");
        return;
    }
    let (client, _server) = start(trees.roots());
    let (root, _) = client.attach(0).unwrap();
    let (null, st) = client.walk(root, b"null").unwrap();
    assert_eq!(st.mode & libc::S_IFMT, libc::S_IFCHR);
    for flags in [libc::O_RDONLY, libc::O_WRONLY | libc::O_NONBLOCK] {
        assert_eq!(client.open(null, flags).err(), Some(libc::EACCES));
    }
    assert_eq!(client.getxattr(null, b"user.x").err(), Some(libc::ENODATA));
}

#[test]
fn ownership_of_new_files() {
    let trees = Trees::new("owner");
    let (client, _server) = start(trees.roots());
    let (root, _) = client.attach(0).unwrap();
    let (uid, gid) = ids();
    let (want_uid, want_gid) = if uid == 0 { (1234, 5678) } else { (uid, gid) };
    let (_, st, _) = client
        .create(root, b"f", libc::O_RDWR, 0o4755, want_uid, want_gid)
        .unwrap();
    assert_eq!((st.uid, st.gid), (want_uid, want_gid));
    assert_eq!(
        st.mode & 0o7777,
        0o4755,
        "chown before chmod keeps set-user-ID"
    );
    let (d, st) = client
        .mkdir(root, b"d", 0o3770, want_uid, want_gid)
        .unwrap();
    assert_eq!(
        (st.uid, st.gid, st.mode & 0o7777),
        (want_uid, want_gid, 0o1770),
        "as mkdir(2)"
    );
    let set_gid = gofer::SetAttr {
        mode: Some(0o2770),
        ..gofer::SetAttr::default()
    };
    client.setattr(d, &set_gid).unwrap();
    let (_, st) = client.mkdir(d, b"e", 0o700, want_uid, want_gid).unwrap();
    assert_eq!(
        st.mode & 0o7777,
        0o2700,
        "set-group-ID inherited from the parent"
    );
    let (_, st) = client
        .symlink(root, b"l", b"f", want_uid, want_gid)
        .unwrap();
    assert_eq!((st.uid, st.gid), (want_uid, want_gid));
    if uid != 0 {
        // Not permitted to give files away: they keep the gofer's ids.
        let (_, st) = client
            .mknod(root, b"p", libc::S_IFIFO | 0o600, 0, 0)
            .unwrap();
        assert_eq!((st.uid, st.gid), (uid, gid));
    }
}

#[test]
fn large_directories_list_completely() {
    let trees = Trees::new("bigdir");
    let dir = trees.rw().join("big");
    std::fs::create_dir(&dir).unwrap();
    let mut want: Vec<String> = (0..3000)
        .map(|i| format!("entry-{i:04}-{}", "x".repeat(100)))
        .collect();
    for name in &want {
        std::fs::write(dir.join(name), b"").unwrap();
    }
    let (client, _server) = start(trees.roots());
    let (root, _) = client.attach(0).unwrap();
    let (big, _) = client.walk(root, b"big").unwrap();
    let mut got: Vec<String> = client
        .readdir(big)
        .unwrap()
        .into_iter()
        .map(|e| String::from_utf8(e.name).unwrap())
        .collect();
    got.sort();
    want.push(".".into());
    want.push("..".into());
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn many_threads_share_one_client() {
    let trees = Trees::new("threads");
    for i in 0..8 {
        std::fs::write(trees.rw().join(format!("f{i}")), format!("{i}")).unwrap();
    }
    let (client, _server) = start(trees.roots());
    let client = Arc::new(client);
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let client = client.clone();
            std::thread::spawn(move || {
                let (root, _) = client.attach(0).unwrap();
                for _ in 0..200 {
                    let (f, st) = client.walk(root, format!("f{i}").as_bytes()).unwrap();
                    assert_eq!(st.size, 1);
                    let mut buf = String::new();
                    std::io::Read::read_to_string(
                        &mut std::fs::File::from(client.open(f, libc::O_RDONLY).unwrap()),
                        &mut buf,
                    )
                    .unwrap();
                    assert_eq!(buf, format!("{i}"));
                    client.clunk(f);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn server_refuses_a_missing_handshake() {
    let trees = Trees::new("nohello");
    let (ours, theirs) = gofer::socket_pair().unwrap();
    let roots = trees.roots();
    let server = std::thread::spawn(move || gofer::serve(theirs, &roots));
    // A stat request (variant 12, fid 1) where the version request belongs.
    let msg = [12u8, 1];
    // SAFETY: `msg` is valid for reading its length.
    let n = unsafe { libc::send(ours.as_fd().as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) };
    assert_eq!(n, 2);
    assert!(matches!(server.join().unwrap(), Err(ServeError::Handshake)));
}

#[test]
fn server_reports_the_root_that_fails() {
    let (ours, theirs) = gofer::socket_pair().unwrap();
    let missing = std::env::temp_dir().join("gofer-it-no-such-root");
    let err = gofer::serve(
        theirs,
        &[Root {
            path: missing.clone(),
            read_only: false,
        }],
    )
    .unwrap_err();
    assert!(
        err.to_string().contains(&*missing.to_string_lossy()),
        "{err}"
    );
    drop(ours);
}

fn recv_raw(sock: &OwnedFd) -> Vec<u8> {
    let mut buf = vec![0u8; 256 * 1024];
    // SAFETY: `buf` is valid for writing its length.
    let n = unsafe { libc::recv(sock.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
    buf.truncate(usize::try_from(n).unwrap());
    buf
}

fn send_raw(sock: &OwnedFd, msg: &[u8]) {
    // SAFETY: `msg` is valid for reading its length.
    let n = unsafe {
        libc::send(
            sock.as_raw_fd(),
            msg.as_ptr().cast(),
            msg.len(),
            libc::MSG_NOSIGNAL,
        )
    };
    assert_eq!(usize::try_from(n).unwrap(), msg.len());
}

#[test]
fn gofer_vanishing_mid_session_is_eio() {
    let trees = Trees::new("vanish");
    let (client_end, front) = gofer::socket_pair().unwrap();
    let (back, server_end) = gofer::socket_pair().unwrap();
    let roots = trees.roots();
    let server = std::thread::spawn(move || gofer::serve(server_end, &roots));
    // A relay that passes the handshake and one request through, then takes the next request
    // and vanishes without answering, as a gofer that dies mid-request.
    let relay = std::thread::spawn(move || {
        for _ in 0..2 {
            send_raw(&back, &recv_raw(&front));
            send_raw(&front, &recv_raw(&back));
        }
        recv_raw(&front);
    });
    let client = Client::new(client_end).unwrap();
    let (root, _) = client.attach(0).unwrap();
    let start = Instant::now();
    assert_eq!(client.stat(root).err(), Some(libc::EIO));
    assert_eq!(client.attach(0).err(), Some(libc::EIO));
    assert_eq!(client.readdir(root).err(), Some(libc::EIO));
    client.clunk(root);
    assert!(start.elapsed() < Duration::from_secs(5));
    relay.join().unwrap();
    server.join().unwrap().unwrap();
}

#[test]
fn closed_socket_is_eio() {
    let (ours, theirs) = gofer::socket_pair().unwrap();
    drop(theirs);
    assert_eq!(Client::new(ours).err(), Some(libc::EIO));
}
