//! `blinders do CMD [ARGS...]`: run one command in a fresh sandbox.

use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sentry::errno::Errno;
use sentry::{SandboxConfig, SandboxError};

use crate::args::DoArgs;

/// Exit codes for failures before the program runs, as shells report them.
const EXIT_NOT_FOUND: i32 = 127;
const EXIT_NOT_EXECUTABLE: i32 = 126;
/// A bad command line.
const EXIT_USAGE: i32 = 2;
/// A failure of blinders itself (as container engines use 125).
const EXIT_INTERNAL: i32 = 125;

/// A command lookup failure, with the shell's exit code.
struct LookupError {
    message: String,
    code: i32,
}

fn is_executable_file(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Finds the program as a shell would: a name with a slash is a path; otherwise the first
/// executable file of that name in PATH.
fn resolve_command(cmd: &OsStr, cwd: &Path) -> Result<PathBuf, LookupError> {
    let shown = cmd.to_string_lossy();
    if cmd.as_bytes().contains(&b'/') {
        let path = cwd.join(cmd);
        return match std::fs::metadata(&path) {
            Err(_) => Err(LookupError {
                message: format!("{shown}: No such file or directory"),
                code: EXIT_NOT_FOUND,
            }),
            Ok(m) if m.is_dir() => Err(LookupError {
                message: format!("{shown}: Is a directory"),
                code: EXIT_NOT_EXECUTABLE,
            }),
            Ok(_) if !is_executable_file(&path) => Err(LookupError {
                message: format!("{shown}: Permission denied"),
                code: EXIT_NOT_EXECUTABLE,
            }),
            Ok(_) => Ok(path),
        };
    }
    let search = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    let mut denied = None;
    for dir in std::env::split_paths(&search) {
        let candidate = cwd.join(dir).join(cmd);
        if is_executable_file(&candidate) {
            return Ok(candidate);
        }
        if candidate.is_file() && denied.is_none() {
            denied = Some(candidate);
        }
    }
    Err(match denied {
        Some(_) => LookupError {
            message: format!("{shown}: Permission denied"),
            code: EXIT_NOT_EXECUTABLE,
        },
        None => LookupError {
            message: format!("{shown}: command not found"),
            code: EXIT_NOT_FOUND,
        },
    })
}

fn init_logging(path: &Path) -> anyhow::Result<()> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("cannot create debug log {}", path.display()))?;
    tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .init();
    Ok(())
}

fn peak_rss_kb() -> i64 {
    // SAFETY: an all-zero rusage is valid; getrusage fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: usage is a valid out-pointer.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage.ru_maxrss
}

/// Runs `blinders do`; returns the process exit code.
pub fn run(opts: DoArgs) -> i32 {
    match try_run(opts) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("blinders: {e:#}");
            EXIT_INTERNAL
        }
    }
}

fn try_run(opts: DoArgs) -> anyhow::Result<i32> {
    if let Some(path) = &opts.debug_log {
        init_logging(path)?;
    }
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let Some((cmd, _)) = opts.command.split_first() else {
        anyhow::bail!("no command given");
    };
    // clap takes an unknown flag before the command as the command itself; a command that
    // starts with '-' must come after `--`.
    if cmd.as_bytes().starts_with(b"-") && !std::env::args_os().any(|a| a == "--") {
        eprintln!(
            "blinders: unexpected argument '{}' (put the command after `--` if it starts with '-')",
            cmd.to_string_lossy()
        );
        return Ok(EXIT_USAGE);
    }
    let path = match resolve_command(cmd, &cwd) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("blinders: {}", e.message);
            return Ok(e.code);
        }
    };
    if opts.tty && !super::tty::stdin_is_terminal() {
        eprintln!("blinders: -t needs a terminal on stdin");
        return Ok(EXIT_USAGE);
    }
    let pin_cpu = (!opts.no_pin).then(platform::current_cpu);
    let mut roots = vec![(PathBuf::from("/"), true)];
    for v in &opts.volumes {
        let host = cwd.join(&v.host);
        if !host.exists() {
            eprintln!(
                "blinders: volume {}: No such file or directory",
                v.host.display()
            );
            return Ok(EXIT_USAGE);
        }
        roots.push((host, v.read_only));
    }
    let (mut gofer, client) = super::gofer::spawn(&roots, pin_cpu)?;
    let binds = opts
        .volumes
        .iter()
        .enumerate()
        .map(|(i, v)| sentry::vfs::setup::Bind {
            index: i as u32 + 1,
            guest: v.guest.clone(),
            read_only: v.read_only,
        })
        .collect();
    let mut config = SandboxConfig {
        path: path
            .to_str()
            .context("the command's path is not valid UTF-8")?
            .to_string(),
        argv: opts.command.iter().map(|a| a.as_bytes().to_vec()).collect(),
        envp: std::env::vars_os()
            .map(|(k, v)| {
                let mut kv = k.into_vec();
                kv.push(b'=');
                kv.extend(v.into_vec());
                kv
            })
            .collect(),
        cwd: cwd
            .to_str()
            .context("the working directory is not valid UTF-8")?
            .to_string(),
        strace: opts.strace,
        pin_cpu,
        hostname: opts.hostname,
        terminal: None,
        network: match opts.network {
            crate::args::Network::None => sentry::net::Network::None,
            crate::args::Network::Host => sentry::net::Network::Host,
        },
        storage: sentry::vfs::setup::Storage::Gofer {
            client: std::sync::Arc::new(client),
            overlay: true,
            root_read_only: true,
            binds,
        },
    };
    // The relay starts after the gofer, which must not inherit the blocked signals, and last,
    // so that no error leaves the terminal raw.
    let relay = if opts.tty {
        let (relay, setup) =
            super::tty::Relay::start().context("cannot put the terminal in raw mode")?;
        config.terminal = Some(setup);
        Some(relay)
    } else {
        None
    };
    let pin = config.pin_cpu;
    let platform = Box::new(platform::ptrace::PtracePlatform::new(pin));
    let result = sentry::run(config, platform);
    if let Some(relay) = relay {
        relay.finish();
    }
    tracing::info!("sentry peak RSS: {} kB", peak_rss_kb());
    let _ = gofer.kill();
    let _ = gofer.wait();
    match result {
        Ok(status) => Ok(status.shell_code()),
        Err(SandboxError::Exec { path, errno }) => {
            eprintln!("blinders: {path}: {}", syscall_message(errno));
            Ok(match errno {
                Errno::ENOENT => EXIT_NOT_FOUND,
                _ => EXIT_NOT_EXECUTABLE,
            })
        }
        Err(e) => Err(e.into()),
    }
}

fn syscall_message(e: Errno) -> String {
    std::io::Error::from_raw_os_error(e.0).to_string()
}
