//! Spooling sinks (webhook, syslog over TCP or TLS): an intake thread writes each batch
//! of alerts to the spool as one file of encoded records, and a delivery task sends
//! the spool's records oldest first, one at a time, retrying each with backoff until
//! it is delivered. Order is kept because nothing is sent out of turn: a record that
//! fails blocks those behind it. A record the receiver refuses for good (an HTTP 4xx)
//! moves to `rejected/` beside the spool instead of blocking it forever.

use std::collections::HashSet;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::time::Instant;
use warden_spool::{Entry, Spool};
use warden_violations::Alert;

use crate::BATCH;
use crate::config::RetryConfig;
use crate::counters::Counters;

/// A spooling sink's queue, where it keeps its spool, and how it retries.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) dir: PathBuf,
    pub(crate) queue_capacity: usize,
    pub(crate) max_bytes: u64,
    pub(crate) retry: RetryConfig,
}

/// One unit of delivery (a request, or a run of syslog frames) inside a spool file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    /// Identifies the delivery to receivers, the same on every attempt (`webhook-id`).
    pub(crate) id: String,
    /// How many alerts it carries.
    pub(crate) alerts: u64,
    /// Its length in the spool file's payload, where records follow one another.
    pub(crate) len: u64,
}

/// What a spool file's metadata holds.
#[derive(Debug, Serialize, Deserialize)]
struct Records {
    records: Vec<Record>,
}

/// Encodes a batch of alerts as records with their bytes.
pub(crate) type Encoder = Box<dyn Fn(&[Arc<Alert>]) -> Vec<(Record, Vec<u8>)> + Send>;

/// Why a record was not delivered.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The receiver is away or struggling: try again later.
    Retry(String),
    /// The receiver refused it and will refuse it again.
    Reject(String),
}

/// Sends one record.
pub(crate) trait Transport: Send + 'static {
    fn send(
        &mut self,
        record: &Record,
        bytes: &[u8],
    ) -> impl Future<Output = Result<(), Failure>> + Send;
}

/// Opens the spool and starts the intake thread and the delivery task.
pub(crate) fn start(
    name: &str,
    settings: &Settings,
    queue: mpsc::Receiver<Arc<Alert>>,
    deadline: watch::Receiver<Option<Instant>>,
    transport: impl Transport,
    encoder: Encoder,
    counters: Arc<Counters>,
) -> Result<Vec<oneshot::Receiver<()>>, String> {
    let open = |dir: &Path| {
        Spool::open(dir).map_err(|e| format!("cannot open the spool {}: {e}", dir.display()))
    };
    let spool = Arc::new(open(&settings.dir)?);
    let rejected = open(&settings.dir.join("rejected"))?;
    counters.watch_spool(Arc::clone(&spool));
    let runtime = tokio::runtime::Handle::try_current()
        .map_err(|_| "sinks must be started within a Tokio runtime".to_owned())?;
    let shared = Arc::new(Shared {
        spool,
        counters,
        wake: Notify::new(),
        intake_done: AtomicBool::new(false),
    });

    let (intake_finished, intake_wait) = oneshot::channel();
    let intake = Intake {
        shared: Arc::clone(&shared),
        encoder,
        max_bytes: settings.max_bytes,
    };
    std::thread::Builder::new()
        .name(format!("sink-{name}-spool"))
        .spawn(move || {
            intake.run(queue);
            let _ = intake_finished.send(());
        })
        .map_err(|e| format!("cannot start the spool thread: {e}"))?;

    let (delivery_finished, delivery_wait) = oneshot::channel();
    let delivery = Delivery {
        shared,
        rejected,
        transport,
        retry: settings.retry,
        deadline,
        unreadable: HashSet::new(),
        name: name.to_owned(),
    };
    runtime.spawn(async move {
        delivery.run().await;
        let _ = delivery_finished.send(());
    });
    Ok(vec![intake_wait, delivery_wait])
}

struct Shared {
    spool: Arc<Spool>,
    counters: Arc<Counters>,
    /// Rung when a file is spooled, and when the intake has finished.
    wake: Notify,
    /// The queue is closed and everything in it is spooled.
    intake_done: AtomicBool,
}

