//! One module per matcher family, each porting the goss/gomega matchers it names.

pub(crate) mod bipartite;
pub(crate) mod collections;
pub(crate) mod equal;
pub(crate) mod logic;
pub(crate) mod numeric;
pub(crate) mod patterns;
pub(crate) mod semver;
pub(crate) mod strings;
pub(crate) mod transform;
pub(crate) mod xml;
