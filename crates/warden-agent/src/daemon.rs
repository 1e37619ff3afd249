//! `warden agent`: start every stage, serve the API, reload on SIGHUP, stop cleanly on
//! SIGTERM or SIGINT with every evaluated alert recorded.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};
use warden_api::{
    AgentStatus, AgentView, ApiToken, Capability, EnforcementCapabilities, PolicySummary, Server,
};
use warden_sensor::{Sensor, SensorConfig, SensorKind};
use warden_sinks::Sinks;
use warden_violations::{SqliteStore, ViolationStore};

use crate::config::AgentConfig;
use crate::pipeline::{Pipeline, Shared};
use crate::policies::ActivePolicies;

pub(crate) use crate::alert::NO_ENFORCEMENT;

/// How long sinks get to deliver what is queued when the agent stops.
const SINK_GRACE: Duration = Duration::from_secs(5);

/// Why the agent could not start.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// Configuration, policies or rules that cannot be used (exit 78).
    #[error("{0}")]
    Config(String),
    /// Something on the machine refused (store, sensor, API port, signals).
    #[error("{0}")]
    Start(String),
}

/// Where the configuration came from, so SIGHUP can read it again.
#[derive(Debug, Clone)]
pub enum ConfigSource {
    File(PathBuf),
    Defaults,
}

impl ConfigSource {
    pub fn load(&self) -> Result<AgentConfig, AgentError> {
        match self {
            ConfigSource::File(path) => {
                AgentConfig::load(path).map_err(|e| AgentError::Config(e.to_string()))
            }
            ConfigSource::Defaults => Ok(AgentConfig::default()),
        }
    }
}

/// Everything `--check` verifies: the configuration, policies and rules load.
pub fn check(source: &ConfigSource) -> Result<(AgentConfig, ActivePolicies), AgentError> {
    let config = source.load()?;
    let hostname = hostname(&config);
    let policies =
        ActivePolicies::load(&config, &hostname).map_err(|e| AgentError::Config(e.to_string()))?;
    Ok((config, policies))
}

fn hostname(config: &AgentConfig) -> String {
    config
        .hostname
        .clone()
        .unwrap_or_else(warden_probes::hostname)
}

/// Runs the agent until SIGTERM or SIGINT.
pub async fn run(source: ConfigSource) -> Result<(), AgentError> {
    let (config, policies) = check(&source)?;
    let hostname = hostname(&config);
    std::fs::create_dir_all(&config.state_dir)
        .map_err(|e| AgentError::Start(format!("creating {}: {e}", config.state_dir.display())))?;
    let store: Arc<dyn ViolationStore> = Arc::new(
        SqliteStore::open(&config.store_path()).map_err(|e| AgentError::Start(e.to_string()))?,
    );
    let sinks = Arc::new(
        Sinks::new(&config.sinks, &config.spool_dir())
            .map_err(|e| AgentError::Start(e.to_string()))?,
    );
    let sensor = Sensor::start(SensorConfig::default())
        .map_err(|e| AgentError::Start(format!("the sensor did not start: {e}")))?;
    report_start(&config, &policies, sensor.kind());

    let shared = Arc::new(Shared::new(
        policies,
        Arc::clone(&store),
        config.environment.clone(),
    ));
    let pipeline = Pipeline::start(sensor, Arc::clone(&shared), Arc::clone(&sinks))
        .map_err(|e| AgentError::Start(format!("starting the pipeline: {e}")))?;

    let (stop_api, api_stopped) = tokio::sync::watch::channel(false);
    let api = if config.api.enabled {
        let token = api_token(&config.api_token_path())?;
        let view = Arc::new(View {
            shared: Arc::clone(&shared),
            sinks: Arc::clone(&sinks),
            hostname: hostname.clone(),
        });
        let router = warden_api::router(Arc::clone(&store), view, token);
        let server = Server::bind(config.api.listen).await.map_err(|e| {
            AgentError::Start(format!(
                "the API cannot listen on {}: {e}",
                config.api.listen
            ))
        })?;
        if let Ok(addr) = server.local_addr() {
            // The same line `warden serve` logs (goss's), which scripts wait for.
            tracing::info!("Starting to listen on: {addr}");
            tracing::info!(
                "API under /api/v1/, bearer token in {}",
                config.api_token_path().display()
            );
        }
        let mut stopped = api_stopped.clone();
        Some(tokio::spawn(server.run(router, async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        })))
    } else {
        None
    };

    wait_for_stop(&source, &shared, &sinks).await?;

    tracing::info!("stopping: recording what was evaluated");
    let _ = stop_api.send(true);
    shared.stop.store(true, Ordering::Relaxed);
    let _ = tokio::task::spawn_blocking(move || pipeline.join()).await;
    if let Some(api) = api {
        let _ = api.await;
    }
    if let Ok(sinks) = Arc::try_unwrap(sinks) {
        for status in sinks.shutdown(SINK_GRACE).await {
            tracing::info!(sink = %status.name, "sink: {:?}", status.counts);
        }
    }
    Ok(())
}

