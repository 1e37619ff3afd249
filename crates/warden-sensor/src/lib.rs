//! Warden's sensor: what processes do on this machine, as [`warden_events::Event`]s.
//!
//! A pipeline of three stages on bounded channels, each with its own counters
//! (received, emitted, dropped, errors), after Vector's component spec:
//!
//! ```text
//!  kernel ──ring buffer──▶ source ──records──▶ enrich ──events──▶ consumer (Sensor::recv_timeout)
//!  (bpf/*.bpf.c)          (ebpf.rs | fallback.rs)  (process table, containers, accounts)
//! ```
//!
//! The source is the eBPF programs (`bpf/sensor.bpf.c`, CO-RE C loaded by aya) or, when
//! they cannot load, the fallback sensor (netlink proc connector + fanotify). Stages
//! block on a full queue rather than drop, so back-pressure reaches the kernel's ring
//! buffer, whose reserve failures are counted per event kind and reported in band as
//! [`Output::Lost`]: a lost event is never silent.
//!
//! The API, for `warden trace` and the agent:
//!
//! ```no_run
//! use std::time::Duration;
//! use warden_events::Syscall;
//! use warden_sensor::{EventSet, Output, PathFilter, Sensor, SensorConfig};
//!
//! let sensor = Sensor::start(SensorConfig {
//!     // exec, fork and exit always; of the rest, only what the rules need.
//!     events: EventSet::Syscalls(vec![Syscall::Openat, Syscall::Connect]),
//!     path_filters: vec![PathFilter::Include("/etc/".into())],
//!     ..SensorConfig::default()
//! })?;
//! println!("{} sensor, hooks: {:?}", sensor.kind().name(), sensor.kind());
//! while let Some(output) = sensor.recv_timeout(Duration::from_secs(1)) {
//!     match output {
//!         Output::Event(event) => {
//!             let tree = sensor.ancestors(event.process.pid);
//!             println!("{} {:?}", event.syscall, tree.map(|a| a.len()));
//!         }
//!         Output::Lost(loss) => eprintln!("lost {} {} events", loss.count, loss.kind),
//!     }
//! }
//! let stats = sensor.stop(); // received/emitted/dropped/errors per stage, losses per kind
//! # let _ = stats;
//! # Ok::<(), warden_sensor::SensorError>(())
//! ```

mod accounts;
mod container;
mod ebpf;
mod enrich;
mod fallback;
mod probe;
mod process_table;
mod raw;
mod record;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use warden_events::{Ancestor, Event, Syscall};

pub use container::{container_from_cgroup, container_from_proc_cgroup};
pub use fallback::MISSING as FALLBACK_MISSING;
pub use probe::{Capability, probe_capabilities};
pub use process_table::MAX_ANCESTORS;
pub use raw::DecodeError;

use record::Record;

/// Which events the kernel side produces. exec, fork and exit are always reported:
/// the process table is built from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventSet {
    /// exec, fork and exit only (the scheduler programs; the syscall hook is not
    /// attached at all).
    Processes,
    /// Everything: processes plus the file, network and other syscalls.
    All,
    /// Processes plus these syscalls: the others never run a handler in the kernel.
    Syscalls(Vec<Syscall>),
}

impl EventSet {
    /// Whether events of `syscall` are reported.
    pub fn includes(&self, syscall: Syscall) -> bool {
        let process = matches!(
            syscall,
            Syscall::Execve
                | Syscall::Execveat
                | Syscall::Clone
                | Syscall::Clone3
                | Syscall::Fork
                | Syscall::Vfork
                | Syscall::Exit
        );
        match self {
            EventSet::Processes => process,
            EventSet::All => true,
            EventSet::Syscalls(list) => process || list.contains(&syscall),
        }
    }
}

