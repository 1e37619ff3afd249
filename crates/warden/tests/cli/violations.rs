//! `warden violations`: a store seeded through the library, read and resolved through
//! the binary.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use warden_violations::{Alert, Entity, SqliteStore, ViolationStore};

use crate::common::{stderr, stdout, warden};

/// 2026-01-31T12:00:00Z.
const T0: u64 = 1_769_860_800_000_000_000;
const SECOND: u64 = 1_000_000_000;

fn alert(
    policy: &str,
    severity: &str,
    entity: Value,
    seconds: u64,
    exepath: &str,
    action: Value,
) -> Alert {
    let time = T0 + seconds * SECOND;
    serde_json::from_value(json!({
        "schema": "warden.alert/v1",
        "id": format!("boot:{seconds}"),
        "time": time,
        "hostname": "node-1",
        "policy": {"id": policy, "name": format!("Policy {policy}"), "severity": severity, "mode": "enforce"},
        "rule": "Terminal shell in container",
        "priority": "Warning",
        "source": "syscall",
        "output": "A shell was spawned \u{1b}[2J",
        "output_fields": {},
        "tags": [],
        "entity": entity,
        "process": {
            "time": time, "pid": 4242, "uid": 0, "gid": 0, "loginuid": 1000,
            "exepath": exepath, "args": ["-c", "echo 'hi'"], "cwd": "/root", "tty": 0,
            "ancestors": [
                {"exepath": "/usr/bin/conmon", "pid": 900, "uid": 0},
                {"exepath": "/usr/lib/systemd/systemd", "pid": 1, "uid": 0}
            ]
        },
        "action": action
    }))
    .unwrap()
}

fn web() -> Value {
    json!({"type": "container", "id": "c0ffee0123456789abcdef", "name": "web", "image": "nginx:1.27", "runtime": "podman"})
}

fn node() -> Value {
    json!({"type": "host", "hostname": "node-1"})
}

fn audited() -> Value {
    json!({"kind": "none", "outcome": {"status": "not-attempted"}})
}

struct Seeded {
    _dir: tempfile::TempDir,
    db: PathBuf,
    /// Newest first: the host's ATTEMPTED violation, then web's ACTIVE one.
    attempted: String,
    active: String,
}

fn seeded() -> Seeded {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("var/lib/warden/warden.db");
    let store = SqliteStore::open(&db).unwrap();
    let mut active = String::new();
    for (i, exe) in ["/bin/sh", "/bin/bash"].into_iter().enumerate() {
        active = store
            .record(&alert("shell", "high", web(), i as u64, exe, audited()))
            .unwrap()
            .violation_id;
    }
    let denied = json!({"kind": "deny", "outcome": {"status": "succeeded"}});
    let attempted = store
        .record(&alert(
            "useradd",
            "critical",
            node(),
            3600,
            "/usr/sbin/useradd",
            denied,
        ))
        .unwrap()
        .violation_id;
    Seeded {
        _dir: dir,
        db,
        attempted,
        active,
    }
}

