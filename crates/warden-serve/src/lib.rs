//! `warden serve` over HTTP: goss's health endpoint for a gossfile, and per-policy
//! status endpoints for a policy file.
//!
//! A [`ServeState`] says what is served and where results come from; [`router`] turns
//! it into the HTTP routes and [`serve`] runs them until a shutdown future resolves.
//! Gossfile results are always produced on request. Policy results come either on
//! request ([`ServeState::on_demand`]) or from a scheduler that pushes them
//! ([`ServeState::pushed`], what `warden observe` uses); the routes are the same.

mod cached_run;
mod exposition;
mod gossfile;
mod negotiate;
mod policies;
mod settings;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use tower_http::trace::TraceLayer;
use tracing::Span;
use warden_gossfile::Resource;
use warden_policy::{Policy, PolicyOutcome};

pub use policies::UnknownPolicy;
pub use settings::{Endpoint, InvalidEndpoint, OnDemand, ServeSettings};

/// What the server serves. Cheap to clone.
#[derive(Clone)]
pub struct ServeState {
    mode: Mode,
}

#[derive(Clone)]
enum Mode {
    Gossfile(Arc<gossfile::GossfileHealth>),
    Policies(Arc<policies::PolicyBoard>),
}

impl ServeState {
    /// goss's `serve`: the gossfile's resources are checked when a request finds the
    /// cache cold.
    pub fn gossfile(
        resources: impl Into<Arc<[Resource]>>,
        settings: ServeSettings,
        runs: OnDemand,
    ) -> ServeState {
        let health = gossfile::GossfileHealth::new(resources.into(), settings, runs);
        ServeState {
            mode: Mode::Gossfile(Arc::new(health)),
        }
    }

    /// `policies` (already selected for `environment`), each run when a request finds
    /// its cache cold. A request for one policy runs only that policy.
    pub fn on_demand(
        policies: Vec<Policy>,
        environment: Option<String>,
        settings: ServeSettings,
        runs: OnDemand,
    ) -> ServeState {
        let board = policies::PolicyBoard::on_demand(policies, environment, settings, runs);
        ServeState {
            mode: Mode::Policies(Arc::new(board)),
        }
    }

    /// `policies` whose outcomes a scheduler publishes through the returned handle;
    /// requests never run anything, and a policy not yet published answers 503.
    pub fn pushed(
        policies: Vec<Policy>,
        environment: Option<String>,
        settings: ServeSettings,
    ) -> (ServeState, StatusBoardHandle) {
        let board = Arc::new(policies::PolicyBoard::pushed(
            policies,
            environment,
            settings,
        ));
        let handle = StatusBoardHandle {
            board: Arc::clone(&board),
        };
        let state = ServeState {
            mode: Mode::Policies(board),
        };
        (state, handle)
    }
}

/// Publishes policy outcomes to a [`ServeState::pushed`] server. Cheap to clone.
#[derive(Clone)]
pub struct StatusBoardHandle {
    board: Arc<policies::PolicyBoard>,
}

impl StatusBoardHandle {
    /// Makes `outcome` its policy's latest (matched by id), counted once in the
    /// metrics. Refused when the server does not serve that policy.
    pub fn publish(&self, outcome: PolicyOutcome) -> Result<(), UnknownPolicy> {
        self.board.publish(outcome)
    }
}

/// The HTTP routes for `state`, with an access log line per request and a JSON 404 for
/// anything else.
pub fn router(state: ServeState) -> Router {
    let routes = match state.mode {
        Mode::Gossfile(health) => gossfile::routes(health),
        Mode::Policies(board) => policies::routes(board),
    };
    routes.fallback(not_found).layer(
        TraceLayer::new_for_http()
            .make_span_with(|request: &Request<Body>| {
                let peer = request
                    .extensions()
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|ConnectInfo(peer)| peer.to_string())
                    .unwrap_or_default();
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    peer = %peer,
                )
            })
            .on_request(())
            .on_response(|response: &Response, latency: Duration, _: &Span| {
                tracing::info!(
                    status = response.status().as_u16(),
                    latency = ?latency,
                    "served"
                );
            })
            .on_body_chunk(())
            .on_eos(())
            // A 503 is a health answer, not a server failure worth an error line.
            .on_failure(()),
    )
}

/// Serves `router` on `listener` until `shutdown` resolves, then stops accepting
/// connections and lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Resolves with the signal's name on the first SIGTERM or SIGINT. The handlers are
/// installed before this returns, so a signal sent right after start-up is not lost.
pub fn termination_signal() -> std::io::Result<impl Future<Output = &'static str> + Send> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
        }
    })
}

async fn not_found(uri: Uri) -> Response {
    json_error(
        StatusCode::NOT_FOUND,
        &format!("no endpoint at {}", uri.path()),
    )
}

/// An error answer: `{"error": "..."}`.
fn json_error(status: StatusCode, message: &dyn std::fmt::Display) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "error": message.to_string() })),
    )
        .into_response()
}

fn unix_seconds(at: OffsetDateTime) -> f64 {
    at.unix_timestamp_nanos() as f64 / 1e9
}
