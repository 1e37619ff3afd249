//! What the API shows of the running agent: its policies and its status. The agent
//! implements [`AgentView`]; the API serialises what it returns.

use serde::{Deserialize, Serialize};
use warden_violations::{Mode, Severity};

/// The agent as the API sees it. Calls must be quick (a snapshot of counters, a clone of
/// the loaded policies): they run on the server's threads.
pub trait AgentView: Send + Sync {
    fn policies(&self) -> Vec<PolicySummary>;
    fn status(&self) -> AgentStatus;
}

/// A loaded behaviour policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySummary {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub severity: Severity,
    pub mode: Mode,
    pub enabled: bool,
    /// The Falco rules it is made of.
    pub rules: Vec<String>,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStatus {
    /// The agent's version (`CARGO_PKG_VERSION` of the binary).
    pub version: String,
    pub hostname: String,
    /// Nanoseconds since the Unix epoch.
    pub started: u64,
    /// In pipeline order: sensor, enrich, rules, enforcement, store, sinks.
    pub pipeline: Vec<StageCounters>,
    pub enforcement: EnforcementCapabilities,
}

/// Counters of one pipeline stage since the agent started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageCounters {
    pub stage: String,
    pub received: u64,
    pub emitted: u64,
    pub dropped: u64,
    pub errors: u64,
}

/// Which enforcement actions work on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnforcementCapabilities {
    pub deny: Capability,
    pub kill: Capability,
    pub kill_container: Capability,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capability {
    pub available: bool,
    /// Why it is unavailable, or how it is done.
    pub detail: Option<String>,
}
