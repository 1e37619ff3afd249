//! Durable delivery, shared by `warden observe`'s hooks and the agent's sinks.
//!
//! [`Spool`] is a write-ahead queue on disk: one file per delivery (metadata plus the
//! exact payload bytes), written with write-sync-rename and read back oldest first, so
//! a receiver that is down, a stop or a crash loses nothing. [`SigningKey`] signs what
//! is sent with HMAC-SHA256, as INTERCEPT (`X-Signature`) and Standard Webhooks
//! (`webhook-signature`) receivers verify it.

mod signing;
mod spool;

pub use signing::SigningKey;
pub use spool::{Entry, ReadError, Spool};
