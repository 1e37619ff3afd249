//! Rule files: items, keys, override/append, redefinition, visibility, exceptions and
//! diagnostics with positions, as Falco loads them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::events::{exec, open};
use common::load;
use warden_events::Event;
use warden_rules::{Code, Loaded, MatchMode, Priority};

fn matched(loaded: &Loaded, event: &Event) -> Vec<String> {
    let mut names = Vec::new();
    let rules = loaded
        .rules
        .as_ref()
        .unwrap_or_else(|| panic!("{:#?}", loaded.diagnostics));
    rules.evaluate(event, MatchMode::All, |r| names.push(r.name.clone()));
    names
}

fn codes(loaded: &Loaded) -> Vec<Code> {
    loaded.diagnostics.iter().map(|d| d.code).collect()
}

/// Asserts that loading `text` fails with one error, which contains `expected`.
fn fails_with(text: &str, expected: &str) {
    let error = only_error(&load(text));
    assert!(error.contains(expected), "{error}");
}

fn only_error(loaded: &Loaded) -> String {
    let errors: Vec<String> = loaded.errors().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors[0].clone()
}

const BASE: &str = r#"
- list: shells
  items: [bash, sh]
- macro: spawned
  condition: evt.type in (execve, execveat)
- rule: Shell
  desc: a shell
  condition: spawned and proc.name in (shells)
  output: shell %proc.name
  priority: warning
  tags: [b, a]
"#;

#[test]
fn rules_lists_and_macros_load_and_match() {
    let loaded = load(&format!(
        "{BASE}- rule: Curl\n  desc: d\n  condition: spawned and proc.name = curl\n  output: curl by %user.name\n  priority: INFO\n"
    ));
    assert_eq!(loaded.errors().count(), 0);
    assert_eq!(matched(&loaded, &exec()), ["Curl"]);
    let rules = loaded.rules.as_ref().unwrap();
    let curl = &rules.rules()[1];
    assert_eq!(curl.priority, Priority::Informational);
    assert_eq!(rules.rules()[0].tags, ["a", "b"]);
    let alert = rules.alert(curl, &exec());
    assert_eq!(
        alert.output,
        "12:13:20.000000000: Informational curl by alice container_id=host container_name=host container_image_repository=<NA> container_image_tag=<NA> k8s_pod_name=<NA> k8s_ns_name=<NA>"
    );
    assert_eq!(alert.time, "2025-11-23T12:13:20.000000000Z");
    assert_eq!(alert.output_fields["user.name"], "alice");
    assert_eq!(
        alert.output_fields["container.image.tag"],
        serde_json::Value::Null
    );
}

#[test]
fn all_priorities_parse_case_insensitively() {
    for (text, priority) in [
        ("EMERGENCY", Priority::Emergency),
        ("alert", Priority::Alert),
        ("Critical", Priority::Critical),
        ("error", Priority::Error),
        ("WARNING", Priority::Warning),
        ("notice", Priority::Notice),
        ("informational", Priority::Informational),
        ("info", Priority::Informational),
        ("debug", Priority::Debug),
    ] {
        let loaded = load(&format!(
            "- rule: R\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: {text}\n"
        ));
        assert_eq!(
            loaded.rules.unwrap().rules()[0].priority,
            priority,
            "{text}"
        );
    }
    let loaded = load(
        "- rule: R\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: loud\n",
    );
    let error = only_error(&loaded);
    assert!(
        error.starts_with(
            "rules.yaml:5:13: error LOAD_ERR_YAML_VALIDATE (rule 'R'): Invalid priority 'loud'"
        ),
        "{error}"
    );
}

