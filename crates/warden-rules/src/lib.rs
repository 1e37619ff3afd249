//! Falco's rule language on Warden's events.
//!
//! [`RuleSet::load`] reads Falco rule files (texts, not paths: this crate does no I/O)
//! with Falco's semantics for items, keys, `append`/`override`, redefinition and load
//! order, and compiles every rule once: lists substituted, macros resolved, exceptions
//! applied, fields mapped onto [`warden_events::Event`], event types computed.
//! [`RuleSet::evaluate`] then runs the rules that can match an event's type, in load
//! order, on borrowed data: a non-matching event allocates nothing. [`RuleSet::alert`]
//! renders an alert in Falco's JSON shape. [`Filter`] compiles one condition on its own.
//!
//! Errors and warnings carry Falco's codes (`LOAD_ERR_COMPILE_CONDITION`, ...), the
//! file, line and column, and the item.

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
pub use diagnostics::{Code, Diagnostic, ItemRef};
pub use engine::{Filter, Loaded, MatchMode, RuleSet};
pub use fields::field_names;
pub use loader::{ENGINE_VERSION, Priority, RuleFile};
pub use output::Alert;
pub use parser::Pos;
