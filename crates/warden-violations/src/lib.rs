//! Violations: what Warden records when a behaviour policy matches.
//!
//! An [`Alert`] is one detection, complete on its own: the policy, the Falco-shaped rule
//! match, the process with its ancestors, the entity (host or container) and the
//! enforcement action with its outcome. Alerts stream to sinks as they happen. Stores
//! merge alerts into [`Violation`]s, StackRox's model: one per policy and entity, with
//! a count, first and last occurrence, and the latest process records.
//!
//! [`ViolationStore`] is what the agent, the CLI and the API use; [`SqliteStore`] keeps
//! violations in one SQLite file. [`human`] renders them for people; JSON Lines carry
//! [`VIOLATION_SCHEMA`].

pub mod human;
mod model;
mod query;
mod sqlite;
mod store;
mod violation;

pub use model::{
    ALERT_SCHEMA, Action, ActionKind, ActionOutcome, Alert, AncestorRecord, Entity, Mode,
    PolicyRef, ProcessRecord, Severity,
};
pub use query::{Page, TimeBoundError, ViolationFilter, parse_time_bound};
pub use sqlite::{DEFAULT_DB_PATH, SqliteStore};
pub use store::{Recorded, ResolveRequest, Resolved, StoreError, ViolationStore};
pub use violation::{
    BaselineEntry, BaselineScope, MAX_PROCESS_RECORDS, ProcessViolation, Resolution, UnknownName,
    VIOLATION_SCHEMA, Violation, ViolationState,
};
