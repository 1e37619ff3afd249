//! Replays a million events of an everyday mix (opens, connects, sends, execs, forks,
//! exits, dups, sockets, file changes, ptrace) through Falco's three upstream rule files
//! on one thread, after one warm-up pass over the 4,096 distinct events, and prints a
//! table: wall and CPU seconds, events per second (wall, and per CPU-second of this
//! thread, which stays honest on a busy machine), allocations per event. Then divan
//! times evaluating the pool in both matching modes, and loading the three files.
//!
//! Falco itself cannot be built or fetched here, so there is no side-by-side column;
//! the target is the issue's: at least 1,000,000 events/s on one core.
//!
//! `cargo bench -p warden-rules`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/mix.rs"]
mod mix;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use warden_events::Event;
use warden_rules::{MatchMode, RuleFile, RuleSet};

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

struct Counting;

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

const FILES: [&str; 3] = [
    "falco_rules.yaml",
    "falco-incubating_rules.yaml",
    "falco-sandbox_rules.yaml",
];
const POOL: usize = 4096;
const REPLAYED: usize = 1_000_000;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/falco"
    );
    let texts: Vec<String> = FILES
        .iter()
        .map(|f| {
            std::fs::read_to_string(format!("{dir}/{f}"))
                .unwrap_or_else(|e| panic!("{dir}/{f}: {e}"))
        })
        .collect();
    let files: Vec<RuleFile<'_>> = FILES
        .iter()
        .zip(&texts)
        .map(|(name, content)| RuleFile { name, content })
        .collect();
    let loaded = RuleSet::load(&files, "bench");
    assert_eq!(loaded.errors().count(), 0);
    loaded
        .rules
        .unwrap_or_else(|| panic!("upstream rules do not load"))
});

static EVENTS: LazyLock<Vec<Event>> = LazyLock::new(|| mix::events(POOL));

/// This thread's time on a CPU so far, in nanoseconds (the first field of
/// `/proc/thread-self/schedstat`): on a busy machine, wall time also counts the time
/// other processes had the core.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn replay(mode: MatchMode) {
    let (rules, events) = (&*RULES, &*EVENTS);
    // One pass to build the lazy DFA states of the patterns the mix reaches.
    for event in events.iter() {
        rules.evaluate(event, mode, |_| {});
    }
    let mut matches = 0usize;
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    let cpu = thread_cpu_ns();
    let start = Instant::now();
    for i in 0..REPLAYED {
        rules.evaluate(black_box(&events[i % POOL]), mode, |_| matches += 1);
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = (thread_cpu_ns() - cpu) as f64 / 1e9;
    let allocated = ALLOCATIONS.load(Ordering::Relaxed) - allocations;
    println!(
        "{:<6} {REPLAYED:>9} {wall:>8.3} {cpu:>8.3} {:>12.0} {:>14.0} {:>12.4} {matches:>7}",
        format!("{mode:?}"),
        REPLAYED as f64 / wall,
        REPLAYED as f64 / cpu,
        allocated as f64 / REPLAYED as f64,
    );
}

fn main() {
    let rules = &*RULES;
    println!(
        "Replaying {REPLAYED} events ({POOL} distinct, an everyday mix) through Falco's three upstream files: {} rules, {} enabled; one thread.",
        rules.rules().len(),
        rules.rules().iter().filter(|r| r.enabled).count(),
    );
    println!(
        "{:<6} {:>9} {:>8} {:>8} {:>12} {:>14} {:>12} {:>7}",
        "mode", "events", "wall s", "cpu s", "events/s", "events/cpu-s", "allocs/event", "alerts"
    );
    replay(MatchMode::First);
    replay(MatchMode::All);
    divan::main();
}

#[divan::bench(args = [MatchMode::First, MatchMode::All])]
fn evaluate_pool(bencher: divan::Bencher<'_, '_>, mode: MatchMode) {
    let (rules, events) = (&*RULES, &*EVENTS);
    bencher
        .counter(divan::counter::ItemsCount::new(POOL))
        .bench(|| {
            let mut matches = 0usize;
            for event in events {
                rules.evaluate(black_box(event), mode, |_| matches += 1);
            }
            matches
        });
}

#[divan::bench]
fn load_three_files(bencher: divan::Bencher<'_, '_>) {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/falco"
    );
    let texts: Vec<String> = FILES
        .iter()
        .map(|f| std::fs::read_to_string(format!("{dir}/{f}")).unwrap_or_default())
        .collect();
    bencher.bench(|| {
        let files: Vec<RuleFile<'_>> = FILES
            .iter()
            .zip(&texts)
            .map(|(name, content)| RuleFile { name, content })
            .collect();
        RuleSet::load(&files, "bench").rules.is_some()
    });
}
