//! Behaviour policies: which runtime rules a policy turns on, where, and what enforcing
//! them does. Loaded from the same policy files as runtime policies (`type: behaviour`,
//! with a `_behaviour` block); the agent evaluates them.

use std::path::PathBuf;

use time::{Date, OffsetDateTime};
use warden_gossfile::Origin;
use warden_value::Mark;
use warden_violations::{Mode, Severity};

use crate::model::{Metadata, eq_fold};

/// One `type: behaviour` entry of `Policies`.
#[derive(Debug, Clone, PartialEq)]
pub struct BehaviourPolicy {
    /// Normalised as runtime policy ids are.
    pub id: String,
    pub original_id: String,
    /// Per-environment overrides of `mode` and `action`, in file order.
    pub enforcement: Vec<BehaviourEnforcement>,
    pub metadata: Metadata,
    pub severity: Severity,
    pub rules: RuleSelection,
    /// The mode when no enforcement entry sets one.
    pub mode: Mode,
    /// What enforcing does; `None` lets the agent pick per operation (deny where the
    /// operation can still be refused, kill otherwise).
    pub action: Option<EnforceAction>,
    pub scope: Scope,
    pub exceptions: Vec<BehaviourException>,
    /// Aqua's scheduler: the policy audits for this many days after it was added, then
    /// enforces.
    pub enforce_after_days: Option<u32>,
    /// When the policy was added (`added: YYYY-MM-DD`); without it the agent counts from
    /// the day it first loaded the policy.
    pub added: Option<Date>,
    pub origin: Origin,
}

/// An `enforcement` entry of a behaviour policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BehaviourEnforcement {
    /// An environment name, or `all`.
    pub environment: String,
    pub mode: Option<Mode>,
    pub action: Option<EnforceAction>,
    pub mark: Mark,
}

/// What enforcing a behaviour policy does to the operation that broke it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnforceAction {
    /// Refuse the operation before it happens (EPERM).
    Deny,
    /// Kill the process.
    Kill,
    /// Kill every process of the container.
    KillContainer,
}

impl EnforceAction {
    pub const ALL: [EnforceAction; 3] = [
        EnforceAction::Deny,
        EnforceAction::Kill,
        EnforceAction::KillContainer,
    ];

    /// The name written in policy files.
    pub fn name(self) -> &'static str {
        match self {
            EnforceAction::Deny => "deny",
            EnforceAction::Kill => "kill",
            EnforceAction::KillContainer => "kill-container",
        }
    }

    pub fn from_name(name: &str) -> Option<EnforceAction> {
        EnforceAction::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// The rules a policy turns on. The agent resolves names and tags against the rule
/// files named here and the built-in pack.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleSelection {
    /// Falco rule files, resolved against the policy file's directory.
    pub files: Vec<PathBuf>,
    /// Rule names (exact).
    pub names: Vec<String>,
    /// Rules with at least one of these tags.
    pub tags: Vec<String>,
    /// A rule written in the policy itself.
    pub inline: Option<InlineRule>,
}

/// `_behaviour.rules.condition`: a Falco condition (macros and lists of the selected
/// files and the built-in pack in scope) with its output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineRule {
    pub condition: String,
    pub output: String,
    /// Where the condition is written, for the rule compiler's errors.
    pub mark: Mark,
}

/// Where a policy applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// Processes outside containers.
    pub host: bool,
    /// Processes in containers (narrowed by `container_names` and `images`).
    pub containers: bool,
    pub container_names: Vec<glob::Pattern>,
    pub images: Vec<glob::Pattern>,
    /// cgroup paths; when given, only processes in a matching cgroup.
    pub cgroups: Vec<glob::Pattern>,
}

impl Default for Scope {
    fn default() -> Scope {
        Scope {
            host: true,
            containers: true,
            container_names: Vec::new(),
            images: Vec::new(),
            cgroups: Vec::new(),
        }
    }
}

/// Who did something, as scope and exceptions see it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    /// `None` on the host.
    pub container: Option<ContainerSubject<'a>>,
    pub cgroup: &'a str,
    pub exepath: &'a str,
    pub user: &'a str,
    /// The file the operation is on, if any.
    pub path: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ContainerSubject<'a> {
    pub name: Option<&'a str>,
    pub image: Option<&'a str>,
}

