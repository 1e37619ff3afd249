//! `have-len`, `have-key`, `contain-element`, `contain-elements`, `consist-of` and bare
//! lists: gomega's collection matchers (goss keeps its own copies of the last two).

use warden_value::Value;

use super::bipartite::BipartiteGraph;
use crate::format::object;
use crate::node::{Detail, Node, Run, plain_result};
use crate::result::MatcherResult;
use crate::subject::Subject;

/// What a `contain-elements` or `consist-of` run left unmatched; `None` is Go's nil.
#[derive(Debug, Clone, Default)]
pub(crate) struct ElementsRun {
    /// Indices of the expected matchers no actual element satisfied.
    missing: Option<Vec<usize>>,
    /// Actual elements no expected matcher took.
    extra: Option<Vec<Subject>>,
}

pub(crate) fn have_len(expected: i64, actual: &Subject) -> Result<bool, String> {
    let len = match actual {
        Subject::Value(Value::String(s)) => s.len(),
        Subject::Value(Value::List(items)) => items.len(),
        Subject::Value(Value::Map(map)) => map.len(),
        Subject::Strings(items) => items.len(),
        other => {
            return Err(format!(
                "HaveLen matcher expects a string/array/map/channel/slice/iterator.  Got:\n{}",
                object(other, 1)
            ));
        }
    };
    Ok(i64::try_from(len).is_ok_and(|len| len == expected))
}

pub(crate) fn have_key(key: &Node, actual: &Subject) -> Result<bool, String> {
    let Subject::Value(Value::Map(map)) = actual else {
        return Err(format!(
            "HaveKey matcher expects a map/iterator.  Got:{}",
            object(actual, 1)
        ));
    };
    for k in map.keys() {
        let run = key.run(&Subject::string(k.clone()));
        if let Some(e) = run.error {
            return Err(format!("HaveKey's key matcher failed with:\n    {e}"));
        }
        if run.success {
            return Ok(true);
        }
    }
    Ok(false)
}

pub(crate) fn contain_element(element: &Node, actual: &Subject) -> Result<bool, String> {
    let Some(values) = actual.elements() else {
        return Err(format!(
            "ContainElement matcher expects an array/slice/map/iterator.  Got:\n{}",
            object(actual, 1)
        ));
    };
    let mut last_error = None;
    for value in &values {
        let run = element.run(value);
        if let Some(e) = run.error {
            last_error = Some(e);
            continue;
        }
        if run.success {
            return Ok(true);
        }
    }
    last_error.map_or(Ok(false), Err)
}

/// Pairs actual elements (left) with matchers (right); a matcher that errors on a
/// value simply does not match it.
fn pair(values: &[Subject], matchers: &[Node]) -> super::bipartite::FreeNodes {
    let graph = BipartiteGraph::new(values.len(), matchers.len(), |i, j| {
        let run = matchers[j].run(&values[i]);
        run.success && run.error.is_none()
    });
    graph.largest_matching()
}

fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    if items.is_empty() { None } else { Some(items) }
}

pub(crate) fn contain_elements(matchers: &[Node], actual: &Subject) -> Run {
    let Some(values) = actual.elements() else {
        return Run::error(format!(
            "ContainElements matcher expects an array/slice/map.  Got:\n{}",
            object(actual, 1)
        ));
    };
    let free = pair(&values, matchers);
    if free.matched == matchers.len() {
        return Run::verdict(true);
    }
    Run {
        success: false,
        error: None,
        detail: Detail::Elements(ElementsRun {
            missing: non_empty(free.right),
            extra: None,
        }),
    }
}

pub(crate) fn consist_of(matchers: &[Node], actual: &Subject) -> Run {
    let Some(values) = actual.elements() else {
        return Run::error(format!(
            "ConsistOf matcher expects an array/slice/map.  Got:\n{}",
            object(actual, 1)
        ));
    };
    let free = pair(&values, matchers);
    if free.matched == values.len() && free.matched == matchers.len() {
        return Run::verdict(true);
    }
    let extra = non_empty(free.left.iter().map(|&i| values[i].clone()).collect());
    Run {
        success: false,
        error: None,
        detail: Detail::Elements(ElementsRun {
            missing: non_empty(free.right),
            extra,
        }),
    }
}

fn elements_run(run: &Run) -> ElementsRun {
    match &run.detail {
        Detail::Elements(e) => e.clone(),
        _ => ElementsRun::default(),
    }
}

fn matchers_json(matchers: &[Node]) -> Value {
    Value::List(matchers.iter().map(Node::to_json).collect())
}

fn picked_json(matchers: &[Node], indices: &[usize]) -> Value {
    Value::List(
        indices
            .iter()
            .filter_map(|&i| matchers.get(i))
            .map(Node::to_json)
            .collect(),
    )
}

pub(crate) fn contain_elements_result(
    matchers: &[Node],
    run: &Run,
    actual: &Subject,
    negated: bool,
) -> MatcherResult {
    let mut result = plain_result(
        actual,
        "to contain elements matching",
        negated,
        matchers_json(matchers),
    );
    if negated {
        return result;
    }
    let state = elements_run(run);
    let missing = state.missing.unwrap_or_default();
    // goss reports the expected elements that were not missing as found.
    let found: Vec<usize> = (0..matchers.len())
        .filter(|i| !missing.contains(i))
        .collect();
    result.found_elements = Some(picked_json(matchers, &found));
    result.missing_elements = non_empty(missing).map(|m| picked_json(matchers, &m));
    result
}

pub(crate) fn consist_of_result(
    matchers: &[Node],
    run: &Run,
    actual: &Subject,
    negated: bool,
) -> MatcherResult {
    let mut result = plain_result(actual, "to consist of", negated, matchers_json(matchers));
    if negated {
        return result;
    }
    let state = elements_run(run);
    result.missing_elements = state.missing.map(|m| picked_json(matchers, &m));
    result.extra_elements = state
        .extra
        .map(|extra| Value::List(extra.iter().map(Subject::to_value).collect()));
    result
}
