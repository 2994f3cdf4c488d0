//! `blinders`: the command line of the Blinders sandbox.

mod args;
mod commands;

use clap::Parser;

fn main() {
    let cli = args::Cli::parse();
    let code = match cli.command {
        args::Command::Do(opts) => commands::do_cmd::run(opts),
    };
    std::process::exit(code);
}
