//! `warden audit`: run a policy file's runtime policies against this machine, print a
//! summary, write compliance reports, and exit 1 when a fatal policy failed in the
//! selected environment.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use time::OffsetDateTime;
use warden_compliance::Report;
use warden_policy::{PolicyOutcome, Selection};

use crate::cli::GlobalArgs;
use crate::commands::{SelectedPolicies, package_manager, runtime, select_policies};
use crate::exit;

#[derive(Debug, Args)]
#[command(after_help = "\
Where reports go:
  with -o DIR   every format in --output (all four when --output is not given) is written \
to DIR as warden-<run-id>.sarif.json, .jsonl, .junit.xml and .txt; the summary is printed \
on stdout.
  without -o    the summary is printed on stdout; one non-text format in --output is \
printed on stdout instead and the summary moves to stderr (so `warden audit -p p.yaml \
--output sarif > report.sarif` works); several non-text formats need -o.

Exit codes: 0 no fatal policy failed (failures of non-fatal policies are reported, not \
fatal, as in INTERCEPT); 1 a policy whose enforcement rule for the environment says \
fatal: \"true\" failed; 78 the policy file or a policy's gossfile is wrong (this wins over \
1); 64 bad command line; 73 a report could not be written.
A selection that keeps no policy is not an error: it prints a warning and reports an \
empty run.")]
pub(crate) struct AuditArgs {
    /// Policy file (INTERCEPT's format) whose runtime policies are checked.
    #[arg(short = 'p', long = "policy")]
    policy: PathBuf,
    /// Environment: keeps policies with an enforcement entry for it or for `all`, and
    /// applies that entry's rule (case-insensitive).
    #[arg(short = 'e', long)]
    environment: Option<String>,
    /// Without -e, take the environment from the first non-empty of ENV, ENVIRONMENT,
    /// NODE_ENV, RAILS_ENV, APP_ENV and INTERCEPT's other variables.
    #[arg(long)]
    env_detection: bool,
    /// Keep policies with any of these tags (comma-separated; each policy's id is one of
    /// its tags).
    #[arg(short = 'f', long, value_delimiter = ',')]
    tags_any: Vec<String>,
    /// Keep policies with all of these tags (comma-separated).
    #[arg(long, value_delimiter = ',')]
    tags_all: Vec<String>,
    /// Directory to write the reports to (created if missing).
    #[arg(short = 'o', long = "output-dir")]
    output_dir: Option<PathBuf>,
    /// Report formats, comma-separated.
    #[arg(long, value_delimiter = ',', value_enum)]
    output: Vec<ReportFormat>,
    /// Policies checked at the same time.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    max_concurrent: u16,
    /// Force colour off in the terminal summary.
    #[arg(long)]
    no_color: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// SARIF 2.1.0 (INTERCEPT's report shape).
    Sarif,
    /// JSON Lines, one object per policy (schema warden.policy-result/v1).
    #[value(alias = "jsonl")]
    Json,
    /// JUnit XML, a test suite per policy.
    Junit,
    /// The human summary.
    Text,
}

impl ReportFormat {
    const ALL: [ReportFormat; 4] = [
        ReportFormat::Sarif,
        ReportFormat::Json,
        ReportFormat::Junit,
        ReportFormat::Text,
    ];

    fn extension(self) -> &'static str {
        match self {
            ReportFormat::Sarif => "sarif.json",
            ReportFormat::Json => "jsonl",
            ReportFormat::Junit => "junit.xml",
            ReportFormat::Text => "txt",
        }
    }

    fn render(self, report: &Report<'_>) -> String {
        match self {
            ReportFormat::Sarif => warden_compliance::sarif(report),
            ReportFormat::Json => warden_compliance::json_lines(report),
            ReportFormat::Junit => warden_compliance::junit(report),
            ReportFormat::Text => warden_compliance::text(report, false),
        }
    }
}

/// Where the run's bytes go.
enum Destination {
    /// Report files in a directory; the summary on stdout.
    Directory(PathBuf, Vec<ReportFormat>),
    /// One report on stdout; the summary on stderr.
    Stdout(ReportFormat),
    /// Only the summary, on stdout.
    SummaryOnly,
}

