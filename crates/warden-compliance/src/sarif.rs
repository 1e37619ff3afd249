//! SARIF 2.1.0 as INTERCEPT writes it for runtime policies, with Warden's additions.
//!
//! INTERCEPT's property names and string values are kept (`result-type`,
//! `sarif-int`, `report-compliant`, ...) so its consumers read Warden's reports
//! unchanged. Warden adds typed properties of its own: `compliance-score`, `waived`,
//! `waiver-reason`, `policy-compliant`, `fatal`, and check counts.

use serde_json::{Map, Value, json};
use warden_policy::{CheckStatus, CheckVerdict, Level, PolicyOutcome};

use crate::escape::{file_uri, uri_reference};
use crate::{Report, timestamp};

const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The run as a SARIF 2.1.0 log (pretty-printed JSON, ending in a newline).
pub fn sarif(report: &Report<'_>) -> String {
    let rules: Vec<Value> = report.outcomes.iter().map(rule).collect();
    let mut results = Vec::new();
    for (index, outcome) in report.outcomes.iter().enumerate() {
        for check in &outcome.checks {
            results.push(detail_result(report, index, outcome, check));
        }
        results.push(summary_result(report, index, outcome));
    }
    let document = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "Warden",
                    "fullName": "Warden runtime policy engine",
                    "version": report.tool_version,
                    "semanticVersion": report.tool_version,
                    "rules": rules,
                }
            },
            "invocations": [invocation(report)],
            "results": results,
            "properties": {
                "compliance-score": report.compliance_score(),
            },
        }]
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

fn rule(outcome: &PolicyOutcome) -> Value {
    let policy = &outcome.policy;
    let metadata = &policy.metadata;
    let mut rule = Map::new();
    rule.insert("id".into(), json!(policy.id));
    if !metadata.name.is_empty() {
        rule.insert("name".into(), json!(metadata.name));
    }
    let short = if metadata.description.is_empty() {
        policy.display_name()
    } else {
        &metadata.description
    };
    rule.insert("shortDescription".into(), json!({ "text": short }));
    if !metadata.msg_error.is_empty() {
        rule.insert(
            "fullDescription".into(),
            json!({ "text": metadata.msg_error }),
        );
    }
    if !metadata.msg_solution.is_empty() {
        rule.insert("help".into(), json!({ "text": metadata.msg_solution }));
    }
    if let Some(url) = &metadata.help_url {
        rule.insert("helpUri".into(), json!(url));
    }
    rule.insert(
        "defaultConfiguration".into(),
        json!({ "level": outcome.level.as_str() }),
    );
    let mut properties = Map::new();
    if let Some(category) = metadata.tags.first() {
        properties.insert("category".into(), json!(category));
    }
    properties.insert("tags".into(), json!(metadata.tags));
    properties.insert("original-id".into(), json!(policy.original_id));
    properties.insert("score-weight".into(), json!(policy.weight()));
    rule.insert("properties".into(), Value::Object(properties));
    Value::Object(rule)
}

/// INTERCEPT's properties every result of a policy carries.
fn policy_properties(
    report: &Report<'_>,
    outcome: &PolicyOutcome,
    result_type: &str,
    level: Level,
) -> Map<String, Value> {
    let metadata = &outcome.policy.metadata;
    let mut properties = Map::new();
    properties.insert("result-type".into(), json!(result_type));
    properties.insert("observe-run-id".into(), json!(report.run_id));
    properties.insert("result-timestamp".into(), json!(timestamp(outcome.started)));
    properties.insert(
        "environment".into(),
        json!(report.environment.unwrap_or_default()),
    );
    properties.insert("name".into(), json!(metadata.name));
    properties.insert("description".into(), json!(metadata.description));
    properties.insert("msg-error".into(), json!(metadata.msg_error));
    properties.insert("msg-solution".into(), json!(metadata.msg_solution));
    properties.insert("sarif-int".into(), json!(level.sarif_int().to_string()));
    // INTERCEPT flags each result with its level as a key (`"warning": "true"`).
    properties.insert(level.as_str().into(), json!("true"));
    properties
}

