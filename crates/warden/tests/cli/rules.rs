//! `warden rules validate` and `warden rules test` end to end: Falco's upstream files,
//! diagnostics with positions (text and JSON), the stable-rule fixtures replayed as
//! alerts, loss lines, bad input and the exit codes.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{run_with_stdin, stderr, stdout, warden, write};

fn upstream(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/falco")
        .join(name)
}

/// The stable rules' hand-written events and the alerts they raise (`--hostname node-1`).
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../warden-rules/tests/fixtures")
        .join(name)
}

/// `warden rules test --rules RULES --events EVENTS EXTRA...`.
fn replay(rules: &Path, events: &Path, extra: &[&str]) -> Output {
    warden()
        .args(["rules", "test"])
        .args(extra)
        .arg("--rules")
        .arg(rules)
        .arg("--events")
        .arg(events)
        .output()
        .unwrap()
}

/// `warden rules validate EXTRA... FILES...`.
fn validate(files: &[&Path], extra: &[&str]) -> Output {
    warden()
        .args(["rules", "validate"])
        .args(extra)
        .args(files)
        .output()
        .unwrap()
}

const BROKEN: &str = "- macro: spawned\n  condition: evt.type = execve\n\
- rule: Broken\n  desc: d\n  condition: spawned and proc.name ==\n  output: o\n  priority: info\n";

#[test]
fn validate_loads_the_three_upstream_files() {
    let output = validate(
        &[
            &upstream("falco_rules.yaml"),
            &upstream("falco-incubating_rules.yaml"),
            &upstream("falco-sandbox_rules.yaml"),
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "OK: 93 rules (81 enabled), 1 warnings\n");
    let err = stderr(&output);
    assert!(
        err.contains("falco-sandbox_rules.yaml:1675:5: warning WARDEN_NOT_SUPPLIED (rule 'Java Process Class File Download')"),
        "{err}"
    );
}

#[test]
fn validate_reports_errors_with_position_item_and_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write(dir.path(), "broken.yaml", BROKEN);
    let output = validate(&[&broken], &[]);
    assert_eq!(output.status.code(), Some(78));
    let err = stderr(&output);
    let line = err.lines().next().unwrap();
    assert!(
        line.starts_with(&format!(
            "{}:5:14: error LOAD_ERR_COMPILE_CONDITION (rule 'Broken'): expected a string value",
            broken.display()
        )),
        "{err}"
    );
    assert_eq!(stdout(&output), "FAILED: 1 errors, 0 warnings\n");

    // A YAML error stops at its own position.
    let yaml = write(dir.path(), "yaml.yaml", "- rule: R\n  desc: [unclosed\n");
    let output = validate(&[&yaml], &[]);
    assert_eq!(output.status.code(), Some(78));
    assert!(
        stderr(&output).contains("error LOAD_ERR_YAML_PARSE"),
        "{}",
        stderr(&output)
    );

    // Later files override earlier ones: fixing the rule in a second file loads.
    let fix = write(
        dir.path(),
        "fix.yaml",
        "- rule: Broken\n  condition: spawned\n  override:\n    condition: replace\n",
    );
    let output = validate(&[&broken, &fix], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn validate_json_prints_one_diagnostic_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(
        dir.path(),
        "rules.yaml",
        &format!("{BROKEN}- list: unused\n  items: [a]\n  colour: red\n"),
    );
    let output = validate(&[&rules], &["--json"]);
    assert_eq!(output.status.code(), Some(78));
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let unknown_key = &lines[0];
    assert_eq!(unknown_key["schema"], "warden.rule-diagnostic/v1");
    assert_eq!(unknown_key["severity"], "warning");
    assert_eq!(unknown_key["code"], "LOAD_UNKNOWN_KEY");
    assert_eq!(
        (&unknown_key["line"], &unknown_key["column"]),
        (&serde_json::json!(10), &serde_json::json!(3))
    );
    assert_eq!(
        unknown_key["item"],
        serde_json::json!({"kind": "list", "name": "unused"})
    );
    let error = lines.iter().find(|l| l["severity"] == "error").unwrap();
    assert_eq!(error["code"], "LOAD_ERR_COMPILE_CONDITION");
    assert_eq!(error["file"], rules.display().to_string());
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(5), Some(14))
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("expected a string value"),
        "{error}"
    );
    assert!(stderr(&output).contains("FAILED: 1 errors"));
}