pub(crate) fn run(global: &GlobalArgs, args: &AuditArgs) -> u8 {
    let destination = match destination(args) {
        Ok(destination) => destination,
        Err(message) => {
            exit::print_error(&message);
            return exit::USAGE;
        }
    };
    let package_manager = package_manager(global);
    let selection = Selection {
        environment: args.environment.clone(),
        env_detection: args.env_detection,
        tags_any: args.tags_any.clone(),
        tags_all: args.tags_all.clone(),
    };
    let SelectedPolicies {
        file,
        policies,
        environment,
    } = match select_policies(&args.policy, &selection) {
        Ok(selected) => selected,
        Err(code) => return code,
    };
    if policies.is_empty() {
        eprintln!(
            "Warning: no policy in {} matches the selection (environment: {}, tags-any: {:?}, tags-all: {:?})",
            args.policy.display(),
            environment.as_deref().unwrap_or("none"),
            args.tags_any,
            args.tags_all
        );
    }

    let options = warden_validate::Options {
        package_manager,
        ..warden_validate::Options::default()
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let started = OffsetDateTime::now_utc();
    let outcomes = runtime.block_on(warden_policy::run_all(
        &policies.iter().collect::<Vec<_>>(),
        environment.as_deref(),
        &options,
        usize::from(args.max_concurrent),
    ));
    let finished = OffsetDateTime::now_utc();
    for outcome in &outcomes {
        for warning in &outcome.warnings {
            eprintln!("{}: {warning}", outcome.policy.id);
        }
    }

    let salt = u64::from(std::process::id()) ^ u64::from(finished.nanosecond());
    let run_id = warden_compliance::run_id(started, salt);
    let command_line = std::env::args().collect::<Vec<_>>().join(" ");
    let report = Report {
        run_id: &run_id,
        policy_file: &file.path,
        environment: environment.as_deref(),
        outcomes: &outcomes,
        started,
        finished,
        command_line: &command_line,
        tool_version: env!("CARGO_PKG_VERSION"),
        host: &host(&file.config.metadata),
    };

    let written = match &destination {
        Destination::Directory(dir, formats) => {
            let written = write_reports(dir, &run_id, formats, &report);
            print_summary(&report, std::io::stdout(), args.no_color);
            written
        }
        Destination::Stdout(format) => {
            print_summary(&report, std::io::stderr(), args.no_color);
            let mut stdout = std::io::stdout().lock();
            // A closed stdout (`| head`) must not turn a result into a panic.
            let _ = stdout
                .write_all(format.render(&report).as_bytes())
                .and_then(|()| stdout.flush());
            Ok(())
        }
        Destination::SummaryOnly => {
            print_summary(&report, std::io::stdout(), args.no_color);
            Ok(())
        }
    };
    if let Err(message) = written {
        exit::print_error(&message);
        return exit::CANT_CREATE;
    }
    exit_code(&outcomes)
}

fn destination(args: &AuditArgs) -> Result<Destination, String> {
    let mut formats: Vec<ReportFormat> = Vec::new();
    for format in &args.output {
        if !formats.contains(format) {
            formats.push(*format);
        }
    }
    match &args.output_dir {
        Some(dir) => {
            let formats = if formats.is_empty() {
                ReportFormat::ALL.to_vec()
            } else {
                formats
            };
            Ok(Destination::Directory(dir.clone(), formats))
        }
        None => {
            let machine: Vec<ReportFormat> = formats
                .into_iter()
                .filter(|f| *f != ReportFormat::Text)
                .collect();
            match machine.as_slice() {
                [] => Ok(Destination::SummaryOnly),
                [one] => Ok(Destination::Stdout(*one)),
                _ => Err(
                    "several report formats need an output directory (-o DIR); without it, one format goes to stdout"
                        .to_owned(),
                ),
            }
        }
    }
}

fn write_reports(
    dir: &Path,
    run_id: &str,
    formats: &[ReportFormat],
    report: &Report<'_>,
) -> Result<(), String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("creating the output directory {}: {e}", dir.display()))?;
    for format in formats {
        let path = dir.join(format!("warden-{run_id}.{}", format.extension()));
        std::fs::write(&path, format.render(report))
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
        eprintln!("Wrote {}", path.display());
    }
    Ok(())
}

fn print_summary(report: &Report<'_>, mut stream: impl Write + IsTerminal, no_color: bool) {
    let color = !no_color && stream.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let summary = warden_compliance::text(report, color);
    // A closed stream must not turn a result into a panic.
    let _ = stream
        .write_all(summary.as_bytes())
        .and_then(|()| stream.flush());
}

/// 78 when a policy could not be checked, else 1 when a fatal policy failed, else 0.
fn exit_code(outcomes: &[PolicyOutcome]) -> u8 {
    if outcomes.iter().any(|o| o.error.is_some()) {
        exit::CONFIG
    } else if outcomes.iter().any(|o| o.fatal_failure) {
        exit::FAILED
    } else {
        exit::OK
    }
}

/// The host as reports describe it: what `Config.Metadata` says, else this machine.
fn host(metadata: &warden_policy::HostMetadata) -> warden_compliance::Host {
    warden_compliance::Host {
        name: metadata
            .host_name
            .clone()
            .unwrap_or_else(warden_probes::hostname),
        os: metadata
            .host_os
            .clone()
            .unwrap_or_else(|| std::env::consts::OS.to_owned()),
        arch: metadata
            .host_arch
            .clone()
            .unwrap_or_else(|| std::env::consts::ARCH.to_owned()),
        mac: metadata.host_mac.clone(),
        info: metadata.host_info.clone(),
        fingerprint: metadata.host_fingerprint.clone(),
    }
}
