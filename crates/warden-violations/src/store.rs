//! What every violation store does, whatever database holds it.

use crate::model::{Alert, Entity};
use crate::query::{Page, ViolationFilter};
use crate::violation::{BaselineEntry, Resolution, Violation};

/// Where violations are kept. Calls block (the agent calls from a dedicated thread, the
/// API from blocking tasks); an implementation serialises its own writes.
pub trait ViolationStore: Send + Sync {
    /// Merges an alert into the open violation of its policy, entity and state, or opens
    /// one. When this returns `Ok` the alert is on disk.
    fn record(&self, alert: &Alert) -> Result<Recorded, StoreError>;

    /// [`record`](Self::record) for several alerts in one commit: all of them are kept or
    /// none is. The results are in the alerts' order.
    fn record_all(&self, alerts: &[Alert]) -> Result<Vec<Recorded>, StoreError>;

    /// Violations matching `filter`, newest last occurrence first.
    fn list(&self, filter: &ViolationFilter, page: Page) -> Result<Vec<Violation>, StoreError>;

    /// How many violations match `filter`.
    fn count(&self, filter: &ViolationFilter) -> Result<u64, StoreError>;

    fn get(&self, id: &str) -> Result<Option<Violation>, StoreError>;

    /// Marks an open violation RESOLVED; with `add_to_baseline`, every executable in its
    /// process records joins the baseline of its policy and scope.
    fn resolve(&self, id: &str, request: &ResolveRequest) -> Result<Resolved, StoreError>;

    /// Whether `exepath` is in the baseline of `policy_id` for the entity's scope
    /// ([`BaselineScope::of`](crate::BaselineScope::of)).
    fn is_baselined(
        &self,
        policy_id: &str,
        entity: &Entity,
        exepath: &str,
    ) -> Result<bool, StoreError>;

    /// Every baseline entry, oldest first.
    fn baseline(&self) -> Result<Vec<BaselineEntry>, StoreError>;
}

/// The outcome of recording one alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub violation_id: String,
    /// The alert opened a violation rather than joining one.
    pub new: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveRequest {
    /// Nanoseconds since the Unix epoch.
    pub time: u64,
    /// Who resolves it (`cli:alice`, `api`).
    pub by: String,
    pub note: Option<String>,
    pub add_to_baseline: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub violation: Violation,
    /// The entries this resolution added (ones already there are not repeated).
    pub baselined: Vec<BaselineEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be opened, read or written: missing, not a violation store,
    /// corrupted, locked for too long, or from a newer Warden.
    #[error("violation store {location}: {message}")]
    Unavailable { location: String, message: String },
    #[error("no violation with id {0:?}")]
    NotFound(String),
    #[error("violation {id} is already resolved (by {}{})", .resolution.by,
        .resolution.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default())]
    AlreadyResolved { id: String, resolution: Resolution },
    /// An alert the store cannot keep as it is.
    #[error("alert {alert_id}: {message}")]
    InvalidAlert { alert_id: String, message: String },
}
