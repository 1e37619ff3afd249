//! Turning one resource's attributes into test results, with goss's rules: a skipped
//! resource skips every attribute, and when the gate attribute (`exists`, `installed`,
//! `listening`, `resolvable`, `status`) errors, fails or reads `false`, the attributes
//! after it are skipped.

use std::sync::Arc;
use time::OffsetDateTime;
use warden_gossfile::Resource;

use warden_matchers::{Actual, Matcher, Outcome, Status, evaluate};
use warden_report::{ResourceInfo, ResultCode, TestResult};
use warden_value::Value;

/// The results of one resource, built attribute by attribute in goss's order.
pub(crate) struct Checks<'r> {
    resource: &'r Resource,
    info: ResourceInfo,
    skip: bool,
    results: Vec<TestResult>,
}

/// What a probe read for one attribute, or why it could not.
pub(crate) type Reading = Result<Actual, String>;

impl<'r> Checks<'r> {
    pub(crate) fn new(resource: &'r Resource) -> Self {
        let meta = match &resource.meta {
            Some(Value::Map(map)) => Some(map.clone()),
            _ => None,
        };
        let info = ResourceInfo {
            resource_type: resource.kind.type_name().to_owned(),
            id: resource.id(),
            title: resource.title.clone(),
            meta,
        };
        Checks {
            resource,
            info,
            skip: resource.skip,
            results: Vec::new(),
        }
    }

    /// The gate attribute: always checked (a missing one is goss's syntax error), and
    /// decides whether the rest are skipped.
    pub(crate) async fn gate(&mut self, attr: &str, read: impl AsyncFnOnce() -> Reading) {
        self.check(attr, attr, read).await;
        if let Some(first) = self.results.first() {
            let reads_false = matches!(first.matcher_result.actual, Value::Bool(false));
            if first.err.is_some() || first.result != ResultCode::Success || reads_false {
                self.skip = true;
            }
        }
    }

    /// A required attribute with no gate effect (command `exit-status`, process
    /// `running`, kernel-param `value`, matching `matches`).
    pub(crate) async fn required(&mut self, attr: &str, read: impl AsyncFnOnce() -> Reading) {
        self.check(attr, attr, read).await;
    }

    /// An optional attribute: checked only when it holds an expectation.
    pub(crate) async fn optional(&mut self, attr: &str, read: impl AsyncFnOnce() -> Reading) {
        self.optional_as(attr, attr, read).await;
    }

    /// An optional attribute reported under another property name (`linked-to` is
    /// reported as `linkedto`, `versions` as `version`).
    pub(crate) async fn optional_as(
        &mut self,
        attr: &str,
        property: &str,
        read: impl AsyncFnOnce() -> Reading,
    ) {
        if self.resource.is_set(attr) {
            self.check(attr, property, read).await;
        }
    }

    async fn check(&mut self, attr: &str, property: &str, read: impl AsyncFnOnce() -> Reading) {
        let start = OffsetDateTime::now_utc();
        let result = if self.skip {
            TestResult::skip(&self.info, property, start, OffsetDateTime::now_utc())
        } else {
            match self.resource.matcher(attr) {
                None => TestResult::error(
                    &self.info,
                    property,
                    "Syntax Error: Missing required attribute",
                    start,
                    OffsetDateTime::now_utc(),
                ),
                Some(matcher) => match read().await {
                    Ok(actual) => {
                        let outcome = evaluate_off_the_runtime(matcher, actual).await;
                        TestResult::from_outcome(
                            &self.info,
                            property,
                            outcome,
                            start,
                            OffsetDateTime::now_utc(),
                        )
                    }
                    Err(err) => TestResult::error(
                        &self.info,
                        property,
                        err,
                        start,
                        OffsetDateTime::now_utc(),
                    ),
                },
            }
        };
        self.results.push(result);
    }

    pub(crate) fn finish(self) -> Vec<TestResult> {
        self.results
    }
}

/// Streams (file contents, command output, HTTP bodies) are read with blocking I/O,
/// and an HTTP body pulls its chunks from the runtime as it is read; so stream
/// matchers run on a blocking thread, never on a runtime worker.
async fn evaluate_off_the_runtime(matcher: &Arc<Matcher>, actual: Actual) -> Outcome {
    if !matches!(actual, Actual::Reader(_)) {
        return evaluate(matcher, actual);
    }
    let matcher = Arc::clone(matcher);
    tokio::task::spawn_blocking(move || evaluate(&matcher, actual))
        .await
        .unwrap_or_else(|err| Outcome {
            status: Status::Fail,
            matcher_result: Default::default(),
            err: Some(format!("the matcher did not finish: {err}")),
        })
}

/// Helpers turning probe results into readings.
pub(crate) fn value<T: Into<Value>, E: ToString>(read: Result<T, E>) -> Reading {
    read.map(|v| Actual::Value(v.into()))
        .map_err(|e| e.to_string())
}

pub(crate) fn strings<E: ToString>(read: Result<Vec<String>, E>) -> Reading {
    read.map(Actual::StringList).map_err(|e| e.to_string())
}
