//! Warden's agent: behaviour policies evaluated on the sensor's events, enforced, recorded
//! and streamed to sinks.

mod alert;
mod config;
mod daemon;
mod pipeline;
mod policies;

pub use alert::{Decision, alert_for};
pub use config::{
    AgentConfig, ApiConfig, ConfigError, DEFAULT_CONFIG_PATH, EnforcementConfig, FailurePolicy,
};
pub use daemon::{AgentError, ConfigSource, check, run};
pub use pipeline::{Pipeline, Shared, StageCounters, evaluate};
pub use policies::{
    ActivePolicies, DEFAULT_POLICIES, DEFAULT_POLICIES_NAME, PolicyError, RuleText,
};

/// The built-in controls, in Falco's rule language.
pub const DEFAULT_RULES: &str = include_str!("../rules/warden-default.yaml");

/// The file name the built-in rules are reported under.
pub const DEFAULT_RULES_NAME: &str = "warden-default.yaml";
