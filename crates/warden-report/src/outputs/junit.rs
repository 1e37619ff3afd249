//! `junit`: a JUnit XML test suite, one test case per result (colour always off).

use super::{Context, fail_exit_code};
use crate::Rendered;
use crate::humanize::{humanize, seconds, total_duration};
use crate::model::ResultCode;
use crate::options::FormatOption;
use crate::timefmt::rfc3339;

/// Go's `xml.EscapeText`.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{fffd}'),
        }
    }
    out
}

fn is_xml_char(c: char) -> bool {
    matches!(c as u32, 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

pub(crate) fn render(ctx: &Context<'_>) -> Rendered {
    // junit leaves the raw value out unless asked for it.
    let include_raw = ctx.has(FormatOption::IncludeRaw);
    let mut cases = String::new();
    for r in ctx.results() {
        let name = if r.title.is_empty() {
            format!(
                "{} {} {}",
                r.resource_type,
                escape(&r.resource_id),
                r.property
            )
        } else {
            escape(&r.title)
        };
        cases.push_str(&format!(
            "<testcase name=\"{name}\" time=\"{}\">\n",
            seconds(r.duration)
        ));
        let line = escape(&humanize(r, true, include_raw, false));
        if r.result == ResultCode::Fail {
            cases.push_str(&format!(
                "<system-err>{line}</system-err>\n<failure>{line}</failure>\n</testcase>\n"
            ));
        } else {
            if r.result == ResultCode::Skip {
                cases.push_str("<skipped/>");
            }
            cases.push_str(&format!("<system-out>{line}</system-out>\n</testcase>\n"));
        }
    }
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"goss\" errors=\"0\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{}\" timestamp=\"{}\">\n{cases}</testsuite>\n",
        ctx.results().count(),
        ctx.count(ResultCode::Fail),
        ctx.count(ResultCode::Skip),
        seconds(total_duration(&ctx.owned_groups())),
        rfc3339(ctx.now),
    );
    Rendered {
        text,
        exit_code: fail_exit_code(ctx),
    }
}
