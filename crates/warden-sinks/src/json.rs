//! Alerts as JSON: Warden's `warden.alert/v1` record, or Falco's `json_output` shape.

use serde::Serialize;
use serde_json::{Map, Value as Json};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use warden_violations::Alert;

use crate::config::Format;

/// One alert as a JSON object (no newline).
pub fn alert_json(alert: &Alert, format: Format) -> String {
    let written = match format {
        Format::Alert => serde_json::to_string(alert),
        Format::Falco => serde_json::to_string(&FalcoAlert::of(alert)),
    };
    // Both shapes hold only strings, numbers, lists and string-keyed maps, which
    // serde_json always writes.
    written.unwrap_or_default()
}

/// Appends `alert` and a newline: one JSON Lines record.
pub(crate) fn push_line(out: &mut Vec<u8>, alert: &Alert, format: Format) {
    out.extend_from_slice(alert_json(alert, format).as_bytes());
    out.push(b'\n');
}

/// Falco's alert, keys in the sorted order Falco's JSON library writes them.
#[derive(Serialize)]
struct FalcoAlert<'a> {
    hostname: &'a str,
    output: &'a str,
    output_fields: &'a Map<String, Json>,
    priority: &'a str,
    rule: &'a str,
    source: &'a str,
    tags: &'a [String],
    time: String,
}

impl<'a> FalcoAlert<'a> {
    fn of(alert: &'a Alert) -> FalcoAlert<'a> {
        FalcoAlert {
            hostname: &alert.hostname,
            output: &alert.output,
            output_fields: &alert.output_fields,
            priority: &alert.priority,
            rule: &alert.rule,
            source: &alert.source,
            tags: &alert.tags,
            time: rfc3339_nanos(alert.time),
        }
    }
}

/// RFC 3339 in UTC with nanoseconds, as Falco writes `time`.
pub(crate) fn rfc3339_nanos(ns: u64) -> String {
    utc(
        ns,
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"),
    )
}

/// RFC 3339 in UTC with microseconds (truncated), the most RFC 5424 allows.
pub(crate) fn rfc3339_micros(ns: u64) -> String {
    utc(
        ns,
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"),
    )
}

fn utc(ns: u64, format: &[BorrowedFormatItem<'_>]) -> String {
    // Any u64 of nanoseconds (up to the year 2554) is a valid timestamp, and these
    // descriptions format every timestamp.
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .format(format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_keep_the_digits_asked_for() {
        let ns = 1_780_000_000_123_456_789;
        assert_eq!(rfc3339_nanos(ns), "2026-05-28T20:26:40.123456789Z");
        assert_eq!(rfc3339_micros(ns), "2026-05-28T20:26:40.123456Z");
        assert_eq!(rfc3339_micros(999_999), "1970-01-01T00:00:00.000999Z");
        assert_eq!(rfc3339_nanos(5), "1970-01-01T00:00:00.000000005Z");
        assert_eq!(rfc3339_nanos(u64::MAX), "2554-07-21T23:34:33.709551615Z");
    }
}
