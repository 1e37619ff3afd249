//! JSON Lines: one object per policy result, for log shippers and `jq`.
//!
//! Every line has `"schema": "warden.policy-result/v1"`. Fields are only ever added
//! within a schema version; a removal or a change of meaning gets a new version.
//!
//! | field | type | meaning |
//! |---|---|---|
//! | `schema` | string | `warden.policy-result/v1` |
//! | `run_id` | string | the audit run (shared by every line of a run) |
//! | `policy_file` | string | the policy file as named on the command line |
//! | `timestamp` | string | RFC 3339 UTC start of this policy's run |
//! | `duration_ms` | integer | how long the policy took |
//! | `policy_id` | string | the normalised id (`RUNTIM-001`) |
//! | `original_id` | string | the id as written |
//! | `name`, `description` | string | from `metadata` (empty when absent) |
//! | `tags` | [string] | `metadata.tags` plus the policy id |
//! | `gossfile` | string | the resolved `_runtime.config` |
//! | `environment` | string or null | the run's environment |
//! | `rule` | object | the enforcement rule in force: `environment`, `fatal` (bool), `exceptions` (the flag string, or `"waivers"`), `confidence` |
//! | `level` | string | `none`, `note`, `warning` or `error` |
//! | `sarif_int` | integer | 0–3, as `level` |
//! | `compliant` | bool | no failed check outside a waiver, no error |
//! | `fatal_failure` | bool | not compliant and the rule is fatal (`warden audit` exits 1) |
//! | `score_weight` | number | the policy's weight in the compliance score |
//! | `compliance_score` | number | the run's score, 0–100 (the same on every line) |
//! | `counts` | object | `tests`, `passed`, `failed`, `skipped`, `waived` |
//! | `error` | string or null | why the policy could not be checked |
//! | `failures` | [object] | failed checks: `type`, `id`, `property`, `message`, `expired_waiver` (null or `{check, reason, until}`) |
//! | `waived` | [object] | waived checks: `type`, `id`, `property`, `message`, `check`, `reason`, `until` (null or `YYYY-MM-DD`) |
//! | `expired_waivers` | [object] | waivers of the rule past their `until`: `check`, `reason`, `until` |

use serde_json::{Value, json};
use warden_policy::{CheckVerdict, Exceptions, PolicyOutcome, Waiver};

use crate::{Report, timestamp};

/// The `schema` value of every line.
pub const JSONL_SCHEMA: &str = "warden.policy-result/v1";

/// One line per policy, each ending in a newline.
pub fn json_lines(report: &Report<'_>) -> String {
    let score = report.compliance_score();
    let mut text = String::new();
    for outcome in report.outcomes {
        text.push_str(&line(report, outcome, score).to_string());
        text.push('\n');
    }
    text
}

fn line(report: &Report<'_>, outcome: &PolicyOutcome, score: f64) -> Value {
    let policy = &outcome.policy;
    let rule = &outcome.rule;
    let exceptions = match &rule.exceptions {
        Exceptions::Flag(flag) => flag.as_str(),
        Exceptions::Waivers(_) => "waivers",
    };
    json!({
        "schema": JSONL_SCHEMA,
        "run_id": report.run_id,
        "policy_file": report.policy_file.display().to_string(),
        "timestamp": timestamp(outcome.started),
        "duration_ms": outcome.duration.as_millis(),
        "policy_id": policy.id,
        "original_id": policy.original_id,
        "name": policy.metadata.name,
        "description": policy.metadata.description,
        "tags": policy.metadata.tags,
        "gossfile": policy.runtime.config.display().to_string(),
        "environment": outcome.environment,
        "rule": {
            "environment": rule.environment,
            "fatal": rule.fatal,
            "exceptions": exceptions,
            "confidence": rule.confidence,
        },
        "level": outcome.level.as_str(),
        "sarif_int": outcome.level.sarif_int(),
        "compliant": outcome.compliant,
        "fatal_failure": outcome.fatal_failure,
        "score_weight": outcome.weight(),
        "compliance_score": score,
        "counts": {
            "tests": outcome.counts.tests,
            "passed": outcome.counts.passed,
            "failed": outcome.counts.failed,
            "skipped": outcome.counts.skipped,
            "waived": outcome.counts.waived,
        },
        "error": outcome.error,
        "failures": outcome.failures().map(failure).collect::<Vec<_>>(),
        "waived": outcome.waived().map(waived).collect::<Vec<_>>(),
        "expired_waivers": outcome.expired_waivers.iter().map(waiver).collect::<Vec<_>>(),
    })
}

fn check(verdict: &CheckVerdict) -> serde_json::Map<String, Value> {
    let r = &verdict.result;
    let mut object = serde_json::Map::new();
    object.insert("type".into(), json!(r.resource_type));
    object.insert("id".into(), json!(r.resource_id));
    object.insert("property".into(), json!(r.property));
    object.insert("message".into(), json!(r.summary_line_compact(false)));
    object
}

fn failure(verdict: &CheckVerdict) -> Value {
    let mut object = check(verdict);
    object.insert(
        "expired_waiver".into(),
        verdict.waiver.as_ref().map_or(Value::Null, waiver),
    );
    Value::Object(object)
}

fn waived(verdict: &CheckVerdict) -> Value {
    let mut object = check(verdict);
    if let Some(applied) = &verdict.waiver {
        object.insert("check".into(), json!(applied.check));
        object.insert("reason".into(), json!(applied.reason));
        object.insert("until".into(), json!(applied.until.map(|d| d.to_string())));
    }
    Value::Object(object)
}

fn waiver(waiver: &Waiver) -> Value {
    json!({
        "check": waiver.check,
        "reason": waiver.reason,
        "until": waiver.until.map(|d| d.to_string()),
    })
}
