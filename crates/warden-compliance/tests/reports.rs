//! Every report format on a run with passes, failures, skips, waivers, an expired
//! waiver and a policy whose gossfile did not load; and on an empty run. Every SARIF
//! document is validated against the SARIF 2.1.0 schema.

// In tests a failed unwrap is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;
use warden_compliance::{Host, JSONL_SCHEMA, Report, json_lines, junit, run_id, sarif, text};
use warden_policy::{PolicyFile, PolicyOutcome};
use warden_report::{ResourceInfo, ResultCode, TestResult};

const STARTED: OffsetDateTime = datetime!(2026-01-15 10:00:00 UTC);
const FINISHED: OffsetDateTime = datetime!(2026-01-15 10:00:02.5 UTC);

fn sarif_schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/sarif/sarif-schema-2.1.0.json")
}

/// Validates `document` against the SARIF 2.1.0 schema, formats included; the schema's
/// `$schema` and `$id` are resolved from the bundled draft-07 meta-schema, offline.
fn assert_valid_sarif(document: &Value) {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(sarif_schema()).unwrap()).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

const POLICIES: &str = "Policies:
  - id: run_1
    type: runtime
    enforcement:
      - environment: production
        fatal: \"true\"
        exceptions:
          - {check: \"File: /etc/sudoers: mode\", reason: \"vendor <default> & co\", until: 2030-06-30}
          - {check: \"User: legacy*\", reason: \"old accounts\", until: 2020-01-01}
    metadata:
      name: Sudoers
      description: Sudo is locked down
      tags: [config, sudo]
      score: 8
      msg_error: sudoers is too open
      msg_solution: remove NOPASSWD entries
      help_url: https://example.com/run-1
    _runtime: {config: \"checks dir/sudo.yaml\"}
  - id: RUN-2
    type: runtime
    enforcement: [{environment: all, fatal: \"false\", exceptions: \"true\", confidence: low}]
    _runtime: {config: \"checks dir/sudo.yaml\"}
  - id: RUN-3
    type: runtime
    metadata: {score: \"1\"}
    _runtime: {config: \"checks dir/sudo.yaml\"}
";

fn result(resource_type: &str, id: &str, property: &str, code: ResultCode) -> TestResult {
    let info = ResourceInfo {
        resource_type: resource_type.to_owned(),
        id: id.to_owned(),
        ..ResourceInfo::default()
    };
    let mut r = TestResult::error(
        &info,
        property,
        "it <broke> & \"stayed\" broken",
        STARTED,
        STARTED,
    );
    r.result = code;
    r.skipped = code == ResultCode::Skip;
    if code != ResultCode::Fail {
        r.err = None;
    }
    r
}

struct Fixture {
    _dir: tempfile::TempDir,
    file: PolicyFile,
    outcomes: Vec<PolicyOutcome>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("checks dir")).unwrap();
    std::fs::write(
        dir.path().join("checks dir/sudo.yaml"),
        "file:\n  /etc/sudoers:\n    exists: true\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("policies.yaml"), POLICIES).unwrap();
    let file = PolicyFile::load(&dir.path().join("policies.yaml")).unwrap();
    let env = Some("production");
    let run_1 = PolicyOutcome::from_results(
        &file.policies[0],
        env,
        vec![
            result("File", "/etc/sudoers", "mode", ResultCode::Fail),
            result("File", "/etc/sudoers", "owner", ResultCode::Success),
            result("User", "legacy_admin", "exists", ResultCode::Fail),
            result(
                "Command",
                "grep '^unauthorized_user' /etc/sudoers",
                "exit-status",
                ResultCode::Fail,
            ),
            result("Package", "sudo", "installed", ResultCode::Skip),
        ],
        STARTED,
        Duration::from_millis(40),
    );
    let run_2 = PolicyOutcome::from_results(
        &file.policies[1],
        env,
        vec![result(
            "HTTP",
            "https://www.google.com",
            "status",
            ResultCode::Success,
        )],
        STARTED,
        Duration::from_millis(5),
    );
    let run_3 = PolicyOutcome::from_error(
        &file.policies[2],
        env,
        "checks.yaml:3:5: invalid attribute \"exist\" for File:/etc/sudoers".into(),
        STARTED,
        Duration::ZERO,
    );
    Fixture {
        _dir: dir,
        file,
        outcomes: vec![run_1, run_2, run_3],
    }
}

fn report<'a>(
    file: &'a PolicyFile,
    outcomes: &'a [PolicyOutcome],
    environment: Option<&'a str>,
) -> Report<'a> {
    Report {
        run_id: "20260115T100000Z-00abcd",
        policy_file: &file.path,
        environment,
        outcomes,
        started: STARTED,
        finished: FINISHED,
        command_line: "warden audit -p policies.yaml -e production",
        tool_version: "0.1.0",
        host: &HOST,
    }
}

static HOST: std::sync::LazyLock<Host> = std::sync::LazyLock::new(|| Host {
    name: "web-1".into(),
    os: "linux".into(),
    arch: "x86_64".into(),
    mac: None,
    info: None,
    fingerprint: Some("fp-1".into()),
});

fn results_of<'v>(document: &'v Value, rule: &str) -> Vec<&'v Value> {
    document["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == rule)
        .collect()
}

#[test]
fn sarif_of_a_mixed_run_is_valid_and_shaped_like_intercepts() {
    let f = fixture();
    let document: Value =
        serde_json::from_str(&sarif(&report(&f.file, &f.outcomes, Some("production")))).unwrap();
    assert_valid_sarif(&document);

    let run = &document["runs"][0];
    assert_eq!(document["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "Warden");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(rule_ids, ["RUN-1", "RUN-2", "RUN-3"]);
    assert_eq!(rules[0]["shortDescription"]["text"], "Sudo is locked down");
    assert_eq!(rules[0]["fullDescription"]["text"], "sudoers is too open");
    assert_eq!(rules[0]["help"]["text"], "remove NOPASSWD entries");
    assert_eq!(rules[0]["helpUri"], "https://example.com/run-1");
    assert_eq!(rules[0]["properties"]["category"], "config");
    assert_eq!(
        rules[0]["properties"]["tags"],
        serde_json::json!(["config", "sudo", "RUN-1"])
    );
    assert_eq!(rules[0]["properties"]["original-id"], "run_1");

    // One result per check and one summary per policy.
    assert_eq!(run["results"].as_array().unwrap().len(), 5 + 1 + 1 + 1 + 1);
    let run_1 = results_of(&document, "RUN-1");
    let types: Vec<&str> = run_1
        .iter()
        .map(|r| r["properties"]["result-type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["detail", "detail", "detail", "detail", "detail", "summary"]
    );

    let waived = run_1[0];
    assert_eq!(waived["level"], "note");
    assert_eq!(waived["properties"]["waived"], true);
    assert_eq!(
        waived["properties"]["waiver-reason"],
        "vendor <default> & co"
    );
    assert_eq!(waived["properties"]["waiver-until"], "2030-06-30");
    assert_eq!(
        waived["suppressions"][0]["justification"],
        "vendor <default> & co"
    );
    assert_eq!(waived["suppressions"][0]["status"], "accepted");
    assert!(
        waived["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Waived (vendor <default> & co): ")
    );

    let passed = run_1[1];
    assert_eq!(passed["level"], "note");
    assert_eq!(passed["properties"]["sarif-int"], "1");
    assert_eq!(passed["properties"]["note"], "true");

    let expired = run_1[2];
    assert_eq!(expired["level"], "error");
    assert_eq!(expired["properties"]["sarif-int"], "3");
    assert_eq!(expired["properties"]["error"], "true");
    assert_eq!(expired["properties"]["waiver-expired"], true);
    assert!(
        expired["message"]["text"]
            .as_str()
            .unwrap()
            .contains("expired on 2020-01-01")
    );

    let command = run_1[3];
    assert_eq!(command["level"], "error");
    assert_eq!(command["properties"]["resource-type"], "Command");
    assert_eq!(
        command["properties"]["resource-id"],
        "grep '^unauthorized_user' /etc/sudoers"
    );
    assert_eq!(command["properties"]["property"], "exit-status");
    assert_eq!(
        command["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "grep%20'%5Eunauthorized_user'%20/etc/sudoers"
    );
    assert_eq!(command["properties"]["environment"], "production");
    assert_eq!(command["properties"]["name"], "Sudoers");
    assert_eq!(command["properties"]["msg-error"], "sudoers is too open");
    assert_eq!(
        command["properties"]["msg-solution"],
        "remove NOPASSWD entries"
    );
    assert_eq!(command["properties"]["description"], "Sudo is locked down");
    assert_eq!(
        command["properties"]["result-timestamp"],
        "2026-01-15T10:00:00Z"
    );

    assert_eq!(run_1[4]["properties"]["result-status"], "skipped");
    assert_eq!(run_1[4]["level"], "note");

    let summary = run_1[5];
    assert_eq!(summary["level"], "error");
    assert_eq!(summary["properties"]["policy-compliant"], "false");
    assert_eq!(summary["properties"]["fatal"], "true");
    assert_eq!(summary["properties"]["failed"], 2);
    assert_eq!(summary["properties"]["waived"], 1);
    assert!(
        summary["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Count: 5, Failed: 2, Skipped: 1, Waived: 1")
    );
    assert!(
        summary["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("/checks%20dir/sudo.yaml")
    );

    let run_2 = results_of(&document, "RUN-2");
    assert_eq!(run_2[1]["level"], "note");
    assert_eq!(run_2[1]["properties"]["policy-compliant"], "true");
    assert_eq!(run_2[1]["properties"]["result-type"], "summary");

    let run_3 = results_of(&document, "RUN-3");
    assert_eq!(run_3.len(), 1);
    assert_eq!(run_3[0]["level"], "warning");
    assert!(
        run_3[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Error: checks.yaml:3:5")
    );

    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["commandLine"],
        "warden audit -p policies.yaml -e production"
    );
    let properties = &invocation["properties"];
    assert_eq!(properties["run-id"], "20260115T100000Z-00abcd");
    assert_eq!(properties["report-status"], "non-compliant");
    assert_eq!(properties["report-compliant"], "false");
    assert_eq!(properties["execution-time-ms"], "2500");
    assert_eq!(properties["start-time"], "2026-01-15T10:00:00Z");
    assert_eq!(properties["environment"], "production");
    // RUN-2 (weight 1) complies; RUN-1 (8) and RUN-3 (1) do not.
    let score = properties["compliance-score"].as_f64().unwrap();
    assert!((score - 100.0 / 10.0).abs() < 1e-9, "{score}");
    assert_eq!(
        run["properties"]["compliance-score"],
        properties["compliance-score"]
    );
    let notifications: Vec<&str> = invocation["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(notifications.len(), 2, "{notifications:?}");
    assert!(notifications[0].contains("waiver \"User: legacy*\" expired on 2020-01-01"));
    assert!(notifications[1].starts_with("RUN-3: checks.yaml:3:5"));
}

#[test]
fn sarif_of_compliant_and_empty_runs_is_valid() {
    let f = fixture();
    let compliant = &f.outcomes[1..2];
    let document: Value = serde_json::from_str(&sarif(&report(&f.file, compliant, None))).unwrap();
    assert_valid_sarif(&document);
    let invocation = &document["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    assert_eq!(invocation["properties"]["report-status"], "compliant");
    assert_eq!(invocation["properties"]["report-compliant"], "true");
    assert_eq!(invocation["properties"]["environment"], "");
    assert!(invocation.get("toolExecutionNotifications").is_none());

    let empty: Value =
        serde_json::from_str(&sarif(&report(&f.file, &[], Some("staging")))).unwrap();
    assert_valid_sarif(&empty);
    assert_eq!(empty["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        empty["runs"][0]["tool"]["driver"]["rules"],
        serde_json::json!([])
    );
    assert_eq!(
        empty["runs"][0]["invocations"][0]["properties"]["compliance-score"],
        100.0
    );
}

#[test]
fn the_schema_check_rejects_invalid_sarif() {
    let f = fixture();
    let mut document: Value =
        serde_json::from_str(&sarif(&report(&f.file, &f.outcomes, None))).unwrap();
    document["runs"][0]["results"][0]["level"] = Value::from("fatal");
    let result = std::panic::catch_unwind(|| assert_valid_sarif(&document));
    assert!(
        result.is_err(),
        "a result level of \"fatal\" must not validate"
    );
    let mut bad_uri: Value =
        serde_json::from_str(&sarif(&report(&f.file, &f.outcomes, None))).unwrap();
    bad_uri["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = Value::from("see the wiki");
    let result = std::panic::catch_unwind(|| assert_valid_sarif(&bad_uri));
    assert!(
        result.is_err(),
        "formats are checked: a helpUri must be a URI"
    );
}

#[test]
fn json_lines_hold_one_versioned_object_per_policy() {
    let f = fixture();
    let text = json_lines(&report(&f.file, &f.outcomes, Some("production")));
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(text.ends_with('\n'));
    for line in &lines {
        assert_eq!(line["schema"], JSONL_SCHEMA);
        assert_eq!(line["run_id"], "20260115T100000Z-00abcd");
        assert!((line["compliance_score"].as_f64().unwrap() - 10.0).abs() < 1e-9);
        assert_eq!(line["environment"], "production");
    }
    let run_1 = &lines[0];
    assert_eq!(run_1["policy_id"], "RUN-1");
    assert_eq!(run_1["original_id"], "run_1");
    assert_eq!(run_1["compliant"], false);
    assert_eq!(run_1["fatal_failure"], true);
    assert_eq!(run_1["level"], "error");
    assert_eq!(run_1["sarif_int"], 3);
    assert_eq!(run_1["score_weight"], 8.0);
    assert_eq!(
        run_1["rule"],
        serde_json::json!({"environment": "production", "fatal": true, "exceptions": "waivers", "confidence": ""})
    );
    assert_eq!(
        run_1["counts"],
        serde_json::json!({"tests": 5, "passed": 1, "failed": 2, "skipped": 1, "waived": 1})
    );
    assert_eq!(run_1["timestamp"], "2026-01-15T10:00:00Z");
    assert_eq!(run_1["duration_ms"], 40);
    let failures = run_1["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0]["type"], "User");
    assert_eq!(failures[0]["id"], "legacy_admin");
    assert_eq!(failures[0]["property"], "exists");
    assert!(
        failures[0]["message"]
            .as_str()
            .unwrap()
            .contains("it <broke>")
    );
    assert_eq!(failures[0]["expired_waiver"]["until"], "2020-01-01");
    assert_eq!(failures[1]["expired_waiver"], Value::Null);
    assert_eq!(run_1["waived"][0]["reason"], "vendor <default> & co");
    assert_eq!(run_1["waived"][0]["check"], "File: /etc/sudoers: mode");
    assert_eq!(run_1["waived"][0]["until"], "2030-06-30");
    assert_eq!(run_1["expired_waivers"][0]["check"], "User: legacy*");
    assert_eq!(run_1["error"], Value::Null);

    assert_eq!(lines[1]["compliant"], true);
    assert_eq!(lines[1]["rule"]["exceptions"], "true");
    assert_eq!(lines[1]["level"], "note");
    assert_eq!(
        lines[2]["error"],
        "checks.yaml:3:5: invalid attribute \"exist\" for File:/etc/sudoers"
    );
    assert_eq!(lines[2]["fatal_failure"], false);

    assert_eq!(json_lines(&report(&f.file, &[], None)), "");
}

#[test]
fn junit_has_a_suite_per_policy_with_fatal_failures_and_waivers_visible() {
    let f = fixture();
    let xml = junit(&report(&f.file, &f.outcomes, Some("production")));
    sxd_document::parser::parse(&xml)
        .unwrap_or_else(|e| panic!("not well-formed XML ({e:?}):\n{xml}"));
    assert!(xml.contains("<testsuites name=\"warden audit 20260115T100000Z-00abcd\" tests=\"7\" failures=\"2\" errors=\"1\" skipped=\"2\" time=\"2.500\""), "{xml}");
    assert!(xml.contains("<testsuite name=\"RUN-1\" id=\"RUN-1\" tests=\"5\" failures=\"2\" errors=\"0\" skipped=\"2\""), "{xml}");
    assert!(
        xml.contains("<testcase classname=\"RUN-1\" name=\"User: legacy_admin: exists\""),
        "{xml}"
    );
    assert!(xml.contains("<failure type=\"fatal\" message=\"[fatal] User: legacy_admin: exists: Error it &lt;broke&gt; &amp; &quot;stayed&quot; broken\">"), "{xml}");
    assert!(
        xml.contains(
            "<skipped message=\"waived until 2030-06-30: vendor &lt;default&gt; &amp; co\"/>"
        ),
        "{xml}"
    );
    assert!(
        xml.contains("<property name=\"compliance-score\" value=\"10.0\"/>"),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<testsuite name=\"RUN-3\" id=\"RUN-3\" tests=\"1\" failures=\"0\" errors=\"1\""
        ),
        "{xml}"
    );
    assert!(xml.contains("<error type=\"configuration\" message=\"checks.yaml:3:5: invalid attribute &quot;exist&quot;"), "{xml}");

    let staging = PolicyOutcome::from_results(
        &f.file.policies[1],
        Some("staging"),
        vec![result("File", "/etc/sudoers", "mode", ResultCode::Fail)],
        STARTED,
        Duration::ZERO,
    );
    let xml = junit(&report(
        &f.file,
        std::slice::from_ref(&staging),
        Some("staging"),
    ));
    assert!(
        xml.contains("<failure type=\"note\" message=\"File: /etc/sudoers: mode"),
        "{xml}"
    );
    let empty = junit(&report(&f.file, &[], None));
    sxd_document::parser::parse(&empty).unwrap();
    assert!(
        empty.contains("tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\""),
        "{empty}"
    );
}

#[test]
fn the_text_summary_has_a_line_per_policy_and_the_score() {
    let f = fixture();
    let summary = text(&report(&f.file, &f.outcomes, Some("production")), false);
    let expected_lines = [
        "✘ RUN-1 Sudoers — 5 checks: 1 passed, 2 failed, 1 skipped, 1 waived · error · FATAL",
        "    ~ File: /etc/sudoers: mode: Error it <broke> & \"stayed\" broken",
        "      waived until 2030-06-30: vendor <default> & co",
        "    ✘ User: legacy_admin: exists: Error it <broke> & \"stayed\" broken",
        "      (its waiver \"User: legacy*\" expired on 2020-01-01)",
        "    ! waiver \"User: legacy*\" expired on 2020-01-01: old accounts",
        "✔ RUN-2 RUN-2 — 1 check: 1 passed · note",
        "✘ RUN-3 RUN-3 — error: checks.yaml:3:5: invalid attribute \"exist\" for File:/etc/sudoers · warning",
        "3 policies in environment \"production\": 1 compliant, 2 non-compliant (1 fatal)",
        "Checks: 6 checks: 2 passed, 2 failed, 1 skipped, 1 waived",
        "Compliance score: 10.0/100",
    ];
    for line in expected_lines {
        assert!(
            summary.lines().any(|l| l == line),
            "missing {line:?} in:\n{summary}"
        );
    }
    assert!(!summary.contains('\x1b'));
    let colored = text(&report(&f.file, &f.outcomes, None), true);
    assert!(colored.contains("\x1b[31m✘\x1b[0m") && colored.contains("\x1b[32m✔\x1b[0m"));
    let empty = text(&report(&f.file, &[], None), false);
    assert!(
        empty.contains("0 policies: 0 compliant, 0 non-compliant"),
        "{empty}"
    );
    assert!(empty.contains("Compliance score: 100.0/100"), "{empty}");
}

#[test]
fn run_ids_carry_the_start_time_and_a_salt() {
    assert_eq!(run_id(STARTED, 0xabcdef12), "20260115T100000Z-cdef12");
    assert_eq!(run_id(STARTED, 7), "20260115T100000Z-000007");
}
