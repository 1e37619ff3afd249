//! The built-in controls against recorded events. For every line of
//! `fixtures/default-pack.jsonl`, the built-in policies must raise exactly the (policy,
//! rule) pairs its entry in `fixtures/default-pack.expected.json` names, and every alert
//! must render the fields that matter. Every built-in rule needs a firing event and a
//! near miss, and every benign scenario of the issue must be present and raise nothing,
//! so the fixtures cannot shrink without this test failing.
//!
//! `default-pack.expected.json` has `rules`: every built-in rule with the default policy
//! that turns it on and, per event type, the output fields that do not apply to that
//! type (`may_be_na`); and `events`: one entry per line of the events file, in order,
//! with the rules it must fire (exactly), the rules it is a near miss of, the benign
//! scenario it belongs to and a note saying what it is.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use warden_agent::{ActivePolicies, AgentConfig, DEFAULT_RULES_NAME};
use warden_events::Event;

const EVENTS: &str = include_str!("fixtures/default-pack.jsonl");
const EXPECTED: &str = include_str!("fixtures/default-pack.expected.json");

/// The benign workloads the issue names; each must be in the fixtures and raise nothing.
const BENIGN_SCENARIOS: [&str; 4] = [
    "cargo build",
    "apt-get --version on the host",
    "systemctl start/stop",
    "test suite",
];

/// Fields the container plugin appends to every alert that Warden's events may lack
/// (Kubernetes metadata, an image without a tag); on the host the image is absent too.
const OPTIONAL_EVERYWHERE: [&str; 3] = ["k8s.pod.name", "k8s.ns.name", "container.image.tag"];
const OPTIONAL_ON_HOST: &str = "container.image.repository";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    rules: BTreeMap<String, RuleExpectation>,
    events: Vec<EventExpectation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleExpectation {
    /// The default policy that turns the rule on.
    policy: String,
    /// Per event type, output fields that do not apply to it and so may be `<NA>`.
    #[serde(default)]
    may_be_na: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventExpectation {
    seq: u64,
    fires: Vec<String>,
    #[serde(default)]
    near_miss: Vec<String>,
    benign: Option<String>,
    note: String,
}

struct Fixture {
    line: usize,
    event: Event,
    expected: EventExpectation,
}

fn fixtures() -> (BTreeMap<String, RuleExpectation>, Vec<Fixture>) {
    let expected: Expected = serde_json::from_str(EXPECTED).unwrap();
    let lines: Vec<&str> = EVENTS.lines().collect();
    assert_eq!(
        lines.len(),
        expected.events.len(),
        "default-pack.jsonl and default-pack.expected.json must have one entry per event"
    );
    let fixtures = lines
        .into_iter()
        .zip(expected.events)
        .enumerate()
        .map(|(index, (line, expected))| {
            let event = Event::from_json_line(line)
                .unwrap_or_else(|e| panic!("default-pack.jsonl:{}: {e}", index + 1));
            assert_eq!(
                event.seq,
                expected.seq,
                "default-pack.jsonl:{}: the expectation is for another event",
                index + 1
            );
            Fixture {
                line: index + 1,
                event,
                expected,
            }
        })
        .collect();
    (expected.rules, fixtures)
}

fn built_in_rules(active: &ActivePolicies) -> BTreeSet<String> {
    active
        .rules
        .rules()
        .iter()
        .filter(|r| r.file == DEFAULT_RULES_NAME)
        .map(|r| r.name.clone())
        .collect()
}

/// The (policy id, rule) pairs `event` raises, sorted.
fn raised(active: &ActivePolicies, event: &Event) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    active.evaluate(event, |rule, policy| {
        pairs.push((policy.id.clone(), rule.name.clone()));
    });
    pairs.sort();
    pairs
}

