//! The sinks' configuration, as the agent's configuration file embeds it. Every type
//! refuses unknown keys; the agent's loader turns serde's errors into positioned ones.
//!
//! ```yaml
//! sinks:
//!   - stdout: { name: console, format: falco }
//!   - file: { name: archive, path: /var/log/warden/alerts.jsonl }
//!   - syslog:
//!       name: siem
//!       protocol: tls
//!       address: siem.example:6514
//!       facility: auth
//!       tls: { ca_file: /etc/warden/siem-ca.pem }
//!   - webhook:
//!       name: soar
//!       url: https://soar.example/hooks/warden
//!       secret: { env: WARDEN_WEBHOOK_SECRET }
//!       batch: 50
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One sink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SinkConfig {
    Stdout(StdoutConfig),
    File(FileConfig),
    Syslog(SyslogConfig),
    Webhook(WebhookConfig),
}

impl SinkConfig {
    pub fn name(&self) -> &SinkName {
        match self {
            SinkConfig::Stdout(c) => &c.name,
            SinkConfig::File(c) => &c.name,
            SinkConfig::Syslog(c) => &c.name,
            SinkConfig::Webhook(c) => &c.name,
        }
    }
}

/// JSON Lines on standard output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StdoutConfig {
    pub name: SinkName,
    #[serde(default)]
    pub format: Format,
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: usize,
}

/// JSON Lines appended to a file, synced after every batch and reopened on
/// [`crate::Sinks::reopen`] (after logrotate moves it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub name: SinkName,
    pub path: PathBuf,
    #[serde(default)]
    pub format: Format,
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: usize,
}

/// How an alert is written as JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Warden's alert record, schema `warden.alert/v1`.
    #[default]
    Alert,
    /// Falco's `json_output` alert: `time`, `rule`, `priority`, `source`, `hostname`,
    /// `output`, `output_fields`, `tags`.
    Falco,
}

/// RFC 5424 syslog messages carrying CEF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyslogConfig {
    pub name: SinkName,
    pub protocol: Protocol,
    /// `host:port` of the receiver.
    pub address: String,
    #[serde(default)]
    pub facility: Facility,
    /// RFC 5424 APP-NAME: 1 to 48 printable ASCII characters.
    #[serde(default = "default_app_name")]
    pub app_name: String,
    /// Only with `protocol: tls`.
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    /// TCP and TLS: connecting (with the handshake) and each write must finish within
    /// this.
    #[serde(default = "default_timeout", with = "duration_text")]
    pub timeout: Duration,
    /// TCP and TLS: the pauses between attempts.
    #[serde(default)]
    pub retry: RetryConfig,
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: usize,
    /// TCP and TLS: the spool stops taking alerts (they are dropped and counted)
    /// beyond this many bytes.
    #[serde(default = "default_max_spool_bytes")]
    pub max_spool_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// RFC 5426: one message per datagram; a full queue drops alerts.
    Udp,
    /// RFC 6587 octet counting; spooled to disk while the receiver is away.
    Tcp,
    /// RFC 5425 (octet counting over TLS); spooled to disk while the receiver is away.
    Tls,
}

/// The RFC 5424 facilities, by their usual names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Facility {
    Kern,
    User,
    Mail,
    Daemon,
    Auth,
    Syslog,
    Lpr,
    News,
    Uucp,
    Cron,
    Authpriv,
    Ftp,
    Ntp,
    Audit,
    Alert,
    Clock,
    #[default]
    Local0,
    Local1,
    Local2,
    Local3,
    Local4,
    Local5,
    Local6,
    Local7,
}

impl Facility {
    /// The facility's number (PRI = facility × 8 + severity).
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// Client TLS settings, for syslog over TLS and `https` webhooks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificates trusted instead of the system's roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Accept any server certificate (handshake signatures are still checked).
    #[serde(default)]
    pub insecure: bool,
    /// PEM certificate chain and key presented to receivers that ask for one.
    #[serde(default)]
    pub client_cert: Option<PathBuf>,
    #[serde(default)]
    pub client_key: Option<PathBuf>,
    /// The name the certificate must carry, when it is not the address's host.
    #[serde(default)]
    pub server_name: Option<String>,
}

/// JSON posted to an HTTP(S) endpoint, signed, retried, and spooled to disk while the
/// receiver is away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub name: SinkName,
    pub url: String,
    #[serde(default)]
    pub format: Format,
    /// Absent: one alert (a JSON object) per request. A number: JSON arrays of up to
    /// that many alerts, as many as are waiting.
    #[serde(default)]
    pub batch: Option<std::num::NonZeroUsize>,
    /// The HMAC-SHA256 key for `webhook-signature`; requests are unsigned without one.
    #[serde(default)]
    pub secret: Option<SecretSource>,
    /// Sent with every request (`Authorization`, tenant ids, ...).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default = "default_timeout", with = "duration_text")]
    pub timeout: Duration,
    #[serde(default)]
    pub retry: RetryConfig,
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: usize,
    #[serde(default = "default_max_spool_bytes")]
    pub max_spool_bytes: u64,
}

/// Where a secret is read from (never the configuration file itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SecretSource {
    /// An environment variable's value.
    Env(String),
    /// A file's contents, without a trailing newline.
    File(PathBuf),
}