fn detail_result(
    report: &Report<'_>,
    index: usize,
    outcome: &PolicyOutcome,
    check: &CheckVerdict,
) -> Value {
    let r = &check.result;
    let level = outcome.check_level(check.status);
    let mut properties = policy_properties(report, outcome, "detail", level);
    properties.insert("resource-type".into(), json!(r.resource_type));
    properties.insert("resource-id".into(), json!(r.resource_id));
    properties.insert("property".into(), json!(r.property));
    properties.insert("result-status".into(), json!(check.status.as_str()));
    properties.insert("waived".into(), json!(check.status == CheckStatus::Waived));
    let mut message = r.summary_line(false);
    let mut result = Map::new();
    if let Some(waiver) = &check.waiver {
        let until = waiver.until.map(|d| d.to_string());
        properties.insert("waiver-check".into(), json!(waiver.check));
        properties.insert("waiver-reason".into(), json!(waiver.reason));
        if let Some(until) = &until {
            properties.insert("waiver-until".into(), json!(until));
        }
        if check.status == CheckStatus::Waived {
            message = format!("Waived ({}): {message}", waiver.reason);
            result.insert(
                "suppressions".into(),
                json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": waiver.reason,
                }]),
            );
        } else {
            properties.insert("waiver-expired".into(), json!(true));
            message = format!(
                "{message}\n(waiver {:?} expired on {})",
                waiver.check,
                until.unwrap_or_default()
            );
        }
    }
    result.insert("ruleId".into(), json!(outcome.policy.id));
    result.insert("ruleIndex".into(), json!(index));
    result.insert("level".into(), json!(level.as_str()));
    result.insert("message".into(), json!({ "text": message }));
    result.insert(
        "locations".into(),
        json!([{
            "physicalLocation": {
                "artifactLocation": { "uri": uri_reference(&r.resource_id) }
            }
        }]),
    );
    result.insert("properties".into(), Value::Object(properties));
    Value::Object(result)
}

fn summary_result(report: &Report<'_>, index: usize, outcome: &PolicyOutcome) -> Value {
    let level = if outcome.compliant {
        Level::Note
    } else {
        outcome.level
    };
    let counts = outcome.counts;
    let message = match &outcome.error {
        Some(error) => format!("Error: {error}"),
        None => format!(
            "Count: {}, Failed: {}, Skipped: {}, Waived: {}, Duration: {:.3}s",
            counts.tests,
            counts.failed,
            counts.skipped,
            counts.waived,
            outcome.duration.as_secs_f64()
        ),
    };
    let mut properties = policy_properties(report, outcome, "summary", level);
    properties.insert(
        "policy-compliant".into(),
        json!(outcome.compliant.to_string()),
    );
    properties.insert("fatal".into(), json!(outcome.fatal_failure.to_string()));
    properties.insert(
        "enforcement-environment".into(),
        json!(outcome.rule.environment),
    );
    properties.insert("tests".into(), json!(counts.tests));
    properties.insert("passed".into(), json!(counts.passed));
    properties.insert("failed".into(), json!(counts.failed));
    properties.insert("skipped".into(), json!(counts.skipped));
    properties.insert("waived".into(), json!(counts.waived));
    properties.insert("duration-ms".into(), json!(outcome.duration.as_millis()));
    properties.insert("score-weight".into(), json!(outcome.weight()));
    if let Some(error) = &outcome.error {
        properties.insert("error".into(), json!(error));
    }
    json!({
        "ruleId": outcome.policy.id,
        "ruleIndex": index,
        "level": level.as_str(),
        "message": { "text": message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": file_uri(&outcome.policy.runtime.config) }
            }
        }],
        "properties": properties,
    })
}

fn invocation(report: &Report<'_>) -> Value {
    let mut notifications = Vec::new();
    for (index, outcome) in report.outcomes.iter().enumerate() {
        if let Some(error) = &outcome.error {
            notifications.push(json!({
                "level": "error",
                "message": { "text": format!("{}: {error}", outcome.policy.id) },
                "associatedRule": { "id": outcome.policy.id, "index": index },
            }));
        }
        for waiver in &outcome.expired_waivers {
            notifications.push(json!({
                "level": "warning",
                "message": {
                    "text": format!(
                        "{}: waiver {:?} expired on {} ({})",
                        outcome.policy.id,
                        waiver.check,
                        waiver.until.map(|d| d.to_string()).unwrap_or_default(),
                        waiver.reason
                    )
                },
                "associatedRule": { "id": outcome.policy.id, "index": index },
            }));
        }
    }
    let compliant = report.compliant();
    let mut invocation = json!({
        "executionSuccessful": !report.has_errors(),
        "commandLine": report.command_line,
        "startTimeUtc": timestamp(report.started),
        "endTimeUtc": timestamp(report.finished),
        "properties": {
            "run-id": report.run_id,
            "start-time": timestamp(report.started),
            "end-time": timestamp(report.finished),
            "execution-time-ms": report.duration_ms().to_string(),
            "environment": report.environment.unwrap_or_default(),
            "report-timestamp": timestamp(report.finished),
            "report-status": if compliant { "compliant" } else { "non-compliant" },
            "report-compliant": compliant.to_string(),
            "policy-file": report.policy_file.display().to_string(),
            "compliance-score": report.compliance_score(),
            "policies": report.outcomes.len(),
            "fatal-failures": report.fatal_failures(),
            "debug": false,
            "host-data": {
                "host_name": report.host.name,
                "host_os": report.host.os,
                "host_arch": report.host.arch,
                "host_mac": report.host.mac,
                "host_info": report.host.info,
            },
            "host-fingerprint": report.host.fingerprint.clone().unwrap_or_default(),
        },
    });
    if !notifications.is_empty()
        && let Some(object) = invocation.as_object_mut()
    {
        object.insert(
            "toolExecutionNotifications".into(),
            Value::Array(notifications),
        );
    }
    invocation
}
