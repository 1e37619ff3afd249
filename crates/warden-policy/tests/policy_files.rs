//! Loading policy files (the seed's, every key, every kind of mistake), selecting
//! policies, judging results with waivers, the compliance score, and real runs.

// In tests a failed unwrap is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use time::OffsetDateTime;
use time::macros::{date, datetime};
use warden_policy::*;
use warden_report::{ResourceInfo, ResultCode, TestResult};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Writes `policy` as `policy.yaml` in a fresh directory with a passing gossfile
/// `checks.yaml` beside it, and loads it.
fn load_text(policy: &str) -> (tempfile::TempDir, Result<PolicyFile, PolicyError>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("checks.yaml"),
        "file:\n  /etc/passwd:\n    exists: true\n",
    )
    .unwrap();
    let path = dir.path().join("policy.yaml");
    std::fs::write(&path, policy).unwrap();
    let loaded = PolicyFile::load(&path);
    (dir, loaded)
}

/// The error for `policy`, checked to start with `policy.yaml:line:col: `.
fn load_error(policy: &str, line: usize, column: usize) -> String {
    let (dir, loaded) = load_text(policy);
    let err = loaded.expect_err("the policy file should not load");
    let text = err.to_string();
    let prefix = format!(
        "{}:{line}:{column}: ",
        dir.path().join("policy.yaml").display()
    );
    assert!(
        text.starts_with(&prefix),
        "expected {prefix:?}…, got {text:?}"
    );
    text
}

const MINIMAL: &str =
    "Policies:\n  - id: P-1\n    type: runtime\n    _runtime:\n      config: checks.yaml\n";

// ---------------------------------------------------------------- loading

#[test]
fn the_seed_policy_file_loads_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policies.yaml");
    std::fs::copy(fixtures().join("seed_000_policy.yaml"), &path).unwrap();
    std::fs::create_dir(dir.path().join("runtime")).unwrap();
    for gossfile in ["simple_https.yaml", "irt_sudoers.yaml"] {
        std::fs::copy(
            examples().join(gossfile),
            dir.path().join("runtime").join(gossfile),
        )
        .unwrap();
    }
    let file = PolicyFile::load(&path).unwrap();
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
    let ids: Vec<&str> = file.policies.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["RUNTIM-001", "RUNTIM-002"]);
    let first = &file.policies[0];
    assert_eq!(first.kind, PolicyKind::Runtime);
    assert_eq!(first.metadata.name, "RUNTIME System Compliance");
    assert_eq!(
        first.metadata.tags,
        ["config", "runtime", "enforce", "RUNTIM-001"]
    );
    assert_eq!(first.metadata.score, Some(8.0));
    assert_eq!(first.weight(), 8.0);
    assert_eq!(
        first.runtime.config,
        dir.path().join("runtime/simple_https.yaml")
    );
    assert_eq!(
        file.policies[1].runtime.config,
        dir.path().join("runtime/irt_sudoers.yaml")
    );
    assert_eq!(first.origin.mark.line, 2);
    let rule = first.rule_for(None);
    assert_eq!(rule.exceptions, Exceptions::Flag("development".into()));
    assert!(!rule.fatal && !rule.exceptions.flag());
    assert_eq!(rule.level(), Level::Warning);
}

#[test]
fn the_seed_fixture_pointing_at_the_examples_loads() {
    let file = PolicyFile::load(&fixtures().join("seed_000_examples.yaml")).unwrap();
    assert_eq!(file.policies.len(), 2);
    for policy in &file.policies {
        assert!(
            policy.runtime.config.is_file(),
            "{}",
            policy.runtime.config.display()
        );
    }
}

