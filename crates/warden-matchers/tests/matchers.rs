//! End-to-end matcher behaviour through the public API: goss's `and`/`or` guard
//! tests, transforms and their reporting, streams, and Go type distinctions.

// Helpers shared by the tests unwrap freely: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::{Cursor, Read};

use warden_matchers::{Actual, ActualKind, Matcher, MatcherResult, Outcome, Status, evaluate};
use warden_value::{Format, Value, to_json};

fn yaml(src: &str) -> Value {
    warden_value::parse(src, Format::Yaml).unwrap().to_value()
}

fn check(expectation: &str, actual: Actual) -> Outcome {
    let kind = if matches!(actual, Actual::Reader(_)) {
        ActualKind::Reader
    } else {
        ActualKind::Value
    };
    let matcher = Matcher::compile(&yaml(expectation), kind).unwrap();
    evaluate(&matcher, actual)
}

fn reader(text: &str) -> Actual {
    Actual::Reader(Box::new(Cursor::new(text.as_bytes().to_vec())))
}

fn chain(r: &MatcherResult) -> String {
    to_json(&Value::List(r.transform_chain.clone()))
}

/// goss #982: an `and` under a failing transform reports itself instead of panicking.
#[test]
fn and_under_a_failing_transform_reports_itself() {
    let doc = Value::from(r#"{"this": {"is": {"just": {"a": "test"}}}}"#);
    let outcome = check(
        "{gjson: {this.is.typo: {and: [{have-key: a}]}}}",
        Actual::Value(doc),
    );
    assert_eq!(outcome.status, Status::Fail);
    assert_eq!(
        outcome.err.as_deref(),
        Some("matchers.Gjson{Path:\"this.is.typo\"}: Path not found: this.is.typo")
    );
    assert_eq!(
        outcome.matcher_result.message,
        "to satisfy all of these matchers"
    );
    assert_eq!(
        chain(&outcome.matcher_result),
        r#"[{"gjson":{"Path":"this.is.typo"}}]"#
    );
}

#[test]
fn and_reports_the_child_that_failed() {
    let outcome = check(
        "{and: [{have-key: missing}]}",
        Actual::Value(yaml("{present: 1}")),
    );
    assert_eq!(outcome.matcher_result.message, "to have key matching");
}

/// goss's `or_test.go`: a negated `or` whose children never passed reports itself.
#[test]
fn negated_or_without_a_passing_child_reports_itself() {
    let outcome = check(
        "{not: {or: [{have-key: a}, {have-key: b}]}}",
        Actual::Value(Value::from("not a map")),
    );
    assert_eq!(outcome.status, Status::Fail);
    assert!(outcome.err.is_some());
    assert_eq!(
        outcome.matcher_result.message,
        "not to satisfy any of these matchers"
    );
}

#[test]
fn negated_or_reports_the_child_that_passed() {
    let outcome = check(
        "{not: {or: [{have-key: missing}, {have-key: present}]}}",
        Actual::Value(yaml("{present: 1}")),
    );
    assert_eq!(outcome.matcher_result.message, "not to have key matching");
    assert_eq!(outcome.matcher_result.expected, Value::from("present"));
}

#[test]
fn transforms_are_reported_with_the_raw_value() {
    let outcome = check(
        "{gjson: {count: {le: 10}}}",
        Actual::Value(Value::from(r#"{"count": "15"}"#)),
    );
    let r = &outcome.matcher_result;
    assert_eq!(r.actual, Value::Float(15.0));
    assert_eq!(r.message, "to be numerically le");
    assert_eq!(
        chain(r),
        r#"[{"gjson":{"Path":"count"}},{"to-numeric":{}}]"#
    );
    assert_eq!(r.untransformed_value, Value::from(r#"{"count": "15"}"#));
}

#[test]
fn untransformed_values_record_no_chain() {
    let outcome = check("{not: {have-prefix: f}}", Actual::Value(Value::from("foo")));
    assert_eq!(outcome.matcher_result.message, "not to have prefix");
    assert!(outcome.matcher_result.transform_chain.is_empty());
}

#[test]
fn passing_checks_report_the_value_as_read() {
    // goss's ValidateGomegaValue records a pass as the raw value, the message and the
    // expectation: no transform chain, even when the matcher converted the value.
    let outcome = check("{le: 128}", Actual::Value(Value::from("128")));
    assert_eq!(outcome.status, Status::Pass);
    let r = &outcome.matcher_result;
    assert_eq!(r.message, "matches expectation");
    assert_eq!(r.expected, yaml("{le: 128}"));
    assert_eq!(r.actual, Value::from("128"));
    assert!(r.transform_chain.is_empty());
    assert_eq!(r.untransformed_value, Value::Null);
}

#[test]
fn string_lists_are_not_decoded_lists() {
    let versions = || Actual::StringList(vec!["1.2.3".into(), "1.3.0".into()]);
    assert_eq!(
        check("{equal: [1.2.3, 1.3.0]}", versions()).status,
        Status::Fail
    );
    assert_eq!(check("[1.2.3]", versions()).status, Status::Pass);
    assert_eq!(
        check("{semver-constraint: '>=1.0.0 <2.0.0'}", versions()).status,
        Status::Pass
    );
    assert_eq!(
        check("{contain-element: {have-prefix: '1.3'}}", versions()).status,
        Status::Pass
    );
    assert_eq!(
        check("{equal: [a, b]}", Actual::Value(yaml("[a, b]"))).status,
        Status::Pass
    );
}

#[test]
fn yaml_ints_and_json_floats_differ_under_equal_only() {
    assert_eq!(
        check("{equal: 42}", Actual::Value(Value::Float(42.0))).status,
        Status::Fail
    );
    assert_eq!(
        check("42", Actual::Value(Value::Float(42.0))).status,
        Status::Pass
    );
}

#[test]
fn stream_with_a_list_is_the_pattern_matcher() {
    let outcome = check("[fox, '!foo']", reader("foo bar\nmoo cow\n"));
    let r = &outcome.matcher_result;
    assert_eq!(r.message, "to have patterns");
    assert_eq!(r.actual, Value::from("foo bar\nmoo cow\n"));
    assert_eq!(r.missing_elements, Some(yaml("[fox, '!foo']")));
    let pass = check("['/^MOO/i']", reader("foo bar\nmoo cow\n"));
    assert_eq!(pass.status, Status::Pass);
    assert_eq!(pass.matcher_result.actual, Value::Map(Default::default()));
}

#[test]
fn stream_with_anything_else_is_read_whole() {
    assert_eq!(
        check("{match-regexp: '(?m)^ok$'}", reader("x\nok\n")).status,
        Status::Pass
    );
    assert_eq!(check("\"hi\\n\"", reader("hi\n")).status, Status::Pass);
    assert_eq!(check("{have-len: 3}", reader("abc")).status, Status::Pass);
}

/// A stream that never ends: only a scan that stops early can finish on it.
struct Endless;

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let line = b"line of an endless stream\n";
        let n = buf.len().min(line.len());
        buf[..n].copy_from_slice(&line[..n]);
        Ok(n)
    }
}

#[test]
fn pattern_scans_stop_as_soon_as_decided() {
    let outcome = check("[endless]", Actual::Reader(Box::new(Endless)));
    assert_eq!(outcome.status, Status::Pass);
}

#[test]
fn read_errors_are_reported() {
    struct Broken;
    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let outcome = check("hello", Actual::Reader(Box::new(Broken)));
    assert_eq!(outcome.err.as_deref(), Some("disk on fire"));
    let outcome = check("[hello]", Actual::Reader(Box::new(Broken)));
    assert_eq!(outcome.err.as_deref(), Some("disk on fire"));
}

#[test]
fn consist_of_reports_missing_and_extra() {
    let outcome = check(
        "{consist-of: [fox, {have-prefix: t}, box]}",
        Actual::Value(yaml("[foo, bar, moo]")),
    );
    let r = &outcome.matcher_result;
    assert_eq!(r.message, "to consist of");
    assert_eq!(
        r.missing_elements,
        Some(yaml("[fox, {have-prefix: t}, box]"))
    );
    assert_eq!(r.extra_elements, Some(yaml("[foo, bar, moo]")));
}

#[test]
fn contain_elements_reports_missing_and_found() {
    let outcome = check(
        "[group1, group2, group2, group4]",
        Actual::Value(yaml("[group1, group2, group3]")),
    );
    let r = &outcome.matcher_result;
    assert_eq!(r.missing_elements, Some(yaml("[group2, group4]")));
    assert_eq!(r.found_elements, Some(yaml("[group1, group2]")));
}

#[test]
fn syntax_errors_point_into_the_expectation() {
    let err =
        Matcher::compile(&yaml("{and: [1, 2, {have-len: x}]}"), ActualKind::Value).unwrap_err();
    assert_eq!(err.path(), "and[2].have-len");
    assert_eq!(
        err.to_string(),
        "Syntax Error: Invalid 'have-len' argument. Expected numeric value, but received: string: \"x\""
    );
}

#[test]
fn bool_expectations_do_not_convert() {
    assert_eq!(
        check("true", Actual::Value(Value::from("true"))).status,
        Status::Fail
    );
    assert_eq!(
        check("true", Actual::Value(Value::Bool(true))).status,
        Status::Pass
    );
}

#[test]
fn have_patterns_key_applies_to_strings() {
    assert_eq!(
        check(
            "{have-patterns: [foo, '!bar']}",
            Actual::Value(Value::from("foo\nbaz"))
        )
        .status,
        Status::Pass
    );
    let outcome = check("{have-patterns: [nope]}", Actual::Value(Value::from("foo")));
    assert_eq!(outcome.matcher_result.actual, Value::from("foo"));
}
