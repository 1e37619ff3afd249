//! `warden`: the command-line entry point. Parses arguments and hands each command to
//! its module; the work itself lives in the library crates.

mod cli;
mod commands;
mod exit;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            // Printing help or version to a closed pipe is not worth a panic.
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    exit::logging(&cli.global.log_level);
    ExitCode::from(commands::run(cli))
}
