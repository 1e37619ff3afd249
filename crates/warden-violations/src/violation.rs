//! The violation model: alerts of one policy on one entity, merged as StackRox merges
//! runtime alerts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::{
    Action, ActionKind, ActionOutcome, Alert, Entity, Mode, PolicyRef, ProcessRecord, Severity,
};

/// The schema name every violation carries; bumped when a field changes meaning.
pub const VIOLATION_SCHEMA: &str = "warden.violation/v1";

/// How many process records a violation keeps: the latest ones, as StackRox keeps 40.
pub const MAX_PROCESS_RECORDS: usize = 40;

/// Every alert of one policy on one entity while it is open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    /// [`VIOLATION_SCHEMA`].
    pub schema: String,
    pub id: String,
    /// The policy as its latest alert carried it.
    pub policy: PolicyRef,
    pub state: ViolationState,
    /// Nanoseconds since the Unix epoch of the earliest and latest merged alert.
    pub first_occurred: u64,
    pub last_occurred: u64,
    /// Every alert merged, including those whose process records were dropped.
    pub count: u64,
    /// The host the entity runs on.
    pub hostname: String,
    pub entity: Entity,
    /// The latest [`MAX_PROCESS_RECORDS`] occurrences, newest first.
    pub processes: Vec<ProcessViolation>,
    /// Set once the violation is resolved.
    pub resolution: Option<Resolution>,
}

/// StackRox's alert states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ViolationState {
    /// The behaviour happened (audited, or enforced after the fact by a kill).
    Active,
    /// The operation was refused before it happened.
    Attempted,
    /// Someone looked at it; later occurrences open a new violation.
    Resolved,
}

impl ViolationState {
    pub const ALL: [ViolationState; 3] = [Self::Active, Self::Attempted, Self::Resolved];

    /// The state an alert opens or joins: ATTEMPTED only when a deny succeeded.
    pub fn of(alert: &Alert) -> Self {
        match (&alert.action.kind, &alert.action.outcome) {
            (ActionKind::Deny, ActionOutcome::Succeeded) => Self::Attempted,
            _ => Self::Active,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Attempted => "ATTEMPTED",
            Self::Resolved => "RESOLVED",
        }
    }
}

impl fmt::Display for ViolationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of the listed values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {given:?}; expected one of: {}", .expected.join(", "))]
pub struct UnknownName {
    pub what: &'static str,
    pub given: String,
    pub expected: Vec<&'static str>,
}

/// The value of `values` whose name is `text`, ignoring case.
fn by_name<T: Copy>(
    values: &[T],
    name: fn(T) -> &'static str,
    what: &'static str,
    text: &str,
) -> Result<T, UnknownName> {
    values
        .iter()
        .copied()
        .find(|value| name(*value).eq_ignore_ascii_case(text))
        .ok_or_else(|| UnknownName {
            what,
            given: text.to_owned(),
            expected: values.iter().map(|value| name(*value)).collect(),
        })
}

impl FromStr for ViolationState {
    type Err = UnknownName;

    /// Case-insensitive.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        by_name(&Self::ALL, Self::as_str, "state", text)
    }
}

impl Severity {
    pub const ALL: [Severity; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Audit => "audit",
            Self::Enforce => "enforce",
        }
    }
}

impl FromStr for Mode {
    type Err = UnknownName;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        by_name(&[Self::Audit, Self::Enforce], Self::as_str, "mode", text)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = UnknownName;

    /// Case-insensitive.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        by_name(&Self::ALL, Self::as_str, "severity", text)
    }
}

/// One occurrence: the process, what enforcement did, and the rule that matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessViolation {
    /// The [`Alert`] this occurrence came from.
    pub alert_id: String,
    pub rule: String,
    pub output: String,
    pub process: ProcessRecord,
    pub action: Action,
}

impl ProcessViolation {
    pub fn of(alert: &Alert) -> Self {
        Self {
            alert_id: alert.id.clone(),
            rule: alert.rule.clone(),
            output: alert.output.clone(),
            process: alert.process.clone(),
            action: alert.action.clone(),
        }
    }
}

/// Who resolved a violation, when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// Nanoseconds since the Unix epoch.
    pub time: u64,
    pub by: String,
    pub note: Option<String>,
}

/// What a baseline entry covers: every container of an image, or a host. A container
/// whose image is unknown is covered by its id alone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "name", rename_all = "lowercase")]
pub enum BaselineScope {
    Host(String),
    Image(String),
    Container(String),
}

impl BaselineScope {
    pub fn of(entity: &Entity) -> Self {
        match entity {
            Entity::Host { hostname } => Self::Host(hostname.clone()),
            Entity::Container {
                image: Some(image), ..
            } => Self::Image(image.clone()),
            Entity::Container { id, .. } => Self::Container(id.clone()),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Host(_) => "host",
            Self::Image(_) => "image",
            Self::Container(_) => "container",
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Self::Host(name) | Self::Image(name) | Self::Container(name) => name,
        }
    }
}

/// An executable a policy no longer raises alerts for within a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub policy_id: String,
    pub scope: BaselineScope,
    pub exepath: String,
    /// Nanoseconds since the Unix epoch.
    pub added_at: u64,
    pub added_by: String,
    /// The violation whose resolution added it.
    pub violation_id: String,
}

/// The key alerts merge on besides policy and state: one per host or container.
pub(crate) fn entity_key(entity: &Entity) -> String {
    match entity {
        Entity::Host { hostname } => format!("host:{hostname}"),
        Entity::Container { id, .. } => format!("container:{id}"),
    }
}

/// A random (version 4) UUID: violation ids must not collide across agents whose stores
/// are later merged.
pub(crate) fn new_violation_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

impl Violation {
    /// One JSON Lines record (no trailing newline).
    pub fn to_json_line(&self) -> String {
        // A Violation holds only strings, numbers and maps with string keys: serialising
        // it cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_4_uuids_and_differ() {
        let a = new_violation_id().unwrap();
        let b = new_violation_id().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }

    #[test]
    fn names_parse_case_insensitively() {
        assert_eq!("Attempted".parse(), Ok(ViolationState::Attempted));
        assert_eq!("HIGH".parse(), Ok(Severity::High));
        let err = "urgent".parse::<Severity>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown severity \"urgent\"; expected one of: low, medium, high, critical"
        );
        assert!("open".parse::<ViolationState>().is_err());
    }

    #[test]
    fn scope_is_the_image_else_the_container_else_the_host() {
        let container = |image: Option<&str>| Entity::Container {
            id: "c0ffee".into(),
            name: Some("web".into()),
            image: image.map(str::to_owned),
            runtime: "podman".into(),
        };
        assert_eq!(
            BaselineScope::of(&container(Some("nginx:1.27"))),
            BaselineScope::Image("nginx:1.27".into())
        );
        assert_eq!(
            BaselineScope::of(&container(None)),
            BaselineScope::Container("c0ffee".into())
        );
        assert_eq!(
            BaselineScope::of(&Entity::Host {
                hostname: "db1".into()
            }),
            BaselineScope::Host("db1".into())
        );
    }
}
