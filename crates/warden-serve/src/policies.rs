//! Policy mode: a health endpoint for all served policies, one per policy, a JSON
//! listing, and Prometheus metrics.
//!
//! Each policy's latest outcome comes either from running it on request (cached and
//! single-flight per policy, so `/policies/{id}` runs only that policy) or from a
//! scheduler that publishes outcomes through a [`StatusBoardHandle`]; the endpoints
//! read both the same way. A pushed policy that has not been published yet is "not
//! run": not compliant, answered with 503.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use warden_policy::{
    CheckStatus, CheckVerdict, EnforcementRule, Policy, PolicyOutcome, Waiver, normalize_id,
};
use warden_report::Format;

use crate::cached_run::CachedRun;
use crate::exposition::{self, Exposition, MetricType, Sample};
use crate::negotiate::negotiate;
use crate::settings::{OnDemand, ServeSettings};
use crate::{json_error, unix_seconds};

/// Why a pushed outcome was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy {0} is not served")]
pub struct UnknownPolicy(pub String);

pub(crate) struct PolicyBoard {
    environment: Option<String>,
    settings: ServeSettings,
    entries: Vec<Arc<PolicyEntry>>,
}

struct PolicyEntry {
    policy: Policy,
    /// The enforcement rule in force in the served environment.
    rule: EnforcementRule,
    latest: Latest,
    tally: Arc<Mutex<RunTally>>,
}

/// Where a policy's latest outcome comes from.
enum Latest {
    OnDemand {
        cache: Arc<CachedRun<PolicyOutcome>>,
        validate: warden_validate::Options,
        /// Shared by every policy of the board: a request that finds every cache cold
        /// runs at most this many policies at once (each already runs its checks
        /// concurrently), so a burst cannot fork hundreds of commands.
        run_slots: Arc<Semaphore>,
    },
    Pushed(Mutex<Option<Arc<PolicyOutcome>>>),
}

/// Runs counted by result since the server started.
#[derive(Debug, Default)]
struct RunTally {
    compliant: u64,
    non_compliant: u64,
}

