//! `gossfile` includes (globs, paths relative to the including file, overrides),
//! vars, `-g -`, and `warden render`.

use crate::common::*;

#[test]
fn includes_resolve_relative_to_the_including_file_and_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let top = write(
        dir.path(),
        "top/goss.yaml",
        "gossfile:\n  conf.d/*.yaml: {}\n  skipped:\n    file: nowhere.yaml\n    skip: true\nmatching:\n  shared:\n    content: parent\n    matches: parent\n",
    );
    write(
        dir.path(),
        "top/conf.d/a.yaml",
        "matching:\n  from_a:\n    content: a\n    matches: a\n",
    );
    write(
        dir.path(),
        "top/conf.d/b.yaml",
        "gossfile:\n  ../nested/*.yaml: {}\nmatching:\n  shared:\n    content: child\n    matches: child\n",
    );
    write(
        dir.path(),
        "top/nested/c.yaml",
        "matching:\n  from_c:\n    content: '{{ .Vars.who }}'\n    matches: templated\n",
    );

    let output = warden()
        .current_dir(dir.path())
        .args([
            "validate",
            "--no-color",
            "-f",
            "documentation",
            "--vars-inline",
            "{who: templated}",
            "-g",
        ])
        .arg(&top)
        .output()
        .unwrap();
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}{}", stderr(&output));
    assert!(out.contains("Count: 3, Failed: 0"), "{out}");
    assert!(
        out.contains("Matching: shared: matches: matches expectation: \"child\""),
        "{out}"
    );
    assert!(
        stderr(&output).contains("Duplicate key detected: 'matching: shared'"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn include_globs_follow_go_rules() {
    // `filepath.Glob` never crosses a `/`: `**` is one path segment, like `*`.
    let dir = tempfile::tempdir().unwrap();
    let top = write(dir.path(), "goss.yaml", "gossfile:\n  gd/**/*.yaml: {}\n");
    for (path, name) in [
        ("gd/a.yaml", "a"),
        ("gd/sub/b.yaml", "b"),
        ("gd/sub/deeper/c.yaml", "c"),
    ] {
        write(
            dir.path(),
            path,
            &format!("matching:\n  {name}:\n    content: 1\n    matches: 1\n"),
        );
    }
    let output = warden()
        .args(["validate", "--no-color", "-f", "documentation", "-g"])
        .arg(&top)
        .output()
        .unwrap();
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}{}", stderr(&output));
    assert!(
        out.contains("Matching: b:")
            && !out.contains("Matching: a:")
            && !out.contains("Matching: c:"),
        "{out}"
    );
}

#[test]
fn vars_files_merge_and_inline_vars_win() {
    let dir = tempfile::tempdir().unwrap();
    let gossfile = write(
        dir.path(),
        "goss.yaml",
        "matching:\n  merged:\n    content: '{{ .Vars.a.x }}-{{ .Vars.a.y }}-{{ .Vars.b }}'\n    matches: 1-3-inline\n",
    );
    let first = write(dir.path(), "one.yaml", "a: {x: 1, y: 2}\nb: file\n");
    let second = write(dir.path(), "two.json", r#"{"a": {"y": 3}}"#);
    let output = warden()
        .args(["validate", "--no-color", "-g"])
        .arg(&gossfile)
        .arg("--vars")
        .arg(&first)
        .arg("--vars")
        .arg(&second)
        .args(["--vars-inline", "b: inline"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
}

#[test]
fn gossfiles_can_come_from_standard_input_as_yaml_or_json() {
    let yaml = run_with_stdin(
        &["validate", "-g", "-"],
        "matching:\n  m:\n    content: 1\n    matches: 1\n",
    );
    assert_eq!(yaml.status.code(), Some(0), "{}", stderr(&yaml));
    let json = run_with_stdin(
        &["-g", "-", "validate"],
        r#"{"matching": {"m": {"content": 2, "matches": {"gt": 1}}}}"#,
    );
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
}

#[test]
fn render_prints_the_merged_document_in_goss_order() {
    let dir = tempfile::tempdir().unwrap();
    let top = write(
        dir.path(),
        "goss.yaml",
        "gossfile:\n  more.yaml: {}\ncommand:\n  echo hi:\n    exit-status: 0\n    stdout: [hi]\nfile:\n  /etc/passwd:\n    mode: '0644'\n    exists: true\n    title: passwd\n",
    );
    write(
        dir.path(),
        "more.yaml",
        "http:\n  http://localhost:\n    status: 200\n",
    );
    let output = warden().args(["render", "-g"]).arg(&top).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "file:\n  /etc/passwd:\n    title: passwd\n    exists: true\n    mode: \"0644\"\ncommand:\n  echo hi:\n    exit-status: 0\n    stdout:\n    - hi\n    timeout: 0\nhttp:\n  http://localhost:\n    status: 200\n    allow-insecure: false\n    no-follow-redirects: false\n"
    );

    let json = write(
        dir.path(),
        "goss.json",
        r#"{"process": {"sshd": {"running": true}}}"#,
    );
    let output = warden().args(["render", "-g"]).arg(&json).output().unwrap();
    assert_eq!(
        stdout(&output),
        "{\n    \"process\": {\n        \"sshd\": {\n            \"running\": true\n        }\n    }\n}\n"
    );
}

#[test]
fn the_seed_and_example_gossfiles_load() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for (file, vars) in [
        ("irt_sudoers.yaml", None),
        ("simple_https.yaml", None),
        ("debian-baseline.yaml", None),
        ("debian-web-host.yaml", Some("debian-web-host.vars.yaml")),
    ] {
        let mut command = warden();
        command.args(["render", "-g"]).arg(examples.join(file));
        if let Some(vars) = vars {
            command.arg("--vars").arg(examples.join(vars));
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{file}: {}", stderr(&output));
    }
}

#[test]
fn goss_integration_gossfiles_render_with_their_vars() {
    // goss's integration suite includes a `goss-dummy.yaml` that lives outside the corpus;
    // run a copy beside a stand-in for it.
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/goss/integration-tests");
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("goss-shared.yaml");
    std::fs::copy(corpus.join("goss-shared.yaml"), &shared).unwrap();
    write(
        dir.path(),
        "goss-dummy.yaml",
        "matching:\n  dummy:\n    content: 1\n    matches: 1\n",
    );
    let output = warden()
        .env("OS", "bullseye")
        .args([
            "render",
            "--vars-inline",
            "{inline: bar, overwrite: bar}",
            "-g",
        ])
        .arg(&shared)
        .arg("--vars")
        .arg(corpus.join("vars.yaml"))
        .output()
        .unwrap();
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        out.contains("  /etc/passwd:\n    exists: true\n    mode: \"0644\""),
        "{out}"
    );
    assert!(out.contains("  /etc/group:\n"), "{out}");
    assert!(out.contains("    proxy: http://127.0.0.1:8888\n"), "{out}");
    assert!(out.contains("  dummy:\n"), "{out}");
    assert!(
        out.contains("content: hello!hello!hello!hello!hello!") || out.contains("HELLO!HELLO!"),
        "{out}"
    );
}
