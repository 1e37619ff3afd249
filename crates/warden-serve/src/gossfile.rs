//! Gossfile mode: goss's health endpoint for one gossfile, and its metrics.
//!
//! Results are cached as results, not as rendered text, and rendered per request in
//! the negotiated format (goss does the same since content negotiation arrived), so a
//! cached run answers every format.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use time::OffsetDateTime;
use warden_gossfile::Resource;
use warden_report::{Format, FormatOption, PrometheusMetrics};
use warden_validate::Run;

use crate::cached_run::CachedRun;
use crate::exposition::{self, Exposition, MetricType};
use crate::negotiate::{content_type, negotiate};
use crate::settings::{OnDemand, ServeSettings};
use crate::{json_error, unix_seconds};

pub(crate) struct GossfileHealth {
    resources: Arc<[Resource]>,
    settings: ServeSettings,
    validate: warden_validate::Options,
    cache: Arc<CachedRun<Run>>,
    metrics: Arc<Mutex<GossfileMetrics>>,
}

/// Counters kept across runs, like goss's process-wide Prometheus registry.
struct GossfileMetrics {
    goss: PrometheusMetrics,
    runs: u64,
    last_run: Option<LastRun>,
}

struct LastRun {
    duration: Duration,
    finished: OffsetDateTime,
    passed: bool,
}

impl GossfileHealth {
    pub(crate) fn new(
        resources: Arc<[Resource]>,
        settings: ServeSettings,
        runs: OnDemand,
    ) -> GossfileHealth {
        let verbose = settings.format_options.has(FormatOption::Verbose);
        GossfileHealth {
            resources,
            cache: CachedRun::new(runs.cache),
            validate: runs.validate,
            settings,
            metrics: Arc::new(Mutex::new(GossfileMetrics {
                goss: PrometheusMetrics::new(verbose),
                runs: 0,
                last_run: None,
            })),
        }
    }

    /// The latest results, running the gossfile when the cache is cold. Metrics are
    /// recorded once per run, whatever the number of requests it answers.
    async fn results(&self) -> Result<Arc<Run>, crate::cached_run::RunAborted> {
        let resources = Arc::clone(&self.resources);
        let options = self.validate.clone();
        let metrics = Arc::clone(&self.metrics);
        self.cache
            .get(move || async move {
                let run = warden_validate::validate(resources, &options).await;
                let finished = OffsetDateTime::now_utc();
                let mut metrics = lock(&metrics);
                metrics.goss.record(&run.groups, finished);
                metrics.runs += 1;
                metrics.last_run = Some(LastRun {
                    duration: run.duration,
                    finished,
                    passed: !run.failed(),
                });
                drop(metrics);
                run
            })
            .await
    }
}

pub(crate) fn routes(health: Arc<GossfileHealth>) -> Router {
    Router::new()
        .route(health.settings.endpoint.as_str(), get(self::health))
        .route("/metrics", get(metrics))
        .with_state(health)
}

fn lock(metrics: &Mutex<GossfileMetrics>) -> MutexGuard<'_, GossfileMetrics> {
    // Every update is a few assignments; a poisoned lock still holds usable counters.
    metrics.lock().unwrap_or_else(PoisonError::into_inner)
}

/// goss's `/healthz`: the results in the negotiated format, 200 when the format's exit
/// code is 0, else 503.
async fn health(State(health): State<Arc<GossfileHealth>>, headers: HeaderMap) -> Response {
    let format = negotiate(&headers, health.settings.format);
    let run = match health.results().await {
        Ok(run) => run,
        Err(aborted) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, &aborted),
    };
    let (body, exit_code) = match format {
        // goss's prometheus format prints its process-wide registry, so counts accumulate
        // across runs; ours is the same registry /metrics shows.
        Format::Prometheus => (
            lock(&health.metrics).goss.exposition(),
            i32::from(run.failed()),
        ),
        other => {
            let rendered = warden_report::render(
                other,
                &health.settings.format_options,
                &run.groups,
                OffsetDateTime::now_utc(),
                false,
            );
            (rendered.text, rendered.exit_code)
        }
    };
    let status = if exit_code == 0 {
        StatusCode::OK
    } else {
        tracing::debug!(
            "status {} - {body}",
            StatusCode::SERVICE_UNAVAILABLE.as_u16()
        );
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, [(CONTENT_TYPE, content_type(format))], body).into_response()
}

/// goss's test metrics plus Warden's own run and process metrics. In on-demand mode a
/// scrape is a request like any other: it runs the gossfile when the cache is cold, so
/// Prometheus alone keeps the metrics current.
async fn metrics(State(health): State<Arc<GossfileHealth>>) -> Response {
    if let Err(aborted) = health.results().await {
        return json_error(StatusCode::INTERNAL_SERVER_ERROR, &aborted);
    }
    let mut out = Exposition::default();
    {
        let metrics = lock(&health.metrics);
        out.raw(&metrics.goss.exposition());
        out.single(
            "warden_gossfile_runs_total",
            MetricType::Counter,
            "Validation runs of the gossfile (requests answered from the cache are not runs).",
            metrics.runs as f64,
        );
        if let Some(last) = &metrics.last_run {
            out.single(
                "warden_gossfile_last_run_duration_seconds",
                MetricType::Gauge,
                "How long the latest validation run took.",
                last.duration.as_secs_f64(),
            );
            out.single(
                "warden_gossfile_last_run_timestamp_seconds",
                MetricType::Gauge,
                "When the latest validation run finished, in seconds since the Unix epoch.",
                unix_seconds(last.finished),
            );
            out.single(
                "warden_gossfile_passing",
                MetricType::Gauge,
                "1 when the latest validation run had no failures, else 0.",
                f64::from(u8::from(last.passed)),
            );
        }
    }
    exposition::process_metrics(&mut out);
    ([(CONTENT_TYPE, exposition::CONTENT_TYPE)], out.into_text()).into_response()
}