#[test]
fn override_append_and_replace() {
    let text = format!(
        "{BASE}- list: shells\n  items: [curl]\n  override:\n    items: append\n\
         - macro: spawned\n  condition: and proc.tty != 0\n  override:\n    condition: append\n\
         - rule: Shell\n  condition: or proc.name = wget\n  output: (appended)\n  tags: [c]\n  priority: CRITICAL\n  override:\n    condition: append\n    output: append\n    tags: append\n    priority: replace\n"
    );
    let loaded = load(&text);
    assert_eq!(loaded.errors().count(), 0, "{:#?}", loaded.diagnostics);
    assert_eq!(matched(&loaded, &exec()), ["Shell"]);
    let rules = loaded.rules.as_ref().unwrap();
    let rule = &rules.rules()[0];
    assert_eq!(rule.priority, Priority::Critical);
    assert_eq!(rule.tags, ["a", "b", "c"]);
    assert!(
        rules
            .alert(rule, &exec())
            .output
            .contains("shell curl (appended)")
    );
    // The appended macro condition applies: no tty, no match.
    let mut no_tty = exec();
    no_tty.process.tty = 0;
    assert!(matched(&loaded, &no_tty).is_empty());
}

#[test]
fn override_errors() {
    let text = format!(
        "{BASE}- rule: Shell\n  condition: and proc.tty = 0\n  output: x\n  override:\n    condition: append\n"
    );
    fails_with(
        &text,
        "Unexpected key 'output': no corresponding entry under 'override' is defined.",
    );
    let text =
        format!("{BASE}- rule: Shell\n  priority: debug\n  override:\n    priority: append\n");
    assert!(
        only_error(&load(&text))
            .contains("Key 'priority' cannot be appended to, use 'replace' instead")
    );
    let text = format!(
        "{BASE}- rule: Shell\n  condition: x\n  append: true\n  override:\n    condition: append\n"
    );
    assert!(only_error(&load(&text)).contains("cannot be used together"));
    let text = "- rule: Nope\n  condition: and x\n  override:\n    condition: append\n";
    assert!(only_error(&load(text)).contains("no rule by that name already exists"));
    let text =
        format!("{BASE}- rule: Shell\n  enabled: false\n  override:\n    enabled: sometimes\n");
    assert!(only_error(&load(&text)).contains(
        "Invalid override operation for key 'enabled': 'sometimes'. Allowed values are: replace"
    ));
}

#[test]
fn deprecated_append_and_enabled_only_items() {
    let text = format!(
        "{BASE}- rule: Shell\n  condition: and proc.name = nothing\n  append: true\n\
         - list: shells\n  items: [curl]\n  append: true\n"
    );
    let loaded = load(&text);
    assert!(codes(&loaded).contains(&Code::DeprecatedItem));
    assert!(matched(&loaded, &exec()).is_empty());
    let disabled = load(&format!(
        "{BASE}- rule: Shell\n  enabled: false\n- list: shells\n  items: [curl]\n"
    ));
    assert!(codes(&disabled).contains(&Code::DeprecatedItem));
    assert!(matched(&disabled, &exec()).is_empty());
    assert!(!disabled.rules.as_ref().unwrap().rules()[0].enabled);
    let replaced = load(&format!(
        "{BASE}- rule: Shell\n  enabled: false\n  override:\n    enabled: replace\n- list: shells\n  items: [curl]\n"
    ));
    assert!(!codes(&replaced).contains(&Code::DeprecatedItem));
    assert!(matched(&replaced, &exec()).is_empty());
}

#[test]
fn redefinition_replaces_in_place_and_later_files_win() {
    let text = "- rule: A\n  desc: d\n  condition: evt.type = execve\n  output: a1\n  priority: info\n\
                - rule: B\n  desc: d\n  condition: evt.type = execve\n  output: b\n  priority: info\n\
                - rule: A\n  desc: d\n  condition: evt.type = execve and proc.name = curl\n  output: a2\n  priority: info\n";
    let loaded = load(text);
    let rules = loaded.rules.as_ref().unwrap();
    let names: Vec<&str> = rules.rules().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["A", "B"]);
    let mut first = Vec::new();
    rules.evaluate(&exec(), MatchMode::First, |r| first.push(r.name.clone()));
    assert_eq!(first, ["A"]);
    assert!(
        rules
            .alert(&rules.rules()[0], &exec())
            .output
            .contains("a2")
    );

    let second = "- list: shells\n  items: [curl]\n";
    let files = [
        warden_rules::RuleFile {
            name: "one.yaml",
            content: BASE,
        },
        warden_rules::RuleFile {
            name: "two.yaml",
            content: second,
        },
    ];
    let loaded = warden_rules::RuleSet::load(&files, "h");
    assert_eq!(matched(&loaded, &exec()), ["Shell"]);
}

