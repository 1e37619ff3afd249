//! `warden audit` through the binary, against the real machine: exit codes per
//! environment and `fatal`, environment detection, tag filters, waivers, every report
//! format written to `-o DIR` (SARIF validated against the SARIF 2.1.0 schema), and
//! configuration errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::*;

/// `warden audit` with none of the environment-detection variables inherited, so the
/// machine's own environment cannot pick the rules.
fn audit() -> Command {
    let mut command = warden();
    command.arg("audit");
    // The test's own environment must not pick an environment for it.
    for name in warden_policy::ENVIRONMENT_VARIABLES
        .into_iter()
        .chain(["NO_COLOR"])
    {
        command.env_remove(name);
    }
    command
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

/// A policy file with a policy whose gossfile fails (fatal in production, not in
/// staging) and one that passes, in a fresh directory.
struct Setup {
    dir: tempfile::TempDir,
    policy: PathBuf,
    missing: PathBuf,
}

fn setup(extra_production_entries: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("not-there");
    write(
        dir.path(),
        "runtime/fail.yaml",
        &format!(
            "file:\n  /etc/passwd:\n    exists: true\n  {}:\n    exists: true\n",
            missing.display()
        ),
    );
    write(
        dir.path(),
        "runtime/pass.yaml",
        "file:\n  /etc/passwd:\n    exists: true\n    filetype: file\n",
    );
    let policy = write(
        dir.path(),
        "policies.yaml",
        &format!(
            "Policies:
  - id: base_1
    type: runtime
    enforcement:
      - environment: production
        fatal: \"true\"
{extra_production_entries}      - environment: staging
        fatal: \"false\"
    metadata: {{name: Baseline, tags: [base], score: 3}}
    _runtime: {{config: runtime/fail.yaml}}
  - id: PASS-1
    type: runtime
    enforcement: [{{environment: all}}]
    metadata: {{name: Accounts, tags: [base, passwd]}}
    _runtime: {{config: runtime/pass.yaml}}
"
        ),
    );
    Setup {
        dir,
        policy,
        missing,
    }
}

fn run_audit(setup: &Setup, args: &[&str]) -> Output {
    audit()
        .arg("-p")
        .arg(&setup.policy)
        .args(args)
        .output()
        .unwrap()
}

fn sarif_schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/sarif/sarif-schema-2.1.0.json")
}

fn assert_valid_sarif(document: &Value) {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(sarif_schema()).unwrap()).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

/// The one file in `dir` whose name ends with `suffix`.
fn report_file(dir: &Path, suffix: &str) -> PathBuf {
    let matches: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().ends_with(suffix))
        .collect();
    assert_eq!(
        matches.len(),
        1,
        "{suffix} in {}: {matches:?}",
        dir.display()
    );
    matches.into_iter().next().unwrap()
}

#[test]
fn a_failing_policy_is_fatal_in_production_and_not_in_staging() {
    let s = setup("");
    let production = run_audit(&s, &["-e", "production"]);
    assert_eq!(
        code(&production),
        1,
        "{}{}",
        stdout(&production),
        stderr(&production)
    );
    let out = stdout(&production);
    assert!(
        out.contains("✘ BASE-1 Baseline — 2 checks: 1 passed, 1 failed · error · FATAL"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "✘ File: {}: exists: Expected",
            s.missing.display()
        )),
        "{out}"
    );
    assert!(
        out.contains("✔ PASS-1 Accounts — 2 checks: 2 passed · warning"),
        "{out}"
    );
    assert!(
        out.contains(
            "2 policies in environment \"production\": 1 compliant, 1 non-compliant (1 fatal)"
        ),
        "{out}"
    );
    assert!(out.contains("Compliance score: 25.0/100"), "{out}");

    let staging = run_audit(&s, &["-e", "STAGING"]);
    assert_eq!(
        code(&staging),
        0,
        "{}{}",
        stdout(&staging),
        stderr(&staging)
    );
    let out = stdout(&staging);
    assert!(
        out.contains("✘ BASE-1 Baseline — 2 checks: 1 passed, 1 failed · warning\n"),
        "{out}"
    );
    assert!(!out.contains("FATAL"), "{out}");

    // An environment without an entry for BASE-1 (nor `all`) leaves only PASS-1.
    let dev = run_audit(&s, &["-e", "dev"]);
    assert_eq!(code(&dev), 0, "{}", stdout(&dev));
    assert!(!stdout(&dev).contains("BASE-1"), "{}", stdout(&dev));
    assert!(
        stdout(&dev).contains("1 policy in environment \"dev\": 1 compliant, 0 non-compliant"),
        "{}",
        stdout(&dev)
    );

    // No environment: INTERCEPT's rule pick falls back to the first entry (production).
    let none = run_audit(&s, &[]);
    assert_eq!(code(&none), 1, "{}", stdout(&none));
}

