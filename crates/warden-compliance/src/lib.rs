//! Compliance reports of policy runs: outcomes in, bytes out.
//!
//! - [`sarif`]: SARIF 2.1.0 in INTERCEPT's shape: one rule per policy, one result per
//!   check and a summary result per policy, INTERCEPT's property names, plus Warden's
//!   compliance score and waivers (as SARIF suppressions).
//! - [`json_lines`]: one JSON object per policy, schema [`JSONL_SCHEMA`] (fields in
//!   the [`jsonl`] module).
//! - [`junit`]: a test suite per policy, a test case per check.
//! - [`text`]: the terminal summary, one line per policy with its failures below.
//!
//! Every renderer is pure: the clock readings and ids it prints come in the [`Report`].

mod escape;
pub mod jsonl;
mod junit;
mod sarif;
mod text;

use std::path::Path;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use warden_policy::{PolicyOutcome, compliance_score};

pub use jsonl::{JSONL_SCHEMA, json_lines};
pub use junit::junit;
pub use sarif::sarif;
pub use text::text;

/// One audit run: what was run, where, and when.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// Names the run in every report and in report file names (see [`run_id`]).
    pub run_id: &'a str,
    pub policy_file: &'a Path,
    /// The environment policies were selected and judged for.
    pub environment: Option<&'a str>,
    /// In the order the policies were selected.
    pub outcomes: &'a [PolicyOutcome],
    pub started: OffsetDateTime,
    pub finished: OffsetDateTime,
    /// The command line, as SARIF's `invocations[0].commandLine`.
    pub command_line: &'a str,
    /// Warden's version, for the SARIF tool driver.
    pub tool_version: &'a str,
    /// The host the run checked: INTERCEPT's `host-data` and `host-fingerprint`.
    pub host: &'a Host,
}

/// What reports say about the machine (INTERCEPT's `Config.Metadata.host_*`, or what
/// the command found when the policy file names nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Host {
    pub name: String,
    pub os: String,
    pub arch: String,
    pub mac: Option<String>,
    pub info: Option<String>,
    pub fingerprint: Option<String>,
}

impl Report<'_> {
    /// The weighted compliance score, 0–100 (see [`compliance_score`]).
    pub fn compliance_score(&self) -> f64 {
        compliance_score(self.outcomes)
    }

    /// Every policy complied.
    pub fn compliant(&self) -> bool {
        self.outcomes.iter().all(|o| o.compliant)
    }

    /// Some policy could not be checked (its gossfile did not load).
    pub fn has_errors(&self) -> bool {
        self.outcomes.iter().any(|o| o.error.is_some())
    }

    pub fn fatal_failures(&self) -> usize {
        self.outcomes.iter().filter(|o| o.fatal_failure).count()
    }

    fn duration_ms(&self) -> i128 {
        (self.finished - self.started).whole_milliseconds().max(0)
    }
}

/// A run id: the UTC start time to the second, then six hex digits of `salt` (for
/// example the process id mixed with the clock), e.g. `20260115T100000Z-3f9a2c`.
pub fn run_id(started: OffsetDateTime, salt: u64) -> String {
    let t = started.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z-{:06x}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        salt & 0xff_ffff
    )
}

/// RFC 3339 in UTC, as SARIF's date-time properties want it.
fn timestamp(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// The compliance score as reports print it: one decimal.
fn score_text(score: f64) -> String {
    format!("{score:.1}")
}

/// `Type: id: property`, how checks are named in waivers and summaries.
fn check_name(result: &warden_report::TestResult) -> String {
    format!(
        "{}: {}: {}",
        result.resource_type, result.resource_id, result.property
    )
}