/// A path prefix for the in-kernel filter of file events. The longest matching prefix
/// decides; with any `Include`, paths matching none are dropped. Plain byte prefixes:
/// `/etc` also matches `/etcetera`, `/etc/` does not. Paths containing `..` always
/// pass, so the filter cannot be evaded with `/tmp/../etc/shadow`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathFilter {
    Include(String),
    Exclude(String),
}

/// Which sensor to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SensorChoice {
    /// eBPF, or the fallback when eBPF cannot load.
    Auto,
    Ebpf,
    Fallback,
}

#[derive(Debug, Clone)]
pub struct SensorConfig {
    pub choice: SensorChoice,
    pub events: EventSet,
    /// The ring buffer's size: a power of two, at least a page.
    pub ring_buffer_bytes: u32,
    pub path_filters: Vec<PathFilter>,
    /// Capacity of each userspace queue between stages.
    pub queue_capacity: usize,
    /// How long the source waits for the kernel before reading anyway: the kernel
    /// wakes it only once a quarter of the ring buffer is full, so this bounds latency.
    pub poll_interval: Duration,
    /// The process table's entry budget (see `process_table.rs`).
    pub process_table_capacity: usize,
}

impl Default for SensorConfig {
    fn default() -> SensorConfig {
        SensorConfig {
            choice: SensorChoice::Auto,
            events: EventSet::All,
            ring_buffer_bytes: 8 << 20,
            path_filters: Vec::new(),
            queue_capacity: 16_384,
            poll_interval: Duration::from_millis(20),
            process_table_capacity: 32_768,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SensorError {
    #[error("eBPF sensor: {0}")]
    Ebpf(String),
    #[error("fallback sensor: {0}")]
    Fallback(String),
    /// Neither loaded; each string is the other variant's message.
    #[error("{ebpf}; {fallback}")]
    Neither { ebpf: String, fallback: String },
    #[error("starting the sensor thread: {0}")]
    Thread(String),
}

/// A kernel program the eBPF sensor attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    pub program: &'static str,
    /// `tp_btf/sched_process_exec`, ...; syscall handlers are tail-called from
    /// `tp_btf/sys_exit`.
    pub attach_point: String,
    /// The syscalls a handler takes (empty for the scheduler programs).
    pub syscalls: Vec<Syscall>,
}

/// Which sensor runs, and what it can and cannot see.
#[derive(Debug, Clone)]
pub enum SensorKind {
    Ebpf {
        /// Every feature probed at start-up, loaded or refused (with the reason).
        capabilities: Vec<Capability>,
        /// The programs attached.
        hooks: Vec<Hook>,
    },
    Fallback {
        ebpf_error: Option<String>,
        sees_opens: bool,
    },
}

impl SensorKind {
    pub fn name(&self) -> &'static str {
        match self {
            SensorKind::Ebpf { .. } => "ebpf",
            SensorKind::Fallback { .. } => "fallback (netlink proc connector + fanotify)",
        }
    }

    /// What this sensor does not report.
    pub fn missing(&self) -> Vec<&'static str> {
        match self {
            SensorKind::Ebpf { .. } => Vec::new(),
            SensorKind::Fallback { sees_opens, .. } => {
                let mut missing = FALLBACK_MISSING.to_vec();
                if !sees_opens {
                    missing.insert(0, "file opens (fanotify is not available)");
                }
                missing
            }
        }
    }
}

/// Events lost at one place, reported when they are noticed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loss {
    /// `kernel` (ring buffer full), `netlink` (the proc connector overran).
    pub stage: &'static str,
    /// The event kind (`exec`, `open`, ...), or `any` when the place cannot tell.
    pub kind: &'static str,
    pub count: u64,
}

/// What the sensor delivers.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Event(Box<Event>),
    Lost(Loss),
}

/// One stage's counters.
#[derive(Debug, Default)]
struct StageCounters {
    received: AtomicU64,
    emitted: AtomicU64,
    dropped: AtomicU64,
    errors: AtomicU64,
}