/// Waits for SIGTERM or SIGINT; reloads policies on SIGHUP (a bad file keeps the
/// policies that run and says why) and reopens file sinks.
async fn wait_for_stop(
    source: &ConfigSource,
    shared: &Shared,
    sinks: &Sinks,
) -> Result<(), AgentError> {
    let listen = |kind: SignalKind| {
        signal(kind).map_err(|e| AgentError::Start(format!("installing signal handlers: {e}")))
    };
    let mut hangup = listen(SignalKind::hangup())?;
    let mut terminate = listen(SignalKind::terminate())?;
    let mut interrupt = listen(SignalKind::interrupt())?;
    loop {
        tokio::select! {
            _ = terminate.recv() => return Ok(()),
            _ = interrupt.recv() => return Ok(()),
            _ = hangup.recv() => {
                sinks.reopen();
                match check(source) {
                    Ok((_, policies)) => {
                        tracing::info!(
                            "reloaded: {} policies, {} rules",
                            policies.policies.len(),
                            policies.active_rule_count()
                        );
                        shared.replace_policies(policies);
                    }
                    Err(err) => tracing::error!("reload refused, the running policies stay:\n{err}"),
                }
            }
        }
    }
}

fn report_start(config: &AgentConfig, policies: &ActivePolicies, sensor: &SensorKind) {
    tracing::info!(
        "warden agent: {} behaviour policies, {} rules from {}; store {}",
        policies.policies.len(),
        policies.active_rule_count(),
        policies.sources.join(", "),
        config.store_path().display()
    );
    tracing::info!("sensor: {}", sensor.name());
    for missing in sensor.missing() {
        tracing::warn!("sensor cannot see: {missing}");
    }
    let enforcing: Vec<&str> = policies
        .policies
        .iter()
        .filter(|p| {
            p.mode == warden_violations::Mode::Enforce
                || p.enforcement
                    .iter()
                    .any(|e| e.mode == Some(warden_violations::Mode::Enforce))
                || p.enforce_after_days.is_some()
        })
        .map(|p| p.id.as_str())
        .collect();
    if !enforcing.is_empty() {
        tracing::error!(
            "enforcement paths: none ({NO_ENFORCEMENT}); these policies are recorded as failed enforcements, not enforced: {}",
            enforcing.join(", ")
        );
    }
}

/// The API token in `path`, created (random, mode 0600) when the file does not exist.
fn api_token(path: &Path) -> Result<ApiToken, AgentError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0_u8; 32];
            getrandom::fill(&mut bytes)
                .map_err(|e| AgentError::Start(format!("generating the API token: {e}")))?;
            let token = hex::encode(bytes);
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .and_then(|mut f| f.write_all(token.as_bytes()).map(|()| f));
            file = file.and_then(|f| f.sync_all().map(|()| f));
            file.map_err(|e| {
                AgentError::Start(format!("writing the API token {}: {e}", path.display()))
            })?;
            token
        }
        Err(err) => {
            return Err(AgentError::Start(format!(
                "reading the API token {}: {err}",
                path.display()
            )));
        }
    };
    ApiToken::new(text.trim()).map_err(|e| AgentError::Config(format!("{}: {e}", path.display())))
}

/// What the API shows of this agent.
struct View {
    shared: Arc<Shared>,
    sinks: Arc<Sinks>,
    hostname: String,
}

impl AgentView for View {
    fn policies(&self) -> Vec<PolicySummary> {
        let active = self.shared.current_policies();
        active
            .policies
            .iter()
            .map(|policy| PolicySummary {
                id: policy.id.clone(),
                name: policy.display_name().to_owned(),
                description: Some(policy.metadata.description.clone()).filter(|d| !d.is_empty()),
                severity: policy.severity,
                mode: policy
                    .mode_at(
                        self.shared.environment.as_deref(),
                        time::OffsetDateTime::now_utc(),
                        time::OffsetDateTime::now_utc(),
                    )
                    .0,
                enabled: true,
                rules: active.rule_names(policy),
                tags: policy.metadata.tags.clone(),
            })
            .collect()
    }

    fn status(&self) -> AgentStatus {
        let sensor = self
            .shared
            .sensor_stats
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default();
        let mut pipeline: Vec<warden_api::StageCounters> = sensor
            .stages
            .iter()
            .map(|stage| warden_api::StageCounters {
                stage: format!("sensor {}", stage.stage),
                received: stage.received,
                emitted: stage.emitted,
                dropped: stage.dropped,
                errors: stage.errors,
            })
            .collect();
        pipeline.push(self.shared.evaluate.snapshot("rules"));
        pipeline.push(self.shared.record.snapshot("store"));
        pipeline.extend(self.sinks.counters().snapshot().into_iter().map(|sink| {
            warden_api::StageCounters {
                stage: format!("sink {} ({})", sink.name, sink.kind),
                received: sink.counts.received,
                emitted: sink.counts.emitted,
                dropped: sink.counts.dropped,
                errors: sink.counts.errors,
            }
        }));
        let unavailable = |detail: &str| Capability {
            available: false,
            detail: Some(detail.to_owned()),
        };
        AgentStatus {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            hostname: self.hostname.clone(),
            started: self.shared.started,
            pipeline,
            enforcement: EnforcementCapabilities {
                deny: unavailable(NO_ENFORCEMENT),
                kill: unavailable(NO_ENFORCEMENT),
                kill_container: unavailable(NO_ENFORCEMENT),
            },
        }
    }
}
