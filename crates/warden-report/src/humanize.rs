//! goss's human-readable pieces shared by the formats: one line (or block) per result,
//! the per-resource header, the failures block and the summary.

use std::time::Duration;

use warden_value::Value;

use crate::color::{Color, paint};
use crate::difflib::unified_diff;
use crate::model::{ResultCode, ResultGroup, TestResult};

/// goss's `humanizeResult`: `Type: id: property: …` for a pass, skip or failure;
/// `compact` puts a failure on one line.
pub(crate) fn humanize(r: &TestResult, compact: bool, include_raw: bool, color: bool) -> String {
    let head = format!("{}: {}: {}", r.resource_type, r.resource_id, r.property);
    match r.result {
        ResultCode::Success => paint(
            Color::Green,
            &format!(
                "{head}: {}: {}",
                r.matcher_result.message,
                pretty_print(&r.matcher_result.expected, false)
            ),
            color,
        ),
        ResultCode::Fail => {
            let sep = if compact { " " } else { "\n" };
            paint(
                Color::Red,
                &format!("{head}:{sep}{}", describe_failure(r, compact, include_raw)),
                color,
            )
        }
        ResultCode::Skip => paint(Color::Yellow, &format!("{head}: skipped"), color),
        // goss panics on an unknown result code; Warden prints it instead.
        ResultCode::Unknown => paint(Color::Yellow, &format!("{head}: unknown"), color),
    }
}

/// goss's `prettyPrintTestResult`.
fn describe_failure(r: &TestResult, compact: bool, include_raw: bool) -> String {
    let m = &r.matcher_result;
    let indent = !compact;
    let mut parts: Vec<String> = Vec::new();
    if let Some(err) = &r.err {
        parts.push("Error".to_owned());
        parts.push(if compact {
            collapse_whitespace(err)
        } else {
            indent_lines(err)
        });
    } else {
        parts.push("Expected".to_owned());
        parts.push(pretty_print(&m.actual, indent));
        parts.push(m.message.clone());
        parts.push(pretty_print(&m.expected, indent));
        if let (false, Value::String(actual), Value::String(expected)) =
            (compact, &m.actual, &m.expected)
        {
            let diff = unified_diff(expected, actual);
            if !diff.is_empty() {
                parts.push("diff".to_owned());
                parts.push(indent_lines(&diff));
            }
        }
    }
    if let Some(missing) = &m.missing_elements {
        parts.push("the missing elements were".to_owned());
        parts.push(pretty_print(missing, indent));
    }
    if let Some(extra) = &m.extra_elements {
        parts.push("the extra elements were".to_owned());
        parts.push(pretty_print(extra, indent));
    }
    if !m.transform_chain.is_empty() {
        parts.push("the transform chain was".to_owned());
        parts.push(pretty_print(
            &Value::List(m.transform_chain.clone()),
            indent,
        ));
        if include_raw {
            parts.push("the raw value was".to_owned());
            parts.push(pretty_print(&m.untransformed_value, indent));
        }
    }
    parts.join(if compact { " " } else { "\n" })
}

/// Go's `\s+` → `" "` (ASCII whitespace only).
fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_space = false;
    for c in s.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{c}') {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

/// goss's `prettyPrint`: JSON without HTML escaping (falling back to `%v` when JSON
/// cannot hold the value, as for NaN), trailing whitespace dropped, optionally indented.
pub(crate) fn pretty_print(value: &Value, indent: bool) -> String {
    let text = if has_non_finite(value) {
        value.to_string()
    } else {
        warden_value::to_json_unescaped_html(value)
    };
    let text = text.trim_end();
    if indent {
        indent_lines(text)
    } else {
        text.to_owned()
    }
}

fn has_non_finite(value: &Value) -> bool {
    match value {
        Value::Float(x) => !x.is_finite(),
        Value::List(items) => items.iter().any(has_non_finite),
        Value::Map(map) => map.values().any(has_non_finite),
        _ => false,
    }
}

/// Every line prefixed with four spaces (trailing newlines dropped first).
pub(crate) fn indent_lines(text: &str) -> String {
    text.trim_end_matches('\n')
        .split('\n')
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `Title:` and `Meta:` lines for a resource that has them.
pub(crate) fn header(r: &TestResult) -> String {
    let mut out = String::new();
    if !r.title.is_empty() {
        out.push_str(&format!("Title: {}\n", r.title));
    }
    if let Some(meta) = &r.meta {
        out.push_str("Meta:\n");
        for (k, v) in meta {
            out.push_str(&format!("    {k}: {v}\n"));
        }
    }
    out
}

/// `%.3f` seconds.
pub(crate) fn seconds(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

pub(crate) fn summary(
    duration: Duration,
    count: usize,
    failed: usize,
    skipped: usize,
    color: bool,
) -> String {
    let counts = format!("Count: {count}, Failed: {failed}, Skipped: {skipped}\n");
    let tint = if failed > 0 { Color::Red } else { Color::Green };
    format!(
        "Total Duration: {}s\n{}",
        seconds(duration),
        paint(tint, &counts, color)
    )
}

/// The `Failures/Skipped:` block: each resource with a failed or skipped check, its
/// header, those checks, and a blank line.
pub(crate) fn failed_or_skipped_summary(
    groups: &[Vec<&TestResult>],
    include_raw: bool,
    color: bool,
) -> String {
    if groups.is_empty() {
        return String::new();
    }
    let mut out = String::from("Failures/Skipped:\n\n");
    for group in groups {
        if let Some(first) = group.first() {
            out.push_str(&header(first));
        }
        for r in group {
            out.push_str(&humanize(r, false, include_raw, color));
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// The failed and skipped results of each group, leaving out groups with none.
pub(crate) fn failed_or_skipped(groups: &[ResultGroup]) -> Vec<Vec<&TestResult>> {
    groups
        .iter()
        .map(|g| {
            g.results
                .iter()
                .filter(|r| matches!(r.result, ResultCode::Fail | ResultCode::Skip))
                .collect::<Vec<_>>()
        })
        .filter(|g| !g.is_empty())
        .collect()
}

/// The span from the earliest start to the latest end, as goss's formats report it.
pub(crate) fn total_duration(groups: &[ResultGroup]) -> Duration {
    let results = || groups.iter().flat_map(|g| g.results.iter());
    let start = results().map(|r| r.start_time).min();
    let end = results().map(|r| r.end_time).max();
    match (start, end) {
        (Some(s), Some(e)) => (e - s).try_into().unwrap_or(Duration::ZERO),
        _ => Duration::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_print_does_not_escape_html_and_indents() {
        let v = Value::List(vec![Value::from("<a>"), Value::Int(1)]);
        assert_eq!(pretty_print(&v, false), r#"["<a>",1]"#);
        assert_eq!(pretty_print(&v, true), r#"    ["<a>",1]"#);
        assert_eq!(pretty_print(&Value::Float(f64::NAN), false), "NaN");
    }

    #[test]
    fn whitespace_runs_collapse() {
        assert_eq!(collapse_whitespace("a  b\n    c\n    "), "a b c ");
    }
}
