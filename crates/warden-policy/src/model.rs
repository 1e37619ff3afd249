//! The policy file as loaded: INTERCEPT's structure, typed and validated.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use warden_gossfile::Origin;
use warden_value::Mark;

use crate::behaviour::BehaviourPolicy;
use crate::enforcement::EnforcementRule;

/// A loaded policy file: every key known, every value of the right type, every
/// schedule parsed, every `_runtime.config` gossfile present.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    /// The file as it was named to [`PolicyFile::load`].
    pub path: PathBuf,
    /// `Version`: free text, as in INTERCEPT.
    pub version: Option<String>,
    /// `Namespace`: free text, as in INTERCEPT.
    pub namespace: Option<String>,
    pub config: Config,
    /// The runtime policies, in file order; ids are unique after normalisation across
    /// both kinds.
    pub policies: Vec<Policy>,
    /// The behaviour policies, in file order.
    pub behaviour: Vec<BehaviourPolicy>,
    /// Keys that load but have no effect on runtime policies, and watched paths that do
    /// not exist yet; the caller prints them.
    pub warnings: Vec<String>,
}

/// The top-level `Config` block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub system: SystemVersions,
    pub flags: Flags,
    pub metadata: HostMetadata,
    pub hooks: Vec<Hook>,
}

/// `Config.System`: informational tool versions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemVersions {
    pub rg_version: Option<String>,
    pub goss_version: Option<String>,
    pub intercept_version: Option<String>,
}

/// `Config.Flags`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    /// `SARIF`, `LOG` or both, comma-separated (INTERCEPT's report choice).
    pub output_type: Option<String>,
    /// Default target directory of INTERCEPT's file-based policy types.
    pub target: Option<String>,
    /// Elasticsearch bulk index name.
    pub index: Option<String>,
    pub ignore: Vec<String>,
    /// An implicit `--tags-any` filter applied before the command line's.
    pub tags: Vec<String>,
    /// Schedule of every policy without its own (cron, seconds first).
    pub policy_schedule: Option<String>,
    /// Schedule of merged reports (cron, seconds first).
    pub report_schedule: Option<String>,
    /// The environment variable holding the webhook HMAC secret.
    pub webhook_secret_env: Option<String>,
    /// `alias:ssh-ed25519 AAAA...` keys of INTERCEPT's remote console.
    pub remote_auth: Vec<String>,
}

/// `Config.Metadata`: host information and exit messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostMetadata {
    pub host_os: Option<String>,
    pub host_mac: Option<String>,
    pub host_arch: Option<String>,
    pub host_name: Option<String>,
    pub host_fingerprint: Option<String>,
    pub host_info: Option<String>,
    pub msg_exit_clean: Option<String>,
    pub msg_exit_warning: Option<String>,
    pub msg_exit_critical: Option<String>,
}

/// One `Config.Hooks` entry: where results are posted.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    pub name: String,
    /// An `http://` or `https://` URL.
    pub endpoint: String,
    /// Skip TLS certificate verification.
    pub insecure: bool,
    /// Upper-case HTTP method; `None` when not given.
    pub method: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub auth: Option<HookAuth>,
    /// Extra attempts after a failed delivery.
    pub retry_attempts: u32,
    /// Pause between attempts (Go duration syntax in the file, e.g. `5s`).
    pub retry_delay: Option<Duration>,
    pub timeout_seconds: Option<u64>,
    pub event_types: Vec<HookEvent>,
    /// Where the entry starts in the policy file.
    pub mark: Mark,
}

/// What a hook is sent (INTERCEPT's `event_types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookEvent {
    Minimal,
    Results,
    Policy,
    Report,
    /// Send NDJSON instead of one JSON document.
    Log,
    /// Elasticsearch `_bulk` bodies.
    Bulk,
}

impl HookEvent {
    pub const ALL: [HookEvent; 6] = [
        HookEvent::Minimal,
        HookEvent::Results,
        HookEvent::Policy,
        HookEvent::Report,
        HookEvent::Log,
        HookEvent::Bulk,
    ];

    /// The name written in policy files.
    pub fn name(self) -> &'static str {
        match self {
            HookEvent::Minimal => "minimal",
            HookEvent::Results => "results",
            HookEvent::Policy => "policy",
            HookEvent::Report => "report",
            HookEvent::Log => "log",
            HookEvent::Bulk => "bulk",
        }
    }

    pub fn from_name(name: &str) -> Option<HookEvent> {
        HookEvent::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// A hook's `auth` block. Secrets are never in the file: the `*_env` keys name
/// environment variables that hold them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookAuth {
    pub kind: HookAuthKind,
    /// The header name, for the `header` and `api_key` kinds.
    pub header: Option<String>,
    /// Every `*_env` key (e.g. `token_env`, `username_env`) and the variable it names.
    pub env: BTreeMap<String, String>,
}

