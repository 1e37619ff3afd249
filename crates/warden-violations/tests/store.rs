//! The SQLite store through the `ViolationStore` trait: merging, listing, resolving,
//! baselines, schema migrations and damaged files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::*;
use warden_violations::{
    ActionKind, ActionOutcome, BaselineScope, MAX_PROCESS_RECORDS, Page, ResolveRequest, Severity,
    SqliteStore, StoreError, VIOLATION_SCHEMA, ViolationFilter, ViolationState, ViolationStore,
};

fn fresh() -> (tempfile::TempDir, PathBuf, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dirs/warden.db");
    let store = SqliteStore::open(&path).unwrap();
    (dir, path, store)
}

fn resolve_request(note: Option<&str>, add_to_baseline: bool) -> ResolveRequest {
    ResolveRequest {
        time: T0 + 10_000 * SECOND,
        by: "cli:alice".to_owned(),
        note: note.map(str::to_owned),
        add_to_baseline,
    }
}

fn ids(store: &SqliteStore, filter: &ViolationFilter) -> Vec<String> {
    store
        .list(filter, Page::ALL)
        .unwrap()
        .into_iter()
        .map(|v| v.id)
        .collect()
}

#[test]
fn repeats_merge_into_one_violation_keeping_the_latest_40_processes() {
    let (_dir, _path, store) = fresh();
    let web = container("c0ffee0123456789", Some("web"), Some("nginx:1.27"));
    let shell = policy("shell-in-container", Severity::High);
    let first = store
        .record(&alert(shell.clone(), web.clone(), 0, "/bin/sh", 100))
        .unwrap();
    assert!(first.new);
    for i in 1..100u32 {
        let again = store
            .record(&alert(
                shell.clone(),
                web.clone(),
                u64::from(i),
                "/bin/sh",
                100 + i,
            ))
            .unwrap();
        assert_eq!(again.violation_id, first.violation_id);
        assert!(!again.new);
    }
    let violation = store.get(&first.violation_id).unwrap().unwrap();
    assert_eq!(violation.schema, VIOLATION_SCHEMA);
    assert_eq!(violation.count, 100);
    assert_eq!(violation.state, ViolationState::Active);
    assert_eq!(violation.first_occurred, T0);
    assert_eq!(violation.last_occurred, T0 + 99 * SECOND);
    assert_eq!(violation.processes.len(), MAX_PROCESS_RECORDS);
    // Newest first: pids 199 down to 160.
    let pids: Vec<u32> = violation.processes.iter().map(|p| p.process.pid).collect();
    assert_eq!(pids, (160..200).rev().collect::<Vec<u32>>());
    assert_eq!(violation.processes[0].alert_id, "boot-1:199:99");
    assert_eq!(violation.processes[0].process.ancestors.len(), 2);
    assert_eq!(violation.entity, web);
    assert_eq!(violation.hostname, "node-1");
    assert_eq!(
        store
            .list(&ViolationFilter::default(), Page::ALL)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn late_alerts_keep_the_latest_processes_and_widen_the_time_range() {
    let (_dir, _path, store) = fresh();
    let shell = policy("shell", Severity::Low);
    for i in 0..MAX_PROCESS_RECORDS as u64 {
        store
            .record(&alert(shell.clone(), host("h"), 100 + i, "/bin/sh", 1))
            .unwrap();
    }
    // Arrives late: older than every kept record, so it is counted but not kept, and it
    // does not replace the policy snapshot taken from the latest alert.
    let mut late = alert(shell.clone(), host("h"), 5, "/bin/late", 2);
    late.policy.name = "Old name".to_owned();
    let id = store.record(&late).unwrap().violation_id;
    let violation = store.get(&id).unwrap().unwrap();
    assert_eq!(violation.count, MAX_PROCESS_RECORDS as u64 + 1);
    assert_eq!(violation.first_occurred, T0 + 5 * SECOND);
    assert_eq!(violation.policy.name, "Policy shell");
    assert!(
        violation
            .processes
            .iter()
            .all(|p| p.process.exepath == "/bin/sh")
    );
    // A newer alert renames the policy as it is now.
    let mut renamed = alert(shell, host("h"), 1000, "/bin/sh", 3);
    renamed.policy.name = "New name".to_owned();
    renamed.policy.severity = Severity::Critical;
    store.record(&renamed).unwrap();
    let violation = store.get(&id).unwrap().unwrap();
    assert_eq!(violation.policy.name, "New name");
    assert_eq!(violation.policy.severity, Severity::Critical);
}

#[test]
fn attempted_and_active_occurrences_are_separate_violations() {
    let (_dir, _path, store) = fresh();
    let web = container("c1", None, None);
    let p = policy("p", Severity::Medium);
    let active = store
        .record(&alert(p.clone(), web.clone(), 0, "/bin/sh", 1))
        .unwrap();
    let mut blocked = alert(p.clone(), web.clone(), 1, "/bin/sh", 2);
    blocked.action.kind = ActionKind::Deny;
    blocked.action.outcome = ActionOutcome::Succeeded;
    let attempted = store.record(&blocked).unwrap();
    assert!(attempted.new);
    assert_ne!(attempted.violation_id, active.violation_id);
    // A deny that failed let the operation through: ACTIVE.
    let mut failed = alert(p.clone(), web.clone(), 2, "/bin/sh", 3);
    failed.action.kind = ActionKind::Deny;
    failed.action.outcome = ActionOutcome::Failed {
        reason: "no LSM".to_owned(),
    };
    assert_eq!(
        store.record(&failed).unwrap().violation_id,
        active.violation_id
    );
    // A kill happens after the fact: ACTIVE too.
    let mut killed = alert(p.clone(), web.clone(), 3, "/bin/sh", 4);
    killed.action.kind = ActionKind::Kill;
    killed.action.outcome = ActionOutcome::Succeeded;
    assert_eq!(
        store.record(&killed).unwrap().violation_id,
        active.violation_id
    );
    let mut denied_again = alert(p, web, 4, "/bin/sh", 5);
    denied_again.action = denied();
    assert_eq!(
        store.record(&denied_again).unwrap().violation_id,
        attempted.violation_id
    );
    let active = store.get(&active.violation_id).unwrap().unwrap();
    let attempted = store.get(&attempted.violation_id).unwrap().unwrap();
    assert_eq!((active.state, active.count), (ViolationState::Active, 3));
    assert_eq!(
        (attempted.state, attempted.count),
        (ViolationState::Attempted, 2)
    );
    assert_eq!(active.processes[0].action.kind, ActionKind::Kill);
}

#[test]
fn other_policies_and_entities_get_their_own_violations() {
    let (_dir, _path, store) = fresh();
    let a = policy("a", Severity::Low);
    let b = policy("b", Severity::Low);
    let mut seen = std::collections::HashSet::new();
    for (policy, entity) in [
        (a.clone(), host("h1")),
        (a.clone(), host("h2")),
        (b.clone(), host("h1")),
        (a.clone(), container("c1", Some("web"), None)),
        (a, container("c2", Some("web"), None)),
        (b, container("c1", Some("web"), None)),
    ] {
        let recorded = store
            .record(&alert(policy, entity, 0, "/bin/sh", 1))
            .unwrap();
        assert!(recorded.new);
        assert!(seen.insert(recorded.violation_id));
    }
}

#[test]
fn a_resolved_violation_is_never_reopened() {
    let (_dir, _path, store) = fresh();
    let p = policy("p", Severity::High);
    let first = store
        .record(&alert(p.clone(), host("h"), 0, "/bin/sh", 1))
        .unwrap();
    let resolved = store
        .resolve(
            &first.violation_id,
            &resolve_request(Some("expected: admin"), false),
        )
        .unwrap();
    assert_eq!(resolved.violation.state, ViolationState::Resolved);
    let resolution = resolved.violation.resolution.clone().unwrap();
    assert_eq!(resolution.by, "cli:alice");
    assert_eq!(resolution.note.as_deref(), Some("expected: admin"));
    assert_eq!(resolution.time, T0 + 10_000 * SECOND);
    assert!(resolved.baselined.is_empty());

    let again = store
        .record(&alert(p, host("h"), 20_000, "/bin/sh", 2))
        .unwrap();
    assert!(again.new);
    assert_ne!(again.violation_id, first.violation_id);
    let old = store.get(&first.violation_id).unwrap().unwrap();
    assert_eq!((old.state, old.count), (ViolationState::Resolved, 1));

    match store.resolve(&first.violation_id, &resolve_request(None, true)) {
        Err(StoreError::AlreadyResolved { id, resolution }) => {
            assert_eq!(id, first.violation_id);
            assert_eq!(resolution.by, "cli:alice");
        }
        other => panic!("expected AlreadyResolved, got {other:?}"),
    }
    assert!(store.baseline().unwrap().is_empty());
    match store.resolve("no-such-id", &resolve_request(None, false)) {
        Err(StoreError::NotFound(id)) => assert_eq!(id, "no-such-id"),
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert_eq!(store.get("no-such-id").unwrap(), None);
}

#[test]
fn resolving_into_the_baseline_records_each_executable_for_the_scope() {
    let (_dir, _path, store) = fresh();
    let p = policy("unexpected-exec", Severity::Medium);
    let web = container("c1", Some("web-1"), Some("nginx:1.27"));
    let sibling = container("c2", Some("web-2"), Some("nginx:1.27"));
    let other_image = container("c3", Some("db"), Some("postgres:17"));
    let mut id = String::new();
    for (i, exe) in ["/bin/sh", "/usr/bin/curl", "/bin/sh"]
        .into_iter()
        .enumerate()
    {
        id = store
            .record(&alert(p.clone(), web.clone(), i as u64, exe, 10 + i as u32))
            .unwrap()
            .violation_id;
    }
    assert!(
        !store
            .is_baselined("unexpected-exec", &web, "/bin/sh")
            .unwrap()
    );
    let resolved = store.resolve(&id, &resolve_request(None, true)).unwrap();
    let added: Vec<(&str, &BaselineScope)> = resolved
        .baselined
        .iter()
        .map(|e| (e.exepath.as_str(), &e.scope))
        .collect();
    let image = BaselineScope::Image("nginx:1.27".to_owned());
    assert_eq!(added, [("/bin/sh", &image), ("/usr/bin/curl", &image)]);
    assert_eq!(store.baseline().unwrap(), resolved.baselined);
    let entry = &resolved.baselined[0];
    assert_eq!(
        (
            entry.policy_id.as_str(),
            entry.violation_id.as_str(),
            entry.added_by.as_str()
        ),
        ("unexpected-exec", id.as_str(), "cli:alice")
    );

    // Every container of the image, for this policy and these executables only.
    assert!(
        store
            .is_baselined("unexpected-exec", &web, "/bin/sh")
            .unwrap()
    );
    assert!(
        store
            .is_baselined("unexpected-exec", &sibling, "/usr/bin/curl")
            .unwrap()
    );
    assert!(
        !store
            .is_baselined("unexpected-exec", &other_image, "/bin/sh")
            .unwrap()
    );
    assert!(!store.is_baselined("other-policy", &web, "/bin/sh").unwrap());
    assert!(
        !store
            .is_baselined("unexpected-exec", &web, "/bin/bash")
            .unwrap()
    );
    assert!(
        !store
            .is_baselined("unexpected-exec", &host("node-1"), "/bin/sh")
            .unwrap()
    );

    // A second violation with an executable already there adds only the new one.
    let again = store
        .record(&alert(p.clone(), web.clone(), 100, "/bin/sh", 50))
        .unwrap();
    store
        .record(&alert(p.clone(), web, 101, "/usr/bin/wget", 51))
        .unwrap();
    let resolved = store
        .resolve(&again.violation_id, &resolve_request(None, true))
        .unwrap();
    let added: Vec<&str> = resolved
        .baselined
        .iter()
        .map(|e| e.exepath.as_str())
        .collect();
    assert_eq!(added, ["/usr/bin/wget"]);
    assert_eq!(store.baseline().unwrap().len(), 3);

    // Hosts are their own scope.
    let on_host = store
        .record(&alert(p, host("node-1"), 0, "/usr/sbin/useradd", 9))
        .unwrap();
    store
        .resolve(&on_host.violation_id, &resolve_request(None, true))
        .unwrap();
    assert!(
        store
            .is_baselined("unexpected-exec", &host("node-1"), "/usr/sbin/useradd")
            .unwrap()
    );
    assert!(
        !store
            .is_baselined("unexpected-exec", &host("node-2"), "/usr/sbin/useradd")
            .unwrap()
    );
}

#[test]
fn filters_select_and_pages_order_newest_first() {
    let (_dir, _path, store) = fresh();
    let low = policy("low", Severity::Low);
    let high = policy("high", Severity::High);
    let critical = policy("critical", Severity::Critical);
    let web = container("c0ffee0123456789", Some("web"), Some("nginx"));
    let db = container("deadbeef01234567", Some("db"), Some("postgres"));
    let r = |p: &warden_violations::PolicyRef, e: &warden_violations::Entity, s: u64| {
        store
            .record(&alert(p.clone(), e.clone(), s, "/bin/sh", 1))
            .unwrap()
            .violation_id
    };
    let low_host = r(&low, &host("h"), 10);
    let high_web = r(&high, &web, 20);
    let critical_db = r(&critical, &db, 30);
    let high_db = r(&high, &db, 40);
    // Spans 50..=60.
    let low_web = r(&low, &web, 50);
    r(&low, &web, 60);
    store
        .resolve(&high_db, &resolve_request(None, false))
        .unwrap();

    let all = ViolationFilter::default();
    assert_eq!(
        ids(&store, &all),
        [
            low_web.clone(),
            high_db.clone(),
            critical_db.clone(),
            high_web.clone(),
            low_host.clone()
        ]
    );
    assert_eq!(store.count(&all).unwrap(), 5);

    let by = |filter: ViolationFilter| (ids(&store, &filter), store.count(&filter).unwrap());
    assert_eq!(
        by(ViolationFilter {
            policy_id: Some("high".into()),
            ..Default::default()
        }),
        (vec![high_db.clone(), high_web.clone()], 2)
    );
    assert_eq!(
        by(ViolationFilter {
            min_severity: Some(Severity::High),
            ..Default::default()
        }),
        (
            vec![high_db.clone(), critical_db.clone(), high_web.clone()],
            3
        )
    );
    assert_eq!(
        by(ViolationFilter {
            state: Some(ViolationState::Resolved),
            ..Default::default()
        }),
        (vec![high_db.clone()], 1)
    );
    assert_eq!(
        by(ViolationFilter {
            state: Some(ViolationState::Attempted),
            ..Default::default()
        }),
        (vec![], 0)
    );
    // Container by name, by full id, by id prefix.
    for container in ["db", "deadbeef01234567", "deadbeef"] {
        assert_eq!(
            by(ViolationFilter {
                container: Some(container.into()),
                ..Default::default()
            }),
            (vec![high_db.clone(), critical_db.clone()], 2),
            "{container}"
        );
    }
    assert_eq!(
        by(ViolationFilter {
            container: Some("eadbeef".into()),
            ..Default::default()
        })
        .1,
        0
    );
    // A violation is in a time range when any of its occurrences could be.
    assert_eq!(
        by(ViolationFilter {
            since: Some(T0 + 55 * SECOND),
            ..Default::default()
        }),
        (vec![low_web.clone()], 1)
    );
    assert_eq!(
        by(ViolationFilter {
            since: Some(T0 + 20 * SECOND),
            until: Some(T0 + 50 * SECOND),
            ..Default::default()
        }),
        (
            vec![
                low_web.clone(),
                high_db.clone(),
                critical_db.clone(),
                high_web.clone()
            ],
            4
        )
    );
    assert_eq!(
        by(ViolationFilter {
            until: Some(T0 + 10 * SECOND),
            ..Default::default()
        }),
        (vec![low_host.clone()], 1)
    );
    assert_eq!(
        by(ViolationFilter {
            policy_id: Some("low".into()),
            min_severity: Some(Severity::Low),
            container: Some("web".into()),
            state: Some(ViolationState::Active),
            since: Some(0),
            until: Some(u64::MAX),
        }),
        (vec![low_web.clone()], 1)
    );

    let page = |limit, offset| {
        store
            .list(&all, Page { limit, offset })
            .unwrap()
            .into_iter()
            .map(|v| v.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(page(Some(2), 0), [low_web.clone(), high_db.clone()]);
    assert_eq!(page(Some(2), 2), [critical_db.clone(), high_web.clone()]);
    assert_eq!(page(Some(2), 4), std::slice::from_ref(&low_host));
    assert_eq!(page(None, 3), [high_web.clone(), low_host.clone()]);
    assert!(page(Some(10), 5).is_empty());
    assert!(page(Some(0), 0).is_empty());
}

#[test]
fn a_batch_is_one_commit_and_merges_within_itself() {
    let (_dir, _path, store) = fresh();
    let p = policy("p", Severity::Low);
    let batch: Vec<_> = (0..5)
        .map(|i| {
            alert(
                p.clone(),
                host(if i % 2 == 0 { "a" } else { "b" }),
                i,
                "/bin/sh",
                1,
            )
        })
        .collect();
    let recorded = store.record_all(&batch).unwrap();
    let new: Vec<bool> = recorded.iter().map(|r| r.new).collect();
    assert_eq!(new, [true, true, false, false, false]);
    assert_eq!(recorded[0].violation_id, recorded[2].violation_id);
    assert_eq!(recorded[1].violation_id, recorded[3].violation_id);

    // An alert the store cannot keep fails the whole batch.
    let mut bad = alert(p.clone(), host("c"), 0, "/bin/sh", 1);
    bad.time = u64::MAX;
    let err = store
        .record_all(&[alert(p, host("d"), 0, "/bin/sh", 1), bad])
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidAlert { .. }), "{err}");
    assert!(err.to_string().contains("after the year 2262"), "{err}");
    assert_eq!(store.count(&ViolationFilter::default()).unwrap(), 2);
}

#[test]
fn the_store_is_shared_across_threads_and_processes() {
    let (_dir, path, store) = fresh();
    let store = std::sync::Arc::new(store);
    // A second connection set, as the CLI opens while the agent writes.
    let other = SqliteStore::open_existing(&path).unwrap();
    std::thread::scope(|scope| {
        for t in 0..4u64 {
            let store = store.clone();
            scope.spawn(move || {
                for i in 0..50 {
                    store
                        .record(&alert(
                            policy("p", Severity::Low),
                            host("h"),
                            t * 100 + i,
                            "/bin/sh",
                            1,
                        ))
                        .unwrap();
                }
            });
        }
        scope.spawn(|| {
            for i in 0..50 {
                other
                    .record(&alert(
                        policy("q", Severity::Low),
                        host("h"),
                        i,
                        "/bin/sh",
                        1,
                    ))
                    .unwrap();
                other.list(&ViolationFilter::default(), Page::ALL).unwrap();
            }
        });
    });
    let counts: Vec<u64> = store
        .list(&ViolationFilter::default(), Page::ALL)
        .unwrap()
        .iter()
        .map(|v| v.count)
        .collect();
    assert_eq!(counts, [200, 50]);
}

#[test]
fn a_new_file_is_migrated_and_reopening_keeps_everything() {
    let (_dir, path, store) = fresh();
    let id = store
        .record(&alert(
            policy("p", Severity::Low),
            host("h"),
            0,
            "/bin/sh",
            1,
        ))
        .unwrap()
        .violation_id;
    store.resolve(&id, &resolve_request(None, true)).unwrap();
    let before = store.get(&id).unwrap().unwrap();
    drop(store);
    for _ in 0..2 {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.get(&id).unwrap().unwrap(), before);
        assert_eq!(store.baseline().unwrap().len(), 1);
    }
    let store = SqliteStore::open_existing(&path).unwrap();
    assert_eq!(store.path(), path);
    assert_eq!(store.count(&ViolationFilter::default()).unwrap(), 1);
    let mode = std::fs::metadata(&path).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
        0o600
    );
    let parent = std::fs::metadata(path.parent().unwrap()).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&parent.permissions()) & 0o777,
        0o700
    );
}

