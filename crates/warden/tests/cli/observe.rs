//! `warden observe` end to end: a cron run and a file-change run seen through the health
//! endpoints, and hook deliveries to a loopback receiver — signed, retried, and spooled
//! while the receiver is down.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine;
use hmac::{KeyInit, Mac};

use crate::common::{Daemon, start_daemon, write};

/// Polls a policy's endpoint until a finished run answers `status` (a policy not yet
/// run also answers 503, which does not count), or fails after `within`.
fn wait_for_status(
    daemon: &Daemon,
    path: &str,
    status: u16,
    within: Duration,
) -> serde_json::Value {
    let deadline = Instant::now() + within;
    loop {
        let answer = daemon.get(path, &[]);
        let finished = answer.status == status
            && answer.json()["counts"]["tests"]
                .as_u64()
                .is_some_and(|n| n > 0);
        if finished {
            return answer.json();
        }
        assert!(
            Instant::now() < deadline,
            "{path} stayed {} ({}); stderr:\n{}",
            answer.status,
            answer.body,
            daemon.stderr()
        );
        thread::sleep(Duration::from_millis(100));
    }
}

/// `ready.yaml` in `dir`: one check that the file `ready` (returned) exists.
fn ready_flag_gossfile(dir: &Path) -> std::path::PathBuf {
    let flag = dir.join("ready");
    write(
        dir,
        "ready.yaml",
        &format!("file:\n  {}:\n    exists: true\n", flag.display()),
    );
    flag
}

fn observe(policy_file: &Path, extra: &[&str], env: &[(&str, &str)]) -> Daemon {
    let mut args = vec![
        "observe",
        "-p",
        policy_file.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ];
    args.extend_from_slice(extra);
    start_daemon(&args, env)
}

#[test]
fn scheduled_runs_show_up_on_the_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let flag = ready_flag_gossfile(dir.path());
    let policies = write(
        dir.path(),
        "policies.yaml",
        "Policies:\n  - id: READY-001\n    type: runtime\n    schedule: \"* * * * * *\"\n    metadata: {name: Ready flag}\n    _runtime: {config: ready.yaml}\n",
    );
    let spool = dir.path().join("spool");
    let daemon = observe(&policies, &["--spool-dir", spool.to_str().unwrap()], &[]);
    // The start-up run finds no flag.
    let failing = wait_for_status(&daemon, "/policies/READY-001", 503, Duration::from_secs(10));
    assert_eq!(failing["compliant"], false, "{failing}");
    std::fs::write(&flag, "").unwrap();
    // The next tick of the every-second schedule sees it.
    let passing = wait_for_status(&daemon, "/policies/READY-001", 200, Duration::from_secs(10));
    assert_eq!(passing["compliant"], true, "{passing}");
    assert_eq!(daemon.get("/healthz", &["application/json"]).status, 200);
    let metrics = daemon.get("/metrics", &[]).body;
    assert!(metrics.contains("warden_compliance_score 100"), "{metrics}");
    assert_eq!(daemon.terminate().code(), Some(0));
}

#[test]
fn changes_to_the_observed_path_rerun_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "app.conf", "feature = disabled\n");
    write(
        dir.path(),
        "feature.yaml",
        &format!(
            "file:\n  {}:\n    exists: true\n    contents: [\"feature = enabled\"]\n",
            config.display()
        ),
    );
    let policies = write(
        dir.path(),
        "policies.yaml",
        "Policies:\n  - id: feature_flag\n    type: runtime\n    _runtime:\n      config: feature.yaml\n      observe: app.conf\n",
    );
    let spool = dir.path().join("spool");
    let daemon = observe(
        &policies,
        &["--quiet", "200ms", "--spool-dir", spool.to_str().unwrap()],
        &[],
    );
    wait_for_status(
        &daemon,
        "/policies/FEATURE-FLAG",
        503,
        Duration::from_secs(10),
    );
    // Editors replace files; the watch follows the path, not the inode.
    let replacement = dir.path().join("app.conf.new");
    std::fs::write(&replacement, "feature = enabled\n").unwrap();
    std::fs::rename(&replacement, &config).unwrap();
    let passing = wait_for_status(
        &daemon,
        "/policies/feature_flag",
        200,
        Duration::from_secs(10),
    );
    assert_eq!(passing["counts"]["failed"], 0, "{passing}");
    // The log line may still be on its way through the pipe.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !daemon.stderr().contains("reason=change to") {
        assert!(
            Instant::now() < deadline,
            "no change-triggered run logged ({passing}):\n{}",
            daemon.stderr()
        );
        thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(daemon.terminate().code(), Some(0));
}

/// A webhook receiver on loopback. Its listener stays open for the whole test (so no
/// other process can take the port); while it is down it answers 503, and it answers 500
/// to its first `failures` requests once up. It records what it accepts.
struct Receiver {
    received: Arc<Mutex<Vec<Request>>>,
    up: Arc<AtomicBool>,
}