impl RunTally {
    fn record(tally: &Mutex<RunTally>, outcome: &PolicyOutcome) {
        let mut tally = lock(tally);
        if outcome.compliant {
            tally.compliant += 1;
        } else {
            tally.non_compliant += 1;
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section is a few assignments; a poisoned lock holds usable data.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl PolicyBoard {
    pub(crate) fn on_demand(
        policies: Vec<Policy>,
        environment: Option<String>,
        settings: ServeSettings,
        runs: OnDemand,
    ) -> PolicyBoard {
        let run_slots = Arc::new(Semaphore::new(
            std::thread::available_parallelism().map_or(1, usize::from),
        ));
        PolicyBoard::new(policies, environment, settings, || Latest::OnDemand {
            cache: CachedRun::new(runs.cache),
            validate: runs.validate.clone(),
            run_slots: Arc::clone(&run_slots),
        })
    }

    pub(crate) fn pushed(
        policies: Vec<Policy>,
        environment: Option<String>,
        settings: ServeSettings,
    ) -> PolicyBoard {
        PolicyBoard::new(policies, environment, settings, || {
            Latest::Pushed(Mutex::new(None))
        })
    }

    fn new(
        policies: Vec<Policy>,
        environment: Option<String>,
        settings: ServeSettings,
        latest: impl Fn() -> Latest,
    ) -> PolicyBoard {
        let entries = policies
            .into_iter()
            .map(|policy| {
                Arc::new(PolicyEntry {
                    rule: policy.rule_for(environment.as_deref()),
                    latest: latest(),
                    policy,
                    tally: Arc::default(),
                })
            })
            .collect();
        PolicyBoard {
            environment,
            settings,
            entries,
        }
    }

    /// The policy a request names: ids match after INTERCEPT's normalisation, so case,
    /// spaces and underscores do not matter.
    fn find(&self, id: &str) -> Option<&Arc<PolicyEntry>> {
        let wanted = normalize_id(id);
        self.entries.iter().find(|entry| entry.policy.id == wanted)
    }

    pub(crate) fn publish(&self, outcome: PolicyOutcome) -> Result<(), UnknownPolicy> {
        let entry = self
            .find(&outcome.policy.id)
            .ok_or_else(|| UnknownPolicy(outcome.policy.id.clone()))?;
        let Latest::Pushed(latest) = &entry.latest else {
            // On-demand boards are never handed out through a handle.
            return Err(UnknownPolicy(outcome.policy.id.clone()));
        };
        RunTally::record(&entry.tally, &outcome);
        *lock(latest) = Some(Arc::new(outcome));
        Ok(())
    }

    /// Every policy's latest outcome, in file order; on-demand policies run
    /// concurrently where their caches are cold.
    async fn outcomes(self: &Arc<Self>) -> Vec<Option<Arc<PolicyOutcome>>> {
        let mut runs = JoinSet::new();
        for (index, entry) in self.entries.iter().enumerate() {
            let entry = Arc::clone(entry);
            let environment = self.environment.clone();
            runs.spawn(async move { (index, entry.outcome(environment.as_deref()).await) });
        }
        let mut outcomes = vec![None; self.entries.len()];
        while let Some(joined) = runs.join_next().await {
            match joined {
                Ok((index, outcome)) => outcomes[index] = outcome,
                Err(err) => tracing::error!("reading a policy outcome failed: {err}"),
            }
        }
        outcomes
    }
}

impl PolicyEntry {
    async fn outcome(&self, environment: Option<&str>) -> Option<Arc<PolicyOutcome>> {
        match &self.latest {
            Latest::Pushed(latest) => lock(latest).clone(),
            Latest::OnDemand {
                cache,
                validate,
                run_slots,
            } => {
                let policy = self.policy.clone();
                let environment_owned = environment.map(str::to_owned);
                let validate = validate.clone();
                let tally = Arc::clone(&self.tally);
                let run_slots = Arc::clone(run_slots);
                let result = cache
                    .get(move || async move {
                        // The semaphore is never closed, so acquiring only waits.
                        let _slot = run_slots.acquire_owned().await;
                        let outcome =
                            warden_policy::run(&policy, environment_owned.as_deref(), &validate)
                                .await;
                        RunTally::record(&tally, &outcome);
                        outcome
                    })
                    .await;
                Some(result.unwrap_or_else(|aborted| {
                    Arc::new(PolicyOutcome::from_error(
                        &self.policy,
                        environment,
                        format!("{aborted} (internal error)"),
                        time::OffsetDateTime::now_utc(),
                        std::time::Duration::ZERO,
                    ))
                }))
            }
        }
    }
}

pub(crate) fn routes(board: Arc<PolicyBoard>) -> Router {
    Router::new()
        .route(board.settings.endpoint.as_str(), get(health))
        .route("/policies", get(list))
        .route("/policies/{id}", get(one))
        .route("/metrics", get(metrics))
        .with_state(board)
}

fn is_compliant(outcome: Option<&Arc<PolicyOutcome>>) -> bool {
    outcome.is_some_and(|outcome| outcome.compliant)
}

fn health_status(compliant: bool) -> StatusCode {
    if compliant {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

/// The weighted compliance score of the policies that have run; `None` before any has.
fn score(outcomes: &[Option<Arc<PolicyOutcome>>]) -> Option<f64> {
    let finished: Vec<PolicyOutcome> = outcomes
        .iter()
        .flatten()
        .map(|outcome| PolicyOutcome::clone(outcome))
        .collect();
    (!finished.is_empty()).then(|| warden_policy::compliance_score(&finished))
}

/// All policies: 200 when every one is compliant, else 503. JSON when the request
/// negotiates json (goss's rules), otherwise a line of text per policy.
async fn health(State(board): State<Arc<PolicyBoard>>, headers: HeaderMap) -> Response {
    let outcomes = board.outcomes().await;
    let compliant = outcomes
        .iter()
        .all(|outcome| is_compliant(outcome.as_ref()));
    let status = health_status(compliant);
    if negotiate(&headers, board.settings.format) == Format::Json {
        return (status, axum::Json(overview(&board, &outcomes))).into_response();
    }
    (
        status,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        text_summary(&board, &outcomes),
    )
        .into_response()
}

/// Every policy's status; always 200 (the health endpoints carry the verdict).
async fn list(State(board): State<Arc<PolicyBoard>>) -> Response {
    let outcomes = board.outcomes().await;
    axum::Json(overview(&board, &outcomes)).into_response()
}

/// One policy: 200 compliant, 503 not (or not yet run), 404 unknown id.
async fn one(State(board): State<Arc<PolicyBoard>>, Path(id): Path<String>) -> Response {
    let Some(entry) = board.find(&id) else {
        let known: Vec<&str> = board.entries.iter().map(|e| e.policy.id.as_str()).collect();
        return json_error(
            StatusCode::NOT_FOUND,
            &format!("no policy {id:?}; served policies: {}", known.join(", ")),
        );
    };
    let outcome = entry.outcome(board.environment.as_deref()).await;
    let status = health_status(is_compliant(outcome.as_ref()));
    let detail = PolicyDetail::new(entry, outcome.as_deref(), board.environment.as_deref());
    (status, axum::Json(detail)).into_response()
}

async fn metrics(State(board): State<Arc<PolicyBoard>>) -> Response {
    let outcomes = board.outcomes().await;
    let mut out = Exposition::default();
    let mut info = Vec::new();
    let mut compliant = Vec::new();
    let mut checks = Vec::new();
    let mut durations = Vec::new();
    let mut finished = Vec::new();
    let mut runs = Vec::new();
    for (entry, outcome) in board.entries.iter().zip(&outcomes) {
        let id = || ("policy", entry.policy.id.clone());
        info.push((
            vec![
                id(),
                ("name", entry.policy.display_name().to_owned()),
                ("level", entry.rule.level().as_str().to_owned()),
                ("fatal", entry.rule.fatal.to_string()),
            ],
            1.0,
        ));
        let tally = lock(&entry.tally);
        for (result, count) in [
            ("compliant", tally.compliant),
            ("non_compliant", tally.non_compliant),
        ] {
            runs.push((vec![id(), ("result", result.to_owned())], count as f64));
        }
        drop(tally);
        let Some(outcome) = outcome else { continue };
        compliant.push((vec![id()], f64::from(u8::from(outcome.compliant))));
        let counts = outcome.counts;
        for (status, count) in [
            (CheckStatus::Passed, counts.passed),
            (CheckStatus::Failed, counts.failed),
            (CheckStatus::Skipped, counts.skipped),
            (CheckStatus::Waived, counts.waived),
        ] {
            checks.push((
                vec![id(), ("status", status.as_str().to_owned())],
                count as f64,
            ));
        }
        durations.push((vec![id()], outcome.duration.as_secs_f64()));
        finished.push((vec![id()], unix_seconds(outcome.started + outcome.duration)));
    }
    let families: [(&str, MetricType, &str, Vec<Sample>); 6] = [
        (
            "warden_policy_info",
            MetricType::Gauge,
            "Every served policy (1), with its name and its enforcement level and fatality in the served environment.",
            info,
        ),
        (
            "warden_policy_compliant",
            MetricType::Gauge,
            "1 when the policy's latest run was compliant, else 0; absent before its first run.",
            compliant,
        ),
        (
            "warden_policy_checks",
            MetricType::Gauge,
            "Checks of the policy's latest run by status.",
            checks,
        ),
        (
            "warden_policy_last_run_duration_seconds",
            MetricType::Gauge,
            "How long the policy's latest run took.",
            durations,
        ),
        (
            "warden_policy_last_run_timestamp_seconds",
            MetricType::Gauge,
            "When the policy's latest run finished, in seconds since the Unix epoch.",
            finished,
        ),
        (
            "warden_policy_runs_total",
            MetricType::Counter,
            "Runs of the policy since the server started, by result.",
            runs,
        ),
    ];
    for (name, metric_type, help, samples) in &families {
        out.family(name, *metric_type, help, samples);
    }
    if let Some(score) = score(&outcomes) {
        out.single(
            "warden_compliance_score",
            MetricType::Gauge,
            "Weighted share of compliant policies among those that have run, 0 to 100.",
            score,
        );
    }
    exposition::process_metrics(&mut out);
    ([(CONTENT_TYPE, exposition::CONTENT_TYPE)], out.into_text()).into_response()
}

#[derive(Debug, Serialize)]
struct Overview<'a> {
    /// Every served policy is compliant.
    compliant: bool,
    /// Over the policies that have run; `null` before any has.
    compliance_score: Option<f64>,
    environment: Option<&'a str>,
    policies: Vec<PolicySummary<'a>>,
}

fn overview<'a>(
    board: &'a PolicyBoard,
    outcomes: &'a [Option<Arc<PolicyOutcome>>],
) -> Overview<'a> {
    Overview {
        compliant: outcomes
            .iter()
            .all(|outcome| is_compliant(outcome.as_ref())),
        compliance_score: score(outcomes),
        environment: board.environment.as_deref(),
        policies: board
            .entries
            .iter()
            .zip(outcomes)
            .map(|(entry, outcome)| PolicySummary::new(entry, outcome.as_deref()))
            .collect(),
    }
}

const NOT_YET_RUN: &str = "not yet run";

#[derive(Debug, Serialize)]
struct PolicySummary<'a> {
    id: &'a str,
    name: &'a str,
    /// `compliant`, `non-compliant` or `not-run`.
    status: &'static str,
    compliant: bool,
    /// A failure is fatal in the served environment (`warden audit` would exit 1).
    fatal: bool,
    /// The SARIF level of the policy's failures in the served environment.
    level: &'static str,
    counts: Option<CountsView>,
    /// When the latest run started (RFC 3339).
    last_run: Option<String>,
    duration_seconds: Option<f64>,
    error: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct CountsView {
    tests: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    waived: usize,
}

impl<'a> PolicySummary<'a> {
    fn new(entry: &'a PolicyEntry, outcome: Option<&'a PolicyOutcome>) -> PolicySummary<'a> {
        let status = match outcome {
            None => "not-run",
            Some(outcome) if outcome.compliant => "compliant",
            Some(_) => "non-compliant",
        };
        PolicySummary {
            id: &entry.policy.id,
            name: entry.policy.display_name(),
            status,
            compliant: outcome.is_some_and(|outcome| outcome.compliant),
            fatal: entry.rule.fatal,
            level: entry.rule.level().as_str(),
            counts: outcome.map(|outcome| {
                let counts = outcome.counts;
                CountsView {
                    tests: counts.tests,
                    passed: counts.passed,
                    failed: counts.failed,
                    skipped: counts.skipped,
                    waived: counts.waived,
                }
            }),
            last_run: outcome.and_then(|outcome| outcome.started.format(&Rfc3339).ok()),
            duration_seconds: outcome.map(|outcome| outcome.duration.as_secs_f64()),
            error: match outcome {
                None => Some(NOT_YET_RUN),
                Some(outcome) => outcome.error.as_deref(),
            },
        }
    }
}

#[derive(Debug, Serialize)]
struct PolicyDetail<'a> {
    #[serde(flatten)]
    summary: PolicySummary<'a>,
    environment: Option<&'a str>,
    description: &'a str,
    tags: &'a [String],
    msg_error: &'a str,
    msg_solution: &'a str,
    help_url: Option<&'a str>,
    /// In gossfile order; empty before the first run.
    checks: Vec<CheckView<'a>>,
    expired_waivers: Vec<WaiverView<'a>>,
    warnings: &'a [String],
}

