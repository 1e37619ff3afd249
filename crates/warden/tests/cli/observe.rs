//! `warden observe` end to end: a cron run and a file-change run seen through the health
//! endpoints, and hook deliveries to a loopback receiver — signed, retried, and spooled
//! while the receiver is down.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
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
    let flag = dir.path().join("ready");
    write(
        dir.path(),
        "ready.yaml",
        &format!("file:\n  {}:\n    exists: true\n", flag.display()),
    );
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

/// A webhook receiver on loopback: answers 500 to its first `failures` requests and
/// records the rest.
struct Receiver {
    received: Arc<Mutex<Vec<Request>>>,
}

/// A request's headers (lower-case names) and body.
type Request = (BTreeMap<String, String>, String);

fn receiver(listener: TcpListener, failures: usize) -> Receiver {
    let received = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&received);
    thread::spawn(move || {
        let mut count = 0;
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
            count += 1;
            let status = if count <= failures {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            if count > failures {
                seen.lock()
                    .unwrap()
                    .push((headers, String::from_utf8_lossy(&body).into_owned()));
            }
            let response =
                format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = reader.into_inner().write_all(response.as_bytes());
        }
    });
    Receiver { received }
}

fn hooks_policy_file(dir: &Path, port: u16, retries: u32) -> std::path::PathBuf {
    write(
        dir,
        "ok.yaml",
        "kernel-param:\n  kernel.ostype:\n    value: Linux\n",
    );
    write(
        dir,
        "policies.yaml",
        &format!(
            "Config:\n  Flags:\n    webhook_secret_env: WARDEN_TEST_HOOK_SECRET\n  Hooks:\n    - name: siem\n      endpoint: http://127.0.0.1:{port}/ingest\n      method: POST\n      headers: {{X-Tenant: blue}}\n      retry_attempts: {retries}\n      retry_delay: 100ms\n      timeout_seconds: 2\n      event_types: [policy, minimal]\nPolicies:\n  - id: KERNEL-001\n    type: runtime\n    schedule: \"0 0 0 1 1 *\"\n    _runtime: {{config: ok.yaml}}\n"
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
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let receiver = receiver(listener, 2);
    let policies = hooks_policy_file(dir.path(), port, 3);
    let spool = dir.path().join("spool");
    let secret = secret();
    let daemon = observe(
        &policies,
        &["--spool-dir", spool.to_str().unwrap()],
        &[("WARDEN_TEST_HOOK_SECRET", &secret)],
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    while receiver.received.lock().unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "no delivery; stderr:\n{}",
            daemon.stderr()
        );
        thread::sleep(Duration::from_millis(100));
    }
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
    assert!(
        std::fs::read_dir(&spool).map_or(true, |mut d| d.next().is_none()),
        "nothing was spooled"
    );
}

#[test]
fn a_receiver_that_is_down_loses_no_result() {
    let dir = tempfile::tempdir().unwrap();
    // A port nothing listens on yet.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let policies = hooks_policy_file(dir.path(), port, 1);
    let spool = dir.path().join("spool");
    let secret = secret();
    let args = [
        "--spool-dir",
        spool.to_str().unwrap(),
        "--spool-retry",
        "300ms",
    ];
    let daemon = observe(&policies, &args, &[("WARDEN_TEST_HOOK_SECRET", &secret)]);
    let spooled = || {
        std::fs::read_dir(&spool).map_or(0, |d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                .count()
        })
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while spooled() == 0 {
        assert!(
            Instant::now() < deadline,
            "nothing spooled; stderr:\n{}",
            daemon.stderr()
        );
        thread::sleep(Duration::from_millis(100));
    }
    // The receiver comes up; the spooled result is delivered and leaves the spool.
    let receiver = receiver(TcpListener::bind(("127.0.0.1", port)).unwrap(), 0);
    let deadline = Instant::now() + Duration::from_secs(15);
    while receiver.received.lock().unwrap().is_empty() || spooled() > 0 {
        assert!(
            Instant::now() < deadline,
            "spool not flushed; stderr:\n{}",
            daemon.stderr()
        );
        thread::sleep(Duration::from_millis(100));
    }
    let (headers, body) = receiver.received.lock().unwrap()[0].clone();
    assert_eq!(
        headers["x-signature"],
        signature(SECRET_KEY, &body),
        "the spooled body is sent unchanged"
    );
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
