//! INTERCEPT-style runtime policy files: the model, a strict loader, policy selection,
//! enforcement levels, waivers, runs and the compliance score.
//!
//! A policy file wraps gossfiles in policies (INTERCEPT's format, read unchanged):
//!
//! ```yaml
//! Policies:
//!   - id: "RUNTIM-001"
//!     type: "runtime"
//!     enforcement:
//!       - environment: "production"
//!         fatal: "true"
//!         exceptions:                       # Warden: a list of waivers
//!           - check: "File: /etc/sudoers: mode"
//!             reason: "vendor image, fixed in the next release"
//!             until: 2030-01-31
//!       - environment: "all"
//!         fatal: "false"
//!     metadata: {name: "Sudoers", tags: [config], score: "8"}
//!     _runtime:
//!       config: runtime/irt_sudoers.yaml    # relative to this file
//! ```
//!
//! [`PolicyFile::load`] reports every mistake with file, line and column: unknown keys
//! (with the valid ones), wrong types, bad cron schedules, duplicate ids, policy types
//! Warden does not run, missing gossfiles. [`PolicyFile::select`] filters as INTERCEPT
//! does (config tags, tags-any, tags-all, environment). [`run`] checks the machine
//! against one policy and returns a [`PolicyOutcome`]; [`run_all`] runs many
//! concurrently; [`compliance_score`] weighs the outcomes by `score`.
//!
//! Only reading the policy file and running a policy touch the outside world.

mod behaviour;
mod enforcement;
mod error;
mod id;
mod load;
mod model;
mod run;
pub mod schedule;
mod selection;
mod waiver;

pub use behaviour::{
    BehaviourEnforcement, BehaviourException, BehaviourPolicy, ContainerSubject, EnforceAction,
    InlineRule, RuleSelection, Scope, Subject,
};
pub use enforcement::{EnforcementRule, Exceptions, Level};
pub use error::PolicyError;
pub use id::normalize_id;
pub use model::{
    Config, Flags, Hook, HookAuth, HookAuthKind, HookEvent, HostMetadata, Metadata, Policy,
    PolicyFile, PolicyKind, RuntimeSpec, SystemVersions,
};
pub use run::{
    CheckStatus, CheckVerdict, Counts, PolicyOutcome, compliance_score, load_gossfile, run, run_all,
};
pub use selection::{ENVIRONMENT_VARIABLES, Selection, detect_environment};
pub use waiver::{Waiver, parse_date};
pub use warden_gossfile::Origin;