#[test]
fn lists_nest_and_mix_with_literals() {
    let text = "- list: inner\n  items: [curl]\n\
                - list: outer\n  items: [inner, wget, '\"two words\"']\n\
                - rule: R\n  desc: d\n  condition: evt.type = execve and proc.name in (fetch, outer)\n  output: o\n  priority: info\n\
                - rule: Empty\n  desc: d\n  condition: evt.type = execve and proc.name in (nothing, empty)\n  output: o\n  priority: info\n\
                - list: empty\n  items: []\n";
    let loaded = load(text);
    assert_eq!(loaded.errors().count(), 0, "{:#?}", loaded.diagnostics);
    assert_eq!(matched(&loaded, &exec()), ["R"]);
    let mut two = exec();
    two.process.comm = "two words".into();
    assert_eq!(matched(&loaded, &two), ["R"]);
}

#[test]
fn macros_see_only_earlier_macros_but_rules_see_all() {
    let text = "- macro: a\n  condition: b\n- macro: b\n  condition: evt.type = execve\n";
    let error = only_error(&load(text));
    assert!(error.starts_with("rules.yaml:2:14: error LOAD_ERR_COMPILE_CONDITION (macro 'a'): Undefined macro 'b' used in filter."), "{error}");
    let text = "- rule: R\n  desc: d\n  condition: later\n  output: o\n  priority: info\n- macro: later\n  condition: evt.type = execve\n";
    assert_eq!(matched(&load(text), &exec()), ["R"]);
}

#[test]
fn condition_errors_carry_positions() {
    let text = "- rule: Broken\n  desc: d\n  condition: evt.type = execve and proc.name ==\n  output: o\n  priority: info\n";
    let error = only_error(&load(text));
    assert!(error.starts_with("rules.yaml:3:14: error LOAD_ERR_COMPILE_CONDITION (rule 'Broken'): expected a string value"), "{error}");
    let text = "- rule: Field\n  desc: d\n  condition: evt.type = execve and proc.nosuch = 1\n  output: o\n  priority: info\n";
    fails_with(
        text,
        "filter_check called with nonexistent field proc.nosuch",
    );
    let text = "- rule: Out\n  desc: d\n  condition: evt.type = execve\n  output: bad %proc.nosuch\n  priority: info\n";
    let error = only_error(&load(text));
    assert!(
        error.starts_with("rules.yaml:4:11: error LOAD_ERR_COMPILE_OUTPUT (rule 'Out')"),
        "{error}"
    );
    let text = "- rule: R\n  desc: d\n  output: o\n  priority: info\n";
    assert!(only_error(&load(text)).contains("Item has no mapping for key 'condition'"));
    fails_with("- rule: [unclosed\n", "LOAD_ERR_YAML_PARSE");
}

#[test]
fn unknown_fields_are_skipped_only_with_skip_if_unknown_filter() {
    let text = "- rule: Skipped\n  desc: d\n  condition: evt.type = execve and ka.verb = get\n  output: o\n  priority: info\n  skip-if-unknown-filter: true\n\
                - rule: Kept\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: info\n";
    let loaded = load(text);
    assert_eq!(loaded.errors().count(), 0);
    assert!(codes(&loaded).contains(&Code::UnknownFilter));
    assert_eq!(matched(&loaded, &exec()), ["Kept"]);
    let text = "- rule: Typo\n  desc: d\n  condition: evt.type = exceve\n  output: o\n  priority: info\n  skip-if-unknown-filter: true\n";
    assert!(codes(&load(text)).contains(&Code::UnknownFilter));
    // An unknown field in the output is skipped the same way, or fails loading.
    let output = |skip: bool| {
        format!(
            "- rule: Out\n  desc: d\n  condition: evt.type = execve\n  output: '%ka.verb'\n  priority: info\n  skip-if-unknown-filter: {skip}\n"
        )
    };
    let skipped = load(&output(true));
    assert_eq!(codes(&skipped), [Code::UnknownFilter]);
    assert!(matched(&skipped, &exec()).is_empty());
    fails_with(&output(false), "LOAD_ERR_COMPILE_OUTPUT (rule 'Out')");
}