struct Intake {
    shared: Arc<Shared>,
    encoder: Encoder,
    max_bytes: u64,
}

impl Intake {
    fn run(self, mut queue: mpsc::Receiver<Arc<Alert>>) {
        let mut batch = Vec::with_capacity(BATCH);
        while queue.blocking_recv_many(&mut batch, BATCH) > 0 {
            self.spool_batch(&batch);
            batch.clear();
        }
        self.shared.intake_done.store(true, Ordering::Release);
        self.shared.wake.notify_one();
    }

    fn spool_batch(&self, batch: &[Arc<Alert>]) {
        let shared = &self.shared;
        let encoded = (self.encoder)(batch);
        let mut payload = Vec::with_capacity(encoded.iter().map(|(_, b)| b.len()).sum());
        let mut records = Vec::with_capacity(encoded.len());
        for (record, bytes) in encoded {
            payload.extend_from_slice(&bytes);
            records.push(record);
        }
        let alerts = batch.len() as u64;
        if shared.spool.bytes() + payload.len() as u64 > self.max_bytes {
            shared.counters.dropped(alerts);
            shared.counters.error();
            tracing::error!(
                spool = %shared.spool.dir().display(),
                "the spool is full ({} bytes); {alerts} alerts dropped",
                shared.spool.bytes()
            );
            return;
        }
        match shared.spool.push(&Records { records }, &payload) {
            Ok(_) => {
                shared.counters.spooled(alerts);
                shared.wake.notify_one();
            }
            Err(e) => {
                shared.counters.dropped(alerts);
                shared.counters.error();
                tracing::error!(
                    spool = %shared.spool.dir().display(),
                    "cannot spool {alerts} alerts, so they are lost: {e}"
                );
            }
        }
    }
}

struct Delivery<T> {
    shared: Arc<Shared>,
    rejected: Spool,
    transport: T,
    retry: RetryConfig,
    deadline: watch::Receiver<Option<Instant>>,
    /// Spool files that cannot be read: reported once, left for a person.
    unreadable: HashSet<PathBuf>,
    name: String,
}

/// Why delivery stopped early.
struct OutOfTime;

impl<T: Transport> Delivery<T> {
    async fn run(mut self) {
        loop {
            let pending = match self.shared.spool.pending() {
                Ok(pending) => pending,
                Err(e) => {
                    self.shared.counters.error();
                    tracing::error!(sink = %self.name, "cannot list the spool: {e}");
                    if self.pause(self.retry.max_backoff).await.is_err() {
                        return;
                    }
                    continue;
                }
            };
            let pending: Vec<PathBuf> = pending
                .into_iter()
                .filter(|path| !self.unreadable.contains(path))
                .collect();
            if pending.is_empty() {
                // Checked before waiting: the intake says it is done only after its
                // last file is in the spool, which this listing then saw.
                if self.shared.intake_done.load(Ordering::Acquire) {
                    return;
                }
                self.wait_for_work().await;
                continue;
            }
            for path in pending {
                if self.deliver_file(&path).await.is_err() {
                    return;
                }
            }
        }
    }

    /// Delivers every record of one spool file, then forgets it.
    async fn deliver_file(&mut self, path: &Path) -> Result<(), OutOfTime> {
        let Some((records, payload)) = self.read(path) else {
            return Ok(());
        };
        let mut offset = 0;
        for (index, record) in records.iter().enumerate() {
            let bytes = &payload[offset..offset + record.len as usize];
            if let Err(out_of_time) = self.deliver_record(record, bytes).await {
                self.keep_undelivered(path, &records[index..], &payload[offset..]);
                return Err(out_of_time);
            }
            offset += record.len as usize;
        }
        if let Err(e) = self.shared.spool.remove(path) {
            // Left in place, it would be delivered again; receivers drop repeats by id.
            self.shared.counters.error();
            tracing::error!(sink = %self.name, file = %path.display(), "cannot remove a delivered spool file: {e}");
        }
        Ok(())
    }