impl StageCounters {
    fn snapshot(&self, stage: &'static str) -> StageStats {
        StageStats {
            stage,
            received: self.received.load(Ordering::Relaxed),
            emitted: self.emitted.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
        }
    }
}

/// A snapshot of one stage's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageStats {
    pub stage: &'static str,
    pub received: u64,
    pub emitted: u64,
    pub dropped: u64,
    pub errors: u64,
}

/// What a kernel program has cost so far (with `kernel.bpf_stats_enabled=1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramCost {
    pub program: String,
    pub runs: u64,
    pub run_time: Duration,
}

/// Counters of the whole pipeline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SensorStats {
    pub stages: Vec<StageStats>,
    /// Events lost, per (stage, kind), since the start.
    pub lost: Vec<Loss>,
    pub programs: Vec<ProgramCost>,
    pub processes: usize,
    pub rejected_processes: u64,
}

#[derive(Default)]
struct Shared {
    source: StageCounters,
    enrich: StageCounters,
    stop: AtomicBool,
    lost: Mutex<Vec<Loss>>,
    programs: Mutex<Vec<ProgramCost>>,
    processes: AtomicU64,
    rejected_processes: AtomicU64,
    table: Mutex<Option<process_table::ProcessTable>>,
}

enum Item {
    Record(Box<Record>),
    Lost(Loss),
}

/// A running sensor. Dropping it (or [`Sensor::stop`]) detaches every program.
pub struct Sensor {
    kind: SensorKind,
    outputs: Receiver<Output>,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

enum Source {
    Ebpf(Box<ebpf::EbpfSource>),
    Fallback(Box<fallback::FallbackSource>),
}

impl Sensor {
    /// Loads and attaches the programs (or opens the fallback), seeds the process
    /// table from `/proc`, and starts the pipeline. Events are captured from the
    /// moment this returns.
    pub fn start(config: SensorConfig) -> Result<Sensor, SensorError> {
        let shared = Arc::new(Shared::default());
        let (record_tx, record_rx) = sync_channel::<Item>(config.queue_capacity.max(1));
        let (output_tx, outputs) = sync_channel::<Output>(config.queue_capacity.max(1));
        let (ready_tx, ready_rx) = sync_channel::<Result<SensorKind, SensorError>>(1);

        let source_shared = Arc::clone(&shared);
        let source_config = config.clone();
        let source = std::thread::Builder::new()
            .name("warden-sensor".into())
            .spawn(move || {
                // The source is opened on its own thread: aya's handles stay there.
                let (source, kind) = match open_source(&source_config) {
                    Ok(opened) => opened,
                    Err(err) => {
                        let _ = ready_tx.send(Err(err));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(kind));
                run_source(source, &source_config, &source_shared, &record_tx);
            })
            .map_err(|e| SensorError::Thread(e.to_string()))?;
        let kind = match ready_rx.recv() {
            Ok(Ok(kind)) => kind,
            Ok(Err(err)) => {
                let _ = source.join();
                return Err(err);
            }
            Err(_) => {
                return Err(SensorError::Thread(
                    "the sensor thread ended during start-up".into(),
                ));
            }
        };

        let mut table = process_table::ProcessTable::new(config.process_table_capacity);
        table.seed_from_proc();
        *shared.table.lock().unwrap_or_else(PoisonError::into_inner) = Some(table);
        let enricher = enrich::Enricher::new();
        let enrich_shared = Arc::clone(&shared);
        let enrich = std::thread::Builder::new()
            .name("warden-enrich".into())
            .spawn(move || run_enrich(enricher, &enrich_shared, &record_rx, &output_tx))
            .map_err(|e| SensorError::Thread(e.to_string()))?;
        Ok(Sensor {
            kind,
            outputs,
            shared,
            threads: vec![source, enrich],
        })
    }

    pub fn kind(&self) -> &SensorKind {
        &self.kind
    }

    /// The next output, waiting up to `timeout`; `None` on timeout or after the
    /// pipeline ended.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Output> {
        self.outputs.recv_timeout(timeout).ok()
    }

