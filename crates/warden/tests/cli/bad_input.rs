//! Mistakes in gossfiles, vars and flags: each gets a message naming the file, line and
//! column and what was expected, and a distinct exit code (78 configuration, 64 usage).
//! Nothing panics.

use crate::common::*;

/// Validates `gossfile` text from a file and returns (exit code, stderr).
fn validate_text(text: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "goss.yaml", text);
    let output = warden()
        .args(["validate", "--no-color", "-g"])
        .arg(&path)
        .output()
        .unwrap();
    let err = stderr(&output).replace(&path.display().to_string(), "goss.yaml");
    (output.status.code().unwrap_or(-1), err, stdout(&output))
}

#[test]
fn yaml_syntax_errors_name_line_and_column() {
    let (code, err, _) = validate_text("file:\n  /etc/passwd:\n    exists: [true\n");
    assert_eq!(code, 78);
    assert!(err.starts_with("Error: goss.yaml:"), "{err}");
    let position: Vec<&str> = err["Error: goss.yaml:".len()..].splitn(3, ':').collect();
    assert!(
        position[0].parse::<usize>().is_ok() && position[1].parse::<usize>().is_ok(),
        "{err}"
    );
}

#[test]
fn unknown_resource_types_list_the_valid_ones() {
    let (code, err, _) = validate_text("files:\n  /etc/passwd:\n    exists: true\n");
    assert_eq!(code, 78);
    assert!(
        err.contains("goss.yaml:1:1: unknown resource type \"files\""),
        "{err}"
    );
    assert!(
        err.contains("valid types are: file, package, addr, port, service"),
        "{err}"
    );
}

#[test]
fn unknown_attributes_list_the_valid_ones() {
    let (code, err, _) =
        validate_text("file:\n  /etc/passwd:\n    exists: true\n    permissions: \"0644\"\n");
    assert_eq!(code, 78);
    assert!(
        err.contains("goss.yaml:4:5: invalid attribute \"permissions\" for File:/etc/passwd"),
        "{err}"
    );
    assert!(
        err.contains("valid attributes are: contains, contents, exists, filetype, gid, group"),
        "{err}"
    );
}

#[test]
fn wrong_matcher_shapes_say_what_was_expected() {
    let (code, err, _) = validate_text(
        "file:\n  /etc/passwd:\n    exists: true\n    mode:\n      have-prefix: 12\n",
    );
    assert_eq!(code, 78);
    assert!(err.contains("goss.yaml:5:7: File:/etc/passwd: mode: Syntax Error: Invalid 'have-prefix' argument. Expected string value"), "{err}");

    let (code, err, _) =
        validate_text("command:\n  ls:\n    exit-status:\n      lt: 1\n      gt: 0\n");
    assert_eq!(code, 78);
    assert!(err.contains("only one matcher is allowed"), "{err}");

    let (code, err, _) = validate_text("command:\n  ls:\n    exit-status:\n      bigger-than: 1\n");
    assert_eq!(code, 78);
    assert!(err.contains("Unknown matcher: bigger-than"), "{err}");
}

#[test]
fn wrong_attribute_types_say_what_was_expected() {
    let (code, err, _) =
        validate_text("http:\n  http://localhost:\n    status: 200\n    timeout: soon\n");
    assert_eq!(code, 78);
    assert!(
        err.contains(
            "goss.yaml:4:14: HTTP:http://localhost: \"timeout\" must be an integer, found a string"
        ),
        "{err}"
    );

    let (code, err, _) = validate_text("file:\n  /etc/passwd: true\n");
    assert_eq!(code, 78);
    assert!(
        err.contains("could not parse resource File:/etc/passwd"),
        "{err}"
    );
}

#[test]
fn template_errors_name_line_and_column() {
    let (code, err, _) = validate_text("file:\n  {{ .Vars.missing }}:\n    exists: true\n");
    assert_eq!(code, 78);
    assert!(err.contains("goss.yaml:2:"), "{err}");
    assert!(
        err.contains("map has no entry for key \"missing\""),
        "{err}"
    );

    let (code, err, _) = validate_text("file:\n  /x:\n    exists: {{ if true }}\n");
    assert_eq!(code, 78);
    assert!(
        err.contains("goss.yaml:4:1: template: unexpected EOF"),
        "{err}"
    );

    let (code, err, _) = validate_text("file:\n  /x:\n    exists: {{ nosuchfunc 1 }}\n");
    assert_eq!(code, 78);
    assert!(
        err.contains("goss.yaml:3:") && err.contains("function \"nosuchfunc\" not defined"),
        "{err}"
    );
}