#[test]
fn env_detection_reads_the_usual_variables() {
    let s = setup("");
    let detected = audit()
        .arg("-p")
        .arg(&s.policy)
        .arg("--env-detection")
        .env("RAILS_ENV", "staging")
        .output()
        .unwrap();
    assert_eq!(code(&detected), 0, "{}", stdout(&detected));
    assert!(
        stdout(&detected).contains("in environment \"staging\""),
        "{}",
        stdout(&detected)
    );

    let first_wins = audit()
        .arg("-p")
        .arg(&s.policy)
        .arg("--env-detection")
        .env("ENV", "production")
        .env("APP_ENV", "staging")
        .output()
        .unwrap();
    assert_eq!(code(&first_wins), 1, "{}", stdout(&first_wins));
    assert!(stdout(&first_wins).contains("in environment \"production\""));

    let named_wins = audit()
        .arg("-p")
        .arg(&s.policy)
        .args(["--env-detection", "-e", "staging"])
        .env("ENV", "production")
        .output()
        .unwrap();
    assert_eq!(code(&named_wins), 0, "{}", stdout(&named_wins));

    let not_asked = audit()
        .arg("-p")
        .arg(&s.policy)
        .env("ENV", "staging")
        .output()
        .unwrap();
    assert_eq!(
        code(&not_asked),
        1,
        "without --env-detection ENV is not read: {}",
        stdout(&not_asked)
    );
    assert!(
        !stdout(&not_asked).contains("in environment"),
        "{}",
        stdout(&not_asked)
    );
}

#[test]
fn tag_filters_select_policies() {
    let s = setup("");
    let passwd = run_audit(&s, &["-e", "production", "--tags-any", "passwd"]);
    assert_eq!(code(&passwd), 0, "{}", stdout(&passwd));
    assert!(!stdout(&passwd).contains("BASE-1") && stdout(&passwd).contains("PASS-1"));

    let by_id = run_audit(&s, &["-e", "production", "--tags-any", "base-1"]);
    assert_eq!(code(&by_id), 1, "{}", stdout(&by_id));
    assert!(
        stdout(&by_id).contains("1 policy in environment"),
        "{}",
        stdout(&by_id)
    );

    let all = run_audit(&s, &["-e", "production", "--tags-all", "base,PASSWD"]);
    assert_eq!(code(&all), 0, "{}", stdout(&all));
    assert!(stdout(&all).contains("✔ PASS-1") && !stdout(&all).contains("BASE-1"));

    let nothing = run_audit(&s, &["--tags-any", "nope"]);
    assert_eq!(code(&nothing), 0, "{}", stdout(&nothing));
    assert!(
        stderr(&nothing).contains("Warning: no policy in"),
        "{}",
        stderr(&nothing)
    );
    assert!(
        stdout(&nothing).contains("0 policies: 0 compliant, 0 non-compliant"),
        "{}",
        stdout(&nothing)
    );
}

#[test]
fn waivers_turn_failures_into_waived_results_until_they_expire() {
    let waiver = |until: &str| {
        format!(
            "        exceptions:\n          - check: \"File: {{MISSING}}: exists\"\n            reason: \"provisioned later\"\n            until: {until}\n"
        )
    };
    let active = setup("");
    let text = std::fs::read_to_string(&active.policy).unwrap().replace(
        "        fatal: \"true\"\n",
        &format!("        fatal: \"true\"\n{}", waiver("2999-12-31")),
    );
    std::fs::write(
        &active.policy,
        text.replace("{MISSING}", &active.missing.display().to_string()),
    )
    .unwrap();
    let out_dir = active.dir.path().join("reports");
    let waived = run_audit(
        &active,
        &[
            "-e",
            "production",
            "-o",
            out_dir.to_str().unwrap(),
            "--output",
            "sarif",
        ],
    );
    assert_eq!(code(&waived), 0, "{}{}", stdout(&waived), stderr(&waived));
    let out = stdout(&waived);
    assert!(
        out.contains("✔ BASE-1 Baseline — 2 checks: 1 passed, 1 waived · error"),
        "{out}"
    );
    assert!(
        out.contains("      waived until 2999-12-31: provisioned later"),
        "{out}"
    );
    assert!(out.contains("Compliance score: 100.0/100"), "{out}");
    let sarif: Value = serde_json::from_str(
        &std::fs::read_to_string(report_file(&out_dir, ".sarif.json")).unwrap(),
    )
    .unwrap();
    assert_valid_sarif(&sarif);
    let waived_result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["properties"]["waived"] == true)
        .unwrap();
    assert_eq!(waived_result["level"], "note");
    assert_eq!(
        waived_result["properties"]["waiver-reason"],
        "provisioned later"
    );
    assert_eq!(
        waived_result["suppressions"][0]["justification"],
        "provisioned later"
    );

    let expired = setup("");
    let text = std::fs::read_to_string(&expired.policy).unwrap().replace(
        "        fatal: \"true\"\n",
        &format!("        fatal: \"true\"\n{}", waiver("2020-01-01")),
    );
    std::fs::write(
        &expired.policy,
        text.replace("{MISSING}", &expired.missing.display().to_string()),
    )
    .unwrap();
    let failed = run_audit(&expired, &["-e", "production"]);
    assert_eq!(code(&failed), 1, "{}", stdout(&failed));
    let out = stdout(&failed);
    assert!(out.contains("FATAL"), "{out}");
    assert!(out.contains("expired on 2020-01-01"), "{out}");
}