/// A request's headers (lower-case names) and body.
type Request = (BTreeMap<String, String>, String);

fn receiver(listener: TcpListener, failures: usize, up: bool) -> Receiver {
    let received = Arc::new(Mutex::new(Vec::new()));
    let up = Arc::new(AtomicBool::new(up));
    let seen = Arc::clone(&received);
    let serving = Arc::clone(&up);
    thread::spawn(move || {
        let mut failed = 0;
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut headers = BTreeMap::new();
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
                if let Some((name, value)) = header.trim_end().split_once(": ") {
                    headers.insert(name.to_ascii_lowercase(), value.to_owned());
                }
            }
            let length = headers
                .get("content-length")
                .map_or(0, |l| l.parse().unwrap_or(0));
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let status = if !serving.load(Ordering::SeqCst) {
                "503 Service Unavailable"
            } else if failed < failures {
                failed += 1;
                "500 Internal Server Error"
            } else {
                seen.lock()
                    .unwrap()
                    .push((headers, String::from_utf8_lossy(&body).into_owned()));
                "200 OK"
            };
            let response =
                format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = reader.into_inner().write_all(response.as_bytes());
        }
    });
    Receiver { received, up }
}

/// A receiver on an ephemeral loopback port, and that port.
fn listening_receiver(failures: usize, up: bool) -> (Receiver, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    (receiver(listener, failures, up), port)
}

/// How many deliveries wait in `spool`.
fn spooled(spool: &Path) -> usize {
    std::fs::read_dir(spool).map_or(0, |d| {
        d.filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "spool"))
            .count()
    })
}

/// Waits up to 15 s for `done`, failing with the daemon's standard error.
fn wait_until(daemon: &Daemon, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "{what}; stderr:\n{}",
            daemon.stderr()
        );
        thread::sleep(Duration::from_millis(100));
    }
}

fn hooks_policy_file(dir: &Path, port: u16, retries: u32, retry_delay: &str) -> std::path::PathBuf {
    write(
        dir,
        "ok.yaml",
        "kernel-param:\n  kernel.ostype:\n    value: Linux\n",
    );
    write(
        dir,
        "policies.yaml",
        &format!(
            "Config:\n  Flags:\n    webhook_secret_env: WARDEN_TEST_HOOK_SECRET\n  Hooks:\n    - name: siem\n      endpoint: http://127.0.0.1:{port}/ingest\n      method: POST\n      headers: {{X-Tenant: blue}}\n      retry_attempts: {retries}\n      retry_delay: {retry_delay}\n      timeout_seconds: 2\n      event_types: [policy, minimal]\nPolicies:\n  - id: KERNEL-001\n    type: runtime\n    schedule: \"0 0 0 1 1 *\"\n    _runtime: {{config: ok.yaml}}\n"
        ),
    )
}

