//! goss's transformers (`to-string`, `to-numeric`, `to-array`, `gjson`) and
//! `WithSafeTransform`, which applies one before its inner matcher and reports the
//! chain of transforms and the raw value when the check fails.

use std::collections::BTreeMap;

use warden_value::Value;

use crate::format::object;
use crate::gofmt::quote;
use crate::node::{Detail, Node, Run};
use crate::result::MatcherResult;
use crate::subject::Subject;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Transformer {
    ToString,
    ToNumeric,
    ToArray,
    Gjson(String),
}

/// What a transform step recorded (Go's `transformedValue`, `wasTransformed`,
/// `transformError`) and the inner matcher's run, if it got to run.
#[derive(Debug, Clone)]
pub(crate) struct TransformRun {
    output: Subject,
    recorded: bool,
    inner: Option<Box<Run>>,
}

impl Default for TransformRun {
    fn default() -> Self {
        TransformRun {
            output: Subject::Value(Value::Null),
            recorded: false,
            inner: None,
        }
    }
}

impl Transformer {
    /// The transformer as goss marshals it into "the transform chain was".
    pub(crate) fn to_json(&self) -> Value {
        let (name, body) = match self {
            Transformer::ToString => ("to-string", BTreeMap::new()),
            Transformer::ToNumeric => ("to-numeric", BTreeMap::new()),
            Transformer::ToArray => ("to-array", BTreeMap::new()),
            Transformer::Gjson(path) => (
                "gjson",
                [("Path".to_owned(), Value::String(path.clone()))].into(),
            ),
        };
        Value::Map([(name.to_owned(), Value::Map(body))].into())
    }

    /// Go's `%#v`, which prefixes transform errors.
    fn go_syntax(&self) -> String {
        match self {
            Transformer::ToString => "matchers.ToString{}".to_owned(),
            Transformer::ToNumeric => "matchers.ToNumeric{}".to_owned(),
            Transformer::ToArray => "matchers.ToArray{}".to_owned(),
            Transformer::Gjson(path) => format!("matchers.Gjson{{Path:{}}}", quote(path)),
        }
    }

    /// The transformed value and the error, if any. Like the Go transformers this
    /// yields a value even when it fails (`0` for to-numeric, nil for gjson).
    pub(crate) fn apply(&self, input: &Subject) -> (Subject, Option<String>) {
        match self {
            Transformer::ToString => (Subject::string(to_string(input)), None),
            Transformer::ToNumeric => to_numeric(input),
            Transformer::ToArray => match input {
                Subject::Value(Value::String(s)) => (
                    Subject::Strings(s.split('\n').map(str::to_owned).collect()),
                    None,
                ),
                other => (other.clone(), None),
            },
            Transformer::Gjson(path) => match gjson_lookup(path, input) {
                Ok(v) => (Subject::Value(v), None),
                Err(e) => (Subject::Value(Value::Null), Some(e)),
            },
        }
    }
}

/// `ToString`: lists are joined with newlines (elements `%v`), everything else `%v`.
fn to_string(input: &Subject) -> String {
    match input {
        Subject::Strings(items) => items.join("\n"),
        Subject::Value(Value::List(items)) => items
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        Subject::Value(v) => v.to_string(),
    }
}

fn to_numeric(input: &Subject) -> (Subject, Option<String>) {
    let text = match input {
        Subject::Value(Value::Int(_) | Value::Float(_)) => return (input.clone(), None),
        Subject::Value(Value::String(s)) => s.clone(),
        Subject::Strings(items) => items.join("\n"),
        other => {
            return (
                Subject::Value(Value::Int(0)),
                Some(format!("Expected numeric, Got:{}", object(other, 1))),
            );
        }
    };
    match parse_go_float(text.trim()) {
        Ok(x) => (Subject::Value(Value::Float(x)), None),
        Err((x, e)) => (Subject::Value(Value::Float(x)), Some(e)),
    }
}

/// `strconv.ParseFloat(s, 64)`: on failure the value Go returns with the error and
/// Go's `*NumError` text.
pub(crate) fn parse_go_float(s: &str) -> Result<f64, (f64, String)> {
    warden_value::strconv::parse_float(s).map_err(|(value, err)| {
        (
            value,
            format!("strconv.ParseFloat: parsing {}: {}", quote(s), err.text()),
        )
    })
}

/// `Gjson.Transform`: the JSON string's value at `path`, decoded as Go's gjson
/// `Value()` does (numbers are floats).
fn gjson_lookup(path: &str, input: &Subject) -> Result<Value, String> {
    let Some(json) = input.as_str() else {
        return Err(format!("Expected string, Got:{}", object(input, 1)));
    };
    if !gjson::valid(json) {
        return Err("Invalid json".to_owned());
    }
    let found = gjson::get(json, path);
    if !found.exists() {
        return Err(format!("Path not found: {path}"));
    }
    Ok(gjson_value(&found))
}

fn gjson_value(v: &gjson::Value<'_>) -> Value {
    match v.kind() {
        gjson::Kind::Null => Value::Null,
        gjson::Kind::True => Value::Bool(true),
        gjson::Kind::False => Value::Bool(false),
        gjson::Kind::Number => Value::Float(v.f64()),
        gjson::Kind::String => Value::String(v.str().to_owned()),
        gjson::Kind::Array => Value::List(v.array().iter().map(gjson_value).collect()),
        gjson::Kind::Object => {
            let mut map = BTreeMap::new();
            v.each(|key, value| {
                map.insert(key.str().to_owned(), gjson_value(&value));
                true
            });
            Value::Map(map)
        }
    }
}

