//! `blinders`: the command line of the Blinders sandbox.

mod args;
mod commands;

use clap::error::ErrorKind;
use clap::Parser;

/// Exit code for a bad command line.
const EXIT_USAGE: i32 = 2;

fn main() {
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
