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
    /// The program and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<std::ffi::OsString>,
}