impl HookAuth {
    /// The environment variable named by `key` (e.g. `"token_env"`).
    pub fn env_var(&self, key: &str) -> Option<&str> {
        self.env.get(key).map(String::as_str)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookAuthKind {
    Basic,
    Bearer,
    Header,
    Authorization,
    ApiKey,
}

impl HookAuthKind {
    pub const ALL: [HookAuthKind; 5] = [
        HookAuthKind::Basic,
        HookAuthKind::Bearer,
        HookAuthKind::Header,
        HookAuthKind::Authorization,
        HookAuthKind::ApiKey,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HookAuthKind::Basic => "basic",
            HookAuthKind::Bearer => "bearer",
            HookAuthKind::Header => "header",
            HookAuthKind::Authorization => "authorization",
            HookAuthKind::ApiKey => "api_key",
        }
    }

    pub fn from_name(name: &str) -> Option<HookAuthKind> {
        HookAuthKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One entry of `Policies`.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The normalised id (upper case, spaces and `_` turned into `-`, other
    /// punctuation dropped), as INTERCEPT reports it.
    pub id: String,
    /// The id as written.
    pub original_id: String,
    pub kind: PolicyKind,
    /// The policy's own schedule (cron, seconds first); `Config.Flags.policy_schedule`
    /// applies when absent.
    pub schedule: Option<String>,
    /// In file order; see [`Policy::rule_for`].
    pub enforcement: Vec<EnforcementRule>,
    pub metadata: Metadata,
    pub runtime: RuntimeSpec,
    /// The policy file and the position of the entry.
    pub origin: Origin,
}

/// The policy types Warden runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// A gossfile checked against the live machine.
    Runtime,
}

impl PolicyKind {
    /// The `type` value in policy files.
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::Runtime => "runtime",
        }
    }
}

/// A policy's `metadata`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    /// Empty when not given; see [`Policy::display_name`].
    pub name: String,
    pub description: String,
    /// The tags as written, then the normalised policy id (as INTERCEPT adds it, so
    /// `--tags-any RUNTIM-001` selects one policy). No duplicates.
    pub tags: Vec<String>,
    /// The weight in the compliance score; see [`Policy::weight`].
    pub score: Option<f64>,
    pub msg_solution: String,
    pub msg_error: String,
    /// An absolute URI.
    pub help_url: Option<String>,
}

/// `_runtime`: what a runtime policy checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeSpec {
    /// The gossfile, resolved against the policy file's directory.
    pub config: PathBuf,
    /// A file or directory whose changes re-run the policy, resolved the same way.
    pub observe: Option<PathBuf>,
}

impl Policy {
    /// The name for people: `metadata.name`, or the id when there is none.
    pub fn display_name(&self) -> &str {
        if self.metadata.name.is_empty() {
            &self.id
        } else {
            &self.metadata.name
        }
    }

    /// The policy's weight in the compliance score: its `score`, 1 when it has none.
    /// A score of 0 keeps the policy out of the score (informational policies).
    pub fn weight(&self) -> f64 {
        self.metadata.score.unwrap_or(1.0)
    }

    /// Whether the policy has a tag equal to `tag`, ignoring case (INTERCEPT's rule).
    pub fn has_tag(&self, tag: &str) -> bool {
        self.metadata.tags.iter().any(|t| eq_fold(t, tag))
    }

    /// Whether an enforcement entry names `environment` or `all` (INTERCEPT's
    /// environment filter; a policy without entries applies to no named environment).
    pub fn applies_to(&self, environment: &str) -> bool {
        self.enforcement
            .iter()
            .any(|rule| rule.matches_environment(environment))
    }

    /// The enforcement rule in force: the first entry for `environment` or `all`, else
    /// the first entry, else INTERCEPT's default (`all`, not fatal, no exceptions,
    /// confidence `low`).
    pub fn rule_for(&self, environment: Option<&str>) -> EnforcementRule {
        let matching = self.enforcement.iter().find(|rule| match environment {
            Some(env) => rule.matches_environment(env),
            None => rule.is_for_all(),
        });
        matching
            .or_else(|| self.enforcement.first())
            .cloned()
            .unwrap_or_default()
    }
}

/// Go's `strings.EqualFold` for the names INTERCEPT compares that way.
pub(crate) fn eq_fold(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}
