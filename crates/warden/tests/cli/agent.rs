//! `warden agent`: configuration checks, and the daemon recording a built-in control's
//! violation from a real exec (root, eBPF).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use crate::common::{Daemon, start_daemon, stderr, stdout, warden, write};

/// `warden agent --check --config <config>`.
fn check(config: &Path) -> std::process::Output {
    warden()
        .args(["agent", "--check", "--config"])
        .arg(config)
        .output()
        .unwrap()
}

#[test]
fn check_reports_the_built_in_policies_and_bad_configuration_positions() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "warden.yaml",
        &format!("state_dir: {}\n", dir.path().display()),
    );
    let output = check(&config);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with("OK: 17 behaviour policies, 17 rules from warden-default.yaml"),
        "{}",
        stdout(&output)
    );

    let config = write(
        dir.path(),
        "bad.yaml",
        "policies: [p.yaml]\napi: {listen: everywhere}\n",
    );
    let output = check(&config);
    assert_eq!(output.status.code(), Some(78));
    assert!(
        stderr(&output).contains(&format!(
            "{}:2:15: expected an IP address and port",
            config.display()
        )),
        "{}",
        stderr(&output)
    );

    write(
        dir.path(),
        "p.yaml",
        "Policies:\n  - id: P\n    type: behaviour\n    _behaviour: {rules: {names: [Nope]}}\n",
    );
    let config = write(dir.path(), "missing-rule.yaml", "policies: [p.yaml]\n");
    let output = check(&config);
    assert_eq!(output.status.code(), Some(78));
    assert!(
        stderr(&output).contains("selects rule \"Nope\""),
        "{}",
        stderr(&output)
    );
}

/// `GET path` with the API's bearer token.
fn api_get(daemon: &Daemon, token: &str, path: &str) -> (u16, serde_json::Value) {
    let mut stream = TcpStream::connect(&daemon.address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n",
        daemon.address
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

/// The violations in `db`, as `warden violations list --format json` prints them.
fn violations(db: &Path) -> Vec<serde_json::Value> {
    let output = warden()
        .args(["violations", "list", "--format", "json", "--db"])
        .arg(db)
        .output()
        .unwrap();
    stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn the_agent_records_a_crypto_miner_run_and_serves_its_status() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let config = write(
        dir.path(),
        "warden.yaml",
        &format!(
            "state_dir: {}\napi: {{listen: \"127.0.0.1:0\"}}\n",
            state.display()
        ),
    );
    let daemon = start_daemon(&["agent", "--config", config.to_str().unwrap()], &[]);

    // A harmless program under a miner's name.
    let miner = dir.path().join("xmrig");
    std::fs::copy("/bin/true", &miner).unwrap();
    std::fs::set_permissions(&miner, std::fs::Permissions::from_mode(0o755)).unwrap();
    let status = Command::new(&miner)
        .arg("--url=stratum+tcp://pool.example:3333")
        .status()
        .unwrap();
    assert!(status.success());

    let db = state.join("warden.db");
    let deadline = Instant::now() + Duration::from_secs(20);
    let violation = loop {
        if let Some(found) = violations(&db)
            .into_iter()
            .find(|v| v["policy"]["id"] == "WARDEN-004")
        {
            break found;
        }
        assert!(
            Instant::now() < deadline,
            "no violation; agent stderr:\n{}",
            daemon.stderr()
        );
        thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(violation["state"], "ACTIVE", "{violation}");
    assert_eq!(violation["policy"]["mode"], "audit", "{violation}");
    let process = &violation["processes"][0]["process"];
    assert_eq!(process["exepath"], miner.to_str().unwrap(), "{violation}");
    assert_eq!(
        process["args"][0], "--url=stratum+tcp://pool.example:3333",
        "{violation}"
    );
    assert!(
        process["ancestors"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{violation}"
    );
    assert_eq!(
        violation["processes"][0]["action"]["kind"], "none",
        "{violation}"
    );

    let token = std::fs::read_to_string(state.join("api-token")).unwrap();
    let (status, body) = api_get(&daemon, token.trim(), "/api/v1/status");
    assert_eq!(status, 200, "{body}");
    let rules = body["pipeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|stage| stage["stage"] == "rules")
        .cloned()
        .unwrap();
    assert!(rules["received"].as_u64().unwrap() > 0, "{body}");
    assert!(rules["emitted"].as_u64().unwrap() > 0, "{body}");
    let (status, _) = api_get(&daemon, "wrong-token", "/api/v1/status");
    assert_eq!(status, 401);

    let log = daemon.stderr_log.clone();
    let code = daemon.terminate().code();
    assert_eq!(code, Some(0), "{}", log.lock().unwrap());
}
