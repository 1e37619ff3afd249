//! goss's own golden outputs: every `out_<spec>.<exit code>.<format>` in goss's
//! testdata, reproduced from `<spec>.yaml`'s `matching` resources with `-o sort -o
//! pretty`, and compared as goss compares them (durations and trailing spaces removed).

// Helpers shared by the tests unwrap freely: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::Cursor;
use std::path::{Path, PathBuf};

use regex::Regex;
use time::OffsetDateTime;
use warden_matchers::{Actual, ActualKind, Matcher, evaluate};
use warden_report::{
    Format, FormatOption, FormatOptions, ResourceInfo, ResultGroup, TestResult, render,
};
use warden_value::{Format as SourceFormat, Value};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/goss/testdata")
}

/// The test-only stand-in for `warden validate` on a gossfile of `matching` resources.
fn validate_matching(spec: &Path) -> Vec<ResultGroup> {
    let source = std::fs::read_to_string(spec).unwrap();
    let doc = warden_value::parse(&source, SourceFormat::Yaml)
        .unwrap()
        .to_value();
    let now = OffsetDateTime::now_utc();
    let resources = doc.as_map().unwrap()["matching"].as_map().unwrap();
    resources
        .iter()
        .map(|(id, body)| {
            let body = body.as_map().unwrap();
            let field = |k: &str| body.get(k).cloned().unwrap_or_default();
            let resource = ResourceInfo {
                resource_type: "Matching".into(),
                id: id.clone(),
                ..Default::default()
            };
            let result = if field("skip") == Value::Bool(true) {
                TestResult::skip(&resource, "matches", now, now)
            } else {
                let as_reader = field("as-reader") == Value::Bool(true);
                let kind = if as_reader {
                    ActualKind::Reader
                } else {
                    ActualKind::Value
                };
                match Matcher::compile(&field("matches"), kind) {
                    Err(e) => TestResult::error(&resource, "matches", e.to_string(), now, now),
                    Ok(matcher) => {
                        let actual = if as_reader {
                            Actual::Reader(Box::new(Cursor::new(
                                field("content").to_string().into_bytes(),
                            )))
                        } else {
                            Actual::Value(field("content"))
                        };
                        TestResult::from_outcome(
                            &resource,
                            "matches",
                            evaluate(&matcher, actual),
                            now,
                            now,
                        )
                    }
                }
            };
            ResultGroup {
                results: vec![result],
            }
        })
        .collect()
}

/// goss's test sanitiser: durations (`\d\.\d\d\ds`) and trailing spaces removed.
fn sanitize(text: &str) -> String {
    let durations = Regex::new(r"\d\.\d\d\ds").unwrap();
    let trailing = Regex::new(r" +\n").unwrap();
    trailing
        .replace_all(&durations.replace_all(text, ""), "\n")
        .into_owned()
}

#[test]
fn every_goss_golden_output_is_reproduced_byte_for_byte() {
    let mut checked = Vec::new();
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(testdata()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("out_") else {
            continue;
        };
        let mut parts = rest.rsplitn(3, '.');
        let (format, code, spec) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let format: Format = format.parse().unwrap();
        let code: i32 = code.parse().unwrap();
        let groups = validate_matching(&testdata().join(format!("{spec}.yaml")));
        let options = FormatOptions::default()
            .with(FormatOption::Sort)
            .with(FormatOption::Pretty);
        let rendered = render(format, &options, &groups, OffsetDateTime::now_utc(), false);
        let expected = std::fs::read_to_string(&path).unwrap();
        if sanitize(&rendered.text) != sanitize(&expected) || rendered.exit_code != code {
            failures.push(format!(
                "{name}: exit {} (want {code})\n--- got\n{}\n--- want\n{}",
                rendered.exit_code,
                sanitize(&rendered.text),
                sanitize(&expected)
            ));
        }
        checked.push(name);
    }
    assert_eq!(
        checked.len(),
        16,
        "expected goss's 16 golden files, found {checked:?}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_xml_matcher_case_passes() {
    let groups = validate_matching(&testdata().join("matching_xml.yaml"));
    assert_eq!(groups.len(), 10);
    for group in &groups {
        for r in &group.results {
            assert!(
                r.successful() && r.err.is_none(),
                "{}",
                r.summary_line(true)
            );
        }
    }
    let rendered = render(
        Format::Rspecish,
        &FormatOptions::default(),
        &groups,
        OffsetDateTime::now_utc(),
        false,
    );
    assert_eq!(rendered.exit_code, 0);
    assert!(
        rendered
            .text
            .ends_with("Count: 10, Failed: 0, Skipped: 0\n")
    );
}
