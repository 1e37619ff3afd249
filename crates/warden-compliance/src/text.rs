//! The terminal summary: one line per policy (status mark, check counts, level, fatal
//! marker), its failures, waivers and expired waivers indented below, then the totals
//! and the compliance score.

use std::fmt::Write as _;

use warden_policy::{CheckStatus, Counts};

use crate::{Report, score_text};

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// The summary; `color` adds ANSI colours for a terminal.
pub fn text(report: &Report<'_>, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    };
    let mut out = String::new();
    let mut totals = Counts::default();
    for outcome in report.outcomes {
        let counts = outcome.counts;
        totals.tests += counts.tests;
        totals.passed += counts.passed;
        totals.failed += counts.failed;
        totals.skipped += counts.skipped;
        totals.waived += counts.waived;

        let mark = if outcome.compliant {
            paint(GREEN, "✔")
        } else {
            paint(RED, "✘")
        };
        let detail = match &outcome.error {
            Some(error) => format!("error: {error}"),
            None => count_text(counts),
        };
        let mut line = format!(
            "{mark} {} {} — {detail} · {}",
            paint(BOLD, &outcome.policy.id),
            outcome.policy.display_name(),
            outcome.level.as_str()
        );
        if outcome.fatal_failure {
            line.push_str(" · ");
            line.push_str(&paint(RED, "FATAL"));
        }
        let _ = writeln!(out, "{line}");
        for check in &outcome.checks {
            let summary = check.result.summary_line_compact(false);
            match (check.status, &check.waiver) {
                (CheckStatus::Failed, expired) => {
                    let _ = writeln!(out, "    {} {summary}", paint(RED, "✘"));
                    if let Some(waiver) = expired {
                        let until = waiver.until.map(|d| d.to_string()).unwrap_or_default();
                        let _ = writeln!(
                            out,
                            "      (its waiver {:?} expired on {until})",
                            waiver.check
                        );
                    }
                }
                (CheckStatus::Waived, Some(waiver)) => {
                    let until = waiver
                        .until
                        .map(|d| format!(" until {d}"))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "    {} {summary}\n      waived{until}: {}",
                        paint(YELLOW, "~"),
                        waiver.reason
                    );
                }
                _ => {}
            }
        }
        for waiver in &outcome.expired_waivers {
            let until = waiver.until.map(|d| d.to_string()).unwrap_or_default();
            let _ = writeln!(
                out,
                "    {} waiver {:?} expired on {until}: {}",
                paint(YELLOW, "!"),
                waiver.check,
                waiver.reason
            );
        }
    }

    let compliant = report.outcomes.iter().filter(|o| o.compliant).count();
    let environment = report
        .environment
        .map(|e| format!(" in environment {e:?}"))
        .unwrap_or_default();
    let policies = report.outcomes.len();
    let _ = write!(
        out,
        "\n{policies} {}{environment}: {compliant} compliant, {} non-compliant",
        if policies == 1 { "policy" } else { "policies" },
        policies - compliant
    );
    let fatal = report.fatal_failures();
    if fatal > 0 {
        let _ = write!(out, " ({})", paint(RED, &format!("{fatal} fatal")));
    }
    let _ = writeln!(out, "\nChecks: {}", count_text(totals));
    let score = report.compliance_score();
    let score_color = if score >= 100.0 {
        GREEN
    } else if report.fatal_failures() > 0 {
        RED
    } else {
        YELLOW
    };
    let _ = writeln!(
        out,
        "Compliance score: {}",
        paint(score_color, &format!("{}/100", score_text(score)))
    );
    out
}

/// `3 checks: 1 passed, 1 failed, 1 waived` (zero counts left out).
fn count_text(counts: Counts) -> String {
    let mut parts = Vec::new();
    for (count, label) in [
        (counts.passed, "passed"),
        (counts.failed, "failed"),
        (counts.skipped, "skipped"),
        (counts.waived, "waived"),
    ] {
        if count > 0 {
            parts.push(format!("{count} {label}"));
        }
    }
    let noun = if counts.tests == 1 { "check" } else { "checks" };
    if parts.is_empty() {
        format!("{} {noun}", counts.tests)
    } else {
        format!("{} {noun}: {}", counts.tests, parts.join(", "))
    }
}
