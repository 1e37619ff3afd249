//! `warden observe`: keeps policies checked. Each policy runs once at start, then on its
//! six-field cron schedule and whenever its `_runtime.observe` path changes; every
//! outcome is published (to the health endpoints) and posted to the policy file's hooks,
//! signed, retried, and spooled to disk while a receiver is down.
//!
//! The pipeline: trigger sources (schedules, watches) → a bounded queue → the
//! dispatcher, which runs each policy at most once at a time (a trigger that arrives
//! during a run queues exactly one re-run) → publish + hooks.

mod delivery;
mod events;
mod triggers;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use warden_policy::{Config, HookEvent, Policy, PolicyOutcome};

pub use delivery::{Delivery, DeliveryOutcome, HookSender, Spooled};
pub use events::{Body, Envelope, body, report_event, run_events};
pub use triggers::{DebounceMode, PathWatch, Reason, Trigger, on_change, on_schedule};
pub use warden_spool::{SigningKey, Spool};

/// How observing is carried out.
#[derive(Debug, Clone)]
pub struct Settings {
    pub environment: Option<String>,
    /// `--schedule`: used by policies without their own; beats `Config.Flags.policy_schedule`.
    pub schedule: Option<String>,
    /// `--report`: merged report cadence; beats `Config.Flags.report_schedule`.
    pub report_schedule: Option<String>,
    pub mode: DebounceMode,
    /// The quiet period of the `first` and `last` modes (INTERCEPT: 2 s).
    pub quiet: Duration,
    pub spool_dir: PathBuf,
    /// How often spooled deliveries are retried.
    pub spool_retry: Duration,
    pub validate: warden_validate::Options,
    /// Policies run at the same time.
    pub max_concurrent_policies: usize,
}

/// A configuration problem found before observing starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ObserveError(pub String);

/// How long a stopping observer waits for its last report's first attempt.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Where each outcome goes besides the hooks (the health endpoints' board).
pub type Publish = Arc<dyn Fn(PolicyOutcome) + Send + Sync>;

pub struct Observer {
    policies: Vec<Policy>,
    schedules: Vec<Option<croner::Cron>>,
    report_schedule: Option<croner::Cron>,
    settings: Settings,
    hooks: Option<Arc<HookSender>>,
    envelope: Envelope,
    publish: Publish,
}

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observer")
            .field("policies", &self.policies.len())
            .finish_non_exhaustive()
    }
}

impl Observer {
    /// Prepares to observe `policies` (already selected) under `config`. Fails when a
    /// schedule does not parse, when no policy has a schedule or an observe path (there
    /// would be nothing to observe), or when the spool directory cannot be opened.
    pub fn new(
        policies: Vec<Policy>,
        config: &Config,
        settings: Settings,
        signing_key: SigningKey,
        publish: Publish,
    ) -> Result<Observer, ObserveError> {
        let fallback = settings
            .schedule
            .clone()
            .or_else(|| config.flags.policy_schedule.clone());
        let mut schedules = Vec::with_capacity(policies.len());
        for policy in &policies {
            let text = policy.schedule.clone().or_else(|| fallback.clone());
            let cron = text
                .map(|t| {
                    warden_policy::schedule::parse(&t).map_err(|e| {
                        ObserveError(format!("policy {}: schedule {t:?}: {e}", policy.id))
                    })
                })
                .transpose()?;
            schedules.push(cron);
        }
        if policies.is_empty() {
            return Err(ObserveError("no policies selected".to_owned()));
        }
        if settings.spool_retry.is_zero() || settings.quiet.is_zero() {
            return Err(ObserveError(
                "the spool retry period and the quiet period must not be zero".to_owned(),
            ));
        }
        let observable = policies
            .iter()
            .zip(&schedules)
            .any(|(p, s)| s.is_some() || p.runtime.observe.is_some());
        if !observable {
            return Err(ObserveError(
                "no policy has a schedule or an _runtime.observe path: give one, or pass --schedule".to_owned(),
            ));
        }
        let report_text = settings
            .report_schedule
            .clone()
            .or_else(|| config.flags.report_schedule.clone());
        let report_schedule = report_text
            .map(|t| {
                warden_policy::schedule::parse(&t)
                    .map_err(|e| ObserveError(format!("report schedule {t:?}: {e}")))
            })
            .transpose()?;
        let hooks = if config.hooks.is_empty() {
            None
        } else {
            let spool = Spool::open(&settings.spool_dir).map_err(|e| {
                ObserveError(format!(
                    "cannot open the spool directory {}: {e}",
                    settings.spool_dir.display()
                ))
            })?;
            Some(Arc::new(HookSender::new(
                config.hooks.clone(),
                signing_key,
                spool,
            )))
        };
        let envelope = Envelope {
            host_id: warden_probes::hostname(),
            index: config
                .flags
                .index
                .clone()
                .unwrap_or_else(|| "warden".to_owned()),
        };
        Ok(Observer {
            policies,
            schedules,
            report_schedule,
            settings,
            hooks,
            envelope,
            publish,
        })
    }

