//! `warden observe`: keep a policy file's runtime policies checked — on their cron
//! schedules and when their `_runtime.observe` paths change — post every result to the
//! file's hooks, and with `--listen` serve the latest status through the same endpoints
//! as `warden serve`. Runs until SIGTERM or SIGINT.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use warden_observe::{DebounceMode, Observer, Settings, SigningKey};
use warden_policy::{PolicyFile, Selection};
use warden_report::{Format, FormatOptions};
use warden_serve::{Endpoint, ServeSettings, ServeState};

use crate::cli::GlobalArgs;
use crate::commands::{check_gossfiles, package_manager, runtime, select_policies, serve};
use crate::exit;

#[derive(Debug, Args)]
#[command(after_help = "\
Each selected policy runs once at start, then on its `schedule` (cron with seconds first, \
e.g. \"*/30 * * * * *\", or five fields with seconds 0; else --schedule, else \
Config.Flags.policy_schedule) and whenever its _runtime.observe path changes. Results go \
to Config.Hooks, signed with X-Signature (HMAC-SHA256 keyed by the whsec_ secret in the \
variable named by Config.Flags.webhook_secret_env). Every delivery is written to \
--spool-dir before its first attempt and removed once the receiver answers 2xx, so a \
receiver that is down, a stop or a crash loses nothing; spooled deliveries are sent \
again every --spool-retry.")]
pub(crate) struct ObserveArgs {
    /// INTERCEPT policy file.
    #[arg(short = 'p', long)]
    policy: PathBuf,
    /// Observe the policies that apply to this environment.
    #[arg(short = 'e', long)]
    environment: Option<String>,
    /// Without --environment, take it from ENV, ENVIRONMENT, NODE_ENV, RAILS_ENV, APP_ENV...
    #[arg(long)]
    env_detection: bool,
    /// Only policies with at least one of these tags.
    #[arg(long = "tags-any", alias = "tags_any", value_delimiter = ',')]
    tags_any: Vec<String>,
    /// Only policies with all of these tags.
    #[arg(long = "tags-all", alias = "tags_all", value_delimiter = ',')]
    tags_all: Vec<String>,
    /// Schedule for policies without one (overrides Config.Flags.policy_schedule).
    #[arg(long)]
    schedule: Option<String>,
    /// When to post a merged report to `report` hooks (overrides
    /// Config.Flags.report_schedule); without one, a report is posted at shutdown.
    #[arg(long)]
    report: Option<String>,
    /// How bursts of changes to an observed path become runs: first, last or all.
    #[arg(long, default_value = "last")]
    mode: DebounceMode,
    /// The quiet period of the first and last modes (Go duration).
    #[arg(long, default_value = "2s", value_parser = go_duration)]
    quiet: Duration,
    /// Serve /healthz, /policies, /policies/{id} and /metrics here (HOST:PORT or :PORT).
    #[arg(short = 'l', long)]
    listen: Option<String>,
    /// Where undeliverable hook results wait for their receiver.
    #[arg(long, default_value = "/var/lib/warden/spool")]
    spool_dir: PathBuf,
    /// How often spooled results are offered to their receivers again (Go duration).
    #[arg(long, default_value = "30s", value_parser = go_duration)]
    spool_retry: Duration,
    /// Maximum number of resources checked at the same time, per policy.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..))]
    max_concurrent: u16,
}

fn go_duration(text: &str) -> Result<Duration, String> {
    match warden_gossfile::duration::parse(text)? {
        zero if zero.is_zero() => Err("must be longer than 0".to_owned()),
        duration => Ok(duration),
    }
}

