//! RFC 5424 syslog messages with a CEF body, and their framing on the wire.

use warden_violations::{Alert, Severity};

use crate::cef::cef;
use crate::config::Facility;
use crate::json::rfc3339_micros;

/// The MSGID every alert carries.
const MSGID: &str = "alert";

/// What every message of one sink shares.
#[derive(Debug, Clone)]
pub struct Header {
    pub facility: Facility,
    pub app_name: String,
    /// PROCID: the agent's process id.
    pub proc_id: u32,
}

/// Syslog's severity for a policy severity (RFC 5424 numbers: 2 critical, 3 error,
/// 4 warning, 5 notice).
pub fn syslog_severity(severity: Severity) -> u8 {
    match severity {
        Severity::Critical => 2,
        Severity::High => 3,
        Severity::Medium => 4,
        Severity::Low => 5,
    }
}

/// `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - CEF:0|...`. The timestamp is the
/// event's, in UTC with microseconds (RFC 5424 allows six fractional digits); there is
/// no structured data; the message is CEF, without a BOM.
pub fn message(alert: &Alert, header: &Header) -> String {
    let pri =
        u16::from(header.facility.code()) * 8 + u16::from(syslog_severity(alert.policy.severity));
    format!(
        "<{pri}>1 {} {} {} {} {MSGID} - {}",
        rfc3339_micros(alert.time),
        header_field(&alert.hostname, 255),
        header_field(&header.app_name, 48),
        header.proc_id,
        cef(alert),
    )
}

/// RFC 6587 octet counting (also RFC 5425's framing): `LEN SP MSG`.
pub fn octet_counted(message: &str) -> Vec<u8> {
    let mut frame = format!("{} ", message.len()).into_bytes();
    frame.extend_from_slice(message.as_bytes());
    frame
}

/// A header field as RFC 5424 allows it: printable US-ASCII without spaces, at most
/// `max` characters, `-` when empty. Anything else becomes `_`.
fn header_field(value: &str, max: usize) -> String {
    if value.is_empty() {
        return "-".to_owned();
    }
    value
        .chars()
        .take(max)
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .collect()
}

/// Whether `name` can be an APP-NAME as it is.
pub(crate) fn valid_app_name(name: &str) -> bool {
    (1..=48).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields_are_printable_ascii() {
        assert_eq!(header_field("", 255), "-");
        assert_eq!(header_field("web 1\tnode\u{e9}", 255), "web_1_node_");
        assert_eq!(header_field(&"h".repeat(300), 255).len(), 255);
        assert!(valid_app_name("warden-agent") && !valid_app_name("my app") && !valid_app_name(""));
    }

    #[test]
    fn frames_count_bytes_not_characters() {
        assert_eq!(octet_counted("h\u{e9}"), b"3 h\xc3\xa9");
    }
}
