//! `json`: results and summary as one JSON document (keys sorted; `-o pretty`
//! indents by four spaces).

use std::collections::BTreeMap;
use std::time::Duration;

use warden_value::Value;

use super::{Context, fail_exit_code};
use crate::Rendered;
use crate::humanize::{humanize, seconds, total_duration};
use crate::model::{ResultCode, TestResult};
use crate::options::FormatOption;
use crate::timefmt::rfc3339_nano;

/// Nanoseconds, as Go marshals a `time.Duration`.
pub(crate) fn nanos(d: Duration) -> Value {
    Value::Int(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// goss builds each result by marshalling the struct and decoding it into a map, so
/// every number in it comes back as a float64.
fn as_decoded(value: Value) -> Value {
    match value {
        Value::Int(i) => Value::Float(i as f64),
        Value::List(items) => Value::List(items.into_iter().map(as_decoded).collect()),
        Value::Map(map) => Value::Map(map.into_iter().map(|(k, v)| (k, as_decoded(v))).collect()),
        other => other,
    }
}

fn result_value(r: &TestResult, include_raw: bool) -> Value {
    let text = |s: &str| Value::String(s.to_owned());
    let mut m = BTreeMap::new();
    m.insert("duration".to_owned(), nanos(r.duration));
    m.insert(
        "end-time".to_owned(),
        Value::String(rfc3339_nano(r.end_time)),
    );
    m.insert("err".to_owned(), r.err.as_deref().map_or(Value::Null, text));
    m.insert(
        "matcher-result".to_owned(),
        as_decoded(r.matcher_result.to_value()),
    );
    m.insert(
        "meta".to_owned(),
        r.meta
            .clone()
            .map_or(Value::Null, |meta| as_decoded(Value::Map(meta))),
    );
    m.insert("property".to_owned(), text(&r.property));
    m.insert("resource-id".to_owned(), text(&r.resource_id));
    m.insert("resource-type".to_owned(), text(&r.resource_type));
    m.insert("result".to_owned(), Value::Float(f64::from(r.result as u8)));
    m.insert("skipped".to_owned(), Value::Bool(r.skipped));
    m.insert(
        "start-time".to_owned(),
        Value::String(rfc3339_nano(r.start_time)),
    );
    m.insert("successful".to_owned(), Value::Bool(r.successful()));
    m.insert(
        "summary-line".to_owned(),
        Value::String(humanize(r, false, include_raw, false)),
    );
    m.insert(
        "summary-line-compact".to_owned(),
        Value::String(humanize(r, true, include_raw, false)),
    );
    m.insert("title".to_owned(), text(&r.title));
    Value::Map(m)
}

pub(crate) fn render(ctx: &Context<'_>) -> Rendered {
    let results: Vec<Value> = ctx
        .results()
        .map(|r| result_value(r, ctx.include_raw()))
        .collect();
    let count = results.len();
    let failed = ctx.count(ResultCode::Fail);
    let skipped = ctx.results().filter(|r| r.skipped).count();
    let duration = total_duration(&ctx.owned_groups());
    let summary: BTreeMap<String, Value> = [
        ("failed-count", Value::from(failed as i64)),
        ("skipped-count", Value::from(skipped as i64)),
        (
            "summary-line",
            Value::String(format!(
                "Count: {count}, Failed: {failed}, Skipped: {skipped}, Duration: {}s",
                seconds(duration)
            )),
        ),
        ("test-count", Value::from(count as i64)),
        ("total-duration", nanos(duration)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let document = Value::Map(
        [
            (
                "results".to_owned(),
                if results.is_empty() {
                    Value::Null
                } else {
                    Value::List(results)
                },
            ),
            ("summary".to_owned(), Value::Map(summary)),
        ]
        .into(),
    );
    let mut text = if ctx.has(FormatOption::Pretty) {
        warden_value::to_json_pretty(&document, "    ")
    } else {
        warden_value::to_json(&document)
    };
    text.push('\n');
    Rendered {
        text,
        exit_code: fail_exit_code(ctx),
    }
}