fn violations(db: &Path, args: &[&str]) -> std::process::Output {
    warden()
        .env_remove("WARDEN_DB")
        .arg("violations")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn json_lines(output: &std::process::Output) -> Vec<Value> {
    assert_eq!(output.status.code(), Some(0), "{}", stderr(output));
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn listed_ids(db: &Path, filters: &[&str]) -> Vec<String> {
    let mut args = vec!["list", "--format", "json"];
    args.extend_from_slice(filters);
    json_lines(&violations(db, &args))
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn list_prints_a_table_or_json_lines_newest_first() {
    let s = seeded();
    let output = violations(&s.db, &["list"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("ID "), "{text}");
    for column in [
        "STATE",
        "SEVERITY",
        "POLICY",
        "ENTITY",
        "COUNT",
        "LAST OCCURRED",
    ] {
        assert!(lines[0].contains(column), "{text}");
    }
    assert!(lines[1].starts_with(&s.attempted), "{text}");
    assert!(
        lines[1].contains("ATTEMPTED") && lines[1].contains("host node-1"),
        "{text}"
    );
    assert!(lines[1].ends_with("2026-01-31T13:00:00Z"), "{text}");
    assert!(lines[2].contains("container web (c0ffee012345)"), "{text}");
    // Columns line up.
    assert_eq!(lines[1].find("critical"), lines[2].find("high"), "{text}");

    let lines = json_lines(&violations(&s.db, &["list", "--format", "json"]));
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["schema"], "warden.violation/v1");
    assert_eq!(lines[0]["state"], "ATTEMPTED");
    assert_eq!(lines[1]["count"], 2);
    assert_eq!(lines[1]["processes"][0]["process"]["exepath"], "/bin/bash");

    let empty = violations(&s.db, &["list", "--policy", "nothing"]);
    assert_eq!(stdout(&empty), "No violations.\n");
    let empty = violations(&s.db, &["list", "--policy", "nothing", "--format", "json"]);
    assert_eq!(stdout(&empty), "");
}

#[test]
fn filters_narrow_the_listing() {
    let s = seeded();
    let both = vec![s.attempted.clone(), s.active.clone()];
    assert_eq!(listed_ids(&s.db, &[]), both);
    assert_eq!(
        listed_ids(&s.db, &["--policy", "shell"]),
        [s.active.as_str()]
    );
    assert_eq!(
        listed_ids(&s.db, &["--severity", "critical"]),
        [s.attempted.as_str()]
    );
    assert_eq!(listed_ids(&s.db, &["--severity", "HIGH"]), both);
    assert_eq!(
        listed_ids(&s.db, &["--state", "active"]),
        [s.active.as_str()]
    );
    assert_eq!(
        listed_ids(&s.db, &["--container", "web"]),
        [s.active.as_str()]
    );
    assert_eq!(
        listed_ids(&s.db, &["--container", "c0ffee"]),
        [s.active.as_str()]
    );
    assert_eq!(
        listed_ids(&s.db, &["--since", "2026-01-31T12:30:00Z"]),
        [s.attempted.as_str()]
    );
    assert_eq!(
        listed_ids(&s.db, &["--until", "2026-01-31T12:30:00+00:00"]),
        [s.active.as_str()]
    );
    // Relative bounds count back from now, long after the seeded times.
    assert_eq!(listed_ids(&s.db, &["--since", "1h"]), Vec::<String>::new());
    assert_eq!(listed_ids(&s.db, &["--until", "30m"]), both);
    assert_eq!(
        listed_ids(&s.db, &["--limit", "1", "--offset", "1"]),
        [s.active.as_str()]
    );
}

#[test]
fn bad_filters_are_usage_errors() {
    let s = seeded();
    for (args, message) in [
        (
            vec!["list", "--severity", "urgent"],
            "unknown severity \"urgent\"; expected one of: low, medium, high, critical",
        ),
        (vec!["list", "--state", "open"], "unknown state \"open\""),
        (
            vec!["list", "--since", "yesterday"],
            "invalid time \"yesterday\"",
        ),
        (
            vec!["list", "--until", "2026-02-30T00:00:00Z"],
            "invalid time \"2026-02-30T00:00:00Z\"",
        ),
        (
            vec!["list", "--limit", "ten"],
            "invalid value 'ten' for '--limit <LIMIT>'",
        ),
        (vec!["list", "--format", "yaml"], "--format"),
        (vec!["show"], "<ID>"),
    ] {
        let output = violations(&s.db, &args);
        assert_eq!(
            output.status.code(),
            Some(64),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(message),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn show_prints_the_processes_and_their_ancestry() {
    let s = seeded();
    let output = violations(&s.db, &["show", &s.active]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    for expected in [
        format!("Violation: {}", s.active),
        "Policy:    Policy shell (shell)".to_owned(),
        "State:     ACTIVE".to_owned(),
        "Entity:    container c0ffee0123456789abcdef, name web, image nginx:1.27, runtime podman"
            .to_owned(),
        "Count:     2".to_owned(),
        "Process 1 of 2, 2026-01-31T12:00:01Z".to_owned(),
        "  Args:    -c 'echo '\\''hi'\\'''".to_owned(),
        "  Action:  none (not attempted)".to_owned(),
        "  User:    uid 0 gid 0 login uid 1000".to_owned(),
        // The output's escape sequence is shown, not sent to the terminal.
        "  Output:  A shell was spawned \\u{1b}[2J".to_owned(),
        "    /usr/lib/systemd/systemd (pid 1, uid 0)\n    └─ /usr/bin/conmon (pid 900, uid 0)\n       └─ /bin/bash (pid 4242, uid 0)  <- this process".to_owned(),
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!text.contains('\x1b'));

    let lines = json_lines(&violations(
        &s.db,
        &["show", &s.attempted, "--format", "json"],
    ));
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["id"], s.attempted.as_str());
    assert_eq!(lines[0]["processes"][0]["action"]["kind"], "deny");

    let output = violations(&s.db, &["show", "no-such-id"]);
    assert_eq!(output.status.code(), Some(4));
    assert!(stderr(&output).contains("no violation with id \"no-such-id\""));
}

#[test]
fn resolve_records_who_and_why_and_can_add_to_the_baseline() {
    let s = seeded();
    let output = warden()
        .env("USER", "alice")
        .env_remove("SUDO_USER")
        .env("WARDEN_DB", &s.db)
        .args([
            "violations",
            "resolve",
            &s.active,
            "--note",
            "expected",
            "--add-to-baseline",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), format!("Resolved {}.\n", s.active));
    assert_eq!(
        stderr(&output),
        "Baseline: policy shell no longer alerts on /bin/bash in image nginx:1.27\n\
         Baseline: policy shell no longer alerts on /bin/sh in image nginx:1.27\n"
    );

    let store = SqliteStore::open_existing(&s.db).unwrap();
    let violation = store.get(&s.active).unwrap().unwrap();
    let resolution = violation.resolution.unwrap();
    assert_eq!(
        (resolution.by.as_str(), resolution.note.as_deref()),
        ("cli:alice", Some("expected"))
    );
    let sibling: Entity = serde_json::from_value(json!({
        "type": "container", "id": "other", "name": null, "image": "nginx:1.27", "runtime": "docker"
    }))
    .unwrap();
    assert!(store.is_baselined("shell", &sibling, "/bin/sh").unwrap());

    let again = violations(&s.db, &["resolve", &s.active]);
    assert_eq!(again.status.code(), Some(5));
    assert!(
        stderr(&again).contains("is already resolved (by cli:alice: expected)"),
        "{}",
        stderr(&again)
    );

    let lines = json_lines(&violations(
        &s.db,
        &["resolve", &s.attempted, "--format", "json"],
    ));
    assert_eq!(lines[0]["state"], "RESOLVED");
    assert_eq!(lines[0]["resolution"]["note"], Value::Null);
    assert_eq!(listed_ids(&s.db, &["--state", "resolved"]).len(), 2);

    let missing = violations(&s.db, &["resolve", "no-such-id"]);
    assert_eq!(missing.status.code(), Some(4));
}

#[test]
fn an_unreadable_store_is_its_own_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("warden.db");
    let output = violations(&missing, &["list"]);
    assert_eq!(output.status.code(), Some(74));
    assert!(
        stderr(&output).contains("does not exist"),
        "{}",
        stderr(&output)
    );
    assert!(!missing.exists());

    std::fs::write(&missing, "not a database\n".repeat(500)).unwrap();
    for args in [vec!["list"], vec!["show", "x"], vec!["resolve", "x"]] {
        let output = violations(&missing, &args);
        assert_eq!(output.status.code(), Some(74), "{args:?}");
        assert!(
            stderr(&output).contains("warden.db: reading it: file is not a database"),
            "{}",
            stderr(&output)
        );
    }
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let s = seeded();
    let mut child = warden()
        .env_remove("WARDEN_DB")
        .args(["violations", "list", "--format", "json", "--db"])
        .arg(&s.db)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Closed before the child has opened the store, as `| head -0` would.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
}