fn unavailable(result: Result<SqliteStore, StoreError>) -> String {
    match result {
        Err(err @ StoreError::Unavailable { .. }) => err.to_string(),
        Err(other) => panic!("expected Unavailable, got {other}"),
        Ok(_) => panic!("expected an error"),
    }
}

#[test]
fn files_that_are_not_stores_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.db");
    let message = unavailable(SqliteStore::open_existing(&missing));
    assert!(message.contains("missing.db: does not exist"), "{message}");
    assert!(!missing.exists(), "a reader must not create the store");

    let garbage = dir.path().join("garbage.db");
    std::fs::write(
        &garbage,
        "this is not a database, it is a text file of some length.\n".repeat(100),
    )
    .unwrap();
    let message = unavailable(SqliteStore::open(&garbage));
    assert!(
        message.contains("garbage.db: reading it: file is not a database"),
        "{message}"
    );

    let message = unavailable(SqliteStore::open_existing(dir.path()));
    assert!(message.contains("is not a file"), "{message}");

    let under_a_file = garbage.join("warden.db");
    let message = unavailable(SqliteStore::open(&under_a_file));
    assert!(message.contains("creating"), "{message}");

    // Another program's SQLite database is left alone.
    let foreign = dir.path().join("foreign.db");
    raw_sql(&foreign, "CREATE TABLE notes (body TEXT);");
    let message = unavailable(SqliteStore::open(&foreign));
    assert!(message.contains("another program"), "{message}");

    // A store from a newer Warden.
    let newer = dir.path().join("newer.db");
    drop(SqliteStore::open(&newer).unwrap());
    raw_sql(&newer, "PRAGMA user_version = 99;");
    let message = unavailable(SqliteStore::open(&newer));
    assert!(
        message.contains("schema version 99, newer than this Warden knows (1)"),
        "{message}"
    );
}

#[test]
fn damaged_pages_give_errors_not_panics() {
    let (_dir, path, store) = fresh();
    let p = policy("p", Severity::Low);
    for i in 0..300u32 {
        store
            .record(&alert(
                p.clone(),
                host(&format!("h{i}")),
                u64::from(i),
                "/bin/sh",
                i,
            ))
            .unwrap();
    }
    drop(store);
    // Fold the log into the main file, then overwrite everything after the first page.
    raw_sql(&path, "PRAGMA wal_checkpoint(TRUNCATE);");
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 8192, "{} bytes", bytes.len());
    for b in &mut bytes[4096..] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let result = SqliteStore::open(&path).and_then(|store| {
        store
            .list(&ViolationFilter::default(), Page::ALL)
            .map(|_| ())
    });
    match result {
        Err(StoreError::Unavailable { location, message }) => {
            assert_eq!(location, path.display().to_string());
            assert!(message.contains("malformed"), "{message}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

/// Runs SQL on `path` outside the store, as another program would.
fn raw_sql(path: &Path, sql: &str) {
    let connection = rusqlite::Connection::open(path).unwrap();
    connection.execute_batch(sql).unwrap();
}
