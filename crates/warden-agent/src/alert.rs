//! Turning a rule match into Warden's alert record: the policy, Falco's alert fields, the
//! entity and the process's forensic fields.

use warden_events::Event;
use warden_policy::{BehaviourPolicy, EnforceAction};
use warden_rules::{Rule, RuleSet};
use warden_violations::{
    ALERT_SCHEMA, Action, ActionKind, ActionOutcome, Alert, AncestorRecord, Entity, Mode,
    PolicyRef, ProcessRecord,
};

/// Why an enforcing policy's action failed: this agent does not drive the enforcement
/// layer yet, and says so rather than pretending.
pub(crate) const NO_ENFORCEMENT: &str = "this agent does not drive warden-enforce yet";

/// What the agent decided for one match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub mode: Mode,
    pub action: Action,
}

impl Decision {
    /// The decision for a policy in `mode` whose action is `action` (or the default for
    /// the operation).
    pub fn for_mode(mode: Mode, action: Option<EnforceAction>) -> Decision {
        match mode {
            Mode::Audit => Decision::audit(),
            Mode::Enforce => Decision {
                mode,
                action: Action {
                    kind: match action {
                        Some(EnforceAction::Deny) => ActionKind::Deny,
                        Some(EnforceAction::KillContainer) => ActionKind::KillContainer,
                        Some(EnforceAction::Kill) | None => ActionKind::Kill,
                    },
                    outcome: ActionOutcome::Failed {
                        reason: NO_ENFORCEMENT.to_owned(),
                    },
                },
            },
        }
    }

    /// Audit mode: recorded, nothing done.
    pub fn audit() -> Decision {
        Decision {
            mode: Mode::Audit,
            action: Action {
                kind: ActionKind::None,
                outcome: ActionOutcome::NotAttempted,
            },
        }
    }
}

/// The alert `rule` of `policy` raises for `event`. `id` is unique per alert.
pub fn alert_for(
    rules: &RuleSet,
    rule: &Rule,
    policy: &BehaviourPolicy,
    event: &Event,
    decision: Decision,
    id: String,
) -> Alert {
    let falco = rules.alert(rule, event);
    let entity = match &event.container {
        Some(container) => Entity::Container {
            id: container.full_id.clone(),
            name: container.name.clone(),
            image: container.image.clone(),
            runtime: container.runtime.clone(),
        },
        None => Entity::Host {
            hostname: falco.hostname.clone(),
        },
    };
    let process = &event.process;
    Alert {
        schema: ALERT_SCHEMA.to_owned(),
        id,
        time: event.time,
        hostname: falco.hostname,
        policy: PolicyRef {
            id: policy.id.clone(),
            name: policy.display_name().to_owned(),
            severity: policy.severity,
            mode: decision.mode,
        },
        rule: falco.rule,
        priority: falco.priority.name().to_owned(),
        source: falco.source,
        output: falco.output,
        output_fields: falco.output_fields,
        tags: falco.tags,
        entity,
        process: ProcessRecord {
            time: event.time,
            pid: process.pid,
            uid: process.uid,
            gid: process.gid,
            loginuid: process.loginuid,
            exepath: process.exepath.clone(),
            args: process.args.clone(),
            cwd: process.cwd.clone(),
            tty: process.tty,
            ancestors: process
                .ancestors
                .iter()
                .map(|a| AncestorRecord {
                    exepath: a.exepath.clone(),
                    pid: a.pid,
                    uid: a.uid,
                })
                .collect(),
        },
        action: decision.action,
    }
}