impl Scope {
    pub fn contains(&self, subject: &Subject<'_>) -> bool {
        if !self.cgroups.is_empty() && !self.cgroups.iter().any(|p| p.matches(subject.cgroup)) {
            return false;
        }
        match subject.container {
            None => self.host,
            Some(container) => {
                self.containers
                    && matches_any(&self.container_names, container.name)
                    && matches_any(&self.images, container.image)
            }
        }
    }
}

/// True when `patterns` is empty (no restriction) or one matches `value`.
fn matches_any(patterns: &[glob::Pattern], value: Option<&str>) -> bool {
    patterns.is_empty() || value.is_some_and(|v| patterns.iter().any(|p| p.matches(v)))
}

/// An accepted behaviour: every attribute given must match (process exe path, the
/// file's path, the container image, the user name).
#[derive(Debug, Clone, PartialEq)]
pub struct BehaviourException {
    pub process: Option<glob::Pattern>,
    pub path: Option<glob::Pattern>,
    pub image: Option<glob::Pattern>,
    pub user: Option<String>,
    /// Required: carried into the agent's log when the exception applies.
    pub reason: String,
    pub mark: Mark,
}

impl BehaviourException {
    pub fn covers(&self, subject: &Subject<'_>) -> bool {
        let image = subject.container.and_then(|c| c.image);
        self.process
            .as_ref()
            .is_none_or(|p| p.matches(subject.exepath))
            && self
                .path
                .as_ref()
                .is_none_or(|p| subject.path.is_some_and(|path| p.matches(path)))
            && self
                .image
                .as_ref()
                .is_none_or(|p| image.is_some_and(|i| p.matches(i)))
            && self.user.as_deref().is_none_or(|u| u == subject.user)
    }
}

impl BehaviourPolicy {
    /// The name for people: `metadata.name`, or the id when there is none.
    pub fn display_name(&self) -> &str {
        if self.metadata.name.is_empty() {
            &self.id
        } else {
            &self.metadata.name
        }
    }

    /// Whether an enforcement entry names `environment` or `all`; a policy without
    /// entries applies everywhere.
    pub fn applies_to(&self, environment: &str) -> bool {
        self.enforcement.is_empty()
            || self.enforcement.iter().any(|rule| {
                eq_fold(&rule.environment, environment) || eq_fold(&rule.environment, "all")
            })
    }