/// Exponential backoff between attempts: `initial`, doubling up to `max`, each delay
/// drawn between half and all of its step so many agents do not retry in lockstep.
/// Spooled deliveries are retried until they are delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    #[serde(default = "default_initial_backoff", with = "duration_text")]
    pub initial_backoff: Duration,
    #[serde(default = "default_max_backoff", with = "duration_text")]
    pub max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> RetryConfig {
        RetryConfig {
            initial_backoff: default_initial_backoff(),
            max_backoff: default_max_backoff(),
        }
    }
}

/// A sink's name: it labels counters and logs, and names the sink's spool directory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SinkName(String);

impl SinkName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SinkName {
    type Error = String;

    fn try_from(name: String) -> Result<SinkName, String> {
        let valid = (1..=64).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if valid {
            Ok(SinkName(name))
        } else {
            Err(format!(
                "invalid sink name {name:?}: expected 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit"
            ))
        }
    }
}

impl From<SinkName> for String {
    fn from(name: SinkName) -> String {
        name.0
    }
}

impl std::fmt::Display for SinkName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn default_queue_capacity() -> usize {
    1024
}

fn default_max_spool_bytes() -> u64 {
    1 << 30
}

fn default_app_name() -> String {
    "warden".to_owned()
}

fn default_timeout() -> Duration {
    Duration::from_secs(10)
}

fn default_initial_backoff() -> Duration {
    Duration::from_millis(500)
}

fn default_max_backoff() -> Duration {
    Duration::from_secs(60)
}

/// Durations written as text: `500ms`, `10s`, `1m30s` (or ISO 8601 `PT10S`).
mod duration_text {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        text.parse::<jiff::SignedDuration>()
            .ok()
            .and_then(|signed| Duration::try_from(signed).ok())
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "invalid duration {text:?}: expected a length of time such as \"500ms\", \"10s\" or \"1m30s\""
                ))
            })
    }

    pub(super) fn serialize<S: Serializer>(duration: &Duration, s: S) -> Result<S::Ok, S::Error> {
        let signed =
            jiff::SignedDuration::try_from(*duration).map_err(serde::ser::Error::custom)?;
        s.collect_str(&format_args!("{signed:#}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Vec<SinkConfig>, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_fill_what_is_left_out() {
        let sinks = parse(
            r#"[{"stdout": {"name": "console"}},
                {"syslog": {"name": "siem", "protocol": "tcp", "address": "127.0.0.1:601"}},
                {"webhook": {"name": "soar", "url": "https://soar.example/",
                             "retry": {"initial_backoff": "1s"}, "timeout": "1m30s"}}]"#,
        )
        .unwrap();
        let SinkConfig::Stdout(stdout) = &sinks[0] else {
            panic!("{sinks:?}")
        };
        assert_eq!(
            (stdout.format, stdout.queue_capacity),
            (Format::Alert, 1024)
        );
        let SinkConfig::Syslog(syslog) = &sinks[1] else {
            panic!("{sinks:?}")
        };
        assert_eq!(syslog.facility.code(), 16);
        assert_eq!(syslog.app_name, "warden");
        assert_eq!(syslog.timeout, Duration::from_secs(10));
        let SinkConfig::Webhook(webhook) = &sinks[2] else {
            panic!("{sinks:?}")
        };
        assert_eq!(webhook.timeout, Duration::from_secs(90));
        assert_eq!(webhook.retry.initial_backoff, Duration::from_secs(1));
        assert_eq!(webhook.retry.max_backoff, Duration::from_secs(60));
        assert_eq!(webhook.batch, None);
        let round_trip = serde_json::to_string(&sinks).unwrap();
        assert_eq!(parse(&round_trip).unwrap(), sinks);
        assert!(round_trip.contains(r#""timeout":"1m 30s""#), "{round_trip}");
    }

    #[test]
    fn mistakes_are_refused_with_what_was_expected() {
        for (json, expected) in [
            (
                r#"[{"stdout": {"name": "a", "colour": true}}]"#,
                "unknown field `colour`",
            ),
            (r#"[{"pager": {"name": "a"}}]"#, "unknown variant `pager`"),
            (r#"[{"stdout": {"name": "../etc"}}]"#, "invalid sink name"),
            (
                r#"[{"stdout": {"name": "a", "format": "xml"}}]"#,
                "unknown variant `xml`",
            ),
            (
                r#"[{"syslog": {"name": "a", "protocol": "tcp", "address": "h:1", "facility": "local9"}}]"#,
                "unknown variant `local9`",
            ),
            (
                r#"[{"webhook": {"name": "a", "url": "u", "timeout": "soon"}}]"#,
                "invalid duration \"soon\"",
            ),
            (
                r#"[{"webhook": {"name": "a", "url": "u", "timeout": "-5s"}}]"#,
                "invalid duration \"-5s\"",
            ),
            (
                r#"[{"webhook": {"name": "a", "url": "u", "batch": 0}}]"#,
                "nonzero",
            ),
            (
                r#"[{"webhook": {"name": "a", "url": "u", "secret": {"vault": "x"}}}]"#,
                "unknown variant `vault`",
            ),
            (
                r#"[{"webhook": {"name": "a", "url": "u", "tls": {"verify": false}}}]"#,
                "unknown field `verify`",
            ),
        ] {
            let error = parse(json).unwrap_err();
            assert!(error.contains(expected), "{json}: {error}");
        }
    }
}
