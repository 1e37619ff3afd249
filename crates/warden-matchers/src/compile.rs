//! From a YAML expectation to a matcher tree: goss's `matcherToGomegaMatcher`.

use std::fmt;

use warden_value::Value;

use crate::gofmt::{percent_q, percent_q_strings};
use crate::node::{Comparator, Node, StringCheck, Transformer};

/// A matcher that goss would reject with `Syntax Error: …` (reported as a FAIL when
/// the check runs). `Display` is goss's exact text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    message: String,
    path: Vec<PathSegment>,
}

/// One step into the expected value: a matcher key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

impl SyntaxError {
    fn new(message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            message: message.into(),
            path: Vec::new(),
        }
    }

    /// The message goss prints.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The location as text, e.g. `and[2].have-len`; empty at the top level.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for segment in &self.path {
            match segment {
                PathSegment::Key(k) if out.is_empty() => out.push_str(k),
                PathSegment::Key(k) => {
                    out.push('.');
                    out.push_str(k);
                }
                PathSegment::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    fn within(mut self, segment: PathSegment) -> SyntaxError {
        self.path.insert(0, segment);
        self
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SyntaxError {}

/// `Syntax Error: Invalid '<name>' argument. Expected <what> value, but received: %T: %q`.
fn invalid_argument(name: &str, expected: &str, value: &Value) -> SyntaxError {
    SyntaxError::new(format!(
        "Syntax Error: Invalid '{name}' argument. Expected {expected} value, but received: {}: {}",
        value.go_type_name(),
        percent_q(value)
    ))
}

pub(crate) fn compile(expected: &Value) -> Result<Node, SyntaxError> {
    match expected {
        Value::String(_) => Ok(to_string_then(Node::Equal(expected.clone()))),
        Value::Int(_) | Value::Float(_) => Ok(Node::Transform(
            Transformer::ToNumeric,
            Box::new(Node::Numerically(Comparator::Eq, expected.clone())),
        )),
        Value::Bool(_) => Ok(Node::Equal(expected.clone())),
        Value::List(items) => Ok(Node::ContainElements(compile_each(items)?)),
        Value::Null => Err(SyntaxError::new("Syntax Error: Missing required attribute")),
        Value::Map(map) => {
            let mut entries = map.iter();
            let (key, value) = match (entries.next(), entries.next()) {
                (Some(entry), None) => entry,
                (None, _) => {
                    return Err(SyntaxError::new(
                        "Syntax Error: Invalid matcher configuration. An empty map asserts nothing, exactly one matcher is required",
                    ));
                }
                (Some(_), Some(_)) => {
                    let keys: Vec<String> = map.keys().cloned().collect();
                    return Err(SyntaxError::new(format!(
                        "Syntax Error: Invalid matcher configuration. At a given nesting level, only one matcher is allowed. Found multiple matchers: {}",
                        percent_q_strings(&keys)
                    )));
                }
            };
            compile_keyed(key, value).map_err(|e| e.within(PathSegment::Key(key.clone())))
        }
    }
}

fn compile_each(items: &[Value]) -> Result<Vec<Node>, SyntaxError> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| compile(item).map_err(|e| e.within(PathSegment::Index(i))))
        .collect()
}

/// `sliceToGomega`: the argument must be a list of matchers.
fn compile_list(name: &str, value: &Value) -> Result<Vec<Node>, SyntaxError> {
    match value {
        Value::List(items) => compile_each(items),
        other => Err(invalid_argument(name, "array", other)),
    }
}

fn string_argument<'a>(name: &str, value: &'a Value) -> Result<&'a str, SyntaxError> {
    value
        .as_str()
        .ok_or_else(|| invalid_argument(name, "string", value))
}

fn to_string_then(node: Node) -> Node {
    Node::Transform(Transformer::ToString, Box::new(node))
}

