//! `warden serve`: goss's health endpoint for a gossfile (`-g`), or per-policy status
//! endpoints for a policy file (`-p`), until SIGTERM or SIGINT.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use warden_gossfile::Source;
use warden_policy::Selection;
use warden_report::FormatOptions;
use warden_serve::{Endpoint, OnDemand, ServeSettings, ServeState};

use crate::cli::GlobalArgs;
use crate::commands::{
    SelectedPolicies, check_gossfiles, load_gossfile, output_format, package_manager, runtime,
    select_policies,
};
use crate::exit;

#[derive(Debug, Args)]
#[command(after_help = "\
Endpoints: the health endpoint (-e, /healthz), /metrics (Prometheus), and with -p also \
/policies and /policies/{id}.
Unlike goss, which listens on every interface (:8080), Warden listens on 127.0.0.1:8080 \
unless told otherwise: a health endpoint describes the machine, so exposing it is a \
choice. Give -l :8080 or -l 0.0.0.0:8080 to listen everywhere.
In serve, -e is goss's --endpoint; the policy environment is --environment (long form \
only), unlike `warden audit -e`.")]
pub(crate) struct ServeArgs {
    /// Address to listen on (`HOST:PORT`, or `:PORT` for every interface). Port 0 picks a
    /// free port; the address is logged as `Starting to listen on: ...`.
    #[arg(
        short = 'l',
        long,
        env = "GOSS_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    listen_addr: String,
    /// Path of the health endpoint.
    #[arg(short = 'e', long, env = "GOSS_ENDPOINT", default_value = "/healthz")]
    endpoint: Endpoint,
    /// How long results are reused before a request runs the checks again (Go
    /// duration; 0 runs them for every request).
    #[arg(short = 'c', long, env = "GOSS_CACHE", default_value = "5s", value_parser = go_duration)]
    cache: Duration,
    /// Format when the request's Accept header names none: rspecish, documentation,
    /// json, junit, nagios, prometheus, structured, tap, silent.
    #[arg(short = 'f', long, env = "GOSS_FMT", default_value = "rspecish")]
    format: String,
    /// Format options: perfdata, verbose, pretty, sort, exclude_raw (repeatable).
    #[arg(
        short = 'o',
        long = "format-options",
        env = "GOSS_FMT_OPTIONS",
        value_delimiter = ','
    )]
    format_options: Vec<String>,
    /// Maximum number of resources checked at the same time.
    #[arg(long, env = "GOSS_MAX_CONCURRENT", default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..))]
    max_concurrent: u16,
    /// Serve the runtime policies of this INTERCEPT policy file instead of a gossfile.
    #[arg(short = 'p', long)]
    policy: Option<PathBuf>,
    /// Serve the policies that apply to this environment (policies for `all` and for
    /// this name).
    #[arg(long, requires = "policy")]
    environment: Option<String>,
    /// Without --environment, take the environment from ENV, ENVIRONMENT, NODE_ENV,
    /// RAILS_ENV, APP_ENV and the like.
    #[arg(long, requires = "policy")]
    env_detection: bool,
}

fn go_duration(text: &str) -> Result<Duration, String> {
    warden_gossfile::duration::parse(text)
}

pub(crate) fn run(global: &GlobalArgs, args: &ServeArgs) -> u8 {
    let (settings, runs) = match settings(global, args) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let state = match &args.policy {
        Some(path) => policy_state(path, args, settings, runs),
        None => gossfile_state(global, settings, runs),
    };
    let state = match state {
        Ok(state) => state,
        Err(code) => return code,
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(listen_and_serve(&args.listen_addr, state))
}

fn settings(global: &GlobalArgs, args: &ServeArgs) -> Result<(ServeSettings, OnDemand), u8> {
    let format = output_format(&args.format)?;
    let package_manager = package_manager(global);
    let settings = ServeSettings {
        endpoint: args.endpoint.clone(),
        format,
        format_options: FormatOptions::parse(&args.format_options),
    };
    let runs = OnDemand {
        cache: args.cache,
        validate: warden_validate::Options {
            max_concurrent: usize::from(args.max_concurrent),
            package_manager,
        },
    };
    Ok((settings, runs))
}

fn gossfile_state(
    global: &GlobalArgs,
    settings: ServeSettings,
    runs: OnDemand,
) -> Result<ServeState, u8> {
    let (source, gossfile) = load_gossfile(global)?;
    if gossfile.is_empty() {
        let name = match &source {
            Source::Path(path) => path.display().to_string(),
            Source::Stdin(_) => "-".to_owned(),
        };
        exit::print_error(&format!("found 0 tests, source: {name}"));
        return Err(exit::CONFIG);
    }
    Ok(ServeState::gossfile(gossfile.resources, settings, runs))
}

/// The policies of `path` that apply in the selected environment, each run on request.
fn policy_state(
    path: &Path,
    args: &ServeArgs,
    settings: ServeSettings,
    runs: OnDemand,
) -> Result<ServeState, u8> {
    let selection = Selection {
        environment: args.environment.clone(),
        env_detection: args.env_detection,
        ..Selection::default()
    };
    let SelectedPolicies {
        policies,
        environment,
        ..
    } = select_policies(path, &selection)?;
    check_gossfiles(&policies)?;
    if policies.is_empty() {
        let scope = environment
            .as_deref()
            .map(|env| format!(" for environment {env:?}"))
            .unwrap_or_default();
        exit::print_error(&format!(
            "no policies selected from {}{scope}",
            path.display()
        ));
        return Err(exit::CONFIG);
    }
    Ok(ServeState::on_demand(policies, environment, settings, runs))
}

/// Binds `listen_addr` (`HOST:PORT`, or Go's `:PORT` for every interface) and logs the
/// bound address, which tests read when they ask for port 0.
pub(crate) async fn bind(listen_addr: &str) -> Result<tokio::net::TcpListener, u8> {
    let bound = match listen_addr.strip_prefix(':') {
        // Go's `:PORT` is every interface of both families: `[::]` is dual-stack on
        // Linux; a host without IPv6 gets IPv4 alone.
        Some(port) => match tokio::net::TcpListener::bind(format!("[::]:{port}")).await {
            Ok(listener) => Ok(listener),
            Err(_) => tokio::net::TcpListener::bind(format!("0.0.0.0:{port}")).await,
        },
        None => tokio::net::TcpListener::bind(listen_addr).await,
    };
    let listener = bound.map_err(|err| {
        exit::print_error(&format!("listening on {listen_addr}: {err}"));
        exit::FAILED
    })?;
    match listener.local_addr() {
        Ok(bound) => tracing::info!("Starting to listen on: {bound}"),
        Err(_) => tracing::info!("Starting to listen on: {listen_addr}"),
    }
    Ok(listener)
}

/// Binds, logs the bound address, and serves until SIGTERM or SIGINT; in-flight requests
/// finish first.
async fn listen_and_serve(listen_addr: &str, state: ServeState) -> u8 {
    let shutdown = match warden_serve::termination_signal() {
        Ok(signal) => signal,
        Err(err) => {
            exit::print_error(&format!("installing signal handlers: {err}"));
            return exit::FAILED;
        }
    };
    let listener = match bind(listen_addr).await {
        Ok(listener) => listener,
        Err(code) => return code,
    };
    let shutdown = async move {
        let signal = shutdown.await;
        tracing::info!("{signal} received; finishing requests in flight");
    };
    match warden_serve::serve(listener, warden_serve::router(state), shutdown).await {
        Ok(()) => exit::OK,
        Err(err) => {
            exit::print_error(&format!("serving on {listen_addr}: {err}"));
            exit::FAILED
        }
    }
}