    /// Sends one record until it is delivered or refused.
    async fn deliver_record(&mut self, record: &Record, bytes: &[u8]) -> Result<(), OutOfTime> {
        let counters = Arc::clone(&self.shared.counters);
        let mut failures = 0u32;
        loop {
            if self.deadline_passed() {
                return Err(OutOfTime);
            }
            match self.transport.send(record, bytes).await {
                Ok(()) => {
                    counters.emitted(record.alerts);
                    return Ok(());
                }
                Err(Failure::Reject(reason)) => {
                    counters.error();
                    counters.dropped(record.alerts);
                    let kept = self.rejected.push(
                        &Records {
                            records: vec![record.clone()],
                        },
                        bytes,
                    );
                    match kept {
                        Ok(file) => {
                            tracing::error!(sink = %self.name, id = %record.id, kept = %file.display(), "the receiver refused a delivery: {reason}")
                        }
                        Err(e) => {
                            tracing::error!(sink = %self.name, id = %record.id, "the receiver refused a delivery ({reason}) and it cannot be kept: {e}")
                        }
                    }
                    return Ok(());
                }
                Err(Failure::Retry(reason)) => {
                    counters.error();
                    failures = failures.saturating_add(1);
                    let delay = backoff(&self.retry, failures);
                    tracing::warn!(sink = %self.name, id = %record.id, "delivery failed, next attempt in {delay:?}: {reason}");
                    self.pause(delay).await?;
                }
            }
        }
    }

    /// Reads a spool file and checks its records cover its payload exactly.
    fn read(&mut self, path: &Path) -> Option<(Vec<Record>, Vec<u8>)> {
        let checked = self
            .shared
            .spool
            .read::<Records>(path)
            .map_err(|e| e.to_string())
            .and_then(|Entry { meta, payload }| {
                let total: u64 = meta.records.iter().map(|r| r.len).sum();
                if total == payload.len() as u64 {
                    Ok((meta.records, payload))
                } else {
                    Err(format!(
                        "spool file {}: records cover {total} bytes of {}",
                        path.display(),
                        payload.len()
                    ))
                }
            });
        match checked {
            Ok(read) => Some(read),
            Err(e) => {
                self.shared.counters.error();
                tracing::error!(sink = %self.name, "unreadable spool file left in place: {e}");
                self.unreadable.insert(path.to_owned());
                None
            }
        }
    }

    /// Stopping in the middle of a file: rewrites it with only what is left, so the
    /// next start does not send its first records again.
    fn keep_undelivered(&self, path: &Path, records: &[Record], payload: &[u8]) {
        let records = Records {
            records: records.to_vec(),
        };
        if let Err(e) = self.shared.spool.replace(path, &records, payload) {
            tracing::warn!(sink = %self.name, file = %path.display(), "cannot trim a partly delivered spool file; its first records will be sent again: {e}");
        }
    }

    fn deadline_passed(&self) -> bool {
        self.deadline
            .borrow()
            .is_some_and(|deadline| Instant::now() >= deadline)
    }

    /// Sleeps for `delay`, or until the shutdown deadline if that comes first.
    async fn pause(&mut self, delay: Duration) -> Result<(), OutOfTime> {
        let wake = Instant::now() + delay;
        loop {
            let deadline = *self.deadline.borrow_and_update();
            if let Some(deadline) = deadline
                && deadline <= wake
            {
                tokio::time::sleep_until(deadline).await;
                return Err(OutOfTime);
            }
            tokio::select! {
                () = tokio::time::sleep_until(wake) => return Ok(()),
                changed = self.deadline.changed() => if changed.is_err() {
                    // No one can set a deadline any more: just sleep.
                    tokio::time::sleep_until(wake).await;
                    return Ok(());
                },
            }
        }
    }

    async fn wait_for_work(&mut self) {
        let shared = Arc::clone(&self.shared);
        tokio::select! {
            () = shared.wake.notified() => {}
            // A shutdown with nothing left to send ends with the intake; the deadline
            // only wakes the loop to look again.
            Ok(()) = self.deadline.changed() => {}
        }
    }
}