fn signature(key: &[u8], body: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(body.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

const SECRET_KEY: &[u8] = b"a shared secret";

fn secret() -> String {
    format!(
        "whsec_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(SECRET_KEY)
    )
}

#[test]
fn results_reach_hooks_signed_and_retried() {
    let dir = tempfile::tempdir().unwrap();
    let (receiver, port) = listening_receiver(2, true);
    let policies = hooks_policy_file(dir.path(), port, 3, "100ms");
    let spool = dir.path().join("spool");
    let secret = secret();
    let daemon = observe(
        &policies,
        &["--spool-dir", spool.to_str().unwrap()],
        &[("WARDEN_TEST_HOOK_SECRET", &secret)],
    );
    wait_until(&daemon, "no delivery", || {
        !receiver.received.lock().unwrap().is_empty()
    });
    let (headers, body) = receiver.received.lock().unwrap()[0].clone();
    assert_eq!(headers["x-signature"], signature(SECRET_KEY, &body));
    assert_eq!(headers["x-tenant"], "blue");
    let document: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(document["webhook-id"], "siem");
    assert_eq!(document["event-count"], 2);
    assert_eq!(document["events"][0]["event"], "minimal");
    assert_eq!(document["events"][0]["policy-id"], "KERNEL-001");
    assert_eq!(document["events"][1]["event"], "policy");
    assert_eq!(document["events"][1]["policy-compliant"], true);
    assert_eq!(daemon.terminate().code(), Some(0));
    assert_eq!(spooled(&spool), 0, "a delivered result left the spool");
}

#[test]
fn a_receiver_that_is_down_loses_no_result() {
    let dir = tempfile::tempdir().unwrap();
    let (receiver, port) = listening_receiver(0, false);
    let policies = hooks_policy_file(dir.path(), port, 1, "100ms");
    let spool = dir.path().join("spool");
    let secret = secret();
    let args = [
        "--spool-dir",
        spool.to_str().unwrap(),
        "--spool-retry",
        "300ms",
    ];
    let daemon = observe(&policies, &args, &[("WARDEN_TEST_HOOK_SECRET", &secret)]);
    wait_until(&daemon, "nothing spooled", || spooled(&spool) > 0);
    thread::sleep(Duration::from_millis(500));
    assert!(receiver.received.lock().unwrap().is_empty());
    // The receiver comes up; the spooled result is delivered and leaves the spool.
    receiver.up.store(true, Ordering::SeqCst);
    wait_until(&daemon, "spool not flushed", || {
        !receiver.received.lock().unwrap().is_empty() && spooled(&spool) == 0
    });
    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "one result, delivered once");
    let (headers, body) = &received[0];
    assert_eq!(
        headers["x-signature"],
        signature(SECRET_KEY, body),
        "the spooled body is sent unchanged"
    );
    assert_eq!(daemon.terminate().code(), Some(0));
}

#[test]
fn a_stop_during_retries_keeps_the_delivery_for_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let (receiver, port) = listening_receiver(0, false);
    // Long retries: the stop comes while the first delivery is still being retried.
    let policies = hooks_policy_file(dir.path(), port, 20, "1s");
    let spool = dir.path().join("spool");
    let secret = secret();
    let args = ["--spool-dir", spool.to_str().unwrap()];
    let env = [("WARDEN_TEST_HOOK_SECRET", secret.as_str())];
    let daemon = observe(&policies, &args, &env);
    wait_until(&daemon, "nothing spooled", || spooled(&spool) > 0);
    assert_eq!(daemon.terminate().code(), Some(0));
    assert_eq!(spooled(&spool), 1, "the undelivered result stays spooled");

    // Next start: the spooled result goes out beside the new run's.
    receiver.up.store(true, Ordering::SeqCst);
    let daemon = observe(&policies, &args, &env);
    wait_until(&daemon, "spool not flushed", || {
        receiver.received.lock().unwrap().len() >= 2 && spooled(&spool) == 0
    });
    let times: std::collections::BTreeSet<String> = receiver
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| {
            let document: serde_json::Value = serde_json::from_str(body).unwrap();
            document["time"].to_string()
        })
        .collect();
    assert_eq!(times.len(), 2, "the first run's result and the second's");
    assert_eq!(daemon.terminate().code(), Some(0));
}

#[test]
fn a_receiver_that_never_answers_does_not_hold_up_runs() {
    let dir = tempfile::tempdir().unwrap();
    // Accepts connections and never answers them.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let held: Vec<_> = listener.incoming().flatten().collect();
        drop(held);
    });
    let flag = ready_flag_gossfile(dir.path());
    let policies = write(
        dir.path(),
        "policies.yaml",
        &format!(
            "Config:\n  Hooks:\n    - name: stalled\n      endpoint: http://127.0.0.1:{port}/\n      timeout_seconds: 60\n      event_types: [policy]\nPolicies:\n  - id: READY-001\n    type: runtime\n    schedule: \"* * * * * *\"\n    _runtime: {{config: ready.yaml}}\n"
        ),
    );
    let spool = dir.path().join("spool");
    let daemon = observe(&policies, &["--spool-dir", spool.to_str().unwrap()], &[]);
    wait_for_status(&daemon, "/policies/READY-001", 503, Duration::from_secs(10));
    std::fs::write(&flag, "").unwrap();
    // Scheduled runs go on while every delivery hangs.
    wait_for_status(&daemon, "/policies/READY-001", 200, Duration::from_secs(10));
    assert!(spooled(&spool) >= 2, "every hanging delivery is spooled");
    assert_eq!(daemon.terminate().code(), Some(0));
}

#[test]
fn observing_nothing_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ok.yaml",
        "kernel-param:\n  kernel.ostype:\n    value: Linux\n",
    );
    let policies = write(
        dir.path(),
        "p.yaml",
        "Policies:\n  - id: ONCE\n    type: runtime\n    _runtime: {config: ok.yaml}\n",
    );
    let output = crate::common::warden()
        .args(["observe", "-p"])
        .arg(&policies)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no policy has a schedule"));
}

#[test]
fn a_broken_gossfile_stops_observe_and_serve_at_start() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "broken.yaml",
        "file:\n  /etc/passwd:\n    exits: true\n",
    );
    let policies = write(
        dir.path(),
        "p.yaml",
        "Policies:\n  - id: BROKEN\n    type: runtime\n    schedule: \"* * * * * *\"\n    _runtime: {config: broken.yaml}\n",
    );
    for command in [&["observe", "-p"][..], &["serve", "-p"][..]] {
        let output = crate::common::warden()
            .args(command)
            .arg(&policies)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(78), "{command:?}: {stderr}");
        assert!(
            stderr.contains("policy BROKEN:") && stderr.contains("invalid attribute \"exits\""),
            "{stderr}"
        );
    }
}
