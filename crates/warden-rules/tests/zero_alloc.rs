//! Evaluating events that match no rule allocates nothing, with all three upstream files
//! loaded. A counting global allocator proves it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "common/mix.rs"]
mod mix;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use warden_rules::MatchMode;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

struct Counting;

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn non_matching_events_allocate_nothing() {
    let rules = common::load_upstream(&[
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ]);
    let events = mix::events(5000);
    let kinds: std::collections::BTreeSet<_> = events.iter().map(|e| e.syscall).collect();
    let mut matches = 0usize;
    let before = allocations();
    for mode in [MatchMode::First, MatchMode::All] {
        for event in &events {
            rules.evaluate(event, mode, |_| matches += 1);
        }
    }
    let spent = allocations() - before;
    assert_eq!(matches, 0, "the mix is meant to raise no alert");
    assert!(kinds.len() >= 15, "{kinds:?}");
    assert_eq!(
        spent,
        0,
        "{spent} allocations for {} evaluations",
        2 * events.len()
    );
    // The counter works: building an alert does allocate.
    let rule = &rules.rules()[0];
    let before = allocations();
    let _alert = rules.alert(rule, &events[0]);
    assert!(allocations() > before);
}
