use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// The schema name every alert line carries; bumped when a field changes meaning.
pub const ALERT_SCHEMA: &str = "warden.alert/v1";

/// One detection: a behaviour policy's rule matched an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// [`ALERT_SCHEMA`].
    pub schema: String,
    /// Unique per alert (the agent's boot id and sequence), so sinks can deduplicate
    /// redeliveries.
    pub id: String,
    /// Nanoseconds since the Unix epoch of the event that matched.
    pub time: u64,
    pub hostname: String,
    pub policy: PolicyRef,
    /// The Falco rule that matched, and its rendered output, exactly as Falco's JSON
    /// alert would carry them.
    pub rule: String,
    /// Falco's priority name (`Emergency` … `Debug`).
    pub priority: String,
    /// Falco's event source (`syscall`).
    pub source: String,
    pub output: String,
    pub output_fields: Map<String, Json>,
    pub tags: Vec<String>,
    pub entity: Entity,
    pub process: ProcessRecord,
    pub action: Action,
}

/// The policy an alert belongs to, as it was when the alert was raised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRef {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub mode: Mode,
}

/// StackRox's severity levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Audit,
    Enforce,
}

/// Where the violation happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Entity {
    Host {
        hostname: String,
    },
    Container {
        /// The full container id.
        id: String,
        name: Option<String>,
        image: Option<String>,
        /// docker, containerd, cri-o, podman, …
        runtime: String,
    },
}

/// The process that caused an alert, with the forensic fields StackRox keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessRecord {
    /// Nanoseconds since the Unix epoch.
    pub time: u64,
    pub pid: u32,
    pub uid: u32,
    pub gid: u32,
    pub loginuid: Option<u32>,
    pub exepath: String,
    pub args: Vec<String>,
    pub cwd: String,
    pub tty: u32,
    /// Parent first.
    pub ancestors: Vec<AncestorRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AncestorRecord {
    pub exepath: String,
    pub pid: u32,
    pub uid: u32,
}

/// What enforcement did about an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub kind: ActionKind,
    pub outcome: ActionOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// Audit mode: recorded only.
    None,
    /// The operation was refused before it happened.
    Deny,
    /// The process was killed.
    Kill,
    /// Every process of the container's cgroup was killed.
    KillContainer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ActionOutcome {
    /// Nothing was attempted (audit mode).
    NotAttempted,
    Succeeded,
    Failed {
        reason: String,
    },
}
