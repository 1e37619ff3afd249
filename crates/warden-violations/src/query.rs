//! Which violations to list, and the time bounds people type (`1h`, RFC 3339).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::model::Severity;
use crate::violation::ViolationState;

/// Conditions every listed violation meets; `None` does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViolationFilter {
    pub policy_id: Option<String>,
    /// This severity or a higher one.
    pub min_severity: Option<Severity>,
    pub state: Option<ViolationState>,
    /// A container's name, its full id, or a prefix of its id (as `docker ps` shortens
    /// them).
    pub container: Option<String>,
    /// Nanoseconds since the Unix epoch: the violation occurred at or after this (its
    /// last occurrence is not earlier).
    pub since: Option<u64>,
    /// Nanoseconds since the Unix epoch: the violation occurred at or before this (its
    /// first occurrence is not later).
    pub until: Option<u64>,
}

/// A window of a listing ordered newest first (by last occurrence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// At most this many; `None` lists every one.
    pub limit: Option<u64>,
    pub offset: u64,
}

impl Page {
    pub const ALL: Page = Page {
        limit: None,
        offset: 0,
    };
}

/// A time bound that is neither RFC 3339 nor a relative duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid time {given:?}: {reason}; expected RFC 3339 (2026-01-31T12:00:00Z) or a duration before now (30s, 15m, 1h, 7d, 2w, 1h30m)"
)]
pub struct TimeBoundError {
    pub given: String,
    pub reason: String,
}

/// Nanoseconds since the Unix epoch for an RFC 3339 timestamp, or for `now_ns` minus a
/// duration written as number-unit pairs (`s`, `m`, `h`, `d`, `w`).
pub fn parse_time_bound(text: &str, now_ns: u64) -> Result<u64, TimeBoundError> {
    let error = |reason: &str| TimeBoundError {
        given: text.to_owned(),
        reason: reason.to_owned(),
    };
    if text.contains('T') || text.contains('t') {
        let at = OffsetDateTime::parse(text, &Rfc3339).map_err(|e| error(&e.to_string()))?;
        return u64::try_from(at.unix_timestamp_nanos())
            .map_err(|_| error("before 1970 or after 2554"));
    }
    let ago = parse_duration_ns(text).map_err(|reason| error(&reason))?;
    Ok(now_ns.saturating_sub(ago))
}

fn parse_duration_ns(text: &str) -> Result<u64, String> {
    if text.is_empty() {
        return Err("empty".to_owned());
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("expected a number at {rest:?}"));
        }
        let number: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("number {:?} is too large", &rest[..digits]))?;
        rest = &rest[digits..];
        let Some(unit) = rest.chars().next() else {
            return Err(format!("{number} has no unit"));
        };
        let seconds: u64 = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            other => return Err(format!("unknown unit {other:?}")),
        };
        rest = &rest[unit.len_utf8()..];
        total = number
            .checked_mul(seconds)
            .and_then(|s| s.checked_mul(1_000_000_000))
            .and_then(|ns| total.checked_add(ns))
            .ok_or_else(|| "duration is too long".to_owned())?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000_000_000_000;
    const SECOND: u64 = 1_000_000_000;

    #[test]
    fn relative_bounds_count_back_from_now() {
        assert_eq!(parse_time_bound("30s", NOW), Ok(NOW - 30 * SECOND));
        assert_eq!(parse_time_bound("30m", NOW), Ok(NOW - 1_800 * SECOND));
        assert_eq!(parse_time_bound("1h", NOW), Ok(NOW - 3_600 * SECOND));
        assert_eq!(parse_time_bound("7d", NOW), Ok(NOW - 7 * 86_400 * SECOND));
        assert_eq!(parse_time_bound("2w", NOW), Ok(NOW - 14 * 86_400 * SECOND));
        assert_eq!(parse_time_bound("1h30m", NOW), Ok(NOW - 5_400 * SECOND));
        assert_eq!(parse_time_bound("10000w", NOW), Ok(0));
    }

    #[test]
    fn rfc3339_bounds_are_absolute() {
        assert_eq!(
            parse_time_bound("2026-01-31T12:00:00Z", NOW),
            Ok(1_769_860_800 * SECOND)
        );
        assert_eq!(
            parse_time_bound("2026-01-31T13:00:00.5+01:00", NOW),
            Ok(1_769_860_800 * SECOND + SECOND / 2)
        );
    }

    #[test]
    fn malformed_bounds_say_what_was_expected() {
        for (text, reason) in [
            ("", "empty"),
            ("h", "expected a number at \"h\""),
            ("10", "10 has no unit"),
            ("5y", "unknown unit 'y'"),
            (
                "99999999999999999999s",
                "number \"99999999999999999999\" is too large",
            ),
            ("999999999999w", "duration is too long"),
        ] {
            let err = parse_time_bound(text, NOW).unwrap_err();
            assert_eq!(err.reason, reason, "{text}");
            assert!(err.to_string().contains("expected RFC 3339"));
        }
        let err = parse_time_bound("2026-13-01T00:00:00Z", NOW).unwrap_err();
        assert!(err.reason.contains("month"), "{err}");
        assert!(parse_time_bound("1960-01-01T00:00:00Z", NOW).is_err());
    }
}