#[test]
fn every_key_is_read() {
    let path = fixtures().join("every_key.yaml");
    let file = PolicyFile::load(&path).unwrap();
    assert_eq!(file.version.as_deref(), Some("1.0.0"));
    assert_eq!(file.namespace.as_deref(), Some("warden-tests"));

    let config = &file.config;
    assert_eq!(config.system.goss_version.as_deref(), Some("0.4.9"));
    assert_eq!(config.system.rg_version.as_deref(), Some("14.1.1"));
    assert_eq!(config.system.intercept_version.as_deref(), Some("1.2.3"));
    let flags = &config.flags;
    assert_eq!(flags.output_type.as_deref(), Some("SARIF,LOG"));
    assert_eq!(flags.target.as_deref(), Some("/srv"));
    assert_eq!(flags.index.as_deref(), Some("intercept"));
    assert_eq!(flags.ignore, ["vendor", "node_modules"]);
    assert_eq!(flags.tags, ["baseline", "config"]);
    assert_eq!(flags.policy_schedule.as_deref(), Some("*/15 * * * * *"));
    assert_eq!(flags.report_schedule.as_deref(), Some("0 */5 * * * *"));
    assert_eq!(
        flags.webhook_secret_env.as_deref(),
        Some("WARDEN_HOOK_SECRET")
    );
    assert_eq!(flags.remote_auth.len(), 1);
    assert_eq!(config.metadata.host_name.as_deref(), Some("web-1"));
    assert_eq!(
        config.metadata.msg_exit_critical.as_deref(),
        Some("fix this now")
    );
    assert_eq!(
        config.metadata.host_mac.as_deref(),
        Some("00:00:00:00:00:00")
    );

    let hook = &config.hooks[0];
    assert_eq!(hook.name, "Results hook");
    assert_eq!(hook.endpoint, "https://hooks.example.com/warden");
    assert!(hook.insecure);
    assert_eq!(hook.method.as_deref(), Some("POST"));
    assert_eq!(hook.headers["X-Team"], "platform");
    assert_eq!(hook.headers["X-Priority"], "1");
    let auth = hook.auth.as_ref().unwrap();
    assert_eq!(auth.kind, HookAuthKind::Bearer);
    assert_eq!(auth.env_var("token_env"), Some("HOOK_TOKEN"));
    assert_eq!(hook.retry_attempts, 3);
    assert_eq!(hook.retry_delay, Some(Duration::from_secs(5)));
    assert_eq!(hook.timeout_seconds, Some(30));
    assert_eq!(
        hook.event_types,
        [HookEvent::Policy, HookEvent::Results, HookEvent::Log]
    );
    let basic = config.hooks[1].auth.as_ref().unwrap();
    assert_eq!(basic.kind, HookAuthKind::Basic);
    assert_eq!(basic.env_var("password_env"), Some("HOOK_PASSWORD"));
    assert!(!config.hooks[1].insecure && config.hooks[1].method.is_none());

    let policy = &file.policies[0];
    assert_eq!(policy.original_id, "base_001 passwd!");
    assert_eq!(policy.id, "BASE-001-PASSWD");
    assert_eq!(policy.schedule.as_deref(), Some("0 0 * * * *"));
    assert_eq!(
        policy.metadata.tags,
        ["accounts", "baseline", "BASE-001-PASSWD"]
    );
    assert_eq!(policy.metadata.score, Some(7.5));
    assert_eq!(
        policy.metadata.msg_error,
        "/etc/passwd is missing or not owned by root"
    );
    assert_eq!(
        policy.metadata.msg_solution,
        "Restore /etc/passwd from backup"
    );
    assert_eq!(
        policy.metadata.description,
        "The passwd file exists and is root's"
    );
    assert_eq!(
        policy.metadata.help_url.as_deref(),
        Some("https://example.com/policies/base-001")
    );
    assert_eq!(
        policy.runtime.config,
        fixtures().join("runtime/passwd.yaml")
    );
    assert_eq!(policy.runtime.observe, Some(fixtures().join("runtime")));

    let production = policy.rule_for(Some("PRODUCTION"));
    assert!(production.fatal);
    assert_eq!(production.confidence, "high");
    let waivers = production.exceptions.waivers();
    assert_eq!(waivers.len(), 2);
    assert_eq!(waivers[0].check, "File: /etc/passwd: owner");
    assert_eq!(waivers[0].reason, "image ships a different owner");
    assert_eq!(waivers[0].until, Some(date!(2999 - 12 - 31)));
    assert_eq!(production.level(), Level::Error);
    let other = policy.rule_for(Some("staging"));
    assert!(!other.fatal && other.exceptions.flag());
    assert_eq!(other.level(), Level::Note);
    assert_eq!(policy.rule_for(None), other);
}

#[test]
fn relative_gossfile_paths_follow_the_policy_file_not_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("policies/runtime")).unwrap();
    std::fs::write(
        dir.path().join("policies/runtime/c.yaml"),
        "file:\n  /etc:\n    exists: true\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("policies/p.yaml"),
        "Policies:\n  - {id: A, type: runtime, _runtime: {config: runtime/c.yaml, observe: /etc/hostname}}\n",
    )
    .unwrap();
    let file = PolicyFile::load(&dir.path().join("policies/p.yaml")).unwrap();
    assert_eq!(
        file.policies[0].runtime.config,
        dir.path().join("policies/runtime/c.yaml")
    );
    assert_eq!(
        file.policies[0].runtime.observe.as_deref(),
        Some(Path::new("/etc/hostname"))
    );
}

#[test]
fn unknown_keys_are_named_with_their_position_and_the_valid_keys() {
    let err = load_error(&format!("Polices: []\n{MINIMAL}"), 1, 1);
    assert!(err.contains("unknown key \"Polices\" in the policy file; valid keys are: Version, Namespace, Config, Policies"), "{err}");

    let err = load_error(&format!("Config:\n  Flags:\n    tag: [a]\n{MINIMAL}"), 3, 5);
    assert!(
        err.contains("unknown key \"tag\" in Config.Flags; valid keys are: output_type, target"),
        "{err}"
    );

    let err = load_error(
        &format!("Config:\n  Observe: {{mode: last}}\n{MINIMAL}"),
        2,
        3,
    );
    assert!(err.contains("INTERCEPT ignores Config.Observe"), "{err}");

    let err = load_error(&format!("{MINIMAL}    metdata: {{name: x}}\n"), 6, 5);
    assert!(
        err.contains(
            "unknown key \"metdata\" in policy \"P-1\"; valid keys are: id, type, schedule"
        ),
        "{err}"
    );

    let err = load_error(
        &format!("{MINIMAL}    metadata: {{name: x, Tags: [a]}}\n"),
        6,
        25,
    );
    assert!(
        err.contains("unknown key \"Tags\" in policy \"P-1\" metadata"),
        "{err}"
    );
    assert!(err.contains("did you mean \"tags\"?"), "{err}");

    let err = load_error(
        &format!("{MINIMAL}    enforcement:\n      - environment: all\n        fatl: \"true\"\n"),
        8,
        9,
    );
    assert!(err.contains("in policy \"P-1\" enforcement entry 1; valid keys are: environment, fatal, exceptions, confidence"), "{err}");

    let err = load_error(&format!("{MINIMAL}      schedule: \"* * * * * *\"\n"), 6, 7);
    assert!(err.contains("write it at the policy level"), "{err}");

    let err = load_error(&format!("{MINIMAL}    _regex: [\"x\"]\n"), 6, 5);
    assert!(err.contains("_regex belongs to INTERCEPT's scan"), "{err}");

    let err = load_error(
        &format!(
            "Config:\n  Hooks:\n    - name: h\n      endpoint: https://x\n      retries: 3\n{MINIMAL}"
        ),
        5,
        7,
    );
    assert!(
        err.contains("unknown key \"retries\" in Config.Hooks entry 1"),
        "{err}"
    );

    let err = load_error(
        &format!(
            "Config:\n  Hooks:\n    - name: h\n      endpoint: https://x\n      auth: {{type: bearer, token: abc}}\n{MINIMAL}"
        ),
        5,
        28,
    );
    assert!(
        err.contains("unknown key \"token\" in hook \"h\" auth")
            && err.contains("never written in the policy file"),
        "{err}"
    );

    let err = load_error(
        &format!(
            "{MINIMAL}    enforcement:\n      - environment: all\n        exceptions:\n          - check: \"File: /etc/x\"\n            reason: r\n            expires: 2030-01-01\n"
        ),
        11,
        13,
    );
    assert!(
        err.contains("waiver 1; valid keys are: check, reason, until"),
        "{err}"
    );
}