#[test]
fn warnings_have_falcos_kinds() {
    let text = "- rule: Everything\n  desc: d\n  condition: proc.name = curl\n  output: o\n  priority: info\n  colour: red\n\
                - rule: Quiet\n  desc: d\n  condition: proc.name = curl\n  output: o\n  priority: info\n  warn_evttypes: false\n\
                - macro: unused\n  condition: proc.name = x\n\
                - list: unused_list\n  items: [a]\n\
                - rule: Audit\n  desc: d\n  condition: ka.verb = get\n  output: o\n  priority: info\n  source: k8s_audit\n\
                - something: else\n\
                - rule: Na\n  desc: d\n  condition: evt.type = execve and not proc.name in (\"<NA>\")\n  output: o\n  priority: info\n";
    let loaded = load(text);
    assert_eq!(loaded.errors().count(), 0, "{:#?}", loaded.diagnostics);
    let got = codes(&loaded);
    for code in [
        Code::UnknownKey,
        Code::NoEvttype,
        Code::UnusedMacro,
        Code::UnusedList,
        Code::UnknownSource,
        Code::UnknownItem,
    ] {
        assert!(got.contains(&code), "{code:?} in {got:?}");
    }
    assert_eq!(got.iter().filter(|c| **c == Code::NoEvttype).count(), 1);
    let key = loaded
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UnknownKey)
        .unwrap();
    assert_eq!((key.mark.line, key.mark.column), (6, 3));
    assert_eq!(matched(&loaded, &exec()), ["Everything", "Quiet", "Na"]);
}

#[test]
fn engine_and_plugin_requirements() {
    assert_eq!(
        load("- required_engine_version: 0.57.0\n").errors().count(),
        0
    );
    assert_eq!(load("- required_engine_version: 10\n").errors().count(), 0);
    assert!(
        only_error(&load("- required_engine_version: 0.99.0\n"))
            .contains("Rules require engine version 0.99.0, but engine version is 0.63.0")
    );
    assert!(
        only_error(&load("- required_engine_version: banana\n"))
            .contains("Unable to parse engine version")
    );
    assert_eq!(
        load("- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n")
            .errors()
            .count(),
        0
    );
    let alt = "- required_plugin_versions:\n  - name: k8smeta\n    version: 0.1.0\n    alternatives:\n      - name: container\n        version: 0.2.0\n";
    assert_eq!(load(alt).errors().count(), 0);
    assert!(
        only_error(&load(
            "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n"
        ))
        .contains("k8saudit")
    );
}

#[test]
fn several_documents_in_one_file() {
    let text = format!("{BASE}---\n- list: shells\n  items: [curl]\n");
    assert_eq!(matched(&load(&text), &exec()), ["Shell"]);
}

const EXCEPTIONS: &str = r#"
- rule: Sensitive
  desc: d
  condition: evt.type = openat and fd.name startswith /etc
  output: o %fd.name
  priority: warning
  exceptions:
    - name: known_pairs
      fields: [proc.name, fd.name]
      comps: [=, startswith]
      values:
        - [curl, /etc/ssl]
        - [wget, /etc]
    - name: tuple_with_list
      fields: [proc.name, fd.directory]
      values:
        - [vim, /etc/vim]
      comps: [=, in]
    - name: listed
      fields: [proc.pname, fd.name]
      comps: [in, pmatch]
      values:
        - [[sudo, su], [/etc/sudoers.d, /etc/pam.d]]
    - name: single
      fields: proc.name
      values: [cat, 'my editor']
    - name: prefixes
      fields: fd.name
      comps: pmatch
      values: [/etc/ignored]
    - name: empty
      fields: [proc.name]
      values: []
