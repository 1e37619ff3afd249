//! Falco's rule language on Warden's events.
//!
//! The whole API, as the agent uses it:
//!
//! - [`RuleSet::load`] takes rule files as `(name, text)` pairs ([`RuleFile`]; this crate
//!   does no I/O) and a host name, reads them with Falco's semantics for items, keys,
//!   `append`/`override`, redefinition and load order, and compiles every rule once:
//!   lists substituted, macros resolved, exceptions applied, fields mapped onto
//!   [`warden_events::Event`], rules indexed by event type. It returns [`Loaded`]: the
//!   rule set when nothing is an error, and every [`Diagnostic`] (Falco's codes, file,
//!   line, column, item).
//! - [`RuleSet::alerts`] evaluates one event in [`MatchMode::First`] or
//!   [`MatchMode::All`] and returns the [`Alert`]s it raises: the rendered output and
//!   `output_fields`, in Falco's JSON shape ([`Alert::to_json_line`]). An event that
//!   matches no rule allocates nothing. [`RuleSet::evaluate`] gives the matching
//!   [`Rule`]s instead, and [`RuleSet::alert`] renders one.
//!
//! [`Filter`] compiles a single condition (`warden trace --filter`).

mod check;
mod compiler;
mod diagnostics;
mod engine;
mod fields;
mod loader;
mod output;
mod parser;
mod tables;
mod text;

pub use compiler::{CompileError, Definitions, Rule};
pub use diagnostics::{Code, DIAGNOSTIC_SCHEMA, Diagnostic, ItemRef};
pub use engine::{Filter, Loaded, MatchMode, RuleSet};
pub use loader::{Priority, RuleFile};
pub use output::Alert;
pub use parser::Pos;
