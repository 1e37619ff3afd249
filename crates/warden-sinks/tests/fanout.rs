//! The fan-out: a stalled sink or receiver never holds up `send`, drops and spooling
//! are counted exactly, file sinks follow logrotate, and the JSON shapes are right.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use warden_sinks::{Format, Sink, SinkConfig, SinkCounts, Sinks, WriteError, alert_json};
use warden_violations::Alert;

use common::{alert, rules_alert, wait_for};

/// A sink that says when a write starts and then waits to be let go.
struct Stalled {
    started: std_mpsc::Sender<usize>,
    release: Arc<Mutex<std_mpsc::Receiver<()>>>,
}

impl Sink for Stalled {
    fn write(&mut self, alerts: &[Arc<Alert>]) -> Result<(), WriteError> {
        self.started.send(alerts.len()).unwrap();
        self.release.lock().unwrap().recv().unwrap();
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_sink_and_a_stalled_receiver_never_hold_up_send() {
    // A webhook receiver that accepts connections and never answers until let go.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let answered = Arc::new(Mutex::new(Vec::<String>::new()));
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post({
                let gate = Arc::clone(&gate);
                let answered = Arc::clone(&answered);
                move |headers: axum::http::HeaderMap| async move {
                    gate.acquire().await.unwrap().forget();
                    let id = headers["webhook-id"].to_str().unwrap().to_owned();
                    answered.lock().unwrap().push(id);
                }
            }),
        )
        .into_make_service();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let config: Vec<SinkConfig> = serde_json::from_value(json!([{"webhook": {
        "name": "hook",
        "url": format!("http://127.0.0.1:{port}/hook"),
        "timeout": "30s",
    }}]))
    .unwrap();
    let mut sinks = Sinks::new(&config, dir.path()).unwrap();
    let (started, writes) = std_mpsc::channel();
    let (let_go, release) = std_mpsc::channel();
    let stalled = Stalled {
        started,
        release: Arc::new(Mutex::new(release)),
    };
    sinks.add("stalled", 4, stalled).unwrap();

    // The first alert reaches the stalled sink's write; the hook's first request hangs.
    sinks.send(alert(0));
    assert_eq!(writes.recv_timeout(Duration::from_secs(10)).unwrap(), 1);
    wait_for(&sinks, "hook", |c| c.spooled == 1).await;

    let mut slowest = Duration::ZERO;
    for n in 1..=10 {
        let start = Instant::now();
        sinks.send(alert(n));
        slowest = slowest.max(start.elapsed());
    }
    assert!(
        slowest < Duration::from_millis(100),
        "send took {slowest:?}"
    );
    // The stalled sink's queue holds 4; the other 6 are dropped, for it alone.
    assert_eq!(
        sinks.counters().get("stalled").unwrap(),
        SinkCounts {
            received: 11,
            dropped: 6,
            ..SinkCounts::default()
        }
    );
    // The hook's queue only feeds the spool, which takes everything.
    wait_for(&sinks, "hook", |c| c.spooled == 11).await;
    let hook = sinks.counters().get("hook").unwrap();
    assert_eq!((hook.received, hook.dropped, hook.emitted), (11, 0, 0));

    gate.add_permits(11);
    for _ in 0..5 {
        let_go.send(()).unwrap();
    }
    wait_for(&sinks, "hook", |c| c.emitted == 11).await;
    let status = sinks.shutdown(Duration::from_secs(1)).await;
    let ids: Vec<String> = (0..=10).map(|n| alert(n).id.clone()).collect();
    assert_eq!(*answered.lock().unwrap(), ids);
    assert_eq!(status[1].name, "stalled");
    assert_eq!((status[1].counts.emitted, status[1].counts.dropped), (5, 6));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_sinks_append_and_follow_logrotate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.jsonl");
    let falco_path = dir.path().join("falco.jsonl");
    std::fs::write(&path, "kept line\n").unwrap();
    let config: Vec<SinkConfig> = serde_json::from_value(json!([
        {"file": {"name": "archive", "path": path}},
        {"file": {"name": "falco", "path": falco_path, "format": "falco"}},
    ]))
    .unwrap();
    let sinks = Sinks::new(&config, dir.path()).unwrap();
    for n in 0..3 {
        sinks.send(alert(n));
    }
    wait_for(&sinks, "archive", |c| c.emitted == 3).await;

    // logrotate: move the file away, then signal.
    let rotated = dir.path().join("alerts.jsonl.1");
    std::fs::rename(&path, &rotated).unwrap();
    sinks.reopen();
    for n in 3..5 {
        sinks.send(alert(n));
    }
    let status = sinks.shutdown(Duration::from_secs(1)).await;
    for sink in &status {
        assert_eq!(
            (sink.counts.emitted, sink.counts.errors),
            (5, 0),
            "{sink:?}"
        );
    }

    let old = std::fs::read_to_string(&rotated).unwrap();
    let (kept, lines) = old.split_once('\n').unwrap();
    assert_eq!(kept, "kept line", "appended, not truncated");
    let alerts = |text: &str| -> Vec<Alert> {
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    };
    let expected = |range: std::ops::Range<u64>| -> Vec<Alert> {
        range.map(|n| Alert::clone(&alert(n))).collect()
    };
    assert_eq!(alerts(lines), expected(0..3));
    assert_eq!(
        alerts(&std::fs::read_to_string(&path).unwrap()),
        expected(3..5)
    );

    let falco = std::fs::read_to_string(&falco_path).unwrap();
    let lines: Vec<&str> = falco.lines().collect();
    let rendered: Vec<String> = (0..5)
        .map(|n| alert_json(&alert(n), Format::Falco))
        .collect();
    assert_eq!(lines, rendered);
}

#[test]
fn falco_json_is_byte_for_byte_what_the_rule_engine_writes() {
    let alert = alert(7);
    let from_rules = rules_alert(&alert, "2026-05-28T20:26:40.123456796Z");
    let ours = alert_json(&alert, Format::Falco);
    assert_eq!(ours, from_rules.to_json_line());

    // Falco's json_output: exactly these keys, sorted, and an RFC 3339 UTC time with
    // nanoseconds.
    let value: serde_json::Value = serde_json::from_str(&ours).unwrap();
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys.join(" "),
        "hostname output output_fields priority rule source tags time"
    );
    let key_order: Vec<usize> = keys
        .iter()
        .map(|k| ours.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(key_order.is_sorted(), "{ours}");
    assert_eq!(value["time"], "2026-05-28T20:26:40.123456796Z");
    assert_eq!(
        value["output_fields"]["evt.time"],
        1_780_000_000_123_456_796u64
    );
    assert_eq!(
        value["output_fields"]["k8s.pod.name"],
        serde_json::Value::Null
    );
    assert_eq!(
        value["tags"],
        json!(["container", "shell", "mitre_execution"])
    );

    // The Warden record keeps its schema name and every field.
    let record: serde_json::Value =
        serde_json::from_str(&alert_json(&alert, Format::Alert)).unwrap();
    assert_eq!(record["schema"], "warden.alert/v1");
    assert_eq!(
        record["action"],
        json!({"kind": "kill-container", "outcome": {"status": "failed", "reason": "cgroup gone\r\nretry"}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdout_counts_what_it_writes_and_names_are_unique() {
    let dir = tempfile::tempdir().unwrap();
    let config: Vec<SinkConfig> =
        serde_json::from_value(json!([{"stdout": {"name": "console", "format": "falco"}}]))
            .unwrap();
    let mut sinks = Sinks::new(&config, dir.path()).unwrap();
    let duplicate = sinks.add("console", 1, null_sink()).unwrap_err();
    assert_eq!(
        duplicate.to_string(),
        "sink console: another sink has this name"
    );
    sinks.send(alert(0));
    let status = sinks.shutdown(Duration::from_secs(1)).await;
    assert_eq!(status[0].kind, "stdout");
    assert_eq!(
        (status[0].counts.received, status[0].counts.emitted),
        (1, 1)
    );

    let twice: Vec<SinkConfig> = serde_json::from_value(json!([
        {"stdout": {"name": "same"}},
        {"file": {"name": "same", "path": dir.path().join("f")}},
    ]))
    .unwrap();
    let error = Sinks::new(&twice, dir.path()).unwrap_err();
    assert_eq!(error.to_string(), "sink same: another sink has this name");
}

/// A sink that accepts everything.
fn null_sink() -> impl Sink {
    struct Null;
    impl Sink for Null {
        fn write(&mut self, _: &[Arc<Alert>]) -> Result<(), WriteError> {
            Ok(())
        }
    }
    Null
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_write_counts_what_it_lost() {
    struct HalfWrites;
    impl Sink for HalfWrites {
        fn write(&mut self, alerts: &[Arc<Alert>]) -> Result<(), WriteError> {
            Err(WriteError {
                written: alerts.len() / 2,
                error: std::io::Error::other("disk full"),
            })
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let mut sinks = Sinks::new(&[], dir.path()).unwrap();
    sinks.add("half", 16, HalfWrites).unwrap();
    for n in 0..4 {
        sinks.send(alert(n));
    }
    let status = sinks.shutdown(Duration::from_secs(1)).await;
    let counts = status[0].counts;
    assert_eq!(counts.received, 4);
    assert_eq!(counts.emitted + counts.dropped, 4);
    assert!(counts.errors >= 1 && counts.emitted <= 2, "{counts:?}");
}
