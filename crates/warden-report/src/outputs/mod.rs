//! One module per goss output format.

pub(crate) mod documentation;
pub(crate) mod json;
pub(crate) mod junit;
pub(crate) mod nagios;
pub(crate) mod prometheus;
pub(crate) mod rspecish;
pub(crate) mod silent;
pub(crate) mod structured;
pub(crate) mod tap;

use time::OffsetDateTime;

use crate::model::{ResultCode, ResultGroup, TestResult};
use crate::options::{FormatOption, FormatOptions};

/// What every format is rendered from.
pub(crate) struct Context<'a> {
    /// In output order (sorted by `Type:id` when the format honours `sort`).
    pub(crate) groups: Vec<&'a ResultGroup>,
    pub(crate) options: &'a FormatOptions,
    pub(crate) color: bool,
    pub(crate) now: OffsetDateTime,
}

impl Context<'_> {
    pub(crate) fn results(&self) -> impl Iterator<Item = &TestResult> {
        self.groups.iter().flat_map(|g| g.results.iter())
    }

    pub(crate) fn has(&self, option: FormatOption) -> bool {
        self.options.has(option)
    }

    /// goss prints "the raw value was" unless `-o exclude_raw`.
    pub(crate) fn include_raw(&self) -> bool {
        !self.has(FormatOption::ExcludeRaw)
    }

    pub(crate) fn owned_groups(&self) -> Vec<ResultGroup> {
        self.groups.iter().map(|g| (*g).clone()).collect()
    }

    pub(crate) fn count(&self, code: ResultCode) -> usize {
        self.results().filter(|r| r.result == code).count()
    }
}

/// 1 when anything failed, else 0: the exit code of most formats.
pub(crate) fn fail_exit_code(ctx: &Context<'_>) -> i32 {
    i32::from(ctx.count(ResultCode::Fail) > 0)
}