/// `WithSafeTransform.Match`.
pub(crate) fn run(transformer: &Transformer, inner: &Node, actual: &Subject) -> Run {
    let (output, error) = transformer.apply(actual);
    let recorded = error.is_some() || output != *actual;
    if let Some(e) = error {
        let detail = Detail::Transform(TransformRun {
            output,
            recorded,
            inner: None,
        });
        return Run {
            success: false,
            error: Some(format!("{}: {e}", transformer.go_syntax())),
            detail,
        };
    }
    let inner_run = inner.run(&output);
    Run {
        success: inner_run.success,
        error: inner_run.error.clone(),
        detail: Detail::Transform(TransformRun {
            output,
            recorded,
            inner: Some(Box::new(inner_run)),
        }),
    }
}

/// The transforms that changed the value (or failed), the innermost matcher and its
/// run, and the value it saw: goss's `getTransformerChainAndMatcher`.
pub(crate) struct Chain<'a> {
    pub(crate) transforms: Vec<Value>,
    pub(crate) matcher: &'a Node,
    pub(crate) run: Run,
    pub(crate) value: Subject,
}

pub(crate) fn chain<'a>(transformer: &Transformer, inner: &'a Node, run: &Run) -> Chain<'a> {
    let mut transforms = Vec::new();
    let mut step = (transformer, inner, run.clone());
    loop {
        let (t, inner, run) = step;
        let state = match run.detail {
            Detail::Transform(state) => state,
            _ => TransformRun::default(),
        };
        if state.recorded {
            transforms.push(t.to_json());
        }
        let inner_run = state.inner.map(|r| *r).unwrap_or_default();
        match inner {
            Node::Transform(next_t, next_inner) => step = (next_t, next_inner, inner_run),
            _ => {
                return Chain {
                    transforms,
                    matcher: inner,
                    run: inner_run,
                    value: state.output,
                };
            }
        }
    }
}

pub(crate) fn result(
    transformer: &Transformer,
    inner: &Node,
    run: &Run,
    actual: &Subject,
    negated: bool,
) -> MatcherResult {
    let chain = chain(transformer, inner, run);
    let mut result = if negated {
        chain
            .matcher
            .negated_failure_result(&chain.run, &chain.value)
    } else {
        chain.matcher.failure_result(&chain.run, &chain.value)
    };
    result.transform_chain = chain.transforms;
    result.untransformed_value = actual.to_value();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_float_parsing() {
        assert_eq!(parse_go_float("128.3"), Ok(128.3));
        assert_eq!(parse_go_float("1e3"), Ok(1000.0));
        assert_eq!(parse_go_float(".5"), Ok(0.5));
        assert_eq!(parse_go_float("-Inf"), Ok(f64::NEG_INFINITY));
        assert_eq!(parse_go_float("0x1p4"), Ok(16.0));
        assert!(parse_go_float("NaN").is_ok_and(f64::is_nan));
        assert_eq!(
            parse_go_float("foo"),
            Err((
                0.0,
                "strconv.ParseFloat: parsing \"foo\": invalid syntax".to_owned()
            ))
        );
        // Go accepts underscores between digits (`atof_test.go`: "1_23.50_0_0e+1_2").
        assert_eq!(parse_go_float("1_000"), Ok(1000.0));
        assert!(parse_go_float("1__000").is_err());
        assert!(parse_go_float("0x10").is_err());
        assert!(parse_go_float("+nan").is_err());
        assert_eq!(
            parse_go_float("1e400").unwrap_err().1,
            "strconv.ParseFloat: parsing \"1e400\": value out of range"
        );
    }

    #[test]
    fn to_string_joins_lists_with_newlines() {
        let list = Subject::Value(Value::List(vec![Value::Int(1), Value::from("a")]));
        assert_eq!(
            Transformer::ToString.apply(&list).0,
            Subject::string("1\na")
        );
    }

    #[test]
    fn to_numeric_errors_name_the_type() {
        let (out, err) = Transformer::ToNumeric.apply(&Subject::Value(Value::Bool(true)));
        assert_eq!(out, Subject::Value(Value::Int(0)));
        assert_eq!(
            err.as_deref(),
            Some("Expected numeric, Got:    <bool>: true")
        );
    }

    #[test]
    fn gjson_decodes_numbers_as_floats_and_reports_missing_paths() {
        let doc = Subject::string(r#"{"a": {"b": 15}, "c": [1, "x"]}"#);
        assert_eq!(
            Transformer::Gjson("a.b".into()).apply(&doc).0,
            Subject::Value(Value::Float(15.0))
        );
        let (_, err) = Transformer::Gjson("nope".into()).apply(&doc);
        assert_eq!(err.as_deref(), Some("Path not found: nope"));
        let (_, err) = Transformer::Gjson("@this".into()).apply(&Subject::string("{\"arr\""));
        assert_eq!(err.as_deref(), Some("Invalid json"));
        assert_eq!(
            Transformer::Gjson("x".into()).go_syntax(),
            "matchers.Gjson{Path:\"x\"}"
        );
    }
}
