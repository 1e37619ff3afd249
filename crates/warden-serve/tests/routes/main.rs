//! The HTTP routes of `warden-serve`, driven request by request through the router
//! (no sockets): negotiation, status codes, content types, caching, single-flight,
//! policy endpoints in both results modes, and 404s. Checks run against the real
//! machine (commands that append to files count the runs).

// In tests a failed unwrap is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod gossfile;
mod policies;
mod support;
