//! goss's `TestResult` and the per-resource groups the outputs consume.

use std::collections::BTreeMap;
use std::time::Duration;

use time::OffsetDateTime;
use warden_matchers::{MatcherResult, Outcome, Status};
use warden_value::Value;

/// goss's result codes (`result` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResultCode {
    Success = 0,
    Fail = 1,
    Skip = 2,
    Unknown = 3,
}

impl ResultCode {
    /// The outcome label Prometheus metrics use.
    pub fn outcome(self) -> &'static str {
        match self {
            ResultCode::Success => "pass",
            ResultCode::Fail => "fail",
            ResultCode::Skip => "skip",
            ResultCode::Unknown => "unknown",
        }
    }
}

/// One checked attribute of one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    pub skipped: bool,
    pub resource_id: String,
    /// e.g. `File`, `Command`, `Matching`.
    pub resource_type: String,
    pub property: String,
    pub title: String,
    /// The resource's `meta`; `None` when absent (goss prints no `Meta:` header then).
    pub meta: Option<BTreeMap<String, Value>>,
    pub result: ResultCode,
    pub err: Option<String>,
    pub matcher_result: MatcherResult,
    pub start_time: OffsetDateTime,
    pub end_time: OffsetDateTime,
    pub duration: Duration,
}

impl TestResult {
    /// A result from a matcher's outcome.
    pub fn from_outcome(
        resource: &ResourceInfo,
        property: &str,
        outcome: Outcome,
        start_time: OffsetDateTime,
        end_time: OffsetDateTime,
    ) -> TestResult {
        let result = match outcome.status {
            Status::Pass => ResultCode::Success,
            Status::Fail => ResultCode::Fail,
        };
        TestResult {
            result,
            err: outcome.err,
            matcher_result: outcome.matcher_result,
            ..TestResult::blank(resource, property, start_time, end_time)
        }
    }

    /// A failure reported as an error (probe failure, syntax error), with no matcher result.
    pub fn error(
        resource: &ResourceInfo,
        property: &str,
        err: impl Into<String>,
        start_time: OffsetDateTime,
        end_time: OffsetDateTime,
    ) -> TestResult {
        TestResult {
            result: ResultCode::Fail,
            err: Some(err.into()),
            ..TestResult::blank(resource, property, start_time, end_time)
        }
    }

    /// A skipped check (`skip: true`, or a failed existence check before it).
    pub fn skip(
        resource: &ResourceInfo,
        property: &str,
        start_time: OffsetDateTime,
        end_time: OffsetDateTime,
    ) -> TestResult {
        TestResult {
            result: ResultCode::Skip,
            skipped: true,
            ..TestResult::blank(resource, property, start_time, end_time)
        }
    }

    fn blank(
        resource: &ResourceInfo,
        property: &str,
        start_time: OffsetDateTime,
        end_time: OffsetDateTime,
    ) -> TestResult {
        let elapsed = end_time - start_time;
        TestResult {
            skipped: false,
            resource_id: resource.id.clone(),
            resource_type: resource.resource_type.clone(),
            property: property.to_owned(),
            title: resource.title.clone(),
            meta: resource.meta.clone(),
            result: ResultCode::Unknown,
            err: None,
            matcher_result: MatcherResult::default(),
            start_time,
            end_time,
            duration: elapsed.try_into().unwrap_or(Duration::ZERO),
        }
    }

    /// goss's `successful`: true unless the check failed (so also for skips).
    pub fn successful(&self) -> bool {
        self.result != ResultCode::Fail
    }

    /// `Type:id`, what `-o sort` orders result groups by.
    pub fn sort_key(&self) -> String {
        format!("{}:{}", self.resource_type, self.resource_id)
    }

    /// The multi-line text the human formats print for this result (no colour).
    pub fn summary_line(&self, include_raw: bool) -> String {
        crate::humanize::humanize(self, false, include_raw, false)
    }

    /// The one-line form (`tap`, `junit`, `nagios -o verbose`).
    pub fn summary_line_compact(&self, include_raw: bool) -> String {
        crate::humanize::humanize(self, true, include_raw, false)
    }
}

/// The resource-level fields every result of a resource shares.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourceInfo {
    pub resource_type: String,
    pub id: String,
    pub title: String,
    pub meta: Option<BTreeMap<String, Value>>,
}

/// The results of one resource, in check order; goss's outputs consume these groups.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResultGroup {
    pub results: Vec<TestResult>,
}

impl ResultGroup {
    /// The group's sort key: its first result's `Type:id`.
    pub fn sort_key(&self) -> String {
        self.results
            .first()
            .map(TestResult::sort_key)
            .unwrap_or_default()
    }
}