#[test]
fn every_report_format_is_written_to_the_output_directory() {
    let s = setup("");
    let out_dir = s.dir.path().join("out/reports");
    let output = run_audit(&s, &["-e", "production", "-o", out_dir.to_str().unwrap()]);
    assert_eq!(code(&output), 1, "{}{}", stdout(&output), stderr(&output));
    assert!(
        stdout(&output).contains("Compliance score: 25.0/100"),
        "the summary stays on stdout"
    );

    let sarif_path = report_file(&out_dir, ".sarif.json");
    let name = sarif_path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let run_id = name
        .strip_prefix("warden-")
        .unwrap()
        .strip_suffix(".sarif.json")
        .unwrap()
        .to_owned();
    assert!(
        stderr(&output).contains(&format!("Wrote {}", sarif_path.display())),
        "{}",
        stderr(&output)
    );

    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    assert_valid_sarif(&sarif);
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "Warden");
    assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 2);
    assert_eq!(run["results"].as_array().unwrap().len(), 2 + 1 + 2 + 1);
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["properties"]["run-id"], run_id.as_str());
    assert_eq!(invocation["properties"]["environment"], "production");
    assert_eq!(invocation["properties"]["report-compliant"], "false");
    assert_eq!(invocation["properties"]["compliance-score"], 25.0);
    assert!(
        invocation["commandLine"]
            .as_str()
            .unwrap()
            .contains("audit -p")
    );
    let failed: Vec<&Value> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["level"] == "error")
        .collect();
    // The failed check and BASE-1's summary.
    assert_eq!(failed.len(), 2);
    assert_eq!(
        failed[0]["properties"]["resource-id"],
        s.missing.display().to_string()
    );
    assert_eq!(failed[1]["properties"]["result-type"], "summary");
    assert_eq!(failed[1]["properties"]["fatal"], "true");

    let jsonl = std::fs::read_to_string(report_file(&out_dir, ".jsonl")).unwrap();
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["schema"], "warden.policy-result/v1");
    assert_eq!(lines[0]["policy_id"], "BASE-1");
    assert_eq!(lines[0]["fatal_failure"], true);
    assert_eq!(
        lines[0]["failures"][0]["id"],
        s.missing.display().to_string()
    );
    assert_eq!(lines[1]["compliant"], true);
    assert_eq!(lines[1]["compliance_score"], 25.0);

    let junit = std::fs::read_to_string(report_file(&out_dir, ".junit.xml")).unwrap();
    sxd_document::parser::parse(&junit).unwrap();
    assert!(
        junit.contains("<testsuite name=\"BASE-1\" id=\"BASE-1\" tests=\"2\" failures=\"1\""),
        "{junit}"
    );
    assert!(
        junit.contains("<failure type=\"fatal\" message=\"[fatal] File: "),
        "{junit}"
    );

    let text = std::fs::read_to_string(report_file(&out_dir, ".txt")).unwrap();
    assert_eq!(
        text,
        stdout(&output),
        "the text report is the summary, without colour"
    );
}