#[test]
fn test_replays_events_into_falco_shaped_alerts() {
    let rules = upstream("falco_rules.yaml");
    let events = fixture("stable-rules.jsonl");
    let output = replay(&rules, &events, &["--hostname", "node-1"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let expected = std::fs::read_to_string(fixture("stable-rules.expected.jsonl")).unwrap();
    assert_eq!(stdout(&output), expected);
    assert!(
        stderr(&output).contains("50 events, 27 alerts, 0 events lost"),
        "{}",
        stderr(&output)
    );
    let alert: serde_json::Value = serde_json::from_str(expected.lines().next().unwrap()).unwrap();
    let keys: Vec<&String> = alert.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "hostname",
            "output",
            "output_fields",
            "priority",
            "rule",
            "source",
            "tags",
            "time"
        ]
    );

    // `--match all` reports every matching rule: at least as many alerts.
    let all = replay(&rules, &events, &["--match", "all"]);
    assert_eq!(all.status.code(), Some(0));
    assert!(stdout(&all).lines().count() > expected.lines().count());
}

#[test]
fn test_reads_stdin_and_reports_loss_lines() {
    let events = std::fs::read_to_string(fixture("stable-rules.jsonl")).unwrap();
    let first_event = events.lines().next().unwrap();
    let loss = r#"{"schema":"warden.loss/v1","time":1763900000000000000,"stage":"kernel","kind":"open","count":7}"#;
    let rules = upstream("falco_rules.yaml");
    let output = run_with_stdin(
        &[
            "rules",
            "test",
            "--hostname",
            "h",
            "--rules",
            rules.to_str().unwrap(),
            "--events",
            "-",
        ],
        &format!("{loss}\n\n{first_event}\n"),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let alert: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(alert["rule"], "Directory traversal monitored file read");
    assert_eq!(alert["hostname"], "h");
    let err = stderr(&output);
    assert!(
        err.contains("-:1: 7 open events lost (kernel) before this point"),
        "{err}"
    );
    assert!(err.contains("1 events, 1 alerts, 7 events lost"), "{err}");
}

#[test]
fn bad_input_gets_positions_and_distinct_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let rules = upstream("falco_rules.yaml");
    let good = std::fs::read_to_string(fixture("stable-rules.jsonl")).unwrap();
    let first = good.lines().next().unwrap();

    // A malformed event line: 65, with file and line.
    let events = write(
        dir.path(),
        "events.jsonl",
        &format!("{first}\n{{\"schema\": 1\n"),
    );
    let output = replay(&rules, &events, &[]);
    assert_eq!(output.status.code(), Some(65));
    assert!(
        stderr(&output).contains(&format!(
            "{}:2: expected a warden.event/v1 or warden.loss/v1 JSON line",
            events.display()
        )),
        "{}",
        stderr(&output)
    );
    // The alert of the good line before it was printed.
    assert_eq!(stdout(&output).lines().count(), 1);

    // Another schema: 65.
    let other = write(
        dir.path(),
        "other.jsonl",
        "{\"schema\":\"warden.event/v0\"}\n",
    );
    let output = replay(&rules, &other, &[]);
    assert_eq!(output.status.code(), Some(65));
    assert!(
        stderr(&output).contains("warden.event/v0"),
        "{}",
        stderr(&output)
    );

    // Rules that do not load: 78, with the diagnostic.
    let broken = write(dir.path(), "broken.yaml", BROKEN);
    let output = replay(&broken, &events, &[]);
    assert_eq!(output.status.code(), Some(78));
    assert!(stderr(&output).contains("LOAD_ERR_COMPILE_CONDITION (rule 'Broken')"));

    // Files that cannot be read: 66.
    let missing = dir.path().join("missing.yaml");
    for args in [
        vec!["rules", "validate", missing.to_str().unwrap()],
        vec![
            "rules",
            "test",
            "--rules",
            rules.to_str().unwrap(),
            "--events",
            missing.to_str().unwrap(),
        ],
    ] {
        let output = warden().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(66), "{args:?}");
        assert!(
            stderr(&output).contains("missing.yaml"),
            "{}",
            stderr(&output)
        );
    }

    // A bad command line: 64.
    let output = warden()
        .args(["rules", "test", "--events", "-"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64));
    let output = warden().args(["rules", "validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(64));
}
