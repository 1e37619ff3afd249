//! `rspecish` (the default): a character per result, then failures and a summary.

use super::{Context, fail_exit_code};
use crate::Rendered;
use crate::color::{Color, paint};
use crate::humanize::{failed_or_skipped, failed_or_skipped_summary, summary, total_duration};
use crate::model::ResultCode;

pub(crate) fn render(ctx: &Context<'_>) -> Rendered {
    let mut text = String::new();
    for r in ctx.results() {
        let (mark, color) = match r.result {
            ResultCode::Success => (".", Color::Green),
            ResultCode::Skip => ("S", Color::Yellow),
            ResultCode::Fail => ("F", Color::Red),
            // goss prints nothing for an unknown result.
            ResultCode::Unknown => continue,
        };
        text.push_str(&paint(color, mark, ctx.color));
    }
    let groups = ctx.owned_groups();
    text.push_str("\n\n");
    text.push_str(&failed_or_skipped_summary(
        &failed_or_skipped(&groups),
        ctx.include_raw(),
        ctx.color,
    ));
    let count = ctx.results().count();
    text.push_str(&summary(
        total_duration(&groups),
        count,
        ctx.count(ResultCode::Fail),
        ctx.count(ResultCode::Skip),
        ctx.color,
    ));
    Rendered {
        text,
        exit_code: fail_exit_code(ctx),
    }
}