    /// The next output if one is waiting.
    pub fn try_recv(&self) -> Option<Output> {
        self.outputs.try_recv().ok()
    }

    /// The process table's ancestors of `pid`, parent first (up to
    /// [`MAX_ANCESTORS`]), as of the events enriched so far; `None` for a pid the
    /// table does not know and `/proc` does not list.
    pub fn ancestors(&self, pid: u32) -> Option<Vec<Ancestor>> {
        let mut table = self
            .shared
            .table
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let table = table.as_mut()?;
        let ppid = table.get_or_load(pid)?.ppid;
        Some(table.ancestors(ppid))
    }

    pub fn stats(&self) -> SensorStats {
        let shared = &self.shared;
        SensorStats {
            stages: vec![
                shared.source.snapshot("source"),
                shared.enrich.snapshot("enrich"),
            ],
            lost: shared.lost.lock().map(|l| l.clone()).unwrap_or_default(),
            programs: shared
                .programs
                .lock()
                .map(|p| p.clone())
                .unwrap_or_default(),
            processes: shared.processes.load(Ordering::Relaxed) as usize,
            rejected_processes: shared.rejected_processes.load(Ordering::Relaxed),
        }
    }

    /// Stops the pipeline, detaches the programs and returns the final counters.
    pub fn stop(mut self) -> SensorStats {
        self.shutdown();
        self.stats()
    }

