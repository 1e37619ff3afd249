//! `prometheus`: goss's test metrics in the Prometheus text exposition format.
//!
//! goss keeps its counters in a process-wide registry, so under `serve` they
//! accumulate across requests; [`PrometheusMetrics`] is that registry. Label sets are
//! fixed when it is created (`-o verbose` adds `resource_id`), as goss fixes them on
//! first use.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use warden_value::Value;

use super::Context;
use crate::Rendered;
use crate::model::{ResultCode, ResultGroup};
use crate::options::FormatOption;

/// A counter family: label values (in label-name order) to the counter's value.
type Counters = BTreeMap<Vec<String>, f64>;

/// goss's private Prometheus registry.
#[derive(Debug, Clone, Default)]
pub struct PrometheusMetrics {
    verbose: bool,
    test_outcomes: Counters,
    test_durations: Counters,
    run_outcomes: Counters,
    run_durations: Counters,
}

/// Whether a run that so far has outcome `current` takes `result` as its outcome:
/// skip yields to anything, fail to nothing, pass only to fail or unknown, and
/// unknown only to fail.
fn can_change_overall_outcome(current: ResultCode, result: ResultCode) -> bool {
    match current {
        ResultCode::Skip => true,
        ResultCode::Fail => false,
        ResultCode::Success => result != ResultCode::Skip,
        ResultCode::Unknown => result == ResultCode::Fail,
    }
}

impl PrometheusMetrics {
    /// An empty registry; `verbose` adds the `resource_id` label to per-test metrics.
    pub fn new(verbose: bool) -> PrometheusMetrics {
        PrometheusMetrics {
            verbose,
            ..PrometheusMetrics::default()
        }
    }

    /// Counts one run's results; returns goss's exit code for it (1 if the run failed).
    pub fn record(&mut self, groups: &[ResultGroup], now: OffsetDateTime) -> i32 {
        let mut overall = ResultCode::Unknown;
        let mut first = true;
        let mut start: Option<OffsetDateTime> = None;
        for r in groups.iter().flat_map(|g| g.results.iter()) {
            start = Some(start.map_or(r.start_time, |s| s.min(r.start_time)));
            let outcome = r.result.outcome().to_owned();
            // Labels in name order: outcome, [resource_id], type.
            let mut labels = vec![outcome];
            if self.verbose {
                labels.push(r.resource_id.clone());
            }
            labels.push(r.resource_type.to_lowercase());
            *self.test_outcomes.entry(labels.clone()).or_default() += 1.0;
            *self.test_durations.entry(labels).or_default() += r.duration.as_millis() as f64;
            if first || can_change_overall_outcome(overall, r.result) {
                overall = r.result;
                first = false;
            }
        }
        let run_ms = start.map_or(0.0, |s| (now - s).whole_milliseconds() as f64);
        let run_label = vec![overall.outcome().to_owned()];
        *self.run_outcomes.entry(run_label.clone()).or_default() += 1.0;
        *self.run_durations.entry(run_label).or_default() += run_ms;
        i32::from(overall == ResultCode::Fail)
    }

    /// The registry in the text exposition format, families sorted by name.
    pub fn exposition(&self) -> String {
        let test_labels: &[&str] = if self.verbose {
            &["outcome", "resource_id", "type"]
        } else {
            &["outcome", "type"]
        };
        let mut out = String::new();
        write_family(
            &mut out,
            "goss_tests_outcomes_duration_milliseconds",
            "The duration of tests from this run. Note; tests run concurrently.",
            test_labels,
            &self.test_durations,
        );
        write_family(
            &mut out,
            "goss_tests_outcomes_total",
            "The number of test-outcomes from this run.",
            test_labels,
            &self.test_outcomes,
        );
        write_family(
            &mut out,
            "goss_tests_run_duration_milliseconds",
            "The end-to-end duration of this run.",
            &["outcome"],
            &self.run_durations,
        );
        write_family(
            &mut out,
            "goss_tests_run_outcomes_total",
            "The outcomes of this run as a whole.",
            &["outcome"],
            &self.run_outcomes,
        );
        out
    }
}

fn escape_help(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('"', "\\\"")
}

/// expfmt's float text: `+Inf`, `-Inf`, `NaN`, else Go's shortest `%g`.
fn sample_value(x: f64) -> String {
    if x.is_infinite() {
        return if x > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    Value::Float(x).to_string()
}

fn write_family(out: &mut String, name: &str, help: &str, labels: &[&str], counters: &Counters) {
    if counters.is_empty() {
        return;
    }
    out.push_str(&format!(
        "# HELP {name} {}\n# TYPE {name} counter\n",
        escape_help(help)
    ));
    for (values, count) in counters {
        let pairs: Vec<String> = labels
            .iter()
            .zip(values)
            .map(|(l, v)| format!("{l}=\"{}\"", escape_label(v)))
            .collect();
        out.push_str(&format!(
            "{name}{{{}}} {}\n",
            pairs.join(","),
            sample_value(*count)
        ));
    }
}

pub(crate) fn render(ctx: &Context<'_>) -> Rendered {
    let mut metrics = PrometheusMetrics::new(ctx.has(FormatOption::Verbose));
    let exit_code = metrics.record(&ctx.owned_groups(), ctx.now);
    Rendered {
        text: metrics.exposition(),
        exit_code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// goss's `TestCanChangeOverallOutcome` table.
    #[test]
    fn overall_outcome_transitions() {
        use ResultCode::*;
        let table = [
            (
                Success,
                [
                    (Success, true),
                    (Skip, false),
                    (Fail, true),
                    (Unknown, true),
                ],
            ),
            (
                Skip,
                [(Success, true), (Skip, true), (Fail, true), (Unknown, true)],
            ),
            (
                Fail,
                [
                    (Success, false),
                    (Skip, false),
                    (Fail, false),
                    (Unknown, false),
                ],
            ),
            (
                Unknown,
                [
                    (Success, false),
                    (Skip, false),
                    (Fail, true),
                    (Unknown, false),
                ],
            ),
        ];
        for (current, cases) in table {
            for (result, expected) in cases {
                assert_eq!(
                    can_change_overall_outcome(current, result),
                    expected,
                    "{current:?} -> {result:?}"
                );
            }
        }
    }
}
