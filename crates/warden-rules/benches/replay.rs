//! Replays a million events of an everyday mix (opens, connects, sends, execs, forks,
//! exits, dups, sockets, file changes, ptrace) through Falco's three upstream rule files
//! and reports events per second on one core and allocations per event; then divan
//! times evaluation of the 4,096-event pool in both matching modes.
//!
//! `cargo bench -p warden-rules`

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

fn replay(mode: MatchMode) {
    let (rules, events) = (&*RULES, &*EVENTS);
    let mut matches = 0usize;
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    let start = Instant::now();
    for i in 0..REPLAYED {
        rules.evaluate(black_box(&events[i % POOL]), mode, |_| matches += 1);
    }
    let seconds = start.elapsed().as_secs_f64();
    let allocated = ALLOCATIONS.load(Ordering::Relaxed) - allocations;
    println!(
        "replay {mode:?}: {REPLAYED} events through {} rules ({} enabled) in {seconds:.3}s = {:.0} events/s on one core, {:.4} allocations/event, {matches} alerts",
        rules.rules().len(),
        rules.rules().iter().filter(|r| r.enabled).count(),
        REPLAYED as f64 / seconds,
        allocated as f64 / REPLAYED as f64,
    );
}

fn main() {
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
