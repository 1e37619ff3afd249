//! `warden serve` end to end: the binary listens on an ephemeral loopback port, real
//! HTTP requests check status codes, negotiation, metrics and policy endpoints, and
//! SIGTERM ends it cleanly after requests in flight finish.

use std::path::Path;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::common::{Daemon, get, start_daemon, warden, write};

const GOSS_TESTDATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/conformance/goss/testdata"
);

fn testdata(name: &str) -> String {
    format!("{GOSS_TESTDATA}/{name}")
}

/// `warden serve <args>` on a free loopback port (`GOSS_LISTEN=127.0.0.1:0` unless `env`
/// says otherwise).
fn start(args: &[&str]) -> Daemon {
    start_with(args, &[])
}

fn start_with(args: &[&str], env: &[(&str, &str)]) -> Daemon {
    let mut all = vec!["serve"];
    all.extend_from_slice(args);
    let mut env = env.to_vec();
    if !env.iter().any(|(name, _)| *name == "GOSS_LISTEN") {
        env.push(("GOSS_LISTEN", "127.0.0.1:0"));
    }
    start_daemon(&all, &env)
}

#[test]
fn healthz_answers_200_for_a_passing_gossfile_and_503_for_a_failing_one() {
    let passing = start(&["-g", &testdata("passing.goss.yaml")]);
    let failing = start(&["-g", &testdata("failing.goss.yaml")]);

    let answer = passing.get("/healthz", &[]);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.content_type, "application/vnd.goss-rspecish");
    assert!(
        answer.body.contains("Count: 2, Failed: 0, Skipped: 0"),
        "{}",
        answer.body
    );
    let answer = failing.get("/healthz", &[]);
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert!(
        answer.body.contains("Count: 2, Failed: 2, Skipped: 0"),
        "{}",
        answer.body
    );

    // goss's run-serve-tests.sh requests, and its negotiation rules.
    let documentation = passing.get("/healthz", &["application/vnd.goss-documentation"]);
    assert_eq!(
        documentation.content_type,
        "application/vnd.goss-documentation"
    );
    assert!(
        documentation
            .body
            .contains("Count: 2, Failed: 0, Skipped: 0")
    );
    let json = passing.get("/healthz", &["application/json"]);
    assert_eq!(json.content_type, "application/json");
    assert!(json.body.contains("\"failed-count\":0"), "{}", json.body);
    for (accept, content_type, status) in [
        ("text/json", "application/json", 503),
        ("application/vnd.goss-tap", "application/vnd.goss-tap", 503),
        (
            "application/vnd.goss-junit",
            "application/vnd.goss-junit",
            503,
        ),
        (
            "application/vnd.goss-nagios",
            "application/vnd.goss-nagios",
            503,
        ),
        (
            "application/vnd.goss-prometheus",
            "text/plain; version=0.0.4",
            503,
        ),
        (
            "application/vnd.goss-structured",
            "application/vnd.goss-structured",
            200,
        ),
        (
            "application/vnd.goss-bogus",
            "application/vnd.goss-rspecish",
            503,
        ),
        (
            "application/json, text/plain",
            "application/vnd.goss-rspecish",
            503,
        ),
    ] {
        let answer = failing.get("/healthz", &[accept]);
        assert_eq!(
            (answer.status, answer.content_type.as_str()),
            (status, content_type),
            "Accept: {accept}"
        );
    }
    let answer = failing.get(
        "/healthz",
        &["application/vnd.goss-bogus", "application/json"],
    );
    assert_eq!(answer.content_type, "application/json");

    let access_log = passing.stderr();
    assert!(
        access_log.contains("request{method=GET path=/healthz peer=127.0.0.1:"),
        "{access_log}"
    );
    assert!(
        access_log.contains("served status=200 latency="),
        "{access_log}"
    );
}

