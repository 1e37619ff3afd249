//! Validation results and goss's output formats.
//!
//! [`render`] turns result groups (one per resource) into the exact bytes goss
//! prints for a format, and the exit code goss ends with for it. Durations come from
//! the results' own start and end times, as in goss; `now` is only used where goss
//! reads the clock (the JUnit timestamp, Prometheus's run duration).

mod color;
mod difflib;
mod humanize;
mod json_text;
mod model;
mod options;
mod outputs;
mod timefmt;

use time::OffsetDateTime;

pub use model::{ResourceInfo, ResultCode, ResultGroup, TestResult};
pub use options::{Format, FormatOption, FormatOptions, UnknownFormat};
pub use outputs::prometheus::PrometheusMetrics;

/// A rendered report and the exit code goss gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    /// 0 pass; 1 failure; nagios 2 on failure; structured always 0. The caller
    /// decides 3 (retry timeout) and 78 (load errors).
    pub exit_code: i32,
}

/// Renders `groups` in `format`. `color` is fatih/color's switch (goss forces it off
/// for json and junit itself).
pub fn render(
    format: Format,
    options: &FormatOptions,
    groups: &[ResultGroup],
    now: OffsetDateTime,
    color: bool,
) -> Rendered {
    let mut ordered: Vec<&ResultGroup> = groups.iter().collect();
    if options.has(FormatOption::Sort) && format.valid_options().contains(&FormatOption::Sort) {
        ordered.sort_by_key(|g| g.sort_key());
    }
    let ctx = outputs::Context {
        groups: ordered,
        options,
        color,
        now,
    };
    match format {
        Format::Documentation => outputs::documentation::render(&ctx),
        Format::Json => outputs::json::render(&ctx),
        Format::Junit => outputs::junit::render(&ctx),
        Format::Nagios => outputs::nagios::render(&ctx),
        Format::Prometheus => outputs::prometheus::render(&ctx),
        Format::Rspecish => outputs::rspecish::render(&ctx),
        Format::Silent => outputs::silent::render(&ctx),
        Format::Structured => outputs::structured::render(&ctx),
        Format::Tap => outputs::tap::render(&ctx),
    }
}
