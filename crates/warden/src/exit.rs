//! Exit codes and diagnostics shared by every command.
//!
//! The validation codes are goss's (scripts and monitoring depend on them); usage
//! errors get their own code so they cannot be mistaken for a failing check.

use std::io::IsTerminal;

/// Everything passed.
pub(crate) const OK: u8 = 0;
/// At least one check failed.
pub(crate) const FAILED: u8 = 1;
/// `--retry-timeout` ran out before the checks passed.
pub(crate) const RETRY_TIMEOUT: u8 = 3;
/// Bad command line (sysexits `EX_USAGE`).
pub(crate) const USAGE: u8 = 64;
/// A report file could not be written (sysexits `EX_CANTCREAT`).
pub(crate) const CANT_CREATE: u8 = 73;
/// The gossfile, vars or templates are wrong (sysexits `EX_CONFIG`, as goss).
pub(crate) const CONFIG: u8 = 78;

/// Prints `Error: ...` to stderr, in red on a terminal.
pub(crate) fn print_error(message: &dyn std::fmt::Display) {
    if std::io::stderr().is_terminal() {
        eprintln!("\x1b[31mError: {message}\x1b[0m");
    } else {
        eprintln!("Error: {message}");
    }
}

/// Logs go to stderr as goss writes them: `<RFC3339 UTC> [LEVEL] message`.
pub(crate) fn logging(level: &str) {
    let filter = match level.to_ascii_uppercase().as_str() {
        "TRACE" => tracing::Level::TRACE,
        "DEBUG" => tracing::Level::DEBUG,
        "WARN" => tracing::Level::WARN,
        "ERROR" => tracing::Level::ERROR,
        _ => tracing::Level::INFO,
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(filter)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