impl<'a> PolicyDetail<'a> {
    fn new(
        entry: &'a PolicyEntry,
        outcome: Option<&'a PolicyOutcome>,
        environment: Option<&'a str>,
    ) -> PolicyDetail<'a> {
        let metadata = &entry.policy.metadata;
        PolicyDetail {
            summary: PolicySummary::new(entry, outcome),
            environment,
            description: &metadata.description,
            tags: &metadata.tags,
            msg_error: &metadata.msg_error,
            msg_solution: &metadata.msg_solution,
            help_url: metadata.help_url.as_deref(),
            checks: outcome
                .map(|outcome| outcome.checks.iter().map(CheckView::new).collect())
                .unwrap_or_default(),
            expired_waivers: outcome
                .map(|outcome| {
                    outcome
                        .expired_waivers
                        .iter()
                        .map(WaiverView::new)
                        .collect()
                })
                .unwrap_or_default(),
            warnings: outcome.map_or(&[], |outcome| &outcome.warnings),
        }
    }
}

#[derive(Debug, Serialize)]
struct CheckView<'a> {
    resource_type: &'a str,
    resource_id: &'a str,
    property: &'a str,
    title: &'a str,
    /// `passed`, `failed`, `skipped` or `waived`.
    status: &'static str,
    /// goss's one-line summary of the check.
    summary: String,
    err: Option<&'a str>,
    duration_seconds: f64,
    /// The waiver that accepted a failure, or the expired one that no longer does.
    waiver: Option<WaiverView<'a>>,
}

