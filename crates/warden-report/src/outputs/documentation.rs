//! `documentation`: every result on its own line, grouped under resource headers,
//! then failures and a summary.

use super::{Context, fail_exit_code};
use crate::Rendered;
use crate::humanize::{
    failed_or_skipped, failed_or_skipped_summary, header, humanize, summary, total_duration,
};
use crate::model::ResultCode;

pub(crate) fn render(ctx: &Context<'_>) -> Rendered {
    let mut text = String::new();
    for group in &ctx.groups {
        if let Some(first) = group.results.first() {
            text.push_str(&header(first));
        }
        for r in &group.results {
            if r.result != ResultCode::Unknown {
                text.push_str(&humanize(r, false, ctx.include_raw(), ctx.color));
                text.push('\n');
            }
        }
    }
    let groups = ctx.owned_groups();
    text.push_str("\n\n");
    text.push_str(&failed_or_skipped_summary(
        &failed_or_skipped(&groups),
        ctx.include_raw(),
        ctx.color,
    ));
    text.push_str(&summary(
        total_duration(&groups),
        ctx.results().count(),
        ctx.count(ResultCode::Fail),
        ctx.count(ResultCode::Skip),
        ctx.color,
    ));
    Rendered {
        text,
        exit_code: fail_exit_code(ctx),
    }
}
