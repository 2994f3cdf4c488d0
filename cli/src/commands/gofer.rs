//! The gofer process (`blinders gofer`, started by a sandbox): serves the sandbox's files
//! from its roots until the sentry closes the socket.

use std::os::fd::{FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::Context;

use crate::args::GoferArgs;

/// The fd number the gofer finds its socket at.
const GOFER_SOCK_FD: i32 = 3;

/// A root as the command line gives it: `PATH` or `PATH:ro`.
fn parse_root(s: &str) -> gofer::Root {
    match s.strip_suffix(":ro") {
        Some(p) => gofer::Root {
            path: PathBuf::from(p),
            read_only: true,
        },
        None => gofer::Root {
            path: PathBuf::from(s.strip_suffix(":rw").unwrap_or(s)),
            read_only: false,
        },
    }
}

pub fn run(opts: GoferArgs) -> i32 {
    // SAFETY: prctl(PR_SET_PDEATHSIG) has no memory-safety requirements: the gofer ends
    // with the blinders process that started it.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    if opts.sock_fd < 0 {
        eprintln!("blinders gofer: bad socket fd {}", opts.sock_fd);
        return 2;
    }
    // SAFETY: the parent passed this fd for the gofer alone; nothing else owns it.
    let sock = unsafe { OwnedFd::from_raw_fd(opts.sock_fd) };
    let roots: Vec<gofer::Root> = opts.roots.iter().map(|r| parse_root(r)).collect();
    match gofer::run(sock, &roots) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("blinders gofer: {e}");
            1
        }
    }
}

/// Starts `blinders gofer` serving `roots` (`(path, read_only)`), pinned to `cpu` if given:
/// the child process and a client on the sentry's end of its socket.
pub fn spawn(
    roots: &[(PathBuf, bool)],
    cpu: Option<usize>,
) -> anyhow::Result<(std::process::Child, gofer::Client)> {
    let (ours, theirs) = gofer::socket_pair().context("creating the gofer's socket")?;
    let exe = std::env::current_exe().context("finding the blinders binary")?;
    let mut cmd = Command::new(exe);
    cmd.arg("gofer")
        .arg("--sock-fd")
        .arg(GOFER_SOCK_FD.to_string());
    for (path, ro) in roots {
        let mut arg = path.clone().into_os_string();
        arg.push(if *ro { ":ro" } else { ":rw" });
        cmd.arg("--root").arg(arg);
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::null());
    let raw = std::os::fd::AsRawFd::as_raw_fd(&theirs);
    // The gofer runs on the sentry's CPU (a request wakes it on the CPU that waits for it):
    // set in the child before exec, so it never has to be migrated.
    let pin = cpu.map(cpu_set);
    // SAFETY: the closure runs in the forked child before exec and only calls dup2 and
    // sched_setaffinity, which are async-signal-safe; it puts the gofer's end of the socket
    // at GOFER_SOCK_FD without close-on-exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || {
            if libc::dup2(raw, GOFER_SOCK_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            if let Some(set) = &pin {
                // Best effort: an unpinned gofer is only slower.
                libc::sched_setaffinity(0, std::mem::size_of_val(set), set);
            }
            Ok(())
        });
    }
    let child = cmd.spawn().context("starting the gofer")?;
    drop(theirs);
    let client = gofer::Client::new(ours).map_err(|e| {
        anyhow::anyhow!(
            "the gofer did not start: {}",
            std::io::Error::from_raw_os_error(e)
        )
    })?;
    Ok((child, client))
}

/// The CPU set holding only `cpu`.
fn cpu_set(cpu: usize) -> libc::cpu_set_t {
    // SAFETY: an all-zero cpu_set_t is an empty set; CPU_SET writes within it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: cpu is below the set's capacity for any CPU this machine has.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    set
}
