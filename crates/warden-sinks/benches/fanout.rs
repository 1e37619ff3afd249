//! The cost of fanning alerts out, beside a reference: bare Tokio channels, one per
//! consumer thread, with no counting (the least a fan-out can do). Then the encoders
//! beside what the rule engine already pays per alert: its own Falco JSON
//! (`warden_rules::Alert::to_json_line`). Prints a table with ratios, then divan times
//! the same operations.
//!
//! `cargo bench -p warden-sinks`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use warden_sinks::{Facility, Format, Sink, Sinks, WriteError, alert_json, rfc5424};
use warden_violations::Alert;

const SINKS: usize = 4;
const ALERTS: u64 = 200_000;

/// A sink that counts what it is given.
struct Counted(Arc<AtomicU64>);

impl Sink for Counted {
    fn write(&mut self, alerts: &[Arc<Alert>]) -> Result<(), WriteError> {
        self.0.fetch_add(alerts.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

/// Alerts per second through `SINKS` sinks, until every sink has every alert.
fn through_sinks(runtime: &tokio::runtime::Runtime, alert: &Arc<Alert>) -> f64 {
    let _guard = runtime.enter();
    let dir = tempfile::tempdir().unwrap();
    let mut sinks = Sinks::new(&[], dir.path()).unwrap();
    let seen: Vec<Arc<AtomicU64>> = (0..SINKS).map(|_| Arc::default()).collect();
    for (i, seen) in seen.iter().enumerate() {
        let sink = Counted(Arc::clone(seen));
        sinks.add(&format!("s{i}"), ALERTS as usize, sink).unwrap();
    }
    let start = Instant::now();
    for _ in 0..ALERTS {
        sinks.send(Arc::clone(alert));
    }
    wait_until(&seen);
    let rate = ALERTS as f64 / start.elapsed().as_secs_f64();
    runtime.block_on(sinks.shutdown(Duration::from_secs(1)));
    rate
}

/// The same through bare channels and threads.
fn through_channels(alert: &Arc<Alert>) -> f64 {
    let seen: Vec<Arc<AtomicU64>> = (0..SINKS).map(|_| Arc::default()).collect();
    let mut queues = Vec::new();
    let mut threads = Vec::new();
    for seen in &seen {
        let (queue, mut receiver) = mpsc::channel::<Arc<Alert>>(ALERTS as usize);
        let seen = Arc::clone(seen);
        threads.push(std::thread::spawn(move || {
            let mut batch = Vec::new();
            while receiver.blocking_recv_many(&mut batch, 256) > 0 {
                seen.fetch_add(batch.len() as u64, Ordering::Relaxed);
                batch.clear();
            }
        }));
        queues.push(queue);
    }
    let start = Instant::now();
    for _ in 0..ALERTS {
        for queue in &queues {
            let _ = queue.try_send(Arc::clone(alert));
        }
    }
    wait_until(&seen);
    let rate = ALERTS as f64 / start.elapsed().as_secs_f64();
    drop(queues);
    for thread in threads {
        thread.join().unwrap();
    }
    rate
}

fn wait_until(seen: &[Arc<AtomicU64>]) {
    while seen.iter().any(|s| s.load(Ordering::Relaxed) < ALERTS) {
        std::thread::yield_now();
    }
}

fn header() -> rfc5424::Header {
    rfc5424::Header {
        facility: Facility::Local0,
        app_name: "warden".to_owned(),
        proc_id: 1,
    }
}

/// Operations per second of `f`, over about half a second.
fn rate(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_millis(500) {
        for _ in 0..100 {
            f();
        }
        n += 100;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let alert = common::alert(0);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let rules = common::rules_alert(&alert, "2026-05-28T20:26:40.123456789Z");
    let header = header();
    let rows = [
        (
            format!("fan-out to {SINKS} sinks (alerts/s)"),
            through_sinks(&runtime, &alert),
            through_channels(&alert),
            "bare channels",
        ),
        (
            "Falco JSON (alerts/s)".to_owned(),
            rate(|| drop(black_box(alert_json(&alert, Format::Falco)))),
            rate(|| drop(black_box(rules.to_json_line()))),
            "warden-rules to_json_line",
        ),
        (
            "RFC 5424 + CEF (alerts/s)".to_owned(),
            rate(|| drop(black_box(rfc5424::message(&alert, &header)))),
            rate(|| drop(black_box(rules.to_json_line()))),
            "warden-rules to_json_line",
        ),
    ];
    println!(
        "{:<36} {:>14} {:>14} {:>7}  reference",
        "operation", "warden-sinks", "reference", "ratio"
    );
    for (name, ours, reference, what) in rows {
        println!(
            "{name:<36} {ours:>14.0} {reference:>14.0} {:>7.2}  {what}",
            ours / reference
        );
    }
    println!();
    divan::main();
}

#[divan::bench]
fn cef_syslog_message(bencher: divan::Bencher<'_, '_>) {
    let alert = common::alert(0);
    let header = header();
    bencher.bench(|| rfc5424::message(black_box(&alert), &header));
}

#[divan::bench(args = [Format::Alert, Format::Falco])]
fn json_line(bencher: divan::Bencher<'_, '_>, format: Format) {
    let alert = common::alert(0);
    bencher.bench(|| alert_json(black_box(&alert), format));
}

#[divan::bench]
fn send_to_four_sinks(bencher: divan::Bencher<'_, '_>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = runtime.enter();
    let dir = tempfile::tempdir().unwrap();
    let mut sinks = Sinks::new(&[], dir.path()).unwrap();
    for i in 0..SINKS {
        sinks
            .add(&format!("s{i}"), 1 << 16, Counted(Arc::default()))
            .unwrap();
    }
    let alert = common::alert(0);
    bencher.bench(|| sinks.send(Arc::clone(&alert)));
}
