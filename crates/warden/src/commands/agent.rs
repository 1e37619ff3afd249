//! `warden agent`: the behaviour-policy daemon, or `--check` of its configuration.

use std::path::PathBuf;

use clap::Args;
use warden_agent::{AgentError, ConfigSource, DEFAULT_CONFIG_PATH};

use crate::exit;

#[derive(Debug, Args)]
pub(crate) struct AgentArgs {
    /// Configuration file [default: /etc/warden/warden.yaml when it exists, else the
    /// built-in defaults: the default policies in audit mode, the store under
    /// /var/lib/warden]
    #[arg(long, env = "WARDEN_CONFIG")]
    config: Option<PathBuf>,
    /// Load and compile the configuration, policies and rules, print a summary and
    /// exit: 0 when they load, 78 when they do not.
    #[arg(long)]
    check: bool,
}

pub(crate) fn run(args: &AgentArgs) -> u8 {
    let source = match &args.config {
        Some(path) => ConfigSource::File(path.clone()),
        None if std::path::Path::new(DEFAULT_CONFIG_PATH).exists() => {
            ConfigSource::File(PathBuf::from(DEFAULT_CONFIG_PATH))
        }
        None => ConfigSource::Defaults,
    };
    if args.check {
        return match warden_agent::check(&source) {
            Ok((config, policies)) => {
                println!(
                    "OK: {} behaviour policies, {} rules from {}; store {}",
                    policies.policies.len(),
                    policies.active_rule_count(),
                    policies.sources.join(", "),
                    config.store_path().display()
                );
                exit::OK
            }
            Err(err) => failed(&err),
        };
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            exit::print_error(&format!("starting the runtime: {err}"));
            return exit::FAILED;
        }
    };
    match runtime.block_on(warden_agent::run(source)) {
        Ok(()) => exit::OK,
        Err(err) => failed(&err),
    }
}

fn failed(err: &AgentError) -> u8 {
    exit::print_error(err);
    match err {
        AgentError::Config(_) => exit::CONFIG,
        AgentError::Start(_) => exit::FAILED,
    }
}
