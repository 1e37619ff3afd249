//! One module per subcommand. Each turns parsed arguments into calls on the library
//! crates and returns the process exit code.

pub(crate) mod add;
pub(crate) mod agent;
pub(crate) mod audit;
pub(crate) mod observe;
mod render;
pub(crate) mod rules;
pub(crate) mod serve;
pub(crate) mod trace;
mod validate;
pub(crate) mod violations;

use std::io::Read;
use std::path::Path;

use warden_gossfile::{Gossfile, GossfileError, LoadOptions, Source, SystemHost, vars};

use crate::cli::{Cli, Command, GlobalArgs};
use crate::exit;

pub(crate) fn run(cli: Cli) -> u8 {
    match &cli.command {
        Command::Validate(args) => validate::run(&cli.global, args),
        Command::Render => render::run(&cli.global),
        Command::Serve(args) => serve::run(&cli.global, args),
        Command::Add(args) => add::run_add(&cli.global, args),
        Command::Autoadd(args) => add::run_autoadd(&cli.global, args),
        Command::Audit(args) => audit::run(&cli.global, args),
        Command::Observe(args) => observe::run(&cli.global, args),
        Command::Rules(args) => rules::run(args),
        Command::Trace(args) => trace::run(args),
        Command::Agent(args) => agent::run(args),
        Command::Violations(args) => violations::run(args),
    }
}

/// The gossfile named by the global flags, with vars applied and includes merged.
/// Errors are printed; the caller exits with the returned code.
pub(crate) fn load_gossfile(global: &GlobalArgs) -> Result<(Source, Gossfile), u8> {
    let source = read_source(&global.gossfile)?;
    let loaded = template_vars(global).and_then(|vars| {
        let options = LoadOptions {
            vars,
            host: &SystemHost,
        };
        warden_gossfile::load(&source, &options)
    });
    let gossfile = loaded.map_err(|err| {
        exit::print_error(&err);
        exit::CONFIG
    })?;
    for warning in &gossfile.warnings {
        eprintln!("{warning}");
    }
    Ok((source, gossfile))
}

fn read_source(path: &Path) -> Result<Source, u8> {
    if path != Path::new("-") {
        return Ok(Source::Path(path.to_owned()));
    }
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|err| {
        exit::print_error(&format!("reading the gossfile from standard input: {err}"));
        exit::CONFIG
    })?;
    Ok(Source::Stdin(text))
}

fn template_vars(global: &GlobalArgs) -> Result<warden_value::Value, GossfileError> {
    let mut merged = warden_value::Value::Map(Default::default());
    for path in &global.vars {
        vars::deep_merge(&mut merged, vars::read_vars_file(path)?);
    }
    if let Some(inline) = &global.vars_inline {
        vars::apply_inline(&mut merged, vars::parse_inline(inline)?);
    }
    Ok(merged)
}

/// goss's `--package`: a backend it names, or detection (with a warning) for names it
/// does not know, as goss falls back (its docs spell dpkg `deb`).
pub(crate) fn package_manager(global: &GlobalArgs) -> Option<warden_probes::PackageManager> {
    let flag = global.package.as_deref()?;
    let manager = warden_probes::PackageManager::from_flag(flag);
    if manager.is_none() {
        eprintln!(
            "WARNING: unknown package manager {flag:?} (known: dpkg, rpm, apk, pacman); detecting instead"
        );
    }
    manager
}

/// The multi-threaded runtime every command that checks the machine runs on.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, u8> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| {
            exit::print_error(&format!("starting the async runtime: {err}"));
            exit::FAILED
        })
}

/// A policy file and the policies of it a command works on.
pub(crate) struct SelectedPolicies {
    pub(crate) file: warden_policy::PolicyFile,
    pub(crate) policies: Vec<warden_policy::Policy>,
    /// The environment named or detected, if any.
    pub(crate) environment: Option<String>,
}

/// Loads every policy's gossfile once, so a command that keeps running stops at start-up
/// on a broken one (exit 78) instead of failing each run.
pub(crate) fn check_gossfiles(policies: &[warden_policy::Policy]) -> Result<(), u8> {
    for policy in policies {
        if let Err(err) = warden_policy::load_gossfile(policy) {
            exit::print_error(&format!("policy {}: {err}", policy.id));
            return Err(exit::CONFIG);
        }
    }
    Ok(())
}

/// Loads `path` (printing its warnings) and selects as INTERCEPT does.
pub(crate) fn select_policies(
    path: &Path,
    selection: &warden_policy::Selection,
) -> Result<SelectedPolicies, u8> {
    let file = warden_policy::PolicyFile::load(path).map_err(|err| {
        exit::print_error(&err);
        exit::CONFIG
    })?;
    for warning in &file.warnings {
        eprintln!("Warning: {warning}");
    }
    let environment = selection.resolved_environment();
    let policies = file
        .select_in(selection, environment.as_deref())
        .into_iter()
        .cloned()
        .collect();
    Ok(SelectedPolicies {
        file,
        policies,
        environment,
    })
}

/// A goss output format by name; an unknown name lists the valid ones.
pub(crate) fn output_format(name: &str) -> Result<warden_report::Format, u8> {
    name.parse().map_err(|_| {
        let names: Vec<&str> = warden_report::Format::ALL
            .iter()
            .map(|f| f.name())
            .collect();
        exit::print_error(&format!(
            "unknown format {name:?}; valid formats are: {}",
            names.join(", ")
        ));
        exit::USAGE
    })
}
