//! `warden rules validate` and `warden rules test`: Falco rule files through
//! `warden-rules`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use warden_events::Event;
use warden_rules::{Loaded, MatchMode, RuleFile, RuleSet};

use crate::exit;

/// A malformed events file (sysexits `EX_DATAERR`).
const DATA_ERROR: u8 = 65;

#[derive(Debug, Args)]
pub(crate) struct RulesArgs {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// Load and compile rule files in order; print errors and warnings with positions.
    /// Exit 0 when they load, 78 when they do not, 64 when a file cannot be read.
    Validate {
        /// Rule files, loaded in this order (later ones override earlier ones).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Replay recorded Warden events (JSON Lines, as `warden trace --json` prints them)
    /// through rule files and print the alerts as JSON Lines, in Falco's shape.
    Test {
        /// Rule files, loaded in this order.
        #[arg(long = "rules", required = true, num_args = 1..)]
        rules: Vec<PathBuf>,
        /// The events file; `-` reads standard input.
        #[arg(long)]
        events: PathBuf,
        /// Falco's `rule_matching`: the first matching rule per event, or all of them.
        #[arg(long = "match", value_enum, default_value_t = Matching::First)]
        matching: Matching,
        /// The host name alerts carry (default: `FALCO_HOSTNAME`, else this machine's).
        #[arg(long, env = "FALCO_HOSTNAME")]
        hostname: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Matching {
    First,
    All,
}

pub(crate) fn run(args: &RulesArgs) -> u8 {
    match &args.command {
        RulesCommand::Validate { files } => validate(files),
        RulesCommand::Test {
            rules,
            events,
            matching,
            hostname,
        } => test(rules, events, *matching, hostname.as_deref()),
    }
}

/// Reads every file and loads them together; prints the diagnostics.
fn load(paths: &[PathBuf], hostname: &str) -> Result<Loaded, u8> {
    let mut texts = Vec::with_capacity(paths.len());
    for path in paths {
        match std::fs::read_to_string(path) {
            Ok(text) => texts.push((path.display().to_string(), text)),
            Err(err) => {
                exit::print_error(&format!("reading {}: {err}", path.display()));
                return Err(exit::USAGE);
            }
        }
    }
    let files: Vec<RuleFile<'_>> = texts
        .iter()
        .map(|(name, content)| RuleFile { name, content })
        .collect();
    let loaded = RuleSet::load(&files, hostname);
    for diagnostic in &loaded.diagnostics {
        eprintln!("{diagnostic}");
    }
    Ok(loaded)
}

fn validate(files: &[PathBuf]) -> u8 {
    let loaded = match load(files, &this_hostname()) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let errors = loaded.errors().count();
    let warnings = loaded.warnings().count();
    match &loaded.rules {
        Some(rules) if errors == 0 => {
            let enabled = rules.rules().iter().filter(|r| r.enabled).count();
            println!(
                "OK: {} rules ({enabled} enabled), {warnings} warnings",
                rules.rules().len()
            );
            exit::OK
        }
        _ => {
            println!("FAILED: {errors} errors, {warnings} warnings");
            exit::CONFIG
        }
    }
}

fn this_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default()
}

fn test(rule_files: &[PathBuf], events: &Path, matching: Matching, hostname: Option<&str>) -> u8 {
    let hostname = hostname.map_or_else(this_hostname, str::to_owned);
    let loaded = match load(rule_files, &hostname) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let Some(rules) = loaded.rules else {
        exit::print_error(&"the rule files do not load");
        return exit::CONFIG;
    };
    let reader: Box<dyn BufRead> = if events == Path::new("-") {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        match std::fs::File::open(events) {
            Ok(file) => Box::new(BufReader::new(file)),
            Err(err) => {
                exit::print_error(&format!("reading {}: {err}", events.display()));
                return exit::USAGE;
            }
        }
    };
    let mode = match matching {
        Matching::First => MatchMode::First,
        Matching::All => MatchMode::All,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut count, mut alerts) = (0usize, 0usize);
    for (number, line) in reader.lines().enumerate() {
        let line = match line {
            Ok(line) => line,
            Err(err) => {
                exit::print_error(&format!("{}:{}: {err}", events.display(), number + 1));
                return DATA_ERROR;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let event = match Event::from_json_line(&line) {
            Ok(event) => event,
            Err(err) => {
                exit::print_error(&format!("{}:{}: {err}", events.display(), number + 1));
                return DATA_ERROR;
            }
        };
        count += 1;
        let mut lines = Vec::new();
        rules.evaluate(&event, mode, |rule| {
            lines.push(rules.alert(rule, &event).to_json_line());
        });
        for alert in lines {
            alerts += 1;
            if writeln!(out, "{alert}").is_err() {
                return exit::OK;
            }
        }
    }
    eprintln!("{count} events, {alerts} alerts");
    exit::OK
}