/// The pause after `failures` failed attempts in a row: the initial backoff doubled for
/// each failure after the first, capped, then drawn between half and all of that.
fn backoff(retry: &RetryConfig, failures: u32) -> Duration {
    let step = retry
        .initial_backoff
        .saturating_mul(1u32 << failures.saturating_sub(1).min(30))
        .min(retry.max_backoff);
    let half = step / 2;
    let spread = u64::try_from((step - half).as_nanos()).unwrap_or(u64::MAX);
    let jitter = if spread == 0 {
        0
    } else {
        getrandom::u64().unwrap_or(0) % (spread + 1)
    };
    half + Duration::from_nanos(jitter)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Answers with `answers` in turn, then with `then`; records what it was sent.
    struct Scripted {
        answers: Vec<bool>,
        then: bool,
        sent: Arc<Mutex<Vec<String>>>,
    }

    impl Transport for Scripted {
        async fn send(&mut self, record: &Record, bytes: &[u8]) -> Result<(), Failure> {
            assert_eq!(bytes.len() as u64, record.len);
            self.sent.lock().unwrap().push(record.id.clone());
            let ok = if self.answers.is_empty() {
                self.then
            } else {
                self.answers.remove(0)
            };
            if ok {
                Ok(())
            } else {
                Err(Failure::Retry("scripted".to_owned()))
            }
        }
    }

    fn delivery(dir: &Path, transport: Scripted, deadline: Option<Instant>) -> Delivery<Scripted> {
        let counters = Arc::new(Counters::default());
        let shared = Arc::new(Shared {
            spool: Arc::new(Spool::open(dir).unwrap()),
            counters,
            wake: Notify::new(),
            intake_done: AtomicBool::new(true),
        });
        let (stop, deadline) = watch::channel(deadline);
        // The receiver keeps the last value after the sender is gone.
        drop(stop);
        Delivery {
            shared,
            rejected: Spool::open(&dir.join("rejected")).unwrap(),
            transport,
            retry: RetryConfig {
                initial_backoff: Duration::from_millis(5),
                max_backoff: Duration::from_millis(10),
            },
            deadline,
            unreadable: HashSet::new(),
            name: "test".to_owned(),
        }
    }

    #[tokio::test]
    async fn stopping_mid_file_keeps_only_what_was_not_delivered() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        let record = |id: &str| Record {
            id: id.to_owned(),
            alerts: 1,
            len: id.len() as u64,
        };
        let records = Records {
            records: vec![record("a"), record("bb"), record("ccc")],
        };
        let file = spool.push(&records, b"abbccc").unwrap();

        // The receiver takes the first record, then fails until the deadline.
        let sent = Arc::new(Mutex::new(Vec::new()));
        let failing = Scripted {
            answers: vec![true],
            then: false,
            sent: Arc::clone(&sent),
        };
        let deadline = Instant::now() + Duration::from_millis(60);
        let first = delivery(dir.path(), failing, Some(deadline));
        let counters = Arc::clone(&first.shared.counters);
        first.run().await;
        assert!(Instant::now() >= deadline);
        let counts = counters.snapshot();
        assert_eq!(counts.emitted, 1);
        assert!(counts.errors >= 2, "{counts:?}");
        assert_eq!(
            spool.pending().unwrap(),
            std::slice::from_ref(&file),
            "same name, same place"
        );
        let left = spool.read::<Records>(&file).unwrap();
        assert_eq!(left.meta.records, [record("bb"), record("ccc")]);
        assert_eq!(left.payload, b"bbccc");

        // After a restart the rest goes, and nothing twice.
        sent.lock().unwrap().clear();
        let working = Scripted {
            answers: Vec::new(),
            then: true,
            sent: Arc::clone(&sent),
        };
        delivery(dir.path(), working, None).run().await;
        assert_eq!(*sent.lock().unwrap(), ["bb", "ccc"]);
        assert!(spool.pending().unwrap().is_empty());
    }

    #[test]
    fn backoff_doubles_within_its_jitter_and_stops_at_the_cap() {
        let retry = RetryConfig {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        };
        for (failures, step) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (60, 1000),
        ] {
            let step = Duration::from_millis(step);
            for _ in 0..50 {
                let delay = backoff(&retry, failures);
                assert!(delay >= step / 2 && delay <= step, "{failures}: {delay:?}");
            }
        }
    }
}
