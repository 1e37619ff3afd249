//! goss's own integration gossfile, rendered the way goss's integration tests do.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;

use warden_template::{Host, render};
use warden_value::{Format, Value};

const SHARED: &str = "/work/shared/conformance/goss/integration-tests/goss-shared.yaml";
const VARS: &str = "/work/shared/conformance/goss/integration-tests/vars.yaml";

struct OsHost;

impl Host for OsHost {
    fn env(&self, key: &str) -> Option<String> {
        (key == "OS").then(|| "bullseye".to_owned())
    }

    fn env_vars(&self) -> Vec<(String, String)> {
        vec![("OS".into(), "bullseye".into())]
    }

    fn read_file(&self, path: &str) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            path.to_owned(),
        ))
    }
}

/// Vars from vars.yaml with `--vars-inline '{inline: bar, overwrite: bar}'` on top,
/// which replaces top-level keys wholesale.
fn goss_data() -> Value {
    let text = std::fs::read_to_string(VARS).unwrap();
    let Value::Map(mut vars) = warden_value::parse(&text, Format::Yaml).unwrap().to_value() else {
        panic!("vars.yaml is not a map");
    };
    vars.insert("inline".into(), Value::from("bar"));
    vars.insert("overwrite".into(), Value::from("bar"));
    let env: BTreeMap<String, Value> = [("OS".to_owned(), Value::from("bullseye"))]
        .into_iter()
        .collect();
    Value::Map(
        [
            ("Vars".to_owned(), Value::Map(vars)),
            ("Env".to_owned(), Value::Map(env)),
        ]
        .into_iter()
        .collect(),
    )
}

#[test]
fn goss_shared_renders_to_valid_yaml() {
    let source = std::fs::read_to_string(SHARED).unwrap();
    let rendered = render("test", &source, &goss_data(), &OsHost).unwrap();
    let doc = warden_value::parse(&rendered, Format::Yaml)
        .unwrap()
        .to_value();

    for line in [
        "  /etc/passwd:\n    exists: true",
        "  /etc/group:\n    exists: true",
        "  apache2:\n    installed: true\n    versions:\n    - 2.4.67-1~deb11u2",
        "    runlevels: []",
        "    proxy: http://127.0.0.1:8888",
        "    content: HELLO!HELLO!HELLO!HELLO!HELLO!",
        "    content: bar\n",
    ] {
        assert!(rendered.contains(line), "missing {line:?} in:\n{rendered}");
    }
    let map = doc.as_map().unwrap();
    let packages = map["package"].as_map().unwrap();
    assert_eq!(
        packages["apache2"].as_map().unwrap()["versions"],
        Value::List(vec![Value::from("2.4.67-1~deb11u2")])
    );
    assert!(
        map["http"]
            .as_map()
            .unwrap()
            .contains_key("http://httpbin/anything")
    );
    assert!(!rendered.contains("{{"));
}

#[test]
fn goss_shared_without_inline_vars_fails_on_the_missing_key() {
    let source = std::fs::read_to_string(SHARED).unwrap();
    let text = std::fs::read_to_string(VARS).unwrap();
    let vars = warden_value::parse(&text, Format::Yaml).unwrap().to_value();
    let env: BTreeMap<String, Value> = [("OS".to_owned(), Value::from("bullseye"))]
        .into_iter()
        .collect();
    let data = Value::Map(
        [
            ("Vars".to_owned(), vars),
            ("Env".to_owned(), Value::Map(env)),
        ]
        .into_iter()
        .collect(),
    );
    let err = render("test", &source, &data, &OsHost).unwrap_err();
    let line = source
        .lines()
        .position(|l| l.contains(".Vars.inline"))
        .unwrap()
        + 1;
    assert_eq!(err.line, line);
    assert_eq!(err.message, "map has no entry for key \"inline\"");
    assert_eq!(
        err.to_string(),
        format!(
            "template: test:{line}:21: executing \"test\" at <.Vars.inline>: map has no entry for key \"inline\""
        )
    );
}