#[test]
fn duplicate_keys_are_refused() {
    let (code, err, _) =
        validate_text("file:\n  /a:\n    exists: true\n  /a:\n    exists: false\n");
    assert_eq!(code, 78);
    assert!(
        err.contains("goss.yaml:4:3: mapping key \"/a\" already defined at line 2"),
        "{err}"
    );
}

#[test]
fn empty_gossfiles_and_missing_files_are_configuration_errors() {
    let (code, err, _) = validate_text("# nothing here\n");
    assert_eq!(code, 78);
    assert!(err.contains("found 0 tests"), "{err}");

    let output = warden()
        .args(["validate", "-g", "/warden/no/such/goss.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(78));
    assert!(
        stderr(&output).contains("/warden/no/such/goss.yaml: could not read gossfile"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn includes_that_match_nothing_are_configuration_errors() {
    let (code, err, _) = validate_text("gossfile:\n  conf.d/*.yaml: {}\n");
    assert_eq!(code, 78);
    assert!(
        err.contains("goss.yaml:2:3: no matched files were found"),
        "{err}"
    );
}

#[test]
fn bad_vars_are_configuration_errors() {
    let dir = tempfile::tempdir().unwrap();
    let gossfile = write(
        dir.path(),
        "goss.yaml",
        "matching:\n  x:\n    content: 1\n    matches: 1\n",
    );
    let vars = write(dir.path(), "vars.yaml", "a: [1, 2\n");
    let output = warden()
        .args(["validate", "-g"])
        .arg(&gossfile)
        .arg("--vars")
        .arg(&vars)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(78));
    assert!(
        stderr(&output).contains("vars.yaml:"),
        "{}",
        stderr(&output)
    );

    let output = warden()
        .args(["validate", "--vars-inline", "[1, 2]", "-g"])
        .arg(&gossfile)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(78));
    assert!(
        stderr(&output).contains("vars must be a map"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn bad_flags_are_usage_errors() {
    let output = warden()
        .args(["validate", "-f", "xml", "-g", "x.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64));
    assert!(
        stderr(&output).contains("valid formats are: documentation, json, junit, nagios"),
        "{}",
        stderr(&output)
    );

    let output = warden()
        .args(["validate", "--sleep", "soon"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64));

    let output = warden()
        .args(["validate", "-L", "LOUD", "-g", "x.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64));
}

#[test]
fn arbitrary_garbage_never_panics() {
    let samples = [
        "\u{0}\u{1}\u{2}",
        "{{",
        "}}{{end}}",
        "file: [",
        "- - - -",
        "file:\n  x:\n    exists: {not: {not: {not: {and: 5}}}}\n",
        "matching:\n  m:\n    content: 1\n    matches: {gjson: 5}\n",
        "matching:\n  m:\n    content: 1\n    matches: {semver-constraint: '>>>'}\n",
        "matching:\n  m:\n    content: 1\n    matches: {match-regexp: '(('}\n",
        "http:\n  'ht!tp://[::1':\n    status: 200\n",
        "*alias",
        "&a [*a]",
    ];
    for sample in samples {
        let output = run_with_stdin(&["validate", "-g", "-"], sample);
        let code = output.status.code();
        assert!(
            matches!(code, Some(0 | 1 | 78)),
            "{sample:?} exited {code:?}: {}",
            stderr(&output)
        );
        assert!(
            !stderr(&output).contains("panicked"),
            "{sample:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn top_level_anchor_blocks_are_ignored_as_goss_ignores_them() {
    let (code, err, out) = validate_text(
        "defaults: &present\n  exists: true\n  filetype: file\nfile:\n  /etc/passwd: *present\n  /etc/group:\n    <<: *present\n    mode: \"0644\"\n",
    );
    assert_eq!(code, 0, "{err}{out}");
    assert!(out.contains("Count: 5, Failed: 0"), "{out}");
}

#[test]
fn absurd_nesting_and_alias_bombs_are_configuration_errors() {
    let deep = format!(
        "matching:\n  x:\n    content: 1\n    matches:\n      {}1\n",
        "- ".repeat(8000)
    );
    let (code, err, _) = validate_text(&deep);
    assert_eq!(code, 78);
    assert!(
        err.contains("goss.yaml:5:") && err.contains("nesting deeper than 100 levels"),
        "{err}"
    );

    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let (code, err, _) = validate_text(&bomb);
    assert_eq!(code, 78);
    assert!(err.contains("expands to more than"), "{err}");
}
