//! Each of the 25 stable rules fires on a hand-written event and stays quiet on a near
//! miss. The events are `fixtures/stable-rules.jsonl` (in pairs: fires, then near miss,
//! in this file's order); `fixtures/stable-rules.expected.jsonl` holds the alerts, as
//! `warden rules test` prints them with `--hostname node-1`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use warden_events::Event;
use warden_rules::MatchMode;

const STABLE_RULES: [&str; 25] = [
    "Directory traversal monitored file read",
    "Read sensitive file trusted after startup",
    "Read sensitive file untrusted",
    "Run shell untrusted",
    "System user interactive",
    "Terminal shell in container",
    "Contact K8S API Server From Container",
    "Netcat Remote Code Execution in Container",
    "Search Private Keys or Passwords",
    "Clear Log Activities",
    "Remove Bulk Data from Disk",
    "Create Symlink Over Sensitive Files",
    "Create Hardlink Over Sensitive Files",
    "Packet socket created in container",
    "Redirect STDOUT/STDIN to Network Connection in Container",
    "Linux Kernel Module Injection Detected",
    "Debugfs Launched in Privileged Container",
    "Detect release_agent File Container Escapes",
    "PTRACE attached to process",
    "PTRACE anti-debug attempt",
    "Find AWS Credentials",
    "Execution from /dev/shm",
    "Drop and execute new binary in container",
    "Disallowed SSH Connection Non Standard Port",
    "Fileless execution via memfd_create",
];

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn every_stable_rule_fires_on_its_event_and_not_on_its_near_miss() {
    let rules = common::load_upstream(&["falco_rules.yaml"]);
    let stable: Vec<&str> = rules.rules().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(stable.len(), 25);
    for name in STABLE_RULES {
        assert!(stable.contains(&name), "{name} is not a stable rule");
    }
    let events: Vec<Event> = fixture("stable-rules.jsonl")
        .lines()
        .map(|l| Event::from_json_line(l).unwrap())
        .collect();
    let expected: Vec<serde_json::Value> = fixture("stable-rules.expected.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 50);
    for (i, name) in STABLE_RULES.iter().enumerate() {
        let (fires, near_miss) = (&events[2 * i], &events[2 * i + 1]);
        let mut matched = Vec::new();
        rules.evaluate(fires, MatchMode::All, |r| matched.push(r));
        let Some(rule) = matched.iter().find(|r| r.name == *name) else {
            panic!("{name} did not fire on event {}", fires.seq);
        };
        let mut missed = Vec::new();
        rules.evaluate(near_miss, MatchMode::All, |r| missed.push(r.name.clone()));
        assert!(
            !missed.iter().any(|m| m == name),
            "{name} fired on near miss {}",
            near_miss.seq
        );

        let mut alert = rules.alert(rule, fires).to_json();
        alert["hostname"] = "node-1".into();
        let want = expected
            .iter()
            .find(|a| a["rule"] == *name && a["output_fields"]["evt.time"] == fires.time)
            .unwrap_or_else(|| panic!("no expected alert for {name}"));
        assert_eq!(&alert, want, "{name}");
    }
}

#[test]
fn first_mode_reports_one_rule_per_event_in_load_order() {
    let rules = common::load_upstream(&["falco_rules.yaml"]);
    let events: Vec<Event> = fixture("stable-rules.jsonl")
        .lines()
        .map(|l| Event::from_json_line(l).unwrap())
        .collect();
    let mut lines = Vec::new();
    for event in &events {
        let mut all = Vec::new();
        rules.evaluate(event, MatchMode::All, |r| all.push(r.name.clone()));
        let mut first = Vec::new();
        rules.evaluate(event, MatchMode::First, |r| first.push(r.name.clone()));
        assert_eq!(first.len(), all.len().min(1));
        assert_eq!(first.first(), all.first());
        for rule in rules.rules().iter().filter(|r| first.contains(&r.name)) {
            let mut alert = rules.alert(rule, event).to_json();
            alert["hostname"] = "node-1".into();
            lines.push(alert.to_string());
        }
    }
    let expected: Vec<String> = fixture("stable-rules.expected.jsonl")
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines, expected);
}
