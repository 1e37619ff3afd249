//! Alerts as the agent would record them, varied where the tests need it.

#![allow(dead_code)]

use serde_json::Map;
use warden_violations::{
    ALERT_SCHEMA, Action, ActionKind, ActionOutcome, Alert, AncestorRecord, Entity, Mode,
    PolicyRef, ProcessRecord, Severity,
};

pub(crate) const SECOND: u64 = 1_000_000_000;
/// 2026-01-31T12:00:00Z.
pub(crate) const T0: u64 = 1_769_860_800 * SECOND;

pub(crate) fn host(name: &str) -> Entity {
    Entity::Host {
        hostname: name.to_owned(),
    }
}

pub(crate) fn container(id: &str, name: Option<&str>, image: Option<&str>) -> Entity {
    Entity::Container {
        id: id.to_owned(),
        name: name.map(str::to_owned),
        image: image.map(str::to_owned),
        runtime: "podman".to_owned(),
    }
}

pub(crate) fn audit() -> Action {
    Action {
        kind: ActionKind::None,
        outcome: ActionOutcome::NotAttempted,
    }
}

pub(crate) fn denied() -> Action {
    Action {
        kind: ActionKind::Deny,
        outcome: ActionOutcome::Succeeded,
    }
}

pub(crate) fn policy(id: &str, severity: Severity) -> PolicyRef {
    PolicyRef {
        id: id.to_owned(),
        name: format!("Policy {id}"),
        severity,
        mode: Mode::Enforce,
    }
}

/// An alert of `policy` on `entity` at `T0 + seconds`, by `exepath` with pid `pid`.
pub(crate) fn alert(
    policy: PolicyRef,
    entity: Entity,
    seconds: u64,
    exepath: &str,
    pid: u32,
) -> Alert {
    let time = T0 + seconds * SECOND;
    Alert {
        schema: ALERT_SCHEMA.to_owned(),
        id: format!("boot-1:{pid}:{seconds}"),
        time,
        hostname: "node-1".to_owned(),
        policy,
        rule: "Terminal shell in container".to_owned(),
        priority: "Warning".to_owned(),
        source: "syscall".to_owned(),
        output: format!("A shell was spawned (proc.exepath={exepath})"),
        output_fields: Map::new(),
        tags: vec!["shell".to_owned()],
        entity,
        process: ProcessRecord {
            time,
            pid,
            uid: 0,
            gid: 0,
            loginuid: Some(1000),
            exepath: exepath.to_owned(),
            args: vec!["-c".to_owned(), "id".to_owned()],
            cwd: "/".to_owned(),
            tty: 0,
            ancestors: vec![
                AncestorRecord {
                    exepath: "/usr/bin/conmon".to_owned(),
                    pid: 900,
                    uid: 0,
                },
                AncestorRecord {
                    exepath: "/usr/lib/systemd/systemd".to_owned(),
                    pid: 1,
                    uid: 0,
                },
            ],
        },
        action: audit(),
    }
}
