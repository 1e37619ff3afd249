//! Go's `time.Time` text forms used in goss's outputs.

use time::{OffsetDateTime, UtcOffset};

fn offset_suffix(offset: UtcOffset) -> String {
    if offset.is_utc() {
        return "Z".to_owned();
    }
    let (h, m, _) = offset.as_hms();
    let sign = if h < 0 || m < 0 { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
}

fn date_time(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `time.RFC3339Nano` (how `encoding/json` writes a `time.Time`): fractional seconds
/// without trailing zeros, `Z` for UTC.
pub(crate) fn rfc3339_nano(t: OffsetDateTime) -> String {
    let mut fraction = format!("{:09}", t.nanosecond());
    while fraction.ends_with('0') {
        fraction.pop();
    }
    let fraction = if fraction.is_empty() {
        String::new()
    } else {
        format!(".{fraction}")
    };
    format!("{}{fraction}{}", date_time(t), offset_suffix(t.offset()))
}

/// `time.RFC3339`, whole seconds.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    format!("{}{}", date_time(t), offset_suffix(t.offset()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn go_layouts() {
        assert_eq!(
            rfc3339_nano(datetime!(2026-08-16 10:00:00.123450 UTC)),
            "2026-08-16T10:00:00.12345Z"
        );
        assert_eq!(
            rfc3339_nano(datetime!(2026-08-16 10:00:00 +02:00)),
            "2026-08-16T10:00:00+02:00"
        );
        assert_eq!(
            rfc3339(datetime!(2026-08-16 10:00:00.5 -05:30)),
            "2026-08-16T10:00:00-05:30"
        );
    }
}
