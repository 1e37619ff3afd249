//! Evaluating events that match no rule allocates nothing, with all three upstream files
//! loaded. A counting global allocator proves it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use warden_events::Event;
use warden_rules::{MatchMode, RuleSet};

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

/// Evaluates every event in both modes; the allocations it took and the alerts raised.
fn replay(rules: &RuleSet, events: &[Event]) -> (usize, usize) {
    let mut alerts = 0usize;
    let before = allocations();
    for mode in [MatchMode::First, MatchMode::All] {
        for event in events {
            alerts += rules.alerts(event, mode).len();
        }
    }
    (allocations() - before, alerts)
}

#[test]
fn non_matching_events_allocate_nothing() {
    let rules = common::load_upstream(&[
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ]);
    let events = common::mix::events(5000);
    let kinds: std::collections::BTreeSet<_> = events.iter().map(|e| e.syscall).collect();
    assert!(kinds.len() >= 15, "{kinds:?}");
    // The first pass builds each glob's lazy DFA states and per-thread cache: a few
    // allocations per pattern, not per event.
    let (warm_up, alerts) = replay(&rules, &events);
    assert_eq!(alerts, 0, "the mix is meant to raise no alert");
    assert!(warm_up < 200, "{warm_up} allocations to warm up");
    let (spent, _) = replay(&rules, &events);
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

/// Each rule has one costly check after its event type, which every event of the mix
/// reaches and fails.
const COSTLY: &str = r#"
- rule: Glob
  desc: d
  condition: evt.type in (open, openat) and fd.name glob '/home/*/.ssh/*'
  output: o
  priority: info
- rule: Regex over a command line in pieces
  desc: d
  condition: evt.type = execve and proc.cmdline regex '.*--password[= ].*'
  output: o
  priority: info
- rule: Iglob
  desc: d
  condition: evt.type in (connect, sendto) and fd.name iglob '*:6667'
  output: o
  priority: info
- rule: Transformers
  desc: d
  condition: evt.type = execve and (tolower(proc.exepath) endswith /nc or basename(proc.cwd) = secret or len(proc.args) > 10000 or b64(proc.args) contains zzz)
  output: o
  priority: info
- rule: Lists
  desc: d
  condition: evt.type in (open, openat) and (fd.name pmatch (/etc/ssl/private) or fd.directory in (/nope, /nada) or fd.name startswith anyof (/x, /y))
  output: o
  priority: info
- rule: Fields against fields
  desc: d
  condition: evt.type in (execve, clone) and (proc.exepath = val(proc.cwd) or proc.cmdline contains val(proc.aname[5]) or proc.cmdline startswith val(proc.pexepath) or proc.args icontains val(proc.exepath) or proc.cmdline contains val(proc.pexepath))
  output: o
  priority: info
- rule: Ancestors
  desc: d
  condition: evt.type = execve and (proc.aname in (cron, atd) or proc.apid = 1234567)
  output: o
  priority: info
"#;

#[test]
fn patterns_transformers_and_lists_allocate_nothing_once_warm() {
    let loaded = common::load(COSTLY);
    assert_eq!(loaded.errors().count(), 0, "{:#?}", loaded.diagnostics);
    let rules = loaded.rules.unwrap();
    let events = common::mix::events(2000);
    let (warm_up, alerts) = replay(&rules, &events);
    assert_eq!(alerts, 0);
    assert!(warm_up < 200, "{warm_up} allocations to warm up");
    let (spent, _) = replay(&rules, &events);
    assert_eq!(spent, 0, "{spent} allocations");
}
