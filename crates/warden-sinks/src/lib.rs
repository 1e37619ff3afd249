//! Where the agent's alerts go: standard output, files, syslog (RFC 5424 with CEF over
//! UDP, TCP or TLS) and webhooks (signed JSON), fanned out by [`Sinks`].
//!
//! [`Sinks::send`] never waits: every sink has its own bounded queue and its own
//! thread or task, and an alert that does not fit a sink's queue is dropped for that
//! sink and counted, so a slow or dead receiver cannot hold up detection or
//! enforcement. Webhooks and syslog over TCP or TLS put every alert in a
//! [`warden_spool::Spool`] on disk before sending it, and send the spool in order, so
//! a receiver that is away gets everything, in order, once it is back (at least once:
//! a crash between a receiver accepting and the spool forgetting repeats a delivery;
//! alert ids let receivers drop repeats). Their queues only feed the disk, so they fill
//! only when the disk cannot keep up.
//!
//! Every sink counts what it received, emitted, dropped and spooled, and its errors
//! ([`CountersHandle`]). The encoders ([`alert_json`], [`cef()`], [`rfc5424`]) are pure.

mod cef;
mod config;
mod counters;
mod durable;
mod json;
pub mod rfc5424;
mod syslog;
mod tls;
mod webhook;
mod writer;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use warden_violations::Alert;

pub use cef::{cef, cef_severity};
pub use config::{
    Facility, FileConfig, Format, Protocol, RetryConfig, SecretSource, SinkConfig, SinkName,
    StdoutConfig, SyslogConfig, TlsConfig, WebhookConfig,
};
pub use counters::{CountersHandle, SinkCounts, SinkStatus};
pub use json::alert_json;

use counters::Counters;

/// Most alerts one thread or task takes from its queue at a time: the unit of a file
/// sink's sync and of a spool file.
const BATCH: usize = 256;

/// A destination that writes alerts itself. Each runs on a thread of its own, fed by
/// its own queue, so it may block.
pub trait Sink: Send + 'static {
    /// Writes `alerts`: everything that was waiting, up to a batch.
    fn write(&mut self, alerts: &[Arc<Alert>]) -> Result<(), WriteError>;

    /// Starts a fresh output, after logrotate has moved the old one away.
    fn reopen(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    /// Makes everything written durable; called once the queue is closed.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A write that failed after the first `written` alerts of its batch.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct WriteError {
    pub written: usize,
    pub error: std::io::Error,
}

/// A sink that could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("sink {sink}: {message}")]
pub struct SetupError {
    pub sink: String,
    pub message: String,
}

/// The fan-out: one queue per sink.
#[derive(Debug)]
pub struct Sinks {
    lanes: Vec<Lane>,
    counters: CountersHandle,
}

#[derive(Debug)]
struct Lane {
    name: String,
    queue: mpsc::Sender<Arc<Alert>>,
    counters: Arc<Counters>,
    reopen: Arc<AtomicBool>,
    /// Each of the sink's threads and tasks says here that it has finished.
    finished: Vec<oneshot::Receiver<()>>,
    /// Spooling sinks: when to give up delivering what is left, once stopping.
    deadline: Option<watch::Sender<Option<tokio::time::Instant>>>,
}