#[test]
fn bad_schedules_are_reported_where_they_are() {
    let err = load_error(
        &format!("{MINIMAL}    schedule: \"every 5 minutes\"\n"),
        6,
        15,
    );
    assert!(
        err.contains("schedule \"every 5 minutes\" is not a valid cron schedule"),
        "{err}"
    );
    assert!(err.contains("six fields with seconds first"), "{err}");
    let err = load_error(
        &format!("Config:\n  Flags:\n    report_schedule: \"0 0 25 * * *\"\n{MINIMAL}"),
        3,
        22,
    );
    assert!(err.contains("Config.Flags: report_schedule"), "{err}");
}

#[test]
fn wrong_types_say_what_was_expected() {
    let cases: &[(&str, usize, usize, &str)] = &[
        (
            "    metadata: {score: [8]}\n",
            6,
            23,
            "\"score\" must be a number or a string such as \"8\", found a list",
        ),
        (
            "    metadata: {score: \"high\"}\n",
            6,
            23,
            "score must be a number (e.g. \"8\"), found \"high\"",
        ),
        (
            "    metadata: {score: -1}\n",
            6,
            23,
            "score must be zero or a positive number",
        ),
        (
            "    metadata: {tags: config}\n",
            6,
            22,
            "\"tags\" must be a list of strings, found a string",
        ),
        (
            "    metadata: {name: {first: x}}\n",
            6,
            22,
            "\"name\" must be a string, found a map",
        ),
        (
            "    metadata: {help_url: \"see the wiki\"}\n",
            6,
            26,
            "help_url must be an absolute URL",
        ),
        (
            "    enforcement: {environment: all}\n",
            6,
            18,
            "\"enforcement\" must be a list, found a map",
        ),
        (
            "    enforcement:\n      - environment: all\n        fatal: \"yes\"\n",
            8,
            16,
            "fatal must be \"true\" or \"false\", found \"yes\"",
        ),
        (
            "    enforcement:\n      - fatal: \"true\"\n",
            7,
            9,
            "enforcement entry 1 has no environment",
        ),
        (
            "    enforcement:\n      - environment: all\n        exceptions: {check: x}\n",
            8,
            21,
            "write the waiver as a list item",
        ),
        (
            "    enforcement:\n      - environment: all\n        exceptions:\n          - check: \"File: /etc/x\"\n",
            9,
            13,
            "waiver 1 has no reason",
        ),
        (
            "    enforcement:\n      - environment: all\n        exceptions:\n          - {check: \"File: /etc/x\", reason: r, until: next week}\n",
            9,
            55,
            "until must be a date written YYYY-MM-DD, found \"next week\"",
        ),
        (
            "    enforcement:\n      - environment: all\n        exceptions:\n          - {check: \"Files: /etc/x\", reason: r}\n",
            9,
            21,
            "unknown resource type \"Files\"",
        ),
    ];
    for (extra, line, column, message) in cases {
        let err = load_error(&format!("{MINIMAL}{extra}"), *line, *column);
        assert!(err.contains(message), "{extra}\n{err}");
    }
    let hook_cases: &[(&str, usize, usize, &str)] = &[
        (
            "      insecure: \"yes\"\n",
            5,
            17,
            "\"insecure\" must be true or false, found a string",
        ),
        (
            "      retry_delay: \"5\"\n",
            5,
            20,
            "retry_delay must be a duration such as \"5s\"",
        ),
        (
            "      retry_attempts: -1\n",
            5,
            23,
            "must be a whole number, zero or more",
        ),
        (
            "      method: FETCH\n",
            5,
            15,
            "unknown method \"FETCH\"; valid methods are: GET, POST",
        ),
        (
            "      event_types: [policy, alerts]\n",
            5,
            29,
            "unknown event type \"alerts\"; valid event types are: minimal, results",
        ),
        (
            "      auth: {type: oauth}\n",
            5,
            20,
            "unknown type \"oauth\"; valid types are: basic, bearer, header, authorization, api_key",
        ),
    ];
    for (extra, line, column, message) in hook_cases {
        let text = format!(
            "Config:\n  Hooks:\n    - name: h\n      endpoint: https://x\n{extra}{MINIMAL}"
        );
        let err = load_error(&text, *line, *column);
        assert!(err.contains(message), "{extra}\n{err}");
    }
    let err = load_error(
        &format!("Config:\n  Hooks:\n    - name: h\n      endpoint: ftp://x\n{MINIMAL}"),
        4,
        17,
    );
    assert!(err.contains("must be an http:// or https:// URL"), "{err}");
    let err = load_error("Policies: {id: x}\n", 1, 11);
    assert!(
        err.contains("Policies must be a list of policies, found a map"),
        "{err}"
    );
    let err = load_error("Policies:\n  - just-a-string\n", 2, 5);
    assert!(
        err.contains("each entry of Policies must be a map, found a string"),
        "{err}"
    );
    let err = load_error("Version: 1\n", 1, 1);
    assert!(err.contains("has no Policies list"), "{err}");
    let err = load_error("Policies: [\n", 2, 1);
    assert!(!err.is_empty());
}