    fn shutdown(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for Sensor {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn open_source(config: &SensorConfig) -> Result<(Source, SensorKind), SensorError> {
    let fallback = |ebpf_error: Option<String>| -> Result<(Source, SensorKind), SensorError> {
        let source = fallback::FallbackSource::open(config)?;
        let sees_opens = source.sees_opens();
        Ok((
            Source::Fallback(Box::new(source)),
            SensorKind::Fallback {
                ebpf_error,
                sees_opens,
            },
        ))
    };
    let ebpf = |source: ebpf::EbpfSource| {
        let hooks = source.hooks.clone();
        (
            Source::Ebpf(Box::new(source)),
            SensorKind::Ebpf {
                capabilities: probe_capabilities(),
                hooks,
            },
        )
    };
    match config.choice {
        SensorChoice::Fallback => fallback(None),
        SensorChoice::Ebpf => Ok(ebpf(ebpf::EbpfSource::load(config)?)),
        SensorChoice::Auto => match ebpf::EbpfSource::load(config) {
            Ok(source) => Ok(ebpf(source)),
            Err(ebpf_error) => fallback(Some(ebpf_error.to_string())).map_err(|fallback_error| {
                SensorError::Neither {
                    ebpf: ebpf_error.to_string(),
                    fallback: fallback_error.to_string(),
                }
            }),
        },
    }
}

/// Sends `item`, waiting while the queue is full, until the pipeline is stopped.
/// Returns false when the item could not be delivered (stopped, or receiver gone).
fn send_blocking<T>(tx: &SyncSender<T>, mut item: T, stop: &AtomicBool) -> bool {
    loop {
        match tx.try_send(item) {
            Ok(()) => return true,
            Err(TrySendError::Disconnected(_)) => return false,
            Err(TrySendError::Full(back)) => {
                if stop.load(Ordering::Relaxed) {
                    return false;
                }
                item = back;
                std::thread::sleep(Duration::from_micros(200));
            }
        }
    }
}

fn run_source(source: Source, config: &SensorConfig, shared: &Shared, tx: &SyncSender<Item>) {
    let counters = &shared.source;
    let mut sent = |item: Item| {
        if send_blocking(tx, item, &shared.stop) {
            counters.emitted.fetch_add(1, Ordering::Relaxed);
        } else {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
        }
    };
    let report_loss = |loss: Loss, sent: &mut dyn FnMut(Item)| {
        if let Ok(mut lost) = shared.lost.lock() {
            match lost
                .iter_mut()
                .find(|l| l.stage == loss.stage && l.kind == loss.kind)
            {
                Some(total) => total.count += loss.count,
                None => lost.push(loss.clone()),
            }
        }
        sent(Item::Lost(loss));
    };
    match source {
        Source::Ebpf(mut source) => {
            let mut reported = [0u64; raw::KIND_COUNT as usize];
            while !shared.stop.load(Ordering::Relaxed) {
                source.drain(config.poll_interval, |bytes| {
                    counters.received.fetch_add(1, Ordering::Relaxed);
                    match raw::decode(bytes) {
                        Ok(record) => sent(Item::Record(Box::new(record))),
                        Err(err) => {
                            counters.errors.fetch_add(1, Ordering::Relaxed);
                            tracing::debug!("undecodable ring-buffer record: {err}");
                        }
                    }
                });
                let lost = source.lost_counts();
                for (kind, (&now, before)) in lost.iter().zip(reported.iter_mut()).enumerate() {
                    if now > *before {
                        let loss = Loss {
                            stage: "kernel",
                            kind: raw::kind_name(kind as u32),
                            count: now - *before,
                        };
                        *before = now;
                        report_loss(loss, &mut sent);
                    }
                }
            }
            if let Ok(mut programs) = shared.programs.lock() {
                *programs = source.program_costs();
            }
        }
        Source::Fallback(mut source) => {
            let mut reported = 0u64;
            while !shared.stop.load(Ordering::Relaxed) {
                source.drain(config.poll_interval, |record| {
                    counters.received.fetch_add(1, Ordering::Relaxed);
                    sent(Item::Record(Box::new(record)));
                });
                if source.overruns > reported {
                    let loss = Loss {
                        stage: "netlink",
                        kind: "any",
                        count: source.overruns - reported,
                    };
                    reported = source.overruns;
                    report_loss(loss, &mut sent);
                }
            }
        }
    }
}

fn run_enrich(
    mut enricher: enrich::Enricher,
    shared: &Shared,
    rx: &Receiver<Item>,
    tx: &SyncSender<Output>,
) {
    let counters = &shared.enrich;
    loop {
        let item = match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(item) => item,
            Err(RecvTimeoutError::Timeout) => {
                if shared.stop.load(Ordering::Relaxed) {
                    return;
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        counters.received.fetch_add(1, Ordering::Relaxed);
        let output = match item {
            Item::Record(record) => {
                let mut guard = shared.table.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(table) = guard.as_mut() else { return };
                let event = enricher.enrich(table, &record);
                shared
                    .processes
                    .store(table.len() as u64, Ordering::Relaxed);
                shared
                    .rejected_processes
                    .store(table.rejected, Ordering::Relaxed);
                drop(guard);
                match event {
                    Some(event) => Output::Event(Box::new(event)),
                    None => {
                        counters.dropped.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                }
            }
            Item::Lost(loss) => Output::Lost(loss),
        };
        if send_blocking(tx, output, &shared.stop) {
            counters.emitted.fetch_add(1, Ordering::Relaxed);
        } else {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_sets_always_include_the_process_events() {
        let only_connect = EventSet::Syscalls(vec![Syscall::Connect]);
        for set in [EventSet::Processes, EventSet::All, only_connect.clone()] {
            for process in [Syscall::Execve, Syscall::Clone, Syscall::Exit] {
                assert!(set.includes(process), "{set:?} {process}");
            }
        }
        assert!(only_connect.includes(Syscall::Connect));
        assert!(!only_connect.includes(Syscall::Openat));
        assert!(!EventSet::Processes.includes(Syscall::Connect));
        assert!(EventSet::All.includes(Syscall::Recvmsg));
    }
}
