//! goss's `resource/gomega_test.go` table (YAML matcher → gomega matcher), checked by
//! behaviour: each expectation, evaluated against `"foo"` as goss's test does, must
//! fail with the same message the gomega matcher it stands for gives, and marshal
//! back to goss's JSON form.

// Helpers shared by the tests unwrap freely: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use warden_matchers::{Actual, ActualKind, Matcher, Status, evaluate};
use warden_value::{Format, Value, to_json};

fn json(src: &str) -> Value {
    warden_value::parse(src, Format::Json).unwrap().to_value()
}

fn against_foo(expectation: &str) -> (Status, String, String) {
    let matcher = Matcher::compile(&json(expectation), ActualKind::Value).unwrap();
    let outcome = evaluate(&matcher, Actual::Value(Value::from("foo")));
    (
        outcome.status,
        outcome.matcher_result.message,
        to_json(&matcher.to_json()),
    )
}

/// (input, status against "foo", message, goss JSON of the compiled matcher)
const TABLE: &[(&str, Status, &str, &str)] = &[
    (r#""foo""#, Status::Pass, "matches expectation", r#""foo""#),
    ("1", Status::Fail, "", r#"{"eq":1}"#),
    ("true", Status::Fail, "to equal", "true"),
    (
        r#"["foo", "bar"]"#,
        Status::Fail,
        "",
        r#"{"contain-elements":["foo","bar"]}"#,
    ),
    (r#"{"gt": 1}"#, Status::Fail, "", r#"{"gt":1}"#),
    (r#"{"ge": 1}"#, Status::Fail, "", r#"{"ge":1}"#),
    (r#"{"lt": 1}"#, Status::Fail, "", r#"{"lt":1}"#),
    (r#"{"le": 1}"#, Status::Fail, "", r#"{"le":1}"#),
    (
        r#"{"have-prefix": "foo"}"#,
        Status::Pass,
        "matches expectation",
        r#"{"have-prefix":"foo"}"#,
    ),
    (
        r#"{"have-suffix": "foo"}"#,
        Status::Pass,
        "matches expectation",
        r#"{"have-suffix":"foo"}"#,
    ),
    (
        r#"{"match-regexp": "foo"}"#,
        Status::Pass,
        "matches expectation",
        r#"{"match-regexp":"foo"}"#,
    ),
    (
        r#"{"consist-of": ["foo"]}"#,
        Status::Fail,
        "",
        r#"{"consist-of":["foo"]}"#,
    ),
    (
        r#"{"contain-element": "foo"}"#,
        Status::Pass,
        "matches expectation",
        r#"{"contain-element":"foo"}"#,
    ),
    (
        r#"{"have-len": 3}"#,
        Status::Pass,
        "matches expectation",
        r#"{"have-len":3}"#,
    ),
    (
        r#"{"have-key": "foo"}"#,
        Status::Fail,
        "",
        r#"{"have-key":"foo"}"#,
    ),
    (
        r#"{"not": "foo"}"#,
        Status::Fail,
        "not to equal",
        r#"{"not":"foo"}"#,
    ),
    (
        r#"{"and": ["foo", "foo"]}"#,
        Status::Pass,
        "matches expectation",
        r#"{"and":["foo","foo"]}"#,
    ),
    (
        r#"{"and": [{"have-prefix": "foo"}, "foo"]}"#,
        Status::Pass,
        "matches expectation",
        r#"{"and":[{"have-prefix":"foo"},"foo"]}"#,
    ),
    (
        r#"{"not": {"have-prefix": "foo"}}"#,
        Status::Fail,
        "not to have prefix",
        r#"{"not":{"have-prefix":"foo"}}"#,
    ),
    (
        r#"{"or": ["foo", "foo"]}"#,
        Status::Pass,
        "matches expectation",
        r#"{"or":["foo","foo"]}"#,
    ),
    (
        r#"{"not": {"and": [{"have-prefix": "foo"}]}}"#,
        Status::Fail,
        "not to satisfy all of these matchers",
        r#"{"not":{"have-prefix":"foo"}}"#,
    ),
];

#[test]
fn goss_gomega_table() {
    for (input, status, message, marshalled) in TABLE {
        let (got_status, got_message, got_json) = against_foo(input);
        assert_eq!(got_status, *status, "{input}");
        assert_eq!(got_json, *marshalled, "{input}");
        // Errors (numbers against "foo", collection matchers on a string) carry no
        // comparison message of their own; the rest must match gomega's wording.
        if !message.is_empty() {
            assert_eq!(got_message, *message, "{input}");
        }
    }
}

#[test]
fn errors_in_the_table_are_gomegas() {
    let check = |input: &str, err: &str| {
        let matcher = Matcher::compile(&json(input), ActualKind::Value).unwrap();
        let outcome = evaluate(&matcher, Actual::Value(Value::from("foo")));
        assert_eq!(outcome.err.as_deref(), Some(err), "{input}");
    };
    check(
        "1",
        "matchers.ToNumeric{}: strconv.ParseFloat: parsing \"foo\": invalid syntax",
    );
    check(
        r#"["foo", "bar"]"#,
        "ContainElements matcher expects an array/slice/map.  Got:\n    <string>: foo",
    );
    check(
        r#"{"consist-of": ["foo"]}"#,
        "ConsistOf matcher expects an array/slice/map.  Got:\n    <string>: foo",
    );
    check(
        r#"{"have-key": "foo"}"#,
        "HaveKey matcher expects a map/iterator.  Got:    <string>: foo",
    );
}

#[test]
fn have_key_with_value_is_not_a_goss_matcher() {
    let err = Matcher::compile(
        &json(r#"{"have-key-with-value": {"foo": 1}}"#),
        ActualKind::Value,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Syntax Error: Unknown matcher: have-key-with-value"
    );
}
