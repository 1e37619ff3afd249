//! Alerts to send, and parsers for what receivers get.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use warden_sinks::{SinkCounts, Sinks};
use warden_violations::{
    ALERT_SCHEMA, Action, ActionKind, ActionOutcome, Alert, AncestorRecord, Entity, Mode,
    PolicyRef, ProcessRecord, Severity,
};

/// Event time of alert 0: 2026-05-28T20:26:40.123456789Z.
pub(crate) const TIME: u64 = 1_780_000_000_123_456_789;

/// Alert `n`, with every character CEF and syslog must escape somewhere in it.
pub(crate) fn alert(n: u64) -> Arc<Alert> {
    let mut output_fields = serde_json::Map::new();
    for (key, value) in [
        ("evt.time", json!(TIME + n)),
        ("proc.name", json!("bash")),
        ("user.name", json!("root")),
        ("user.loginuid", json!(1000)),
        ("fd.name", json!("/etc/shadow")),
        ("container.id", json!("0123456789ab")),
        ("k8s.pod.name", json!(null)),
    ] {
        output_fields.insert(key.to_owned(), value);
    }
    Arc::new(Alert {
        schema: ALERT_SCHEMA.to_owned(),
        id: format!("b00t-1:{n}"),
        time: TIME + n,
        hostname: "node-1".to_owned(),
        policy: PolicyRef {
            id: "shell-in-container".to_owned(),
            name: r"Shell | spawned \ in container".to_owned(),
            severity: Severity::High,
            mode: Mode::Enforce,
        },
        rule: "Terminal shell in container".to_owned(),
        priority: "Notice".to_owned(),
        source: "syscall".to_owned(),
        output: format!(
            "20:26:40.123456789: Notice A shell was spawned\nuser=root cmd=bash -c \"a=b\" \\ n={n}"
        ),
        output_fields,
        tags: vec![
            "container".to_owned(),
            "shell".to_owned(),
            "mitre_execution".to_owned(),
        ],
        entity: Entity::Container {
            id: "0123456789abcdef".to_owned(),
            name: Some("web=1".to_owned()),
            image: Some("nginx:1.27".to_owned()),
            runtime: "podman".to_owned(),
        },
        process: ProcessRecord {
            time: TIME + n,
            pid: 4242,
            uid: 0,
            gid: 0,
            loginuid: Some(1000),
            exepath: "/usr/bin/bash".to_owned(),
            args: vec!["bash".to_owned(), "-c".to_owned(), "echo a=b".to_owned()],
            cwd: "/".to_owned(),
            tty: 34816,
            ancestors: vec![AncestorRecord {
                exepath: "/usr/bin/runc".to_owned(),
                pid: 4200,
                uid: 0,
            }],
        },
        action: Action {
            kind: ActionKind::KillContainer,
            outcome: ActionOutcome::Failed {
                reason: "cgroup gone\r\nretry".to_owned(),
            },
        },
    })
}

/// An RFC 5424 message, split into its fields.
#[derive(Debug)]
pub(crate) struct Syslog {
    pub(crate) pri: u16,
    pub(crate) version: String,
    pub(crate) timestamp: String,
    pub(crate) hostname: String,
    pub(crate) app_name: String,
    pub(crate) proc_id: String,
    pub(crate) msg_id: String,
    pub(crate) structured_data: String,
    pub(crate) msg: String,
}

pub(crate) fn parse_syslog(message: &str) -> Syslog {
    let rest = message.strip_prefix('<').expect("PRI opens with <");
    let (pri, rest) = rest.split_once('>').expect("PRI closes with >");
    let fields: Vec<&str> = rest.splitn(8, ' ').collect();
    assert_eq!(fields.len(), 8, "{message}");
    Syslog {
        pri: pri.parse().unwrap(),
        version: fields[0].to_owned(),
        timestamp: fields[1].to_owned(),
        hostname: fields[2].to_owned(),
        app_name: fields[3].to_owned(),
        proc_id: fields[4].to_owned(),
        msg_id: fields[5].to_owned(),
        structured_data: fields[6].to_owned(),
        msg: fields[7].to_owned(),
    }
}

/// Splits RFC 6587 octet-counted frames off the front of `buffer`.
pub(crate) fn take_frames(buffer: &mut Vec<u8>) -> Vec<String> {
    let mut frames = Vec::new();
    while let Some(space) = buffer.iter().position(|&b| b == b' ') {
        let length: usize = std::str::from_utf8(&buffer[..space])
            .unwrap()
            .parse()
            .expect("a frame starts with its length");
        if buffer.len() < space + 1 + length {
            break;
        }
        let frame = buffer[space + 1..space + 1 + length].to_vec();
        buffer.drain(..space + 1 + length);
        frames.push(String::from_utf8(frame).unwrap());
    }
    frames
}

/// A CEF record: its seven header fields (unescaped) and its extension's pairs.
#[derive(Debug)]
pub(crate) struct Cef {
    pub(crate) header: Vec<String>,
    pub(crate) extension: BTreeMap<String, String>,
    /// Extension keys in the order they came.
    pub(crate) keys: Vec<String>,
}

