//! One module per family of resources: what each attribute reads, in goss's order.

pub(crate) mod local;
pub(crate) mod matching;
pub(crate) mod remote;
