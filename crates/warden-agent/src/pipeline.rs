//! The running agent: sensor → evaluate (policies, scope, exceptions, baseline) →
//! record (violation store, then sinks), each stage on its own thread joined by bounded
//! channels and counting what it received, emitted, dropped and failed.
//!
//! Back-pressure: the sensor drops (and counts) events when evaluation falls behind;
//! alerts are never dropped between evaluation and the store: evaluation waits for the
//! store, because a recorded violation is the agent's product. Sinks never hold anything
//! up (they queue, spool or drop and count on their own).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use warden_events::Event;
use warden_policy::{ContainerSubject, Subject};
use warden_sensor::{Output, Sensor, SensorStats};
use warden_sinks::Sinks;
use warden_violations::{Alert, Entity, ViolationStore};

use crate::alert::{Decision, alert_for};
use crate::policies::ActivePolicies;

/// Alerts waiting for the store; evaluation blocks when it is full.
const RECORD_QUEUE: usize = 4096;
/// The most alerts written in one store transaction.
const RECORD_BATCH: usize = 256;

/// One stage's counters (Vector's component model).
#[derive(Debug, Default)]
pub struct StageCounters {
    pub received: AtomicU64,
    pub emitted: AtomicU64,
    pub dropped: AtomicU64,
    pub errors: AtomicU64,
}

impl StageCounters {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn snapshot(&self, stage: &str) -> warden_api::StageCounters {
        warden_api::StageCounters {
            stage: stage.to_owned(),
            received: self.received.load(Ordering::Relaxed),
            emitted: self.emitted.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
        }
    }
}

/// What every stage shares.
pub struct Shared {
    pub policies: RwLock<Arc<ActivePolicies>>,
    pub store: Arc<dyn ViolationStore>,
    pub environment: Option<String>,
    pub evaluate: StageCounters,
    pub record: StageCounters,
    /// Events the sensor reported lost, by the sensor's own accounting.
    pub sensor_lost: AtomicU64,
    /// The sensor's own counters, copied by the evaluation thread about every second.
    pub sensor_stats: Mutex<SensorStats>,
    pub stop: AtomicBool,
    /// Start of this agent run, nanoseconds since the epoch; alert ids start with it.
    pub started: u64,
    next_alert: AtomicU64,
}

impl Shared {
    pub fn new(
        policies: ActivePolicies,
        store: Arc<dyn ViolationStore>,
        environment: Option<String>,
    ) -> Shared {
        Shared {
            policies: RwLock::new(Arc::new(policies)),
            store,
            environment,
            evaluate: StageCounters::default(),
            record: StageCounters::default(),
            sensor_lost: AtomicU64::new(0),
            sensor_stats: Mutex::new(SensorStats::default()),
            stop: AtomicBool::new(false),
            started: now_nanos(),
            next_alert: AtomicU64::new(1),
        }
    }