#[test]
fn one_report_format_without_a_directory_goes_to_stdout() {
    let s = setup("");
    let output = run_audit(&s, &["-e", "staging", "--output", "sarif"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_valid_sarif(&sarif);
    assert!(
        stderr(&output).contains("Compliance score: 25.0/100"),
        "the summary moves to stderr"
    );

    let jsonl = run_audit(&s, &["-e", "staging", "--output", "jsonl,text"]);
    assert_eq!(code(&jsonl), 0);
    assert_eq!(stdout(&jsonl).lines().count(), 2, "{}", stdout(&jsonl));

    let repeated = run_audit(&s, &["-e", "staging", "--output", "sarif,sarif"]);
    assert_eq!(code(&repeated), 0, "{}", stderr(&repeated));
    serde_json::from_slice::<Value>(&repeated.stdout).unwrap();

    let several = run_audit(&s, &["--output", "sarif,junit"]);
    assert_eq!(code(&several), 64, "{}", stderr(&several));
    assert!(stderr(&several).contains("several report formats need an output directory"));

    let bad = run_audit(&s, &["--output", "pdf"]);
    assert_eq!(code(&bad), 64, "{}", stderr(&bad));
}

#[test]
fn configuration_errors_exit_78_with_their_position() {
    let s = setup("");
    let text = std::fs::read_to_string(&s.policy).unwrap().replace(
        "    metadata: {name: Accounts",
        "    metdata: {name: Accounts",
    );
    std::fs::write(&s.policy, text).unwrap();
    let output = run_audit(&s, &[]);
    assert_eq!(code(&output), 78, "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!(
            "Error: {}:14:5: unknown key \"metdata\" in policy \"PASS-1\"",
            s.policy.display()
        )),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());

    // A gossfile that does not load: reported on its policy, reports still written, exit 78.
    let broken = setup("");
    write(
        broken.dir.path(),
        "runtime/pass.yaml",
        "file:\n  /etc/passwd:\n    exist: true\n",
    );
    let out_dir = broken.dir.path().join("reports");
    let output = run_audit(&broken, &["-e", "staging", "-o", out_dir.to_str().unwrap()]);
    assert_eq!(code(&output), 78, "{}{}", stdout(&output), stderr(&output));
    assert!(
        stdout(&output).contains("✘ PASS-1 Accounts — error: "),
        "{}",
        stdout(&output)
    );
    assert!(
        stdout(&output).contains("pass.yaml:3:5: invalid attribute \"exist\""),
        "{}",
        stdout(&output)
    );
    let sarif: Value = serde_json::from_str(
        &std::fs::read_to_string(report_file(&out_dir, ".sarif.json")).unwrap(),
    )
    .unwrap();
    assert_valid_sarif(&sarif);
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );

    let missing = audit()
        .args(["-p"])
        .arg(broken.dir.path().join("nope.yaml"))
        .output()
        .unwrap();
    assert_eq!(code(&missing), 78);
    assert!(
        stderr(&missing).contains("could not read policy file"),
        "{}",
        stderr(&missing)
    );

    let usage = audit().output().unwrap();
    assert_eq!(code(&usage), 64, "-p is required");
}

#[test]
fn the_seed_policy_file_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let seed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../warden-policy/tests/fixtures/seed_000_policy.yaml");
    std::fs::copy(&seed, dir.path().join("policies.yaml")).unwrap();
    std::fs::create_dir(dir.path().join("runtime")).unwrap();
    for gossfile in ["simple_https.yaml", "irt_sudoers.yaml"] {
        std::fs::copy(
            examples.join(gossfile),
            dir.path().join("runtime").join(gossfile),
        )
        .unwrap();
    }
    // RUNTIM-002 (irt_sudoers) checks local accounts and files only; RUNTIM-001 would
    // reach www.google.com, which tests do not contact.
    let output = audit()
        .arg("-p")
        .arg(dir.path().join("policies.yaml"))
        .args(["--tags-any", "RUNTIM-002", "-o"])
        .arg(dir.path().join("reports"))
        .output()
        .unwrap();
    // The seed's policies are not fatal, whatever this machine's sudoers says.
    assert_eq!(code(&output), 0, "{}{}", stdout(&output), stderr(&output));
    assert!(
        stdout(&output).contains("RUNTIM-002 RUNTIME System Compliance"),
        "{}",
        stdout(&output)
    );
    assert!(
        !stdout(&output).contains("RUNTIM-001"),
        "{}",
        stdout(&output)
    );
    let sarif: Value = serde_json::from_str(
        &std::fs::read_to_string(report_file(&dir.path().join("reports"), ".sarif.json")).unwrap(),
    )
    .unwrap();
    assert_valid_sarif(&sarif);
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(
        rules[0]["properties"]["tags"],
        serde_json::json!(["config", "runtime", "enforce", "RUNTIM-002"])
    );
}
