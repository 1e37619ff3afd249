//! Policy mode: `/healthz`, `/policies`, `/policies/{id}` and `/metrics`, with results
//! run on demand or pushed by a scheduler.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::StatusCode;
use warden_policy::{Policy, PolicyFile, Selection};
use warden_serve::{OnDemand, ServeSettings, ServeState, UnknownPolicy, router};

use crate::support::{counting_gossfile, get, runs, write};

/// A policy file with a passing policy (weight 3, fatal) and a failing one (weight 1,
/// not fatal, high confidence); each gossfile counts its runs in its own file.
struct Fixture {
    _dir: tempfile::TempDir,
    policies: Vec<Policy>,
    passing_runs: PathBuf,
    failing_runs: PathBuf,
}

fn fixture(delay: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let passing_runs = dir.path().join("passing-runs");
    let failing_runs = dir.path().join("failing-runs");
    counting_gossfile(dir.path(), "pass.yaml", &passing_runs, delay, 0);
    counting_gossfile(dir.path(), "fail.yaml", &failing_runs, delay, 1);
    let policy_file = write(
        dir.path(),
        "policy.yaml",
        r#"Policies:
  - id: "runtime_pass 001"
    type: runtime
    enforcement:
      - environment: all
        fatal: "true"
    metadata:
      name: Passing policy
      score: "3"
    _runtime:
      config: pass.yaml
  - id: RUNTIME-FAIL
    type: runtime
    enforcement:
      - environment: all
        fatal: "false"
        confidence: high
    metadata:
      name: Failing policy
      description: The command exits 1
      msg_solution: Make it exit 0
      score: "1"
    _runtime:
      config: fail.yaml
"#,
    );
    let policies = load_policies(&policy_file);
    Fixture {
        _dir: dir,
        policies,
        passing_runs,
        failing_runs,
    }
}

fn load_policies(path: &Path) -> Vec<Policy> {
    let file = PolicyFile::load(path).unwrap();
    file.select(&Selection::default())
        .into_iter()
        .cloned()
        .collect()
}

fn on_demand(policies: Vec<Policy>) -> Router {
    router(ServeState::on_demand(
        policies,
        None,
        ServeSettings::default(),
        OnDemand::default(),
    ))
}

