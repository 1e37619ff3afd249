//! JUnit XML: a test suite per policy, a test case per check.
//!
//! Failures outside a waiver are `<failure>`s whose `type` is `fatal` when the policy's
//! rule is fatal (else the policy's level) and whose message starts with `[fatal]` so
//! CI views show it; waived checks are `<skipped>` with the waiver's reason; a policy
//! that could not be checked has one `<error>` test case.

use std::fmt::Write as _;

use warden_policy::{CheckStatus, PolicyOutcome};

use crate::escape::xml;
use crate::{Report, check_name, score_text, timestamp};

/// The run as a JUnit `<testsuites>` document.
pub fn junit(report: &Report<'_>) -> String {
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    for outcome in report.outcomes {
        let errored = usize::from(outcome.error.is_some());
        tests += outcome.counts.tests + errored;
        failures += outcome.counts.failed;
        errors += errored;
        skipped += outcome.counts.skipped + outcome.counts.waived;
        suites.push_str(&suite(report, outcome));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"warden audit {}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{:.3}\" timestamp=\"{}\" compliance-score=\"{}\">\n{suites}</testsuites>\n",
        xml(report.run_id),
        (report.finished - report.started).as_seconds_f64().max(0.0),
        timestamp(report.started),
        // On the whole run too, so a run that selected nothing still carries it.
        score_text(report.compliance_score()),
    )
}

fn suite(report: &Report<'_>, outcome: &PolicyOutcome) -> String {
    let policy = &outcome.policy;
    let id = xml(&policy.id);
    let mut text = format!(
        "  <testsuite name=\"{id}\" id=\"{id}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\" timestamp=\"{}\">\n    <properties>\n",
        outcome.counts.tests + usize::from(outcome.error.is_some()),
        outcome.counts.failed,
        usize::from(outcome.error.is_some()),
        outcome.counts.skipped + outcome.counts.waived,
        outcome.duration.as_secs_f64(),
        timestamp(outcome.started),
    );
    let properties = [
        ("name", policy.display_name().to_owned()),
        (
            "environment",
            report.environment.unwrap_or_default().to_owned(),
        ),
        ("level", outcome.level.as_str().to_owned()),
        ("fatal", outcome.rule.fatal.to_string()),
        ("compliant", outcome.compliant.to_string()),
        ("compliance-score", score_text(report.compliance_score())),
    ];
    for (name, value) in properties {
        let _ = writeln!(
            text,
            "      <property name=\"{name}\" value=\"{}\"/>",
            xml(&value)
        );
    }
    text.push_str("    </properties>\n");
    if let Some(error) = &outcome.error {
        let _ = writeln!(
            text,
            "    <testcase classname=\"{id}\" name=\"load {}\" time=\"0.000\">\n      <error type=\"configuration\" message=\"{}\">{}</error>\n    </testcase>",
            xml(&policy.runtime.config.display().to_string()),
            xml(error),
            xml(error)
        );
    }
    for check in &outcome.checks {
        let r = &check.result;
        let _ = writeln!(
            text,
            "    <testcase classname=\"{id}\" name=\"{}\" time=\"{:.3}\">",
            xml(&check_name(r)),
            r.duration.as_secs_f64()
        );
        let line = xml(&r.summary_line_compact(false));
        match check.status {
            CheckStatus::Failed => {
                let (kind, marker) = if outcome.rule.fatal {
                    ("fatal", "[fatal] ")
                } else {
                    (outcome.level.as_str(), "")
                };
                let _ = writeln!(
                    text,
                    "      <failure type=\"{kind}\" message=\"{marker}{line}\">{marker}{line}</failure>"
                );
            }
            CheckStatus::Waived => {
                let reason = check.waiver.as_ref().map_or("", |w| w.reason.as_str());
                let until = check
                    .waiver
                    .as_ref()
                    .and_then(|w| w.until)
                    .map(|d| format!(" until {d}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    text,
                    "      <skipped message=\"waived{}: {}\"/>\n      <system-out>{line}</system-out>",
                    xml(&until),
                    xml(reason)
                );
            }
            CheckStatus::Skipped => {
                let _ = writeln!(text, "      <skipped/>");
            }
            CheckStatus::Passed => {}
        }
        text.push_str("    </testcase>\n");
    }
    text.push_str("  </testsuite>\n");
    text
}
