//! The handlers behind `/api/v1/…`. Store calls block, so they run on tokio's blocking
//! threads.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use warden_violations::{
    BaselineEntry, Page, ResolveRequest, StoreError, Violation, ViolationFilter, ViolationState,
    ViolationStore, parse_time_bound,
};

use crate::error::ApiError;
use crate::view::{AgentStatus, AgentView, PolicySummary};

/// Violations listed when the request gives no `limit`, and the most it may ask for.
pub const DEFAULT_LIMIT: u64 = 100;
pub const MAX_LIMIT: u64 = 1000;
/// The longest resolution note accepted, in bytes.
pub const MAX_NOTE_BYTES: usize = 4096;

#[derive(Clone)]
pub(crate) struct ApiState {
    pub(crate) store: Arc<dyn ViolationStore>,
    pub(crate) agent: Arc<dyn AgentView>,
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(err) => Err(ApiError::internal(format!("store call failed: {err}"))),
    }
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListParams {
    policy: Option<String>,
    severity: Option<String>,
    state: Option<String>,
    container: Option<String>,
    since: Option<String>,
    until: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ViolationList {
    violations: Vec<Violation>,
    /// How many match, across every page.
    total: u64,
    limit: u64,
    offset: u64,
}

fn parse_param<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|err| ApiError::bad_request(format!("query parameter {name}: {err}")))
}

fn parse_count(name: &str, text: &str) -> Result<u64, ApiError> {
    text.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "query parameter {name}: {text:?} is not a non-negative integer"
        ))
    })
}

fn filter_and_page(params: ListParams) -> Result<(ViolationFilter, Page), ApiError> {
    let now = now_ns();
    let time = |name: &str, text: Option<String>| {
        text.map(|t| parse_time_bound(&t, now))
            .transpose()
            .map_err(|err| ApiError::bad_request(format!("query parameter {name}: {err}")))
    };
    let filter = ViolationFilter {
        policy_id: params.policy,
        min_severity: params
            .severity
            .map(|s| parse_param("severity", &s))
            .transpose()?,
        state: params
            .state
            .map(|s| parse_param::<ViolationState>("state", &s))
            .transpose()?,
        container: params.container,
        since: time("since", params.since)?,
        until: time("until", params.until)?,
    };
    let limit = match params.limit {
        Some(text) => parse_count("limit", &text)?,
        None => DEFAULT_LIMIT,
    };
    if limit > MAX_LIMIT {
        return Err(ApiError::bad_request(format!(
            "query parameter limit: {limit} is more than {MAX_LIMIT}"
        )));
    }
    let offset = params
        .offset
        .map(|text| parse_count("offset", &text))
        .transpose()?
        .unwrap_or(0);
    Ok((
        filter,
        Page {
            limit: Some(limit),
            offset,
        },
    ))
}

pub(crate) async fn list_violations(
    State(state): State<ApiState>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<ViolationList>, ApiError> {
    let Query(params) = params.map_err(|err| ApiError::bad_request(err.body_text()))?;
    let (filter, page) = filter_and_page(params)?;
    let store = state.store.clone();
    let (violations, total) = blocking(move || {
        let violations = store.list(&filter, page)?;
        let total = store.count(&filter)?;
        Ok((violations, total))
    })
    .await?;
    Ok(Json(ViolationList {
        violations,
        total,
        limit: page.limit.unwrap_or(DEFAULT_LIMIT),
        offset: page.offset,
    }))
}

pub(crate) async fn get_violation(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<Violation>, ApiError> {
    let store = state.store.clone();
    let lookup = id.clone();
    match blocking(move || store.get(&lookup)).await? {
        Some(violation) => Ok(Json(violation)),
        None => Err(StoreError::NotFound(id).into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveBody {
    note: Option<String>,
    #[serde(default)]
    add_to_baseline: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct ResolveResult {
    violation: Violation,
    baselined: Vec<BaselineEntry>,
}

pub(crate) async fn resolve_violation(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ResolveResult>, ApiError> {
    let body: ResolveBody = if body.iter().all(u8::is_ascii_whitespace) {
        ResolveBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|err| ApiError::bad_request(format!("request body: {err}")))?
    };
    if body.note.as_ref().is_some_and(|n| n.len() > MAX_NOTE_BYTES) {
        return Err(ApiError::bad_request(format!(
            "request body: note is longer than {MAX_NOTE_BYTES} bytes"
        )));
    }
    let request = ResolveRequest {
        time: now_ns(),
        by: "api".to_owned(),
        note: body.note,
        add_to_baseline: body.add_to_baseline,
    };
    let store = state.store.clone();
    let resolved = blocking(move || store.resolve(&id, &request)).await?;
    tracing::info!(
        violation = %resolved.violation.id,
        baselined = resolved.baselined.len(),
        "violation resolved through the API"
    );
    Ok(Json(ResolveResult {
        violation: resolved.violation,
        baselined: resolved.baselined,
    }))
}

#[derive(Debug, Serialize)]
struct ViolationCounts {
    active: u64,
    attempted: u64,
    resolved: u64,
}

/// Violations per state, for one policy or all of them.
async fn counts(
    store: Arc<dyn ViolationStore>,
    policy_id: Option<String>,
) -> Result<ViolationCounts, ApiError> {
    blocking(move || {
        let count = |state| {
            store.count(&ViolationFilter {
                policy_id: policy_id.clone(),
                state: Some(state),
                ..ViolationFilter::default()
            })
        };
        Ok(ViolationCounts {
            active: count(ViolationState::Active)?,
            attempted: count(ViolationState::Attempted)?,
            resolved: count(ViolationState::Resolved)?,
        })
    })
    .await
}

#[derive(Debug, Serialize)]
pub(crate) struct PolicyList {
    policies: Vec<PolicySummary>,
}

pub(crate) async fn list_policies(State(state): State<ApiState>) -> Json<PolicyList> {
    Json(PolicyList {
        policies: state.agent.policies(),
    })
}

#[derive(Debug, Serialize)]
pub(crate) struct PolicyDetail {
    #[serde(flatten)]
    policy: PolicySummary,
    violations: ViolationCounts,
}

pub(crate) async fn get_policy(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<PolicyDetail>, ApiError> {
    let policy = state
        .agent
        .policies()
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| ApiError::not_found(format!("no policy with id {id:?}")))?;
    let violations = counts(state.store.clone(), Some(id)).await?;
    Ok(Json(PolicyDetail { policy, violations }))
}

#[derive(Debug, Serialize)]
pub(crate) struct StatusResponse {
    #[serde(flatten)]
    agent: AgentStatus,
    violations: ViolationCounts,
}

pub(crate) async fn status(
    State(state): State<ApiState>,
) -> Result<Json<StatusResponse>, ApiError> {
    let violations = counts(state.store.clone(), None).await?;
    Ok(Json(StatusResponse {
        agent: state.agent.status(),
        violations,
    }))
}

pub(crate) async fn no_route(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no route {}", uri.path()))
}

pub(crate) async fn wrong_method(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
}