    pub fn current_policies(&self) -> Arc<ActivePolicies> {
        Arc::clone(&self.policies.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Swaps in a new policy set; evaluation picks it up at its next event.
    pub fn replace_policies(&self, policies: ActivePolicies) {
        *self
            .policies
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(policies);
    }

    fn alert_id(&self) -> String {
        let n = self.next_alert.fetch_add(1, Ordering::Relaxed);
        format!("{:x}-{n}", self.started)
    }
}

/// The running threads.
pub struct Pipeline {
    evaluate: JoinHandle<()>,
    record: JoinHandle<()>,
}

impl Pipeline {
    /// Starts evaluation on `sensor`'s events and recording into the store and `sinks`.
    pub fn start(
        sensor: Sensor,
        shared: Arc<Shared>,
        sinks: Arc<Sinks>,
    ) -> std::io::Result<Pipeline> {
        let (alerts_tx, alerts_rx) = sync_channel::<Alert>(RECORD_QUEUE);
        let evaluate_shared = Arc::clone(&shared);
        let evaluate = std::thread::Builder::new()
            .name("warden-evaluate".into())
            .spawn(move || run_evaluate(&sensor, &evaluate_shared, &alerts_tx))?;
        let record = std::thread::Builder::new()
            .name("warden-record".into())
            .spawn(move || run_record(&shared, &alerts_rx, &sinks))?;
        Ok(Pipeline { evaluate, record })
    }

    /// Waits for both stages to end (after [`Shared::stop`] is set): evaluation first,
    /// then recording drains every alert already evaluated.
    pub fn join(self) {
        let _ = self.evaluate.join();
        let _ = self.record.join();
    }
}

fn run_evaluate(sensor: &Sensor, shared: &Shared, alerts: &SyncSender<Alert>) {
    let mut stats_copied = Instant::now();
    while !shared.stop.load(Ordering::Relaxed) {
        if stats_copied.elapsed() >= Duration::from_secs(1) {
            *shared
                .sensor_stats
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = sensor.stats();
            stats_copied = Instant::now();
        }
        let Some(output) = sensor.recv_timeout(Duration::from_millis(100)) else {
            continue;
        };
        match output {
            Output::Event(event) => {
                StageCounters::add(&shared.evaluate.received, 1);
                for alert in evaluate(shared, &event) {
                    StageCounters::add(&shared.evaluate.emitted, 1);
                    if alerts.send(alert).is_err() {
                        // The record stage is gone: nothing can be kept any more.
                        StageCounters::add(&shared.evaluate.errors, 1);
                        return;
                    }
                }
            }
            Output::Lost(loss) => {
                shared.sensor_lost.fetch_add(loss.count, Ordering::Relaxed);
                tracing::warn!(
                    stage = loss.stage,
                    kind = loss.kind,
                    count = loss.count,
                    "the sensor lost events"
                );
            }
        }
    }
}

/// The alerts `event` raises under the policies in force.
pub fn evaluate(shared: &Shared, event: &Event) -> Vec<Alert> {
    let policies = shared.current_policies();
    let mut alerts = Vec::new();
    let user = event.process.user.as_deref().unwrap_or_default();
    let subject = Subject {
        container: event.container.as_ref().map(|c| ContainerSubject {
            name: c.name.as_deref(),
            image: c.image.as_deref(),
        }),
        cgroup: &event.process.cgroup,
        exepath: &event.process.exepath,
        user,
        path: event.detail.path(),
    };
    policies.evaluate(event, |rule, policy| {
        if !policy.scope.contains(&subject) {
            return;
        }
        if let Some(exception) = policy.exceptions.iter().find(|e| e.covers(&subject)) {
            tracing::debug!(policy = %policy.id, reason = %exception.reason, "exception applies");
            return;
        }
        let entity = match &event.container {
            Some(c) => Entity::Container {
                id: c.full_id.clone(),
                name: c.name.clone(),
                image: c.image.clone(),
                runtime: c.runtime.clone(),
            },
            None => Entity::Host {
                hostname: String::new(),
            },
        };
        match shared
            .store
            .is_baselined(&policy.id, &entity, &event.process.exepath)
        {
            Ok(true) => return,
            Ok(false) => {}
            Err(err) => {
                StageCounters::add(&shared.evaluate.errors, 1);
                tracing::error!("reading the baseline: {err}");
            }
        }
        // Read the clock only on a match, which is rare. `enforce_after_days` without
        // `added` counts from this run's start.
        let now = time::OffsetDateTime::now_utc();
        let started = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(shared.started))
            .unwrap_or(now);
        let (mode, action) = policy.mode_at(shared.environment.as_deref(), now, started);
        alerts.push(alert_for(
            &policies.rules,
            rule,
            policy,
            event,
            Decision::for_mode(mode, action),
            shared.alert_id(),
        ));
    });
    alerts
}

fn run_record(shared: &Shared, alerts: &Receiver<Alert>, sinks: &Sinks) {
    let mut batch = Vec::with_capacity(RECORD_BATCH);
    // Ends when evaluation has stopped and every alert it sent is recorded.
    while let Ok(first) = alerts.recv() {
        batch.push(first);
        while batch.len() < RECORD_BATCH {
            match alerts.try_recv() {
                Ok(alert) => batch.push(alert),
                Err(_) => break,
            }
        }
        StageCounters::add(&shared.record.received, batch.len() as u64);
        let mut delay = Duration::from_millis(50);
        loop {
            match shared.store.record_all(&batch) {
                Ok(_) => break,
                Err(err) => {
                    // Keep the batch and retry: evaluation waits meanwhile (bounded
                    // queue), so nothing is lost while the disk is full or locked.
                    StageCounters::add(&shared.record.errors, 1);
                    tracing::error!("recording {} alerts failed, retrying: {err}", batch.len());
                    std::thread::sleep(delay);
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
        StageCounters::add(&shared.record.emitted, batch.len() as u64);
        for alert in batch.drain(..) {
            sinks.send(Arc::new(alert));
        }
    }
}

fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}
