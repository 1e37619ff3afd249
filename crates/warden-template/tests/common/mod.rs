//! Shared helpers for the integration tests.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use warden_template::{Host, TemplateError, render};
use warden_value::{Format, Value};

/// A host with a fixed environment and in-memory files.
#[derive(Default)]
pub(crate) struct FakeHost {
    pub env: BTreeMap<String, String>,
    pub files: BTreeMap<String, String>,
    /// A fixed clock; the real one when unset.
    pub clock: Option<time::OffsetDateTime>,
    /// Names `lookup_host` resolves.
    pub hosts: BTreeMap<String, Vec<String>>,
}

impl Host for FakeHost {
    fn env(&self, key: &str) -> Option<String> {
        self.env.get(key).cloned()
    }

    fn env_vars(&self) -> Vec<(String, String)> {
        self.env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn read_file(&self, path: &str) -> std::io::Result<String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }

    fn now(&self) -> time::OffsetDateTime {
        self.clock.unwrap_or_else(time::OffsetDateTime::now_utc)
    }

    fn lookup_host(&self, name: &str) -> std::io::Result<Vec<String>> {
        self.hosts
            .get(name)
            .cloned()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }
}

pub(crate) fn host() -> FakeHost {
    let mut host = FakeHost::default();
    host.env.insert("HOME".into(), "/root".into());
    host.env.insert("OS".into(), "bullseye".into());
    host.env.insert("EMPTY".into(), String::new());
    host.files
        .insert("/etc/motd".into(), "  welcome\n\n".into());
    host
}

/// goss-shaped data: `.Vars` from YAML, `.Env` from the fake host.
pub(crate) fn data(vars_yaml: &str) -> Value {
    let vars = warden_value::parse(vars_yaml, Format::Yaml)
        .unwrap()
        .to_value();
    let env: BTreeMap<String, Value> = host()
        .env
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    Value::Map(
        [
            ("Vars".to_owned(), vars),
            ("Env".to_owned(), Value::Map(env)),
        ]
        .into_iter()
        .collect(),
    )
}

pub(crate) const VARS: &str = r#"
name: warden
n: 3
f: 2.5
yes: true
nothing: null
list: [a, b, c]
nums: [3, 1, 2]
empty: ""
map: {b: 2, a: 1}
nested: {inner: {deep: value}}
html: "<a href='x'>&</a>"
"#;

pub(crate) fn run(source: &str) -> Result<String, TemplateError> {
    render("t", source, &data(VARS), &host())
}

/// Renders `source` and returns the output, or the error's Go text.
pub(crate) fn out(source: &str) -> String {
    match run(source) {
        Ok(s) => s,
        Err(e) => format!("ERROR: {e}"),
    }
}

/// Checks each (template, expected output) pair; expected errors start with "ERROR: ".
pub(crate) fn check_table(cases: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (source, want) in cases {
        let got = out(source);
        if got != *want {
            failures.push(format!("  {source:?}\n    want {want:?}\n    got  {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