/// Parses CEF as a SIEM does: `|` ends a header field unless escaped, and in the
/// extension a key is the word before an unescaped `=`.
pub(crate) fn parse_cef(text: &str) -> Cef {
    let body = text.strip_prefix("CEF:").expect("CEF: prefix");
    let mut header = Vec::new();
    let mut field = String::new();
    let mut chars = body.char_indices();
    let mut extension_start = body.len();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, e @ ('\\' | '|'))) => field.push(e),
                other => panic!("bad header escape {other:?} in {text}"),
            },
            '|' => {
                header.push(std::mem::take(&mut field));
                if header.len() == 7 {
                    extension_start = i + 1;
                    break;
                }
            }
            '\n' | '\r' => panic!("line break in a header: {text}"),
            c => field.push(c),
        }
    }
    assert_eq!(header.len(), 7, "{text}");

    // Split at unescaped '=': each piece but the first and last is "<value> <next key>".
    let raw = &body[extension_start..];
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in raw.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '=' => {
                pieces.push(&raw[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&raw[start..]);
    let mut keys = vec![pieces[0].to_owned()];
    let mut values = Vec::new();
    for piece in &pieces[1..pieces.len() - 1] {
        let (value, key) = piece.rsplit_once(' ').expect("a value, a space, a key");
        values.push(unescape_value(value));
        keys.push(key.to_owned());
    }
    values.push(unescape_value(pieces[pieces.len() - 1]));
    assert!(
        keys.iter()
            .all(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric()))
    );
    Cef {
        header,
        extension: keys.iter().cloned().zip(values).collect(),
        keys,
    }
}

fn unescape_value(raw: &str) -> String {
    assert!(!raw.contains(['\n', '\r']), "raw line break in {raw:?}");
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('\\') => out.push('\\'),
                Some('=') => out.push('='),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                other => panic!("bad extension escape {other:?} in {raw:?}"),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Checks a syslog message carries alert `n` in every field.
pub(crate) fn check_syslog_message(message: &str, n: u64) {
    let syslog = parse_syslog(message);
    // local3 (19) × 8 + error (3: a High policy).
    assert_eq!(syslog.pri, 19 * 8 + 3);
    assert_eq!(syslog.version, "1");
    assert_eq!(
        syslog.timestamp,
        format!("2026-05-28T20:26:40.{:06}Z", (123_456_789 + n) / 1000)
    );
    assert_eq!(syslog.hostname, "node-1");
    assert_eq!(syslog.app_name, "warden-test");
    assert_eq!(syslog.proc_id, std::process::id().to_string());
    assert_eq!(syslog.msg_id, "alert");
    assert_eq!(syslog.structured_data, "-");
    check_cef(&syslog.msg, n);
}

/// Checks a CEF record carries alert `n` in every field, escapes undone.
pub(crate) fn check_cef(text: &str, n: u64) {
    let cef = parse_cef(text);
    assert_eq!(
        cef.header,
        [
            "0",
            "Warden",
            "Warden",
            env!("CARGO_PKG_VERSION"),
            "shell-in-container",
            r"Shell | spawned \ in container",
            "8",
        ]
    );
    let expected: Vec<(&str, String)> = vec![
        ("rt", ((TIME + n) / 1_000_000).to_string()),
        ("dvchost", "node-1".to_owned()),
        ("externalId", format!("b00t-1:{n}")),
        ("msg", alert(n).output.clone()),
        ("cat", "syscall".to_owned()),
        ("act", "kill-container".to_owned()),
        ("outcome", "failed".to_owned()),
        ("reason", "cgroup gone\r\nretry".to_owned()),
        ("sproc", "/usr/bin/bash".to_owned()),
        ("spid", "4242".to_owned()),
        ("suid", "0".to_owned()),
        ("suser", "root".to_owned()),
        ("filePath", "/etc/shadow".to_owned()),
        ("fname", "shadow".to_owned()),
        ("cs1Label", "rule".to_owned()),
        ("cs1", "Terminal shell in container".to_owned()),
        ("cs2Label", "priority".to_owned()),
        ("cs2", "Notice".to_owned()),
        ("cs3Label", "policyMode".to_owned()),
        ("cs3", "enforce".to_owned()),
        ("cs4Label", "containerId".to_owned()),
        ("cs4", "0123456789abcdef".to_owned()),
        ("cs5Label", "containerName".to_owned()),
        ("cs5", "web=1".to_owned()),
        ("cs6Label", "containerImage".to_owned()),
        ("cs6", "nginx:1.27".to_owned()),
        ("flexString1Label", "tags".to_owned()),
        ("flexString1", "container,shell,mitre_execution".to_owned()),
        ("flexString2Label", "cmdline".to_owned()),
        ("flexString2", "bash -c echo a=b".to_owned()),
        ("cn1Label", "loginuid".to_owned()),
        ("cn1", "1000".to_owned()),
    ];
    let keys: Vec<&str> = expected.iter().map(|(k, _)| *k).collect();
    assert_eq!(cef.keys, keys);
    for (key, value) in expected {
        assert_eq!(cef.extension[key], value, "{key}");
    }
}

/// Waits (up to 10 s) until sink `name`'s counts satisfy `done`.
pub(crate) async fn wait_for(sinks: &Sinks, name: &str, done: impl Fn(SinkCounts) -> bool) {
    let counters = sinks.counters();
    for _ in 0..1000 {
        if done(counters.get(name).unwrap()) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{name}: {:?}", counters.get(name));
}

/// The rule engine's own alert with the same contents as `alert`, whose event time is
/// `time` in Falco's text.
pub(crate) fn rules_alert(alert: &Alert, time: &str) -> warden_rules::Alert {
    warden_rules::Alert {
        time: time.to_owned(),
        rule: alert.rule.clone(),
        priority: warden_rules::Priority::Notice,
        source: alert.source.clone(),
        hostname: alert.hostname.clone(),
        output: alert.output.clone(),
        output_fields: alert.output_fields.clone(),
        tags: alert.tags.clone(),
    }
}