    /// Observes until `shutdown` resolves. A last report goes to `report` hooks then.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let observer = Arc::new(self);
        // Room for every policy's start-up trigger and a backlog per policy on top.
        let (queue, mut triggers) = mpsc::channel::<Trigger>(observer.policies.len() * 2 + 1024);
        let (finished, mut outcomes) = mpsc::channel::<(usize, PolicyOutcome)>(64);
        let mut sources = Vec::new();
        let mut watches = Vec::new();
        for (index, policy) in observer.policies.iter().enumerate() {
            // The queue has room for one start-up trigger per policy.
            let _ = queue.try_send(Trigger {
                policy: index,
                reason: Reason::Startup,
            });
            if let Some(cron) = &observer.schedules[index] {
                sources.push(on_schedule(index, cron.clone(), queue.clone()));
            }
            if let Some(path) = &policy.runtime.observe {
                match on_change(
                    index,
                    path,
                    observer.settings.mode,
                    observer.settings.quiet,
                    queue.clone(),
                ) {
                    Ok(watch) => watches.push(watch),
                    Err(e) => {
                        tracing::error!(policy = %policy.id, path = %path.display(), "cannot watch: {e}")
                    }
                }
            }
        }
        // The sender lives for the whole loop, so the branch only wakes on real ticks.
        let (report_tick, mut report_ticks) = mpsc::channel::<()>(1);
        if let Some(cron) = observer.report_schedule.clone() {
            let tick = report_tick.clone();
            sources.push(tokio::spawn(async move {
                loop {
                    let now = chrono::Utc::now();
                    let Ok(next) = cron.find_next_occurrence(&now, false) else {
                        return;
                    };
                    tokio::time::sleep((next - now).to_std().unwrap_or(Duration::ZERO)).await;
                    if tick.send(()).await.is_err() {
                        return;
                    }
                }
            }));
        }
        let mut spool_retry = tokio::time::interval(observer.settings.spool_retry);
        // Ticks missed while a flush ran are not worth catching up on.
        spool_retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