#[tokio::test]
async fn health_is_200_only_when_every_policy_is_compliant() {
    let fixture = fixture("0");
    let both = on_demand(fixture.policies.clone());
    let text = get(&both, "/healthz", &[]).await;
    assert_eq!(text.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(text.content_type, "text/plain; charset=utf-8");
    assert_eq!(
        text.body,
        "PASS RUNTIME-PASS-001 Passing policy: Count: 1, Failed: 0, Skipped: 0, Waived: 0\n\
         FAIL RUNTIME-FAIL Failing policy: Count: 1, Failed: 1, Skipped: 0, Waived: 0\n\
         \n\
         Compliance score: 75.0 (1 of 2 policies that have run are compliant)\n"
    );

    let json = get(&both, "/healthz", &["application/json"]).await;
    assert_eq!(json.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json.content_type, "application/json");
    let overview = json.json();
    assert_eq!(overview["compliant"], false);
    assert_eq!(overview["compliance_score"], 75.0);
    assert_eq!(overview["policies"][1]["status"], "non-compliant");

    let passing_only = on_demand(vec![fixture.policies[0].clone()]);
    let answer = get(&passing_only, "/healthz", &["application/vnd.goss-json"]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["compliance_score"], 100.0);
}

#[tokio::test]
async fn policies_lists_every_policy() {
    let fixture = fixture("0");
    let router = on_demand(fixture.policies.clone());
    let answer = get(&router, "/policies", &[]).await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "the listing itself always succeeds"
    );
    assert_eq!(answer.content_type, "application/json");
    let listing = answer.json();
    let policies = listing["policies"].as_array().unwrap();
    assert_eq!(policies.len(), 2);
    let passing = &policies[0];
    assert_eq!(passing["id"], "RUNTIME-PASS-001");
    assert_eq!(passing["name"], "Passing policy");
    assert_eq!(passing["status"], "compliant");
    assert_eq!(passing["compliant"], true);
    assert_eq!(passing["fatal"], true);
    assert_eq!(passing["level"], "error");
    assert_eq!(
        passing["counts"],
        serde_json::json!({"tests": 1, "passed": 1, "failed": 0, "skipped": 0, "waived": 0})
    );
    assert!(
        passing["last_run"].as_str().unwrap().ends_with('Z'),
        "{passing}"
    );
    assert!(passing["duration_seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(passing["error"], serde_json::Value::Null);
    let failing = &policies[1];
    assert_eq!(failing["id"], "RUNTIME-FAIL");
    assert_eq!(failing["compliant"], false);
    assert_eq!(failing["fatal"], false);
    assert_eq!(
        failing["level"], "error",
        "high confidence without exceptions"
    );
    assert_eq!(failing["counts"]["failed"], 1);
    assert_eq!(listing["environment"], serde_json::Value::Null);
}

#[tokio::test]
async fn each_policy_has_its_own_health_endpoint_that_runs_only_it() {
    let fixture = fixture("0");
    let router = on_demand(fixture.policies.clone());
    // Ids match after normalisation: case, spaces and underscores do not matter.
    for path in [
        "/policies/RUNTIME-PASS-001",
        "/policies/runtime-pass-001",
        "/policies/runtime_pass%20001",
    ] {
        let answer = get(&router, path, &[]).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
        assert_eq!(answer.json()["id"], "RUNTIME-PASS-001");
    }
    assert_eq!(
        runs(&fixture.passing_runs),
        1,
        "cached across the three requests"
    );
    assert_eq!(
        runs(&fixture.failing_runs),
        0,
        "the other policy did not run"
    );

    let answer = get(&router, "/policies/runtime-fail", &[]).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    let detail = answer.json();
    assert_eq!(detail["status"], "non-compliant");
    assert_eq!(detail["description"], "The command exits 1");
    assert_eq!(detail["msg_solution"], "Make it exit 0");
    assert_eq!(detail["tags"], serde_json::json!(["RUNTIME-FAIL"]));
    let check = &detail["checks"][0];
    assert_eq!(check["resource_type"], "Command");
    assert!(
        check["resource_id"]
            .as_str()
            .unwrap()
            .starts_with("count runs: sleep 0;"),
        "{check}"
    );
    assert_eq!(check["property"], "exit-status");
    assert_eq!(check["status"], "failed");
    assert!(
        check["summary"].as_str().unwrap().contains("exit-status"),
        "{check}"
    );
}

#[tokio::test]
async fn unknown_policies_are_json_404s() {
    let fixture = fixture("0");
    let router = on_demand(fixture.policies.clone());
    let answer = get(&router, "/policies/RUNTIME-NOPE", &[]).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.content_type, "application/json");
    assert_eq!(
        answer.json()["error"],
        "no policy \"RUNTIME-NOPE\"; served policies: RUNTIME-PASS-001, RUNTIME-FAIL"
    );
    assert_eq!(
        get(&router, "/policies/", &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(runs(&fixture.passing_runs) + runs(&fixture.failing_runs), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_requests_run_each_policy_once() {
    let fixture = fixture("0.5");
    let router = on_demand(fixture.policies.clone());
    let mut requests = tokio::task::JoinSet::new();
    for index in 0..12 {
        let router = router.clone();
        let path = [
            "/healthz",
            "/policies",
            "/metrics",
            "/policies/runtime-fail",
        ][index % 4];
        requests.spawn(async move { get(&router, path, &[]).await.status });
    }
    requests.join_all().await;
    assert_eq!(runs(&fixture.passing_runs), 1);
    assert_eq!(runs(&fixture.failing_runs), 1);
}

#[tokio::test]
async fn metrics_show_compliance_checks_durations_and_the_score() {
    let fixture = fixture("0");
    let router = on_demand(fixture.policies.clone());
    let answer = get(&router, "/metrics", &[]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.content_type,
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let body = &answer.body;
    for line in [
        "warden_policy_info{policy=\"RUNTIME-PASS-001\",name=\"Passing policy\",level=\"error\",fatal=\"true\"} 1",
        "warden_policy_compliant{policy=\"RUNTIME-PASS-001\"} 1",
        "warden_policy_compliant{policy=\"RUNTIME-FAIL\"} 0",
        "warden_policy_checks{policy=\"RUNTIME-FAIL\",status=\"failed\"} 1",
        "warden_policy_checks{policy=\"RUNTIME-FAIL\",status=\"passed\"} 0",
        "warden_policy_runs_total{policy=\"RUNTIME-PASS-001\",result=\"compliant\"} 1",
        "warden_policy_runs_total{policy=\"RUNTIME-FAIL\",result=\"non_compliant\"} 1",
        "warden_compliance_score 75",
        "# TYPE warden_policy_last_run_duration_seconds gauge",
        "# TYPE warden_policy_last_run_timestamp_seconds gauge",
        "# TYPE process_resident_memory_bytes gauge",
    ] {
        assert!(body.lines().any(|l| l == line), "{line} missing:\n{body}");
    }
}

#[tokio::test]
async fn pushed_policies_answer_503_until_published_and_never_run_on_request() {
    let fixture = fixture("0");
    let (state, board) = ServeState::pushed(
        fixture.policies.clone(),
        Some("production".to_owned()),
        ServeSettings::default(),
    );
    let router = router(state);

    let answer = get(&router, "/policies/RUNTIME-PASS-001", &[]).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    let detail = answer.json();
    assert_eq!(detail["status"], "not-run");
    assert_eq!(detail["error"], "not yet run");
    assert_eq!(detail["environment"], "production");
    let health = get(&router, "/healthz", &[]).await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        health
            .body
            .contains("FAIL RUNTIME-PASS-001 Passing policy: not yet run")
    );
    assert!(
        health.body.contains(
            "Compliance score: none (0 of 0 policies that have run are compliant; 2 not yet run)"
        ),
        "{}",
        health.body
    );
    let metrics = get(&router, "/metrics", &[]).await.body;
    assert!(metrics.contains("warden_policy_info{policy=\"RUNTIME-FAIL\""));
    assert!(!metrics.contains("warden_policy_compliant"), "{metrics}");
    assert!(!metrics.contains("warden_compliance_score"), "{metrics}");
    assert_eq!(runs(&fixture.passing_runs) + runs(&fixture.failing_runs), 0);

    let options = warden_validate::Options::default();
    let outcome = warden_policy::run(&fixture.policies[0], Some("production"), &options).await;
    board.publish(outcome).unwrap();
    assert_eq!(runs(&fixture.passing_runs), 1);
    let answer = get(&router, "/policies/runtime-pass-001", &[]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.json()["status"], "compliant");
    let health = get(&router, "/healthz", &["text/json"]).await;
    assert_eq!(
        health.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "one policy still not run"
    );
    assert_eq!(health.json()["compliance_score"], 100.0);

    let outcome = warden_policy::run(&fixture.policies[1], Some("production"), &options).await;
    board.publish(outcome).unwrap();
    let metrics = get(&router, "/metrics", &[]).await.body;
    assert!(
        metrics.contains("warden_policy_compliant{policy=\"RUNTIME-FAIL\"} 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("warden_compliance_score 75\n"),
        "{metrics}"
    );
    assert_eq!(runs(&fixture.passing_runs), 1, "requests ran nothing");
    assert_eq!(runs(&fixture.failing_runs), 1);

    // A fixed outcome replaces the failing one.
    let passing_dir = tempfile::tempdir().unwrap();
    let mut fixed = fixture.policies[1].clone();
    fixed.runtime.config = counting_gossfile(
        passing_dir.path(),
        "fixed.yaml",
        &passing_dir.path().join("runs"),
        "0",
        0,
    );
    board
        .publish(warden_policy::run(&fixed, Some("production"), &options).await)
        .unwrap();
    assert_eq!(get(&router, "/healthz", &[]).await.status, StatusCode::OK);
    let metrics = get(&router, "/metrics", &[]).await.body;
    assert!(
        metrics
            .contains("warden_policy_runs_total{policy=\"RUNTIME-FAIL\",result=\"compliant\"} 1"),
        "{metrics}"
    );

    let mut stranger = fixture.policies[1].clone();
    stranger.id = "RUNTIME-OTHER".to_owned();
    let outcome = warden_policy::run(&stranger, None, &options).await;
    assert_eq!(
        board.publish(outcome),
        Err(UnknownPolicy("RUNTIME-OTHER".to_owned()))
    );
}

#[tokio::test]
async fn cold_policies_run_at_most_one_per_core_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let mut policy_file = String::from("Policies:\n");
    let policy_count = 2 * std::thread::available_parallelism().map_or(1, usize::from) + 2;
    for index in 0..policy_count {
        write(
            dir.path(),
            &format!("p{index}.yaml"),
            &format!(
                "command:\n  overlap:\n    exec: \"echo start >> {log}; sleep 0.2; echo end >> {log}\"\n    exit-status: 0\n",
                log = log.display()
            ),
        );
        policy_file.push_str(&format!(
            "  - id: RUNTIME-{index}\n    type: runtime\n    enforcement:\n      - environment: all\n    _runtime:\n      config: p{index}.yaml\n"
        ));
    }
    let policies = load_policies(&write(dir.path(), "policy.yaml", &policy_file));
    let answer = get(&on_demand(policies), "/policies", &[]).await;
    assert_eq!(answer.status, StatusCode::OK);

    let mut running = 0_usize;
    let mut most = 0_usize;
    let text = std::fs::read_to_string(&log).unwrap();
    for line in text.lines() {
        match line {
            "start" => running += 1,
            _ => running -= 1,
        }
        most = most.max(running);
    }
    assert_eq!(text.lines().count(), 2 * policy_count);
    assert!(
        most <= std::thread::available_parallelism().map_or(1, usize::from),
        "{most} policies ran at once"
    );
}
