//! goss's matcher language: compile expectations, match actual values, explain failures.
//!
//! An expectation (any YAML value) is compiled once with [`Matcher::compile`] and
//! checked against a probed value with [`evaluate`]. The [`Outcome`] carries goss's
//! [`MatcherResult`] — message, expected and actual values, missing/extra elements,
//! transform chain — from which `warden-report` prints goss's exact failure text.

mod compile;
mod format;
mod gofmt;
mod matchers;
mod node;
mod result;
mod subject;

use std::io::Read;

use warden_value::Value;

pub use compile::{PathSegment, SyntaxError};
pub use result::{GoValue, MATCHER_RESULT_FIELDS, MatcherResult};

use node::{Node, Run};
use subject::Subject;

/// How an attribute's actual value is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActualKind {
    /// A value (bool, number, string, list).
    Value,
    /// A stream (`file.contents`, `command.stdout`, `http.body`, …). As in goss, a
    /// list expectation on a stream is the line-pattern matcher; anything else is
    /// matched against the whole stream read into a string.
    Reader,
}

/// A compiled expectation.
#[derive(Debug, Clone)]
pub struct Matcher {
    expected: Value,
    root: Root,
}

#[derive(Debug, Clone)]
enum Root {
    Tree(Node),
    /// A list expectation on a stream: goss's `HavePatterns` on the raw reader. Its
    /// patterns are only checked when matching, as goss does.
    Patterns(Value),
}

impl Matcher {
    /// Compiles `expected` as goss's `matcherToGomegaMatcher` does.
    pub fn compile(expected: &Value, kind: ActualKind) -> Result<Matcher, SyntaxError> {
        let root = match (kind, expected) {
            (ActualKind::Reader, Value::List(_)) => Root::Patterns(expected.clone()),
            _ => Root::Tree(compile::compile(expected)?),
        };
        Ok(Matcher {
            expected: expected.clone(),
            root,
        })
    }

    /// The raw expectation.
    pub fn expected(&self) -> &Value {
        &self.expected
    }

    /// The matcher as goss marshals it to JSON (e.g. `{"and":[{"eq":42}, …]}`).
    pub fn to_json(&self) -> Value {
        match &self.root {
            Root::Tree(node) => node.to_json(),
            Root::Patterns(elements) => Value::Map(
                [("have-patterns".to_owned(), elements.clone())]
                    .into_iter()
                    .collect(),
            ),
        }
    }
}

/// A probed value.
pub enum Actual {
    Value(Value),
    /// A Go `[]string` (package versions, user groups, port IPs, DNS and interface
    /// addresses, mount options, service runlevels). goss distinguishes it from a
    /// decoded YAML list: `equal: [a, b]` never matches it, and messages name its type.
    StringList(Vec<String>),
    Reader(Box<dyn Read + Send>),
}

impl std::fmt::Debug for Actual {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actual::Value(v) => f.debug_tuple("Value").field(v).finish(),
            Actual::StringList(items) => f.debug_tuple("StringList").field(items).finish(),
            Actual::Reader(_) => f.write_str("Reader(..)"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
}

/// The verdict of one check, as goss records it in a test result.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub matcher_result: MatcherResult,
    /// The error goss reports instead of "Expected …" (a matcher or read error).
    pub err: Option<String>,
}

/// Checks `actual` against `matcher`.
pub fn evaluate(matcher: &Matcher, actual: Actual) -> Outcome {
    let subject = match (actual, &matcher.root) {
        (Actual::Reader(mut reader), Root::Patterns(elements)) => {
            let run = matchers::patterns::matches_reader(elements, reader.as_mut());
            // goss passes the reader itself as the actual value; it marshals as `{}`.
            let reader_value = Subject::Value(Value::Map(Default::default()));
            return outcome_of(
                &Node::HavePatterns(elements.clone()),
                &run,
                &reader_value,
                &matcher.expected,
            );
        }
        (Actual::Reader(mut reader), Root::Tree(_)) => {
            let mut bytes = Vec::new();
            if let Err(e) = reader.read_to_end(&mut bytes) {
                return Outcome {
                    status: Status::Fail,
                    matcher_result: MatcherResult::default(),
                    err: Some(e.to_string()),
                };
            }
            Subject::string(String::from_utf8_lossy(&bytes).into_owned())
        }
        (Actual::Value(v), _) => Subject::Value(v),
        (Actual::StringList(items), _) => Subject::Strings(items),
    };
    match &matcher.root {
        Root::Tree(node) => {
            let run = node.run(&subject);
            outcome_of(node, &run, &subject, &matcher.expected)
        }
        Root::Patterns(elements) => {
            let node = Node::HavePatterns(elements.clone());
            let run = node.run(&subject);
            outcome_of(&node, &run, &subject, &matcher.expected)
        }
    }
}

fn outcome_of(node: &Node, run: &Run, actual: &Subject, expected: &Value) -> Outcome {
    if run.success && run.error.is_none() {
        return Outcome {
            status: Status::Pass,
            matcher_result: success_result(actual, expected),
            err: None,
        };
    }
    Outcome {
        status: Status::Fail,
        matcher_result: node.failure_result(run, actual),
        err: run.error.clone(),
    }
}

/// goss's passing result (`ValidateGomegaValue`): the value as read, untransformed, and
/// the expectation as written; no transform chain.
fn success_result(actual: &Subject, expected: &Value) -> MatcherResult {
    MatcherResult {
        actual: actual.to_value(),
        message: "matches expectation".to_owned(),
        expected: expected.clone(),
        ..MatcherResult::default()
    }
}