"#;

fn with(comm: &str, parent: &str, path: &str) -> Event {
    let mut ev = open(path, path, 0);
    ev.process.comm = comm.into();
    ev.process.ancestors[0].comm = parent.into();
    ev
}

#[test]
fn exceptions_compile_as_falco_does() {
    let loaded = load(EXCEPTIONS);
    assert_eq!(loaded.errors().count(), 0, "{:#?}", loaded.diagnostics);
    let fires = |comm: &str, parent: &str, path: &str| {
        !matched(&loaded, &with(comm, parent, path)).is_empty()
    };
    assert!(fires("less", "bash", "/etc/shadow"));
    assert!(!fires("curl", "bash", "/etc/ssl/certs/ca.pem"));
    assert!(fires("curl", "bash", "/etc/shadow"));
    assert!(!fires("wget", "bash", "/etc/anything"));
    assert!(!fires("vim", "bash", "/etc/vim/vimrc"));
    assert!(fires("vim", "bash", "/etc/vimrc"));
    assert!(!fires("visudo", "sudo", "/etc/sudoers.d/alice"));
    assert!(fires("visudo", "bash", "/etc/sudoers.d/alice"));
    assert!(fires("visudo", "sudo", "/etc/sudoers"));
    assert!(!fires("cat", "bash", "/etc/shadow"));
    assert!(!fires("my editor", "bash", "/etc/shadow"));
    assert!(!fires("less", "bash", "/etc/ignored/file"));
}

#[test]
fn exception_values_append_through_override() {
    let text = format!(
        "{EXCEPTIONS}- rule: Sensitive\n  exceptions:\n    - name: single\n      values: [less]\n    - name: new_one\n      fields: [proc.name]\n      values: [[more]]\n  override:\n    exceptions: append\n"
    );
    let loaded = load(&text);
    assert_eq!(loaded.errors().count(), 0, "{:#?}", loaded.diagnostics);
    assert!(matched(&loaded, &with("less", "bash", "/etc/shadow")).is_empty());
    assert!(matched(&loaded, &with("more", "bash", "/etc/shadow")).is_empty());
    assert!(!matched(&loaded, &with("head", "bash", "/etc/shadow")).is_empty());
}

#[test]
fn exception_errors() {
    let rule = |exceptions: &str| {
        format!(
            "- rule: R\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: info\n  exceptions:\n{exceptions}"
        )
    };
    let cases = [
        (
            "    - name: e\n      fields: [proc.name, fd.name]\n      comps: [=]\n      values: []\n",
            "Fields and comps lists must have equal length",
        ),
        (
            "    - name: e\n      fields: [proc.name]\n      comps: [like]\n      values: []\n",
            "'like' is not a supported comparison operator",
        ),
        (
            "    - name: e\n      fields: proc.name\n      comps: startswith\n      values: [a]\n",
            "comps must be one of (in, pmatch, intersects)",
        ),
        (
            "    - name: e\n      fields: [proc.name, fd.name]\n      values: [[a]]\n",
            "Fields and values lists must have equal length",
        ),
        (
            "    - name: e\n      fields: [proc.nosuch]\n      values: [[a]]\n",
            "'proc.nosuch' is not a supported filter field",
        ),
        (
            "    - name: e\n      fields: [proc.name]\n    - name: e\n      fields: [proc.name]\n",
            "Exceptions names in the same object must be unique",
        ),
        (
            "    - name: e\n      fields: proc.name\n      values: [[a, b]]\n",
            "Expected values array to contain a list of strings",
        ),
    ];
    for (exceptions, message) in cases {
        fails_with(&rule(exceptions), message);
    }
}

