//! The values matchers look at, with the Go type distinctions goss's output depends on.

use warden_value::Value;

/// An actual value as one of goss's matchers receives it.
///
/// `Value` covers everything YAML and JSON decode to (`interface{}` in Go), but probes
/// and the `to-array` transform hand goss a `[]string`, which Go keeps apart from a
/// `[]interface{}`: `reflect.DeepEqual` never equates the two, gomega formats them
/// differently, and some matchers accept only one of them. `Strings` is that `[]string`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Subject {
    Value(Value),
    Strings(Vec<String>),
}

impl Subject {
    pub(crate) fn string(s: impl Into<String>) -> Subject {
        Subject::Value(Value::String(s.into()))
    }

    /// The value as goss's JSON outputs print it (a `[]string` is a JSON array).
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Subject::Value(v) => v.clone(),
            Subject::Strings(items) => Value::from(items.clone()),
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Subject::Value(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// Go's `%T`.
    pub(crate) fn go_type_name(&self) -> &'static str {
        match self {
            Subject::Value(v) => v.go_type_name(),
            Subject::Strings(_) => "[]string",
        }
    }

    /// The elements of an array, slice or map (map values in key order), as gomega's
    /// collection matchers iterate them; `None` for anything else.
    pub(crate) fn elements(&self) -> Option<Vec<Subject>> {
        match self {
            Subject::Value(Value::List(items)) => {
                Some(items.iter().cloned().map(Subject::Value).collect())
            }
            Subject::Value(Value::Map(map)) => {
                Some(map.values().cloned().map(Subject::Value).collect())
            }
            Subject::Strings(items) => {
                Some(items.iter().map(|s| Subject::string(s.clone())).collect())
            }
            Subject::Value(_) => None,
        }
    }
}
