//! ArcSight Common Event Format (CEF:0) for an alert:
//! `CEF:0|Warden|Warden|<version>|<policy id>|<policy name>|<severity>|<extension>`.
//!
//! Header fields escape `\` and `|`; extension values escape `\`, `=` and line breaks
//! (`\n`, `\r`), as the CEF specification requires. Line breaks cannot appear in a
//! header field at all, so there they become spaces.

use std::fmt::Write;

use serde_json::Value as Json;
use warden_violations::{ActionKind, ActionOutcome, Alert, Entity, Mode, Severity};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// CEF's 0 (lowest) to 10 (highest) for a policy severity: the middle of the
/// specification's Low (0-3), Medium (4-6), High (7-8) and Very-High (9-10) bands.
pub fn cef_severity(severity: Severity) -> u8 {
    match severity {
        Severity::Low => 3,
        Severity::Medium => 5,
        Severity::High => 8,
        Severity::Critical => 10,
    }
}

/// The CEF record for `alert` (no line break).
pub fn cef(alert: &Alert) -> String {
    let mut out = String::with_capacity(512);
    out.push_str("CEF:0|Warden|Warden|");
    for field in [VERSION, &alert.policy.id, &alert.policy.name] {
        push_header(&mut out, field);
        out.push('|');
    }
    let _ = write!(out, "{}|", cef_severity(alert.policy.severity));

    let mut ext = Extension(&mut out, true);
    ext.push("rt", &(alert.time / 1_000_000).to_string());
    ext.push("dvchost", &alert.hostname);
    ext.push("externalId", &alert.id);
    ext.push("msg", &alert.output);
    ext.push("cat", &alert.source);
    ext.push("act", action_name(alert.action.kind));
    let (outcome, reason) = match &alert.action.outcome {
        ActionOutcome::NotAttempted => ("not-attempted", None),
        ActionOutcome::Succeeded => ("succeeded", None),
        ActionOutcome::Failed { reason } => ("failed", Some(reason)),
    };
    ext.push("outcome", outcome);
    if let Some(reason) = reason {
        ext.push("reason", reason);
    }
    let process = &alert.process;
    ext.push("sproc", &process.exepath);
    ext.push("spid", &process.pid.to_string());
    ext.push("suid", &process.uid.to_string());
    if let Some(Json::String(user)) = alert.output_fields.get("user.name") {
        ext.push("suser", user);
    }
    if let Some(Json::String(file)) = alert.output_fields.get("fd.name")
        && !file.is_empty()
    {
        ext.push("filePath", file);
        ext.push("fname", file.rsplit('/').next().unwrap_or(file));
    }
    ext.labelled("cs1", "rule", &alert.rule);
    ext.labelled("cs2", "priority", &alert.priority);
    let mode = match alert.policy.mode {
        Mode::Audit => "audit",
        Mode::Enforce => "enforce",
    };
    ext.labelled("cs3", "policyMode", mode);
    if let Entity::Container {
        id, name, image, ..
    } = &alert.entity
    {
        ext.labelled("cs4", "containerId", id);
        if let Some(name) = name {
            ext.labelled("cs5", "containerName", name);
        }
        if let Some(image) = image {
            ext.labelled("cs6", "containerImage", image);
        }
    }
    ext.labelled("flexString1", "tags", &alert.tags.join(","));
    ext.labelled("flexString2", "cmdline", &process.args.join(" "));
    if let Some(loginuid) = process.loginuid {
        ext.labelled("cn1", "loginuid", &loginuid.to_string());
    }
    out
}

/// The `act` value: what enforcement did.
fn action_name(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::None => "none",
        ActionKind::Deny => "deny",
        ActionKind::Kill => "kill",
        ActionKind::KillContainer => "kill-container",
    }
}

fn push_header(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
}

/// The extension: `key=value` pairs separated by spaces.
struct Extension<'o>(&'o mut String, bool);

impl Extension<'_> {
    fn push(&mut self, key: &str, value: &str) {
        if !std::mem::take(&mut self.1) {
            self.0.push(' ');
        }
        self.0.push_str(key);
        self.0.push('=');
        for c in value.chars() {
            match c {
                '\\' => self.0.push_str("\\\\"),
                '=' => self.0.push_str("\\="),
                '\n' => self.0.push_str("\\n"),
                '\r' => self.0.push_str("\\r"),
                c => self.0.push(c),
            }
        }
    }

    /// A custom field and its label (`cs1Label=rule cs1=...`).
    fn labelled(&mut self, key: &str, label: &str, value: &str) {
        self.push(&format!("{key}Label"), label);
        self.push(key, value);
    }
}
