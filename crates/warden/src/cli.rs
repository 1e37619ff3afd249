//! The command line. Flags, aliases and environment variables follow goss's CLI so
//! existing scripts keep working; `GOSS_*` variables are honoured as goss honours them.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::TypedValueParser;
use clap::{ArgAction, Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "warden",
    version,
    about = "Runtime policy engine for Linux hosts and containers",
    disable_version_flag = true
)]
pub(crate) struct Cli {
    /// Print the version (`-v`, as goss).
    #[arg(short = 'v', short_alias = 'V', long, action = ArgAction::Version)]
    version: (),
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags goss accepts before or after the command.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Gossfile to read; `-` reads standard input.
    #[arg(
        short = 'g',
        long,
        global = true,
        env = "GOSS_FILE",
        default_value = "./goss.yaml"
    )]
    pub(crate) gossfile: PathBuf,
    /// YAML or JSON file with variables for templates (repeatable; later files win).
    #[arg(long, global = true, env = "GOSS_VARS", value_delimiter = ',')]
    pub(crate) vars: Vec<PathBuf>,
    /// Variables as a JSON/YAML map; its top-level keys replace those of --vars.
    #[arg(long, global = true, env = "GOSS_VARS_INLINE")]
    pub(crate) vars_inline: Option<String>,
    /// Package backend: dpkg, rpm, apk or pacman (detected when unset).
    #[arg(long, global = true, env = "GOSS_PACKAGE")]
    pub(crate) package: Option<String>,
    /// Log level: TRACE, DEBUG, INFO, WARN, ERROR.
    #[arg(
        short = 'L',
        long,
        alias = "loglevel",
        global = true,
        env = "GOSS_LOGLEVEL",
        default_value = "INFO",
        value_parser = clap::builder::PossibleValuesParser::new(["TRACE", "DEBUG", "INFO", "WARN", "ERROR"])
            .map(|level| level.to_ascii_uppercase()),
        ignore_case = true
    )]
    pub(crate) log_level: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Validate the system against the gossfile.
    #[command(visible_alias = "v")]
    Validate(ValidateArgs),
    /// Print the merged, templated gossfile.
    #[command(visible_alias = "r")]
    Render,
    /// Serve health endpoints for the gossfile, or for a policy file's policies (-p).
    #[command(visible_alias = "s")]
    Serve(crate::commands::serve::ServeArgs),
    /// Add a resource, as the live system shows it, to the gossfile.
    #[command(visible_alias = "a")]
    Add(crate::commands::add::AddArgs),
    /// Add every resource each name stands for on this machine to the gossfile.
    #[command(visible_alias = "aa")]
    Autoadd(crate::commands::add::AutoaddArgs),
    /// Check this machine against a policy file's runtime policies and write compliance reports.
    Audit(crate::commands::audit::AuditArgs),
    /// Keep policies checked on schedules and file changes; post results to hooks.
    Observe(crate::commands::observe::ObserveArgs),
    /// Falco rule files: validate them, or replay recorded events through them.
    Rules(crate::commands::rules::RulesArgs),
    /// Print what processes do on this machine, live (eBPF sensor; needs root).
    Trace(crate::commands::trace::TraceArgs),
    /// The behaviour-policy agent: watch what runs, record violations, stream alerts
    /// (needs root).
    Agent(crate::commands::agent::AgentArgs),
    /// The agent's violations: list, show, resolve (and add to the baseline).
    Violations(crate::commands::violations::ViolationsArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Output format: rspecish, documentation, json, junit, nagios, prometheus, structured, tap, silent.
    #[arg(short = 'f', long, env = "GOSS_FMT", default_value = "rspecish")]
    pub(crate) format: String,
    /// Format options: perfdata, verbose, pretty, sort, exclude_raw (repeatable).
    #[arg(
        short = 'o',
        long = "format-options",
        env = "GOSS_FMT_OPTIONS",
        value_delimiter = ','
    )]
    pub(crate) format_options: Vec<String>,
    /// Time to sleep between retries (Go duration, e.g. 1s).
    #[arg(short = 's', long, env = "GOSS_SLEEP", default_value = "1s", value_parser = go_duration)]
    pub(crate) sleep: Duration,
    /// Retry until passing or this much time has passed (0 = no retries).
    #[arg(short = 'r', long, env = "GOSS_RETRY_TIMEOUT", default_value = "0", value_parser = go_duration)]
    pub(crate) retry_timeout: Duration,
    /// Maximum number of resources checked at the same time.
    #[arg(long, env = "GOSS_MAX_CONCURRENT", default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) max_concurrent: u16,
    /// Force colour on.
    // goss reads these variables as Go booleans (1, t, true, ...).
    #[arg(long, env = "GOSS_COLOR", action = ArgAction::SetTrue, conflicts_with = "no_color",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub(crate) color: bool,
    /// Force colour off.
    #[arg(long, env = "GOSS_NOCOLOR", action = ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub(crate) no_color: bool,
}

fn go_duration(text: &str) -> Result<Duration, String> {
    warden_gossfile::duration::parse(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn gossfile_flag_goes_before_or_after_the_command() {
        for args in [
            ["warden", "-g", "x.yaml", "validate"],
            ["warden", "validate", "-g", "x.yaml"],
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            assert_eq!(cli.global.gossfile, PathBuf::from("x.yaml"));
        }
        let cli = Cli::try_parse_from([
            "warden",
            "v",
            "-o",
            "sort,pretty",
            "-o",
            "perfdata",
            "-r",
            "1m30s",
        ])
        .unwrap();
        let Command::Validate(args) = cli.command else {
            panic!("validate expected")
        };
        assert_eq!(args.format_options, ["sort", "pretty", "perfdata"]);
        assert_eq!(args.retry_timeout, Duration::from_secs(90));
    }
}
