//! `not`, `and`, `or`: goss's logical matchers.

use warden_value::Value;

use crate::node::{Detail, Node, Run, plain_result};
use crate::result::MatcherResult;
use crate::subject::Subject;

pub(crate) fn run_not(inner: &Node, actual: &Subject) -> Run {
    let run = inner.run(actual);
    let success = run.error.is_none() && !run.success;
    Run {
        success,
        error: run.error.clone(),
        detail: Detail::Not(Box::new(run)),
    }
}

/// Stops at the first child that fails or errors.
pub(crate) fn run_and(children: &[Node], actual: &Subject) -> Run {
    for (i, child) in children.iter().enumerate() {
        let run = child.run(actual);
        if !run.success || run.error.is_some() {
            return Run {
                success: false,
                error: run.error.clone(),
                detail: Detail::Child(i, Box::new(run)),
            };
        }
    }
    Run::verdict(true)
}

/// Stops at the first child that passes, or at the first error.
pub(crate) fn run_or(children: &[Node], actual: &Subject) -> Run {
    for (i, child) in children.iter().enumerate() {
        let run = child.run(actual);
        if let Some(e) = run.error {
            return Run::error(e);
        }
        if run.success {
            return Run {
                success: true,
                error: None,
                detail: Detail::Child(i, Box::new(run)),
            };
        }
    }
    Run::verdict(false)
}

/// A `not` reports its inner matcher's opposite result.
pub(crate) fn not_result(
    inner: &Node,
    run: &Run,
    actual: &Subject,
    negated: bool,
) -> MatcherResult {
    let inner_run = match &run.detail {
        Detail::Not(r) => r.as_ref().clone(),
        _ => Run::default(),
    };
    if negated {
        inner.failure_result(&inner_run, actual)
    } else {
        inner.negated_failure_result(&inner_run, actual)
    }
}

fn children_json(children: &[Node]) -> Value {
    Value::List(children.iter().map(Node::to_json).collect())
}

/// A failing `and` reports its first failing child; when no child ran (a transform
/// above it failed) it reports itself, as goss does since #982.
pub(crate) fn and_result(
    children: &[Node],
    run: &Run,
    actual: &Subject,
    negated: bool,
) -> MatcherResult {
    if negated {
        return plain_result(
            actual,
            "not to satisfy all of these matchers",
            false,
            children_json(children),
        );
    }
    match &run.detail {
        Detail::Child(i, child_run) if *i < children.len() => {
            children[*i].failure_result(child_run, actual)
        }
        _ => plain_result(
            actual,
            "to satisfy all of these matchers",
            false,
            children_json(children),
        ),
    }
}

/// A negated `or` reports the child that passed; with none (an error stopped it) it
/// reports itself.
pub(crate) fn or_result(
    children: &[Node],
    run: &Run,
    actual: &Subject,
    negated: bool,
) -> MatcherResult {
    if !negated {
        return plain_result(
            actual,
            "to satisfy at least one of these matchers",
            false,
            children_json(children),
        );
    }
    match &run.detail {
        Detail::Child(i, child_run) if *i < children.len() => {
            children[*i].negated_failure_result(child_run, actual)
        }
        _ => plain_result(
            actual,
            "not to satisfy any of these matchers",
            false,
            children_json(children),
        ),
    }
}