pub(crate) fn run(global: &GlobalArgs, args: &ObserveArgs) -> u8 {
    let selection = Selection {
        environment: args.environment.clone(),
        env_detection: args.env_detection,
        tags_any: args.tags_any.clone(),
        tags_all: args.tags_all.clone(),
    };
    let selected = match select_policies(&args.policy, &selection) {
        Ok(selected) => selected,
        Err(code) => return code,
    };
    let (file, policies, environment) = (selected.file, selected.policies, selected.environment);
    if let Err(code) = check_gossfiles(&policies) {
        return code;
    }
    let signing_key = match signing_key(&file) {
        Ok(key) => key,
        Err(code) => return code,
    };
    let settings = Settings {
        environment: environment.clone(),
        schedule: args.schedule.clone(),
        report_schedule: args.report.clone(),
        mode: args.mode,
        quiet: args.quiet,
        spool_dir: args.spool_dir.clone(),
        spool_retry: args.spool_retry,
        validate: warden_validate::Options {
            max_concurrent: usize::from(args.max_concurrent),
            package_manager: package_manager(global),
        },
        max_concurrent_policies: 8,
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(observe(
        policies,
        &file,
        settings,
        signing_key,
        environment,
        args.listen.as_deref(),
    ))
}

async fn observe(
    policies: Vec<warden_policy::Policy>,
    file: &PolicyFile,
    settings: Settings,
    signing_key: SigningKey,
    environment: Option<String>,
    listen: Option<&str>,
) -> u8 {
    let shutdown = match warden_serve::termination_signal() {
        Ok(signal) => signal,
        Err(err) => {
            exit::print_error(&format!("installing signal handlers: {err}"));
            return exit::FAILED;
        }
    };
    let (stop_server, server_stopped) = tokio::sync::oneshot::channel::<()>();
    let mut server = None;
    let publish: warden_observe::Publish = match listen {
        None => Arc::new(|_| {}),
        Some(listen) => {
            let serve_settings = ServeSettings {
                endpoint: Endpoint::default(),
                format: Format::Json,
                format_options: FormatOptions::default(),
            };
            let (state, board) = ServeState::pushed(policies.clone(), environment, serve_settings);
            let listener = match serve::bind(listen).await {
                Ok(listener) => listener,
                Err(code) => return code,
            };
            let router = warden_serve::router(state);
            server = Some(tokio::spawn(warden_serve::serve(
                listener,
                router,
                async move {
                    let _ = server_stopped.await;
                },
            )));
            Arc::new(move |outcome| {
                // Only served policies are observed, so the board knows every id.
                let _ = board.publish(outcome);
            })
        }
    };
    let observer = match Observer::new(policies, &file.config, settings, signing_key, publish) {
        Ok(observer) => observer,
        Err(err) => {
            exit::print_error(&format!("{}: {err}", file.path.display()));
            return exit::CONFIG;
        }
    };
    observer
        .run(async move {
            let signal = shutdown.await;
            tracing::info!("{signal} received; stopping");
        })
        .await;
    let _ = stop_server.send(());
    if let Some(server) = server {
        match server.await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => {
                exit::print_error(&format!("serving: {err}"));
                return exit::FAILED;
            }
            Err(err) => {
                exit::print_error(&format!("the server stopped: {err}"));
                return exit::FAILED;
            }
        }
    }
    exit::OK
}

/// The hook signing key: from the variable `Config.Flags.webhook_secret_env` names, or a
/// fresh one shown on stderr (as INTERCEPT does) so receivers can be configured.
fn signing_key(file: &PolicyFile) -> Result<SigningKey, u8> {
    if let Some(variable) = &file.config.flags.webhook_secret_env {
        return match std::env::var(variable) {
            Ok(secret) if !secret.is_empty() => Ok(SigningKey::from_secret(&secret)),
            _ => {
                exit::print_error(&format!(
                    "{}: Config.Flags.webhook_secret_env names {variable}, which is not set",
                    file.path.display()
                ));
                Err(exit::CONFIG)
            }
        };
    }
    match SigningKey::generate() {
        Ok((key, secret)) => {
            if !file.config.hooks.is_empty() {
                eprintln!(
                    "Webhook signing secret (set Config.Flags.webhook_secret_env to choose one): {secret}"
                );
            }
            Ok(key)
        }
        Err(err) => {
            exit::print_error(&format!("generating a webhook secret: {err}"));
            Err(exit::FAILED)
        }
    }
}