fn compile_keyed(key: &str, value: &Value) -> Result<Node, SyntaxError> {
    let nested = |v: &Value| compile(v);
    match key {
        "equal" => Ok(Node::Equal(value.clone())),
        "have-prefix" => Ok(to_string_then(Node::Strings(
            StringCheck::Prefix,
            string_argument(key, value)?.to_owned(),
        ))),
        "have-suffix" => Ok(to_string_then(Node::Strings(
            StringCheck::Suffix,
            string_argument(key, value)?.to_owned(),
        ))),
        "contain-substring" => Ok(to_string_then(Node::Strings(
            StringCheck::Substring,
            string_argument(key, value)?.to_owned(),
        ))),
        "match-regexp" => {
            let pattern = string_argument(key, value)?;
            Ok(to_string_then(Node::Strings(
                StringCheck::regexp(pattern),
                pattern.to_owned(),
            )))
        }
        "have-len" => match value {
            Value::Int(n) => Ok(Node::HaveLen(*n)),
            // goss truncates a float length (JSON numbers are floats).
            Value::Float(x) => Ok(Node::HaveLen(*x as i64)),
            other => Err(invalid_argument(key, "numeric", other)),
        },
        "have-patterns" => match value {
            Value::List(_) => Ok(to_string_then(Node::HavePatterns(value.clone()))),
            other => Err(invalid_argument(key, "array", other)),
        },
        "have-key" => Ok(Node::HaveKey(Box::new(nested(value)?))),
        "contain-element" => match value {
            Value::Map(_) | Value::String(_) | Value::Int(_) | Value::Float(_) => {
                Ok(Node::Transform(
                    Transformer::ToArray,
                    Box::new(Node::ContainElement(Box::new(nested(value)?))),
                ))
            }
            other => Err(invalid_argument(key, "matcher, string or numeric", other)),
        },
        // goss names this argument "contains-elements" in its error message.
        "contain-elements" => Ok(Node::Transform(
            Transformer::ToArray,
            Box::new(Node::ContainElements(compile_list(
                "contains-elements",
                value,
            )?)),
        )),
        "not" => Ok(Node::Not(Box::new(nested(value)?))),
        "consist-of" => Ok(Node::ConsistOf(compile_list(key, value)?)),
        "and" => Ok(Node::And(compile_list(key, value)?)),
        "or" => Ok(Node::Or(compile_list(key, value)?)),
        "gt" | "ge" | "lt" | "le" => match Comparator::from_key(key) {
            Some(cmp) => Ok(Node::Transform(
                Transformer::ToNumeric,
                Box::new(Node::Numerically(cmp, value.clone())),
            )),
            None => Err(SyntaxError::new(format!(
                "Syntax Error: Unknown matcher: {key}"
            ))),
        },
        "semver-constraint" => {
            string_argument(key, value)?;
            Ok(Node::Semver(value.clone()))
        }
        "gjson" => {
            let Value::Map(paths) = value else {
                return Err(invalid_argument(key, "map", value));
            };
            // Go ranges over the map in random order; Warden uses key order.
            let checks = paths
                .iter()
                .map(|(path, expected)| {
                    compile(expected)
                        .map(|node| {
                            Node::Transform(Transformer::Gjson(path.clone()), Box::new(node))
                        })
                        .map_err(|e| e.within(PathSegment::Key(path.clone())))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Node::And(checks))
        }
        "xml" => {
            let Value::Map(fields) = value else {
                return Err(invalid_argument(key, "map", value));
            };
            let field = |name: &str| match fields.get(name) {
                None => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(other) => Err(invalid_argument(key, "string", other)
                    .within(PathSegment::Key(name.to_owned()))),
            };
            Ok(Node::Xml {
                xpath: field("xpath")?,
                result: field("result")?,
            })
        }
        _ => Err(SyntaxError::new(format!(
            "Syntax Error: Unknown matcher: {key}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(src: &str) -> Value {
        warden_value::parse(src, warden_value::Format::Yaml)
            .unwrap()
            .to_value()
    }

    fn error(src: &str) -> SyntaxError {
        compile(&yaml(src)).unwrap_err()
    }

    #[test]
    fn syntax_errors_read_like_goss() {
        assert_eq!(
            error("~").to_string(),
            "Syntax Error: Missing required attribute"
        );
        assert_eq!(
            error("{foo: 1}").to_string(),
            "Syntax Error: Unknown matcher: foo"
        );
        assert_eq!(
            error("{gt: 1, lt: 2}").to_string(),
            r#"Syntax Error: Invalid matcher configuration. At a given nesting level, only one matcher is allowed. Found multiple matchers: ["gt" "lt"]"#
        );
        assert_eq!(
            error("{have-prefix: 1}").to_string(),
            "Syntax Error: Invalid 'have-prefix' argument. Expected string value, but received: int: '\\x01'"
        );
        assert_eq!(
            error("{have-len: abc}").to_string(),
            r#"Syntax Error: Invalid 'have-len' argument. Expected numeric value, but received: string: "abc""#
        );
        assert_eq!(
            error("{and: {gt: 50, lt: 100}}").to_string(),
            r#"Syntax Error: Invalid 'and' argument. Expected array value, but received: map[string]interface {}: map["gt":'2' "lt":'d']"#
        );
        assert_eq!(
            error("{contain-elements: foo}").to_string(),
            r#"Syntax Error: Invalid 'contains-elements' argument. Expected array value, but received: string: "foo""#
        );
        assert_eq!(
            error("{contain-element: [a]}").to_string(),
            r#"Syntax Error: Invalid 'contain-element' argument. Expected matcher, string or numeric value, but received: []interface {}: ["a"]"#
        );
        assert_eq!(
            error("{}").to_string(),
            "Syntax Error: Invalid matcher configuration. An empty map asserts nothing, exactly one matcher is required"
        );
    }

    #[test]
    fn errors_carry_their_path() {
        let e = error("{and: [1, {not: {have-len: x}}, 3]}");
        assert_eq!(e.path(), "and[1].not.have-len");
        let e = error("{gjson: {a.b: {foo: 1}}}");
        assert_eq!(e.path(), "gjson.a.b.foo");
        assert_eq!(error("[1, {bad: 2}]").path(), "[1].bad");
    }

    #[test]
    fn matcher_json_is_goss_marshal_json() {
        let node = compile(&yaml(
            "{and: [42, {not: {have-prefix: x}}, [a, b], {contain-element: {gt: 1}}]}",
        ))
        .unwrap();
        assert_eq!(
            warden_value::to_json(&node.to_json()),
            r#"{"and":[{"eq":42},{"not":{"have-prefix":"x"}},{"contain-elements":["a","b"]},{"contain-element":{"gt":1}}]}"#
        );
        let single = compile(&yaml("{and: [foo]}")).unwrap();
        assert_eq!(warden_value::to_json(&single.to_json()), r#""foo""#);
    }
}
