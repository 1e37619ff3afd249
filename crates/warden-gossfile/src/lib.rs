//! Gossfile model and loader: templates, vars, includes, positions.
//!
//! A gossfile is read into [`Resource`]s whose attributes are already typed and whose
//! matchers are already compiled, so every mistake in the file is reported at load
//! time with its file, line and column, before anything touches the system.

pub mod duration;
mod error;
mod files;
mod host;
mod kinds;
mod load;
mod render;
mod resource;
pub mod vars;

pub use error::GossfileError;
pub use files::{BadPattern, Files, RealFiles, glob};
pub use host::SystemHost;
pub use kinds::{AttrKind, AttrSpec, COMMON_ATTRIBUTES, ResourceKind};
pub use load::{Gossfile, LoadOptions, Source, load, load_with, parse_untemplated};
pub use render::{RenderFormat, document, render, resource_node};
pub use resource::{Attr, Origin, Resource};
