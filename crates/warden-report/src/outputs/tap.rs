//! `tap`: Test Anything Protocol, one compact line per result.

use super::{Context, fail_exit_code};
use crate::Rendered;
use crate::humanize::humanize;
use crate::model::ResultCode;

pub(crate) fn render(ctx: &Context<'_>) -> Rendered {
    let mut text = format!("1..{}\n", ctx.results().count());
    for (i, r) in ctx.results().enumerate() {
        let line = humanize(r, true, ctx.include_raw(), ctx.color);
        let n = i + 1;
        let entry = match r.result {
            ResultCode::Fail => format!("not ok {n} - {line}\n"),
            ResultCode::Skip => format!("ok {n} - # SKIP {line}\n"),
            ResultCode::Success | ResultCode::Unknown => format!("ok {n} - {line}\n"),
        };
        text.push_str(&entry);
    }
    Rendered {
        text,
        exit_code: fail_exit_code(ctx),
    }
}
