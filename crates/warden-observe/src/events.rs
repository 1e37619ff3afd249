//! The bodies posted to hooks, in INTERCEPT's envelope: `minimal`, `results` and
//! `policy` events after each policy run, `report` events on the report schedule; a
//! JSON document, or NDJSON with `log`, or an Elasticsearch `_bulk` body with `bulk`.

use serde_json::{Value as Json, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use warden_policy::{CheckStatus, HookEvent, PolicyOutcome, compliance_score};

/// Identifies the host in every body.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub host_id: String,
    /// Elasticsearch index for `bulk` bodies (`Config.Flags.index`).
    pub index: String,
}

/// A body ready to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub content_type: &'static str,
    pub text: String,
}

/// The events one policy run produces for a hook subscribed to `kinds`.
pub fn run_events(outcome: &PolicyOutcome, kinds: &[HookEvent]) -> Vec<Json> {
    let mut events = Vec::new();
    let compliant = outcome.compliant;
    let id = &outcome.policy.id;
    if kinds.contains(&HookEvent::Minimal) {
        events.push(json!({"event": "minimal", "policy-id": id, "policy-compliant": compliant}));
    }
    if kinds.contains(&HookEvent::Results) {
        for check in &outcome.checks {
            events.push(json!({
                "event": "results",
                "policy-id": id,
                "policy-compliant": compliant,
                "sarif-level": outcome.check_level(check.status).as_str(),
                "sarif-level-int": outcome.check_level(check.status).sarif_int(),
                "result-type": "detail",
                "result": check_json(check),
            }));
        }
        events.push(json!({
            "event": "results",
            "policy-id": id,
            "policy-compliant": compliant,
            "sarif-level": if compliant { "note" } else { outcome.level.as_str() },
            "sarif-level-int": if compliant { 1 } else { outcome.level.sarif_int() },
            "result-type": "summary",
            "result": summary_json(outcome),
        }));
    }
    if kinds.contains(&HookEvent::Policy) {
        events.push(json!({
            "event": "policy",
            "policy-id": id,
            "policy-compliant": compliant,
            "summary": summary_json(outcome),
            "results": outcome.checks.iter().map(check_json).collect::<Vec<_>>(),
            "policy-properties": {
                "name": outcome.policy.display_name(),
                "description": outcome.policy.metadata.description,
                "environment": outcome.environment,
                "level": outcome.level.as_str(),
                "fatal": outcome.rule.fatal,
                "score": outcome.policy.metadata.score,
                "tags": outcome.policy.metadata.tags,
                "error": outcome.error,
            },
        }));
    }
    events
}

/// The `report` event: the latest outcome of every observed policy.
pub fn report_event(report_id: &str, outcomes: &[PolicyOutcome]) -> Json {
    json!({
        "event": "report",
        "report-id": report_id,
        "report-compliant": outcomes.iter().all(|o| o.compliant),
        "compliance-score": compliance_score(outcomes),
        "summary": outcomes.iter().map(|o| json!({
            "policy-id": o.policy.id,
            "policy-compliant": o.compliant,
            "level": o.level.as_str(),
            "counts": counts_json(o),
            "last-run": timestamp(o.started),
        })).collect::<Vec<_>>(),
    })
}

/// Wraps `events` for `hook_name` in the envelope, as JSON, NDJSON or `_bulk`.
pub fn body(
    envelope: &Envelope,
    hook_name: &str,
    run_id: &str,
    kinds: &[HookEvent],
    events: Vec<Json>,
) -> Body {
    if kinds.contains(&HookEvent::Bulk) {
        let mut text = String::new();
        for event in events {
            text.push_str(&json!({"index": {"_index": envelope.index}}).to_string());
            text.push('\n');
            text.push_str(&event.to_string());
            text.push('\n');
        }
        return Body {
            content_type: "application/x-ndjson",
            text,
        };
    }
    if kinds.contains(&HookEvent::Log) {
        let text = events.iter().map(|e| format!("{e}\n")).collect();
        return Body {
            content_type: "application/x-ndjson",
            text,
        };
    }
    let document = json!({
        "schema": "warden.hook/v1",
        "webhook-id": hook_name,
        "time": timestamp(OffsetDateTime::now_utc()),
        "intercept-run-id": run_id,
        "host-id": envelope.host_id,
        "event-count": events.len(),
        "events": events,
    });
    Body {
        content_type: "application/json",
        text: document.to_string(),
    }
}

fn check_json(check: &warden_policy::CheckVerdict) -> Json {
    let result = &check.result;
    json!({
        "resource-type": result.resource_type,
        "resource-id": result.resource_id,
        "property": result.property,
        "status": check.status.as_str(),
        "message": result.summary_line_compact(false),
        "waiver-reason": check.waiver.as_ref().filter(|_| check.status == CheckStatus::Waived).map(|w| w.reason.clone()),
    })
}

fn summary_json(outcome: &PolicyOutcome) -> Json {
    json!({
        "counts": counts_json(outcome),
        "duration-ms": outcome.duration.as_millis(),
        "started": timestamp(outcome.started),
        "error": outcome.error,
    })
}

fn counts_json(outcome: &PolicyOutcome) -> Json {
    let c = outcome.counts;
    json!({"tests": c.tests, "passed": c.passed, "failed": c.failed, "skipped": c.skipped, "waived": c.waived})
}

fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}
