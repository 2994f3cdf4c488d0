//! `blinders`: the command line of the Blinders sandbox.

mod args;
mod commands;

use clap::error::ErrorKind;
use clap::Parser;
use std::io::Write;

/// Exit code for a bad command line.
const EXIT_USAGE: i32 = 2;

/// Exit code when Blinders itself fails (as `do`'s own internal errors).
const EXIT_INTERNAL: i32 = 125;

/// A bug in Blinders must never leave a sandbox hanging with one of the sentry's threads gone:
/// after the usual report, the whole process ends, and the program's stubs die with it
/// (PTRACE_O_EXITKILL) and the gofer with its socket.
fn end_on_panic() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        report(info);
        let _ = writeln!(
            std::io::stderr(),
            "blinders: internal error; the sandbox is ended"
        );
        std::process::exit(EXIT_INTERNAL);
    }));
}

fn main() {
    end_on_panic();
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            e.exit()
        }
        Err(e) => {
            // One line naming what is wrong; `--help` has the rest.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!("blinders: {}", first.trim_start_matches("error: "));
            std::process::exit(EXIT_USAGE);
        }
    };
    let code = match cli.command {
        args::Command::Do(opts) => commands::do_cmd::run(opts),
        args::Command::Gofer(opts) => commands::gofer::run(opts),
    };
    std::process::exit(code);
}