#[test]
fn nesting_and_expansion_are_bounded() {
    // The deepest condition the parser admits compiles and evaluates on a test
    // thread's stack, unoptimised; one level more is an error, not a crash.
    let deep = |levels: usize| {
        let mut cond = "proc.name = curl".to_owned();
        for i in 0..levels {
            let op = if i % 2 == 0 { "and" } else { "or" };
            cond = format!("evt.type = execve {op} ({cond})");
        }
        format!("- rule: Deep\n  desc: d\n  condition: {cond}\n  output: o\n  priority: info\n")
    };
    assert_eq!(matched(&load(&deep(79)), &exec()), ["Deep"]);
    assert!(only_error(&load(&deep(80))).contains("exceeded max depth limit of 400"));

    // Macros that use the previous one twice double the tree at every level.
    let mut text = "- macro: m0\n  condition: proc.name = curl\n".to_owned();
    for i in 1..=20 {
        let p = i - 1;
        text.push_str(&format!("- macro: m{i}\n  condition: (m{p} and m{p})\n"));
    }
    text.push_str("- rule: Huge\n  desc: d\n  condition: evt.type = execve and m20\n  output: o\n  priority: info\n");
    fails_with(&text, "the condition is too large once macros are expanded");
}

#[test]
fn list_substitution_is_bounded() {
    // Each list names the next one twice; substitution runs in definition order, so the
    // condition doubles with every list, as in Falco, until the limit stops it.
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!("- list: l{i}\n  items: [l{n}, l{n}]\n", n = i + 1));
    }
    text.push_str("- rule: R\n  desc: d\n  condition: evt.type = execve and proc.name in (l0)\n  output: o\n  priority: info\n");
    fails_with(
        &text,
        "the condition is longer than 4194304 bytes once lists are substituted",
    );
}

#[test]
fn every_construct_in_one_file() {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/features.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let loaded = load(&text);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(matched(&loaded, &exec()), ["Fetcher run"]);
    let rules = loaded.rules.as_ref().unwrap();
    let alert = rules.alerts(&exec(), MatchMode::First).remove(0);
    assert!(
        alert.output.starts_with(
            "12:13:20.000000000: Notice curl ran (cmd=curl -s https://Example.com/a b parent=bash gparent=sshd exe=curl upper=CURL fd=<NA> user=alice)"
        ),
        "{}",
        alert.output
    );
    let mut in_ci = exec();
    in_ci.process.cwd = "/srv/ci".into();
    assert!(matched(&loaded, &in_ci).is_empty());
    let mut by_make = exec();
    by_make.process.ancestors[0].comm = "make".into();
    by_make.process.cwd = "/home/build/x".into();
    assert!(matched(&loaded, &by_make).is_empty());
    let written = open("/home/alice/.bashrc", ".bashrc", 0o1);
    assert_eq!(matched(&loaded, &written), ["Shell config written"]);
}

#[test]
fn more_distinct_checks_than_an_event_type_shares_still_evaluate() {
    // Each rule has its own check: past the table of shared checks, they are evaluated
    // in place.
    let mut text = String::new();
    for i in 0..1100 {
        text.push_str(&format!(
            "- rule: R{i}\n  desc: d\n  condition: evt.type = execve and proc.name = n{i}\n  output: o\n  priority: info\n"
        ));
    }
    let loaded = load(&text);
    for i in [0, 1023, 1024, 1099] {
        let mut ev = exec();
        ev.process.comm = format!("n{i}");
        assert_eq!(matched(&loaded, &ev), [format!("R{i}")]);
    }
}

#[test]
fn event_types_warden_does_not_see_are_reported_by_rule() {
    let text = "- rule: Partly\n  desc: d\n  condition: evt.type in (execve, read)\n  output: o\n  priority: info\n\
                - rule: Never\n  desc: d\n  condition: evt.type = read\n  output: o\n  priority: info\n";
    let loaded = load(text);
    let warnings: Vec<String> = loaded.warnings().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "rules.yaml:3:14: warning WARDEN_NOT_SUPPLIED (rule 'Partly'): Warden's sensor does not produce evt.type read: those parts can never match",
            "rules.yaml:8:14: warning WARDEN_NOT_SUPPLIED (rule 'Never'): Warden's sensor does not produce evt.type read: the rule can never match",
        ]
    );
    assert_eq!(matched(&loaded, &exec()), ["Partly"]);
}