impl Sinks {
    /// Starts every configured sink. Spooling sinks keep their spools in
    /// `spool_dir/<sink name>` (what a renamed sink had spooled stays under the old
    /// name). Must be called within a Tokio runtime when a webhook or a TCP or TLS
    /// syslog sink is configured: their deliveries are tasks on it. Fails, naming
    /// the sink, when two sinks share a name, a file or spool cannot be opened, a
    /// secret or certificate cannot be read, or a URL, address or header is invalid.
    pub fn new(configs: &[SinkConfig], spool_dir: &Path) -> Result<Sinks, SetupError> {
        let mut sinks = Sinks {
            lanes: Vec::new(),
            counters: CountersHandle::default(),
        };
        for config in configs {
            let name = config.name().as_str();
            if sinks.lanes.iter().any(|lane| lane.name == name) {
                return Err(setup_error(name, "another sink has this name"));
            }
            let error = |message: String| setup_error(name, message);
            let durable = |queue_capacity, max_bytes, retry| durable::Settings {
                dir: spool_dir.join(name),
                queue_capacity,
                max_bytes,
                retry,
            };
            match config {
                SinkConfig::Stdout(c) => {
                    sinks.add_kind(name, "stdout", c.queue_capacity, writer::stdout(c.format))
                }
                SinkConfig::File(c) => {
                    let sink = writer::file(&c.path, c.format)
                        .map_err(|e| error(format!("cannot open {}: {e}", c.path.display())))?;
                    sinks.add_kind(name, "file", c.queue_capacity, sink)
                }
                SinkConfig::Syslog(c) if c.protocol == Protocol::Udp => {
                    let sink = syslog::udp(c).map_err(error)?;
                    sinks.add_kind(name, "syslog", c.queue_capacity, sink)
                }
                SinkConfig::Syslog(c) => {
                    let (transport, encoder) = syslog::stream(c).map_err(error)?;
                    let settings = durable(c.queue_capacity, c.max_spool_bytes, c.retry);
                    sinks.add_durable(name, "syslog", &settings, transport, encoder)?
                }
                SinkConfig::Webhook(c) => {
                    let (transport, encoder) = webhook::webhook(c).map_err(error)?;
                    let settings = durable(c.queue_capacity, c.max_spool_bytes, c.retry);
                    sinks.add_durable(name, "webhook", &settings, transport, encoder)?
                }
            }
        }
        Ok(sinks)
    }

    /// Adds a sink of the caller's, with a queue of `queue_capacity` alerts.
    pub fn add(
        &mut self,
        name: &str,
        queue_capacity: usize,
        sink: impl Sink,
    ) -> Result<(), SetupError> {
        if self.lanes.iter().any(|lane| lane.name == name) {
            return Err(setup_error(name, "another sink has this name"));
        }
        self.add_kind(name, "custom", queue_capacity, sink);
        Ok(())
    }

    /// Offers `alert` to every sink and returns at once: a sink whose queue is full
    /// drops it and counts the drop.
    pub fn send(&self, alert: Arc<Alert>) {
        for lane in &self.lanes {
            lane.counters.received(1);
            if let Err(error) = lane.queue.try_send(Arc::clone(&alert)) {
                lane.counters.dropped(1);
                if let mpsc::error::TrySendError::Closed(_) = error {
                    lane.counters.error();
                }
            }
        }
    }

    /// Asks file sinks to reopen their files before their next write (SIGHUP, after
    /// logrotate has renamed them).
    pub fn reopen(&self) {
        for lane in &self.lanes {
            lane.reopen.store(true, Ordering::Relaxed);
        }
    }

    /// The counters, readable from anywhere for as long as the handle lives.
    pub fn counters(&self) -> CountersHandle {
        self.counters.clone()
    }

    /// Stops taking alerts and finishes: queued alerts are written (spooling sinks put
    /// them in their spools), and spooling sinks keep delivering for up to `grace`;
    /// whatever is still spooled then is sent after the next start. Returns the final
    /// counts.
    pub async fn shutdown(self, grace: Duration) -> Vec<SinkStatus> {
        let deadline = tokio::time::Instant::now() + grace;
        let mut waits = Vec::new();
        // Kept until every sink has finished: a closed deadline channel reads as "no
        // deadline".
        let mut deadlines = Vec::new();
        for lane in self.lanes {
            let Lane {
                name,
                queue,
                finished,
                deadline: stop,
                ..
            } = lane;
            // Closing the queue ends the sink once it has written what is waiting.
            drop(queue);
            if let Some(stop) = stop {
                let _ = stop.send(Some(deadline));
                deadlines.push(stop);
            }
            waits.extend(finished.into_iter().map(|wait| (name.clone(), wait)));
        }
        for (name, wait) in waits {
            // A sink stuck in a write past the deadline is left behind, not waited for.
            if tokio::time::timeout_at(deadline + Duration::from_secs(1), wait)
                .await
                .is_err()
            {
                tracing::warn!(sink = %name, "sink still busy at shutdown; left behind");
            }
        }
        self.counters.snapshot()
    }