#[test]
fn yaml_booleans_and_numbers_are_accepted_where_intercept_takes_strings() {
    let (_dir, loaded) = load_text(&format!(
        "{MINIMAL}    enforcement:\n      - environment: all\n        fatal: true\n        exceptions: true\n        confidence: high\n    metadata: {{score: 3}}\n"
    ));
    let file = loaded.unwrap();
    let rule = file.policies[0].rule_for(None);
    assert!(rule.fatal && rule.exceptions.flag());
    assert_eq!(file.policies[0].metadata.score, Some(3.0));
}

#[test]
fn duplicate_ids_are_refused_after_normalisation() {
    let text =
        format!("{MINIMAL}  - id: p_1\n    type: runtime\n    _runtime: {{config: checks.yaml}}\n");
    let err = load_error(&text, 6, 5);
    assert!(
        err.contains("duplicate policy id \"p_1\" (normalised \"P-1\"); line 2 already defines it"),
        "{err}"
    );
}

#[test]
fn policy_types_warden_does_not_run_are_named() {
    let err = load_error(
        "Policies:\n  - id: SCAN-001\n    type: scan\n    _regex: [\"secret\"]\n",
        3,
        11,
    );
    assert!(
        err.contains(
            "policy \"SCAN-001\" has type \"scan\"; Warden runs \"runtime\" or \"behaviour\" policies"
        ),
        "{err}"
    );
    assert!(err.contains("INTERCEPT's scan, assure, api, rego, json, yml, toml and ini types are not implemented by Warden"), "{err}");
    let err = load_error(
        "Policies:\n  - id: X\n    _runtime: {config: checks.yaml}\n",
        2,
        5,
    );
    assert!(
        err.contains("has no type; the supported types are \"runtime\" or \"behaviour\""),
        "{err}"
    );
    let err = load_error("Policies:\n  - type: runtime\n", 2, 5);
    assert!(err.contains("policy 1 has no id"), "{err}");
    let err = load_error("Policies:\n  - id: \"!!\"\n    type: runtime\n", 2, 9);
    assert!(err.contains("empty once normalised"), "{err}");
}

#[test]
fn a_missing_gossfile_is_an_error_at_its_path() {
    let err = load_error(
        "Policies:\n  - id: A\n    type: runtime\n    _runtime:\n      config: runtime/missing.yaml\n",
        5,
        15,
    );
    assert!(
        err.contains("gossfile \"runtime/missing.yaml\" does not exist"),
        "{err}"
    );
    let err = load_error(
        "Policies:\n  - id: A\n    type: runtime\n    _runtime:\n      config: .\n",
        5,
        15,
    );
    assert!(err.contains("is not a file"), "{err}");
    let err = load_error("Policies:\n  - id: A\n    type: runtime\n", 2, 5);
    assert!(err.contains("has no _runtime block"), "{err}");
    let err = load_error(
        "Policies:\n  - id: A\n    type: runtime\n    _runtime: {observe: /etc}\n",
        4,
        15,
    );
    assert!(err.contains("_runtime has no config"), "{err}");
}

#[test]
fn keys_without_effect_on_runtime_policies_load_with_warnings() {
    let (_dir, loaded) = load_text(&format!(
        "{MINIMAL}    filepattern: \".*\\\\.conf\"\n    observe: /etc\n    metadata: {{}}\n  - id: P-2\n    type: runtime\n    _runtime: {{config: checks.yaml, observe: not-there-yet}}\n"
    ));
    let file = loaded.unwrap();
    assert_eq!(file.warnings.len(), 3, "{:?}", file.warnings);
    assert!(
        file.warnings[0]
            .contains(":6:5: policy \"P-1\": filepattern has no effect on runtime policies"),
        "{:?}",
        file.warnings
    );
    assert!(
        file.warnings[1].contains("observe has no effect on runtime policies"),
        "{:?}",
        file.warnings
    );
    assert!(
        file.warnings[2].contains("observed path")
            && file.warnings[2].contains("does not exist (yet)"),
        "{:?}",
        file.warnings
    );
}

// ---------------------------------------------------------------- selection

const SELECTION: &str = "
Config:
  Flags:
    tags: []
