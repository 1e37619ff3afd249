//! `structured`: goss's library format; results keep the struct's field order,
//! `-o pretty` indents by two spaces, and the exit code is always 0.

use super::Context;
use super::json::nanos;
use crate::Rendered;
use crate::humanize::{humanize, seconds, total_duration};
use crate::json_text::{array, indent, object};
use crate::model::{ResultCode, TestResult};
use crate::options::FormatOption;
use crate::timefmt::rfc3339_nano;
use warden_value::{Value, to_json};

fn string(s: &str) -> String {
    to_json(&Value::String(s.to_owned()))
}

fn result_json(r: &TestResult, include_raw: bool, color: bool) -> String {
    let matcher_fields: Vec<(&str, String)> = r
        .matcher_result
        .fields()
        .iter()
        .map(|(k, v)| (*k, to_json(v)))
        .collect();
    object(&[
        ("successful", r.successful().to_string()),
        ("skipped", r.skipped.to_string()),
        ("resource-id", string(&r.resource_id)),
        ("resource-type", string(&r.resource_type)),
        ("property", string(&r.property)),
        ("title", string(&r.title)),
        (
            "meta",
            r.meta
                .clone()
                .map_or("null".to_owned(), |m| to_json(&Value::Map(m))),
        ),
        ("result", (r.result as u8).to_string()),
        ("err", r.err.as_deref().map_or("null".to_owned(), string)),
        ("matcher-result", object(&matcher_fields)),
        ("start-time", string(&rfc3339_nano(r.start_time))),
        ("end-time", string(&rfc3339_nano(r.end_time))),
        ("duration", to_json(&nanos(r.duration))),
        (
            "summary-line",
            string(&humanize(r, false, include_raw, color)),
        ),
        (
            "summary-line-compact",
            string(&humanize(r, true, include_raw, color)),
        ),
    ])
}

pub(crate) fn render(ctx: &Context<'_>) -> Rendered {
    let results: Vec<String> = ctx
        .results()
        .map(|r| result_json(r, ctx.include_raw(), ctx.color))
        .collect();
    let count = results.len();
    let failed = ctx.count(ResultCode::Fail);
    let duration = total_duration(&ctx.owned_groups());
    let compact = object(&[
        ("results", array(&results)),
        (
            "summary",
            object(&[
                ("test-count", count.to_string()),
                ("failed-count", failed.to_string()),
                ("total-duration", to_json(&nanos(duration))),
            ]),
        ),
        (
            "summary-line",
            string(&format!(
                "Count: {count}, Failed: {failed}, Duration: {}s",
                seconds(duration)
            )),
        ),
    ]);
    let mut text = if ctx.has(FormatOption::Pretty) {
        indent(&compact, "  ")
    } else {
        compact
    };
    text.push('\n');
    Rendered { text, exit_code: 0 }
}