#[test]
fn format_and_endpoint_flags_and_goss_variables() {
    let server = start(&[
        "-g",
        &testdata("passing.goss.yaml"),
        "-e",
        "/status",
        "-f",
        "json",
        "-o",
        "pretty",
    ]);
    let answer = server.get("/status", &[]);
    assert_eq!(
        (answer.status, answer.content_type.as_str()),
        (200, "application/json")
    );
    assert!(
        answer.body.contains("\n        \"failed-count\": 0"),
        "{}",
        answer.body
    );
    let missing = server.get("/healthz", &[]);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"], "no endpoint at /healthz");

    let server = start_with(
        &["-g", &testdata("passing.goss.yaml")],
        &[
            ("GOSS_ENDPOINT", "/live"),
            ("GOSS_FMT", "tap"),
            ("GOSS_CACHE", "0"),
        ],
    );
    assert!(
        server.address.starts_with("127.0.0.1:"),
        "{}",
        server.address
    );
    let answer = server.get("/live", &[]);
    assert_eq!(
        (answer.status, answer.content_type.as_str()),
        (200, "application/vnd.goss-tap")
    );
}

#[test]
fn metrics_expose_goss_test_metrics_and_process_metrics() {
    let server = start(&["-g", &testdata("failing.goss.yaml"), "-c", "1m"]);
    assert_eq!(server.get("/healthz", &[]).status, 503);
    let metrics = server.get("/metrics", &[]);
    assert_eq!(metrics.status, 200);
    assert_eq!(
        metrics.content_type,
        "text/plain; version=0.0.4; charset=utf-8"
    );
    for line in [
        "goss_tests_outcomes_total{outcome=\"fail\",type=\"command\"} 2",
        "goss_tests_run_outcomes_total{outcome=\"fail\"} 1",
        "warden_gossfile_runs_total 1",
        "warden_gossfile_passing 0",
        "# TYPE process_resident_memory_bytes gauge",
        "# TYPE process_open_fds gauge",
    ] {
        assert!(
            metrics.body.lines().any(|l| l == line),
            "{line}:\n{}",
            metrics.body
        );
    }
}

/// A policy file whose first policy passes and whose second fails; the failing one
/// applies in production only.
fn policy_file(dir: &Path) -> String {
    write(
        dir,
        "runtime/pass.yaml",
        "command:\n  ok:\n    exec: \"true\"\n    exit-status: 0\n",
    );
    write(
        dir,
        "runtime/fail.yaml",
        "command:\n  broken:\n    exec: \"false\"\n    exit-status: 0\n",
    );
    write(
        dir,
        "policies.yaml",
        r#"Policies:
  - id: "RUNTIM-001"
    type: runtime
    enforcement:
      - environment: all
        fatal: "true"
    metadata:
      name: Always passes
      score: "3"
    _runtime:
      config: runtime/pass.yaml
  - id: "runtim 002"
    type: runtime
    enforcement:
      - environment: production
        fatal: "false"
    metadata:
      name: Always fails
    _runtime:
      config: runtime/fail.yaml
"#,
    )
    .display()
    .to_string()
}

#[test]
fn policy_endpoints_report_each_policy_and_all_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&["-p", &policy_file(dir.path())]);

    let health = server.get("/healthz", &[]);
    assert_eq!(health.status, 503);
    assert_eq!(health.content_type, "text/plain; charset=utf-8");
    assert!(
        health
            .body
            .contains("PASS RUNTIM-001 Always passes: Count: 1, Failed: 0"),
        "{}",
        health.body
    );
    assert!(
        health
            .body
            .contains("FAIL RUNTIM-002 Always fails: Count: 1, Failed: 1"),
        "{}",
        health.body
    );
    assert!(
        health.body.contains("Compliance score: 75.0"),
        "{}",
        health.body
    );
    let health = server.get("/healthz", &["application/json"]);
    assert_eq!(
        (health.status, health.content_type.as_str()),
        (503, "application/json")
    );
    assert_eq!(health.json()["compliance_score"], 75.0);

    let listing = server.get("/policies", &[]);
    assert_eq!(listing.status, 200);
    let listing = listing.json();
    let ids: Vec<&str> = listing["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["RUNTIM-001", "RUNTIM-002"]);
    assert_eq!(listing["policies"][0]["fatal"], true);
    assert_eq!(listing["policies"][1]["compliant"], false);

    let passing = server.get("/policies/runtim-001", &[]);
    assert_eq!(
        (passing.status, passing.content_type.as_str()),
        (200, "application/json")
    );
    assert_eq!(passing.json()["status"], "compliant");
    let failing = server.get("/policies/RUNTIM_002", &[]);
    assert_eq!(failing.status, 503);
    assert_eq!(failing.json()["checks"][0]["status"], "failed");
    let unknown = server.get("/policies/RUNTIM-404", &[]);
    assert_eq!(unknown.status, 404);
    assert!(
        unknown.json()["error"]
            .as_str()
            .unwrap()
            .contains("RUNTIM-404")
    );

    let metrics = server.get("/metrics", &[]).body;
    for line in [
        "warden_policy_compliant{policy=\"RUNTIM-001\"} 1",
        "warden_policy_compliant{policy=\"RUNTIM-002\"} 0",
        "warden_policy_checks{policy=\"RUNTIM-002\",status=\"failed\"} 1",
        "warden_compliance_score 75",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line}:\n{metrics}");
    }
    assert!(metrics.contains("warden_policy_last_run_duration_seconds{policy=\"RUNTIM-001\"} "));
}

