//! Loss records: the sensor's statement, in the same JSON Lines stream as the events,
//! that events of some kind were lost (a full ring buffer, an overrun netlink socket).
//! A capture with a gap says so where the gap is.

use serde::{Deserialize, Serialize};

use crate::{Event, SCHEMA};

/// The schema name of a loss line.
pub const LOSS_SCHEMA: &str = "warden.loss/v1";

/// Events lost at one place since the previous loss record of the same kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LossRecord {
    /// [`LOSS_SCHEMA`].
    pub schema: String,
    /// When the loss was noticed, nanoseconds since the Unix epoch.
    pub time: u64,
    /// Where: `kernel` (ring buffer full), `netlink` (the proc connector overran).
    pub stage: String,
    /// The event kind (`exec`, `fork`, `exit`, `open`, `file`, `network`, `other`), or
    /// `any` when the place cannot tell.
    pub kind: String,
    pub count: u64,
}

impl LossRecord {
    /// One JSON line (no trailing newline).
    pub fn to_json_line(&self) -> String {
        // Strings and numbers only: serialisation cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// One line of a `warden trace --json` stream.
#[derive(Debug, Clone, PartialEq)]
pub enum TraceLine {
    Event(Box<Event>),
    Loss(LossRecord),
}

impl TraceLine {
    /// Parses an event or a loss line, by its schema; other schemas are refused.
    pub fn from_json_line(line: &str) -> Result<TraceLine, String> {
        #[derive(Deserialize)]
        struct Schema {
            schema: String,
        }
        let schema: Schema = serde_json::from_str(line).map_err(|e| e.to_string())?;
        match schema.schema.as_str() {
            SCHEMA => Event::from_json_line(line).map(|e| TraceLine::Event(Box::new(e))),
            LOSS_SCHEMA => serde_json::from_str(line)
                .map(TraceLine::Loss)
                .map_err(|e| e.to_string()),
            other => Err(format!(
                "schema {other:?} is neither {SCHEMA:?} nor {LOSS_SCHEMA:?}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_lines_round_trip_and_other_schemas_are_refused() {
        let loss = LossRecord {
            schema: LOSS_SCHEMA.into(),
            time: 1_763_000_000_000_000_000,
            stage: "kernel".into(),
            kind: "exec".into(),
            count: 12,
        };
        let line = loss.to_json_line();
        assert_eq!(
            line,
            r#"{"schema":"warden.loss/v1","time":1763000000000000000,"stage":"kernel","kind":"exec","count":12}"#
        );
        assert_eq!(TraceLine::from_json_line(&line), Ok(TraceLine::Loss(loss)));
        let err = TraceLine::from_json_line(r#"{"schema":"warden.other/v1"}"#).unwrap_err();
        assert!(err.contains("is neither"), "{err}");
        assert!(TraceLine::from_json_line("not json").is_err());
        assert!(TraceLine::from_json_line(r#"{"schema":"warden.loss/v1"}"#).is_err());
    }
}