#[test]
fn every_fixture_raises_exactly_the_expected_policies() {
    let active = ActivePolicies::load(&AgentConfig::default(), "test-host").unwrap();
    let (rules, fixtures) = fixtures();
    let mut failures = Vec::new();
    for fixture in &fixtures {
        let got = raised(&active, &fixture.event);
        let mut want: Vec<(String, String)> = fixture
            .expected
            .fires
            .iter()
            .map(|name| {
                let rule = rules
                    .get(name)
                    .unwrap_or_else(|| panic!("seq {}: unknown rule {name:?}", fixture.event.seq));
                (rule.policy.clone(), name.clone())
            })
            .collect();
        want.sort();
        if got != want {
            failures.push(format!(
                "default-pack.jsonl:{} (seq {}, {}): raised {got:?}, expected {want:?}",
                fixture.line, fixture.event.seq, fixture.expected.note
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn alerts_render_every_field_that_applies() {
    let active = ActivePolicies::load(&AgentConfig::default(), "test-host").unwrap();
    let (rules, fixtures) = fixtures();
    let mut failures = Vec::new();
    let mut alerts = 0;
    for fixture in &fixtures {
        let event = &fixture.event;
        active.evaluate(event, |rule, _policy| {
            alerts += 1;
            let alert = active.rules.alert(rule, event);
            let not_applicable = rules
                .get(&rule.name)
                .and_then(|r| r.may_be_na.get(event.syscall.name()))
                .map_or(&[][..], Vec::as_slice);
            for (field, value) in &alert.output_fields {
                let missing = value.is_null() || value.as_str() == Some("<NA>");
                let optional = OPTIONAL_EVERYWHERE.contains(&field.as_str())
                    || (event.container.is_none() && field == OPTIONAL_ON_HOST)
                    || not_applicable.contains(field);
                if missing && !optional {
                    failures.push(format!(
                        "default-pack.jsonl:{} (seq {}): {:?} renders {field} as <NA>: {}",
                        fixture.line, event.seq, rule.name, alert.output
                    ));
                }
            }
            // A field allowed to be <NA> for this event type must really not apply:
            // otherwise the allowance hides a rendering gap.
            for field in not_applicable {
                let value = alert.output_fields.get(field);
                if value.is_some_and(|v| !v.is_null()) {
                    failures.push(format!(
                        "default-pack.jsonl:{} (seq {}): {:?} renders {field} for {}, but \
                         the expectations say it does not apply",
                        fixture.line,
                        event.seq,
                        rule.name,
                        event.syscall.name()
                    ));
                }
            }
        });
    }
    assert!(alerts > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_built_in_rule_has_a_firing_event_and_a_near_miss() {
    let active = ActivePolicies::load(&AgentConfig::default(), "test-host").unwrap();
    let (rules, fixtures) = fixtures();
    let built_in = built_in_rules(&active);
    let expected: BTreeSet<String> = rules.keys().cloned().collect();
    assert_eq!(
        built_in, expected,
        "default-pack.expected.json must list exactly the built-in rules"
    );
    let policies: BTreeSet<&str> = active.policies.iter().map(|p| p.id.as_str()).collect();
    let named: BTreeSet<&str> = rules.values().map(|r| r.policy.as_str()).collect();
    assert_eq!(
        policies, named,
        "every default policy, and only those, turns a built-in rule on"
    );

    let mut missing = Vec::new();
    for name in &built_in {
        let fires = fixtures.iter().any(|f| f.expected.fires.contains(name));
        let near_miss = fixtures
            .iter()
            .any(|f| f.expected.near_miss.contains(name) && !f.expected.fires.contains(name));
        if !fires {
            missing.push(format!("{name:?} has no event that fires it"));
        }
        if !near_miss {
            missing.push(format!("{name:?} has no near miss"));
        }
    }
    for fixture in &fixtures {
        for name in fixture
            .expected
            .near_miss
            .iter()
            .chain(&fixture.expected.fires)
        {
            if !built_in.contains(name) {
                missing.push(format!(
                    "seq {} names unknown rule {name:?}",
                    fixture.event.seq
                ));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn benign_workloads_raise_nothing() {
    let active = ActivePolicies::load(&AgentConfig::default(), "test-host").unwrap();
    let (_, fixtures) = fixtures();
    let mut seen = BTreeSet::new();
    for fixture in &fixtures {
        let Some(scenario) = &fixture.expected.benign else {
            continue;
        };
        assert!(
            BENIGN_SCENARIOS.contains(&scenario.as_str()),
            "seq {}: unknown benign scenario {scenario:?}",
            fixture.event.seq
        );
        assert!(
            fixture.expected.fires.is_empty(),
            "seq {}: a benign event cannot be expected to fire",
            fixture.event.seq
        );
        let got = raised(&active, &fixture.event);
        assert!(
            got.is_empty(),
            "seq {} ({scenario}: {}) raised {got:?}",
            fixture.event.seq,
            fixture.expected.note
        );
        seen.insert(scenario.as_str());
    }
    assert_eq!(seen, BTreeSet::from(BENIGN_SCENARIOS));
}
