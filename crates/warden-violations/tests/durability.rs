//! A recorded alert survives SIGKILL: a child process records alerts and reports each
//! one after `record` returns; the parent kills it mid-stream, reopens the store and
//! finds every reported alert.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;
use warden_violations::{Page, Severity, SqliteStore, ViolationFilter, ViolationStore};

/// Set in the child: the store it writes to.
const CHILD_DB: &str = "WARDEN_VIOLATIONS_CRASH_CHILD_DB";
const TEST_NAME: &str = "records_survive_sigkill";
/// Alerts the parent waits to see reported before it kills the child.
const REPORTED_BEFORE_KILL: usize = 150;

#[test]
fn records_survive_sigkill() {
    match std::env::var_os(CHILD_DB) {
        Some(db) => record_until_killed(Path::new(&db)),
        None => kill_a_recording_child(),
    }
}

fn record_until_killed(db: &Path) {
    let store = SqliteStore::open(db).unwrap();
    let mut stdout = std::io::stdout().lock();
    for i in 0u64.. {
        // Spread over policies and entities, and a few batches, so the kill can land
        // inside any statement of a merge or an insert.
        let policy = policy(&format!("p{}", i % 3), Severity::High);
        let entity = host(&format!("h{}", i % 5));
        if i % 10 == 9 {
            let batch = [
                alert(policy.clone(), entity.clone(), i, "/bin/sh", 1),
                alert(policy, entity, i, "/bin/sh", 2),
            ];
            store.record_all(&batch).unwrap();
            writeln!(stdout, "recorded 2").unwrap();
        } else {
            store
                .record(&alert(policy, entity, i, "/bin/sh", 1))
                .unwrap();
            writeln!(stdout, "recorded 1").unwrap();
        }
        stdout.flush().unwrap();
    }
}

fn kill_a_recording_child() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("warden.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_DB, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut reported = 0u64;
    let mut reports = 0usize;
    while reports < REPORTED_BEFORE_KILL {
        let line = lines.next().expect("the child stopped early").unwrap();
        if let Some(n) = line.strip_prefix("recorded ") {
            reported += n.parse::<u64>().unwrap();
            reports += 1;
        }
    }
    // Child::kill sends SIGKILL.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
    // Reports already in the pipe were made before the kill.
    for line in lines {
        if let Some(n) = line.unwrap().strip_prefix("recorded ") {
            reported += n.parse::<u64>().unwrap();
        }
    }

    let store = SqliteStore::open(&db).unwrap();
    let violations = store.list(&ViolationFilter::default(), Page::ALL).unwrap();
    let total: u64 = violations.iter().map(|v| v.count).sum();
    // Every reported alert is there; at most the one commit in flight (a batch of two)
    // went through unreported.
    assert!(
        (reported..=reported + 2).contains(&total),
        "reported {reported}, stored {total}"
    );
    assert_eq!(violations.len(), 15);
}
