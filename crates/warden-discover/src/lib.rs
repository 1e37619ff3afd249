//! Describes the live system as gossfile resources, as `goss add` and `goss autoadd` do.
//!
//! [`describe`] reads one resource from the machine and returns it with the
//! attributes goss writes for its type (so `warden validate` passes on the
//! same machine), [`autoadd`] finds every resource of the types goss guesses
//! that exists under a name, and [`EditableGossfile`] merges them into a
//! gossfile read without templates, writing it back the way goss does.

mod autoadd;
mod describe;
mod editable;
mod go_match;
mod yaml_order;

pub use autoadd::autoadd;
pub use describe::{AddOptions, DescribeError, default_timeout, describe};
pub use editable::{EditableGossfile, SaveOutcome};
