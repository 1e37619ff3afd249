//! Falco rule loading must end with rules or positioned diagnostics for any text, and
//! whatever loads must evaluate and render alerts without panicking: the loader, the
//! condition parser and compiler, the evaluator and the output renderer. The same text
//! is also compiled as a standalone condition (`warden trace --filter`).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use warden_events::Event;
use warden_rules::{Filter, MatchMode, RuleFile, RuleSet};

/// The stable rules' hand-written events: every kind of event the rules look at.
static EVENTS: LazyLock<Vec<Event>> = LazyLock::new(|| {
    include_str!("../../crates/warden-rules/tests/fixtures/stable-rules.jsonl")
        .lines()
        .filter_map(|line| Event::from_json_line(line).ok())
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loaded = RuleSet::load(
        &[RuleFile {
            name: "fuzz.yaml",
            content: text,
        }],
        "fuzz",
    );
    for diagnostic in &loaded.diagnostics {
        let _ = diagnostic.to_string();
        let _ = diagnostic.to_json_line();
    }
    if let Some(rules) = &loaded.rules {
        for event in EVENTS.iter() {
            for alert in rules.alerts(event, MatchMode::All) {
                let _ = alert.to_json_line();
            }
        }
    }
    if let Ok(filter) = Filter::compile(text, loaded.rules.as_ref().map(RuleSet::definitions)) {
        for event in EVENTS.iter() {
            let _ = filter.matches(event);
        }
    }
});
