//! `warden rules validate` and `warden rules test`: Falco rule files through
//! `warden-rules`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use warden_events::TraceLine;
use warden_rules::{Loaded, MatchMode, RuleFile, RuleSet};

use crate::exit;

/// A malformed line in the events file (sysexits `EX_DATAERR`).
const DATA_ERROR: u8 = 65;
/// A rule or events file that cannot be read (sysexits `EX_NOINPUT`).
const NO_INPUT: u8 = 66;

#[derive(Debug, Args)]
pub(crate) struct RulesArgs {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// Load and compile rule files in order; print errors and warnings with file, line,
    /// column, item and Falco's code. Exit 0 when they load (warnings or not), 78 when
    /// they do not, 66 when a file cannot be read.
    Validate {
        /// Rule files, loaded in this order (later ones override earlier ones).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print each error and warning as a JSON line (schema
        /// `warden.rule-diagnostic/v1`) on stdout instead of text on stderr.
        #[arg(long)]
        json: bool,
    },
    /// Replay recorded Warden events (JSON Lines, as `warden trace --json` prints them)
    /// through rule files and print the alerts as JSON Lines, in Falco's shape. Exit 0
    /// after a full replay, 78 when the rules do not load, 65 at a malformed event line,
    /// 66 when a file cannot be read.
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
        RulesCommand::Validate { files, json } => validate(files, *json),
        RulesCommand::Test {
            rules,
            events,
            matching,
            hostname,
        } => test(rules, events, *matching, hostname.as_deref()),
    }
}

/// Reads every file and loads them together.
fn load(paths: &[PathBuf], hostname: &str) -> Result<Loaded, u8> {
    let mut texts = Vec::with_capacity(paths.len());
    for path in paths {
        match std::fs::read_to_string(path) {
            Ok(text) => texts.push((path.display().to_string(), text)),
            Err(err) => {
                exit::print_error(&format!("reading {}: {err}", path.display()));
                return Err(NO_INPUT);
            }
        }
    }
    let files: Vec<RuleFile<'_>> = texts
        .iter()
        .map(|(name, content)| RuleFile { name, content })
        .collect();
    Ok(RuleSet::load(&files, hostname))
}

fn validate(files: &[PathBuf], json: bool) -> u8 {
    let loaded = match load(files, &this_hostname()) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for diagnostic in &loaded.diagnostics {
        if json {
            // A closed stdout leaves the exit code to say the outcome.
            let _ = writeln!(out, "{}", diagnostic.to_json_line());
        } else {
            eprintln!("{diagnostic}");
        }
    }
    let errors = loaded.errors().count();
    let warnings = loaded.warnings().count();
    let (summary, code) = match &loaded.rules {
        Some(rules) => {
            let enabled = rules.rules().iter().filter(|r| r.enabled).count();
            let summary = format!(
                "OK: {} rules ({enabled} enabled), {warnings} warnings",
                rules.rules().len()
            );
            (summary, exit::OK)
        }
        None => (
            format!("FAILED: {errors} errors, {warnings} warnings"),
            exit::CONFIG,
        ),
    };
    // With --json, stdout holds JSON lines only.
    if json {
        eprintln!("{summary}");
    } else {
        let _ = writeln!(out, "{summary}");
    }
    code
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
    for diagnostic in &loaded.diagnostics {
        eprintln!("{diagnostic}");
    }
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
                return NO_INPUT;
            }
        }
    };
    let mode = match matching {
        Matching::First => MatchMode::First,
        Matching::All => MatchMode::All,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut count, mut alerts, mut lost) = (0usize, 0usize, 0u64);
    for (number, line) in reader.lines().enumerate() {
        let at = || format!("{}:{}", events.display(), number + 1);
        let line = match line {
            Ok(line) => line,
            Err(err) => {
                exit::print_error(&format!("{}: {err}", at()));
                return DATA_ERROR;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        match TraceLine::from_json_line(&line) {
            Ok(TraceLine::Event(event)) => {
                count += 1;
                for alert in rules.alerts(&event, mode) {
                    alerts += 1;
                    // A closed pipe (`| head`) ends the replay; it is not an error.
                    if writeln!(out, "{}", alert.to_json_line()).is_err() {
                        return exit::OK;
                    }
                }
            }
            // The capture has a gap here: say so, since rules saw nothing of it.
            Ok(TraceLine::Loss(loss)) => {
                lost += loss.count;
                eprintln!(
                    "{}: {} {} events lost ({}) before this point",
                    at(),
                    loss.count,
                    loss.kind,
                    loss.stage
                );
            }
            Err(err) => {
                exit::print_error(&format!(
                    "{}: expected a warden.event/v1 or warden.loss/v1 JSON line: {err}",
                    at()
                ));
                return DATA_ERROR;
            }
        }
    }
    eprintln!("{count} events, {alerts} alerts, {lost} events lost in capture");
    exit::OK
}