Policies:
  - id: WEB-1
    type: runtime
    enforcement: [{environment: production, fatal: \"true\"}, {environment: staging}]
    metadata: {tags: [web, tls]}
    _runtime: {config: checks.yaml}
  - id: WEB-2
    type: runtime
    enforcement: [{environment: all}]
    metadata: {tags: [Web]}
    _runtime: {config: checks.yaml}
  - id: DB-1
    type: runtime
    enforcement: [{environment: Staging}]
    metadata: {tags: [db]}
    _runtime: {config: checks.yaml}
  - id: NONE-1
    type: runtime
    _runtime: {config: checks.yaml}
";

fn selected(file: &PolicyFile, selection: &Selection) -> Vec<String> {
    file.select(selection)
        .iter()
        .map(|p| p.id.clone())
        .collect()
}

#[test]
fn selection_filters_by_tags_then_environment() {
    let (_dir, loaded) = load_text(SELECTION);
    let file = loaded.unwrap();
    let all = Selection::default();
    assert_eq!(selected(&file, &all), ["WEB-1", "WEB-2", "DB-1", "NONE-1"]);

    let env = |e: &str| Selection {
        environment: Some(e.to_owned()),
        ..Selection::default()
    };
    assert_eq!(selected(&file, &env("production")), ["WEB-1", "WEB-2"]);
    assert_eq!(selected(&file, &env("STAGING")), ["WEB-1", "WEB-2", "DB-1"]);
    assert_eq!(selected(&file, &env("dev")), ["WEB-2"]);

    let tags_any = Selection {
        tags_any: vec!["web".into(), " db ".into()],
        ..Selection::default()
    };
    assert_eq!(selected(&file, &tags_any), ["WEB-1", "WEB-2", "DB-1"]);
    let tags_all = Selection {
        tags_all: vec!["WEB".into(), "tls".into()],
        ..Selection::default()
    };
    assert_eq!(selected(&file, &tags_all), ["WEB-1"]);
    let by_id = Selection {
        tags_any: vec!["db-1".into()],
        ..Selection::default()
    };
    assert_eq!(selected(&file, &by_id), ["DB-1"]);
    let both = Selection {
        environment: Some("staging".into()),
        tags_any: vec!["web".into(), "db".into()],
        tags_all: vec!["web".into()],
        env_detection: false,
    };
    assert_eq!(selected(&file, &both), ["WEB-1", "WEB-2"]);
}

#[test]
fn config_tags_are_an_implicit_tags_any_filter() {
    let (_dir, loaded) = load_text(&SELECTION.replace("tags: []", "tags: [db, tls]"));
    let file = loaded.unwrap();
    assert_eq!(selected(&file, &Selection::default()), ["WEB-1", "DB-1"]);
    let narrowed = Selection {
        tags_any: vec!["web".into()],
        ..Selection::default()
    };
    assert_eq!(selected(&file, &narrowed), ["WEB-1"]);
}

#[test]
fn the_rule_in_force_is_the_first_for_the_environment_or_all() {
    let (_dir, loaded) = load_text(SELECTION);
    let file = loaded.unwrap();
    let web = &file.policies[0];
    assert!(web.rule_for(Some("production")).fatal);
    assert_eq!(web.rule_for(Some("staging")).environment, "staging");
    // No entry for the environment, none for `all`: the first entry.
    assert_eq!(web.rule_for(Some("dev")).environment, "production");
    assert_eq!(web.rule_for(None).environment, "production");
    assert_eq!(
        file.policies[2].rule_for(Some("staging")).environment,
        "Staging"
    );
    assert_eq!(
        file.policies[3].rule_for(Some("x")),
        EnforcementRule::default()
    );
}

// ---------------------------------------------------------------- judging and score

fn result(resource_type: &str, id: &str, property: &str, code: ResultCode) -> TestResult {
    let info = ResourceInfo {
        resource_type: resource_type.to_owned(),
        id: id.to_owned(),
        ..ResourceInfo::default()
    };
    let at = OffsetDateTime::UNIX_EPOCH;
    let mut r = TestResult::error(&info, property, "failed", at, at);
    r.result = code;
    r.skipped = code == ResultCode::Skip;
    if code != ResultCode::Fail {
        r.err = None;
    }
    r
}

const WAIVED: &str = "Policies:
  - id: W-1
    type: runtime
    enforcement:
      - environment: production
        fatal: \"true\"
        exceptions:
          - {check: \"File: /etc/sudoers: mode\", reason: \"vendor default\", until: 2030-06-30}
          - {check: \"User: legacy*\", reason: \"old accounts\", until: 2020-01-01}
          - {check: \"Command: *\", reason: \"commands are advisory\"}
      - environment: staging
        fatal: \"false\"
    metadata: {score: 4}
    _runtime: {config: checks.yaml}
";

#[test]
fn waivers_turn_matching_failures_into_waived_results_until_they_expire() {
    let (_dir, loaded) = load_text(WAIVED);
    let file = loaded.unwrap();
    let policy = &file.policies[0];
    let results = vec![
        result("File", "/etc/sudoers", "mode", ResultCode::Fail),
        result("File", "/etc/sudoers", "owner", ResultCode::Success),
        result("User", "legacy_admin", "exists", ResultCode::Fail),
        result(
            "Command",
            "grep x /etc/sudoers",
            "exit-status",
            ResultCode::Fail,
        ),
        result("Package", "nginx", "installed", ResultCode::Skip),
    ];
    let started = datetime!(2026-01-15 10:00 UTC);
    let outcome = PolicyOutcome::from_results(
        policy,
        Some("production"),
        results.clone(),
        started,
        Duration::from_millis(12),
    );
    let statuses: Vec<CheckStatus> = outcome.checks.iter().map(|c| c.status).collect();
    assert_eq!(
        statuses,
        [
            CheckStatus::Waived,
            CheckStatus::Passed,
            CheckStatus::Failed,
            CheckStatus::Waived,
            CheckStatus::Skipped
        ]
    );
    assert_eq!(
        outcome.checks[0].waiver.as_ref().unwrap().reason,
        "vendor default"
    );
    // The failure names the waiver that expired, so reports can say why it counts.
    assert_eq!(
        outcome.checks[2].waiver.as_ref().unwrap().reason,
        "old accounts"
    );
    assert_eq!(outcome.expired_waivers.len(), 1);
    assert_eq!(outcome.expired_waivers[0].check, "User: legacy*");
    assert_eq!(
        outcome.counts,
        Counts {
            tests: 5,
            passed: 1,
            failed: 1,
            skipped: 1,
            waived: 2
        }
    );
    assert!(!outcome.compliant && outcome.fatal_failure);
    assert_eq!(outcome.level, Level::Error);
    assert_eq!(outcome.http_status(), 503);
    assert_eq!(outcome.environment.as_deref(), Some("production"));
    assert_eq!(outcome.failures().count(), 1);
    assert_eq!(outcome.waived().count(), 2);

    // Without the expired failure the policy complies; after 2030-06-30 it no longer does.
    let rest: Vec<TestResult> = results
        .iter()
        .filter(|r| r.resource_type != "User")
        .cloned()
        .collect();
    let compliant = PolicyOutcome::from_results(
        policy,
        Some("production"),
        rest.clone(),
        started,
        Duration::ZERO,
    );
    assert!(compliant.compliant && !compliant.fatal_failure);
    assert_eq!(compliant.http_status(), 200);
    let last_day = PolicyOutcome::from_results(
        policy,
        Some("production"),
        rest.clone(),
        datetime!(2030-06-30 23:59 UTC),
        Duration::ZERO,
    );
    assert!(last_day.compliant);
    let later = PolicyOutcome::from_results(
        policy,
        Some("production"),
        rest,
        datetime!(2030-07-01 00:00 UTC),
        Duration::ZERO,
    );
    assert!(!later.compliant);
    assert_eq!(later.expired_waivers.len(), 2);

    // Staging's rule has no waivers and is not fatal.
    let staging =
        PolicyOutcome::from_results(policy, Some("staging"), results, started, Duration::ZERO);
    assert_eq!(staging.counts.failed, 3);
    assert!(!staging.compliant && !staging.fatal_failure);
    assert_eq!(staging.level, Level::Warning);
}

#[test]
fn errors_are_never_compliant() {
    let (_dir, loaded) = load_text(WAIVED);
    let policy = &loaded.unwrap().policies[0];
    let at = datetime!(2026-01-15 10:00 UTC);
    let outcome = PolicyOutcome::from_error(
        policy,
        Some("production"),
        "bad gossfile".into(),
        at,
        Duration::ZERO,
    );
    assert!(!outcome.compliant && outcome.fatal_failure);
    assert_eq!(outcome.error.as_deref(), Some("bad gossfile"));
    let staging = PolicyOutcome::from_error(
        policy,
        Some("staging"),
        "bad gossfile".into(),
        at,
        Duration::ZERO,
    );
    assert!(!staging.fatal_failure);
}

#[test]
fn the_compliance_score_weighs_policies_by_score() {
    let (_dir, loaded) = load_text(
        "Policies:
  - {id: A, type: runtime, metadata: {score: \"8\"}, _runtime: {config: checks.yaml}}
  - {id: B, type: runtime, metadata: {score: 2}, _runtime: {config: checks.yaml}}
  - {id: C, type: runtime, _runtime: {config: checks.yaml}}
  - {id: D, type: runtime, metadata: {score: 0}, _runtime: {config: checks.yaml}}
",
    );
    let file = loaded.unwrap();
    let at = datetime!(2026-01-15 10:00 UTC);
    let pass = |p: &Policy| {
        PolicyOutcome::from_results(
            p,
            None,
            vec![result("File", "/x", "exists", ResultCode::Success)],
            at,
            Duration::ZERO,
        )
    };
    let fail = |p: &Policy| {
        PolicyOutcome::from_results(
            p,
            None,
            vec![result("File", "/x", "exists", ResultCode::Fail)],
            at,
            Duration::ZERO,
        )
    };
    let [a, b, c, d] = [
        &file.policies[0],
        &file.policies[1],
        &file.policies[2],
        &file.policies[3],
    ];

    assert_eq!(
        compliance_score(&[pass(a), pass(b), pass(c), pass(d)]),
        100.0
    );
    // A (8) passes, B (2) and C (1) fail: 8 / 11.
    let score = compliance_score(&[pass(a), fail(b), fail(c), pass(d)]);
    assert!((score - 800.0 / 11.0).abs() < 1e-9, "{score}");
    // D weighs nothing either way.
    assert_eq!(compliance_score(&[pass(a), fail(d)]), 100.0);
    let none = compliance_score(&[fail(a), pass(d)]);
    assert_eq!(none, 0.0);
    assert!(
        none.is_sign_positive(),
        "a score of zero prints as 0.0, not -0.0"
    );
    assert_eq!(compliance_score(&[fail(d)]), 100.0);
    assert_eq!(compliance_score(&[]), 100.0);
    let broken = PolicyOutcome::from_error(c, None, "x".into(), at, Duration::ZERO);
    assert_eq!(compliance_score(&[pass(b), broken]), 200.0 / 3.0);
}

// ---------------------------------------------------------------- real runs

fn policy_with(dir: &Path, gossfile: &str) -> PolicyFile {
    std::fs::write(dir.join("checks.yaml"), gossfile).unwrap();
    let path = dir.join("policy.yaml");
    std::fs::write(
        &path,
        "Policies:
  - id: RUN-1
    type: runtime
    enforcement:
      - {environment: production, fatal: \"true\"}
      - {environment: staging, fatal: \"false\"}
    _runtime: {config: checks.yaml}
  - id: RUN-2
    type: runtime
    _runtime: {config: passing.yaml}
",
    )
    .unwrap();
    std::fs::write(
        dir.join("passing.yaml"),
        "file:\n  /etc/passwd:\n    exists: true\n",
    )
    .unwrap();
    PolicyFile::load(&path).unwrap()
}

#[tokio::test]
async fn a_failing_gossfile_is_fatal_only_where_its_rule_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("not-there");
    let file = policy_with(
        dir.path(),
        &format!(
            "file:\n  /etc/passwd:\n    exists: true\n  {}:\n    exists: true\n",
            missing.display()
        ),
    );
    let options = warden_validate::Options::default();
    let production = run(&file.policies[0], Some("production"), &options).await;
    assert_eq!(production.counts.tests, 2);
    assert_eq!(production.counts.failed, 1);
    assert!(!production.compliant && production.fatal_failure);
    assert_eq!(
        production.failures().next().unwrap().result.resource_id,
        missing.display().to_string()
    );
    assert!(production.started <= OffsetDateTime::now_utc());

    let staging = run(&file.policies[0], Some("staging"), &options).await;
    assert!(!staging.compliant && !staging.fatal_failure);

    let selected: Vec<&Policy> = file.policies.iter().collect();
    let outcomes = run_all(&selected, Some("production"), &options, 1).await;
    let ids: Vec<&str> = outcomes.iter().map(|o| o.policy.id.as_str()).collect();
    assert_eq!(ids, ["RUN-1", "RUN-2"]);
    assert!(!outcomes[0].compliant && outcomes[1].compliant);
    assert_eq!(compliance_score(&outcomes), 50.0);
}

#[tokio::test]
async fn gossfile_errors_become_outcomes_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = policy_with(dir.path(), "file:\n  /etc/passwd:\n    exist: true\n");
    let outcome = run(
        &file.policies[0],
        Some("production"),
        &warden_validate::Options::default(),
    )
    .await;
    let error = outcome.error.as_deref().unwrap();
    assert!(
        error.contains("checks.yaml:3:5: invalid attribute \"exist\""),
        "{error}"
    );
    assert!(!outcome.compliant && outcome.fatal_failure);
    assert_eq!(outcome.counts, Counts::default());

    std::fs::write(dir.path().join("checks.yaml"), "").unwrap();
    let empty = run(
        &file.policies[0],
        Some("staging"),
        &warden_validate::Options::default(),
    )
    .await;
    assert!(
        empty.error.as_deref().unwrap().starts_with("found 0 tests"),
        "{:?}",
        empty.error
    );
    assert!(!empty.compliant && !empty.fatal_failure);
}

#[test]
fn confidence_typos_are_errors_not_a_lower_level() {
    let err = load_error(
        &format!("{MINIMAL}    enforcement:\n      - environment: all\n        confidence: hgih\n"),
        8,
        21,
    );
    assert!(
        err.contains("confidence must be one of high, medium, low, info, found \"hgih\""),
        "{err}"
    );
    let (_dir, loaded) = load_text(&format!(
        "{MINIMAL}    enforcement:\n      - environment: all\n        confidence: HIGH\n"
    ));
    assert!(loaded.is_ok());
}

const BEHAVIOUR_POLICY: &str = r#"Policies:
  - id: RUNTIM-001
    type: runtime
    _runtime: {config: checks.yaml}
  - id: "behav 001"
    type: behaviour
    enforcement:
      - environment: production
        mode: enforce
        action: kill-container
      - environment: all
        mode: AUDIT
    metadata:
      name: Package managers in containers
      tags: [drift]
    _behaviour:
      rules:
        files: [rules/extra.yaml]
        names: [Launch Package Management Process in Container]
        tags: [mitre_persistence]
        condition: spawned_process and proc.name in (apt, dpkg)
        output: package manager %proc.name in %container.id
      mode: audit
      action: deny
      severity: High
      scope:
        host: false
        container_names: ["web-*"]
        images: ["docker.io/library/nginx:*"]
        cgroups: ["/kubepods/*"]
      exceptions:
        - process: /usr/bin/apt-get
          image: "*/builder:*"
          reason: image build stage
      enforce_after_days: 14
      added: 2026-11-01
  - id: BEHAV-002
    type: behavior
    _behaviour:
      rules: {names: [Terminal shell in container]}
"#;

#[test]
fn behaviour_policies_load_beside_runtime_ones() {
    use warden_policy::{EnforceAction, Scope};
    use warden_violations::{Mode, Severity};

    let (dir, loaded) = load_text(BEHAVIOUR_POLICY);
    let file = loaded.unwrap();
    assert_eq!(
        file.policies.len(),
        1,
        "runtime policies stay where they were"
    );
    assert_eq!(file.behaviour.len(), 2);
    let policy = &file.behaviour[0];
    assert_eq!(policy.id, "BEHAV-001");
    assert_eq!(policy.display_name(), "Package managers in containers");
    assert_eq!(policy.metadata.tags, ["drift", "BEHAV-001"]);
    assert_eq!(policy.severity, Severity::High);
    assert_eq!(policy.mode, Mode::Audit);
    assert_eq!(policy.action, Some(EnforceAction::Deny));
    assert_eq!(policy.enforcement.len(), 2);
    assert_eq!(policy.enforcement[0].mode, Some(Mode::Enforce));
    assert_eq!(
        policy.enforcement[0].action,
        Some(EnforceAction::KillContainer)
    );
    assert_eq!(policy.enforcement[1].mode, Some(Mode::Audit));
    assert_eq!(policy.rules.files, [dir.path().join("rules/extra.yaml")]);
    assert_eq!(
        policy.rules.names,
        ["Launch Package Management Process in Container"]
    );
    assert_eq!(policy.rules.tags, ["mitre_persistence"]);
    let inline = policy.rules.inline.as_ref().unwrap();
    assert_eq!(
        inline.condition,
        "spawned_process and proc.name in (apt, dpkg)"
    );
    assert_eq!((inline.mark.line, inline.mark.column), (21, 20));
    assert!(!policy.scope.host && policy.scope.containers);
    assert_eq!(policy.scope.images[0].as_str(), "docker.io/library/nginx:*");
    assert_eq!(policy.exceptions[0].reason, "image build stage");
    assert_eq!(policy.enforce_after_days, Some(14));
    assert_eq!(
        policy.added.map(|d| d.to_string()).as_deref(),
        Some("2026-11-01")
    );

    let defaults = &file.behaviour[1];
    assert_eq!(defaults.severity, Severity::Medium);
    assert_eq!(defaults.mode, Mode::Audit);
    assert_eq!(defaults.action, None);
    assert_eq!(defaults.scope, Scope::default());
    assert!(defaults.applies_to("anywhere"));
}

#[test]
fn behaviour_policy_mistakes_are_reported_where_they_are() {
    let head = "Policies:\n  - id: B-1\n    type: behaviour\n";
    let cases: &[(&str, usize, usize, &str)] = &[
        ("", 2, 5, "has no _behaviour block"),
        ("    _behaviour: {mode: audit}\n", 4, 17, "has no rules"),
        (
            "    _behaviour:\n      rules: {}\n",
            5,
            14,
            "selects nothing",
        ),
        (
            "    _behaviour:\n      rules: {names: [x]}\n      mode: block\n",
            6,
            13,
            "mode must be one of audit, enforce, found \"block\"",
        ),
        (
            "    _behaviour:\n      rules: {names: [x]}\n      action: stop\n",
            6,
            15,
            "action must be one of deny, kill, kill-container",
        ),
        (
            "    _behaviour:\n      rules: {names: [x]}\n      severity: urgent\n",
            6,
            17,
            "severity must be one of low, medium, high, critical",
        ),
        (
            "    _behaviour:\n      rules: {condition: proc.name = sh}\n",
            5,
            15,
            "a condition needs an output",
        ),
        (
            "    _behaviour:\n      rules: {names: [x], output: hi}\n",
            5,
            27,
            "output belongs to a condition",
        ),
        (
            "    _behaviour:\n      rules: {names: [x]}\n      scope: {images: [\"[\"]}\n",
            6,
            24,
            "is not a valid glob pattern",
        ),
        (
            "    _behaviour:\n      rules: {names: [x]}\n      exceptions:\n        - reason: because\n",
            7,
            11,
            "matches everything",
        ),
        (
            "    _behaviour:\n      rules: {names: [x]}\n      exceptions:\n        - process: /bin/sh\n",
            7,
            11,
            "has no reason",
        ),
        (
            "    _behaviour:\n      rules: {names: [x]}\n      added: yesterday\n",
            6,
            14,
            "added must be a date",
        ),
        (
            "    _behaviour:\n      rules: {names: [x]}\n      enforce_after_days: -1\n",
            6,
            27,
            "a whole number",
        ),
        (
            "    _behaviour:\n      rules: {names: [x]}\n      fatal: true\n",
            6,
            7,
            "unknown key \"fatal\"",
        ),
        (
            "    schedule: \"* * * * * *\"\n    _behaviour: {rules: {names: [x]}}\n",
            4,
            5,
            "unknown key \"schedule\"",
        ),
        (
            "    enforcement:\n      - {environment: prod, fatal: \"true\"}\n    _behaviour: {rules: {names: [x]}}\n",
            5,
            29,
            "unknown key \"fatal\"",
        ),
    ];
    for (tail, line, column, expected) in cases {
        let err = load_error(&format!("{head}{tail}"), *line, *column);
        assert!(err.contains(expected), "{tail:?}: {err}");
    }
    let err = load_error(
        "Policies:\n  - id: same\n    type: runtime\n    _runtime: {config: checks.yaml}\n  - id: SAME\n    type: behaviour\n    _behaviour: {rules: {names: [x]}}\n",
        5,
        5,
    );
    assert!(err.contains("duplicate policy id"), "{err}");
}