    fn add_kind(&mut self, name: &str, kind: &'static str, capacity: usize, sink: impl Sink) {
        let counters = self.counters.register(name, kind);
        let (queue, receiver) = mpsc::channel(capacity.max(1));
        let reopen = Arc::new(AtomicBool::new(false));
        let (done, finished) = oneshot::channel();
        let lane_counters = Arc::clone(&counters);
        let lane_reopen = Arc::clone(&reopen);
        let thread_name = format!("sink-{name}");
        let spawned = std::thread::Builder::new()
            .name(thread_name)
            .spawn(move || {
                run_sink(sink, receiver, &lane_counters, &lane_reopen);
                let _ = done.send(());
            });
        if let Err(e) = spawned {
            // Without its thread the sink cannot take anything: every alert is counted
            // as dropped (its queue is closed).
            tracing::error!(sink = %name, "cannot start the sink's thread: {e}");
            counters.error();
        }
        self.lanes.push(Lane {
            name: name.to_owned(),
            queue,
            counters,
            reopen,
            finished: vec![finished],
            deadline: None,
        });
    }

    fn add_durable(
        &mut self,
        name: &str,
        kind: &'static str,
        settings: &durable::Settings,
        transport: impl durable::Transport,
        encoder: durable::Encoder,
    ) -> Result<(), SetupError> {
        let counters = self.counters.register(name, kind);
        let (queue, receiver) = mpsc::channel(settings.queue_capacity.max(1));
        let (deadline, deadline_rx) = watch::channel(None);
        let finished = durable::start(
            name,
            settings,
            receiver,
            deadline_rx,
            transport,
            encoder,
            Arc::clone(&counters),
        )
        .map_err(|message| setup_error(name, message))?;
        self.lanes.push(Lane {
            name: name.to_owned(),
            queue,
            counters,
            reopen: Arc::new(AtomicBool::new(false)),
            finished,
            deadline: Some(deadline),
        });
        Ok(())
    }
}

fn setup_error(sink: &str, message: impl Into<String>) -> SetupError {
    SetupError {
        sink: sink.to_owned(),
        message: message.into(),
    }
}

/// A sink's thread: takes what is waiting, up to a batch, and writes it.
fn run_sink(
    mut sink: impl Sink,
    mut queue: mpsc::Receiver<Arc<Alert>>,
    counters: &Counters,
    reopen: &AtomicBool,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while queue.blocking_recv_many(&mut batch, BATCH) > 0 {
        if reopen.swap(false, Ordering::Relaxed)
            && let Err(e) = sink.reopen()
        {
            counters.error();
            tracing::error!("reopening the sink's output: {e}");
        }
        match sink.write(&batch) {
            Ok(()) => counters.emitted(batch.len() as u64),
            Err(WriteError { written, error }) => {
                let written = written.min(batch.len());
                counters.emitted(written as u64);
                counters.dropped((batch.len() - written) as u64);
                counters.error();
                tracing::error!("writing alerts: {error}");
            }
        }
        batch.clear();
    }
    if let Err(e) = sink.flush() {
        counters.error();
        tracing::error!("flushing the sink's output: {e}");
    }
}

#[cfg(test)]
mod tests {
    /// The agent shares one `Sinks` between its pipeline and its status endpoint.
    #[test]
    fn sinks_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<super::Sinks>();
        shared::<super::CountersHandle>();
    }
}
