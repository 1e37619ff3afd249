//! The agent's REST API, under `/api/v1/`:
//!
//! | route | answer |
//! | --- | --- |
//! | `GET /violations` | violations newest first; filters as `warden violations list` |
//! | `GET /violations/{id}` | one violation |
//! | `POST /violations/{id}/resolve` | resolve it (`{note, add_to_baseline}`) |
//! | `GET /policies`, `GET /policies/{id}` | the loaded policies (and their violation counts) |
//! | `GET /status` | version, start time, pipeline counters, enforcement capabilities |
//!
//! Every request needs `Authorization: Bearer <token>`. `docs/openapi.yaml` describes
//! each route, schema and error; the tests hold every response to it.

mod auth;
mod error;
mod routes;
mod view;

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use warden_violations::ViolationStore;

pub use auth::{ApiToken, TokenError};
pub use routes::{DEFAULT_LIMIT, MAX_LIMIT, MAX_NOTE_BYTES};
pub use view::{
    AgentStatus, AgentView, Capability, EnforcementCapabilities, PolicySummary, StageCounters,
};

/// The port the agent listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 7473;

/// `127.0.0.1:DEFAULT_PORT`: loopback only unless the agent is told otherwise.
pub fn default_addr() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, DEFAULT_PORT))
}

/// Every route, behind the token.
pub fn router(
    store: Arc<dyn ViolationStore>,
    agent: Arc<dyn AgentView>,
    token: ApiToken,
) -> Router {
    let api = Router::new()
        .route("/violations", get(routes::list_violations))
        .route("/violations/{id}", get(routes::get_violation))
        .route("/violations/{id}/resolve", post(routes::resolve_violation))
        .route("/policies", get(routes::list_policies))
        .route("/policies/{id}", get(routes::get_policy))
        .route("/status", get(routes::status))
        .method_not_allowed_fallback(routes::wrong_method)
        .with_state(routes::ApiState { store, agent });
    Router::new()
        .nest("/api/v1", api)
        .fallback(routes::no_route)
        .layer(axum::middleware::from_fn_with_state(
            token,
            auth::require_token,
        ))
}

/// A bound listener, so the caller learns the port (an ephemeral one in tests) before
/// serving.
#[derive(Debug)]
pub struct Server {
    listener: tokio::net::TcpListener,
}

impl Server {
    pub async fn bind(addr: SocketAddr) -> std::io::Result<Self> {
        Ok(Self {
            listener: tokio::net::TcpListener::bind(addr).await?,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves `router` until `shutdown` resolves, then finishes the requests in flight.
    pub async fn run(
        self,
        router: Router,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}
