//! The compiled matcher tree and the dispatch from each node to its matcher family.
//!
//! goss's matchers are stateful Go objects: `Match` stores what it saw and
//! `FailureResult` reads it back. Here `run` returns that state as a [`Run`] tree
//! instead, and the result builders read it, so a compiled matcher stays immutable
//! and can be evaluated concurrently.

use warden_value::Value;

use crate::matchers::{
    collections, equal, logic, numeric, patterns, semver, strings, transform, xml,
};
use crate::result::MatcherResult;
use crate::subject::Subject;

pub(crate) use numeric::Comparator;
pub(crate) use strings::StringCheck;
pub(crate) use transform::Transformer;

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Equal(Value),
    Strings(StringCheck, String),
    Numerically(Comparator, Value),
    HaveLen(i64),
    HaveKey(Box<Node>),
    ContainElement(Box<Node>),
    ContainElements(Vec<Node>),
    ConsistOf(Vec<Node>),
    HavePatterns(Value),
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Semver(Value),
    Xml { xpath: String, result: String },
    Transform(Transformer, Box<Node>),
}

/// What one `Match` call found: the verdict, the error gomega would return, and the
/// state the failure results are built from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Run {
    pub(crate) success: bool,
    pub(crate) error: Option<String>,
    pub(crate) detail: Detail,
}

#[derive(Debug, Clone, Default)]
pub(crate) enum Detail {
    /// Nothing recorded: the matcher keeps no state, or it never ran (Go's zero state).
    #[default]
    None,
    Transform(transform::TransformRun),
    /// `and`: the first child that failed; `or`: the first child that passed.
    Child(usize, Box<Run>),
    Not(Box<Run>),
    Elements(collections::ElementsRun),
    Patterns(patterns::PatternsRun),
}

impl Run {
    pub(crate) fn verdict(success: bool) -> Run {
        Run {
            success,
            error: None,
            detail: Detail::None,
        }
    }

    pub(crate) fn error(message: impl Into<String>) -> Run {
        Run {
            success: false,
            error: Some(message.into()),
            detail: Detail::None,
        }
    }

    pub(crate) fn from_result(result: Result<bool, String>) -> Run {
        match result {
            Ok(success) => Run::verdict(success),
            Err(e) => Run::error(e),
        }
    }
}

impl Node {
    pub(crate) fn run(&self, actual: &Subject) -> Run {
        match self {
            Node::Equal(expected) => Run::from_result(equal::matches(expected, actual)),
            Node::Strings(check, expected) => {
                Run::from_result(strings::matches(check, expected, actual))
            }
            Node::Numerically(cmp, expected) => {
                Run::from_result(numeric::matches(*cmp, expected, actual))
            }
            Node::HaveLen(n) => Run::from_result(collections::have_len(*n, actual)),
            Node::HaveKey(key) => Run::from_result(collections::have_key(key, actual)),
            Node::ContainElement(element) => {
                Run::from_result(collections::contain_element(element, actual))
            }
            Node::ContainElements(elements) => collections::contain_elements(elements, actual),
            Node::ConsistOf(elements) => collections::consist_of(elements, actual),
            Node::HavePatterns(elements) => patterns::matches_subject(elements, actual),
            Node::Not(inner) => logic::run_not(inner, actual),
            Node::And(children) => logic::run_and(children, actual),
            Node::Or(children) => logic::run_or(children, actual),
            Node::Semver(constraint) => Run::from_result(semver::matches(constraint, actual)),
            Node::Xml { xpath, result } => Run::from_result(xml::matches(xpath, result, actual)),
            Node::Transform(t, inner) => transform::run(t, inner, actual),
        }
    }

    /// `FailureResult(actual)`, from the state `run` left.
    pub(crate) fn failure_result(&self, run: &Run, actual: &Subject) -> MatcherResult {
        self.result(run, actual, false)
    }

    /// `NegatedFailureResult(actual)`.
    pub(crate) fn negated_failure_result(&self, run: &Run, actual: &Subject) -> MatcherResult {
        self.result(run, actual, true)
    }

    fn result(&self, run: &Run, actual: &Subject, negated: bool) -> MatcherResult {
        let simple =
            |message: &str, expected: Value| plain_result(actual, message, negated, expected);
        match self {
            Node::Equal(expected) => simple("to equal", expected.clone()),
            Node::Strings(check, expected) => {
                simple(check.message(), Value::String(expected.clone()))
            }
            Node::Numerically(cmp, expected) => simple(
                &format!("to be numerically {}", cmp.name()),
                expected.clone(),
            ),
            Node::HaveLen(n) => simple("to have length", Value::Int(*n)),
            Node::HaveKey(key) => simple("to have key matching", key.to_json()),
            Node::ContainElement(element) => {
                simple("to contain element matching", element.to_json())
            }
            Node::ContainElements(elements) => {
                collections::contain_elements_result(elements, run, actual, negated)
            }
            Node::ConsistOf(elements) => {
                collections::consist_of_result(elements, run, actual, negated)
            }
            Node::HavePatterns(elements) => patterns::result(elements, run, actual, negated),
            Node::Not(inner) => logic::not_result(inner, run, actual, negated),
            Node::And(children) => logic::and_result(children, run, actual, negated),
            Node::Or(children) => logic::or_result(children, run, actual, negated),
            Node::Semver(constraint) => simple("to satisfy semver constraint", constraint.clone()),
            Node::Xml { result, .. } => xml::result(result, actual, negated),
            Node::Transform(t, inner) => transform::result(t, inner, run, actual, negated),
        }
    }

    /// The matcher as goss marshals it to JSON (its `MarshalJSON`).
    pub(crate) fn to_json(&self) -> Value {
        let keyed =
            |key: &str, value: Value| Value::Map([(key.to_owned(), value)].into_iter().collect());
        let list = |nodes: &[Node]| Value::List(nodes.iter().map(Node::to_json).collect());
        match self {
            Node::Equal(expected) => expected.clone(),
            Node::Strings(check, expected) => keyed(check.key(), Value::String(expected.clone())),
            Node::Numerically(cmp, expected) => keyed(cmp.name(), expected.clone()),
            Node::HaveLen(n) => keyed("have-len", Value::Int(*n)),
            Node::HaveKey(key) => keyed("have-key", key.to_json()),
            Node::ContainElement(element) => keyed("contain-element", element.to_json()),
            Node::ContainElements(elements) => keyed("contain-elements", list(elements)),
            Node::ConsistOf(elements) => keyed("consist-of", list(elements)),
            Node::HavePatterns(elements) => keyed("have-patterns", elements.clone()),
            Node::Not(inner) => keyed("not", inner.to_json()),
            Node::And(children) => match children.as_slice() {
                [only] => only.to_json(),
                _ => keyed("and", list(children)),
            },
            Node::Or(children) => keyed("or", list(children)),
            Node::Semver(constraint) => keyed("semver-constraint", constraint.clone()),
            Node::Xml { xpath, .. } => keyed("xml", Value::String(xpath.clone())),
            Node::Transform(_, inner) => inner.to_json(),
        }
    }
}

/// The result most matchers report: the actual value, the message (with `not `
/// prepended when negated) and the expectation.
pub(crate) fn plain_result(
    actual: &Subject,
    message: &str,
    negated: bool,
    expected: Value,
) -> MatcherResult {
    MatcherResult {
        actual: actual.to_value(),
        message: if negated {
            format!("not {message}")
        } else {
            message.to_owned()
        },
        expected,
        ..MatcherResult::default()
    }
}
