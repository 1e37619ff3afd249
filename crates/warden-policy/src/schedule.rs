//! Cron schedules as INTERCEPT writes them: six fields with seconds first
//! (`*/15 * * * * *`), or the classic five (seconds then 0).

use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// Parses a schedule; `observe` uses the same parser to compute run times.
pub fn parse(text: &str) -> Result<Cron, String> {
    CronParser::builder()
        .seconds(Seconds::Optional)
        .year(Year::Disallowed)
        .build()
        .parse(text)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_fields_start_with_seconds() {
        for good in [
            "*/15 * * * * *",
            "0 */5 * * * *",
            "*/5 * * * *",
            "0 0 3 * * MON",
        ] {
            assert!(parse(good).is_ok(), "{good}");
        }
        // With seconds first, the third field is the hour: 24 is out of range there,
        // though it would be a valid day of month in the five-field reading.
        assert!(parse("0 0 23 * * *").is_ok());
        assert!(parse("0 0 24 * * *").is_err());
    }

    #[test]
    fn bad_schedules_are_rejected() {
        for bad in [
            "",
            "every minute",
            "* * * *",
            "61 * * * * *",
            "* * * * * * 2030",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