#[test]
fn the_environment_selects_the_policies_served() {
    let dir = tempfile::tempdir().unwrap();
    let policies = policy_file(dir.path());

    let staging = start(&["-p", &policies, "--environment", "staging"]);
    assert_eq!(staging.get("/healthz", &[]).status, 200);
    assert_eq!(staging.get("/policies/RUNTIM-002", &[]).status, 404);
    assert_eq!(
        staging.get("/policies", &[]).json()["environment"],
        "staging"
    );

    // ENV comes first among the variables detection reads, so it wins whatever else
    // the environment holds.
    let detected = start_with(
        &["-p", &policies, "--env-detection"],
        &[("ENV", "production")],
    );
    assert_eq!(detected.get("/healthz", &[]).status, 503);
    assert_eq!(detected.get("/policies/RUNTIM-002", &[]).status, 503);
    assert_eq!(
        detected.get("/policies", &[]).json()["environment"],
        "production"
    );
}

#[test]
fn sigterm_lets_requests_in_flight_finish_then_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let gossfile = write(
        dir.path(),
        "slow.yaml",
        "command:\n  slow:\n    exec: \"sleep 2\"\n    exit-status: 0\n    timeout: 20000\n",
    );
    let server = start(&["-g", gossfile.to_str().unwrap(), "-L", "DEBUG"]);
    let address = server.address.clone();
    let in_flight = thread::spawn(move || get(&address, "/healthz", &[]).status);
    // The request is in flight once its run has started.
    for _ in 0..300 {
        if server.stderr().contains("Stale cache, running tests") {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        server.stderr().contains("Stale cache, running tests"),
        "{}",
        server.stderr()
    );
    let stderr = Arc::clone(&server.stderr_log);
    let status = server.terminate();
    assert_eq!(
        in_flight.join().unwrap(),
        200,
        "the request in flight was answered"
    );
    assert_eq!(status.code(), Some(0), "{}", stderr.lock().unwrap());
    assert!(stderr.lock().unwrap().contains("SIGTERM received"));
}

#[test]
fn configuration_mistakes_exit_before_listening() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], i32, &str); 5] = [
        (
            &["serve", "-f", "xml", "-g", GOSS_TESTDATA],
            64,
            "unknown format \"xml\"",
        ),
        (&["serve", "-e", "healthz"], 64, "must start with '/'"),
        (
            &["serve", "-e", "/metrics"],
            64,
            "taken by Warden's own /metrics endpoint",
        ),
        (
            &["serve", "-p", "/nonexistent/policies.yaml"],
            78,
            "/nonexistent/policies.yaml",
        ),
        (&["serve", "--environment", "prod"], 64, "--policy"),
    ];
    for (args, code, message) in cases {
        let output = warden()
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = warden()
        .args([
            "serve",
            "-g",
            &testdata("passing.goss.yaml"),
            "-l",
            &address,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains(&format!("listening on {address}")));
}

/// goss's `:PORT` form listens on every interface.
#[test]
fn a_port_without_a_host_listens_on_every_interface() {
    let server = start(&["-g", &testdata("passing.goss.yaml"), "-l", ":0"]);
    // Both families, as Go's `:PORT`.
    let port = server.address.strip_prefix("[::]:").unwrap();
    assert_eq!(
        get(&format!("127.0.0.1:{port}"), "/healthz", &[]).status,
        200
    );
    assert_eq!(get(&format!("[::1]:{port}"), "/healthz", &[]).status, 200);
}
