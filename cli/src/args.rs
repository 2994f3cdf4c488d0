//! Command-line arguments, in one place.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "blinders",
    version,
    about = "A user-space kernel sandbox: run Linux programs with their system calls served by the sentry, never by the host kernel"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run one command sandboxed, with the caller's environment, working directory and
    /// standard streams (like `runsc do`).
    Do(DoArgs),
    /// Internal: the gofer process a sandbox starts to serve its files.
    #[command(hide = true)]
    Gofer(GoferArgs),
}

#[derive(Args, Debug)]
pub struct GoferArgs {
    /// The fd of the socket to the sentry.
    #[arg(long, value_name = "FD")]
    pub sock_fd: i32,
    /// A directory to serve (in order: the root first, then the bind mounts), with `:ro` for
    /// read-only.
    #[arg(long = "root", value_name = "PATH[:ro]")]
    pub roots: Vec<String>,
}

/// `--volume HOST:GUEST[:ro]`.
#[derive(Clone, Debug)]
pub struct Volume {
    pub host: PathBuf,
    pub guest: String,
    pub read_only: bool,
}

impl std::str::FromStr for Volume {
    type Err = String;

    fn from_str(s: &str) -> Result<Volume, String> {
        let parts: Vec<&str> = s.split(':').collect();
        let (host, guest, read_only) = match parts[..] {
            [h, g] => (h, g, false),
            [h, g, "ro"] => (h, g, true),
            [h, g, "rw"] => (h, g, false),
            [_, _, opt] => return Err(format!("unknown volume option '{opt}' (ro or rw)")),
            _ => return Err(format!("'{s}' is not HOST:GUEST[:ro]")),
        };
        if !guest.starts_with('/') {
            return Err(format!("the guest path '{guest}' must be absolute"));
        }
        if host.is_empty() {
            return Err("the host path is empty".to_string());
        }
        Ok(Volume {
            host: PathBuf::from(host),
            guest: guest.to_string(),
            read_only,
        })
    }
}

/// `--network`: what the sandbox's internet sockets reach.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    /// Only the sandbox's own loopback (127.0.0.1, ::1); nothing on the host.
    None,
    /// The host's network: internet sockets are host sockets the sentry makes and relays.
    Host,
}

#[derive(Args, Debug)]
pub struct DoArgs {
    /// Print every system call of the program to stderr, as strace does.
    #[arg(long)]
    pub strace: bool,
    /// Write the sentry's log (debug level) to FILE.
    #[arg(long, value_name = "FILE")]
    pub debug_log: Option<PathBuf>,
    /// Let the host scheduler place the sentry and the program on any CPU instead of keeping
    /// them together on one (slower; for measuring).
    #[arg(long)]
    pub no_pin: bool,
    /// The sandbox's hostname.
    #[arg(long, default_value = "blinders")]
    pub hostname: String,
    /// Give the program a terminal of its own (needs a terminal on stdin): the host terminal
    /// goes into raw mode and is relayed to a pty whose slave is the program's stdio and
    /// controlling terminal, so shells inside get job control.
    #[arg(long, short = 't')]
    pub tty: bool,
    /// Bind a host directory into the sandbox (repeatable); writes there reach the host.
    #[arg(long = "volume", short = 'v', value_name = "HOST:GUEST[:ro]")]
    pub volumes: Vec<Volume>,
    /// The sandbox's network: `none` (the default) gives it a loopback of its own and no
    /// way out; `host` shares the host's network: TCP and UDP sockets are host sockets the
    /// sentry makes and relays for the program (AF_UNIX stays private to the sandbox).
    #[arg(long, value_enum, default_value = "none", value_name = "MODE")]
    pub network: Network,
    /// The program and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<std::ffi::OsString>,
}