        let permits = Arc::new(Semaphore::new(
            observer.settings.max_concurrent_policies.max(1),
        ));
        let mut running = vec![false; observer.policies.len()];
        let mut rerun: Vec<Option<Reason>> = vec![None; observer.policies.len()];
        let mut latest: BTreeMap<usize, PolicyOutcome> = BTreeMap::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                Some(trigger) = triggers.recv() => {
                    if running[trigger.policy] {
                        rerun[trigger.policy] = Some(trigger.reason);
                    } else {
                        running[trigger.policy] = true;
                        start_run(&observer, trigger, &permits, &finished);
                    }
                }
                Some((index, outcome)) = outcomes.recv() => {
                    observer.deliver_run(&outcome);
                    (observer.publish)(outcome.clone());
                    latest.insert(index, outcome);
                    match rerun[index].take() {
                        Some(reason) => start_run(&observer, Trigger { policy: index, reason }, &permits, &finished),
                        None => running[index] = false,
                    }
                }
                Some(()) = report_ticks.recv() => {
                    // Spooled before this returns; delivered in the background.
                    drop(observer.deliver_report(latest.values().cloned().collect()));
                }
                _ = spool_retry.tick() => observer.retry_spool(),
            }
        }
        for source in sources {
            source.abort();
        }
        drop(watches);
        if observer.report_schedule.is_none() {
            // Without a report schedule INTERCEPT reports once, at shutdown. The report is
            // on disk already; give the receiver a moment, then leave it to the spool.
            let deliveries = observer.deliver_report(latest.into_values().collect());
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
                for delivery in deliveries {
                    let _ = delivery.await;
                }
            })
            .await;
        }
    }

    /// Posts a run's events to every hook subscribed to them, in the background.
    fn deliver_run(&self, outcome: &PolicyOutcome) {
        let Some(sender) = &self.hooks else { return };
        let run_id = format!(
            "{}-{}",
            outcome.started.unix_timestamp_nanos(),
            outcome.policy.id
        );
        for hook in sender.hooks() {
            let events = run_events(outcome, &hook.event_types);
            if events.is_empty() {
                continue;
            }
            let body = body(
                &self.envelope,
                &hook.name,
                &run_id,
                &hook.event_types,
                events,
            );
            drop(spawn_delivery(sender, hook, body));
        }
    }

    /// Spools a report for every `report` hook and sends it in the background.
    fn deliver_report(&self, outcomes: Vec<PolicyOutcome>) -> Vec<tokio::task::JoinHandle<()>> {
        let Some(sender) = &self.hooks else {
            return Vec::new();
        };
        if outcomes.is_empty() {
            return Vec::new();
        }
        let report_id = format!(
            "{}_{}",
            time::OffsetDateTime::now_utc().unix_timestamp(),
            self.envelope.host_id
        );
        sender
            .hooks()
            .iter()
            .filter(|h| h.event_types.contains(&HookEvent::Report))
            .filter_map(|hook| {
                let event = report_event(&report_id, &outcomes);
                let body = body(
                    &self.envelope,
                    &hook.name,
                    &report_id,
                    &hook.event_types,
                    vec![event],
                );
                spawn_delivery(sender, hook, body)
            })
            .collect()
    }

    fn retry_spool(&self) {
        if let Some(sender) = &self.hooks {
            let sender = Arc::clone(sender);
            tokio::spawn(async move {
                match sender.flush_spool().await {
                    Ok(0) => {}
                    Ok(delivered) => tracing::info!("delivered {delivered} spooled results"),
                    Err(e) => tracing::error!("flushing the spool: {e}"),
                }
            });
        }
    }
}

fn start_run(
    observer: &Arc<Observer>,
    trigger: Trigger,
    permits: &Arc<Semaphore>,
    finished: &mpsc::Sender<(usize, PolicyOutcome)>,
) {
    let observer = Arc::clone(observer);
    let permits = Arc::clone(permits);
    let finished = finished.clone();
    tokio::spawn(async move {
        let _permit = permits.acquire_owned().await.ok();
        let policy = &observer.policies[trigger.policy];
        tracing::info!(policy = %policy.id, reason = %trigger.reason, "running");
        let outcome = warden_policy::run(
            policy,
            observer.settings.environment.as_deref(),
            &observer.settings.validate,
        )
        .await;
        let _ = finished.send((trigger.policy, outcome)).await;
    });
}

/// Spools `body` for `hook` now (so a stop or crash cannot lose it) and attempts it in
/// the background. `None` when it could not even be spooled, which is logged.
fn spawn_delivery(
    sender: &Arc<HookSender>,
    hook: &warden_policy::Hook,
    body: Body,
) -> Option<tokio::task::JoinHandle<()>> {
    let spooled = match sender.spool(hook, body.content_type, body.text) {
        Ok(spooled) => spooled,
        Err(e) => {
            tracing::error!(hook = %hook.name, "could not spool a result, so it is lost: {e}");
            return None;
        }
    };
    let sender = Arc::clone(sender);
    let hook = hook.clone();
    Some(tokio::spawn(async move {
        match sender.attempt(&hook, spooled).await {
            Ok(DeliveryOutcome::Delivered { .. }) => {}
            Ok(DeliveryOutcome::Spooled { error, .. }) => {
                tracing::warn!(hook = %hook.name, %error, "receiver unreachable; the result waits in the spool");
            }
            Err(e) => {
                tracing::error!(hook = %hook.name, "removing a delivered result from the spool: {e}")
            }
        }
    }))
}