    /// The mode and action in force in `environment` at `now`: the first enforcement
    /// entry naming the environment (else `all`) overrides the policy's own; then
    /// `enforce_after_days`, counted from `added` or else `first_loaded`, switches an
    /// auditing policy to enforce.
    pub fn mode_at(
        &self,
        environment: Option<&str>,
        now: OffsetDateTime,
        first_loaded: OffsetDateTime,
    ) -> (Mode, Option<EnforceAction>) {
        let entry = environment
            .and_then(|env| {
                self.enforcement
                    .iter()
                    .find(|rule| eq_fold(&rule.environment, env))
            })
            .or_else(|| {
                self.enforcement
                    .iter()
                    .find(|rule| eq_fold(&rule.environment, "all"))
            });
        let mut mode = entry.and_then(|e| e.mode).unwrap_or(self.mode);
        let action = entry.and_then(|e| e.action).or(self.action);
        if let (Mode::Audit, Some(days)) = (mode, self.enforce_after_days) {
            let start = self
                .added
                .map_or(first_loaded, |date| date.midnight().assume_utc());
            if now - start >= time::Duration::days(i64::from(days)) {
                mode = Mode::Enforce;
            }
        }
        (mode, action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn policy() -> BehaviourPolicy {
        BehaviourPolicy {
            id: "BEHAV-001".into(),
            original_id: "BEHAV-001".into(),
            enforcement: Vec::new(),
            metadata: Metadata::default(),
            severity: Severity::High,
            rules: RuleSelection::default(),
            mode: Mode::Audit,
            action: None,
            scope: Scope::default(),
            exceptions: Vec::new(),
            enforce_after_days: None,
            added: None,
            origin: Origin {
                file: PathBuf::from("p.yaml"),
                mark: Mark::default(),
            },
        }
    }

    fn entry(
        environment: &str,
        mode: Option<Mode>,
        action: Option<EnforceAction>,
    ) -> BehaviourEnforcement {
        BehaviourEnforcement {
            environment: environment.into(),
            mode,
            action,
            mark: Mark::default(),
        }
    }

    #[test]
    fn the_environments_entry_then_all_then_the_policy_decide_the_mode() {
        let now = datetime!(2026-11-23 0:00 UTC);
        let mut p = policy();
        p.action = Some(EnforceAction::Kill);
        p.enforcement = vec![
            entry("all", Some(Mode::Audit), None),
            entry("Production", Some(Mode::Enforce), Some(EnforceAction::Deny)),
        ];
        assert_eq!(
            p.mode_at(Some("production"), now, now),
            (Mode::Enforce, Some(EnforceAction::Deny))
        );
        assert_eq!(
            p.mode_at(Some("staging"), now, now),
            (Mode::Audit, Some(EnforceAction::Kill))
        );
        assert_eq!(
            p.mode_at(None, now, now),
            (Mode::Audit, Some(EnforceAction::Kill))
        );
        assert!(p.applies_to("PRODUCTION") && p.applies_to("anything"));
        p.enforcement.remove(0);
        assert!(!p.applies_to("staging"));
    }

    #[test]
    fn enforce_after_days_switches_audit_to_enforce() {
        let mut p = policy();
        p.enforce_after_days = Some(7);
        let loaded = datetime!(2026-11-01 12:00 UTC);
        assert_eq!(
            p.mode_at(None, datetime!(2026-11-08 11:59 UTC), loaded).0,
            Mode::Audit
        );
        assert_eq!(
            p.mode_at(None, datetime!(2026-11-08 12:00 UTC), loaded).0,
            Mode::Enforce
        );
        // `added` wins over the first load.
        p.added = Some(time::macros::date!(2026 - 10 - 01));
        assert_eq!(
            p.mode_at(None, datetime!(2026-11-02 0:00 UTC), loaded).0,
            Mode::Enforce
        );
    }

    #[test]
    fn scope_and_exceptions_match_every_given_attribute() {
        let pattern = |p: &str| glob::Pattern::new(p).unwrap();
        let scope = Scope {
            host: false,
            images: vec![pattern("docker.io/library/nginx:*")],
            ..Scope::default()
        };
        let nginx = Subject {
            container: Some(ContainerSubject {
                name: Some("web"),
                image: Some("docker.io/library/nginx:1.27"),
            }),
            cgroup: "/system.slice/docker-abc.scope",
            exepath: "/usr/bin/apt-get",
            user: "root",
            path: None,
        };
        let host = Subject {
            exepath: "/usr/bin/apt-get",
            user: "root",
            ..Subject::default()
        };
        assert!(scope.contains(&nginx));
        assert!(!scope.contains(&host));
        let redis = Subject {
            container: Some(ContainerSubject {
                name: Some("cache"),
                image: Some("docker.io/library/redis:7"),
            }),
            ..nginx
        };
        assert!(!scope.contains(&redis));

        let exception = BehaviourException {
            process: Some(pattern("/usr/bin/apt*")),
            path: None,
            image: Some(pattern("*/nginx:*")),
            user: Some("root".into()),
            reason: "image build step".into(),
            mark: Mark::default(),
        };
        assert!(exception.covers(&nginx));
        assert!(!exception.covers(&redis));
        assert!(
            !exception.covers(&host),
            "an image pattern never covers the host"
        );
        let by_path = BehaviourException {
            process: None,
            path: Some(pattern("/var/log/*")),
            image: None,
            user: None,
            reason: "log rotation".into(),
            mark: Mark::default(),
        };
        assert!(!by_path.covers(&nginx), "no file, no match");
        assert!(by_path.covers(&Subject {
            path: Some("/var/log/syslog"),
            ..host
        }));
    }
}
