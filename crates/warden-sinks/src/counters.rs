//! Per-sink counters, after Vector's component specification: every alert a sink is
//! given is counted as received, and ends up emitted, dropped, or still on its way
//! (queued, or spooled on disk). Errors count failed operations, not alerts.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use warden_spool::Spool;

use serde::Serialize;

#[derive(Debug, Default)]
pub(crate) struct Counters {
    received: AtomicU64,
    emitted: AtomicU64,
    dropped: AtomicU64,
    errors: AtomicU64,
    spooled: AtomicU64,
    /// The spool of a spooling sink: its size is read at each snapshot, never copied,
    /// so it cannot go stale.
    spool: OnceLock<Arc<Spool>>,
}

impl Counters {
    pub(crate) fn received(&self, n: u64) {
        self.received.fetch_add(n, Ordering::Relaxed);
    }
    pub(crate) fn emitted(&self, n: u64) {
        self.emitted.fetch_add(n, Ordering::Relaxed);
    }
    pub(crate) fn dropped(&self, n: u64) {
        self.dropped.fetch_add(n, Ordering::Relaxed);
    }
    pub(crate) fn error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn spooled(&self, n: u64) {
        self.spooled.fetch_add(n, Ordering::Relaxed);
    }
    pub(crate) fn watch_spool(&self, spool: Arc<Spool>) {
        let _ = self.spool.set(spool);
    }

    pub(crate) fn snapshot(&self) -> SinkCounts {
        SinkCounts {
            received: self.received.load(Ordering::Relaxed),
            emitted: self.emitted.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            spooled: self.spooled.load(Ordering::Relaxed),
            spool_bytes: self.spool.get().map_or(0, |spool| spool.bytes()),
        }
    }
}

/// One sink's counts at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SinkCounts {
    /// Alerts given to the sink.
    pub received: u64,
    /// Alerts written or accepted by the receiver.
    pub emitted: u64,
    /// Alerts given up on: the queue was full, the spool full or unwritable, a write
    /// failed, or the receiver refused them for good (those are kept on disk).
    pub dropped: u64,
    /// Failed operations: writes, connections, requests, spool reads and writes.
    pub errors: u64,
    /// Alerts written to the spool (webhook and syslog over TCP or TLS).
    pub spooled: u64,
    /// Bytes waiting in the spool now.
    pub spool_bytes: u64,
}

/// A sink's name, kind and counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SinkStatus {
    pub name: String,
    /// `stdout`, `file`, `syslog`, `webhook`, or `custom`.
    pub kind: &'static str,
    #[serde(flatten)]
    pub counts: SinkCounts,
}

/// Reads every sink's counters at any time, from any thread; cheap to clone, and valid
/// after the sinks have shut down.
#[derive(Debug, Clone, Default)]
pub struct CountersHandle {
    sinks: Arc<std::sync::RwLock<Vec<Registered>>>,
}

/// A sink's name, kind and counters.
type Registered = (String, &'static str, Arc<Counters>);

impl CountersHandle {
    pub(crate) fn register(&self, name: &str, kind: &'static str) -> Arc<Counters> {
        let counters = Arc::new(Counters::default());
        self.sinks
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((name.to_owned(), kind, Arc::clone(&counters)));
        counters
    }

    /// Every sink's counts, in the order the sinks were configured.
    pub fn snapshot(&self) -> Vec<SinkStatus> {
        self.sinks
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(name, kind, counters)| SinkStatus {
                name: name.clone(),
                kind,
                counts: counters.snapshot(),
            })
            .collect()
    }

    /// One sink's counts.
    pub fn get(&self, name: &str) -> Option<SinkCounts> {
        self.sinks
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .find(|(n, ..)| n == name)
            .map(|(.., counters)| counters.snapshot())
    }
}
