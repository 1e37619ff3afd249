//! `nagios`: a Nagios plugin status line (`GOSS OK` / `GOSS CRITICAL`, exit 2), with
//! `-o perfdata` performance data and `-o verbose` one line per failure.

use super::Context;
use crate::Rendered;
use crate::humanize::{humanize, seconds, total_duration};
use crate::model::ResultCode;
use crate::options::FormatOption;

pub(crate) fn render(ctx: &Context<'_>) -> Rendered {
    let count = ctx.results().count();
    let failed = ctx.count(ResultCode::Fail);
    let skipped = ctx.count(ResultCode::Skip);
    let duration = seconds(total_duration(&ctx.owned_groups()));
    let state = if failed > 0 { "CRITICAL" } else { "OK" };
    let mut text = format!(
        "GOSS {state} - Count: {count}, Failed: {failed}, Skipped: {skipped}, Duration: {duration}s"
    );
    if ctx.has(FormatOption::Perfdata) {
        text.push_str(&format!(
            "|total={count} failed={failed} skipped={skipped} duration={duration}s"
        ));
    }
    text.push('\n');
    if failed > 0 && ctx.has(FormatOption::Verbose) {
        for (i, r) in ctx
            .results()
            .filter(|r| r.result == ResultCode::Fail)
            .enumerate()
        {
            text.push_str(&format!(
                "Fail {} - {}\n",
                i + 1,
                humanize(r, true, ctx.include_raw(), ctx.color)
            ));
        }
    }
    Rendered {
        text,
        exit_code: if failed > 0 { 2 } else { 0 },
    }
}