impl<'a> CheckView<'a> {
    fn new(check: &'a CheckVerdict) -> CheckView<'a> {
        let result = &check.result;
        CheckView {
            resource_type: &result.resource_type,
            resource_id: &result.resource_id,
            property: &result.property,
            title: &result.title,
            status: check.status.as_str(),
            summary: result.summary_line_compact(true),
            err: result.err.as_deref(),
            duration_seconds: result.duration.as_secs_f64(),
            waiver: check.waiver.as_ref().map(WaiverView::new),
        }
    }
}

#[derive(Debug, Serialize)]
struct WaiverView<'a> {
    check: &'a str,
    reason: &'a str,
    /// The last day the waiver applies (`YYYY-MM-DD`); `null` for no end.
    until: Option<String>,
}

impl<'a> WaiverView<'a> {
    fn new(waiver: &'a Waiver) -> WaiverView<'a> {
        WaiverView {
            check: &waiver.check,
            reason: &waiver.reason,
            until: waiver.until.map(|day| day.to_string()),
        }
    }
}

/// One line per policy, then the score:
///
/// ```text
/// PASS RUNTIM-001 Sudoers: Count: 5, Failed: 0, Skipped: 0, Waived: 1
/// FAIL RUNTIM-002 Web: Count: 3, Failed: 2, Skipped: 0, Waived: 0
/// FAIL RUNTIM-003 Mounts: not yet run
///
/// Compliance score: 50.0 (1 of 2 policies that have run are compliant; 1 not yet run)
/// ```
fn text_summary(board: &PolicyBoard, outcomes: &[Option<Arc<PolicyOutcome>>]) -> String {
    let mut text = String::new();
    for (entry, outcome) in board.entries.iter().zip(outcomes) {
        let verdict = if is_compliant(outcome.as_ref()) {
            "PASS"
        } else {
            "FAIL"
        };
        let detail = match outcome {
            None => NOT_YET_RUN.to_owned(),
            Some(outcome) => match &outcome.error {
                Some(error) => format!("error: {error}"),
                None => {
                    let counts = outcome.counts;
                    format!(
                        "Count: {}, Failed: {}, Skipped: {}, Waived: {}",
                        counts.tests, counts.failed, counts.skipped, counts.waived
                    )
                }
            },
        };
        text.push_str(&format!(
            "{verdict} {} {}: {detail}\n",
            entry.policy.id,
            entry.policy.display_name()
        ));
    }
    let ran = outcomes.iter().flatten().count();
    let compliant = outcomes
        .iter()
        .filter(|outcome| is_compliant(outcome.as_ref()))
        .count();
    let not_run = outcomes.len() - ran;
    let score = score(outcomes).map_or_else(|| "none".to_owned(), |s| format!("{s:.1}"));
    text.push_str(&format!(
        "\nCompliance score: {score} ({compliant} of {ran} policies that have run are compliant"
    ));
    if not_run > 0 {
        text.push_str(&format!("; {not_run} not yet run"));
    }
    text.push_str(")\n");
    text
}
